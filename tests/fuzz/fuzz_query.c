/* fuzz_query: arbitrary bytes as the query string of GET /api/v1/{entity}.
 * The input is split like a URL query (pairs separated by '&', key and value
 * by the first '=', %XX decoded; a pair without '=' has an empty value, as
 * libmicrohttpd hands it over), read into a list_query the way
 * api_list_query does (limit, after, sort, then up to 32 filters), and listed
 * on every entity as a rep and as a manager.
 *
 * Beyond fuzzdb.h's checks: a page never holds more than the limit, and when
 * a list says there is a next page, its cursor must be accepted and the next
 * page must not repeat anything from the first. */
#include "fuzzdb.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    fuzzdb_init("query");
    return 0;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode n bytes into an arena string. A NUL ends the string, as it
 * would for the server, which sees C strings. Bad escapes stay as they are. */
static const char *decode(arena *a, const uint8_t *s, size_t n) {
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else *o++ = (char)s[i];
    }
    *o = 0;
    return out;
}

static void check_page(const char *what, const json_t *out, int limit) {
    json_t *items = json_object_get(out, "items"), *next = json_object_get(out, "next");
    if (!json_is_array(items)) fuzz_die(what, "no items array");
    if (!next || !(json_is_null(next) || json_is_string(next))) fuzz_die(what, "next is neither null nor a cursor");
    if (json_array_size(items) > (size_t)(limit ? limit : 50)) fuzz_die(what, "page over the limit");
    if (json_is_string(next) && json_array_size(items) != (size_t)(limit ? limit : 50)) fuzz_die(what, "short page with a next cursor");
}

static void list_as(arena *a, const principal *p, const record_def *d, const list_query *q) {
    crm_ctx c = {F.db, a, p, NULL};
    err e = {0};
    json_t *out = NULL;
    int rc = record_list(&c, d, q, &out, &e);
    fuzz_check("record_list", rc, out, &e);
    if (rc) {
        if (e.cls != ERR_BAD_REQUEST) fuzz_die("record_list refused a query with a class other than bad-request", e.msg);
        return;
    }
    check_page("record_list", out, q->limit);
    json_t *next = json_object_get(out, "next");
    if (json_is_string(next)) {
        /* follow the cursor once: accepted, and nothing repeats */
        list_query q2 = *q;
        q2.after = arena_strdup(a, json_string_value(next));
        json_t *out2 = NULL;
        memset(&e, 0, sizeof e);
        rc = record_list(&c, d, &q2, &out2, &e);
        if (rc) {
            char detail[400];
            snprintf(detail, sizeof detail, "%s: our own cursor was refused: [%s] %s", d->name, err_type(e.cls), e.msg);
            fuzz_die("pagination", detail);
        }
        fuzz_check("record_list (next page)", rc, out2, &e);
        check_page("record_list (next page)", out2, q->limit);
        json_t *first = json_object_get(out, "items"), *second = json_object_get(out2, "items");
        for (size_t i = 0; i < json_array_size(first); i++)
            for (size_t j = 0; j < json_array_size(second); j++)
                if (json_integer_value(json_object_get(json_array_get(first, i), "id")) ==
                    json_integer_value(json_object_get(json_array_get(second, j), "id")))
                    fuzz_die("pagination", "the next page repeats a record of the first");
        json_decref(out2);
    }
    json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzzdb_tick();
    arena a;
    arena_init(&a);
    list_query q;
    memset(&q, 0, sizeof q);
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '&') continue;
        const uint8_t *pair = data + start;
        size_t n = i - start, eq = n;
        for (size_t k = 0; k < n; k++)
            if (pair[k] == '=') { eq = k; break; }
        if (n) list_query_add(&q, decode(&a, pair, eq), eq < n ? decode(&a, pair + eq + 1, n - eq - 1) : "");
        start = i + 1;
    }
    for (int i = 0; i < F.nentities; i++) {
        list_as(&a, &F.rep, crm_entities[i], &q);
        list_as(&a, &F.manager, crm_entities[i], &q);
    }
    arena_free(&a);
    return 0;
}
