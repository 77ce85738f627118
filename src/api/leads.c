/* leads.c: the routes of lead intake beyond plain CRUD (which records.c serves
 * for leads, lead-forms and assignment-rules like any record).
 *   POST    /api/v1/forms/{token}/submit    public web form: JSON or urlencoded, no login, CORS open
 *   OPTIONS /api/v1/forms/{token}/submit    CORS preflight for forms posted by script from another site
 *   POST    /api/v1/leads                   intake through the API (duplicates, rules, log)
 *   POST    /api/v1/leads/{id}/convert      account + contact + opportunity in one go
 *   GET     /api/v1/leads/{id}/assignments  the lead's assignment log */
#include <string.h>
#include "api.h"
#include "../crm/leads.h"

#define FORM_BODY_MAX (64 * 1024)   /* a lead is a few hundred bytes; more is not a form */
#define FORM_FIELDS_MAX 64

/* The submit route answers any site: the form lives on the company's web site,
 * not here, and the route carries no credentials. */
static void cors(http_resp *w) {
    http_add_header(w, "Access-Control-Allow-Origin", "*");
}

static int hexval(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into arena memory; NULL on a broken escape. */
static char *url_decode(arena *a, const char *s, size_t n) {
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') out[o++] = ' ';
        else if (s[i] == '%') {
            if (i + 2 >= n) return NULL;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return NULL;
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else out[o++] = s[i];
    }
    out[o] = 0;
    return strlen(out) == o ? out : NULL; /* an encoded NUL is not text */
}

/* application/x-www-form-urlencoded, as an HTML form posts it, into a JSON
 * object of strings. Bounded in size and pairs; a repeated field is refused
 * (which value would be meant?), as is text that is not UTF-8. */
static json_t *form_decode(http_req *r, err *e) {
    if (r->body_len > FORM_BODY_MAX) { err_set(e, ERR_TOO_LARGE, "a form submission is at most %d bytes", FORM_BODY_MAX); return NULL; }
    json_t *o = json_object();
    const char *p = r->body, *end = r->body + r->body_len;
    int pairs = 0;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p) {
            if (++pairs > FORM_FIELDS_MAX) { err_set(e, ERR_BAD_REQUEST, "a form submission has at most %d fields", FORM_FIELDS_MAX); goto fail; }
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *kend = eq ? eq : stop;
            char *k = url_decode(r->a, p, (size_t)(kend - p));
            char *v = eq ? url_decode(r->a, eq + 1, (size_t)(stop - eq - 1)) : arena_strdup(r->a, "");
            if (!k || !v || !*k) { err_set(e, ERR_BAD_REQUEST, "the form body is not valid application/x-www-form-urlencoded"); goto fail; }
            if (strlen(k) > 63) { err_set(e, ERR_BAD_REQUEST, "a form field name is at most 63 bytes"); goto fail; }
            json_t *js = json_string(v), *jk = json_string(k); /* jansson refuses text that is not UTF-8 */
            int utf8 = js && jk;
            json_decref(jk);
            if (!utf8) {
                json_decref(js);
                err_set(e, ERR_BAD_REQUEST, "the form body is not UTF-8 text");
                goto fail;
            }
            if (json_object_get(o, k)) {
                json_decref(js);
                err_field_add(e, k, "is given more than once");
                e->cls = ERR_BAD_REQUEST;
                goto fail;
            }
            json_object_set_new(o, k, js);
        }
        p = stop + 1;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

static void form_submit(http_req *r, http_resp *w) {
    cors(w);
    if (r->method == HTTP_OPTIONS) {
        http_add_header(w, "Access-Control-Allow-Methods", "POST");
        http_add_header(w, "Access-Control-Allow-Headers", "Content-Type");
        http_add_header(w, "Access-Control-Max-Age", "86400");
        w->status = 204;
        return;
    }
    crm_ctx c = {0};
    if (api_db(w, &c)) return;
    c.a = r->a;
    const char *ct = http_header(r, "Content-Type");
    json_t *in;
    err e = {0};
    if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
        if (!(in = form_decode(r, &e))) { api_problem(w, &e); return; }
    } else if (!ct || !strncasecmp(ct, "application/json", 16)) {
        if (!(in = api_body(r, w))) return;
    } else {
        api_fail(w, ERR_BAD_REQUEST, "send the form as application/x-www-form-urlencoded or application/json");
        return;
    }
    int stored = 0;
    int rc = lead_form_submit(&c, r->params[0], r->client_ip, in, &stored, &e);
    json_decref(in);
    if (rc) {
        if (e.cls == ERR_RATE_LIMITED) http_add_header(w, "Retry-After", "600");
        api_problem(w, &e);
        return;
    }
    /* the same answer whether it was kept or caught by the honeypot */
    api_json(w, 201, json_pack("{s:b}", "received", 1));
}

static void create(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    if (api_auth(r, w, &c)) return;
    json_t *in = api_body(r, w), *out = NULL;
    if (!in) return;
    err e = {0};
    int rc = lead_intake(&c, in, "api", &out, &e);
    json_decref(in);
    if (rc) { api_problem(w, &e); return; }
    api_created(r, w, "leads", out);
}

static void convert(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    json_t *in = api_body(r, w), *out = NULL;
    if (!in) return;
    err e = {0};
    int rc = lead_convert(&c, id, in, &out, &e);
    json_decref(in);
    if (rc) { api_problem(w, &e); return; }
    json_int_t opp = json_integer_value(json_object_get(json_object_get(out, "opportunity"), "id"));
    http_add_header(w, "Location", arena_printf(r->a, "/api/v1/opportunities/%lld", (long long)opp));
    api_json(w, 201, out);
}

static void assignments(http_req *r, http_resp *w) {
    crm_ctx c = {0};
    int64_t id;
    if (api_id(r, w, 0, &id) || api_auth(r, w, &c)) return;
    err e = {0};
    json_t *out = NULL;
    if (lead_assignments(&c, id, &out, &e)) { api_problem(w, &e); return; }
    api_json(w, 200, out);
}

void api_lead_routes(void) {
    http_route(HTTP_POST | HTTP_OPTIONS, "/api/v1/forms/{}/submit", form_submit);
    http_route(HTTP_POST, "/api/v1/leads", create);
    http_route(HTTP_POST, "/api/v1/leads/{}/convert", convert);
    http_route(HTTP_GET, "/api/v1/leads/{}/assignments", assignments);
}
