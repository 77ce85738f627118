/* jsonw: JSON text written straight from rows must parse back to the same values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>
#include "src/core/jsonw.h"

static void test_strings_round_trip(void **state) {
    const char *cases[] = {"", "plain", "上海锐思科技有限公司", "quote \" and \\ backslash", "line\nbreak\ttab\rcr",
                           "\x01\x1f control", "emoji 😀 and ünïcode", "</script>"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = BUF_INIT;
        jsonw_str(&b, cases[i]);
        json_error_t je;
        json_t *v = json_loads(buf_str(&b), JSON_DECODE_ANY, &je);
        assert_non_null(v);
        assert_string_equal(json_string_value(v), cases[i]);
        json_decref(v);
        buf_free(&b);
    }
    buf b = BUF_INIT;
    jsonw_str(&b, NULL);
    assert_string_equal(buf_str(&b), "null");
    buf_free(&b);
}

static void test_ints_and_keys(void **state) {
    buf b = BUF_INIT;
    buf_putc(&b, '{');
    jsonw_key(&b, "zero", 1);
    jsonw_int(&b, 0);
    jsonw_key(&b, "neg", 0);
    jsonw_int(&b, -42);
    jsonw_key(&b, "max", 0);
    jsonw_int(&b, INT64_MAX);
    jsonw_key(&b, "min", 0);
    jsonw_int(&b, INT64_MIN);
    buf_putc(&b, '}');
    assert_string_equal(buf_str(&b), "{\"zero\":0,\"neg\":-42,\"max\":9223372036854775807,\"min\":-9223372036854775808}");
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_strings_round_trip), cmocka_unit_test(test_ints_and_keys)};
    return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
