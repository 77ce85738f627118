/* test_arena: the per-request allocator. Everything stays valid and distinct
 * until arena_free, whatever the mix of small and large allocations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "src/core/arena.h"

static int zeroed(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static void test_alloc_aligned_zeroed(void **state) {
    arena a;
    arena_init(&a);
    for (size_t n = 1; n < 100; n++) {
        unsigned char *p = arena_alloc(&a, n);
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_true(zeroed(p, n));
        memset(p, 0xAB, n);              /* dirty it: the next allocation must still be zeroed */
    }
    arena_free(&a);
    assert_null(a.head);
    arena_free(&a);                      /* freeing an empty arena is harmless */
}

static void test_small_allocations_pack(void **state) {
    arena a;
    arena_init(&a);
    char *p = arena_alloc(&a, 10), *q = arena_alloc(&a, 16), *r = arena_alloc(&a, 17);
    assert_ptr_equal(q, p + 16);         /* rounded up to 16 */
    assert_ptr_equal(r, q + 16);
    arena_free(&a);
}

/* A block larger than a chunk must not waste the current chunk's free space. */
static void test_large_allocation(void **state) {
    arena a;
    arena_init(&a);
    char *small1 = arena_alloc(&a, 32);
    size_t big_n = 1u << 20;
    unsigned char *big = arena_alloc(&a, big_n);
    assert_int_equal((uintptr_t)big % 16, 0);
    assert_true(zeroed(big, big_n));
    memset(big, 0x5A, big_n);
    char *small2 = arena_alloc(&a, 32);
    assert_ptr_equal(small2, small1 + 32);
    memset(small1, 1, 32);
    memset(small2, 2, 32);
    for (size_t i = 0; i < big_n; i++)
        if (big[i] != 0x5A) fail_msg("large block overwritten at %zu", i);
    /* a large first allocation, then small ones */
    arena b;
    arena_init(&b);
    unsigned char *first = arena_alloc(&b, 20000);
    memset(first, 7, 20000);
    unsigned char *after = arena_alloc(&b, 100);
    assert_true(zeroed(after, 100));
    assert_true(after + 100 <= first || after >= first + 20000);
    arena_free(&b);
    arena_free(&a);
}

static void test_many_chunks(void **state) {
    arena a;
    arena_init(&a);
    enum { N = 20000 };
    unsigned char **ptrs = malloc(N * sizeof *ptrs);
    size_t *lens = malloc(N * sizeof *lens);
    for (int i = 0; i < N; i++) {
        lens[i] = (size_t)(i % 7 == 0 ? 9000 + i % 3 : 1 + (i * 37) % 700);  /* some bigger than a chunk */
        ptrs[i] = arena_alloc(&a, lens[i]);
        assert_true(zeroed(ptrs[i], lens[i]));
        memset(ptrs[i], i & 0xFF, lens[i]);
    }
    for (int i = 0; i < N; i++)
        for (size_t j = 0; j < lens[i]; j++)
            if (ptrs[i][j] != (i & 0xFF)) fail_msg("allocation %d overlaps another at byte %zu", i, j);
    free(ptrs);
    free(lens);
    arena_free(&a);
}

static void test_strdup(void **state) {
    arena a;
    arena_init(&a);
    assert_null(arena_strdup(&a, NULL));
    assert_null(arena_strndup(&a, NULL, 3));
    char src[] = "Acme Ltd.";
    char *d = arena_strdup(&a, src);
    assert_string_equal(d, "Acme Ltd.");
    assert_ptr_not_equal(d, src);
    src[0] = 'X';
    assert_string_equal(d, "Acme Ltd.");
    assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
    assert_string_equal(arena_strdup(&a, ""), "");
    char *long_s = malloc(50001);
    memset(long_s, 'q', 50000);
    long_s[50000] = 0;
    char *dl = arena_strdup(&a, long_s);
    assert_int_equal(strlen(dl), 50000);
    assert_string_equal(dl, long_s);
    free(long_s);
    arena_free(&a);
}

static void test_printf(void **state) {
    arena a;
    arena_init(&a);
    assert_string_equal(arena_printf(&a, "SELECT %s FROM %s t WHERE t.id = %lld", "name", "accounts", 42LL),
                        "SELECT name FROM accounts t WHERE t.id = 42");
    assert_string_equal(arena_printf(&a, "%s", ""), "");
    char *word = malloc(30001);
    memset(word, 'w', 30000);
    word[30000] = 0;
    char *s = arena_printf(&a, "<%s|%s>", word, word);   /* bigger than a chunk */
    assert_int_equal(strlen(s), 60003);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[30001], '|');
    assert_int_equal(s[60002], '>');
    free(word);
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned_zeroed),
        cmocka_unit_test(test_small_allocations_pack),
        cmocka_unit_test(test_large_allocation),
        cmocka_unit_test(test_many_chunks),
        cmocka_unit_test(test_strdup),
        cmocka_unit_test(test_printf),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
