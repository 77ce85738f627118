/* test_store: the store interface behaves the same on both backends. Every test
 * runs against a fresh SQLite file and, when CYLINDER_TEST_PG_URL is set, against
 * that PostgreSQL database too. The PostgreSQL database is WIPED (schema public
 * dropped) first: point the variable at a throwaway database, e.g. one started by
 * scripts/pg-test-server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/store/store.h"
#include "../../src/store/backend.h"   /* store_nmigrations: how many are compiled in */

typedef struct fixture {
    store *s;
    char dir[64];            /* temp directory: SQLite file and backups */
    char url[512];
    int applied_first, applied_again;
} fixture;

/* A failing call prints the store's message, not just "-1 != 0". */
#define OK(call) do { if ((call) != 0) fail_msg("%s failed: %s", #call, e.msg); } while (0)
#define FX(state) ((fixture *)*(state))

static int kind(void **state) { return store_kind(FX(state)->s); }

static int open_and_migrate(fixture *f, int wipe) {
    err e = {0};
    if (store_open(f->url, &f->s, &e)) { print_error("open %s: %s\n", f->url, e.msg); return -1; }
    /* leftovers of an earlier run would hide a migration that no longer applies */
    if (wipe && store_exec(f->s, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", &e)) {
        print_error("wipe: %s\n", e.msg);
        return -1;
    }
    if (store_migrate(f->s, &f->applied_first, &e) || store_migrate(f->s, &f->applied_again, &e)) {
        print_error("migrate: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int setup_sqlite(void **state) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cylinder-test-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->url, sizeof f->url, "%s/test.db", f->dir);
    *state = f;
    return open_and_migrate(f, 0);
}

static int setup_pg(void **state) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cylinder-test-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->url, sizeof f->url, "%s", getenv("CYLINDER_TEST_PG_URL"));
    *state = f;
    return open_and_migrate(f, 1);
}

static int teardown(void **state) {
    fixture *f = *state;
    store_close(f->s);
    const char *files[] = {"test.db", "test.db-wal", "test.db-shm", "backup"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static int64_t count(store *s, const char *sql) {
    err e = {0};
    int64_t n = -1;
    if (store_scalar_int(s, sql, &n, &e, NULL) != 1) fail_msg("%s: %s", sql, e.msg);
    return n;
}

/* ---------------------------------------------------------------- tests */

static void test_migrate_once(void **state) {
    fixture *f = *state;
    assert_true(store_nmigrations >= 2);
    assert_int_equal(f->applied_first, store_nmigrations);
    assert_int_equal(f->applied_again, 0);
    assert_int_equal(count(f->s, "SELECT COUNT(*) FROM schema_migrations"), store_nmigrations);
}

static void test_round_trip(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    char ddl[256];
    snprintf(ddl, sizeof ddl, "CREATE TABLE t_values (id %s, n BIGINT, t TEXT)", store_dialect(s, "ID"));
    OK(store_exec(s, ddl, &e));

    const char *chinese = "王小明（销售经理）说：“你好”";
    store_stmt *st = store_prepare(s, "INSERT INTO t_values (n, t) VALUES (?, ?) RETURNING id", &e);
    assert_non_null(st);
    store_bind_int(st, 1, INT64_MAX);
    store_bind_text(st, 2, chinese);
    assert_int_equal(store_step(st, &e), STORE_ROW);
    int64_t first_id = store_col_int(st, 0);
    assert_true(first_id > 0);
    assert_int_equal(store_step(st, &e), STORE_DONE);
    store_reset(st);
    OK(store_run(s, "INSERT INTO t_values (n, t) VALUES (?, ?)", &e, "is", (int64_t)INT64_MIN, (const char *)NULL));
    OK(store_run(s, "INSERT INTO t_values (n, t) VALUES (?, ?)", &e, "ns", "-1"));

    st = store_prepare(s, "SELECT n, t FROM t_values ORDER BY id", &e);
    assert_non_null(st);
    assert_int_equal(store_step(st, &e), STORE_ROW);
    assert_int_equal(store_ncols(st), 2);
    assert_string_equal(store_col_name(st, 1), "t");
    assert_int_equal(store_col_int(st, 0), INT64_MAX);
    assert_string_equal(store_col_text(st, 1), chinese);
    assert_false(store_col_null(st, 1));
    assert_int_equal(store_step(st, &e), STORE_ROW);
    assert_int_equal(store_col_int(st, 0), INT64_MIN);
    assert_true(store_col_null(st, 1));
    assert_null(store_col_text(st, 1));
    assert_int_equal(store_step(st, &e), STORE_ROW);
    assert_true(store_col_null(st, 0));
    assert_string_equal(store_col_text(st, 1), "-1");
    assert_int_equal(store_step(st, &e), STORE_DONE);
    store_reset(st);

    OK(store_run(s, "UPDATE t_values SET t = 'x' WHERE n IS NOT NULL", &e, NULL));
    assert_int_equal(store_changes(s), 2);
    /* a '?' inside a literal is text, not a placeholder */
    int64_t n = 0;
    assert_int_equal(store_scalar_int(s, "SELECT COUNT(*) FROM t_values WHERE t = ? OR t = '?'", &n, &e, "s", "-1"), 1);
    assert_int_equal(n, 1);
    assert_int_equal(store_changes(s), 2);   /* a SELECT does not count as a change */
    /* a truth value reads as 1 on both (PostgreSQL sends it as 't') */
    assert_int_equal(store_scalar_int(s, "SELECT EXISTS (SELECT 1 FROM t_values WHERE n IS NULL)", &n, &e, NULL), 1);
    assert_int_equal(n, 1);
}

static void test_unique_is_conflict(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    const char *sql = "INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, 'rep', 0, 0)";
    OK(store_run(s, sql, &e, "ss", "dup@example.com", "First"));
    assert_int_equal(store_run(s, sql, &e, "ss", "dup@example.com", "Second"), -1);
    assert_int_equal(e.cls, ERR_CONFLICT);
    assert_int_equal(count(s, "SELECT COUNT(*) FROM users WHERE email = 'dup@example.com'"), 1);
}

static void test_broken_rule_is_validation(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    const char *acct = "INSERT INTO accounts (name, owner_id, created_at, updated_at) VALUES (?, ?, 0, 0)";
    assert_int_equal(store_run(s, acct, &e, "si", "Orphan GmbH", (int64_t)987654), -1);
    assert_int_equal(e.cls, ERR_VALIDATION);
    e = (err){0};
    assert_int_equal(store_run(s, "INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, ?, 0, 0)",
                               &e, "sss", "pirate@example.com", "Pirate", "pirate"), -1);
    assert_int_equal(e.cls, ERR_VALIDATION);
    e = (err){0};
    assert_int_equal(store_run(s, acct, &e, "ni", (int64_t)1), -1);
    assert_int_equal(e.cls, ERR_VALIDATION);
    assert_int_equal(count(s, "SELECT COUNT(*) FROM accounts"), 0);
}

static void test_rollback_leaves_nothing(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    const char *ins = "INSERT INTO teams (name, created_at, updated_at) VALUES (?, 0, 0)";
    OK(store_begin(s, 1, &e));
    OK(store_run(s, ins, &e, "s", "Rolled back"));
    store_rollback(s);
    assert_int_equal(count(s, "SELECT COUNT(*) FROM teams WHERE name = 'Rolled back'"), 0);
    store_rollback(s);   /* no transaction open: harmless */

    /* a failed statement followed by rollback leaves the connection usable */
    OK(store_begin(s, 1, &e));
    OK(store_run(s, ins, &e, "s", "Also rolled back"));
    assert_int_equal(store_run(s, "INSERT INTO teams (name, parent_id, created_at, updated_at) VALUES ('x', 424242, 0, 0)",
                               &e, NULL), -1);
    store_rollback(s);
    OK(store_begin(s, 1, &e));
    OK(store_run(s, ins, &e, "s", "Kept"));
    OK(store_commit(s, &e));
    assert_int_equal(count(s, "SELECT COUNT(*) FROM teams"), 1);

    if (kind(state) == STORE_POSTGRES) {
        /* PostgreSQL aborts the whole transaction on an error; COMMIT must say so
         * instead of reporting success for a transaction that rolled back */
        OK(store_begin(s, 1, &e));
        OK(store_run(s, ins, &e, "s", "Lost with its transaction"));
        assert_int_equal(store_run(s, "INSERT INTO teams (name, parent_id, created_at, updated_at) VALUES ('x', 424242, 0, 0)",
                                   &e, NULL), -1);
        assert_int_equal(store_commit(s, &e), -1);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM teams"), 1);
    }
}

static void test_scalar_int(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    int64_t n = -5;
    assert_int_equal(store_scalar_int(s, "SELECT COUNT(*) FROM stages WHERE position > ?", &n, &e, "i", (int64_t)5), 1);
    assert_int_equal(n, 2);
    n = -5;
    assert_int_equal(store_scalar_int(s, "SELECT position FROM stages WHERE name = ?", &n, &e, "s", "Demo"), 1);
    assert_int_equal(n, 3);
    n = -5;
    assert_int_equal(store_scalar_int(s, "SELECT position FROM stages WHERE name = ?", &n, &e, "s", "No such"), 0);
    assert_int_equal(n, -5);
    assert_int_equal(store_scalar_int(s, "SELECT MAX(deleted_at) FROM stages", &n, &e, NULL), 1);
    assert_int_equal(n, 0);
    assert_int_equal(store_scalar_int(s, "SELECT nonsense FROM stages", &n, &e, NULL), -1);
    assert_int_equal(e.cls, ERR_INTERNAL);
}

/* A loop that prepares many other statements while it reads rows must keep
 * its own statement when the statement cache fills up and is emptied. */
static void test_cache_eviction_keeps_busy_statement(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    store_stmt *outer = store_prepare(s, "SELECT name FROM stages ORDER BY position", &e);
    assert_non_null(outer);
    int rows = 0;
    char first[32] = "";
    while (store_step(outer, &e) == STORE_ROW) {
        if (!rows) snprintf(first, sizeof first, "%s", store_col_text(outer, 0));
        rows++;
        for (int i = 0; i < 200; i++) { /* 7 rows x 200 distinct texts: the cache overflows several times */
            char sql[64];
            int64_t n = 0;
            snprintf(sql, sizeof sql, "SELECT %d + %d", rows, i);
            assert_int_equal(store_scalar_int(s, sql, &n, &e, NULL), 1);
            assert_int_equal(n, rows + i);
        }
    }
    store_reset(outer);
    assert_int_equal(rows, 7);
    assert_string_equal(first, "Lead");
}

static void test_bulk_load(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    const char *cols[] = {"entity", "record_id", "action", "field", "old_value", "new_value", "at"};
    const char *tricky = "tab\there, line\nbreak\r\n, back\\slash, \\N, 中文";
    store_bulk *b = store_bulk_begin(s, "audit_log", cols, 7, &e);
    if (!b) fail_msg("bulk_begin: %s", e.msg);
    for (int i = 1; i <= 10000; i++) {
        char id[16], at[24];
        snprintf(id, sizeof id, "%d", i);
        snprintf(at, sizeof at, "%d", 1700000000 + i);
        const char *vals[] = {"opportunity", id, "update", "amount", i == 5000 ? tricky : NULL, i % 2 ? "odd" : "", at};
        OK(store_bulk_row(b, vals, &e));
    }
    OK(store_bulk_end(b, &e));
    assert_int_equal(count(s, "SELECT COUNT(*) FROM audit_log"), 10000);
    assert_int_equal(count(s, "SELECT SUM(record_id) FROM audit_log"), 10000 * 10001 / 2);
    assert_int_equal(count(s, "SELECT COUNT(*) FROM audit_log WHERE old_value IS NULL"), 9999);
    /* "" stays an empty string, distinct from NULL */
    assert_int_equal(count(s, "SELECT COUNT(*) FROM audit_log WHERE new_value = ''"), 5000);
    store_stmt *st = store_prepare(s, "SELECT old_value FROM audit_log WHERE record_id = 5000", &e);
    assert_int_equal(store_step(st, &e), STORE_ROW);
    assert_string_equal(store_col_text(st, 0), tricky);
    store_reset(st);

    if (kind(state) == STORE_POSTGRES) {
        /* COPY checks rows on the server, so a bad row fails the end and loads nothing */
        const char *acols[] = {"name", "owner_id", "created_at", "updated_at"};
        char owner[24];
        snprintf(owner, sizeof owner, "%lld", (long long)count(s, "SELECT MIN(id) FROM users"));
        const char *good[] = {"Good AG", owner, "0", "0"}, *bad[] = {"Bad AG", "999999", "0", "0"};
        b = store_bulk_begin(s, "accounts", acols, 4, &e);
        assert_non_null(b);
        OK(store_bulk_row(b, good, &e));
        OK(store_bulk_row(b, bad, &e));
        assert_int_equal(store_bulk_end(b, &e), -1);
        assert_int_equal(e.cls, ERR_VALIDATION);
        assert_int_equal(count(s, "SELECT COUNT(*) FROM accounts"), 0);
    }
}

static void test_date_round_trip(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    char ddl[256];
    snprintf(ddl, sizeof ddl, "CREATE TABLE t_dates (id %s, d %s)", store_dialect(s, "ID"), store_dialect(s, "DATE"));
    OK(store_exec(s, ddl, &e));
    OK(store_run(s, "INSERT INTO t_dates (d) VALUES (?)", &e, "s", "2024-02-29"));
    OK(store_run(s, "INSERT INTO t_dates (d) VALUES (?)", &e, "s", "2023-12-31"));
    store_stmt *st = store_prepare(s, "SELECT d FROM t_dates WHERE d >= ? ORDER BY d", &e);
    store_bind_text(st, 1, "2024-01-01");
    assert_int_equal(store_step(st, &e), STORE_ROW);
    assert_string_equal(store_col_text(st, 0), "2024-02-29");
    assert_int_equal(store_step(st, &e), STORE_DONE);
    store_reset(st);
    if (kind(state) == STORE_POSTGRES) {
        /* a real DATE column refuses a day that does not exist */
        assert_int_equal(store_run(s, "INSERT INTO t_dates (d) VALUES (?)", &e, "s", "2023-02-29"), -1);
        assert_int_equal(e.cls, ERR_VALIDATION);
    }
}

static void test_default_pipeline(void **state) {
    store *s = FX(state)->s;
    err e = {0};
    static const struct { const char *name; int prob; const char *kind; } want[] = {
        {"Lead", 1000, "open"}, {"Qualified", 2000, "open"}, {"Demo", 4000, "open"}, {"Proposal", 6000, "open"},
        {"Negotiation", 8000, "open"}, {"Won", 10000, "won"}, {"Lost", 0, "lost"},
    };
    store_stmt *st = store_prepare(s,
        "SELECT s.name, s.position, s.probability, s.kind FROM stages s JOIN pipelines p ON p.id = s.pipeline_id "
        "WHERE p.is_default = 1 ORDER BY s.position", &e);
    assert_non_null(st);
    int n = 0;
    while (store_step(st, &e) == STORE_ROW) {
        assert_true(n < 7);
        assert_string_equal(store_col_text(st, 0), want[n].name);
        assert_int_equal(store_col_int(st, 1), n + 1);
        assert_int_equal(store_col_int(st, 2), want[n].prob);
        assert_string_equal(store_col_text(st, 3), want[n].kind);
        n++;
    }
    store_reset(st);
    assert_int_equal(n, 7);
    assert_int_equal(count(s, "SELECT COUNT(*) FROM stage_criteria"), 6);
}

static void test_backup(void **state) {
    fixture *f = *state;
    err e = {0};
    char dest[128];
    snprintf(dest, sizeof dest, "%s/backup", f->dir);
    OK(store_backup(f->s, dest, &e));
    struct stat sb;
    assert_int_equal(stat(dest, &sb), 0);
    assert_true(sb.st_size > 0);
    if (kind(state) == STORE_SQLITE) {
        store *copy = NULL;
        OK(store_open(dest, &copy, &e));
        assert_int_equal(count(copy, "SELECT COUNT(*) FROM stages"), 7);
        store_close(copy);
    } else {
        char magic[6] = {0};
        FILE *fp = fopen(dest, "rb");
        assert_non_null(fp);
        assert_int_equal(fread(magic, 1, 5, fp), 5);
        fclose(fp);
        assert_string_equal(magic, "PGDMP");
    }
    assert_int_equal(store_backup(f->s, "/nonexistent-dir/backup", &e), -1);
}

/* A connection the server dropped fails once, then comes back by itself; inside
 * a transaction it stays failed until rollback, so no work leaks into a new
 * session's autocommit. */
static void test_pg_reconnect(void **state) {
    if (kind(state) != STORE_POSTGRES) skip();
    fixture *f = *state;
    err e = {0};
    store *killer = NULL;
    OK(store_open(f->url, &killer, &e));
    const char *stages = "SELECT COUNT(*) FROM stages";
    const char *kill = "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(?, 5000)) t";
    int64_t pid = 0, n = 0;
    assert_int_equal(count(f->s, stages), 7);   /* statement now cached on the old session */

    /* a connection that cannot be made says why */
    store *none = NULL;
    char url[600];
    snprintf(url, sizeof url, "%s_no_such_db", f->url);
    assert_int_equal(store_open(url, &none, &e), -1);
    assert_null(none);
    assert_int_equal(e.cls, ERR_UNAVAILABLE);
    assert_non_null(strstr(e.msg, "does not exist"));

    assert_int_equal(store_scalar_int(f->s, "SELECT pg_backend_pid()", &pid, &e, NULL), 1);
    assert_int_equal(store_scalar_int(killer, kill, &n, &e, "i", pid), 1);
    assert_int_equal(store_scalar_int(f->s, stages, &n, &e, NULL), -1);
    assert_int_equal(e.cls, ERR_UNAVAILABLE);
    assert_int_equal(count(f->s, stages), 7);

    OK(store_begin(f->s, 1, &e));
    assert_int_equal(store_scalar_int(f->s, "SELECT pg_backend_pid()", &pid, &e, NULL), 1);
    assert_int_equal(store_scalar_int(killer, kill, &n, &e, "i", pid), 1);
    assert_int_equal(store_run(f->s, "INSERT INTO teams (name, created_at, updated_at) VALUES ('t1', 0, 0)", &e, NULL), -1);
    assert_int_equal(e.cls, ERR_UNAVAILABLE);
    assert_int_equal(store_run(f->s, "INSERT INTO teams (name, created_at, updated_at) VALUES ('t2', 0, 0)", &e, NULL), -1);
    assert_int_equal(e.cls, ERR_UNAVAILABLE);
    store_rollback(f->s);
    assert_int_equal(count(f->s, "SELECT COUNT(*) FROM teams WHERE name IN ('t1', 't2')"), 0);
    store_close(killer);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_once),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unique_is_conflict),
        cmocka_unit_test(test_broken_rule_is_validation),
        cmocka_unit_test(test_rollback_leaves_nothing),
        cmocka_unit_test(test_scalar_int),
        cmocka_unit_test(test_cache_eviction_keeps_busy_statement),
        cmocka_unit_test(test_bulk_load),
        cmocka_unit_test(test_date_round_trip),
        cmocka_unit_test(test_default_pipeline),
        cmocka_unit_test(test_backup),
        cmocka_unit_test(test_pg_reconnect),
    };
    int failed = cmocka_run_group_tests_name("store/sqlite", tests, setup_sqlite, teardown);
    if (getenv("CYLINDER_TEST_PG_URL"))
        failed += cmocka_run_group_tests_name("store/postgres", tests, setup_pg, teardown);
    else
        print_message("CYLINDER_TEST_PG_URL is not set: PostgreSQL tests skipped\n");
    return failed ? 1 : 0;
}
