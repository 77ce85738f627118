/* analytics.c: the report table, one request's life (parse, take the synced
 * snapshot, resolve, compute, give it back), and what every figure means. */
#include "analytics.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../core/log.h"
#include "figures.h"

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The figures that stay the team's when owner_id names one rep: those a
 * rep's figures are compared with. Everything else follows owner_id. */
static const char *const TEAM_OBJECT[] = {"team", NULL};
static const char *const FORECAST_TEAM[] = {"team", "reps[].stages[].team_probability", NULL};
static const char *const ACTIVITY_TEAM[] = {"team.weeks[].median", "reps[].weeks[].warnings[].team_median", NULL};

static const struct report {
    const char *name;
    unsigned params;                   /* AN_P_* beyond the common ones */
    int (*run)(an_req *q, json_t **out, err *e);
    const char *const *team_figures;   /* members of the answer that count the group, NULL: none */
} REPORTS[] = {
    {"conversion", 0, an_conversion, TEAM_OBJECT},
    {"funnel", 0, an_funnel, NULL},
    {"forecast", AN_P_WINDOW, an_forecast, FORECAST_TEAM},
    {"calibration", AN_P_WINDOW | AN_P_CALIB, an_calibration, NULL},
    {"cycle", 0, an_cycle, TEAM_OBJECT},
    {"velocity", AN_P_WINDOW, an_velocity, NULL},
    {"breakdown", AN_P_BY, an_breakdown, NULL},
    {"activity", 0, an_activity, ACTIVITY_TEAM},
    {"reps", 0, an_reps, NULL},
    {"deals", AN_P_LIST | AN_P_WINDOW | AN_P_CALIB, an_deals, NULL},
};

int analytics_report(crm_ctx *c, const char *name, const list_query *lq, json_t **out, err *e) {
    const struct report *r = NULL;
    for (size_t i = 0; i < sizeof REPORTS / sizeof *REPORTS; i++)
        if (!strcmp(REPORTS[i].name, name)) r = &REPORTS[i];
    if (!r) return err_set(e, ERR_NOT_FOUND, "no analytics report named %s", name);
    an_req q;
    if (an_parse(&q, c, lq, r->params, e)) return -1;
    q.team_figures = r->team_figures;
    int64_t t0 = now_us();
    const an_snap *s = an_snap_acquire(c->db, e);
    if (!s) return -1;
    int64_t t1 = now_us();
    int rc = an_resolve(&q, s, e);
    int64_t t2 = now_us();
    if (!rc) rc = r->run(&q, out, e);
    an_snap_release(s);
    if (getenv("CYLINDER_ANALYTICS_TRACE"))   /* where a report's time goes, for bench/analytics */
        log_info("analytics %s: sync %.2f ms, resolve %.2f ms, compute %.2f ms", name, (t1 - t0) / 1e3, (t2 - t1) / 1e3, (now_us() - t2) / 1e3);
    return rc ? -1 : 0;
}

/* ---- the deals behind a figure, as a file ---- */

/* The columns of the lists, in the order of their items; what a metric does not give stays empty. */
static const export_col DEAL_COLS[] = {
    {"id", FT_INT}, {"name", FT_TEXT}, {"owner_name", FT_TEXT}, {"stage", FT_TEXT}, {"outcome", FT_TEXT},
    {"amount", FT_INT}, {"currency", FT_TEXT}, {"created_at", FT_TIME}, {"closed_at", FT_TIME}, {"close_date", FT_DATE},
    {"days_to_close", FT_INT}, {"source", FT_TEXT}, {"forecast_category", FT_TEXT}, {"probability", FT_INT}, {"expected", FT_INT},
    {"amount_then", FT_INT}, {"close_date_then", FT_DATE}, {"won_in_period", FT_BOOL}, {"won_amount", FT_INT}};
static const export_col ACTIVITY_COLS[] = {
    {"id", FT_INT}, {"kind", FT_TEXT}, {"owner_name", FT_TEXT}, {"done_at", FT_TIME}, {"week", FT_TEXT}, {"first_meeting", FT_BOOL}};

typedef struct deal_pages { crm_ctx *c; list_query q; } deal_pages;

static int deal_page(void *arg, const char *after, json_t **page, err *e) {
    deal_pages *dp = arg;
    dp->q.after = after ? arena_strdup(dp->c->a, after) : NULL;
    return analytics_report(dp->c, "deals", &dp->q, page, e);
}

int analytics_export(crm_ctx *c, const list_query *lq, export_format f, const char *path, buf *out, err *e) {
    if (lq->limit || lq->after) return err_set(e, ERR_BAD_REQUEST, "an export takes every deal behind the figure: leave out limit and after");
    deal_pages dp = {c, *lq};
    dp.q.limit = 200;
    int acts = 0;
    for (int i = 0; i < lq->n; i++) acts |= !strcmp(lq->keys[i], "metric") && !strcmp(lq->vals[i], "activities");
    return acts ? export_pages("activities", ACTIVITY_COLS, sizeof ACTIVITY_COLS / sizeof *ACTIVITY_COLS, deal_page, &dp, f, path, out, e)
                : export_pages("deals", DEAL_COLS, sizeof DEAL_COLS / sizeof *DEAL_COLS, deal_page, &dp, f, path, out, e);
}

/* ---- what the numbers mean, said in every answer that has them ---- */

static const struct { const char *key, *text; } DEFS[] = {
    {"conversion", "Cohort conversion: of the deals created in the period, the share won by now (won / created)."},
    {"win_rate", "Win rate: of the deals closed in the period, won / (won + lost)."},
    {"stage_conversion", "Stage-to-stage conversion among the deals created in the period: reached(next) / reached(stage), for consecutive "
                         "open stages and from the last open stage to won. A deal reached a stage when its stage history shows it entered "
                         "that stage or any later open stage (a skipped stage counts as passed); a deal that entered a won stage passed "
                         "every open stage, even if reopened since; a lost deal counts for the stages it reached. The last step's "
                         "numerator is the cohort's deals won by now."},
    {"diff_pp", "diff_pp: the rep's rate minus the team's, in percentage points (2 places); null when either has no deals."},
    {"funnel", "Open deals in each open stage now: count (every currency) and amount (deals in `currency` only; count_in_currency says how "
               "many). The period does not apply."},
    {"forecast", "expected = the sum over open deals of amount x p(owner, stage), each rounded half away from zero to the minor unit. "
                 "p(team, stage) = won / (won + lost) among the team's deals that had reached the stage and closed within the window; "
                 "with fewer than min_sample (20) such deals, the stage's default probability (source: default). p(owner, stage) = "
                 "(wins_rep + k x p_team) / (closed_rep + k) with k = 10, so a rep with few closed deals is pulled toward the team."},
    {"in_period", "in_period: the open deals whose close date falls in the period."},
    {"categories", "The manager's forecast categories (commit, best_case, pipeline, omitted): count (every currency) and amount of the open "
                   "deals in each; in_period_* for those closing in the period."},
    {"quota", "quota: the quotas in `currency` that overlap the period (GET /quotas with from and to lists them), each pro-rated to "
              "amount x days shared with the period / days of the quota (both ends counted) and rounded half away from zero to the "
              "minor unit, then added up: the team's own when the team parameter names a team that has one (basis: team), else the "
              "sum of the members' (basis: sum of members). attainment = won_in_period / quota, where won_in_period is the amount of "
              "the deals won in the period."},
    {"calibration", "For each past period: at its first instant (00:00 UTC) the deals then open, with the stage and amount of their last "
                    "stage change before that instant, weighted by the rates of the window before it (per rep, shrunk as in the forecast), "
                    "against the amounts of those deals' first moves to won within the period. in_period keeps the deals whose close "
                    "date, as recorded then, fell in the period. A deal counts for its current owner."},
    {"cycle", "Sales cycle: days from created to won, over the deals won in the period; average_days = total_days / count."},
    {"cycle_product", "Per product: a won deal counts under each product on its line items."},
    {"velocity_forecast", "forecast_based.per_day = the weighted pipeline (expected over every open deal, as in the forecast) / the "
                          "average cycle in days: revenue per day."},
    {"velocity_classic", "classic.per_day = open deals (in `currency`) x win rate (deals closed in the period) x average won amount "
                         "(won in the period, in `currency`, rounded to the minor unit) / the average cycle in days."},
    {"breakdown", "The deals closed in the period by lead source (null: none) or by product (a deal counts under each of its products): "
                  "won, lost, win rate, won amount, and the cycle of the won ones. deals_filter is what to add to GET /analytics/deals "
                  "(metric closed, won or lost) to list a row's deals; for the deals with no source it is no_source=true."},
    {"activity", "Per ISO week (Monday to Sunday, UTC): calls, emails and meetings whose done_at falls in the week (held); tasks and "
                 "notes do not count. team.weeks counts owner_id's rep when given, else the team; its median is always the team's."},
    {"first_meeting", "A first meeting is the earliest held meeting with its account (else its deal, else its contact), whoever held "
                      "it; follow-ups are the other held meetings; first_to_follow_up = first / follow-ups."},
    {"warning", "A complete week's calls, emails or meetings are flagged when below half of the rep's own average over the 8 weeks "
                "before (their sum / 8, empty weeks included), or below half of the team's median that week (over the team's reps, "
                "zeros included). A week still running is not flagged."},
    {"reps", "Per rep, the deals closed in the period: won, lost, win rate, won amount (in `currency`), and the average days from "
             "created to closed over won and lost deals."},
};

json_t *an_definitions(const char *const *keys) {
    json_t *o = json_object();
    for (int i = 0; keys[i]; i++)
        for (size_t k = 0; k < sizeof DEFS / sizeof *DEFS; k++)
            if (!strcmp(DEFS[k].key, keys[i])) json_object_set_new(o, keys[i], json_string(DEFS[k].text));
    return o;
}
