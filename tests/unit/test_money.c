/* test_money: line totals and deal amounts, checked against figures worked out
 * by hand. The rule (opportunity.h): total = quantity x unit_price x (1 -
 * discount), rounded half away from zero to the minor unit. */
#include "testdb.h"

static int64_t total(int64_t q, int64_t price, int64_t bp) {
    int64_t t = -42;
    if (line_total(q, price, bp, &t)) fail_msg("line_total(%lld, %lld, %lld) refused", (long long)q, (long long)price, (long long)bp);
    return t;
}

static void test_line_total_examples(void **state) {
    /* 3 x 123.45 = 370.35, less 10% = 333.315 -> 333.32 (33331.5 minor units rounds up) */
    assert_int_equal(total(3, 12345, 1000), 33332);
    /* 9.99 less 33.33% = 6.660333 -> 6.66 */
    assert_int_equal(total(1, 999, 3333), 666);
    /* 7 x 0.01 at half price = 0.035 -> 0.04 */
    assert_int_equal(total(7, 1, 5000), 4);
    /* half a minor unit rounds up; a hair under half rounds down */
    assert_int_equal(total(1, 1, 5000), 1);
    assert_int_equal(total(1, 1, 5001), 0);
    assert_int_equal(total(3, 1, 5000), 2);    /* 1.5 -> 2 */
    assert_int_equal(total(5, 1, 5000), 3);    /* 2.5 -> 3 (not banker's rounding to 2) */
    assert_int_equal(total(1, 3, 8334), 0);    /* 0.4998 -> 0 */
    assert_int_equal(total(1, 3, 8333), 1);    /* 0.5001 -> 1 */
}

static void test_line_total_edges(void **state) {
    assert_int_equal(total(2, 1999, 0), 3998);             /* no discount: exact */
    assert_int_equal(total(1000000, 12345, 0), 12345000000LL);
    assert_int_equal(total(3, 12345, 10000), 0);           /* 100% discount */
    assert_int_equal(total(1, 0, 2500), 0);                /* free product */
    assert_int_equal(total(1, 1000000000000000LL, 0), 1000000000000000LL); /* the largest amount */
    assert_int_equal(total(1000000000, 1000000, 0), 1000000000000000LL);
    /* the largest quantity at the largest price, at 99.99% off: 1e24 / 1e4 = 1e20, too large */
    int64_t t = -42;
    assert_int_equal(line_total(1000000000, 1000000000000000LL, 9999, &t), -1);
    assert_int_equal(t, -42);
    assert_int_equal(line_total(1000000000, 1000001, 0, &t), -1);      /* 1.000001e15 */
    assert_int_equal(line_total(1, 1000000000000001LL, 0, &t), -1);
    assert_int_equal(t, -42);
    /* a discount that brings an oversize product back into range is fine */
    assert_int_equal(total(2, 1000000000000000LL, 5000), 1000000000000000LL);
}

/* ---- the deal amount follows its line items ---- */

static int64_t amount(tdb *t, int64_t opp) { return tdb_scalar(t, "SELECT amount FROM opportunities WHERE id = ?", "i", opp); }
static int64_t from_items(tdb *t, int64_t opp) { return tdb_scalar(t, "SELECT amount_from_items FROM opportunities WHERE id = ?", "i", opp); }

static void test_deal_amount_is_sum_of_items(void **state) {
    tdb *t = TDB(state);
    err e;
    char buf[256];
    int64_t a = tdb_create(t, &t->admin, &def_products, "{'name':'Robot arm','sku':'RA-1','list_price':12345,'currency':'CNY'}");
    int64_t b = tdb_create(t, &t->admin, &def_products, "{'name':'Service','sku':'SV-1','list_price':999,'currency':'CNY'}");
    int64_t c = tdb_create(t, &t->admin, &def_products, "{'name':'Bolt','sku':'BT-1','list_price':1,'currency':'CNY'}");
    int64_t opp = tdb_create(t, &t->rep, &def_opportunities, "{'name':'Line 4 retrofit','amount':500000}");
    assert_int_equal(amount(t, opp), 500000);
    assert_int_equal(from_items(t, opp), 0);

    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':3,'discount_bp':1000}", (long long)opp, (long long)a);
    int64_t i1 = tdb_create(t, &t->rep, &def_line_items, buf);
    assert_int_equal(tdb_scalar(t, "SELECT total FROM line_items WHERE id = ?", "i", i1), 33332);
    assert_int_equal(tdb_scalar(t, "SELECT unit_price FROM line_items WHERE id = ?", "i", i1), 12345); /* list price by default */
    assert_int_equal(amount(t, opp), 33332);       /* the typed amount is replaced by the items */
    assert_int_equal(from_items(t, opp), 1);
    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':1,'discount_bp':3333}", (long long)opp, (long long)b);
    tdb_create(t, &t->rep, &def_line_items, buf);
    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':7,'discount_bp':5000}", (long long)opp, (long long)c);
    int64_t i3 = tdb_create(t, &t->rep, &def_line_items, buf);
    assert_int_equal(amount(t, opp), 33332 + 666 + 4);   /* 34002: sum of rounded lines */

    /* the amount change is in the deal's audit trail */
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'opportunities' AND record_id = ? AND field = 'amount' "
                                   "AND old_value = '500000' AND new_value = '33332'", "i", opp), 1);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'opportunities' AND record_id = ? AND field = 'amount' AND action = 'update'",
                                "i", opp), 3);  /* 500000 -> 33332 -> 33998 -> 34002 */

    /* changing one line: 3 x 123.45 without discount = 370.35 */
    crm_ctx cx = tdb_as(t, &t->rep);
    json_t *patch = J("{'discount_bp':0}"), *out = NULL;
    OK(record_update(&cx, &def_line_items, i1, patch, 0, &out, &e));
    assert_int_equal(json_integer_value(json_object_get(out, "total")), 37035);
    json_decref(patch); json_decref(out);
    assert_int_equal(amount(t, opp), 37035 + 666 + 4);

    /* a typed amount is refused while the items decide it */
    patch = J("{'amount':1}");
    FAILS(ERR_VALIDATION, record_update(&cx, &def_opportunities, opp, patch, 0, &out, &e));
    assert_reason(e, "amount", "is the sum of the line items; change the line items instead");
    json_decref(patch);

    /* removing lines; when the last one goes the figure stays and can be typed again */
    OK(record_delete(&cx, &def_line_items, i1, 0, &e));
    assert_int_equal(amount(t, opp), 670);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM line_items WHERE id = ?", "i", i1), 0); /* hard delete */
    OK(record_delete(&cx, &def_line_items, i3, 0, &e));
    int64_t last = tdb_scalar(t, "SELECT id FROM line_items WHERE opportunity_id = ?", "i", opp);
    OK(record_delete(&cx, &def_line_items, last, 0, &e));
    assert_int_equal(amount(t, opp), 666);
    assert_int_equal(from_items(t, opp), 0);
    patch = J("{'amount':120000}");
    OK(record_update(&cx, &def_opportunities, opp, patch, 0, &out, &e));
    assert_int_equal(json_integer_value(json_object_get(out, "amount")), 120000);
    json_decref(patch); json_decref(out);
}

static void test_line_item_rules(void **state) {
    tdb *t = TDB(state);
    err e;
    char buf[256];
    int64_t usd = tdb_create(t, &t->admin, &def_products, "{'name':'Import','sku':'IM-1','list_price':5000,'currency':'USD'}");
    int64_t big = tdb_create(t, &t->admin, &def_products, "{'name':'Plant','sku':'PL-1','list_price':1000000000000000,'currency':'CNY'}");
    int64_t opp = tdb_create(t, &t->rep, &def_opportunities, "{'name':'Export deal'}");
    crm_ctx cx = tdb_as(t, &t->rep);
    json_t *in, *out = NULL;

    /* a product priced in another currency needs a price in the deal's currency */
    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':1}", (long long)opp, (long long)usd);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&cx, &def_line_items, in, &out, &e));
    assert_reason(e, "unit_price", "is required: the product is priced in another currency than the deal");
    json_decref(in);
    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':2,'unit_price':36000}", (long long)opp, (long long)usd);
    tdb_create(t, &t->rep, &def_line_items, buf);
    assert_int_equal(amount(t, opp), 72000);

    /* quantity x price beyond the money range is a field error, not a wrapped number */
    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':2}", (long long)opp, (long long)big);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&cx, &def_line_items, in, &out, &e));
    assert_reason(e, "quantity", "quantity x unit price is too large");
    json_decref(in);
    /* discount beyond 100% and a zero quantity */
    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':0,'discount_bp':10001,'total':5}", (long long)opp, (long long)usd);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&cx, &def_line_items, in, &out, &e));
    assert_reason(e, "discount_bp", "must be between 0 and 10000 (basis points)");
    assert_reason(e, "total", "is set by the server");
    json_decref(in);
    assert_int_equal(amount(t, opp), 72000);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM line_items", ""), 1);

    /* another rep cannot add lines to this deal: it is not visible to them */
    crm_ctx other = tdb_as(t, &t->outsider);
    snprintf(buf, sizeof buf, "{'opportunity_id':%lld,'product_id':%lld,'quantity':1,'unit_price':1}", (long long)opp, (long long)usd);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&other, &def_line_items, in, &out, &e));
    snprintf(buf, sizeof buf, "no opportunities with id %lld that you can see", (long long)opp);
    assert_reason(e, "opportunity_id", buf);
    json_decref(in);
}

int main(void) {
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_line_total_examples),
        cmocka_unit_test(test_line_total_edges),
    };
    const struct CMUnitTest db[] = {
        cmocka_unit_test_setup_teardown(test_deal_amount_is_sum_of_items, tdb_setup, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_line_item_rules, tdb_setup, tdb_teardown),
    };
    int failed = cmocka_run_group_tests_name("money", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("money/sqlite", db, NULL, NULL);
    if (getenv("CYLINDER_TEST_PG_URL")) {
        const struct CMUnitTest dbpg[] = {
            cmocka_unit_test_setup_teardown(test_deal_amount_is_sum_of_items, tdb_setup_pg, tdb_teardown),
            cmocka_unit_test_setup_teardown(test_line_item_rules, tdb_setup_pg, tdb_teardown),
        };
        failed += cmocka_run_group_tests_name("money/postgres", dbpg, NULL, NULL);
    }
    return failed ? 1 : 0;
}
