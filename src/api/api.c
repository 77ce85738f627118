/* api.c: authentication, CSRF, bodies, ids and problem documents. */
#include "api.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "../auth/auth.h"
#include "../core/log.h"

void api_register(void) {
    /* first match wins: fixed paths before the generic /api/v1/{entity} ones */
    api_system_routes();
    api_session_routes();
    api_opportunity_routes();
    api_analytics_routes();
    api_lead_routes();
    api_playbook_routes();
    api_io_routes();
    api_record_routes();
}

static int to_buf(const char *p, size_t n, void *b) {
    buf_add(b, p, n);
    return 0;
}

void api_json(http_resp *w, int status, json_t *v) {
    w->status = status;
    w->content_type = "application/json";
    json_dump_callback(v, to_buf, &w->body, JSON_COMPACT); /* straight into the response, no copy */
    json_decref(v);
}

void api_etag(http_req *r, http_resp *w, const json_t *rec) {
    http_add_header(w, "ETag", arena_printf(r->a, "\"%lld\"", (long long)json_integer_value(json_object_get(rec, "version"))));
}

void api_created(http_req *r, http_resp *w, const char *collection, json_t *rec) {
    http_add_header(w, "Location", arena_printf(r->a, "/api/v1/%s/%lld", collection, (long long)json_integer_value(json_object_get(rec, "id"))));
    api_etag(r, w, rec);
    api_json(w, 201, rec);
}

void api_problem(http_resp *w, const err *e) {
    err_class cls = e->cls ? e->cls : ERR_INTERNAL;
    int status = err_http_status(cls);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", "", "title", err_title(cls), "status", status, "detail",
                          cls == ERR_INTERNAL ? "internal error; it has been logged" : e->msg);
    char type[96];
    snprintf(type, sizeof type, "/problems/%s", err_type(cls));
    json_object_set_new(p, "type", json_string(type));
    if (!json_object_get(p, "detail")) json_object_set_new(p, "detail", json_string("the request was refused"));
    if (e->nfields) {
        json_t *fields = json_array();
        for (int i = 0; i < e->nfields; i++)
            json_array_append_new(fields, json_pack("{s:s, s:s}", "field", e->fields[i].name, "reason", e->fields[i].reason));
        json_object_set_new(p, "errors", fields);
    }
    if (e->extra_json) {
        json_t *x = json_loads(e->extra_json, 0, NULL);
        if (json_is_object(x)) json_object_update(p, x);
        json_decref(x);
    }
    if (cls == ERR_INTERNAL || cls == ERR_UNAVAILABLE) log_error("%s", e->msg);
    api_json(w, status, p);
    w->content_type = "application/problem+json";
}

void api_fail(http_resp *w, err_class cls, const char *detail) {
    err e = {0};
    err_set(&e, cls, "%s", detail);
    api_problem(w, &e);
}

int api_db(http_resp *w, crm_ctx *c) {
    err e = {0};
    c->db = store_thread(&e);
    if (!c->db) { api_problem(w, &e); return -1; }
    return 0;
}

int api_auth(http_req *r, http_resp *w, crm_ctx *c) {
    err e = {0};
    if (api_db(w, c)) return -1;
    c->a = r->a;
    principal *p = arena_alloc(r->a, sizeof *p);
    const char *authz = http_header(r, "Authorization");
    int rc;
    if (authz && !strncasecmp(authz, "Bearer ", 7)) {
        rc = auth_bearer(c->db, r->a, authz + 7, p, &e);
    } else {
        const char *tok = http_cookie(r, API_SESSION_COOKIE);
        if (!tok) { api_fail(w, ERR_UNAUTHORIZED, "log in first, or send an API token as 'Authorization: Bearer ...'"); return -1; }
        rc = auth_session(c->db, r->a, tok, p, &e);
        if (!rc && r->method != HTTP_GET && r->method != HTTP_HEAD) {
            /* cookies ride along on cross-site requests; the CSRF token does not */
            const char *sent = http_header(r, "X-CSRF-Token");
            size_t n = p->csrf ? strlen(p->csrf) : 0;
            if (!sent || strlen(sent) != n || sodium_memcmp(sent, p->csrf, n)) {
                api_fail(w, ERR_FORBIDDEN, "missing or wrong X-CSRF-Token header");
                return -1;
            }
        }
    }
    if (rc) { api_problem(w, &e); return -1; }
    c->p = p;
    r->user = p;
    return 0;
}

json_t *api_body(http_req *r, http_resp *w) {
    json_error_t je;
    const char *ct = http_header(r, "Content-Type");
    if (r->body_len && ct && strncasecmp(ct, "application/json", 16)) {
        api_fail(w, ERR_BAD_REQUEST, "send the body as application/json");
        return NULL;
    }
    /* REJECT_DUPLICATES: {"a":1,"a":2} is ambiguous, so refuse it */
    json_t *v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        err e = {0};
        err_set(&e, ERR_BAD_REQUEST, "the body is not valid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
        api_problem(w, &e);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        api_fail(w, ERR_BAD_REQUEST, "the body must be a JSON object");
        return NULL;
    }
    return v;
}

int api_id(http_req *r, http_resp *w, int i, int64_t *id) {
    const char *s = r->params[i];
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || *end || v <= 0) { api_fail(w, ERR_NOT_FOUND, "no record with that id"); return -1; }
    *id = v;
    return 0;
}

int64_t api_if_match(http_req *r) {
    const char *h = http_header(r, "If-Match");
    if (!h) return 0;
    while (*h == ' ') h++;
    if (!strcmp(h, "*")) return 0;
    if (!strncmp(h, "W/", 2)) h += 2;
    if (*h == '"') h++;
    char *end;
    long long v = strtoll(h, &end, 10);
    /* anything but one of our ETags matches no version: -1 makes the update answer 412, never skip the check */
    return v > 0 && end != h && (!strcmp(end, "\"") || !*end) ? v : -1;
}

static int lq_add(void *ctx, const char *k, const char *v) {
    list_query_add(ctx, k, v);
    return 0;
}
void api_list_query(http_req *r, list_query *q) {
    memset(q, 0, sizeof *q);
    http_query_each(r, lq_add, q);
}
