/* arena: per-request bump allocator. Everything allocated from an arena is
 * freed at once by arena_free(); callers never free piecemeal. */
#ifndef CORE_ARENA_H
#define CORE_ARENA_H
#include <stddef.h>
#include <stdarg.h>

typedef struct arena_chunk arena_chunk;
typedef struct arena { arena_chunk *head; } arena;

void  arena_init(arena *a);                               /* empty arena, no allocation yet */
void  arena_free(arena *a);                               /* release every chunk */
void *arena_alloc(arena *a, size_t n);                    /* n zeroed bytes, 16-aligned; aborts on OOM */
char *arena_strdup(arena *a, const char *s);              /* copy of s (NULL stays NULL) */
char *arena_strndup(arena *a, const char *s, size_t n);   /* copy of n bytes plus NUL */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
