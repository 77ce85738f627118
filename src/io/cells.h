/* cells: the values of spreadsheet cells as people type them, read into what
 * the store keeps. Pure functions (no database), so they are unit-tested and
 * fuzzed directly. A failure gives a reason that completes a sentence about
 * the cell ("is not a date ...") and never changes what the user typed. */
#ifndef IO_CELLS_H
#define IO_CELLS_H
#include <stdint.h>

typedef enum { CELL_MDY = 0, CELL_DMY = 1 } cell_date_order;   /* how to read 3/1/2017 */

typedef struct cell_when {
    char date[11];   /* "YYYY-MM-DD" */
    int64_t ms;      /* UTC ms: the time given, or 12:00 UTC for a plain date */
    int has_time;
} cell_when;

/* 2017-03-01, 2017/3/1, 2017年3月1日, 3/1/2017 (or 1/3/2017 in D/M order),
 * 3/1/17, 01.03.2017 (dots: always day first), 2017. 03. 01. (Hungarian),
 * each with an optional time (14:30, 2:30 PM, T14:30:00Z, +08:00).
 * A plain date becomes noon UTC, which is the same calendar day in every time
 * zone from UTC-11 to UTC+11, so a date never shows as the day before. */
int cell_date(const char *s, cell_date_order order, cell_when *out, const char **why);

/* Money in minor units of the currency code: "1,054", "1054.50", "$1,054.50", "1.054,50",
 * "12,5", "USD 100", "¥3,000", "1.5万" (万 = 10,000, 亿 = 100,000,000). Refuses
 * negative amounts, more decimals than the currency has (core/money.h), another
 * currency's code or symbol, and amounts over 10^15 minor units. */
int cell_money(const char *s, const char *code, int64_t *minor, const char **why);

int cell_bool(const char *s, int *v);           /* true/false, yes/no, y/n, 1/0, 是/否; 0 ok, -1 not a yes or no */
int cell_int(const char *s, int64_t max, int64_t *v, const char **why);  /* whole number 0..max, grouping allowed */
#endif
