/* rows: many INSERTs into one table inside the caller's transaction, sent as
 * multi-row statements (a few hundred rows each), so a large import costs a
 * few thousand round trips on PostgreSQL instead of one per row, and commits
 * with everything else. store_bulk would be faster still, but ending a bulk
 * load commits, and an import must stay one transaction across tables. */
#ifndef IO_ROWS_H
#define IO_ROWS_H
#include <stddef.h>
#include <stdint.h>
#include "../store/store.h"

enum { RV_NULL = 0, RV_INT, RV_TEXT };
typedef struct rows_val { int kind; int64_t i; const char *s; } rows_val;   /* s is not copied until the flush */

typedef struct rows rows;

rows *rows_begin(store *s, const char *table, const char *const *cols, int ncols);   /* cols are borrowed */
int   rows_add(rows *w, const rows_val *vals, err *e);   /* ncols values; the text must live until rows_end */
int   rows_end(rows *w, err *e);                         /* sends what is left and frees w, also after a failure */

/* n new ids for table, to be given explicitly (rows of one file refer to each
 * other before they are written). Call inside the write transaction. */
int   rows_reserve_ids(store *s, const char *table, size_t n, int64_t *ids, err *e);
#endif
