/* test_timeutil: calendar dates and RFC 3339 timestamps as users type them.
 * Expected instants are worked out by hand, e.g. 2026-03-01T09:30:00Z:
 * 56 years since 1970 with 14 leap days = 20454 days, + 31 (Jan) + 28 (Feb)
 * = 20513 days = 1772323200 s, + 9.5 h = 1772357400 s. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "src/core/timeutil.h"

#define T0930Z 1772357400000LL /* 2026-03-01T09:30:00Z */

static int64_t parse(const char *s) {
    int64_t ms = INT64_MIN;
    if (time_parse_ts(s, &ms)) fail_msg("time_parse_ts(\"%s\") refused a valid timestamp", s);
    return ms;
}

static void refused(const char *s) {
    int64_t ms = 42;
    if (time_parse_ts(s, &ms) != -1) fail_msg("time_parse_ts(\"%s\") accepted it as %lld", s, (long long)ms);
    assert_int_equal(ms, 42); /* nothing written on failure */
}

static void test_valid_date_leap_years(void **state) {
    assert_true(time_valid_date("2024-02-29"));   /* divisible by 4 */
    assert_false(time_valid_date("2023-02-29"));
    assert_false(time_valid_date("2100-02-29"));  /* divisible by 100, not by 400 */
    assert_true(time_valid_date("2000-02-29"));   /* divisible by 400 */
    assert_true(time_valid_date("2026-02-28"));
    assert_false(time_valid_date("2026-02-30"));
    assert_false(time_valid_date("2026-04-31"));  /* 30 days hath April */
    assert_true(time_valid_date("2026-12-31"));
    assert_true(time_valid_date("2026-01-01"));
}

static void test_valid_date_shape(void **state) {
    assert_false(time_valid_date("2026-13-01"));
    assert_false(time_valid_date("2026-00-10"));
    assert_false(time_valid_date("2026-01-00"));
    assert_false(time_valid_date("2026-01-32"));
    assert_false(time_valid_date("2026-1-01"));
    assert_false(time_valid_date("2026-01-1"));
    assert_false(time_valid_date("2026-01-01x"));
    assert_false(time_valid_date("2026-01-01 "));
    assert_false(time_valid_date("2026-01-01T00:00:00Z"));
    assert_false(time_valid_date(" 2026-01-01"));
    assert_false(time_valid_date("2026/01/01"));
    assert_false(time_valid_date("20260101"));
    assert_false(time_valid_date("+026-01-01"));
    assert_false(time_valid_date("2026-+1-01"));
    assert_false(time_valid_date("2026- 1-01"));
    assert_false(time_valid_date(""));
    assert_false(time_valid_date(NULL));
    assert_false(time_valid_date("1899-12-31"));  /* before the supported range */
    assert_true(time_valid_date("1900-01-01"));
    assert_true(time_valid_date("9999-12-31"));
}

static void test_parse_zulu(void **state) {
    assert_int_equal(parse("2026-03-01T09:30:00Z"), T0930Z);
    assert_int_equal(parse("2026-03-01T09:30:00z"), T0930Z);
    assert_int_equal(parse("2026-03-01 09:30:00Z"), T0930Z);   /* space for T, as RFC 3339 allows */
    assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse("1969-12-31T23:59:59.999Z"), -1);
    assert_int_equal(parse("2024-02-29T00:00:00Z"), 1709164800000LL);
    assert_int_equal(parse("1900-01-01T00:00:00Z"), -2208988800000LL);
    assert_int_equal(parse("9999-12-31T23:59:59.999Z"), 253402300799999LL);
}

static void test_parse_offsets(void **state) {
    /* +08:00 is 8 hours ahead of UTC: 17:30 there is 09:30 UTC */
    assert_int_equal(parse("2026-03-01T17:30:00+08:00"), T0930Z);
    /* -05:30 is 5.5 hours behind: 04:00 there is 09:30 UTC */
    assert_int_equal(parse("2026-03-01T04:00:00-05:30"), T0930Z);
    assert_int_equal(parse("2026-03-01T09:30:00+00:00"), T0930Z);
    assert_int_equal(parse("2026-03-01T09:30:00-00:00"), T0930Z);
    /* an offset can move the instant into the previous day, month and year */
    assert_int_equal(parse("2026-01-01T00:30:00+01:00"), 1767223800000LL); /* 2025-12-31T23:30:00Z */
    assert_int_equal(parse("2026-02-28T23:30:00-10:00"), parse("2026-03-01T09:30:00Z"));
    assert_int_equal(parse("2026-03-01T23:59:00+23:59"), parse("2026-03-01T00:00:00Z"));
}

static void test_parse_fractions(void **state) {
    assert_int_equal(parse("2026-03-01T09:30:00.5Z"), T0930Z + 500);
    assert_int_equal(parse("2026-03-01T09:30:00.05Z"), T0930Z + 50);
    assert_int_equal(parse("2026-03-01T09:30:00.123Z"), T0930Z + 123);
    /* below a millisecond is cut off, not rounded */
    assert_int_equal(parse("2026-03-01T09:30:00.123456Z"), T0930Z + 123);
    assert_int_equal(parse("2026-03-01T09:30:00.999999999Z"), T0930Z + 999);
    assert_int_equal(parse("2026-03-01T17:30:00.250+08:00"), T0930Z + 250);
    refused("2026-03-01T09:30:00.Z");
    refused("2026-03-01T09:30:00.1234567890Z");  /* more than nanoseconds */
    refused("2026-03-01T09:30:00,5Z");
}

static void test_parse_refuses(void **state) {
    refused("2026-03-01T24:00:00Z");
    refused("2026-03-01T23:60:00Z");
    refused("2026-03-01T23:59:61Z");
    refused("2026-03-01T9:30:00Z");
    refused("2026-02-29T09:30:00Z");   /* 2026 is no leap year */
    refused("2026-13-01T09:30:00Z");
    refused("2026-03-01T09:30:00");    /* no zone: ambiguous */
    refused("2026-03-01T09:30:00.5");
    refused("2026-03-01");
    refused("2026-03-01T09:30Z");
    refused("2026-03-01X09:30:00Z");
    refused("2026-03-01T09:30:00+0800");
    refused("2026-03-01T09:30:00+08");
    refused("2026-03-01T09:30:00+24:00");
    refused("2026-03-01T09:30:00+08:60");
    refused("2026-03-01T09:30:00+08:00 ");
    refused("2026-03-01T09:30:00Z ");
    refused("2026-03-01T09:30:00ZZ");
    refused("2026-03-01T09:30:00 UTC");
    refused(" 2026-03-01T09:30:00Z");
    refused("");
    refused(NULL);
}

static void test_format(void **state) {
    char out[32];
    time_format_ms(T0930Z + 7, out);
    assert_string_equal(out, "2026-03-01T09:30:00.007Z");
    time_format_ms(1795443038123LL, out);
    assert_string_equal(out, "2026-11-23T14:10:38.123Z");
    time_format_ms(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    /* before 1970 the millisecond part still counts forward from the second */
    time_format_ms(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    time_format_ms(-1000, out);
    assert_string_equal(out, "1969-12-31T23:59:59.000Z");
    time_format_ms(-1001, out);
    assert_string_equal(out, "1969-12-31T23:59:58.999Z");
    char d[11];
    time_date_of_ms(T0930Z, d);
    assert_string_equal(d, "2026-03-01");
    time_date_of_ms(-1, d);
    assert_string_equal(d, "1969-12-31");
}

/* format then parse gives the same instant, across the supported years */
static void test_round_trip(void **state) {
    const int64_t lo = -2208988800000LL, hi = 253402300799999LL; /* 1900-01-01 .. 9999-12-31 */
    int64_t fixed[] = {lo, hi, -1, 0, 1, 999, 1000, -999, -1000, -1001, T0930Z, 951782400000LL};
    char out[32];
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        time_format_ms(fixed[i], out);
        assert_int_equal(parse(out), fixed[i]);
    }
    uint64_t x = 88172645463325252ULL; /* xorshift: reproducible spread of instants */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        int64_t ms = lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
        time_format_ms(ms, out);
        if (parse(out) != ms) fail_msg("%lld -> %s -> %lld", (long long)ms, out, (long long)parse(out));
        char d[11];
        time_date_of_ms(ms, d);
        assert_true(time_valid_date(d));
        assert_memory_equal(d, out, 10);
        /* the date's midnight is at most one day before the instant */
        int64_t mid = time_date_to_ms(d);
        assert_true(mid <= ms && ms - mid < 86400000);
    }
}

static void test_date_to_ms(void **state) {
    assert_int_equal(time_date_to_ms("1970-01-01"), 0);
    assert_int_equal(time_date_to_ms("2026-03-01"), T0930Z - 34200000LL); /* 9.5 h earlier */
    assert_int_equal(time_date_to_ms("2024-02-29"), 1709164800000LL);
    assert_int_equal(time_date_to_ms("2000-02-29"), 951782400000LL);
    assert_int_equal(time_date_to_ms("1969-12-31"), -86400000LL);
    assert_int_equal(time_date_to_ms("2024-03-01") - time_date_to_ms("2024-02-28"), 2 * 86400000LL);
    assert_int_equal(time_date_to_ms("2023-03-01") - time_date_to_ms("2023-02-28"), 86400000LL);
    assert_int_equal(time_date_to_ms("2026-03-01"), parse("2026-03-01T00:00:00Z"));
}

static void test_now(void **state) {
    int64_t a = time_now_ms(), b = time_now_ms();
    assert_true(a > 1577836800000LL);   /* after 2020-01-01: a real clock, in ms */
    assert_true(b >= a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_date_leap_years),
        cmocka_unit_test(test_valid_date_shape),
        cmocka_unit_test(test_parse_zulu),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_parse_fractions),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_date_to_ms),
        cmocka_unit_test(test_now),
    };
    return cmocka_run_group_tests_name("timeutil", tests, NULL, NULL);
}
