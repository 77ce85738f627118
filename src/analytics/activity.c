/* activity.c: calls, emails and meetings held per rep per ISO week, first
 * meetings against follow-ups, and the early warnings. */
#include <string.h>
#include "figures.h"

#define TRAIL 8                         /* weeks of a rep's own average */
enum { K_FIRST = AN_NKIND, K_N };       /* counts per user and week: call, email, meeting, first meeting */

typedef struct weeks {
    int32_t monday0;                    /* the Monday TRAIL weeks before the period's first week */
    int n;                              /* weeks counted: TRAIL before + the period's */
    int32_t *cnt;                       /* [user][week][K_N] */
} weeks;

static int32_t *at(const weeks *w, uint32_t u, int week) { return &w->cnt[((size_t)u * (size_t)w->n + (size_t)week) * K_N]; }

/* The group's activities per user and week. An activity in one of the
 * period's weeks counts in a figure when its owner is of whose (team.weeks)
 * or one of the team's reps (the median): q->partial if it is not the
 * caller's to list. */
static void count(an_req *q, weeks *w) {
    const an_snap *s = q->s;
    int64_t lo = (int64_t)w->monday0 * AN_DAY_MS, hi = lo + (int64_t)w->n * 7 * AN_DAY_MS;
    for (uint32_t a = 0; a < s->acts.n; a++) {
        uint32_t o = s->a_owner[a];
        if (!s->a_live[a] || !q->group[o] || s->a_done[a] < lo || s->a_done[a] >= hi) continue;
        int wk = (int)((s->a_done[a] - lo) / (7 * AN_DAY_MS));
        int32_t *c = at(w, o, wk);
        c[s->a_kind[a]]++;
        c[K_FIRST] += s->a_first[a];
        q->partial |= (wk >= TRAIL) & !q->may_list[o] & (q->whose[o] | q->is_rep[o]);
    }
}

/* Twice the median of kind k in week wk over the team's reps (zeros included). */
static int64_t median2(const an_req *q, const weeks *w, int wk, int k, int64_t *vals, int64_t *scratch) {
    int n = 0;
    for (uint32_t u = 0; u < q->nusers; u++)
        if (q->group[u] && q->is_rep[u]) vals[n++] = at(w, u, wk)[k];
    return an_median2(vals, n, scratch);
}

static json_t *warnings(const an_req *q, const weeks *w, uint32_t u, int wk, const int64_t *med2) {
    static const char *const metric[] = {"calls", "emails", "meetings"};
    json_t *list = json_array();
    for (int k = 0; k < AN_NKIND; k++) {
        int64_t v = at(w, u, wk)[k], sum8 = 0;
        for (int j = wk - TRAIL; j < wk; j++) sum8 += at(w, u, j)[k];
        int mask = an_warn(v, sum8, med2[k]);
        if (!mask) continue;
        json_t *below = json_array();
        if (mask & AN_WARN_OWN) json_array_append_new(below, json_string("own_average"));
        if (mask & AN_WARN_TEAM) json_array_append_new(below, json_string("team_median"));
        json_array_append_new(list, json_pack("{s:s, s:I, s:o, s:o, s:o}", "metric", metric[k], "value", (json_int_t)v,
            "own_average", json_real(an_round(sum8, TRAIL, 2)), "team_median", json_real(an_round(med2[k], 2, 1)), "below", below));
    }
    return list;
}

static json_t *week_json(const weeks *w, const int32_t *c, int wk) {
    char label[9], from[11];
    an_week_label(w->monday0 + wk * 7, label);
    an_day_format(w->monday0 + wk * 7, from);
    int64_t follow = c[AN_MEETING] - c[K_FIRST];
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:o}", "week", label, "from", from, "calls", c[AN_CALL], "emails", c[AN_EMAIL],
                     "meetings", c[AN_MEETING], "first_meetings", c[K_FIRST], "follow_up_meetings", (json_int_t)follow,
                     "first_to_follow_up", an_rate(c[K_FIRST], follow));
}

int an_activity(an_req *q, json_t **out, err *e) {
    weeks w;
    int32_t first = an_week_start(q->from), last = an_week_start(q->to);
    w.monday0 = first - TRAIL * 7;
    w.n = TRAIL + (last - first) / 7 + 1;
    w.cnt = arena_alloc(q->c->a, sizeof *w.cnt * ((size_t)q->nusers + 1) * (size_t)w.n * K_N);
    count(q, &w);
    int64_t *vals = arena_alloc(q->c->a, sizeof *vals * (q->nusers + 1)), *scratch = arena_alloc(q->c->a, sizeof *scratch * (q->nusers + 1));
    int64_t (*med2)[AN_NKIND] = arena_alloc(q->c->a, sizeof *med2 * (size_t)w.n);
    json_t *team = json_array(), *reps = json_array();
    int32_t *sum = arena_alloc(q->c->a, sizeof *sum * K_N);
    for (int wk = TRAIL; wk < w.n; wk++) {
        memset(sum, 0, sizeof *sum * K_N);
        for (uint32_t u = 0; u < q->nusers; u++)
            for (int k = 0; q->whose[u] && k < K_N; k++) sum[k] += at(&w, u, wk)[k];
        for (int k = 0; k < AN_NKIND; k++) med2[wk][k] = median2(q, &w, wk, k, vals, scratch);
        json_t *row = week_json(&w, sum, wk);
        json_object_set_new(row, "median", json_pack("{s:o, s:o, s:o}", "calls", json_real(an_round(med2[wk][AN_CALL], 2, 1)),
            "emails", json_real(an_round(med2[wk][AN_EMAIL], 2, 1)), "meetings", json_real(an_round(med2[wk][AN_MEETING], 2, 1))));
        json_array_append_new(team, row);
    }
    for (uint32_t i = 0; i < q->nrows; i++) {
        uint32_t u = q->rows[i];
        json_t *list = json_array();
        for (int wk = TRAIL; wk < w.n; wk++) {
            json_t *row = week_json(&w, at(&w, u, wk), wk);
            int complete = w.monday0 + (wk + 1) * 7 <= q->today;   /* a week still running is never flagged */
            json_object_set_new(row, "complete", json_boolean(complete));
            json_object_set_new(row, "warnings", complete ? warnings(q, &w, u, wk, med2[wk]) : json_array());
            json_array_append_new(list, row);
        }
        json_t *rep = an_user_json(q, u);
        json_object_set_new(rep, "weeks", list);
        json_array_append_new(reps, rep);
    }
    static const char *const defs[] = {"activity", "first_meeting", "warning", NULL};
    *out = an_head(q);
    json_object_set_new(*out, "team", json_pack("{s:o}", "weeks", team));
    json_object_set_new(*out, "reps", reps);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}
