/* log.h — diagnostics to stderr (or to the application's callback, once the API installs one).
 * Levels: error < warn < info < debug. The default level is warn; PIXEEN_LOG=debug|info|warn|error
 * overrides it. Never used for data: prompts and keys must not be logged. */
#ifndef PIXEEN_CORE_LOG_H
#define PIXEEN_CORE_LOG_H

#include "core/error.h"

typedef enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 } log_level;

typedef void (*log_sink_fn)(log_level level, const char *message, void *user);

void log_write(log_level level, const char *fmt, ...) PX_PRINTF(2, 3);
int log_enabled(log_level level);
void log_set_level(log_level level);
/* Routes messages to `sink` (NULL restores stderr). */
void log_set_sink(log_sink_fn sink, void *user);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

#endif
