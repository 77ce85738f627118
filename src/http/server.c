/* server.c: libmicrohttpd adapter, router, limits, security headers, metrics. */
#include "http.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../core/log.h"

/* ---- routes ---- */

typedef struct route { int methods; const char *pattern; http_handler h; int slow; size_t max_body; } route;
static route routes[256];
static int nroutes;
static http_handler fallback;

void http_route(int methods, const char *pattern, http_handler h) {
    if (nroutes < (int)(sizeof routes / sizeof routes[0])) routes[nroutes++] = (route){methods, pattern, h, 0};
}
void http_route_slow(int methods, const char *pattern, http_handler h) {
    if (nroutes < (int)(sizeof routes / sizeof routes[0])) routes[nroutes++] = (route){methods, pattern, h, 1};
}
void http_route_upload(int methods, const char *pattern, http_handler h, size_t max_body) {
    if (nroutes < (int)(sizeof routes / sizeof routes[0])) routes[nroutes++] = (route){methods, pattern, h, 1, max_body};
}
void http_fallback(http_handler h) { fallback = h; }

/* Match path against a pattern where "{}" stands for one non-empty segment. */
static int match(const char *pat, const char *path, http_req *r) {
    int np = 0;
    while (*pat && *path) {
        if (pat[0] == '{' && pat[1] == '}') {
            const char *end = strchr(path, '/');
            size_t n = end ? (size_t)(end - path) : strlen(path);
            if (n == 0 || np >= HTTP_MAX_PARAMS) return 0;
            if (r) r->params[np] = arena_strndup(r->a, path, n);
            np++;
            path += n;
            pat += 2;
        } else if (*pat++ != *path++) return 0;
    }
    return !*pat && !*path;
}

/* ---- metrics ---- */

static const double buckets_ms[] = {0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
#define NBUCKETS (sizeof buckets_ms / sizeof buckets_ms[0])
static struct {
    unsigned long requests[6];          /* by status class 1xx..5xx, index 0 unused */
    unsigned long bucket[NBUCKETS + 1]; /* cumulative handled at render time */
    double latency_sum_s;
} m;


static void metrics_observe(int status, double ms) {
    int cls = status / 100;
    if (cls < 1 || cls > 5) cls = 5;
    __atomic_add_fetch(&m.requests[cls], 1, __ATOMIC_RELAXED);
    size_t i = 0;
    while (i < NBUCKETS && ms > buckets_ms[i]) i++;
    __atomic_add_fetch(&m.bucket[i], 1, __ATOMIC_RELAXED);
    /* a racy double add loses at most a sample's latency under contention; counts stay exact */
    m.latency_sum_s += ms / 1000.0;
}

void http_metrics_render(buf *o) {
    buf_puts(o, "# HELP cylinder_http_requests_total HTTP requests answered, by status class.\n"
                "# TYPE cylinder_http_requests_total counter\n");
    unsigned long total = 0;
    for (int c = 1; c <= 5; c++) {
        unsigned long v = __atomic_load_n(&m.requests[c], __ATOMIC_RELAXED);
        total += v;
        buf_printf(o, "cylinder_http_requests_total{code=\"%dxx\"} %lu\n", c, v);
    }
    buf_puts(o, "# HELP cylinder_http_errors_total HTTP requests answered with a 5xx status.\n"
                "# TYPE cylinder_http_errors_total counter\n");
    buf_printf(o, "cylinder_http_errors_total %lu\n", __atomic_load_n(&m.requests[5], __ATOMIC_RELAXED));
    buf_puts(o, "# HELP cylinder_http_request_duration_seconds Time from request start to response queued.\n"
                "# TYPE cylinder_http_request_duration_seconds histogram\n");
    unsigned long cum = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        cum += __atomic_load_n(&m.bucket[i], __ATOMIC_RELAXED);
        buf_printf(o, "cylinder_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets_ms[i] / 1000.0, cum);
    }
    cum += __atomic_load_n(&m.bucket[NBUCKETS], __ATOMIC_RELAXED);
    buf_printf(o, "cylinder_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    buf_printf(o, "cylinder_http_request_duration_seconds_sum %.6f\n", m.latency_sum_s);
    buf_printf(o, "cylinder_http_request_duration_seconds_count %lu\n", cum);
    (void)total;
}

/* ---- requests ---- */

typedef struct req_state {
    arena a;
    buf body;
    int too_large, busy;
    size_t limit;              /* the route's body limit */
    size_t reserved;           /* bytes of HTTP_UPLOAD_BUDGET this request holds */
    struct timespec start;
    /* for slow routes: the request waits suspended while a slow worker answers */
    http_req req;
    http_resp resp;
    int deferred, ready;
    char ip[64];
    const char *method;
    struct req_state *next;
} req_state;

const char *http_query(http_req *r, const char *key) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}
const char *http_header(http_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}
const char *http_cookie(http_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}
void http_add_header(http_resp *w, const char *name, const char *value) {
    if (w->nheaders < 8) { w->headers[w->nheaders][0] = name; w->headers[w->nheaders][1] = value; w->nheaders++; }
}

typedef struct iter_ctx { int (*fn)(void *, const char *, const char *); void *ctx; int rc; } iter_ctx;
static enum MHD_Result iter_cb(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
    (void)kind;
    iter_ctx *c = cls;
    c->rc = c->fn(c->ctx, k, v ? v : "");
    return c->rc ? MHD_NO : MHD_YES;
}
int http_query_each(http_req *r, int (*fn)(void *, const char *, const char *), void *ctx) {
    iter_ctx c = {fn, ctx, 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, iter_cb, &c);
    return c.rc;
}

static size_t upload_bytes;   /* reserved by requests with bodies over HTTP_MAX_BODY */

static int method_of(const char *m) {
    if (!strcmp(m, "GET")) return HTTP_GET;
    if (!strcmp(m, "POST")) return HTTP_POST;
    if (!strcmp(m, "PATCH")) return HTTP_PATCH;
    if (!strcmp(m, "DELETE")) return HTTP_DELETE;
    if (!strcmp(m, "PUT")) return HTTP_PUT;
    if (!strcmp(m, "HEAD")) return HTTP_HEAD;
    if (!strcmp(m, "OPTIONS")) return HTTP_OPTIONS;
    return 0;
}

/* Problems the server answers before any handler runs (same shape as api.c's). */
static void simple_problem(http_resp *w, int status, const char *type, const char *title, const char *detail) {
    w->status = status;
    w->content_type = "application/problem+json";
    buf_printf(&w->body, "{\"type\":\"/problems/%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}", type, title, status, detail);
}

/* The route for a request (placeholders filled in), or NULL with *path_matched
 * telling 405 from 404. */
static const route *find_route(http_req *r, int *path_matched) {
    int method = r->method == HTTP_HEAD ? HTTP_GET : r->method;
    *path_matched = 0;
    for (int i = 0; i < nroutes; i++) {
        if (!match(routes[i].pattern, r->path, NULL)) continue;
        *path_matched |= routes[i].methods; /* nonzero: the path exists; the bits feed the Allow header of a 405 */
        if (!(routes[i].methods & method)) continue;
        match(routes[i].pattern, r->path, r);
        return &routes[i];
    }
    return NULL;
}

static void dispatch(http_req *r, http_resp *w, const route *rt, int path_matched) {
    if (rt) rt->h(r, w);
    else if (path_matched) {
        simple_problem(w, 405, "method-not-allowed", "Method not allowed", "this resource does not take that method");
        static const struct { int bit; const char *name; } names[] = {
            {HTTP_GET, "GET, HEAD"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}};
        char allow[64] = "";
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (path_matched & names[i].bit) snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s", *allow ? ", " : "", names[i].name);
        http_add_header(w, "Allow", arena_strdup(r->a, allow)); /* RFC 9110: a 405 says what is allowed */
    } else if (fallback) fallback(r, w);
    else simple_problem(w, 404, "not-found", "Not found", "no such resource");
}

/* The body limit of the route a request will reach (the first whose path and method match, as in find_route). */
static size_t body_limit(int method, const char *path) {
    if (method == HTTP_HEAD) method = HTTP_GET;
    for (int i = 0; i < nroutes; i++)
        if ((routes[i].methods & method) && match(routes[i].pattern, path, NULL))
            return routes[i].max_body ? routes[i].max_body : HTTP_MAX_BODY;
    return HTTP_MAX_BODY;
}

/* Hold n bytes of the upload budget, or refuse. */
static int reserve_upload(size_t n) {
    size_t now = __atomic_add_fetch(&upload_bytes, n, __ATOMIC_SEQ_CST);
    if (now <= HTTP_UPLOAD_BUDGET) return 0;
    __atomic_sub_fetch(&upload_bytes, n, __ATOMIC_SEQ_CST);
    return -1;
}

/* ---- slow routes: a queue and two worker threads ---- */

#define SLOW_WORKERS 2
static pthread_mutex_t slow_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_cv = PTHREAD_COND_INITIALIZER;
static req_state *slow_head, *slow_tail;
static int slow_stop;
static pthread_t slow_threads[SLOW_WORKERS];

static void *slow_worker(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&slow_mu);
        while (!slow_head && !slow_stop) pthread_cond_wait(&slow_cv, &slow_mu);
        req_state *st = slow_head;
        if (st) { slow_head = st->next; if (!slow_head) slow_tail = NULL; }
        pthread_mutex_unlock(&slow_mu);
        if (!st) return NULL;
        int pm;
        const route *rt = find_route(&st->req, &pm);
        dispatch(&st->req, &st->resp, rt, pm);
        st->ready = 1;
        MHD_resume_connection(st->req.conn);
    }
}

static void slow_enqueue(req_state *st) {
    pthread_mutex_lock(&slow_mu);
    st->next = NULL;
    if (slow_tail) slow_tail->next = st; else slow_head = st;
    slow_tail = st;
    pthread_cond_signal(&slow_cv);
    pthread_mutex_unlock(&slow_mu);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, http_resp *w, int head) {
    struct MHD_Response *resp;
    if (w->static_body)
        resp = MHD_create_response_from_buffer(w->static_len, (void *)w->static_body, MHD_RESPMEM_PERSISTENT);
    else
        resp = MHD_create_response_from_buffer(w->body.len, (void *)buf_str(&w->body), MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    (void)head;
    if (w->content_type) MHD_add_response_header(resp, "Content-Type", w->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
    int has_cache = 0;
    for (int i = 0; i < w->nheaders; i++) {
        MHD_add_response_header(resp, w->headers[i][0], w->headers[i][1]);
        if (!strcasecmp(w->headers[i][0], "Cache-Control")) has_cache = 1;
    }
    if (!has_cache) MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)w->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static int access_log_on = 1;

/* Record, log and send the response of a request. */
static enum MHD_Result finish(struct MHD_Connection *c, req_state *st, http_req *r, http_resp *w) {
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (end.tv_sec - st->start.tv_sec) * 1e3 + (end.tv_nsec - st->start.tv_nsec) / 1e6;
    metrics_observe(w->status, ms);
    if (access_log_on) log_access(st->ip, st->method, r->path, w->status, ms);
    enum MHD_Result rc = send_resp(c, w, r->method == HTTP_HEAD);
    buf_free(&w->body);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)cls; (void)version;
    req_state *st = *con_cls;
    if (!st) {
        /* First call: only set up. Answering here would make libmicrohttpd close the connection. */
        st = calloc(1, sizeof *st);
        if (!st) return MHD_NO;
        arena_init(&st->a);
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
        st->limit = body_limit(method_of(method), url);
        if (cl && len > st->limit) st->too_large = 1;
        else if (st->limit > HTTP_MAX_BODY && (!cl || len > HTTP_MAX_BODY)) {
            /* a large upload: hold its size (or, not knowing it, the limit) of the budget before reading it */
            size_t want = cl ? (size_t)len : st->limit;
            if (reserve_upload(want)) st->busy = 1;
            else st->reserved = want;
        }
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!st->too_large && !st->busy) {
            size_t cap = st->reserved > HTTP_MAX_BODY ? st->reserved : HTTP_MAX_BODY;
            if (st->body.len + *upload_size > (cap < st->limit ? cap : st->limit)) { st->too_large = 1; buf_free(&st->body); }
            else buf_add(&st->body, upload, *upload_size);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (st->deferred) {
        /* resumed: the slow worker has written the answer */
        if (!st->ready) return MHD_YES;
        return finish(c, st, &st->req, &st->resp);
    }
    http_req *r = &st->req;
    http_resp *w = &st->resp;
    r->a = &st->a;
    r->method = method_of(method);
    r->path = url;
    r->body = buf_str(&st->body);
    r->body_len = st->body.len;
    r->conn = c;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(st->ip, sizeof st->ip, "?");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, st->ip, sizeof st->ip);
        else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, st->ip, sizeof st->ip);
    }
    r->client_ip = st->ip;
    st->method = method;
    w->status = 200;
    if (st->too_large)
        simple_problem(w, 413, "too-large", "Request body too large",
                       st->limit > HTTP_MAX_BODY ? arena_printf(r->a, "the request body is over the %zu MiB limit", st->limit >> 20)
                                                 : "the request body is over the 1 MiB limit");
    else if (st->busy)
        simple_problem(w, 503, "unavailable", "Service unavailable", "the server is taking other large uploads: try again in a minute");
    else if (!r->method) simple_problem(w, 405, "method-not-allowed", "Method not allowed", "this resource does not take that method");
    else {
        int pm;
        const route *rt = find_route(r, &pm);
        if (rt && rt->slow) {
            st->deferred = 1;
            MHD_suspend_connection(c);
            slow_enqueue(st);
            return MHD_YES;
        }
        dispatch(r, w, rt, pm);
    }
    return finish(c, st, r, w);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls; (void)c; (void)toe;
    req_state *st = *con_cls;
    if (!st) return;
    if (st->reserved) __atomic_sub_fetch(&upload_bytes, st->reserved, __ATOMIC_SEQ_CST);
    arena_free(&st->a);
    buf_free(&st->body);
    free(st);
    *con_cls = NULL;
}

static struct MHD_Daemon *daemon_;

int http_start(const http_config *cfg) {
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->host, &sa.sin_addr) != 1) {
        log_error("cannot listen on %s: not an IPv4 address", cfg->host);
        return -1;
    }
    const char *al = getenv("CYLINDER_ACCESS_LOG");
    access_log_on = !(al && !strcmp(al, "0"));
    slow_stop = 0;
    for (int i = 0; i < SLOW_WORKERS; i++) pthread_create(&slow_threads[i], NULL, slow_worker, NULL);
    daemon_ = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
                               (uint16_t)cfg->port, NULL, NULL, on_request, NULL,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                               MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 0 ? cfg->threads : 2),
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                               MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                               MHD_OPTION_CONNECTION_LIMIT, 4096u,
                               /* header and per-connection buffer limit: oversized headers get 431. Kept small because
                                * libmicrohttpd clears the pool between requests on a connection. */
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
                               MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                               MHD_OPTION_END);
    if (!daemon_) { log_error("cannot listen on %s:%d", cfg->host, cfg->port); return -1; }
    return 0;
}

int http_bound_port(void) {
    const union MHD_DaemonInfo *di = daemon_ ? MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    return di ? di->port : 0;
}

void http_stop(void) {
    pthread_mutex_lock(&slow_mu);
    slow_stop = 1;
    pthread_cond_broadcast(&slow_cv);
    pthread_mutex_unlock(&slow_mu);
    for (int i = 0; i < SLOW_WORKERS; i++) pthread_join(slow_threads[i], NULL);
    if (daemon_) MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}
