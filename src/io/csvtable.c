/* csvtable.c: decoding and splitting CSV files (see csvtable.h). */
#include "csvtable.h"
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

/* ---- decoding ---- */

/* Convert with iconv into the arena. UTF-8 never needs more than twice the
 * bytes of GB18030 or UTF-16 input (a 2-byte character becomes at most 3). */
static int convert(arena *a, const char *from, const char *in, size_t n, char **out, size_t *outlen, err *e) {
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) return err_set(e, ERR_BAD_REQUEST, "unknown encoding '%.40s'", from);
    size_t cap = n * 2 + 16, left = cap - 1, inleft = n;
    char *buf = arena_alloc(a, cap), *op = buf, *ip = (char *)in;
    size_t rc = iconv(cd, &ip, &inleft, &op, &left);
    int fail = rc == (size_t)-1;
    iconv_close(cd);
    if (fail)
        return err_set(e, ERR_BAD_REQUEST, "byte 0x%02X at offset %zu is not valid %s: save the file as \"CSV UTF-8\"",
                       (unsigned char)*ip, (size_t)(ip - in), from);
    *op = 0;
    *out = buf;
    *outlen = (size_t)(op - buf);
    return 0;
}

int csvtable_decode(arena *a, const char *b, size_t n, const char *encoding, char **out, size_t *outlen,
                    const char **used, err *e) {
    const unsigned char *u = (const unsigned char *)b;
    if (n >= 4 && !memcmp(b, "PK\x03\x04", 4))
        return err_set(e, ERR_BAD_REQUEST, "this is an Excel workbook (or another zip file), not CSV: "
                                           "save it as \"CSV UTF-8\" and import that");
    int rc;
    if (encoding && *encoding) {
        *used = encoding;
        rc = convert(a, encoding, b, n, out, outlen, e);
    } else if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        *used = "utf-16";
        rc = convert(a, u[0] == 0xFF ? "UTF-16LE" : "UTF-16BE", b + 2, n - 2, out, outlen, e);
    } else {
        int bom = n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF;
        const char *p = b + (bom ? 3 : 0);
        size_t m = n - (bom ? 3 : 0);
        const uint8_t *bad = u8_check((const uint8_t *)p, m);
        if (!bad) {
            *used = bom ? "utf-8-bom" : "utf-8";
            *out = arena_strndup(a, p, m);
            *outlen = m;
            rc = 0;
        } else if (bom) {
            return err_set(e, ERR_BAD_REQUEST, "the file says it is UTF-8 (it starts with a byte order mark), but the byte "
                                               "at offset %zu is not: save it again as \"CSV UTF-8\"", (size_t)((const char *)bad - b));
        } else {
            /* not UTF-8: what Chinese Excel writes is GB18030 (a superset of GBK and GB2312) */
            err scratch = {0};
            *used = "gb18030";
            if (convert(a, "GB18030", p, m, out, outlen, &scratch))
                return err_set(e, ERR_BAD_REQUEST, "the file is neither UTF-8 nor GB18030 (byte at offset %zu): save it "
                                                   "as \"CSV UTF-8\", or name its encoding", (size_t)((const char *)bad - b));
            rc = 0;
        }
    }
    if (rc) return -1;
    if (memchr(*out, 0, *outlen))
        return err_set(e, ERR_BAD_REQUEST, "the file contains NUL bytes, so it is not a CSV text file");
    return 0;
}

/* ---- splitting ---- */

typedef struct reader {
    arena *a;
    const char **cur;          /* cells of the row being read (malloc'd) */
    int ncur, capcur;
    const char ***rows;        /* finished rows (malloc'd vectors) */
    int *nrow, *lines;
    size_t nrows, cap, max_rows;
    int line;                  /* spreadsheet row number of the row being read */
    int prev_cr;               /* the last row ended with CR: a following LF ends nothing */
    err *e;
} reader;

/* Leading and trailing white space, including no-break and ideographic spaces
 * and a stray byte order mark, which spreadsheets leave in cells. */
static size_t space_at(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 1 && (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\n')) return 1;
    if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0) return 2;
    if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) return 3;
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) return 3;
    return 0;
}
static size_t space_before(const char *s, size_t n) {
    for (size_t k = 1; k <= 3 && k <= n; k++)
        if (space_at(s + n - k, k) == k) return k;
    return 0;
}

static void on_field(void *s, size_t n, void *data) {
    reader *r = data;
    if (r->e->cls) return;
    if (n > CSVTABLE_MAX_CELL) {
        err_set(r->e, ERR_TOO_LARGE, "row %d: a cell is longer than %d KiB", r->line, CSVTABLE_MAX_CELL / 1024);
        return;
    }
    if (r->ncur >= CSVTABLE_MAX_COLS * 2) {
        err_set(r->e, ERR_BAD_REQUEST, "row %d has more than %d cells", r->line, CSVTABLE_MAX_COLS * 2);
        return;
    }
    const char *p = s;
    size_t k;
    while (n && (k = space_at(p, n))) p += k, n -= k;
    while (n && (k = space_before(p, n))) n -= k;
    if (r->ncur == r->capcur) {
        r->capcur = r->capcur ? r->capcur * 2 : 16;
        r->cur = realloc(r->cur, sizeof *r->cur * (size_t)r->capcur);
        if (!r->cur) abort();
    }
    r->cur[r->ncur++] = n ? arena_strndup(r->a, p, n) : NULL;
}

static void on_row(int c, void *data) {
    reader *r = data;
    int crlf = r->prev_cr && c == '\n' && r->ncur == 0;
    r->prev_cr = c == '\r';
    if (crlf || r->e->cls) return;
    int blank = 1;
    for (int i = 0; i < r->ncur; i++) blank &= r->cur[i] == NULL;
    if (!blank) {
        if (r->nrows > r->max_rows) {
            err_set(r->e, ERR_TOO_LARGE, "the file has more than %zu rows: split it into smaller files", r->max_rows);
            return;
        }
        if (r->nrows == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 256;
            r->rows = realloc(r->rows, sizeof *r->rows * r->cap);
            r->nrow = realloc(r->nrow, sizeof *r->nrow * r->cap);
            r->lines = realloc(r->lines, sizeof *r->lines * r->cap);
            if (!r->rows || !r->nrow || !r->lines) abort();
        }
        const char **cells = arena_alloc(r->a, sizeof *cells * (size_t)(r->ncur ? r->ncur : 1));
        memcpy(cells, r->cur, sizeof *cells * (size_t)r->ncur);
        r->rows[r->nrows] = cells;
        r->nrow[r->nrows] = r->ncur;
        r->lines[r->nrows] = r->line;
        r->nrows++;
    }
    r->ncur = 0;
    r->line++;
}

/* The delimiter the header line uses most, outside quotes; a comma on a tie. */
static char guess_delim(const char *s, size_t n) {
    int count[3] = {0}, quoted = 0;
    static const char cand[3] = {',', ';', '\t'};
    for (size_t i = 0; i < n && (quoted || (s[i] != '\n' && s[i] != '\r')); i++) {
        if (s[i] == '"') quoted = !quoted;
        for (int k = 0; k < 3 && !quoted; k++) count[k] += s[i] == cand[k];
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (count[k] > count[best]) best = k;
    return cand[best];
}

static int only_space(unsigned char c) { return c == ' '; }

static void name_header(arena *a, csvtable *t, const char **raw, int n) {
    while (n > 0 && !raw[n - 1]) n--;   /* trailing empty header cells: stray commas at the line end */
    t->ncols = n;
    t->header = arena_alloc(a, sizeof *t->header * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        const char *base = raw[i] ? raw[i] : arena_printf(a, "column %d", i + 1);
        const char *name = base;
        for (int k = 2, clash = 1; clash; k++) {
            clash = 0;
            for (int j = 0; j < i; j++) clash |= !strcmp(t->header[j], name);
            if (clash) name = arena_printf(a, "%s (%d)", base, k);
        }
        t->header[i] = name;
    }
}

int csvtable_parse(arena *a, const char *s, size_t n, size_t max_rows, csvtable *t, err *e) {
    memset(t, 0, sizeof *t);
    reader r = {.a = a, .line = 1, .max_rows = max_rows, .e = e};
    /* Excel's "sep=;" first line names the delimiter; Excel hides it, so it has no row number */
    char delim;
    if (n >= 5 && !strncmp(s, "sep=", 4) && (s[5] == '\n' || s[5] == '\r' || n == 5)) {
        delim = s[4];
        size_t skip = 5;
        while (skip < n && (s[skip] == '\r' || s[skip] == '\n')) skip++;
        s += skip, n -= skip;
    } else delim = guess_delim(s, n);
    struct csv_parser p;
    if (csv_init(&p, CSV_REPALL_NL)) return err_set(e, ERR_INTERNAL, "out of memory");
    csv_set_delim(&p, (unsigned char)delim);
    if (delim == '\t') csv_set_space_func(&p, only_space);
    size_t done = csv_parse(&p, s, n, on_field, on_row, &r);
    if (done == n && !e->cls) csv_fini(&p, on_field, on_row, &r);
    if (done != n && !e->cls) err_set(e, ERR_BAD_REQUEST, "cannot read the CSV: %s", csv_strerror(csv_error(&p)));
    csv_free(&p);
    int rc = -1;
    if (e->cls) goto done;
    if (r.nrows == 0 || r.nrow[0] == 0) { err_set(e, ERR_BAD_REQUEST, "the file is empty: it needs a header row"); goto done; }
    name_header(a, t, r.rows[0], r.nrow[0]);
    if (t->ncols == 0) { err_set(e, ERR_BAD_REQUEST, "the header row is empty"); goto done; }
    if (t->ncols > CSVTABLE_MAX_COLS) { err_set(e, ERR_BAD_REQUEST, "the file has %d columns; at most %d are read", t->ncols, CSVTABLE_MAX_COLS); goto done; }
    t->delim = delim;
    t->nrows = r.nrows - 1;
    size_t m = t->nrows ? t->nrows : 1;
    t->cells = arena_alloc(a, sizeof *t->cells * m);
    t->ncells = arena_alloc(a, sizeof *t->ncells * m);
    t->line = arena_alloc(a, sizeof *t->line * m);
    memcpy(t->cells, r.rows + 1, sizeof *t->cells * t->nrows);
    memcpy(t->ncells, r.nrow + 1, sizeof *t->ncells * t->nrows);
    memcpy(t->line, r.lines + 1, sizeof *t->line * t->nrows);
    rc = 0;
done:
    free(r.cur);
    free(r.rows);
    free(r.nrow);
    free(r.lines);
    return rc;
}

int csvtable_read(arena *a, const char *bytes, size_t n, const char *encoding, size_t max_rows, csvtable *t, err *e) {
    char *text;
    size_t len;
    const char *used;
    if (csvtable_decode(a, bytes, n, encoding, &text, &len, &used, e)) return -1;
    if (csvtable_parse(a, text, len, max_rows, t, e)) return -1;
    t->encoding = used;
    return 0;
}

const char *csvtable_cell(const csvtable *t, size_t row, int col) {
    if (row >= t->nrows || col < 0 || col >= t->ncells[row]) return NULL;
    return t->cells[row][col];
}
