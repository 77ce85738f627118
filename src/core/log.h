/* log: one-line messages to standard error, with a UTC timestamp. */
#ifndef CORE_LOG_H
#define CORE_LOG_H
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* something happened */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* something failed */
void log_access(const char *ip, const char *method, const char *path, int status, double ms); /* one request */
#endif
