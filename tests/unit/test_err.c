/* test_err: what an error says to the client. The class picks the HTTP status
 * and problem type; field reasons accumulate; everything stays valid UTF-8 so
 * the problem document can carry it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>
#include "src/core/err.h"

static int utf8_ok(const char *s) {
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

static void test_status_and_type(void **state) {
    static const struct { err_class c; int status; const char *type; } t[] = {
        {ERR_BAD_REQUEST, 400, "bad-request"}, {ERR_UNAUTHORIZED, 401, "unauthorized"}, {ERR_FORBIDDEN, 403, "forbidden"},
        {ERR_NOT_FOUND, 404, "not-found"}, {ERR_CONFLICT, 409, "conflict"}, {ERR_PRECONDITION, 412, "precondition-failed"},
        {ERR_TOO_LARGE, 413, "too-large"}, {ERR_VALIDATION, 422, "validation"}, {ERR_RATE_LIMITED, 429, "rate-limited"},
        {ERR_UNAVAILABLE, 503, "unavailable"}, {ERR_INTERNAL, 500, "internal"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        assert_int_equal(err_http_status(t[i].c), t[i].status);
        assert_string_equal(err_type(t[i].c), t[i].type);
        assert_true(strlen(err_title(t[i].c)) > 0);
    }
}

static void test_set(void **state) {
    err e = {0};
    assert_int_equal(err_set(&e, ERR_NOT_FOUND, "no %s with id %lld", "account", 42LL), -1);
    assert_int_equal(e.cls, ERR_NOT_FOUND);
    assert_string_equal(e.msg, "no account with id 42");
    assert_int_equal(err_set(NULL, ERR_INTERNAL, "ignored"), -1);   /* callers may pass no error */
    assert_int_equal(err_field_add(NULL, "x", "ignored"), -1);
    /* a long message is cut, never overflows */
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    err_set(&e, ERR_BAD_REQUEST, "%s", big);
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
}

static void test_fields(void **state) {
    err e = {0};
    assert_int_equal(err_field_add(&e, "name", "is required"), -1);
    assert_int_equal(e.cls, ERR_VALIDATION);
    assert_string_equal(e.msg, "some fields are not valid");
    err_field_add(&e, "amount", "must be between %d and %d", 0, 10000);
    assert_int_equal(e.nfields, 2);
    assert_string_equal(e.fields[1].name, "amount");
    assert_string_equal(e.fields[1].reason, "must be between 0 and 10000");
    /* more than fit are dropped, the count stays at the maximum */
    for (int i = 0; i < 40; i++) err_field_add(&e, "f", "r");
    assert_int_equal(e.nfields, ERR_MAX_FIELDS);
    /* a field reason under another class keeps that class and its message */
    err n = {0};
    err_set(&n, ERR_PRECONDITION, "stale");
    err_field_add(&n, "version", "is old");
    assert_int_equal(n.cls, ERR_PRECONDITION);
    assert_string_equal(n.msg, "stale");
    assert_int_equal(n.nfields, 1);
    /* a message set before the first field stays */
    err m = {0};
    err_set(&m, ERR_VALIDATION, "exit criteria are not met");
    err_field_add(&m, "stage_id", "2 required exit criteria are not met");
    assert_string_equal(m.msg, "exit criteria are not met");
}

/* Names and reasons echo client input; the JSON answer needs valid UTF-8. */
static void test_utf8(void **state) {
    err e = {0};
    err_field_add(&e, "\xff\xfe" "key", "cannot sort %s by %s", "accounts", "na\xc3me");
    assert_string_equal(e.fields[0].name, "??key");
    assert_string_equal(e.fields[0].reason, "cannot sort accounts by na?me");
    /* a 3-byte character cut by the 63-byte name limit */
    char key[80] = "";
    for (int i = 0; i < 21; i++) strcat(key, "\xe9\x94\x90");     /* 63 bytes: fits */
    err_field_add(&e, key, "r");
    assert_string_equal(e.fields[1].name, key);
    strcpy(key, "a");
    for (int i = 0; i < 21; i++) strcat(key, "\xe9\x94\x90");     /* 64 bytes: the last one is cut */
    err_field_add(&e, key, "r");
    assert_true(utf8_ok(e.fields[2].name));
    assert_int_equal(strlen(e.fields[2].name), 63);
    assert_memory_equal(e.fields[2].name, key, 61);
    assert_string_equal(e.fields[2].name + 61, "??");
    /* surrogates and overlong forms are not UTF-8 either */
    err_set(&e, ERR_BAD_REQUEST, "x\xed\xa0\x80y\xc0\xafz");
    assert_true(utf8_ok(e.msg));
    assert_string_equal(e.msg, "x???y??z");
    /* valid text is left alone */
    err_set(&e, ERR_BAD_REQUEST, "锐思科技 – ok ✓");
    assert_string_equal(e.msg, "锐思科技 – ok ✓");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_and_type),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
