/* calc: the arithmetic of pipeline analytics, pure and exact.
 *
 * A rate is a numerator and a denominator; its decimal is derived only for
 * display, rounded half away from zero to 4 places. A probability used for
 * money is a fraction of integers too, so a weighted amount (amount x p) is
 * rounded once, half away from zero, to the minor unit in 128-bit integers:
 * no floating point touches money. Calendar arithmetic (ISO weeks, months,
 * quarters) works on day numbers (days since 1970-01-01, UTC) and converts
 * through src/core/timeutil. Everything here is unit-tested in
 * tests/unit/test_analytics.c. */
#ifndef ANALYTICS_CALC_H
#define ANALYTICS_CALC_H
#include <stdint.h>

#define AN_DAY_MS 86400000LL
#define AN_NO_DAY INT32_MIN          /* a missing date (close date not set) */
#define AN_SHRINK_K 10               /* per-rep rates are pulled toward the team's with this many pseudo-deals */
#define AN_MIN_SAMPLE 20             /* below this many closed deals a stage falls back to its default probability */

/* A probability as num/den (den > 0). */
typedef struct an_frac { int64_t num, den; } an_frac;

/* --- rounding --- */
double  an_round(int64_t num, int64_t den, int places);    /* num/den rounded half away from zero; 0 when den is 0 */
int64_t an_div_round(__int128 num, __int128 den);          /* integer num/den rounded half away from zero; 0 when den is 0 */
double  an_diff_pp(int64_t a, int64_t b, int64_t c, int64_t d); /* 100 x (a/b - c/d), percentage points, 2 places */

/* --- probabilities --- */
/* The team's rate for a stage: won/closed when closed >= AN_MIN_SAMPLE, else
 * the stage's default probability (basis points). *from_history says which. */
an_frac an_team_rate(int64_t won, int64_t closed, int64_t default_bp, int *from_history);
/* A rep's rate pulled toward the team's: (wins + K x p_team) / (closed + K). */
an_frac an_shrink(int64_t wins, int64_t closed, an_frac team);
int64_t an_weighted(int64_t amount, an_frac p);             /* amount x p, rounded to the minor unit */

/* --- small statistics --- */
int64_t an_median2(const int64_t *v, int n, int64_t *scratch); /* twice the median (exact for halves); 0 when n is 0 */

/* The early-warning rule of activity metrics: a rep's figure for a week is
 * flagged when it is below half of their own average over the 8 weeks before
 * (sum8 / 8), or below half of the team's median that week. Returns a mask. */
enum { AN_WARN_OWN = 1, AN_WARN_TEAM = 2 };
int an_warn(int64_t value, int64_t sum8, int64_t team_median2);

/* --- calendar (day numbers) --- */
int32_t an_day_parse(const char *ymd);                   /* "YYYY-MM-DD" -> day number; AN_NO_DAY if not a real date */
void    an_day_format(int32_t day, char out[11]);        /* day number -> "YYYY-MM-DD" */
int32_t an_day_of_ms(int64_t ms);                         /* the UTC day a timestamp falls on (floor) */
int32_t an_week_start(int32_t day);                       /* the Monday of day's ISO week */
void    an_week_label(int32_t monday, char out[9]);       /* ISO week as "2026-W09" */
int     an_week_parse(const char *label, int32_t *monday);/* "2026-W09" -> its Monday; -1 if not a real ISO week */
int32_t an_add_months(int32_t first_of_month, int months);/* the first day of a month, months later (or earlier) */
int32_t an_month_start(int32_t day);                      /* the first day of day's month */
int32_t an_quarter_start(int32_t day);                    /* the first day of day's calendar quarter */
#endif
