/* playbook: what a rep must do in each stage, and whether they did.
 *
 * A stage carries actions (stage_actions: name, due offset in days, required).
 * Entering a stage, when a deal is created and on every stage move, turns each
 * of its actions into a task on the deal, in the same transaction: owned by
 * the deal's owner, due at entry + offset, remembering its action. A deal
 * that re-enters a stage keeps the tasks it already has.
 *
 * The compliance view counts, per rep in the caller's scope, over their open
 * deals (each figure comes with the deals behind it):
 *   missing_actions  the deal is past a stage (the stage's position is before
 *                    the current one) whose required action it was given as a
 *                    task and has not done
 *   no_next_step     no open task at all
 *   stale            the latest activity (its done_at, else its created_at;
 *                    the deal's creation when it has none) is more than
 *                    stale_days ago */
#ifndef CRM_PLAYBOOK_H
#define CRM_PLAYBOOK_H
#include "record.h"

#define PLAYBOOK_STALE_DEFAULT 14
#define PLAYBOOK_STALE_MAX 3650
#define PLAYBOOK_MAX_DEALS 100000   /* open deals read per compliance view; above that it says truncated */

/* Called by opportunity.c inside its write transaction when deal opp enters stage. */
int playbook_enter_stage(crm_ctx *c, int64_t opp, int64_t stage, err *e);

/* GET /compliance?stale_days=N: {stale_days, as_of, reps:[...], totals, truncated}. */
int playbook_compliance(crm_ctx *c, int stale_days, json_t **out, err *e);
#endif
