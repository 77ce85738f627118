/* store: one SQL interface, two backends (SQLite embedded, PostgreSQL via libpq).
 *
 * SQL is written once, in the subset both engines accept, with '?' placeholders
 * (the PostgreSQL backend rewrites them to $1..$n). Timestamps are BIGINT
 * milliseconds UTC, dates are ISO "YYYY-MM-DD" text (DATE on PostgreSQL), money
 * is BIGINT minor units. Where dialects differ, the store_dialect() tokens below
 * hide it. A store handle is one connection and is used by one thread at a time;
 * store_thread() gives each worker thread its own. */
#ifndef STORE_STORE_H
#define STORE_STORE_H
#include <stdint.h>
#include <stddef.h>
#include "../core/err.h"

typedef struct store store;
typedef struct store_stmt store_stmt;

enum { STORE_DONE = 0, STORE_ROW = 1 };       /* store_step results (negative: error) */
enum { STORE_SQLITE = 1, STORE_POSTGRES = 2 };

/* --- connections --- */
int  store_open(const char *url, store **out, err *e);   /* "path.db" or "postgresql://..." */
void store_close(store *s);                               /* finalises cached statements */
int  store_kind(const store *s);                          /* STORE_SQLITE or STORE_POSTGRES */
int  store_configure(const char *url, err *e);            /* remember the URL for store_thread() */
store *store_thread(err *e);                              /* this thread's connection, opened on first use */
void store_thread_release(void);                          /* close this thread's connection */

/* --- transactions (write=1 takes the write lock up front: BEGIN IMMEDIATE on SQLite) --- */
int store_begin(store *s, int write, err *e);
int store_commit(store *s, err *e);
void store_rollback(store *s);                             /* safe to call when no transaction is open */

/* --- statements --- prepared once per connection and cached by SQL text. The
 * returned statement belongs to the connection: call store_reset() (or
 * store_step until DONE) before preparing the same SQL again. */
store_stmt *store_prepare(store *s, const char *sql, err *e);
int  store_bind_int(store_stmt *st, int idx, int64_t v);          /* idx from 1 */
int  store_bind_text(store_stmt *st, int idx, const char *v);      /* NULL binds NULL; text copied */
int  store_bind_null(store_stmt *st, int idx);
int  store_step(store_stmt *st, err *e);                           /* STORE_ROW, STORE_DONE or -1 */
int  store_ncols(store_stmt *st);
const char *store_col_name(store_stmt *st, int col);               /* col from 0 */
int  store_col_null(store_stmt *st, int col);
int64_t store_col_int(store_stmt *st, int col);
const char *store_col_text(store_stmt *st, int col);               /* valid until the next step/reset; NULL if NULL */
void store_reset(store_stmt *st);                                   /* clear bindings, ready to run again */
int64_t store_changes(store *s);                                    /* rows touched by the last statement */

/* --- conveniences built on the above --- */
int store_exec(store *s, const char *sql, err *e);                  /* run one or more statements, no params */
int store_scalar_int(store *s, const char *sql, int64_t *out, err *e, const char *types, ...); /* first column of first row; 1 if found, 0 none, -1 error. types: 'i' int64_t, 's' const char*, 'n' null */
int store_run(store *s, const char *sql, err *e, const char *types, ...);  /* execute with params, no rows */

uint64_t store_time_micros(void);                                  /* total time spent in the database, all threads */

/* --- dialect --- */
const char *store_dialect(const store *s, const char *token);      /* "ID" -> id column DDL, "DATE", "NOW_MS", ... */
/* "XACT_LOCK": a statement taking a lock, named by one bound integer, held until
 * the transaction ends and shared by every process on the database (PostgreSQL
 * advisory lock). Empty on SQLite, whose write transactions are already serial. */

/* --- bulk load: COPY on PostgreSQL, a prepared INSERT in one transaction on SQLite --- */
typedef struct store_bulk store_bulk;
store_bulk *store_bulk_begin(store *s, const char *table, const char *const *cols, int ncols, err *e);
int  store_bulk_row(store_bulk *b, const char *const *vals, err *e); /* NULL value = NULL */
int  store_bulk_end(store_bulk *b, err *e);                          /* commits */

/* --- migrations (numbered SQL files compiled into the binary) --- */
int store_migrate(store *s, int *applied, err *e);                  /* applies missing ones in order */

/* --- backup: an online, consistent copy --- */
int store_backup(store *s, const char *dest, err *e);
#endif
