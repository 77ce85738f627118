/* auth.c: sessions, API tokens, login rate limiting, principal loading. */
#include "auth.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "password.h"
#include "../core/timeutil.h"

static const char *role_names[] = {[ROLE_ADMIN] = "admin", [ROLE_MANAGER] = "manager", [ROLE_REP] = "rep",
                                   [ROLE_CSM] = "csm", [ROLE_OPS] = "ops"};

role auth_role_parse(const char *s) {
    for (int r = ROLE_ADMIN; r <= ROLE_OPS; r++)
        if (s && !strcmp(s, role_names[r])) return (role)r;
    return 0;
}
const char *auth_role_name(role r) { return r >= ROLE_ADMIN && r <= ROLE_OPS ? role_names[r] : "?"; }

void auth_hash_secret(const char *secret, char out[65]) {
    unsigned char h[32];
    /* secrets are 256-bit random values, so a fast keyless hash is enough: no dictionary to attack */
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static const char *random_secret(arena *a, const char *prefix) {
    unsigned char raw[32];
    char b64[64];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return arena_printf(a, "%s%s", prefix, b64);
}

static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void) {
    err e = {0};
    password_hash("no user has this password", dummy_hash, &e);
}

/* ---- rate limiting: fixed window per key, in the database ---- */

static int too_many(store *s, const char *key, int64_t limit, int64_t now, err *e) {
    int64_t failures = 0;
    int rc = store_scalar_int(s, "SELECT failures FROM login_attempts WHERE key = ? AND window_start > ?", &failures, e,
                              "si", key, now - LOGIN_WINDOW_MS);
    if (rc < 0) return -1;
    return rc == 1 && failures >= limit;
}

static int note_failure(store *s, const char *key, int64_t now, err *e) {
    return store_run(s,
                     "INSERT INTO login_attempts (key, window_start, failures) VALUES (?, ?, 1) "
                     "ON CONFLICT (key) DO UPDATE SET "
                     "failures = CASE WHEN login_attempts.window_start > ? THEN login_attempts.failures + 1 ELSE 1 END, "
                     "window_start = CASE WHEN login_attempts.window_start > ? THEN login_attempts.window_start ELSE ? END",
                     e, "siiii", key, now, now - LOGIN_WINDOW_MS, now - LOGIN_WINDOW_MS, now);
}

int auth_login(store *s, arena *a, const char *email, const char *password, const char *ip, const char **token,
               const char **csrf, int64_t *user_id, err *e) {
    int64_t now = time_now_ms();
    const char *kmail = arena_printf(a, "email:%s", email);
    const char *kip = arena_printf(a, "ip:%s", ip ? ip : "?");
    int t1 = too_many(s, kmail, LOGIN_MAX_FAILURES, now, e), t2 = t1 ? t1 : too_many(s, kip, LOGIN_MAX_FAILURES_IP, now, e);
    if (t1 < 0 || t2 < 0) return -1;
    if (t1 || t2) return err_set(e, ERR_RATE_LIMITED, "too many failed logins; try again in 15 minutes");

    store_stmt *st = store_prepare(s, "SELECT id, password_hash FROM users WHERE email = ? AND active = 1 AND deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_text(st, 1, email);
    int rc = store_step(st, e);
    if (rc < 0) return -1;
    int64_t uid = 0;
    const char *hash = NULL;
    if (rc == STORE_ROW) {
        uid = store_col_int(st, 0);
        hash = arena_strdup(a, store_col_text(st, 1));
    }
    store_reset(st);
    /* verify even for unknown users so timing does not reveal which emails exist */
    pthread_once(&dummy_once, make_dummy);
    int ok = password_verify(hash ? hash : dummy_hash, password) && hash;
    if (!ok) {
        if (store_begin(s, 1, e)) return -1;
        if (note_failure(s, kmail, now, e) || note_failure(s, kip, now, e)) { store_rollback(s); return -1; }
        if (store_commit(s, e)) return -1;
        return err_set(e, ERR_UNAUTHORIZED, "wrong email or password");
    }
    *token = random_secret(a, "");
    *csrf = random_secret(a, "");
    char th[65];
    auth_hash_secret(*token, th);
    if (store_begin(s, 1, e)) return -1;
    if (store_run(s, "INSERT INTO sessions (token_hash, csrf, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)", e,
                  "ssiii", th, *csrf, uid, now, now + SESSION_TTL_MS) ||
        store_run(s, "DELETE FROM login_attempts WHERE key = ?", e, "s", kmail) ||
        store_run(s, "DELETE FROM sessions WHERE expires_at < ?", e, "i", now)) {
        store_rollback(s);
        return -1;
    }
    if (store_commit(s, e)) return -1;
    *user_id = uid;
    return 0;
}

int auth_logout(store *s, const char *token, err *e) {
    char th[65];
    auth_hash_secret(token, th);
    return store_run(s, "DELETE FROM sessions WHERE token_hash = ?", e, "s", th);
}

int auth_revoke_user(store *s, int64_t user_id, err *e) {
    if (store_run(s, "DELETE FROM sessions WHERE user_id = ?", e, "i", user_id)) return -1;
    return store_run(s, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", e, "ii",
                     time_now_ms(), user_id);
}

/* The caller's scope: themselves, plus for a manager every user in every team
 * they manage and all teams below. */
static int load_scope(store *s, arena *a, principal *p, err *e) {
    p->all_scope = p->role == ROLE_ADMIN || p->role == ROLE_OPS;
    /* most users have nothing shared with them; then the scope is a plain
     * owner list the planner can walk by index (owner_id, id). Whether
     * anything is came with the user's row (USER_COLS). */
    if (p->all_scope) p->has_shares = 0;
    if (p->role != ROLE_MANAGER) {
        int64_t *ids = arena_alloc(a, sizeof *ids);
        ids[0] = p->user_id;
        p->scope_ids = ids;
        p->nscope = 1;
        return 0;
    }
    store_stmt *st = store_prepare(s,
                       "WITH RECURSIVE sub(id) AS (SELECT id FROM teams WHERE manager_id = ? AND deleted_at IS NULL "
                       "UNION SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id WHERE t.deleted_at IS NULL) "
                       "SELECT ? UNION SELECT u.id FROM users u WHERE u.team_id IN (SELECT id FROM sub)",
                       e);
    if (!st) return -1;
    store_bind_int(st, 1, p->user_id);
    store_bind_int(st, 2, p->user_id);
    int cap = 16, n = 0, rc;
    int64_t *ids = arena_alloc(a, sizeof *ids * (size_t)cap);
    while ((rc = store_step(st, e)) == STORE_ROW) {
        if (n == cap) {
            int64_t *bigger = arena_alloc(a, sizeof *ids * (size_t)cap * 2);
            memcpy(bigger, ids, sizeof *ids * (size_t)n);
            ids = bigger;
            cap *= 2;
        }
        ids[n++] = store_col_int(st, 0);
    }
    store_reset(st);
    if (rc < 0) return -1;
    p->scope_ids = ids;
    p->nscope = n;
    return 0;
}

/* One query finds the credential and its active user: the columns are
 * user id, role, team, name, email, locale, whether anything is shared with
 * them, then the credential's own columns (one statement less per request). */
#define USER_COLS "u.id, u.role, u.team_id, u.name, u.email, u.locale, " \
                  "CASE WHEN EXISTS (SELECT 1 FROM shares sh WHERE sh.user_id = u.id) THEN 1 ELSE 0 END"
#define CRED_COL 7   /* the first credential column */

static int principal_from_row(store *s, arena *a, store_stmt *st, principal *p, err *e) {
    p->user_id = store_col_int(st, 0);
    p->role = auth_role_parse(store_col_text(st, 1));
    p->team_id = store_col_null(st, 2) ? 0 : store_col_int(st, 2);
    p->name = arena_strdup(a, store_col_text(st, 3));
    p->email = arena_strdup(a, store_col_text(st, 4));
    p->locale = arena_strdup(a, store_col_text(st, 5));
    p->has_shares = (int)store_col_int(st, 6);
    return 0;
}

static int lookup(store *s, arena *a, const char *sql, const char *hash, int64_t now, principal *p, const char **extra,
                  const char *missing, err *e) {
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    store_bind_text(st, 1, hash);
    if (now) store_bind_int(st, 2, now);
    int rc = store_step(st, e);
    if (rc < 0) return -1;
    if (rc == STORE_DONE) { store_reset(st); return err_set(e, ERR_UNAUTHORIZED, "%s", missing); }
    principal_from_row(s, a, st, p, e);
    if (extra) *extra = arena_strdup(a, store_col_text(st, CRED_COL));
    store_reset(st);
    return load_scope(s, a, p, e);
}

int auth_load_principal(store *s, arena *a, int64_t uid, principal *p, err *e) {
    store_stmt *st = store_prepare(s, "SELECT " USER_COLS " FROM users u WHERE u.id = ? AND u.active = 1 AND u.deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_int(st, 1, uid);
    int rc = store_step(st, e);
    if (rc < 0) return -1;
    if (rc == STORE_DONE) { store_reset(st); return err_set(e, ERR_UNAUTHORIZED, "the account is disabled"); }
    principal_from_row(s, a, st, p, e);
    store_reset(st);
    return load_scope(s, a, p, e);
}

int auth_session(store *s, arena *a, const char *token, principal *p, err *e) {
    char th[65];
    auth_hash_secret(token, th);
    if (lookup(s, a, "SELECT " USER_COLS ", x.csrf FROM sessions x JOIN users u ON u.id = x.user_id "
                     "WHERE x.token_hash = ? AND x.expires_at > ? AND u.active = 1 AND u.deleted_at IS NULL",
               th, time_now_ms(), p, &p->csrf, "the session has ended; log in again", e))
        return -1;
    p->via_session = 1;
    return 0;
}

#define TOKEN_TOUCH_MS 60000   /* last_used_at is kept to the minute: a write per minute, not per request */

int auth_bearer(store *s, arena *a, const char *token, principal *p, err *e) {
    char th[65];
    auth_hash_secret(token, th);
    store_stmt *st = store_prepare(s, "SELECT " USER_COLS ", x.id, x.last_used_at FROM api_tokens x JOIN users u ON u.id = x.user_id "
                                      "WHERE x.token_hash = ? AND x.revoked_at IS NULL AND u.active = 1 AND u.deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_text(st, 1, th);
    int rc = store_step(st, e);
    if (rc < 0) return -1;
    if (rc == STORE_DONE) { store_reset(st); return err_set(e, ERR_UNAUTHORIZED, "unknown or revoked API token"); }
    principal_from_row(s, a, st, p, e);
    int64_t id = store_col_int(st, CRED_COL), used = store_col_null(st, CRED_COL + 1) ? 0 : store_col_int(st, CRED_COL + 1),
            now = time_now_ms();
    store_reset(st);
    if (now - used > TOKEN_TOUCH_MS &&
        store_run(s, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", e, "ii", now, id))
        return -1;
    p->via_session = 0;
    return load_scope(s, a, p, e);
}

int auth_token_create(store *s, arena *a, int64_t uid, const char *name, int64_t *id, const char **secret, err *e) {
    *secret = random_secret(a, "cyl_");
    char th[65];
    auth_hash_secret(*secret, th);
    char prefix[12];
    snprintf(prefix, sizeof prefix, "%.10s", *secret);
    store_stmt *st = store_prepare(s, "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", e);
    if (!st) return -1;
    store_bind_int(st, 1, uid);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, prefix);
    store_bind_text(st, 4, th);
    store_bind_int(st, 5, time_now_ms());
    int rc = store_step(st, e);
    if (rc == STORE_ROW) *id = store_col_int(st, 0);
    store_reset(st);
    return rc == STORE_ROW ? 0 : -1;
}

int auth_token_revoke(store *s, int64_t uid, int64_t id, int admin, err *e) {
    store_stmt *st = store_prepare(s, admin ? "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND ? > 0"
                                            : "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND user_id = ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, time_now_ms());
    store_bind_int(st, 2, id);
    store_bind_int(st, 3, uid);
    int rc = store_step(st, e);
    store_reset(st);
    if (rc < 0) return -1;
    if (store_changes(s) == 0) return err_set(e, ERR_NOT_FOUND, "no such token");
    return 0;
}
