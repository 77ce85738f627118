/* analytics: the pipeline analytics a sales manager coaches from.
 *
 *   analytics.h   this entry point: run a report by name
 *   figures.h     the reports, and what each number means
 *   query.h       parameters, who counts, the deal predicates they share
 *   snapshot.h    the in-memory copy of the facts, kept exact by delta syncs
 *   calc.h        exact rates, rounding, shrinkage, ISO weeks
 *   quota.h       sales targets per user or team
 *   dict.h        dense numbering of ids and strings for the snapshot */
#ifndef ANALYTICS_ANALYTICS_H
#define ANALYTICS_ANALYTICS_H
#include "../crm/record.h"
#include "../io/export.h"

/* Run the report `name` (conversion, funnel, forecast, calibration, cycle,
 * velocity, breakdown, activity, reps, deals) with the query string's
 * parameters. ERR_NOT_FOUND for an unknown report; ERR_BAD_REQUEST with field
 * reasons for bad parameters; ERR_FORBIDDEN for figures not the caller's. */
int analytics_report(crm_ctx *c, const char *name, const list_query *lq, json_t **out, err *e);

/* The deals (or, metric=activities, the activities) behind a figure, every
 * page of GET /analytics/deals with these parameters, as a CSV or a workbook
 * (see export.h). ERR_BAD_REQUEST for limit and after, and as the report. */
int analytics_export(crm_ctx *c, const list_query *lq, export_format f, const char *path, buf *out, err *e);
#endif
