/* opportunity: the rules of a deal. Defaults and checks on create and update,
 * the amount kept equal to the sum of the line items, the stage move with its
 * exit criteria and history, and the per-deal criteria checklist. */
#ifndef CRM_OPPORTUNITY_H
#define CRM_OPPORTUNITY_H
#include "record.h"

/* record_def hooks (see entities.c) */
int opp_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e);
int opp_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e);
int line_item_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e);
int line_item_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e);

/* total = quantity x unit_price x (1 - discount), rounded half away from zero to
 * the minor unit. -1 if it does not fit the money range. */
int line_total(int64_t quantity, int64_t unit_price, int64_t discount_bp, int64_t *total);

/* POST /opportunities/{id}/stage: {"stage_id", "lost_reason"?, "override"?, "note"?, "version"?}.
 * Refused (ERR_VALIDATION, e->extra_json lists "missing") when exit criteria
 * of the stages passed are unmet, unless a manager overrides. */
int opp_move_stage(crm_ctx *c, int64_t id, const json_t *in, json_t **out, err *e);

int opp_history(crm_ctx *c, int64_t id, json_t **out, err *e);          /* stage changes, oldest first, with days in stage */
int opp_criteria(crm_ctx *c, int64_t id, json_t **out, err *e);         /* checklist of the deal's pipeline, with met flags */
int opp_criterion_set(crm_ctx *c, int64_t id, int64_t criterion_id, int met, err *e);  /* tick or untick one item */

/* Sharing an account or opportunity with one more user (policy: ACCESS_OWNED). */
int record_share(crm_ctx *c, const record_def *d, int64_t id, int64_t user_id, int on, err *e);
int record_shares(crm_ctx *c, const record_def *d, int64_t id, json_t **out, err *e);

int audit_list(crm_ctx *c, const record_def *d, int64_t id, json_t **out, err *e);  /* the record's audit trail, oldest first */
#endif
