/* calc.c: exact rates, rounding, shrinkage and calendar arithmetic. */
#include "calc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../core/timeutil.h"

int64_t an_div_round(__int128 num, __int128 den) {
    if (den == 0) return 0;
    if (num >= 0 && den > 0 && num <= INT64_MAX / 4 && den <= INT64_MAX / 4)   /* the usual case, without 128-bit division */
        return (int64_t)(((int64_t)num * 2 + (int64_t)den) / (2 * (int64_t)den));
    if (den < 0) num = -num, den = -den;
    __int128 q = (num < 0 ? -num : num) * 2 + den;   /* |num|/den + 1/2, floored */
    q /= 2 * den;
    return (int64_t)(num < 0 ? -q : q);
}

static const int64_t POW10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

double an_round(int64_t num, int64_t den, int places) {
    if (den == 0) return 0;
    int64_t scale = POW10[places];
    return (double)an_div_round((__int128)num * scale, den) / (double)scale;
}

double an_diff_pp(int64_t a, int64_t b, int64_t c, int64_t d) {
    /* 100 (a/b - c/d) = 100 (ad - cb) / bd, kept exact until the one rounding */
    __int128 num = ((__int128)a * d - (__int128)c * b) * 100 * 100;
    return (double)an_div_round(num, (__int128)b * d) / 100.0;
}

an_frac an_team_rate(int64_t won, int64_t closed, int64_t default_bp, int *from_history) {
    *from_history = closed >= AN_MIN_SAMPLE;
    return *from_history ? (an_frac){won, closed} : (an_frac){default_bp, 10000};
}

an_frac an_shrink(int64_t wins, int64_t closed, an_frac team) {
    /* (w + K n/d) / (c + K) = (w d + K n) / ((c + K) d) */
    return (an_frac){wins * team.den + AN_SHRINK_K * team.num, (closed + AN_SHRINK_K) * team.den};
}

int64_t an_weighted(int64_t amount, an_frac p) { return an_div_round((__int128)amount * p.num, p.den); }

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t an_median2(const int64_t *v, int n, int64_t *scratch) {
    if (n <= 0) return 0;
    memcpy(scratch, v, sizeof *v * (size_t)n);
    qsort(scratch, (size_t)n, sizeof *scratch, cmp_i64);
    return n % 2 ? 2 * scratch[n / 2] : scratch[n / 2 - 1] + scratch[n / 2];
}

int an_warn(int64_t value, int64_t sum8, int64_t team_median2) {
    int mask = 0;
    if (16 * value < sum8) mask |= AN_WARN_OWN;            /* value < (sum8 / 8) / 2 */
    if (4 * value < team_median2) mask |= AN_WARN_TEAM;    /* value < (median2 / 2) / 2 */
    return mask;
}

/* ---- calendar ---- */

int32_t an_day_parse(const char *ymd) {
    if (!ymd || !time_valid_date(ymd)) return AN_NO_DAY;
    return (int32_t)(time_date_to_ms(ymd) / AN_DAY_MS);
}

void an_day_format(int32_t day, char out[11]) { time_date_of_ms((int64_t)day * AN_DAY_MS, out); }

int32_t an_day_of_ms(int64_t ms) {
    int64_t d = ms / AN_DAY_MS;
    if (ms < 0 && d * AN_DAY_MS != ms) d--;
    return (int32_t)d;
}

static struct tm tm_of(int32_t day) {
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm;
}

static int32_t day_of_tm(struct tm *tm) { return (int32_t)(timegm(tm) / 86400); }

int32_t an_week_start(int32_t day) {
    int wd = tm_of(day).tm_wday;            /* 0 = Sunday */
    return day - (wd + 6) % 7;
}

void an_week_label(int32_t monday, char out[9]) {
    struct tm thu = tm_of(monday + 3);      /* an ISO week belongs to the year of its Thursday */
    unsigned year = (unsigned)(thu.tm_year + 1900) % 10000, week = (unsigned)thu.tm_yday / 7 + 1;   /* 1..53 */
    snprintf(out, 9, "%04u-W%02u", year, week % 100);
}

int an_week_parse(const char *label, int32_t *monday) {
    int y, w;
    char tail;
    if (!label || strlen(label) != 8 || sscanf(label, "%4d-W%2d%c", &y, &w, &tail) != 2 || w < 1 || w > 53 || y < 1971)
        return -1;
    struct tm jan4 = {.tm_year = y - 1900, .tm_mon = 0, .tm_mday = 4};
    int32_t m = an_week_start(day_of_tm(&jan4)) + (w - 1) * 7;   /* week 1 holds 4 January */
    char back[9];
    an_week_label(m, back);
    if (strcmp(back, label)) return -1;                           /* week 53 of a 52-week year */
    *monday = m;
    return 0;
}

int32_t an_month_start(int32_t day) { return day - (tm_of(day).tm_mday - 1); }

int32_t an_add_months(int32_t first_of_month, int months) {
    struct tm tm = tm_of(first_of_month);
    tm.tm_mon += months;                    /* timegm normalises the month into the year */
    tm.tm_mday = 1;
    return day_of_tm(&tm);
}

int32_t an_quarter_start(int32_t day) {
    struct tm tm = tm_of(day);
    return an_add_months(an_month_start(day), -(tm.tm_mon % 3));
}
