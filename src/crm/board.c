#include "board.h"
#include <string.h>
#include "../core/timeutil.h"
#include "entities.h"

/* the deals a column shows: open ones, or ones closed since `since` */
#define IN_BOARD " AND (t.closed_at IS NULL OR t.closed_at >= ?)"

int board_get(crm_ctx *c, int64_t pipeline_id, int closed_days, const list_query *q, json_t **out, err *e) {
    record_where w;
    if (record_filters(c, &def_opportunities, q, &w, e)) return -1;
    if (!pipeline_id &&
        store_scalar_int(c->db, "SELECT id FROM pipelines WHERE is_default = 1 AND deleted_at IS NULL ORDER BY id LIMIT 1", &pipeline_id, e, "") < 0)
        return -1;
    json_t *pipe = NULL;
    if (record_get(c, &def_pipelines, pipeline_id, &pipe, e)) return -1;
    int64_t now = time_now_ms();
    int64_t since = now - (int64_t)closed_days * 86400000;
    const char *scope = policy_scope_sql(c->p, ACCESS_OWNED, "opportunities", "t", c->a);
    json_t *stages = json_array();
    json_t *by_id = json_object();
    int rc = -1;

    store_stmt *st = store_prepare(c->db, "SELECT id, name, kind, position, probability FROM stages WHERE pipeline_id = ? AND deleted_at IS NULL ORDER BY position, id", e);
    if (!st) goto done;
    store_bind_int(st, 1, pipeline_id);
    int src;
    while ((src = store_step(st, e)) == STORE_ROW) {
        json_t *col = json_pack("{s:I, s:s, s:s, s:I, s:I, s:i, s:[], s:[], s:i}", "id", (json_int_t)store_col_int(st, 0),
                                "name", store_col_text(st, 1), "kind", store_col_text(st, 2),
                                "position", (json_int_t)store_col_int(st, 3), "probability", (json_int_t)store_col_int(st, 4),
                                "count", 0, "totals", "cards", "criteria_total", 0);
        json_array_append_new(stages, col);
        json_object_set(by_id, store_col_text(st, 0), col);
    }
    store_reset(st);
    if (src < 0) goto done;

    /* required criteria per stage, so a card can say "2 of 3 met" */
    st = store_prepare(c->db, "SELECT sc.stage_id, COUNT(*) FROM stage_criteria sc JOIN stages s ON s.id = sc.stage_id "
                              "WHERE s.pipeline_id = ? AND sc.required = 1 AND sc.deleted_at IS NULL GROUP BY sc.stage_id", e);
    if (!st) goto done;
    store_bind_int(st, 1, pipeline_id);
    while ((src = store_step(st, e)) == STORE_ROW) {
        json_t *col = json_object_get(by_id, store_col_text(st, 0));
        if (col) json_object_set_new(col, "criteria_total", json_integer(store_col_int(st, 1)));
    }
    store_reset(st);
    if (src < 0) goto done;

    char *sql = arena_printf(c->a,
        "SELECT t.stage_id, t.currency, COUNT(*), SUM(t.amount) FROM opportunities t WHERE t.deleted_at IS NULL "
        "AND t.pipeline_id = ?" IN_BOARD " AND %s%s GROUP BY t.stage_id, t.currency ORDER BY t.stage_id, t.currency", scope, w.sql);
    if (!(st = store_prepare(c->db, sql, e))) goto done;
    store_bind_int(st, 1, pipeline_id);
    store_bind_int(st, 2, since);
    record_bind_where(st, &w, 3);
    while ((src = store_step(st, e)) == STORE_ROW) {
        json_t *col = json_object_get(by_id, store_col_text(st, 0));
        if (!col) continue;
        json_object_set_new(col, "count", json_integer(json_integer_value(json_object_get(col, "count")) + store_col_int(st, 2)));
        json_array_append_new(json_object_get(col, "totals"), json_pack("{s:s, s:I}", "currency", store_col_text(st, 1),
                                                                        "amount", (json_int_t)store_col_int(st, 3)));
    }
    store_reset(st);
    if (src < 0) goto done;

    sql = arena_printf(c->a,
        "SELECT t.id, t.stage_id, t.name, t.account_id, (SELECT name FROM accounts WHERE id = t.account_id), t.amount, t.currency, "
        "t.owner_id, (SELECT name FROM users WHERE id = t.owner_id), t.close_date, t.stage_entered_at, t.version, "
        "(SELECT MIN(a.due_at) FROM activities a WHERE a.opportunity_id = t.id AND a.kind = 'task' AND a.done_at IS NULL AND a.deleted_at IS NULL), "
        "(SELECT a.subject FROM activities a WHERE a.opportunity_id = t.id AND a.kind = 'task' AND a.done_at IS NULL AND a.deleted_at IS NULL "
        "  ORDER BY a.due_at, a.id LIMIT 1), "
        "(SELECT COUNT(*) FROM opportunity_criteria oc JOIN stage_criteria sc ON sc.id = oc.criterion_id "
        "  WHERE oc.opportunity_id = t.id AND sc.stage_id = t.stage_id AND sc.required = 1 AND sc.deleted_at IS NULL), "
        "(SELECT COUNT(*) FROM activities a JOIN stage_actions sa ON sa.id = a.stage_action_id "
        "  WHERE a.opportunity_id = t.id AND sa.stage_id = t.stage_id AND a.deleted_at IS NULL), "
        "(SELECT COUNT(*) FROM activities a JOIN stage_actions sa ON sa.id = a.stage_action_id "
        "  WHERE a.opportunity_id = t.id AND sa.stage_id = t.stage_id AND a.deleted_at IS NULL AND a.done_at IS NOT NULL) "
        "FROM opportunities t WHERE t.deleted_at IS NULL AND t.pipeline_id = ?" IN_BOARD " AND %s%s "
        "ORDER BY t.stage_entered_at, t.id LIMIT %d", scope, w.sql, BOARD_MAX_CARDS);
    if (!(st = store_prepare(c->db, sql, e))) goto done;
    store_bind_int(st, 1, pipeline_id);
    store_bind_int(st, 2, since);
    record_bind_where(st, &w, 3);
    int ncards = 0;
    while ((src = store_step(st, e)) == STORE_ROW) {
        json_t *col = json_object_get(by_id, store_col_text(st, 1));
        if (!col) continue;
        int64_t due = store_col_null(st, 12) ? 0 : store_col_int(st, 12);
        json_t *card = json_pack("{s:I, s:s, s:o, s:o, s:I, s:s, s:I, s:o, s:o, s:o, s:I, s:o, s:o, s:b, s:I}",
            "id", (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 2),
            "account_id", record_column(st, 3, FT_INT),
            "account_name", record_column(st, 4, FT_TEXT), "amount", (json_int_t)store_col_int(st, 5), "currency", store_col_text(st, 6),
            "owner_id", (json_int_t)store_col_int(st, 7), "owner_name", record_column(st, 8, FT_TEXT), "close_date", record_column(st, 9, FT_TEXT),
            "stage_entered_at", record_column(st, 10, FT_TIME), "version", (json_int_t)store_col_int(st, 11),
            "next_step_due", record_column(st, 12, FT_TIME), "next_step", record_column(st, 13, FT_TEXT),
            "next_step_overdue", due && due < now, "criteria_met", (json_int_t)store_col_int(st, 14));
        /* the playbook tasks of the current stage: done of total */
        json_object_set_new(card, "actions_total", json_integer(store_col_int(st, 15)));
        json_object_set_new(card, "actions_done", json_integer(store_col_int(st, 16)));
        json_array_append_new(json_object_get(col, "cards"), card);
        ncards++;
    }
    store_reset(st);
    if (src < 0) goto done;
    *out = json_pack("{s:o, s:o, s:i, s:b}", "pipeline", pipe, "stages", stages, "closed_days", closed_days,
                     "truncated", ncards >= BOARD_MAX_CARDS);
    pipe = stages = NULL;
    rc = 0;
done:
    json_decref(pipe);
    json_decref(stages);
    json_decref(by_id);
    return rc;
}
