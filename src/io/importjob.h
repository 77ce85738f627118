/* importjob: an import from the browser, in steps any server process can serve.
 *
 *   upload   importjob_create: the file (CSV, or an .xlsx's first sheet as
 *            CSV) is decoded and kept as UTF-8 with a mapping suggested from
 *            its header, and checked at once (a dry run)
 *   preview  importjob_get, importjob_update: the columns, the first rows, the
 *            mapping and options, and what the last check found (problems by
 *            row, near misses with the closest match); a new mapping or new
 *            options are checked again
 *   run      importjob_start: claimed in the database (one run at a time), then
 *            run on a thread of its own: "checking" with rows_done counting up,
 *            then "writing" in one transaction; done, or failed with nothing
 *            written (and fixable: change the mapping or options and run again)
 *   report   importjob_report: every problem of the last check or run, as CSV
 *
 * The job lives in the imports table, so progress and results are the same
 * from every process. A job belongs to whoever uploaded it; an admin sees
 * all. A run whose process died is shown as failed after IMPORTJOB_STALE_MS
 * without a sign of life, and can be run again (its transaction never
 * committed). */
#ifndef IO_IMPORTJOB_H
#define IO_IMPORTJOB_H
#include <jansson.h>
#include "../core/buf.h"
#include "../crm/record.h"

#define IMPORTJOB_MAX_BYTES (16u * 1024 * 1024)   /* an uploaded file */
#define IMPORTJOB_MAX_ROWS 200000                  /* data rows in one upload */
#define IMPORTJOB_RUNNING 2                        /* runs at once in one process */
#define IMPORTJOB_STALE_MS (10 * 60 * 1000LL)

/* Upload of a CSV file or an .xlsx workbook (told apart by content): ERR_BAD_REQUEST
 * for an unknown entity or a file that is not CSV, ERR_VALIDATION (field "file")
 * for a workbook that cannot be read, ERR_FORBIDDEN when the caller's role
 * cannot create such records. */
int importjob_create(crm_ctx *c, const char *entity, const char *filename, const char *encoding, const char *body,
                     size_t len, json_t **out, err *e);
int importjob_get(crm_ctx *c, int64_t id, json_t **out, err *e);                 /* ERR_NOT_FOUND if not the caller's */
int importjob_list(crm_ctx *c, json_t **out, err *e);                           /* {"items": [...]}, newest first, 50 */
int importjob_update(crm_ctx *c, int64_t id, const json_t *in, json_t **out, err *e);  /* {mapping?, options?}: check again */
int importjob_start(crm_ctx *c, int64_t id, const json_t *in, json_t **out, err *e);   /* in as for update, may be NULL */
int importjob_report(crm_ctx *c, int64_t id, buf *out, const char **filename, err *e); /* ERR_NOT_FOUND if no problems */
int importjob_delete(crm_ctx *c, int64_t id, err *e);                           /* ERR_CONFLICT while running */
#endif
