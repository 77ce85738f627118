/* leads.c: intake, duplicate keys, assignment rules and their log, web forms,
 * conversion. See leads.h for the order of things. */
#include "leads.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include "../core/buf.h"
#include "../core/text.h"
#include "../core/timeutil.h"
#include "entities.h"

/* Every intake takes this lock first: the duplicate check, round robin and the
 * load counts then see all earlier intakes, in this process and in any other
 * on the same PostgreSQL. On SQLite the write transaction is already exclusive. */
#define INTAKE_LOCK_KEY 0x4C454144 /* "LEAD" */
#define RULES_MAX 1000             /* assignment rules read per intake */
#define MEMBERS_MAX 1000           /* reps considered per rule */
#define BACKFILL_BATCH 500

/* Statuses whose leads still ask for work from their owner (they count as load). */
#define OPEN_LEAD "('new','assigned','duplicate')"
#define LOAD_SQL                                                                                                     \
    "(SELECT COUNT(*) FROM leads l WHERE l.owner_id = u.id AND l.status IN " OPEN_LEAD " AND l.deleted_at IS NULL) + " \
    "(SELECT COUNT(*) FROM opportunities o WHERE o.owner_id = u.id AND o.closed_at IS NULL AND o.deleted_at IS NULL)"

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int filled(const char *s) { return s && *s; }

static void set_time(json_t *rec, const char *field, int64_t ms) {
    char ts[32];
    time_format_ms(ms, ts);
    json_object_set_new(rec, field, json_string(ts));
}

/* ---- comparison keys ---- */

/* "" when there is nothing to compare, so that a missing key never matches.
 * The strings live in the struct's own arena (NFKC can make a key several
 * times longer than its text): keys_free() when done. */
typedef struct lead_keys { arena a; const char *email, *phone, *company; } lead_keys;

static const char *key_or_empty(const char *k) { return k ? k : ""; }

static void compute_keys(const char *email, const char *phone, const char *company, lead_keys *k) {
    arena_init(&k->a);
    k->email = key_or_empty(filled(email) ? text_email_key(&k->a, email) : NULL);
    k->phone = key_or_empty(filled(phone) ? text_phone_key(&k->a, phone) : NULL);
    k->company = key_or_empty(filled(company) ? text_company_key(&k->a, company) : NULL);
}

static void keys_free(lead_keys *k) { arena_free(&k->a); }

int lead_contact_keys(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e) {
    if (!rec) return 0; /* deleted: the row keeps its keys and deleted_at hides it */
    lead_keys k;
    compute_keys(jstr(rec, "email"), jstr(rec, "phone"), NULL, &k);
    int rc = store_run(c->db, "UPDATE contacts SET email_key = ?, phone_key = ? WHERE id = ?", e, "ssi", k.email, k.phone, id);
    keys_free(&k);
    return rc;
}

int lead_account_keys(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e) {
    if (!rec) return 0;
    lead_keys k;
    compute_keys(NULL, NULL, jstr(rec, "name"), &k);
    int rc = store_run(c->db, "UPDATE accounts SET company_key = ? WHERE id = ?", e, "si", k.company, id);
    keys_free(&k);
    return rc;
}

/* Rows without keys, per table: which columns feed the keys and where they go.
 * email_key / company_key are always written together with the others, so one
 * of them being NULL means the row was never keyed. */
static const struct keyed {
    const char *select, *update;
} KEYED[] = {
    {"SELECT id, email, phone, NULL FROM contacts WHERE email_key IS NULL ORDER BY id LIMIT 500",
     "UPDATE contacts SET email_key = ?, phone_key = ? WHERE id = ?"},
    {"SELECT id, NULL, NULL, name FROM accounts WHERE company_key IS NULL ORDER BY id LIMIT 500",
     "UPDATE accounts SET company_key = ? WHERE id = ?"},
    {"SELECT id, email, phone, company FROM leads WHERE email_key IS NULL ORDER BY id LIMIT 500",
     "UPDATE leads SET email_key = ?, phone_key = ?, company_key = ? WHERE id = ?"},
};

/* One batch of one table; *n: rows keyed. Runs in the caller's transaction. */
static int key_batch(store *s, int table, int *n, err *e) {
    typedef struct row { int64_t id; char *email, *phone, *company; } row;
    row rows[BACKFILL_BATCH];
    int count = 0, rc;
    *n = 0;
    store_stmt *st = store_prepare(s, KEYED[table].select, e);
    if (!st) return -1;
    while ((rc = store_step(st, e)) == STORE_ROW && count < BACKFILL_BATCH) {
        row *r = &rows[count++];
        r->id = store_col_int(st, 0);
        r->email = store_col_null(st, 1) ? NULL : strdup(store_col_text(st, 1));
        r->phone = store_col_null(st, 2) ? NULL : strdup(store_col_text(st, 2));
        r->company = store_col_null(st, 3) ? NULL : strdup(store_col_text(st, 3));
    }
    store_reset(st);
    for (int i = 0; i < count && rc >= 0; i++) {
        lead_keys k;
        compute_keys(rows[i].email, rows[i].phone, rows[i].company, &k);
        if (table == 0) rc = store_run(s, KEYED[0].update, e, "ssi", k.email, k.phone, rows[i].id);
        else if (table == 1) rc = store_run(s, KEYED[1].update, e, "si", k.company, rows[i].id);
        else rc = store_run(s, KEYED[2].update, e, "sssi", k.email, k.phone, k.company, rows[i].id);
        keys_free(&k);
    }
    for (int i = 0; i < count; i++) { free(rows[i].email); free(rows[i].phone); free(rows[i].company); }
    if (rc < 0) return -1;
    *n = count;
    return 0;
}

/* Key every unkeyed row, in the caller's transaction (intake: usually none). */
static int key_all(store *s, err *e) {
    for (int t = 0; t < 3; t++) {
        int n;
        do {
            if (key_batch(s, t, &n, e)) return -1;
        } while (n == BACKFILL_BATCH);
    }
    return 0;
}

int leads_backfill_keys(store *s, err *e) {
    for (int t = 0; t < 3; t++) {
        int n;
        do {
            if (store_begin(s, 1, e)) return -1;
            if (key_batch(s, t, &n, e)) { store_rollback(s); return -1; }
            if (store_commit(s, e)) return -1;
        } while (n == BACKFILL_BATCH);
    }
    return 0;
}

/* ---- duplicates ---- */

typedef struct dup_match {
    const char *entity, *on;   /* static strings; entity NULL: no match */
    int64_t id, owner;         /* owner 0: the match has none */
    int owner_active;
    char owner_name[512], label[1024];   /* names are at most 200 characters: never cut */
} dup_match;

/* Priority: email, then phone, then company; a contact or an account (a
 * customer relationship) before another lead; the oldest first. */
static const struct dup_query { const char *entity, *on, *sql; } DUP_QUERIES[] = {
    {"contacts", "email", "SELECT t.id, t.owner_id, t.name FROM contacts t WHERE t.email_key = ? AND t.deleted_at IS NULL ORDER BY t.id LIMIT 1"},
    {"leads", "email", "SELECT t.id, t.owner_id, t.name FROM leads t WHERE t.email_key = ? AND t.id <> ? AND t.deleted_at IS NULL "
                       "ORDER BY CASE WHEN t.owner_id IS NULL THEN 1 ELSE 0 END, t.id LIMIT 1"},
    {"contacts", "phone", "SELECT t.id, t.owner_id, t.name FROM contacts t WHERE t.phone_key = ? AND t.deleted_at IS NULL ORDER BY t.id LIMIT 1"},
    {"leads", "phone", "SELECT t.id, t.owner_id, t.name FROM leads t WHERE t.phone_key = ? AND t.id <> ? AND t.deleted_at IS NULL "
                       "ORDER BY CASE WHEN t.owner_id IS NULL THEN 1 ELSE 0 END, t.id LIMIT 1"},
    {"accounts", "company", "SELECT t.id, t.owner_id, t.name FROM accounts t WHERE t.company_key = ? AND t.deleted_at IS NULL ORDER BY t.id LIMIT 1"},
    {"leads", "company", "SELECT t.id, t.owner_id, t.company FROM leads t WHERE t.company_key = ? AND t.id <> ? AND t.deleted_at IS NULL "
                         "ORDER BY CASE WHEN t.owner_id IS NULL THEN 1 ELSE 0 END, t.id LIMIT 1"},
};

static int find_duplicate(crm_ctx *c, const lead_keys *k, dup_match *m, err *e) {
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < sizeof DUP_QUERIES / sizeof DUP_QUERIES[0]; i++) {
        const struct dup_query *q = &DUP_QUERIES[i];
        const char *key = !strcmp(q->on, "email") ? k->email : !strcmp(q->on, "phone") ? k->phone : k->company;
        if (!*key) continue;
        store_stmt *st = store_prepare(c->db, q->sql, e);
        if (!st) return -1;
        store_bind_text(st, 1, key);
        if (!strcmp(q->entity, "leads")) store_bind_int(st, 2, 0); /* the new lead has no id yet */
        int rc = store_step(st, e);
        if (rc == STORE_ROW) {
            m->entity = q->entity;
            m->on = q->on;
            m->id = store_col_int(st, 0);
            m->owner = store_col_null(st, 1) ? 0 : store_col_int(st, 1);
            snprintf(m->label, sizeof m->label, "%s", store_col_null(st, 2) ? "" : store_col_text(st, 2));
        }
        store_reset(st);
        if (rc < 0) return -1;
        if (rc == STORE_ROW) break;
    }
    if (!m->entity || !m->owner) return 0;
    store_stmt *st = store_prepare(c->db, "SELECT name, CASE WHEN active = 1 AND deleted_at IS NULL THEN 1 ELSE 0 END FROM users WHERE id = ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, m->owner);
    int rc = store_step(st, e);
    if (rc == STORE_ROW) {
        snprintf(m->owner_name, sizeof m->owner_name, "%s", store_col_text(st, 0));
        m->owner_active = (int)store_col_int(st, 1);
    }
    store_reset(st);
    return rc < 0 ? -1 : 0;
}

static const char *singular(const char *entity) {
    return !strcmp(entity, "contacts") ? "contact" : !strcmp(entity, "accounts") ? "account" : "lead";
}

/* ---- assignment rules ---- */

typedef struct rule {
    int64_t id, team_id, user_id;
    char *name, *regions, *industries, *sizes, *method;
} rule;

typedef struct member { int64_t id, load, capacity; int away, has_capacity; char name[512]; } member;

/* The outcome of one intake, written to the log once the lead has an id. */
typedef struct assignment {
    int64_t rule_id, user_id;
    const char *method;
    char reason[2048];   /* two names of at most 120 characters and some words: never cut */
    json_t *skipped;   /* owned */
} assignment;

/* Does `value` appear in the comma-separated `list`? An empty list is "any";
 * items compare by text_key, so case, width and spacing do not matter. */
static int list_has(const char *list, const char *value) {
    if (!filled(list)) return 1;
    arena a;
    arena_init(&a);
    const char *vk = filled(value) ? text_key(&a, value) : NULL;
    int any_item = 0, found = 0;
    const char *p = list;
    while (*p && !found) {
        /* separators: , ; | newline and the full-width ，；、 */
        size_t n = 0, sep = 0;
        while (p[n]) {
            if (p[n] == ',' || p[n] == ';' || p[n] == '|' || p[n] == '\n') { sep = 1; break; }
            if (!strncmp(p + n, "，", 3) || !strncmp(p + n, "；", 3) || !strncmp(p + n, "、", 3)) { sep = 3; break; }
            n++;
        }
        char *item = arena_strndup(&a, p, n);
        const char *ik = text_key(&a, item);
        if (ik && *ik) {
            any_item = 1;
            if (vk && !strcmp(ik, vk)) found = 1;
        }
        p += n + sep;
    }
    arena_free(&a);
    return found || !any_item;
}

static char *dup_col(store_stmt *st, int col) { return store_col_null(st, col) ? NULL : strdup(store_col_text(st, col)); }

static void rules_free(rule *r, int n) {
    for (int i = 0; i < n; i++) { free(r[i].name); free(r[i].regions); free(r[i].industries); free(r[i].sizes); free(r[i].method); }
    free(r);
}

static int load_rules(crm_ctx *c, rule **out, int *n, err *e) {
    *out = NULL;
    *n = 0;
    store_stmt *st = store_prepare(c->db,
        "SELECT id, name, regions, industries, company_sizes, team_id, user_id, method FROM assignment_rules "
        "WHERE active = 1 AND deleted_at IS NULL ORDER BY position, id LIMIT 1000", e);
    if (!st) return -1;
    int cap = 16, rc;
    rule *r = calloc((size_t)cap, sizeof *r);
    while ((rc = store_step(st, e)) == STORE_ROW && *n < RULES_MAX) {
        if (*n == cap) { cap *= 2; r = realloc(r, (size_t)cap * sizeof *r); }
        rule *x = &r[(*n)++];
        x->id = store_col_int(st, 0);
        x->name = dup_col(st, 1);
        x->regions = dup_col(st, 2);
        x->industries = dup_col(st, 3);
        x->sizes = dup_col(st, 4);
        x->team_id = store_col_null(st, 5) ? 0 : store_col_int(st, 5);
        x->user_id = store_col_null(st, 6) ? 0 : store_col_int(st, 6);
        x->method = dup_col(st, 7);
    }
    store_reset(st);
    if (rc < 0) { rules_free(r, *n); *n = 0; return -1; }
    *out = r;
    return 0;
}

/* ---- what a batch remembers from one lead to the next ---- */

/* Within the batch's transaction nothing else takes leads in (the intake
 * lock), so the lock, the keying of older rows and the rules are done once. */
struct lead_batch {
    int64_t *ids, *loads;   /* reps' loads, counted once */
    int n, cap;
    int locked;             /* the intake lock is held and every older row keyed */
    rule *rules;            /* the rules, read at the first lead that needs them */
    int nrules, have_rules;
};

lead_batch *lead_batch_new(void) {
    lead_batch *b = calloc(1, sizeof *b);
    if (!b) abort();
    return b;
}

void lead_batch_free(lead_batch *b) {
    if (!b) return;
    if (b->have_rules) rules_free(b->rules, b->nrules);
    free(b->ids);
    free(b->loads);
    free(b);
}

static int64_t *batch_slot(lead_batch *b, int64_t user) {
    for (int i = 0; i < b->n; i++)
        if (b->ids[i] == user) return &b->loads[i];
    return NULL;
}

/* A rep's load: counted once per batch, then kept up to date by batch_gave. */
static int batch_load(crm_ctx *c, int64_t user, int64_t *load, err *e) {
    lead_batch *b = c->leads;
    int64_t *slot = batch_slot(b, user);
    if (slot) { *load = *slot; return 0; }
    if (store_scalar_int(c->db, "SELECT " LOAD_SQL " FROM users u WHERE u.id = ?", load, e, "i", user) < 0) return -1;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->ids = realloc(b->ids, sizeof *b->ids * (size_t)b->cap);
        b->loads = realloc(b->loads, sizeof *b->loads * (size_t)b->cap);
        if (!b->ids || !b->loads) abort();
    }
    b->ids[b->n] = user;
    b->loads[b->n++] = *load;
    return 0;
}

/* The lead being taken in counts toward its owner's load (it is open). A rep
 * not counted yet needs nothing: the count will see the lead's row. */
static void batch_gave(crm_ctx *c, int64_t user) {
    int64_t *slot = c->leads && user ? batch_slot(c->leads, user) : NULL;
    if (slot) (*slot)++;
}

/* The reps a rule can give to, in id order (the round-robin order), with their load. */
static int load_members(crm_ctx *c, const rule *r, member **out, int *n, err *e) {
    /* only balanced rules and reps with a capacity need the load (it reads
     * their open deals); in a batch it comes from batch_load instead */
    int need_all = !r->user_id && r->method && !strcmp(r->method, "balanced");
    const char *load = c->leads ? "0" : need_all ? LOAD_SQL : "CASE WHEN u.capacity IS NULL THEN 0 ELSE " LOAD_SQL " END";
    const char *sql = r->user_id
        ? arena_printf(c->a, "SELECT u.id, u.name, u.away, u.capacity, %s FROM users u WHERE u.id = ? AND u.active = 1 AND u.deleted_at IS NULL", load)
        : arena_printf(c->a, "WITH RECURSIVE sub(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT tm.id FROM teams tm JOIN sub ON tm.parent_id = sub.id "
          "WHERE tm.deleted_at IS NULL) SELECT u.id, u.name, u.away, u.capacity, %s FROM users u "
          "WHERE u.team_id IN (SELECT id FROM sub) AND u.role = 'rep' AND u.active = 1 AND u.deleted_at IS NULL ORDER BY u.id LIMIT 1000", load);
    *out = NULL;
    *n = 0;
    store_stmt *st = store_prepare(c->db, sql, e);
    if (!st) return -1;
    store_bind_int(st, 1, r->user_id ? r->user_id : r->team_id);
    int cap = 16, rc;
    member *m = calloc((size_t)cap, sizeof *m);
    while ((rc = store_step(st, e)) == STORE_ROW && *n < MEMBERS_MAX) {
        if (*n == cap) { cap *= 2; m = realloc(m, (size_t)cap * sizeof *m); }
        member *x = &m[(*n)++];
        x->id = store_col_int(st, 0);
        snprintf(x->name, sizeof x->name, "%s", store_col_text(st, 1));
        x->away = (int)store_col_int(st, 2);
        x->has_capacity = !store_col_null(st, 3);
        x->capacity = store_col_int(st, 3);
        x->load = store_col_int(st, 4);
    }
    store_reset(st);
    for (int i = 0; rc >= 0 && c->leads && i < *n; i++)
        if ((need_all || m[i].has_capacity) && batch_load(c, m[i].id, &m[i].load, e)) rc = -1;
    if (rc < 0) { free(m); *n = 0; return -1; }
    *out = m;
    return 0;
}

/* Why a member cannot take a lead now, or NULL if they can. */
static const char *unavailable(const member *m, char *why, size_t n) {
    if (m->away) return "away";
    if (m->has_capacity && m->load >= m->capacity) {
        snprintf(why, n, "at capacity (%lld open leads and deals, capacity %lld)", (long long)m->load, (long long)m->capacity);
        return why;
    }
    return NULL;
}

/* Try one matching rule. 1 and *a filled when it found someone; 0 when
 * everyone it could give to was passed over (noted in a->skipped). */
static int apply_rule(crm_ctx *c, const rule *r, assignment *a, err *e) {
    member *m;
    int n;
    if (load_members(c, r, &m, &n, e)) return -1;
    char why[160];
    int *ok = calloc((size_t)n + 1, sizeof *ok), eligible = 0;
    for (int i = 0; i < n; i++) {
        const char *w = unavailable(&m[i], why, sizeof why);
        if (w) json_array_append_new(a->skipped, json_pack("{s:I, s:I, s:s, s:s}", "rule_id", (json_int_t)r->id,
                                                         "user_id", (json_int_t)m[i].id, "name", m[i].name, "why", w));
        else ok[i] = 1, eligible++;
    }
    int pick = -1, rc = 0;
    const char *rname = r->name ? r->name : "";
    if (!eligible) {
        json_array_append_new(a->skipped, json_pack("{s:I, s:s}", "rule_id", (json_int_t)r->id, "why",
            n ? "matched, but nobody it assigns to is available" : r->user_id ? "matched, but its rep is deactivated"
                                                                               : "matched, but its team has no active rep"));
        goto done;
    }
    if (r->user_id) {
        pick = 0;
        a->method = "direct";
        snprintf(a->reason, sizeof a->reason, "rule '%s' assigns to %s", rname, m[0].name);
    } else if (!strcmp(r->method, "balanced")) {
        for (int i = 0; i < n; i++)
            if (ok[i] && (pick < 0 || m[i].load < m[pick].load)) pick = i; /* ties: the lowest id */
        a->method = "balanced";
        snprintf(a->reason, sizeof a->reason, "rule '%s' (balanced load): %s had the fewest open leads and deals (%lld)",
                 rname, m[pick].name, (long long)m[pick].load);
    } else {
        /* the rotation goes on after whoever this rule gave to last, wrapping */
        int64_t last = 0;
        if (store_scalar_int(c->db, "SELECT user_id FROM lead_assignments WHERE rule_id = ? AND method = 'round_robin' ORDER BY id DESC LIMIT 1",
                             &last, e, "i", r->id) < 0) { rc = -1; goto done; }
        for (int i = 0; i < n && pick < 0; i++)
            if (ok[i] && m[i].id > last) pick = i;
        for (int i = 0; i < n && pick < 0; i++)
            if (ok[i]) pick = i;
        a->method = "round_robin";
        snprintf(a->reason, sizeof a->reason, "rule '%s' (round robin): next in turn is %s", rname, m[pick].name);
    }
    a->rule_id = r->id;
    a->user_id = m[pick].id;
    rc = 1;
done:
    free(ok);
    free(m);
    return rc;
}

static int run_rules(crm_ctx *c, const json_t *lead, assignment *a, err *e) {
    rule *rules;
    int n, rc = 0, matched = 0;
    lead_batch *b = c->leads;
    if (b && b->have_rules) rules = b->rules, n = b->nrules;
    else if (load_rules(c, &rules, &n, e)) return -1;
    else if (b) b->rules = rules, b->nrules = n, b->have_rules = 1;
    for (int i = 0; i < n && rc == 0; i++) {
        const rule *r = &rules[i];
        if (!list_has(r->regions, jstr(lead, "region")) || !list_has(r->industries, jstr(lead, "industry")) ||
            !list_has(r->sizes, jstr(lead, "company_size")))
            continue;
        matched++;
        rc = apply_rule(c, r, a, e);
    }
    if (!b) rules_free(rules, n);
    if (rc < 0) return -1;
    if (!rc) {
        a->method = "none";
        snprintf(a->reason, sizeof a->reason, "%s", matched ? "no rule that matched had anyone available; the lead waits for an admin"
                                                            : "no assignment rule matched; the lead waits for an admin");
    }
    return 0;
}

/* ---- the lead record's rules ---- */

static int intake_lock(crm_ctx *c, err *e) {
    const char *sql = store_dialect(c->db, "XACT_LOCK");
    if (!sql || !*sql) return 0;
    return store_run(c->db, sql, e, "i", (int64_t)INTAKE_LOCK_KEY);
}

/* Stashed in the record between the check and the after hook. Keys starting
 * with '_' are not fields, so the record machinery neither writes nor audits them. */
static void stash_keys(json_t *rec, const lead_keys *k) {
    json_object_set_new(rec, "_keys", json_pack("{s:s, s:s, s:s}", "email", k->email, "phone", k->phone, "company", k->company));
}

static void stash_assignment(json_t *rec, assignment *a) {
    json_object_set_new(rec, "_assign", json_pack("{s:o, s:o, s:s, s:s, s:o}",
        "rule_id", a->rule_id ? json_integer(a->rule_id) : json_null(), "user_id", a->user_id ? json_integer(a->user_id) : json_null(),
        "method", a->method, "reason", a->reason, "skipped", a->skipped));
    a->skipped = NULL;
}

static int intake_check(crm_ctx *c, json_t *rec, err *e) {
    if (json_object_get(rec, "status")) err_field_add(e, "status", "is set by the intake (new, assigned or duplicate)");
    if (!filled(jstr(rec, "name"))) err_field_add(e, "name", "is required");
    const char *email = jstr(rec, "email"), *phone = jstr(rec, "phone");
    if (!filled(email) && !filled(phone)) {
        err_field_add(e, "email", "an email address or a phone number is required");
        err_field_add(e, "phone", "an email address or a phone number is required");
    }
    lead_keys k;
    compute_keys(email, phone, jstr(rec, "company"), &k);
    if (filled(phone) && !*k.phone) err_field_add(e, "phone", "must have at least 6 digits");
    int once = c->leads && c->leads->locked;
    if (e->cls || (!once && (intake_lock(c, e) || key_all(c->db, e)))) { keys_free(&k); return -1; }
    if (c->leads) c->leads->locked = 1;
    stash_keys(rec, &k);
    if (!jstr(rec, "intake")) json_object_set_new(rec, "intake", json_string("api"));

    dup_match m;
    int found = find_duplicate(c, &k, &m, e);
    keys_free(&k);
    if (found) return -1;
    assignment a = {0, 0, NULL, "", json_array()};
    json_t *given = json_object_get(rec, "owner_id");
    int64_t given_owner = json_is_integer(given) ? json_integer_value(given) : 0;
    int rc = 0;
    if (m.entity) {
        json_object_set_new(rec, "status", json_string("duplicate"));
        json_object_set_new(rec, "duplicate_entity", json_string(m.entity));
        json_object_set_new(rec, "duplicate_id", json_integer(m.id));
        json_object_set_new(rec, "duplicate_on", json_string(m.on));
    }
    if (m.entity && m.owner && m.owner_active) {
        /* never a second rep for the same person or company */
        a.method = "duplicate";
        a.user_id = m.owner;
        snprintf(a.reason, sizeof a.reason, "same %s as %s %lld (%s), owned by %s", m.on, singular(m.entity), (long long)m.id,
                 m.label, m.owner_name);
    } else {
        const char *note = !m.entity ? "" : m.owner ? "; the owner of the match is deactivated" : "; the match has no owner";
        if (given_owner) {
            a.method = "manual";
            a.user_id = given_owner;
            snprintf(a.reason, sizeof a.reason, "owner given at intake%s", note);
        } else {
            rc = run_rules(c, rec, &a, e);
            if (!rc && *note) snprintf(a.reason + strlen(a.reason), sizeof a.reason - strlen(a.reason), "%s", note);
        }
    }
    if (!rc) {
        if (a.user_id) {
            json_object_set_new(rec, "owner_id", json_integer(a.user_id));
            set_time(rec, "assigned_at", time_now_ms());
            batch_gave(c, a.user_id);
        } else json_object_del(rec, "owner_id");
        if (!m.entity) json_object_set_new(rec, "status", json_string(a.user_id ? "assigned" : "new"));
        stash_assignment(rec, &a);
    }
    json_decref(a.skipped);
    return rc;
}

static int update_check(crm_ctx *c, json_t *rec, const json_t *old, err *e) {
    const char *was = jstr(old, "status"), *now = jstr(rec, "status");
    int64_t old_owner = jint(old, "owner_id"), new_owner = jint(rec, "owner_id");
    if (!strcmp(was, "converted")) {
        if (strcmp(now, "converted")) return err_field_add(e, "status", "a converted lead stays converted");
        if (old_owner != new_owner) return err_field_add(e, "owner_id", "a converted lead keeps its owner; give the opportunity to someone else instead");
    } else if (strcmp(was, now)) {
        if (!strcmp(now, "converted")) return err_field_add(e, "status", "convert a lead with POST /api/v1/leads/{id}/convert");
        if (!strcmp(now, "duplicate")) return err_field_add(e, "status", "is set by the duplicate check at intake");
    }
    if (old_owner != new_owner) {
        if (new_owner) set_time(rec, "assigned_at", time_now_ms());
        else json_object_set_new(rec, "assigned_at", json_null());
        json_object_set_new(rec, "_manual", json_true());
    }
    /* status follows the owner: a lead with an owner is assigned, one without is new */
    now = jstr(rec, "status");
    if (!strcmp(now, "new") && new_owner) json_object_set_new(rec, "status", json_string("assigned"));
    if (!strcmp(now, "assigned") && !new_owner) json_object_set_new(rec, "status", json_string("new"));
    const char *email = jstr(rec, "email"), *phone = jstr(rec, "phone");
    if (!filled(email) && !filled(phone)) return err_field_add(e, "email", "an email address or a phone number is required");
    lead_keys k;
    compute_keys(email, phone, jstr(rec, "company"), &k);
    int rc = filled(phone) && !*k.phone ? err_field_add(e, "phone", "must have at least 6 digits") : 0;
    if (!rc) stash_keys(rec, &k);
    keys_free(&k);
    return rc;
}

int lead_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    return old ? update_check(c, rec, old, e) : intake_check(c, rec, e);
}

static int write_log(crm_ctx *c, int64_t lead, const json_t *a, err *e) {
    store_stmt *st = store_prepare(c->db,
        "INSERT INTO lead_assignments (lead_id, rule_id, user_id, method, reason, skipped, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (!st) return -1;
    json_t *skipped = json_object_get(a, "skipped");
    char *sk = json_array_size(skipped) ? json_dumps(skipped, JSON_COMPACT) : NULL;
    store_bind_int(st, 1, lead);
    if (json_is_integer(json_object_get(a, "rule_id"))) store_bind_int(st, 2, jint(a, "rule_id")); else store_bind_null(st, 2);
    if (json_is_integer(json_object_get(a, "user_id"))) store_bind_int(st, 3, jint(a, "user_id")); else store_bind_null(st, 3);
    store_bind_text(st, 4, jstr(a, "method"));
    store_bind_text(st, 5, jstr(a, "reason"));
    store_bind_text(st, 6, sk);
    if (c->p && c->p->user_id) store_bind_int(st, 7, c->p->user_id); else store_bind_null(st, 7);
    store_bind_int(st, 8, time_now_ms());
    int rc = store_step(st, e);
    store_reset(st);
    free(sk);
    return rc < 0 ? -1 : 0;
}

int lead_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e) {
    if (!rec) return 0;
    json_t *k = json_object_get(rec, "_keys");
    if (k && store_run(c->db, "UPDATE leads SET email_key = ?, phone_key = ?, company_key = ? WHERE id = ?", e, "sssi",
                       jstr(k, "email"), jstr(k, "phone"), jstr(k, "company"), id))
        return -1;
    json_t *a = json_object_get(rec, "_assign");
    if (a) return write_log(c, id, a, e);
    if (json_object_get(rec, "_manual")) {
        int64_t owner = jint(rec, "owner_id");
        char reason[1024] = "unassigned by hand";   /* a name is at most 120 characters: never cut */
        if (owner) {
            store_stmt *st = store_prepare(c->db, "SELECT name FROM users WHERE id = ?", e);
            if (!st) return -1;
            store_bind_int(st, 1, owner);
            int rc = store_step(st, e);
            snprintf(reason, sizeof reason, "given by hand to %s", rc == STORE_ROW ? store_col_text(st, 0) : "?");
            store_reset(st);
            if (rc < 0) return -1;
        }
        json_t *log = json_pack("{s:n, s:o, s:s, s:s, s:[]}", "rule_id", "user_id", owner ? json_integer(owner) : json_null(),
                                "method", "manual", "reason", reason, "skipped");
        int rc = write_log(c, id, log, e);
        json_decref(log);
        return rc;
    }
    return 0;
}

/* ---- intake ---- */

/* The checks every way in shares, then the create: in its own transaction or
 * (in_tx) in the caller's. */
static int intake(crm_ctx *c, lead_batch *b, const json_t *fields, const char *kind, int in_tx, json_t **out, err *e) {
    if (strcmp(kind, "form") && strcmp(kind, "api") && strcmp(kind, "import"))
        return err_set(e, ERR_INTERNAL, "unknown lead source kind %s", kind);
    if (!json_is_object(fields)) return err_set(e, ERR_BAD_REQUEST, "the lead must be a JSON object");
    if (c->p && !policy_can_change_kind(c->p, ACCESS_OWNED)) return err_set(e, ERR_FORBIDDEN, "your role cannot create leads");
    json_t *given = json_object_get(fields, "owner_id");
    if (c->p && json_is_integer(given) && !policy_owner_allowed(c->p, json_integer_value(given)))
        return err_field_add(e, "owner_id", "you cannot give leads to this user");
    /* The rules decide the owner, who may be outside the caller's scope: run
     * with every scope, but with the caller's id (the audit says who) and role. */
    principal all = c->p ? *c->p : (principal){.role = ROLE_ADMIN};
    all.all_scope = 1;
    json_t *server = c->server_fields ? json_deep_copy(c->server_fields) : json_object();
    json_object_set_new(server, "intake", json_string(kind));
    crm_ctx ic = *c;
    ic.p = &all;
    ic.server_fields = server;
    ic.leads = b;
    int rc = in_tx ? record_create_in(&ic, &def_leads, fields, out, e) : record_create(&ic, &def_leads, fields, out, e);
    json_decref(server);
    return rc;
}

int lead_intake(crm_ctx *c, const json_t *fields, const char *kind, json_t **out, err *e) {
    return intake(c, NULL, fields, kind, 0, out, e);
}

int lead_intake_in(crm_ctx *c, lead_batch *b, const json_t *fields, const char *kind, json_t **out, err *e) {
    return intake(c, b, fields, kind, 1, out, e);
}

/* ---- web forms ---- */

int lead_form_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    if (old) return 0;
    unsigned char raw[24];
    char tok[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(tok, sizeof tok, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    json_object_set_new(rec, "token", json_string(tok));
    return 0;
}

/* Count one submission from this address; 1 if it is over the limit. Its own
 * transaction: the count stands even when the submission is then refused. */
static int form_rate_exceeded(crm_ctx *c, const char *ip, err *e) {
    int64_t now = time_now_ms(), start = now - LEAD_FORM_RATE_WINDOW_MS, hits = 0;
    char key[96];
    snprintf(key, sizeof key, "form:%s", ip ? ip : "?");
    if (store_begin(c->db, 1, e)) return -1;
    int rc = store_scalar_int(c->db,
        "INSERT INTO form_rate (key, window_start, hits) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET "
        "hits = CASE WHEN form_rate.window_start > ? THEN form_rate.hits + 1 ELSE 1 END, "
        "window_start = CASE WHEN form_rate.window_start > ? THEN form_rate.window_start ELSE ? END RETURNING hits",
        &hits, e, "siiii", key, now, start, start, now);
    if (rc < 0 || store_run(c->db, "DELETE FROM form_rate WHERE window_start <= ?", e, "i", start)) {
        store_rollback(c->db);
        return -1;
    }
    if (store_commit(c->db, e)) return -1;
    return hits > LEAD_FORM_RATE_MAX;
}

int lead_form_submit(crm_ctx *c, const char *token, const char *ip, const json_t *fields, int *stored, err *e) {
    *stored = 0;
    int over = form_rate_exceeded(c, ip, e);
    if (over < 0) return -1;
    if (over) return err_set(e, ERR_RATE_LIMITED, "too many submissions from your address; try again in a few minutes");
    if (!token || strlen(token) > LEAD_FORM_TOKEN_MAX) return err_set(e, ERR_NOT_FOUND, "no such form");
    store_stmt *st = store_prepare(c->db, "SELECT id, default_source FROM lead_forms WHERE token = ? AND active = 1 AND deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_text(st, 1, token);
    int rc = store_step(st, e);
    int64_t form = 0;
    char source[512] = "";   /* at most 80 characters */
    if (rc == STORE_ROW) {
        form = store_col_int(st, 0);
        snprintf(source, sizeof source, "%s", store_col_null(st, 1) ? "" : store_col_text(st, 1));
    }
    store_reset(st);
    if (rc < 0) return -1;
    if (!form) return err_set(e, ERR_NOT_FOUND, "no such form, or it is switched off");
    /* a bot filled the field people never see: answer as if accepted, keep nothing */
    json_t *hp = json_object_get(fields, LEAD_FORM_HONEYPOT);
    if (hp && !json_is_null(hp) && !(json_is_string(hp) && !*json_string_value(hp))) return 0;
    /* only the lead's own data: the owner, status and the rest are not the public's to set */
    static const char *const allowed[] = {"name", "company", "email", "phone", "title", "source", "notes", "region", "industry",
                                          "company_size", NULL};
    json_t *in = json_object(), *out = NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fields, k, v) {
        int known = 0;
        for (int i = 0; allowed[i] && !known; i++) known = !strcmp(allowed[i], k);
        if (!strcmp(k, LEAD_FORM_HONEYPOT)) continue;
        if (!known) err_field_add(e, k, "is not a field of a lead form");
        else if (!(json_is_string(v) && !*json_string_value(v))) json_object_set(in, k, v); /* a blank field is one not filled in */
    }
    if (e->cls) { json_decref(in); return -1; }
    json_t *src = json_object_get(in, "source");
    if (*source && (!src || json_is_null(src) || (json_is_string(src) && !*json_string_value(src))))
        json_object_set_new(in, "source", json_string(source));
    json_t *server = json_pack("{s:I}", "form_id", (json_int_t)form);
    crm_ctx fc = *c;
    fc.p = NULL;
    fc.server_fields = server;
    rc = lead_intake(&fc, in, "form", &out, e);
    json_decref(server);
    json_decref(in);
    json_decref(out);
    if (!rc) *stored = 1;
    return rc;
}

/* ---- rule records ---- */

int assignment_rule_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e) {
    json_t *team = json_object_get(rec, "team_id"), *user = json_object_get(rec, "user_id");
    int has_team = team && !json_is_null(team), has_user = user && !json_is_null(user);
    if (has_team && has_user) return err_field_add(e, "user_id", "give either a team or a rep, not both (set the other to null)");
    if (!has_team && !has_user) return err_field_add(e, "team_id", "is required: a rule assigns to a team (team_id) or to one rep (user_id)");
    if (!old && !json_object_get(rec, "position")) {
        /* a new rule goes last */
        int64_t last = 0;
        if (store_scalar_int(c->db, "SELECT COALESCE(MAX(position), 0) FROM assignment_rules WHERE deleted_at IS NULL", &last, e, "") < 0)
            return -1;
        json_object_set_new(rec, "position", json_integer(last + 1 > 100000 ? 100000 : last + 1));
    }
    return 0;
}

/* ---- conversion ---- */

typedef struct convert_args { int64_t id; const json_t *in; json_t **out; } convert_args;

/* An existing record the caller sees with this key, oldest first; 0 if none. */
static int find_existing(crm_ctx *c, const char *table, const char *col, const char *key, int64_t *id, err *e) {
    *id = 0;
    if (!*key) return 0;
    const record_def *d = record_find(table);
    char *sql = arena_printf(c->a, "SELECT t.id FROM %s t WHERE t.%s = ? AND t.deleted_at IS NULL AND %s ORDER BY t.id LIMIT 1", table,
                             col, policy_scope_sql(c->p, d->access, table, "t", c->a));
    return store_scalar_int(c->db, sql, id, e, "s", key) < 0 ? -1 : 0;
}

/* A reference given in the body: a record of `entity` the caller can see, or 0 if absent. */
static int given_ref(crm_ctx *c, const json_t *in, const char *key, const char *entity, int64_t *id, err *e) {
    json_t *v = json_object_get(in, key);
    *id = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v) || json_integer_value(v) <= 0) return err_field_add(e, key, "must be the id of a record");
    int vis = record_visible(c, entity, json_integer_value(v), e);
    if (vis < 0) return -1;
    if (!vis) return err_field_add(e, key, "no %s with id %lld that you can see", entity, (long long)json_integer_value(v));
    *id = json_integer_value(v);
    return 0;
}

static void set_if(json_t *o, const char *k, const json_t *lead, const char *from) {
    json_t *v = json_object_get(lead, from);
    if (v && !json_is_null(v)) json_object_set(o, k, v);
}

/* Create a record as part of the conversion; field errors name the part. */
static int create_part(crm_ctx *all, const record_def *d, const char *part, json_t *in, int64_t *id, err *e) {
    int before = e->nfields;
    json_t *out = NULL;
    int rc = record_create_in(all, d, in, &out, e);
    if (rc) {
        for (int i = before; i < e->nfields; i++) {
            char name[sizeof e->fields[i].name];
            snprintf(name, sizeof name, "%s.%s", part, e->fields[i].name);
            /* the prefix may push a field name someone sent over the end, cutting a character in two */
            uint8_t *bad;
            while ((bad = (uint8_t *)u8_check((const uint8_t *)name, strlen(name)))) *bad = '?';
            memcpy(e->fields[i].name, name, sizeof name);
        }
        return -1;
    }
    *id = jint(out, "id");
    json_decref(out);
    return 0;
}

static int do_convert(crm_ctx *c, void *arg, err *e) {
    convert_args *x = arg;
    json_t *lead = NULL, *opp_in = NULL;
    lead_keys k = {0};
    int rc = -1;
    if (record_load(c, &def_leads, x->id, 1, &lead, e)) goto done;
    const char *status = jstr(lead, "status");
    int64_t owner = jint(lead, "owner_id"), version = jint(lead, "version");
    if (!strcmp(status, "converted")) {
        err_set(e, ERR_CONFLICT, "the lead was already converted (opportunity %lld)", (long long)jint(lead, "opportunity_id"));
        goto done;
    }
    if (!strcmp(status, "disqualified")) { err_field_add(e, "status", "the lead is disqualified; reopen it before converting"); goto done; }
    if (!owner) { err_field_add(e, "owner_id", "the lead has no owner; assign it before converting"); goto done; }
    int64_t account = 0, contact = 0;
    if (given_ref(c, x->in, "account_id", "accounts", &account, e) + given_ref(c, x->in, "contact_id", "contacts", &contact, e)) goto done;
    /* claim the lead first: a second conversion running at the same time stops here */
    int64_t now = time_now_ms();
    if (store_run(c->db, "UPDATE leads SET status = 'converted', converted_at = ?, version = version + 1, updated_at = ? "
                         "WHERE id = ? AND version = ? AND status <> 'converted'", e, "iiii", now, now, x->id, version))
        goto done;
    if (store_changes(c->db) == 0) { err_set(e, ERR_CONFLICT, "the lead was converted or changed at the same time; reload it"); goto done; }

    compute_keys(jstr(lead, "email"), jstr(lead, "phone"), jstr(lead, "company"), &k);
    /* the records are the owner's, who may be outside the caller's scope (a
     * shared lead): create them with every scope, keeping the caller's id and role */
    principal everyone = *c->p;
    everyone.all_scope = 1;
    crm_ctx all = *c;
    all.p = &everyone;
    all.server_fields = NULL;
    int made_account = 0, made_contact = 0;
    if (!account && find_existing(c, "accounts", "company_key", k.company, &account, e)) goto done;
    if (!account && filled(jstr(lead, "company"))) {
        json_t *in = json_pack("{s:s, s:I}", "name", jstr(lead, "company"), "owner_id", (json_int_t)owner);
        set_if(in, "industry", lead, "industry");
        set_if(in, "region", lead, "region");
        set_if(in, "size", lead, "company_size");
        int r = create_part(&all, &def_accounts, "account", in, &account, e);
        json_decref(in);
        if (r) goto done;
        made_account = 1;
    }
    if (!contact && find_existing(c, "contacts", "email_key", k.email, &contact, e)) goto done;
    if (!contact && find_existing(c, "contacts", "phone_key", k.phone, &contact, e)) goto done;
    if (!contact) {
        json_t *in = json_pack("{s:s, s:I}", "name", jstr(lead, "name"), "owner_id", (json_int_t)owner);
        set_if(in, "title", lead, "title");
        set_if(in, "email", lead, "email");
        set_if(in, "phone", lead, "phone");
        if (account) json_object_set_new(in, "account_id", json_integer(account));
        int r = create_part(&all, &def_contacts, "contact", in, &contact, e);
        json_decref(in);
        if (r) goto done;
        made_contact = 1;
    }
    json_t *given = json_object_get(x->in, "opportunity");
    opp_in = given ? json_deep_copy(given) : json_object();
    json_object_set_new(opp_in, "owner_id", json_integer(owner));
    json_object_set_new(opp_in, "contact_id", json_integer(contact));
    if (account) json_object_set_new(opp_in, "account_id", json_integer(account));
    if (!json_object_get(opp_in, "name")) {
        const char *co = jstr(lead, "company");
        json_object_set_new(opp_in, "name", json_string(filled(co) ? co : jstr(lead, "name")));
    }
    if (!json_object_get(opp_in, "source") && jstr(lead, "source")) json_object_set_new(opp_in, "source", json_string(jstr(lead, "source")));
    int64_t opp = 0;
    if (create_part(&all, &def_opportunities, "opportunity", opp_in, &opp, e)) goto done;
    store_stmt *up = store_prepare(c->db, "UPDATE leads SET account_id = ?, contact_id = ?, opportunity_id = ? WHERE id = ?", e);
    if (!up) goto done;
    if (account) store_bind_int(up, 1, account); else store_bind_null(up, 1);
    store_bind_int(up, 2, contact);
    store_bind_int(up, 3, opp);
    store_bind_int(up, 4, x->id);
    int urc = store_step(up, e);
    store_reset(up);
    if (urc < 0) goto done;
    char ts[32], a[24], ct[24], o[24];
    time_format_ms(now, ts);
    snprintf(a, sizeof a, "%lld", (long long)account);
    snprintf(ct, sizeof ct, "%lld", (long long)contact);
    snprintf(o, sizeof o, "%lld", (long long)opp);
    if (audit_write(c, "leads", x->id, "update", "status", status, "converted", e) ||
        audit_write(c, "leads", x->id, "update", "converted_at", NULL, ts, e) ||
        (account && audit_write(c, "leads", x->id, "update", "account_id", NULL, a, e)) ||
        audit_write(c, "leads", x->id, "update", "contact_id", NULL, ct, e) ||
        audit_write(c, "leads", x->id, "update", "opportunity_id", NULL, o, e))
        goto done;
    json_t *l = NULL, *acc = NULL, *con = NULL, *op = NULL;
    if (record_load(&all, &def_leads, x->id, 0, &l, e) || (account && record_load(&all, &def_accounts, account, 0, &acc, e)) ||
        record_load(&all, &def_contacts, contact, 0, &con, e) || record_load(&all, &def_opportunities, opp, 0, &op, e)) {
        json_decref(l); json_decref(acc); json_decref(con); json_decref(op);
        goto done;
    }
    *x->out = json_pack("{s:o, s:o, s:o, s:o, s:{s:b, s:b}}", "lead", l, "account", acc ? acc : json_null(), "contact", con,
                        "opportunity", op, "created", "account", made_account, "contact", made_contact);
    rc = 0;
done:
    keys_free(&k);
    json_decref(lead);
    json_decref(opp_in);
    return rc;
}

int lead_convert(crm_ctx *c, int64_t id, const json_t *in, json_t **out, err *e) {
    if (!json_is_object(in)) return err_set(e, ERR_BAD_REQUEST, "the body must be a JSON object");
    if (!policy_can_change_kind(c->p, ACCESS_OWNED)) return err_set(e, ERR_FORBIDDEN, "your role cannot convert leads");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v)
        if (strcmp(k, "account_id") && strcmp(k, "contact_id") && strcmp(k, "opportunity")) err_field_add(e, k, "is not a field of a conversion");
    json_t *opp = json_object_get(in, "opportunity");
    if (opp && !json_is_object(opp)) err_field_add(e, "opportunity", "must be an object with the new opportunity's fields");
    if (json_is_object(opp))
        json_object_foreach(opp, k, v) {
            char name[64];
            snprintf(name, sizeof name, "opportunity.%s", k);
            if (!strcmp(k, "owner_id")) err_field_add(e, name, "is the lead's owner; give the deal to someone else after converting");
            else if (!strcmp(k, "account_id") || !strcmp(k, "contact_id"))
                err_field_add(e, name, "goes beside opportunity, not inside it");
        }
    if (e->cls) return -1;
    convert_args x = {id, in, out};
    return record_in_tx(c, do_convert, &x, e);
}

/* ---- the log ---- */

int lead_assignments(crm_ctx *c, int64_t id, json_t **out, err *e) {
    if (record_must_see(c, &def_leads, id, e)) return -1;
    store_stmt *st = store_prepare(c->db,
        "SELECT a.id, a.rule_id, r.name, a.user_id, u.name, a.method, a.reason, a.skipped, a.actor_id, x.name, a.at "
        "FROM lead_assignments a LEFT JOIN assignment_rules r ON r.id = a.rule_id LEFT JOIN users u ON u.id = a.user_id "
        "LEFT JOIN users x ON x.id = a.actor_id WHERE a.lead_id = ? ORDER BY a.id LIMIT 1000", e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        char ts[32];
        time_format_ms(store_col_int(st, 10), ts);
        json_t *skipped = store_col_null(st, 7) ? NULL : json_loads(store_col_text(st, 7), 0, NULL);
#define NI(col) record_column(st, col, FT_INT)
#define NS(col) record_column(st, col, FT_TEXT)
        json_array_append_new(items, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:s}",
            "id", (json_int_t)store_col_int(st, 0), "lead_id", (json_int_t)id, "rule_id", NI(1), "rule_name", NS(2),
            "user_id", NI(3), "user_name", NS(4), "method", store_col_text(st, 5), "reason", store_col_text(st, 6),
            "skipped", json_is_array(skipped) ? skipped : json_array(), "actor_id", NI(8), "actor_name", NS(9), "at", ts));
#undef NI
#undef NS
        if (skipped && !json_is_array(skipped)) json_decref(skipped);
    }
    store_reset(st);
    if (rc < 0) { json_decref(items); return -1; }
    *out = json_pack("{s:o}", "items", items);
    return 0;
}
