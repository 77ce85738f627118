#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include "timeutil.h"

static void emit(const char *level, const char *fmt, va_list ap) {
    char ts[32], line[1024];
    time_format_ms(time_now_ms(), ts);
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s %s %s\n", ts, level, line);
}
void log_info(const char *fmt, ...) { va_list ap; va_start(ap, fmt); emit("info", fmt, ap); va_end(ap); }
void log_error(const char *fmt, ...) { va_list ap; va_start(ap, fmt); emit("error", fmt, ap); va_end(ap); }
void log_access(const char *ip, const char *method, const char *path, int status, double ms) {
    char ts[32];
    time_format_ms(time_now_ms(), ts);
    /* one fprintf per line keeps lines whole across threads (stdio locks the stream) */
    fprintf(stderr, "%s access %s %s %s %d %.2fms\n", ts, ip, method, path, status, ms);
}
