/* log.c — level-filtered diagnostics. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text_escape.h"

static int log_level_current = -1; /* -1: not read from the environment yet */
static log_sink_fn log_sink;
static void *log_sink_user;

static int level_from_env(void) {
    const char *env = getenv("PIXEEN_LOG");
    if (!env) return LOG_WARN;
    if (!strcmp(env, "debug")) return LOG_DEBUG;
    if (!strcmp(env, "info")) return LOG_INFO;
    if (!strcmp(env, "error")) return LOG_ERROR;
    return LOG_WARN;
}

int log_enabled(log_level level) {
    if (log_level_current < 0) log_level_current = level_from_env();
    return (int)level <= log_level_current;
}

void log_set_level(log_level level) { log_level_current = (int)level; }

void log_set_sink(log_sink_fn sink, void *user) {
    log_sink = sink;
    log_sink_user = user;
}

void log_write(log_level level, const char *fmt, ...) {
    static const char *const names[] = {"error", "warning", "info", "debug"};
    char raw[1024], text[1024];
    va_list ap;
    if (!log_enabled(level)) return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    text_escape(text, sizeof text, raw, sizeof raw); /* file names in messages: no terminal escapes */
    if (log_sink) {
        log_sink(level, text, log_sink_user);
        return;
    }
    fprintf(stderr, "pixeen: %s: %s\n", names[level], text);
}
