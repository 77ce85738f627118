/* http: the server adapter over libmicrohttpd. It reads a whole request (with
 * limits), finds the route, calls the handler with a request arena, and sends
 * what the handler put in the response, with security headers and an access
 * log line. Handlers never see libmicrohttpd. */
#ifndef HTTP_HTTP_H
#define HTTP_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include "../core/arena.h"
#include "../core/buf.h"

enum { HTTP_GET = 1, HTTP_POST = 2, HTTP_PATCH = 4, HTTP_DELETE = 8, HTTP_PUT = 16, HTTP_HEAD = 32, HTTP_OPTIONS = 64 };

#define HTTP_MAX_BODY   (1024 * 1024)   /* request bodies over 1 MiB get 413 (upload routes: their own limit) */
#define HTTP_UPLOAD_BUDGET (64u * 1024 * 1024)  /* bytes all uploads over HTTP_MAX_BODY may hold at once; beyond: 503 */
#define HTTP_MAX_PARAMS 4               /* {placeholders} per route */

typedef struct http_req {
    arena *a;                 /* freed when the response is sent */
    int method;
    const char *path;         /* decoded path, no query string */
    const char *body;         /* NUL-terminated; body_len bytes */
    size_t body_len;
    const char *params[HTTP_MAX_PARAMS];  /* route placeholders in order */
    const char *client_ip;
    void *conn;               /* the server's connection, for headers and query */
    void *user;               /* set by the handler layer (the caller's identity) */
} http_req;

typedef struct http_resp {
    int status;
    const char *content_type;
    buf body;
    const char *headers[8][2]; /* extra headers, arena or static strings */
    int nheaders;
    const unsigned char *static_body; size_t static_len; /* for embedded assets; no copy */
} http_resp;

typedef void (*http_handler)(http_req *req, http_resp *resp);

const char *http_query(http_req *r, const char *key);      /* query parameter or NULL */
const char *http_header(http_req *r, const char *name);    /* request header or NULL */
const char *http_cookie(http_req *r, const char *name);    /* cookie or NULL */
void http_add_header(http_resp *w, const char *name, const char *value);
int  http_query_each(http_req *r, int (*fn)(void *ctx, const char *k, const char *v), void *ctx); /* every query pair */

/* Routes: pattern like "/api/v1/accounts/{}" where {} matches one segment. */
void http_route(int methods, const char *pattern, http_handler h);
/* A route whose handler burns CPU (password hashing): it runs on a small pool of
 * its own threads while the connection is suspended, so the I/O threads keep
 * serving everyone else. */
void http_route_slow(int methods, const char *pattern, http_handler h);
/* A slow route that takes a body up to max_body bytes (a file upload). Large
 * bodies are held in memory, so together they stay within HTTP_UPLOAD_BUDGET;
 * a request that would pass it is answered 503 before its body is read. */
void http_route_upload(int methods, const char *pattern, http_handler h, size_t max_body);
/* Called for every request no route matched (static assets, 404). */
void http_fallback(http_handler h);

typedef struct http_config {
    const char *host;
    int port;
    int threads;
} http_config;

int  http_start(const http_config *cfg);   /* 0 on success; serves in background threads */
void http_stop(void);
int  http_bound_port(void);                /* the port actually bound (for port 0) */

void http_metrics_render(buf *out);         /* request counts and latency histogram, Prometheus text */
#endif
