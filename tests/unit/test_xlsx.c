/* test_xlsx: Excel workbooks read as the importer sees them. The fixtures in
 * tests/fixtures/xlsx/ are laid out as Excel saves a workbook (make.py there
 * writes them); the odd and broken ones are zipped up here with libzip.
 * Expected dates by hand: serial 42795 is 2017-03-01 (1900 system), which is
 * 41333 in the 1904 system (1462 days fewer); .604166... of a day is 14:30. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include "src/io/csvtable.h"
#include "src/io/xlsx.h"

#define FIXTURES "tests/fixtures/xlsx/"

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *b = malloc((size_t)len);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* A zip in memory holding parts {name, text, ..., NULL}; malloc'd. A text of
 * NULL with a size: that many spaces, made as libzip asks for them. */
typedef struct spaces { zip_uint64_t size, done; } spaces;

static zip_int64_t spaces_source(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd) {
    spaces *s = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN: s->done = 0; return 0;
    case ZIP_SOURCE_READ:
        if (len > s->size - s->done) len = s->size - s->done;
        memset(data, ' ', len);
        s->done += len;
        return (zip_int64_t)len;
    case ZIP_SOURCE_CLOSE: case ZIP_SOURCE_FREE: return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        zip_stat_init(st);
        st->size = s->size;
        st->valid |= ZIP_STAT_SIZE;
        return sizeof *st;
    }
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default: return -1;
    }
}

static char *zip_parts(const char *const *parts, spaces *big, size_t *n) {
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(out);
    zip_source_keep(out);
    zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    for (int i = 0; parts[i]; i += 2) {
        zip_source_t *s = parts[i + 1] ? zip_source_buffer(z, parts[i + 1], strlen(parts[i + 1]), 0)
                                       : zip_source_function(z, spaces_source, big);
        assert_non_null(s);
        zip_int64_t idx = zip_file_add(z, parts[i], s, ZIP_FL_ENC_UTF_8);
        assert_true(idx >= 0);
        if (!parts[i + 1]) zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 1);
    }
    assert_int_equal(zip_close(z), 0);
    zip_stat_t st;
    zip_stat_init(&st);
    assert_int_equal(zip_source_stat(out, &st), 0);
    char *b = malloc(st.size);
    assert_int_equal(zip_source_open(out), 0);
    assert_int_equal(zip_source_read(out, b, st.size), (zip_int64_t)st.size);
    zip_source_close(out);
    zip_source_free(out);
    *n = st.size;
    return b;
}

#define WB_NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
              "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RELS_NS "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define WORKBOOK "<workbook " WB_NS "><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define RELS "<Relationships " RELS_NS "><Relationship Id=\"rId1\" Type=\"" REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>" \
             "<Relationship Id=\"rId2\" Type=\"" REL "sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"
#define SHEET(rows) "<worksheet " WB_NS "><sheetData>" rows "</sheetData></worksheet>"
#define STRINGS(items) "<sst " WB_NS ">" items "</sst>"

/* A workbook of one sheet (and shared strings, if given). */
static char *book(const char *sheet, const char *strings, size_t *n) {
    const char *parts[] = {"xl/workbook.xml", WORKBOOK, "xl/_rels/workbook.xml.rels", RELS, "xl/worksheets/sheet1.xml", sheet,
                           strings ? "xl/sharedStrings.xml" : NULL, strings, NULL};
    return zip_parts(parts, NULL, n);
}

static csvtable read_ok(arena *a, const char *b, size_t n) {
    csvtable t;
    err e = {0};
    if (xlsx_read(a, b, n, 1000, &t, &e)) fail_msg("xlsx_read refused it: %s", e.msg);
    assert_string_equal(t.encoding, "xlsx");
    return t;
}

/* Refused with class cls, the reason in the message and as field "file". */
static void refused(const char *b, size_t n, size_t max_rows, err_class cls, const char *why) {
    arena a;
    arena_init(&a);
    csvtable t;
    err e = {0};
    if (!xlsx_read(&a, b, n, max_rows, &t, &e)) fail_msg("xlsx_read accepted a file that should be refused (%s)", why);
    if (!strstr(e.msg, why)) fail_msg("expected the reason to mention '%s', got '%s'", why, e.msg);
    assert_int_equal(e.cls, cls);
    assert_int_equal(e.nfields, 1);
    assert_string_equal(e.fields[0].name, "file");
    assert_non_null(strstr(e.fields[0].reason, why));
    assert_true(!strncmp(e.msg, "The file ", 9));
    arena_free(&a);
}

static void refused_book(const char *sheet, const char *strings, const char *why) {
    size_t n;
    char *b = book(sheet, strings, &n);
    refused(b, n, 1000, ERR_VALIDATION, why);
    free(b);
}

/* ---- what Excel writes ---- */

static void test_excel_workbook(void **state) {
    arena a;
    arena_init(&a);
    size_t n;
    char *b = slurp(FIXTURES "accounts.xlsx", &n);
    assert_true(xlsx_detect(b, n));
    csvtable t = read_ok(&a, b, n);
    const char *head[] = {"公司名称", "行业", "地区", "签约日期", "创建日期", "金额", "合计", "备注", "有效"};
    assert_int_equal(t.ncols, 9);
    for (int c = 0; c < 9; c++) assert_string_equal(t.header[c], head[c]);
    assert_int_equal(t.nrows, 3);   /* the second sheet and the empty formatted rows at the end are not read */
    const char *want[3][9] = {
        {"上海锐思科技有限公司", "制造业", "华东", "2017-03-01", "2017-03-11", "1054.1", "2108.2", "重点 客户", "TRUE"},
        {"北京星河贸易有限公司", NULL, "华北", "2017-03-01 14:30", "2018-03-01", "12", "是", "第一行\r\n第二行", "FALSE"},
        {"深圳", "零售", "华南", NULL, NULL, "-0.5", "#DIV/0!", "A_x0031_", NULL},
    };
    for (size_t r = 0; r < 3; r++)
        for (int c = 0; c < 9; c++) {
            const char *got = csvtable_cell(&t, r, c);
            if (!want[r][c]) { if (got) fail_msg("row %zu column %d: expected empty, got '%s'", r, c, got); }
            else if (!got || strcmp(got, want[r][c])) fail_msg("row %zu column %d: expected '%s', got '%s'", r, c, want[r][c], got ? got : "(empty)");
        }
    /* the sheet's row numbers: row 4 is not in the file */
    assert_int_equal(t.line[0], 2);
    assert_int_equal(t.line[1], 3);
    assert_int_equal(t.line[2], 5);
    free(b);
    arena_free(&a);
}

/* The same list saved as CSV gives the same table, row numbers included. */
static void test_same_table_as_csv(void **state) {
    arena a;
    arena_init(&a);
    size_t n;
    char *b = slurp(FIXTURES "accounts.xlsx", &n);
    csvtable x = read_ok(&a, b, n), c;
    const char csv[] = "公司名称,行业,地区,签约日期,创建日期,金额,合计,备注,有效\r\n"
                       "上海锐思科技有限公司,制造业,华东,2017-03-01,2017-03-11,1054.1,2108.2,重点 客户,TRUE\r\n"
                       "北京星河贸易有限公司,,华北,2017-03-01 14:30,2018-03-01,12,是,\"第一行\r\n第二行\",FALSE\r\n"
                       ",,,,,,,,\r\n"
                       "深圳,零售,华南,,,-0.5,#DIV/0!,A_x0031_,\r\n";
    err e = {0};
    assert_int_equal(csvtable_read(&a, csv, sizeof csv - 1, NULL, 1000, &c, &e), 0);
    assert_int_equal(x.ncols, c.ncols);
    assert_int_equal(x.nrows, c.nrows);
    for (size_t r = 0; r < x.nrows; r++) {
        assert_int_equal(x.line[r], c.line[r]);
        for (int k = 0; k < x.ncols; k++) {
            const char *p = csvtable_cell(&x, r, k), *q = csvtable_cell(&c, r, k);
            if (p != q && (!p || !q || strcmp(p, q))) fail_msg("row %zu column %d: xlsx '%s', csv '%s'", r, k, p ? p : "", q ? q : "");
        }
    }
    free(b);
    arena_free(&a);
}

static void test_dates_and_numbers(void **state) {
    arena a;
    arena_init(&a);
    size_t n;
    char *b = slurp(FIXTURES "dates-1900.xlsx", &n);
    csvtable t = read_ok(&a, b, n);
    const char *shown[] = {
        "1900-01-01", "1900-02-28", "1900-02-29", "1900-03-01",   /* day 60 is Excel's 29 February 1900 */
        "2017-03-01", "9999-12-31",
        "12:00", "00:01", "01:30",                                /* h:mm, mm:ss, [h]:mm:ss: the time of day */
        "2017-03-01 18:00",                                       /* [$-804]yyyy/m/d\ h:mm */
        "3.25",                                                   /* 0.00"m": the m is quoted text */
        "2017-03-01",                                             /* 31, Chinese Excel's built-in date */
        "42795",                                                  /* [Red]#,##0: colours, not a date */
        "42795",                                                  /* #,##0.00 */
        "2017-03-01",                                             /* yyyy-mm-dd;@ */
        "-1", "3000000", "0",                                     /* no date Excel could show: the number */
        "0.1", "123456789012", "0.001",                           /* General */
    };
    assert_int_equal(t.nrows, sizeof shown / sizeof shown[0]);
    for (size_t r = 0; r < t.nrows; r++)
        if (strcmp(csvtable_cell(&t, r, 1), shown[r]))
            fail_msg("serial %s: expected '%s', got '%s'", csvtable_cell(&t, r, 0), shown[r], csvtable_cell(&t, r, 1));
    free(b);
    b = slurp(FIXTURES "dates-1904.xlsx", &n);
    t = read_ok(&a, b, n);
    assert_string_equal(csvtable_cell(&t, 0, 0), "1904-01-01");
    assert_string_equal(csvtable_cell(&t, 0, 1), "2017-03-01 12:00");
    assert_string_equal(csvtable_cell(&t, 1, 0), "2017-03-01");
    assert_string_equal(csvtable_cell(&t, 1, 1), "1904-01-02 06:00");
    free(b);
    arena_free(&a);
}

/* ---- what other programs write ---- */

static void test_first_sheet_in_workbook_order(void **state) {
    /* the sheets were reordered: the first is in sheet2.xml, named by an absolute
     * target; prefixed element names (as .NET writes them); no styles, no shared strings */
    const char *parts[] = {
        "xl/workbook.xml", "<x:workbook xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                           "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><x:sheets>"
                           "<x:sheet name=\"Leads\" sheetId=\"2\" r:id=\"rId7\"/><x:sheet name=\"Old\" sheetId=\"1\" r:id=\"rId1\"/>"
                           "</x:sheets></x:workbook>",
        "xl/_rels/workbook.xml.rels", "<Relationships " RELS_NS ">"
                           "<Relationship Id=\"rId1\" Type=\"" REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
                           "<Relationship Id=\"rId7\" Type=\"" REL "worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/></Relationships>",
        "xl/worksheets/sheet1.xml", SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>old</t></is></c></row>"),
        "xl/worksheets/sheet2.xml", "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:sheetData>"
                           "<x:row><x:c t=\"inlineStr\"><x:is><x:t>name</x:t></x:is></x:c><x:c t=\"inlineStr\"><x:is><x:t>n</x:t></x:is></x:c></x:row>"
                           "<x:row><x:c t=\"inlineStr\"><x:is><x:t> Acme </x:t></x:is></x:c><x:c><x:v>7</x:v></x:c></x:row>"
                           "<x:row r=\"5\"><x:c r=\"B5\"><x:v>8</x:v></x:c><x:c><x:v>9</x:v></x:c></x:row>"
                           "</x:sheetData></x:worksheet>",
        NULL};
    size_t n;
    char *b = zip_parts(parts, NULL, &n);
    arena a;
    arena_init(&a);
    csvtable t = read_ok(&a, b, n);
    assert_int_equal(t.ncols, 2);
    assert_string_equal(t.header[0], "name");
    assert_string_equal(csvtable_cell(&t, 0, 0), "Acme");   /* trimmed as in CSV */
    assert_string_equal(csvtable_cell(&t, 0, 1), "7");
    assert_int_equal(t.line[0], 2);                          /* rows and cells without references follow on */
    assert_null(csvtable_cell(&t, 1, 0));
    assert_string_equal(csvtable_cell(&t, 1, 1), "8");
    assert_string_equal(csvtable_cell(&t, 1, 2), "9");
    assert_int_equal(t.line[1], 5);
    free(b);
    arena_free(&a);
}

static void test_header_below_a_title(void **state) {
    size_t n;
    char *b = book(SHEET("<row r=\"3\"><c r=\"B3\" t=\"s\"><v>0</v></c><c r=\"C3\" t=\"s\"><v>1</v></c></row>"
                         "<row r=\"4\"><c r=\"B4\" t=\"s\"><v>2</v></c><c r=\"C4\" t=\"s\"><v>1</v></c></row>"),
                   STRINGS("<si><t>name</t></si><si><t>sector</t></si><si><t>Acme, \"Inc.\"</t></si>"), &n);
    arena a;
    arena_init(&a);
    csvtable t = read_ok(&a, b, n);
    assert_string_equal(t.header[0], "column 1");   /* column A is empty, as in a CSV with a leading comma */
    assert_string_equal(t.header[1], "name");
    assert_string_equal(csvtable_cell(&t, 0, 1), "Acme, \"Inc.\"");
    assert_string_equal(csvtable_cell(&t, 0, 2), "sector");
    assert_int_equal(t.line[0], 4);
    free(b);
    arena_free(&a);
}

/* ---- refused, saying why ---- */

static void test_files_refused(void **state) {
    size_t n;
    char *b = slurp(FIXTURES "accounts.xlsx", &n);
    refused(b, n / 2, 1000, ERR_VALIDATION, "is not a readable .xlsx: the zip archive is damaged");
    refused(b, n, 2, ERR_TOO_LARGE, "has more than 2 rows: split it");
    free(b);

    char ole[1024] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    assert_true(xlsx_detect(ole, sizeof ole));
    refused(ole, sizeof ole, 1000, ERR_VALIDATION, "is an Excel 97-2003 workbook (.xls)");
    memcpy(ole + 600, "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0", 32);
    refused(ole, sizeof ole, 1000, ERR_VALIDATION, "is protected with a password");
    assert_false(xlsx_detect("name,amount\n", 12));

    const char *odt[] = {"content.xml", "<office:document-content/>", "mimetype", "application/vnd.oasis.opendocument.spreadsheet", NULL};
    b = zip_parts(odt, NULL, &n);
    refused(b, n, 1000, ERR_VALIDATION, "is a zip archive but not an Excel workbook");
    free(b);

    refused_book("<worksheet>\n<sheetData>\n<row><c></row>\n</sheetData></worksheet>", NULL,
                 "is not a readable .xlsx: xl/worksheets/sheet1.xml is not well-formed XML (line 3: mismatched tag)");
    refused_book("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet/>", NULL, "has a DTD");
    refused_book(SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>"), STRINGS("<si><t>x</t></si>"),
                 "cell A1 refers to shared string '1', which is not there");
    refused_book(SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"), NULL, "shared string '0'");
    refused_book(SHEET("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"OK1\"><v>1</v></c></row>"), NULL,
                 "cell OK1 is past column 400");
    refused_book(SHEET("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"ABCD1\"><v>1</v></c></row>"), NULL,
                 "cell reference 'ABCD1'");
    refused_book(SHEET("<row r=\"2\"><c><v>1</v></c></row><row r=\"1\"><c><v>1</v></c></row>"), NULL, "has row 1 after row 2");
    refused_book(SHEET("<row r=\"1048577\"><c><v>1</v></c></row>"), NULL, "row number '1048577'");
    refused_book(SHEET("<row r=\"1\"><c r=\"A1\" s=\"3\"/></row>"), NULL, "has nothing on its first sheet (\"Sheet1\")");

    const char *chart[] = {"xl/workbook.xml", WORKBOOK, "xl/_rels/workbook.xml.rels",
                           "<Relationships " RELS_NS "><Relationship Id=\"rId1\" Type=\"" REL "chartsheet\" Target=\"chartsheets/sheet1.xml\"/></Relationships>",
                           NULL};
    b = zip_parts(chart, NULL, &n);
    refused(b, n, 1000, ERR_VALIDATION, "has a chart, not a list, as its first sheet");
    free(b);
    const char *missing[] = {"xl/workbook.xml", WORKBOOK, "xl/_rels/workbook.xml.rels", RELS, NULL};
    b = zip_parts(missing, NULL, &n);
    refused(b, n, 1000, ERR_VALIDATION, "xl/worksheets/sheet1.xml is missing");
    free(b);
}

static void test_limits(void **state) {
    /* a text over csvtable's cell limit */
    size_t big = CSVTABLE_MAX_CELL + 10, n;
    char *sst = malloc(big + 200);
    int k = sprintf(sst, "<sst><si><t>");
    memset(sst + k, 'x', big);
    strcpy(sst + k + big, "</t></si></sst>");
    const char *parts[] = {"xl/workbook.xml", WORKBOOK, "xl/_rels/workbook.xml.rels", RELS, "xl/sharedStrings.xml", sst,
                           "xl/worksheets/sheet1.xml", SHEET(""), NULL};
    char *b = zip_parts(parts, NULL, &n);
    refused(b, n, 1000, ERR_TOO_LARGE, "has a text longer than 64 KiB in xl/sharedStrings.xml");
    free(b);
    free(sst);

    /* a part that says it unpacks to 300 MiB is refused before it is unpacked */
    spaces s = {300u << 20, 0};
    const char *bomb[] = {"xl/workbook.xml", WORKBOOK, "xl/_rels/workbook.xml.rels", RELS, "xl/sharedStrings.xml", NULL, NULL};
    b = zip_parts(bomb, &s, &n);
    assert_true(n < (4u << 20));
    refused(b, n, 1000, ERR_TOO_LARGE, "unpacks to more than 256 MiB");

    /* ... and one that says it is small is stopped when the bytes unpacked pass the limit */
    for (size_t i = 0; i + 46 < n; i++)
        if (!memcmp(b + i, "PK\x01\x02", 4) && !memcmp(b + i + 46, "xl/sharedStrings.xml", 20)) memcpy(b + i + 24, "\x10\0\0\0", 4);
    refused(b, n, 1000, ERR_TOO_LARGE, "unpacks to more than 256 MiB");
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_excel_workbook),
        cmocka_unit_test(test_same_table_as_csv),
        cmocka_unit_test(test_dates_and_numbers),
        cmocka_unit_test(test_first_sheet_in_workbook_order),
        cmocka_unit_test(test_header_below_a_title),
        cmocka_unit_test(test_files_refused),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests_name("xlsx", tests, NULL, NULL);
}
