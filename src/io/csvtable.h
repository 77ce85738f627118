/* csvtable: a CSV file as people really save it, read into a table of UTF-8
 * text. The bytes are decoded first: UTF-8 with or without a byte order mark,
 * UTF-16 with a BOM (Excel's "Unicode text"), and anything that is not valid
 * UTF-8 is tried as GB18030 (what Chinese Excel saves) through iconv. Then
 * libcsv splits it; the delimiter is a comma unless the header line says
 * otherwise (semicolons from European Excel, tabs, or Excel's "sep=;" line).
 *
 * The first row is the header. Row numbers are what a spreadsheet shows: the
 * header is row 1, so the first data row is row 2. Blank rows are dropped
 * (their numbers are skipped). Cells are trimmed; an empty cell is NULL.
 * Everything is bounded (columns, cell size, rows), and everything lives in
 * the caller's arena. */
#ifndef IO_CSVTABLE_H
#define IO_CSVTABLE_H
#include <stddef.h>
#include "../core/arena.h"
#include "../core/err.h"

#define CSVTABLE_MAX_COLS 200          /* header cells */
#define CSVTABLE_MAX_CELL (64 * 1024)  /* bytes in one cell, after decoding */

typedef struct csvtable {
    int ncols;                 /* header cells */
    const char **header;       /* column names: trimmed, never empty ("column 3"), unique ("name (2)") */
    size_t nrows;              /* data rows */
    const char ***cells;       /* cells[r][0..ncells[r]-1]; NULL for an empty cell */
    int *ncells;               /* cells in each row (may differ from ncols) */
    int *line;                 /* spreadsheet row number of each data row */
    const char *encoding;      /* "utf-8", "utf-8-bom", "utf-16", "gb18030", the forced name, or "xlsx" (xlsx.h) */
    char delim;                /* ',', ';' or '\t' */
} csvtable;

/* Decode to UTF-8 (valid, no NUL bytes). encoding: NULL to detect, or an iconv
 * name to force. *out is NUL-terminated, in the arena; *used names what was read. */
int csvtable_decode(arena *a, const char *bytes, size_t n, const char *encoding, char **out, size_t *outlen,
                    const char **used, err *e);

/* Decode and split. max_rows bounds the data rows (ERR_TOO_LARGE beyond it).
 * ERR_BAD_REQUEST with a reason a user can act on for files that are not CSV. */
int csvtable_read(arena *a, const char *bytes, size_t n, const char *encoding, size_t max_rows, csvtable *t, err *e);

/* Split text that is already UTF-8 (a stored upload), as csvtable_read does after decoding. */
int csvtable_parse(arena *a, const char *utf8, size_t n, size_t max_rows, csvtable *t, err *e);

const char *csvtable_cell(const csvtable *t, size_t row, int col);   /* NULL when empty or past the row's end */
#endif
