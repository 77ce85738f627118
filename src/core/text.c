#include "text.h"
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

/* NFKC + full case folding in one libunistring call; malloc'd, NULL on bad input */
static uint8_t *fold(const char *s, size_t *len) {
    if (!s || u8_check((const uint8_t *)s, strlen(s))) return NULL;
    return u8_casefold((const uint8_t *)s, strlen(s), NULL, UNINORM_NFKC, NULL, len);
}

char *text_key(arena *a, const char *s) {
    size_t n;
    uint8_t *f = fold(s, &n);
    if (!f) return NULL;
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    int gap = 0;
    for (size_t i = 0; i < n;) {
        ucs4_t c;
        int k = u8_mbtouc(&c, f + i, n - i);
        if (uc_is_property_white_space(c) || uc_is_general_category(c, UC_CATEGORY_P) ||
            uc_is_general_category(c, UC_CATEGORY_S)) {
            gap = o > 0;
        } else {
            if (gap) out[o++] = ' ';
            gap = 0;
            memcpy(out + o, f + i, (size_t)k);
            o += (size_t)k;
        }
        i += (size_t)k;
    }
    out[o] = 0;
    free(f);
    return out;
}

/* Legal-form words, in key form (folded, punctuation gone), longest first so
 * that 股份有限公司 goes before 有限公司. */
static const char *const suffixes[] = {
    "股份有限公司", "有限责任公司", "有限責任公司", "集团有限公司", "有限公司", "集团", "集團", "公司",
    "co ltd", "company limited", "limited", "ltd", "inc", "incorporated", "corp", "corporation", "llc", "gmbh",
    "kft", "zrt", "nyrt", "bt", "plc", "ag", "sa", "srl", "bv", "co", "company", NULL};

static int ends_with(const char *s, size_t n, const char *suf, size_t *cut) {
    size_t m = strlen(suf);
    if (m >= n || memcmp(s + n - m, suf, m)) return 0;
    /* a Latin suffix must be a whole word; CJK ones attach directly */
    if ((unsigned char)suf[0] < 0x80 && s[n - m - 1] != ' ') return 0;
    *cut = m;
    return 1;
}

char *text_company_key(arena *a, const char *s) {
    char *k = text_key(a, s);
    if (!k) return NULL;
    size_t n = strlen(k);
    for (int again = 1; again;) {
        again = 0;
        for (int i = 0; suffixes[i]; i++) {
            size_t cut;
            if (ends_with(k, n, suffixes[i], &cut)) {
                n -= cut;
                while (n && k[n - 1] == ' ') n--;
                k[n] = 0;
                again = 1;
                break;
            }
        }
    }
    /* spacing is not a difference between two company names */
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (k[i] != ' ') k[o++] = k[i];
    k[o] = 0;
    return k;
}

char *text_email_key(arena *a, const char *s) {
    char *k = NULL;
    size_t n;
    uint8_t *f = fold(s, &n);
    if (!f) return NULL;
    size_t b = 0, e = n;
    while (b < e && (f[b] == ' ' || f[b] == '\t')) b++;
    while (e > b && (f[e - 1] == ' ' || f[e - 1] == '\t')) e--;
    if (memchr(f + b, '@', e - b)) k = arena_strndup(a, (const char *)f + b, e - b);
    free(f);
    return k;
}

char *text_phone_key(arena *a, const char *s) {
    size_t n;
    uint8_t *f = fold(s, &n);
    if (!f) return NULL;
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (f[i] >= '0' && f[i] <= '9') out[o++] = (char)f[i];
    out[o] = 0;
    free(f);
    return o >= 6 ? out : NULL;
}

int text_distance(const char *a, const char *b, int cap) {
    size_t na, nb;
    ucs4_t *ua = u8_to_u32((const uint8_t *)a, strlen(a), NULL, &na);
    ucs4_t *ub = u8_to_u32((const uint8_t *)b, strlen(b), NULL, &nb);
    int result = cap + 1;
    if (!ua || !ub) goto done;
    if ((na > nb ? na - nb : nb - na) > (size_t)cap) goto done;
    int *row = malloc((nb + 1) * sizeof *row);
    if (!row) goto done;
    for (size_t j = 0; j <= nb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0], best = row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int v = diag + (ua[i - 1] != ub[j - 1]);
            if (up + 1 < v) v = up + 1;
            if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best) best = v;
        }
        if (best > cap) { free(row); goto done; }
    }
    result = row[nb] > cap ? cap + 1 : row[nb];
    free(row);
done:
    free(ua);
    free(ub);
    return result;
}
