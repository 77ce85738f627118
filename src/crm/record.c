/* record.c: the generic record machinery described in record.h. */
#include "record.h"
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/buf.h"
#include "../core/jsonw.h"
#include "../core/money.h"
#include "../core/timeutil.h"
#include "entities.h"

const record_def *record_find(const char *name) {
    for (int i = 0; crm_entities[i]; i++)
        if (!strcmp(crm_entities[i]->name, name)) return crm_entities[i];
    return NULL;
}

const field_def *record_field(const record_def *d, const char *name) {
    for (const field_def *f = d->fields; f->name; f++)
        if (!strcmp(f->name, name)) return f;
    return NULL;
}

/* ---- values ---- */

static int is_text_type(field_type t) {
    return t == FT_TEXT || t == FT_EMAIL || t == FT_ENUM || t == FT_CURRENCY || t == FT_DATE;
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int valid_email(const char *s) {
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' || s[strlen(s) - 1] == '.')
        return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20) return 0;
    return 1;
}

static int has_control(const char *s, int allow_newlines) {
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 && !(allow_newlines && (ch == '\n' || ch == '\r' || ch == '\t'))) return 1;
    }
    return 0;
}

/* Check one input value against its field; writes a field error on failure. */
static int check_value(const field_def *f, const json_t *v, err *e) {
    if (json_is_null(v)) {
        if (f->flags & FF_REQUIRED) return err_field_add(e, f->name, "is required");
        if (f->flags & FF_NONULL) return err_field_add(e, f->name, "must not be null");
        return 0;
    }
    switch (f->type) {
    case FT_TEXT: case FT_EMAIL: case FT_ENUM: case FT_CURRENCY: case FT_DATE: {
        if (!json_is_string(v)) return err_field_add(e, f->name, "must be a string");
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v)) return err_field_add(e, f->name, "must not contain NUL characters");
        if ((f->flags & FF_REQUIRED) && !*s) return err_field_add(e, f->name, "must not be empty");
        int max = f->max ? f->max : 200;
        if (utf8_chars(s) > (size_t)max) return err_field_add(e, f->name, "must be at most %d characters", max);
        if (has_control(s, max > 200)) return err_field_add(e, f->name, "must not contain control characters");
        if (f->type == FT_EMAIL && *s && !valid_email(s)) return err_field_add(e, f->name, "is not an email address");
        if (f->type == FT_DATE && !time_valid_date(s)) return err_field_add(e, f->name, "must be a real date as YYYY-MM-DD");
        if (f->type == FT_CURRENCY) {
            if (money_currency(s)) return 0;
            return err_field_add(e, f->name, "must be an ISO 4217 currency code such as CNY, USD, EUR");
        }
        if (f->type == FT_ENUM) {
            buf allowed = BUF_INIT;
            for (int i = 0; f->values[i]; i++) {
                if (!strcmp(f->values[i], s)) { buf_free(&allowed); return 0; }
                buf_printf(&allowed, "%s%s", i ? ", " : "", f->values[i]);
            }
            err_field_add(e, f->name, "must be one of: %s", buf_str(&allowed));
            buf_free(&allowed);
            return -1;
        }
        return 0;
    }
    case FT_TIME: {
        int64_t ms;
        if (!json_is_string(v) || time_parse_ts(json_string_value(v), &ms))
            return err_field_add(e, f->name, "must be a date-time such as 2026-03-01T09:30:00Z");
        return 0;
    }
    case FT_BOOL:
        if (!json_is_boolean(v)) return err_field_add(e, f->name, "must be true or false");
        return 0;
    case FT_INT: case FT_MONEY: case FT_BP: case FT_REF: {
        if (!json_is_integer(v)) return err_field_add(e, f->name, "must be a whole number");
        json_int_t n = json_integer_value(v);
        if (f->type == FT_REF && n <= 0) return err_field_add(e, f->name, "must be the id of a record");
        if (f->type == FT_MONEY && n < 0) return err_field_add(e, f->name, "must not be negative");
        if (f->type == FT_MONEY && n > 1000000000000000LL) return err_field_add(e, f->name, "is too large");
        if (f->type == FT_BP && (n < 0 || n > 10000)) return err_field_add(e, f->name, "must be between 0 and 10000 (basis points)");
        if (f->type == FT_INT && (n < 0 || (f->max && n > f->max)))
            return err_field_add(e, f->name, "must be between 0 and %d", f->max ? f->max : 0);
        return 0;
    }
    }
    return 0;
}

static void bind_value(store_stmt *st, int idx, const field_def *f, const json_t *v) {
    if (!v || json_is_null(v)) { store_bind_null(st, idx); return; }
    if (is_text_type(f->type)) store_bind_text(st, idx, json_string_value(v));
    else if (f->type == FT_BOOL) store_bind_int(st, idx, json_is_true(v));
    else if (f->type == FT_TIME) {
        int64_t ms = 0;
        time_parse_ts(json_string_value(v), &ms);
        store_bind_int(st, idx, ms);
    } else store_bind_int(st, idx, json_integer_value(v));
}

json_t *record_column(store_stmt *st, int col, field_type t) {
    if (store_col_null(st, col)) return json_null();
    if (is_text_type(t)) return json_string(store_col_text(st, col));
    if (t == FT_BOOL) return json_boolean(store_col_int(st, col));
    if (t == FT_TIME) {
        char ts[32];
        time_format_ms(store_col_int(st, col), ts);
        return json_string(ts);
    }
    return json_integer(store_col_int(st, col));
}

char *record_value_text(const json_t *v) {
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return strdup(json_string_value(v));
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* ---- reading rows ---- */

/* The column list of each record type never changes: build it once. */
static char *select_lists[32];
static pthread_once_t select_once = PTHREAD_ONCE_INIT;

static void build_select_lists(void) {
    for (int i = 0; crm_entities[i] && i < 32; i++) {
        const record_def *d = crm_entities[i];
        buf b = BUF_INIT;
        buf_puts(&b, "t.id, t.version, t.created_at, t.updated_at");
        for (const field_def *f = d->fields; f->name; f++) buf_printf(&b, ", t.%s", f->name);
        for (const extra_col *x = d->extras; x && x->name; x++) buf_printf(&b, ", (%s) AS %s", x->sql, x->name);
        select_lists[i] = buf_detach(&b);
    }
}

static void select_list(buf *b, const record_def *d) {
    pthread_once(&select_once, build_select_lists);
    for (int i = 0; crm_entities[i]; i++)
        if (crm_entities[i] == d) { buf_puts(b, select_lists[i]); return; }
}

/* Keys are our own field names: no need for jansson to re-check their UTF-8. */
static json_t *row_json(store_stmt *st, const record_def *d) {
    json_t *o = json_object();
    char ts[32];
    json_object_set_new_nocheck(o, "id", json_integer(store_col_int(st, 0)));
    json_object_set_new_nocheck(o, "version", json_integer(store_col_int(st, 1)));
    time_format_ms(store_col_int(st, 2), ts);
    json_object_set_new_nocheck(o, "created_at", json_string(ts));
    time_format_ms(store_col_int(st, 3), ts);
    json_object_set_new_nocheck(o, "updated_at", json_string(ts));
    int col = 4;
    for (const field_def *f = d->fields; f->name; f++, col++)
        if (!(f->flags & FF_HIDDEN)) json_object_set_new_nocheck(o, f->name, record_column(st, col, f->type));
    for (const extra_col *x = d->extras; x && x->name; x++, col++)
        json_object_set_new_nocheck(o, x->name, record_column(st, col, x->type));
    return o;
}

/* The same record as row_json, written as JSON text. */
static void column_write(buf *b, store_stmt *st, int col, field_type t) {
    if (store_col_null(st, col)) buf_add(b, "null", 4);
    else if (is_text_type(t)) jsonw_str(b, store_col_text(st, col));
    else if (t == FT_BOOL) buf_puts(b, store_col_int(st, col) ? "true" : "false");
    else if (t == FT_TIME) {
        char ts[32];
        time_format_ms(store_col_int(st, col), ts);
        jsonw_str(b, ts);
    } else jsonw_int(b, store_col_int(st, col));
}

static void row_write(buf *b, store_stmt *st, const record_def *d) {
    buf_putc(b, '{');
    jsonw_key(b, "id", 1);
    jsonw_int(b, store_col_int(st, 0));
    jsonw_key(b, "version", 0);
    jsonw_int(b, store_col_int(st, 1));
    jsonw_key(b, "created_at", 0);
    column_write(b, st, 2, FT_TIME);
    jsonw_key(b, "updated_at", 0);
    column_write(b, st, 3, FT_TIME);
    int col = 4;
    for (const field_def *f = d->fields; f->name; f++, col++) {
        if (f->flags & FF_HIDDEN) continue;
        jsonw_key(b, f->name, 0);
        column_write(b, st, col, f->type);
    }
    for (const extra_col *x = d->extras; x && x->name; x++, col++) {
        jsonw_key(b, x->name, 0);
        column_write(b, st, col, x->type);
    }
    buf_putc(b, '}');
}

int record_load(crm_ctx *c, const record_def *d, int64_t id, int for_write, json_t **out, err *e) {
    (void)for_write; /* read and write scopes coincide today; the kind check is separate */
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT ");
    select_list(&sql, d);
    buf_printf(&sql, " FROM %s t WHERE t.id = ? AND t.deleted_at IS NULL AND %s", d->name,
               policy_scope_sql(c->p, d->access, d->name, "t", c->a));
    store_stmt *st = store_prepare(c->db, buf_str(&sql), e);
    buf_free(&sql);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    int rc = store_step(st, e);
    if (rc == STORE_ROW) *out = row_json(st, d);
    store_reset(st);
    if (rc < 0) return -1;
    if (rc == STORE_DONE) return err_set(e, ERR_NOT_FOUND, "no %s with id %lld", d->label, (long long)id);
    return 0;
}

int record_get(crm_ctx *c, const record_def *d, int64_t id, json_t **out, err *e) {
    return record_load(c, d, id, 0, out, e);
}

int record_must_see(crm_ctx *c, const record_def *d, int64_t id, err *e) {
    int vis = record_visible(c, d->name, id, e);
    if (vis < 0) return -1;
    return vis ? 0 : err_set(e, ERR_NOT_FOUND, "no %s with id %lld", d->label, (long long)id);
}

int record_visible(crm_ctx *c, const char *entity, int64_t id, err *e) {
    const record_def *d = record_find(entity);
    if (!d) return err_set(e, ERR_INTERNAL, "unknown entity %s", entity);
    char *sql = arena_printf(c->a, "SELECT 1 FROM %s t WHERE t.id = ? AND t.deleted_at IS NULL AND %s", entity,
                             policy_scope_sql(c->p, d->access, entity, "t", c->a));
    int64_t one;
    return store_scalar_int(c->db, sql, &one, e, "i", id);
}

/* ---- audit ---- */

/* Audit rows, one per field, written in one statement (on PostgreSQL every
 * statement is a round trip): the fields of a create or an update, or the one
 * change of audit_write. old/new are owned by the batch. */
typedef struct field_change { const char *field; char *old, *new; } field_change;
typedef struct audit_batch { field_change *rows; int n, cap; } audit_batch;

static void audit_add(audit_batch *b, const char *field, char *old, char *new) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->rows = realloc(b->rows, sizeof *b->rows * (size_t)b->cap);
        if (!b->rows) abort();
    }
    b->rows[b->n++] = (field_change){field, old, new};
}

static int audit_flush(crm_ctx *c, const char *entity, int64_t id, const char *action, audit_batch *b, err *e) {
    int rc = 0;
    if (b->n) {
        buf sql = BUF_INIT;
        buf_puts(&sql, "INSERT INTO audit_log (entity, record_id, action, field, old_value, new_value, actor_id, at) VALUES ");
        for (int i = 0; i < b->n; i++) buf_puts(&sql, i ? ", (?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?)");
        store_stmt *st = store_prepare(c->db, buf_str(&sql), e);
        buf_free(&sql);
        int64_t now = time_now_ms();
        for (int i = 0; st && i < b->n; i++) {
            int k = i * 8;
            store_bind_text(st, k + 1, entity);
            store_bind_int(st, k + 2, id);
            store_bind_text(st, k + 3, action);
            store_bind_text(st, k + 4, b->rows[i].field);
            store_bind_text(st, k + 5, b->rows[i].old);
            store_bind_text(st, k + 6, b->rows[i].new);
            if (c->p && c->p->user_id) store_bind_int(st, k + 7, c->p->user_id);
            else store_bind_null(st, k + 7);
            store_bind_int(st, k + 8, now);
        }
        rc = !st || store_step(st, e) < 0 ? -1 : 0;
        if (st) store_reset(st);
    }
    for (int i = 0; i < b->n; i++) { free(b->rows[i].old); free(b->rows[i].new); }
    free(b->rows);
    *b = (audit_batch){0};
    return rc;
}

int audit_write(crm_ctx *c, const char *entity, int64_t id, const char *action, const char *field,
                const char *old_value, const char *new_value, err *e) {
    audit_batch one = {0};
    audit_add(&one, field, old_value ? strdup(old_value) : NULL, new_value ? strdup(new_value) : NULL);
    return audit_flush(c, entity, id, action, &one, e);
}

/* ---- input ---- */

/* Copy the allowed keys of `in` over `rec`, checking each value. */
static int merge_input(const record_def *d, const json_t *in, json_t *rec, int creating, err *e) {
    if (!json_is_object(in)) return err_set(e, ERR_BAD_REQUEST, "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)in, key, v) {
        if (!strcmp(key, "version")) continue; /* a precondition, handled by the caller */
        const field_def *f = record_field(d, key);
        if (!f || (f->flags & FF_HIDDEN)) { err_field_add(e, key, "is not a field of %s", d->label); continue; }
        if (f->flags & FF_READONLY) { err_field_add(e, key, "is set by the server"); continue; }
        if (!creating && (f->flags & FF_CREATE_ONLY)) { err_field_add(e, key, "cannot be changed after creation"); continue; }
        if (check_value(f, v, e) == 0) json_object_set(rec, key, v);
    }
    return e->cls ? -1 : 0;
}

static int check_refs(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    for (const field_def *f = d->fields; f->name; f++) {
        if (f->type != FT_REF) continue;
        json_t *v = json_object_get(rec, f->name);
        if (!v || json_is_null(v)) continue;
        json_t *was = old ? json_object_get(old, f->name) : NULL;
        if (was && json_equal(was, v)) continue; /* unchanged references were valid when set */
        int64_t id = json_integer_value(v);
        int vis;
        if (!strcmp(f->ref, "users")) {
            int64_t one;
            vis = store_scalar_int(c->db, "SELECT 1 FROM users WHERE id = ? AND active = 1 AND deleted_at IS NULL", &one, e, "i", id);
        } else vis = record_visible(c, f->ref, id, e);
        if (vis < 0) return -1;
        if (!vis) err_field_add(e, f->name, "no %s with id %lld that you can see", f->ref, (long long)id);
        if (!strcmp(f->name, "owner_id") && vis && !policy_owner_allowed(c->p, id))
            err_field_add(e, f->name, "you cannot give records to this user");
        /* a share lets one work on a record, not take it out of its owner's team */
        else if (!strcmp(f->name, "owner_id") && was && !policy_owner_allowed(c->p, json_integer_value(was)))
            err_field_add(e, f->name, "only the owner or their manager can give this record to someone else");
    }
    return e->cls ? -1 : 0;
}

static int check_required(const record_def *d, json_t *rec, err *e) {
    for (const field_def *f = d->fields; f->name; f++) {
        if (!(f->flags & FF_REQUIRED) || (f->flags & FF_READONLY)) continue;
        json_t *v = json_object_get(rec, f->name);
        if (!v || json_is_null(v)) err_field_add(e, f->name, "is required");
    }
    return e->cls ? -1 : 0;
}

int record_in_tx(crm_ctx *c, int (*fn)(crm_ctx *, void *, err *), void *arg, err *e) {
    if (store_begin(c->db, 1, e)) return -1;
    if (fn(c, arg, e)) { store_rollback(c->db); return -1; }
    return store_commit(c->db, e);
}

void list_query_add(list_query *q, const char *k, const char *v) {
    if (!strcmp(k, "limit")) {
        char *end;
        long n = strtol(v, &end, 10);
        q->limit = (*end || n < 1 || n > 200) ? -1 : (int)n;
    } else if (!strcmp(k, "after")) q->after = v;
    else if (!strcmp(k, "sort")) q->sort = v;
    else if (q->n < 32) { q->keys[q->n] = k; q->vals[q->n] = v; q->n++; }
}

/* ---- create ---- */

typedef struct create_args { const record_def *d; const json_t *in; json_t **out; } create_args;

static int do_create(crm_ctx *c, void *arg, err *e) {
    create_args *x = arg;
    const record_def *d = x->d;
    json_t *rec = json_object();
    int rc = -1;
    buf sql = BUF_INIT, vals = BUF_INIT;
    if (merge_input(d, x->in, rec, 1, e)) goto done;
    if (c->server_fields) json_object_update(rec, c->server_fields);
    if (d->check && d->check(c, d, rec, NULL, e)) goto done;
    /* both run, so that one answer names every missing field and every bad reference */
    if (check_required(d, rec, e) + check_refs(c, d, rec, NULL, e)) goto done;
    int64_t now = time_now_ms();
    buf_printf(&sql, "INSERT INTO %s (created_at, updated_at", d->name);
    buf_puts(&vals, "?, ?");
    for (const field_def *f = d->fields; f->name; f++) {
        if (!json_object_get(rec, f->name)) continue;
        buf_printf(&sql, ", %s", f->name);
        buf_puts(&vals, ", ?");
    }
    buf_printf(&sql, ") VALUES (%s) RETURNING id", buf_str(&vals));
    store_stmt *st = store_prepare(c->db, buf_str(&sql), e);
    if (!st) goto done;
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, now);
    int idx = 3;
    for (const field_def *f = d->fields; f->name; f++) {
        json_t *v = json_object_get(rec, f->name);
        if (v) bind_value(st, idx++, f, v);
    }
    int64_t id = 0;
    int src = store_step(st, e);
    if (src == STORE_ROW) id = store_col_int(st, 0);
    store_reset(st);
    if (src != STORE_ROW) goto done;
    audit_batch ab = {0};
    for (const field_def *f = d->fields; f->name; f++) {
        json_t *v = json_object_get(rec, f->name);
        if (v && !json_is_null(v)) audit_add(&ab, f->name, NULL, (f->flags & FF_HIDDEN) ? strdup("(set)") : record_value_text(v));
    }
    if (audit_flush(c, d->name, id, "create", &ab, e)) goto done;
    if (d->after && d->after(c, d, id, rec, NULL, e)) goto done;
    /* the creator may have given the record away; read it back without scope */
    const principal *saved = c->p;
    principal all = *c->p;
    all.all_scope = 1;
    c->p = &all;
    rc = record_load(c, d, id, 0, x->out, e);
    c->p = saved;
done:
    json_decref(rec);
    buf_free(&sql);
    buf_free(&vals);
    return rc;
}

int record_create(crm_ctx *c, const record_def *d, const json_t *in, json_t **out, err *e) {
    if (!policy_can_change_kind(c->p, d->access)) return err_set(e, ERR_FORBIDDEN, "your role cannot create %ss", d->label);
    create_args x = {d, in, out};
    return record_in_tx(c, do_create, &x, e);
}

int record_create_in(crm_ctx *c, const record_def *d, const json_t *in, json_t **out, err *e) {
    if (!policy_can_change_kind(c->p, d->access)) return err_set(e, ERR_FORBIDDEN, "your role cannot create %ss", d->label);
    create_args x = {d, in, out};
    return do_create(c, &x, e);
}

/* ---- update ---- */

typedef struct update_args { const record_def *d; int64_t id; const json_t *patch; int64_t if_version; json_t **out; } update_args;

static int do_update(crm_ctx *c, void *arg, err *e) {
    update_args *x = arg;
    const record_def *d = x->d;
    json_t *old = NULL, *rec = NULL;
    int rc = -1;
    buf sql = BUF_INIT;
    if (record_load(c, d, x->id, 1, &old, e)) goto done;
    int64_t version = json_integer_value(json_object_get(old, "version"));
    if (x->if_version && x->if_version != version) {
        err_set(e, ERR_PRECONDITION, "the %s was changed by someone else (now version %lld); reload and try again",
                d->label, (long long)version);
        goto done;
    }
    rec = json_deep_copy(old);
    if (merge_input(d, x->patch, rec, 0, e)) goto done;
    if (d->check && d->check(c, d, rec, old, e)) goto done;
    if (check_required(d, rec, e) + check_refs(c, d, rec, old, e)) goto done;
    buf_printf(&sql, "UPDATE %s SET version = version + 1, updated_at = ?", d->name);
    int changed = 0;
    for (const field_def *f = d->fields; f->name; f++) {
        json_t *nv = json_object_get(rec, f->name), *ov = json_object_get(old, f->name);
        if (!nv || (ov && json_equal(nv, ov)) || (!ov && json_is_null(nv))) continue;
        buf_printf(&sql, ", %s = ?", f->name);
        changed++;
    }
    if (!changed) { rc = record_load(c, d, x->id, 0, x->out, e); goto done; }
    buf_puts(&sql, " WHERE id = ? AND version = ?");
    store_stmt *st = store_prepare(c->db, buf_str(&sql), e);
    if (!st) goto done;
    store_bind_int(st, 1, time_now_ms());
    int idx = 2;
    for (const field_def *f = d->fields; f->name; f++) {
        json_t *nv = json_object_get(rec, f->name), *ov = json_object_get(old, f->name);
        if (!nv || (ov && json_equal(nv, ov)) || (!ov && json_is_null(nv))) continue;
        bind_value(st, idx++, f, nv);
    }
    store_bind_int(st, idx++, x->id);
    store_bind_int(st, idx, version);
    int src = store_step(st, e);
    store_reset(st);
    if (src < 0) goto done;
    if (store_changes(c->db) == 0) { err_set(e, ERR_PRECONDITION, "the %s was changed by someone else; reload and try again", d->label); goto done; }
    audit_batch ab = {0};
    for (const field_def *f = d->fields; f->name; f++) {
        json_t *nv = json_object_get(rec, f->name), *ov = json_object_get(old, f->name);
        if (!nv || (ov && json_equal(nv, ov)) || (!ov && json_is_null(nv))) continue;
        audit_add(&ab, f->name, record_value_text(ov), record_value_text(nv));
    }
    if (audit_flush(c, d->name, x->id, "update", &ab, e)) goto done;
    if (d->after && d->after(c, d, x->id, rec, old, e)) goto done;
    rc = record_load(c, d, x->id, 0, x->out, e);
done:
    json_decref(old);
    json_decref(rec);
    buf_free(&sql);
    return rc;
}

int record_update(crm_ctx *c, const record_def *d, int64_t id, const json_t *patch, int64_t if_version, json_t **out, err *e) {
    if (!policy_can_change_kind(c->p, d->access)) return err_set(e, ERR_FORBIDDEN, "your role cannot change %ss", d->label);
    json_t *bv = json_is_object(patch) ? json_object_get(patch, "version") : NULL;
    if (bv && !json_is_integer(bv)) return err_field_add(e, "version", "must be a whole number");
    if (!if_version && bv) if_version = json_integer_value(bv);
    update_args x = {d, id, patch, if_version, out};
    return record_in_tx(c, do_update, &x, e);
}

/* ---- delete ---- */

typedef struct delete_args { const record_def *d; int64_t id; int64_t if_version; } delete_args;

static int do_delete(crm_ctx *c, void *arg, err *e) {
    delete_args *x = arg;
    const record_def *d = x->d;
    json_t *old = NULL;
    int rc = -1;
    if (record_load(c, d, x->id, 1, &old, e)) goto done;
    json_t *owner = json_object_get(old, "owner_id");
    if (d->access == ACCESS_OWNED && json_is_integer(owner) && !policy_owner_allowed(c->p, json_integer_value(owner))) {
        /* a share lets one work on a record, not remove it */
        err_set(e, ERR_FORBIDDEN, "only the owner or their manager can delete this %s", d->label);
        goto done;
    }
    int64_t version = json_integer_value(json_object_get(old, "version"));
    if (x->if_version && x->if_version != version) {
        err_set(e, ERR_PRECONDITION, "the %s was changed by someone else (now version %lld)", d->label, (long long)version);
        goto done;
    }
    char *sql = d->hard_delete ? arena_printf(c->a, "DELETE FROM %s WHERE id = ?", d->name)
                               : arena_printf(c->a, "UPDATE %s SET deleted_at = ?, version = version + 1 WHERE id = ?", d->name);
    if (d->hard_delete ? store_run(c->db, sql, e, "i", x->id) : store_run(c->db, sql, e, "ii", time_now_ms(), x->id)) goto done;
    if (audit_write(c, d->name, x->id, "delete", NULL, NULL, NULL, e)) goto done;
    if (d->after && d->after(c, d, x->id, NULL, old, e)) goto done;
    rc = 0;
done:
    json_decref(old);
    return rc;
}

int record_delete(crm_ctx *c, const record_def *d, int64_t id, int64_t if_version, err *e) {
    if (!policy_can_change_kind(c->p, d->access)) return err_set(e, ERR_FORBIDDEN, "your role cannot delete %ss", d->label);
    delete_args x = {d, id, if_version};
    return record_in_tx(c, do_delete, &x, e);
}

/* ---- list ---- */

typedef struct where { buf sql; record_bind b[RECORD_MAX_BINDS]; int n; } where;

static void w_int(where *w, int64_t v) { if (w->n < RECORD_MAX_BINDS) w->b[w->n++] = (record_bind){1, v, NULL}; }
static void w_text(where *w, const char *v) { if (w->n < RECORD_MAX_BINDS) w->b[w->n++] = (record_bind){0, 0, v}; }

static int parse_int(const char *s, int64_t *out) {
    char *end;
    if (!s || !*s) return -1;
    long long v = strtoll(s, &end, 10);
    if (*end) return -1;
    *out = v;
    return 0;
}

static const char *like_pattern(arena *a, const char *q) {
    buf b = BUF_INIT;
    buf_putc(&b, '%');
    for (const char *p = q; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\') buf_putc(&b, '\\');
        buf_putc(&b, *p);
    }
    buf_putc(&b, '%');
    const char *r = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return r;
}

static const char *sort_expr(arena *a, const field_def *f) {
    if (!f) return "t.id";
    if (f->type == FT_DATE) return arena_printf(a, "COALESCE(t.%s, '0001-01-01')", f->name);
    if (is_text_type(f->type)) return arena_printf(a, "COALESCE(t.%s, '')", f->name);
    return arena_printf(a, "COALESCE(t.%s, -9223372036854775807)", f->name);
}

/* One filter from the query string. Suffixes _from/_to (dates, times) and
 * _min/_max (money) give ranges. */
static int add_filter(crm_ctx *c, const record_def *d, where *w, const char *k, const char *v, err *e) {
    json_t *probe = v ? json_stringn(v, strlen(v)) : NULL; /* jansson refuses invalid UTF-8 */
    if (!probe) return err_field_add(e, k, "is not valid UTF-8");
    json_decref(probe);
    if (strlen(v) > 500) return err_field_add(e, k, "is too long");
    if (!strcmp(k, "q")) {
        buf_puts(&w->sql, " AND (");
        int first = 1;
        for (const field_def *f = d->fields; f->name; f++) {
            if (!(f->flags & FF_SEARCH)) continue;
            buf_printf(&w->sql, "%sLOWER(t.%s) LIKE LOWER(?) ESCAPE '\\'", first ? "" : " OR ", f->name);
            w_text(w, like_pattern(c->a, v));
            first = 0;
        }
        buf_puts(&w->sql, first ? "1=1)" : ")");
        return 0;
    }
    if (!strcmp(k, "team") && record_field(d, "owner_id")) {
        int64_t team;
        if (parse_int(v, &team)) return err_field_add(e, k, "must be a team id");
        buf_puts(&w->sql, " AND t.owner_id IN (SELECT u.id FROM users u WHERE u.team_id IN ("
                          "WITH RECURSIVE sub(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT tm.id FROM teams tm JOIN sub ON tm.parent_id = sub.id) "
                          "SELECT id FROM sub))");
        w_int(w, team);
        return 0;
    }
    char name[64];
    const char *suffix = "";
    const field_def *f = record_field(d, k);
    if (!f) {
        const char *us = strrchr(k, '_');
        if (us && (size_t)(us - k) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(us - k), k);
            f = record_field(d, name);
            suffix = us + 1;
        }
    }
    if (!f || !(f->flags & FF_FILTER) || (f->flags & FF_HIDDEN)) return err_field_add(e, k, "is not a filter of %s", d->name);
    int range = !strcmp(suffix, "from") || !strcmp(suffix, "to") || !strcmp(suffix, "min") || !strcmp(suffix, "max");
    if (*suffix && !range) return err_field_add(e, k, "is not a filter of %s", d->name);
    const char *op = !*suffix ? "=" : (!strcmp(suffix, "from") || !strcmp(suffix, "min")) ? ">=" : "<=";
    if (*suffix && (((!strcmp(suffix, "from") || !strcmp(suffix, "to")) && f->type != FT_DATE && f->type != FT_TIME) ||
                    ((!strcmp(suffix, "min") || !strcmp(suffix, "max")) && f->type != FT_MONEY && f->type != FT_INT)))
        return err_field_add(e, k, "is not a filter of %s", d->name);
    if (!strcmp(v, "null") && !*suffix && !(f->flags & FF_REQUIRED)) {
        buf_printf(&w->sql, " AND t.%s IS NULL", f->name);
        return 0;
    }
    buf_printf(&w->sql, " AND t.%s %s ?", f->name, op);
    switch (f->type) {
    case FT_DATE:
        if (!time_valid_date(v)) return err_field_add(e, k, "must be a real date as YYYY-MM-DD");
        w_text(w, v);
        break;
    case FT_TIME: {
        int64_t ms;
        if (time_valid_date(v)) ms = time_date_to_ms(v) + (!strcmp(suffix, "to") ? 86400000 - 1 : 0);
        else if (time_parse_ts(v, &ms)) return err_field_add(e, k, "must be a date or date-time");
        w_int(w, ms);
        break;
    }
    case FT_BOOL:
        if (strcmp(v, "true") && strcmp(v, "false")) return err_field_add(e, k, "must be true or false");
        w_int(w, !strcmp(v, "true"));
        break;
    case FT_INT: case FT_MONEY: case FT_BP: case FT_REF: {
        int64_t n;
        if (parse_int(v, &n)) return err_field_add(e, k, "must be a whole number");
        w_int(w, n);
        break;
    }
    default: w_text(w, v); break;
    }
    return 0;
}

/* Cursor: base64url of "<sort value>\n<id>", opaque to clients. Never
 * truncated: a sort value can be 300 characters of 4-byte UTF-8 (about 1.6 KB
 * of cursor). */
static const char *cursor_make(arena *a, const char *val, int64_t id) {
    const char *raw = arena_printf(a, "%s\n%lld", val ? val : "", (long long)id);
    size_t n = strlen(raw);
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, cap);
    sodium_bin2base64(out, cap, (const unsigned char *)raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static int cursor_read(arena *a, const char *cur, const char **val, int64_t *id) {
    size_t len = strlen(cur);
    if (len > 2048) return -1;
    unsigned char *raw = arena_alloc(a, len + 1);
    size_t n;
    if (sodium_base642bin(raw, len, cur, len, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING)) return -1;
    raw[n] = 0;
    char *nl = strrchr((char *)raw, '\n');
    if (!nl || strlen((char *)raw) != n) return -1;
    *nl = 0;
    if (parse_int(nl + 1, id)) return -1;
    *val = (const char *)raw;
    return 0;
}

void record_bind_where(store_stmt *st, const record_where *w, int first) {
    for (int i = 0; i < w->n; i++) {
        if (w->b[i].is_int) store_bind_int(st, first + i, w->b[i].i);
        else store_bind_text(st, first + i, w->b[i].s);
    }
}

int record_filters(crm_ctx *c, const record_def *d, const list_query *q, record_where *out, err *e) {
    where w = {BUF_INIT, {{0}}, 0};
    for (int i = 0; i < q->n; i++) add_filter(c, d, &w, q->keys[i], q->vals[i], e);
    if (w.n >= RECORD_MAX_BINDS) err_field_add(e, "q", "too many filters");
    if (e->cls == ERR_VALIDATION) e->cls = ERR_BAD_REQUEST;
    out->sql = arena_strdup(c->a, buf_str(&w.sql));
    memcpy(out->b, w.b, sizeof w.b);
    out->n = w.n;
    buf_free(&w.sql);
    return e->cls ? -1 : 0;
}

/* One page of a list: every row goes to emit(); *next is the cursor of the
 * following page, or NULL on the last one. */
typedef void (*row_emit)(void *ctx, store_stmt *st, const record_def *d);

static int list_page(crm_ctx *c, const record_def *d, const list_query *q, row_emit emit, void *ctx, const char **next_out,
                     err *e) {
    where w = {BUF_INIT, {{0}}, 0};
    buf sql = BUF_INIT;
    int rc = -1;
    for (int i = 0; i < q->n; i++) add_filter(c, d, &w, q->keys[i], q->vals[i], e);
    if (w.n >= RECORD_MAX_BINDS - 3) err_field_add(e, "q", "too many filters");
    const char *sort = q->sort ? q->sort : d->default_sort ? d->default_sort : "-id";
    int desc = sort[0] == '-';
    const char *sname = sort + (desc || sort[0] == '+');
    const field_def *sf = NULL;
    if (strcmp(sname, "id")) {
        sf = record_field(d, sname);
        if (!sf || !(sf->flags & FF_SORT)) err_field_add(e, "sort", "cannot sort %s by %s", d->name, sname);
    }
    int limit = q->limit ? q->limit : 50;
    if (limit < 1 || limit > 200) err_field_add(e, "limit", "must be between 1 and 200");
    if (e->cls) { if (e->cls == ERR_VALIDATION) e->cls = ERR_BAD_REQUEST; goto done; }
    const char *sexpr = sort_expr(c->a, sf);
    int sort_is_int = !sf || !is_text_type(sf->type);
    if (q->after) {
        const char *cv;
        int64_t cid;
        if (cursor_read(c->a, q->after, &cv, &cid)) { err_set(e, ERR_BAD_REQUEST, "the cursor in 'after' is not valid"); goto done; }
        if (sf) {
            buf_printf(&w.sql, " AND (%s %s ? OR (%s = ? AND t.id %s ?))", sexpr, desc ? "<" : ">", sexpr, desc ? "<" : ">");
            int64_t iv = 0;
            if (sort_is_int && parse_int(cv, &iv)) { err_set(e, ERR_BAD_REQUEST, "the cursor in 'after' is not valid"); goto done; }
            if (sort_is_int) { w_int(&w, iv); w_int(&w, iv); } else { w_text(&w, cv); w_text(&w, cv); }
        } else buf_printf(&w.sql, " AND t.id %s ?", desc ? "<" : ">");
        w_int(&w, cid);
    }
    buf_puts(&sql, "SELECT ");
    select_list(&sql, d);
    buf_printf(&sql, ", %s FROM %s t WHERE t.deleted_at IS NULL AND %s%s ORDER BY ", sexpr, d->name,
               policy_scope_sql(c->p, d->access, d->name, "t", c->a), buf_str(&w.sql));
    if (sf) buf_printf(&sql, "%s %s, ", sexpr, desc ? "DESC" : "ASC");
    buf_printf(&sql, "t.id %s LIMIT %d", desc ? "DESC" : "ASC", limit + 1);
    store_stmt *st = store_prepare(c->db, buf_str(&sql), e);
    if (!st) goto done;
    record_where rw = {NULL, {{0}}, w.n};
    memcpy(rw.b, w.b, sizeof w.b);
    record_bind_where(st, &rw, 1);
    const char *next = NULL;
    int count = 0, src;
    while ((src = store_step(st, e)) == STORE_ROW) {
        if (count == limit) break; /* one row past the page: there is a next page */
        emit(ctx, st, d);
        count++;
        if (count == limit) {
            /* the sort key is the last column; ask after a step (PostgreSQL has no columns before) */
            const char *sv = sf ? store_col_text(st, store_ncols(st) - 1) : NULL;
            next = cursor_make(c->a, sv, store_col_int(st, 0));
        }
    }
    int more = src == STORE_ROW;
    store_reset(st);
    if (src < 0) goto done;
    *next_out = more ? next : NULL;
    rc = 0;
done:
    buf_free(&w.sql);
    buf_free(&sql);
    return rc;
}

static void emit_json(void *items, store_stmt *st, const record_def *d) { json_array_append_new(items, row_json(st, d)); }

int record_list(crm_ctx *c, const record_def *d, const list_query *q, json_t **out, err *e) {
    json_t *items = json_array();
    const char *next = NULL;
    if (list_page(c, d, q, emit_json, items, &next, e)) { json_decref(items); return -1; }
    *out = json_pack("{s:o, s:s?}", "items", items, "next", next);
    return 0;
}

typedef struct text_page { buf *b; int n; } text_page;
static void emit_text(void *ctx, store_stmt *st, const record_def *d) {
    text_page *t = ctx;
    if (t->n++) buf_putc(t->b, ',');
    row_write(t->b, st, d);
}

int record_list_text(crm_ctx *c, const record_def *d, const list_query *q, buf *out, err *e) {
    buf page = BUF_INIT;
    text_page t = {&page, 0};
    const char *next = NULL;
    int rc = list_page(c, d, q, emit_text, &t, &next, e);
    if (!rc) {
        buf_puts(out, "{\"items\":[");
        buf_add(out, buf_str(&page), page.len);
        buf_puts(out, "],\"next\":");
        jsonw_str(out, next);
        buf_putc(out, '}');
    }
    buf_free(&page);
    return rc;
}
