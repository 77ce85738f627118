/* analytics.c: the routes of pipeline analytics and quotas.
 *   GET    /api/v1/analytics/{report}   conversion, funnel, forecast, calibration, cycle, velocity,
 *                                       breakdown, activity, reps, deals (see src/analytics/figures.h)
 *   GET|POST /api/v1/quotas             list (user_id, team_id, from, to, limit, after) / create
 *   GET|PATCH|DELETE /api/v1/quotas/{id} */
#include <stdlib.h>
#include "api.h"
#include "../analytics/analytics.h"
#include "../analytics/quota.h"

/* Rates are rounded to 4 places; 15 significant digits print them as such
 * (0.3333, not the 17-digit 0.33329999999999999). */
static void json_out(http_resp *w, int status, json_t *v) {
    w->status = status;
    w->content_type = "application/json";
    char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (s) buf_puts(&w->body, s);
    free(s);
    json_decref(v);
}

static void report(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    list_query q;
    api_list_query(r, &q);
    err e = {0};
    json_t *out = NULL;
    if (analytics_report(&c, r->params[0], &q, &out, &e)) { api_problem(w, &e); return; }
    json_out(w, 200, out);
}

static void quotas(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (r->method == HTTP_POST) {
        json_t *in = api_body(r, w);
        if (!in) return;
        int rc = quota_create(&c, in, &out, &e);
        json_decref(in);
        if (rc) { api_problem(w, &e); return; }
        api_created(r, w, "quotas", out);
        return;
    }
    list_query q;
    api_list_query(r, &q);
    if (quota_list(&c, &q, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void quota(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (r->method == HTTP_DELETE) {
        if (quota_delete(&c, id, api_if_match(r), &e)) { api_problem(w, &e); return; }
        w->status = 204;
        return;
    }
    if (r->method == HTTP_PATCH) {
        json_t *in = api_body(r, w);
        if (!in) return;
        int rc = quota_update(&c, id, in, api_if_match(r), &out, &e);
        json_decref(in);
        if (rc) { api_problem(w, &e); return; }
    } else if (quota_get(&c, id, &out, &e)) { api_problem(w, &e); return; }
    api_etag(r, w, out);
    api_json(w, 200, out);
}

void api_analytics_routes(void) {
    http_route(HTTP_GET, "/api/v1/analytics/{}", report);
    http_route(HTTP_GET | HTTP_POST, "/api/v1/quotas", quotas);
    http_route(HTTP_GET | HTTP_PATCH | HTTP_DELETE, "/api/v1/quotas/{}", quota);
}
