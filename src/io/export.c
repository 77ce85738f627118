/* export.c: list pages into CSV (libcsv quoting) or XLSX (libxlsxwriter). */
#include "export.h"
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>
#include "../core/timeutil.h"

static const char *const fixed_cols[] = {"id", "created_at", "updated_at"};
#define NFIXED 3

void export_csv_bom(buf *b) { buf_puts(b, "\xEF\xBB\xBF"); }

static void csv_quoted(buf *b, const char *s, size_t n) {
    size_t need = csv_write(NULL, 0, s, n);
    char *q = malloc(need);
    if (!q) abort();
    csv_write(q, need, s, n);
    buf_add(b, q, need);
    free(q);
}

void export_csv_field(buf *b, const char *s, int first) {
    if (!first) buf_putc(b, ',');
    if (!s) s = "";
    /* text that a spreadsheet would run as a formula is defused with a leading quote */
    if (s[0] && strchr("=+-@\t\r", s[0])) {
        size_t n = strlen(s);
        char *safe = malloc(n + 2);
        if (!safe) abort();
        safe[0] = '\'';
        memcpy(safe + 1, s, n + 1);
        csv_quoted(b, safe, n + 1);
        free(safe);
    } else csv_quoted(b, s, strlen(s));
}

/* ---- the two sinks ---- */

typedef struct sink {
    export_format f;
    buf *out;                        /* CSV */
    lxw_workbook *wb;                /* XLSX */
    lxw_worksheet *ws;
    lxw_format *date_fmt, *time_fmt, *head_fmt;
    int row;
} sink;

static const field_type fixed_types[] = {FT_INT, FT_TIME, FT_TIME};

static void csv_value(buf *b, const json_t *v, int first) {
    if (json_is_string(v)) export_csv_field(b, json_string_value(v), first);
    else if (!v || json_is_null(v)) export_csv_field(b, "", first);
    else if (json_is_real(v)) {
        char num[32];
        snprintf(num, sizeof num, "%.15g", json_real_value(v));   /* 0.4 and 19, not 0.40000000000000002 and 19.0 */
        export_csv_field(b, num, first);
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        export_csv_field(b, s ? s : "", first);
        free(s);
    }
}

/* An RFC 3339 time or a YYYY-MM-DD date as an Excel date-time (UTC). */
static int excel_time(const char *s, lxw_datetime *dt) {
    int64_t ms;
    if (time_valid_date(s)) ms = time_date_to_ms(s);
    else if (time_parse_ts(s, &ms)) return -1;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    *dt = (lxw_datetime){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec + (double)(ms % 1000) / 1000.0};
    return 0;
}

static void xlsx_value(sink *k, int col, const json_t *v, field_type t) {
    lxw_datetime dt;
    if (!v || json_is_null(v)) return;
    if (json_is_number(v)) worksheet_write_number(k->ws, (lxw_row_t)k->row, (lxw_col_t)col, json_number_value(v), NULL);
    else if (json_is_boolean(v)) worksheet_write_boolean(k->ws, (lxw_row_t)k->row, (lxw_col_t)col, json_is_true(v), NULL);
    else if ((t == FT_DATE || t == FT_TIME) && json_is_string(v) && !excel_time(json_string_value(v), &dt))
        worksheet_write_datetime(k->ws, (lxw_row_t)k->row, (lxw_col_t)col, &dt, t == FT_DATE ? k->date_fmt : k->time_fmt);
    else if (json_is_string(v)) {
        /* a cell holds at most 32767 characters */
        const char *s = json_string_value(v);
        char *cut = strlen(s) > 32767 ? strndup(s, 32767) : NULL;
        worksheet_write_string(k->ws, (lxw_row_t)k->row, (lxw_col_t)col, cut ? cut : s, NULL);
        free(cut);
    }
}

static int sink_open(sink *k, const char *sheet, const export_col *cols, int ncols, const char *path, err *e) {
    if (k->f == EXPORT_CSV) export_csv_bom(k->out);
    else {
        lxw_workbook_options opt = {.constant_memory = LXW_TRUE};
        k->wb = workbook_new_opt(path, &opt);
        if (!k->wb) return err_set(e, ERR_INTERNAL, "cannot create the workbook %s", path);
        k->ws = workbook_add_worksheet(k->wb, sheet);
        k->date_fmt = workbook_add_format(k->wb);
        format_set_num_format(k->date_fmt, "yyyy-mm-dd");
        k->time_fmt = workbook_add_format(k->wb);
        format_set_num_format(k->time_fmt, "yyyy-mm-dd hh:mm:ss");
        k->head_fmt = workbook_add_format(k->wb);
        format_set_bold(k->head_fmt);
        worksheet_freeze_panes(k->ws, 1, 0);
    }
    for (int col = 0; col < ncols; col++) {
        if (k->f == EXPORT_CSV) export_csv_field(k->out, cols[col].name, col == 0);
        else {
            worksheet_write_string(k->ws, 0, (lxw_col_t)col, cols[col].name, k->head_fmt);
            worksheet_set_column(k->ws, (lxw_col_t)col, (lxw_col_t)col, cols[col].type == FT_TEXT ? 24 : 14, NULL);
        }
    }
    if (k->f == EXPORT_CSV) buf_puts(k->out, "\r\n");
    k->row = 1;
    return 0;
}

static void sink_row(sink *k, const export_col *cols, int ncols, const json_t *rec) {
    for (int col = 0; col < ncols; col++) {
        if (k->f == EXPORT_CSV) csv_value(k->out, json_object_get(rec, cols[col].name), col == 0);
        else xlsx_value(k, col, json_object_get(rec, cols[col].name), cols[col].type);
    }
    if (k->f == EXPORT_CSV) buf_puts(k->out, "\r\n");
    k->row++;
}

static int sink_close(sink *k, int ok, err *e) {
    if (k->f == EXPORT_CSV || !k->wb) return 0;
    lxw_error rc = workbook_close(k->wb);
    k->wb = NULL;
    if (ok && rc != LXW_NO_ERROR) return err_set(e, ERR_INTERNAL, "cannot write the workbook: %s", lxw_strerror(rc));
    return 0;
}

int export_pages(const char *sheet, const export_col *cols, int ncols, export_page_fn next_page, void *arg, export_format f,
                 const char *path, buf *out, err *e) {
    sink k = {.f = f, .out = out};
    /* a bad filter is refused before anything is written */
    json_t *page = NULL;
    if (next_page(arg, NULL, &page, e)) return -1;
    if (sink_open(&k, sheet, cols, ncols, path, e)) { json_decref(page); return -1; }
    for (int rows = 0; page && rows < EXPORT_MAX_ROWS;) {
        size_t i;
        json_t *rec;
        json_array_foreach(json_object_get(page, "items"), i, rec) {
            if (rows == EXPORT_MAX_ROWS) break;
            sink_row(&k, cols, ncols, rec);
            rows++;
        }
        char *after = json_is_string(json_object_get(page, "next")) ? strdup(json_string_value(json_object_get(page, "next"))) : NULL;
        json_decref(page);
        page = NULL;
        int rc = after && rows < EXPORT_MAX_ROWS ? next_page(arg, after, &page, e) : 0;
        free(after);
        if (rc) { sink_close(&k, 0, e); return -1; }
    }
    json_decref(page);
    if (f == EXPORT_XLSX && k.row > 1) worksheet_autofilter(k.ws, 0, 0, (lxw_row_t)(k.row - 1), (lxw_col_t)(ncols - 1));
    return sink_close(&k, 1, e);
}

/* ---- a record list ---- */

typedef struct list_pages { crm_ctx *c; const record_def *d; list_query q; } list_pages;

static int list_page(void *arg, const char *after, json_t **page, err *e) {
    list_pages *lp = arg;
    lp->q.after = after ? arena_strdup(lp->c->a, after) : NULL;
    return record_list(lp->c, lp->d, &lp->q, page, e);
}

int export_list(crm_ctx *c, const record_def *d, const list_query *in, export_format f, const char *path, buf *out, err *e) {
    if (in->limit || in->after) return err_set(e, ERR_BAD_REQUEST, "an export takes every matching row: leave out limit and after");
    int n = NFIXED;
    for (const field_def *fd = d->fields; fd->name; fd++) n += !(fd->flags & FF_HIDDEN);
    export_col *cols = arena_alloc(c->a, sizeof *cols * (size_t)n);
    n = 0;
    for (int i = 0; i < NFIXED; i++) cols[n++] = (export_col){fixed_cols[i], fixed_types[i]};
    for (const field_def *fd = d->fields; fd->name; fd++)
        if (!(fd->flags & FF_HIDDEN)) cols[n++] = (export_col){fd->name, fd->type};
    list_pages lp = {c, d, *in};
    lp.q.limit = 200;
    return export_pages(d->name, cols, n, list_page, &lp, f, path, out, e);
}
