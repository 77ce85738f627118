/* fuzzdb.h: the database a fuzz target talks to, and the checks every call's
 * outcome must pass. One SQLite file per fuzzing process, created in
 * LLVMFuzzerInitialize under $TMPDIR, migrated and seeded with a small team
 * and a few records of every kind. Every FUZZDB_RESET_EVERY inputs the file is
 * put back to the seeded copy so it stays small and ids stay low.
 *
 * What counts as a finding (the target aborts, libFuzzer saves the input):
 *   - a sanitizer report or a crash, as usual;
 *   - an error of class internal or unavailable: bad input must be refused
 *     as the client's fault, never answered with a 500 or 503;
 *   - an error the API could not render: a message, field name or reason
 *     that is not valid UTF-8 (jansson refuses it and the problem document
 *     loses it);
 *   - a validation error that names no field (the client cannot tell what
 *     to fix), a success without a result, or a failure without a class;
 *   - a transaction left open after the call returned. */
#ifndef TESTS_FUZZ_FUZZDB_H
#define TESTS_FUZZ_FUZZDB_H
#include <jansson.h>
#include <stdint.h>
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

#define FUZZDB_RESET_EVERY 2000
#define FUZZ_UNUSED __attribute__((unused))

typedef struct fuzzdb {
    store *db;
    char dir[512], path[600], seed[600];
    int64_t ada, mia, ray, rex, sam, east, west;
    int64_t mia_scope[3], ray_scope[1], ada_scope[1];
    principal admin, manager, rep;
    int64_t seeded[16];        /* one record of each entity, by index in crm_entities; 0 if none */
    int64_t deal;              /* the rep's deal with a line item, an account and a contact */
    int nentities;
    unsigned long runs;
} fuzzdb;

static fuzzdb F;

static FUZZ_UNUSED void fuzz_die(const char *what, const char *detail) {
    fprintf(stderr, "FUZZ FINDING: %s: %s\n", what, detail ? detail : "");
    abort();
}

static FUZZ_UNUSED int64_t fuzz_sql_id(const char *sql, const char *s1, const char *s2, const char *s3, int64_t i1) {
    err e = {0};
    int64_t id = 0;
    int rc = store_scalar_int(F.db, sql, &id, &e, "sssi", s1, s2, s3, i1);
    if (rc != 1) fuzz_die("seeding", e.msg);
    return id;
}

static FUZZ_UNUSED int64_t fuzz_seed(const principal *p, const char *entity, const char *json) {
    arena a;
    arena_init(&a);
    crm_ctx c = {F.db, &a, p, NULL};
    err e = {0};
    json_t *in = json_loads(json, 0, NULL), *out = NULL;
    if (!in) fuzz_die("seed JSON", json);
    if (record_create(&c, record_find(entity), in, &out, &e)) {
        fprintf(stderr, "seed %s %s: %s %s %s\n", entity, json, e.msg, e.nfields ? e.fields[0].name : "",
                e.nfields ? e.fields[0].reason : "");
        abort();
    }
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(in);
    json_decref(out);
    arena_free(&a);
    for (int i = 0; crm_entities[i]; i++)
        if (!strcmp(crm_entities[i]->name, entity) && !F.seeded[i]) F.seeded[i] = id;
    return id;
}

static FUZZ_UNUSED void fuzz_copy(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out) fuzz_die("copy", from);
    char b[65536];
    size_t n;
    while ((n = fread(b, 1, sizeof b, in)) > 0)
        if (fwrite(b, 1, n, out) != n) fuzz_die("copy", to);
    fclose(in);
    if (fclose(out)) fuzz_die("copy", to);
}

static FUZZ_UNUSED void fuzz_unlink_db(const char *path) {
    char p[700];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static FUZZ_UNUSED void fuzz_open(void) {
    err e = {0};
    if (store_open(F.path, &F.db, &e)) fuzz_die("open", e.msg);
}

static FUZZ_UNUSED void fuzz_cleanup(void) {
    if (F.db) store_close(F.db);
    F.db = NULL;
    fuzz_unlink_db(F.path);
    fuzz_unlink_db(F.seed);
    rmdir(F.dir);
}

static FUZZ_UNUSED principal fuzz_principal(int64_t uid, role r, const int64_t *scope, int n) {
    principal p = {0};
    p.user_id = uid;
    p.role = r;
    p.all_scope = r == ROLE_ADMIN || r == ROLE_OPS;
    p.scope_ids = scope;
    p.nscope = n;
    p.name = p.email = p.locale = "";
    return p;
}

/* Create, migrate and seed the database; keep a copy to reset to. */
static FUZZ_UNUSED void fuzzdb_init(const char *name) {
    const char *tmp = getenv("TMPDIR");
    snprintf(F.dir, sizeof F.dir, "%s/cylinder-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (!mkdtemp(F.dir)) fuzz_die("mkdtemp", F.dir);
    snprintf(F.path, sizeof F.path, "%s/fuzz.db", F.dir);
    snprintf(F.seed, sizeof F.seed, "%s/seed.db", F.dir);
    atexit(fuzz_cleanup);
    fuzz_open();
    err e = {0};
    int applied;
    if (store_migrate(F.db, &applied, &e)) fuzz_die("migrate", e.msg);
    F.east = fuzz_sql_id("INSERT INTO teams (name, created_at, updated_at) VALUES (?, 0, 0) RETURNING id", "East", NULL, NULL, 0);
    F.west = fuzz_sql_id("INSERT INTO teams (name, created_at, updated_at) VALUES (?, 0, 0) RETURNING id", "West", NULL, NULL, 0);
    const char *uins = "INSERT INTO users (email, name, role, team_id, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0) RETURNING id";
    F.ada = fuzz_sql_id(uins, "ada@example.com", "Ada", "admin", F.east);
    F.mia = fuzz_sql_id(uins, "mia@example.com", "Mia", "manager", F.east);
    F.ray = fuzz_sql_id(uins, "ray@example.com", "Ray", "rep", F.east);
    F.rex = fuzz_sql_id(uins, "rex@example.com", "Rex", "rep", F.east);
    F.sam = fuzz_sql_id(uins, "sam@example.com", "Sam", "rep", F.west);
    if (store_run(F.db, "UPDATE teams SET manager_id = ? WHERE id = ?", &e, "ii", F.mia, F.east)) fuzz_die("seeding", e.msg);
    F.ada_scope[0] = F.ada;
    F.ray_scope[0] = F.ray;
    F.mia_scope[0] = F.mia; F.mia_scope[1] = F.ray; F.mia_scope[2] = F.rex;
    F.admin = fuzz_principal(F.ada, ROLE_ADMIN, F.ada_scope, 1);
    F.manager = fuzz_principal(F.mia, ROLE_MANAGER, F.mia_scope, 3);
    F.rep = fuzz_principal(F.ray, ROLE_REP, F.ray_scope, 1);
    principal rex = fuzz_principal(F.rex, ROLE_REP, &F.rex, 1), sam = fuzz_principal(F.sam, ROLE_REP, &F.sam, 1);
    for (F.nentities = 0; crm_entities[F.nentities]; F.nentities++) {}
    if (F.nentities > 16) fuzz_die("seeding", "more than 16 entities");

    /* ids of what the migrations created */
    F.seeded[0] = F.ray;
    F.seeded[1] = F.east;
    int64_t one = 0;
    if (store_scalar_int(F.db, "SELECT id FROM pipelines WHERE is_default = 1", &one, &e, "") == 1) F.seeded[5] = one;
    if (store_scalar_int(F.db, "SELECT MIN(id) FROM stages", &one, &e, "") == 1) F.seeded[6] = one;
    if (store_scalar_int(F.db, "SELECT MIN(id) FROM stage_criteria", &one, &e, "") == 1) F.seeded[7] = one;

    /* a few records of every kind, several owners, ties and empty values for the sorts */
    char j[512];
    int64_t acme = fuzz_seed(&F.rep, "accounts", "{\"name\":\"Acme Robotics\",\"industry\":\"Manufacturing\",\"region\":\"East\"}");
    fuzz_seed(&F.rep, "accounts", "{\"name\":\"Beta\",\"industry\":\"\"}");
    fuzz_seed(&F.rep, "accounts", "{\"name\":\"Beta\",\"website\":\"https://beta.example\"}");
    fuzz_seed(&rex, "accounts", "{\"name\":\"Rex 100% Co\",\"size\":\"50-200\"}");
    int64_t west = fuzz_seed(&sam, "accounts", "{\"name\":\"\\u9510\\u601d\\u79d1\\u6280\",\"industry\":\"Retail\"}");
    snprintf(j, sizeof j, "{\"name\":\"Li Lei\",\"account_id\":%lld,\"email\":\"li@acme.example\",\"buying_role\":\"champion\"}", (long long)acme);
    int64_t li = fuzz_seed(&F.rep, "contacts", j);
    snprintf(j, sizeof j, "{\"name\":\"Wang Fang\",\"account_id\":%lld}", (long long)west);
    fuzz_seed(&sam, "contacts", j);
    int64_t arm = fuzz_seed(&F.admin, "products", "{\"name\":\"Robot arm\",\"sku\":\"RA-1\",\"list_price\":12345,\"currency\":\"CNY\"}");
    fuzz_seed(&F.admin, "products", "{\"name\":\"Import\",\"sku\":\"IM-1\",\"list_price\":500,\"currency\":\"USD\",\"active\":false}");
    snprintf(j, sizeof j, "{\"name\":\"Line 4 retrofit\",\"account_id\":%lld,\"contact_id\":%lld,\"amount\":500000,\"close_date\":\"2026-06-30\"}",
             (long long)acme, (long long)li);
    int64_t deal = fuzz_seed(&F.rep, "opportunities", j);
    F.deal = deal;
    fuzz_seed(&F.rep, "opportunities", "{\"name\":\"Spare parts\",\"amount\":900}");
    fuzz_seed(&rex, "opportunities", "{\"name\":\"Rex deal\",\"close_date\":\"2026-01-15\",\"amount\":900}");
    snprintf(j, sizeof j, "{\"name\":\"West deal\",\"account_id\":%lld,\"close_date\":\"2026-01-15\"}", (long long)west);
    fuzz_seed(&sam, "opportunities", j);
    snprintf(j, sizeof j, "{\"opportunity_id\":%lld,\"product_id\":%lld,\"quantity\":3,\"discount_bp\":1000}", (long long)deal, (long long)arm);
    fuzz_seed(&F.rep, "line_items", j);
    snprintf(j, sizeof j, "{\"kind\":\"call\",\"subject\":\"Intro\",\"opportunity_id\":%lld,\"due_at\":\"2026-03-01T09:30:00Z\"}", (long long)deal);
    fuzz_seed(&F.rep, "activities", j);
    snprintf(j, sizeof j, "{\"kind\":\"note\",\"subject\":\"Met at fair\",\"contact_id\":%lld}", (long long)li);
    fuzz_seed(&F.rep, "activities", j);
    if (store_run(F.db, "INSERT INTO shares (entity, record_id, user_id, created_at) VALUES ('accounts', ?, ?, 0)", &e, "ii", west, F.ray))
        fuzz_die("seeding", e.msg);

    /* closing the last connection checkpoints the WAL into the file */
    store_close(F.db);
    F.db = NULL;
    fuzz_copy(F.path, F.seed);
    fuzz_open();
}

/* Call once per input: puts the database back to the seeded copy now and then. */
static FUZZ_UNUSED void fuzzdb_tick(void) {
    if (++F.runs % FUZZDB_RESET_EVERY) return;
    store_close(F.db);
    F.db = NULL;
    fuzz_unlink_db(F.path);
    fuzz_copy(F.seed, F.path);
    fuzz_open();
}

static FUZZ_UNUSED int fuzz_utf8_ok(const char *s) {
    json_t *j = json_string(s);
    if (!j) return 0;
    json_decref(j);
    return 1;
}

/* The outcome of one call (rc, its output and its error) as the API would use it. */
static FUZZ_UNUSED void fuzz_check(const char *what, int rc, const json_t *out, const err *e) {
    char detail[600];
    if (rc == 0) {
        if (e->cls != ERR_NONE) { snprintf(detail, sizeof detail, "%s succeeded with error class %d: %s", what, e->cls, e->msg); fuzz_die("inconsistent", detail); }
        if (!json_is_object(out)) { snprintf(detail, sizeof detail, "%s succeeded without a result", what); fuzz_die("inconsistent", detail); }
    } else {
        if (rc != -1 || e->cls <= ERR_NONE || e->cls > ERR_INTERNAL) {
            snprintf(detail, sizeof detail, "%s returned %d with class %d: %s", what, rc, e->cls, e->msg);
            fuzz_die("inconsistent", detail);
        }
        if (e->cls == ERR_INTERNAL || e->cls == ERR_UNAVAILABLE) {
            snprintf(detail, sizeof detail, "%s: [%s] %s", what, err_type(e->cls), e->msg);
            fuzz_die("bad input answered as a server error", detail);
        }
        if (e->cls == ERR_VALIDATION && !e->nfields) {
            snprintf(detail, sizeof detail, "%s: %s", what, e->msg);
            fuzz_die("validation error naming no field", detail);
        }
        if (!fuzz_utf8_ok(e->msg)) { snprintf(detail, sizeof detail, "%s: message", what); fuzz_die("error not valid UTF-8", detail); }
        for (int i = 0; i < e->nfields; i++)
            if (!fuzz_utf8_ok(e->fields[i].name) || !fuzz_utf8_ok(e->fields[i].reason)) {
                snprintf(detail, sizeof detail, "%s: field %d of %d", what, i, e->nfields);
                fuzz_die("error not valid UTF-8", detail);
            }
        if (e->extra_json) {
            json_t *x = json_loads(e->extra_json, 0, NULL);
            if (!json_is_object(x)) fuzz_die("extra_json is not a JSON object", e->extra_json);
            json_decref(x);
        }
    }
    /* the call must not leave its transaction open (a half-write waiting to happen) */
    err be = {0};
    if (store_begin(F.db, 1, &be)) { snprintf(detail, sizeof detail, "after %s: %s", what, be.msg); fuzz_die("transaction left open", detail); }
    store_rollback(F.db);
}
#endif
