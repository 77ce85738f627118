/* targets: what a column of an import file can fill, per record type, and the
 * header names that suggest each one (English and Chinese, as spreadsheets
 * and other CRMs write them). A target is a field of the record (read by the
 * field's type), a reference given by name or email (owner, account, stage,
 * ...), or one of the few things an import sets that an API create does not
 * (when the record was created, when a deal closed, the product it is for). */
#ifndef IO_TARGETS_H
#define IO_TARGETS_H
#include <jansson.h>
#include "../crm/record.h"
#include "csvtable.h"

typedef enum {
    TG_FIELD = 1,   /* a field of the record, read by its type */
    TG_REF,         /* a reference field, given by the referenced record's name (users: or email) */
    TG_CREATED,     /* when the record was created (a date); default: now */
    TG_CLOSED,      /* opportunities: when a won or lost deal closed; default: its close_date */
    TG_PRODUCT,     /* opportunities: the product, given by name or SKU; the deal gets a line item */
    TG_QUANTITY,    /* opportunities: that line item's quantity; default 1 */
} target_kind;

typedef struct target {
    const char *name;               /* used in mappings: "account", "owner", "amount", "created" */
    target_kind kind;
    const char *field;              /* TG_FIELD, TG_REF: the record field it fills */
    int required;                   /* every row needs a value (no default can stand in) */
    const char *deflt;              /* value for an empty or unmapped cell (fields that are never null) */
    const char *const *synonyms;    /* header names that suggest it, as compact keys (see target_suggest) */
} target;

#define TARGETS_MAX 24

typedef struct target_set {
    const record_def *def;
    const target *targets;          /* ends with {NULL} */
} target_set;

const target_set *target_set_for(const char *entity);       /* NULL if the entity cannot be imported */
const char *target_entities(void);                           /* "accounts, contacts, ..." for messages */
int target_count(const target_set *ts);
int target_find(const target_set *ts, const char *name);     /* index, or -1 */
const field_def *target_field(const target_set *ts, int i);  /* the record field of target i, or NULL */

/* A mapping: for each target, the column (0-based) that fills it, or -1. */
typedef struct target_map { int col[TARGETS_MAX]; } target_map;

/* Suggest a mapping from the header: each column whose name (case, spaces and
 * punctuation aside) is a synonym of a target fills it; the first such column wins. */
void target_suggest(arena *a, const target_set *ts, const csvtable *t, target_map *m);

/* {"target": "column name", ...} -> mapping; unknown targets or columns are field errors. */
int target_map_from_json(const target_set *ts, const csvtable *t, const json_t *j, target_map *m, err *e);
json_t *target_map_json(const target_set *ts, const csvtable *t, const target_map *m);   /* the reverse */
json_t *target_list_json(const target_set *ts);   /* [{name, type, required, reference}] for a mapping screen */
#endif
