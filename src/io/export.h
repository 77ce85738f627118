/* export: a list view as a file for a spreadsheet, with the list's filters and
 * sort, only what the caller may see (record_list decides), at most
 * EXPORT_MAX_ROWS rows. Columns: id, created_at, updated_at, then the record's
 * fields (no joined names); money stays in minor units, as in the API.
 *
 *   CSV   UTF-8 with a byte order mark (so Excel reads Chinese names right),
 *         CRLF, every field quoted; text a spreadsheet would run as a formula
 *         (starting with = + - @ tab or CR) gets a leading apostrophe.
 *   XLSX  one sheet, typed cells: numbers, booleans, dates and times as Excel
 *         dates (UTC); text is never a formula there, so it is written as is. */
#ifndef IO_EXPORT_H
#define IO_EXPORT_H
#include "../core/buf.h"
#include "../crm/record.h"

#define EXPORT_MAX_ROWS 100000

typedef enum { EXPORT_CSV = 1, EXPORT_XLSX } export_format;

/* CSV: appended to out. XLSX: written to the file at path (out is not used).
 * ERR_BAD_REQUEST for a bad filter, or for limit/after (an export takes every row). */
int export_list(crm_ctx *c, const record_def *d, const list_query *q, export_format f, const char *path, buf *out, err *e);

/* Any paged list in the same way (the deals behind an analytics figure): the
 * columns are keys of its items, typed for the workbook; next_page gives
 * {"items": [...], "next": cursor or null}, the first page for after NULL, and
 * may refuse bad parameters before anything is written. */
typedef struct export_col { const char *name; field_type type; } export_col;
typedef int (*export_page_fn)(void *arg, const char *after, json_t **page, err *e);
int export_pages(const char *sheet, const export_col *cols, int ncols, export_page_fn next_page, void *arg, export_format f,
                 const char *path, buf *out, err *e);

void export_csv_field(buf *b, const char *s, int first);   /* one CSV field, quoted, formula defused */
void export_csv_bom(buf *b);                               /* the UTF-8 byte order mark */
#endif
