/* test_policy: who sees and changes what. The scope predicate is compared as
 * text (it is the one place every list, get, update and delete filters
 * through); test_record checks that the same predicates select the right rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "src/auth/policy.h"

static const int64_t rep_scope[] = {7};
static const int64_t mgr_scope[] = {3, 7, 8};
static const int64_t one_scope[] = {1};

static principal who(role r, int64_t uid, const int64_t *scope, int n) {
    principal p = {0};
    p.user_id = uid;
    p.role = r;
    p.all_scope = r == ROLE_ADMIN || r == ROLE_OPS;
    p.scope_ids = scope;
    p.nscope = n;
    p.has_shares = !p.all_scope; /* the general case; test_scope_without_shares covers the other */
    return p;
}

#define REP who(ROLE_REP, 7, rep_scope, 1)
#define CSM who(ROLE_CSM, 7, rep_scope, 1)
#define MANAGER who(ROLE_MANAGER, 3, mgr_scope, 3)
#define ADMIN who(ROLE_ADMIN, 1, one_scope, 1)
#define OPS who(ROLE_OPS, 1, one_scope, 1)

static void test_scope_rep(void **state) {
    arena a;
    arena_init(&a);
    principal p = REP;
    assert_string_equal(policy_scope_sql(&p, ACCESS_OWNED, "accounts", "t", &a),
        "(t.owner_id IN (7) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'accounts' AND sh.record_id = t.id AND sh.user_id = 7))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_OWNED, "opportunities", "o", &a),
        "(o.owner_id IN (7) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'opportunities' AND sh.record_id = o.id AND sh.user_id = 7))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_CONTACT, "contacts", "t", &a),
        "(t.owner_id IN (7) OR t.account_id IN (SELECT va.id FROM accounts va WHERE "
        "(va.owner_id IN (7) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'accounts' AND sh.record_id = va.id AND sh.user_id = 7))))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_ACTIVITY, "activities", "t", &a),
        "(t.owner_id IN (7)"
        " OR t.opportunity_id IN (SELECT vo.id FROM opportunities vo WHERE "
        "(vo.owner_id IN (7) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'opportunities' AND sh.record_id = vo.id AND sh.user_id = 7)))"
        " OR t.account_id IN (SELECT va.id FROM accounts va WHERE "
        "(va.owner_id IN (7) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'accounts' AND sh.record_id = va.id AND sh.user_id = 7))))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_OPP_CHILD, "line_items", "t", &a),
        "t.opportunity_id IN (SELECT vo.id FROM opportunities vo WHERE "
        "(vo.owner_id IN (7) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'opportunities' AND sh.record_id = vo.id AND sh.user_id = 7)))");
    /* configuration and people are readable by everyone */
    assert_string_equal(policy_scope_sql(&p, ACCESS_CONFIG, "products", "t", &a), "1=1");
    assert_string_equal(policy_scope_sql(&p, ACCESS_ADMIN, "users", "t", &a), "1=1");
    /* a csm is scoped exactly like a rep */
    principal c = CSM;
    assert_string_equal(policy_scope_sql(&c, ACCESS_OWNED, "accounts", "t", &a), policy_scope_sql(&p, ACCESS_OWNED, "accounts", "t", &a));
    arena_free(&a);
}

/* With nothing shared with them, a caller's scope is a plain owner list: the
 * form a database can walk by the (owner_id, id) index. */
static void test_scope_without_shares(void **state) {
    arena a;
    arena_init(&a);
    principal p = REP;
    p.has_shares = 0;
    assert_string_equal(policy_scope_sql(&p, ACCESS_OWNED, "opportunities", "t", &a), "(t.owner_id IN (7))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_OPP_CHILD, "line_items", "t", &a),
                        "t.opportunity_id IN (SELECT vo.id FROM opportunities vo WHERE (vo.owner_id IN (7)))");
    arena_free(&a);
}

static void test_scope_manager(void **state) {
    arena a;
    arena_init(&a);
    principal p = MANAGER;
    /* the whole team's records; shares are the manager's own */
    assert_string_equal(policy_scope_sql(&p, ACCESS_OWNED, "accounts", "t", &a),
        "(t.owner_id IN (3,7,8) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'accounts' AND sh.record_id = t.id AND sh.user_id = 3))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_CONTACT, "contacts", "c", &a),
        "(c.owner_id IN (3,7,8) OR c.account_id IN (SELECT va.id FROM accounts va WHERE "
        "(va.owner_id IN (3,7,8) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'accounts' AND sh.record_id = va.id AND sh.user_id = 3))))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_OPP_CHILD, "line_items", "t", &a),
        "t.opportunity_id IN (SELECT vo.id FROM opportunities vo WHERE "
        "(vo.owner_id IN (3,7,8) OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = 'opportunities' AND sh.record_id = vo.id AND sh.user_id = 3)))");
    assert_string_equal(policy_scope_sql(&p, ACCESS_CONFIG, "stages", "t", &a), "1=1");
    /* a big team: every id is listed */
    int64_t many[40];
    for (int i = 0; i < 40; i++) many[i] = 1000 + i;
    principal big = who(ROLE_MANAGER, 1000, many, 40);
    const char *s = policy_scope_sql(&big, ACCESS_OWNED, "accounts", "t", &a);
    assert_non_null(strstr(s, "(t.owner_id IN (1000,1001,1002,"));
    assert_non_null(strstr(s, ",1038,1039) OR EXISTS"));
    arena_free(&a);
}

static void test_scope_all(void **state) {
    arena a;
    arena_init(&a);
    access_kind kinds[] = {ACCESS_OWNED, ACCESS_CONTACT, ACCESS_ACTIVITY, ACCESS_OPP_CHILD, ACCESS_CONFIG, ACCESS_ADMIN};
    principal ad = ADMIN, op = OPS;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        assert_string_equal(policy_scope_sql(&ad, kinds[i], "accounts", "t", &a), "1=1");
        assert_string_equal(policy_scope_sql(&op, kinds[i], "accounts", "t", &a), "1=1");   /* ops reads everything */
    }
    arena_free(&a);
}

static void test_can_change_kind(void **state) {
    /*                       OWNED CONTACT ACTIVITY OPP_CHILD CONFIG ADMIN */
    static const int table[5][6] = {
        /* admin   */ {1, 1, 1, 1, 1, 1},
        /* manager */ {1, 1, 1, 1, 0, 0},
        /* rep     */ {1, 1, 1, 1, 0, 0},
        /* csm     */ {1, 1, 1, 1, 0, 0},
        /* ops     */ {0, 0, 0, 0, 1, 0},
    };
    principal ps[5] = {ADMIN, MANAGER, REP, CSM, OPS};
    const char *names[5] = {"admin", "manager", "rep", "csm", "ops"};
    access_kind kinds[6] = {ACCESS_OWNED, ACCESS_CONTACT, ACCESS_ACTIVITY, ACCESS_OPP_CHILD, ACCESS_CONFIG, ACCESS_ADMIN};
    for (int r = 0; r < 5; r++)
        for (int k = 0; k < 6; k++)
            if (!!policy_can_change_kind(&ps[r], kinds[k]) != table[r][k])
                fail_msg("%s, kind %d: expected %d", names[r], (int)kinds[k], table[r][k]);
}

static void test_owner_allowed(void **state) {
    principal ad = ADMIN, mg = MANAGER, rp = REP, op = OPS, cs = CSM;
    /*                                  owner: 1  3  7  8  9 */
    static const int64_t owners[] = {1, 3, 7, 8, 9};
    static const int admin[] = {1, 1, 1, 1, 1}, manager[] = {0, 1, 1, 1, 0}, rep[] = {0, 0, 1, 0, 0}, ops[] = {0, 0, 0, 0, 0};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(!!policy_owner_allowed(&ad, owners[i]), admin[i]);
        assert_int_equal(!!policy_owner_allowed(&mg, owners[i]), manager[i]);
        assert_int_equal(!!policy_owner_allowed(&rp, owners[i]), rep[i]);
        assert_int_equal(!!policy_owner_allowed(&cs, owners[i]), rep[i]);
        assert_int_equal(!!policy_owner_allowed(&op, owners[i]), ops[i]);   /* ops owns no business records */
    }
}

static void test_override_and_admin(void **state) {
    principal ad = ADMIN, mg = MANAGER, rp = REP, op = OPS, cs = CSM;
    assert_true(policy_can_override(&ad));
    assert_true(policy_can_override(&mg));
    assert_false(policy_can_override(&rp));
    assert_false(policy_can_override(&cs));
    assert_false(policy_can_override(&op));
    assert_true(policy_is_admin(&ad));
    assert_false(policy_is_admin(&mg));
    assert_false(policy_is_admin(&rp));
    assert_false(policy_is_admin(&op));
}

static void test_role_names(void **state) {
    const char *names[] = {"admin", "manager", "rep", "csm", "ops"};
    role roles[] = {ROLE_ADMIN, ROLE_MANAGER, ROLE_REP, ROLE_CSM, ROLE_OPS};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(auth_role_parse(names[i]), roles[i]);
        assert_string_equal(auth_role_name(roles[i]), names[i]);
    }
    assert_int_equal(auth_role_parse("Admin"), 0);
    assert_int_equal(auth_role_parse("root"), 0);
    assert_int_equal(auth_role_parse(""), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_rep),
        cmocka_unit_test(test_scope_without_shares),
        cmocka_unit_test(test_scope_manager),
        cmocka_unit_test(test_scope_all),
        cmocka_unit_test(test_can_change_kind),
        cmocka_unit_test(test_owner_allowed),
        cmocka_unit_test(test_override_and_admin),
        cmocka_unit_test(test_role_names),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
