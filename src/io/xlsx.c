/* xlsx.c: the first sheet of an .xlsx workbook as CSV text (see xlsx.h). */
#include "xlsx.h"
#include <csv.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistr.h>
#include <zip.h>
#include "../core/buf.h"

#define CHUNK (64 * 1024)                     /* bytes unpacked and parsed at a time */
#define MAX_CELLS (CSVTABLE_MAX_COLS * 2)     /* cells in a row, as csvtable allows */
#define MAX_ROW 1048576                       /* Excel's last row */
#define MAX_FORMATS 65536                     /* cell formats and number format ids; Excel writes at most 64,000 */
#define NS '|'                                /* expat's namespace separator: names are "uri|local" */

enum { NUM_PLAIN = 1, NUM_DATE, NUM_TIME, NUM_DATETIME };   /* what a number format shows */
enum { PART_WORKBOOK, PART_RELS, PART_STRINGS, PART_STYLES, PART_SHEET };

typedef struct text { const char *s; size_t n; } text;
typedef struct slot { size_t off, n; } slot;   /* a cell's text in the row buffer; n == 0: empty */

typedef struct xr {
    arena *a;
    err *e;
    zip_t *zip;
    XML_Parser p;                /* the part being parsed, or NULL */
    const char *part;            /* its name, for messages */
    int kind;                    /* PART_... */
    size_t unzipped;             /* bytes unpacked from every part so far */
    buf chars;                   /* character data of the element being read */
    int collect;                 /* character data goes into chars */
    int phonetic;                /* depth inside <rPh>: phonetic guides, not cell text */
    /* workbook.xml and its relationships */
    int date1904;
    const char *sheet_id, *sheet_name, *sheet_part, *sheet_type, *strings_part, *styles_part;
    /* sharedStrings.xml */
    text *strings;
    size_t nstrings, capstrings, strings_bytes;
    int in_si;
    /* styles.xml: number format kinds by id (0: not defined here), cell formats' number format ids */
    unsigned char *fmt_kind;
    int *xf_fmt, nxf, capxf, in_numfmts, in_xfs;
    /* the sheet */
    int row, col, in_row, in_cell, in_is;
    char type[12];               /* the cell's t attribute: "s", "b", "n", "str", "inlineStr", "e" */
    int style;
    slot cells[MAX_CELLS];
    int ncells;                  /* columns up to the last with a value in this row */
    buf rowtext;
    buf out;                     /* the CSV text */
    int last_line;               /* sheet row of the last line in out */
    size_t rows, max_rows;       /* non-empty rows written; the bound after the header */
    char *quoted;                /* libcsv's quoting of one cell */
} xr;

/* ---- refusing the file ---- */

static int vrefuse(xr *x, err_class cls, const char *prefix, const char *fmt, va_list ap) {
    if (x->p) XML_StopParser(x->p, XML_FALSE);
    if (x->e->cls) return -1;   /* the first reason stands */
    char why[192];
    vsnprintf(why, sizeof why, fmt, ap);
    err_set(x->e, cls, "The file %s%s", prefix, why);
    err_field_add(x->e, "file", "%s%s", prefix, why);
    return -1;
}

/* A file that is damaged or not what it claims to be. */
static int __attribute__((format(printf, 2, 3))) bad(xr *x, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vrefuse(x, ERR_VALIDATION, "is not a readable .xlsx: ", fmt, ap);
    va_end(ap);
    return -1;
}

/* A file that is not an .xlsx at all, or has nothing to import: fmt says what it is. */
static int __attribute__((format(printf, 2, 3))) refuse(xr *x, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vrefuse(x, ERR_VALIDATION, "", fmt, ap);
    va_end(ap);
    return -1;
}

static int __attribute__((format(printf, 2, 3))) too_large(xr *x, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vrefuse(x, ERR_TOO_LARGE, "", fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- XML helpers ---- */

static const char *local(const char *name) {
    const char *s = strrchr(name, NS);
    return s ? s + 1 : name;
}

static const char *attr(const char **atts, const char *name) {
    for (; *atts; atts += 2)
        if (!strcmp(local(atts[0]), name)) return atts[1];
    return NULL;
}

/* A whole non-negative decimal number below limit, or -1. */
static long number_attr(const char *s, long limit) {
    if (!s || !*s) return -1;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v >= limit) return -1;
        v = v * 10 + (*s - '0');
    }
    return v < limit ? v : -1;
}

static void on_chars(void *ud, const XML_Char *s, int n) {
    xr *x = ud;
    if (!x->collect) return;
    if (x->chars.len + (size_t)n > CSVTABLE_MAX_CELL) {
        too_large(x, "has a text longer than %d KiB in %s", CSVTABLE_MAX_CELL / 1024, x->part);
        return;
    }
    buf_add(&x->chars, s, (size_t)n);
}

/* Workbooks never carry a DTD; refusing one keeps entity expansion out. */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sys, const XML_Char *pub, int subset) {
    bad(ud, "%s has a DTD", ((xr *)ud)->part);
}

/* Excel writes characters XML cannot hold as _xHHHH_ (a carriage return is
 * _x000D_, and "_x" itself _x005F_x). Decoded in place: never longer. */
static size_t unescape(char *s, size_t n) {
    size_t w = 0;
    for (size_t r = 0; r < n;) {
        unsigned cp = 0;
        int ok = r + 7 <= n && s[r] == '_' && s[r + 1] == 'x' && s[r + 6] == '_';
        for (int k = 2; ok && k < 6; k++) {
            char c = s[r + k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            ok = d >= 0;
            cp = cp * 16 + (unsigned)d;
        }
        if (ok && cp && (cp < 0xD800 || cp > 0xDFFF)) {
            w += (size_t)u8_uctomb((uint8_t *)s + w, cp, 4);
            r += 7;
        } else s[w++] = s[r++];
    }
    return w;
}

/* ---- the parts ---- */

/* A relationship's target as a name in the archive: relative to xl/, or absolute. */
static const char *part_name(xr *x, const char *target) {
    return target[0] == '/' ? arena_strdup(x->a, target + 1) : arena_printf(x->a, "xl/%s", target);
}

static int ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && !strcmp(s + n - m, tail);
}

static void workbook_start(xr *x, const char *el, const char **atts) {
    const char *v;
    if (!strcmp(el, "workbookPr") && (v = attr(atts, "date1904"))) x->date1904 = !strcmp(v, "1") || !strcmp(v, "true");
    else if (!strcmp(el, "sheet") && !x->sheet_id) {
        const char *id = attr(atts, "id"), *name = attr(atts, "name");
        if (!id) { bad(x, "the workbook's first sheet names no part"); return; }
        x->sheet_id = arena_strdup(x->a, id);
        x->sheet_name = arena_strdup(x->a, name ? name : "");
    }
}

static void rels_start(xr *x, const char *el, const char **atts) {
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target"), *mode = attr(atts, "TargetMode");
    if (strcmp(el, "Relationship") || !id || !type || !target || (mode && !strcmp(mode, "External"))) return;
    if (x->sheet_id && !strcmp(id, x->sheet_id) && !x->sheet_part) {
        x->sheet_part = part_name(x, target);
        x->sheet_type = arena_strdup(x->a, type);
    } else if (ends_with(type, "/sharedStrings") && !x->strings_part) x->strings_part = part_name(x, target);
    else if (ends_with(type, "/styles") && !x->styles_part) x->styles_part = part_name(x, target);
}

static void strings_start(xr *x, const char *el) {
    if (!strcmp(el, "si")) { x->in_si = 1; buf_reset(&x->chars); }
    else if (!strcmp(el, "rPh")) x->phonetic++;
    else if (!strcmp(el, "t") && x->in_si && !x->phonetic) x->collect = 1;
}

static void strings_end(xr *x, const char *el) {
    if (!strcmp(el, "t")) x->collect = 0;
    else if (!strcmp(el, "rPh")) x->phonetic--;
    else if (!strcmp(el, "si") && x->in_si) {
        x->in_si = 0;
        if (x->nstrings == XLSX_MAX_STRINGS) { too_large(x, "has more than %u distinct texts", XLSX_MAX_STRINGS); return; }
        size_t n = unescape(x->chars.s ? x->chars.s : "", x->chars.len);
        if ((x->strings_bytes += n) > XLSX_MAX_TEXT) { too_large(x, "holds more than %u MiB of text: split it", XLSX_MAX_TEXT >> 20); return; }
        if (x->nstrings == x->capstrings) {
            x->capstrings = x->capstrings ? x->capstrings * 2 : 1024;
            if (!(x->strings = realloc(x->strings, sizeof *x->strings * x->capstrings))) abort();
        }
        x->strings[x->nstrings++] = (text){n ? arena_strndup(x->a, x->chars.s, n) : "", n};
    }
}

/* What a number format code shows. Date and time letters count outside
 * "quoted text", [brackets] (colours, locales; but [h] [mm] [ss] are
 * elapsed time) and escaped characters (\x, _x, *x); m is a month unless the
 * code has hours or seconds. */
static int format_kind(const char *code) {
    int date = 0, time = 0, month = 0;
    for (const char *p = code; *p; p++) {
        switch (*p) {
        case '"':
            while (p[1] && p[1] != '"') p++;
            if (p[1]) p++;
            break;
        case '\\': case '_': case '*':
            if (p[1]) p++;
            break;
        case '[': {
            size_t k = strspn(p + 1, "hHmMsS");
            if (k && p[1 + k] == ']') time = 1;
            while (p[1] && *p != ']') p++;
            break;
        }
        case 'y': case 'Y': case 'd': case 'D': date = 1; break;
        case 'h': case 'H': case 's': case 'S': time = 1; break;
        case 'm': case 'M': month = 1; break;
        }
    }
    date |= month && !time;
    return date && time ? NUM_DATETIME : date ? NUM_DATE : time ? NUM_TIME : NUM_PLAIN;
}

/* Formats a workbook may use without defining them: Excel's built-in dates
 * and times, and the ids Chinese, Japanese and Korean Excel use for their
 * own date formats (27-36, 50-58, e.g. 31 is yyyy"年"m"月"d"日"). */
static int builtin_kind(long id) {
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36 || (id >= 50 && id <= 54) || id == 57 || id == 58) return NUM_DATE;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) || (id >= 45 && id <= 47) || id == 55 || id == 56) return NUM_TIME;
    return id == 22 ? NUM_DATETIME : NUM_PLAIN;
}

static void styles_start(xr *x, const char *el, const char **atts) {
    if (!strcmp(el, "numFmts")) x->in_numfmts = 1;
    else if (!strcmp(el, "cellXfs")) x->in_xfs = 1;
    else if (!strcmp(el, "numFmt") && x->in_numfmts) {
        long id = number_attr(attr(atts, "numFmtId"), MAX_FORMATS);
        const char *code = attr(atts, "formatCode");
        if (id >= 0 && code) x->fmt_kind[id] = (unsigned char)format_kind(code);
    } else if (!strcmp(el, "xf") && x->in_xfs) {
        if (x->nxf == MAX_FORMATS) { bad(x, "%s has more than %d cell formats", x->part, MAX_FORMATS); return; }
        if (x->nxf == x->capxf) {
            x->capxf = x->capxf ? x->capxf * 2 : 64;
            if (!(x->xf_fmt = realloc(x->xf_fmt, sizeof *x->xf_fmt * (size_t)x->capxf))) abort();
        }
        x->xf_fmt[x->nxf++] = (int)number_attr(attr(atts, "numFmtId"), MAX_FORMATS);
    }
}

static void styles_end(xr *x, const char *el) {
    if (!strcmp(el, "numFmts")) x->in_numfmts = 0;
    else if (!strcmp(el, "cellXfs")) x->in_xfs = 0;
}

static int style_kind(const xr *x, int style) {
    if (style < 0 || style >= x->nxf || x->xf_fmt[style] < 0) return NUM_PLAIN;
    int id = x->xf_fmt[style];
    return x->fmt_kind[id] ? x->fmt_kind[id] : builtin_kind(id);
}

/* ---- cells ---- */

/* "C7" -> 3 (the row is the <row>'s); 0 if it does not start with 1-3 letters up to XFD. */
static int column_of(const char *ref) {
    int col = 0, k = 0;
    for (; k < 4 && ((*ref >= 'A' && *ref <= 'Z') || (*ref >= 'a' && *ref <= 'z')); ref++, k++) col = col * 26 + ((*ref | 0x20) - 'a' + 1);
    return k >= 1 && k <= 3 && col <= 16384 ? col : 0;
}

/* 3 -> "C", for messages. */
static const char *column_name(int col, char out[8]) {
    char tmp[8];
    int k = 0;
    for (; col > 0 && k < 7; col = (col - 1) / 26) tmp[k++] = (char)('A' + (col - 1) % 26);
    for (int i = 0; i < k; i++) out[i] = tmp[k - 1 - i];
    out[k] = 0;
    return out;
}

/* A date serial number as Excel shows it in a format of this kind, or 0 if
 * it is no date Excel could show. Serials count days from 1900-01-01 = 1,
 * where Excel (after Lotus 1-2-3) keeps a 29 February 1900 as day 60; in the
 * 1904 system (old Mac workbooks) from 1904-01-01 = 0. The fraction is the
 * time of day, to the second; a time format shows only that, as h:mm does. */
static int serial_text(double v, int date1904, int kind, char out[96]) {
    if (!(v >= 0 && v < 2958466)) return 0;
    long long secs = llround(v * 86400.0), days = secs / 86400;
    int sod = (int)(secs % 86400);
    char hm[32];
    int len = snprintf(hm, sizeof hm, "%02d:%02d", sod / 3600, sod / 60 % 60);
    if (sod % 60) snprintf(hm + len, sizeof hm - (size_t)len, ":%02d", sod % 60);
    if (kind == NUM_TIME || (days == 0 && !date1904 && kind == NUM_DATETIME)) {   /* a time of day */
        snprintf(out, 96, "%s", hm);
        return 1;
    }
    if (days == 0 && !date1904) return 0;   /* Excel's day zero, 1900-01-00, is no date */
    char date[48];
    if (!date1904 && days == 60) snprintf(date, sizeof date, "1900-02-29");
    else {
        time_t t = (time_t)((date1904 ? days - 24107 : days - (days < 60 ? 25568 : 25569)) * 86400);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999) return 0;
        snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    }
    if (kind == NUM_DATE) snprintf(out, 96, "%s", date);
    else snprintf(out, 96, "%s %s", date, hm);
    return 1;
}

static void cell_start(xr *x, const char **atts) {
    const char *ref = attr(atts, "r"), *t = attr(atts, "t"), *s = attr(atts, "s");
    int col = ref ? column_of(ref) : x->col + 1;
    if (!col) { bad(x, "cell reference '%.20s' in %s is not valid", ref, x->part); return; }
    x->col = col;
    snprintf(x->type, sizeof x->type, "%s", t ? t : "n");
    x->style = s ? (int)number_attr(s, MAX_FORMATS) : 0;
    x->in_cell = 1;
    buf_reset(&x->chars);
}

/* The cell's value as text, into the row. */
static void cell_end(xr *x) {
    x->in_cell = 0;
    char *s = x->chars.s ? x->chars.s : "", num[96], cn[8];
    size_t n = x->chars.len;
    if (!strcmp(x->type, "s")) {
        long i = number_attr(s, (long)x->nstrings);
        if (i < 0) { bad(x, "cell %s%d refers to shared string '%.20s', which is not there", column_name(x->col, cn), x->row, s); return; }
        s = (char *)x->strings[i].s;
        n = x->strings[i].n;
    } else if (!strcmp(x->type, "str") || !strcmp(x->type, "inlineStr")) {
        n = unescape(s, n);
    } else if (!strcmp(x->type, "b")) {
        if (n == 1 && (*s == '0' || *s == '1')) n = strlen(s = *s == '1' ? "TRUE" : "FALSE");
    } else if (strcmp(x->type, "e") && n) {   /* a number (t="n" or none); anything else is taken as written */
        char *end;
        double v = strtod(s, &end);
        int kind = style_kind(x, x->style);
        if (end != s && !*end && isfinite(v)) {
            if (kind == NUM_PLAIN || !serial_text(v, x->date1904, kind, num)) snprintf(num, sizeof num, "%.15g", v == 0 ? 0.0 : v);
            n = strlen(s = num);
        }
    }
    if (!n) return;
    if (x->col > MAX_CELLS) { bad(x, "cell %s%d is past column %d, the last that is read", column_name(x->col, cn), x->row, MAX_CELLS); return; }
    x->cells[x->col - 1] = (slot){x->rowtext.len, n};
    buf_add(&x->rowtext, s, n);
    if (x->col > x->ncells) x->ncells = x->col;
}

static void row_start(xr *x, const char **atts) {
    const char *r = attr(atts, "r");
    long row = r ? number_attr(r, MAX_ROW + 1) : x->row < MAX_ROW ? x->row + 1 : -1;
    if (row < 1) { bad(x, "row number '%.20s' in %s is not valid", r ? r : "", x->part); return; }
    if (row <= x->row) { bad(x, "%s has row %ld after row %d", x->part, row, x->row); return; }
    x->row = (int)row;
    x->col = 0;
    x->in_row = 1;
    memset(x->cells, 0, sizeof x->cells[0] * (size_t)x->ncells);
    x->ncells = 0;
    buf_reset(&x->rowtext);
}

/* A row with a value becomes a line; blank lines stand for the rows before it
 * that had none, so csvtable numbers every line as the sheet does. */
static void row_end(xr *x) {
    x->in_row = 0;
    if (!x->ncells) return;
    if (x->rows++ > x->max_rows) { too_large(x, "has more than %zu rows: split it into smaller files", x->max_rows); return; }
    for (; x->last_line < x->row - 1; x->last_line++) buf_putc(&x->out, '\n');
    for (int c = 0; c < x->ncells; c++) {
        if (c) buf_putc(&x->out, ',');
        if (x->cells[c].n) buf_add(&x->out, x->quoted, csv_write(x->quoted, CSVTABLE_MAX_CELL * 2 + 2, x->rowtext.s + x->cells[c].off, x->cells[c].n));
    }
    buf_putc(&x->out, '\n');
    x->last_line = x->row;
    if (x->out.len > XLSX_MAX_TEXT) too_large(x, "holds more than %u MiB of text: split it into smaller files", XLSX_MAX_TEXT >> 20);
}

static void sheet_start(xr *x, const char *el, const char **atts) {
    if (!strcmp(el, "row")) row_start(x, atts);
    else if (!strcmp(el, "c") && x->in_row) cell_start(x, atts);
    else if (!x->in_cell) return;
    else if (!strcmp(el, "v")) x->collect = 1;
    else if (!strcmp(el, "is")) x->in_is = 1;
    else if (!strcmp(el, "rPh")) x->phonetic++;
    else if (!strcmp(el, "t") && x->in_is && !x->phonetic) x->collect = 1;
}

static void sheet_end(xr *x, const char *el) {
    if (!strcmp(el, "v") || !strcmp(el, "t")) x->collect = 0;
    else if (!strcmp(el, "is")) x->in_is = 0;
    else if (!strcmp(el, "rPh") && x->in_cell) x->phonetic--;
    else if (!strcmp(el, "c") && x->in_cell) cell_end(x);
    else if (!strcmp(el, "row") && x->in_row) row_end(x);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    xr *x = ud;
    const char *el = local(name);
    switch (x->kind) {
    case PART_WORKBOOK: workbook_start(x, el, atts); break;
    case PART_RELS: rels_start(x, el, atts); break;
    case PART_STRINGS: strings_start(x, el); break;
    case PART_STYLES: styles_start(x, el, atts); break;
    case PART_SHEET: sheet_start(x, el, atts); break;
    }
}

static void on_end(void *ud, const XML_Char *name) {
    xr *x = ud;
    const char *el = local(name);
    switch (x->kind) {
    case PART_STRINGS: strings_end(x, el); break;
    case PART_STYLES: styles_end(x, el); break;
    case PART_SHEET: sheet_end(x, el); break;
    }
}

/* ---- the archive ---- */

static int zip_failed(xr *x, const char *name, zip_error_t *ze) {
    int code = zip_error_code_zip(ze);
    if (code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD || code == ZIP_ER_ENCRNOTSUPP)
        return refuse(x, "is encrypted: save the workbook without a password, as .xlsx or CSV UTF-8");
    return bad(x, "%s cannot be unpacked (%s)", name, zip_error_strerror(ze));
}

/* Stream one part through expat; kind picks the handlers. 1: the part is not
 * there (and not required). Unpacked bytes count against the limit as they
 * come, whatever the archive says the part's size is. */
static int parse_part(xr *x, int kind, const char *name, int required) {
    zip_int64_t i = zip_name_locate(x->zip, name, ZIP_FL_NOCASE);
    if (i < 0) return required ? bad(x, "%s is missing", name) : 1;
    zip_stat_t st;
    if (!zip_stat_index(x->zip, (zip_uint64_t)i, 0, &st) && (st.valid & ZIP_STAT_SIZE) && st.size > XLSX_MAX_UNZIPPED - x->unzipped)
        return too_large(x, "unpacks to more than %u MiB: split it into smaller files", XLSX_MAX_UNZIPPED >> 20);
    zip_file_t *f = zip_fopen_index(x->zip, (zip_uint64_t)i, 0);
    if (!f) return zip_failed(x, name, zip_get_error(x->zip));
    if (!(x->p = XML_ParserCreateNS(NULL, NS))) abort();
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, on_start, on_end);
    XML_SetCharacterDataHandler(x->p, on_chars);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    x->part = name;
    x->kind = kind;
    x->collect = x->phonetic = 0;
    int rc = 0;
    for (;;) {
        void *b = XML_GetBuffer(x->p, CHUNK);
        if (!b) abort();
        zip_int64_t got = zip_fread(f, b, CHUNK);
        if (got < 0) { rc = zip_failed(x, name, zip_file_get_error(f)); break; }
        if ((x->unzipped += (size_t)got) > XLSX_MAX_UNZIPPED) {
            rc = too_large(x, "unpacks to more than %u MiB: split it into smaller files", XLSX_MAX_UNZIPPED >> 20);
            break;
        }
        if (XML_ParseBuffer(x->p, (int)got, got == 0) != XML_STATUS_OK || x->e->cls) {
            if (!x->e->cls)
                bad(x, "%s is not well-formed XML (line %lu: %s)", name, (unsigned long)XML_GetCurrentLineNumber(x->p),
                    XML_ErrorString(XML_GetErrorCode(x->p)));
            rc = -1;
            break;
        }
        if (!got) break;
    }
    zip_fclose(f);
    XML_ParserFree(x->p);
    x->p = NULL;
    return rc;
}

int xlsx_detect(const char *b, size_t n) {
    return n >= 4 && (!memcmp(b, "PK\x03\x04", 4) || (n >= 8 && !memcmp(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)));
}

/* An OLE compound file: an .xls, or an .xlsx Excel encrypted with a password
 * (its stream "EncryptedPackage", named in UTF-16). */
static int ole_refused(xr *x, const char *b, size_t n) {
    static const char enc[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
    if (memmem(b, n, enc, sizeof enc - 1))
        return refuse(x, "is protected with a password: open it in Excel or WPS, remove the password and save it as .xlsx or CSV UTF-8");
    return refuse(x, "is an Excel 97-2003 workbook (.xls): open it in Excel or WPS and save it as .xlsx (Excel Workbook) or CSV UTF-8");
}

static int read_workbook(xr *x, const char *b, size_t n) {
    if (n >= 8 && !memcmp(b, "\xD0\xCF\x11\xE0", 4)) return ole_refused(x, b, n);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(b, n, 0, &ze);
    if (src && !(x->zip = zip_open_from_source(src, ZIP_RDONLY, &ze))) zip_source_free(src);
    if (!x->zip) bad(x, "the zip archive is damaged (%s)", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    if (!x->zip) return -1;
    if (zip_name_locate(x->zip, "xl/workbook.xml", ZIP_FL_NOCASE) < 0)
        return refuse(x, "is a zip archive but not an Excel workbook: save it as .xlsx (Excel Workbook) or CSV UTF-8");
    if (parse_part(x, PART_WORKBOOK, "xl/workbook.xml", 1) || parse_part(x, PART_RELS, "xl/_rels/workbook.xml.rels", 1)) return -1;
    if (!x->sheet_part) return bad(x, "the workbook's first sheet has no part");
    if (!ends_with(x->sheet_type, "/worksheet"))
        return refuse(x, "has a chart, not a list, as its first sheet (\"%.60s\"): move the list to the first sheet", x->sheet_name);
    if (parse_part(x, PART_STRINGS, x->strings_part ? x->strings_part : "xl/sharedStrings.xml", 0) < 0) return -1;
    x->fmt_kind = arena_alloc(x->a, MAX_FORMATS);
    if (parse_part(x, PART_STYLES, x->styles_part ? x->styles_part : "xl/styles.xml", 0) < 0) return -1;
    if (parse_part(x, PART_SHEET, x->sheet_part, 1)) return -1;
    if (!x->rows) return refuse(x, "has nothing on its first sheet (\"%.60s\"): the list must be on the first sheet", x->sheet_name);
    return 0;
}

int xlsx_to_csv(arena *a, const char *bytes, size_t n, size_t max_rows, char **csv, size_t *len, err *e) {
    xr *x = calloc(1, sizeof *x);
    if (!x || !(x->quoted = malloc(CSVTABLE_MAX_CELL * 2 + 2))) abort();
    x->a = a;
    x->e = e;
    x->max_rows = max_rows;
    int rc = read_workbook(x, bytes, n);
    if (!rc) {
        *len = x->out.len;
        *csv = arena_strndup(a, x->out.s, x->out.len);
    }
    if (x->zip) zip_discard(x->zip);
    free(x->strings);
    free(x->xf_fmt);
    free(x->quoted);
    buf_free(&x->chars);
    buf_free(&x->rowtext);
    buf_free(&x->out);
    free(x);
    return rc;
}

int xlsx_read(arena *a, const char *bytes, size_t n, size_t max_rows, csvtable *t, err *e) {
    char *csv;
    size_t len;
    if (xlsx_to_csv(a, bytes, n, max_rows, &csv, &len, e) || csvtable_parse(a, csv, len, max_rows, t, e)) return -1;
    t->encoding = "xlsx";
    return 0;
}
