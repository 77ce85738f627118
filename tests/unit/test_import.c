/* test_import: the pure parts of the importer, as real files and cells come:
 * encodings (UTF-8 with and without BOM, GB18030 from Chinese Excel, UTF-16),
 * delimiters, quoting, blank rows and row numbers; dates in the orders people
 * write them; money with grouping, decimal commas, symbols and 万; near-miss
 * names; header suggestions in English and Chinese. Expected instants by hand:
 * 2017-03-01 is 17226 days after 1970-01-01 (47 years with 12 leap days =
 * 17167, + 31 + 28), so noon UTC is 17226 * 86400000 + 43200000. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "src/io/cells.h"
#include "src/io/csvtable.h"
#include "src/io/lookup.h"
#include "src/io/targets.h"
#include "src/core/text.h"

#define NOON_2017_03_01 (17226LL * 86400000 + 43200000)

static cell_when date_ok(const char *s, cell_date_order o) {
    cell_when w;
    const char *why = NULL;
    if (cell_date(s, o, &w, &why)) fail_msg("cell_date(\"%s\") refused it: %s", s, why);
    return w;
}

static const char *date_refused(const char *s, cell_date_order o) {
    cell_when w;
    const char *why = NULL;
    if (!cell_date(s, o, &w, &why)) fail_msg("cell_date(\"%s\") accepted it as %s", s, w.date);
    assert_non_null(why);
    return why;
}

static void test_dates_as_people_write_them(void **state) {
    const char *same[] = {"2017-03-01", "2017/3/1", "2017.03.01", "3/1/2017", "03/01/2017", "3-1-2017", "3/1/17",
                          "2017年3月1日", "2017年03月01号", " 2017-03-01 ", "01.03.2017", "1.3.17", "2017. 03. 01.", "2017.3.1."};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        cell_when w = date_ok(same[i], CELL_MDY);
        assert_string_equal(w.date, "2017-03-01");
        assert_int_equal(w.ms, NOON_2017_03_01);   /* a plain date is noon UTC: the same day from UTC-11 to UTC+11 */
        assert_false(w.has_time);
    }
    assert_string_equal(date_ok("1/3/2017", CELL_DMY).date, "2017-03-01");
    assert_string_equal(date_ok("13/1/2017", CELL_DMY).date, "2017-01-13");
    assert_string_equal(date_ok("12/31/99", CELL_MDY).date, "1999-12-31");   /* two-digit years pivot at 70 */
    assert_string_equal(date_ok("1/1/69", CELL_MDY).date, "2069-01-01");
    assert_string_equal(date_ok("2/29/2024", CELL_MDY).date, "2024-02-29");
}

static void test_dates_with_times(void **state) {
    int64_t midnight = NOON_2017_03_01 - 43200000;
    assert_int_equal(date_ok("2017-03-01 14:30", CELL_MDY).ms, midnight + 52200000);
    assert_int_equal(date_ok("2017-03-01T14:30:15Z", CELL_MDY).ms, midnight + 52215000);
    assert_int_equal(date_ok("2017-03-01T14:30:00+08:00", CELL_MDY).ms, midnight + 52200000 - 8 * 3600000);
    assert_int_equal(date_ok("3/1/2017 2:30 PM", CELL_MDY).ms, midnight + 52200000);
    assert_int_equal(date_ok("3/1/2017 12:05 am", CELL_MDY).ms, midnight + 300000);
    assert_true(date_ok("2017-03-01 09:00:00.250", CELL_MDY).has_time);
}

static void test_dates_refused_with_reasons(void **state) {
    assert_non_null(strstr(date_refused("13/1/2017", CELL_MDY), "day/month/year"));   /* says which order would work */
    assert_non_null(strstr(date_refused("1/13/2017", CELL_DMY), "month/day/year"));
    assert_non_null(strstr(date_refused("2/30/2017", CELL_MDY), "real calendar date"));
    assert_non_null(strstr(date_refused("2017-02-29", CELL_MDY), "real calendar date"));
    const char *bad[] = {"", "yesterday", "20170301", "2017", "3/1", "3/1/2017x", "2017-03-01 25:00", "2017-3/1",
                         "3/1/201", "2017年3月", "2017-03-01 2:30 XM", "1/1/1850"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) date_refused(bad[i], CELL_MDY);
}

static int64_t money_ok(const char *s, const char *cur) {
    int64_t v = -1;
    const char *why = NULL;
    if (cell_money(s, cur, &v, &why)) fail_msg("cell_money(\"%s\", %s) refused it: %s", s, cur, why);
    return v;
}

static const char *money_refused(const char *s, const char *cur) {
    int64_t v = 42;
    const char *why = NULL;
    if (!cell_money(s, cur, &v, &why)) fail_msg("cell_money(\"%s\", %s) accepted it as %lld", s, cur, (long long)v);
    assert_int_equal(v, 42);
    return why;
}

static void test_money(void **state) {
    assert_int_equal(money_ok("1054", "USD"), 105400);
    assert_int_equal(money_ok("1,054", "USD"), 105400);        /* a comma before three digits groups thousands */
    assert_int_equal(money_ok("1,054.50", "USD"), 105450);
    assert_int_equal(money_ok("1.054,50", "EUR"), 105450);     /* European: the later mark is the decimal one */
    assert_int_equal(money_ok("12,5", "HUF"), 1250);           /* a decimal comma */
    assert_int_equal(money_ok("1.234.567", "EUR"), 123456700);
    assert_int_equal(money_ok("1 234 567,89", "EUR"), 123456789);
    assert_int_equal(money_ok("$4,514", "USD"), 451400);
    assert_int_equal(money_ok("USD 100", "USD"), 10000);
    assert_int_equal(money_ok("100 USD", "USD"), 10000);
    assert_int_equal(money_ok("¥3,000", "CNY"), 300000);
    assert_int_equal(money_ok("3000元", "CNY"), 300000);
    assert_int_equal(money_ok("1.5万", "CNY"), 1500000);       /* 15,000.00 yuan */
    assert_int_equal(money_ok("2亿", "CNY"), 20000000000LL);
    assert_int_equal(money_ok("1,05,400", "INR"), 10540000);   /* Indian grouping */
    assert_int_equal(money_ok("1054.00", "JPY"), 1054);        /* zero decimals: trailing zeros are fine */
    assert_int_equal(money_ok("0", "USD"), 0);
    assert_non_null(strstr(money_refused("-5", "USD"), "negative"));
    assert_non_null(strstr(money_refused("(5)", "USD"), "negative"));
    assert_non_null(strstr(money_refused("1.005", "USD"), "decimals"));
    assert_non_null(strstr(money_refused("10.5", "JPY"), "decimals"));
    assert_non_null(strstr(money_refused("EUR 5", "USD"), "another currency"));
    assert_non_null(strstr(money_refused("€5", "USD"), "another currency"));
    assert_non_null(strstr(money_refused("99999999999999999", "USD"), "too large"));
    const char *bad[] = {"", "abc", "1e5", "12..5", "five", "$", "1-2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) money_refused(bad[i], "USD");
    money_refused("5", "XXX");   /* not a currency the server takes */
    assert_int_equal(money_ok("1,054", "HUF"), 105400);        /* ISO 4217 gives the forint two minor digits */
}

static void test_bool_and_int(void **state) {
    int b = -1;
    const char *yes[] = {"true", "TRUE", "Yes", "y", "1", "是", "x"}, *no[] = {"false", "No", "n", "0", "否"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) { assert_int_equal(cell_bool(yes[i], &b), 0); assert_int_equal(b, 1); }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) { assert_int_equal(cell_bool(no[i], &b), 0); assert_int_equal(b, 0); }
    assert_int_equal(cell_bool("maybe", &b), -1);
    int64_t v;
    const char *why;
    assert_int_equal(cell_int("2,822", 0, &v, &why), 0);
    assert_int_equal(v, 2822);
    assert_int_equal(cell_int("-1", 0, &v, &why), -1);
    assert_int_equal(cell_int("1.5", 0, &v, &why), -1);
    assert_int_equal(cell_int("101", 100, &v, &why), -1);
    assert_non_null(strstr(why, "too large"));
}

/* ---- files ---- */

static csvtable read_ok(arena *a, const char *bytes, size_t n) {
    csvtable t;
    err e = {0};
    if (csvtable_read(a, bytes, n, NULL, 1000, &t, &e)) fail_msg("csvtable_read refused it: %s", e.msg);
    return t;
}

static void refused_file(const char *bytes, size_t n, const char *why) {
    arena a;
    arena_init(&a);
    csvtable t;
    err e = {0};
    if (!csvtable_read(&a, bytes, n, NULL, 2, &t, &e)) fail_msg("csvtable_read accepted a file that should be refused (%s)", why);
    if (!strstr(e.msg, why)) fail_msg("expected the reason to mention '%s', got '%s'", why, e.msg);
    arena_free(&a);
}

static void test_utf8_with_and_without_bom(void **state) {
    arena a;
    arena_init(&a);
    const char plain[] = "公司名称,联系人\n上海锐思科技有限公司,王芳\n";
    csvtable t = read_ok(&a, plain, sizeof plain - 1);
    assert_string_equal(t.encoding, "utf-8");
    assert_int_equal(t.ncols, 2);
    assert_string_equal(t.header[0], "公司名称");
    assert_string_equal(csvtable_cell(&t, 0, 1), "王芳");
    const char bom[] = "\xEF\xBB\xBF" "name\nAcme\n";
    t = read_ok(&a, bom, sizeof bom - 1);
    assert_string_equal(t.encoding, "utf-8-bom");
    assert_string_equal(t.header[0], "name");   /* the BOM is not part of the first column's name */
    arena_free(&a);
}

static void test_gb18030_from_chinese_excel(void **state) {
    arena a;
    arena_init(&a);
    /* "公司名称,联系人,金额\r\n上海锐思科技有限公司,王芳,1.5万\r\n" as GB18030 */
    const char gb[] = "\xb9\xab\xcb\xbe\xc3\xfb\xb3\xc6,\xc1\xaa\xcf\xb5\xc8\xcb,\xbd\xf0\xb6\xee\r\n"
                      "\xc9\xcf\xba\xa3\xc8\xf1\xcb\xbc\xbf\xc6\xbc\xbc\xd3\xd0\xcf\xde\xb9\xab\xcb\xbe,\xcd\xf5\xb7\xbc,1.5\xcd\xf2\r\n";
    csvtable t = read_ok(&a, gb, sizeof gb - 1);
    assert_string_equal(t.encoding, "gb18030");
    assert_string_equal(t.header[0], "公司名称");
    assert_string_equal(t.header[2], "金额");
    assert_int_equal(t.nrows, 1);
    assert_string_equal(csvtable_cell(&t, 0, 0), "上海锐思科技有限公司");
    assert_string_equal(csvtable_cell(&t, 0, 2), "1.5万");
    assert_int_equal(t.line[0], 2);
    arena_free(&a);
}

static void test_utf16_tab_separated(void **state) {
    arena a;
    arena_init(&a);
    /* Excel's "Unicode text": UTF-16LE with a BOM, tab-separated */
    const char u16[] = "\xff\xfe" "n\0a\0m\0e\0\t\0a\0m\0o\0u\0n\0t\0\n\0" "\x20\x5f\t\0" "5\0\n\0";
    csvtable t = read_ok(&a, u16, sizeof u16 - 1);
    assert_string_equal(t.encoding, "utf-16");
    assert_int_equal(t.delim, '\t');
    assert_int_equal(t.ncols, 2);
    assert_string_equal(csvtable_cell(&t, 0, 0), "张");
    assert_string_equal(csvtable_cell(&t, 0, 1), "5");
    arena_free(&a);
}

static void test_splitting(void **state) {
    arena a;
    arena_init(&a);
    const char semi[] = "name;amount;;\r\n\"Acme; Inc.\";\"1.054,50\"\r\n\r\n  Beta  ;\r\n\"Multi\r\nline\";3\r\n";
    csvtable t = read_ok(&a, semi, sizeof semi - 1);
    assert_int_equal(t.delim, ';');
    assert_int_equal(t.ncols, 2);                  /* trailing empty header cells are stray delimiters */
    assert_int_equal(t.nrows, 3);                  /* the blank row is dropped ... */
    assert_string_equal(csvtable_cell(&t, 0, 0), "Acme; Inc.");
    assert_string_equal(csvtable_cell(&t, 1, 0), "Beta");   /* trimmed */
    assert_null(csvtable_cell(&t, 1, 1));          /* empty is NULL */
    assert_int_equal(t.line[1], 4);                /* ... but keeps its row number */
    assert_string_equal(csvtable_cell(&t, 2, 0), "Multi\r\nline");
    assert_int_equal(t.line[2], 5);
    const char sep[] = "sep=|\nname|x\na|b\n";
    t = read_ok(&a, sep, sizeof sep - 1);
    assert_int_equal(t.delim, '|');
    assert_string_equal(csvtable_cell(&t, 0, 1), "b");
    assert_int_equal(t.line[0], 2);
    const char dup[] = "name,,name,\xe3\x80\x80x\xc2\xa0\na,b,c,d\n";
    t = read_ok(&a, dup, sizeof dup - 1);
    assert_string_equal(t.header[1], "column 2");
    assert_string_equal(t.header[2], "name (2)");
    assert_string_equal(t.header[3], "x");         /* ideographic and no-break spaces trimmed */
    arena_free(&a);
}

static void test_files_refused(void **state) {
    refused_file("PK\x03\x04rest", 8, "Excel workbook");
    refused_file("", 0, "empty");
    refused_file("\n\n", 2, "empty");
    refused_file("a\x00" "b\n", 4, "NUL");
    refused_file("\xEF\xBB\xBF" "a\xff\n", 6, "UTF-8");
    refused_file("h\n1\n2\n3\n", 8, "more than 2 rows");
    refused_file("h\n\xff\xff\n", 5, "neither UTF-8 nor GB18030");
}

/* ---- names ---- */

static void test_near_miss_names(void **state) {
    arena a;
    arena_init(&a);
    lookup *l = lookup_new(&a, text_key);
    const char *products[] = {"GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTX Plus Pro", "GTX Plus Basic", "GTK 500"};
    for (int i = 0; i < 7; i++) lookup_add(l, products[i], i + 1);
    assert_non_null(lookup_get(l, "gtx  PRO"));
    assert_null(lookup_get(l, "GTXPro"));
    const lookup_entry *near = lookup_near(l, "GTXPro");
    assert_non_null(near);
    assert_string_equal(near->name, "GTX Pro");
    assert_null(lookup_near(l, "Completely different"));
    lookup *ind = lookup_new(&a, text_key);
    lookup_add(ind, "technology", 0);
    lookup_add(ind, "telecommunications", 0);
    assert_string_equal(lookup_near(ind, "technolgy")->name, "technology");
    lookup *acc = lookup_new(&a, text_company_key);
    lookup_add(acc, "上海锐思科技有限公司", 7);
    assert_int_equal(lookup_get(acc, "上海锐思科技")->id, 7);   /* legal forms aside, one company */
    lookup_add(acc, "Acme Corporation", 8);
    lookup_add(acc, "ACME Corp.", 9);
    assert_int_equal(lookup_get(acc, "acme")->count, 2);        /* two records under one key: ambiguous */
    arena_free(&a);
}

static void test_header_suggestions(void **state) {
    arena a;
    arena_init(&a);
    const char zh[] = "公司名称,联系人,电话,邮箱,金额,阶段,负责人,客户名称\n";
    csvtable t = read_ok(&a, zh, sizeof zh - 1);
    target_map m;
    const target_set *contacts = target_set_for("contacts"), *opps = target_set_for("opportunities");
    target_suggest(&a, contacts, &t, &m);
    assert_int_equal(m.col[target_find(contacts, "account")], 0);
    assert_int_equal(m.col[target_find(contacts, "name")], 1);
    assert_int_equal(m.col[target_find(contacts, "phone")], 2);
    assert_int_equal(m.col[target_find(contacts, "email")], 3);
    assert_int_equal(m.col[target_find(contacts, "owner")], 6);
    target_suggest(&a, opps, &t, &m);
    assert_int_equal(m.col[target_find(opps, "account")], 0);   /* the first column that fits wins */
    assert_int_equal(m.col[target_find(opps, "amount")], 4);
    assert_int_equal(m.col[target_find(opps, "stage")], 5);
    assert_int_equal(m.col[target_find(opps, "owner")], 6);
    const char maven[] = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n";
    t = read_ok(&a, maven, sizeof maven - 1);
    target_suggest(&a, opps, &t, &m);
    const char *want[][2] = {{"name", "opportunity_id"}, {"owner", "sales_agent"}, {"product", "product"}, {"account", "account"},
                             {"stage", "deal_stage"}, {"created", "engage_date"}, {"close_date", "close_date"}, {"amount", "close_value"}};
    for (int i = 0; i < 8; i++) {
        int col = m.col[target_find(opps, want[i][0])];
        assert_true(col >= 0);
        assert_string_equal(t.header[col], want[i][1]);
    }
    assert_null(target_set_for("stages"));   /* configuration is not imported */
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates_as_people_write_them),
        cmocka_unit_test(test_dates_with_times),
        cmocka_unit_test(test_dates_refused_with_reasons),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_bool_and_int),
        cmocka_unit_test(test_utf8_with_and_without_bom),
        cmocka_unit_test(test_gb18030_from_chinese_excel),
        cmocka_unit_test(test_utf16_tab_separated),
        cmocka_unit_test(test_splitting),
        cmocka_unit_test(test_files_refused),
        cmocka_unit_test(test_near_miss_names),
        cmocka_unit_test(test_header_suggestions),
    };
    return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
