/* sync.c: reading the snapshot's facts from the database, whole (in id
 * ranges, so a PostgreSQL result never holds more than one batch) or as a
 * delta since the last sync. */
#include <stdlib.h>
#include <string.h>
#include "../core/arena.h"
#include "../core/log.h"
#include "calc.h"
#include "snapshot_int.h"

#define DEAL_BATCH 50000       /* deal ids per range while building */
#define ACT_BATCH 200000       /* activity ids per range while building */
#define IN_CHUNK AN_NIN        /* ids per "IN (...)" when re-reading changed deals */

#define DEAL_COLS "id, owner_id, pipeline_id, stage_id, amount, currency, close_date, source, created_at, closed_at, " \
                  "forecast_category, version, updated_at, deleted_at, stage_entered_at FROM opportunities"
#define HIST_COLS "opportunity_id, changed_at, to_stage_id, amount, close_date FROM stage_history"
#define PROD_COLS "DISTINCT opportunity_id, product_id FROM line_items"
#define ACT_COLS "id, kind, owner_id, done_at, opportunity_id, account_id, contact_id, version, updated_at, deleted_at FROM activities"

/* How far back each delta looks again: a PostgreSQL transaction may commit
 * after another that stamped a later updated_at, and several servers' clocks
 * differ a little. SQLite serialises writers, so a few seconds cover clock steps. */
static int64_t overlap_ms(store *db) {
    const char *v = getenv("CYLINDER_ANALYTICS_OVERLAP_MS");
    if (v && *v) return atoll(v);
    return store_kind(db) == STORE_POSTGRES ? 120000 : 5000;
}

/* ---- what one read brings: deals with their history and products, activities ---- */

typedef struct batch {
    arena a;                               /* the rows' strings */
    an_deal_in *d; uint32_t nd, dcap;
    an_hist_in *h; int64_t *h_opp; uint32_t nh, hcap;
    int64_t *p_opp, *p_prod; uint32_t np, pcap;
    an_act_in *act; uint32_t nact, actcap;
    int64_t *gone; uint32_t ngone, gonecap; /* deals deleted since the last sync */
    int64_t *gone_act; uint32_t ngone_act, gone_actcap;
    int64_t *users; uint32_t nusers, usercap;   /* users added since the last sync */
    struct { char s[11]; int32_t day; } days[1024]; /* close dates repeat: parse each once */
} batch;

static void batch_clear(batch *b) {
    arena_free(&b->a);
    arena_init(&b->a);
    b->nd = b->nh = b->np = b->nact = b->ngone = b->ngone_act = b->nusers = 0;
}

static void batch_free(batch *b) {
    arena_free(&b->a);
    free(b->d), free(b->h), free(b->h_opp), free(b->p_opp), free(b->p_prod), free(b->act), free(b->gone), free(b->gone_act), free(b->users);
}

static int32_t day_of(batch *b, store_stmt *st, int col) {
    const char *t = store_col_null(st, col) ? NULL : store_col_text(st, col);
    if (!t || strlen(t) < 10) return AN_NO_DAY;
    uint32_t h = 0;
    for (int i = 0; i < 10; i++) h = h * 31 + (unsigned char)t[i];
    h &= 1023;
    if (memcmp(b->days[h].s, t, 10)) {
        memcpy(b->days[h].s, t, 10);
        b->days[h].s[10] = 0;
        b->days[h].day = an_day_parse(b->days[h].s);
    }
    return b->days[h].day;
}

static int oom(err *e) { return err_set(e, ERR_INTERNAL, "out of memory reading analytics facts"); }
static int64_t int_or0(store_stmt *st, int col) { return store_col_null(st, col) ? 0 : store_col_int(st, col); }

static int category_of(const char *c) {
    for (int i = 0; i < AN_NCAT; i++)
        if (c && !strcmp(c, an_category_names[i])) return i;
    return AN_CAT_PIPELINE;
}

static int kind_of(const char *k) {
    for (int i = 0; i < AN_NKIND; i++)
        if (k && !strcmp(k, an_kind_names[i])) return i;
    return -1;
}

/* Step st to the end, each row handed to take (which appends it to the batch;
 * -1 when memory ran out). mark: the largest updated_at the rows carry. */
typedef int (*take_fn)(store_stmt *st, batch *b, int64_t *mark);

static int read_rows(store_stmt *st, batch *b, take_fn take, int64_t *mark, err *e) {
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW)
        if (take(st, b, mark)) { store_reset(st); return oom(e); }
    store_reset(st);
    return rc < 0 ? -1 : 0;
}

static int take_deal(store_stmt *st, batch *b, int64_t *mark) {
    if (an_grow((void **)&b->d, &b->dcap, b->nd + 1, sizeof *b->d)) return -1;
    an_deal_in *d = &b->d[b->nd++];
    memset(d, 0, sizeof *d);
    d->id = store_col_int(st, 0), d->owner_id = store_col_int(st, 1), d->pipeline_id = store_col_int(st, 2);
    d->stage_id = store_col_int(st, 3), d->amount = store_col_int(st, 4);
    d->currency = arena_strdup(&b->a, store_col_text(st, 5));
    d->close_day = day_of(b, st, 6);
    d->source = store_col_null(st, 7) ? NULL : arena_strdup(&b->a, store_col_text(st, 7));
    d->created = store_col_int(st, 8), d->closed = int_or0(st, 9);
    d->fcat = category_of(store_col_text(st, 10));
    d->version = store_col_int(st, 11);
    if (store_col_int(st, 12) > *mark) *mark = store_col_int(st, 12);
    d->live = store_col_null(st, 13);
    d->entered = store_col_int(st, 14);
    return 0;
}

/* Room for one more row in two parallel arrays sharing one capacity. */
static int grow2(void **x, size_t ex, void **y, size_t ey, uint32_t *cap, uint32_t n) {
    uint32_t c = *cap;
    return an_grow(x, &c, n + 1, ex) || an_grow(y, cap, n + 1, ey) ? -1 : 0;
}

static int take_history(store_stmt *st, batch *b, int64_t *mark) {
    if (grow2((void **)&b->h, sizeof *b->h, (void **)&b->h_opp, sizeof *b->h_opp, &b->hcap, b->nh)) return -1;
    b->h_opp[b->nh] = store_col_int(st, 0);
    b->h[b->nh++] = (an_hist_in){store_col_int(st, 1), store_col_int(st, 2), store_col_int(st, 3), day_of(b, st, 4)};
    return 0;
}

static int take_product(store_stmt *st, batch *b, int64_t *mark) {
    if (grow2((void **)&b->p_opp, sizeof *b->p_opp, (void **)&b->p_prod, sizeof *b->p_prod, &b->pcap, b->np)) return -1;
    b->p_opp[b->np] = store_col_int(st, 0);
    b->p_prod[b->np++] = store_col_int(st, 1);
    return 0;
}

/* Who a meeting was with, one number: the account, else the deal, else the contact (ids stay below 2^31). */
static int64_t counterpart(store_stmt *st) {
    if (!store_col_null(st, 5)) return store_col_int(st, 5);
    if (!store_col_null(st, 4)) return ((int64_t)1 << 40) + store_col_int(st, 4);
    return store_col_null(st, 6) ? 0 : ((int64_t)1 << 41) + store_col_int(st, 6);
}

static int take_act(store_stmt *st, batch *b, int64_t *mark) {
    if (an_grow((void **)&b->act, &b->actcap, b->nact + 1, sizeof *b->act)) return -1;
    b->act[b->nact++] = (an_act_in){store_col_int(st, 0), store_col_int(st, 2), int_or0(st, 3), counterpart(st),
                                    store_col_int(st, 7), kind_of(store_col_text(st, 1)), store_col_null(st, 9)};
    if (store_col_int(st, 8) > *mark) *mark = store_col_int(st, 8);
    return 0;
}

/* An id (column 0) into a growing array; mark: the largest of column 1. */
static int take_id(int64_t **ids, uint32_t *n, uint32_t *cap, store_stmt *st, int64_t *mark) {
    if (an_grow((void **)ids, cap, *n + 1, sizeof **ids)) return -1;
    (*ids)[(*n)++] = store_col_int(st, 0);
    if (store_col_int(st, 1) > *mark) *mark = store_col_int(st, 1);
    return 0;
}
static int take_gone(store_stmt *st, batch *b, int64_t *mark) { return take_id(&b->gone, &b->ngone, &b->gonecap, st, mark); }
static int take_gone_act(store_stmt *st, batch *b, int64_t *mark) { return take_id(&b->gone_act, &b->ngone_act, &b->gone_actcap, st, mark); }
static int take_user(store_stmt *st, batch *b, int64_t *mark) { return take_id(&b->users, &b->nusers, &b->usercap, st, mark); }

/* The rows of sql, whose one parameter is `since`, through take. */
static int read_since(store *db, const char *sql, int64_t since, batch *b, take_fn take, int64_t *mark, err *e) {
    store_stmt *st = store_prepare(db, sql, e);
    if (!st) return -1;
    store_bind_int(st, 1, since);
    return read_rows(st, b, take, mark, e);
}

/* Hand every deal of the batch its history and products (all three are in id order). */
static void link(batch *b) {
    uint32_t h = 0, p = 0;
    for (uint32_t i = 0; i < b->nd; i++) {
        an_deal_in *d = &b->d[i];
        while (h < b->nh && b->h_opp[h] < d->id) h++;
        d->h = b->h + h;
        while (h < b->nh && b->h_opp[h] == d->id) h++, d->nh++;
        while (p < b->np && b->p_opp[p] < d->id) p++;
        d->products = b->p_prod + p;
        while (p < b->np && b->p_opp[p] == d->id) p++, d->np++;
    }
}

/* ---- stages and users: small tables, read whole on every sync ---- */

typedef struct stage_list { an_stage *v; uint32_t n, cap; } stage_list;

static int read_stages(store *db, arena *a, stage_list *out, err *e) {
    store_stmt *st = store_prepare(db, "SELECT id, pipeline_id, position, probability, kind, deleted_at, name FROM stages ORDER BY id", e);
    if (!st) return -1;
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        if (an_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v)) { store_reset(st); return oom(e); }
        const char *k = store_col_text(st, 4);
        out->v[out->n++] = (an_stage){store_col_int(st, 0), store_col_int(st, 1), (int32_t)store_col_int(st, 2),
                                      (int32_t)store_col_int(st, 3), !strcmp(k, "won") ? AN_WON : !strcmp(k, "lost") ? AN_LOST : AN_OPEN,
                                      (uint8_t)!store_col_null(st, 5), arena_strdup(a, store_col_text(st, 6))};
    }
    store_reset(st);
    return rc < 0 ? -1 : 0;
}

static int stage_differs(const an_snap *s, const an_stage *in) {
    uint32_t i = an_ids_get(&s->stages, in->id);
    if (i == AN_NONE) return 1;
    const an_stage *st = &s->stage[i];
    return st->pipeline_id != in->pipeline_id || st->position != in->position || st->probability != in->probability ||
           st->kind != in->kind || st->deleted != in->deleted || strcmp(st->name, in->name);
}

/* ---- the whole thing ---- */

static int max_of(store *db, const char *sql, int64_t *out, err *e) { return store_scalar_int(db, sql, out, e, "") < 0 ? -1 : 0; }

static int apply_deals(an_snap *s, batch *b, err *e) {
    link(b);
    for (uint32_t i = 0; i < b->nd; i++)
        if (an_put_deal(s, &b->d[i])) return oom(e);
    return 0;
}

static int apply_acts(an_snap *s, batch *b, err *e) {
    for (uint32_t i = 0; i < b->nact; i++)
        if (an_put_act(s, &b->act[i])) return oom(e);
    return 0;
}

/* Read a table whole, `step` ids at a time (a PostgreSQL result is held in
 * memory whole): each range's statements into the batch, then applied. */
typedef struct ranges {
    const char *bounds[2];             /* the smallest id - 1, the largest id */
    int64_t step;
    int nsql;
    const char *sql[3];                /* each with "id > ? AND id <= ?" */
    take_fn take[3];
    int (*apply)(an_snap *s, batch *b, err *e);
} ranges;

static int read_ranges(store *db, an_snap *s, batch *b, const ranges *r, err *e) {
    int64_t lo = 0, hi = 0, ignored = 0;
    if (max_of(db, r->bounds[0], &lo, e) || max_of(db, r->bounds[1], &hi, e)) return -1;
    for (; lo < hi; lo += r->step) {
        batch_clear(b);
        for (int q = 0; q < r->nsql; q++) {
            store_stmt *st = store_prepare(db, r->sql[q], e);
            if (!st) return -1;
            store_bind_int(st, 1, lo);
            store_bind_int(st, 2, lo + r->step);
            if (read_rows(st, b, r->take[q], &ignored, e)) return -1;
        }
        if (r->apply(s, b, e)) return -1;
    }
    return 0;
}

static const ranges DEAL_RANGES = {
    {"SELECT MIN(id) - 1 FROM opportunities", "SELECT MAX(id) FROM opportunities"}, DEAL_BATCH, 3,
    {"SELECT " DEAL_COLS " WHERE id > ? AND id <= ? ORDER BY id",
     "SELECT " HIST_COLS " WHERE opportunity_id > ? AND opportunity_id <= ? ORDER BY opportunity_id, changed_at, id",
     "SELECT " PROD_COLS " WHERE opportunity_id > ? AND opportunity_id <= ? ORDER BY opportunity_id, product_id"},
    {take_deal, take_history, take_product}, apply_deals};

static const ranges ACT_RANGES = {
    {"SELECT MIN(id) - 1 FROM activities", "SELECT MAX(id) FROM activities"}, ACT_BATCH, 1,
    {"SELECT " ACT_COLS " WHERE id > ? AND id <= ? AND kind IN ('call', 'email', 'meeting') AND done_at IS NOT NULL "
     "AND deleted_at IS NULL ORDER BY id"},
    {take_act}, apply_acts};

static int read_users(store *db, an_snap *s, batch *b, int64_t *mark, err *e) {
    *mark = s->mark_user;
    return read_since(db, "SELECT id, id FROM users WHERE id > ? ORDER BY id", s->mark_user, b, take_user, mark, e);
}

static int apply_users(an_snap *s, const batch *b, int64_t mark) {
    for (uint32_t i = 0; i < b->nusers; i++)
        if (an_put_user(s, b->users[i]) == AN_NONE) return -1;
    if (mark > s->mark_user) s->mark_user = mark;
    return 0;
}

int an_sync_build(store *db, an_snap *s, err *e) {
    batch b;
    memset(&b, 0, sizeof b);
    arena_init(&b.a);
    stage_list sl = {0};
    int reshaped = 0, rc = -1;
    int64_t mark_user = 0;
    if (an_strs_add(&s->sources, "") != 0) return oom(e);   /* source index 0 means none */
    /* the marks first: whatever changes while the build reads is re-read by the first delta */
    if (store_begin(db, 0, e) ||
        max_of(db, "SELECT COALESCE(MAX(updated_at), 0) FROM opportunities", &s->mark_opp, e) ||
        max_of(db, "SELECT COALESCE(MAX(deleted_at), 0) FROM opportunities WHERE deleted_at IS NOT NULL", &s->mark_opp_del, e) ||
        max_of(db, "SELECT COALESCE(MAX(updated_at), 0) FROM activities", &s->mark_act, e) ||
        max_of(db, "SELECT COALESCE(MAX(deleted_at), 0) FROM activities WHERE deleted_at IS NOT NULL", &s->mark_act_del, e) ||
        read_users(db, s, &b, &mark_user, e) || read_stages(db, &b.a, &sl, e))
        goto done;
    if (apply_users(s, &b, mark_user)) { oom(e); goto done; }
    for (uint32_t i = 0; i < sl.n; i++)
        if (an_put_stage(s, &sl.v[i], &reshaped)) { oom(e); goto done; }
    if (read_ranges(db, s, &b, &DEAL_RANGES, e) || read_ranges(db, s, &b, &ACT_RANGES, e)) goto done;
    if (an_derive_first_meetings(s)) { oom(e); goto done; }
    rc = store_commit(db, e);
done:
    if (rc) store_rollback(db);
    free(sl.v);
    batch_free(&b);
    return rc;
}

/* ---- the delta ---- */

/* Re-read history and products of the batch's deals, IN_CHUNK ids at a time. */
static int read_children(store *db, batch *b, err *e) {
    static const char *const sql[] = {
        "SELECT " HIST_COLS " WHERE opportunity_id IN (" AN_IN64 ") ORDER BY opportunity_id, changed_at, id",
        "SELECT " PROD_COLS " WHERE opportunity_id IN (" AN_IN64 ") ORDER BY opportunity_id, product_id"};
    for (uint32_t at = 0; at < b->nd; at += IN_CHUNK) {
        for (int q = 0; q < 2; q++) {
            store_stmt *st = store_prepare(db, sql[q], e);
            if (!st) return -1;
            for (uint32_t i = 0; i < IN_CHUNK; i++)    /* a short last chunk repeats its last id */
                store_bind_int(st, (int)i + 1, b->d[at + i < b->nd ? at + i : b->nd - 1].id);
            if (read_rows(st, b, q ? take_product : take_history, NULL, e)) return -1;
        }
    }
    return 0;
}

static int cmp_deal(const void *a, const void *b) {
    int64_t x = ((const an_deal_in *)a)->id, y = ((const an_deal_in *)b)->id;
    return (x > y) - (x < y);
}

/* Keep only rows whose version differs from the snapshot's (the overlap re-reads the rest). */
static void drop_unchanged(const an_snap *s, batch *b) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->nd; i++) {
        uint32_t d = an_ids_get(&s->deals, b->d[i].id);
        if (d == AN_NONE || s->d_version[d] != (uint32_t)b->d[i].version || s->d_live[d] != b->d[i].live) b->d[n++] = b->d[i];
    }
    b->nd = n;
    n = 0;
    for (uint32_t i = 0; i < b->nact; i++) {
        uint32_t a = an_ids_get(&s->acts, b->act[i].id);
        int counted = b->act[i].live && b->act[i].kind >= 0 && b->act[i].done;
        if (a == AN_NONE ? counted : s->a_version[a] != (uint32_t)b->act[i].version || s->a_live[a] != counted) b->act[n++] = b->act[i];
    }
    b->nact = n;
}

static uint32_t still_live(const an_ids *ids, const uint8_t *live, int64_t *v, uint32_t n) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = an_ids_get(ids, v[i]);
        if (x != AN_NONE && live[x]) v[k++] = v[i];
    }
    return k;
}

int an_sync_delta(store *db, an_snap *s, err *e) {
    batch b;
    memset(&b, 0, sizeof b);
    arena_init(&b.a);
    stage_list sl = {0};
    int rc = -1, reshaped = 0;
    int64_t back = overlap_ms(db), m_opp = s->mark_opp, m_opp_del = s->mark_opp_del, m_act = s->mark_act, m_act_del = s->mark_act_del;
    int64_t mark_user = 0;
    /* one read transaction: on SQLite the rows, their history and products come from one state of the database */
    uint32_t nstage = 0;
    if (store_begin(db, 0, e) || read_users(db, s, &b, &mark_user, e) || read_stages(db, &b.a, &sl, e)) goto done;
    for (uint32_t i = 0; i < sl.n; i++)
        if (stage_differs(s, &sl.v[i])) sl.v[nstage++] = sl.v[i];
    /* no ORDER BY: with it SQLite walks the whole table in id order instead of the updated_at index */
    if (read_since(db, "SELECT " DEAL_COLS " WHERE updated_at >= ?", s->mark_opp - back, &b, take_deal, &m_opp, e) ||
        read_since(db, "SELECT id, deleted_at FROM opportunities WHERE deleted_at IS NOT NULL AND deleted_at >= ?", s->mark_opp_del - back,
                   &b, take_gone, &m_opp_del, e) ||
        read_since(db, "SELECT " ACT_COLS " WHERE updated_at >= ?", s->mark_act - back, &b, take_act, &m_act, e) ||
        read_since(db, "SELECT id, deleted_at FROM activities WHERE deleted_at IS NOT NULL AND deleted_at >= ?", s->mark_act_del - back,
                   &b, take_gone_act, &m_act_del, e))
        goto done;
    qsort(b.d, b.nd, sizeof *b.d, cmp_deal);   /* history and products are matched to deals in id order */
    drop_unchanged(s, &b);
    b.ngone = still_live(&s->deals, s->d_live, b.gone, b.ngone);
    b.ngone_act = still_live(&s->acts, s->a_live, b.gone_act, b.ngone_act);
    if (b.nd && read_children(db, &b, e)) goto done;
    if (store_commit(db, e)) goto done;
    if (b.nusers || nstage || b.nd || b.ngone || b.nact || b.ngone_act) {
        an_write_lock();
        int bad = 0;
        bad = apply_users(s, &b, mark_user);
        for (uint32_t i = 0; i < nstage && !bad; i++) bad = an_put_stage(s, &sl.v[i], &reshaped);
        if (!bad && reshaped) an_derive_all(s);
        if (!bad) bad = apply_deals(s, &b, e) || apply_acts(s, &b, e);
        for (uint32_t i = 0; i < b.ngone; i++) s->d_live[an_ids_get(&s->deals, b.gone[i])] = 0;
        for (uint32_t i = 0; i < b.ngone_act; i++) {
            uint32_t a = an_ids_get(&s->acts, b.gone_act[i]);
            s->first_dirty |= s->a_kind[a] == AN_MEETING;
            s->a_live[a] = 0;
        }
        if (!bad) bad = an_derive_first_meetings(s);
        an_write_unlock();
        if (bad) { if (!e->cls) oom(e); goto done; }
    }
    s->mark_opp = m_opp, s->mark_opp_del = m_opp_del, s->mark_act = m_act, s->mark_act_del = m_act_del;
    rc = 0;
done:
    if (rc) store_rollback(db);
    free(sl.v);
    batch_free(&b);
    return rc;
}
