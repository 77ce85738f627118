/* dict.c: id and string numbering for the snapshot. */
#include "dict.h"
#include <stdlib.h>
#include <string.h>

int an_grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return 0;
    uint32_t c = *cap ? *cap : 16;
    while (c < need) c = c > UINT32_MAX / 2 ? need : c * 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

uint32_t an_ids_get(const an_ids *d, int64_t id) {
    return id > 0 && id < d->nslot ? d->slot[id] : AN_NONE;
}

uint32_t an_ids_add(an_ids *d, int64_t id) {
    if (id <= 0 || id >= AN_MAX_ID) return AN_NONE;
    if (id >= d->nslot) {
        int64_t n = d->nslot ? d->nslot : 1024;
        while (n <= id) n *= 2;
        if (n > AN_MAX_ID) n = AN_MAX_ID;
        uint32_t *s = realloc(d->slot, (size_t)n * sizeof *s);
        if (!s) return AN_NONE;
        memset(s + d->nslot, 0xff, (size_t)(n - d->nslot) * sizeof *s);
        d->slot = s;
        d->nslot = n;
    }
    if (d->slot[id] != AN_NONE) return d->slot[id];
    if (an_grow((void **)&d->id, &d->cap, d->n + 1, sizeof *d->id)) return AN_NONE;
    d->id[d->n] = id;
    return d->slot[id] = d->n++;
}

void an_ids_free(an_ids *d) {
    free(d->id);
    free(d->slot);
    memset(d, 0, sizeof *d);
}

static uint32_t fnv(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t *probe(const an_strs *d, const char *s) {
    for (uint32_t i = fnv(s) & (d->nhash - 1);; i = (i + 1) & (d->nhash - 1))
        if (d->hash[i] == AN_NONE || !strcmp(d->s[d->hash[i]], s)) return &d->hash[i];
}

uint32_t an_strs_get(const an_strs *d, const char *s) {
    return d->nhash ? *probe(d, s) : AN_NONE;
}

uint32_t an_strs_add(an_strs *d, const char *s) {
    if ((d->n + 1) * 2 > d->nhash) {    /* keep the table at most half full */
        uint32_t n = d->nhash ? d->nhash * 2 : 64;
        uint32_t *h = malloc(n * sizeof *h);
        if (!h) return AN_NONE;
        memset(h, 0xff, n * sizeof *h);
        free(d->hash);
        d->hash = h;
        d->nhash = n;
        for (uint32_t i = 0; i < d->n; i++) *probe(d, d->s[i]) = i;
    }
    uint32_t *at = probe(d, s);
    if (*at != AN_NONE) return *at;
    char *copy = strdup(s);
    if (!copy || an_grow((void **)&d->s, &d->cap, d->n + 1, sizeof *d->s)) { free(copy); return AN_NONE; }
    d->s[d->n] = copy;
    return *at = d->n++;
}

void an_strs_free(an_strs *d) {
    for (uint32_t i = 0; i < d->n; i++) free(d->s[i]);
    free(d->s);
    free(d->hash);
    memset(d, 0, sizeof *d);
}
