/* cycle.c: sales cycle, win rate and cycle by source or product, and the
 * one-row-per-rep list for outside tools. */
#include <stdlib.h>
#include <string.h>
#include "figures.h"

static int won_in(const an_req *q, uint32_t d) { return (an_outcome(q, d) == AN_WON) & an_closed_in(q, d); }
static int64_t cycle_ms(const an_req *q, uint32_t d) { return q->s->d_closed[d] - q->s->d_created[d]; }

static int won_in_cb(const an_req *q, uint32_t d, const void *ctx) { return won_in(q, d); }
static int closed_in_cb(const an_req *q, uint32_t d, const void *ctx) { return an_closed_in(q, d); }

an_cycle_sum an_cycle_whose(const an_req *q) {
    an_cycle_sum c = {0, 0};
    for (uint32_t d = 0; d < q->s->deals.n; d++)
        if (an_in_whose(q, d) & won_in(q, d)) c.n++, c.ms += cycle_ms(q, d);
    return c;
}

/* Closed deals of the period split by a key (source or product): outcomes, won amount, cycle. */
typedef struct seg { int64_t won, lost, won_amount, ms; } seg;

static void seg_add(const an_req *q, seg *g, uint32_t d) {
    int won = an_outcome(q, d) == AN_WON;
    g->lost += !won, g->won += won;
    g->ms += cycle_ms(q, d) & -(int64_t)won;
    g->won_amount += q->s->d_amount[d] & -(int64_t)(won & an_money(q, d));
}

static json_t *seg_json(const seg *g) {
    return json_pack("{s:I, s:I, s:o, s:I, s:o}", "won", (json_int_t)g->won, "lost", (json_int_t)g->lost,
                     "win_rate", an_rate(g->won, g->won + g->lost), "won_amount", (json_int_t)g->won_amount, "cycle", an_avg_days(g->ms, g->won));
}

/* Product names, by snapshot product index (NULL where unknown). */
static int product_names(const an_req *q, const char ***out, err *e) {
    uint32_t n = q->s->products.n;
    const char **names = arena_alloc(q->c->a, sizeof *names * (n + 1));
    store_stmt *st = store_prepare(q->c->db, "SELECT id, name FROM products", e);
    if (!st) return -1;
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        uint32_t p = an_ids_get(&q->s->products, store_col_int(st, 0));
        if (p != AN_NONE && p < n) names[p] = arena_strdup(q->c->a, store_col_text(st, 1));
    }
    store_reset(st);
    *out = names;
    return rc < 0 ? -1 : 0;
}

static json_t *product_row(const an_req *q, const char **names, uint32_t p) {
    return json_pack("{s:I, s:s}", "product_id", (json_int_t)q->s->products.id[p], "name", names[p] ? names[p] : "?");
}

int an_cycle(an_req *q, json_t **out, err *e) {
    const an_snap *s = q->s;
    seg team = {0}, *rep = arena_alloc(q->c->a, sizeof *rep * (q->nrows + 1)), *prod = arena_alloc(q->c->a, sizeof *prod * (s->products.n + 1));
    for (uint32_t d = 0; d < s->deals.n; d++) {
        if (!(an_in_group(q, d) & won_in(q, d))) continue;
        seg_add(q, &team, d);
        seg_add(q, &rep[q->rowix[s->d_owner[d]]], d);
        if (!q->whose[s->d_owner[d]]) continue;
        for (uint32_t k = s->d_poff[d], end = k + s->d_pn[d]; k < end; k++) seg_add(q, &prod[s->p_prod[k]], d);
    }
    const char **names;
    if (product_names(q, &names, e)) return -1;
    json_t *reps = json_array(), *prods = json_array();
    for (uint32_t i = 0; i < q->nrows; i++) {
        json_t *row = an_user_json(q, q->rows[i]);
        json_object_set_new(row, "cycle", an_avg_days(rep[i].ms, rep[i].won));
        json_array_append_new(reps, row);
    }
    for (uint32_t p = 0; p < s->products.n; p++) {
        if (!prod[p].won) continue;
        json_t *row = product_row(q, names, p);
        json_object_set_new(row, "cycle", an_avg_days(prod[p].ms, prod[p].won));
        json_array_append_new(prods, row);
    }
    static const char *const defs[] = {"cycle", "cycle_product", NULL};
    an_find_hidden(q, q->group, won_in_cb, NULL);
    *out = an_head(q);
    json_object_set_new(*out, "team", json_pack("{s:o}", "cycle", an_avg_days(team.ms, team.won)));
    json_object_set_new(*out, "reps", reps);
    json_object_set_new(*out, "products", prods);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}

int an_breakdown(an_req *q, json_t **out, err *e) {
    const an_snap *s = q->s;
    int by_product = !strcmp(q->by, "product");
    uint32_t n = by_product ? s->products.n : s->sources.n;
    seg *g = arena_alloc(q->c->a, sizeof *g * (n + 1));
    for (uint32_t d = 0; d < s->deals.n; d++) {
        if (!(an_in_whose(q, d) & an_closed_in(q, d))) continue;
        if (!by_product) seg_add(q, &g[s->d_source[d]], d);
        else
            for (uint32_t k = s->d_poff[d], end = k + s->d_pn[d]; k < end; k++) seg_add(q, &g[s->p_prod[k]], d);
    }
    const char **names = NULL;
    if (by_product && product_names(q, &names, e)) return -1;
    json_t *items = json_array();
    for (uint32_t i = 0; i < n; i++) {
        if (!g[i].won && !g[i].lost) continue;
        /* source index 0 holds the deals with no source (NULL or empty) */
        json_t *row = by_product ? product_row(q, names, i) : json_pack("{s:o}", "source", i ? json_string(s->sources.s[i]) : json_null());
        json_object_set_new(row, "deals_filter", by_product ? json_pack("{s:I}", "product_id", (json_int_t)s->products.id[i])
                                                 : i ? json_pack("{s:s}", "source", s->sources.s[i]) : json_pack("{s:b}", "no_source", 1));
        json_object_update_new(row, seg_json(&g[i]));
        json_array_append_new(items, row);
    }
    static const char *const defs[] = {"breakdown", "win_rate", "cycle", NULL};
    an_find_hidden(q, q->whose, closed_in_cb, NULL);
    *out = an_head(q);
    json_object_set_new(*out, "by", json_string(q->by));
    json_object_set_new(*out, "items", items);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}

int an_reps(an_req *q, json_t **out, err *e) {
    const an_snap *s = q->s;
    seg *rep = arena_alloc(q->c->a, sizeof *rep * (q->nrows + 1));
    int64_t *close_ms = arena_alloc(q->c->a, sizeof *close_ms * (q->nrows + 1));
    for (uint32_t d = 0; d < s->deals.n; d++) {
        uint32_t r = q->rowix[s->d_owner[d]];
        if (!(an_in_group(q, d) & an_closed_in(q, d)) || r == q->nrows) continue;
        seg_add(q, &rep[r], d);
        close_ms[r] += cycle_ms(q, d);
    }
    json_t *items = json_array();
    for (uint32_t i = 0; i < q->nrows; i++) {
        int64_t closed = rep[i].won + rep[i].lost;
        json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:I, s:o, s:I, s:I, s:o}", "id", (json_int_t)s->users.id[q->rows[i]],
            "name", q->uname[q->rows[i]], "won", (json_int_t)rep[i].won, "lost", (json_int_t)rep[i].lost,
            "win_rate", an_rate(rep[i].won, closed), "won_amount", (json_int_t)rep[i].won_amount, "closed", (json_int_t)closed,
            "average_days_to_close", closed ? json_real(an_round(close_ms[i], closed * AN_DAY_MS, 2)) : json_null()));
    }
    static const char *const defs[] = {"reps", NULL};
    *out = an_head(q);
    json_object_set_new(*out, "items", items);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}
