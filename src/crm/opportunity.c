/* opportunity.c: deal rules, stage moves, criteria, shares and audit reads. */
#include "opportunity.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/buf.h"
#include "../core/timeutil.h"
#include "entities.h"
#include "playbook.h"

#define MONEY_MAX 1000000000000000LL

int line_total(int64_t quantity, int64_t unit_price, int64_t discount_bp, int64_t *total) {
    __int128 num = (__int128)quantity * unit_price * (10000 - discount_bp);
    __int128 t = (num + 5000) / 10000; /* non-negative inputs: half away from zero is half up */
    if (t > MONEY_MAX) return -1;
    *total = (int64_t)t;
    return 0;
}

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static void set_now(json_t *rec, const char *field) {
    char ts[32];
    time_format_ms(time_now_ms(), ts);
    json_object_set_new(rec, field, json_string(ts));
}

typedef struct stage_info { int64_t id, pipeline_id, position, probability; char kind[8]; char name[128]; } stage_info;

static int load_stage(crm_ctx *c, int64_t id, stage_info *si, err *e) {
    store_stmt *st = store_prepare(c->db, "SELECT pipeline_id, position, probability, kind, name FROM stages WHERE id = ? AND deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    int rc = store_step(st, e);
    if (rc == STORE_ROW) {
        si->id = id;
        si->pipeline_id = store_col_int(st, 0);
        si->position = store_col_int(st, 1);
        si->probability = store_col_int(st, 2);
        snprintf(si->kind, sizeof si->kind, "%s", store_col_text(st, 3));
        snprintf(si->name, sizeof si->name, "%s", store_col_text(st, 4));
    }
    store_reset(st);
    return rc < 0 ? -1 : rc == STORE_ROW;
}

int opp_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    if (!json_object_get(rec, "owner_id") || json_is_null(json_object_get(rec, "owner_id")))
        json_object_set_new(rec, "owner_id", json_integer(c->p->user_id));
    if (old) {
        json_t *na = json_object_get(rec, "amount"), *oa = json_object_get(old, "amount");
        if (json_is_true(json_object_get(old, "amount_from_items")) && !json_equal(na, oa))
            return err_field_add(e, "amount", "is the sum of the line items; change the line items instead");
        return 0;
    }
    if (!json_object_get(rec, "currency")) json_object_set_new(rec, "currency", json_string(crm_default_currency));
    if (!json_object_get(rec, "amount") || json_is_null(json_object_get(rec, "amount")))
        json_object_set_new(rec, "amount", json_integer(0));
    if (!json_object_get(rec, "pipeline_id")) {
        int64_t pid = 0;
        if (store_scalar_int(c->db, "SELECT id FROM pipelines WHERE is_default = 1 AND deleted_at IS NULL ORDER BY id LIMIT 1", &pid, e, "") < 0)
            return -1;
        if (!pid) return err_field_add(e, "pipeline_id", "is required: there is no default pipeline");
        json_object_set_new(rec, "pipeline_id", json_integer(pid));
    }
    int64_t pid = jint(rec, "pipeline_id");
    if (!json_object_get(rec, "stage_id")) {
        int64_t sid = 0;
        if (store_scalar_int(c->db, "SELECT id FROM stages WHERE pipeline_id = ? AND kind = 'open' AND deleted_at IS NULL ORDER BY position LIMIT 1",
                             &sid, e, "i", pid) < 0)
            return -1;
        if (!sid) return err_field_add(e, "stage_id", "is required: the pipeline has no open stage");
        json_object_set_new(rec, "stage_id", json_integer(sid));
    }
    stage_info si;
    int found = load_stage(c, jint(rec, "stage_id"), &si, e);
    if (found < 0) return -1;
    if (!found) return err_field_add(e, "stage_id", "no such stage");
    if (si.pipeline_id != pid) return err_field_add(e, "stage_id", "belongs to another pipeline");
    if (strcmp(si.kind, "open")) return err_field_add(e, "stage_id", "a new opportunity starts in an open stage; move it to won or lost afterwards");
    int64_t first = 0;
    if (store_scalar_int(c->db, "SELECT MIN(position) FROM stages WHERE pipeline_id = ? AND kind = 'open' AND deleted_at IS NULL", &first, e, "i", pid) < 0)
        return -1;
    /* a later stage means exit criteria the new deal has not met; only a manager may place it there */
    if (si.position > first && !policy_can_override(c->p))
        return err_field_add(e, "stage_id", "a new opportunity starts in the first stage; move it on once its exit criteria are met");
    json_object_set_new(rec, "amount_from_items", json_false());
    set_now(rec, "stage_entered_at");
    return 0;
}

static int write_history(crm_ctx *c, int64_t opp, int64_t from, int64_t to, const json_t *rec, int64_t probability,
                         const char *note, const char *missing, err *e) {
    store_stmt *st = store_prepare(c->db,
        "INSERT INTO stage_history (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by, amount, currency, "
        "close_date, probability, override_note, missing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (!st) return -1;
    store_bind_int(st, 1, opp);
    if (from) store_bind_int(st, 2, from); else store_bind_null(st, 2);
    store_bind_int(st, 3, to);
    store_bind_int(st, 4, time_now_ms());
    store_bind_int(st, 5, c->p->user_id);
    store_bind_int(st, 6, jint(rec, "amount"));
    store_bind_text(st, 7, json_string_value(json_object_get(rec, "currency")));
    store_bind_text(st, 8, json_string_value(json_object_get(rec, "close_date")));
    store_bind_int(st, 9, probability);
    store_bind_text(st, 10, note);
    store_bind_text(st, 11, missing);
    int rc = store_step(st, e);
    store_reset(st);
    return rc < 0 ? -1 : 0;
}

int opp_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e) {
    if (!rec || old) return 0;
    stage_info si;
    if (load_stage(c, jint(rec, "stage_id"), &si, e) < 0) return -1;
    if (write_history(c, id, 0, si.id, rec, si.probability, NULL, NULL, e)) return -1;
    return playbook_enter_stage(c, id, si.id, e); /* the first stage's actions become tasks */
}

/* ---- line items ---- */

int line_item_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    if (json_is_integer(json_object_get(rec, "quantity")) && jint(rec, "quantity") < 1)
        return err_field_add(e, "quantity", "must be at least 1");
    json_t *opp = json_object_get(rec, "opportunity_id"), *prod = json_object_get(rec, "product_id");
    if (!json_is_integer(opp) || !json_is_integer(prod)) return 0; /* required-field check reports it */
    /* take no defaults from a deal the caller cannot see: the answer must match a missing one */
    int vis = record_visible(c, "opportunities", json_integer_value(opp), e);
    if (vis <= 0) return vis;
    store_stmt *st = store_prepare(c->db,
        "SELECT p.list_price, p.currency, o.currency FROM products p, opportunities o WHERE p.id = ? AND o.id = ? "
        "AND p.deleted_at IS NULL AND o.deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_int(st, 1, json_integer_value(prod));
    store_bind_int(st, 2, json_integer_value(opp));
    int rc = store_step(st, e);
    if (rc < 0) return -1;
    if (rc == STORE_DONE) { store_reset(st); return 0; } /* the reference check names the missing one */
    int64_t list_price = store_col_int(st, 0);
    int same = !strcmp(store_col_text(st, 1), store_col_text(st, 2));
    store_reset(st);
    json_t *up = json_object_get(rec, "unit_price");
    json_t *prod_was = old ? json_object_get(old, "product_id") : NULL;
    int product_changed = !old || !json_equal(prod_was, prod);
    if (!up || json_is_null(up) || (product_changed && old && json_equal(up, json_object_get(old, "unit_price")))) {
        if (!same) return err_field_add(e, "unit_price", "is required: the product is priced in another currency than the deal");
        json_object_set_new(rec, "unit_price", json_integer(list_price));
    }
    if (!json_object_get(rec, "discount_bp") || json_is_null(json_object_get(rec, "discount_bp")))
        json_object_set_new(rec, "discount_bp", json_integer(0));
    if (!json_is_integer(json_object_get(rec, "quantity"))) return 0;
    int64_t total;
    if (line_total(jint(rec, "quantity"), jint(rec, "unit_price"), jint(rec, "discount_bp"), &total))
        return err_field_add(e, "quantity", "quantity x unit price is too large");
    json_object_set_new(rec, "total", json_integer(total));
    return 0;
}

int line_item_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e) {
    int64_t opp = jint(rec ? rec : old, "opportunity_id");
    int64_t sum = 0, count = 0, before = 0;
    if (store_scalar_int(c->db, "SELECT COALESCE(SUM(total), 0) FROM line_items WHERE opportunity_id = ?", &sum, e, "i", opp) < 0 ||
        store_scalar_int(c->db, "SELECT COUNT(*) FROM line_items WHERE opportunity_id = ?", &count, e, "i", opp) < 0 ||
        store_scalar_int(c->db, "SELECT amount FROM opportunities WHERE id = ?", &before, e, "i", opp) < 0)
        return -1;
    if (!count) sum = before; /* the last item went: keep the figure, let the user type it again */
    if (sum > MONEY_MAX) return err_field_add(e, "quantity", "the opportunity's total would be too large");
    if (store_run(c->db, "UPDATE opportunities SET amount = ?, amount_from_items = ?, version = version + 1, updated_at = ? WHERE id = ?",
                  e, "iiii", sum, count > 0 ? (int64_t)1 : (int64_t)0, time_now_ms(), opp))
        return -1;
    if (sum != before) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%lld", (long long)before);
        snprintf(b, sizeof b, "%lld", (long long)sum);
        if (audit_write(c, "opportunities", opp, "update", "amount", a, b, e)) return -1;
    }
    return 0;
}

/* ---- stage move ---- */

typedef struct move_args { int64_t id; const json_t *in; json_t **out; } move_args;

/* Required criteria of the open stages the deal passes on its way to `to`,
 * not yet met. Criteria can be met in any order, so only what is unmet counts. */
static int unmet_criteria(crm_ctx *c, int64_t opp, const stage_info *to, json_t *missing, err *e) {
    store_stmt *st = store_prepare(c->db,
        "SELECT sc.id, sc.name, s.name FROM stage_criteria sc JOIN stages s ON s.id = sc.stage_id "
        "WHERE s.pipeline_id = ? AND s.kind = 'open' AND s.deleted_at IS NULL AND sc.deleted_at IS NULL AND sc.required = 1 "
        "AND s.position < ? AND NOT EXISTS (SELECT 1 FROM opportunity_criteria oc WHERE oc.opportunity_id = ? AND oc.criterion_id = sc.id) "
        "ORDER BY s.position, sc.position, sc.id", e);
    if (!st) return -1;
    store_bind_int(st, 1, to->pipeline_id);
    /* won: every open stage; the bound must fit PostgreSQL's INTEGER position */
    store_bind_int(st, 2, !strcmp(to->kind, "won") ? (int64_t)INT32_MAX : to->position);
    store_bind_int(st, 3, opp);
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW)
        json_array_append_new(missing, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_col_int(st, 0),
                                                 "name", store_col_text(st, 1), "stage", store_col_text(st, 2)));
    store_reset(st);
    return rc < 0 ? -1 : 0;
}

static int do_move(crm_ctx *c, void *arg, err *e) {
    move_args *x = arg;
    const json_t *in = x->in;
    json_t *old = NULL, *missing = json_array();
    char *missing_txt = NULL;
    int rc = -1;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)in, key, v) {
        if (strcmp(key, "stage_id") && strcmp(key, "lost_reason") && strcmp(key, "override") && strcmp(key, "note") && strcmp(key, "version"))
            err_field_add(e, key, "is not a field of a stage move");
    }
    json_t *jsid = json_object_get(in, "stage_id"), *jreason = json_object_get(in, "lost_reason"),
           *jover = json_object_get(in, "override"), *jnote = json_object_get(in, "note"), *jver = json_object_get(in, "version");
    if (!json_is_integer(jsid)) err_field_add(e, "stage_id", "is required and must be a stage id");
    if (jreason && !json_is_null(jreason) && (!json_is_string(jreason) || json_string_length(jreason) > 500))
        err_field_add(e, "lost_reason", "must be a string of at most 500 characters");
    if (jover && !json_is_boolean(jover)) err_field_add(e, "override", "must be true or false");
    if (jnote && !json_is_null(jnote) && (!json_is_string(jnote) || json_string_length(jnote) > 1000))
        err_field_add(e, "note", "must be a string of at most 1000 characters");
    if (jver && !json_is_integer(jver)) err_field_add(e, "version", "must be a whole number");
    if (e->cls) goto done;
    if (record_load(c, &def_opportunities, x->id, 1, &old, e)) goto done;
    if (!policy_can_change_kind(c->p, ACCESS_OWNED)) { err_set(e, ERR_FORBIDDEN, "your role cannot move deals"); goto done; }
    int64_t version = jint(old, "version");
    if (jver && json_integer_value(jver) != version) {
        err_set(e, ERR_PRECONDITION, "the opportunity was changed by someone else (now version %lld)", (long long)version);
        goto done;
    }
    stage_info from, to;
    if (load_stage(c, jint(old, "stage_id"), &from, e) < 0) goto done;
    int found = load_stage(c, json_integer_value(jsid), &to, e);
    if (found < 0) goto done;
    if (!found) { err_field_add(e, "stage_id", "no such stage"); goto done; }
    if (to.pipeline_id != jint(old, "pipeline_id")) { err_field_add(e, "stage_id", "belongs to another pipeline"); goto done; }
    if (to.id == from.id) { err_field_add(e, "stage_id", "the opportunity is already in this stage"); goto done; }
    const char *reason = json_is_string(jreason) ? json_string_value(jreason) : NULL;
    int lost = !strcmp(to.kind, "lost"), won = !strcmp(to.kind, "won");
    if (lost && (!reason || !*reason)) { err_field_add(e, "lost_reason", "is required when a deal is lost"); goto done; }
    int forward = won || (!lost && (strcmp(from.kind, "open") || to.position > from.position));
    if (forward && unmet_criteria(c, x->id, &to, missing, e)) goto done;
    const char *note = json_is_string(jnote) ? json_string_value(jnote) : NULL;
    if (json_array_size(missing)) {
        if (!json_is_true(jover)) {
            err_set(e, ERR_VALIDATION, "exit criteria are not met: tick them, or ask a manager to override");
            err_field_add(e, "stage_id", "%zu required exit criteria are not met", json_array_size(missing));
            json_t *extra = json_pack("{s:O}", "missing", missing);
            char *s = json_dumps(extra, JSON_COMPACT);
            e->extra_json = arena_strdup(c->a, s);
            free(s);
            json_decref(extra);
            goto done;
        }
        if (!policy_can_override(c->p)) { err_set(e, ERR_FORBIDDEN, "only a manager or an admin can override exit criteria"); goto done; }
        if (!note || !*note) { err_field_add(e, "note", "is required when overriding exit criteria: say why"); goto done; }
        missing_txt = json_dumps(missing, JSON_COMPACT);
    }
    int64_t now = time_now_ms();
    int closing = won || lost;
    store_stmt *st = store_prepare(c->db,
        "UPDATE opportunities SET stage_id = ?, stage_entered_at = ?, closed_at = ?, lost_reason = ?, version = version + 1, "
        "updated_at = ? WHERE id = ? AND version = ?", e);
    if (!st) goto done;
    store_bind_int(st, 1, to.id);
    store_bind_int(st, 2, now);
    if (closing) store_bind_int(st, 3, now); else store_bind_null(st, 3);
    store_bind_text(st, 4, lost ? reason : NULL);
    store_bind_int(st, 5, now);
    store_bind_int(st, 6, x->id);
    store_bind_int(st, 7, version);
    int src = store_step(st, e);
    store_reset(st);
    if (src < 0) goto done;
    if (store_changes(c->db) == 0) { err_set(e, ERR_PRECONDITION, "the opportunity was changed by someone else; reload"); goto done; }
    if (write_history(c, x->id, from.id, to.id, old, to.probability, missing_txt ? note : NULL, missing_txt, e)) goto done;
    if (playbook_enter_stage(c, x->id, to.id, e)) goto done; /* the new stage's actions become tasks */
    char a[24], b[24];
    snprintf(a, sizeof a, "%lld", (long long)from.id);
    snprintf(b, sizeof b, "%lld", (long long)to.id);
    if (audit_write(c, "opportunities", x->id, "update", "stage_id", a, b, e)) goto done;
    const char *old_reason = json_string_value(json_object_get(old, "lost_reason"));
    const char *new_reason = lost ? reason : NULL;
    if ((old_reason || new_reason) && (!old_reason || !new_reason || strcmp(old_reason, new_reason)) &&
        audit_write(c, "opportunities", x->id, "update", "lost_reason", old_reason, new_reason, e))
        goto done;
    rc = record_load(c, &def_opportunities, x->id, 0, x->out, e);
done:
    json_decref(old);
    json_decref(missing);
    free(missing_txt);
    return rc;
}

int opp_move_stage(crm_ctx *c, int64_t id, const json_t *in, json_t **out, err *e) {
    if (!json_is_object(in)) return err_set(e, ERR_BAD_REQUEST, "the body must be a JSON object");
    move_args x = {id, in, out};
    return record_in_tx(c, do_move, &x, e);
}

/* ---- reads ---- */

int opp_history(crm_ctx *c, int64_t id, json_t **out, err *e) {
    if (record_must_see(c, &def_opportunities, id, e)) return -1;
    store_stmt *st = store_prepare(c->db,
        "SELECT h.id, h.from_stage_id, fs.name, h.to_stage_id, ts.name, h.changed_at, h.changed_by, u.name, h.amount, "
        "h.currency, h.close_date, h.probability, h.override_note, h.missing FROM stage_history h "
        "LEFT JOIN stages fs ON fs.id = h.from_stage_id JOIN stages ts ON ts.id = h.to_stage_id "
        "LEFT JOIN users u ON u.id = h.changed_by WHERE h.opportunity_id = ? ORDER BY h.changed_at, h.id", e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        char ts[32];
        time_format_ms(store_col_int(st, 5), ts);
        json_t *row = json_pack("{s:I, s:o, s:o, s:I, s:s, s:s, s:o, s:o, s:I, s:s, s:o, s:I, s:o, s:o}",
            "id", (json_int_t)store_col_int(st, 0),
            "from_stage_id", record_column(st, 1, FT_INT),
            "from_stage", record_column(st, 2, FT_TEXT),
            "to_stage_id", (json_int_t)store_col_int(st, 3), "to_stage", store_col_text(st, 4), "changed_at", ts,
            "changed_by", record_column(st, 6, FT_INT),
            "changed_by_name", record_column(st, 7, FT_TEXT),
            "amount", (json_int_t)store_col_int(st, 8), "currency", store_col_text(st, 9),
            "close_date", record_column(st, 10, FT_TEXT),
            "probability", (json_int_t)store_col_int(st, 11),
            "override_note", record_column(st, 12, FT_TEXT),
            "missing", store_col_null(st, 13) ? json_null() : json_loads(store_col_text(st, 13), 0, NULL));
        json_object_set_new(row, "_ms", json_integer(store_col_int(st, 5)));
        json_array_append_new(items, row);
    }
    store_reset(st);
    if (rc < 0) { json_decref(items); return -1; }
    /* days in each stage: until the next change, or until now for the current one */
    size_t n = json_array_size(items);
    int64_t now = time_now_ms();
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(items, i);
        int64_t start = jint(row, "_ms");
        int64_t end = i + 1 < n ? jint(json_array_get(items, i + 1), "_ms") : now;
        json_object_set_new(row, "days_in_stage", json_real((double)(end - start) / 86400000.0));
        json_object_del(row, "_ms");
    }
    *out = json_pack("{s:o}", "items", items);
    return 0;
}

int opp_criteria(crm_ctx *c, int64_t id, json_t **out, err *e) {
    json_t *opp = NULL;
    if (record_load(c, &def_opportunities, id, 0, &opp, e)) return -1;
    store_stmt *st = store_prepare(c->db,
        "SELECT sc.id, sc.stage_id, s.name, sc.name, sc.required, oc.met_at, oc.met_by FROM stage_criteria sc "
        "JOIN stages s ON s.id = sc.stage_id LEFT JOIN opportunity_criteria oc ON oc.criterion_id = sc.id AND oc.opportunity_id = ? "
        "WHERE s.pipeline_id = ? AND s.deleted_at IS NULL AND sc.deleted_at IS NULL ORDER BY s.position, sc.position, sc.id", e);
    if (!st) { json_decref(opp); return -1; }
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, jint(opp, "pipeline_id"));
    json_decref(opp);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        char ts[32] = "";
        if (!store_col_null(st, 5)) time_format_ms(store_col_int(st, 5), ts);
        json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, s:b, s:b, s:o, s:o}",
            "id", (json_int_t)store_col_int(st, 0), "stage_id", (json_int_t)store_col_int(st, 1),
            "stage", store_col_text(st, 2), "name", store_col_text(st, 3), "required", (int)store_col_int(st, 4),
            "met", !store_col_null(st, 5), "met_at", *ts ? json_string(ts) : json_null(),
            "met_by", record_column(st, 6, FT_INT)));
    }
    store_reset(st);
    if (rc < 0) { json_decref(items); return -1; }
    *out = json_pack("{s:o}", "items", items);
    return 0;
}

typedef struct crit_args { int64_t id, cid; int met; } crit_args;

static int do_criterion(crm_ctx *c, void *arg, err *e) {
    crit_args *x = arg;
    json_t *opp = NULL;
    if (record_load(c, &def_opportunities, x->id, 1, &opp, e)) return -1;
    int64_t pid = jint(opp, "pipeline_id");
    json_decref(opp);
    int64_t ok = 0;
    int rc = store_scalar_int(c->db, "SELECT 1 FROM stage_criteria sc JOIN stages s ON s.id = sc.stage_id WHERE sc.id = ? AND s.pipeline_id = ? AND sc.deleted_at IS NULL",
                              &ok, e, "ii", x->cid, pid);
    if (rc < 0) return -1;
    if (!rc) return err_set(e, ERR_NOT_FOUND, "no exit criterion %lld in this opportunity's pipeline", (long long)x->cid);
    if (x->met) {
        if (store_run(c->db, "INSERT INTO opportunity_criteria (opportunity_id, criterion_id, met_at, met_by) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (opportunity_id, criterion_id) DO NOTHING", e, "iiii", x->id, x->cid, time_now_ms(), c->p->user_id))
            return -1;
    } else if (store_run(c->db, "DELETE FROM opportunity_criteria WHERE opportunity_id = ? AND criterion_id = ?", e, "ii", x->id, x->cid))
        return -1;
    if (!store_changes(c->db)) return 0;
    char field[48];
    snprintf(field, sizeof field, "criterion:%lld", (long long)x->cid);
    return audit_write(c, "opportunities", x->id, "update", field, x->met ? "false" : "true", x->met ? "true" : "false", e);
}

int opp_criterion_set(crm_ctx *c, int64_t id, int64_t cid, int met, err *e) {
    if (!policy_can_change_kind(c->p, ACCESS_OWNED)) return err_set(e, ERR_FORBIDDEN, "your role cannot change deals");
    crit_args x = {id, cid, met};
    return record_in_tx(c, do_criterion, &x, e);
}

/* ---- shares ---- */

typedef struct share_args { const record_def *d; int64_t id, user; int on; } share_args;

static int do_share(crm_ctx *c, void *arg, err *e) {
    share_args *x = arg;
    json_t *rec = NULL;
    if (record_load(c, x->d, x->id, 1, &rec, e)) return -1;
    json_decref(rec);
    int64_t one;
    int rc = store_scalar_int(c->db, "SELECT 1 FROM users WHERE id = ? AND active = 1 AND deleted_at IS NULL", &one, e, "i", x->user);
    if (rc < 0) return -1;
    if (!rc) return err_field_add(e, "user_id", "no such user");
    if (x->on) rc = store_run(c->db, "INSERT INTO shares (entity, record_id, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                              e, "siii", x->d->name, x->id, x->user, time_now_ms());
    else rc = store_run(c->db, "DELETE FROM shares WHERE entity = ? AND record_id = ? AND user_id = ?", e, "sii", x->d->name, x->id, x->user);
    if (rc) return -1;
    if (store_changes(c->db) == 0) /* sharing twice changes nothing; unsharing what was not shared is an error */
        return x->on ? 0 : err_set(e, ERR_NOT_FOUND, "the record is not shared with user %lld", (long long)x->user);
    char u[24];
    snprintf(u, sizeof u, "%lld", (long long)x->user);
    return audit_write(c, x->d->name, x->id, x->on ? "share" : "unshare", "user_id", x->on ? NULL : u, x->on ? u : NULL, e);
}

int record_share(crm_ctx *c, const record_def *d, int64_t id, int64_t user, int on, err *e) {
    if (d->access != ACCESS_OWNED) return err_set(e, ERR_NOT_FOUND, "%ss cannot be shared", d->label);
    if (!policy_can_change_kind(c->p, d->access)) return err_set(e, ERR_FORBIDDEN, "your role cannot share records");
    share_args x = {d, id, user, on};
    return record_in_tx(c, do_share, &x, e);
}

int record_shares(crm_ctx *c, const record_def *d, int64_t id, json_t **out, err *e) {
    if (d->access != ACCESS_OWNED) return err_set(e, ERR_NOT_FOUND, "%ss cannot be shared", d->label);
    if (record_must_see(c, d, id, e)) return -1;
    store_stmt *st = store_prepare(c->db, "SELECT s.user_id, u.name FROM shares s JOIN users u ON u.id = s.user_id WHERE s.entity = ? AND s.record_id = ? ORDER BY u.name", e);
    if (!st) return -1;
    store_bind_text(st, 1, d->name);
    store_bind_int(st, 2, id);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW)
        json_array_append_new(items, json_pack("{s:I, s:s}", "user_id", (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 1)));
    store_reset(st);
    if (rc < 0) { json_decref(items); return -1; }
    *out = json_pack("{s:o}", "items", items);
    return 0;
}

/* ---- audit ---- */

int audit_list(crm_ctx *c, const record_def *d, int64_t id, json_t **out, err *e) {
    /* who changed whose role or password is for admins */
    if (d->access == ACCESS_ADMIN && !policy_is_admin(c->p)) return err_set(e, ERR_FORBIDDEN, "only an admin can read the audit trail of %ss", d->label);
    if (record_must_see(c, d, id, e)) return -1;
    store_stmt *st = store_prepare(c->db,
        "SELECT a.id, a.action, a.field, a.old_value, a.new_value, a.actor_id, u.name, a.at FROM audit_log a "
        "LEFT JOIN users u ON u.id = a.actor_id WHERE a.entity = ? AND a.record_id = ? ORDER BY a.id LIMIT 1000", e);
    if (!st) return -1;
    store_bind_text(st, 1, d->name);
    store_bind_int(st, 2, id);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        char ts[32];
        time_format_ms(store_col_int(st, 7), ts);
        json_array_append_new(items, json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:s}",
            "id", (json_int_t)store_col_int(st, 0), "action", store_col_text(st, 1),
            "field", record_column(st, 2, FT_TEXT),
            "old", record_column(st, 3, FT_TEXT),
            "new", record_column(st, 4, FT_TEXT),
            "actor_id", record_column(st, 5, FT_INT),
            "actor", record_column(st, 6, FT_TEXT), "at", ts));
    }
    store_reset(st);
    if (rc < 0) { json_decref(items); return -1; }
    *out = json_pack("{s:o}", "items", items);
    return 0;
}
