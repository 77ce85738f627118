/* buf: growable byte buffer that always keeps a terminating NUL (like git's strbuf). */
#ifndef CORE_BUF_H
#define CORE_BUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct buf { char *s; size_t len, cap; } buf;
#define BUF_INIT {NULL, 0, 0}

void buf_add(buf *b, const void *p, size_t n);            /* append n bytes */
void buf_puts(buf *b, const char *s);                     /* append a C string */
void buf_putc(buf *b, char c);                            /* append one byte */
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(buf *b);                                   /* length 0, keep memory */
void buf_free(buf *b);                                    /* release memory */
char *buf_detach(buf *b);                                 /* hand the malloc'd string to the caller */
const char *buf_str(const buf *b);                        /* contents, "" when empty */
#endif
