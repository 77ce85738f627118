/* record: the generic life of a business record, driven by a declarative
 * description of its fields. Validation (types, lengths, enums, dates,
 * references the caller may see), create / get / list / update / delete,
 * optimistic concurrency through `version`, soft delete, and the field-by-field
 * audit log. Entity-specific rules plug in through the hooks of record_def.
 *
 * Records travel as jansson objects: the JSON the API reads and writes. */
#ifndef CRM_RECORD_H
#define CRM_RECORD_H
#include <jansson.h>
#include <stdint.h>
#include "../auth/policy.h"
#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../store/store.h"

typedef struct crm_ctx {
    store *db;
    arena *a;
    const principal *p;
    json_t *server_fields;   /* optional values the server sets on create (e.g. a password hash); not owned */
    struct lead_batch *leads;   /* many lead intakes in one transaction (an import): see leads.h; else NULL */
} crm_ctx;

typedef enum {
    FT_TEXT = 1, FT_EMAIL, FT_ENUM, FT_CURRENCY,  /* strings */
    FT_INT, FT_MONEY, FT_BP,                      /* integers: plain, minor units >= 0, basis points 0..10000 */
    FT_DATE, FT_TIME, FT_BOOL,                    /* "YYYY-MM-DD", RFC 3339 (stored as ms), true/false */
    FT_REF,                                       /* id of a record of def->ref that the caller can see */
} field_type;

enum {
    FF_REQUIRED = 1,   /* must be given on create (may still have a default from a hook) */
    FF_READONLY = 2,   /* set by the server; rejected in input */
    FF_CREATE_ONLY = 4,/* may be given on create, not changed later */
    FF_SEARCH = 8,     /* matched by ?q= */
    FF_FILTER = 16,    /* ?name= (and ranges for dates, times, money) */
    FF_SORT = 32,      /* ?sort=name or -name */
    FF_HIDDEN = 64,    /* never written to output (password hashes) */
    FF_NONULL = 128,   /* may be left out (a default applies) but never set to null */
};

typedef struct field_def {
    const char *name;          /* JSON key and column */
    field_type type;
    unsigned flags;
    int max;                   /* characters for text; upper bound for FT_INT (0: none) */
    const char *ref;           /* FT_REF: referenced entity name */
    const char *const *values; /* FT_ENUM: NULL-terminated allowed values */
} field_def;

typedef struct record_def record_def;

/* A hook sees the merged record (old values overlaid with the input) and may
 * fill defaults or refuse. old is NULL on create. Return 0 or -1 with e set. */
typedef int (*record_check)(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e);
/* Runs inside the write transaction after the row is written. */
typedef int (*record_after)(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e);

typedef struct extra_col { const char *name; const char *sql; field_type type; } extra_col;

struct record_def {
    const char *name;          /* entity = table = URL segment, e.g. "accounts" */
    const char *label;         /* singular for messages, e.g. "account" */
    access_kind access;
    const field_def *fields;   /* ends with {NULL} */
    const extra_col *extras;   /* read-only joined columns for output, ends with {NULL} */
    const char *default_sort;  /* e.g. "-id" */
    record_check check;        /* domain rules before a create/update */
    record_after after;        /* follow-up writes in the same transaction */
    int hard_delete;           /* delete the row instead of setting deleted_at */
};

const record_def *record_find(const char *name);                       /* by entity name, NULL if unknown */
const field_def *record_field(const record_def *d, const char *name); /* NULL if unknown */

int record_create(crm_ctx *c, const record_def *d, const json_t *in, json_t **out, err *e);
/* record_create inside a write transaction the caller already holds, so that
 * several records are made in one unit of work (a lead's conversion, playbook tasks). */
int record_create_in(crm_ctx *c, const record_def *d, const json_t *in, json_t **out, err *e);
int record_get(crm_ctx *c, const record_def *d, int64_t id, json_t **out, err *e);  /* ERR_NOT_FOUND if not visible */
/* if_version: 0 = no precondition. Returns ERR_PRECONDITION when stale. */
int record_update(crm_ctx *c, const record_def *d, int64_t id, const json_t *patch, int64_t if_version, json_t **out, err *e);
int record_delete(crm_ctx *c, const record_def *d, int64_t id, int64_t if_version, err *e);

/* Lists: filters come as key/value pairs from the query string. */
typedef struct list_query {
    const char *keys[32], *vals[32];
    int n;
    int limit;                 /* 1..200, default 50 */
    const char *after;         /* opaque cursor */
    const char *sort;
} list_query;
/* One query-string parameter into q: limit (1..200, else -1, which the list
 * refuses), after and sort, or a filter (at most 32; more are dropped). */
void list_query_add(list_query *q, const char *key, const char *value);
int record_list(crm_ctx *c, const record_def *d, const list_query *q, json_t **out, err *e); /* {"items":[...],"next":cursor|null} */
int record_list_text(crm_ctx *c, const record_def *d, const list_query *q, buf *out, err *e);  /* the same page as JSON text */

/* The filter part of a list query as SQL, for domain queries over the same
 * filters (the board, exports): " AND ..." over alias t, with its bindings. */
typedef struct record_bind { int is_int; int64_t i; const char *s; } record_bind;
#define RECORD_MAX_BINDS 80
typedef struct record_where { const char *sql; record_bind b[RECORD_MAX_BINDS]; int n; } record_where;
int  record_filters(crm_ctx *c, const record_def *d, const list_query *q, record_where *w, err *e); /* ERR_BAD_REQUEST on a bad filter */
void record_bind_where(store_stmt *st, const record_where *w, int first);  /* bind w's values from index first */

/* Used by domain modules that write around the generic path. */
int record_visible(crm_ctx *c, const char *entity, int64_t id, err *e);     /* 1 visible, 0 not, -1 error */
int record_must_see(crm_ctx *c, const record_def *d, int64_t id, err *e);  /* 0 if visible, else -1 (ERR_NOT_FOUND) */
int record_load(crm_ctx *c, const record_def *d, int64_t id, int for_write, json_t **out, err *e); /* row as JSON, honouring scope */
int audit_write(crm_ctx *c, const char *entity, int64_t id, const char *action, const char *field,
                const char *old_value, const char *new_value, err *e);
char *record_value_text(const json_t *v);
json_t *record_column(store_stmt *st, int col, field_type t);  /* a result column as JSON by field type; null for NULL */   /* audit representation of a JSON value; malloc'd, NULL for null */
int  record_in_tx(crm_ctx *c, int (*fn)(crm_ctx *, void *, err *), void *arg, err *e); /* run fn in a write transaction */
#endif
