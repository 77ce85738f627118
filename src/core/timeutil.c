#include "timeutil.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

int64_t time_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_format_ms(int64_t ms, char out[32]) {
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)t * 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    /* fixed-width digits by hand: this runs for every timestamp of every list page */
    static const char shape[] = "0000-00-00T00:00:00.000Z";
    memcpy(out, shape, sizeof shape);
    unsigned v[7] = {(unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1), (unsigned)tm.tm_mday,
                     (unsigned)tm.tm_hour, (unsigned)tm.tm_min, (unsigned)tm.tm_sec, (unsigned)frac % 1000u};
    static const int end[7] = {3, 6, 9, 12, 15, 18, 22}; /* index of each field's last digit */
    static const int width[7] = {4, 2, 2, 2, 2, 2, 3};
    for (int f = 0; f < 7; f++)
        for (int i = 0, x = (int)v[f]; i < width[f]; i++, x /= 10) out[end[f] - i] = (char)('0' + x % 10);
}

static int digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* A date is real when timegm's normalisation leaves it unchanged (no Feb 30). */
static int real_date(int y, int m, int d, struct tm *tm) {
    memset(tm, 0, sizeof *tm);
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return 0;
    tm->tm_year = y - 1900; tm->tm_mon = m - 1; tm->tm_mday = d; tm->tm_hour = 12;
    struct tm copy = *tm;
    timegm(&copy);
    return copy.tm_year == tm->tm_year && copy.tm_mon == tm->tm_mon && copy.tm_mday == tm->tm_mday;
}

int time_valid_date(const char *s) {
    int y, m, d;
    struct tm tm;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return 0;
    return real_date(y, m, d, &tm);
}

int64_t time_date_to_ms(const char *s) {
    int y, m, d;
    struct tm tm;
    digits(s, 4, &y); digits(s + 5, 2, &m); digits(s + 8, 2, &d);
    real_date(y, m, d, &tm);
    tm.tm_hour = 0;
    return (int64_t)timegm(&tm) * 1000;
}

void time_date_of_ms(int64_t ms, char out[11]) {
    char full[32];
    time_format_ms(ms, full);
    memcpy(out, full, 10);
    out[10] = 0;
}

int time_parse_ts(const char *s, int64_t *ms) {
    int y, mo, d, h, mi, se, frac = 0;
    struct tm tm;
    if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
        digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return -1;
    if (!real_date(y, mo, d, &tm) || h > 23 || mi > 59 || se > 60) return -1;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        p++;
        while (isdigit((unsigned char)*p)) {
            if (n < 3) frac = frac * 10 + (*p - '0');
            n++, p++;
        }
        if (n == 0 || n > 9) return -1;
        while (n++ < 3) frac *= 10;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        int oh, om;
        if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
        p += 6;
    } else return -1;
    if (*p) return -1;
    tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = se;
    *ms = ((int64_t)timegm(&tm) - offset) * 1000 + frac;
    return 0;
}
