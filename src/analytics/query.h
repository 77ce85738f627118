/* query: one analytics request. Its parameters (checked, with a reason per
 * bad field), the caller's view of the sales force, and the deal predicates
 * every figure and every deal list share, so a number and the deals listed
 * behind it can never disagree.
 *
 * Who counts:
 *   group   the team: the team asked for (its whole subtree), else the team
 *           of the rep asked for, else everyone the caller may see at least
 *           as an aggregate (policy_analytics_view); a rep's team-mates count
 *           here. It makes the figures a report names in team_figures, which
 *           compare a rep with the team
 *   whose   the owners whose deals make every other figure: the rep asked for
 *           (owner_id), else the group
 *   listed  the owners whose own figures (a row in "reps") and deals the
 *           caller may see: whose, less those the caller sees only as an
 *           aggregate
 * partial: some deal (or activity) counted in a figure of the answer is not
 * the caller's to list; each report finds that out over what it counts.
 * Money: only deals in the request's currency (the `currency` parameter, or
 * the most common one among the group's deals) count toward amounts; counts
 * and rates use every deal. */
#ifndef ANALYTICS_QUERY_H
#define ANALYTICS_QUERY_H
#include <jansson.h>
#include "../crm/record.h"
#include "calc.h"
#include "snapshot.h"

/* The metrics of GET /analytics/deals (the `metric` parameter), in this order. */
enum { AN_M_CREATED, AN_M_CREATED_WON, AN_M_CLOSED, AN_M_WON, AN_M_LOST, AN_M_REACHED, AN_M_OPEN, AN_M_FORECAST,
       AN_M_FORECAST_IN_PERIOD, AN_M_RATE_SAMPLE, AN_M_CALIBRATION, AN_M_ACTIVITIES };

/* Parameters a report accepts, besides from, to, pipeline_id, team, owner_id and currency. */
enum {
    AN_P_WINDOW = 1,       /* window_days: the trailing window of historical rates (default 365) */
    AN_P_CALIB = 2,        /* periods (default 4), unit: month|quarter (default quarter) */
    AN_P_BY = 4,           /* by: source|product */
    AN_P_LIST = 8,         /* metric, stage_id, category, product_id, source, no_source, week, kind, period_start, limit, after */
};

typedef struct an_pipe {               /* a pipeline and its open stages by position */
    int64_t id;
    const char *name;
    uint32_t *open;                    /* stage indexes */
    int nopen;
    uint32_t won;                      /* a won stage (the first by position), AN_NONE if none */
} an_pipe;

typedef struct an_req {
    crm_ctx *c;
    const an_snap *s;
    /* parameters */
    int32_t from, to;                  /* the period, day numbers, both included */
    int64_t from_ms, to_ms;            /* the same as [from_ms, to_ms) */
    int64_t pipeline_id, team_id, owner_id;   /* 0: not given */
    const char *currency;
    int window_days, periods;
    char unit;                         /* 'm' month, 'q' quarter */
    const char *by, *metric, *source, *act_kind, *after;
    int64_t stage_id, product_id;
    int category, limit, metric_ix;    /* category -1: any; metric_ix: AN_M_* */
    int no_source;                     /* only deals without a lead source (no_source=true) */
    int32_t week, period_start;        /* AN_NO_DAY: not given */
    int64_t now;
    int32_t today;
    /* resolved against the snapshot */
    uint32_t pipe, stage, product, src, cur;   /* indexes; AN_NONE where not given or unknown; src 0: no source */
    uint32_t nusers;
    uint8_t *group, *whose, *listed, *row;   /* per user index; row: listed and a rep or an owner of deals */
    uint8_t *may_list;                 /* per user index: the caller may list the user's deals */
    uint8_t *is_rep;                   /* per user index: the user's role is rep */
    const char **uname;
    uint32_t focus;                    /* user index of owner_id, AN_NONE */
    int64_t group_team;                /* the team whose subtree makes group (team_id, else the focus's team); 0: everyone in view */
    const char *const *team_figures;   /* the members of the answer that count the group (NULL-terminated) */
    int partial;                       /* some deal counted in a figure is not the caller's to list */
    an_pipe *pipes;                    /* per pipeline index in the snapshot (names of all, stages of the live ones) */
    uint32_t npipes;
    uint32_t *rows;                    /* user indexes with row set, by name */
    uint32_t nrows;
    uint32_t *rowix;                   /* per user index: position in rows; nrows (a scratch row) when not a row */
    /* lookup tables the tight loops use instead of branches */
    uint8_t *pipe_ok;                  /* per pipeline index: passes the pipeline filter */
    char *skind;                       /* per stage index: AN_OPEN, AN_WON, AN_LOST */
    int32_t *pos;                      /* per stage index: position */
} an_req;

/* Read the query string into q (allowed: AN_P_* of this report). 400 with field reasons. */
int an_parse(an_req *q, crm_ctx *c, const list_query *lq, unsigned allowed, err *e);
/* With the snapshot held: who counts, pipelines and stages, the currency. 403 / 404 / 422 as due. */
int an_resolve(an_req *q, const an_snap *s, err *e);

/* Every team as the caller sees it: visible (its totals may be shown),
 * managed (in the subtree of the teams the caller manages). Arena array. */
typedef struct an_team_view { int64_t id; uint8_t visible, managed; } an_team_view;
int an_team_views(crm_ctx *c, an_team_view **out, int *n, err *e);

/* --- the shared deal predicates, written with & rather than && : over a
 * million deals a mispredicted branch costs more than the test --- */
static inline char an_outcome(const an_req *q, uint32_t d) { return q->skind[q->s->d_stage[d]]; }
static inline int an_in_group(const an_req *q, uint32_t d) {
    return q->s->d_live[d] & q->group[q->s->d_owner[d]] & q->pipe_ok[q->s->d_pipe[d]];
}
static inline int an_in_whose(const an_req *q, uint32_t d) {
    return q->s->d_live[d] & q->whose[q->s->d_owner[d]] & q->pipe_ok[q->s->d_pipe[d]];
}
static inline int an_in_period(const an_req *q, int64_t ms) { return (ms >= q->from_ms) & (ms < q->to_ms); }
static inline int an_created_in(const an_req *q, uint32_t d) { return an_in_period(q, q->s->d_created[d]); }
static inline int an_closed_in(const an_req *q, uint32_t d) { return (an_outcome(q, d) != AN_OPEN) & an_in_period(q, q->s->d_closed[d]); }
static inline int an_money(const an_req *q, uint32_t d) { return q->s->d_cur[d] == q->cur; }
/* reached(stage): entered it or any later stage; a won deal passed them all */
static inline int an_reached(const an_req *q, uint32_t d, uint32_t stage) { return q->s->d_maxpos[d] >= q->pos[stage]; }
static inline double an_days(int64_t ms) { return (double)ms / (double)AN_DAY_MS; }

/* Set q->partial if a live deal in the pipelines asked for, owned by someone
 * marked in who, is not the caller's to list and counted(q, d, ctx) says it
 * counts in a figure. Walks the deals only when such an owner exists. */
void an_find_hidden(an_req *q, const uint8_t *who, int (*counted)(const an_req *q, uint32_t d, const void *ctx), const void *ctx);

/* --- JSON pieces every report uses --- */
json_t *an_rate(int64_t num, int64_t den);                 /* {"numerator","denominator","rate"} (rate null when den is 0) */
json_t *an_avg_days(int64_t total_ms, int64_t n);           /* {"count","total_days","average_days"} */
json_t *an_head(const an_req *q);                           /* period, filters, currency, scope: the start of every answer */
json_t *an_user_json(const an_req *q, uint32_t u);          /* {"user_id","name"} */
const char *an_stage_name(const an_req *q, uint32_t stage);
#endif
