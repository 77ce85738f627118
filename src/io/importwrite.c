/* importwrite.c: the write transaction of an import. Every good row becomes
 * one record (parents before children), then the rows that hang off the
 * records: an audit entry each, and for deals their stage history and line
 * item. Leads go one by one through lead intake instead (duplicates and
 * assignment rules), in the same single transaction. Either all of it
 * commits or none of it does. */
#include "importer.h"
#include <stdlib.h>
#include <string.h>
#include "../crm/entities.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "../crm/leads.h"

static const char *const hist_cols[] = {"opportunity_id", "from_stage_id", "to_stage_id", "changed_at", "changed_by",
                                        "amount", "currency", "close_date", "probability"};
static const char *const item_cols[] = {"opportunity_id", "product_id", "quantity", "unit_price", "discount_bp", "total",
                                        "created_at", "updated_at"};
static const char *const audit_cols[] = {"entity", "record_id", "action", "field", "old_value", "new_value", "actor_id", "at"};
#define N(a) ((int)(sizeof a / sizeof a[0]))
#define INT(x) ((rows_val){RV_INT, (x), NULL})
#define TEXT(x) ((rows_val){RV_TEXT, 0, (x)})
#define NUL ((rows_val){RV_NULL, 0, NULL})

/* A deal's history as its dates tell it: it entered the pipeline when it was
 * created; a closed deal moved to won or lost when it closed. */
static int deal_history(imp *im, rows *w, const irec *rec, err *e) {
    const rows_val *v = rec->v;
    rows_val amount = v[imp_col(im, "amount")], cur = v[imp_col(im, "currency")], close = v[imp_col(im, "close_date")];
    int64_t by = im->c->p->user_id;
    rows_val first[] = {INT(rec->id), NUL, INT(rec->entry->id), INT(rec->created), INT(by), amount, cur, close, INT(rec->entry->x[1])};
    if (rows_add(w, first, e)) return -1;
    if (!rec->closed) return 0;
    rows_val last[] = {INT(rec->id), INT(rec->entry->id), INT(rec->stage->id), INT(rec->closed), INT(by), amount, cur, close,
                       INT(rec->stage->x[1])};
    return rows_add(w, last, e);
}

static int deal_item(imp *im, rows *w, const irec *rec, err *e) {
    if (!rec->product) return 0;
    int64_t total = rec->v[imp_col(im, "amount")].i;
    rows_val item[] = {INT(rec->id), INT(rec->product->id), INT(rec->quantity), INT(rec->unit_price), INT(0), INT(total),
                       INT(rec->created), INT(im->now)};
    return rows_add(w, item, e);
}

static int audit_row(imp *im, rows *w, const irec *rec, err *e) {
    const char *from = im->o->job ? arena_printf(im->c->a, "import #%lld: %s, row %d", (long long)im->o->job,
                                                 im->o->source ? im->o->source : "file", im->t->line[rec->row])
                                  : arena_printf(im->c->a, "import: %s, row %d", im->o->source ? im->o->source : "file",
                                                 im->t->line[rec->row]);
    rows_val a[] = {TEXT(im->d->name), INT(rec->id), TEXT("create"), NUL, NUL, TEXT(from), INT(im->c->p->user_id), INT(im->now)};
    return rows_add(w, a, e);
}

/* Each lead through intake, in file order: a later row sees the earlier ones
 * as duplicates and continues their rotation. r->outcome counts what became
 * of them, and whose they became. */
static int write_leads(imp *im, const size_t *order, size_t n, err *e) {
    json_t *counts = json_pack("{s:i, s:i, s:i}", "assigned", 0, "duplicate", 0, "unassigned", 0), *owners = json_object();
    int dated = im->m->col[target_find(im->ts, "created")] >= 0, rc = 0;
    lead_batch *batch = lead_batch_new();
    for (size_t k = 0; k < n && !rc; k++) {
        irec *rec = &im->recs[order[k]];
        json_t *in = json_object(), *out = NULL;
        for (int c = 3; c < im->ncols; c++) {
            const rows_val *v = &rec->v[c];
            if (v->kind == RV_INT) json_object_set_new(in, im->cols[c], json_integer(v->i));
            else if (v->kind == RV_TEXT) json_object_set_new(in, im->cols[c], json_string(v->s));
        }
        rc = lead_intake_in(im->c, batch, in, "import", &out, e);
        json_decref(in);
        if (rc) {
            /* the checks before the write should have found it: say which row */
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "row %d: %.200s", im->t->line[rec->row], e->msg);
            memcpy(e->msg, msg, sizeof msg);
            break;
        }
        rec->id = json_integer_value(json_object_get(out, "id"));
        const char *status = json_string_value(json_object_get(out, "status"));
        const char *bucket = !strcmp(status, "duplicate") ? "duplicate" : !strcmp(status, "assigned") ? "assigned" : "unassigned";
        json_object_set_new(counts, bucket, json_integer(json_integer_value(json_object_get(counts, bucket)) + 1));
        const char *owner = json_string_value(json_object_get(out, "owner_name"));
        if (owner) json_object_set_new(owners, owner, json_integer(json_integer_value(json_object_get(owners, owner)) + 1));
        json_decref(out);
        if (dated) rc = store_run(im->c->db, "UPDATE leads SET created_at = ? WHERE id = ?", e, "ii", rec->created, rec->id);
        if (im->o->progress && (k + 1) % 100 == 0) im->o->progress(im->o->progress_arg, "writing", k + 1, n);
    }
    lead_batch_free(batch);
    rows *audit = rows_begin(im->c->db, "audit_log", audit_cols, N(audit_cols));
    for (size_t k = 0; k < n && !rc; k++) rc = audit_row(im, audit, &im->recs[order[k]], e);
    rc |= rows_end(audit, e) != 0;
    json_t *by_owner = json_array();
    const char *name;
    json_t *count;
    json_object_foreach(owners, name, count) json_array_append_new(by_owner, json_pack("{s:s, s:O}", "owner", name, "leads", count));
    json_object_set_new(counts, "by_owner", by_owner);
    json_decref(owners);
    json_decref(im->r->outcome);
    im->r->outcome = counts;
    return rc ? -1 : 0;
}

/* Good rows, parents (smaller depth) first, file order within a depth. */
static size_t write_order(const imp *im, size_t *order) {
    size_t k = 0;
    for (int depth = 0; depth < 64; depth++) {
        int any = 0;
        for (size_t i = 0; i < im->t->nrows; i++) {
            if (im->recs[i].bad || im->recs[i].depth < depth) continue;
            any = 1;
            if (im->recs[i].depth == depth) order[k++] = i;
        }
        if (!any) break;
    }
    return k;
}

static int write_rows(imp *im, const size_t *order, size_t n, err *e) {
    int opps = im->d == &def_opportunities;
    rows *main = rows_begin(im->c->db, im->d->name, im->cols, im->ncols);
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        irec *rec = &im->recs[order[k]];
        rec->v[0] = INT(rec->id);
        rec->v[1] = INT(rec->created);
        rec->v[2] = INT(im->now);
        for (int c = 3; c < im->ncols; c++)
            if (rec->v[c].kind == RV_ROW) rec->v[c] = INT(im->recs[rec->v[c].i].id);
        rc = rows_add(main, rec->v, e);
    }
    if (rows_end(main, e) || rc) return -1;
    /* what refers to the records goes in once they are all there */
    rows *audit = rows_begin(im->c->db, "audit_log", audit_cols, N(audit_cols));
    rows *hist = opps ? rows_begin(im->c->db, "stage_history", hist_cols, N(hist_cols)) : NULL;
    rows *items = opps ? rows_begin(im->c->db, "line_items", item_cols, N(item_cols)) : NULL;
    for (size_t k = 0; k < n && !rc; k++) {
        const irec *rec = &im->recs[order[k]];
        rc = audit_row(im, audit, rec, e) || (opps && (deal_history(im, hist, rec, e) || deal_item(im, items, rec, e)));
    }
    rc |= rows_end(audit, e) != 0;
    if (hist) rc |= rows_end(hist, e) != 0;
    if (items) rc |= rows_end(items, e) != 0;
    return rc ? -1 : 0;
}

int imp_write(imp *im, err *e) {
    crm_ctx *c = im->c;
    size_t n = im->t->nrows;
    size_t *order = malloc(sizeof *order * (n ? n : 1));
    int64_t *ids = malloc(sizeof *ids * (n ? n : 1));
    if (!order || !ids) abort();
    size_t good = write_order(im, order);
    int rc = -1;
    /* SQLite's default page cache (2 MB) spills a large import's pages to the WAL
     * and reads them back many times over; give this write room (memory is
     * taken only as pages are used) and the default back afterwards */
    int lite = store_kind(c->db) == STORE_SQLITE;
    if (lite && store_exec(c->db, "PRAGMA cache_size = -262144", e)) goto done;
    if (store_begin(c->db, 1, e)) goto done;
    /* stamp updated_at as late as possible: readers that catch up by updated_at
     * (the analytics snapshot) re-read a window before their last look */
    im->now = time_now_ms();
    if (im->d == &def_leads) {
        if (write_leads(im, order, good, e)) goto rollback;
    } else {
        if (rows_reserve_ids(c->db, im->d->name, good, ids, e)) goto rollback;
        for (size_t i = 0, k = 0; i < n; i++)
            if (!im->recs[i].bad) im->recs[i].id = ids[k++];
        if (write_rows(im, order, good, e)) goto rollback;
    }
    rc = store_commit(c->db, e);
    /* the duplicate checks of lead intake compare keys that SQL cannot compute: fill them for the new rows
     * (the import is in either way; a failure here is repaired at the next start) */
    err scratch = {0};
    if (!rc && (im->d == &def_accounts || im->d == &def_contacts) && leads_backfill_keys(c->db, &scratch))
        log_error("import: comparison keys of the new %s: %s", im->d->name, scratch.msg);
    goto done;
rollback:
    store_rollback(c->db);
done:
    if (lite) store_exec(c->db, "PRAGMA cache_size = -2000", NULL);
    free(order);
    free(ids);
    if (rc) {
        im->r->imported = 0;
        json_decref(im->r->outcome);
        im->r->outcome = NULL;
    }
    return rc;
}
