/* quota.c: quotas: checked input, who may read and set them, audit. */
#include "quota.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/buf.h"
#include "../core/timeutil.h"
#include "query.h"

#define QCOLS "SELECT q.id, q.version, q.created_at, q.updated_at, q.user_id, q.team_id, q.period_start, q.period_end, q.amount, " \
              "q.currency, u.name, t.name FROM quotas q LEFT JOIN users u ON u.id = q.user_id LEFT JOIN teams t ON t.id = q.team_id "
#define MONEY_MAX 1000000000000000LL
static const char *const FIELDS[] = {"user_id", "team_id", "period_start", "period_end", "amount", "currency", NULL};

static json_t *time_json(int64_t ms) {
    char ts[32];
    time_format_ms(ms, ts);
    return json_string(ts);
}

static json_t *opt_int(store_stmt *st, int col) { return store_col_null(st, col) ? json_null() : json_integer(store_col_int(st, col)); }
static json_t *opt_text(store_stmt *st, int col) { return store_col_null(st, col) ? json_null() : json_string(store_col_text(st, col)); }

static json_t *row_json(store_stmt *st) {
    return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:s, s:s, s:I, s:s, s:o, s:o}", "id", (json_int_t)store_col_int(st, 0),
        "version", (json_int_t)store_col_int(st, 1), "created_at", time_json(store_col_int(st, 2)),
        "updated_at", time_json(store_col_int(st, 3)), "user_id", opt_int(st, 4), "team_id", opt_int(st, 5),
        "period_start", store_col_text(st, 6), "period_end", store_col_text(st, 7), "amount", (json_int_t)store_col_int(st, 8),
        "currency", store_col_text(st, 9), "user_name", opt_text(st, 10), "team_name", opt_text(st, 11));
}

/* Whose quota it is, as the caller sees it: may they read it, may they set it? */
static int target_access(crm_ctx *c, const json_t *rec, int *visible, int *may_set, err *e) {
    int64_t user = json_integer_value(json_object_get(rec, "user_id")), team = json_integer_value(json_object_get(rec, "team_id"));
    if (user) {
        int64_t team_of = 0;
        int rc = store_scalar_int(c->db, "SELECT COALESCE(team_id, 0) FROM users WHERE id = ? AND deleted_at IS NULL", &team_of, e, "i", user);
        if (rc < 0) return -1;
        *visible = rc && policy_analytics_view(c->p, user, team_of) == ANALYTICS_DEALS;
        *may_set = rc && policy_can_set_quota(c->p, user, 0);
        return rc ? 0 : err_field_add(e, "user_id", "no user with this id");
    }
    an_team_view *t;
    int n, i = 0;
    if (an_team_views(c, &t, &n, e)) return -1;
    while (i < n && t[i].id != team) i++;
    *visible = i < n && t[i].visible;
    *may_set = i < n && policy_can_set_quota(c->p, 0, t[i].managed);
    return i < n ? 0 : err_field_add(e, "team_id", "no team with this id");
}

/* Copy the input over rec, checking every field; then the rules across fields. */
static int merge(const json_t *in, json_t *rec, err *e) {
    if (!json_is_object(in)) return err_set(e, ERR_BAD_REQUEST, "the body must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v) {
        int f = 0;
        while (FIELDS[f] && strcmp(FIELDS[f], k)) f++;
        if (!strcmp(k, "version")) continue;
        if (!FIELDS[f]) { err_field_add(e, k, "is not a field of a quota"); continue; }
        if (f < 2 && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) <= 0)) { err_field_add(e, k, "must be an id or null"); continue; }
        if (f >= 2 && f < 4 && (!json_is_string(v) || !time_valid_date(json_string_value(v)))) { err_field_add(e, k, "must be a real date as YYYY-MM-DD"); continue; }
        if (f == 4 && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > MONEY_MAX)) {
            err_field_add(e, k, "must be a whole amount of minor units, 0 or more");
            continue;
        }
        if (f == 5 && (!json_is_string(v) || json_string_length(v) != 3 || strspn(json_string_value(v), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)) {
            err_field_add(e, k, "must be an ISO 4217 code such as CNY");
            continue;
        }
        json_object_set(rec, k, v);
    }
    if (e->cls) return -1;
    for (int f = 2; FIELDS[f]; f++)
        if (!json_object_get(rec, FIELDS[f])) err_field_add(e, FIELDS[f], "is required");
    int has_user = json_is_integer(json_object_get(rec, "user_id")), has_team = json_is_integer(json_object_get(rec, "team_id"));
    if (has_user == has_team) err_field_add(e, has_user ? "team_id" : "user_id", "a quota belongs to exactly one user or one team");
    const char *a = json_string_value(json_object_get(rec, "period_start")), *b = json_string_value(json_object_get(rec, "period_end"));
    if (a && b && strcmp(a, b) > 0) err_field_add(e, "period_end", "must not be before period_start");
    return e->cls ? -1 : 0;
}

static int load(crm_ctx *c, int64_t id, json_t **out, int *may_set, err *e) {
    store_stmt *st = store_prepare(c->db, QCOLS "WHERE q.id = ? AND q.deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    int rc = store_step(st, e);
    *out = rc == STORE_ROW ? row_json(st) : NULL;
    store_reset(st);
    if (rc < 0) return -1;
    int visible = 0, set = 0;
    if (*out && target_access(c, *out, &visible, &set, e)) e->cls = ERR_NONE, e->nfields = 0;   /* a target gone since: hidden */
    if (!visible) {
        json_decref(*out);
        *out = NULL;
        return err_set(e, ERR_NOT_FOUND, "no quota with id %lld", (long long)id);
    }
    if (may_set) *may_set = set;
    return 0;
}

int quota_get(crm_ctx *c, int64_t id, json_t **out, err *e) { return load(c, id, out, NULL, e); }

static void bind_rec(store_stmt *st, const json_t *rec) {
    for (int f = 0; FIELDS[f]; f++) {
        json_t *v = json_object_get(rec, FIELDS[f]);
        if (!v || json_is_null(v)) store_bind_null(st, f + 1);
        else if (json_is_integer(v)) store_bind_int(st, f + 1, json_integer_value(v));
        else store_bind_text(st, f + 1, json_string_value(v));
    }
}

static int audit_fields(crm_ctx *c, int64_t id, const char *action, const json_t *old, const json_t *rec, err *e) {
    for (int f = 0; FIELDS[f]; f++) {
        json_t *a = old ? json_object_get(old, FIELDS[f]) : NULL, *b = json_object_get(rec, FIELDS[f]);
        if ((!a || json_is_null(a)) && (!b || json_is_null(b))) continue;
        if (a && b && json_equal(a, b)) continue;
        char *x = record_value_text(a), *y = record_value_text(b);
        int rc = audit_write(c, "quotas", id, action, FIELDS[f], x, y, e);
        free(x), free(y);
        if (rc) return -1;
    }
    return 0;
}

typedef struct write_args { int64_t id, if_version; const json_t *in; json_t **out; } write_args;

static int do_create(crm_ctx *c, void *arg, err *e) {
    write_args *x = arg;
    json_t *rec = json_object();
    int visible, may_set, rc = -1;
    if (merge(x->in, rec, e) || target_access(c, rec, &visible, &may_set, e)) goto done;
    if (!may_set) { err_set(e, ERR_FORBIDDEN, "quotas are set by an admin, or by the manager of the user or team"); goto done; }
    int64_t now = time_now_ms(), id = 0;
    store_stmt *st = store_prepare(c->db, "INSERT INTO quotas (user_id, team_id, period_start, period_end, amount, currency, created_at, "
                                          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", e);
    if (!st) goto done;
    bind_rec(st, rec);
    store_bind_int(st, 7, now);
    store_bind_int(st, 8, now);
    int src = store_step(st, e);
    if (src == STORE_ROW) id = store_col_int(st, 0);
    store_reset(st);
    if (src != STORE_ROW || audit_fields(c, id, "create", NULL, rec, e)) goto done;
    rc = load(c, id, x->out, NULL, e);
done:
    json_decref(rec);
    return rc;
}

int quota_create(crm_ctx *c, const json_t *in, json_t **out, err *e) {
    write_args x = {0, 0, in, out};
    return record_in_tx(c, do_create, &x, e);
}

/* The quota as stored, for a change: visible, settable, at the expected version. */
static int load_for_change(crm_ctx *c, const write_args *x, json_t **old, err *e) {
    int may_set = 0;
    if (load(c, x->id, old, &may_set, e)) return -1;
    if (!may_set) return err_set(e, ERR_FORBIDDEN, "quotas are set by an admin, or by the manager of the user or team");
    int64_t version = json_integer_value(json_object_get(*old, "version"));
    if (x->if_version && x->if_version != version)
        return err_set(e, ERR_PRECONDITION, "the quota was changed by someone else (now version %lld)", (long long)version);
    return 0;
}

static int do_update(crm_ctx *c, void *arg, err *e) {
    write_args *x = arg;
    json_t *old = NULL, *rec = NULL;
    int visible, may_set, rc = -1;
    if (load_for_change(c, x, &old, e)) goto done;
    rec = json_deep_copy(old);
    if (merge(x->in, rec, e) || target_access(c, rec, &visible, &may_set, e)) goto done;
    if (!may_set) { err_set(e, ERR_FORBIDDEN, "you cannot give the quota to this user or team"); goto done; }
    store_stmt *st = store_prepare(c->db, "UPDATE quotas SET user_id = ?, team_id = ?, period_start = ?, period_end = ?, amount = ?, "
                                          "currency = ?, version = version + 1, updated_at = ? WHERE id = ?", e);
    if (!st) goto done;
    bind_rec(st, rec);
    store_bind_int(st, 7, time_now_ms());
    store_bind_int(st, 8, x->id);
    int src = store_step(st, e);
    store_reset(st);
    if (src < 0 || audit_fields(c, x->id, "update", old, rec, e)) goto done;
    rc = load(c, x->id, x->out, NULL, e);
done:
    json_decref(old);
    json_decref(rec);
    return rc;
}

int quota_update(crm_ctx *c, int64_t id, const json_t *patch, int64_t if_version, json_t **out, err *e) {
    json_t *bv = json_is_object(patch) ? json_object_get(patch, "version") : NULL;
    if (bv && !json_is_integer(bv)) return err_field_add(e, "version", "must be a whole number");
    write_args x = {id, if_version ? if_version : bv ? json_integer_value(bv) : 0, patch, out};
    return record_in_tx(c, do_update, &x, e);
}

static int do_delete(crm_ctx *c, void *arg, err *e) {
    write_args *x = arg;
    json_t *old = NULL;
    int rc = load_for_change(c, x, &old, e);
    json_decref(old);
    if (rc) return -1;
    int64_t now = time_now_ms();
    if (store_run(c->db, "UPDATE quotas SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?", e, "iii", now, now, x->id))
        return -1;
    return audit_write(c, "quotas", x->id, "delete", NULL, NULL, NULL, e);
}

int quota_delete(crm_ctx *c, int64_t id, int64_t if_version, err *e) {
    write_args x = {id, if_version, NULL, NULL};
    return record_in_tx(c, do_delete, &x, e);
}

/* ---- lists ---- */

/* The quotas the caller may read, as SQL over alias q. */
static int scope_sql(crm_ctx *c, buf *b, err *e) {
    const principal *p = c->p;
    if (p->all_scope) { buf_puts(b, "1=1"); return 0; }
    buf_printf(b, "(q.user_id = %lld", (long long)p->user_id);
    if (p->role == ROLE_MANAGER)
        for (int i = 0; i < p->nscope; i++) buf_printf(b, " OR q.user_id = %lld", (long long)p->scope_ids[i]);
    an_team_view *t;
    int n;
    if (an_team_views(c, &t, &n, e)) return -1;
    for (int i = 0; i < n; i++)
        if (t[i].visible) buf_printf(b, " OR q.team_id = %lld", (long long)t[i].id);
    buf_puts(b, ")");
    return 0;
}

int quota_list(crm_ctx *c, const list_query *lq, json_t **out, err *e) {
    buf sql = BUF_INIT;
    int rc = -1, limit = lq->limit ? lq->limit : 50;
    int64_t vals[4] = {0}, after = 0;
    const char *dates[2] = {NULL, NULL};
    static const char *const keys[] = {"user_id", "team_id", "from", "to", NULL};
    for (int i = 0; i < lq->n; i++) {
        int k = 0;
        while (keys[k] && strcmp(keys[k], lq->keys[i])) k++;
        char *end;
        if (!keys[k]) err_field_add(e, lq->keys[i], "is not a filter of quotas");
        else if (k < 2 && ((vals[k] = strtoll(lq->vals[i], &end, 10)) <= 0 || *end)) err_field_add(e, keys[k], "must be an id");
        else if (k >= 2 && !time_valid_date(lq->vals[i])) err_field_add(e, keys[k], "must be a real date as YYYY-MM-DD");
        else if (k >= 2) dates[k - 2] = lq->vals[i];
    }
    char *end = NULL;
    if (lq->after && ((after = strtoll(lq->after, &end, 10)) <= 0 || *end)) err_field_add(e, "after", "must be the `next` value of the previous page");
    if (limit < 1 || limit > 200) err_field_add(e, "limit", "must be between 1 and 200");
    if (lq->sort) err_field_add(e, "sort", "quotas are listed by id");
    if (e->cls) { e->cls = ERR_BAD_REQUEST; goto done; }
    buf_puts(&sql, QCOLS "WHERE q.deleted_at IS NULL AND ");
    if (scope_sql(c, &sql, e)) goto done;
    buf_puts(&sql, " AND q.id > ?");
    if (vals[0]) buf_puts(&sql, " AND q.user_id = ?");
    if (vals[1]) buf_puts(&sql, " AND q.team_id = ?");
    if (dates[0]) buf_puts(&sql, " AND q.period_end >= ?");
    if (dates[1]) buf_puts(&sql, " AND q.period_start <= ?");
    buf_printf(&sql, " ORDER BY q.id LIMIT %d", limit + 1);
    store_stmt *st = store_prepare(c->db, buf_str(&sql), e);
    if (!st) goto done;
    int n = 1;
    store_bind_int(st, n++, after);
    for (int k = 0; k < 2; k++) if (vals[k]) store_bind_int(st, n++, vals[k]);
    for (int k = 0; k < 2; k++) if (dates[k]) store_bind_text(st, n++, dates[k]);
    json_t *items = json_array();
    int src, count = 0;
    int64_t last = 0;
    while ((src = store_step(st, e)) == STORE_ROW && count < limit) {
        json_array_append_new(items, row_json(st));
        last = store_col_int(st, 0);
        count++;
    }
    int more = src == STORE_ROW;
    store_reset(st);
    if (src < 0) { json_decref(items); goto done; }
    *out = json_pack("{s:o, s:o}", "items", items, "next", more ? json_string(arena_printf(c->a, "%lld", (long long)last)) : json_null());
    rc = 0;
done:
    buf_free(&sql);
    return rc;
}

/* ---- for the forecast ---- */

/* A quota's share of the days [from, to]: amount x days in common / days of
 * the quota (both ends counted), rounded half away from zero to the minor
 * unit, so a quota split over consecutive periods may differ from its amount
 * by a minor unit per piece. */
static int64_t prorated(int64_t amount, int32_t start, int32_t end, int32_t from, int32_t to) {
    int64_t lo = start > from ? start : from, hi = end < to ? end : to;
    if (start == AN_NO_DAY || end < start || hi < lo) return 0;   /* a date written outside the application */
    return an_div_round((__int128)amount * (hi - lo + 1), (__int128)end - start + 1);
}

int quota_sums(crm_ctx *c, const char *currency, const char *from, const char *to, int64_t team_id, int64_t *team,
               const int64_t *user_ids, int64_t *per_user, int nusers, err *e) {
    *team = -1;
    for (int i = 0; i < nusers; i++) per_user[i] = -1;
    int32_t from_day = an_day_parse(from), to_day = an_day_parse(to);
    store_stmt *st = store_prepare(c->db, "SELECT COALESCE(user_id, 0), COALESCE(team_id, 0), amount, period_start, period_end FROM quotas "
                                          "WHERE deleted_at IS NULL AND currency = ? AND period_start <= ? AND period_end >= ?", e);
    if (!st) return -1;
    store_bind_text(st, 1, currency);
    store_bind_text(st, 2, to);
    store_bind_text(st, 3, from);
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        int64_t u = store_col_int(st, 0), t = store_col_int(st, 1);
        int64_t amount = prorated(store_col_int(st, 2), an_day_parse(store_col_text(st, 3)), an_day_parse(store_col_text(st, 4)), from_day, to_day);
        if (t && t == team_id) *team = (*team < 0 ? 0 : *team) + amount;
        for (int i = 0; u && i < nusers; i++)
            if (user_ids[i] == u) per_user[i] = (per_user[i] < 0 ? 0 : per_user[i]) + amount;
    }
    store_reset(st);
    return rc < 0 ? -1 : 0;
}
