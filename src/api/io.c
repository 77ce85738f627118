/* io.c: files in and out.
 *   GET    /api/v1/{entity}/export.csv     the list, with its filters and sort, as CSV (what the caller may see)
 *   GET    /api/v1/{entity}/export.xlsx    the same as an Excel workbook
 *   GET    /api/v1/analytics/deals/export.csv|.xlsx   the deals behind an analytics figure (its parameters)
 *   POST   /api/v1/imports?entity=&filename=&encoding=   upload a CSV or .xlsx file (the body, up to 16 MiB): 201, checked
 *   GET    /api/v1/imports                 the caller's imports, newest first
 *   GET    /api/v1/imports/{id}            mapping, options, first rows, problems, near misses, progress
 *   PATCH  /api/v1/imports/{id}            {mapping?, options?}: check again
 *   POST   /api/v1/imports/{id}/run        {mapping?, options?}: start it (202); follow GET for progress
 *   GET    /api/v1/imports/{id}/report.csv every problem: row, column, problem, the row
 *   DELETE /api/v1/imports/{id}            forget it (not while it runs) */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "api.h"
#include "../analytics/analytics.h"
#include "../io/export.h"
#include "../io/importjob.h"

/* ---- exports ---- */

/* An XLSX workbook is written to a file (libxlsxwriter has no memory target here); read it into the body. */
static int slurp(const char *path, buf *out) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) buf_add(out, chunk, (size_t)n);
    close(fd);
    return n < 0 ? -1 : 0;
}

/* What makes the file: a record list, or the deals behind an analytics figure. */
typedef int (*make_file)(crm_ctx *c, const void *what, const list_query *q, export_format f, const char *path, buf *out, err *e);

static int list_file(crm_ctx *c, const void *d, const list_query *q, export_format f, const char *path, buf *out, err *e) {
    return export_list(c, d, q, f, path, out, e);
}

static int analytics_file(crm_ctx *c, const void *unused, const list_query *q, export_format f, const char *path, buf *out, err *e) {
    return analytics_export(c, q, f, path, out, e);
}

static void send_file(http_req *r, http_resp *w, crm_ctx *c, export_format f, const char *name, make_file make, const void *what) {
    list_query q;
    api_list_query(r, &q);
    err e = {0};
    if (f == EXPORT_CSV) {
        if (make(c, what, &q, f, NULL, &w->body, &e)) { buf_reset(&w->body); api_problem(w, &e); return; }
        w->content_type = "text/csv; charset=utf-8";
    } else {
        const char *tmp = getenv("TMPDIR");
        char *path = arena_printf(r->a, "%s/cylinder-export-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0) { api_fail(w, ERR_UNAVAILABLE, "cannot write the workbook now"); return; }
        close(fd);
        int rc = make(c, what, &q, f, path, NULL, &e);
        if (!rc && slurp(path, &w->body)) rc = err_set(&e, ERR_INTERNAL, "cannot read back the workbook %s", path);
        unlink(path);
        if (rc) { buf_reset(&w->body); api_problem(w, &e); return; }
        w->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
    w->status = 200;
    http_add_header(w, "Content-Disposition", arena_printf(r->a, "attachment; filename=\"%s.%s\"", name, f == EXPORT_CSV ? "csv" : "xlsx"));
}

static void export(http_req *r, http_resp *w, export_format f) {
    crm_ctx c = {0};
    const record_def *d = api_entity(r, w);
    if (!d || api_auth(r, w, &c)) return;
    send_file(r, w, &c, f, r->params[0], list_file, d);
}

static void export_csv(http_req *r, http_resp *w) { export(r, w, EXPORT_CSV); }
static void export_xlsx(http_req *r, http_resp *w) { export(r, w, EXPORT_XLSX); }

static void analytics_export_as(http_req *r, http_resp *w, export_format f) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    send_file(r, w, &c, f, "deals", analytics_file, NULL);
}

static void analytics_csv(http_req *r, http_resp *w) { analytics_export_as(r, w, EXPORT_CSV); }
static void analytics_xlsx(http_req *r, http_resp *w) { analytics_export_as(r, w, EXPORT_XLSX); }

/* ---- imports ---- */

/* What browsers and tools send a CSV file or a workbook as; the content decides how it is read. */
static int file_type(const char *ct) {
    static const char *const ok[] = {"text/csv", "text/plain", "text/tab-separated-values", "application/csv",
                                     "application/vnd.ms-excel", "application/octet-stream",
                                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL};
    for (int i = 0; ct && ok[i]; i++)
        if (!strncasecmp(ct, ok[i], strlen(ok[i])) && (!ct[strlen(ok[i])] || ct[strlen(ok[i])] == ';')) return 1;
    return !ct;
}

static int valid_encoding(const char *s) {
    if (strlen(s) > 32) return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_')) return 0;
    return 1;
}

static void upload(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    err e = {0};
    const char *entity = http_query(r, "entity"), *encoding = http_query(r, "encoding");
    if (!file_type(http_header(r, "Content-Type")))
        err_field_add(&e, "Content-Type", "send the file itself as the body, as text/csv or the .xlsx type (not a form or JSON)");
    if (!entity) err_field_add(&e, "entity", "is required: what the rows are (accounts, contacts, ...)");
    if (encoding && (!*encoding || !valid_encoding(encoding))) err_field_add(&e, "encoding", "must be an encoding name such as gb18030");
    if (!r->body_len) err_field_add(&e, "body", "is empty: send the CSV or .xlsx file as the body");
    if (e.cls) { e.cls = ERR_BAD_REQUEST; api_problem(w, &e); return; }
    json_t *out = NULL;
    if (importjob_create(&c, entity, http_query(r, "filename"), encoding, r->body, r->body_len, &out, &e)) { api_problem(w, &e); return; }
    http_add_header(w, "Location", arena_printf(r->a, "/api/v1/imports/%lld", (long long)json_integer_value(json_object_get(out, "id"))));
    api_json(w, 201, out);
}

static void list(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (importjob_list(&c, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void item(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL, *in = NULL;
    int rc;
    if (r->method == HTTP_DELETE) {
        if (importjob_delete(&c, id, &e)) { api_problem(w, &e); return; }
        w->status = 204;
        return;
    }
    if (r->method == HTTP_PATCH) {
        if (!(in = api_body(r, w))) return;
        rc = importjob_update(&c, id, in, &out, &e);
        json_decref(in);
    } else rc = importjob_get(&c, id, &out, &e);
    if (rc) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void run(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    json_t *in = NULL, *out = NULL;
    if (r->body_len && !(in = api_body(r, w))) return;
    err e = {0};
    int rc = importjob_start(&c, id, in, &out, &e);
    json_decref(in);
    if (rc) { api_problem(w, &e); return; }
    http_add_header(w, "Location", arena_printf(r->a, "/api/v1/imports/%lld", (long long)id));
    api_json(w, 202, out);
}

/* RFC 5987: the file's own (maybe Chinese) name for browsers, a plain one for the rest. */
static const char *disposition(arena *a, int64_t id, const char *name) {
    buf b = BUF_INIT;
    buf_printf(&b, "attachment; filename=\"import-%lld-problems.csv\"; filename*=UTF-8''", (long long)id);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) buf_putc(&b, (char)*p);
        else buf_printf(&b, "%%%02X", *p);
    }
    const char *s = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return s;
}

static void report(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    const char *name = NULL;
    if (importjob_report(&c, id, &w->body, &name, &e)) { buf_reset(&w->body); api_problem(w, &e); return; }
    w->status = 200;
    w->content_type = "text/csv; charset=utf-8";
    http_add_header(w, "Content-Disposition", disposition(r->a, id, name));
}

void api_io_routes(void) {
    /* exports and checks read many rows: they run off the I/O threads */
    http_route_slow(HTTP_GET, "/api/v1/{}/export.csv", export_csv);
    http_route_slow(HTTP_GET, "/api/v1/{}/export.xlsx", export_xlsx);
    http_route_slow(HTTP_GET, "/api/v1/analytics/deals/export.csv", analytics_csv);
    http_route_slow(HTTP_GET, "/api/v1/analytics/deals/export.xlsx", analytics_xlsx);
    http_route_upload(HTTP_POST, "/api/v1/imports", upload, IMPORTJOB_MAX_BYTES);
    http_route(HTTP_GET, "/api/v1/imports", list);
    http_route(HTTP_GET | HTTP_DELETE, "/api/v1/imports/{}", item);
    http_route_slow(HTTP_PATCH, "/api/v1/imports/{}", item);
    http_route_slow(HTTP_POST, "/api/v1/imports/{}/run", run);
    http_route(HTTP_GET, "/api/v1/imports/{}/report.csv", report);
}
