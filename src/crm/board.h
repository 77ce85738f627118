/* board: the pipeline board. One column per stage with the count and the
 * total amount (per currency) of the deals in it, and a card per deal with what
 * a rep scans for: account, amount, owner, close date, time in stage, the next
 * open task (and whether it is overdue), the stage's exit criteria met and its
 * playbook tasks done of total (actions_done, actions_total). Open
 * stages show every deal; won and lost columns show the deals closed in the last
 * `closed_days` days (30 by default). Filters are those of the opportunity list. */
#ifndef CRM_BOARD_H
#define CRM_BOARD_H
#include "record.h"

#define BOARD_MAX_CARDS 5000   /* per board; above that the column counts stay exact but cards are cut */

int board_get(crm_ctx *c, int64_t pipeline_id, int closed_days, const list_query *filters, json_t **out, err *e);
#endif
