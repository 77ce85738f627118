/* test_buf: the growable string every SQL statement and JSON error is built in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "src/core/buf.h"

static void test_empty(void **state) {
    buf b = BUF_INIT;
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    buf_reset(&b);                       /* fine on a buffer that never allocated */
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
    buf_free(&b);                        /* twice is harmless */
    char *s = buf_detach(&b);            /* an empty buffer detaches as "" the caller frees */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_append_and_growth(void **state) {
    buf b = BUF_INIT;
    buf_puts(&b, "SELECT ");
    buf_add(&b, "t.id, t.name FROM x", 12);
    buf_putc(&b, ' ');
    assert_string_equal(buf_str(&b), "SELECT t.id, t.name ");
    assert_int_equal(b.len, strlen("SELECT t.id, t.name "));
    /* across many doublings the content stays intact and NUL-terminated */
    for (int i = 0; i < 100000; i++) buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 20 + 100000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.s[b.len], 0);
    for (int i = 0; i < 100000; i++)
        if (b.s[20 + i] != (char)('a' + i % 26)) fail_msg("byte %d corrupted", i);
    assert_memory_equal(b.s, "SELECT t.id, t.name ", 20);
    buf_free(&b);
}

static void test_large_add(void **state) {
    buf b = BUF_INIT;
    size_t n = 3u << 20;                 /* one append far beyond the doubling step */
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (char)(i * 7);
    buf_putc(&b, 'x');
    buf_add(&b, big, n);
    assert_int_equal(b.len, n + 1);
    assert_int_equal(b.s[0], 'x');
    assert_memory_equal(b.s + 1, big, n);
    assert_int_equal(b.s[b.len], 0);
    free(big);
    buf_free(&b);
}

static void test_binary_bytes(void **state) {
    buf b = BUF_INIT;
    buf_add(&b, "a\0b", 3);              /* buf_add takes bytes, NULs included */
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.s, "a\0b\0", 4);
    buf_add(&b, "", 0);
    assert_int_equal(b.len, 3);
    buf_free(&b);
}

static void test_printf(void **state) {
    buf b = BUF_INIT;
    buf_printf(&b, "%s = %lld", "owner_id", (long long)-9223372036854775807LL - 1);
    assert_string_equal(buf_str(&b), "owner_id = -9223372036854775808");
    buf_printf(&b, "%s", "");
    assert_string_equal(buf_str(&b), "owner_id = -9223372036854775808");
    buf_reset(&b);
    /* output longer than the first allocation, then longer than the current capacity */
    char word[1001];
    memset(word, 'w', 1000);
    word[1000] = 0;
    buf_printf(&b, "[%s]", word);
    assert_int_equal(b.len, 1002);
    buf_printf(&b, "%s%s%s%s", word, word, word, word);
    assert_int_equal(b.len, 5002);
    assert_int_equal(b.s[0], '[');
    assert_int_equal(b.s[1001], ']');
    assert_int_equal(b.s[5001], 'w');
    assert_int_equal(b.s[5002], 0);
    assert_int_equal(strlen(b.s), 5002);
    /* printf right at a capacity boundary: 255 bytes + NUL fill a 256-byte buffer */
    buf c = BUF_INIT;
    buf_printf(&c, "%.*s", 255, word);
    assert_int_equal(c.len, 255);
    buf_printf(&c, "%c", 'z');
    assert_int_equal(c.len, 256);
    assert_int_equal(c.s[255], 'z');
    assert_int_equal(c.s[256], 0);
    buf_free(&c);
    buf_free(&b);
}

static void test_reset_keeps_memory(void **state) {
    buf b = BUF_INIT;
    for (int i = 0; i < 1000; i++) buf_puts(&b, "0123456789");
    size_t cap = b.cap;
    char *mem = b.s;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.s, mem);
    buf_puts(&b, "again");
    assert_string_equal(buf_str(&b), "again");
    assert_ptr_equal(b.s, mem);
    buf_free(&b);
}

static void test_detach(void **state) {
    buf b = BUF_INIT;
    buf_printf(&b, "%d-%d", 1, 2);
    char *s = buf_detach(&b);
    assert_string_equal(s, "1-2");
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    buf_puts(&b, "fresh");               /* the buffer is usable again and independent */
    assert_string_equal(buf_str(&b), "fresh");
    assert_string_equal(s, "1-2");
    free(s);
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_append_and_growth),
        cmocka_unit_test(test_large_add),
        cmocka_unit_test(test_binary_bytes),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_detach),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
