#include "err.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistr.h>

/* Everything here reaches the client as JSON, which must be UTF-8: bytes the
 * caller passed through (query keys, a name cut at the buffer's end) that are
 * not valid become '?', or jansson would drop the whole string. */
static void utf8_clean(char *s) {
    uint8_t *bad;
    while ((bad = (uint8_t *)u8_check((const uint8_t *)s, strlen(s)))) *bad = '?';
}

int err_set(err *e, err_class cls, const char *fmt, ...) {
    if (!e) return -1;
    e->cls = cls;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    utf8_clean(e->msg);
    return -1;
}

int err_field_add(err *e, const char *field, const char *fmt, ...) {
    if (!e) return -1;
    if (e->cls == ERR_NONE || e->cls == ERR_VALIDATION) {
        e->cls = ERR_VALIDATION;
        if (!e->msg[0]) snprintf(e->msg, sizeof e->msg, "some fields are not valid");
    }
    if (e->nfields < ERR_MAX_FIELDS) {
        err_field *f = &e->fields[e->nfields++];
        snprintf(f->name, sizeof f->name, "%s", field);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->reason, sizeof f->reason, fmt, ap);
        va_end(ap);
        utf8_clean(f->name);
        utf8_clean(f->reason);
    }
    return -1;
}

static const struct { int status; const char *type, *title; } table[] = {
    [ERR_NONE] = {200, "ok", "OK"},
    [ERR_BAD_REQUEST] = {400, "bad-request", "The request could not be read"},
    [ERR_UNAUTHORIZED] = {401, "unauthorized", "Authentication required"},
    [ERR_FORBIDDEN] = {403, "forbidden", "Not allowed"},
    [ERR_NOT_FOUND] = {404, "not-found", "Not found"},
    [ERR_CONFLICT] = {409, "conflict", "Conflict"},
    [ERR_PRECONDITION] = {412, "precondition-failed", "The record has changed"},
    [ERR_TOO_LARGE] = {413, "too-large", "Request body too large"},
    [ERR_VALIDATION] = {422, "validation", "Some fields are not valid"},
    [ERR_RATE_LIMITED] = {429, "rate-limited", "Too many attempts"},
    [ERR_UNAVAILABLE] = {503, "unavailable", "Service unavailable"},
    [ERR_INTERNAL] = {500, "internal", "Internal error"},
};

int err_http_status(err_class c) { return table[c].status; }
const char *err_type(err_class c) { return table[c].type; }
const char *err_title(err_class c) { return table[c].title; }
