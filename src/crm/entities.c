/* entities.c: field tables and the rules that are not just types. */
#include "entities.h"
#include <string.h>
#include "../core/timeutil.h"
#include "leads.h"
#include "opportunity.h"

const char *const crm_default_currency = "CNY";

static const char *const roles[] = {"admin", "manager", "rep", "csm", "ops", NULL};
static const char *const locales[] = {"en", "zh-CN", "zh-TW", "hu", NULL};
static const char *const buying_roles[] = {"decision_maker", "economic_buyer", "champion", "influencer", "user", "blocker", NULL};
static const char *const stage_kinds[] = {"open", "won", "lost", NULL};
static const char *const activity_kinds[] = {"call", "email", "meeting", "task", "note", NULL};
static const char *const forecast_categories[] = {"commit", "best_case", "pipeline", "omitted", NULL};

enum { R = FF_REQUIRED, RO = FF_READONLY, CO = FF_CREATE_ONLY, S = FF_SEARCH, F = FF_FILTER, O = FF_SORT, H = FF_HIDDEN, NN = FF_NONULL };

/* ---- shared hooks ---- */

static void default_owner(crm_ctx *c, json_t *rec) {
    json_t *o = json_object_get(rec, "owner_id");
    if (!o || json_is_null(o)) json_object_set_new(rec, "owner_id", json_integer(c->p->user_id));
}

/* parent chains (accounts, teams) must not loop back on themselves */
static int no_cycle(crm_ctx *c, const char *table, json_t *rec, const json_t *old, err *e) {
    json_t *pv = json_object_get(rec, "parent_id");
    if (!old || !pv || json_is_null(pv)) return 0;
    int64_t self = json_integer_value(json_object_get(old, "id"));
    int64_t cur = json_integer_value(pv);
    for (int depth = 0; cur && depth < 1000; depth++) {
        if (cur == self) return err_field_add(e, "parent_id", "would make the %s its own ancestor", table);
        int64_t next = 0;
        char *sql = arena_printf(c->a, "SELECT parent_id FROM %s WHERE id = ?", table);
        if (store_scalar_int(c->db, sql, &next, e, "i", cur) < 0) return -1;
        cur = next;
    }
    return 0;
}

static int owned_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    default_owner(c, rec);
    return no_cycle(c, d->name, rec, old, e);
}

static int contact_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    default_owner(c, rec);
    return 0;
}

static int team_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    return no_cycle(c, "teams", rec, old, e);
}

static int activity_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    default_owner(c, rec);
    json_t *o = json_object_get(rec, "opportunity_id"), *a = json_object_get(rec, "account_id"),
           *ct = json_object_get(rec, "contact_id");
    int has_o = o && !json_is_null(o), has_a = a && !json_is_null(a), has_c = ct && !json_is_null(ct);
    if (!has_o && !has_a && !has_c)
        return err_field_add(e, "opportunity_id", "an activity belongs to an opportunity, an account or a contact");
    if (has_o && !has_a) {
        /* file it under the deal's account too, so the account timeline shows it; but only when the
         * caller sees both: a hidden deal must answer like a missing one, and a deal shared without
         * its account must still take a note */
        int64_t acc = 0;
        int vis = record_visible(c, "opportunities", json_integer_value(o), e);
        if (vis > 0 && store_scalar_int(c->db, "SELECT account_id FROM opportunities WHERE id = ?", &acc, e, "i", json_integer_value(o)) < 0)
            return -1;
        if (vis > 0 && acc) vis = record_visible(c, "accounts", acc, e);
        if (vis < 0) return -1;
        if (vis > 0 && acc) json_object_set_new(rec, "account_id", json_integer(acc));
    }
    return 0;
}

static int stage_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e) {
    if (rec) return 0;
    int64_t n = 0;
    if (store_scalar_int(c->db, "SELECT COUNT(*) FROM opportunities WHERE stage_id = ? AND deleted_at IS NULL", &n, e, "i", id) < 0)
        return -1;
    if (n) return err_set(e, ERR_CONFLICT, "%lld opportunities are in this stage; move them first", (long long)n);
    return 0;
}

static int pipeline_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e) {
    json_t *def = rec ? json_object_get(rec, "is_default") : NULL;
    if (def && json_is_true(def))
        return store_run(c->db, "UPDATE pipelines SET is_default = 0 WHERE id <> ?", e, "i", id);
    if (!rec) {
        int64_t n = 0;
        if (store_scalar_int(c->db, "SELECT COUNT(*) FROM opportunities WHERE pipeline_id = ? AND deleted_at IS NULL", &n, e, "i", id) < 0)
            return -1;
        if (n) return err_set(e, ERR_CONFLICT, "%lld opportunities use this pipeline", (long long)n);
    }
    return 0;
}

/* ---- tables ---- */

static const field_def user_fields[] = {
    {"email", FT_EMAIL, R | S | F | O, 254}, {"name", FT_TEXT, R | S | O, 120}, {"role", FT_ENUM, R | F, 0, NULL, roles},
    {"team_id", FT_REF, F, 0, "teams"}, {"locale", FT_ENUM, NN, 0, NULL, locales}, {"active", FT_BOOL, F | NN},
    {"password_hash", FT_TEXT, H | RO, 200},
    /* lead assignment passes over reps who are away or whose open leads + open deals reach capacity (null: no limit) */
    {"away", FT_BOOL, F | NN}, {"capacity", FT_INT, F, 100000}, {NULL}};
const record_def def_users = {"users", "user", ACCESS_ADMIN, user_fields, NULL, "name", NULL, NULL, 0};

static const extra_col team_extras[] = {{"manager_name", "SELECT name FROM users WHERE id = t.manager_id", FT_TEXT}, {NULL}};
static const field_def team_fields[] = {
    {"name", FT_TEXT, R | S | O, 120}, {"parent_id", FT_REF, F, 0, "teams"}, {"manager_id", FT_REF, F, 0, "users"}, {NULL}};
const record_def def_teams = {"teams", "team", ACCESS_ADMIN, team_fields, team_extras, "name", team_check, NULL, 0};

static const extra_col account_extras[] = {{"owner_name", "SELECT name FROM users WHERE id = t.owner_id", FT_TEXT},
                                           {"parent_name", "SELECT name FROM accounts WHERE id = t.parent_id", FT_TEXT}, {NULL}};
static const field_def account_fields[] = {
    {"name", FT_TEXT, R | S | O, 200}, {"industry", FT_TEXT, F | O, 80}, {"region", FT_TEXT, F | O, 80},
    {"size", FT_TEXT, F, 40}, {"website", FT_TEXT, S, 300}, {"owner_id", FT_REF, R | F | O, 0, "users"},
    {"parent_id", FT_REF, F, 0, "accounts"}, {NULL}};
const record_def def_accounts = {"accounts", "account", ACCESS_OWNED, account_fields, account_extras, "name", owned_check,
                                 lead_account_keys, 0};

static const extra_col contact_extras[] = {{"account_name", "SELECT name FROM accounts WHERE id = t.account_id", FT_TEXT}, {NULL}};
static const field_def contact_fields[] = {
    {"name", FT_TEXT, R | S | O, 120}, {"title", FT_TEXT, S, 120}, {"buying_role", FT_ENUM, F, 0, NULL, buying_roles},
    {"email", FT_EMAIL, S | F, 254}, {"phone", FT_TEXT, S, 40}, {"account_id", FT_REF, F, 0, "accounts"},
    {"owner_id", FT_REF, R | F, 0, "users"}, {NULL}};
const record_def def_contacts = {"contacts", "contact", ACCESS_CONTACT, contact_fields, contact_extras, "name", contact_check,
                                 lead_contact_keys, 0};

static const field_def product_fields[] = {
    {"name", FT_TEXT, R | S | O, 200}, {"sku", FT_TEXT, R | S | F | O, 64}, {"list_price", FT_MONEY, R | F | O},
    {"unit_cost", FT_MONEY, 0}, {"currency", FT_CURRENCY, R | F}, {"category", FT_TEXT, F | O, 80},
    {"active", FT_BOOL, F | NN}, {NULL}};
const record_def def_products = {"products", "product", ACCESS_CONFIG, product_fields, NULL, "name", NULL, NULL, 0};

static const field_def pipeline_fields[] = {{"name", FT_TEXT, R | S | O, 120}, {"is_default", FT_BOOL, F | NN}, {NULL}};
const record_def def_pipelines = {"pipelines", "pipeline", ACCESS_CONFIG, pipeline_fields, NULL, "name", NULL, pipeline_after, 0};

static const field_def stage_fields[] = {
    {"pipeline_id", FT_REF, R | F | CO, 0, "pipelines"}, {"name", FT_TEXT, R | O, 80}, {"position", FT_INT, R | O, 1000},
    {"probability", FT_BP, R}, {"kind", FT_ENUM, R | F, 0, NULL, stage_kinds}, {NULL}};
const record_def def_stages = {"stages", "stage", ACCESS_CONFIG, stage_fields, NULL, "position", NULL, stage_after, 0};

static const field_def criterion_fields[] = {
    {"stage_id", FT_REF, R | F | CO, 0, "stages"}, {"name", FT_TEXT, R | O, 200}, {"required", FT_BOOL, NN},
    {"position", FT_INT, O | NN, 1000}, {NULL}};
const record_def def_stage_criteria = {"stage_criteria", "exit criterion", ACCESS_CONFIG, criterion_fields, NULL, "position", NULL, NULL, 0};

static const extra_col opp_extras[] = {
    {"account_name", "SELECT name FROM accounts WHERE id = t.account_id", FT_TEXT},
    {"owner_name", "SELECT name FROM users WHERE id = t.owner_id", FT_TEXT},
    {"stage_name", "SELECT name FROM stages WHERE id = t.stage_id", FT_TEXT},
    {"stage_kind", "SELECT kind FROM stages WHERE id = t.stage_id", FT_TEXT},
    {"probability", "SELECT probability FROM stages WHERE id = t.stage_id", FT_BP}, {NULL}};
static const field_def opp_fields[] = {
    {"name", FT_TEXT, R | S | O, 200}, {"account_id", FT_REF, F, 0, "accounts"}, {"contact_id", FT_REF, F, 0, "contacts"},
    {"owner_id", FT_REF, R | F | O, 0, "users"}, {"pipeline_id", FT_REF, R | F | CO, 0, "pipelines"},
    {"stage_id", FT_REF, R | F | CO, 0, "stages"}, {"amount", FT_MONEY, F | O | NN}, {"amount_from_items", FT_BOOL, RO},
    {"currency", FT_CURRENCY, R | F | CO}, {"close_date", FT_DATE, F | O}, {"source", FT_TEXT, F, 80},
    {"lost_reason", FT_TEXT, RO, 500}, {"stage_entered_at", FT_TIME, RO | O}, {"closed_at", FT_TIME, RO | F | O},
    {"forecast_category", FT_ENUM, F | NN, 0, NULL, forecast_categories}, /* the manager's call; default pipeline */ {NULL}};
const record_def def_opportunities = {"opportunities", "opportunity", ACCESS_OWNED, opp_fields, opp_extras, "-id",
                                      opp_check, opp_after, 0};

static const extra_col item_extras[] = {{"product_name", "SELECT name FROM products WHERE id = t.product_id", FT_TEXT}, {NULL}};
static const field_def item_fields[] = {
    {"opportunity_id", FT_REF, R | F | CO, 0, "opportunities"}, {"product_id", FT_REF, R | F, 0, "products"},
    {"quantity", FT_INT, R, 1000000000}, {"unit_price", FT_MONEY, R}, {"discount_bp", FT_BP, NN},
    {"total", FT_MONEY, RO}, {NULL}};
const record_def def_line_items = {"line_items", "line item", ACCESS_OPP_CHILD, item_fields, item_extras, "id",
                                   line_item_check, line_item_after, 1};

static const field_def activity_fields[] = {
    {"kind", FT_ENUM, R | F, 0, NULL, activity_kinds}, {"subject", FT_TEXT, R | S | O, 300}, {"body", FT_TEXT, S, 10000},
    {"due_at", FT_TIME, F | O}, {"done_at", FT_TIME, F | O}, {"outcome", FT_TEXT, 0, 500},
    {"opportunity_id", FT_REF, F, 0, "opportunities"}, {"account_id", FT_REF, F, 0, "accounts"},
    {"contact_id", FT_REF, F, 0, "contacts"}, {"owner_id", FT_REF, R | F, 0, "users"},
    {"stage_action_id", FT_REF, RO | F, 0, "stage_actions"}, /* the playbook action that made this task */ {NULL}};
static const extra_col activity_extras[] = {
    {"opportunity_name", "SELECT name FROM opportunities WHERE id = t.opportunity_id", FT_TEXT},
    {"account_name", "SELECT name FROM accounts WHERE id = t.account_id", FT_TEXT},
    {"contact_name", "SELECT name FROM contacts WHERE id = t.contact_id", FT_TEXT}, {NULL}};
const record_def def_activities = {"activities", "activity", ACCESS_ACTIVITY, activity_fields, activity_extras, "-id", activity_check, NULL, 0};

/* ---- leads (hooks in leads.c) ---- */

static const char *const lead_statuses[] = {"new", "assigned", "duplicate", "converted", "disqualified", NULL};
static const char *const lead_intakes[] = {"form", "api", "import", NULL};
static const char *const lead_dup_entities[] = {"leads", "contacts", "accounts", NULL};
static const char *const lead_dup_on[] = {"email", "phone", "company", NULL};
static const char *const assign_methods[] = {"round_robin", "balanced", NULL};

static const extra_col lead_extras[] = {{"owner_name", "SELECT name FROM users WHERE id = t.owner_id", FT_TEXT}, {NULL}};
static const field_def lead_fields[] = {
    {"name", FT_TEXT, R | S | O, 120}, {"company", FT_TEXT, S | F | O, 200}, {"email", FT_EMAIL, S | F, 254},
    {"phone", FT_TEXT, S, 40}, {"title", FT_TEXT, 0, 120}, {"source", FT_TEXT, F, 80}, {"notes", FT_TEXT, 0, 5000},
    {"region", FT_TEXT, F | O, 80}, {"industry", FT_TEXT, F | O, 80}, {"company_size", FT_TEXT, F, 40},
    {"status", FT_ENUM, F | O | NN, 0, NULL, lead_statuses}, {"disqualified_reason", FT_TEXT, 0, 500},
    {"owner_id", FT_REF, F | O, 0, "users"}, {"intake", FT_ENUM, RO | F, 0, NULL, lead_intakes},
    {"form_id", FT_REF, RO | F, 0, "lead_forms"}, {"duplicate_entity", FT_ENUM, RO | F, 0, NULL, lead_dup_entities},
    {"duplicate_id", FT_INT, RO}, {"duplicate_on", FT_ENUM, RO | F, 0, NULL, lead_dup_on},
    {"assigned_at", FT_TIME, RO | F | O}, {"converted_at", FT_TIME, RO | F | O}, {"account_id", FT_REF, RO | F, 0, "accounts"},
    {"contact_id", FT_REF, RO | F, 0, "contacts"}, {"opportunity_id", FT_REF, RO | F, 0, "opportunities"}, {NULL}};
const record_def def_leads = {"leads", "lead", ACCESS_OWNED, lead_fields, lead_extras, "-id", lead_check, lead_after, 0};

static const extra_col form_extras[] = {{"submit_path", "SELECT '/api/v1/forms/' || t.token || '/submit'", FT_TEXT}, {NULL}};
static const field_def form_fields[] = {
    {"name", FT_TEXT, R | S | O, 120}, {"active", FT_BOOL, F | NN}, {"default_source", FT_TEXT, 0, 80},
    {"token", FT_TEXT, RO, 64}, {NULL}};
const record_def def_lead_forms = {"lead_forms", "lead form", ACCESS_CONFIG, form_fields, form_extras, "name", lead_form_check, NULL, 0};

static const extra_col rule_extras[] = {{"team_name", "SELECT name FROM teams WHERE id = t.team_id", FT_TEXT},
                                        {"user_name", "SELECT name FROM users WHERE id = t.user_id", FT_TEXT}, {NULL}};
static const field_def rule_fields[] = {
    {"name", FT_TEXT, R | S | O, 120}, {"position", FT_INT, O | NN, 100000}, {"active", FT_BOOL, F | NN},
    {"regions", FT_TEXT, 0, 500}, {"industries", FT_TEXT, 0, 500}, {"company_sizes", FT_TEXT, 0, 500},
    {"team_id", FT_REF, F, 0, "teams"}, {"user_id", FT_REF, F, 0, "users"},
    {"method", FT_ENUM, NN, 0, NULL, assign_methods}, {NULL}};
const record_def def_assignment_rules = {"assignment_rules", "assignment rule", ACCESS_CONFIG, rule_fields, rule_extras, "position",
                                         assignment_rule_check, NULL, 0};

/* ---- stage playbooks (tasks made in playbook.c) ---- */

static const extra_col action_extras[] = {{"stage_name", "SELECT name FROM stages WHERE id = t.stage_id", FT_TEXT}, {NULL}};
static const field_def action_fields[] = {
    {"stage_id", FT_REF, R | F | CO, 0, "stages"}, {"name", FT_TEXT, R | O, 200}, {"due_days", FT_INT, O | NN, 3650},
    {"required", FT_BOOL, F | NN}, {"position", FT_INT, O | NN, 1000}, {NULL}};
const record_def def_stage_actions = {"stage_actions", "stage action", ACCESS_CONFIG, action_fields, action_extras, "position", NULL, NULL, 0};

const record_def *const crm_entities[] = {&def_users, &def_teams, &def_accounts, &def_contacts, &def_products,
                                          &def_pipelines, &def_stages, &def_stage_criteria, &def_opportunities,
                                          &def_line_items, &def_activities, &def_leads, &def_lead_forms,
                                          &def_assignment_rules, &def_stage_actions, NULL};
