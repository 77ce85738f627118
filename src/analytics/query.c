/* query.c: parameters, the caller's view of the sales force, shared JSON pieces. */
#include "query.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/timeutil.h"
#include "../crm/entities.h"

#define AN_GIVEN_UNKNOWN (AN_NONE - 1)   /* a filter that names something with no deals: matches nothing */
#define MAX_SPAN_DAYS 3660

static const char *const METRICS[] = {"created", "created_won", "closed", "won", "lost", "reached", "open", "forecast",
                                      "forecast_in_period", "rate_sample", "calibration", "activities", NULL};

static int one_of(const char *v, const char *const *list) {
    for (int i = 0; list[i]; i++)
        if (!strcmp(v, list[i])) return i;
    return -1;
}

static int pos_int(const char *v, int64_t lo, int64_t hi, int64_t *out) {
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) return -1;
    *out = n;
    return 0;
}

static int parse_one(an_req *q, const char *k, const char *v, unsigned allowed, err *e) {
    int64_t n;
    if (!strcmp(k, "from") || !strcmp(k, "to")) {
        int32_t day = an_day_parse(v);
        if (day == AN_NO_DAY) return err_field_add(e, k, "must be a real date as YYYY-MM-DD");
        *(k[0] == 'f' ? &q->from : &q->to) = day;
    } else if (!strcmp(k, "pipeline_id") || !strcmp(k, "team") || !strcmp(k, "owner_id") ||
               ((allowed & AN_P_LIST) && (!strcmp(k, "stage_id") || !strcmp(k, "product_id")))) {
        if (pos_int(v, 1, INT64_MAX, &n)) return err_field_add(e, k, "must be an id (a positive whole number)");
        *(!strcmp(k, "pipeline_id") ? &q->pipeline_id : !strcmp(k, "team") ? &q->team_id : !strcmp(k, "owner_id") ? &q->owner_id
          : !strcmp(k, "stage_id") ? &q->stage_id : &q->product_id) = n;
    } else if (!strcmp(k, "currency")) {
        if (strlen(v) != 3 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) return err_field_add(e, k, "must be an ISO 4217 code such as CNY");
        q->currency = v;
    } else if ((allowed & AN_P_WINDOW) && !strcmp(k, "window_days")) {
        if (pos_int(v, 1, 3650, &n)) return err_field_add(e, k, "must be a whole number of days from 1 to 3650");
        q->window_days = (int)n;
    } else if ((allowed & AN_P_CALIB) && !strcmp(k, "periods")) {
        if (pos_int(v, 1, 24, &n)) return err_field_add(e, k, "must be a whole number from 1 to 24");
        q->periods = (int)n;
    } else if ((allowed & AN_P_CALIB) && !strcmp(k, "unit")) {
        if (strcmp(v, "month") && strcmp(v, "quarter")) return err_field_add(e, k, "must be month or quarter");
        q->unit = v[0];
    } else if ((allowed & AN_P_BY) && !strcmp(k, "by")) {
        if (strcmp(v, "source") && strcmp(v, "product")) return err_field_add(e, k, "must be source or product");
        q->by = v;
    } else if ((allowed & AN_P_LIST) && !strcmp(k, "metric")) {
        if ((q->metric_ix = one_of(v, METRICS)) < 0) return err_field_add(e, k, "must be one of created, created_won, closed, won, lost, reached, "
                                                              "open, forecast, forecast_in_period, rate_sample, calibration, activities");
        q->metric = v;
    } else if ((allowed & AN_P_LIST) && !strcmp(k, "category")) {
        if ((q->category = one_of(v, an_category_names)) < 0) return err_field_add(e, k, "must be commit, best_case, pipeline or omitted");
    } else if ((allowed & AN_P_LIST) && !strcmp(k, "kind")) {
        static const char *const kinds[] = {"call", "email", "meeting", "first_meeting", "follow_up_meeting", NULL};
        if (one_of(v, kinds) < 0) return err_field_add(e, k, "must be call, email, meeting, first_meeting or follow_up_meeting");
        q->act_kind = v;
    } else if ((allowed & AN_P_LIST) && !strcmp(k, "source")) {
        /* not the key of the deals without a source: clients drop empty parameters, and any text may be a source */
        if (!*v) return err_field_add(e, k, "must not be empty; no_source=true lists the deals without a source");
        if (strlen(v) > 80) return err_field_add(e, k, "is longer than a source can be (80)");
        q->source = v;
    } else if ((allowed & AN_P_LIST) && !strcmp(k, "no_source")) {
        if (strcmp(v, "true")) return err_field_add(e, k, "must be true (to list the deals without a lead source)");
        q->no_source = 1;
    } else if ((allowed & AN_P_LIST) && !strcmp(k, "week")) {
        if (an_week_parse(v, &q->week)) return err_field_add(e, k, "must be an ISO week such as 2026-W09");
    } else if ((allowed & AN_P_LIST) && !strcmp(k, "period_start")) {
        if ((q->period_start = an_day_parse(v)) == AN_NO_DAY) return err_field_add(e, k, "must be a real date as YYYY-MM-DD");
    } else return err_field_add(e, k, "is not a parameter of this report");
    return 0;
}

int an_parse(an_req *q, crm_ctx *c, const list_query *lq, unsigned allowed, err *e) {
    memset(q, 0, sizeof *q);
    q->c = c;
    q->now = time_now_ms();
    q->today = an_day_of_ms(q->now);
    q->from = an_quarter_start(q->today);                  /* default: this calendar quarter */
    q->to = an_add_months(q->from, 3) - 1;
    q->window_days = 365, q->periods = 4, q->unit = 'q', q->category = -1, q->limit = 50;
    q->week = q->period_start = AN_NO_DAY;
    for (int i = 0; i < lq->n; i++) {
        for (int j = 0; j < i; j++)
            if (!strcmp(lq->keys[i], lq->keys[j])) { err_field_add(e, lq->keys[i], "is given more than once"); break; }
        parse_one(q, lq->keys[i], lq->vals[i], allowed, e);
    }
    if (lq->sort) err_field_add(e, "sort", "is not a parameter of this report");
    if (!(allowed & AN_P_LIST) && (lq->limit || lq->after)) err_field_add(e, lq->limit ? "limit" : "after", "is not a parameter of this report");
    if (lq->limit < 0) err_field_add(e, "limit", "must be between 1 and 200");
    else if (lq->limit) q->limit = lq->limit;
    if (lq->after && ((q->after = lq->after), pos_int(lq->after, 1, INT64_MAX, &(int64_t){0})))
        err_field_add(e, "after", "must be the `next` value of the previous page");
    if ((allowed & AN_P_LIST) && !q->metric && !e->nfields) err_field_add(e, "metric", "is required");
    if ((allowed & AN_P_BY) && !q->by) q->by = "source";
    if (q->source && q->no_source) err_field_add(e, "no_source", "cannot be given with source");
    if (!e->nfields && q->from > q->to) err_field_add(e, "from", "must not be after `to`");
    if (!e->nfields && q->to - q->from >= MAX_SPAN_DAYS) err_field_add(e, "to", "the period may span at most %d days", MAX_SPAN_DAYS);
    if (e->cls) { e->cls = ERR_BAD_REQUEST; return -1; }
    q->from_ms = (int64_t)q->from * AN_DAY_MS;
    q->to_ms = ((int64_t)q->to + 1) * AN_DAY_MS;
    return 0;
}

/* ---- who counts ---- */

typedef struct team { int64_t id, parent, manager; } team;

static int load_teams(crm_ctx *c, team **out, int *n, err *e) {
    store_stmt *st = store_prepare(c->db, "SELECT id, COALESCE(parent_id, 0), COALESCE(manager_id, 0) FROM teams WHERE deleted_at IS NULL", e);
    if (!st) return -1;
    int cap = 64, rc;
    team *v = arena_alloc(c->a, sizeof *v * (size_t)cap);
    *n = 0;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        if (*n == cap) {
            team *w = arena_alloc(c->a, sizeof *w * (size_t)cap * 2);
            memcpy(w, v, sizeof *v * (size_t)cap);
            v = w, cap *= 2;
        }
        v[(*n)++] = (team){store_col_int(st, 0), store_col_int(st, 1), store_col_int(st, 2)};
    }
    store_reset(st);
    *out = v;
    return rc < 0 ? -1 : 0;
}

/* mark[i] = 1 for the teams in the subtrees of the already marked ones */
static void close_subtree(const team *t, int n, uint8_t *mark) {
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < n; i++) {
            if (mark[i]) continue;
            for (int j = 0; j < n; j++)
                if (mark[j] && t[i].parent == t[j].id) { mark[i] = changed = 1; break; }
        }
    }
}

static int team_pos(const team *t, int n, int64_t id) {
    for (int i = 0; i < n; i++)
        if (t[i].id == id) return i;
    return -1;
}

typedef struct people { int64_t *team_of; role *role_of; analytics_view *view; } people;

static int load_users(an_req *q, people *pp, err *e) {
    arena *a = q->c->a;
    uint32_t n = q->nusers;
    pp->team_of = arena_alloc(a, sizeof *pp->team_of * n);
    pp->role_of = arena_alloc(a, sizeof *pp->role_of * n);
    pp->view = arena_alloc(a, sizeof *pp->view * n);
    q->uname = arena_alloc(a, sizeof *q->uname * n);
    store_stmt *st = store_prepare(q->c->db, "SELECT id, name, COALESCE(team_id, 0), role FROM users", e);
    if (!st) return -1;
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        uint32_t u = an_ids_get(&q->s->users, store_col_int(st, 0));
        if (u == AN_NONE || u >= n) continue;   /* added since the sync: no deals yet */
        q->uname[u] = arena_strdup(a, store_col_text(st, 1));
        pp->team_of[u] = store_col_int(st, 2);
        pp->role_of[u] = auth_role_parse(store_col_text(st, 3));
        pp->view[u] = policy_analytics_view(q->c->p, store_col_int(st, 0), pp->team_of[u]);
    }
    store_reset(st);
    for (uint32_t u = 0; u < n; u++)
        if (!q->uname[u]) q->uname[u] = "?";
    return rc < 0 ? -1 : 0;
}

/* Is team t[pos] in the subtree of the teams p manages? */
static int team_managed(const principal *p, const team *t, int n, int pos) {
    if (p->role != ROLE_MANAGER) return 0;
    uint8_t mark[n];
    for (int i = 0; i < n; i++) mark[i] = t[i].manager == p->user_id;
    close_subtree(t, n, mark);
    return mark[pos];
}

/* May the caller look at team t[pos]'s totals? */
static int team_allowed(const principal *p, const team *t, int n, int pos) {
    if (p->all_scope || team_managed(p, t, n, pos)) return 1;
    return (p->role == ROLE_REP || p->role == ROLE_CSM) && t[pos].id == p->team_id;
}

int an_team_views(crm_ctx *c, an_team_view **out, int *n, err *e) {
    team *t;
    if (load_teams(c, &t, n, e)) return -1;
    *out = arena_alloc(c->a, sizeof **out * (size_t)(*n ? *n : 1));
    for (int i = 0; i < *n; i++)
        (*out)[i] = (an_team_view){t[i].id, (uint8_t)team_allowed(c->p, t, *n, i), (uint8_t)team_managed(c->p, t, *n, i)};
    return 0;
}

/* group = the users of team T's subtree the caller sees at least as an aggregate */
static void group_of_team(an_req *q, const people *pp, const team *t, int n, int pos) {
    uint8_t mark[n > 0 ? n : 1];
    memset(mark, 0, sizeof mark);
    mark[pos] = 1;
    close_subtree(t, n, mark);
    for (uint32_t u = 0; u < q->nusers; u++) {
        int tp = pp->team_of[u] ? team_pos(t, n, pp->team_of[u]) : -1;
        q->group[u] = tp >= 0 && mark[tp] && pp->view[u] >= ANALYTICS_AGGREGATE;
    }
}

static int resolve_people(an_req *q, err *e) {
    const principal *p = q->c->p;
    people pp;
    team *t;
    int nt;
    if (load_users(q, &pp, e) || load_teams(q->c, &t, &nt, e)) return -1;
    q->focus = AN_NONE;
    if (q->owner_id) {
        q->focus = an_ids_get(&q->s->users, q->owner_id);
        if (q->focus == AN_NONE || q->focus >= q->nusers) return err_field_add(e, "owner_id", "no user with this id");
        if (pp.view[q->focus] != ANALYTICS_DEALS)
            return err_set(e, ERR_FORBIDDEN, "you can see your own figures and your team's totals, not another rep's");
    }
    if (q->team_id) {
        int pos = team_pos(t, nt, q->team_id);
        if (pos < 0) return err_field_add(e, "team", "no team with this id");
        if (!team_allowed(p, t, nt, pos)) return err_set(e, ERR_FORBIDDEN, "this team's figures are not yours to see");
        group_of_team(q, &pp, t, nt, pos);
        q->group_team = q->team_id;
        if (q->focus != AN_NONE && !q->group[q->focus]) return err_field_add(e, "owner_id", "is not in this team");
    } else if (q->focus != AN_NONE) {
        int pos = pp.team_of[q->focus] ? team_pos(t, nt, pp.team_of[q->focus]) : -1;
        if (pos >= 0) group_of_team(q, &pp, t, nt, pos), q->group_team = t[pos].id;
        q->group[q->focus] = 1;   /* a rep without a team is their own comparison */
    } else {
        for (uint32_t u = 0; u < q->nusers; u++) q->group[u] = pp.view[u] >= ANALYTICS_AGGREGATE;
    }
    for (uint32_t u = 0; u < q->nusers; u++) {
        q->whose[u] = q->focus != AN_NONE ? u == q->focus : q->group[u];
        q->may_list[u] = pp.view[u] == ANALYTICS_DEALS;
        q->listed[u] = q->whose[u] && q->may_list[u];
        q->is_rep[u] = pp.role_of[u] == ROLE_REP;
        q->row[u] = q->listed[u] && q->is_rep[u];   /* owners of deals join below */
    }
    return 0;
}

/* ---- pipelines and stages ---- */

static int cmp_stage_pos(const void *a, const void *b, void *ctx) {
    const an_snap *s = ctx;
    const an_stage *x = &s->stage[*(const uint32_t *)a], *y = &s->stage[*(const uint32_t *)b];
    return x->position != y->position ? (x->position > y->position) - (x->position < y->position) : (x->id > y->id) - (x->id < y->id);
}

static int resolve_pipes(an_req *q, err *e) {
    const an_snap *s = q->s;
    arena *a = q->c->a;
    q->npipes = s->pipelines.n;
    q->pipes = arena_alloc(a, sizeof *q->pipes * (q->npipes ? q->npipes : 1));
    for (uint32_t i = 0; i < q->npipes; i++) {
        q->pipes[i].id = s->pipelines.id[i];
        q->pipes[i].name = "(deleted pipeline)";
        q->pipes[i].open = arena_alloc(a, sizeof(uint32_t) * (s->stages.n + 1));
        q->pipes[i].won = AN_NONE;
    }
    for (uint32_t st = 0; st < s->stages.n; st++) {   /* stages arrive sorted by id; sort each pipeline's by position */
        uint32_t pi = an_ids_get(&s->pipelines, s->stage[st].pipeline_id);
        if (pi == AN_NONE || s->stage[st].deleted) continue;
        an_pipe *pp = &q->pipes[pi];
        if (s->stage[st].kind == AN_OPEN) pp->open[pp->nopen++] = st;
        else if (s->stage[st].kind == AN_WON && (pp->won == AN_NONE || s->stage[st].position < s->stage[pp->won].position)) pp->won = st;
    }
    for (uint32_t i = 0; i < q->npipes; i++)
        qsort_r(q->pipes[i].open, (size_t)q->pipes[i].nopen, sizeof(uint32_t), cmp_stage_pos, (void *)s);
    store_stmt *st = store_prepare(q->c->db, "SELECT id, name, deleted_at FROM pipelines", e);
    if (!st) return -1;
    int rc, found = !q->pipeline_id;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        uint32_t pi = an_ids_get(&s->pipelines, store_col_int(st, 0));
        if (pi != AN_NONE && pi < q->npipes) q->pipes[pi].name = arena_strdup(a, store_col_text(st, 1));
        found |= store_col_int(st, 0) == q->pipeline_id && store_col_null(st, 2);
    }
    store_reset(st);
    if (rc < 0) return -1;
    if (!found) return err_field_add(e, "pipeline_id", "no pipeline with this id");
    q->pipe = AN_NONE;
    if (q->pipeline_id && (q->pipe = an_ids_get(&s->pipelines, q->pipeline_id)) == AN_NONE) q->pipe = AN_GIVEN_UNKNOWN;
    q->pipe_ok = arena_alloc(a, q->npipes + 1);
    for (uint32_t i = 0; i < q->npipes; i++) q->pipe_ok[i] = q->pipe == AN_NONE || q->pipe == i;
    q->skind = arena_alloc(a, s->stages.n + 1);
    q->pos = arena_alloc(a, sizeof *q->pos * (s->stages.n + 1));
    for (uint32_t i = 0; i < s->stages.n; i++) q->skind[i] = s->stage[i].kind, q->pos[i] = s->stage[i].position;
    q->stage = AN_NONE;
    if (q->stage_id && ((q->stage = an_ids_get(&s->stages, q->stage_id)) == AN_NONE || s->stage[q->stage].deleted))
        return err_field_add(e, "stage_id", "no stage with this id");
    return 0;
}

/* ---- the currency, and who owns deals ---- */

static void resolve_money(an_req *q) {
    const an_snap *s = q->s;
    uint32_t ncur = s->currencies.n;
    int64_t count[256] = {0};
    uint8_t *owns = arena_alloc(q->c->a, q->nusers ? q->nusers : 1);
    for (uint32_t d = 0; d < s->deals.n; d++) {
        int m = s->d_live[d] & q->pipe_ok[s->d_pipe[d]];
        owns[s->d_owner[d]] |= m;
        count[s->d_cur[d]] += m & q->group[s->d_owner[d]];
    }
    for (uint32_t u = 0; u < q->nusers; u++) q->row[u] |= q->listed[u] && owns[u];
    if (q->currency) {
        q->cur = an_strs_get(&s->currencies, q->currency);
        if (q->cur == AN_NONE) q->cur = AN_GIVEN_UNKNOWN;
        return;
    }
    uint32_t best = AN_NONE;
    for (uint32_t i = 0; i < ncur && i < 256; i++)   /* the most deals; on a tie the first code alphabetically */
        if (count[i] && (best == AN_NONE || count[i] > count[best] || (count[i] == count[best] && strcmp(s->currencies.s[i], s->currencies.s[best]) < 0)))
            best = i;
    q->cur = best;
    q->currency = best == AN_NONE ? crm_default_currency : s->currencies.s[best];
}

/* rows by name, then id */
static int cmp_rows(const void *a, const void *b, void *ctx) {
    const an_req *q = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(q->uname[x], q->uname[y]);
    return c ? c : (q->s->users.id[x] > q->s->users.id[y]) - (q->s->users.id[x] < q->s->users.id[y]);
}

int an_resolve(an_req *q, const an_snap *s, err *e) {
    arena *a = q->c->a;
    q->s = s;
    q->nusers = s->users.n;
    size_t n = q->nusers ? q->nusers : 1;
    q->group = arena_alloc(a, n), q->whose = arena_alloc(a, n), q->listed = arena_alloc(a, n), q->row = arena_alloc(a, n);
    q->may_list = arena_alloc(a, n), q->is_rep = arena_alloc(a, n);
    if (resolve_people(q, e) || resolve_pipes(q, e)) return -1;
    q->product = AN_NONE;
    if (q->product_id && (q->product = an_ids_get(&s->products, q->product_id)) == AN_NONE) q->product = AN_GIVEN_UNKNOWN;
    q->src = q->no_source ? 0 : AN_NONE;   /* source index 0 holds the deals without one */
    if (q->source && (q->src = an_strs_get(&s->sources, q->source)) == AN_NONE) q->src = AN_GIVEN_UNKNOWN;
    resolve_money(q);
    q->rows = arena_alloc(a, sizeof *q->rows * n);
    for (uint32_t u = 0; u < q->nusers; u++)
        if (q->row[u]) q->rows[q->nrows++] = u;
    qsort_r(q->rows, q->nrows, sizeof *q->rows, cmp_rows, q);
    q->rowix = arena_alloc(a, sizeof *q->rowix * n);
    for (uint32_t u = 0; u < n; u++) q->rowix[u] = q->nrows;
    for (uint32_t i = 0; i < q->nrows; i++) q->rowix[q->rows[i]] = i;
    return 0;
}

void an_find_hidden(an_req *q, const uint8_t *who, int (*counted)(const an_req *q, uint32_t d, const void *ctx), const void *ctx) {
    int any = 0;
    for (uint32_t u = 0; u < q->nusers; u++) any |= who[u] & !q->may_list[u];
    const an_snap *s = q->s;
    for (uint32_t d = 0; any && !q->partial && d < s->deals.n; d++) {
        uint32_t o = s->d_owner[d];
        if (s->d_live[d] & who[o] & !q->may_list[o] & q->pipe_ok[s->d_pipe[d]] && counted(q, d, ctx)) q->partial = 1;
    }
}

/* ---- JSON pieces ---- */

json_t *an_rate(int64_t num, int64_t den) {
    return json_pack("{s:I, s:I, s:o}", "numerator", (json_int_t)num, "denominator", (json_int_t)den, "rate",
                     den ? json_real(an_round(num, den, 4)) : json_null());
}

json_t *an_avg_days(int64_t total_ms, int64_t n) {
    return json_pack("{s:I, s:o, s:o}", "count", (json_int_t)n, "total_days", json_real(an_round(total_ms, AN_DAY_MS, 4)),
                     "average_days", n ? json_real(an_round(total_ms, n * AN_DAY_MS, 2)) : json_null());
}

static json_t *id_or_null(int64_t id) { return id ? json_integer(id) : json_null(); }

json_t *an_head(const an_req *q) {
    char from[11], to[11];
    an_day_format(q->from, from);
    an_day_format(q->to, to);
    json_t *team = json_array();
    for (int i = 0; q->team_figures && q->team_figures[i]; i++) json_array_append_new(team, json_string(q->team_figures[i]));
    return json_pack("{s:{s:s, s:s}, s:{s:o, s:o, s:o}, s:s, s:{s:b, s:o, s:o, s:s}}",
        "period", "from", from, "to", to,
        "filters", "pipeline_id", id_or_null(q->pipeline_id), "team", id_or_null(q->team_id), "owner_id", id_or_null(q->owner_id),
        "currency", q->currency,
        "scope", "partial", q->partial, "team_figures", team, "team_id", id_or_null(q->group_team), "rule",
        "The members named in team_figures count every deal of the team, also when owner_id names one rep: they are the "
        "team to compare the rep with. Every other figure counts the deals of owner_id's rep, else of the team. Per-rep "
        "figures and deal lists are shown for the reps you may see; partial says that some deal counted in a figure here "
        "is not yours to list. Probabilities are worked out from the team's closed deals (metric=rate_sample lists "
        "them) and weigh the deals without counting them. Amounts count only deals in `currency`; counts and rates count "
        "every deal.");
}

json_t *an_user_json(const an_req *q, uint32_t u) {
    return json_pack("{s:I, s:s}", "user_id", (json_int_t)q->s->users.id[u], "name", q->uname[u]);
}

const char *an_stage_name(const an_req *q, uint32_t stage) { return q->s->stage[stage].name; }
