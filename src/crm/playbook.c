/* playbook.c: tasks on stage entry, and the compliance view. */
#include "playbook.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/buf.h"
#include "../core/timeutil.h"
#include "entities.h"

#define DAY_MS 86400000LL
#define ACTIONS_MAX 100   /* per stage: more is a configuration mistake, not a playbook */

int playbook_enter_stage(crm_ctx *c, int64_t opp, int64_t stage, err *e) {
    /* the actions this deal has no task for yet (a deleted task does not count) */
    store_stmt *st = store_prepare(c->db,
        "SELECT sa.id, sa.name, sa.due_days FROM stage_actions sa WHERE sa.stage_id = ? AND sa.deleted_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.opportunity_id = ? AND a.stage_action_id = sa.id AND a.deleted_at IS NULL) "
        "ORDER BY sa.position, sa.id LIMIT 100", e);
    if (!st) return -1;
    store_bind_int(st, 1, stage);
    store_bind_int(st, 2, opp);
    struct { int64_t id, days; char *name; } acts[ACTIONS_MAX];
    int n = 0, rc;
    while ((rc = store_step(st, e)) == STORE_ROW && n < ACTIONS_MAX) {
        acts[n].id = store_col_int(st, 0);
        acts[n].name = strdup(store_col_text(st, 1));
        acts[n].days = store_col_int(st, 2);
        n++;
    }
    store_reset(st);
    if (rc < 0) goto done;
    if (!n) return 0;
    /* the deal's owner does the work; if they have left, whoever moved the deal */
    int64_t owner = 0;
    rc = -1;
    if (store_scalar_int(c->db, "SELECT o.owner_id FROM opportunities o JOIN users u ON u.id = o.owner_id "
                                "WHERE o.id = ? AND u.active = 1 AND u.deleted_at IS NULL", &owner, e, "i", opp) < 0)
        goto done;
    if (!owner) owner = c->p->user_id;
    /* the mover may work on the deal through a share: the task is the owner's all the same */
    principal everyone = *c->p;
    everyone.all_scope = 1;
    crm_ctx tc = *c;
    tc.p = &everyone;
    int64_t now = time_now_ms();
    for (int i = 0; i < n; i++) {
        char due[32];
        time_format_ms(now + acts[i].days * DAY_MS, due);
        json_t *in = json_pack("{s:s, s:s, s:s, s:I, s:I}", "kind", "task", "subject", acts[i].name, "due_at", due,
                               "opportunity_id", (json_int_t)opp, "owner_id", (json_int_t)owner);
        json_t *server = json_pack("{s:I}", "stage_action_id", (json_int_t)acts[i].id), *out = NULL;
        tc.server_fields = server;
        rc = record_create_in(&tc, &def_activities, in, &out, e);
        json_decref(in);
        json_decref(server);
        json_decref(out);
        if (rc) goto done;
    }
done:
    for (int i = 0; i < n; i++) free(acts[i].name);
    return rc ? -1 : 0;
}

/* ---- compliance ---- */

static json_t *figure(void) { return json_pack("{s:i, s:[]}", "count", 0, "deals"); }

static void add_to(json_t *rep, const char *name, json_t *deal) {
    json_t *f = json_object_get(rep, name);
    json_array_append_new(json_object_get(f, "deals"), deal);
    json_object_set_new(f, "count", json_integer((json_int_t)json_array_size(json_object_get(f, "deals"))));
}

static json_t *ts_or_null(store_stmt *st, int col) {
    if (store_col_null(st, col)) return json_null();
    char ts[32];
    time_format_ms(store_col_int(st, col), ts);
    return json_string(ts);
}

/* "col IN (the caller's scope)" as an arena string. */
static const char *owners_in(crm_ctx *c, const char *col) {
    const principal *p = c->p;
    if (p->all_scope) return "1=1";
    buf b = BUF_INIT;
    buf_printf(&b, "%s IN (", col);
    for (int i = 0; i < p->nscope; i++) buf_printf(&b, "%s%lld", i ? "," : "", (long long)p->scope_ids[i]);
    buf_puts(&b, p->nscope ? ")" : "NULL)");
    const char *r = arena_strdup(c->a, buf_str(&b));
    buf_free(&b);
    return r;
}

int playbook_compliance(crm_ctx *c, int stale_days, json_t **out, err *e) {
    /* the users in the caller's scope (auth computed it: self, or a manager's subtree, or everyone) */
    const char *scope_u = owners_in(c, "u.id"), *scope_o = owners_in(c, "o.owner_id");
    int64_t now = time_now_ms(), cutoff = now - (int64_t)stale_days * DAY_MS;
    json_t *reps = json_array(), *by_user = json_object(), *deal_rep = json_object();
    int rc = -1, src, truncated = 0;
    int64_t totals[4] = {0, 0, 0, 0};

    /* reps, and anyone else in scope who owns open deals */
    char *sql = arena_printf(c->a,
        "SELECT u.id, u.name, u.team_id FROM users u WHERE u.deleted_at IS NULL AND u.active = 1 AND %s AND (u.role = 'rep' OR EXISTS "
        "(SELECT 1 FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE o.owner_id = u.id AND s.kind = 'open' AND o.deleted_at IS NULL)) "
        "ORDER BY u.name, u.id", scope_u);
    store_stmt *st = store_prepare(c->db, sql, e);
    if (!st) goto done;
    while ((src = store_step(st, e)) == STORE_ROW) {
        json_t *rep = json_pack("{s:I, s:s, s:o, s:i, s:o, s:o, s:o}", "user_id", (json_int_t)store_col_int(st, 0),
                                "name", store_col_text(st, 1), "team_id", record_column(st, 2, FT_INT),
                                "open_deals", 0, "missing_actions", figure(), "no_next_step", figure(), "stale", figure());
        json_array_append_new(reps, rep);
        json_object_set(by_user, store_col_text(st, 0), rep);
    }
    store_reset(st);
    if (src < 0) goto done;

    /* every open deal: its open tasks and its latest activity */
    sql = arena_printf(c->a,
        "SELECT o.id, o.name, o.owner_id, s.name, o.created_at, "
        "(SELECT COUNT(*) FROM activities a WHERE a.opportunity_id = o.id AND a.kind = 'task' AND a.done_at IS NULL AND a.deleted_at IS NULL), "
        "(SELECT MAX(COALESCE(a.done_at, a.created_at)) FROM activities a WHERE a.opportunity_id = o.id AND a.deleted_at IS NULL) "
        "FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE s.kind = 'open' AND o.deleted_at IS NULL AND %s "
        "ORDER BY o.id LIMIT %d", scope_o, PLAYBOOK_MAX_DEALS + 1);
    if (!(st = store_prepare(c->db, sql, e))) goto done;
    int ndeals = 0;
    while ((src = store_step(st, e)) == STORE_ROW) {
        if (++ndeals > PLAYBOOK_MAX_DEALS) { truncated = 1; break; }
        json_t *rep = json_object_get(by_user, store_col_text(st, 2));
        if (!rep) continue; /* an owner who is deactivated */
        json_object_set_new(deal_rep, store_col_text(st, 0), json_integer(store_col_int(st, 2)));
        json_object_set_new(rep, "open_deals", json_integer(json_integer_value(json_object_get(rep, "open_deals")) + 1));
        totals[0]++;
        int64_t id = store_col_int(st, 0);
        const char *name = store_col_text(st, 1), *stage = store_col_text(st, 3);
        if (store_col_int(st, 5) == 0) {
            add_to(rep, "no_next_step", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", name, "stage", stage));
            totals[2]++;
        }
        int64_t last = store_col_null(st, 6) ? store_col_int(st, 4) : store_col_int(st, 6);
        if (last < cutoff) {
            add_to(rep, "stale", json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)id, "name", name, "stage", stage,
                                           "last_activity_at", ts_or_null(st, 6)));
            totals[3]++;
        }
    }
    store_reset(st);
    if (src < 0) goto done;

    /* required actions of passed stages that were given as tasks and never done */
    sql = arena_printf(c->a,
        "SELECT o.id, o.name, o.owner_id, cs.name, sa.id, sa.name, ps.name, MAX(a.id) "
        "FROM opportunities o JOIN stages cs ON cs.id = o.stage_id JOIN activities a ON a.opportunity_id = o.id "
        "JOIN stage_actions sa ON sa.id = a.stage_action_id JOIN stages ps ON ps.id = sa.stage_id "
        "WHERE cs.kind = 'open' AND o.deleted_at IS NULL AND %s AND sa.required = 1 AND sa.deleted_at IS NULL "
        "AND ps.pipeline_id = cs.pipeline_id AND ps.position < cs.position "
        "AND NOT EXISTS (SELECT 1 FROM activities d WHERE d.opportunity_id = o.id AND d.stage_action_id = sa.id "
        "AND d.done_at IS NOT NULL AND d.deleted_at IS NULL) "
        "GROUP BY o.id, o.name, o.owner_id, cs.name, sa.id, sa.name, ps.name, ps.position, sa.position "
        "ORDER BY o.id, ps.position, sa.position, sa.id", scope_o);
    if (!(st = store_prepare(c->db, sql, e))) goto done;
    json_t *deal = NULL;
    int64_t deal_id = 0;
    while ((src = store_step(st, e)) == STORE_ROW) {
        json_t *rep = json_object_get(by_user, store_col_text(st, 2));
        if (!rep || !json_object_get(deal_rep, store_col_text(st, 0))) continue; /* past the truncation, or an owner who left */
        if (store_col_int(st, 0) != deal_id) {
            deal_id = store_col_int(st, 0);
            deal = json_pack("{s:I, s:s, s:s, s:[]}", "id", (json_int_t)deal_id, "name", store_col_text(st, 1), "stage",
                             store_col_text(st, 3), "missing");
            add_to(rep, "missing_actions", deal);
            totals[1]++;
        }
        json_array_append_new(json_object_get(deal, "missing"), json_pack("{s:I, s:s, s:s, s:I}",
            "action_id", (json_int_t)store_col_int(st, 4), "action", store_col_text(st, 5), "stage", store_col_text(st, 6),
            "task_id", (json_int_t)store_col_int(st, 7)));
    }
    store_reset(st);
    if (src < 0) goto done;

    char ts[32];
    time_format_ms(now, ts);
    *out = json_pack("{s:i, s:s, s:O, s:{s:I, s:I, s:I, s:I}, s:b}", "stale_days", stale_days, "as_of", ts, "reps", reps,
                     "totals", "open_deals", (json_int_t)totals[0], "missing_actions", (json_int_t)totals[1],
                     "no_next_step", (json_int_t)totals[2], "stale", (json_int_t)totals[3], "truncated", truncated);
    rc = 0;
done:
    json_decref(reps);
    json_decref(by_user);
    json_decref(deal_rep);
    return rc;
}
