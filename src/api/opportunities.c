/* opportunities.c: the routes of a deal beyond plain CRUD.
 *   POST   /api/v1/opportunities/{id}/stage             move (exit criteria, history)
 *   GET    /api/v1/opportunities/{id}/history           stage changes with days in stage
 *   GET    /api/v1/opportunities/{id}/criteria          exit-criteria checklist
 *   PUT|DELETE /api/v1/opportunities/{id}/criteria/{c}  tick / untick
 *   GET|POST /api/v1/opportunities/{id}/line-items      the deal's products
 *   GET    /api/v1/search?q=                            accounts, contacts and deals by name
 *   GET    /api/v1/board?pipeline_id=&closed_days=&<opportunity filters>   the pipeline board */
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "../crm/board.h"
#include "../crm/entities.h"
#include "../crm/opportunity.h"

static int opp_route(http_req *r, http_resp *w, crm_ctx *c, int64_t *id) {
    return api_id(r, w, 0, id) || api_auth(r, w, c) ? -1 : 0;
}

static void stage(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (opp_route(r, w, &c, &id)) return;
    json_t *in = api_body(r, w), *out = NULL;
    if (!in) return;
    err e = {0};
    int64_t if_match = api_if_match(r);
    if (if_match && !json_object_get(in, "version")) json_object_set_new(in, "version", json_integer(if_match));
    int rc = opp_move_stage(&c, id, in, &out, &e);
    json_decref(in);
    if (rc) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void history(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (opp_route(r, w, &c, &id)) return;
    err e = {0};
    json_t *out = NULL;
    if (opp_history(&c, id, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void criteria(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (opp_route(r, w, &c, &id)) return;
    err e = {0};
    json_t *out = NULL;
    if (opp_criteria(&c, id, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void criterion(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id, cid;
    if (api_id(r, w, 1, &cid) || opp_route(r, w, &c, &id)) return;
    err e = {0};
    json_t *out = NULL;
    if (opp_criterion_set(&c, id, cid, r->method == HTTP_PUT, &e) || opp_criteria(&c, id, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void line_items(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (opp_route(r, w, &c, &id)) return;
    err e = {0};
    json_t *out = NULL;
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    /* the deal in the URL first, for reads and writes alike: one the caller cannot see is not found */
    if (record_must_see(&c, &def_opportunities, id, &e)) { api_problem(w, &e); return; }
    if (r->method == HTTP_POST) {
        json_t *in = api_body(r, w);
        if (!in) return;
        json_t *given = json_object_get(in, "opportunity_id");
        if (given && !(json_is_integer(given) && json_integer_value(given) == id)) {
            json_decref(in);
            err_field_add(&e, "opportunity_id", "must match the opportunity in the URL (or be left out)");
            api_problem(w, &e);
            return;
        }
        json_object_set_new(in, "opportunity_id", json_integer(id));
        int rc = record_create(&c, &def_line_items, in, &out, &e);
        json_decref(in);
        if (rc) { api_problem(w, &e); return; }
        api_created(r, w, "line-items", out);
        return;
    }
    list_query q = {.limit = 200, .n = 1};
    q.keys[0] = "opportunity_id";
    q.vals[0] = ids;
    if (record_list(&c, &def_line_items, &q, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

static void search(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    const char *q = http_query(r, "q");
    if (!q || !*q) { err e = {0}; err_field_add(&e, "q", "is required"); e.cls = ERR_BAD_REQUEST; api_problem(w, &e); return; }
    const record_def *defs[] = {&def_accounts, &def_contacts, &def_opportunities};
    json_t *out = json_object();
    for (size_t i = 0; i < 3; i++) {
        err e = {0};
        list_query lq = {.limit = 10, .n = 1};
        lq.keys[0] = "q";
        lq.vals[0] = q;
        json_t *res = NULL;
        if (record_list(&c, defs[i], &lq, &res, &e)) { json_decref(out); api_problem(w, &e); return; }
        json_object_set(out, defs[i]->name, json_object_get(res, "items"));
        json_decref(res);
    }
    api_json(w, 200, out);
}

static void board(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    list_query q;
    api_list_query(r, &q);
    int64_t pipeline = 0;
    int closed_days = 30;
    list_query filters = {0};
    err e = {0};
    for (int i = 0; i < q.n; i++) {
        char *end;
        if (!strcmp(q.keys[i], "pipeline_id")) {
            pipeline = strtoll(q.vals[i], &end, 10);
            if (*end || pipeline <= 0) err_field_add(&e, "pipeline_id", "must be a pipeline id");
        } else if (!strcmp(q.keys[i], "closed_days")) {
            long d = strtol(q.vals[i], &end, 10);
            if (*end || d < 0 || d > 3660) err_field_add(&e, "closed_days", "must be between 0 and 3660");
            closed_days = (int)d;
        } else {
            filters.keys[filters.n] = q.keys[i];
            filters.vals[filters.n++] = q.vals[i];
        }
    }
    if (q.limit || q.after || q.sort) err_field_add(&e, "limit", "the board takes no paging or sort");
    json_t *out = NULL;
    if (e.cls) e.cls = ERR_BAD_REQUEST;
    if (e.cls || board_get(&c, pipeline, closed_days, &filters, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

void api_opportunity_routes(void) {
    /* a 2,000-deal board takes ~100 ms of queries: off the I/O threads */
    http_route_slow(HTTP_GET, "/api/v1/board", board);
    http_route(HTTP_POST, "/api/v1/opportunities/{}/stage", stage);
    http_route(HTTP_GET, "/api/v1/opportunities/{}/history", history);
    http_route(HTTP_GET, "/api/v1/opportunities/{}/criteria", criteria);
    http_route(HTTP_PUT | HTTP_DELETE, "/api/v1/opportunities/{}/criteria/{}", criterion);
    http_route(HTTP_GET | HTTP_POST, "/api/v1/opportunities/{}/line-items", line_items);
    http_route(HTTP_GET, "/api/v1/search", search);
}
