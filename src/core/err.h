/* err: how a failure travels from the store or a domain rule up to the HTTP
 * layer. A class picks the HTTP status; a message goes to the client (and the
 * log); field errors say which input field was wrong and why. */
#ifndef CORE_ERR_H
#define CORE_ERR_H

typedef enum {
    ERR_NONE = 0,
    ERR_BAD_REQUEST,   /* 400: unparseable input (malformed JSON, bad query) */
    ERR_UNAUTHORIZED,  /* 401: no or bad credentials */
    ERR_FORBIDDEN,     /* 403: authenticated but not allowed */
    ERR_NOT_FOUND,     /* 404: no such record, or one the caller may not see */
    ERR_CONFLICT,      /* 409: duplicate key or stale version */
    ERR_PRECONDITION,  /* 412: If-Match did not match */
    ERR_TOO_LARGE,     /* 413: body over the limit */
    ERR_VALIDATION,    /* 422: well-formed input that breaks a rule; see fields */
    ERR_RATE_LIMITED,  /* 429: too many attempts */
    ERR_UNAVAILABLE,   /* 503: database busy or down */
    ERR_INTERNAL,      /* 500: a bug or an unexpected store failure */
} err_class;

#define ERR_MAX_FIELDS 16

typedef struct err_field { char name[64]; char reason[192]; } err_field;

typedef struct err {
    err_class cls;
    char msg[256];
    int nfields;
    err_field fields[ERR_MAX_FIELDS];
    const char *extra_json;   /* optional JSON object text merged into the problem (arena- or static-owned) */
} err;

int  err_set(err *e, err_class cls, const char *fmt, ...) __attribute__((format(printf, 3, 4))); /* returns -1 */
int  err_field_add(err *e, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4))); /* adds a field reason, class VALIDATION; returns -1 */
int  err_http_status(err_class cls);         /* HTTP status for a class */
const char *err_type(err_class cls);         /* stable problem type slug, e.g. "validation" */
const char *err_title(err_class cls);        /* short human title */
#endif
