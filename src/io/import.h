/* import: CSV rows into business records, all or nothing.
 *
 * One call reads every row of a csvtable through a mapping (column -> target,
 * see targets.h): converts each cell by the target's type (dates, money,
 * yes/no, choices), reads references given by name or email in the caller's
 * scope, applies the record type's rules, and reports per row what is wrong,
 * with the closest existing name for a near miss. Then, unless it is a dry
 * run, it writes every row in one transaction: all rows, or with
 * skip_bad_rows every good row, or nothing. Records get their created date
 * from the file; imported opportunities get a stage history that agrees with
 * their stage and dates (created -> entry stage; won or lost at the close).
 *
 * The caller's permissions apply as in the API: the record kind must be one
 * they may create, owners must be people they may give records to, and only
 * a manager or admin may bring in deals past the first stage. Each record gets
 * one audit entry (action create) naming the file and row it came from.
 *
 * Checking happens before the write transaction, so a long file holds the
 * database's write lock only for the writing itself; progress is reported
 * through a callback (rows checked, then the write). */
#ifndef IO_IMPORT_H
#define IO_IMPORT_H
#include <jansson.h>
#include "../core/buf.h"
#include "../crm/record.h"
#include "cells.h"
#include "csvtable.h"
#include "targets.h"

#define IMPORT_MAX_PROBLEMS 200   /* problems listed in the result; the report has them all ... */
#define IMPORT_MAX_REPORT (32u * 1024 * 1024)   /* ... up to this size, then says the rest are not listed */
#define IMPORT_MAX_CHANGES 1000   /* distinct replacements and suggestions listed */

typedef struct import_options {
    cell_date_order date_order;    /* how to read 3/1/2017 (default month/day/year) */
    int skip_bad_rows;             /* 0: the first bad row stops the import and nothing is written */
    int accept_suggestions;        /* read a near-miss name or value as its closest match */
    int dry_run;                   /* check every row, write nothing */
    const char *currency;          /* for rows without a currency column; NULL: the server default */
    const json_t *values;          /* {"target": {"as written": "read as", ...}}: explicit replacements; borrowed */
    const char *source;            /* the file's name, for the audit trail */
    int64_t job;                   /* the import job, 0 from the command line */
    /* "checking" (rows of the file), then "writing" (0 of the good rows; leads, written one by one, count up) */
    void (*progress)(void *arg, const char *phase, size_t done, size_t total);
    void *progress_arg;
} import_options;

typedef struct import_result {
    size_t rows;                   /* data rows in the file */
    size_t imported;               /* rows written (a dry run: rows that would be) */
    size_t bad;                    /* rows with problems (skipped, or the reason nothing was written) */
    int stopped;                   /* a bad row stopped the import: nothing was written */
    json_t *problems;              /* [{row, column, value, problem}], the first IMPORT_MAX_PROBLEMS */
    json_t *changes;               /* [{target, column, value, read_as, rows, how}]: near misses and replacements */
    json_t *unmapped;              /* names of the columns nothing reads */
    buf report;                    /* CSV of every problem: row, column, problem, then the row as read */
    json_t *outcome;               /* leads, once written: {assigned, duplicate, unassigned, by_owner:[{owner, leads}]}; else NULL */
} import_result;

void import_result_init(import_result *r);
void import_result_free(import_result *r);

/* Check (and unless o->dry_run, write) every row. Errors (-1): the entity
 * cannot be imported or not by this caller, the mapping misses a required
 * target, or the store failed. Bad rows are not errors: they are in r. */
int import_run(crm_ctx *c, const target_set *ts, const csvtable *t, const target_map *m, const import_options *o,
               import_result *r, err *e);

/* Read {"date_order", "mode": "stop"|"skip", "accept_suggestions", "currency", "values"} into o
 * (strings stay owned by j). Field errors for anything else. */
int import_options_from_json(const json_t *j, import_options *o, err *e);
json_t *import_options_json(const import_options *o);
#endif
