/* figures: the reports of pipeline analytics. Each builds one JSON answer
 * from the snapshot for a resolved request (query.h); every rate comes with
 * its numerator and denominator, and an_deals lists the deals (or activities)
 * behind any number with the same predicates.
 *
 *   report        brief  what
 *   conversion    1, 2   cohort conversion and win rate; stage-to-stage conversion,
 *                        team and each rep, with the rep's difference in points
 *   funnel        3      open deals per stage now: count and amount
 *   forecast      4      open amount x historical stage-to-won rate (per rep, shrunk
 *                        toward the team), the manager's categories, the quota
 *   calibration   4      what the forecast said at the start of past periods, and
 *                        what those deals then won
 *   cycle         5      days from created to won: team, each rep, each product
 *   velocity      6      revenue per day, from the forecast and the classic way
 *   breakdown     7      win rate and cycle by lead source or by product
 *   activity      8      calls, emails, meetings per rep per ISO week, warnings
 *   reps          9      one row per rep for outside tools
 *   deals                the deals behind a number */
#ifndef ANALYTICS_FIGURES_H
#define ANALYTICS_FIGURES_H
#include "query.h"

int an_conversion(an_req *q, json_t **out, err *e);
int an_funnel(an_req *q, json_t **out, err *e);
int an_forecast(an_req *q, json_t **out, err *e);
int an_calibration(an_req *q, json_t **out, err *e);
int an_cycle(an_req *q, json_t **out, err *e);
int an_velocity(an_req *q, json_t **out, err *e);
int an_breakdown(an_req *q, json_t **out, err *e);
int an_activity(an_req *q, json_t **out, err *e);
int an_reps(an_req *q, json_t **out, err *e);
int an_deals(an_req *q, json_t **out, err *e);

/* --- shared between the reports --- */

/* Historical stage-to-won rates over the trailing window before `at` (ms, a
 * UTC midnight): among the group's deals that closed in [at - window, at) and
 * had reached the stage, won / (won + lost); per rep row as well. Built from
 * the deals' present state when at is the end of today, else from their
 * stage history as it stood at `at`. */
typedef struct an_rates {
    int64_t at, since;                 /* the window */
    int64_t *won, *closed;             /* per stage index: the team's sample */
    int64_t *rwon, *rclosed;           /* per row x stage index */
    an_frac *team;                     /* per stage index: the team's probability */
    uint8_t *from_history;             /* per stage index: 1 history, 0 the stage's default */
} an_rates;
void an_rates_now(an_req *q, an_rates *r);
void an_rates_at(an_req *q, int64_t at, an_rates *r);
an_frac an_rate_for(const an_req *q, const an_rates *r, uint32_t owner, uint32_t stage);  /* shrunk to the rep */

/* The deals of `whose` won in the period: count and total days from created to won. */
typedef struct an_cycle_sum { int64_t n, ms; } an_cycle_sum;
an_cycle_sum an_cycle_whose(const an_req *q);

json_t *an_definitions(const char *const *keys);   /* {"key": "what it means", ...} for the keys given (NULL-terminated) */
#endif
