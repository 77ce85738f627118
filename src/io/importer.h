/* importer.h: private to src/io/import*.c. The state of one import run and
 * the steps the three files share:
 *   import.c        the run: cells into values, problems, the report
 *   importrules.c   references by name, duplicates, each record type's rules
 *   importwrite.c   the write transaction (records, stage history, line items, audit) */
#ifndef IO_IMPORTER_H
#define IO_IMPORTER_H
#include "import.h"
#include "lookup.h"
#include "rows.h"

#define IMP_MAX_COLS 24
enum { RV_ROW = 9 };   /* a rows_val that is another row of this file (i: its index), made an id when written */

/* One row on its way to the database. */
typedef struct irec {
    size_t row;            /* index in the table */
    int bad;
    rows_val *v;           /* the record's columns, in imp.cols order */
    int64_t created;       /* UTC ms */
    int64_t id;            /* given at write time */
    int depth;             /* self references (parent accounts, teams): parents are written first */
    /* opportunities */
    int64_t closed;        /* UTC ms when won or lost; 0 while open */
    const lookup_entry *entry;          /* the open stage a closed deal entered the pipeline at */
    const lookup_entry *stage, *product;   /* their extras: see importrules.c */
    int64_t quantity, unit_price;
    const char *currency;  /* the row's currency (a column, or the import's) */
} irec;

/* A pipeline's stages by name, and the open stage deals enter at. */
typedef struct pipe_stages { int64_t pipeline; lookup *stages; const lookup_entry *first; } pipe_stages;

typedef struct imp {
    crm_ctx *c;
    const target_set *ts;
    const record_def *d;
    const csvtable *t;
    const target_map *m;
    const import_options *o;
    import_result *r;
    const char *cols[IMP_MAX_COLS];       /* the columns written: id, created_at, updated_at, the record's fields */
    const field_def *colf[IMP_MAX_COLS];  /* their fields (NULL for the first three) */
    int ncols;
    irec *recs;
    const char *currency;                 /* for rows without one */
    int64_t now;
    lookup *refs[8];                      /* existing records by name, per referenced entity (see importrules.c) */
    lookup *infile;                       /* names of this file's rows, for references to a parent row */
    lookup *seen;                         /* duplicate keys of the rows read so far */
    lookup *existing;                     /* keys of records already in the database, for duplicates */
    lookup *changes;                      /* "target\x1fvalue" -> what it was read as */
    lookup *visible;                      /* ids checked with record_visible ("entity:id") */
    lookup *vocab[TARGETS_MAX];           /* values already in use, per free-text target (near-miss values) */
    int report_full;                      /* the report reached IMPORT_MAX_REPORT */
    int64_t default_pipeline;
    pipe_stages pipes[8];
    int npipes;
} imp;

/* import.c */
int  imp_problem(imp *im, irec *rec, int target, const char *value, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
enum { CH_MAP, CH_ACCEPTED, CH_SUGGESTED };   /* how a value came to be read as another: see import.h's changes */
void imp_change(imp *im, int target, const char *value, const char *read_as, int how);
int  imp_col(const imp *im, const char *field);          /* index in cols, or -1 */
const char *imp_cell(const imp *im, const irec *rec, int target);   /* the mapped cell, before conversion */

/* importrules.c */
int imp_prepare(imp *im, err *e);                        /* permission, defaults, lookups the rows need */
/* A reference by name (or email, or SKU): its id into *out (another row of the file: RV_ROW), the entry
 * (NULL for a file row, or when it is a problem). Returns -1 only when the store fails. */
int imp_ref(imp *im, irec *rec, int target, const char *value, rows_val *out, const lookup_entry **hit, err *e);
int imp_vocab(imp *im, int target, lookup **out, err *e);   /* the values in use for a free-text target */
int imp_rules(imp *im, irec *rec, err *e);               /* the record type's rules, after every target is read */
void imp_link(imp *im);                                  /* rows whose parent row is bad or loops back are bad */

/* importwrite.c */
int imp_write(imp *im, err *e);
#endif
