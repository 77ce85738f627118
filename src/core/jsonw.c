#include "jsonw.h"
#include <stdio.h>
#include <string.h>

void jsonw_str(buf *b, const char *s) {
    if (!s) { buf_add(b, "null", 4); return; }
    buf_putc(b, '"');
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') continue;
        buf_add(b, run, (size_t)((const char *)p - run));
        char esc[8];
        switch (*p) {
        case '"': buf_add(b, "\\\"", 2); break;
        case '\\': buf_add(b, "\\\\", 2); break;
        case '\n': buf_add(b, "\\n", 2); break;
        case '\r': buf_add(b, "\\r", 2); break;
        case '\t': buf_add(b, "\\t", 2); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", *p); buf_add(b, esc, 6); break;
        }
        run = (const char *)p + 1;
    }
    buf_puts(b, run);
    buf_putc(b, '"');
}

void jsonw_key(buf *b, const char *key, int first) {
    if (!first) buf_putc(b, ',');
    jsonw_str(b, key);
    buf_putc(b, ':');
}

void jsonw_int(buf *b, int64_t v) {
    char n[24], *p = n + sizeof n;
    /* digits by hand: printf's machinery was a tenth of a list page's CPU */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) *--p = '-';
    buf_add(b, p, (size_t)(n + sizeof n - p));
}
