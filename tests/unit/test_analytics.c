/* test_analytics: the arithmetic of pipeline analytics (exact rates,
 * rounding half away from zero, shrinkage, the fallback to default
 * probabilities, medians, the warning rule, ISO weeks), the analytics rule of
 * the visibility policy, the id and string numbering, and the snapshot:
 * built from a database, kept exact by delta syncs after writes, and read at
 * past instants. The database tests run on SQLite and, when
 * CYLINDER_TEST_PG_URL is set, on PostgreSQL. */
#include "testdb.h"
#include <limits.h>
#include "src/analytics/calc.h"
#include "src/analytics/dict.h"
#include "src/analytics/snapshot_int.h"
#include "src/auth/policy.h"

/* ---- calc ---- */

static void test_rounding(void **state) {
    assert_true(an_round(1, 3, 4) == 0.3333);
    assert_true(an_round(2, 3, 4) == 0.6667);
    assert_true(an_round(1, 8, 2) == 0.13);       /* 0.125: half away from zero */
    assert_true(an_round(-1, 8, 2) == -0.13);
    assert_true(an_round(5, 0, 4) == 0);          /* no denominator: 0, the caller says null */
    assert_int_equal(an_div_round(5, 2), 3);
    assert_int_equal(an_div_round(-5, 2), -3);
    assert_int_equal(an_div_round(5, -2), -3);
    assert_int_equal(an_div_round(1, 3), 0);
    assert_int_equal(an_div_round(2, 3), 1);
    assert_int_equal(an_div_round((__int128)100000000000000000LL * 1000, 3000), 33333333333333333LL);   /* past 64 bits */
}

static void test_diff_pp(void **state) {
    /* the rep's rate minus the team's, in points, from the exact fractions */
    assert_true(an_diff_pp(1, 4, 2, 7) == -3.57);
    assert_true(an_diff_pp(3, 4, 5, 7) == 3.57);
    assert_true(an_diff_pp(1, 3, 1, 2) == -16.67);
    assert_true(an_diff_pp(1, 1, 2, 3) == 33.33);
    assert_true(an_diff_pp(1, 2, 1, 2) == 0);
}

static void test_team_rate_falls_back_below_twenty(void **state) {
    int hist;
    an_frac p = an_team_rate(19, 19, 6000, &hist);   /* 19 closed, all won: too few, the default applies */
    assert_int_equal(hist, 0);
    assert_int_equal(p.num, 6000);
    assert_int_equal(p.den, 10000);
    p = an_team_rate(5, 20, 6000, &hist);             /* 20 closed: history */
    assert_int_equal(hist, 1);
    assert_int_equal(p.num, 5);
    assert_int_equal(p.den, 20);
}

static void test_shrinkage(void **state) {
    /* p_rep = (wins + 10 p_team) / (closed + 10) */
    an_frac team = {6000, 10000};
    an_frac p = an_shrink(1, 1, team);               /* (1 + 6) / 11 = 7/11 */
    assert_int_equal(p.num * 11, p.den * 7);
    assert_int_equal(an_weighted(200000, p), 127273);   /* 127272.73 */
    p = an_shrink(0, 0, team);                       /* no deals of their own: the team's rate */
    assert_int_equal(p.num * 10000, p.den * 6000);
    p = an_shrink(1, 3, (an_frac){4, 27});           /* (1 + 10 x 4/27) / 13 = 67/351 */
    assert_int_equal(p.num * 351, p.den * 67);
    assert_int_equal(an_weighted(30000, p), 5726);   /* 5726.495: rounds down */
    p = an_shrink(40, 40, (an_frac){1, 2});          /* a rep with many deals keeps most of their own rate: 45/50 */
    assert_int_equal(p.num * 50, p.den * 45);
}

static void test_weighted_rounding(void **state) {
    assert_int_equal(an_weighted(5, (an_frac){1, 2}), 3);    /* 2.5 */
    assert_int_equal(an_weighted(3, (an_frac){1, 2}), 2);    /* 1.5 */
    assert_int_equal(an_weighted(1, (an_frac){1, 3}), 0);
    assert_int_equal(an_weighted(0, (an_frac){1, 3}), 0);
    assert_int_equal(an_weighted(1000000000000000LL, (an_frac){999999, 1000000}), 999999000000000LL);   /* 128-bit path */
}

static void test_median_and_warning(void **state) {
    int64_t scratch[8];
    assert_int_equal(an_median2((int64_t[]){1, 2}, 2, scratch), 3);          /* 1.5, doubled */
    assert_int_equal(an_median2((int64_t[]){3, 1, 2}, 3, scratch), 4);
    assert_int_equal(an_median2((int64_t[]){5, 1, 3, 2}, 4, scratch), 5);
    assert_int_equal(an_median2(NULL, 0, scratch), 0);
    /* below half of the own 8-week average (sum8 / 8) */
    assert_int_equal(an_warn(1, 32, 0), AN_WARN_OWN);
    assert_int_equal(an_warn(2, 32, 0), 0);            /* exactly half is not below */
    assert_int_equal(an_warn(0, 0, 0), 0);             /* nothing before: no average to fall below */
    /* below half of the team's median (median2 / 2) */
    assert_int_equal(an_warn(0, 0, 3), AN_WARN_TEAM);  /* 0 < 0.75 */
    assert_int_equal(an_warn(1, 0, 4), 0);             /* 1 = half of 2 */
    assert_int_equal(an_warn(1, 32, 5), AN_WARN_OWN | AN_WARN_TEAM);
}

static void test_calendar(void **state) {
    char s[11], w[9];
    assert_int_equal(an_day_parse("1970-01-02"), 1);
    assert_int_equal(an_day_parse("2026-02-30"), AN_NO_DAY);
    assert_int_equal(an_day_parse("2026-1-1"), AN_NO_DAY);
    int32_t d = an_day_parse("2026-01-01");            /* a Thursday */
    an_day_format(d, s);
    assert_string_equal(s, "2026-01-01");
    an_day_format(an_week_start(d), s);
    assert_string_equal(s, "2025-12-29");
    an_week_label(an_week_start(d), w);
    assert_string_equal(w, "2026-W01");
    an_week_label(an_week_start(an_day_parse("2021-01-03")), w);   /* a Sunday that belongs to 2020's last week */
    assert_string_equal(w, "2020-W53");
    int32_t mon;
    assert_int_equal(an_week_parse("2020-W53", &mon), 0);
    an_day_format(mon, s);
    assert_string_equal(s, "2020-12-28");
    assert_int_equal(an_week_parse("2021-W53", &mon), -1);          /* 2021 has 52 weeks */
    assert_int_equal(an_week_parse("2026-W00", &mon), -1);
    assert_int_equal(an_week_parse("2026-W1", &mon), -1);
    assert_int_equal(an_week_parse("W01-2026", &mon), -1);
    an_day_format(an_quarter_start(an_day_parse("2026-05-17")), s);
    assert_string_equal(s, "2026-04-01");
    an_day_format(an_add_months(an_day_parse("2026-11-01"), 3), s);
    assert_string_equal(s, "2027-02-01");
    an_day_format(an_add_months(an_day_parse("2026-01-01"), -1), s);
    assert_string_equal(s, "2025-12-01");
    an_day_format(an_month_start(an_day_parse("2024-02-29")), s);
    assert_string_equal(s, "2024-02-01");
    assert_int_equal(an_day_of_ms(-1), -1);
    assert_int_equal(an_day_of_ms(AN_DAY_MS), 1);
}

/* ---- policy ---- */

static principal who(role r, int64_t uid, int64_t team, const int64_t *scope, int n) {
    return tdb_principal(uid, r, team, scope, n);
}

static void test_policy_analytics(void **state) {
    static const int64_t mgr_scope[] = {3, 7, 8}, rep_scope[] = {7}, one[] = {1};
    principal admin = who(ROLE_ADMIN, 1, 0, one, 1), ops = who(ROLE_OPS, 1, 0, one, 1);
    principal mgr = who(ROLE_MANAGER, 3, 5, mgr_scope, 3), rep = who(ROLE_REP, 7, 5, rep_scope, 1);
    principal csm = who(ROLE_CSM, 7, 5, rep_scope, 1), loner = who(ROLE_REP, 7, 0, rep_scope, 1);
    assert_int_equal(policy_analytics_view(&admin, 99, 6), ANALYTICS_DEALS);
    assert_int_equal(policy_analytics_view(&ops, 99, 6), ANALYTICS_DEALS);
    assert_int_equal(policy_analytics_view(&mgr, 7, 5), ANALYTICS_DEALS);       /* their subtree */
    assert_int_equal(policy_analytics_view(&mgr, 9, 5), ANALYTICS_NONE);        /* a manager has no "team-mates" view */
    assert_int_equal(policy_analytics_view(&rep, 7, 5), ANALYTICS_DEALS);       /* oneself */
    assert_int_equal(policy_analytics_view(&rep, 8, 5), ANALYTICS_AGGREGATE);   /* a team-mate: totals only */
    assert_int_equal(policy_analytics_view(&rep, 9, 6), ANALYTICS_NONE);
    assert_int_equal(policy_analytics_view(&csm, 8, 5), ANALYTICS_AGGREGATE);
    assert_int_equal(policy_analytics_view(&loner, 8, 0), ANALYTICS_NONE);      /* no team: no team-mates */
    assert_true(policy_can_set_quota(&admin, 3, 0));
    assert_true(policy_can_set_quota(&mgr, 7, 0));
    assert_false(policy_can_set_quota(&mgr, 3, 0));                              /* not their own */
    assert_false(policy_can_set_quota(&mgr, 9, 0));
    assert_true(policy_can_set_quota(&mgr, 0, 1));
    assert_false(policy_can_set_quota(&mgr, 0, 0));
    assert_false(policy_can_set_quota(&rep, 7, 0));
    assert_false(policy_can_set_quota(&ops, 7, 0));
}

/* ---- dict ---- */

static void test_dict(void **state) {
    an_ids ids = {0};
    assert_int_equal(an_ids_add(&ids, 42), 0);
    assert_int_equal(an_ids_add(&ids, 7), 1);
    assert_int_equal(an_ids_add(&ids, 42), 0);
    assert_int_equal(an_ids_get(&ids, 7), 1);
    assert_int_equal(an_ids_get(&ids, 8), AN_NONE);
    assert_int_equal(an_ids_get(&ids, 1 << 30), AN_NONE);
    assert_int_equal(an_ids_add(&ids, 0), AN_NONE);
    assert_int_equal(an_ids_add(&ids, -5), AN_NONE);
    assert_int_equal(an_ids_add(&ids, AN_MAX_ID), AN_NONE);
    assert_int_equal(ids.id[1], 7);
    an_ids_free(&ids);
    an_strs s = {0};
    char name[16];
    for (int i = 0; i < 200; i++) {   /* past several rehashes */
        snprintf(name, sizeof name, "src%d", i);
        assert_int_equal(an_strs_add(&s, name), (uint32_t)i);
    }
    assert_int_equal(an_strs_get(&s, "src117"), 117);
    assert_int_equal(an_strs_add(&s, "src3"), 3);
    assert_int_equal(an_strs_get(&s, "nope"), AN_NONE);
    an_strs_free(&s);
}

/* ---- the snapshot, against a real database ---- */

static int64_t deal(tdb *t, const char *name, int64_t amount) {
    char body[160];
    snprintf(body, sizeof body, "{'name':'%s','amount':%lld,'source':'web'}", name, (long long)amount);
    return tdb_create(t, &t->admin, &def_opportunities, body);
}

static void move_to(tdb *t, int64_t opp, int pos) {
    char body[200];
    err e = {0};
    snprintf(body, sizeof body, "{'stage_id':%lld,'override':true,'note':'test'%s}", (long long)t->stage[pos], pos == 7 ? ",'lost_reason':'price'" : "");
    crm_ctx c = tdb_as(t, &t->admin);
    json_t *in = J(body), *out = NULL;
    if (opp_move_stage(&c, opp, in, &out, &e)) fail_msg("move %lld to %d: %s", (long long)opp, pos, e.msg);
    json_decref(in);
    json_decref(out);
}

static uint32_t slot(const an_snap *s, int64_t id) { return an_ids_get(&s->deals, id); }

static void test_snapshot_build_and_delta(void **state) {
    tdb *t = TDB(state);
    err e = {0};
    int64_t a = deal(t, "A", 1000), b = deal(t, "B", 2000), c = deal(t, "C", 3000);
    move_to(t, a, 3);       /* Lead -> Demo (skips Qualified) */
    move_to(t, b, 6);       /* Lead -> Won */
    an_snap *s = calloc(1, sizeof *s);
    OK(an_sync_build(t->s, s, &e));
    assert_int_equal(s->deals.n, 3);
    assert_int_equal(s->d_maxpos[slot(s, a)], 3);            /* Demo's position */
    assert_int_equal(s->d_maxpos[slot(s, b)], AN_WON_POS);   /* won passes every open stage */
    assert_int_equal(s->d_maxpos[slot(s, c)], 1);
    assert_int_equal(s->d_hn[slot(s, a)], 2);
    assert_true(s->d_simple[slot(s, b)]);
    assert_int_equal(s->d_amount[slot(s, c)], 3000);
    assert_string_equal(s->sources.s[s->d_source[slot(s, c)]], "web");

    /* writes behind the snapshot: a move, an amount, a new deal, a delete, a reopening */
    move_to(t, c, 4);
    crm_ctx ac = tdb_as(t, &t->admin);
    json_t *patch = J("{'amount':4500}"), *out = NULL;
    OK(record_update(&ac, &def_opportunities, a, patch, 0, &out, &e));
    json_decref(patch);
    json_decref(out);
    int64_t d = deal(t, "D", 100);
    OK(record_delete(&ac, &def_opportunities, d, 0, &e));
    int64_t f = deal(t, "F", 700);
    move_to(t, b, 2);       /* Won -> Qualified: reopened */
    OK(an_sync_delta(t->s, s, &e));
    assert_int_equal(s->deals.n, 5);                         /* D is known, but dead */
    assert_int_equal(s->d_live[slot(s, d)], 0);
    assert_int_equal(s->d_live[slot(s, f)], 1);
    assert_int_equal(s->d_maxpos[slot(s, c)], 4);
    assert_int_equal(s->d_amount[slot(s, a)], 4500);
    assert_int_equal(s->d_maxpos[slot(s, b)], AN_WON_POS);   /* it was won once */
    assert_false(s->d_simple[slot(s, b)]);                    /* closed, then not: its past needs the history */
    assert_int_equal(s->stage[s->d_stage[slot(s, b)]].position, 2);
    OK(an_sync_delta(t->s, s, &e));                           /* nothing new: nothing changes */
    assert_int_equal(s->deals.n, 5);

    /* a stage moved to another position reshapes every deal's maxpos */
    OK(store_run(t->s, "UPDATE stages SET position = 9, updated_at = 1 WHERE id = ?", &e, "i", t->stage[4]));
    OK(an_sync_delta(t->s, s, &e));
    assert_int_equal(s->d_maxpos[slot(s, c)], 9);
    an_snap_free(s);
}

static void test_snapshot_past_states(void **state) {
    tdb *t = TDB(state);
    err e = {0};
    int64_t a = deal(t, "A", 1000);
    /* a history at known instants: Lead at day 10, Demo at day 20 (amount 1500), Won at day 30 */
    int64_t D = AN_DAY_MS;
    OK(store_run(t->s, "DELETE FROM stage_history WHERE opportunity_id = ?", &e, "i", a));
    const char *ins = "INSERT INTO stage_history (opportunity_id, to_stage_id, changed_at, amount, currency, probability, close_date) "
                      "VALUES (?, ?, ?, ?, 'CNY', 0, ?)";
    OK(store_run(t->s, ins, &e, "iiiis", a, t->stage[1], 10 * D + 5, (int64_t)1000, "1970-02-01"));
    OK(store_run(t->s, ins, &e, "iiiis", a, t->stage[3], 20 * D, (int64_t)1500, "1970-02-15"));
    OK(store_run(t->s, ins, &e, "iiiin", a, t->stage[6], 30 * D + 999, (int64_t)1500));
    OK(store_run(t->s, "UPDATE opportunities SET stage_id = ?, closed_at = ?, created_at = ?, amount = 1500 WHERE id = ?", &e, "iiii",
                 t->stage[6], 30 * D + 999, 10 * D + 5, a));
    an_snap *s = calloc(1, sizeof *s);
    OK(an_sync_build(t->s, s, &e));
    uint32_t d = slot(s, a);
    assert_true(s->d_simple[d]);
    int64_t at[] = {10 * D, 11 * D, 20 * D, 21 * D, 31 * D};   /* day 10 00:00 is before the first change (10 d + 5 ms) */
    an_at st[4];
    uint8_t found[4];
    int64_t won[4];
    an_deal_timeline(s, d, at, 4, st, found, won);
    assert_int_equal(found[0], 0);
    assert_int_equal(found[1], 1);
    assert_int_equal(s->stage[st[1].stage].position, 1);
    assert_int_equal(st[1].amount, 1000);
    assert_int_equal(st[1].close_day, 31);                     /* 1970-02-01 */
    /* at day 20 00:00 the move to Demo (at exactly that instant) has not happened: "before", not "at or before" */
    assert_int_equal(s->stage[st[2].stage].position, 1);
    assert_int_equal(s->stage[st[3].stage].position, 3);
    assert_int_equal(st[3].amount, 1500);
    assert_int_equal(st[3].maxpos, 3);
    assert_int_equal(won[2], -1);
    assert_int_equal(won[3], 1500);                            /* won in [day 21, day 31) */
    an_snap_free(s);
}

#define DB_TESTS(setup) \
    cmocka_unit_test_setup_teardown(test_snapshot_build_and_delta, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_snapshot_past_states, setup, tdb_teardown)

int main(void) {
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_rounding), cmocka_unit_test(test_diff_pp), cmocka_unit_test(test_team_rate_falls_back_below_twenty),
        cmocka_unit_test(test_shrinkage), cmocka_unit_test(test_weighted_rounding), cmocka_unit_test(test_median_and_warning),
        cmocka_unit_test(test_calendar), cmocka_unit_test(test_policy_analytics), cmocka_unit_test(test_dict)};
    int failed = cmocka_run_group_tests_name("analytics", pure, NULL, NULL);
    const struct CMUnitTest lite[] = {DB_TESTS(tdb_setup)};
    failed += cmocka_run_group_tests_name("analytics/sqlite", lite, NULL, NULL);
    if (getenv("CYLINDER_TEST_PG_URL")) {
        const struct CMUnitTest pg[] = {DB_TESTS(tdb_setup_pg)};
        failed += cmocka_run_group_tests_name("analytics/postgres", pg, NULL, NULL);
    } else
        print_message("CYLINDER_TEST_PG_URL is not set: PostgreSQL tests skipped\n");
    return failed ? 1 : 0;
}
