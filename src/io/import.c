/* import.c: one import run: cells into values, problems, changes and the report (see import.h). */
#include "importer.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include "../core/money.h"
#include "../core/text.h"
#include "../core/timeutil.h"
#include "export.h"

#define PROGRESS_EVERY 1000

void import_result_init(import_result *r) {
    memset(r, 0, sizeof *r);
    r->problems = json_array();
    r->changes = json_array();
    r->unmapped = json_array();
}

void import_result_free(import_result *r) {
    json_decref(r->problems);
    json_decref(r->changes);
    json_decref(r->unmapped);
    json_decref(r->outcome);
    buf_free(&r->report);
    memset(r, 0, sizeof *r);
}

/* ---- options ---- */

static int values_ok(const json_t *v, err *e) {
    const char *k, *from;
    json_t *map, *to;
    if (!json_is_object(v)) return err_field_add(e, "values", "must be an object: {target: {value: replacement}}");
    json_object_foreach((json_t *)v, k, map) {
        if (!json_is_object(map)) return err_field_add(e, "values", "'%.40s' must map values to replacements", k);
        json_object_foreach(map, from, to)
            if (!json_is_string(to) || json_string_length(to) > 500)
                return err_field_add(e, "values", "the replacement of '%.40s' must be a string (at most 500 characters)", from);
    }
    return 0;
}

int import_options_from_json(const json_t *j, import_options *o, err *e) {
    const char *k;
    json_t *v;
    if (!j || json_is_null(j)) return 0;
    if (!json_is_object(j)) return err_field_add(e, "options", "must be an object");
    json_object_foreach((json_t *)j, k, v) {
        const char *s = json_string_value(v);
        if (!strcmp(k, "date_order")) {
            if (s && (!strcmp(s, "mdy") || !strcmp(s, "dmy"))) o->date_order = s[0] == 'd' ? CELL_DMY : CELL_MDY;
            else err_field_add(e, k, "must be mdy (3/1/2017 is March 1) or dmy (3/1/2017 is 3 January)");
        } else if (!strcmp(k, "mode")) {
            if (s && (!strcmp(s, "stop") || !strcmp(s, "skip"))) o->skip_bad_rows = s[1] == 'k';
            else err_field_add(e, k, "must be stop (the first bad row stops the import) or skip (bad rows are left out)");
        } else if (!strcmp(k, "accept_suggestions")) {
            if (json_is_boolean(v)) o->accept_suggestions = json_is_true(v);
            else err_field_add(e, k, "must be true or false");
        } else if (!strcmp(k, "currency")) {
            if (json_is_null(v)) o->currency = NULL;
            else if (s && money_currency(s)) o->currency = s;
            else err_field_add(e, k, "must be an ISO 4217 currency code such as CNY, USD, EUR");
        } else if (!strcmp(k, "values")) {
            if (!json_is_null(v) && !values_ok(v, e)) o->values = v;
        } else err_field_add(e, k, "is not an import option");
    }
    return e->cls ? -1 : 0;
}

json_t *import_options_json(const import_options *o) {
    return json_pack("{s:s, s:s, s:b, s:s?, s:O?}", "date_order", o->date_order == CELL_DMY ? "dmy" : "mdy",
                     "mode", o->skip_bad_rows ? "skip" : "stop", "accept_suggestions", o->accept_suggestions,
                     "currency", o->currency, "values", o->values);
}

/* ---- problems, changes and the report ---- */

static const char *target_column(const imp *im, int target) {
    if (target < 0) return "";
    int col = im->m->col[target];
    return col >= 0 ? im->t->header[col] : im->ts->targets[target].name;
}

int imp_problem(imp *im, irec *rec, int target, const char *value, const char *fmt, ...) {
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!rec->bad) im->r->bad++;
    rec->bad = 1;
    const char *column = target_column(im, target);
    int line = im->t->line[rec->row];
    if (json_array_size(im->r->problems) < IMPORT_MAX_PROBLEMS)
        json_array_append_new(im->r->problems, json_pack("{s:i, s:s, s:s?, s:s}", "row", line, "column", column,
                                                         "value", value, "problem", text));
    buf *b = &im->r->report;
    if (!b->len) {
        export_csv_bom(b);
        const char *head[] = {"row", "column", "problem"};
        for (int i = 0; i < 3; i++) export_csv_field(b, head[i], i == 0);
        for (int c = 0; c < im->t->ncols; c++) export_csv_field(b, im->t->header[c], 0);
        buf_puts(b, "\r\n");
    }
    if (b->len > IMPORT_MAX_REPORT) {
        if (!im->report_full) {
            export_csv_field(b, "", 1);
            export_csv_field(b, "", 0);
            export_csv_field(b, "more problems are not listed: fix these first", 0);
            buf_puts(b, "\r\n");
        }
        im->report_full = 1;
        return 0;
    }
    char num[16];
    snprintf(num, sizeof num, "%d", line);
    export_csv_field(b, num, 1);
    export_csv_field(b, column, 0);
    export_csv_field(b, value ? arena_printf(im->c->a, "'%s' %s", value, text) : text, 0);
    for (int c = 0; c < im->t->ncells[rec->row]; c++) export_csv_field(b, im->t->cells[rec->row][c], 0);
    buf_puts(b, "\r\n");
    return 0;
}

static const char *const how_names[] = {"value map", "suggestion accepted", "suggested"};

void imp_change(imp *im, int target, const char *value, const char *read_as, int how) {
    const char *key = arena_printf(im->c->a, "%d\x1f%s", target, value);
    lookup_entry *en = (lookup_entry *)lookup_get_key(im->changes, key);
    if (!en) {
        en = lookup_add_key(im->changes, key, value, target);
        en->text = read_as ? arena_strdup(im->c->a, read_as) : NULL;
        en->x[1] = how;
    }
    en->x[0]++;
}

static void changes_json(imp *im) {
    for (size_t i = 0; i < lookup_size(im->changes) && i < IMPORT_MAX_CHANGES; i++) {
        const lookup_entry *en = lookup_at(im->changes, i);
        json_array_append_new(im->r->changes, json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s}",
            "target", im->ts->targets[en->id].name, "column", target_column(im, (int)en->id), "value", en->name,
            "read_as", en->text, "rows", (json_int_t)en->x[0], "how", how_names[en->x[1]]));
    }
}

int imp_col(const imp *im, const char *field) {
    for (int i = 0; i < im->ncols; i++)
        if (!strcmp(im->cols[i], field)) return i;
    return -1;
}

const char *imp_cell(const imp *im, const irec *rec, int target) {
    return im->m->col[target] >= 0 ? csvtable_cell(im->t, rec->row, im->m->col[target]) : NULL;
}

/* ---- cells into values ---- */

static char *arena_upper(arena *a, const char *s) {
    char *u = arena_strdup(a, s);
    for (char *p = u; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p -= 32;
    return u;
}

static int email_ok(const char *s) {
    const char *at = strchr(s, '@');
    return at && at > s && !strchr(at + 1, '@') && strchr(at + 1, '.') && at[1] != '.' && !strpbrk(s, " \t\r\n,;<>");
}

/* Words for choices that people write instead of the stored value. */
static const struct { const char *field, *word, *value; } choice_words[] = {
    {"kind", "电话", "call"}, {"kind", "邮件", "email"}, {"kind", "电子邮件", "email"}, {"kind", "会议", "meeting"},
    {"kind", "拜访", "meeting"}, {"kind", "任务", "task"}, {"kind", "备注", "note"}, {"kind", "笔记", "note"},
    {"role", "管理员", "admin"}, {"role", "经理", "manager"}, {"role", "销售", "rep"}, {"role", "sales rep", "rep"},
    {"locale", "中文", "zh-CN"}, {"locale", "简体中文", "zh-CN"}, {"locale", "繁體中文", "zh-TW"}, {"locale", "english", "en"},
    {"locale", "magyar", "hu"}};

static const char *read_choice(imp *im, irec *rec, int ti, const field_def *f, const char *s) {
    arena *a = im->c->a;
    const char *k = text_key(a, s);
    lookup *l = lookup_new(a, text_key);
    for (int i = 0; f->values[i]; i++) {
        if (k && !strcmp(k, text_key(a, f->values[i]))) return f->values[i];
        lookup_add(l, f->values[i], 0);
    }
    for (size_t i = 0; i < sizeof choice_words / sizeof choice_words[0]; i++)
        if (!strcmp(choice_words[i].field, f->name) && k && !strcmp(k, text_key(a, choice_words[i].word)))
            return choice_words[i].value;
    const lookup_entry *near = lookup_near(l, s);
    if (near && im->o->accept_suggestions) {
        imp_change(im, ti, s, near->name, CH_ACCEPTED);
        return near->name;
    }
    buf allowed = BUF_INIT;
    for (int i = 0; f->values[i]; i++) buf_printf(&allowed, "%s%s", i ? ", " : "", f->values[i]);
    imp_problem(im, rec, ti, s, "must be one of: %s%s%s%s", buf_str(&allowed), near ? " (did you mean '" : "",
                near ? near->name : "", near ? "'?)" : "");
    buf_free(&allowed);
    return NULL;
}

/* Free text that names a category (industry, region, source): a value close
 * to one already in use is probably a typo of it. Suggest, never refuse. */
static const char *read_category(imp *im, int ti, const char *s, err *e) {
    lookup *vocab;
    if (imp_vocab(im, ti, &vocab, e)) return NULL;
    if (lookup_get(vocab, s)) return s;
    const lookup_entry *near = lookup_near(vocab, s);
    if (!near) return s;
    imp_change(im, ti, s, near->name, im->o->accept_suggestions ? CH_ACCEPTED : CH_SUGGESTED);
    return im->o->accept_suggestions ? near->name : s;
}

static int read_field(imp *im, irec *rec, int ti, const field_def *f, const char *s, rows_val *out, err *e) {
    arena *a = im->c->a;
    const char *why = NULL;
    cell_when w;
    int64_t n;
    int b;
    switch (f->type) {
    case FT_TEXT: case FT_EMAIL: {
        int max = f->max ? f->max : 200;
        if (u8_mbsnlen((const uint8_t *)s, strlen(s)) > (size_t)max) return imp_problem(im, rec, ti, NULL, "is longer than %d characters", max);
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p < 0x20 && !(max > 200 && (*p == '\n' || *p == '\r' || *p == '\t')))
                return imp_problem(im, rec, ti, s, "contains control characters (line breaks are allowed only in long text)");
        if (f->type == FT_EMAIL && !email_ok(s)) return imp_problem(im, rec, ti, s, "is not an email address");
        if (f->type == FT_TEXT && (f->flags & FF_FILTER) && !(f->flags & FF_SEARCH) && !(s = read_category(im, ti, s, e)))
            return e->cls ? -1 : 0;
        *out = (rows_val){RV_TEXT, 0, s};
        return 0;
    }
    case FT_ENUM:
        if ((s = read_choice(im, rec, ti, f, s))) *out = (rows_val){RV_TEXT, 0, s};
        return 0;
    case FT_CURRENCY:
        s = arena_upper(a, s);
        if (!money_currency(s)) return imp_problem(im, rec, ti, s, "is not an ISO 4217 currency code such as CNY, USD, EUR");
        *out = (rows_val){RV_TEXT, 0, s};
        return 0;
    case FT_MONEY:
        if (cell_money(s, rec->currency, &n, &why)) return imp_problem(im, rec, ti, s, "%s (%s)", why, rec->currency);
        *out = (rows_val){RV_INT, n, NULL};
        return 0;
    case FT_INT: case FT_BP:
        if (cell_int(s, f->type == FT_BP ? 10000 : f->max, &n, &why)) return imp_problem(im, rec, ti, s, "%s", why);
        *out = (rows_val){RV_INT, n, NULL};
        return 0;
    case FT_BOOL:
        if (cell_bool(s, &b)) return imp_problem(im, rec, ti, s, "is not yes or no (true/false, 1/0, 是/否)");
        *out = (rows_val){RV_INT, b, NULL};
        return 0;
    case FT_DATE: case FT_TIME:
        if (cell_date(s, im->o->date_order, &w, &why)) return imp_problem(im, rec, ti, s, "%s", why);
        *out = f->type == FT_DATE ? (rows_val){RV_TEXT, 0, arena_strdup(a, w.date)} : (rows_val){RV_INT, w.ms, NULL};
        return 0;
    case FT_REF:
        break;
    }
    return 0;
}

/* The cell of a target after the explicit replacements ("values"). */
static const char *mapped_cell(imp *im, const irec *rec, int ti) {
    const char *s = imp_cell(im, rec, ti);
    json_t *repl = s && im->o->values ? json_object_get(json_object_get(im->o->values, im->ts->targets[ti].name), s) : NULL;
    if (!json_is_string(repl)) return s;
    imp_change(im, ti, s, json_string_value(repl), CH_MAP);
    return *json_string_value(repl) ? json_string_value(repl) : NULL;
}

static int read_date(imp *im, irec *rec, int ti, const char *s, int64_t *ms) {
    cell_when w;
    const char *why;
    if (cell_date(s, im->o->date_order, &w, &why)) return imp_problem(im, rec, ti, s, "%s", why);
    *ms = w.ms;
    return 0;
}

static int read_row(imp *im, irec *rec, err *e) {
    rec->v = arena_alloc(im->c->a, sizeof *rec->v * (size_t)im->ncols);
    rec->currency = im->currency;
    int cur = target_find(im->ts, "currency");
    const char *cs = cur >= 0 ? mapped_cell(im, rec, cur) : NULL;
    if (cs) rec->currency = arena_upper(im->c->a, cs);   /* checked as the currency field below */
    if (!money_currency(rec->currency)) rec->currency = im->currency;
    for (int ti = 0; im->ts->targets[ti].name; ti++) {
        const target *tg = &im->ts->targets[ti];
        const char *s = ti == cur ? cs : mapped_cell(im, rec, ti);
        if (!s && tg->required) { imp_problem(im, rec, ti, NULL, "is required"); continue; }
        if (!s) s = tg->deflt;
        if (!s) continue;
        int col = tg->field ? imp_col(im, tg->field) : -1;
        int64_t n;
        const char *why;
        switch (tg->kind) {
        case TG_FIELD:
            if (read_field(im, rec, ti, target_field(im->ts, ti), s, &rec->v[col], e)) return -1;
            break;
        case TG_REF:
            if (imp_ref(im, rec, ti, s, &rec->v[col], NULL, e)) return -1;
            break;
        case TG_PRODUCT:
            if (imp_ref(im, rec, ti, s, NULL, &rec->product, e)) return -1;
            break;
        case TG_CREATED: read_date(im, rec, ti, s, &rec->created); break;
        case TG_CLOSED: read_date(im, rec, ti, s, &rec->closed); break;
        case TG_QUANTITY:
            if (cell_int(s, 1000000000, &n, &why)) imp_problem(im, rec, ti, s, "%s", why);
            else if (n < 1) imp_problem(im, rec, ti, s, "must be at least 1");
            else rec->quantity = n;
            break;
        }
    }
    return imp_rules(im, rec, e);
}

/* ---- the run ---- */

static int check_mapping(imp *im, err *e) {
    for (int ti = 0; im->ts->targets[ti].name; ti++)
        if (im->ts->targets[ti].required && im->m->col[ti] < 0)
            err_field_add(e, im->ts->targets[ti].name, "is required: map a column to it");
    for (int c = 0; c < im->t->ncols; c++) {
        int used = 0;
        for (int ti = 0; im->ts->targets[ti].name; ti++) used |= im->m->col[ti] == c;
        if (!used) json_array_append_new(im->r->unmapped, json_string(im->t->header[c]));
    }
    if (e->cls) err_set(e, ERR_VALIDATION, "the mapping leaves out what every row needs: map a column to each field named");
    return e->cls ? -1 : 0;
}

static void progress(const imp *im, const char *phase, size_t done) {
    if (im->o->progress) im->o->progress(im->o->progress_arg, phase, done, im->t->nrows);
}

int import_run(crm_ctx *c, const target_set *ts, const csvtable *t, const target_map *m, const import_options *o,
               import_result *r, err *e) {
    imp im = {.c = c, .ts = ts, .d = ts->def, .t = t, .m = m, .o = o, .r = r, .now = time_now_ms()};
    im.cols[im.ncols++] = "id";
    im.cols[im.ncols++] = "created_at";
    im.cols[im.ncols++] = "updated_at";
    for (const field_def *f = ts->def->fields; f->name && im.ncols < IMP_MAX_COLS; f++) {
        /* a never-null field that no target fills keeps the database's default */
        int filled = 0;
        for (int ti = 0; ts->targets[ti].name; ti++) filled |= ts->targets[ti].field && !strcmp(ts->targets[ti].field, f->name);
        if (!(f->flags & FF_HIDDEN) && (filled || !(f->flags & FF_NONULL))) im.colf[im.ncols] = f, im.cols[im.ncols++] = f->name;
    }
    im.changes = lookup_new(c->a, text_key);
    r->rows = t->nrows;
    if (check_mapping(&im, e) || imp_prepare(&im, e)) return -1;
    im.recs = arena_alloc(c->a, sizeof *im.recs * (t->nrows ? t->nrows : 1));
    size_t i;
    for (i = 0; i < t->nrows; i++) {
        irec *rec = &im.recs[i];
        rec->row = i;
        if (read_row(&im, rec, e)) return -1;
        if (rec->bad && !o->dry_run && !o->skip_bad_rows) { r->stopped = 1; break; }
        if ((i + 1) % PROGRESS_EVERY == 0) progress(&im, "checking", i + 1);
    }
    for (; i < t->nrows; i++) im.recs[i].bad = 1, im.recs[i].row = i;   /* never read: the import stopped */
    imp_link(&im);
    changes_json(&im);
    progress(&im, "checking", t->nrows);
    if (r->stopped) return 0;
    r->imported = t->nrows - r->bad;
    if (o->dry_run || !r->imported) return 0;
    if (o->progress) o->progress(o->progress_arg, "writing", 0, r->imported);   /* leads then count up (importwrite.c) */
    return imp_write(&im, e);
}
