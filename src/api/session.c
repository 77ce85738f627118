/* session.c: logging in and out, the caller's own profile, API tokens, and
 * the user routes that touch passwords.
 *   POST /api/v1/session {email,password}   log in: sets the cookie, returns the CSRF token
 *   GET  /api/v1/session                    who am I (+ CSRF token)
 *   DELETE /api/v1/session                  log out (the session row is deleted)
 *   PATCH /api/v1/me {name?, locale?}       change own name or language
 *   POST /api/v1/me/password {current,new}  change own password
 *   GET|POST /api/v1/tokens, DELETE /api/v1/tokens/{id}   API tokens (the secret is shown once)
 *   POST /api/v1/users                      create a user (admin), with an optional password
 *   POST /api/v1/users/{id}/password        set a user's password (admin)
 *   DELETE /api/v1/users/{id}               deactivate: sessions and tokens end at once */
#include <string.h>
#include "api.h"
#include "../auth/auth.h"
#include "../auth/password.h"
#include "../core/timeutil.h"
#include "../crm/entities.h"

static json_t *me_json(const principal *p, const char *csrf) {
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s?}", "id", (json_int_t)p->user_id, "name", p->name, "email",
                     p->email, "role", auth_role_name(p->role), "locale", p->locale,
                     "team_id", p->team_id ? json_integer(p->team_id) : json_null(), "csrf_token", csrf);
}

static const char *string_field(json_t *in, const char *k, size_t max, err *e) {
    json_t *v = json_object_get(in, k);
    if (!json_is_string(v)) { err_field_add(e, k, "is required and must be a string"); return NULL; }
    if (json_string_length(v) > max) { err_field_add(e, k, "is too long"); return NULL; }
    return json_string_value(v);
}

static void login(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_db(w, &c)) return;
    json_t *in = api_body(r, w);
    if (!in) return;
    err e = {0};
    const char *email = string_field(in, "email", 254, &e), *pw = string_field(in, "password", PASSWORD_MAX_LEN, &e);
    const char *token, *csrf;
    int64_t uid;
    if (e.cls || auth_login(c.db, r->a, email, pw, r->client_ip, &token, &csrf, &uid, &e)) {
        json_decref(in);
        api_problem(w, &e);
        return;
    }
    json_decref(in);
    principal p = {0};
    if (auth_load_principal(c.db, r->a, uid, &p, &e)) { api_problem(w, &e); return; }
    http_add_header(w, "Set-Cookie", arena_printf(r->a, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
                                                  API_SESSION_COOKIE, token, SESSION_TTL_MS / 1000,
                                                  getenv("CYLINDER_SECURE_COOKIE") ? "; Secure" : ""));
    api_json(w, 201, me_json(&p, csrf));
}

static void session(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    if (r->method == HTTP_DELETE) {
        err e = {0};
        const char *tok = http_cookie(r, API_SESSION_COOKIE);
        if (tok && auth_logout(c.db, tok, &e)) { api_problem(w, &e); return; }
        http_add_header(w, "Set-Cookie", API_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
        w->status = 204;
        return;
    }
    api_json(w, 200, me_json(c.p, c.p->csrf));
}

/* The caller's own profile goes through the record layer as an admin-level
 * write limited to two fields, so it is validated and audited like any change. */
static void me(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    json_t *in = api_body(r, w), *out = NULL;
    if (!in) return;
    err e = {0};
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
        if (strcmp(k, "name") && strcmp(k, "locale")) err_field_add(&e, k, "cannot be changed here");
    principal self = *c.p;
    self.role = ROLE_ADMIN;
    self.all_scope = 1;
    c.p = &self;
    int rc = e.cls ? -1 : record_update(&c, &def_users, self.user_id, in, 0, &out, &e);
    json_decref(in);
    if (rc) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static int set_password(crm_ctx *c, int64_t uid, const char *pw, err *e) {
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(pw, hash, e)) return -1;
    if (store_begin(c->db, 1, e)) return -1;
    if (store_run(c->db, "UPDATE users SET password_hash = ?, version = version + 1, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                  e, "sii", hash, time_now_ms(), uid) ||
        (store_changes(c->db) == 0 && err_set(e, ERR_NOT_FOUND, "no user with id %lld", (long long)uid)) ||
        audit_write(c, "users", uid, "update", "password_hash", NULL, "(changed)", e)) {
        store_rollback(c->db);
        return -1;
    }
    return store_commit(c->db, e);
}

static void my_password(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    json_t *in = api_body(r, w);
    if (!in) return;
    err e = {0};
    const char *cur = string_field(in, "current", PASSWORD_MAX_LEN, &e), *nw = string_field(in, "new", PASSWORD_MAX_LEN, &e);
    if (!e.cls) {
        store_stmt *st = store_prepare(c.db, "SELECT password_hash FROM users WHERE id = ?", &e);
        int ok = 0;
        if (st) {
            store_bind_int(st, 1, c.p->user_id);
            if (store_step(st, &e) == STORE_ROW) ok = password_verify(store_col_text(st, 0), cur);
            store_reset(st);
        }
        if (!e.cls && !ok) err_field_add(&e, "current", "is not your current password");
    }
    if (!e.cls) {
        if (set_password(&c, c.p->user_id, nw, &e) && e.nfields) strcpy(e.fields[e.nfields - 1].name, "new");
    }
    json_decref(in);
    if (e.cls) { api_problem(w, &e); return; }
    w->status = 204;
}

static void tokens(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    err e = {0};
    if (r->method == HTTP_POST) {
        json_t *in = api_body(r, w);
        if (!in) return;
        const char *name = string_field(in, "name", 100, &e);
        int64_t id = 0;
        const char *secret = NULL;
        if (!e.cls && !*name) err_field_add(&e, "name", "must not be empty");
        if (!e.cls) auth_token_create(c.db, r->a, c.p->user_id, name, &id, &secret, &e);
        json_t *out = e.cls ? NULL : json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", name, "token", secret);
        json_decref(in);
        if (e.cls) { api_problem(w, &e); return; }
        api_json(w, 201, out);
        return;
    }
    store_stmt *st = store_prepare(c.db, "SELECT id, name, prefix, created_at, last_used_at FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY id", &e);
    if (!st) { api_problem(w, &e); return; }
    store_bind_int(st, 1, c.p->user_id);
    json_t *items = json_array();
    while (store_step(st, &e) == STORE_ROW) {
        char ts[32];
        time_format_ms(store_col_int(st, 3), ts);
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)store_col_int(st, 0),
                                               "name", store_col_text(st, 1), "prefix", store_col_text(st, 2), "created_at", ts,
                                               "last_used_at", record_column(st, 4, FT_TIME)));
    }
    store_reset(st);
    if (e.cls) { json_decref(items); api_problem(w, &e); return; }
    api_json(w, 200, json_pack("{s:o}", "items", items));
}

static void token(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    if (auth_token_revoke(c.db, c.p->user_id, id, policy_is_admin(c.p), &e)) { api_problem(w, &e); return; }
    w->status = 204;
}

static void users_create(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    /* before the body is even read: hashing a password costs 80 ms of CPU */
    if (!policy_can_change_kind(c.p, ACCESS_ADMIN)) { api_fail(w, ERR_FORBIDDEN, "your role cannot create users"); return; }
    json_t *in = api_body(r, w), *out = NULL;
    if (!in) return;
    err e = {0};
    json_t *pw = json_object_get(in, "password");
    char hash[PASSWORD_HASH_MAX] = "";
    if (pw && !json_is_string(pw)) err_field_add(&e, "password", "must be a string");
    else if (pw) password_hash(json_string_value(pw), hash, &e);
    json_object_del(in, "password");
    /* the hash is written by the server in the same transaction as the user */
    c.server_fields = *hash ? json_pack("{s:s}", "password_hash", hash) : NULL;
    if (!e.cls) record_create(&c, &def_users, in, &out, &e);
    json_decref(c.server_fields);
    json_decref(in);
    if (e.cls) { api_problem(w, &e); return; }
    api_created(r, w, "users", out);
}

static void user_password(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    /* not even for oneself: without the current password a borrowed session could take the account over */
    if (!policy_is_admin(c.p)) { api_fail(w, ERR_FORBIDDEN, "only an admin can set a password here; change your own at /api/v1/me/password"); return; }
    json_t *in = api_body(r, w);
    if (!in) return;
    err e = {0};
    const char *pw = string_field(in, "password", PASSWORD_MAX_LEN, &e);
    if (!e.cls) set_password(&c, id, pw, &e);
    json_decref(in);
    if (e.cls) { api_problem(w, &e); return; }
    w->status = 204;
}

static void user_delete(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    if (id == c.p->user_id) { api_fail(w, ERR_CONFLICT, "you cannot deactivate yourself"); return; }
    json_t *patch = json_pack("{s:b}", "active", 0), *out = NULL;
    int rc = record_update(&c, &def_users, id, patch, api_if_match(r), &out, &e);
    json_decref(patch);
    json_decref(out);
    if (rc || auth_revoke_user(c.db, id, &e)) { api_problem(w, &e); return; }
    w->status = 204;
}

void api_session_routes(void) {
    /* argon2id takes ~80 ms of CPU: these run off the I/O threads */
    http_route_slow(HTTP_POST, "/api/v1/session", login);
    http_route(HTTP_GET | HTTP_DELETE, "/api/v1/session", session);
    http_route(HTTP_PATCH, "/api/v1/me", me);
    http_route_slow(HTTP_POST, "/api/v1/me/password", my_password);
    http_route(HTTP_GET | HTTP_POST, "/api/v1/tokens", tokens);
    http_route(HTTP_DELETE, "/api/v1/tokens/{}", token);
    http_route_slow(HTTP_POST, "/api/v1/users", users_create);
    http_route_slow(HTTP_POST, "/api/v1/users/{}/password", user_password);
    http_route(HTTP_DELETE, "/api/v1/users/{}", user_delete);
}
