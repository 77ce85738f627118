/* records.c: the generic routes every business record has:
 *   GET    /api/v1/{entity}            list (filters, sort, cursor)
 *   POST   /api/v1/{entity}            create
 *   GET    /api/v1/{entity}/{id}       read (ETag: version)
 *   PATCH  /api/v1/{entity}/{id}       partial update (If-Match or "version")
 *   DELETE /api/v1/{entity}/{id}       delete (soft where history matters)
 *   GET    /api/v1/{entity}/{id}/audit the record's audit trail
 *   GET|POST /api/v1/{entity}/{id}/shares, DELETE .../shares/{user}  (accounts, opportunities)
 * (exports of a list, /api/v1/{entity}/export.csv and .xlsx, are in io.c) */
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "../crm/entities.h"
#include "../crm/opportunity.h"

/* URL segment -> record type; URLs use dashes where tables use underscores */
const record_def *api_entity(http_req *r, http_resp *w) {
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

static void collection(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    const record_def *d = api_entity(r, w);
    if (!d || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (r->method == HTTP_POST) {
        json_t *in = api_body(r, w);
        if (!in) return;
        int rc = record_create(&c, d, in, &out, &e);
        json_decref(in);
        if (rc) { api_problem(w, &e); return; }
        api_created(r, w, r->params[0], out);
        return;
    }
    list_query q;
    api_list_query(r, &q);
    /* the busiest read: written as text straight from the rows */
    if (record_list_text(&c, d, &q, &w->body, &e)) { buf_reset(&w->body); api_problem(w, &e); return; }
    w->status = 200;
    w->content_type = "application/json";
}

static void item(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    const record_def *d = api_entity(r, w);
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
    api_etag(r, w, out);
    api_json(w, 200, out);
}

static void audit(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    const record_def *d = api_entity(r, w);
    if (!d || api_id(r, w, 1, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (audit_list(&c, d, id, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void shares(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    const record_def *d = api_entity(r, w);
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
    const record_def *d = api_entity(r, w);
    if (!d || api_id(r, w, 1, &id) || api_id(r, w, 2, &user) || api_auth(r, w, &c)) return;
    err e = {0};
    if (record_share(&c, d, id, user, 0, &e)) { api_problem(w, &e); return; }
    w->status = 204;
}

void api_record_routes(void) {
    http_route(HTTP_GET | HTTP_POST, "/api/v1/{}", collection);
    http_route(HTTP_GET | HTTP_PATCH | HTTP_DELETE, "/api/v1/{}/{}", item);
    http_route(HTTP_GET, "/api/v1/{}/{}/audit", audit);
    http_route(HTTP_GET | HTTP_POST, "/api/v1/{}/{}/shares", shares);
    http_route(HTTP_DELETE, "/api/v1/{}/{}/shares/{}", unshare);
}
