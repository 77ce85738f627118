/* policy: every authorization decision, in one place.
 *
 *   admin      reads and changes everything
 *   ops        reads everything, changes configuration (products, pipelines, stages)
 *   manager    reads and changes records owned by anyone in their team subtree
 *   rep, csm   read and change what they own, plus records shared with them
 *
 * Record visibility is expressed as an SQL predicate so that lists, search,
 * get, update, delete and export all filter through the same rule. A record the
 * caller may not see is reported as not found, never as forbidden, so its
 * existence does not leak. */
#ifndef AUTH_POLICY_H
#define AUTH_POLICY_H
#include <stdint.h>
#include "auth.h"

typedef enum {
    ACCESS_OWNED = 1,    /* owner_id plus explicit shares: accounts, opportunities */
    ACCESS_CONTACT,      /* own, or the account is visible */
    ACCESS_ACTIVITY,     /* own, or the linked opportunity or account is visible */
    ACCESS_OPP_CHILD,    /* follows its opportunity: line items, stage history */
    ACCESS_CONFIG,       /* everyone reads; admin and ops change: products, pipelines, stages */
    ACCESS_ADMIN,        /* everyone reads; admin changes: users, teams */
} access_kind;

/* SQL predicate (arena string) restricting alias's rows of entity to those p may read/change. */
const char *policy_scope_sql(const principal *p, access_kind k, const char *entity, const char *alias, arena *a);
int policy_can_change_kind(const principal *p, access_kind k);  /* may p create/change records of this kind at all */
int policy_owner_allowed(const principal *p, int64_t owner_id); /* may p give a record to this owner */
int policy_can_override(const principal *p);                     /* may p move a deal past unmet exit criteria */
int policy_is_admin(const principal *p);

/* Pipeline analytics go by a deal's owner (a share does not widen them). How
 * much of one owner's figures the caller sees:
 *   ANALYTICS_DEALS      the owner's own figures and the deals behind them:
 *                        oneself; a manager's team subtree; admin and ops, everyone
 *   ANALYTICS_AGGREGATE  only as part of team totals, for comparison: a rep's or
 *                        csm's team-mates (the same team), never their deals
 *   ANALYTICS_NONE       nothing */
typedef enum { ANALYTICS_NONE = 0, ANALYTICS_AGGREGATE, ANALYTICS_DEALS } analytics_view;
analytics_view policy_analytics_view(const principal *p, int64_t owner_id, int64_t owner_team_id);
/* Quotas are set by admins, and by managers for the users and teams they manage
 * (team_managed: the quota's team is in p's managed subtree). */
int policy_can_set_quota(const principal *p, int64_t user_id, int team_managed);
#endif
