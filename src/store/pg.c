/* pg.c: the PostgreSQL backend (libpq). Statements are prepared once per
 * connection and cached by their SQL text, like sqlite.c. Each execution
 * buffers its whole result, because callers written against SQLite interleave
 * statements on one connection, which a streaming (single-row) result forbids.
 * A lost connection is reset on the next call, never in the middle of a
 * transaction, so work is never silently split across two sessions. */
#include "backend.h"
#include <libpq-fe.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../core/buf.h"
#include "../core/log.h"

#define CACHE_SLOTS 1024    /* power of two; the cache is flushed when it gets half full */
#define COPY_BATCH (64 * 1024)

typedef struct pg pg;

typedef struct pg_stmt {
    store_stmt base;
    pg *c;
    char *sql;              /* the caller's text: the cache key */
    char *pgsql;            /* with $n placeholders */
    char name[24];
    unsigned gen;           /* connection generation it was prepared in */
    int nparams;
    char **params;          /* malloc'd text values; NULL binds NULL */
    PGresult *res;          /* NULL until the first step */
    int row;
} pg_stmt;

struct pg {
    store base;
    PGconn *conn;
    char *url;
    pg_stmt *slots[CACHE_SLOTS];
    int nslots;
    unsigned long nnames;
    unsigned gen;           /* bumped by a reset: server-side statements are gone */
    int in_tx;              /* set by begin, cleared by commit/rollback */
    int64_t changes;
};

static void trim_copy(char *dst, size_t n, const char *src) {
    snprintf(dst, n, "%s", src ? src : "");
    size_t len = strlen(dst);
    while (len && (dst[len - 1] == '\n' || dst[len - 1] == ' ')) dst[--len] = 0;
}

/* Turn a failed result (or a failed call without one) into an error class. */
static int fail(pg *c, const PGresult *r, err *e) {
    char msg[200];
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    trim_copy(msg, sizeof msg, primary ? primary : PQerrorMessage(c->conn));
    if (PQstatus(c->conn) == CONNECTION_BAD || (state && (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3) ||
                                                          !strncmp(state, "53", 2))))
        return err_set(e, ERR_UNAVAILABLE, "database unavailable: %s", msg);
    if (!state) return err_set(e, ERR_INTERNAL, "postgres: %s", msg);
    if (!strcmp(state, "23505")) return err_set(e, ERR_CONFLICT, "a record with the same key exists (%s)", msg);
    if (!strcmp(state, "23503")) return err_set(e, ERR_VALIDATION, "a referenced record does not exist");
    if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2)) return err_set(e, ERR_VALIDATION, "%s", msg);
    if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
        return err_set(e, ERR_CONFLICT, "concurrent update, please retry (%s)", msg);
    return err_set(e, ERR_INTERNAL, "postgres: %s", msg);
}

/* Like sqlite3_changes: only INSERT/UPDATE/DELETE/COPY count, a SELECT keeps the last figure. */
static void note_changes(pg *c, const PGresult *r) {
    const char *n = PQcmdTuples((PGresult *)r);
    if (*n && strncmp(PQcmdStatus((PGresult *)r), "SELECT", 6)) c->changes = strtoll(n, NULL, 10);
}

/* Run a statement without parameters; 0 if it succeeded. */
static int run(pg *c, const char *sql, err *e) {
    PGresult *r = PQexec(c->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : fail(c, r, e);
    if (!rc) note_changes(c, r);
    PQclear(r);
    return rc;
}

/* Session settings every query relies on: dates print as YYYY-MM-DD, now() is UTC. */
static int setup(pg *c, err *e) { return run(c, "SET TIME ZONE 'UTC'; SET datestyle = ISO", e); }

/* NOTICEs ("already exists, skipping") are noise; warnings point at a bug. */
static void on_notice(void *arg, const PGresult *r) {
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (sev && strcmp(sev, "NOTICE") && strcmp(sev, "INFO") && strcmp(sev, "LOG") && strncmp(sev, "DEBUG", 5)) {
        char msg[256];
        trim_copy(msg, sizeof msg, PQresultErrorMessage(r));
        log_error("postgres: %s", msg);
    }
}

/* Called before talking to the server: reconnect once if the link dropped. */
static int alive(pg *c, err *e) {
    if (PQstatus(c->conn) == CONNECTION_OK) return 0;
    if (c->in_tx) return err_set(e, ERR_UNAVAILABLE, "database connection lost during a transaction");
    PQreset(c->conn);
    if (PQstatus(c->conn) != CONNECTION_OK) return fail(c, NULL, e);
    c->gen++;
    return setup(c, e);
}

static int p_open(const char *url, store **out, err *e) {
    pg *c = calloc(1, sizeof *c);
    if (!c || !(c->url = strdup(url))) { free(c); return err_set(e, ERR_INTERNAL, "out of memory"); }
    c->base.be = &store_pg_backend;
    /* later keywords win: the URL may override the timeout but not the encoding */
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", "client_encoding", NULL};
    const char *vals[] = {"10", "cylinder", url, "UTF8", NULL};
    c->conn = PQconnectdbParams(keys, vals, 1);
    if (!c->conn) { err_set(e, ERR_INTERNAL, "out of memory"); goto fail; }
    if (PQstatus(c->conn) != CONNECTION_OK) { fail(c, NULL, e); goto fail; }
    PQsetNoticeReceiver(c->conn, on_notice, NULL);
    if (setup(c, e)) goto fail;
    *out = &c->base;
    return 0;
fail:
    PQfinish(c->conn);
    free(c->url);
    free(c);
    return -1;
}

static void p_reset(store_stmt *s) {
    pg_stmt *st = (pg_stmt *)s;
    PQclear(st->res);
    st->res = NULL;
    for (int i = 0; st->params && i < st->nparams; i++) { free(st->params[i]); st->params[i] = NULL; }
}

static void stmt_free(pg_stmt *st) {
    p_reset(&st->base);
    free(st->params);
    free(st->sql);
    free(st->pgsql);
    free(st);
}

static void flush_cache(pg *c, int deallocate) {
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (c->slots[i]) stmt_free(c->slots[i]);
        c->slots[i] = NULL;
    }
    c->nslots = 0;
    /* names are never reused, so a failed DEALLOCATE (aborted transaction) only leaks server memory */
    if (deallocate && PQstatus(c->conn) == CONNECTION_OK) PQclear(PQexec(c->conn, "DEALLOCATE ALL"));
}

static unsigned long hash(const char *s) {
    unsigned long h = 5381;
    while (*s) h = h * 33 ^ (unsigned char)*s++;
    return h;
}

/* A full cache is emptied except for statements a caller is still reading
 * rows from; those are re-prepared on their next run (new generation). */
static void evict(pg *c) {
    pg_stmt *keep[CACHE_SLOTS];
    int nkeep = 0;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        pg_stmt *st = c->slots[i];
        c->slots[i] = NULL;
        if (!st) continue;
        if (st->res) keep[nkeep++] = st;
        else stmt_free(st);
    }
    c->nslots = nkeep;
    for (int k = 0; k < nkeep; k++) {
        unsigned long i = hash(keep[k]->sql) & (CACHE_SLOTS - 1);
        while (c->slots[i]) i = (i + 1) & (CACHE_SLOTS - 1);
        c->slots[i] = keep[k];
    }
    c->gen++;
    if (PQstatus(c->conn) == CONNECTION_OK) PQclear(PQexec(c->conn, "DEALLOCATE ALL"));
}

static void p_close(store *s) {
    pg *c = (pg *)s;
    flush_cache(c, 0);
    PQfinish(c->conn);
    free(c->url);
    free(c);
}

static int p_exec(store *s, const char *sql, err *e) {
    pg *c = (pg *)s;
    return alive(c, e) ? -1 : run(c, sql, e);
}

static int p_begin(store *s, int write, err *e) {
    pg *c = (pg *)s;
    if (alive(c, e) || run(c, "BEGIN", e)) return -1;
    c->in_tx = 1;
    return 0;
}

static int p_commit(store *s, err *e) {
    pg *c = (pg *)s;
    PGresult *r = PQexec(c->conn, "COMMIT");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(c, r, e);
    /* COMMIT of a transaction that an earlier error aborted "succeeds" as ROLLBACK */
    if (!rc && !strcmp(PQcmdStatus(r), "ROLLBACK"))
        rc = err_set(e, ERR_INTERNAL, "transaction rolled back: an earlier statement in it failed");
    PQclear(r);
    if (rc && PQtransactionStatus(c->conn) != PQTRANS_IDLE) PQclear(PQexec(c->conn, "ROLLBACK"));
    c->in_tx = 0;
    return rc;
}

static void p_rollback(store *s) {
    pg *c = (pg *)s;
    PGTransactionStatusType ts = PQtransactionStatus(c->conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) PQclear(PQexec(c->conn, "ROLLBACK"));
    c->in_tx = 0;
}

/* '?' -> $1..$n, leaving quoted literals and identifiers alone. */
static char *rewrite(const char *sql, int *n) {
    buf b = BUF_INIT;
    char quote = 0;
    *n = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) { if (*p == quote) quote = 0; buf_putc(&b, *p); }
        else if (*p == '\'' || *p == '"') { quote = *p; buf_putc(&b, *p); }
        else if (*p == '?') buf_printf(&b, "$%d", ++*n);
        else buf_putc(&b, *p);
    }
    return buf_detach(&b);
}

static int server_prepare(pg_stmt *st, err *e) {
    pg *c = st->c;
    snprintf(st->name, sizeof st->name, "s%lu", ++c->nnames);
    PGresult *r = PQprepare(c->conn, st->name, st->pgsql, 0, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(c, r, e);
    PQclear(r);
    if (!rc) st->gen = c->gen;
    return rc;
}

static store_stmt *p_prepare(store *s, const char *sql, err *e) {
    pg *c = (pg *)s;
    if (alive(c, e)) return NULL;
    unsigned long i = hash(sql) & (CACHE_SLOTS - 1);
    for (; c->slots[i]; i = (i + 1) & (CACHE_SLOTS - 1)) {
        if (!strcmp(c->slots[i]->sql, sql)) {
            p_reset(&c->slots[i]->base);
            return &c->slots[i]->base;
        }
    }
    if (c->nslots >= CACHE_SLOTS / 2) {
        evict(c);
        i = hash(sql) & (CACHE_SLOTS - 1);
        while (c->slots[i]) i = (i + 1) & (CACHE_SLOTS - 1);
    }
    pg_stmt *st = calloc(1, sizeof *st);
    if (!st) { err_set(e, ERR_INTERNAL, "out of memory"); return NULL; }
    st->base.be = &store_pg_backend;
    st->c = c;
    st->pgsql = rewrite(sql, &st->nparams);
    st->sql = strdup(sql);
    st->params = calloc((size_t)st->nparams + 1, sizeof *st->params);
    if (!st->sql || !st->params) err_set(e, ERR_INTERNAL, "out of memory");
    if (!st->sql || !st->params || server_prepare(st, e)) { stmt_free(st); return NULL; }
    c->slots[i] = st;
    c->nslots++;
    return &st->base;
}

static int bind(store_stmt *s, int idx, char *v) {
    pg_stmt *st = (pg_stmt *)s;
    if (idx < 1 || idx > st->nparams) { free(v); return -1; }
    free(st->params[idx - 1]);
    st->params[idx - 1] = v;
    return 0;
}
static int p_bind_int(store_stmt *s, int idx, int64_t v) {
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%" PRId64, v);
    return bind(s, idx, strdup(tmp));
}
static int p_bind_text(store_stmt *s, int idx, const char *v) { return bind(s, idx, v ? strdup(v) : NULL); }
static int p_bind_null(store_stmt *s, int idx) { return bind(s, idx, NULL); }

static int p_step(store_stmt *s, err *e) {
    pg_stmt *st = (pg_stmt *)s;
    pg *c = st->c;
    if (!st->res) {
        if (alive(c, e) || (st->gen != c->gen && server_prepare(st, e))) return -1;
        /* text format, no types: the server infers them, so '2024-02-29' binds to a DATE */
        PGresult *r = PQexecPrepared(c->conn, st->name, st->nparams, (const char *const *)st->params, NULL, NULL, 0);
        ExecStatusType rs = PQresultStatus(r);
        if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
            fail(c, r, e);
            PQclear(r);
            return -1;
        }
        note_changes(c, r);
        st->res = r;
        st->row = -1;
    }
    if (++st->row < PQntuples(st->res)) return STORE_ROW;
    /* like sqlite3_step, stepping again after DONE runs the statement afresh */
    PQclear(st->res);
    st->res = NULL;
    return STORE_DONE;
}

#define ST(s) ((pg_stmt *)(s))
static int p_ncols(store_stmt *s) { return ST(s)->res ? PQnfields(ST(s)->res) : 0; }
static const char *p_col_name(store_stmt *s, int col) { return ST(s)->res ? PQfname(ST(s)->res, col) : NULL; }
static int p_col_null(store_stmt *s, int col) {
    pg_stmt *st = ST(s);
    return !st->res || st->row < 0 || st->row >= PQntuples(st->res) || col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col);
}
static const char *p_col_text(store_stmt *s, int col) {
    return p_col_null(s, col) ? NULL : PQgetvalue(ST(s)->res, ST(s)->row, col);
}
static int64_t p_col_int(store_stmt *s, int col) {
    const char *v = p_col_text(s, col);
    if (!v) return 0;
    /* comparisons yield booleans here, 0/1 on SQLite */
    if (!strcmp(v, "t")) return 1;
    return strtoll(v, NULL, 10);
}
static int64_t p_changes(store *s) { return ((pg *)s)->changes; }

static const char *p_dialect(const char *tok) {
    if (!strcmp(tok, "ID")) return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    if (!strcmp(tok, "DATE")) return "DATE";
    if (!strcmp(tok, "MIGRATION_LOCK")) return "SELECT pg_advisory_xact_lock(4242)";
    if (!strcmp(tok, "LIKE")) return "ILIKE";
    if (!strcmp(tok, "XACT_LOCK")) return "SELECT pg_advisory_xact_lock(?)";
    return NULL;
}

/* ---- bulk load: COPY ... FROM STDIN in text format ---- */
typedef struct pg_bulk { store_bulk base; pg *c; int ncols; int failed; buf data; } pg_bulk;

static store_bulk *p_bulk_begin(store *s, const char *table, const char *const *cols, int ncols, err *e) {
    pg *c = (pg *)s;
    pg_bulk *b = calloc(1, sizeof *b);
    if (!b) { err_set(e, ERR_INTERNAL, "out of memory"); return NULL; }
    b->base.be = &store_pg_backend;
    b->c = c;
    b->ncols = ncols;
    if (alive(c, e) || (PQtransactionStatus(c->conn) == PQTRANS_IDLE && p_begin(s, 1, e))) { free(b); return NULL; }
    c->in_tx = 1;
    buf sql = BUF_INIT;
    buf_printf(&sql, "COPY %s (", table);
    for (int i = 0; i < ncols; i++) buf_printf(&sql, "%s%s", i ? "," : "", cols[i]);
    buf_puts(&sql, ") FROM STDIN");
    PGresult *r = PQexec(c->conn, buf_str(&sql));
    buf_free(&sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fail(c, r, e);
        p_rollback(s);
        free(b);
        b = NULL;
    }
    PQclear(r);
    return b ? &b->base : NULL;
}

static int flush_copy(pg_bulk *b, err *e) {
    if (b->data.len && PQputCopyData(b->c->conn, b->data.s, (int)b->data.len) != 1) {
        b->failed = 1;
        return fail(b->c, NULL, e);
    }
    buf_reset(&b->data);
    return 0;
}

static int p_bulk_row(store_bulk *bb, const char *const *vals, err *e) {
    pg_bulk *b = (pg_bulk *)bb;
    if (b->failed) return err_set(e, ERR_INTERNAL, "bulk load already failed");
    for (int i = 0; i < b->ncols; i++) {
        if (i) buf_putc(&b->data, '\t');
        if (!vals[i]) { buf_puts(&b->data, "\\N"); continue; }
        for (const char *p = vals[i]; *p; p++) {
            switch (*p) {
            case '\\': buf_puts(&b->data, "\\\\"); break;
            case '\t': buf_puts(&b->data, "\\t"); break;
            case '\n': buf_puts(&b->data, "\\n"); break;
            case '\r': buf_puts(&b->data, "\\r"); break;
            default: buf_putc(&b->data, *p);
            }
        }
    }
    buf_putc(&b->data, '\n');
    return b->data.len >= COPY_BATCH ? flush_copy(b, e) : 0;
}

/* Bad rows only surface here, when the server checks the whole COPY. */
static int p_bulk_end(store_bulk *bb, err *e) {
    pg_bulk *b = (pg_bulk *)bb;
    pg *c = b->c;
    int rc = b->failed ? err_set(e, ERR_INTERNAL, "bulk load failed") : flush_copy(b, e);
    if (PQputCopyEnd(c->conn, rc ? "bulk load abandoned" : NULL) != 1 && !rc) rc = fail(c, NULL, e);
    PGresult *r;
    while ((r = PQgetResult(c->conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc) rc = fail(c, r, e);
        else if (!rc) note_changes(c, r);
        PQclear(r);
    }
    buf_free(&b->data);
    free(b);
    if (rc) { p_rollback(&c->base); return -1; }
    return p_commit(&c->base, e);
}

/* pg_dump takes a consistent snapshot while writers go on. Its own messages
 * go to our stderr, i.e. the log. */
static int p_backup(store *s, const char *dest, err *e) {
    pg *c = (pg *)s;
    char file_arg[4096];
    snprintf(file_arg, sizeof file_arg, "--file=%s", dest);
    pid_t pid = fork();
    if (pid < 0) return err_set(e, ERR_INTERNAL, "fork: %s", strerror(errno));
    if (pid == 0) {
        execlp("pg_dump", "pg_dump", "--format=custom", file_arg, "--dbname", c->url, (char *)NULL);
        _exit(127);   /* only async-signal-safe calls between fork and exec */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return err_set(e, ERR_INTERNAL, "waitpid: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return err_set(e, ERR_INTERNAL, "cannot run pg_dump (package postgresql-client)");
    if (WIFEXITED(status)) return err_set(e, ERR_INTERNAL, "pg_dump to %s failed with status %d", dest, WEXITSTATUS(status));
    return err_set(e, ERR_INTERNAL, "pg_dump to %s killed by signal %d", dest, WTERMSIG(status));
}

const store_backend store_pg_backend = {
    .kind = STORE_POSTGRES, .open = p_open, .close = p_close, .begin = p_begin, .commit = p_commit,
    .rollback = p_rollback, .prepare = p_prepare, .bind_int = p_bind_int, .bind_text = p_bind_text,
    .bind_null = p_bind_null, .step = p_step, .ncols = p_ncols, .col_name = p_col_name,
    .col_null = p_col_null, .col_int = p_col_int, .col_text = p_col_text, .reset = p_reset,
    .changes = p_changes, .exec = p_exec, .dialect = p_dialect, .bulk_begin = p_bulk_begin,
    .bulk_row = p_bulk_row, .bulk_end = p_bulk_end, .backup = p_backup,
};
