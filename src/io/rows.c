/* rows.c: batched multi-row INSERTs and id reservation. */
#include "rows.h"
#include <stdio.h>
#include <stdlib.h>
#include "../core/buf.h"

#define ROWS_PARAMS 8000   /* bound parameters per statement: well inside SQLite's 32766 and PostgreSQL's 65535 */
#define ROWS_MAX 250       /* rows per statement */

struct rows {
    store *s;
    const char *table;
    const char *const *cols;
    int ncols, per;        /* values per row; rows per full statement */
    rows_val *pending;     /* per * ncols */
    int n;                 /* rows pending */
    int failed;
};

rows *rows_begin(store *s, const char *table, const char *const *cols, int ncols) {
    rows *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->s = s;
    w->table = table;
    w->cols = cols;
    w->ncols = ncols;
    w->per = ROWS_PARAMS / ncols < ROWS_MAX ? ROWS_PARAMS / ncols : ROWS_MAX;
    w->pending = calloc((size_t)w->per * (size_t)ncols, sizeof *w->pending);
    if (!w->pending) abort();
    return w;
}

/* One statement for the pending rows. A full batch always has the same SQL
 * text, so the store's statement cache prepares it once. */
static int flush(rows *w, err *e) {
    if (!w->n) return 0;
    buf sql = BUF_INIT;
    buf_printf(&sql, "INSERT INTO %s (", w->table);
    for (int c = 0; c < w->ncols; c++) buf_printf(&sql, "%s%s", c ? ", " : "", w->cols[c]);
    buf_puts(&sql, ") VALUES ");
    for (int r = 0; r < w->n; r++) {
        buf_puts(&sql, r ? ", (" : "(");
        for (int c = 0; c < w->ncols; c++) buf_puts(&sql, c ? ", ?" : "?");
        buf_putc(&sql, ')');
    }
    store_stmt *st = store_prepare(w->s, buf_str(&sql), e);
    buf_free(&sql);
    if (!st) return -1;
    for (int k = 0; k < w->n * w->ncols; k++) {
        const rows_val *v = &w->pending[k];
        if (v->kind == RV_INT) store_bind_int(st, k + 1, v->i);
        else if (v->kind == RV_TEXT && v->s) store_bind_text(st, k + 1, v->s);
        else store_bind_null(st, k + 1);
    }
    int rc = store_step(st, e);
    store_reset(st);
    w->n = 0;
    return rc < 0 ? -1 : 0;
}

int rows_add(rows *w, const rows_val *vals, err *e) {
    if (w->failed) return -1;
    for (int c = 0; c < w->ncols; c++) w->pending[w->n * w->ncols + c] = vals[c];
    if (++w->n == w->per && flush(w, e)) w->failed = 1;
    return w->failed ? -1 : 0;
}

int rows_end(rows *w, err *e) {
    int rc = w->failed ? -1 : flush(w, e);
    free(w->pending);
    free(w);
    return rc;
}

int rows_reserve_ids(store *s, const char *table, size_t n, int64_t *ids, err *e) {
    char sql[256];
    if (!n) return 0;
    if (store_kind(s) == STORE_POSTGRES) {
        /* other servers may insert into the table meanwhile: take the ids from its identity sequence */
        snprintf(sql, sizeof sql, "SELECT nextval(pg_get_serial_sequence('%s', 'id')) FROM generate_series(1, ?)", table);
        store_stmt *st = store_prepare(s, sql, e);
        if (!st) return -1;
        store_bind_int(st, 1, (int64_t)n);
        size_t k = 0;
        int rc;
        while ((rc = store_step(st, e)) == STORE_ROW && k < n) ids[k++] = store_col_int(st, 0);
        store_reset(st);
        if (rc < 0) return -1;
        return k == n ? 0 : err_set(e, ERR_INTERNAL, "could not reserve %zu ids in %s", n, table);
    }
    /* SQLite: the write transaction holds the only write lock, so the ids past the largest are free */
    int64_t max = 0;
    snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(id), 0) FROM %s", table);
    if (store_scalar_int(s, sql, &max, e, "") < 0) return -1;
    for (size_t k = 0; k < n; k++) ids[k] = max + 1 + (int64_t)k;
    return 0;
}
