/* store.c: dispatch to the backend, per-thread connections, conveniences and
 * migrations. Nothing engine-specific lives here. */
#include "backend.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../core/buf.h"
#include "../core/timeutil.h"

static const store_backend *backend_for(const char *url) {
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) return &store_pg_backend;
    return &store_sqlite_backend;
}

int store_open(const char *url, store **out, err *e) {
    *out = NULL;
    if (!url || !*url) return err_set(e, ERR_INTERNAL, "no database given");
    return backend_for(url)->open(url, out, e);
}
void store_close(store *s) { if (s) s->be->close(s); }
int store_kind(const store *s) { return s->be->kind; }
/* Time spent waiting on the database, for /metrics. */
static uint64_t db_micros;
static uint64_t micros_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
#define TIMED(call) do { uint64_t t0_ = micros_now(); rc_ = (call); __atomic_add_fetch(&db_micros, micros_now() - t0_, __ATOMIC_RELAXED); } while (0)
uint64_t store_time_micros(void) { return __atomic_load_n(&db_micros, __ATOMIC_RELAXED); }

int store_begin(store *s, int write, err *e) { int rc_; TIMED(s->be->begin(s, write, e)); return rc_; }
int store_commit(store *s, err *e) { int rc_; TIMED(s->be->commit(s, e)); return rc_; }
void store_rollback(store *s) { s->be->rollback(s); }
store_stmt *store_prepare(store *s, const char *sql, err *e) { return s->be->prepare(s, sql, e); }
int store_bind_int(store_stmt *st, int i, int64_t v) { return st->be->bind_int(st, i, v); }
int store_bind_text(store_stmt *st, int i, const char *v) { return st->be->bind_text(st, i, v); }
int store_bind_null(store_stmt *st, int i) { return st->be->bind_null(st, i); }
int store_step(store_stmt *st, err *e) { int rc_; TIMED(st->be->step(st, e)); return rc_; }
int store_ncols(store_stmt *st) { return st->be->ncols(st); }
const char *store_col_name(store_stmt *st, int c) { return st->be->col_name(st, c); }
int store_col_null(store_stmt *st, int c) { return st->be->col_null(st, c); }
int64_t store_col_int(store_stmt *st, int c) { return st->be->col_int(st, c); }
const char *store_col_text(store_stmt *st, int c) { return st->be->col_text(st, c); }
void store_reset(store_stmt *st) { st->be->reset(st); }
int64_t store_changes(store *s) { return s->be->changes(s); }
int store_exec(store *s, const char *sql, err *e) { int rc_; TIMED(s->be->exec(s, sql, e)); return rc_; }
const char *store_dialect(const store *s, const char *token) { return s->be->dialect(token); }
store_bulk *store_bulk_begin(store *s, const char *t, const char *const *c, int n, err *e) { return s->be->bulk_begin(s, t, c, n, e); }
int store_bulk_row(store_bulk *b, const char *const *v, err *e) { return b->be->bulk_row(b, v, e); }
int store_bulk_end(store_bulk *b, err *e) { return b->be->bulk_end(b, e); }
int store_backup(store *s, const char *dest, err *e) { return s->be->backup(s, dest, e); }

/* ---- per-thread connections ---- */

static char *configured_url;
static pthread_key_t thread_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void thread_conn_free(void *p) { store_close(p); }
static void make_key(void) { pthread_key_create(&thread_key, thread_conn_free); }

int store_configure(const char *url, err *e) {
    pthread_once(&key_once, make_key);
    free(configured_url);
    configured_url = strdup(url);
    return configured_url ? 0 : err_set(e, ERR_INTERNAL, "out of memory");
}

store *store_thread(err *e) {
    pthread_once(&key_once, make_key);
    store *s = pthread_getspecific(thread_key);
    if (s) return s;
    if (store_open(configured_url, &s, e)) return NULL;
    pthread_setspecific(thread_key, s);
    return s;
}

void store_thread_release(void) {
    pthread_once(&key_once, make_key);
    store *s = pthread_getspecific(thread_key);
    if (s) { store_close(s); pthread_setspecific(thread_key, NULL); }
}

/* ---- conveniences ---- */

static int bind_va(store_stmt *st, const char *types, va_list ap) {
    for (int i = 0; types && types[i]; i++) {
        switch (types[i]) {
        case 'i': store_bind_int(st, i + 1, va_arg(ap, int64_t)); break;
        case 's': store_bind_text(st, i + 1, va_arg(ap, const char *)); break;
        case 'n': store_bind_null(st, i + 1); break;
        default: return -1;
        }
    }
    return 0;
}

int store_scalar_int(store *s, const char *sql, int64_t *out, err *e, const char *types, ...) {
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    va_list ap;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
    int rc = store_step(st, e);
    if (rc == STORE_ROW) { *out = store_col_null(st, 0) ? 0 : store_col_int(st, 0); rc = 1; }
    store_reset(st);
    return rc;
}

int store_run(store *s, const char *sql, err *e, const char *types, ...) {
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    va_list ap;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {}
    store_reset(st);
    return rc < 0 ? -1 : 0;
}

/* ---- migrations ---- */

/* Replace {{TOKEN}} with the backend's spelling of it. */
static char *expand(store *s, const char *sql) {
    buf b = BUF_INIT;
    const char *p = sql;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) { buf_puts(&b, p); break; }
        buf_add(&b, p, (size_t)(open - p));
        const char *close = strstr(open, "}}");
        if (!close) { buf_puts(&b, open); break; }
        char tok[64];
        snprintf(tok, sizeof tok, "%.*s", (int)(close - open - 2), open + 2);
        const char *rep = store_dialect(s, tok);
        buf_puts(&b, rep ? rep : tok);
        p = close + 2;
    }
    return buf_detach(&b);
}

int store_migrate(store *s, int *applied, err *e) {
    *applied = 0;
    for (int i = 0; i < store_nmigrations; i++) {
        const store_migration *m = &store_migrations[i];
        if (store_begin(s, 1, e)) return -1;
        /* Take the lock before anything else, the bookkeeping table included:
         * several servers starting at once on one PostgreSQL must not race. */
        const char *lock = store_dialect(s, "MIGRATION_LOCK");
        if (lock && *lock && store_exec(s, lock, e)) goto fail;
        if (store_exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)", e))
            goto fail;
        int64_t found = 0;
        int rc = store_scalar_int(s, "SELECT 1 FROM schema_migrations WHERE name = ?", &found, e, "s", m->name);
        if (rc < 0) goto fail;
        if (rc == 0) {
            char *sql = expand(s, m->sql);
            int erc = store_exec(s, sql, e);
            free(sql);
            if (erc) goto fail;
            if (store_run(s, "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", e, "si", m->name,
                          time_now_ms()))
                goto fail;
            (*applied)++;
        }
        if (store_commit(s, e)) goto fail;
    }
    return 0;
fail:
    store_rollback(s);
    return -1;
}
