#include "arena.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk { arena_chunk *next; size_t used, cap; _Alignas(16) unsigned char data[]; };

#define ARENA_CHUNK 8192

void arena_init(arena *a) { a->head = NULL; }

void arena_free(arena *a) {
    arena_chunk *c = a->head;
    while (c) { arena_chunk *n = c->next; free(c); c = n; }
    a->head = NULL;
}

void *arena_alloc(arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) { fputs("out of memory\n", stderr); abort(); }
        c->used = 0; c->cap = cap;
        /* big one-off blocks go behind the current chunk so its free space stays usable */
        if (a->head && n > ARENA_CHUNK) { c->next = a->head->next; a->head->next = c; }
        else { c->next = a->head; a->head = c; }
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    if (!s) return NULL;
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    return d;
}

char *arena_strdup(arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap, ap2;
    char small[256];
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *d = arena_alloc(a, (size_t)n + 1);
    if ((size_t)n < sizeof small) memcpy(d, small, (size_t)n + 1);
    else vsnprintf(d, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return d;
}
