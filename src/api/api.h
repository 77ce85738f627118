/* api: the HTTP face of the domain. Each request: authenticate (one place),
 * parse and bound the input, call the domain, write JSON or a problem+json. */
#ifndef API_API_H
#define API_API_H
#include <jansson.h>
#include "../crm/record.h"
#include "../http/http.h"

#define API_SESSION_COOKIE "cyl_session"

void api_register(void);   /* installs every route in the http router */

/* request plumbing shared by the resource files */
int  api_auth(http_req *r, http_resp *w, crm_ctx *c);                   /* 0 ok; else the problem is written */
int  api_db(http_resp *w, crm_ctx *c);                                   /* connection only, no caller (public routes) */
json_t *api_body(http_req *r, http_resp *w);                             /* parsed JSON body or NULL (problem written) */
int  api_id(http_req *r, http_resp *w, int param, int64_t *id);          /* path param -> positive id */
int64_t api_if_match(http_req *r);                                       /* version from If-Match; 0 if none or *; -1 if no ETag of ours */
void api_json(http_resp *w, int status, json_t *v);                      /* steals v */
void api_etag(http_req *r, http_resp *w, const json_t *rec);             /* ETag: "version" of a record */
/* 201 with the new record (stolen), its Location /api/v1/COLLECTION/{id} and its ETag */
void api_created(http_req *r, http_resp *w, const char *collection, json_t *rec);
void api_problem(http_resp *w, const err *e);                            /* problem+json from an err */
void api_fail(http_resp *w, err_class cls, const char *detail);          /* problem+json with just a detail */
void api_list_query(http_req *r, list_query *q);                         /* query string -> list_query */
const record_def *api_entity(http_req *r, http_resp *w);                 /* the record type named by params[0]; NULL: 404 written */

/* resource route tables, one per file */
void api_session_routes(void);
void api_record_routes(void);
void api_opportunity_routes(void);
void api_analytics_routes(void);
void api_lead_routes(void);
void api_playbook_routes(void);
void api_system_routes(void);
void api_io_routes(void);
#endif
