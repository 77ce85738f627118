/* forecast.c: historical stage-to-won rates, the forecast with the manager's
 * categories and the quota, calibration against past periods, velocity. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "figures.h"
#include "quota.h"

/* ---- rates ---- */

static void rates_alloc(const an_req *q, an_rates *r, int64_t at, int64_t since) {
    size_t ns = q->s->stages.n + 1, nu = (size_t)q->nusers + 1;
    memset(r, 0, sizeof *r);
    r->at = at, r->since = since;
    r->won = arena_alloc(q->c->a, sizeof *r->won * ns);
    r->closed = arena_alloc(q->c->a, sizeof *r->closed * ns);
    r->rwon = arena_alloc(q->c->a, sizeof *r->rwon * ns * nu);
    r->rclosed = arena_alloc(q->c->a, sizeof *r->rclosed * ns * nu);
    r->team = arena_alloc(q->c->a, sizeof *r->team * ns);
    r->from_history = arena_alloc(q->c->a, ns);
}

/* One closed deal of the sample, for its owner: it counts for every open stage it had reached. */
static void sample(const an_req *q, an_rates *r, uint32_t d, int32_t maxpos, int won) {
    const an_pipe *p = &q->pipes[q->s->d_pipe[d]];
    size_t base = (size_t)q->s->d_owner[d] * q->s->stages.n;
    for (int k = 0; k < p->nopen && maxpos >= q->pos[p->open[k]]; k++) r->rclosed[base + p->open[k]]++, r->rwon[base + p->open[k]] += won;
}

/* The team's sample is the sum of its members'; then each stage's probability. */
static void rates_finish(const an_req *q, an_rates *r) {
    size_t ns = q->s->stages.n;
    for (uint32_t u = 0; u < q->nusers; u++)
        for (size_t st = 0; q->group[u] && st < ns; st++) r->closed[st] += r->rclosed[u * ns + st], r->won[st] += r->rwon[u * ns + st];
    for (uint32_t st = 0; st < ns; st++) {
        int hist;
        r->team[st] = an_team_rate(r->won[st], r->closed[st], q->s->stage[st].probability, &hist);
        r->from_history[st] = (uint8_t)hist;
    }
}

/* The rates of the window that ends with today; the group's open deals go to open[] (may be NULL). */
static uint32_t rates_now(an_req *q, an_rates *r, uint32_t *open) {
    int64_t at = ((int64_t)q->today + 1) * AN_DAY_MS;   /* the window is window_days calendar days up to today */
    rates_alloc(q, r, at, at - (int64_t)q->window_days * AN_DAY_MS);
    const an_snap *s = q->s;
    uint32_t n = 0;
    for (uint32_t d = 0; d < s->deals.n; d++) {
        int m = an_in_group(q, d);
        char out = an_outcome(q, d);
        if (open) open[n] = d, n += m & (out == AN_OPEN);
        if (m & (out != AN_OPEN) & (s->d_closed[d] >= r->since) & (s->d_closed[d] < at)) sample(q, r, d, s->d_maxpos[d], out == AN_WON);
    }
    rates_finish(q, r);
    return n;
}

void an_rates_now(an_req *q, an_rates *r) { rates_now(q, r, NULL); }

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Rates as they stood at n ascending instants, gathered deal by deal. The
 * windows overlap, so a simple deal (d_simple) is counted once, in the span
 * between two window edges that holds its closing, and each window adds up
 * its spans at the end; any other deal's state at each instant comes from its
 * stage history. */
#define MAX_INSTANTS 24
typedef struct past {
    an_rates *r, *span;                /* per instant; per span [edge[j], edge[j+1]) */
    int64_t edge[2 * MAX_INSTANTS];
    int ne, n;
} past;

static void past_init(an_req *q, past *p, const int64_t *at, int n, an_rates *r) {
    int64_t window = (int64_t)q->window_days * AN_DAY_MS;
    p->r = r, p->n = n, p->ne = 0;
    for (int i = 0; i < n; i++) p->edge[p->ne++] = at[i] - window, p->edge[p->ne++] = at[i];
    qsort(p->edge, (size_t)p->ne, sizeof *p->edge, cmp_i64);
    int k = 1;
    for (int i = 1; i < p->ne; i++) if (p->edge[i] != p->edge[k - 1]) p->edge[k++] = p->edge[i];
    p->ne = k;
    p->span = arena_alloc(q->c->a, sizeof *p->span * (size_t)p->ne);
    for (int j = 0; j + 1 < p->ne; j++) rates_alloc(q, &p->span[j], p->edge[j + 1], p->edge[j]);
    for (int i = 0; i < n; i++) rates_alloc(q, &r[i], at[i], at[i] - window);
}

/* Deal d into the samples: a simple deal by its columns, any other by its states st at the instants. */
static void past_deal(an_req *q, past *p, uint32_t d, const an_at *st, const uint8_t *found) {
    const an_snap *s = q->s;
    if (!st) {
        char out = an_outcome(q, d);
        int64_t c = s->d_closed[d];
        if (out == AN_OPEN || c < p->edge[0] || c >= p->edge[p->ne - 1]) return;
        int lo = 0, hi = p->ne - 1;                      /* the last edge at or before c */
        while (hi - lo > 1) { int mid = (lo + hi) / 2; if (p->edge[mid] <= c) lo = mid; else hi = mid; }
        sample(q, &p->span[lo], d, s->d_maxpos[d], out == AN_WON);
        return;
    }
    for (int i = 0; i < p->n; i++) {
        char kind = found[i] ? q->skind[st[i].stage] : AN_OPEN;
        if (kind != AN_OPEN && (int64_t)st[i].entered_sec * 1000 >= p->r[i].since) sample(q, &p->r[i], d, st[i].maxpos, kind == AN_WON);
    }
}

static void rates_add(const an_req *q, an_rates *to, const an_rates *from);

static void past_finish(an_req *q, past *p) {
    for (int i = 0; i < p->n; i++) {
        for (int j = 0; j + 1 < p->ne; j++)
            if (p->span[j].since >= p->r[i].since && p->span[j].at <= p->r[i].at) rates_add(q, &p->r[i], &p->span[j]);
        rates_finish(q, &p->r[i]);
    }
}

/* The deals in two halves at once, the second on a helper thread: the
 * reports that walk the stage history of most deals are worth a core. Each
 * half writes only its own accumulator (acc[0], acc[1]). */
typedef void (*deal_range)(an_req *q, void *acc, uint32_t lo, uint32_t hi);
typedef struct half { deal_range fn; an_req *q; void *acc; uint32_t lo, hi; } half;

static void *run_half(void *arg) {
    half *h = arg;
    h->fn(h->q, h->acc, h->lo, h->hi);
    return NULL;
}

static void in_halves(an_req *q, deal_range fn, void *acc0, void *acc1) {
    uint32_t n = q->s->deals.n, mid = n / 2;
    half h = {fn, q, acc1, mid, n};
    pthread_t t;
    int two = n >= 100000 && !pthread_create(&t, NULL, run_half, &h);
    fn(q, acc0, 0, two ? mid : n);
    if (two) pthread_join(t, NULL);
}

typedef struct past_job { past p; const int64_t *at; int n; } past_job;

static void past_range(an_req *q, void *acc, uint32_t lo, uint32_t hi) {
    past_job *j = acc;
    const an_snap *s = q->s;
    an_at st[j->n];
    uint8_t found[j->n];
    for (uint32_t d = lo; d < hi; d++) {
        if (!(an_in_group(q, d) & (s->d_created[d] < j->at[j->n - 1]))) continue;
        if (!s->d_simple[d]) an_deal_timeline(s, d, j->at, j->n, st, found, NULL);
        past_deal(q, &j->p, d, s->d_simple[d] ? NULL : st, found);
    }
}

static void rates_add(const an_req *q, an_rates *to, const an_rates *from) {
    for (size_t x = 0, cells = (size_t)q->nusers * q->s->stages.n; x < cells; x++) to->rwon[x] += from->rwon[x], to->rclosed[x] += from->rclosed[x];
}

static void rates_at_many(an_req *q, const int64_t *at, int n, an_rates *r) {
    past_job job[2] = {{.at = at, .n = n}, {.at = at, .n = n}};
    an_rates *r1 = arena_alloc(q->c->a, sizeof *r1 * (size_t)n);
    past_init(q, &job[0].p, at, n, r);
    past_init(q, &job[1].p, at, n, r1);
    in_halves(q, past_range, &job[0], &job[1]);
    for (int i = 0; i < n; i++) rates_add(q, &r[i], &r1[i]);
    for (int j = 0; j + 1 < job[0].p.ne; j++) rates_add(q, &job[0].p.span[j], &job[1].p.span[j]);
    past_finish(q, &job[0].p);
}

void an_rates_at(an_req *q, int64_t at, an_rates *r) { rates_at_many(q, &at, 1, r); }

an_frac an_rate_for(const an_req *q, const an_rates *r, uint32_t owner, uint32_t stage) {
    size_t i = (size_t)owner * q->s->stages.n + stage;
    return an_shrink(r->rwon[i], r->rclosed[i], r->team[stage]);
}

/* ---- the forecast ---- */

typedef struct fsum {
    int64_t expected, open, open_money, open_amount, period_expected, period_count, period_amount, won_amount;
    int64_t cat_count[AN_NCAT], cat_amount[AN_NCAT], cat_pcount[AN_NCAT], cat_pamount[AN_NCAT];
    int64_t *st_count, *st_amount, *st_expected;   /* per stage index */
} fsum;

static void fsum_init(const an_req *q, fsum *f) {
    memset(f, 0, sizeof *f);
    size_t ns = q->s->stages.n + 1;
    f->st_count = arena_alloc(q->c->a, sizeof(int64_t) * ns);
    f->st_amount = arena_alloc(q->c->a, sizeof(int64_t) * ns);
    f->st_expected = arena_alloc(q->c->a, sizeof(int64_t) * ns);
}

static int closes_in_period(const an_req *q, uint32_t d) {
    int32_t day = q->s->d_close_day[d];   /* AN_NO_DAY is below every period */
    return (day >= q->from) & (day <= q->to);
}

/* An open deal into f, weighted at w. */
static void fsum_open(const an_req *q, fsum *f, uint32_t d, int64_t w) {
    const an_snap *s = q->s;
    int money = an_money(q, d), inp = closes_in_period(q, d), cat = s->d_fcat[d], st = s->d_stage[d];
    int64_t amount = s->d_amount[d] & -(int64_t)money, pmask = -(int64_t)inp;
    f->open++, f->open_money += money, f->cat_count[cat]++, f->st_count[st]++;
    f->open_amount += amount, f->cat_amount[cat] += amount, f->st_amount[st] += amount;
    f->expected += w, f->st_expected[st] += w;
    f->period_count += inp, f->cat_pcount[cat] += inp;
    f->period_amount += amount & pmask, f->period_expected += w & pmask, f->cat_pamount[cat] += amount & pmask;
}

static void fsum_add(const an_req *q, fsum *f, const fsum *x) {
    f->expected += x->expected, f->open += x->open, f->open_money += x->open_money, f->open_amount += x->open_amount;
    f->period_expected += x->period_expected, f->period_count += x->period_count, f->period_amount += x->period_amount;
    f->won_amount += x->won_amount;
    for (int c = 0; c < AN_NCAT; c++)
        f->cat_count[c] += x->cat_count[c], f->cat_amount[c] += x->cat_amount[c], f->cat_pcount[c] += x->cat_pcount[c],
        f->cat_pamount[c] += x->cat_pamount[c];
    for (uint32_t st = 0; st < q->s->stages.n; st++)
        f->st_count[st] += x->st_count[st], f->st_amount[st] += x->st_amount[st], f->st_expected[st] += x->st_expected[st];
}

/* Every open deal of the group weighted by its owner's rate for its stage,
 * and the amounts won in the period: one sum per owner (own[user index]),
 * the team's being the sum of its members'. */
static void forecast_pass(an_req *q, an_rates *r, fsum *own, fsum *team) {
    const an_snap *s = q->s;
    for (uint32_t u = 0; u < q->nusers; u++) fsum_init(q, &own[u]);
    fsum_init(q, team);
    uint32_t *open = arena_alloc(q->c->a, sizeof *open * (s->deals.n + 1));
    uint32_t n = rates_now(q, r, open);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = open[i];
        int64_t w = an_money(q, d) ? an_weighted(s->d_amount[d], an_rate_for(q, r, s->d_owner[d], s->d_stage[d])) : 0;
        fsum_open(q, &own[s->d_owner[d]], d, w);
    }
    for (uint32_t d = 0; d < s->deals.n; d++)
        own[s->d_owner[d]].won_amount += s->d_amount[d] & -(int64_t)(an_in_group(q, d) & (an_outcome(q, d) == AN_WON) &
                                                                      an_closed_in(q, d) & an_money(q, d));
    for (uint32_t u = 0; u < q->nusers; u++)
        if (q->group[u]) fsum_add(q, team, &own[u]);
}

static json_t *categories_json(const fsum *f) {
    json_t *a = json_array();
    for (int c = 0; c < AN_NCAT; c++)
        json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I, s:I}", "category", an_category_names[c], "count", (json_int_t)f->cat_count[c],
            "amount", (json_int_t)f->cat_amount[c], "in_period_count", (json_int_t)f->cat_pcount[c], "in_period_amount", (json_int_t)f->cat_pamount[c]));
    return a;
}

static json_t *quota_json(int64_t quota, const char *basis, int64_t won) {
    if (quota < 0) return json_pack("{s:n, s:s, s:n}", "amount", "basis", "none", "attainment");
    return json_pack("{s:I, s:s, s:o}", "amount", (json_int_t)quota, "basis", basis, "attainment", an_rate(won, quota));
}

/* Per open stage: the sample, where the probability came from, and what is open there. */
static json_t *stages_json(const an_req *q, const an_rates *r, const fsum *f, int32_t row) {
    json_t *a = json_array();
    size_t ns = q->s->stages.n;
    for (uint32_t pi = 0; pi < q->npipes; pi++) {
        if (q->pipe != AN_NONE && q->pipe != pi) continue;
        for (int k = 0; k < q->pipes[pi].nopen; k++) {
            uint32_t st = q->pipes[pi].open[k];
            const an_stage *sg = &q->s->stage[st];
            json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:I, s:I}", "pipeline_id", (json_int_t)q->pipes[pi].id, "stage_id", (json_int_t)sg->id,
                                  "name", sg->name, "open_count", (json_int_t)f->st_count[st], "open_amount", (json_int_t)f->st_amount[st],
                                  "expected", (json_int_t)f->st_expected[st]);
            an_frac team = r->team[st];
            if (row < 0) {
                json_object_set_new(j, "sample", an_rate(r->won[st], r->closed[st]));
                json_object_set_new(j, "source", json_string(r->from_history[st] ? "history" : "default"));
                json_object_set_new(j, "default_probability", json_real(an_round(sg->probability, 10000, 4)));
                json_object_set_new(j, "probability", json_real(an_round(team.num, team.den, 4)));
            } else {
                size_t i = (size_t)q->rows[row] * ns + st;
                an_frac p = an_shrink(r->rwon[i], r->rclosed[i], team);
                json_object_set_new(j, "sample", an_rate(r->rwon[i], r->rclosed[i]));
                json_object_set_new(j, "team_probability", json_real(an_round(team.num, team.den, 4)));
                json_object_set_new(j, "probability", json_real(an_round(p.num, p.den, 4)));
            }
            json_array_append_new(a, j);
        }
    }
    return a;
}

static json_t *fsum_json(const an_req *q, const an_rates *r, const fsum *f, int32_t row, int64_t quota, const char *basis) {
    return json_pack("{s:I, s:I, s:I, s:{s:I, s:I, s:I}, s:o, s:I, s:o, s:o}", "expected", (json_int_t)f->expected,
        "open_count", (json_int_t)f->open, "open_amount", (json_int_t)f->open_amount,
        "in_period", "expected", (json_int_t)f->period_expected, "count", (json_int_t)f->period_count, "amount", (json_int_t)f->period_amount,
        "categories", categories_json(f), "won_in_period", (json_int_t)f->won_amount, "quota", quota_json(quota, basis, f->won_amount),
        "stages", stages_json(q, r, f, row));
}

static json_t *window_json(const an_req *q, const an_rates *r) {
    char a[11], b[11];
    an_day_format(an_day_of_ms(r->since), a);
    an_day_format(an_day_of_ms(r->at) - 1, b);
    return json_pack("{s:i, s:s, s:s, s:i, s:{s:i, s:s}}", "days", q->window_days, "from", a, "to", b, "min_sample", AN_MIN_SAMPLE,
                     "shrinkage", "k", AN_SHRINK_K, "formula", "p_rep = (wins_rep + k x p_team) / (closed_rep + k)");
}

/* The team's quota: its own when the group is one team that has one, else the sum of its members'. */
static int quotas(an_req *q, int64_t *team, const char **basis, int64_t *row_quota, err *e) {
    int64_t *ids = arena_alloc(q->c->a, sizeof *ids * (q->nusers + 1)), *per = arena_alloc(q->c->a, sizeof *per * (q->nusers + 1));
    for (uint32_t u = 0; u < q->nusers; u++) ids[u] = q->s->users.id[u];
    char from[11], to[11];
    an_day_format(q->from, from);
    an_day_format(q->to, to);
    if (quota_sums(q->c, q->currency, from, to, q->team_id, team, ids, per, (int)q->nusers, e)) return -1;
    *basis = "team";
    if (*team < 0) {
        *basis = "sum of members";
        for (uint32_t u = 0; u < q->nusers; u++)
            if (q->group[u] && per[u] >= 0) *team = (*team < 0 ? 0 : *team) + per[u];
    }
    for (uint32_t i = 0; i < q->nrows; i++) row_quota[i] = per[q->rows[i]];
    return 0;
}

/* What the forecast counts: open deals, the sample's closed deals, the amounts won in the period. */
static int forecast_counts(const an_req *q, uint32_t d, const void *ctx) {
    const an_rates *r = ctx;
    char out = an_outcome(q, d);
    int64_t closed = q->s->d_closed[d];
    return out == AN_OPEN || (closed >= r->since && closed < r->at) || (out == AN_WON && an_closed_in(q, d) && an_money(q, d));
}

int an_forecast(an_req *q, json_t **out, err *e) {
    an_rates r;
    fsum team, *own = arena_alloc(q->c->a, sizeof *own * (q->nusers + 1));
    forecast_pass(q, &r, own, &team);
    int64_t tq, *rq = arena_alloc(q->c->a, sizeof *rq * (q->nrows + 1));
    const char *basis;
    if (quotas(q, &tq, &basis, rq, e)) return -1;
    json_t *reps = json_array();
    for (uint32_t i = 0; i < q->nrows; i++) {
        json_t *row = an_user_json(q, q->rows[i]);
        json_object_update_new(row, fsum_json(q, &r, &own[q->rows[i]], (int32_t)i, rq[i], "user"));
        json_array_append_new(reps, row);
    }
    static const char *const defs[] = {"forecast", "in_period", "categories", "quota", NULL};
    an_find_hidden(q, q->group, forecast_counts, &r);
    *out = an_head(q);
    json_object_set_new(*out, "window", window_json(q, &r));
    json_object_set_new(*out, "team", fsum_json(q, &r, &team, -1, tq, basis));
    json_object_set_new(*out, "reps", reps);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}

/* ---- calibration ---- */

typedef struct cal { int64_t forecast, actual, deals, won, pforecast, pactual, pdeals, pwon; } cal;

/* A deal of `owner` open at the start of period i, in stage `stage` with `amount` then; won: the amount of its
 * move to won within the period, or -1. Every deal counts; amounts only in the request's currency (money). */
static void cal_add(const an_req *q, const an_rates *r, cal *c, uint32_t owner, int money, int i, uint32_t stage, int64_t amount,
                    int in_period, int64_t won) {
    int64_t w = money ? an_weighted(amount, an_rate_for(q, &r[i], owner, stage)) : 0, a = won >= 0 && money ? won : 0;
    cal *x = &c[i];
    x->deals++, x->won += won >= 0, x->forecast += w, x->actual += a;
    if (in_period) x->pdeals++, x->pwon += won >= 0, x->pforecast += w, x->pactual += a;
}

/* What calibration's second walk needs, and where each half adds up; hidden:
 * a deal counted is not the caller's to list. */
typedef struct cal_job { const int64_t *t; const int32_t *day; int n; const an_rates *r; cal *c; int hidden; } cal_job;

static void cal_range(an_req *q, void *acc, uint32_t lo_d, uint32_t hi_d) {
    cal_job *j = acc;
    const an_snap *s = q->s;
    const int64_t *t = j->t;
    const int32_t *day = j->day;
    int n = j->n;
    an_at st[n];
    uint8_t found[n];
    int64_t won[n];
    for (uint32_t d = lo_d; d < hi_d; d++) {
        char now = an_outcome(q, d);
        /* a simple deal closed before the first start was open at none of them */
        if (!(an_in_whose(q, d) & (s->d_created[d] < t[n - 1]) & !(s->d_simple[d] & (now != AN_OPEN) & (s->d_closed[d] < t[0])))) continue;
        int money = an_money(q, d);
        uint32_t owner = s->d_owner[d];
        if (!s->d_simple[d]) {
            an_deal_timeline(s, d, t, n, st, found, won);
            for (int i = 0; i < n; i++)
                if (found[i] && q->skind[st[i].stage] == AN_OPEN) {
                    cal_add(q, j->r, j->c, owner, money, i, st[i].stage, st[i].amount, st[i].close_day >= day[i] && st[i].close_day < day[i + 1], won[i]);
                    j->hidden |= !q->may_list[owner];
                }
            continue;
        }
        /* a simple deal is open from its first change to its last (its closing, if closed): only the stage needs the history */
        uint32_t k = s->d_hoff[d], end = k + s->d_hn[d];
        int64_t first = (int64_t)s->h_sec[k] * 1000, last = (int64_t)s->h_sec[end - 1] * 1000;
        int lo = 0, hi = 0;                          /* open at the starts lo .. hi-1 */
        for (int i = 0; i < n; i++) lo += t[i] <= first, hi += t[i] <= last;
        if (now == AN_OPEN) hi = n;
        for (int i = lo; i < hi; i++) {
            while (k + 1 < end && (int64_t)s->h_sec[k + 1] * 1000 < t[i]) k++;
            int64_t w = now == AN_WON && last < t[i + 1] ? an_row_amount(s, d, end - 1) : -1;
            cal_add(q, j->r, j->c, owner, money, i, s->h_stage[k], an_row_amount(s, d, k), s->h_close[k] >= day[i] && s->h_close[k] < day[i + 1], w);
            j->hidden |= !q->may_list[owner];
        }
    }
}

int an_calibration(an_req *q, json_t **out, err *e) {
    int n = q->periods, months = q->unit == 'm' ? 1 : 3;
    int32_t cur = q->unit == 'm' ? an_month_start(q->today) : an_quarter_start(q->today);
    int64_t t[n + 1];
    int32_t day[n + 1];
    for (int i = 0; i <= n; i++) day[i] = an_add_months(cur, (i - n) * months), t[i] = (int64_t)day[i] * AN_DAY_MS;
    an_rates *r = arena_alloc(q->c->a, sizeof *r * (size_t)n);
    rates_at_many(q, t, n, r);
    cal *c = arena_alloc(q->c->a, sizeof *c * (size_t)n * 2);
    cal_job job[2] = {{t, day, n, r, c, 0}, {t, day, n, r, c + n, 0}};
    in_halves(q, cal_range, &job[0], &job[1]);
    q->partial = job[0].hidden | job[1].hidden;
    for (int i = 0; i < n; i++)
        c[i].forecast += c[n + i].forecast, c[i].actual += c[n + i].actual, c[i].deals += c[n + i].deals, c[i].won += c[n + i].won,
        c[i].pforecast += c[n + i].pforecast, c[i].pactual += c[n + i].pactual, c[i].pdeals += c[n + i].pdeals, c[i].pwon += c[n + i].pwon;
    json_t *periods = json_array();
    for (int i = 0; i < n; i++) {
        char a[11], b[11];
        an_day_format(day[i], a);
        an_day_format(day[i + 1] - 1, b);
        json_array_append_new(periods, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:o}}",
            "from", a, "to", b, "deals", (json_int_t)c[i].deals, "won_deals", (json_int_t)c[i].won, "forecast", (json_int_t)c[i].forecast,
            "actual", (json_int_t)c[i].actual, "error", (json_int_t)(c[i].actual - c[i].forecast), "accuracy", an_rate(c[i].actual, c[i].forecast),
            "in_period", "deals", (json_int_t)c[i].pdeals, "won_deals", (json_int_t)c[i].pwon, "forecast", (json_int_t)c[i].pforecast,
            "actual", (json_int_t)c[i].pactual, "error", (json_int_t)(c[i].pactual - c[i].pforecast), "accuracy", an_rate(c[i].pactual, c[i].pforecast)));
    }
    static const char *const defs[] = {"calibration", NULL};
    *out = an_head(q);
    json_object_set_new(*out, "unit", json_string(q->unit == 'm' ? "month" : "quarter"));
    json_object_set_new(*out, "window_days", json_integer(q->window_days));
    json_object_set_new(*out, "periods", periods);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}

/* ---- velocity ---- */

/* The product of num[] over the product of den[], rounded; 0 when a divisor
 * is 0 or a product does not fit 128 bits (far beyond any real pipeline). */
static int64_t ratio(const int64_t *num, int nn, const int64_t *den, int nd) {
    __int128 a = 1, b = 1;
    for (int i = 0; i < nn; i++)
        if (__builtin_mul_overflow(a, (__int128)num[i], &a)) return 0;
    for (int i = 0; i < nd; i++)
        if (__builtin_mul_overflow(b, (__int128)den[i], &b)) return 0;
    return b ? an_div_round(a, b) : 0;
}

static int open_or_closed_in(const an_req *q, uint32_t d, const void *ctx) { return an_outcome(q, d) == AN_OPEN || an_closed_in(q, d); }

int an_velocity(an_req *q, json_t **out, err *e) {
    const an_snap *s = q->s;
    an_rates r;
    fsum team, f, *own = arena_alloc(q->c->a, sizeof *own * (q->nusers + 1));
    forecast_pass(q, &r, own, &team);
    fsum_init(q, &f);                  /* the deals of whose, weighted at the team's rates shrunk to each owner */
    for (uint32_t u = 0; u < q->nusers; u++)
        if (q->whose[u]) fsum_add(q, &f, &own[u]);
    an_cycle_sum cy = an_cycle_whose(q);
    int64_t won = 0, lost = 0, wn = 0, wsum = 0, open_money = f.open_money;
    for (uint32_t d = 0; d < s->deals.n; d++) {
        if (!(an_in_whose(q, d) & an_closed_in(q, d))) continue;
        int w = an_outcome(q, d) == AN_WON, wm = w & an_money(q, d);
        won += w, lost += !w, wn += wm, wsum += s->d_amount[d] & -(int64_t)wm;
    }
    int64_t avg_won = wn ? an_div_round(wsum, wn) : 0;
    /* per day = amount / (cycle_ms / n / day) = amount x n x day / cycle_ms, rounded once */
    int64_t fb = ratio((int64_t[]){f.expected, cy.n, AN_DAY_MS}, 3, (int64_t[]){cy.ms}, 1);
    int64_t classic = ratio((int64_t[]){open_money, won, avg_won, cy.n, AN_DAY_MS}, 5, (int64_t[]){won + lost, cy.ms}, 2);
    static const char *const defs[] = {"velocity_forecast", "velocity_classic", "cycle", NULL};
    an_find_hidden(q, q->whose, open_or_closed_in, NULL);
    *out = an_head(q);
    json_object_set_new(*out, "window", window_json(q, &r));
    json_object_set_new(*out, "forecast_based", json_pack("{s:I, s:o, s:I}", "weighted_pipeline", (json_int_t)f.expected,
                                                          "cycle", an_avg_days(cy.ms, cy.n), "per_day", (json_int_t)fb));
    json_object_set_new(*out, "classic", json_pack("{s:I, s:o, s:I, s:I, s:o, s:I}", "open_deals", (json_int_t)open_money,
        "win_rate", an_rate(won, won + lost), "average_won_amount", (json_int_t)avg_won, "won_deals_in_currency", (json_int_t)wn,
        "cycle", an_avg_days(cy.ms, cy.n), "per_day", (json_int_t)classic));
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}
