/* conversion.c: cohort conversion, win rate, stage-to-stage conversion and
 * the funnel of open deals. */
#include <string.h>
#include "figures.h"

/* What a group of deals did: team (row -1) or one rep. */
typedef struct tally {
    int64_t created, created_won, created_won_amount, won, lost;
    int64_t *reached;                  /* per stage index: cohort deals that reached it */
    int64_t *won_by_pipe;              /* per pipeline index: cohort deals won by now */
} tally;

static void tally_init(const an_req *q, tally *t) {
    memset(t, 0, sizeof *t);
    t->reached = arena_alloc(q->c->a, sizeof *t->reached * (q->s->stages.n + 1));
    t->won_by_pipe = arena_alloc(q->c->a, sizeof *t->won_by_pipe * (q->npipes + 1));
}

static void tally_add(const an_req *q, tally *t, const tally *x) {
    t->created += x->created, t->created_won += x->created_won, t->created_won_amount += x->created_won_amount;
    t->won += x->won, t->lost += x->lost;
    for (uint32_t i = 0; i < q->s->stages.n; i++) t->reached[i] += x->reached[i];
    for (uint32_t i = 0; i < q->npipes; i++) t->won_by_pipe[i] += x->won_by_pipe[i];
}

/* Deal d (selected when m is 1) into t; branch-free but for the cohort's stage walk. */
static void tally_deal(const an_req *q, tally *t, uint32_t d, int m) {
    const an_snap *s = q->s;
    char out = an_outcome(q, d);
    int won = out == AN_WON, closed = m & an_closed_in(q, d), cohort = m & an_created_in(q, d);
    t->won += closed & won;
    t->lost += closed & (out == AN_LOST);
    t->created += cohort;
    t->created_won += cohort & won;
    t->created_won_amount += s->d_amount[d] & -(int64_t)(cohort & won & an_money(q, d));
    t->won_by_pipe[s->d_pipe[d]] += cohort & won;
    if (!cohort) return;
    const an_pipe *p = &q->pipes[s->d_pipe[d]];
    for (int k = 0; k < p->nopen; k++) t->reached[p->open[k]] += an_reached(q, d, p->open[k]);
}

static int pipe_shown(const an_req *q, uint32_t pi) { return (q->pipe == AN_NONE || q->pipe == pi) && q->pipes[pi].nopen; }

static json_t *step_json(const an_req *q, uint32_t from, int64_t to_id, const char *to_name, int64_t num, int64_t den,
                         const int64_t *team_nd) {
    json_t *j = an_rate(num, den);
    json_object_set_new(j, "from_stage_id", json_integer(q->s->stage[from].id));
    json_object_set_new(j, "from", json_string(an_stage_name(q, from)));
    json_object_set_new(j, "to_stage_id", to_id ? json_integer(to_id) : json_null());
    json_object_set_new(j, "to", json_string(to_name));
    if (team_nd) /* the rep against the team, in percentage points */
        json_object_set_new(j, "diff_pp", den && team_nd[1] ? json_real(an_diff_pp(num, den, team_nd[0], team_nd[1])) : json_null());
    return j;
}

/* Stage k -> k+1 for consecutive open stages, then the last open stage -> won. */
static json_t *stages_json(const an_req *q, const tally *t, const tally *team) {
    json_t *pipes = json_array();
    for (uint32_t pi = 0; pi < q->npipes; pi++) {
        if (!pipe_shown(q, pi)) continue;
        const an_pipe *p = &q->pipes[pi];
        json_t *steps = json_array();
        for (int k = 0; k < p->nopen; k++) {
            uint32_t from = p->open[k];
            int last = k + 1 == p->nopen;
            uint32_t to = last ? p->won : p->open[k + 1];
            int64_t num = last ? t->won_by_pipe[pi] : t->reached[to], den = t->reached[from];
            int64_t tnd[2] = {team ? (last ? team->won_by_pipe[pi] : team->reached[to]) : 0, team ? team->reached[from] : 0};
            json_array_append_new(steps, step_json(q, from, to == AN_NONE ? 0 : q->s->stage[to].id,
                                                   to == AN_NONE ? "won" : an_stage_name(q, to), num, den, team ? tnd : NULL));
        }
        json_array_append_new(pipes, json_pack("{s:I, s:s, s:o}", "pipeline_id", (json_int_t)p->id, "pipeline", p->name, "steps", steps));
    }
    return pipes;
}

static json_t *tally_json(const an_req *q, const tally *t, const tally *team) {
    json_t *conv = an_rate(t->created_won, t->created), *win = an_rate(t->won, t->won + t->lost);
    if (team) {
        json_object_set_new(conv, "diff_pp", t->created && team->created
            ? json_real(an_diff_pp(t->created_won, t->created, team->created_won, team->created)) : json_null());
        json_object_set_new(win, "diff_pp", t->won + t->lost && team->won + team->lost
            ? json_real(an_diff_pp(t->won, t->won + t->lost, team->won, team->won + team->lost)) : json_null());
    }
    return json_pack("{s:o, s:I, s:o, s:I, s:I, s:o}", "conversion", conv, "created_won_amount", (json_int_t)t->created_won_amount,
                     "win_rate", win, "won", (json_int_t)t->won, "lost", (json_int_t)t->lost, "stages", stages_json(q, t, team));
}

static int created_or_closed(const an_req *q, uint32_t d, const void *ctx) { return an_created_in(q, d) | an_closed_in(q, d); }
static int open_now(const an_req *q, uint32_t d, const void *ctx) { return an_outcome(q, d) == AN_OPEN; }

int an_conversion(an_req *q, json_t **out, err *e) {
    const an_snap *s = q->s;
    /* one tally per owner; the team's is their sum */
    tally team, *own = arena_alloc(q->c->a, sizeof *own * (q->nusers + 1));
    tally_init(q, &team);
    for (uint32_t u = 0; u < q->nusers; u++) tally_init(q, &own[u]);
    for (uint32_t d = 0; d < s->deals.n; d++) tally_deal(q, &own[s->d_owner[d]], d, an_in_group(q, d));
    for (uint32_t u = 0; u < q->nusers; u++)
        if (q->group[u]) tally_add(q, &team, &own[u]);
    json_t *reps = json_array();
    for (uint32_t i = 0; i < q->nrows; i++) {
        json_t *row = an_user_json(q, q->rows[i]);
        json_object_update_new(row, tally_json(q, &own[q->rows[i]], &team));
        json_array_append_new(reps, row);
    }
    static const char *const defs[] = {"conversion", "win_rate", "stage_conversion", "diff_pp", NULL};
    an_find_hidden(q, q->group, created_or_closed, NULL);
    *out = an_head(q);
    json_object_set_new(*out, "team", tally_json(q, &team, NULL));
    json_object_set_new(*out, "reps", reps);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}

int an_funnel(an_req *q, json_t **out, err *e) {
    const an_snap *s = q->s;
    int64_t *count = arena_alloc(q->c->a, sizeof *count * (s->stages.n + 1));
    int64_t *money = arena_alloc(q->c->a, sizeof *money * (s->stages.n + 1));
    int64_t *amount = arena_alloc(q->c->a, sizeof *amount * (s->stages.n + 1));
    for (uint32_t d = 0; d < s->deals.n; d++) {
        int m = an_in_whose(q, d) & (an_outcome(q, d) == AN_OPEN), mm = m & an_money(q, d);
        count[s->d_stage[d]] += m;
        money[s->d_stage[d]] += mm;
        amount[s->d_stage[d]] += s->d_amount[d] & -(int64_t)mm;
    }
    json_t *pipes = json_array();
    for (uint32_t pi = 0; pi < q->npipes; pi++) {
        if (!pipe_shown(q, pi)) continue;
        const an_pipe *p = &q->pipes[pi];
        json_t *stages = json_array();
        int64_t tc = 0, ta = 0;
        for (int k = 0; k < p->nopen; k++) {
            uint32_t st = p->open[k];
            json_array_append_new(stages, json_pack("{s:I, s:s, s:i, s:I, s:I, s:I}", "stage_id", (json_int_t)s->stage[st].id,
                "name", an_stage_name(q, st), "position", s->stage[st].position, "count", (json_int_t)count[st],
                "amount", (json_int_t)amount[st], "count_in_currency", (json_int_t)money[st]));
            tc += count[st], ta += amount[st];
        }
        json_array_append_new(pipes, json_pack("{s:I, s:s, s:o, s:I, s:I}", "pipeline_id", (json_int_t)p->id, "pipeline", p->name,
                                               "stages", stages, "open_count", (json_int_t)tc, "open_amount", (json_int_t)ta));
    }
    static const char *const defs[] = {"funnel", NULL};
    an_find_hidden(q, q->whose, open_now, NULL);
    *out = an_head(q);
    json_object_set_new(*out, "pipelines", pipes);
    json_object_set_new(*out, "definitions", an_definitions(defs));
    return 0;
}
