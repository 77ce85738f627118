/* fuzz_xlsx: arbitrary bytes as an uploaded .xlsx workbook, through what the
 * importer does with one: libzip opens it, expat streams the workbook, its
 * relationships, the shared strings, the styles and the first sheet, and the
 * sheet's CSV text is split by csvtable.
 *
 * Input: bytes that start like a zip or an OLE file are the file itself
 * (mutations of real workbooks mostly reach libzip's checks); anything else
 * is the XML of the parts, separated by NUL bytes, in the order sheet, shared
 * strings, styles, workbook, relationships (the last two default to a
 * workbook of one sheet), zipped here uncompressed, so mutations reach the
 * XML handlers, the cell references and the number formats.
 *
 * Findings besides crashes, leaks and undefined behaviour: a refusal that is
 * not a client error with a reason (field "file", or a CSV limit), a message
 * that is not UTF-8, and a table whose header, cells or row numbers are
 * inconsistent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include <zip.h>
#include "src/io/csvtable.h"
#include "src/io/xlsx.h"

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
           "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
static const char *const names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml",
                                    "xl/_rels/workbook.xml.rels"};
static const char *const defaults[] = {NULL, NULL, NULL,
    "<workbook " NS "><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/></Relationships>"};

static void die(const char *what, const char *detail) {
    fprintf(stderr, "FUZZ FINDING: %s: %s\n", what, detail ? detail : "");
    abort();
}

static int utf8_ok(const char *s) { return s && !u8_check((const uint8_t *)s, strlen(s)); }

/* The parts, stored (not deflated) in a zip in memory; malloc'd. */
static char *zip_parts(const uint8_t *data, size_t size, size_t *n) {
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(out);
    zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
    if (!z) die("zip_open_from_source", zip_error_strerror(&ze));
    const uint8_t *p = data, *end = data + size;
    for (int i = 0; i < 5; i++) {
        const uint8_t *nul = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL, *stop = nul ? nul : end;
        const void *text = p < end ? (const void *)p : defaults[i];
        size_t len = p < end ? (size_t)(stop - p) : defaults[i] ? strlen(defaults[i]) : 0;
        p = nul ? nul + 1 : end;
        if (!text) continue;
        zip_source_t *s = zip_source_buffer(z, text, len, 0);
        zip_int64_t idx = s ? zip_file_add(z, names[i], s, 0) : -1;
        if (idx < 0) die("zip_file_add", zip_strerror(z));
        zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    if (zip_close(z)) die("zip_close", zip_strerror(z));
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(out, &st) || zip_source_open(out)) die("zip_source", "cannot read the zip back");
    char *b = malloc(st.size ? st.size : 1);
    if (!b || zip_source_read(out, b, st.size) != (zip_int64_t)st.size) die("zip_source_read", "short");
    zip_source_close(out);
    zip_source_free(out);
    *n = st.size;
    return b;
}

static void check_table(const csvtable *t) {
    if (strcmp(t->encoding, "xlsx")) die("table", "encoding is not xlsx");
    if (t->ncols < 1 || t->ncols > CSVTABLE_MAX_COLS) die("table", "column count out of range");
    for (int c = 0; c < t->ncols; c++) {
        if (!t->header[c] || !*t->header[c] || !utf8_ok(t->header[c])) die("table", "a header name is empty or not UTF-8");
        for (int k = 0; k < c; k++)
            if (!strcmp(t->header[c], t->header[k])) die("table", "two columns with one name");
    }
    for (size_t r = 0; r < t->nrows; r++) {
        if (t->line[r] < 2 || t->line[r] > 1048576 || (r && t->line[r] <= t->line[r - 1])) die("table", "row numbers are not the sheet's");
        if (t->ncells[r] > CSVTABLE_MAX_COLS * 2) die("table", "a row with too many cells");
        for (int c = 0; c < t->ncells[r]; c++) {
            const char *s = t->cells[r][c];
            if (s && (!*s || !utf8_ok(s) || strlen(s) > CSVTABLE_MAX_CELL)) die("table", "a cell is empty but not NULL, too long or not UTF-8");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int raw = xlsx_detect((const char *)data, size);
    size_t n = size;
    char *file = raw ? NULL : zip_parts(data, size, &n);
    arena a;
    arena_init(&a);
    csvtable t;
    err e = {0};
    if (xlsx_read(&a, raw ? (const char *)data : file, n, 1000, &t, &e)) {
        int file_reason = e.nfields == 1 && !strcmp(e.fields[0].name, "file") && utf8_ok(e.fields[0].reason);
        if (!((e.cls == ERR_VALIDATION || e.cls == ERR_TOO_LARGE) && file_reason) && e.cls != ERR_BAD_REQUEST && e.cls != ERR_TOO_LARGE)
            die("xlsx_read", e.msg);
        if (!utf8_ok(e.msg) || !e.msg[0]) die("xlsx_read", "message empty or not UTF-8");
    } else check_table(&t);
    arena_free(&a);
    free(file);
    return 0;
}
