/* quota: sales targets (table quotas): an amount in one currency for one user
 * or one team over a period of calendar days, both ends included.
 *
 * Admins set any quota; managers set those of the users and teams they
 * manage, never their own (policy_can_set_quota). A quota is read by whoever
 * may see that user's own figures, or that team's totals (a rep: their own and
 * their team's). Every change is in the audit log. The forecast shows beside
 * its figures the quotas of the requested period, pro-rated by days where a
 * quota reaches beyond it. */
#ifndef ANALYTICS_QUOTA_H
#define ANALYTICS_QUOTA_H
#include "../crm/record.h"

/* body: {"user_id"|"team_id", "period_start", "period_end", "amount", "currency"}; 422 with field reasons */
int quota_create(crm_ctx *c, const json_t *in, json_t **out, err *e);
int quota_get(crm_ctx *c, int64_t id, json_t **out, err *e);        /* ERR_NOT_FOUND when not visible */
/* filters: user_id, team_id, from, to (quotas overlapping [from, to]); limit, after (cursor) */
int quota_list(crm_ctx *c, const list_query *q, json_t **out, err *e);
int quota_update(crm_ctx *c, int64_t id, const json_t *patch, int64_t if_version, json_t **out, err *e);
int quota_delete(crm_ctx *c, int64_t id, int64_t if_version, err *e);

/* Quotas in `currency` overlapping [from, to] (dates), each pro-rated to
 * amount x days in common / days of the quota and rounded half away from
 * zero to the minor unit: the team's (team_id, or 0 for none) summed into
 * *team (-1: it has none), and each user's summed into per_user[i] for
 * user_ids[i] (-1: none). */
int quota_sums(crm_ctx *c, const char *currency, const char *from, const char *to, int64_t team_id, int64_t *team,
               const int64_t *user_ids, int64_t *per_user, int nusers, err *e);
#endif
