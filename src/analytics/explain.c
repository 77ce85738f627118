/* explain.c: GET /analytics/deals: the deals (or activities) behind a number,
 * chosen by the same predicates as the reports, with what each contributed. */
#include <stdlib.h>
#include <string.h>
#include "../core/timeutil.h"
#include "figures.h"

#define PAGE_CHUNK AN_NIN   /* ids per name lookup */

typedef struct hit { int64_t id; uint32_t slot; an_frac p; an_at then; int64_t won; } hit;

/* The metric's own context: rates, the calibration period. */
typedef struct ctx {
    an_rates r;
    int64_t t[2];                      /* calibration: the period [t0, t1) */
    int32_t day[2];
    int forecast, in_period;
    uint32_t stage_pipe;               /* reached, rate_sample: the pipeline of stage_id */
} ctx;

static int bad(err *e, const char *field, const char *why) {
    err_field_add(e, field, "%s", why);
    e->cls = ERR_BAD_REQUEST;
    return -1;
}

/* Is deal d behind the metric's figure (for whose, listable or not)? */
static int matches(an_req *q, const ctx *x, uint32_t d, hit *h) {
    const an_snap *s = q->s;
    if (!an_in_whose(q, d)) return 0;
    if (q->src != AN_NONE && s->d_source[d] != q->src) return 0;
    if (q->product != AN_NONE) {
        uint32_t k = s->d_poff[d], end = k + s->d_pn[d];
        while (k < end && s->p_prod[k] != q->product) k++;
        if (k == end) return 0;
    }
    char out = an_outcome(q, d);
    int stage_ok = q->stage == AN_NONE || s->d_stage[d] == q->stage, cat_ok = q->category < 0 || s->d_fcat[d] == q->category;
    switch (q->metric_ix) {
    case AN_M_CREATED: return an_created_in(q, d);
    case AN_M_CREATED_WON: return an_created_in(q, d) && out == AN_WON;
    case AN_M_CLOSED: return an_closed_in(q, d);
    case AN_M_WON: return an_closed_in(q, d) && out == AN_WON;
    case AN_M_LOST: return an_closed_in(q, d) && out == AN_LOST;
    case AN_M_REACHED: return an_created_in(q, d) && s->d_pipe[d] == x->stage_pipe && an_reached(q, d, q->stage);
    case AN_M_RATE_SAMPLE: return out != AN_OPEN && s->d_closed[d] >= x->r.since && s->d_closed[d] < x->r.at && s->d_pipe[d] == x->stage_pipe &&
                                  an_reached(q, d, q->stage);
    case AN_M_OPEN: return out == AN_OPEN && stage_ok && cat_ok;
    case AN_M_FORECAST: case AN_M_FORECAST_IN_PERIOD: {
        int32_t day = s->d_close_day[d];
        if (out != AN_OPEN || !stage_ok || !cat_ok || (x->in_period && (day < q->from || day > q->to))) return 0;
        h->p = an_rate_for(q, &x->r, s->d_owner[d], s->d_stage[d]);
        return 1;
    }
    }
    /* calibration: open at the period's start */
    uint8_t found;
    an_deal_timeline(s, d, x->t, 1, &h->then, &found, &h->won);
    if (!found || q->skind[h->then.stage] != AN_OPEN || (q->stage != AN_NONE && h->then.stage != q->stage)) return 0;
    h->p = an_rate_for(q, &x->r, s->d_owner[d], h->then.stage);
    return 1;
}

static int cmp_hit(const void *a, const void *b) {
    int64_t x = ((const hit *)a)->id, y = ((const hit *)b)->id;
    return (x > y) - (x < y);
}

static json_t *ms_json(int64_t ms) {
    if (!ms) return json_null();
    char ts[32];
    time_format_ms(ms, ts);
    return json_string(ts);
}

static json_t *day_json(int32_t day) {
    if (day == AN_NO_DAY) return json_null();
    char d[11];
    an_day_format(day, d);
    return json_string(d);
}

static json_t *deal_json(an_req *q, const ctx *x, const hit *h) {
    const an_snap *s = q->s;
    uint32_t d = h->slot;
    char out = an_outcome(q, d);
    json_t *j = json_pack("{s:I, s:n, s:I, s:s, s:I, s:I, s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:s}", "id", (json_int_t)h->id, "name",
        "owner_id", (json_int_t)s->users.id[s->d_owner[d]], "owner_name", q->uname[s->d_owner[d]],
        "pipeline_id", (json_int_t)s->pipelines.id[s->d_pipe[d]], "stage_id", (json_int_t)s->stage[s->d_stage[d]].id,
        "stage", an_stage_name(q, s->d_stage[d]), "outcome", out == AN_WON ? "won" : out == AN_LOST ? "lost" : "open",
        "amount", (json_int_t)s->d_amount[d], "currency", s->currencies.s[s->d_cur[d]], "created_at", ms_json(s->d_created[d]),
        "closed_at", out == AN_OPEN ? json_null() : ms_json(s->d_closed[d]), "close_date", day_json(s->d_close_day[d]),
        "source", s->d_source[d] ? json_string(s->sources.s[s->d_source[d]]) : json_null(), "forecast_category", an_category_names[s->d_fcat[d]]);
    if (out != AN_OPEN) json_object_set_new(j, "days_to_close", json_real(an_round(s->d_closed[d] - s->d_created[d], AN_DAY_MS, 4)));
    if (x->forecast || x->t[0]) {
        int money = an_money(q, d);
        int64_t amount = x->t[0] ? h->then.amount : s->d_amount[d];
        json_object_set_new(j, "probability", json_real(an_round(h->p.num, h->p.den, 4)));
        json_object_set_new(j, "expected", money ? json_integer(an_weighted(amount, h->p)) : json_null());
    }
    if (x->t[0]) {
        json_object_set_new(j, "stage_then_id", json_integer(s->stage[h->then.stage].id));
        json_object_set_new(j, "amount_then", json_integer(h->then.amount));
        json_object_set_new(j, "close_date_then", day_json(h->then.close_day));
        json_object_set_new(j, "won_in_period", json_boolean(h->won >= 0));
        json_object_set_new(j, "won_amount", json_integer(h->won >= 0 ? h->won : 0));
    }
    return j;
}

/* Deal names for one page, PAGE_CHUNK ids per statement (one fixed text, prepared once per connection). */
static int names(an_req *q, json_t *items, err *e) {
    static const char *const sql = "SELECT id, name FROM opportunities WHERE id IN (" AN_IN64 ")";
    size_t n = json_array_size(items);
    for (size_t at = 0; at < n; at += PAGE_CHUNK) {
        store_stmt *st = store_prepare(q->c->db, sql, e);
        if (!st) return -1;
        for (size_t i = 0; i < PAGE_CHUNK; i++)
            store_bind_int(st, (int)i + 1, json_integer_value(json_object_get(json_array_get(items, at + i < n ? at + i : n - 1), "id")));
        int rc;
        while ((rc = store_step(st, e)) == STORE_ROW)
            for (size_t i = at; i < n && i < at + PAGE_CHUNK; i++) {
                json_t *it = json_array_get(items, i);
                if (json_integer_value(json_object_get(it, "id")) == store_col_int(st, 0))
                    json_object_set_new(it, "name", json_string(store_col_text(st, 1)));
            }
        store_reset(st);
        if (rc < 0) return -1;
    }
    return 0;
}

/* What the listed number means: the definition of the figure the metric is behind. */
static json_t *definition(const an_req *q) {
    static const char *const of[] = {[AN_M_CREATED] = "conversion", [AN_M_CREATED_WON] = "conversion", [AN_M_CLOSED] = "win_rate",
        [AN_M_WON] = "win_rate", [AN_M_LOST] = "win_rate", [AN_M_REACHED] = "stage_conversion", [AN_M_OPEN] = "funnel",
        [AN_M_FORECAST] = "forecast", [AN_M_FORECAST_IN_PERIOD] = "in_period", [AN_M_RATE_SAMPLE] = "forecast",
        [AN_M_CALIBRATION] = "calibration", [AN_M_ACTIVITIES] = "first_meeting"};
    const char *keys[] = {of[q->metric_ix], NULL};
    return an_definitions(keys);
}

static int list_activities(an_req *q, json_t **out, err *e) {
    const an_snap *s = q->s;
    int64_t lo = q->from_ms, hi = q->to_ms, after = q->after ? atoll(q->after) : 0, count = 0;
    if (q->week != AN_NO_DAY) lo = (int64_t)q->week * AN_DAY_MS, hi = lo + 7 * AN_DAY_MS;
    int want = !q->act_kind ? -1 : !strcmp(q->act_kind, "call") ? AN_CALL : !strcmp(q->act_kind, "email") ? AN_EMAIL : AN_MEETING;
    int first = !q->act_kind ? -1 : !strcmp(q->act_kind, "first_meeting") ? 1 : !strcmp(q->act_kind, "follow_up_meeting") ? 0 : -1;
    hit *hits = malloc(sizeof *hits * ((size_t)s->acts.n + 1));
    if (!hits) return err_set(e, ERR_INTERNAL, "out of memory");
    uint32_t nh = 0;
    for (uint32_t a = 0; a < s->acts.n; a++) {
        if (!s->a_live[a] || !q->whose[s->a_owner[a]] || s->a_done[a] < lo || s->a_done[a] >= hi) continue;
        if ((want >= 0 && s->a_kind[a] != want) || (first >= 0 && s->a_first[a] != first)) continue;
        if (!q->may_list[s->a_owner[a]]) { q->partial = 1; continue; }   /* in the figure, not in the list */
        count++;
        if (s->acts.id[a] > after) hits[nh++] = (hit){.id = s->acts.id[a], .slot = a};
    }
    qsort(hits, nh, sizeof *hits, cmp_hit);
    json_t *items = json_array();
    for (uint32_t i = 0; i < nh && i < (uint32_t)q->limit; i++) {
        uint32_t a = hits[i].slot;
        char week[9];
        an_week_label(an_week_start(an_day_of_ms(s->a_done[a])), week);
        json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:s, s:o, s:s, s:b}", "id", (json_int_t)hits[i].id,
            "kind", an_kind_names[s->a_kind[a]], "owner_id", (json_int_t)s->users.id[s->a_owner[a]], "owner_name", q->uname[s->a_owner[a]],
            "done_at", ms_json(s->a_done[a]), "week", week, "first_meeting", s->a_kind[a] == AN_MEETING && s->a_first[a]));
    }
    json_t *next = nh > (uint32_t)q->limit ? json_string(arena_printf(q->c->a, "%lld", (long long)hits[q->limit - 1].id)) : json_null();
    free(hits);
    *out = an_head(q);
    json_object_update_new(*out, json_pack("{s:s, s:I, s:o, s:o, s:o}", "metric", q->metric, "count", (json_int_t)count, "items", items, "next", next,
                                           "definitions", definition(q)));
    return 0;
}

int an_deals(an_req *q, json_t **out, err *e) {
    int m = q->metric_ix;
    if (m == AN_M_ACTIVITIES) return list_activities(q, out, e);
    const an_snap *s = q->s;
    ctx x;
    memset(&x, 0, sizeof x);
    int needs_stage = m == AN_M_REACHED || m == AN_M_RATE_SAMPLE;
    if (needs_stage && q->stage == AN_NONE) return bad(e, "stage_id", "is required for this metric");
    if (m == AN_M_CALIBRATION) {
        if (q->period_start == AN_NO_DAY || an_month_start(q->period_start) != q->period_start)
            return bad(e, "period_start", "is required for this metric: the first day of a period of the calibration report");
        x.day[0] = q->period_start, x.day[1] = an_add_months(q->period_start, q->unit == 'm' ? 1 : 3);
        x.t[0] = (int64_t)x.day[0] * AN_DAY_MS, x.t[1] = (int64_t)x.day[1] * AN_DAY_MS;
        an_rates_at(q, x.t[0], &x.r);
    } else if (m == AN_M_FORECAST || m == AN_M_FORECAST_IN_PERIOD || m == AN_M_RATE_SAMPLE) {
        an_rates_now(q, &x.r);
        x.forecast = m != AN_M_RATE_SAMPLE;
        x.in_period = m == AN_M_FORECAST_IN_PERIOD;
    }
    if (q->stage != AN_NONE) x.stage_pipe = an_ids_get(&s->pipelines, s->stage[q->stage].pipeline_id);
    int64_t after = q->after ? atoll(q->after) : 0, count = 0, amount = 0, expected = 0;
    hit *hits = malloc(sizeof *hits * ((size_t)s->deals.n + 1));
    if (!hits) return err_set(e, ERR_INTERNAL, "out of memory");
    uint32_t nh = 0;
    int sorted = 1;
    for (uint32_t d = 0; d < s->deals.n; d++) {
        hit h = {.id = s->deals.id[d], .slot = d, .won = -1};
        if (!matches(q, &x, d, &h)) continue;
        if (!q->may_list[s->d_owner[d]]) { q->partial = 1; continue; }   /* in the figure, not in the list */
        count++;
        int64_t base = x.t[0] ? h.then.amount : s->d_amount[d];
        if (an_money(q, d)) amount += base, expected += x.forecast || x.t[0] ? an_weighted(base, h.p) : 0;
        if (h.id <= after) continue;
        sorted &= !nh || hits[nh - 1].id < h.id;
        hits[nh++] = h;
    }
    if (!sorted) qsort(hits, nh, sizeof *hits, cmp_hit);
    json_t *items = json_array();
    for (uint32_t i = 0; i < nh && i < (uint32_t)q->limit; i++) json_array_append_new(items, deal_json(q, &x, &hits[i]));
    json_t *next = nh > (uint32_t)q->limit ? json_string(arena_printf(q->c->a, "%lld", (long long)hits[q->limit - 1].id)) : json_null();
    free(hits);
    if (names(q, items, e)) { json_decref(items); json_decref(next); return -1; }
    *out = an_head(q);
    json_object_update_new(*out, json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "metric", q->metric, "count", (json_int_t)count,
        "amount", (json_int_t)amount, "expected", x.forecast || x.t[0] ? json_integer(expected) : json_null(), "items", items, "next", next,
        "definitions", definition(q)));
    return 0;
}
