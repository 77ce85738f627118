/* snapshot.c: the snapshot's memory (columns, pools, derived fields) and
 * its life in the process (first build, delta syncs, periodic rebuild, locks). */
#include "snapshot_int.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "../core/log.h"
#include "../core/timeutil.h"
#include "calc.h"

const char *const an_category_names[AN_NCAT] = {"commit", "best_case", "pipeline", "omitted"};
const char *const an_kind_names[AN_NKIND] = {"call", "email", "meeting"};

/* ---- columns ---- */

static int fail_oom(an_snap *s) { s->broken = 1; return -1; }

static int grow_cols(an_snap *s, uint32_t need, int deals) {
    uint32_t *cap = deals ? &s->dcap : &s->acap;
    if (need <= *cap) return 0;
    uint32_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *p;
#define GROW(type, name) if (!(p = realloc(s->name, (size_t)c * sizeof(type)))) return fail_oom(s); s->name = p;
    if (deals) { AN_DEAL_COLS(GROW) } else { AN_ACT_COLS(GROW) }
#undef GROW
    *cap = c;
    return 0;
}

/* Where a deal's list of new_n entries goes: in place when its old list was as
 * long, else at the end of the pool, the old entries counted as dead. */
typedef struct pool { void **col[3]; size_t size[3]; int ncol; uint32_t *n, *cap, *dead; } pool;

static int pool_room(an_snap *s, const pool *p, uint32_t *off, uint32_t old_n, uint32_t new_n) {
    if (new_n <= old_n) { *p->dead += old_n - new_n; return 0; }
    if (*p->n + new_n > *p->cap) {
        uint32_t c = *p->cap ? *p->cap : 4096;
        while (c < *p->n + new_n) c *= 2;
        for (int i = 0; i < p->ncol; i++) {
            void *q = realloc(*p->col[i], (size_t)c * p->size[i]);
            if (!q) return fail_oom(s);
            *p->col[i] = q;
        }
        *p->cap = c;
    }
    *off = *p->n;
    *p->n += new_n;
    *p->dead += old_n;
    return 0;
}

#define HIST_POOL(s) {{(void **)&(s)->h_sec, (void **)&(s)->h_stage, (void **)&(s)->h_close}, \
                       {sizeof *(s)->h_sec, sizeof *(s)->h_stage, sizeof *(s)->h_close}, 3, &(s)->hn, &(s)->hcap, &(s)->hdead}
#define AMT_POOL(s)  {{(void **)&(s)->h_amt}, {sizeof *(s)->h_amt}, 1, &(s)->han, &(s)->hacap, &(s)->hadead}
#define PROD_POOL(s) {{(void **)&(s)->p_prod}, {sizeof *(s)->p_prod}, 1, &(s)->pn, &(s)->pcap, &(s)->pdead}

static uint32_t amt_len(const an_snap *s, uint32_t d) { return s->d_aoff[d] == AN_NONE ? 0 : s->d_hn[d]; }
static uint32_t hist_len(const an_snap *s, uint32_t d) { return s->d_hn[d]; }
static uint32_t prod_len(const an_snap *s, uint32_t d) { return s->d_pn[d]; }

/* Copy the live lists into fresh arrays in deal order, once half the pool is dead. */
static int pool_compact(an_snap *s, const pool *p, uint32_t *offs, uint32_t (*len)(const an_snap *, uint32_t)) {
    if (*p->dead < (1u << 20) || *p->dead < *p->n / 2) return 0;
    uint32_t live = *p->n - *p->dead;
    void *fresh[3] = {0};
    for (int i = 0; i < p->ncol; i++)
        if (!(fresh[i] = malloc((size_t)(live ? live : 1) * p->size[i]))) {
            for (int j = 0; j < i; j++) free(fresh[j]);
            return fail_oom(s);
        }
    uint32_t at = 0;
    for (uint32_t d = 0; d < s->deals.n; d++) {
        uint32_t n = len(s, d);
        if (!n) continue;
        for (int i = 0; i < p->ncol; i++)
            memcpy((char *)fresh[i] + (size_t)at * p->size[i], (char *)*p->col[i] + (size_t)offs[d] * p->size[i], n * p->size[i]);
        offs[d] = at;
        at += n;
    }
    for (int i = 0; i < p->ncol; i++) { free(*p->col[i]); *p->col[i] = fresh[i]; }
    *p->n = *p->cap = at;
    *p->dead = 0;
    return 0;
}

/* ---- stages, users ---- */

uint32_t an_put_user(an_snap *s, int64_t id) { return an_ids_add(&s->users, id); }

/* A stage index for an id, with a placeholder entry until the next sync reads the stage. */
static uint32_t stage_index(an_snap *s, int64_t id) {
    uint32_t i = an_ids_get(&s->stages, id);
    if (i != AN_NONE) return i;
    an_stage unknown = {.id = id, .kind = AN_OPEN, .name = (char *)"?"};
    int ignored = 0;
    return an_put_stage(s, &unknown, &ignored) ? AN_NONE : an_ids_get(&s->stages, id);
}

int an_put_stage(an_snap *s, const an_stage *in, int *reshaped) {
    int fresh = an_ids_get(&s->stages, in->id) == AN_NONE;
    uint32_t i = an_ids_add(&s->stages, in->id);
    if (in->pipeline_id && an_ids_add(&s->pipelines, in->pipeline_id) > UINT16_MAX) return fail_oom(s);
    if (i == AN_NONE || i > UINT16_MAX || an_grow((void **)&s->stage, &s->stage_cap, s->stages.n, sizeof *s->stage))
        return fail_oom(s);
    an_stage *st = &s->stage[i];
    if (fresh) memset(st, 0, sizeof *st);
    if (fresh || st->position != in->position || st->kind != in->kind || st->pipeline_id != in->pipeline_id) *reshaped = 1;
    char *name = st->name;
    if (!name || strcmp(name, in->name)) {
        if (!(name = strdup(in->name))) return fail_oom(s);
        free(st->name);
    }
    *st = *in;
    st->name = name;
    if (an_grow((void **)&s->st_reach, &s->reach_cap, s->stages.n, sizeof *s->st_reach)) return fail_oom(s);
    s->st_reach[i] = in->kind == AN_WON ? AN_WON_POS : in->kind == AN_OPEN ? in->position : INT32_MIN;
    return 0;
}

/* ---- deals ---- */

static int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }

static void derive_deal(an_snap *s, uint32_t d) {
    int32_t m = s->st_reach[s->d_stage[d]];   /* the current stage counts even without history */
    uint32_t off = s->d_hoff[d], end = off + s->d_hn[d];
    int simple = end > off && s->h_stage[end - 1] == s->d_stage[d];
    for (uint32_t k = off; k < end; k++) {
        m = max32(m, s->st_reach[s->h_stage[k]]);
        if (k + 1 < end && (s->stage[s->h_stage[k]].kind != AN_OPEN || s->h_sec[k + 1] < s->h_sec[k])) simple = 0;
    }
    if (simple && s->stage[s->d_stage[d]].kind != AN_OPEN && s->d_closed[d] / 1000 != s->h_sec[end - 1]) simple = 0;
    s->d_maxpos[d] = m;
    s->d_simple[d] = (uint8_t)simple;
}

void an_derive_all(an_snap *s) {
    for (uint32_t d = 0; d < s->deals.n; d++) derive_deal(s, d);
}

static int put_history(an_snap *s, uint32_t d, const an_deal_in *in) {
    uint32_t n = in->nh > UINT16_MAX ? UINT16_MAX : in->nh, old = s->d_hn[d], off = s->d_hoff[d];
    pool hp = HIST_POOL(s), ap = AMT_POOL(s);
    if (pool_room(s, &hp, &off, old, n)) return -1;
    int varied = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t st = stage_index(s, in->h[k].stage_id);
        if (st == AN_NONE) return -1;
        s->h_sec[off + k] = in->h[k].ms > 0 ? (uint32_t)(in->h[k].ms / 1000) : 0;
        s->h_stage[off + k] = (uint16_t)st;
        s->h_close[off + k] = in->h[k].close_day;
        varied |= in->h[k].amount != in->amount;
    }
    uint32_t aoff = s->d_aoff[d], aold = aoff == AN_NONE ? 0 : old;
    if (varied) {
        if (aoff == AN_NONE) aoff = 0;
        if (pool_room(s, &ap, &aoff, aold, n)) return -1;
        for (uint32_t k = 0; k < n; k++) s->h_amt[aoff + k] = in->h[k].amount;
    } else {
        s->hadead += aold;
        aoff = AN_NONE;
    }
    s->d_hoff[d] = off, s->d_hn[d] = (uint16_t)n, s->d_aoff[d] = aoff;
    return 0;
}

static int put_products(an_snap *s, uint32_t d, const an_deal_in *in) {
    uint32_t n = in->np > UINT16_MAX ? UINT16_MAX : in->np, off = s->d_poff[d];
    pool pp = PROD_POOL(s);
    if (pool_room(s, &pp, &off, s->d_pn[d], n)) return -1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t p = an_ids_add(&s->products, in->products[k]);
        if (p == AN_NONE) return fail_oom(s);
        s->p_prod[off + k] = p;
    }
    s->d_poff[d] = off, s->d_pn[d] = (uint16_t)n;
    return 0;
}

int an_put_deal(an_snap *s, const an_deal_in *in) {
    int fresh = an_ids_get(&s->deals, in->id) == AN_NONE;
    uint32_t d = an_ids_add(&s->deals, in->id);
    if (d == AN_NONE || grow_cols(s, s->deals.n, 1)) return fail_oom(s);
    if (fresh) {
        s->d_hn[d] = s->d_pn[d] = 0;
        s->d_hoff[d] = s->d_poff[d] = 0;
        s->d_aoff[d] = AN_NONE;
    }
    uint32_t owner = an_put_user(s, in->owner_id), pipe = an_ids_add(&s->pipelines, in->pipeline_id);
    uint32_t stage = stage_index(s, in->stage_id), cur = an_strs_add(&s->currencies, in->currency);
    uint32_t src = in->source && *in->source ? an_strs_add(&s->sources, in->source) : 0;
    if (owner == AN_NONE || pipe > UINT16_MAX || stage == AN_NONE || cur > UINT8_MAX || src == AN_NONE) return fail_oom(s);
    /* a closed deal without closed_at (written outside the application) closed when it entered its stage */
    int64_t closed = in->closed || s->stage[stage].kind == AN_OPEN ? in->closed : in->entered;
    s->d_created[d] = in->created, s->d_closed[d] = closed, s->d_amount[d] = in->amount;
    s->d_owner[d] = owner, s->d_source[d] = src, s->d_version[d] = (uint32_t)in->version;
    s->d_close_day[d] = in->close_day, s->d_pipe[d] = (uint16_t)pipe, s->d_stage[d] = (uint16_t)stage;
    s->d_cur[d] = (uint8_t)cur, s->d_fcat[d] = (uint8_t)in->fcat, s->d_live[d] = (uint8_t)in->live;
    if (put_history(s, d, in) || put_products(s, d, in)) return -1;
    derive_deal(s, d);
    pool hp = HIST_POOL(s), ap = AMT_POOL(s), pp = PROD_POOL(s);
    return pool_compact(s, &hp, s->d_hoff, hist_len) || pool_compact(s, &ap, s->d_aoff, amt_len) ||
           pool_compact(s, &pp, s->d_poff, prod_len) ? -1 : 0;
}

int64_t an_row_amount(const an_snap *s, uint32_t d, uint32_t k) {
    return s->d_aoff[d] == AN_NONE ? s->d_amount[d] : s->h_amt[s->d_aoff[d] + (k - s->d_hoff[d])];
}

static void state_of(const an_snap *s, uint32_t d, uint32_t k, int32_t maxpos, an_at *out) {
    *out = (an_at){s->h_stage[k], an_row_amount(s, d, k), s->h_close[k], maxpos, s->h_sec[k]};
}

void an_deal_timeline(const an_snap *s, uint32_t d, const int64_t *t, int n, an_at *at, uint8_t *found, int64_t *won) {
    uint32_t off = s->d_hoff[d], end = off + s->d_hn[d];
    int32_t m = INT32_MIN;
    int i = 0;                                   /* the first instant not yet passed */
    for (int j = 0; j < n; j++) found[j] = 0;
    if (won) for (int j = 0; j < n; j++) won[j] = -1;
    for (uint32_t k = off; k < end; k++) {
        uint32_t sec = s->h_sec[k];
        for (; i < n && (int64_t)sec * 1000 >= t[i]; i++)
            if (k > off) state_of(s, d, k - 1, m, &at[i]), found[i] = 1;
        m = max32(m, s->st_reach[s->h_stage[k]]);
        /* row k lies in [t[i-1], t[i]): period i-1 */
        if (won && i > 0 && won[i - 1] < 0 && s->st_reach[s->h_stage[k]] == AN_WON_POS && (i < n || (int64_t)sec * 1000 < t[n]))
            won[i - 1] = an_row_amount(s, d, k);
    }
    for (; i < n && end > off; i++) state_of(s, d, end - 1, m, &at[i]), found[i] = 1;
}

/* ---- activities ---- */

int an_put_act(an_snap *s, const an_act_in *in) {
    int counted = in->live && in->kind >= 0 && in->done;
    uint32_t a = an_ids_get(&s->acts, in->id);
    if (a == AN_NONE && !counted) return 0;   /* tasks, notes and open calls take no room */
    if (a == AN_NONE) {
        if ((a = an_ids_add(&s->acts, in->id)) == AN_NONE || grow_cols(s, s->acts.n, 0)) return fail_oom(s);
        s->a_kind[a] = 0, s->a_live[a] = 0;
    }
    uint32_t owner = an_put_user(s, in->owner_id);
    if (owner == AN_NONE) return fail_oom(s);
    if ((s->a_live[a] && s->a_kind[a] == AN_MEETING) || (counted && in->kind == AN_MEETING)) s->first_dirty = 1;
    s->a_done[a] = in->done, s->a_key[a] = in->key, s->a_owner[a] = owner;
    s->a_version[a] = (uint32_t)in->version, s->a_kind[a] = (uint8_t)(counted ? in->kind : 0);
    s->a_live[a] = (uint8_t)counted, s->a_first[a] = 0;
    return 0;
}

/* The first held meeting with each counterpart: earliest done_at, then lowest id. */
int an_derive_first_meetings(an_snap *s) {
    if (!s->first_dirty) return 0;
    uint32_t nm = 0;
    for (uint32_t a = 0; a < s->acts.n; a++) nm += s->a_live[a] && s->a_kind[a] == AN_MEETING;
    uint32_t size = 64;
    while (size < nm * 2) size *= 2;
    uint32_t *best = malloc(size * sizeof *best);
    if (!best) return fail_oom(s);
    memset(best, 0xff, size * sizeof *best);
    for (uint32_t a = 0; a < s->acts.n; a++) {
        s->a_first[a] = 0;
        if (!s->a_live[a] || s->a_kind[a] != AN_MEETING) continue;
        uint64_t h = (uint64_t)s->a_key[a] * 0x9E3779B97F4A7C15ull;
        uint32_t i = (uint32_t)(h >> 32) & (size - 1);
        while (best[i] != AN_NONE && s->a_key[best[i]] != s->a_key[a]) i = (i + 1) & (size - 1);
        uint32_t b = best[i];
        if (b == AN_NONE || s->a_done[a] < s->a_done[b] || (s->a_done[a] == s->a_done[b] && s->acts.id[a] < s->acts.id[b]))
            best[i] = a;
    }
    for (uint32_t i = 0; i < size; i++)
        if (best[i] != AN_NONE) s->a_first[best[i]] = 1;
    free(best);
    s->first_dirty = 0;
    return 0;
}

/* ---- whole snapshot ---- */

size_t an_snap_bytes(const an_snap *s) {
    size_t per_deal = 0, per_act = 0;
#define SIZE(type, name) + sizeof(type)
    per_deal = 0 AN_DEAL_COLS(SIZE);
    per_act = 0 AN_ACT_COLS(SIZE);
#undef SIZE
    return per_deal * s->dcap + per_act * s->acap +
           (size_t)s->hcap * (sizeof *s->h_sec + sizeof *s->h_stage + sizeof *s->h_close) +
           (size_t)s->hacap * sizeof *s->h_amt + (size_t)s->pcap * sizeof *s->p_prod +
           ((size_t)s->deals.nslot + (size_t)s->acts.nslot + (size_t)s->users.nslot + (size_t)s->stages.nslot +
            (size_t)s->pipelines.nslot + (size_t)s->products.nslot) * sizeof(uint32_t) +
           ((size_t)s->deals.cap + s->acts.cap) * sizeof(int64_t);
}

void an_snap_free(an_snap *s) {
    if (!s) return;
#define FREE(type, name) free(s->name);
    AN_DEAL_COLS(FREE)
    AN_ACT_COLS(FREE)
#undef FREE
    for (uint32_t i = 0; i < s->stages.n; i++) free(s->stage[i].name);
    free(s->stage);
    free(s->st_reach);
    free(s->h_sec), free(s->h_stage), free(s->h_close), free(s->h_amt), free(s->p_prod);
    an_ids *ids[] = {&s->users, &s->pipelines, &s->stages, &s->products, &s->deals, &s->acts};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) an_ids_free(ids[i]);
    an_strs_free(&s->currencies);
    an_strs_free(&s->sources);
    free(s);
}

/* ---- life in the process ---- */

static an_snap *g_snap;                                    /* NULL until the first analytics request */
static pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;  /* readers compute, a sync applies */
static pthread_mutex_t g_sync = PTHREAD_MUTEX_INITIALIZER;  /* one sync at a time */
static int g_rebuilding;                                    /* a background rebuild is running (under g_sync) */

void an_write_lock(void) { pthread_rwlock_wrlock(&g_rw); }
void an_write_unlock(void) { pthread_rwlock_unlock(&g_rw); }

static int64_t rebuild_every_ms(void) {
    const char *v = getenv("CYLINDER_ANALYTICS_REBUILD_S");
    long long sec = v && *v ? atoll(v) : 3600;
    return sec > 0 ? sec * 1000 : 0;
}

/* A fresh snapshot, built and synced; NULL on failure. */
static an_snap *build(store *db, err *e) {
    an_snap *s = calloc(1, sizeof *s);
    if (!s) { err_set(e, ERR_INTERNAL, "out of memory"); return NULL; }
    int64_t t0 = time_now_ms();
    if (an_sync_build(db, s, e)) {
        if (!e->cls) err_set(e, ERR_INTERNAL, "out of memory building the analytics snapshot");
        an_snap_free(s);
        return NULL;
    }
    s->built_at = time_now_ms();
    log_info("analytics: snapshot of %u deals, %u history rows, %u activities built in %lld ms (%zu MB)", s->deals.n,
             s->hn - s->hdead, s->acts.n, (long long)(s->built_at - t0), an_snap_bytes(s) >> 20);
    return s;
}

static void publish(an_snap *s) {
    an_write_lock();
    an_snap *old = g_snap;
    g_snap = s;
    an_write_unlock();
    an_snap_free(old);
}

/* The periodic rebuild runs beside the requests: they keep syncing the old
 * snapshot until the new one, caught up by a delta, takes its place. */
static void *rebuild_thread(void *arg) {
    (void)arg;
    err e = {0};
    store *db = store_thread(&e);
    an_snap *s = db ? build(db, &e) : NULL;
    pthread_mutex_lock(&g_sync);
    if (s && an_sync_delta(db, s, &e)) { an_snap_free(s); s = NULL; }
    if (s) publish(s);
    else log_error("analytics: periodic rebuild failed: %s", e.msg);
    g_rebuilding = 0;
    pthread_mutex_unlock(&g_sync);
    store_thread_release();
    return NULL;
}

static void maybe_rebuild_later(void) {
    int64_t every = rebuild_every_ms();
    if (!every || g_rebuilding || time_now_ms() - g_snap->built_at < every) return;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (!pthread_create(&t, &at, rebuild_thread, NULL)) g_rebuilding = 1;
    pthread_attr_destroy(&at);
}

const an_snap *an_snap_acquire(store *db, err *e) {
    pthread_mutex_lock(&g_sync);
    int rc = 0;
    if (!g_snap || g_snap->broken) {
        an_snap *s = build(db, e);
        if (s) publish(s);
        else rc = -1;
    }
    if (!rc) rc = an_sync_delta(db, g_snap, e);
    if (!rc) maybe_rebuild_later();
    pthread_mutex_unlock(&g_sync);
    if (rc) return NULL;
    pthread_rwlock_rdlock(&g_rw);
    return g_snap;
}

void an_snap_release(const an_snap *s) {
    (void)s;
    pthread_rwlock_unlock(&g_rw);
}
