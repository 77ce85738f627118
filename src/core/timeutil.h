/* timeutil: UTC timestamps as int64 milliseconds since the epoch, calendar
 * dates as "YYYY-MM-DD" strings. Conversions go through the C library's
 * timegm/gmtime_r, never hand-made offsets. */
#ifndef CORE_TIMEUTIL_H
#define CORE_TIMEUTIL_H
#include <stdint.h>
#include <stddef.h>

int64_t time_now_ms(void);                                   /* wall clock, UTC ms */
void    time_format_ms(int64_t ms, char out[32]);            /* "2026-11-23T14:10:38.123Z" */
int     time_parse_ts(const char *s, int64_t *ms);           /* RFC 3339 (Z or +hh:mm) -> ms; 0 ok, -1 bad */
int     time_valid_date(const char *s);                      /* 1 if s is a real calendar date YYYY-MM-DD */
void    time_date_of_ms(int64_t ms, char out[11]);           /* UTC calendar date of a timestamp */
int64_t time_date_to_ms(const char *date);                   /* midnight UTC of a valid date */
#endif
