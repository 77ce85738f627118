/* importrules.c: references by name, duplicates, and the rules of each record
 * type for imported rows. They follow the API's rules (entities.c,
 * opportunity.c) where an import can meet them, and say so where it differs:
 * imported deals may start past the first stage or closed (managers and admins
 * only, as for an override), with a history built from their dates. */
#include "importer.h"
#include <stdio.h>
#include <string.h>
#include "../core/money.h"
#include "../core/text.h"
#include "../core/timeutil.h"
#include "../crm/entities.h"
#include "../crm/opportunity.h"

#define NOON (12 * 3600000LL)

/* ---- existing records by name ---- */

enum { REF_USERS, REF_ACCOUNTS, REF_CONTACTS, REF_OPPS, REF_PRODUCTS, REF_PIPELINES, REF_TEAMS, NREFS };

/* People are found by email when the cell has an '@', else by name. */
static char *person_key(arena *a, const char *s) { return strchr(s, '@') ? text_email_key(a, s) : text_key(a, s); }
static char *exact_key(arena *a, const char *s) { return arena_strdup(a, s); }

/* What each referenced entity is looked up by. %s is the caller's scope over alias t. */
static const struct {
    const char *entity;
    lookup_keyfn key;
    const char *sql[2];
    int nints, text;
    const char *by;   /* for "give the ..." when a name is ambiguous */
} kinds[NREFS] = {
    [REF_USERS] = {"users", person_key, {"SELECT t.id, t.name FROM users t WHERE t.deleted_at IS NULL AND t.active = 1 AND %s",
                                         "SELECT t.id, t.email FROM users t WHERE t.deleted_at IS NULL AND t.active = 1 AND %s"}, 0, 0, "email"},
    [REF_ACCOUNTS] = {"accounts", text_company_key, {"SELECT t.id, t.name FROM accounts t WHERE t.deleted_at IS NULL AND %s"}, 0, 0, "exact name"},
    [REF_CONTACTS] = {"contacts", person_key, {"SELECT t.id, t.name FROM contacts t WHERE t.deleted_at IS NULL AND %s",
                                               "SELECT t.id, t.email FROM contacts t WHERE t.deleted_at IS NULL AND %s"}, 0, 0, "email"},
    [REF_OPPS] = {"opportunities", text_key, {"SELECT t.id, t.name, t.account_id FROM opportunities t WHERE t.deleted_at IS NULL AND %s"}, 1, 0, "exact name"},
    [REF_PRODUCTS] = {"products", text_key, {"SELECT t.id, t.name, t.list_price, t.currency FROM products t WHERE t.deleted_at IS NULL AND %s",
                                             "SELECT t.id, t.sku, t.list_price, t.currency FROM products t WHERE t.deleted_at IS NULL AND %s"}, 1, 1, "SKU"},
    [REF_PIPELINES] = {"pipelines", text_key, {"SELECT t.id, t.name FROM pipelines t WHERE t.deleted_at IS NULL AND %s"}, 0, 0, "exact name"},
    [REF_TEAMS] = {"teams", text_key, {"SELECT t.id, t.name FROM teams t WHERE t.deleted_at IS NULL AND %s"}, 0, 0, "exact name"},
};

static int ref_kind(const char *entity) {
    for (int k = 0; k < NREFS; k++)
        if (!strcmp(kinds[k].entity, entity)) return k;
    return -1;
}

static lookup *refs(imp *im, int k, err *e) {
    if (im->refs[k]) return im->refs[k];
    crm_ctx *c = im->c;
    const record_def *d = record_find(kinds[k].entity);
    const char *scope = policy_scope_sql(c->p, d->access, d->name, "t", c->a);
    lookup *l = lookup_new(c->a, kinds[k].key);
    for (int q = 0; q < 2 && kinds[k].sql[q]; q++)
        if (lookup_load(l, c->db, arena_printf(c->a, kinds[k].sql[q], scope), kinds[k].nints, kinds[k].text, e)) return NULL;
    return im->refs[k] = l;
}

/* A pipeline's stages: x[0] position, x[1] probability, text the kind. */
static pipe_stages *stages_of(imp *im, int64_t pipeline, err *e) {
    for (int i = 0; i < im->npipes; i++)
        if (im->pipes[i].pipeline == pipeline) return &im->pipes[i];
    if (im->npipes == (int)(sizeof im->pipes / sizeof im->pipes[0])) { err_set(e, ERR_VALIDATION, "an import can use at most 8 pipelines"); return NULL; }
    pipe_stages *ps = &im->pipes[im->npipes];
    ps->pipeline = pipeline;
    ps->stages = lookup_new(im->c->a, text_key);
    const char *sql = arena_printf(im->c->a, "SELECT id, name, position, probability, kind FROM stages "
                                             "WHERE pipeline_id = %lld AND deleted_at IS NULL ORDER BY position", (long long)pipeline);
    if (lookup_load(ps->stages, im->c->db, sql, 2, 1, e)) return NULL;
    for (size_t i = 0; i < lookup_size(ps->stages) && !ps->first; i++) {
        const lookup_entry *en = lookup_at(ps->stages, i);
        if (en->text && !strcmp(en->text, "open")) ps->first = en;
    }
    im->npipes++;
    return ps;
}

static const char *names_of(imp *im, lookup *l) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < lookup_size(l) && i < 12; i++) buf_printf(&b, "%s%s", i ? ", " : "", lookup_at(l, i)->name);
    const char *s = arena_strdup(im->c->a, buf_str(&b));
    buf_free(&b);
    return s;
}

int imp_ref(imp *im, irec *rec, int ti, const char *value, rows_val *out, const lookup_entry **hit, err *e) {
    const target *tg = &im->ts->targets[ti];
    const field_def *f = target_field(im->ts, ti);
    const char *entity = tg->kind == TG_PRODUCT ? "products" : f->ref;
    const record_def *rd = record_find(entity);
    lookup *l;
    if (!strcmp(entity, "stages")) {
        int cp = imp_col(im, "pipeline_id");
        if (rec->v[cp].kind == RV_NULL && im->default_pipeline) rec->v[cp] = (rows_val){RV_INT, im->default_pipeline, NULL};
        if (rec->v[cp].kind == RV_NULL) return 0;   /* the pipeline is the problem; the rules say so */
        pipe_stages *ps = stages_of(im, rec->v[cp].i, e);
        if (!ps) return -1;
        l = ps->stages;
    } else if (!(l = refs(im, ref_kind(entity), e))) return -1;
    const lookup_entry *en = lookup_get(l, value);
    if (!en && im->infile && !strcmp(entity, im->d->name)) {
        /* the parent is another row of this file */
        const lookup_entry *row = lookup_get(im->infile, value);
        if (row && row->count == 1 && row->id - 1 != (int64_t)rec->row) {
            *out = (rows_val){RV_ROW, row->id - 1, NULL};
            return 0;
        }
    }
    if (en && en->count > 1)
        return imp_problem(im, rec, ti, value, "matches %d %ss: give the %s", en->count, rd->label, kinds[ref_kind(entity)].by);
    if (!en) {
        const lookup_entry *near = lookup_near(l, value);
        if (near && near->count == 1 && im->o->accept_suggestions) {
            imp_change(im, ti, value, near->name, CH_ACCEPTED);
            en = near;
        } else {
            if (near) imp_change(im, ti, value, near->name, CH_SUGGESTED);
            const char *hint = near ? arena_printf(im->c->a, " (did you mean '%s'?)", near->name)
                             : strcmp(entity, "stages") ? "" : arena_printf(im->c->a, " (the stages are: %s)", names_of(im, l));
            return imp_problem(im, rec, ti, value, "matches no %s%s%s", rd->label,
                               rd->access == ACCESS_CONFIG || rd->access == ACCESS_ADMIN ? "" : " that you can see", hint);
        }
    }
    if (f && !strcmp(f->name, "owner_id") && !policy_owner_allowed(im->c->p, en->id))
        return imp_problem(im, rec, ti, value, "is someone you cannot give records to");
    if (out) *out = (rows_val){RV_INT, en->id, NULL};
    if (hit) *hit = en;
    if (!strcmp(entity, "stages")) rec->stage = en;
    return 0;
}

/* ---- values in use, for near-miss categories ---- */

static const char *const industries[] = {
    "technology", "software", "hardware", "telecommunications", "internet", "retail", "wholesale", "finance", "banking",
    "insurance", "healthcare", "medical", "pharmaceuticals", "biotechnology", "entertainment", "media", "marketing",
    "advertising", "services", "employment", "consulting", "legal", "manufacturing", "automotive", "electronics",
    "education", "energy", "utilities", "government", "transportation", "logistics", "real estate", "construction",
    "agriculture", "hospitality", "food and beverage", "nonprofit", NULL};

int imp_vocab(imp *im, int ti, lookup **out, err *e) {
    if (!im->vocab[ti]) {
        crm_ctx *c = im->c;
        const char *f = im->ts->targets[ti].field;
        lookup *l = lookup_new(c->a, text_key);
        const char *sql = arena_printf(c->a, "SELECT DISTINCT 0, t.%s FROM %s t WHERE t.deleted_at IS NULL AND t.%s IS NOT NULL AND %s",
                                       f, im->d->name, f, policy_scope_sql(c->p, im->d->access, im->d->name, "t", c->a));
        if (lookup_load(l, c->db, sql, 0, 0, e)) return -1;
        for (int i = 0; !strcmp(f, "industry") && industries[i]; i++) lookup_add(l, industries[i], 0);
        im->vocab[ti] = l;
    }
    *out = im->vocab[ti];
    return 0;
}

/* ---- duplicates ---- */

/* A row is a duplicate of a record in the database (db, found by the caller)
 * or of an earlier row of the file with the same key. */
static void duplicate(imp *im, irec *rec, const char *tname, const char *value, const char *key, const lookup_entry *db) {
    int ti = target_find(im->ts, tname);
    if (db) {
        imp_problem(im, rec, ti, value, "is already in use (%s %lld): a second import of the same file?", im->d->label, (long long)db->id);
        return;
    }
    if (!key) return;
    const lookup_entry *seen = lookup_get_key(im->seen, key);
    if (seen) imp_problem(im, rec, ti, value, "is the same %s as in row %d", im->d->label, im->t->line[seen->id - 1]);
    else if (!rec->bad) lookup_add_key(im->seen, key, key, (int64_t)rec->row + 1);
}

static const char *text_of(const rows_val *v) { return v->kind == RV_TEXT ? v->s : NULL; }

/* Deals already in the database with a name that the file uses, keyed
 * name, account, owner: loaded in batches of names, not the whole book. */
static int load_existing_deals(imp *im, err *e) {
    crm_ctx *c = im->c;
    int tn = target_find(im->ts, "name"), col = im->m->col[tn];
    lookup *names = lookup_new(c->a, exact_key);
    for (size_t r = 0; r < im->t->nrows; r++) lookup_add(names, csvtable_cell(im->t, r, col), 0);
    const char *scope = policy_scope_sql(c->p, ACCESS_OWNED, "opportunities", "t", c->a);
    for (size_t at = 0; at < lookup_size(names); at += 500) {
        size_t n = lookup_size(names) - at < 500 ? lookup_size(names) - at : 500;
        buf sql = BUF_INIT;
        buf_printf(&sql, "SELECT t.id, t.name, t.account_id, t.owner_id FROM opportunities t WHERE t.deleted_at IS NULL AND %s AND t.name IN (", scope);
        for (size_t i = 0; i < n; i++) buf_puts(&sql, i ? ", ?" : "?");
        buf_putc(&sql, ')');
        store_stmt *st = store_prepare(c->db, buf_str(&sql), e);
        buf_free(&sql);
        if (!st) return -1;
        for (size_t i = 0; i < n; i++) store_bind_text(st, (int)i + 1, lookup_at(names, at + i)->name);
        int rc;
        while ((rc = store_step(st, e)) == STORE_ROW)
            lookup_add_key(im->existing, arena_printf(c->a, "%s\x1f%lld\x1f%lld", store_col_text(st, 1), (long long)store_col_int(st, 2),
                                                      (long long)store_col_int(st, 3)), store_col_text(st, 1), store_col_int(st, 0));
        store_reset(st);
        if (rc < 0) return -1;
    }
    return 0;
}

/* ---- each record type ---- */

static int opp_rules(imp *im, irec *rec, err *e) {
    rows_val *v = rec->v;
    const target_set *ts = im->ts;
    int cp = imp_col(im, "pipeline_id"), cs = imp_col(im, "stage_id"), cd = imp_col(im, "close_date"),
        ca = imp_col(im, "amount"), cl = imp_col(im, "lost_reason");
    if (v[cp].kind == RV_NULL) {
        if (im->default_pipeline) v[cp] = (rows_val){RV_INT, im->default_pipeline, NULL};
        else return imp_problem(im, rec, target_find(ts, "pipeline"), NULL, "is required: there is no default pipeline");
    }
    pipe_stages *ps = stages_of(im, v[cp].i, e);
    if (!ps) return -1;
    if (!rec->stage) {
        /* no stage given (or one that does not exist, which is a problem already): the first open one */
        if (!ps->first) return imp_problem(im, rec, target_find(ts, "stage"), NULL, "is required: the pipeline has no open stage");
        rec->stage = ps->first;
        v[cs] = (rows_val){RV_INT, ps->first->id, NULL};
    }
    const char *kind = rec->stage->text ? rec->stage->text : "open";
    int open = !strcmp(kind, "open");
    int tst = target_find(ts, "stage"), tcl = target_find(ts, "closed");
    if ((!open || (ps->first && rec->stage->x[0] > ps->first->x[0])) && !policy_can_override(im->c->p))
        imp_problem(im, rec, tst, rec->stage->name, "is past the first stage: only a manager or an admin can bring in such deals");
    rec->entry = open ? rec->stage : ps->first;
    if (!rec->entry) return imp_problem(im, rec, tst, NULL, "the pipeline has no open stage for a closed deal to start in");
    if (!open) {
        if (!rec->closed && v[cd].kind == RV_TEXT) rec->closed = time_date_to_ms(v[cd].s) + NOON;
        if (!rec->closed) return imp_problem(im, rec, tcl, NULL, "a won or lost deal needs a close date: map close_date or closed");
        if (v[cd].kind == RV_NULL) {
            char day[11];
            time_date_of_ms(rec->closed, day);
            v[cd] = (rows_val){RV_TEXT, 0, arena_strdup(im->c->a, day)};
        }
        if (!rec->created) rec->created = rec->closed;   /* no start date: as far as we know, opened and closed that day */
    } else if (rec->closed) imp_problem(im, rec, tcl, imp_cell(im, rec, tcl), "is for won or lost deals; this one is open");
    if (!rec->created) rec->created = im->now;
    if (rec->closed && rec->closed < rec->created) {
        char day[11];
        time_date_of_ms(rec->created, day);
        imp_problem(im, rec, tcl >= 0 && im->m->col[tcl] >= 0 ? tcl : target_find(ts, "close_date"), NULL,
                    "the deal closes before it was created (%s)", day);
    }
    if (v[cl].kind != RV_NULL && strcmp(kind, "lost"))
        imp_problem(im, rec, target_find(ts, "lost_reason"), v[cl].s, "is only for lost deals");
    /* the product becomes a line item, and the deal's amount its total */
    int tpr = target_find(ts, "product"), tq = target_find(ts, "quantity"), tam = target_find(ts, "amount");
    if (rec->product) {
        int64_t q = rec->quantity ? rec->quantity : 1, total;
        if (v[ca].kind == RV_INT) {
            if (v[ca].i % q) return imp_problem(im, rec, tam, imp_cell(im, rec, tam), "is not the quantity times a unit price");
            rec->unit_price = v[ca].i / q;
        } else if (rec->product->text && strcmp(rec->product->text, rec->currency))
            return imp_problem(im, rec, tpr, rec->product->name, "is priced in %s: give the amount in %s", rec->product->text, rec->currency);
        else rec->unit_price = rec->product->x[0];
        rec->quantity = q;
        if (line_total(q, rec->unit_price, 0, &total)) return imp_problem(im, rec, tq, NULL, "times the unit price is too large");
        v[ca] = (rows_val){RV_INT, total, NULL};
    } else if (rec->quantity) imp_problem(im, rec, tq, imp_cell(im, rec, tq), "needs a product");
    if (v[ca].kind == RV_NULL) v[ca] = (rows_val){RV_INT, 0, NULL};
    v[imp_col(im, "amount_from_items")] = (rows_val){RV_INT, rec->product ? 1 : 0, NULL};
    v[imp_col(im, "stage_entered_at")] = (rows_val){RV_INT, rec->closed ? rec->closed : rec->created, NULL};
    v[imp_col(im, "closed_at")] = rec->closed ? (rows_val){RV_INT, rec->closed, NULL} : (rows_val){RV_NULL, 0, NULL};
    const char *name = text_of(&v[imp_col(im, "name")]);
    const char *key = name ? arena_printf(im->c->a, "%s\x1f%lld\x1f%lld", name, (long long)v[imp_col(im, "account_id")].i,
                                          (long long)v[imp_col(im, "owner_id")].i) : NULL;
    duplicate(im, rec, "name", name, key, key ? lookup_get_key(im->existing, key) : NULL);
    return 0;
}

/* An activity belongs to something; one on a deal is filed under the deal's
 * account too when the caller sees it (as activity_check does). */
static int activity_rules(imp *im, irec *rec, err *e) {
    rows_val *v = rec->v;
    int co = imp_col(im, "opportunity_id"), ca = imp_col(im, "account_id"), cc = imp_col(im, "contact_id");
    if (v[co].kind == RV_NULL && v[ca].kind == RV_NULL && v[cc].kind == RV_NULL) {
        if (!rec->bad)
            imp_problem(im, rec, target_find(im->ts, "opportunity"), NULL,
                        "an activity belongs to an opportunity, an account or a contact: map one of them");
        return 0;
    }
    if (v[co].kind != RV_INT || v[ca].kind != RV_NULL) return 0;
    int64_t acc = 0;
    if (store_scalar_int(im->c->db, "SELECT account_id FROM opportunities WHERE id = ?", &acc, e, "i", v[co].i) < 0) return -1;
    int vis = acc ? record_visible(im->c, "accounts", acc, e) : 0;
    if (vis < 0) return -1;
    if (vis) v[ca] = (rows_val){RV_INT, acc, NULL};
    return 0;
}

/* What lead intake would refuse, found before anything is written. A lead
 * matching a record (or an earlier row) is not a problem: intake files it as
 * a duplicate under that record's owner. */
static int lead_rules(imp *im, irec *rec) {
    rows_val *v = rec->v;
    int ce = imp_col(im, "email"), cp = imp_col(im, "phone");
    int te = target_find(im->ts, "email"), tp = target_find(im->ts, "phone");
    if (v[ce].kind == RV_NULL && v[cp].kind == RV_NULL) {
        /* a cell that was given but unreadable is a problem already */
        if (!imp_cell(im, rec, te) && !imp_cell(im, rec, tp))
            imp_problem(im, rec, im->m->col[te] >= 0 || im->m->col[tp] < 0 ? te : tp, NULL, "an email address or a phone number is required");
        return 0;
    }
    if (v[cp].kind == RV_TEXT && !text_phone_key(im->c->a, v[cp].s)) imp_problem(im, rec, tp, v[cp].s, "must have at least 6 digits");
    return 0;
}

int imp_rules(imp *im, irec *rec, err *e) {
    rows_val *v = rec->v;
    const record_def *d = im->d;
    arena *a = im->c->a;
    int co = imp_col(im, "owner_id"), cc = imp_col(im, "currency");
    if (!rec->created && d != &def_opportunities) rec->created = im->now;   /* deals: from their dates (opp_rules) */
    if (d == &def_leads) return lead_rules(im, rec);   /* no owner: the assignment rules choose */
    if (co >= 0 && v[co].kind == RV_NULL) v[co] = (rows_val){RV_INT, im->c->p->user_id, NULL};   /* as default_owner does */
    if (cc >= 0 && v[cc].kind == RV_NULL) v[cc] = (rows_val){RV_TEXT, 0, rec->currency};
    if (d == &def_opportunities) return opp_rules(im, rec, e);
    if (d == &def_activities) return activity_rules(im, rec, e);
    const char *name = text_of(&v[imp_col(im, "name")]), *email = NULL, *key = NULL;
    if (d == &def_accounts && name && (key = text_company_key(a, name)))
        duplicate(im, rec, "name", name, key, lookup_get_key(im->refs[REF_ACCOUNTS], key));
    else if (d == &def_teams && name && (key = text_key(a, name)))
        duplicate(im, rec, "name", name, key, lookup_get_key(im->refs[REF_TEAMS], key));
    else if (d == &def_products && (name = text_of(&v[imp_col(im, "sku")])))
        duplicate(im, rec, "sku", name, name, lookup_get_key(im->existing, name));
    else if ((d == &def_users || d == &def_contacts) && (email = text_of(&v[imp_col(im, "email")])) && (key = text_email_key(a, email)))
        duplicate(im, rec, "email", email, key, lookup_get_key(d == &def_users ? im->existing : im->refs[REF_CONTACTS], key));
    return 0;
}

/* ---- before the rows ---- */

int imp_prepare(imp *im, err *e) {
    crm_ctx *c = im->c;
    const record_def *d = im->d;
    if (!policy_can_change_kind(c->p, d->access)) return err_set(e, ERR_FORBIDDEN, "your role cannot create %ss", d->label);
    im->currency = im->o->currency ? im->o->currency : crm_default_currency;
    if (!money_currency(im->currency)) return err_field_add(e, "currency", "must be an ISO 4217 currency code such as CNY, USD, EUR");
    im->seen = lookup_new(c->a, exact_key);
    im->existing = lookup_new(c->a, d == &def_users ? text_email_key : exact_key);
    if (d == &def_opportunities) {
        if (store_scalar_int(c->db, "SELECT id FROM pipelines WHERE is_default = 1 AND deleted_at IS NULL ORDER BY id LIMIT 1",
                             &im->default_pipeline, e, "") < 0 || load_existing_deals(im, e))
            return -1;
    }
    /* every row's key must be looked up against the database for duplicates */
    if ((d == &def_accounts && !refs(im, REF_ACCOUNTS, e)) || (d == &def_teams && !refs(im, REF_TEAMS, e)) ||
        (d == &def_contacts && !refs(im, REF_CONTACTS, e)))
        return -1;
    if (d == &def_products && lookup_load(im->existing, c->db, "SELECT id, sku FROM products", 0, 0, e)) return -1;
    if (d == &def_users && lookup_load(im->existing, c->db, "SELECT id, email FROM users", 0, 0, e)) return -1;
    if (d == &def_accounts || d == &def_teams) {
        /* a parent may be a row further down the file */
        int col = im->m->col[target_find(im->ts, "name")];
        im->infile = lookup_new(c->a, d == &def_accounts ? text_company_key : text_key);
        for (size_t r = 0; r < im->t->nrows; r++) lookup_add(im->infile, csvtable_cell(im->t, r, col), (int64_t)r + 1);
    }
    return 0;
}

/* ---- after the rows: parents within the file ---- */

static int64_t row_parent(const imp *im, const irec *rec) {
    for (int k = 0; rec->v && k < im->ncols; k++)
        if (rec->v[k].kind == RV_ROW) return rec->v[k].i;
    return -1;
}

void imp_link(imp *im) {
    size_t n = im->t->nrows;
    int changed = 1;
    for (int pass = 0; pass < 64 && changed; pass++) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            irec *rec = &im->recs[i];
            int64_t p = row_parent(im, rec);
            if (rec->bad || p < 0) continue;
            if (im->recs[p].bad) {
                imp_problem(im, rec, target_find(im->ts, "parent"), NULL, "its parent (row %d) is not imported", im->t->line[p]);
                changed = 1;
            } else if (rec->depth != im->recs[p].depth + 1) {
                rec->depth = im->recs[p].depth + 1;
                changed = 1;
            }
        }
    }
    /* still changing after 64 rounds: the parents go round in a loop (or nest absurdly deep) */
    for (size_t i = 0; changed && i < n; i++)
        if (!im->recs[i].bad && im->recs[i].depth >= 60)
            imp_problem(im, &im->recs[i], target_find(im->ts, "parent"), NULL, "its parent rows lead back to it");
}
