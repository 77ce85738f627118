/* sqlite.c: the embedded backend. WAL, foreign keys, busy timeout, a statement
 * cache keyed by SQL text, BEGIN IMMEDIATE for writers so two writers never
 * deadlock on a lock upgrade. */
#include "backend.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 1024   /* power of two; the cache is flushed when it gets half full */

typedef struct lite_stmt { store_stmt base; sqlite3_stmt *st; char *sql; } lite_stmt;

typedef struct lite {
    store base;
    sqlite3 *db;
    lite_stmt *slots[CACHE_SLOTS];
    int nslots;
    int in_tx;
} lite;

static int fail(sqlite3 *db, int rc, err *e) {
    int ext = sqlite3_extended_errcode(db);
    const char *msg = sqlite3_errmsg(db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return err_set(e, ERR_CONFLICT, "a record with the same key exists (%s)", msg);
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) return err_set(e, ERR_VALIDATION, "a referenced record does not exist");
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return err_set(e, ERR_VALIDATION, "%s", msg);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return err_set(e, ERR_UNAVAILABLE, "database busy");
    return err_set(e, ERR_INTERNAL, "sqlite: %s", msg);
}

/* Once per process: no global memory statistics (they take a mutex on every
 * allocation, and each connection is used by one thread at a time anyway). */
static pthread_once_t lite_once = PTHREAD_ONCE_INIT;
static void lite_global_init(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

static int l_open(const char *url, store **out, err *e) {
    pthread_once(&lite_once, lite_global_init);
    const char *path = !strncmp(url, "sqlite:", 7) ? url + 7 : url;
    lite *l = calloc(1, sizeof *l);
    if (!l) return err_set(e, ERR_INTERNAL, "out of memory");
    l->base.be = &store_sqlite_backend;
    int rc = sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(e, ERR_UNAVAILABLE, "cannot open %s: %s", path, l->db ? sqlite3_errmsg(l->db) : "out of memory");
        sqlite3_close(l->db);
        free(l);
        return -1;
    }
    sqlite3_busy_timeout(l->db, 5000);
    /* synchronous=NORMAL in WAL: a commit survives a process crash (kill -9);
     * only an OS crash or power loss can drop the last commits. */
    char *msg = NULL;
    if (sqlite3_exec(l->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_UNAVAILABLE, "cannot set up %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(l->db);
        free(l);
        return -1;
    }
    *out = &l->base;
    return 0;
}

static unsigned long hash(const char *s) {
    unsigned long h = 5381;
    while (*s) h = h * 33 ^ (unsigned char)*s++;
    return h;
}

static void flush_cache(lite *l) {
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!l->slots[i]) continue;
        sqlite3_finalize(l->slots[i]->st);
        free(l->slots[i]->sql);
        free(l->slots[i]);
        l->slots[i] = NULL;
    }
    l->nslots = 0;
}

/* A full cache is emptied except for statements a caller is still stepping
 * through (a query loop that prepares other statements inside it). */
static void evict(lite *l) {
    lite_stmt *keep[CACHE_SLOTS];
    int nkeep = 0;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        lite_stmt *ls = l->slots[i];
        l->slots[i] = NULL;
        if (!ls) continue;
        if (sqlite3_stmt_busy(ls->st)) { keep[nkeep++] = ls; continue; }
        sqlite3_finalize(ls->st);
        free(ls->sql);
        free(ls);
    }
    l->nslots = nkeep;
    for (int k = 0; k < nkeep; k++) {
        unsigned long i = hash(keep[k]->sql) & (CACHE_SLOTS - 1);
        while (l->slots[i]) i = (i + 1) & (CACHE_SLOTS - 1);
        l->slots[i] = keep[k];
    }
}

static void l_close(store *s) {
    lite *l = (lite *)s;
    flush_cache(l);
    sqlite3_close(l->db);
    free(l);
}

static int l_exec(store *s, const char *sql, err *e) {
    lite *l = (lite *)s;
    char *msg = NULL;
    int rc = sqlite3_exec(l->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : fail(l->db, rc, e);
}

static int l_begin(store *s, int write, err *e) {
    lite *l = (lite *)s;
    if (l_exec(s, write ? "BEGIN IMMEDIATE" : "BEGIN", e)) return -1;
    l->in_tx = 1;
    return 0;
}
static int l_commit(store *s, err *e) {
    lite *l = (lite *)s;
    int rc = l_exec(s, "COMMIT", e);
    if (rc) { l_exec(s, "ROLLBACK", NULL); }
    l->in_tx = 0;
    return rc;
}
static void l_rollback(store *s) {
    lite *l = (lite *)s;
    if (sqlite3_get_autocommit(l->db) == 0) sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    l->in_tx = 0;
}

static store_stmt *l_prepare(store *s, const char *sql, err *e) {
    lite *l = (lite *)s;
    unsigned long i = hash(sql) & (CACHE_SLOTS - 1);
    while (l->slots[i]) {
        if (!strcmp(l->slots[i]->sql, sql)) {
            sqlite3_reset(l->slots[i]->st);
            sqlite3_clear_bindings(l->slots[i]->st);
            return &l->slots[i]->base;
        }
        i = (i + 1) & (CACHE_SLOTS - 1);
    }
    if (l->nslots >= CACHE_SLOTS / 2) {
        evict(l);
        i = hash(sql) & (CACHE_SLOTS - 1);
        while (l->slots[i]) i = (i + 1) & (CACHE_SLOTS - 1);
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(l->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) { fail(l->db, rc, e); return NULL; }
    lite_stmt *ls = calloc(1, sizeof *ls);
    ls->base.be = &store_sqlite_backend;
    ls->st = st;
    ls->sql = strdup(sql);
    l->slots[i] = ls;
    l->nslots++;
    return &ls->base;
}

#define ST(x) (((lite_stmt *)(x))->st)
static int l_bind_int(store_stmt *st, int i, int64_t v) { return sqlite3_bind_int64(ST(st), i, v); }
static int l_bind_text(store_stmt *st, int i, const char *v) {
    return v ? sqlite3_bind_text(ST(st), i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(ST(st), i);
}
static int l_bind_null(store_stmt *st, int i) { return sqlite3_bind_null(ST(st), i); }
static int l_step(store_stmt *st, err *e) {
    int rc = sqlite3_step(ST(st));
    if (rc == SQLITE_ROW) return STORE_ROW;
    if (rc == SQLITE_DONE) return STORE_DONE;
    sqlite3 *db = sqlite3_db_handle(ST(st));
    fail(db, rc, e);
    sqlite3_reset(ST(st));
    return -1;
}
static int l_ncols(store_stmt *st) { return sqlite3_column_count(ST(st)); }
static const char *l_col_name(store_stmt *st, int c) { return sqlite3_column_name(ST(st), c); }
static int l_col_null(store_stmt *st, int c) { return sqlite3_column_type(ST(st), c) == SQLITE_NULL; }
static int64_t l_col_int(store_stmt *st, int c) { return sqlite3_column_int64(ST(st), c); }
static const char *l_col_text(store_stmt *st, int c) { return (const char *)sqlite3_column_text(ST(st), c); }
static void l_reset(store_stmt *st) { sqlite3_reset(ST(st)); sqlite3_clear_bindings(ST(st)); }
static int64_t l_changes(store *s) { return sqlite3_changes64(((lite *)s)->db); }

static const char *l_dialect(const char *tok) {
    if (!strcmp(tok, "ID")) return "INTEGER PRIMARY KEY";
    if (!strcmp(tok, "DATE")) return "TEXT";
    if (!strcmp(tok, "MIGRATION_LOCK")) return "";
    if (!strcmp(tok, "LIKE")) return "LIKE";
    if (!strcmp(tok, "XACT_LOCK")) return "";   /* BEGIN IMMEDIATE already serialises writers */
    return NULL;
}

/* ---- bulk load: one transaction, one prepared INSERT ---- */
typedef struct lite_bulk { store_bulk base; lite *l; sqlite3_stmt *st; int ncols; } lite_bulk;

static store_bulk *l_bulk_begin(store *s, const char *table, const char *const *cols, int ncols, err *e) {
    lite *l = (lite *)s;
    char sql[2048];
    int n = snprintf(sql, sizeof sql, "INSERT INTO %s (", table);
    for (int i = 0; i < ncols; i++) n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%s", i ? "," : "", cols[i]);
    n += snprintf(sql + n, sizeof sql - (size_t)n, ") VALUES (");
    for (int i = 0; i < ncols; i++) n += snprintf(sql + n, sizeof sql - (size_t)n, "%s?", i ? "," : "");
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    if (!l->in_tx && l_begin(s, 1, e)) return NULL;
    lite_bulk *b = calloc(1, sizeof *b);
    b->base.be = &store_sqlite_backend;
    b->l = l;
    b->ncols = ncols;
    int rc = sqlite3_prepare_v2(l->db, sql, -1, &b->st, NULL);
    if (rc != SQLITE_OK) { fail(l->db, rc, e); l_rollback(s); free(b); return NULL; }
    return &b->base;
}
static int l_bulk_row(store_bulk *bb, const char *const *vals, err *e) {
    lite_bulk *b = (lite_bulk *)bb;
    for (int i = 0; i < b->ncols; i++)
        vals[i] ? sqlite3_bind_text(b->st, i + 1, vals[i], -1, SQLITE_TRANSIENT) : sqlite3_bind_null(b->st, i + 1);
    int rc = sqlite3_step(b->st);
    sqlite3_reset(b->st);
    return rc == SQLITE_DONE ? 0 : fail(b->l->db, rc, e);
}
static int l_bulk_end(store_bulk *bb, err *e) {
    lite_bulk *b = (lite_bulk *)bb;
    sqlite3_finalize(b->st);
    int rc = l_commit(&b->l->base, e);
    free(b);
    return rc;
}

static int l_backup(store *s, const char *dest, err *e) {
    lite *l = (lite *)s;
    sqlite3 *out = NULL;
    if (sqlite3_open(dest, &out) != SQLITE_OK) {
        err_set(e, ERR_INTERNAL, "cannot open %s", dest);
        sqlite3_close(out);
        return -1;
    }
    /* the online backup API copies a consistent snapshot while writers go on */
    sqlite3_backup *bk = sqlite3_backup_init(out, "main", l->db, "main");
    int rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
    if (bk) sqlite3_backup_finish(bk);
    if (rc != SQLITE_DONE) err_set(e, ERR_INTERNAL, "backup failed: %s", sqlite3_errmsg(out));
    sqlite3_close(out);
    return rc == SQLITE_DONE ? 0 : -1;
}

const store_backend store_sqlite_backend = {
    .kind = STORE_SQLITE, .open = l_open, .close = l_close, .begin = l_begin, .commit = l_commit,
    .rollback = l_rollback, .prepare = l_prepare, .bind_int = l_bind_int, .bind_text = l_bind_text,
    .bind_null = l_bind_null, .step = l_step, .ncols = l_ncols, .col_name = l_col_name,
    .col_null = l_col_null, .col_int = l_col_int, .col_text = l_col_text, .reset = l_reset,
    .changes = l_changes, .exec = l_exec, .dialect = l_dialect, .bulk_begin = l_bulk_begin,
    .bulk_row = l_bulk_row, .bulk_end = l_bulk_end, .backup = l_backup,
};
