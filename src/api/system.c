/* system.c: probes, metrics, the OpenAPI document and the browser app.
 *   GET /healthz                 the process is up
 *   GET /readyz                  the database answers
 *   GET /metrics                 Prometheus text format
 *   GET /api/v1/openapi.json     the API description
 *   GET /api/v1/currencies       accepted currencies and their minor-unit digits (public) 
 *   anything else                the browser app (index.html for app routes) */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api.h"
#include "../core/money.h"
#include "../http/assets.h"

extern const char openapi_json[];

static void healthz(http_req *r, http_resp *w) {
    w->content_type = "application/json";
    buf_puts(&w->body, "{\"status\":\"ok\"}");
}

static void readyz(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    err e = {0};
    int64_t one = 0;
    if (api_db(w, &c)) return;
    if (store_scalar_int(c.db, "SELECT 1", &one, &e, "") != 1) { api_problem(w, &e); return; }
    w->content_type = "application/json";
    buf_puts(&w->body, "{\"status\":\"ready\"}");
}

static void metrics(http_req *r, http_resp *w) {
    w->content_type = "text/plain; version=0.0.4";
    http_metrics_render(&w->body);
    buf_puts(&w->body, "# HELP cylinder_db_seconds_total Time spent in database calls.\n"
                       "# TYPE cylinder_db_seconds_total counter\n");
    buf_printf(&w->body, "cylinder_db_seconds_total %.6f\n", store_time_micros() / 1e6);
}

static void openapi(http_req *r, http_resp *w) {
    w->content_type = "application/json";
    w->static_body = (const unsigned char *)openapi_json;
    w->static_len = strlen(openapi_json);
}

static void currencies(http_req *r, http_resp *w) {
    json_t *items = json_array();
    for (const currency *c = money_currencies; c->code; c++)
        json_array_append_new(items, json_pack("{s:s, s:i}", "code", c->code, "digits", c->digits));
    http_add_header(w, "Cache-Control", "public, max-age=86400");
    api_json(w, 200, json_pack("{s:o}", "items", items));
}

static const http_asset *asset(const char *path) {
    for (const http_asset *a = web_assets; a->path; a++)
        if (!strcmp(a->path, path)) return a;
    return NULL;
}

/* Does an Accept-Encoding list gzip (or *) without q=0? */
static int accepts_gzip(const char *ae) {
    for (const char *p = ae; p && *p;) {
        while (*p == ' ' || *p == ',') p++;
        size_t n = strcspn(p, ",;");
        int named = (n == 4 && !strncasecmp(p, "gzip", 4)) || (n == 1 && *p == '*');
        const char *end = p + strcspn(p, ",");
        if (named) {
            const char *q = memchr(p, ';', (size_t)(end - p));
            if (!q) return 1;
            while (q < end && (*q == ';' || *q == ' ')) q++;
            if (strncasecmp(q, "q=", 2) || strtod(q + 2, NULL) > 0) return 1;
            return 0;
        }
        p = end;
    }
    return 0;
}

static void static_files(http_req *r, http_resp *w) {
    if (r->method != HTTP_GET && r->method != HTTP_HEAD) { api_fail(w, ERR_NOT_FOUND, "no such resource"); return; }
    if (!strncmp(r->path, "/api/", 5)) { api_fail(w, ERR_NOT_FOUND, "no such resource"); return; }
    const http_asset *a = asset(r->path);
    int hashed = a && !strncmp(r->path, "/assets/", 8);
    if (!a && !strchr(strrchr(r->path, '/'), '.')) a = asset("/index.html"); /* app routes render the app */
    if (!a) { api_fail(w, ERR_NOT_FOUND, "no such file"); return; }
    w->content_type = a->content_type;
    w->static_body = a->data;
    w->static_len = a->len;
    /* the app's scripts shrink to about a third: it matters on slow and far-away links */
    if (a->gz && accepts_gzip(http_header(r, "Accept-Encoding"))) {
        w->static_body = a->gz;
        w->static_len = a->gzlen;
        http_add_header(w, "Content-Encoding", "gzip");
    }
    if (a->gz) http_add_header(w, "Vary", "Accept-Encoding");
    /* built files carry a content hash in their name, so they can be cached for good */
    http_add_header(w, "Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
}

void api_system_routes(void) {
    http_route(HTTP_GET, "/healthz", healthz);
    http_route(HTTP_GET, "/readyz", readyz);
    http_route(HTTP_GET, "/metrics", metrics);
    http_route(HTTP_GET, "/api/v1/openapi.json", openapi);
    http_route(HTTP_GET, "/api/v1/currencies", currencies);
    http_fallback(static_files);
}
