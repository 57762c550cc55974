/* clock.h — the two clocks behind every timing Pixeen reports (-v lines, load times, benchmarks).
 * Wall time says how long something took; the process's CPU time (every driver thread included)
 * says what it cost, which stays meaningful on a shared machine where wall time also counts the
 * wait for a core. */
#ifndef PIXEEN_CORE_CLOCK_H
#define PIXEEN_CORE_CLOCK_H

#include <time.h>

/* Seconds on a monotonic clock (differences only). */
static inline double clock_wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds used by the whole process so far. */
static inline double clock_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
