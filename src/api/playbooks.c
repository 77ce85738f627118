/* playbooks.c: the playbook routes beyond plain CRUD (records.c serves
 * /api/v1/stage-actions like any record).
 *   GET /api/v1/compliance?stale_days=N   per rep in the caller's scope: deals past a stage with its
 *                                         required actions undone, without a next step, without
 *                                         activity for N days (default 14), with the deals behind each */
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "../crm/playbook.h"

typedef struct compliance_q { int stale_days; err *e; } compliance_q;

static int compliance_param(void *ctx, const char *k, const char *v) {
    compliance_q *q = ctx;
    if (strcmp(k, "stale_days")) { err_field_add(q->e, k, "is not a parameter of the compliance view"); return 0; }
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 1 || n > PLAYBOOK_STALE_MAX) err_field_add(q->e, k, "must be a whole number of days from 1 to %d", PLAYBOOK_STALE_MAX);
    else q->stale_days = (int)n;
    return 0;
}

static void compliance(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    err e = {0};
    compliance_q q = {PLAYBOOK_STALE_DEFAULT, &e};
    http_query_each(r, compliance_param, &q);
    if (e.cls) { e.cls = ERR_BAD_REQUEST; api_problem(w, &e); return; }
    json_t *out = NULL;
    if (playbook_compliance(&c, q.stale_days, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

void api_playbook_routes(void) {
    http_route(HTTP_GET, "/api/v1/compliance", compliance);
}
