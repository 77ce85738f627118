/* importjob.c: import jobs in the imports table, and their runs (see importjob.h). */
#include "importjob.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include "../auth/auth.h"
#include "../core/log.h"
#include "../core/timeutil.h"
#include "import.h"
#include "xlsx.h"

#define SAMPLE_ROWS 5

static int running;   /* runs in this process */

/* Rows written so far by the runs in this process. A run writes in one
 * transaction on its own connection, so its job's row cannot show that before
 * the commit; a GET of the job in this process reads it from here. */
static struct { int64_t id; size_t done; } writes[IMPORTJOB_RUNNING];
static pthread_mutex_t writes_lock = PTHREAD_MUTEX_INITIALIZER;

static void writes_set(int64_t id, size_t done) {
    pthread_mutex_lock(&writes_lock);
    int slot = -1;
    for (int i = 0; i < IMPORTJOB_RUNNING && slot < 0; i++)
        if (writes[i].id == id) slot = i;
    for (int i = 0; i < IMPORTJOB_RUNNING && slot < 0; i++)
        if (!writes[i].id) slot = i;
    if (slot >= 0) writes[slot].id = id, writes[slot].done = done;
    pthread_mutex_unlock(&writes_lock);
}

static void writes_clear(int64_t id) {
    pthread_mutex_lock(&writes_lock);
    for (int i = 0; i < IMPORTJOB_RUNNING; i++)
        if (writes[i].id == id) writes[i].id = 0;
    pthread_mutex_unlock(&writes_lock);
}

static int writes_get(int64_t id, size_t *done) {
    int found = 0;
    pthread_mutex_lock(&writes_lock);
    for (int i = 0; i < IMPORTJOB_RUNNING; i++)
        if (writes[i].id == id) *done = writes[i].done, found = 1;
    pthread_mutex_unlock(&writes_lock);
    return found;
}

typedef struct job {
    int64_t id, user, heartbeat;
    const char *entity, *filename, *status, *mapping, *options, *data;
} job;

static int is_admin(const crm_ctx *c) { return policy_is_admin(c->p); }

/* A run whose process stopped never committed: show it as failed. A long
 * write beats no heartbeat (it is one transaction), but this process knows
 * its own runs are alive. */
static const char *effective_status(int64_t id, const char *status, int64_t heartbeat) {
    size_t written;
    if (strcmp(status, "running") || heartbeat >= time_now_ms() - IMPORTJOB_STALE_MS || writes_get(id, &written)) return status;
    return "failed";
}

static const char *col_str(arena *a, store_stmt *st, int col) {
    return store_col_null(st, col) ? NULL : arena_strdup(a, store_col_text(st, col));
}

static int load_job(crm_ctx *c, int64_t id, job *j, err *e) {
    store_stmt *st = store_prepare(c->db, "SELECT id, user_id, entity, filename, status, mapping, options, data, heartbeat_at "
                                          "FROM imports WHERE id = ? AND (? = 1 OR user_id = ?)", e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, is_admin(c));
    store_bind_int(st, 3, c->p->user_id);
    int rc = store_step(st, e);
    if (rc == STORE_ROW) {
        *j = (job){store_col_int(st, 0), store_col_int(st, 1), store_col_null(st, 8) ? 0 : store_col_int(st, 8),
                   col_str(c->a, st, 2), col_str(c->a, st, 3), col_str(c->a, st, 4), col_str(c->a, st, 5),
                   col_str(c->a, st, 6), col_str(c->a, st, 7)};
        j->status = effective_status(j->id, j->status, j->heartbeat);
    }
    store_reset(st);
    if (rc < 0) return -1;
    return rc == STORE_ROW ? 0 : err_set(e, ERR_NOT_FOUND, "no import with id %lld", (long long)id);
}

/* ---- reading a job back ---- */

static json_t *json_col(store_stmt *st, int col) {
    return store_col_null(st, col) ? json_null() : json_loads(store_col_text(st, col), 0, NULL);
}

static json_t *time_col(store_stmt *st, int col) {
    char ts[32];
    if (store_col_null(st, col)) return json_null();
    time_format_ms(store_col_int(st, col), ts);
    return json_string(ts);
}

#define JOB_COLS "id, entity, filename, encoding, status, phase, mapping, options, preview, result, error, rows_total, " \
                 "rows_done, rows_imported, rows_bad, heartbeat_at, created_at, finished_at, CASE WHEN report IS NULL THEN 0 ELSE 1 END"

static json_t *job_json(store_stmt *st, int full) {
    int64_t id = store_col_int(st, 0);
    const char *status = effective_status(id, store_col_text(st, 4), store_col_null(st, 15) ? 0 : store_col_int(st, 15));
    int stale = strcmp(status, store_col_text(st, 4)) != 0;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "id", (json_int_t)id,
        "entity", store_col_text(st, 1), "filename", store_col_text(st, 2), "encoding", store_col_text(st, 3),
        "status", status, "phase", stale || store_col_null(st, 5) ? json_null() : json_string(store_col_text(st, 5)),
        "rows_total", (json_int_t)store_col_int(st, 11), "rows_done", (json_int_t)store_col_int(st, 12),
        "rows_imported", (json_int_t)store_col_int(st, 13), "rows_bad", (json_int_t)store_col_int(st, 14),
        "error", stale ? json_string("the server running this import stopped before it finished; nothing was written: run it again")
                       : store_col_null(st, 10) ? json_null() : json_string(store_col_text(st, 10)),
        "created_at", time_col(st, 16), "finished_at", time_col(st, 17));
    if (!full) return o;
    json_t *preview = json_col(st, 8), *result = json_col(st, 9);
    const target_set *ts = target_set_for(store_col_text(st, 1));
    json_object_set_new(o, "mapping", json_col(st, 6));
    json_object_set_new(o, "options", json_col(st, 7));
    json_object_set_new(o, "targets", ts ? target_list_json(ts) : json_array());
    json_object_set(o, "columns", json_object_get(preview, "columns"));
    json_object_set(o, "sample", json_object_get(preview, "sample"));
    const char *parts[] = {"problems", "changes", "unmapped"};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(result, parts[i]);
        json_object_set_new(o, parts[i], v ? json_incref(v) : json_array());
    }
    json_t *merrs = json_object_get(result, "mapping_errors"), *outcome = json_object_get(result, "outcome");
    json_object_set_new(o, "mapping_errors", merrs ? json_incref(merrs) : json_array());
    if (json_is_object(outcome)) json_object_set(o, "outcome", outcome);   /* leads: what became of them */
    json_object_set_new(o, "report", store_col_int(st, 18) ? json_sprintf("/api/v1/imports/%lld/report.csv", (long long)id) : json_null());
    json_decref(preview);
    json_decref(result);
    return o;
}

int importjob_get(crm_ctx *c, int64_t id, json_t **out, err *e) {
    store_stmt *st = store_prepare(c->db, "SELECT " JOB_COLS " FROM imports WHERE id = ? AND (? = 1 OR user_id = ?)", e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, is_admin(c));
    store_bind_int(st, 3, c->p->user_id);
    int rc = store_step(st, e);
    if (rc == STORE_ROW) *out = job_json(st, 1);
    store_reset(st);
    if (rc < 0) return -1;
    size_t written;
    if (rc == STORE_ROW && !strcmp(json_string_value(json_object_get(*out, "status")), "running") && writes_get(id, &written))
        json_object_set_new(*out, "rows_done", json_integer((json_int_t)written));
    return rc == STORE_ROW ? 0 : err_set(e, ERR_NOT_FOUND, "no import with id %lld", (long long)id);
}

int importjob_list(crm_ctx *c, json_t **out, err *e) {
    store_stmt *st = store_prepare(c->db, "SELECT " JOB_COLS " FROM imports WHERE (? = 1 OR user_id = ?) ORDER BY id DESC LIMIT 50", e);
    if (!st) return -1;
    store_bind_int(st, 1, is_admin(c));
    store_bind_int(st, 2, c->p->user_id);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) json_array_append_new(items, job_json(st, 0));
    store_reset(st);
    if (rc < 0) { json_decref(items); return -1; }
    *out = json_pack("{s:o}", "items", items);
    return 0;
}

/* ---- checking ---- */

static char *dumps(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY); }

static json_t *result_json(const import_result *r, const err *mapping) {
    json_t *merrs = json_array();
    for (int i = 0; mapping && i < mapping->nfields; i++)
        json_array_append_new(merrs, json_pack("{s:s, s:s}", "field", mapping->fields[i].name, "reason", mapping->fields[i].reason));
    return json_pack("{s:O, s:O, s:O, s:o, s:O?}", "problems", r->problems, "changes", r->changes, "unmapped", r->unmapped,
                     "mapping_errors", merrs, "outcome", r->outcome);
}

/* What went wrong, in one line for the job's error. */
static const char *err_line(arena *a, const err *e) {
    if (e->cls == ERR_INTERNAL) return "internal error; it has been logged";
    if (!e->nfields) return arena_strdup(a, e->msg);
    return arena_printf(a, "%s %s", e->fields[0].name, e->fields[0].reason);
}

/* Check every row with this mapping and these options and keep what was
 * found. A mapping that leaves a required target out is kept as it is (the
 * user is still choosing) with mapping_errors saying what is missing. */
static int check_and_store(crm_ctx *c, int64_t id, const target_set *ts, const csvtable *t, const target_map *m,
                           import_options *o, err *e) {
    import_result r;
    import_result_init(&r);
    o->dry_run = 1;
    err incomplete = {0};
    int rc = import_run(c, ts, t, m, o, &r, e);
    if (rc && e->cls == ERR_VALIDATION && e->nfields) {
        incomplete = *e;
        memset(e, 0, sizeof *e);
        rc = 0;
    }
    if (!rc) {
        json_t *mj = target_map_json(ts, t, m), *oj = import_options_json(o), *res = result_json(&r, &incomplete);
        char *ms = dumps(mj), *os = dumps(oj), *rs = dumps(res);
        rc = store_run(c->db, "UPDATE imports SET mapping = ?, options = ?, result = ?, report = ?, rows_bad = ?, status = 'ready', "
                              "error = NULL, updated_at = ? WHERE id = ?", e, "ssssiii", ms, os, rs, r.report.len ? buf_str(&r.report) : NULL,
                       (int64_t)r.bad, time_now_ms(), id);
        free(ms), free(os), free(rs);
        json_decref(mj), json_decref(oj), json_decref(res);
    }
    import_result_free(&r);
    return rc;
}

/* The name to show for an uploaded file: no directories, no control characters, at most 200 bytes. */
static const char *clean_filename(arena *a, const char *name) {
    if (!name || !*name || u8_check((const uint8_t *)name, strlen(name))) return "upload.csv";
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    char *s = arena_strndup(a, base, strlen(base) > 200 ? 200 : strlen(base));
    size_t n = strlen(s);
    while (n && ((unsigned char)s[n - 1] & 0xC0) == 0x80) n--;   /* never cut a character in half */
    if (n && (unsigned char)s[n - 1] >= 0xC0 && u8_check((const uint8_t *)s, strlen(s))) n--;
    s[n] = 0;
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20) *p = '_';
    return *s ? s : "upload.csv";
}

static json_t *preview_json(const csvtable *t) {
    json_t *cols = json_array(), *sample = json_array();
    for (int c = 0; c < t->ncols; c++) json_array_append_new(cols, json_string(t->header[c]));
    for (size_t r = 0; r < t->nrows && r < SAMPLE_ROWS; r++) {
        json_t *row = json_array();
        for (int c = 0; c < t->ncols; c++) {
            const char *v = csvtable_cell(t, r, c);
            json_array_append_new(row, v ? json_string(v) : json_null());
        }
        json_array_append_new(sample, row);
    }
    return json_pack("{s:o, s:o}", "columns", cols, "sample", sample);
}

static const target_set *importable(crm_ctx *c, const char *entity, err *e) {
    const target_set *ts = target_set_for(entity);
    if (!ts) { err_field_add(e, "entity", "must be one of: %s", target_entities()); e->cls = ERR_BAD_REQUEST; return NULL; }
    if (!policy_can_change_kind(c->p, ts->def->access)) { err_set(e, ERR_FORBIDDEN, "your role cannot create %ss", ts->def->label); return NULL; }
    return ts;
}

int importjob_create(crm_ctx *c, const char *entity, const char *filename, const char *encoding, const char *body,
                     size_t len, json_t **out, err *e) {
    const target_set *ts = importable(c, entity, e);
    if (!ts) return -1;
    if (len > IMPORTJOB_MAX_BYTES) return err_set(e, ERR_TOO_LARGE, "the file is over %u MiB: split it", IMPORTJOB_MAX_BYTES >> 20);
    char *text;
    size_t n;
    const char *used = "xlsx";
    csvtable t;
    /* a workbook is kept as the CSV text of its first sheet, and read again as any CSV upload */
    if ((xlsx_detect(body, len) ? xlsx_to_csv(c->a, body, len, IMPORTJOB_MAX_ROWS, &text, &n, e)
                                : csvtable_decode(c->a, body, len, encoding, &text, &n, &used, e)) ||
        csvtable_parse(c->a, text, n, IMPORTJOB_MAX_ROWS, &t, e))
        return -1;
    target_map m;
    target_suggest(c->a, ts, &t, &m);
    json_t *preview = preview_json(&t), *mj = target_map_json(ts, &t, &m);
    char *ps = dumps(preview), *ms = dumps(mj);
    int64_t now = time_now_ms(), id = 0;
    int rc = store_scalar_int(c->db, "INSERT INTO imports (user_id, entity, filename, encoding, status, mapping, options, data, preview, "
                                     "rows_total, created_at, updated_at) VALUES (?, ?, ?, ?, 'ready', ?, '{}', ?, ?, ?, ?, ?) RETURNING id",
                              &id, e, "issssssiii", c->p->user_id, ts->def->name, clean_filename(c->a, filename), used, ms, text, ps,
                              (int64_t)t.nrows, now, now);
    free(ps), free(ms);
    json_decref(preview), json_decref(mj);
    if (rc < 0) return -1;
    import_options o = {0};
    if (check_and_store(c, id, ts, &t, &m, &o, e)) return -1;
    return importjob_get(c, id, out, e);
}

/* Mapping and options of a job, each from in when given, else as stored. */
static int settings(crm_ctx *c, const job *j, const target_set *ts, const csvtable *t, const json_t *in, target_map *m,
                    import_options *o, json_t **opts, err *e) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)in, k, v)
        if (strcmp(k, "mapping") && strcmp(k, "options")) err_field_add(e, k, "is not a setting of an import (mapping, options)");
    if (e->cls) return -1;
    /* the targets given replace those stored, one by one (null: no column) */
    json_t *mapping = json_loads(j->mapping, 0, NULL), *jm = json_object_get(in, "mapping");
    if (!json_is_object(mapping)) { json_decref(mapping); mapping = json_object(); }
    if (jm && !json_is_object(jm)) err_field_add(e, "mapping", "must be an object of target: column name");
    else json_object_update(mapping, jm);
    int rc = e->cls ? -1 : target_map_from_json(ts, t, mapping, m, e);
    json_decref(mapping);
    *opts = json_loads(j->options, 0, NULL);
    if (!json_is_object(*opts)) { json_decref(*opts); *opts = json_object(); }
    json_t *jo = json_object_get(in, "options");
    if (jo && !json_is_object(jo)) return err_field_add(e, "options", "must be an object");
    json_object_update(*opts, jo);   /* the options given replace those stored, one by one */
    return rc || import_options_from_json(*opts, o, e) ? -1 : 0;
}

static int parse_job(crm_ctx *c, const job *j, const target_set **ts, csvtable *t, err *e) {
    if (!j->data) return err_set(e, ERR_CONFLICT, "this import is done: its file is no longer kept");
    if (!(*ts = importable(c, j->entity, e))) return -1;
    if (csvtable_parse(c->a, j->data, strlen(j->data), IMPORTJOB_MAX_ROWS, t, e)) return -1;
    t->encoding = "utf-8";
    return 0;
}

int importjob_update(crm_ctx *c, int64_t id, const json_t *in, json_t **out, err *e) {
    job j;
    const target_set *ts;
    csvtable t;
    target_map m;
    import_options o = {0};
    json_t *opts = NULL;
    if (!json_is_object(in)) return err_set(e, ERR_BAD_REQUEST, "the body must be a JSON object");
    if (load_job(c, id, &j, e)) return -1;
    if (!strcmp(j.status, "running")) return err_set(e, ERR_CONFLICT, "this import is running");
    if (!strcmp(j.status, "done")) return err_set(e, ERR_CONFLICT, "this import is done");
    int rc = parse_job(c, &j, &ts, &t, e) || settings(c, &j, ts, &t, in, &m, &o, &opts, e) ||
             check_and_store(c, id, ts, &t, &m, &o, e) ? -1 : importjob_get(c, id, out, e);
    json_decref(opts);
    return rc;
}

/* ---- running ---- */

typedef struct run_arg { int64_t id, user; } run_arg;
typedef struct run_progress { store *s; int64_t id; } run_progress;

static void on_progress(void *arg, const char *phase, size_t done, size_t total) {
    run_progress *p = arg;
    if (!strcmp(phase, "writing") && done) { writes_set(p->id, done); return; }   /* inside the write transaction */
    err e = {0};
    int64_t now = time_now_ms();
    if (store_run(p->s, "UPDATE imports SET phase = ?, rows_done = ?, heartbeat_at = ?, updated_at = ? WHERE id = ?", &e, "siiii",
                  phase, (int64_t)done, now, now, p->id))
        log_error("import #%lld: progress: %s", (long long)p->id, e.msg);
}

/* The run itself, on the run's thread; the outcome goes into the job's row. */
static int run_job(crm_ctx *c, int64_t id, err *e) {
    job j;
    const target_set *ts;
    csvtable t;
    target_map m;
    import_options o = {0};
    json_t *opts = NULL, *none = json_object();
    import_result r;
    import_result_init(&r);
    run_progress pr = {c->db, id};
    int rc = load_job(c, id, &j, e) || parse_job(c, &j, &ts, &t, e) || settings(c, &j, ts, &t, none, &m, &o, &opts, e) ? -1 : 0;
    if (!rc) {
        o.source = j.filename;
        o.job = id;
        o.progress = on_progress;
        o.progress_arg = &pr;
        rc = import_run(c, ts, &t, &m, &o, &r, e);
    }
    json_t *res = rc ? NULL : result_json(&r, NULL);
    char *rs = res ? dumps(res) : NULL;
    const char *failure = rc ? err_line(c->a, e)
                        : r.stopped ? arena_printf(c->a, "row %d has problems, so nothing was written: fix them, or choose to skip bad rows",
                                                   (int)json_integer_value(json_object_get(json_array_get(r.problems, 0), "row")))
                                    : NULL;
    if (rc && e->cls == ERR_INTERNAL) log_error("import #%lld: %s", (long long)id, e->msg);
    /* the slot is free before anyone can see the outcome and start another run */
    writes_clear(id);
    __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
    err fe = {0};
    int64_t now = time_now_ms();
    int done = !failure;
    if (store_run(c->db, done ? "UPDATE imports SET status = 'done', phase = NULL, data = NULL, rows_done = rows_total, rows_imported = ?, rows_bad = ?, "
                                "result = ?, report = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?"
                              : "UPDATE imports SET status = 'failed', phase = NULL, rows_imported = ?, rows_bad = ?, "
                                "result = COALESCE(?, result), report = COALESCE(?, report), error = ?, finished_at = ?, updated_at = ? WHERE id = ?",
                  &fe, "iisssiii", (int64_t)r.imported, (int64_t)r.bad, rs, r.report.len ? buf_str(&r.report) : NULL, failure, now, now, id))
        log_error("import #%lld: cannot record the outcome: %s", (long long)id, fe.msg);
    free(rs);
    json_decref(res);
    json_decref(opts);
    json_decref(none);
    import_result_free(&r);
    return 0;
}

static void *run_thread(void *p) {
    run_arg *ra = p;
    arena a;
    arena_init(&a);
    err e = {0};
    principal who;
    crm_ctx c = {store_thread(&e), &a, &who, NULL};
    if (!c.db || auth_load_principal(c.db, &a, ra->user, &who, &e)) {
        log_error("import #%lld cannot start: %s", (long long)ra->id, e.msg);
        __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
        err scratch = {0};
        if (c.db) store_run(c.db, "UPDATE imports SET status = 'failed', error = ? WHERE id = ?", &scratch, "si", e.msg, ra->id);
    } else run_job(&c, ra->id, &e);   /* frees the slot when it is done */
    store_thread_release();
    arena_free(&a);
    free(ra);
    return NULL;
}

/* The last check's mapping errors, as the field errors of a refused run. */
static int mapping_complete(crm_ctx *c, int64_t id, err *e) {
    json_t *job = NULL;
    if (importjob_get(c, id, &job, e)) return -1;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(job, "mapping_errors"), i, m)
        err_field_add(e, json_string_value(json_object_get(m, "field")), "%s", json_string_value(json_object_get(m, "reason")));
    json_decref(job);
    if (e->cls) err_set(e, ERR_VALIDATION, "the mapping leaves out what every row needs: map a column to each field named");
    return e->cls ? -1 : 0;
}

int importjob_start(crm_ctx *c, int64_t id, const json_t *in, json_t **out, err *e) {
    job j;
    json_t *checked = NULL;
    if (in && json_object_size(in)) {
        if (importjob_update(c, id, in, &checked, e)) return -1;
        json_decref(checked);
    }
    if (load_job(c, id, &j, e) || mapping_complete(c, id, e)) return -1;
    if (!strcmp(j.status, "running")) return err_set(e, ERR_CONFLICT, "this import is running already");
    if (!strcmp(j.status, "done")) return err_set(e, ERR_CONFLICT, "this import is done: upload the file again to import it twice");
    if (!importable(c, j.entity, e)) return -1;
    if (__atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST) > IMPORTJOB_RUNNING) {
        __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
        return err_set(e, ERR_UNAVAILABLE, "%d imports are running on this server: try again when one has finished", IMPORTJOB_RUNNING);
    }
    /* claim it: of two runs started at once, on any two processes, one wins */
    int64_t now = time_now_ms();
    int rc = store_run(c->db, "UPDATE imports SET status = 'running', phase = 'checking', rows_done = 0, heartbeat_at = ?, error = NULL, "
                              "updated_at = ? WHERE id = ? AND (status IN ('ready', 'failed') OR (status = 'running' AND heartbeat_at < ?))",
                       e, "iiii", now, now, id, now - IMPORTJOB_STALE_MS);
    if (rc || store_changes(c->db) != 1) {
        __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
        return rc ? -1 : err_set(e, ERR_CONFLICT, "this import was started by someone else meanwhile");
    }
    run_arg *ra = malloc(sizeof *ra);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (!ra || (*ra = (run_arg){id, c->p->user_id}, pthread_create(&th, &at, run_thread, ra))) {
        free(ra);
        __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
        store_run(c->db, "UPDATE imports SET status = 'failed', error = 'could not start' WHERE id = ?", e, "i", id);
        pthread_attr_destroy(&at);
        return err_set(e, ERR_UNAVAILABLE, "cannot start the import now: try again");
    }
    pthread_attr_destroy(&at);
    return importjob_get(c, id, out, e);
}

/* ---- the report, and deleting ---- */

int importjob_report(crm_ctx *c, int64_t id, buf *out, const char **filename, err *e) {
    job j;
    if (load_job(c, id, &j, e)) return -1;
    store_stmt *st = store_prepare(c->db, "SELECT report FROM imports WHERE id = ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    int rc = store_step(st, e), has = rc == STORE_ROW && !store_col_null(st, 0);
    if (has) buf_puts(out, store_col_text(st, 0));
    store_reset(st);
    if (rc < 0) return -1;
    if (!has) return err_set(e, ERR_NOT_FOUND, "the last check of this import found no problems");
    const char *dot = strrchr(j.filename, '.');
    *filename = arena_printf(c->a, "%.*s-problems.csv", (int)(dot ? dot - j.filename : (long)strlen(j.filename)), j.filename);
    return 0;
}

int importjob_delete(crm_ctx *c, int64_t id, err *e) {
    job j;
    if (load_job(c, id, &j, e)) return -1;
    if (!strcmp(j.status, "running")) return err_set(e, ERR_CONFLICT, "this import is running: wait until it has finished");
    return store_run(c->db, "DELETE FROM imports WHERE id = ?", e, "i", id);
}
