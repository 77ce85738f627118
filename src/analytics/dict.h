/* dict: dense numbering of database ids and of short strings, so the
 * snapshot's columns hold small indexes instead of ids and text.
 *
 * an_ids maps a positive id to 0, 1, 2, ... in the order ids are first seen,
 * through a direct table indexed by id (database ids are dense sequences, so
 * this costs 4 bytes per id up to the largest one and no hashing). an_strs
 * does the same for strings (currency codes, lead sources) with a small open
 * hash. Both only grow; memory is the caller's to release with *_free. */
#ifndef ANALYTICS_DICT_H
#define ANALYTICS_DICT_H
#include <stddef.h>
#include <stdint.h>

#define AN_NONE UINT32_MAX            /* "no index" */
#define AN_MAX_ID ((int64_t)1 << 31)  /* ids above this are refused (the table would not be sane) */

typedef struct an_ids {
    int64_t *id;            /* index -> id */
    uint32_t n, cap;
    uint32_t *slot;         /* id -> index, AN_NONE where unseen */
    int64_t nslot;
} an_ids;

uint32_t an_ids_get(const an_ids *d, int64_t id);   /* index of id, or AN_NONE */
uint32_t an_ids_add(an_ids *d, int64_t id);         /* index of id, numbering it if new; AN_NONE on OOM or a bad id */
void     an_ids_free(an_ids *d);

typedef struct an_strs {
    char **s;               /* index -> string (malloc'd) */
    uint32_t n, cap;
    uint32_t *hash;         /* open addressing over indexes, AN_NONE empty */
    uint32_t nhash;         /* power of two */
} an_strs;

uint32_t an_strs_add(an_strs *d, const char *s);    /* index of s, numbering it if new; AN_NONE on OOM */
uint32_t an_strs_get(const an_strs *d, const char *s); /* index of s, or AN_NONE */
void     an_strs_free(an_strs *d);

int an_grow(void **p, uint32_t *cap, uint32_t need, size_t elem); /* make room for need elements; -1 on OOM */
#endif
