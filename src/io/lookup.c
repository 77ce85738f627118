/* lookup.c: a string-keyed hash table of records, with near-miss search. */
#include "lookup.h"
#include <string.h>
#include <unistr.h>
#include "../core/text.h"

#define NEAR_BUDGET 4000000   /* edit-distance comparisons per table: beyond it, no more suggestions */

struct lookup {
    arena *a;
    lookup_keyfn keyfn;
    lookup_entry **items;     /* in insertion order */
    size_t n, cap;
    int *slots;               /* open addressing: index into items, -1 empty */
    size_t nslots;
    lookup *near_cache;       /* query key -> the suggestion (id unused) */
    lookup *as_written;       /* name exactly as given -> its entry (x[0]: index, -1 none): files repeat names */
    long budget;
};

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void rehash(lookup *l) {
    size_t ns = l->nslots ? l->nslots * 2 : 64;
    int *slots = arena_alloc(l->a, sizeof *slots * ns);
    memset(slots, 0xff, sizeof *slots * ns);
    for (size_t i = 0; i < l->n; i++) {
        size_t h = hash(l->items[i]->key) & (ns - 1);
        while (slots[h] >= 0) h = (h + 1) & (ns - 1);
        slots[h] = (int)i;
    }
    l->slots = slots;
    l->nslots = ns;
}

lookup *lookup_new(arena *a, lookup_keyfn key) {
    lookup *l = arena_alloc(a, sizeof *l);
    l->a = a;
    l->keyfn = key;
    l->budget = NEAR_BUDGET;
    rehash(l);
    return l;
}

size_t lookup_size(const lookup *l) { return l->n; }
lookup_entry *lookup_at(const lookup *l, size_t i) { return i < l->n ? l->items[i] : NULL; }

const lookup_entry *lookup_get_key(lookup *l, const char *key) {
    if (!key) return NULL;
    for (size_t h = hash(key) & (l->nslots - 1); l->slots[h] >= 0; h = (h + 1) & (l->nslots - 1))
        if (!strcmp(l->items[l->slots[h]]->key, key)) return l->items[l->slots[h]];
    return NULL;
}

static char *same(arena *a, const char *s) { return arena_strdup(a, s); }

/* Folding a name to its key (NFKC, case) costs more than a hash lookup, and
 * an import asks for the same few hundred names a hundred thousand times. */
const lookup_entry *lookup_get(lookup *l, const char *name) {
    if (!name) return NULL;
    if (l->keyfn == same) return lookup_get_key(l, name);
    if (!l->as_written) l->as_written = lookup_new(l->a, same);
    const lookup_entry *memo = lookup_get_key(l->as_written, name);
    if (memo) return memo->x[0] >= 0 ? l->items[memo->x[0]] : NULL;
    const lookup_entry *en = lookup_get_key(l, l->keyfn(l->a, name));
    lookup_entry *m = lookup_add_key(l->as_written, arena_strdup(l->a, name), name, 0);
    if (m) m->x[0] = en ? (int64_t)en->index : -1;
    return en;
}

lookup_entry *lookup_add_key(lookup *l, const char *key, const char *name, int64_t id) {
    if (!key || !*key) return NULL;
    lookup_entry *old = (lookup_entry *)lookup_get_key(l, key);
    if (old) {
        if (old->id != id || !id) old->count++;
        return old;
    }
    if ((l->n + 1) * 10 > l->nslots * 7) rehash(l);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        lookup_entry **items = arena_alloc(l->a, sizeof *items * cap);
        if (l->n) memcpy(items, l->items, sizeof *items * l->n);
        l->items = items;
        l->cap = cap;
    }
    lookup_entry *en = arena_alloc(l->a, sizeof *en);
    en->key = key;
    en->name = arena_strdup(l->a, name);
    en->id = id;
    en->count = 1;
    size_t h = hash(key) & (l->nslots - 1);
    while (l->slots[h] >= 0) h = (h + 1) & (l->nslots - 1);
    l->slots[h] = (int)l->n;
    en->index = l->n;
    l->items[l->n++] = en;
    return en;
}

lookup_entry *lookup_add(lookup *l, const char *name, int64_t id) {
    return name ? lookup_add_key(l, l->keyfn(l->a, name), name, id) : NULL;
}

/* Allowed edits grow with the length: one typo in a short name, three in a long one. */
static int cap_for(const char *key) {
    size_t n = u8_mbsnlen((const uint8_t *)key, strlen(key));
    return n < 4 ? 0 : n < 8 ? 1 : n < 16 ? 2 : 3;
}

const lookup_entry *lookup_near(lookup *l, const char *name) {
    char *key = name ? l->keyfn(l->a, name) : NULL;
    if (!key || !*key) return NULL;
    if (!l->near_cache) l->near_cache = lookup_new(l->a, l->keyfn);
    const lookup_entry *seen = lookup_get_key(l->near_cache, key);
    if (seen) return seen->x[0] >= 0 ? l->items[seen->x[0]] : NULL;
    int cap = cap_for(key), best = cap + 1, ties = 0;
    int64_t at = -1;
    for (size_t i = 0; i < l->n && cap > 0 && l->budget > 0; i++, l->budget--) {
        int d = text_distance(key, l->items[i]->key, best < cap ? best : cap);
        if (d == 0) continue;
        if (d < best) best = d, at = (int64_t)i, ties = 0;
        else if (d == best) ties++;
    }
    if (ties) at = -1;   /* two names as close as each other: no suggestion is better than a guess */
    lookup_entry *memo = lookup_add_key(l->near_cache, key, name, 0);
    if (memo) memo->x[0] = at;
    return at >= 0 ? l->items[at] : NULL;
}

int lookup_load(lookup *l, store *s, const char *sql, int nints, int text, err *e) {
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        if (store_col_null(st, 1)) continue;
        lookup_entry *en = lookup_add(l, store_col_text(st, 1), store_col_int(st, 0));
        if (!en || en->count > 1) continue;
        for (int k = 0; k < nints && k < 4; k++) en->x[k] = store_col_null(st, 2 + k) ? 0 : store_col_int(st, 2 + k);
        if (text && !store_col_null(st, 2 + nints)) en->text = arena_strdup(l->a, store_col_text(st, 2 + nints));
    }
    store_reset(st);
    return rc < 0 ? -1 : 0;
}
