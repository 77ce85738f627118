#include "buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grow(buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) { fputs("out of memory\n", stderr); abort(); }
    b->s = s; b->cap = cap;
}

void buf_add(buf *b, const void *p, size_t n) {
    grow(b, n);
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}
void buf_puts(buf *b, const char *s) { buf_add(b, s, strlen(s)); }
void buf_putc(buf *b, char c) { buf_add(b, &c, 1); }

void buf_printf(buf *b, const char *fmt, ...) {
    va_list ap, ap2;
    grow(b, 64); /* most writes fit: one pass */
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        grow(b, (size_t)n);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0) b->len += (size_t)n;
    b->s[b->len] = 0;
}

void buf_reset(buf *b) { b->len = 0; if (b->s) b->s[0] = 0; }
void buf_free(buf *b) { free(b->s); b->s = NULL; b->len = b->cap = 0; }
char *buf_detach(buf *b) { if (!b->s) grow(b, 0), b->s[0] = 0; char *s = b->s; b->s = NULL; b->len = b->cap = 0; return s; }
const char *buf_str(const buf *b) { return b->s ? b->s : ""; }
