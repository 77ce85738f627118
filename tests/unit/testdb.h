/* testdb.h: a fresh migrated database with a small sales team, and the
 * helpers the record tests share. Included by test_*.c files that need a
 * database; not a test itself.
 *
 * Every test gets its own SQLite file (and, when CYLINDER_TEST_PG_URL is set,
 * a second run against that PostgreSQL database, which is WIPED first).
 *
 * The team:
 *   Ada  admin
 *   Mia  manager of team East (Ray and Rex are in East)
 *   Ray  rep, East          Rex  rep, East
 *   Sam  rep, West (outside Mia's scope)
 *   Opal ops
 * Principals are built by hand here, the way auth_load_principal would. */
#ifndef TESTS_UNIT_TESTDB_H
#define TESTS_UNIT_TESTDB_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/core/arena.h"
#include "src/core/err.h"
#include "src/crm/entities.h"
#include "src/crm/opportunity.h"
#include "src/crm/record.h"
#include "src/store/store.h"

#define TDB_UNUSED __attribute__((unused))

typedef struct tdb {
    store *s;
    int pg;
    char dir[64];
    char url[512];
    arena a;
    int64_t east, west;                                /* team ids */
    int64_t ada, mia, ray, rex, sam, opal;             /* user ids */
    int64_t mia_scope[3], ray_scope[1], rex_scope[1], sam_scope[1], ada_scope[1], opal_scope[1];
    principal admin, manager, rep, rep2, outsider, ops; /* Ada, Mia, Ray, Rex, Sam, Opal */
    int64_t pipeline, stage[8];                         /* default pipeline; stage[1..7] by position */
} tdb;

#define TDB(state) ((tdb *)*(state))

/* OK(call): the call must succeed; on failure show the error's message. Uses `e`. */
#define OK(call) do { memset(&e, 0, sizeof e); if ((call) != 0) fail_msg("%s failed: [%s] %s%s%s", #call, \
    err_type(e.cls), e.msg, e.nfields ? " / " : "", e.nfields ? e.fields[0].reason : ""); } while (0)
/* FAILS(class, call): the call must fail with that class. */
#define FAILS(want, call) do { memset(&e, 0, sizeof e); int rc_ = (call); if (rc_ != -1) fail_msg("%s succeeded", #call); \
    if (e.cls != (want)) fail_msg("%s: expected %s, got %s: %s", #call, err_type(want), err_type(e.cls), e.msg); } while (0)

static TDB_UNUSED int64_t tdb_user(tdb *t, const char *email, const char *name, const char *role, int64_t team) {
    err e = {0};
    int64_t id = 0;
    int rc = team ? store_scalar_int(t->s, "INSERT INTO users (email, name, role, team_id, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0) RETURNING id",
                                     &id, &e, "sssi", email, name, role, team)
                  : store_scalar_int(t->s, "INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, ?, 0, 0) RETURNING id",
                                     &id, &e, "sss", email, name, role);
    if (rc != 1) { print_error("insert user %s: %s\n", email, e.msg); return 0; }
    return id;
}

static TDB_UNUSED principal tdb_principal(int64_t uid, role r, int64_t team, const int64_t *scope, int n) {
    principal p = {0};
    p.user_id = uid;
    p.role = r;
    p.team_id = team;
    p.all_scope = r == ROLE_ADMIN || r == ROLE_OPS;
    p.scope_ids = scope;
    p.nscope = n;
    /* these principals live across shares made during a test, so they always
     * look at shares (auth sets it per request from the shares table) */
    p.has_shares = !p.all_scope;
    p.name = p.email = p.locale = "";
    return p;
}

static TDB_UNUSED int tdb_setup_url(void **state, const char *url, int pg) {
    tdb *t = calloc(1, sizeof *t);
    err e = {0};
    *state = t;
    arena_init(&t->a);
    t->pg = pg;
    if (pg) snprintf(t->url, sizeof t->url, "%s", url);
    else {
        snprintf(t->dir, sizeof t->dir, "/tmp/cylinder-unit-XXXXXX");
        if (!mkdtemp(t->dir)) return -1;
        snprintf(t->url, sizeof t->url, "%s/test.db", t->dir);
    }
    if (store_open(t->url, &t->s, &e)) { print_error("open %s: %s\n", t->url, e.msg); return -1; }
    if (pg && store_exec(t->s, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", &e)) { print_error("wipe: %s\n", e.msg); return -1; }
    int applied = 0;
    if (store_migrate(t->s, &applied, &e)) { print_error("migrate: %s\n", e.msg); return -1; }
    if (store_scalar_int(t->s, "INSERT INTO teams (name, created_at, updated_at) VALUES ('East', 0, 0) RETURNING id", &t->east, &e, "") != 1 ||
        store_scalar_int(t->s, "INSERT INTO teams (name, created_at, updated_at) VALUES ('West', 0, 0) RETURNING id", &t->west, &e, "") != 1) {
        print_error("teams: %s\n", e.msg);
        return -1;
    }
    t->ada = tdb_user(t, "ada@example.com", "Ada", "admin", 0);
    t->mia = tdb_user(t, "mia@example.com", "Mia", "manager", t->east);
    t->ray = tdb_user(t, "ray@example.com", "Ray", "rep", t->east);
    t->rex = tdb_user(t, "rex@example.com", "Rex", "rep", t->east);
    t->sam = tdb_user(t, "sam@example.com", "Sam", "rep", t->west);
    t->opal = tdb_user(t, "opal@example.com", "Opal", "ops", 0);
    if (!t->ada || !t->mia || !t->ray || !t->rex || !t->sam || !t->opal) return -1;
    if (store_run(t->s, "UPDATE teams SET manager_id = ? WHERE id = ?", &e, "ii", t->mia, t->east)) return -1;
    t->mia_scope[0] = t->mia; t->mia_scope[1] = t->ray; t->mia_scope[2] = t->rex;
    t->ray_scope[0] = t->ray; t->rex_scope[0] = t->rex; t->sam_scope[0] = t->sam;
    t->ada_scope[0] = t->ada; t->opal_scope[0] = t->opal;
    t->admin = tdb_principal(t->ada, ROLE_ADMIN, 0, t->ada_scope, 1);
    t->manager = tdb_principal(t->mia, ROLE_MANAGER, t->east, t->mia_scope, 3);
    t->rep = tdb_principal(t->ray, ROLE_REP, t->east, t->ray_scope, 1);
    t->rep2 = tdb_principal(t->rex, ROLE_REP, t->east, t->rex_scope, 1);
    t->outsider = tdb_principal(t->sam, ROLE_REP, t->west, t->sam_scope, 1);
    t->ops = tdb_principal(t->opal, ROLE_OPS, 0, t->opal_scope, 1);
    if (store_scalar_int(t->s, "SELECT id FROM pipelines WHERE is_default = 1", &t->pipeline, &e, "") != 1) return -1;
    for (int pos = 1; pos <= 7; pos++)
        if (store_scalar_int(t->s, "SELECT id FROM stages WHERE pipeline_id = ? AND position = ?", &t->stage[pos], &e, "ii",
                             t->pipeline, (int64_t)pos) != 1)
            return -1;
    return 0;
}

static TDB_UNUSED int tdb_setup(void **state) { return tdb_setup_url(state, NULL, 0); }
static TDB_UNUSED int tdb_setup_pg(void **state) { return tdb_setup_url(state, getenv("CYLINDER_TEST_PG_URL"), 1); }

static TDB_UNUSED int tdb_teardown(void **state) {
    tdb *t = *state;
    if (!t) return 0;
    store_close(t->s);
    arena_free(&t->a);
    if (!t->pg && t->dir[0]) {
        const char *files[] = {"test.db", "test.db-wal", "test.db-shm"};
        char path[128];
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
            snprintf(path, sizeof path, "%s/%s", t->dir, files[i]);
            unlink(path);
        }
        rmdir(t->dir);
    }
    free(t);
    return 0;
}

static TDB_UNUSED crm_ctx tdb_as(tdb *t, const principal *p) {
    crm_ctx c = {t->s, &t->a, p, NULL};
    return c;
}

/* JSON from text written with single quotes: J("{'name':'Acme'}"). Caller decrefs. */
static TDB_UNUSED json_t *J(const char *text) {
    char *s = strdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t je;
    json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &je);
    if (!v) fail_msg("bad test JSON %s: %s", s, je.text);
    free(s);
    return v;
}

/* First column of the first row (NULL reads as 0), -1 if no row. types: 'i'
 * int64_t, 's' const char *, one per '?'. */
static TDB_UNUSED int64_t tdb_scalar(tdb *t, const char *sql, const char *types, ...) {
    err e = {0};
    store_stmt *st = store_prepare(t->s, sql, &e);
    if (!st) fail_msg("%s: %s", sql, e.msg);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 'i') store_bind_int(st, i + 1, va_arg(ap, int64_t));
        else store_bind_text(st, i + 1, va_arg(ap, const char *));
    }
    va_end(ap);
    int rc = store_step(st, &e);
    int64_t out = rc == STORE_ROW ? (store_col_null(st, 0) ? 0 : store_col_int(st, 0)) : -1;
    store_reset(st);
    if (rc < 0) fail_msg("%s: %s", sql, e.msg);
    return out;
}

/* Create a record from single-quoted JSON text; returns its id, fails the test on error. */
static TDB_UNUSED int64_t tdb_create(tdb *t, const principal *p, const record_def *d, const char *text) {
    crm_ctx c = tdb_as(t, p);
    err e = {0};
    json_t *in = J(text), *out = NULL;
    if (record_create(&c, d, in, &out, &e))
        fail_msg("create %s %s: [%s] %s%s%s%s", d->name, text, err_type(e.cls), e.msg, e.nfields ? " / " : "",
                 e.nfields ? e.fields[0].name : "", e.nfields ? e.fields[0].reason : "");
    json_decref(in);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

/* The reason given for a field, or NULL if the field was not named. */
static TDB_UNUSED const char *reason(const err *e, const char *field) {
    for (int i = 0; i < e->nfields; i++)
        if (!strcmp(e->fields[i].name, field)) return e->fields[i].reason;
    return NULL;
}
#define assert_reason(e, field, want) do { const char *r_ = reason(&(e), field); \
    if (!r_) fail_msg("no error for field %s (%d fields; message: %s)", field, (e).nfields, (e).msg); \
    if (strcmp(r_, want)) fail_msg("field %s: expected \"%s\", got \"%s\"", field, want, r_); } while (0)

/* A query string ("sort=name&limit=2") as the API's list parser would read it.
 * Strings live in the fixture's arena. */
static TDB_UNUSED list_query tdb_query(tdb *t, const char *qs) {
    list_query q;
    memset(&q, 0, sizeof q);
    char *copy = arena_strdup(&t->a, qs ? qs : "");
    for (char *tok = strtok(copy, "&"); tok; tok = strtok(NULL, "&")) {
        char *eq = strchr(tok, '=');
        const char *k = tok, *v = "";
        if (eq) { *eq = 0; v = eq + 1; }
        if (!strcmp(k, "limit")) {
            char *end;
            long n = strtol(v, &end, 10);
            q.limit = (*end || n < 1 || n > 200) ? -1 : (int)n;
        } else if (!strcmp(k, "after")) q.after = v;
        else if (!strcmp(k, "sort")) q.sort = v;
        else if (q.n < 32) { q.keys[q.n] = k; q.vals[q.n] = v; q.n++; }
    }
    return q;
}
#endif
