/* main.c: the command line. Wires the layers together:
 *   cylinder serve    --listen HOST:PORT --db PATH|postgresql://... [--threads N] [--demo-if-empty]
 *   cylinder migrate  --db ...
 *   cylinder seed     --db ... --demo [--password P] | --deals N
 *   cylinder user     add|passwd|role --db ... --email E [--name N] [--role R] [--team ID]  (password on stdin)
 *   cylinder backup   --db ... --out FILE
 *   cylinder import   ENTITY FILE [--db ...] [--map COLUMN=TARGET ...] ...   (src/io/cli.h)
 *   cylinder export   ENTITY --out FILE [--format csv|xlsx] [FILTER=VALUE ...]
 *   cylinder version */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "api/api.h"
#include "auth/auth.h"
#include "auth/password.h"
#include "crm/leads.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "io/cli.h"
#include "seed/seed.h"
#include "store/store.h"

#define CYLINDER_VERSION "0.1.0"

typedef struct opts {
    const char *listen, *db, *email, *name, *role, *out, *password, *team;
    int demo, demo_if_empty, threads, help;
    long deals;
    const char *sub;   /* for `user` */
} opts;

static const char *usage_text =
    "usage: cylinder COMMAND [options]\n\n"
    "commands:\n"
    "  serve     run the server          --listen HOST:PORT (127.0.0.1:8080) --db DB [--threads N] [--demo-if-empty]\n"
    "  migrate   apply database migrations  --db DB\n"
    "  seed      load data              --db DB --demo [--password P] | --deals N\n"
    "  user      manage users           add --email E --name N --role admin|manager|rep|csm|ops [--team ID]\n"
    "                                   passwd --email E;  role --email E --role R   (passwords are read from stdin)\n"
    "  backup    consistent online copy --db DB --out FILE\n"
    "  import    CSV rows into records  ENTITY FILE --db DB [--map COLUMN=TARGET] [--dry-run] [--skip-bad-rows] ...\n"
    "  export    a list as CSV or XLSX  ENTITY --out FILE [--format csv|xlsx] --db DB [FILTER=VALUE ...]\n"
    "  version   print the version\n\n"
    "DB is a SQLite file path (default ./data/cylinder.db, or $CYLINDER_DB) or a postgresql:// URL.\n";

static int usage(int rc) { fputs(usage_text, rc ? stderr : stdout); return rc; }

static void default_db(opts *o) {
    if (!o->db) o->db = getenv("CYLINDER_DB");
    if (!o->db) {
        mkdir("data", 0700);
        o->db = "data/cylinder.db";
    }
}

static int parse(int argc, char **argv, opts *o) {
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(flag, field) if (!strcmp(a, flag)) { if (!next) { fprintf(stderr, "%s needs a value\n", flag); return -1; } o->field = next; i++; continue; }
        ARG("--listen", listen) ARG("--db", db) ARG("--email", email) ARG("--name", name) ARG("--role", role)
        ARG("--out", out) ARG("--password", password) ARG("--team", team)
#undef ARG
        if (!strcmp(a, "--threads") && next) { o->threads = atoi(next); i++; continue; }
        if (!strcmp(a, "--deals") && next) { o->deals = atol(next); i++; continue; }
        if (!strcmp(a, "--demo")) { o->demo = 1; continue; }
        if (!strcmp(a, "--demo-if-empty")) { o->demo_if_empty = 1; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { o->help = 1; continue; }
        if (!o->sub && a[0] != '-') { o->sub = a; continue; }
        fprintf(stderr, "unknown option %s\n", a);
        return -1;
    }
    default_db(o);
    return 0;
}

static store *open_db(const opts *o) {
    err e = {0};
    store *s = NULL;
    int applied = 0;
    if (store_open(o->db, &s, &e) || store_migrate(s, &applied, &e)) {
        fprintf(stderr, "cylinder: %s\n", e.msg);
        store_close(s);
        return NULL;
    }
    if (applied) log_info("applied %d migration(s) to %s", applied, o->db);
    /* duplicate-check keys need NFKC, which SQL cannot compute: key the rows
     * that migrations and bulk loads wrote without them */
    if (leads_backfill_keys(s, &e)) {
        fprintf(stderr, "cylinder: %s\n", e.msg);
        store_close(s);
        return NULL;
    }
    return s;
}

/* for the import and export commands, which read their own options */
static store *open_cli_db(const char *db) {
    opts o = {.db = db};
    default_db(&o);
    return open_db(&o);
}

static int seed_demo_db(store *s, const char *password) {
    err e = {0};
    if (seed_demo(s, password, &e)) { fprintf(stderr, "cylinder seed: %s\n", e.msg); return 1; }
    return 0;
}

static int cmd_serve(const opts *o) {
    const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
    const char *colon = strrchr(listen, ':');
    if (!colon) { fprintf(stderr, "--listen takes HOST:PORT\n"); return 2; }
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    store *s = open_db(o);
    if (!s) return 1;
    if (o->demo_if_empty) {
        err e = {0};
        int64_t users = 0;
        store_scalar_int(s, "SELECT COUNT(*) FROM users", &users, &e, "");
        if (!users) {
            log_info("empty database: loading demo data");
            if (seed_demo_db(s, "cylinder-demo")) { store_close(s); return 1; }
            printf("Demo data loaded. Log in as admin@cylinder.local with password cylinder-demo\n");
        }
    }
    store_close(s);
    err e = {0};
    if (store_configure(o->db, &e)) { fprintf(stderr, "cylinder: %s\n", e.msg); return 1; }
    /* SQLite's per-query scratch memory (ephemeral tables for IN lists, sorters)
     * is freed at the top of each worker's heap; with glibc's default trim
     * threshold every request gave it back to the kernel and faulted it in
     * again. Keep it. */
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* worker threads inherit the mask; only sigwait sees them */
    signal(SIGPIPE, SIG_IGN);
    api_register();
    http_config cfg = {host, atoi(colon + 1), o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN)};
    if (http_start(&cfg)) return 1;
    printf("Cylinder %s serving http://%s:%d (database %s)\n", CYLINDER_VERSION, host, http_bound_port(), o->db);
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    log_info("stopping on signal %d", sig);
    http_stop();
    return 0;
}

static int read_password(char *buf, size_t n) {
    if (!fgets(buf, (int)n, stdin)) { fprintf(stderr, "cylinder: give the password on standard input\n"); return -1; }
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}

static int cmd_user(const opts *o) {
    if (!o->sub || !o->email) { fprintf(stderr, "usage: cylinder user add|passwd|role --db DB --email E ...\n"); return 2; }
    store *s = open_db(o);
    if (!s) return 1;
    err e = {0};
    int rc = 1;
    char pw[PASSWORD_MAX_LEN + 2], hash[PASSWORD_HASH_MAX];
    int64_t now = time_now_ms();
    if (!strcmp(o->sub, "add")) {
        if (!o->name || !o->role || !auth_role_parse(o->role)) {
            fprintf(stderr, "cylinder user add needs --name and --role admin|manager|rep|csm|ops\n");
            goto done;
        }
        if (read_password(pw, sizeof pw) || password_hash(pw, hash, &e)) goto report;
        const char *ins = "INSERT INTO users (email, name, role, team_id, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
        int irc = o->team ? store_run(s, ins, &e, "sssisii", o->email, o->name, o->role, (int64_t)atoll(o->team), hash, now, now)
                          : store_run(s, ins, &e, "sssnsii", o->email, o->name, o->role, hash, now, now);
        if (irc) goto report;
        printf("user %s added\n", o->email);
    } else if (!strcmp(o->sub, "passwd")) {
        if (read_password(pw, sizeof pw) || password_hash(pw, hash, &e)) goto report;
        if (store_run(s, "UPDATE users SET password_hash = ?, updated_at = ? WHERE email = ?", &e, "sis", hash, now, o->email)) goto report;
        if (!store_changes(s)) { fprintf(stderr, "no user %s\n", o->email); goto done; }
        printf("password of %s changed\n", o->email);
    } else if (!strcmp(o->sub, "role")) {
        if (!o->role || !auth_role_parse(o->role)) { fprintf(stderr, "--role admin|manager|rep|csm|ops\n"); goto done; }
        if (store_run(s, "UPDATE users SET role = ?, updated_at = ? WHERE email = ?", &e, "sis", o->role, now, o->email)) goto report;
        if (!store_changes(s)) { fprintf(stderr, "no user %s\n", o->email); goto done; }
        printf("%s is now %s\n", o->email, o->role);
    } else {
        fprintf(stderr, "unknown user command %s\n", o->sub);
        goto done;
    }
    rc = 0;
    goto done;
report:
    if (e.nfields) fprintf(stderr, "cylinder: %s %s\n", e.fields[0].name, e.fields[0].reason);
    else fprintf(stderr, "cylinder: %s\n", e.msg[0] ? e.msg : "failed");
done:
    sodium_memzero(pw, sizeof pw);
    store_close(s);
    return rc;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) { fputs("cannot initialise libsodium\n", stderr); return 1; }
    if (argc < 2) return usage(2);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) return usage(0);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) { printf("cylinder %s\n", CYLINDER_VERSION); return 0; }
    if (!strcmp(cmd, "import")) return cli_import(argc - 2, argv + 2, open_cli_db);
    if (!strcmp(cmd, "export")) return cli_export(argc - 2, argv + 2, open_cli_db);
    opts o = {0};
    if (parse(argc, argv, &o)) return 2;
    if (o.help) return usage(0);
    if (!strcmp(cmd, "serve")) return cmd_serve(&o);
    if (!strcmp(cmd, "user")) return cmd_user(&o);
    store *s = NULL;
    int rc = 0;
    err e = {0};
    if (!strcmp(cmd, "migrate")) {
        s = open_db(&o);
        rc = s ? 0 : 1;
        if (s) printf("database %s is up to date\n", o.db);
    } else if (!strcmp(cmd, "seed")) {
        if (!o.demo && o.deals <= 0) { fprintf(stderr, "cylinder seed needs --demo or --deals N\n"); return 2; }
        if (!(s = open_db(&o))) return 1;
        if (o.demo) rc = seed_demo_db(s, o.password ? o.password : "cylinder-demo");
        if (!rc && o.deals > 0 && seed_deals(s, o.deals, &e)) { fprintf(stderr, "cylinder seed: %s\n", e.msg); rc = 1; }
    } else if (!strcmp(cmd, "backup")) {
        if (!o.out) { fprintf(stderr, "cylinder backup needs --out FILE\n"); return 2; }
        if (!(s = open_db(&o))) return 1;
        if (store_backup(s, o.out, &e)) { fprintf(stderr, "cylinder backup: %s\n", e.msg); rc = 1; }
        else printf("backup written to %s\n", o.out);
    } else {
        fprintf(stderr, "unknown command %s\n\n", cmd);
        return usage(2);
    }
    store_close(s);
    return rc;
}
