/* cells.c: reading dates, money, yes/no and numbers from spreadsheet cells. */
#include "cells.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "../core/money.h"
#include "../core/timeutil.h"

#define MONEY_MAX 1000000000000000LL   /* the store's bound on money, in minor units */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Up to maxd digits at *p; advances *p. -1 if there are none. */
static int num(const char **p, int maxd) {
    int v = 0, n = 0;
    while (is_digit(**p) && n < maxd) v = v * 10 + (*(*p)++ - '0'), n++;
    return n ? v : -1;
}

static const char *skip_spaces(const char *p) {
    while (*p == ' ') p++;
    return p;
}

static int eat(const char **p, const char *word) {
    size_t n = strlen(word);
    if (strncasecmp(*p, word, n)) return 0;
    *p += n;
    return 1;
}

/* " 14:30", "T14:30:00.123Z", " 2:30 PM", "+08:00": seconds from midnight and
 * the offset east of UTC. 0 ok (also when there is no time), -1 bad. */
static int read_time(const char **pp, int *secs, int *offset, int *has) {
    const char *p = *pp;
    *secs = *offset = *has = 0;
    if (*p == 'T' || *p == ' ') p = skip_spaces(p + 1);
    if (!*p) { *pp = p; return 0; }
    int h = num(&p, 2), m = -1, s = 0;
    if (h < 0 || *p++ != ':' || (m = num(&p, 2)) < 0) return -1;
    if (*p == ':' && (s = (p++, num(&p, 2))) < 0) return -1;
    if (*p == '.') for (p++; is_digit(*p); p++) {}
    p = skip_spaces(p);
    if (eat(&p, "pm") || eat(&p, "am")) {
        if (h < 1 || h > 12) return -1;
        h = h % 12 + (tolower((unsigned char)p[-2]) == 'p' ? 12 : 0);
    }
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh = num(&p, 2), om = 0;
        if (oh < 0 || oh > 14 || (*p == ':' && (om = (p++, num(&p, 2))) < 0) || om > 59) return -1;
        *offset = sign * (oh * 3600 + om * 60);
    }
    if (h > 23 || m > 59 || s > 59) return -1;
    *secs = h * 3600 + m * 60 + s;
    *has = 1;
    *pp = p;
    return 0;
}

static int make_date(int y, int m, int d, char out[11]) {
    if (y < 0 || m < 0 || d < 0) return -1;
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    return time_valid_date(out) ? 0 : -1;
}

int cell_date(const char *s, cell_date_order order, cell_when *out, const char **why) {
    const char *p = skip_spaces(s);
    int a, b, c, bad;
    const char *start = p;
    a = num(&p, 4);
    int alen = (int)(p - start);
    memset(out, 0, sizeof *out);
    *why = "is not a date such as 2017-03-01, 3/1/2017 or 2017年3月1日";
    if (a < 0) return -1;
    if (alen == 4 && !strncmp(p, "年", 3)) {
        p += 3;
        b = num(&p, 2);
        if (strncmp(p, "月", 3)) return -1;
        p += 3;
        c = num(&p, 2);
        if (!strncmp(p, "日", 3) || !strncmp(p, "号", 3)) p += 3;
        else return -1;
        bad = make_date(a, b, c, out->date);
    } else if (alen == 4 && (*p == '-' || *p == '/' || *p == '.')) {
        /* 2017-03-01, 2017/3/1, and Hungarian 2017. 03. 01. (dots, spaces, a closing dot) */
        char sep = *p++;
        if (sep == '.') p = skip_spaces(p);
        b = num(&p, 2);
        if (*p++ != sep) return -1;
        if (sep == '.') p = skip_spaces(p);
        c = num(&p, 2);
        if (sep == '.' && *p == '.') p++;
        bad = make_date(a, b, c, out->date);
    } else if (alen <= 2 && (*p == '/' || *p == '-' || *p == '.')) {
        char sep = *p++;
        b = num(&p, 2);
        if (*p++ != sep) return -1;
        const char *ys = p;
        int y = num(&p, 4), ylen = (int)(p - ys);
        if (ylen == 2) y += y < 70 ? 2000 : 1900;   /* 3/1/17: the pivot puts CRM dates in 1970-2069 */
        else if (ylen != 4) return -1;
        int dmy = order == CELL_DMY || sep == '.';   /* 01.03.2017 is day first wherever dots are written */
        int m = dmy ? b : a, d = dmy ? a : b;
        bad = make_date(y, m, d, out->date);
        char other[11];
        if (bad && sep != '.' && make_date(y, d, m, other) == 0)
            *why = dmy ? "is not a real date in day/month/year order (is the file month/day/year?)"
                                     : "is not a real date in month/day/year order (is the file day/month/year?)";
    } else return -1;
    if (bad) {
        if (!strstr(*why, "order")) *why = "is not a real calendar date";
        return -1;
    }
    int secs, offset;
    if (read_time(&p, &secs, &offset, &out->has_time) || *skip_spaces(p)) {
        *why = "has a time that cannot be read (use 14:30 or 2:30 PM)";
        return -1;
    }
    int64_t day = time_date_to_ms(out->date);
    out->ms = out->has_time ? day + ((int64_t)secs - offset) * 1000 : day + 12 * 3600000LL;
    return 0;
}

/* ---- currencies ---- */

/* Signs that name one currency; "$" and "¥" name several, so they only go. */
static const struct { const char *sign, *code; } signs[] = {
    {"€", "EUR"}, {"£", "GBP"}, {"￥", "CNY"}, {"元", "CNY"}, {"RMB", "CNY"}, {"Ft", "HUF"}, {"₩", "KRW"},
    {"$", NULL}, {"¥", NULL}};

/* Take currency signs and codes off both ends of [*b, *e); refuse one that
 * names another currency than the record's. */
static int strip_currency(const char **b, const char **e, const char *want, const char **why) {
    char named[4] = "";
    for (int again = 1; again;) {
        again = 0;
        while (*b < *e && **b == ' ') (*b)++;
        while (*e > *b && (*e)[-1] == ' ') (*e)--;
        size_t len = (size_t)(*e - *b);
        for (size_t i = 0; i < sizeof signs / sizeof signs[0] && !again; i++) {
            size_t n = strlen(signs[i].sign);
            if (len < n) continue;
            if (!strncmp(*b, signs[i].sign, n)) *b += n, again = 1;
            else if (!strncmp(*e - n, signs[i].sign, n)) *e -= n, again = 1;
            if (again && signs[i].code) memcpy(named, signs[i].code, 4);
        }
        for (int end = 0; end < 2 && !again && len > 3; end++) {
            const char *c = end ? *e - 3 : *b;
            char code[4] = {c[0], c[1], c[2], 0};
            if (!money_currency(code)) continue;
            memcpy(named, code, 4);
            if (end) *e -= 3; else *b += 3;
            again = 1;
        }
    }
    if (*named && strcmp(named, want)) { *why = "is in another currency than the record's"; return -1; }
    return 0;
}

int cell_money(const char *s, const char *code, int64_t *minor, const char **why) {
    const currency *cur = money_currency(code);
    if (!cur) { *why = "cannot be read: the currency is not known"; return -1; }
    int decimals = cur->digits;
    const char *b = s, *e = s + strlen(s);
    *why = "is not an amount such as 1,054.50";
    if (strip_currency(&b, &e, code, why)) return -1;
    int scale = 0;   /* powers of ten from 万 or 亿 */
    if (e - b >= 3 && (!strncmp(e - 3, "万", 3) || !strncmp(e - 3, "萬", 3))) scale = 4, e -= 3;
    else if (e - b >= 3 && (!strncmp(e - 3, "亿", 3) || !strncmp(e - 3, "億", 3))) scale = 8, e -= 3;
    while (e > b && e[-1] == ' ') e--;
    if (b < e && (*b == '-' || *b == '(')) { *why = "must not be negative"; return -1; }
    if (b < e && *b == '+') b++;
    /* the decimal mark: the later of '.' and ','; a lone ',' followed by exactly three digits groups thousands */
    const char *lastdot = NULL, *lastcomma = NULL;
    int ndots = 0, ncommas = 0;
    for (const char *p = b; p < e; p++) {
        if (*p == '.') lastdot = p, ndots++;
        else if (*p == ',') lastcomma = p, ncommas++;
    }
    const char *mark = NULL;
    if (lastdot && lastcomma) mark = lastdot > lastcomma ? lastdot : lastcomma;
    else if (lastdot && ndots == 1) mark = lastdot;
    else if (lastcomma && ncommas == 1 && e - lastcomma - 1 != 3) mark = lastcomma;
    __int128 v = 0;
    int digits = 0, frac = -1, nonzero_frac = 0;
    for (const char *p = b; p < e; p++) {
        if (p == mark) { frac = 0; continue; }
        if (is_digit(*p)) {
            if (frac >= 0) { frac++; if (*p != '0') nonzero_frac = frac; }
            v = v * 10 + (*p - '0');
            if (++digits > 24) { *why = "is too large"; return -1; }
        } else if (frac < 0 && p > b && is_digit(p[-1])) {
            /* grouping: a mark between two digits */
            size_t k = (*p == ',' || *p == '.' || *p == '\'' || *p == ' ') ? 1 : !strncmp(p, "\xC2\xA0", 2) ? 2 : 0;
            if (!k || p + k >= e || !is_digit(p[k])) return -1;
            p += k - 1;
        } else return -1;
    }
    if (!digits) return -1;
    if (frac < 0) frac = 0;
    if (nonzero_frac > decimals + scale) { *why = "has more decimals than the currency has"; return -1; }
    int shift = decimals + scale - frac;
    for (; shift > 0; shift--) v *= 10;
    for (; shift < 0; shift++) v /= 10;   /* only zeros go: nonzero_frac was checked */
    if (v > MONEY_MAX) { *why = "is too large"; return -1; }
    *minor = (int64_t)v;
    return 0;
}

/* ---- yes/no and numbers ---- */

int cell_bool(const char *s, int *v) {
    static const char *const yes[] = {"true", "yes", "y", "1", "t", "x", "on", "是", "真", "有效", NULL};
    static const char *const no[] = {"false", "no", "n", "0", "f", "off", "否", "假", "无效", NULL};
    for (int i = 0; yes[i]; i++)
        if (!strcasecmp(s, yes[i])) { *v = 1; return 0; }
    for (int i = 0; no[i]; i++)
        if (!strcasecmp(s, no[i])) { *v = 0; return 0; }
    return -1;
}

int cell_int(const char *s, int64_t max, int64_t *v, const char **why) {
    int64_t n = 0;
    int digits = 0;
    *why = "is not a whole number";
    for (const char *p = s; *p; p++) {
        if (is_digit(*p)) {
            if (n > (INT64_MAX - 9) / 10) { *why = "is too large"; return -1; }
            n = n * 10 + (*p - '0');
            digits++;
        } else if (*p == '-' && p == s) { *why = "must not be negative"; return -1; }
        else if (!(digits && (*p == ',' || *p == ' ' || *p == '\''))) return -1;
    }
    if (!digits) return -1;
    if (max && n > max) { *why = "is too large"; return -1; }
    *v = n;
    return 0;
}
