/* xlsx: the first sheet of an Excel workbook (.xlsx, as Excel and WPS save
 * it) read into the table a CSV file gives (csvtable.h), so mapping, checks,
 * previews and reports work on it unchanged.
 *
 * libzip opens the archive in memory and libexpat streams each part, so
 * memory grows with the sheet's text, not with its XML. The first sheet is the
 * first in the workbook's order (xl/workbook.xml), wherever its part lives.
 * Each cell lands in the column its reference names ("C7"): skipped cells are
 * empty cells and skipped rows blank rows, so row numbers are the sheet's.
 * Cells read as Excel shows them: shared and inline strings (rich-text runs
 * joined, phonetic guides left out), TRUE/FALSE, error codes, a formula's
 * last computed value, numbers to 15 significant digits (1054.1, not
 * 1054.0999999999999), and numbers in a date or time format as ISO text
 * ("2017-03-01", "2017-03-01 14:30", "09:30") in the workbook's 1900 or 1904
 * date system. Percent, currency and decimal formats are not applied: the
 * importer reads plain numbers best.
 *
 * The sheet becomes CSV text (libcsv quotes each cell) that csvtable_parse
 * splits: an import job keeps that text like a CSV upload, and the header
 * rules, trimming and cell limits stay those of CSV files.
 *
 * Refusals are ERR_VALIDATION (ERR_TOO_LARGE for the limits) with the reason
 * both in the message ("the file ...") and as field "file", saying what to
 * do: a damaged archive or part, an old .xls or a workbook with a password
 * (both OLE files: save as .xlsx or CSV), a sheet that is empty, too big or
 * not well-formed. */
#ifndef IO_XLSX_H
#define IO_XLSX_H
#include <stddef.h>
#include "../core/arena.h"
#include "../core/err.h"
#include "csvtable.h"

#define XLSX_MAX_UNZIPPED (256u << 20)   /* bytes unpacked from every part read: zip bombs stop here */
#define XLSX_MAX_TEXT (64u << 20)        /* the sheet as CSV text; the shared strings' text too */
#define XLSX_MAX_STRINGS (1u << 22)      /* shared strings (distinct texts) */

/* 1 if the bytes are for xlsx_read: a zip archive, or an OLE file (.xls, or a
 * workbook with a password) that it explains; 0 for text, for csvtable_read. */
int xlsx_detect(const char *bytes, size_t n);

/* The first sheet as CSV text (NUL-terminated, in the arena), one line per
 * sheet row up to the last that has a value. max_rows bounds the rows after
 * the first non-empty one (the header), as csvtable's max_rows does. */
int xlsx_to_csv(arena *a, const char *bytes, size_t n, size_t max_rows, char **csv, size_t *len, err *e);

/* xlsx_to_csv, then csvtable_parse; t->encoding is "xlsx". */
int xlsx_read(arena *a, const char *bytes, size_t n, size_t max_rows, csvtable *t, err *e);
#endif
