/* cli.c: `cylinder import` and `cylinder export` (see cli.h). */
#include "cli.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../auth/auth.h"
#include "../core/money.h"
#include "../core/timeutil.h"
#include "export.h"
#include "import.h"
#include "xlsx.h"

#define CLI_MAX_ROWS 5000000
#define CLI_MAX_MAPS 64

static const char *import_usage =
    "usage: cylinder import ENTITY FILE [--db DB] [--as EMAIL] [--map COLUMN=TARGET ...] [--map-value KEY:FROM=TO ...]\n"
    "                       [--accept-suggestions] [--date-order mdy|dmy] [--currency CODE] [--encoding NAME]\n"
    "                       [--dry-run] [--skip-bad-rows] [--report FILE]\n";
static const char *export_usage =
    "usage: cylinder export ENTITY --out FILE [--format csv|xlsx] [--db DB] [--as EMAIL] [--sort FIELD] [FILTER=VALUE ...]\n";

/* The user the command acts as: --as, or the first active admin. */
static int act_as(store *s, arena *a, const char *email, principal *p) {
    err e = {0};
    int64_t uid = 0;
    int rc = email ? store_scalar_int(s, "SELECT id FROM users WHERE email = ? AND active = 1 AND deleted_at IS NULL", &uid, &e, "s", email)
                   : store_scalar_int(s, "SELECT id FROM users WHERE role = 'admin' AND active = 1 AND deleted_at IS NULL ORDER BY id LIMIT 1",
                                      &uid, &e, "");
    if (rc < 0) { fprintf(stderr, "cylinder: %s\n", e.msg); return -1; }
    if (!rc) {
        fprintf(stderr, email ? "cylinder: no active user %s\n" : "cylinder: there is no admin to act as: add one, or give --as EMAIL\n", email);
        return -1;
    }
    if (auth_load_principal(s, a, uid, p, &e)) { fprintf(stderr, "cylinder: %s\n", e.msg); return -1; }
    if (!email) fprintf(stderr, "acting as %s (the first admin; --as EMAIL to choose)\n", p->email);
    return 0;
}

static char *read_file(const char *path, size_t *n) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    if (!b) abort();
    for (size_t got; (got = fread(b + len, 1, cap - len, f)) > 0;) {
        len += got;
        if (len == cap && !(b = realloc(b, cap *= 2))) abort();   /* out of memory, as arena_alloc does */
    }
    int bad = ferror(f);
    if (f != stdin) fclose(f);
    if (bad) { free(b); return NULL; }
    *n = len;
    return b;
}

static int write_file(const char *path, const char *data, size_t n) {
    FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!f) return -1;
    int rc = fwrite(data, 1, n, f) == n ? 0 : -1;
    if (f != stdout && fclose(f)) rc = -1;
    return rc;
}

static void report_err(const char *what, const err *e) {
    fprintf(stderr, "cylinder %s: %s\n", what, e->msg);
    for (int i = 0; i < e->nfields; i++) fprintf(stderr, "  %s: %s\n", e->fields[i].name, e->fields[i].reason);
}

/* ---- import ---- */

typedef struct import_args {
    const char *entity, *file, *db, *as, *report, *encoding, *currency;
    const char *maps[CLI_MAX_MAPS], *values[CLI_MAX_MAPS];
    int nmaps, nvalues, dry_run, skip, accept, dmy;
} import_args;

static int parse_import(int argc, char **argv, import_args *a) {
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
#define VAL(flag, field) if (!strcmp(s, flag)) { if (!next) return fprintf(stderr, "%s needs a value\n", flag), -1; a->field = next; i++; continue; }
        VAL("--db", db) VAL("--as", as) VAL("--report", report) VAL("--encoding", encoding) VAL("--currency", currency)
#undef VAL
        if ((!strcmp(s, "--map") || !strcmp(s, "--map-value")) && next) {
            int value = s[5] == '-';
            if ((value ? a->nvalues : a->nmaps) == CLI_MAX_MAPS) return fprintf(stderr, "too many %s\n", s), -1;
            if (value) a->values[a->nvalues++] = next; else a->maps[a->nmaps++] = next;
            i++;
            continue;
        }
        if (!strcmp(s, "--date-order") && next && (!strcmp(next, "mdy") || !strcmp(next, "dmy"))) { a->dmy = next[0] == 'd'; i++; continue; }
        if (!strcmp(s, "--dry-run")) { a->dry_run = 1; continue; }
        if (!strcmp(s, "--skip-bad-rows")) { a->skip = 1; continue; }
        if (!strcmp(s, "--accept-suggestions")) { a->accept = 1; continue; }
        if (s[0] != '-' || !strcmp(s, "-")) {
            if (!a->entity) a->entity = s;
            else if (!a->file) a->file = s;
            else return fprintf(stderr, "unexpected %s\n", s), -1;
            continue;
        }
        return fprintf(stderr, "unknown option %s (or it needs a value)\n", s), -1;
    }
    return a->entity && a->file ? 0 : (fprintf(stderr, "give the record type and the file\n"), -1);
}

static int column_index(const csvtable *t, const char *name) {
    for (int c = 0; c < t->ncols; c++)
        if (!strcmp(t->header[c], name)) return c;
    return -1;
}

/* --map COLUMN=TARGET over the suggested mapping; COLUMN= takes the column out. */
static int apply_maps(const import_args *a, const target_set *ts, const csvtable *t, target_map *m) {
    for (int i = 0; i < a->nmaps; i++) {
        const char *eq = strrchr(a->maps[i], '=');
        char *col = eq ? strndup(a->maps[i], (size_t)(eq - a->maps[i])) : NULL;
        int c = col ? column_index(t, col) : -1, ti = eq && eq[1] ? target_find(ts, eq + 1) : -1;
        if (c < 0 || (eq[1] && ti < 0)) {
            fprintf(stderr, "--map %s: %s\n", a->maps[i], !eq ? "write COLUMN=TARGET" : c < 0 ? "no such column in the file" : "no such target");
            free(col);
            return -1;
        }
        free(col);
        for (int k = 0; ts->targets[k].name; k++)
            if (m->col[k] == c && !eq[1]) m->col[k] = -1;
        if (ti >= 0) m->col[ti] = c;
    }
    return 0;
}

/* --map-value KEY:FROM=TO as {target: {FROM: TO}}; KEY is a target, or a column (every target it fills). */
static json_t *value_maps(const import_args *a, const target_set *ts, const csvtable *t, const target_map *m) {
    json_t *v = json_object();
    for (int i = 0; i < a->nvalues; i++) {
        const char *s = a->values[i], *colon = strchr(s, ':'), *eq = colon ? strchr(colon, '=') : NULL;
        if (!eq) { fprintf(stderr, "--map-value %s: write KEY:FROM=TO\n", s); json_decref(v); return NULL; }
        char *key = strndup(s, (size_t)(colon - s)), *from = strndup(colon + 1, (size_t)(eq - colon - 1));
        int ti = target_find(ts, key), c = column_index(t, key), hits = 0;
        for (int k = 0; ts->targets[k].name; k++) {
            if (k != ti && (ti >= 0 || c < 0 || m->col[k] != c)) continue;
            json_t *map = json_object_get(v, ts->targets[k].name);
            if (!map) json_object_set_new(v, ts->targets[k].name, map = json_object());
            json_object_set_new(map, from, json_string(eq + 1));
            hits++;
        }
        if (!hits) fprintf(stderr, "--map-value %s: %s is neither a target nor a mapped column\n", s, key);
        free(key);
        free(from);
        if (!hits) { json_decref(v); return NULL; }
    }
    return v;
}

static void progress(void *arg, const char *phase, size_t done, size_t total) {
    if (isatty(2)) fprintf(stderr, "\r%s %zu/%zu rows ", phase, done, total);
}

static void print_outcome(const import_args *a, const target_set *ts, const csvtable *t, const target_map *m,
                          const import_result *r, double secs) {
    printf("%s from %s (%s): %zu rows", ts->def->name, a->file, t->encoding, r->rows);
    if (r->stopped) printf(", nothing written: a bad row stopped the import\n");
    else printf(", %zu %s, %zu with problems%s (%.2f s)\n", r->imported, a->dry_run ? "would be imported" : "imported", r->bad,
                r->bad && !a->dry_run ? " left out" : "", secs);
    printf("mapping:");
    for (int k = 0; ts->targets[k].name; k++)
        if (m->col[k] >= 0) printf(" %s<-%s", ts->targets[k].name, t->header[m->col[k]]);
    printf("\n");
    if (json_array_size(r->unmapped)) {
        printf("not read:");
        size_t i;
        json_t *v;
        json_array_foreach(r->unmapped, i, v) printf("%s %s", i ? "," : "", json_string_value(v));
        printf("\n");
    }
    size_t i;
    if (r->outcome) {
        printf("leads: %lld assigned, %lld duplicates given to the existing owner, %lld waiting for an admin\n",
               (long long)json_integer_value(json_object_get(r->outcome, "assigned")),
               (long long)json_integer_value(json_object_get(r->outcome, "duplicate")),
               (long long)json_integer_value(json_object_get(r->outcome, "unassigned")));
        json_t *o;
        json_array_foreach(json_object_get(r->outcome, "by_owner"), i, o)
            printf("  %s: %lld\n", json_string_value(json_object_get(o, "owner")), (long long)json_integer_value(json_object_get(o, "leads")));
    }
    json_t *ch;
    json_array_foreach(r->changes, i, ch) {
        const char *how = json_string_value(json_object_get(ch, "how")), *target = json_string_value(json_object_get(ch, "target"));
        const char *from = json_string_value(json_object_get(ch, "value")), *to = json_string_value(json_object_get(ch, "read_as"));
        long long n = (long long)json_integer_value(json_object_get(ch, "rows"));
        if (!strcmp(how, "suggested"))
            printf("%s: '%s' looks like '%s' (%lld rows; --map-value %s:%s='%s' or --accept-suggestions to use it)\n", target, from, to, n,
                   target, from, to);
        else printf("%s: '%s' read as '%s' in %lld rows (%s)\n", target, from, to ? to : "", n, how);
    }
    json_t *p;
    json_array_foreach(r->problems, i, p) {
        if (i == 20) { fprintf(stderr, "... (%zu rows with problems in all%s)\n", r->bad, a->report ? "; see the report" : "; --report FILE lists them all"); break; }
        const char *value = json_string_value(json_object_get(p, "value"));
        fprintf(stderr, "row %lld, %s: %s%s%s%s\n", (long long)json_integer_value(json_object_get(p, "row")),
                json_string_value(json_object_get(p, "column")), value ? "'" : "", value ? value : "", value ? "' " : "",
                json_string_value(json_object_get(p, "problem")));
    }
}

/* The usage, and what a column can fill for ENTITY (or which entities there are). */
static int import_help(const char *entity) {
    fputs(import_usage, stdout);
    const target_set *ts = target_set_for(entity);
    if (!ts) return printf("ENTITY: %s (cylinder import ENTITY --help lists its targets)\n", target_entities()), 0;
    json_t *list = target_list_json(ts);
    size_t i;
    json_t *t;
    printf("targets of %s (a column maps to one with --map COLUMN=TARGET):\n", ts->def->name);
    json_array_foreach(list, i, t) {
        const char *ref = json_string_value(json_object_get(t, "references"));
        printf("  %-12s %s%s%s%s\n", json_string_value(json_object_get(t, "name")), json_string_value(json_object_get(t, "type")),
               ref ? " to " : "", ref ? ref : "", json_is_true(json_object_get(t, "required")) ? ", required" : "");
    }
    json_decref(list);
    return 0;
}

int cli_import(int argc, char **argv, cli_open_db open_db) {
    import_args a = {0};
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return import_help(argc > 0 && argv[0][0] != '-' ? argv[0] : NULL);
    if (parse_import(argc, argv, &a)) return fputs(import_usage, stderr), 2;
    const target_set *ts = target_set_for(a.entity);
    if (!ts) return fprintf(stderr, "cylinder import: %s cannot be imported; these can: %s\n", a.entity, target_entities()), 2;
    if (a.currency && !money_currency(a.currency)) return fprintf(stderr, "--currency %s: not a currency code\n", a.currency), 2;
    size_t n;
    char *bytes = read_file(a.file, &n);
    if (!bytes) return fprintf(stderr, "cylinder import: cannot read %s\n", a.file), 2;
    arena ar;
    arena_init(&ar);
    err e = {0};
    principal p;
    csvtable t;
    target_map m;
    import_result r;
    import_result_init(&r);
    json_t *values = NULL;
    int rc = 1;
    store *s = open_db(a.db);
    if (!s || act_as(s, &ar, a.as, &p)) goto done;
    if (xlsx_detect(bytes, n) ? xlsx_read(&ar, bytes, n, CLI_MAX_ROWS, &t, &e) : csvtable_read(&ar, bytes, n, a.encoding, CLI_MAX_ROWS, &t, &e)) {
        report_err("import", &e);
        goto done;
    }
    target_suggest(&ar, ts, &t, &m);
    if (apply_maps(&a, ts, &t, &m) || !(values = value_maps(&a, ts, &t, &m))) { rc = 2; goto done; }
    crm_ctx c = {s, &ar, &p, NULL};
    const char *base = strrchr(a.file, '/');
    import_options o = {a.dmy ? CELL_DMY : CELL_MDY, a.skip, a.accept, a.dry_run, a.currency, values, base ? base + 1 : a.file, 0,
                        progress, NULL};
    int64_t t0 = time_now_ms();
    if (import_run(&c, ts, &t, &m, &o, &r, &e)) {
        if (isatty(2)) fputc('\n', stderr);
        report_err("import", &e);
        goto done;
    }
    if (isatty(2)) fputc('\n', stderr);
    print_outcome(&a, ts, &t, &m, &r, (double)(time_now_ms() - t0) / 1000.0);
    if (a.report && r.report.len && write_file(a.report, r.report.s, r.report.len)) fprintf(stderr, "cannot write %s\n", a.report);
    else if (a.report && r.report.len) fprintf(stderr, "problems written to %s\n", a.report);
    rc = r.stopped || (a.dry_run && r.bad) || (!a.dry_run && !r.imported && r.rows) ? 1 : 0;
done:
    json_decref(values);
    import_result_free(&r);
    store_close(s);
    arena_free(&ar);
    free(bytes);
    return rc;
}

/* ---- export ---- */

int cli_export(int argc, char **argv, cli_open_db open_db) {
    const char *entity = NULL, *out = NULL, *format = NULL, *db = NULL, *as = NULL;
    list_query q = {0};
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return fputs(export_usage, stdout), 0;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        const char **opt = !strcmp(s, "--out") ? &out : !strcmp(s, "--format") ? &format : !strcmp(s, "--db") ? &db
                         : !strcmp(s, "--as") ? &as : !strcmp(s, "--sort") ? &q.sort : NULL;
        if (opt && next) { *opt = next; i++; continue; }
        if (s[0] != '-' && !entity) { entity = s; continue; }
        const char *eq = s[0] != '-' ? strchr(s, '=') : NULL;
        if (eq && q.n < 32) {
            q.keys[q.n] = strndup(s, (size_t)(eq - s));
            q.vals[q.n++] = eq + 1;
            continue;
        }
        fprintf(stderr, "unexpected %s\n", s);
        return fputs(export_usage, stderr), 2;
    }
    if (!format && out) format = strlen(out) > 5 && !strcmp(out + strlen(out) - 5, ".xlsx") ? "xlsx" : "csv";
    if (!entity || !out || (strcmp(format, "csv") && strcmp(format, "xlsx"))) return fputs(export_usage, stderr), 2;
    char name[64];
    snprintf(name, sizeof name, "%s", entity);
    for (char *p = name; *p; p++)
        if (*p == '-') *p = '_';
    const record_def *d = record_find(name);
    int xlsx = !strcmp(format, "xlsx"), rc = 1;
    if (!d) { fprintf(stderr, "cylinder export: no such record type %s\n", entity); rc = 2; goto out; }
    if (xlsx && !strcmp(out, "-")) { fprintf(stderr, "cylinder export: an xlsx file needs --out FILE\n"); rc = 2; goto out; }
    arena ar;
    arena_init(&ar);
    principal p;
    err e = {0};
    buf b = BUF_INIT;
    store *s = open_db(db);
    if (s && !act_as(s, &ar, as, &p)) {
        crm_ctx c = {s, &ar, &p, NULL};
        if (export_list(&c, d, &q, xlsx ? EXPORT_XLSX : EXPORT_CSV, out, &b, &e)) report_err("export", &e);
        else if (!xlsx && write_file(out, b.s, b.len)) fprintf(stderr, "cylinder export: cannot write %s\n", out);
        else { rc = 0; if (strcmp(out, "-")) fprintf(stderr, "%s written to %s\n", d->name, out); }
    }
    buf_free(&b);
    store_close(s);
    arena_free(&ar);
out:
    for (int i = 0; i < q.n; i++) free((char *)q.keys[i]);
    return rc;
}
