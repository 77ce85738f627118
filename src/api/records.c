/* records.c: the generic routes every business record has:
 *   GET    /api/v1/{entity}            list (filters, sort, cursor)
 *   POST   /api/v1/{entity}            create
 *   GET    /api/v1/{entity}/{id}       read (ETag: version)
 *   PATCH  /api/v1/{entity}/{id}       partial update (If-Match or "version")
 *   DELETE /api/v1/{entity}/{id}       delete (soft where history matters)
 *   GET    /api/v1/{entity}/{id}/audit the record's audit trail
 *   GET|POST /api/v1/{entity}/{id}/shares, DELETE .../shares/{user}  (accounts, opportunities)
 *   GET    /api/v1/{entity}/export.csv the list, with its filters and sort, as CSV (what the caller may see) */
#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "../crm/entities.h"
#include "../crm/opportunity.h"

/* URL segment -> record type; URLs use dashes where tables use underscores */
static const record_def *def_for(http_req *r, http_resp *w) {
    const char *seg = r->params[0];
    char name[64];
    size_t n = strlen(seg);
    if (n < sizeof name) {
        for (size_t i = 0; i <= n; i++) name[i] = seg[i] == '-' ? '_' : seg[i];
        const record_def *d = record_find(name);
        if (d && !strchr(seg, '_')) return d;
    }
    api_fail(w, ERR_NOT_FOUND, "no such resource");
    return NULL;
}

static void etag(http_req *r, http_resp *w, const json_t *rec) {
    http_add_header(w, "ETag", arena_printf(r->a, "\"%lld\"", (long long)json_integer_value(json_object_get(rec, "version"))));
}

static void collection(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    const record_def *d = def_for(r, w);
    if (!d || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (r->method == HTTP_POST) {
        json_t *in = api_body(r, w);
        if (!in) return;
        int rc = record_create(&c, d, in, &out, &e);
        json_decref(in);
        if (rc) { api_problem(w, &e); return; }
        http_add_header(w, "Location", arena_printf(r->a, "/api/v1/%s/%lld", r->params[0], (long long)json_integer_value(json_object_get(out, "id"))));
        etag(r, w, out);
        api_json(w, 201, out);
        return;
    }
    list_query q;
    api_list_query(r, &q);
    if (record_list(&c, d, &q, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void item(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    const record_def *d = def_for(r, w);
    if (!d || api_id(r, w, 1, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (r->method == HTTP_DELETE) {
        if (record_delete(&c, d, id, api_if_match(r), &e)) { api_problem(w, &e); return; }
        w->status = 204;
        return;
    }
    if (r->method == HTTP_PATCH) {
        json_t *in = api_body(r, w);
        if (!in) return;
        int rc = record_update(&c, d, id, in, api_if_match(r), &out, &e);
        json_decref(in);
        if (rc) { api_problem(w, &e); return; }
    } else if (record_get(&c, d, id, &out, &e)) { api_problem(w, &e); return; }
    etag(r, w, out);
    api_json(w, 200, out);
}

static void audit(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    const record_def *d = def_for(r, w);
    if (!d || api_id(r, w, 1, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (audit_list(&c, d, id, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void shares(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    const record_def *d = def_for(r, w);
    if (!d || api_id(r, w, 1, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (r->method == HTTP_POST) {
        json_t *in = api_body(r, w);
        if (!in) return;
        json_t *u = json_object_get(in, "user_id");
        if (!json_is_integer(u) || json_object_size(in) != 1) {
            json_decref(in);
            err_field_add(&e, "user_id", "is required and must be the id of a user (and the only field)");
            api_problem(w, &e);
            return;
        }
        int rc = record_share(&c, d, id, json_integer_value(u), 1, &e);
        json_decref(in);
        if (rc) { api_problem(w, &e); return; }
    }
    if (record_shares(&c, d, id, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void unshare(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id, user;
    const record_def *d = def_for(r, w);
    if (!d || api_id(r, w, 1, &id) || api_id(r, w, 2, &user) || api_auth(r, w, &c)) return;
    err e = {0};
    if (record_share(&c, d, id, user, 0, &e)) { api_problem(w, &e); return; }
    w->status = 204;
}

#define EXPORT_MAX_ROWS 100000

/* one CSV field, quoted by libcsv */
static void csv_field(buf *b, const char *s, int first) {
    if (!first) buf_putc(b, ',');
    size_t n = strlen(s);
    size_t need = csv_write(NULL, 0, s, n);
    char *q = malloc(need);
    csv_write(q, need, s, n);
    buf_add(b, q, need);
    free(q);
}

static void csv_value(buf *b, const json_t *v, int first) {
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        /* text that a spreadsheet would run as a formula is defused with a leading quote */
        if (strchr("=+-@\t\r", s[0]) && s[0]) {
            char *safe = malloc(strlen(s) + 2);
            safe[0] = '\'';
            strcpy(safe + 1, s);
            csv_field(b, safe, first);
            free(safe);
        } else csv_field(b, s, first);
    }
    else if (!v || json_is_null(v)) csv_field(b, "", first);
    else {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        csv_field(b, s ? s : "", first);
        free(s);
    }
}

static void export_csv(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    const record_def *d = def_for(r, w);
    if (!d || api_auth(r, w, &c)) return;
    list_query q;
    api_list_query(r, &q);
    if (q.limit || q.after) { api_fail(w, ERR_BAD_REQUEST, "an export takes every matching row: leave out limit and after"); return; }
    q.limit = 200;
    buf_puts(&w->body, "\xEF\xBB\xBF"); /* a BOM, so spreadsheet programs read the UTF-8 (Chinese names) right */
    const char *fixed[] = {"id", "created_at", "updated_at"};
    for (int i = 0; i < 3; i++) csv_field(&w->body, fixed[i], i == 0);
    for (const field_def *f = d->fields; f->name; f++)
        if (!(f->flags & FF_HIDDEN)) csv_field(&w->body, f->name, 0);
    buf_puts(&w->body, "\r\n");
    for (int rows = 0; rows < EXPORT_MAX_ROWS;) {
        err e = {0};
        json_t *page = NULL;
        if (record_list(&c, d, &q, &page, &e)) { buf_reset(&w->body); api_problem(w, &e); return; }
        size_t i;
        json_t *rec;
        json_array_foreach(json_object_get(page, "items"), i, rec) {
            for (int k = 0; k < 3; k++) csv_value(&w->body, json_object_get(rec, fixed[k]), k == 0);
            for (const field_def *f = d->fields; f->name; f++)
                if (!(f->flags & FF_HIDDEN)) csv_value(&w->body, json_object_get(rec, f->name), 0);
            buf_puts(&w->body, "\r\n");
            rows++;
        }
        const char *next = json_string_value(json_object_get(page, "next"));
        q.after = next ? arena_strdup(r->a, next) : NULL;
        json_decref(page);
        if (!q.after) break;
    }
    w->status = 200;
    w->content_type = "text/csv; charset=utf-8";
    http_add_header(w, "Content-Disposition", arena_printf(r->a, "attachment; filename=\"%s.csv\"", r->params[0]));
}

void api_record_routes(void) {
    http_route(HTTP_GET, "/api/v1/{}/export.csv", export_csv);
    http_route(HTTP_GET | HTTP_POST, "/api/v1/{}", collection);
    http_route(HTTP_GET | HTTP_PATCH | HTTP_DELETE, "/api/v1/{}/{}", item);
    http_route(HTTP_GET, "/api/v1/{}/{}/audit", audit);
    http_route(HTTP_GET | HTTP_POST, "/api/v1/{}/{}/shares", shares);
    http_route(HTTP_DELETE, "/api/v1/{}/{}/shares/{}", unshare);
}
