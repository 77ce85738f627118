/* lookup: existing records (or values) by a comparison key, so that an import
 * can read a reference given by name or email, tell a missing name from an
 * ambiguous one, and suggest the closest name for a near miss ("GTXPro" ->
 * "GTX Pro"). Keys come from core/text (case, width and punctuation folded).
 * Everything lives in the arena given to lookup_new. */
#ifndef IO_LOOKUP_H
#define IO_LOOKUP_H
#include <stdint.h>
#include "../core/arena.h"
#include "../store/store.h"

typedef struct lookup_entry {
    const char *key;      /* comparison key */
    const char *name;     /* as stored: for messages and suggestions */
    int64_t id;           /* the record (0 for plain values) */
    int64_t x[4];         /* extras the query gave: a stage's position and probability, a product's price, ... */
    const char *text;     /* an extra text: a stage's kind, a product's currency */
    int count;            /* records under this key; more than one is ambiguous */
    size_t index;         /* position in the order entries were added (lookup_at) */
} lookup_entry;

typedef struct lookup lookup;
typedef char *(*lookup_keyfn)(arena *a, const char *s);

lookup *lookup_new(arena *a, lookup_keyfn key);                         /* key: text_key, text_company_key, ... */
lookup_entry *lookup_add(lookup *l, const char *name, int64_t id);      /* under key(name); NULL if it has none */
lookup_entry *lookup_add_key(lookup *l, const char *key, const char *name, int64_t id);  /* under a key made elsewhere */
const lookup_entry *lookup_get(lookup *l, const char *name);            /* by key(name), or NULL */
const lookup_entry *lookup_get_key(lookup *l, const char *key);         /* by a key made elsewhere, or NULL */
/* The entry whose key is closest to key(name) within a few edits (more for
 * longer names), when exactly one is closest; NULL otherwise. Remembered per
 * name, and bounded in total work so a file of unknown names stays fast. */
const lookup_entry *lookup_near(lookup *l, const char *name);
size_t lookup_size(const lookup *l);
lookup_entry *lookup_at(const lookup *l, size_t i);                     /* entries in the order they were added */

/* Add the rows of sql: id, name, then nints integer columns, then a text
 * column if text is set. NULL names are skipped. */
int lookup_load(lookup *l, store *s, const char *sql, int nints, int text, err *e);
#endif
