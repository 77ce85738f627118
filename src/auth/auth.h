/* auth: who is calling. Sessions (browser cookie + CSRF token) and API tokens
 * (bearer) live in the database so any server process can answer any request;
 * only BLAKE2b hashes of the secrets are stored. Login attempts are
 * rate-limited in the database too. */
#ifndef AUTH_AUTH_H
#define AUTH_AUTH_H
#include <stdint.h>
#include "../core/arena.h"
#include "../core/err.h"
#include "../store/store.h"

typedef enum { ROLE_ADMIN = 1, ROLE_MANAGER, ROLE_REP, ROLE_CSM, ROLE_OPS } role;

typedef struct principal {
    int64_t user_id;
    role role;
    int64_t team_id;           /* 0 if none */
    const char *name, *email, *locale;
    int via_session;           /* 1: cookie session (CSRF applies); 0: bearer token */
    const char *csrf;          /* the session's CSRF token */
    /* user ids whose records are in this caller's scope: self, plus the whole
     * team subtree for a manager. all_scope=1 for roles that see everything. */
    int all_scope;
    const int64_t *scope_ids;
    int nscope;
    int has_shares;            /* records are shared with this user: scope predicates must look at shares */
} principal;

#define SESSION_TTL_MS (12LL * 3600 * 1000)      /* a session lives 12 hours */
#define LOGIN_MAX_FAILURES 5                       /* per email ... */
#define LOGIN_MAX_FAILURES_IP 30                   /* ... and per client address (an office shares one behind NAT) ... */
#define LOGIN_WINDOW_MS (15LL * 60 * 1000)         /* ... within 15 minutes */

role        auth_role_parse(const char *s);        /* 0 if unknown */
const char *auth_role_name(role r);

/* Check email+password; on success create a session and return its cookie
 * token and CSRF token (arena strings). Rate-limited by email and client IP. */
int auth_login(store *s, arena *a, const char *email, const char *password, const char *ip,
               const char **token, const char **csrf, int64_t *user_id, err *e);
int auth_logout(store *s, const char *token, err *e);                  /* deletes the session row */
int auth_session(store *s, arena *a, const char *token, principal *p, err *e);  /* cookie -> principal; ERR_UNAUTHORIZED if none */
int auth_bearer(store *s, arena *a, const char *token, principal *p, err *e);   /* API token -> principal */
int auth_load_principal(store *s, arena *a, int64_t user_id, principal *p, err *e); /* role, team, scope */

/* API tokens: the secret is returned once (arena string) and stored hashed. */
int auth_token_create(store *s, arena *a, int64_t user_id, const char *name, int64_t *id, const char **secret, err *e);
int auth_token_revoke(store *s, int64_t user_id, int64_t id, int admin, err *e);

int auth_revoke_user(store *s, int64_t user_id, err *e);               /* end every session and token of a user */
void auth_hash_secret(const char *secret, char out[65]);               /* hex BLAKE2b-256 of a secret */
#endif
