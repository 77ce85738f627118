/* test_record: the generic life of a business record as a user meets it:
 * what a bad form says, who sees which record, what the audit trail holds,
 * how pages of a list fit together, and the deal's stage moves. Runs on a
 * fresh SQLite database per test, and on PostgreSQL too when
 * CYLINDER_TEST_PG_URL is set (see testdb.h for the team). */
#include "testdb.h"

static json_t *get_ok(tdb *t, const principal *p, const record_def *d, int64_t id) {
    crm_ctx c = tdb_as(t, p);
    err e;
    json_t *out = NULL;
    OK(record_get(&c, d, id, &out, &e));
    return out;
}

static const char *str(const json_t *o, const char *k) {
    const json_t *v = json_object_get(o, k);
    if (!json_is_string(v)) fail_msg("%s is not a string", k);
    return json_string_value(v);
}
static int64_t num(const json_t *o, const char *k) {
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) fail_msg("%s is not an integer", k);
    return json_integer_value(v);
}
static int is_null(const json_t *o, const char *k) { return json_is_null(json_object_get(o, k)); }

static int64_t audit_count(tdb *t, const char *entity, int64_t id) {
    return tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE entity = ? AND record_id = ?", "si", entity, id);
}

/* ---- create ---- */

static void test_create_account(void **state) {
    tdb *t = TDB(state);
    crm_ctx c = tdb_as(t, &t->rep);
    err e;
    json_t *in = J("{'name':'Acme Robotics','industry':'Manufacturing','website':'https://acme.example'}"), *out = NULL;
    OK(record_create(&c, &def_accounts, in, &out, &e));
    json_decref(in);
    int64_t id = num(out, "id");
    assert_true(id > 0);
    assert_int_equal(num(out, "version"), 1);
    assert_string_equal(str(out, "name"), "Acme Robotics");
    assert_int_equal(num(out, "owner_id"), t->ray);          /* the creator owns it by default */
    assert_string_equal(str(out, "owner_name"), "Ray");
    assert_true(is_null(out, "region"));
    assert_true(is_null(out, "parent_id"));
    assert_int_equal(strlen(str(out, "created_at")), 24);     /* 2026-11-23T14:10:38.123Z */
    assert_string_equal(str(out, "created_at"), str(out, "updated_at"));
    json_decref(out);

    /* one audit row per field given, by Ray */
    assert_int_equal(audit_count(t, "accounts", id), 4);      /* name, industry, website, owner_id */
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'accounts' AND record_id = ? AND action = 'create' "
                                   "AND actor_id = ? AND old_value IS NULL", "ii", id, t->ray), 4);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND field = 'name' AND new_value = 'Acme Robotics'",
                                "i", id), 1);
    char owner[24];
    snprintf(owner, sizeof owner, "%lld", (long long)t->ray);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE field = 'owner_id' AND new_value = ? AND record_id = ?",
                                "si", owner, id), 1);

    /* 200 characters is the limit for a name, counted in characters, not bytes */
    char name[700] = "{'name':'";
    for (int i = 0; i < 200; i++) strcat(name, "\xe6\xb1\xbd");   /* 汽, 3 bytes each */
    strcat(name, "'}");
    tdb_create(t, &t->rep, &def_accounts, name);
}

static void test_validation_reasons(void **state) {
    tdb *t = TDB(state);
    crm_ctx c = tdb_as(t, &t->rep);
    err e;
    json_t *out = NULL;
    char long_name[400];
    snprintf(long_name, sizeof long_name, "{'name':'%0201d','industry':5,'website':'','region':'North\\nEast','size':'%041d'}", 0, 0);
    json_t *in = J(long_name);
    json_object_set_new(in, "website", json_stringn("a\0b", 3));  /* the API's parser refuses \u0000; a caller might not */
    FAILS(ERR_VALIDATION, record_create(&c, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_string_equal(e.msg, "some fields are not valid");
    assert_int_equal(e.nfields, 5);                           /* every problem at once, not one per round trip */
    assert_reason(e, "name", "must be at most 200 characters");
    assert_reason(e, "industry", "must be a string");
    assert_reason(e, "website", "must not contain NUL characters");
    assert_reason(e, "region", "must not contain control characters");
    assert_reason(e, "size", "must be at most 40 characters");

    in = J("{'name':'','owner_id':0,'parent_id':-3}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_reason(e, "name", "must not be empty");
    assert_reason(e, "owner_id", "must be the id of a record");
    assert_reason(e, "parent_id", "must be the id of a record");

    in = J("{'name':'Deal','currency':'XYZ','close_date':'2026-02-30','amount':-5,'source':[1],"
           "'account_id':'12','pipeline_id':1.5}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "currency", "must be an ISO 4217 currency code such as CNY, USD, EUR");
    assert_reason(e, "close_date", "must be a real date as YYYY-MM-DD");
    assert_reason(e, "amount", "must not be negative");
    assert_reason(e, "source", "must be a string");
    assert_reason(e, "account_id", "must be a whole number");
    assert_reason(e, "pipeline_id", "must be a whole number");

    in = J("{'name':'Big','amount':1000000000000001,'close_date':'2026-1-5'}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "amount", "is too large");
    assert_reason(e, "close_date", "must be a real date as YYYY-MM-DD");

    in = J("{'name':'Li Lei','buying_role':'boss','email':'li.lei@','phone':7}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_contacts, in, &out, &e));
    json_decref(in);
    assert_reason(e, "buying_role", "must be one of: decision_maker, economic_buyer, champion, influencer, user, blocker");
    assert_reason(e, "email", "is not an email address");
    assert_reason(e, "phone", "must be a string");

    in = J("{'kind':'call','subject':'Intro','due_at':'2026-03-01T09:30:00','done_at':'tomorrow'}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_activities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "due_at", "must be a date-time such as 2026-03-01T09:30:00Z");
    assert_reason(e, "done_at", "must be a date-time such as 2026-03-01T09:30:00Z");

    crm_ctx admin = tdb_as(t, &t->admin);
    in = J("{'name':'Arm','sku':'A','list_price':1,'currency':'CNY','active':'yes'}");
    FAILS(ERR_VALIDATION, record_create(&admin, &def_products, in, &out, &e));
    json_decref(in);
    assert_reason(e, "active", "must be true or false");
    char buf[200];
    snprintf(buf, sizeof buf, "{'pipeline_id':%lld,'name':'X','position':1001,'probability':10001,'kind':'open'}", (long long)t->pipeline);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&admin, &def_stages, in, &out, &e));
    json_decref(in);
    assert_reason(e, "position", "must be between 0 and 1000");
    assert_reason(e, "probability", "must be between 0 and 10000 (basis points)");

    /* a refused create leaves nothing behind */
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM accounts", ""), 0);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM opportunities", ""), 0);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log", ""), 0);
}

static void test_unknown_readonly_required(void **state) {
    tdb *t = TDB(state);
    crm_ctx c = tdb_as(t, &t->rep);
    err e;
    json_t *out = NULL, *in;

    in = J("{'name':'Acme','id':5,'created_at':'2026-01-01T00:00:00Z','colour':'red','version':3}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_int_equal(e.nfields, 3);                           /* "version" is a precondition, not a field */
    assert_reason(e, "id", "is not a field of account");
    assert_reason(e, "created_at", "is not a field of account");
    assert_reason(e, "colour", "is not a field of account");

    in = J("{'name':'Deal','amount_from_items':true,'lost_reason':'x','closed_at':'2026-01-01T00:00:00Z','owner_name':'Ray'}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "amount_from_items", "is set by the server");
    assert_reason(e, "lost_reason", "is set by the server");
    assert_reason(e, "closed_at", "is set by the server");
    assert_reason(e, "owner_name", "is not a field of opportunity");

    /* hidden fields are not fields at all from outside */
    crm_ctx admin = tdb_as(t, &t->admin);
    in = J("{'email':'new@example.com','name':'New','role':'rep','password_hash':'x'}");
    FAILS(ERR_VALIDATION, record_create(&admin, &def_users, in, &out, &e));
    json_decref(in);
    assert_reason(e, "password_hash", "is not a field of user");

    /* required fields, named one by one */
    in = J("{}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_int_equal(e.nfields, 1);                           /* owner_id has a default: the caller */
    assert_reason(e, "name", "is required");
    in = J("{'name':null}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_reason(e, "name", "is required");
    in = J("{'category':'Robots'}");
    FAILS(ERR_VALIDATION, record_create(&admin, &def_products, in, &out, &e));
    json_decref(in);
    assert_int_equal(e.nfields, 4);
    assert_reason(e, "name", "is required");
    assert_reason(e, "sku", "is required");
    assert_reason(e, "list_price", "is required");
    assert_reason(e, "currency", "is required");
    in = J("{'kind':'call','subject':'Intro call'}");
    FAILS(ERR_VALIDATION, record_create(&c, &def_activities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "opportunity_id", "an activity belongs to an opportunity, an account or a contact");

    /* not an object at all */
    in = J("[1,2]");
    FAILS(ERR_BAD_REQUEST, record_create(&c, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_string_equal(e.msg, "the body must be a JSON object");
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM accounts", ""), 0);
}

static void test_references(void **state) {
    tdb *t = TDB(state);
    err e;
    json_t *out = NULL, *in;
    char buf[256];
    int64_t sams = tdb_create(t, &t->outsider, &def_accounts, "{'name':'West Co'}");
    int64_t rays = tdb_create(t, &t->rep, &def_accounts, "{'name':'East Co'}");
    crm_ctx ray = tdb_as(t, &t->rep), mia = tdb_as(t, &t->manager), sam = tdb_as(t, &t->outsider);

    /* a reference to a record the caller cannot see reads as a missing record */
    snprintf(buf, sizeof buf, "{'name':'Deal','account_id':%lld}", (long long)sams);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&ray, &def_opportunities, in, &out, &e));
    json_decref(in);
    snprintf(buf, sizeof buf, "no accounts with id %lld that you can see", (long long)sams);
    assert_reason(e, "account_id", buf);
    in = J("{'name':'Deal','account_id':999999}");
    FAILS(ERR_VALIDATION, record_create(&ray, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "account_id", "no accounts with id 999999 that you can see");

    /* giving records away: a rep only to themselves, a manager within the team */
    snprintf(buf, sizeof buf, "{'name':'Gift','owner_id':%lld}", (long long)t->rex);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&ray, &def_accounts, in, &out, &e));
    assert_reason(e, "owner_id", "you cannot give records to this user");
    OK(record_create(&mia, &def_accounts, in, &out, &e));
    assert_int_equal(num(out, "owner_id"), t->rex);
    assert_string_equal(str(out, "owner_name"), "Rex");
    json_decref(out);
    json_decref(in);
    snprintf(buf, sizeof buf, "{'name':'Gift','owner_id':%lld}", (long long)t->sam);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&mia, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_reason(e, "owner_id", "you cannot give records to this user");
    in = J("{'name':'Ghost','owner_id':424242}");
    FAILS(ERR_VALIDATION, record_create(&mia, &def_accounts, in, &out, &e));
    json_decref(in);
    assert_reason(e, "owner_id", "no users with id 424242 that you can see");

    /* an account cannot become its own ancestor */
    int64_t child = tdb_create(t, &t->rep, &def_accounts, "{'name':'Child'}");
    snprintf(buf, sizeof buf, "{'parent_id':%lld}", (long long)rays);
    in = J(buf);
    OK(record_update(&ray, &def_accounts, child, in, 0, &out, &e));
    assert_string_equal(str(out, "parent_name"), "East Co");
    json_decref(out);
    json_decref(in);
    snprintf(buf, sizeof buf, "{'parent_id':%lld}", (long long)child);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_update(&ray, &def_accounts, rays, in, 0, &out, &e));
    json_decref(in);
    assert_reason(e, "parent_id", "would make the accounts its own ancestor");

    /* a contact on someone else's account */
    snprintf(buf, sizeof buf, "{'name':'Li Lei','account_id':%lld}", (long long)rays);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&sam, &def_contacts, in, &out, &e));
    json_decref(in);
    snprintf(buf, sizeof buf, "no accounts with id %lld that you can see", (long long)rays);
    assert_reason(e, "account_id", buf);
}

/* ---- update and delete ---- */

static void test_update_versions_and_audit(void **state) {
    tdb *t = TDB(state);
    crm_ctx c = tdb_as(t, &t->rep);
    err e;
    json_t *out = NULL, *in;
    int64_t id = tdb_create(t, &t->rep, &def_accounts, "{'name':'Acme'}");
    int64_t rows = audit_count(t, "accounts", id);

    in = J("{'industry':'Retail'}");
    OK(record_update(&c, &def_accounts, id, in, 1, &out, &e));
    json_decref(in);
    assert_int_equal(num(out, "version"), 2);
    assert_string_equal(str(out, "industry"), "Retail");
    assert_string_equal(str(out, "name"), "Acme");            /* untouched fields stay */
    json_decref(out);
    assert_int_equal(audit_count(t, "accounts", id), rows + 1);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND action = 'update' AND field = 'industry' "
                                   "AND old_value IS NULL AND new_value = 'Retail' AND actor_id = ?", "ii", id, t->ray), 1);

    /* a stale version is refused and says what the record is at now */
    in = J("{'region':'North'}");
    FAILS(ERR_PRECONDITION, record_update(&c, &def_accounts, id, in, 1, &out, &e));
    json_decref(in);
    assert_non_null(strstr(e.msg, "now version 2"));
    in = J("{'region':'North','version':1}");                 /* the body's version counts the same */
    FAILS(ERR_PRECONDITION, record_update(&c, &def_accounts, id, in, 0, &out, &e));
    json_decref(in);
    in = J("{'region':'North','version':'2'}");
    FAILS(ERR_VALIDATION, record_update(&c, &def_accounts, id, in, 0, &out, &e));
    json_decref(in);
    assert_reason(e, "version", "must be a whole number");
    assert_int_equal(tdb_scalar(t, "SELECT version FROM accounts WHERE id = ?", "i", id), 2);

    /* saving unchanged values is not a change */
    in = J("{'industry':'Retail','name':'Acme','version':2}");
    OK(record_update(&c, &def_accounts, id, in, 0, &out, &e));
    json_decref(in);
    assert_int_equal(num(out, "version"), 2);
    json_decref(out);
    assert_int_equal(audit_count(t, "accounts", id), rows + 1);

    /* clearing a field is a change, and audited with the old value */
    in = J("{'industry':null,'region':'North'}");
    OK(record_update(&c, &def_accounts, id, in, 2, &out, &e));
    json_decref(in);
    assert_int_equal(num(out, "version"), 3);
    assert_true(is_null(out, "industry"));
    json_decref(out);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND field = 'industry' AND old_value = 'Retail' "
                                   "AND new_value IS NULL", "i", id), 1);
    assert_int_equal(audit_count(t, "accounts", id), rows + 3);

    /* required stays required; create-only stays put; bad bodies */
    in = J("{'name':null}");
    FAILS(ERR_VALIDATION, record_update(&c, &def_accounts, id, in, 0, &out, &e));
    json_decref(in);
    assert_reason(e, "name", "is required");
    int64_t opp = tdb_create(t, &t->rep, &def_opportunities, "{'name':'Deal'}");
    in = J("{'currency':'USD','pipeline_id':1}");
    FAILS(ERR_VALIDATION, record_update(&c, &def_opportunities, opp, in, 0, &out, &e));
    json_decref(in);
    assert_reason(e, "currency", "cannot be changed after creation");
    assert_reason(e, "pipeline_id", "cannot be changed after creation");
    in = J("['Acme']");
    FAILS(ERR_BAD_REQUEST, record_update(&c, &def_accounts, id, in, 0, &out, &e));
    json_decref(in);
    FAILS(ERR_NOT_FOUND, record_update(&c, &def_accounts, 999999, NULL, 0, &out, &e));
    assert_int_equal(tdb_scalar(t, "SELECT version FROM accounts WHERE id = ?", "i", id), 3);

    /* the opportunity's amount and close date are plain updates, audited as text */
    in = J("{'amount':250000,'close_date':'2026-12-31'}");
    OK(record_update(&c, &def_opportunities, opp, in, 1, &out, &e));
    json_decref(in);
    assert_int_equal(num(out, "version"), 2);
    json_decref(out);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'opportunities' AND record_id = ? AND field = 'amount' "
                                   "AND old_value = '0' AND new_value = '250000'", "i", opp), 1);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'opportunities' AND record_id = ? AND field = 'close_date' "
                                   "AND old_value IS NULL AND new_value = '2026-12-31'", "i", opp), 1);
}

static void test_delete(void **state) {
    tdb *t = TDB(state);
    crm_ctx c = tdb_as(t, &t->rep);
    err e;
    json_t *out = NULL;
    int64_t id = tdb_create(t, &t->rep, &def_accounts, "{'name':'Acme'}");
    int64_t keep = tdb_create(t, &t->rep, &def_accounts, "{'name':'Keep'}");
    FAILS(ERR_PRECONDITION, record_delete(&c, &def_accounts, id, 2, &e));
    crm_ctx sam = tdb_as(t, &t->outsider);
    FAILS(ERR_NOT_FOUND, record_delete(&sam, &def_accounts, id, 0, &e));
    OK(record_delete(&c, &def_accounts, id, 1, &e));
    FAILS(ERR_NOT_FOUND, record_get(&c, &def_accounts, id, &out, &e));
    FAILS(ERR_NOT_FOUND, record_delete(&c, &def_accounts, id, 0, &e));
    json_t *in = J("{'name':'Back'}");
    FAILS(ERR_NOT_FOUND, record_update(&c, &def_accounts, id, in, 0, &out, &e));
    json_decref(in);
    /* soft: the row stays for history, marked and versioned */
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM accounts WHERE id = ? AND deleted_at IS NOT NULL", "i", id), 1);
    assert_int_equal(tdb_scalar(t, "SELECT version FROM accounts WHERE id = ?", "i", id), 2);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND entity = 'accounts' AND action = 'delete' "
                                   "AND actor_id = ?", "ii", id, t->ray), 1);
    list_query q = tdb_query(t, "");
    OK(record_list(&c, &def_accounts, &q, &out, &e));
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(num(json_array_get(items, 0), "id"), keep);
    json_decref(out);
    /* a deleted record cannot be referenced any more */
    char buf[100];
    snprintf(buf, sizeof buf, "{'name':'Deal','account_id':%lld}", (long long)id);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
}

/* ---- who sees what ---- */

static int64_t list_count(tdb *t, const principal *p, const record_def *d, const char *qs) {
    crm_ctx c = tdb_as(t, p);
    err e;
    json_t *out = NULL;
    list_query q = tdb_query(t, qs);
    OK(record_list(&c, d, &q, &out, &e));
    int64_t n = (int64_t)json_array_size(json_object_get(out, "items"));
    json_decref(out);
    return n;
}

static void test_visibility(void **state) {
    tdb *t = TDB(state);
    err e;
    json_t *out = NULL, *in;
    int64_t west = tdb_create(t, &t->outsider, &def_accounts, "{'name':'West Co'}");
    int64_t east = tdb_create(t, &t->rep, &def_accounts, "{'name':'East Co'}");
    tdb_create(t, &t->rep2, &def_accounts, "{'name':'Rex Co'}");
    crm_ctx ray = tdb_as(t, &t->rep), rex = tdb_as(t, &t->rep2), mia = tdb_as(t, &t->manager), ops = tdb_as(t, &t->ops),
            sam = tdb_as(t, &t->outsider);

    /* another rep's record does not exist for Ray: not found, never forbidden */
    FAILS(ERR_NOT_FOUND, record_get(&ray, &def_accounts, west, &out, &e));
    char msg[64];
    snprintf(msg, sizeof msg, "no account with id %lld", (long long)west);
    assert_string_equal(e.msg, msg);
    in = J("{'name':'Mine now'}");
    FAILS(ERR_NOT_FOUND, record_update(&ray, &def_accounts, west, in, 0, &out, &e));
    json_decref(in);
    FAILS(ERR_NOT_FOUND, record_delete(&ray, &def_accounts, west, 0, &e));
    FAILS(ERR_NOT_FOUND, record_get(&rex, &def_accounts, east, &out, &e));
    FAILS(ERR_NOT_FOUND, record_get(&mia, &def_accounts, west, &out, &e));   /* Sam is not in Mia's team */
    json_decref(get_ok(t, &t->manager, &def_accounts, east));
    json_decref(get_ok(t, &t->admin, &def_accounts, west));
    json_decref(get_ok(t, &t->ops, &def_accounts, west));                     /* ops reads everything */

    assert_int_equal(list_count(t, &t->rep, &def_accounts, ""), 1);
    assert_int_equal(list_count(t, &t->rep2, &def_accounts, ""), 1);
    assert_int_equal(list_count(t, &t->manager, &def_accounts, ""), 2);
    assert_int_equal(list_count(t, &t->outsider, &def_accounts, ""), 1);
    assert_int_equal(list_count(t, &t->admin, &def_accounts, ""), 3);
    assert_int_equal(list_count(t, &t->ops, &def_accounts, ""), 3);

    /* the manager can change the team's records */
    in = J("{'region':'East'}");
    OK(record_update(&mia, &def_accounts, east, in, 0, &out, &e));
    json_decref(out);
    json_decref(in);

    /* sharing opens one record to one more user, and closing it shuts it again */
    OK(record_share(&sam, &def_accounts, west, t->ray, 1, &e));
    json_decref(get_ok(t, &t->rep, &def_accounts, west));
    assert_int_equal(list_count(t, &t->rep, &def_accounts, ""), 2);
    FAILS(ERR_NOT_FOUND, record_get(&rex, &def_accounts, west, &out, &e));
    OK(record_share(&sam, &def_accounts, west, t->ray, 0, &e));
    FAILS(ERR_NOT_FOUND, record_get(&ray, &def_accounts, west, &out, &e));

    /* contacts follow their account; opportunities their owner */
    char buf[128];
    snprintf(buf, sizeof buf, "{'name':'Li Lei','account_id':%lld}", (long long)west);
    int64_t contact = tdb_create(t, &t->outsider, &def_contacts, buf);
    FAILS(ERR_NOT_FOUND, record_get(&ray, &def_contacts, contact, &out, &e));
    OK(record_share(&sam, &def_accounts, west, t->ray, 1, &e));
    json_decref(get_ok(t, &t->rep, &def_contacts, contact));
    int64_t deal = tdb_create(t, &t->outsider, &def_opportunities, "{'name':'West deal'}");
    FAILS(ERR_NOT_FOUND, record_get(&ray, &def_opportunities, deal, &out, &e));
    FAILS(ERR_NOT_FOUND, record_get(&mia, &def_opportunities, deal, &out, &e));

    /* roles that may not change a kind at all are told so */
    in = J("{'name':'Ops account'}");
    FAILS(ERR_FORBIDDEN, record_create(&ops, &def_accounts, in, &out, &e));
    assert_string_equal(e.msg, "your role cannot create accounts");
    json_decref(in);
    in = J("{'name':'Ops renamed'}");
    FAILS(ERR_FORBIDDEN, record_update(&ops, &def_accounts, east, in, 0, &out, &e));
    json_decref(in);
    in = J("{'name':'Arm','sku':'A-1','list_price':100,'currency':'CNY'}");
    FAILS(ERR_FORBIDDEN, record_create(&ray, &def_products, in, &out, &e));
    OK(record_create(&ops, &def_products, in, &out, &e));   /* configuration is ops' job */
    json_decref(out);
    json_decref(in);
    in = J("{'email':'eve@example.com','name':'Eve','role':'admin'}");
    FAILS(ERR_FORBIDDEN, record_create(&mia, &def_users, in, &out, &e));
    json_decref(in);
    /* everyone reads configuration */
    assert_int_equal(list_count(t, &t->rep, &def_stages, "limit=200"), 7);
    assert_int_equal(list_count(t, &t->rep, &def_products, ""), 1);
}

/* ---- lists ---- */

/* Walk every page of a list; ids in order. Fails if a page is over the limit,
 * if the cursor is missing before the end, or if the walk never ends. */
static int walk(tdb *t, const principal *p, const record_def *d, const char *qs, int limit, int64_t *ids, int max) {
    crm_ctx c = tdb_as(t, p);
    err e;
    int n = 0;
    const char *after = NULL;
    for (int page = 0; page < 100; page++) {
        char full[4096];
        snprintf(full, sizeof full, "%s&limit=%d%s%s", qs, limit, after ? "&after=" : "", after ? after : "");
        list_query q = tdb_query(t, full);
        json_t *out = NULL;
        memset(&e, 0, sizeof e);
        if (record_list(&c, d, &q, &out, &e)) fail_msg("list %s?%s: [%s] %s", d->name, full, err_type(e.cls), e.msg);
        json_t *items = json_object_get(out, "items"), *next = json_object_get(out, "next");
        if (json_array_size(items) > (size_t)limit) fail_msg("%s: page of %zu over limit %d", full, json_array_size(items), limit);
        for (size_t i = 0; i < json_array_size(items); i++) {
            if (n >= max) fail_msg("%s: more items than expected", full);
            ids[n++] = num(json_array_get(items, i), "id");
        }
        if (json_is_null(next) || !next) { json_decref(out); return n; }
        if (json_array_size(items) != (size_t)limit) fail_msg("%s: short page with a next cursor", full);
        after = arena_strdup(&t->a, json_string_value(next));
        json_decref(out);
    }
    fail_msg("%s: the list never ends", qs);
    return n;
}

static void expect_order(tdb *t, const principal *p, const record_def *d, const char *qs, const int64_t *want, int nwant) {
    int64_t got[64];
    for (int limit = 1; limit <= nwant + 1; limit++) {
        int n = walk(t, p, d, qs, limit, got, 64);
        if (n != nwant) fail_msg("%s limit %d: %d items, expected %d", qs, limit, n, nwant);
        for (int i = 0; i < n; i++)
            if (got[i] != want[i]) fail_msg("%s limit %d: item %d is id %lld, expected %lld", qs, limit, i, (long long)got[i], (long long)want[i]);
    }
}

static void test_list_sort_by_name(void **state) {
    tdb *t = TDB(state);
    const char *names[] = {"Beta", "Acme", "Beta", "Gamma", "Beta", "Delta", "Cobalt"};
    int64_t id[7];
    char buf[64];
    for (int i = 0; i < 7; i++) {
        snprintf(buf, sizeof buf, "{'name':'%s'}", names[i]);
        id[i] = tdb_create(t, &t->rep, &def_accounts, buf);
    }
    tdb_create(t, &t->outsider, &def_accounts, "{'name':'Alpha West'}");
    /* equal names keep the id order, in both directions, whatever the page size */
    int64_t asc[] = {id[1], id[0], id[2], id[4], id[6], id[5], id[3]};
    int64_t desc[] = {id[3], id[5], id[6], id[4], id[2], id[0], id[1]};
    expect_order(t, &t->rep, &def_accounts, "sort=name", asc, 7);
    expect_order(t, &t->rep, &def_accounts, "sort=+name", asc, 7);
    expect_order(t, &t->rep, &def_accounts, "", asc, 7);          /* accounts sort by name by default */
    expect_order(t, &t->rep, &def_accounts, "sort=-name", desc, 7);
    int64_t by_id[] = {id[0], id[1], id[2], id[3], id[4], id[5], id[6]};
    int64_t by_id_desc[] = {id[6], id[5], id[4], id[3], id[2], id[1], id[0]};
    expect_order(t, &t->rep, &def_accounts, "sort=id", by_id, 7);
    expect_order(t, &t->rep, &def_accounts, "sort=-id", by_id_desc, 7);

    /* a text sort with empty and missing values: both sort first, by id */
    crm_ctx c = tdb_as(t, &t->rep);
    err e;
    json_t *out = NULL, *in;
    const char *industry[] = {"Retail", NULL, "", "Energy", NULL, "Retail", "Energy"};
    for (int i = 0; i < 7; i++) {
        if (!industry[i]) continue;
        snprintf(buf, sizeof buf, "{'industry':'%s'}", industry[i]);
        in = J(buf);
        OK(record_update(&c, &def_accounts, id[i], in, 0, &out, &e));
        json_decref(in);
        json_decref(out);
    }
    int64_t by_industry[] = {id[1], id[2], id[4], id[3], id[6], id[0], id[5]};
    expect_order(t, &t->rep, &def_accounts, "sort=industry", by_industry, 7);
    int64_t by_industry_desc[] = {id[5], id[0], id[6], id[3], id[4], id[2], id[1]};
    expect_order(t, &t->rep, &def_accounts, "sort=-industry", by_industry_desc, 7);
    /* filters and sort together */
    int64_t retail[] = {id[0], id[5]};
    expect_order(t, &t->rep, &def_accounts, "industry=Retail&sort=name", retail, 2);
}

static void test_list_close_date_and_amount(void **state) {
    tdb *t = TDB(state);
    const char *dates[] = {"2026-03-01", NULL, "2026-01-15", NULL, "2026-02-01", "2026-01-15"};
    const int amounts[] = {500, 100, 300, 100, 0, 900};
    int64_t id[6];
    char buf[128];
    for (int i = 0; i < 6; i++) {
        if (dates[i]) snprintf(buf, sizeof buf, "{'name':'Deal %d','close_date':'%s','amount':%d}", i, dates[i], amounts[i]);
        else snprintf(buf, sizeof buf, "{'name':'Deal %d','amount':%d}", i, amounts[i]);
        id[i] = tdb_create(t, &t->rep, &def_opportunities, buf);
    }
    /* deals without a close date come first going up and last going down */
    int64_t asc[] = {id[1], id[3], id[2], id[5], id[4], id[0]};
    int64_t desc[] = {id[0], id[4], id[5], id[2], id[3], id[1]};
    expect_order(t, &t->rep, &def_opportunities, "sort=close_date", asc, 6);
    expect_order(t, &t->rep, &def_opportunities, "sort=-close_date", desc, 6);
    /* money sorts as a number (900 after 300), ties by id */
    int64_t by_amount[] = {id[4], id[1], id[3], id[2], id[0], id[5]};
    int64_t by_amount_desc[] = {id[5], id[0], id[2], id[3], id[1], id[4]};
    expect_order(t, &t->rep, &def_opportunities, "sort=amount", by_amount, 6);
    expect_order(t, &t->rep, &def_opportunities, "sort=-amount", by_amount_desc, 6);
    /* opportunities list newest first by default */
    int64_t newest[] = {id[5], id[4], id[3], id[2], id[1], id[0]};
    expect_order(t, &t->rep, &def_opportunities, "", newest, 6);
    /* ranges */
    int64_t feb[] = {id[4]};
    expect_order(t, &t->rep, &def_opportunities, "close_date_from=2026-01-20&close_date_to=2026-02-28&sort=close_date", feb, 1);
    int64_t jan15[] = {id[2], id[5]};
    expect_order(t, &t->rep, &def_opportunities, "close_date=2026-01-15&sort=id", jan15, 2);
    int64_t undated[] = {id[1], id[3]};
    expect_order(t, &t->rep, &def_opportunities, "close_date=null&sort=id", undated, 2);
    int64_t mid[] = {id[2], id[0]};
    expect_order(t, &t->rep, &def_opportunities, "amount_min=300&amount_max=500&sort=amount", mid, 2);
    /* the manager sees Ray's deals; Sam sees none of them */
    expect_order(t, &t->manager, &def_opportunities, "sort=close_date", asc, 6);
    assert_int_equal(list_count(t, &t->outsider, &def_opportunities, ""), 0);
}

/* Sort values as long as a field allows (200 characters of 3-byte UTF-8 are
 * 600 bytes) still make cursors that work, ties included. */
static void test_list_long_sort_values(void **state) {
    tdb *t = TDB(state);
    const char last[] = {'A', 'C', 'C', 'B'};
    int64_t id[4];
    char body[1000];
    for (int i = 0; i < 4; i++) {
        strcpy(body, "{'name':'");
        for (int k = 0; k < 199; k++) strcat(body, "\xe9\x94\x90");   /* 锐 */
        size_t n = strlen(body);
        snprintf(body + n, sizeof body - n, "%c'}", last[i]);
        id[i] = tdb_create(t, &t->rep, &def_accounts, body);
    }
    int64_t asc[] = {id[0], id[3], id[1], id[2]};
    expect_order(t, &t->rep, &def_accounts, "sort=name", asc, 4);
    int64_t desc[] = {id[2], id[1], id[3], id[0]};
    expect_order(t, &t->rep, &def_accounts, "sort=-name", desc, 4);
}

static void test_list_filters(void **state) {
    tdb *t = TDB(state);
    int64_t acme = tdb_create(t, &t->rep, &def_accounts, "{'name':'Acme Robotics','industry':'Manufacturing'}");
    int64_t cotton = tdb_create(t, &t->rep, &def_accounts, "{'name':'100% Cotton','website':'https://ACME-textiles.example'}");
    int64_t plain = tdb_create(t, &t->rep, &def_accounts, "{'name':'1000 Cotton_Mills'}");
    int64_t rexs = tdb_create(t, &t->rep2, &def_accounts, "{'name':'Rex Acme'}");
    tdb_create(t, &t->outsider, &def_accounts, "{'name':'Acme West'}");

    /* q searches name and website, ignoring case; %, _ and \ are literal */
    int64_t acme_hits[] = {acme, cotton};
    expect_order(t, &t->rep, &def_accounts, "q=aCmE&sort=id", acme_hits, 2);
    int64_t pct[] = {cotton};
    expect_order(t, &t->rep, &def_accounts, "q=0%&sort=id", pct, 1);
    int64_t under[] = {plain};
    expect_order(t, &t->rep, &def_accounts, "q=n_M&sort=id", under, 1);
    expect_order(t, &t->rep, &def_accounts, "q=\\&sort=id", NULL, 0);
    /* equality filters, null, owner and team */
    int64_t manuf[] = {acme};
    expect_order(t, &t->rep, &def_accounts, "industry=Manufacturing", manuf, 1);
    int64_t no_industry[] = {cotton, plain};
    expect_order(t, &t->rep, &def_accounts, "industry=null&sort=id", no_industry, 2);
    int64_t rex_only[] = {rexs};
    char qs[96];
    snprintf(qs, sizeof qs, "owner_id=%lld", (long long)t->rex);
    expect_order(t, &t->manager, &def_accounts, qs, rex_only, 1);
    snprintf(qs, sizeof qs, "team=%lld&sort=id", (long long)t->east);
    int64_t east[] = {acme, cotton, plain, rexs};
    expect_order(t, &t->admin, &def_accounts, qs, east, 4);
    snprintf(qs, sizeof qs, "team=%lld&q=acme&sort=id", (long long)t->west);
    assert_int_equal(list_count(t, &t->admin, &def_accounts, qs), 1);
}

static void test_list_bad_queries(void **state) {
    tdb *t = TDB(state);
    crm_ctx c = tdb_as(t, &t->rep);
    err e;
    json_t *out = NULL;
    list_query q;
    tdb_create(t, &t->rep, &def_accounts, "{'name':'Acme'}");
    tdb_create(t, &t->rep, &def_accounts, "{'name':'Beta'}");

    q = tdb_query(t, "bogus=1&website=x&name_from=a&industry_min=3&close_date=2026-01-01");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    assert_int_equal(e.nfields, 5);
    assert_reason(e, "bogus", "is not a filter of accounts");
    assert_reason(e, "website", "is not a filter of accounts");     /* searchable, not filterable */
    assert_reason(e, "name_from", "is not a filter of accounts");
    assert_reason(e, "industry_min", "is not a filter of accounts");
    assert_reason(e, "close_date", "is not a filter of accounts");
    q = tdb_query(t, "close_date=2026-02-30&amount_min=ten&closed_at_from=yesterday&owner_id=me");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_opportunities, &q, &out, &e));
    assert_reason(e, "close_date", "must be a real date as YYYY-MM-DD");
    assert_reason(e, "amount_min", "must be a whole number");
    assert_reason(e, "closed_at_from", "must be a date or date-time");
    assert_reason(e, "owner_id", "must be a whole number");
    q = tdb_query(t, "limit=0");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    assert_reason(e, "limit", "must be between 1 and 200");
    q = tdb_query(t, "limit=201");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    q = tdb_query(t, "sort=website");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    assert_reason(e, "sort", "cannot sort accounts by website");
    q = tdb_query(t, "sort=-");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    q = tdb_query(t, "industry=\xff\xfe");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    assert_reason(e, "industry", "is not valid UTF-8");

    /* cursors: garbage, a cursor of another sort, a tampered one */
    q = tdb_query(t, "after=!!!");
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    assert_string_equal(e.msg, "the cursor in 'after' is not valid");
    q = tdb_query(t, "sort=name&limit=1");
    OK(record_list(&c, &def_accounts, &q, &out, &e));
    const char *cur = arena_strdup(&t->a, json_string_value(json_object_get(out, "next")));
    json_decref(out);
    assert_non_null(cur);
    char qs[200];
    snprintf(qs, sizeof qs, "sort=owner_id&after=%s", cur);   /* "Acme" is no number */
    q = tdb_query(t, qs);
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    q = tdb_query(t, "after=QWNtZQ");                          /* base64 of "Acme": no id part */
    FAILS(ERR_BAD_REQUEST, record_list(&c, &def_accounts, &q, &out, &e));
    snprintf(qs, sizeof qs, "sort=name&limit=1&after=%s", cur);
    q = tdb_query(t, qs);
    OK(record_list(&c, &def_accounts, &q, &out, &e));
    assert_string_equal(str(json_array_get(json_object_get(out, "items"), 0), "name"), "Beta");
    assert_true(json_is_null(json_object_get(out, "next")));
    json_decref(out);
}

/* ---- opportunities ---- */

static void test_opportunity_defaults(void **state) {
    tdb *t = TDB(state);
    crm_ctx c = tdb_as(t, &t->rep), admin = tdb_as(t, &t->admin);
    err e;
    json_t *out = NULL, *in;
    int64_t acc = tdb_create(t, &t->rep, &def_accounts, "{'name':'Acme'}");
    char buf[200];
    snprintf(buf, sizeof buf, "{'name':'Line 4 retrofit','account_id':%lld,'close_date':'2026-06-30'}", (long long)acc);
    in = J(buf);
    OK(record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_int_equal(num(out, "pipeline_id"), t->pipeline);   /* the default pipeline ... */
    assert_int_equal(num(out, "stage_id"), t->stage[1]);      /* ... its first open stage */
    assert_string_equal(str(out, "stage_name"), "Lead");
    assert_string_equal(str(out, "stage_kind"), "open");
    assert_int_equal(num(out, "probability"), 1000);
    assert_string_equal(str(out, "currency"), "CNY");
    assert_int_equal(num(out, "amount"), 0);
    assert_false(json_is_true(json_object_get(out, "amount_from_items")));
    assert_int_equal(num(out, "owner_id"), t->ray);
    assert_string_equal(str(out, "account_name"), "Acme");
    assert_string_equal(str(out, "close_date"), "2026-06-30");
    assert_true(is_null(out, "closed_at"));
    assert_int_equal(strlen(str(out, "stage_entered_at")), 24);
    int64_t id = num(out, "id");
    json_decref(out);
    /* the first stage is history too */
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM stage_history WHERE opportunity_id = ? AND from_stage_id IS NULL AND to_stage_id = ? "
                                   "AND probability = 1000 AND changed_by = ?", "iii", id, t->stage[1], t->ray), 1);

    /* a deal starts in an open stage of its own pipeline */
    snprintf(buf, sizeof buf, "{'name':'Won already','stage_id':%lld}", (long long)t->stage[6]);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "stage_id", "a new opportunity starts in an open stage; move it to won or lost afterwards");
    int64_t p2 = tdb_create(t, &t->admin, &def_pipelines, "{'name':'Renewals'}");
    snprintf(buf, sizeof buf, "{'pipeline_id':%lld,'name':'Open','position':1,'probability':5000,'kind':'open'}", (long long)p2);
    int64_t s2 = tdb_create(t, &t->admin, &def_stages, buf);
    snprintf(buf, sizeof buf, "{'name':'Cross','stage_id':%lld}", (long long)s2);
    in = J(buf);
    FAILS(ERR_VALIDATION, record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_reason(e, "stage_id", "belongs to another pipeline");
    snprintf(buf, sizeof buf, "{'name':'Renewal','pipeline_id':%lld}", (long long)p2);
    in = J(buf);
    OK(record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_int_equal(num(out, "stage_id"), s2);
    json_decref(out);
    /* a pipeline in use cannot be deleted; a default can be moved */
    FAILS(ERR_CONFLICT, record_delete(&admin, &def_pipelines, p2, 0, &e));
    in = J("{'is_default':true}");
    OK(record_update(&admin, &def_pipelines, p2, in, 0, &out, &e));
    json_decref(in);
    json_decref(out);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM pipelines WHERE is_default = 1", ""), 1);
    in = J("{'name':'Goes to renewals'}");
    OK(record_create(&c, &def_opportunities, in, &out, &e));
    json_decref(in);
    assert_int_equal(num(out, "pipeline_id"), p2);
    json_decref(out);
}

static int64_t criterion(tdb *t, const char *name) {
    err e = {0};
    int64_t id = 0;
    if (store_scalar_int(t->s, "SELECT id FROM stage_criteria WHERE name = ?", &id, &e, "s", name) != 1) fail_msg("no criterion %s", name);
    return id;
}

static json_t *move(tdb *t, const principal *p, int64_t opp, const char *body, err *e) {
    crm_ctx c = tdb_as(t, p);
    json_t *in = J(body), *out = NULL;
    memset(e, 0, sizeof *e);
    int rc = opp_move_stage(&c, opp, in, &out, e);
    json_decref(in);
    return rc ? NULL : out;
}

static void test_move_stage_criteria(void **state) {
    tdb *t = TDB(state);
    err e;
    char body[200];
    int64_t opp = tdb_create(t, &t->rep, &def_opportunities, "{'name':'Deal','amount':120000,'close_date':'2026-09-30'}");
    crm_ctx ray = tdb_as(t, &t->rep);

    /* Lead -> Qualified needs "Need identified" */
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[2]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_int_equal(e.cls, ERR_VALIDATION);
    assert_string_equal(e.msg, "exit criteria are not met: tick them, or ask a manager to override");
    assert_reason(e, "stage_id", "1 required exit criteria are not met");
    assert_non_null(e.extra_json);
    json_t *extra = json_loads(e.extra_json, 0, NULL);
    json_t *missing = json_object_get(extra, "missing");
    assert_int_equal(json_array_size(missing), 1);
    assert_string_equal(str(json_array_get(missing, 0), "name"), "Need identified");
    assert_string_equal(str(json_array_get(missing, 0), "stage"), "Lead");
    assert_int_equal(num(json_array_get(missing, 0), "id"), criterion(t, "Need identified"));
    json_decref(extra);
    assert_int_equal(tdb_scalar(t, "SELECT stage_id FROM opportunities WHERE id = ?", "i", opp), t->stage[1]);
    assert_int_equal(tdb_scalar(t, "SELECT version FROM opportunities WHERE id = ?", "i", opp), 1);

    /* tick it, and the move goes through with its history */
    OK(opp_criterion_set(&ray, opp, criterion(t, "Need identified"), 1, &e));
    OK(opp_criterion_set(&ray, opp, criterion(t, "Need identified"), 1, &e));  /* ticking twice is one tick */
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND field LIKE 'criterion:%'", "i", opp), 1);
    json_t *out = move(t, &t->rep, opp, body, &e);
    if (!out) fail_msg("move: %s", e.msg);
    assert_string_equal(str(out, "stage_name"), "Qualified");
    assert_int_equal(num(out, "probability"), 2000);
    assert_int_equal(num(out, "version"), 2);
    json_decref(out);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM stage_history WHERE opportunity_id = ? AND from_stage_id = ? AND to_stage_id = ? "
                                   "AND amount = 120000 AND probability = 2000 AND override_note IS NULL AND missing IS NULL", "iii",
                                opp, t->stage[1], t->stage[2]), 1);
    char from[24], to[24];
    snprintf(from, sizeof from, "%lld", (long long)t->stage[1]);
    snprintf(to, sizeof to, "%lld", (long long)t->stage[2]);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND entity = 'opportunities' AND field = 'stage_id' "
                                   "AND action = 'update' AND old_value = ? AND new_value = ? AND actor_id = ?", "issi", opp, from, to, t->ray), 1);

    /* Qualified -> Proposal skips Demo: everything unmet on the way is listed, in pipeline order */
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[4]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_reason(e, "stage_id", "3 required exit criteria are not met");
    extra = json_loads(e.extra_json, 0, NULL);
    missing = json_object_get(extra, "missing");
    assert_int_equal(json_array_size(missing), 3);
    assert_string_equal(str(json_array_get(missing, 0), "name"), "Budget confirmed");
    assert_string_equal(str(json_array_get(missing, 1), "name"), "Decision maker identified");
    assert_string_equal(str(json_array_get(missing, 2), "name"), "Demo held");
    json_decref(extra);

    /* criteria can be met in any order: tick Demo first, then the Qualified ones */
    OK(opp_criterion_set(&ray, opp, criterion(t, "Demo held"), 1, &e));
    OK(opp_criterion_set(&ray, opp, criterion(t, "Decision maker identified"), 1, &e));
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_reason(e, "stage_id", "1 required exit criteria are not met");
    OK(opp_criterion_set(&ray, opp, criterion(t, "Budget confirmed"), 1, &e));
    out = move(t, &t->rep, opp, body, &e);
    if (!out) fail_msg("move: %s", e.msg);
    assert_string_equal(str(out, "stage_name"), "Proposal");
    json_decref(out);
    /* unticking is audited and counts again for the next forward move */
    OK(opp_criterion_set(&ray, opp, criterion(t, "Demo held"), 0, &e));
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[5]);
    assert_null(move(t, &t->rep, opp, body, &e));
    extra = json_loads(e.extra_json, 0, NULL);
    missing = json_object_get(extra, "missing");
    assert_int_equal(json_array_size(missing), 2);   /* Demo held, Proposal sent */
    assert_string_equal(str(json_array_get(missing, 0), "name"), "Demo held");
    assert_string_equal(str(json_array_get(missing, 1), "name"), "Proposal sent");
    json_decref(extra);

    /* backwards needs nothing */
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[3]);
    out = move(t, &t->rep, opp, body, &e);
    if (!out) fail_msg("move back: %s", e.msg);
    assert_string_equal(str(out, "stage_name"), "Demo");
    json_decref(out);

    /* the checklist shows what is met */
    json_t *list = NULL;
    OK(opp_criteria(&ray, opp, &list, &e));
    json_t *items = json_object_get(list, "items");
    assert_int_equal(json_array_size(items), 6);
    int met = 0;
    for (size_t i = 0; i < json_array_size(items); i++) met += json_is_true(json_object_get(json_array_get(items, i), "met"));
    assert_int_equal(met, 3);    /* Need identified, Budget confirmed, Decision maker identified */
    json_decref(list);
    OK(opp_history(&ray, opp, &list, &e));
    assert_int_equal(json_array_size(json_object_get(list, "items")), 4);   /* created, ->Qualified, ->Proposal, ->Demo */
    json_decref(list);
}

static void test_move_stage_override(void **state) {
    tdb *t = TDB(state);
    err e;
    char body[200];
    int64_t opp = tdb_create(t, &t->rep, &def_opportunities, "{'name':'Deal','amount':5000}");

    snprintf(body, sizeof body, "{'stage_id':%lld,'override':true,'note':'customer asked'}", (long long)t->stage[3]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_int_equal(e.cls, ERR_FORBIDDEN);
    assert_string_equal(e.msg, "only a manager or an admin can override exit criteria");
    snprintf(body, sizeof body, "{'stage_id':%lld,'override':true}", (long long)t->stage[3]);
    assert_null(move(t, &t->manager, opp, body, &e));
    assert_reason(e, "note", "is required when overriding exit criteria: say why");
    snprintf(body, sizeof body, "{'stage_id':%lld,'override':true,'note':''}", (long long)t->stage[3]);
    assert_null(move(t, &t->manager, opp, body, &e));
    assert_reason(e, "note", "is required when overriding exit criteria: say why");
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM stage_history WHERE opportunity_id = ?", "i", opp), 1);

    snprintf(body, sizeof body, "{'stage_id':%lld,'override':true,'note':'CEO sponsor, budget next quarter'}", (long long)t->stage[3]);
    json_t *out = move(t, &t->manager, opp, body, &e);
    if (!out) fail_msg("override: %s", e.msg);
    assert_string_equal(str(out, "stage_name"), "Demo");
    json_decref(out);
    /* the override is on record: who, why, and what was skipped */
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM stage_history WHERE opportunity_id = ? AND changed_by = ? "
                                   "AND override_note = 'CEO sponsor, budget next quarter'", "ii", opp, t->mia), 1);
    err e2 = {0};
    store_stmt *st = store_prepare(t->s, "SELECT missing FROM stage_history WHERE opportunity_id = ? AND override_note IS NOT NULL", &e2);
    assert_non_null(st);
    store_bind_int(st, 1, opp);
    assert_int_equal(store_step(st, &e2), STORE_ROW);
    json_t *missing = json_loads(store_col_text(st, 0), 0, NULL);
    store_reset(st);
    assert_int_equal(json_array_size(missing), 3);
    assert_string_equal(str(json_array_get(missing, 0), "name"), "Need identified");
    assert_string_equal(str(json_array_get(missing, 2), "name"), "Decision maker identified");
    json_decref(missing);
    /* going back needs nothing, even with the criteria behind still unmet */
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[2]);
    out = move(t, &t->rep, opp, body, &e);
    if (!out) fail_msg("move back: %s", e.msg);
    assert_string_equal(str(out, "stage_name"), "Qualified");
    json_decref(out);
    /* an override without anything unmet is just a move */
    snprintf(body, sizeof body, "{'stage_id':%lld,'override':true}", (long long)t->stage[1]);
    out = move(t, &t->rep, opp, body, &e);
    if (!out) fail_msg("move back: %s", e.msg);
    json_decref(out);
}

static void test_move_stage_won_lost(void **state) {
    tdb *t = TDB(state);
    err e;
    char body[200];
    int64_t opp = tdb_create(t, &t->rep, &def_opportunities, "{'name':'Deal','amount':5000}");

    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[7]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_reason(e, "lost_reason", "is required when a deal is lost");
    snprintf(body, sizeof body, "{'stage_id':%lld,'lost_reason':''}", (long long)t->stage[7]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_reason(e, "lost_reason", "is required when a deal is lost");
    /* losing needs no criteria */
    snprintf(body, sizeof body, "{'stage_id':%lld,'lost_reason':'Budget cut'}", (long long)t->stage[7]);
    json_t *out = move(t, &t->rep, opp, body, &e);
    if (!out) fail_msg("lose: %s", e.msg);
    assert_string_equal(str(out, "stage_kind"), "lost");
    assert_string_equal(str(out, "lost_reason"), "Budget cut");
    assert_false(is_null(out, "closed_at"));
    assert_int_equal(num(out, "probability"), 0);
    json_decref(out);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND entity = 'opportunities' AND field = 'lost_reason' "
                                   "AND old_value IS NULL AND new_value = 'Budget cut'", "i", opp), 1);
    /* reopening clears the close and the reason */
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[1]);
    out = move(t, &t->rep, opp, body, &e);
    if (!out) fail_msg("reopen: %s", e.msg);
    assert_true(is_null(out, "closed_at"));
    assert_true(is_null(out, "lost_reason"));
    json_decref(out);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM audit_log WHERE record_id = ? AND field = 'lost_reason' "
                                   "AND old_value = 'Budget cut' AND new_value IS NULL", "i", opp), 1);
    /* winning needs every criterion of every open stage */
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[6]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_reason(e, "stage_id", "6 required exit criteria are not met");
    snprintf(body, sizeof body, "{'stage_id':%lld,'override':true,'note':'signed PO in hand'}", (long long)t->stage[6]);
    out = move(t, &t->admin, opp, body, &e);
    if (!out) fail_msg("win: %s", e.msg);
    assert_string_equal(str(out, "stage_kind"), "won");
    assert_int_equal(num(out, "probability"), 10000);
    assert_false(is_null(out, "closed_at"));
    json_decref(out);
}

static void test_move_stage_refusals(void **state) {
    tdb *t = TDB(state);
    err e;
    char body[200];
    int64_t opp = tdb_create(t, &t->rep, &def_opportunities, "{'name':'Deal'}");

    assert_null(move(t, &t->rep, opp, "{}", &e));
    assert_reason(e, "stage_id", "is required and must be a stage id");
    assert_null(move(t, &t->rep, opp, "{'stage_id':'2','colour':1,'override':'yes','note':5,'version':'1','lost_reason':7}", &e));
    assert_int_equal(e.cls, ERR_VALIDATION);
    assert_reason(e, "colour", "is not a field of a stage move");
    assert_reason(e, "stage_id", "is required and must be a stage id");
    assert_reason(e, "override", "must be true or false");
    assert_reason(e, "note", "must be a string of at most 1000 characters");
    assert_reason(e, "version", "must be a whole number");
    assert_reason(e, "lost_reason", "must be a string of at most 500 characters");
    assert_null(move(t, &t->rep, opp, "{'stage_id':999999}", &e));
    assert_reason(e, "stage_id", "no such stage");
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)t->stage[1]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_reason(e, "stage_id", "the opportunity is already in this stage");
    snprintf(body, sizeof body, "{'stage_id':%lld,'lost_reason':'x','version':7}", (long long)t->stage[7]);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_int_equal(e.cls, ERR_PRECONDITION);
    assert_null(move(t, &t->outsider, opp, body, &e));
    assert_int_equal(e.cls, ERR_NOT_FOUND);
    assert_null(move(t, &t->ops, opp, body, &e));
    assert_int_equal(e.cls, ERR_FORBIDDEN);
    int64_t p2 = tdb_create(t, &t->admin, &def_pipelines, "{'name':'Renewals'}");
    snprintf(body, sizeof body, "{'pipeline_id':%lld,'name':'Open','position':1,'probability':5000,'kind':'open'}", (long long)p2);
    int64_t s2 = tdb_create(t, &t->admin, &def_stages, body);
    snprintf(body, sizeof body, "{'stage_id':%lld}", (long long)s2);
    assert_null(move(t, &t->rep, opp, body, &e));
    assert_reason(e, "stage_id", "belongs to another pipeline");
    crm_ctx c = tdb_as(t, &t->rep);
    json_t *arr = J("[]"), *out = NULL;
    FAILS(ERR_BAD_REQUEST, opp_move_stage(&c, opp, arr, &out, &e));
    json_decref(arr);
    /* nothing of the above moved the deal */
    assert_int_equal(tdb_scalar(t, "SELECT version FROM opportunities WHERE id = ?", "i", opp), 1);
    assert_int_equal(tdb_scalar(t, "SELECT COUNT(*) FROM stage_history WHERE opportunity_id = ?", "i", opp), 1);
}

#define TESTS(setup) \
    cmocka_unit_test_setup_teardown(test_create_account, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_validation_reasons, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_unknown_readonly_required, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_references, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_update_versions_and_audit, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_delete, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_visibility, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_list_sort_by_name, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_list_close_date_and_amount, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_list_long_sort_values, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_list_filters, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_list_bad_queries, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_opportunity_defaults, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_move_stage_criteria, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_move_stage_override, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_move_stage_won_lost, setup, tdb_teardown), \
    cmocka_unit_test_setup_teardown(test_move_stage_refusals, setup, tdb_teardown)

int main(void) {
    const struct CMUnitTest lite[] = {TESTS(tdb_setup)};
    int failed = cmocka_run_group_tests_name("record/sqlite", lite, NULL, NULL);
    if (getenv("CYLINDER_TEST_PG_URL")) {
        const struct CMUnitTest pg[] = {TESTS(tdb_setup_pg)};
        failed += cmocka_run_group_tests_name("record/postgres", pg, NULL, NULL);
    } else
        print_message("CYLINDER_TEST_PG_URL is not set: PostgreSQL tests skipped\n");
    return failed ? 1 : 0;
}
