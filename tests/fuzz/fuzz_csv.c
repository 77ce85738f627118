/* fuzz_csv: arbitrary bytes as an uploaded CSV file, through what the importer
 * does with one: decoding (UTF-8 with or without BOM, UTF-16, GB18030 by
 * iconv), splitting with libcsv, every cell read as a date in both orders, as
 * money, as yes/no and as a number, a mapping suggested from the header, and
 * an import of the rows: a dry run as a rep and as an admin, and for one input
 * in four a real one (bad rows skipped).
 *
 * Input: the first byte picks the record type (bits 0-2, modulo the seven that
 * can be imported), the date order (bit 3), accepting suggestions (bit 4) and a
 * real import (bits 5-6 both set); the rest is the file.
 *
 * Beyond fuzzdb.h's findings: a table whose header, cells or row numbers are
 * inconsistent (a cell that is not valid UTF-8 or holds a NUL, row numbers that
 * do not rise), a date accepted that is not a real date, money out of range,
 * import counts that do not add up, a report that is not valid UTF-8. */
#include <unistr.h>
#include "fuzzdb.h"
#include "src/core/timeutil.h"
#include "src/io/cells.h"
#include "src/io/csvtable.h"
#include "src/io/import.h"
#include "src/io/targets.h"

static const char *const entities[] = {"accounts", "contacts", "products", "opportunities", "activities", "users", "teams"};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    fuzzdb_init("csv");
    return 0;
}

static int utf8_ok(const char *s) { return s && !u8_check((const uint8_t *)s, strlen(s)); }

static void check_table(const csvtable *t) {
    if (t->ncols < 1 || t->ncols > CSVTABLE_MAX_COLS) fuzz_die("table", "column count out of range");
    for (int c = 0; c < t->ncols; c++) {
        if (!t->header[c] || !*t->header[c] || !utf8_ok(t->header[c])) fuzz_die("table", "a header name is empty or not UTF-8");
        for (int k = 0; k < c; k++)
            if (!strcmp(t->header[c], t->header[k])) fuzz_die("table", "two columns with one name");
    }
    for (size_t r = 0; r < t->nrows; r++) {
        if (t->line[r] < 2 || (r && t->line[r] <= t->line[r - 1])) fuzz_die("table", "row numbers do not rise from 2");
        int any = 0;
        for (int c = 0; c < t->ncells[r]; c++) {
            const char *s = t->cells[r][c];
            if (!s) continue;
            any = 1;
            if (!*s || !utf8_ok(s)) fuzz_die("table", "a cell is empty but not NULL, or not UTF-8");
        }
        if (!any) fuzz_die("table", "a blank row was kept");
    }
}

static void check_cell(const char *s) {
    cell_when w;
    const char *why;
    int64_t v;
    int b;
    for (int order = 0; order < 2; order++)
        if (!cell_date(s, (cell_date_order)order, &w, &why) && !time_valid_date(w.date)) fuzz_die("cell_date", s);
    if (!cell_money(s, "CNY", &v, &why) && (v < 0 || v > 1000000000000000LL)) fuzz_die("cell_money CNY", s);
    if (!cell_money(s, "JPY", &v, &why) && (v < 0 || v > 1000000000000000LL)) fuzz_die("cell_money JPY", s);
    if (!cell_int(s, 1000, &v, &why) && (v < 0 || v > 1000)) fuzz_die("cell_int", s);
    cell_bool(s, &b);
}

static void import_as(arena *a, const principal *p, const target_set *ts, const csvtable *t, const target_map *m,
                      uint8_t flags, int dry) {
    crm_ctx c = {F.db, a, p, NULL};
    import_options o = {.date_order = flags & 8 ? CELL_DMY : CELL_MDY, .accept_suggestions = !!(flags & 16), .dry_run = dry,
                        .skip_bad_rows = 1, .source = "fuzz.csv"};
    import_result r;
    import_result_init(&r);
    err e = {0};
    int rc = import_run(&c, ts, t, m, &o, &r, &e);
    json_t *out = json_object();
    fuzz_check(dry ? "import_run (dry run)" : "import_run", rc, out, &e);
    json_decref(out);
    if (!rc && (r.rows != t->nrows || r.imported + r.bad != r.rows))
        fuzz_die("import counts", "imported + bad rows is not every row");
    if (r.report.len && !utf8_ok(buf_str(&r.report))) fuzz_die("import report", "not UTF-8");
    import_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    fuzzdb_tick();
    uint8_t flags = data[0];
    arena a;
    arena_init(&a);
    csvtable t;
    err e = {0};
    if (csvtable_read(&a, (const char *)data + 1, size - 1, NULL, 1000, &t, &e)) {
        if (e.cls != ERR_BAD_REQUEST && e.cls != ERR_TOO_LARGE) fuzz_die("csvtable_read", e.msg);
        if (!utf8_ok(e.msg)) fuzz_die("csvtable_read", "message not UTF-8");
        arena_free(&a);
        return 0;
    }
    check_table(&t);
    for (size_t r = 0; r < t.nrows && r < 50; r++)
        for (int c = 0; c < t.ncells[r]; c++)
            if (t.cells[r][c]) check_cell(t.cells[r][c]);
    const target_set *ts = target_set_for(entities[(flags & 7) % 7]);
    target_map m;
    target_suggest(&a, ts, &t, &m);
    /* a mapping the header did not suggest: the first columns, in order */
    for (int i = 0, c = 0; ts->targets[i].name && c < t.ncols; i++)
        if (m.col[i] < 0 && ts->targets[i].required) m.col[i] = c++;
    import_as(&a, &F.rep, ts, &t, &m, flags, 1);
    import_as(&a, &F.admin, ts, &t, &m, flags, (flags & 0x60) != 0x60);
    arena_free(&a);
    return 0;
}
