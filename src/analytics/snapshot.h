/* snapshot: the facts pipeline analytics read, held column by column in this
 * process's memory and kept exact against the database.
 *
 * Nothing is loaded at server start. The first analytics request builds the
 * snapshot (every deal with its stage history and products, every held call,
 * email and meeting); every request after that first applies a delta sync:
 * the deals and activities whose updated_at or deleted_at moved past the last
 * sync, re-read whole (a deal with its history and products). An overlap
 * window re-reads the last seconds as well, because on PostgreSQL a
 * transaction can commit after one that stamped a later time; each server
 * process keeps its own copy, so several processes on one database each stay
 * exact. The application bumps a deal's updated_at in the same transaction
 * as every stage move and line-item change, so no other table needs watching.
 * Rows removed behind the application's back (a hard DELETE in SQL) are not
 * seen by the delta; the periodic rebuild (CYLINDER_ANALYTICS_REBUILD_S)
 * catches them.
 *
 * Computations take the snapshot with an_snap_acquire (synced, read-locked)
 * and give it back with an_snap_release; a sync applies its changes under the
 * write lock, so a computation always sees one consistent state.
 *
 * Times of stage changes are kept in whole seconds (floor). Every instant the
 * analytics compare them with is a UTC midnight, where "changed before T" is
 * the same in seconds as in milliseconds, so nothing is lost. */
#ifndef ANALYTICS_SNAPSHOT_H
#define ANALYTICS_SNAPSHOT_H
#include <stdint.h>
#include "../core/err.h"
#include "../store/store.h"
#include "dict.h"

enum { AN_OPEN = 'o', AN_WON = 'w', AN_LOST = 'l' };                   /* stage kinds */
enum { AN_CAT_COMMIT, AN_CAT_BEST_CASE, AN_CAT_PIPELINE, AN_CAT_OMITTED, AN_NCAT }; /* forecast categories */
enum { AN_CALL, AN_EMAIL, AN_MEETING, AN_NKIND };                       /* counted activities */
extern const char *const an_category_names[AN_NCAT];                    /* "commit", "best_case", ... */
extern const char *const an_kind_names[AN_NKIND];                       /* "call", "email", "meeting" */

/* "?,?,...": 64 placeholders, for reading rows of 64 ids with one fixed statement */
#define AN_Q8 "?,?,?,?,?,?,?,?"
#define AN_IN64 AN_Q8 "," AN_Q8 "," AN_Q8 "," AN_Q8 "," AN_Q8 "," AN_Q8 "," AN_Q8 "," AN_Q8
#define AN_NIN 64

#define AN_WON_POS INT32_MAX          /* maxpos of a deal that was won: it passed every open stage */

typedef struct an_stage {             /* a stage of any pipeline, as the last sync read it */
    int64_t id, pipeline_id;
    int32_t position, probability;    /* probability in basis points */
    char kind;                        /* AN_OPEN, AN_WON, AN_LOST */
    uint8_t deleted;
    char *name;
} an_stage;

/* Deal columns: one entry per deal slot (the index of the deal's id in `deals`). */
#define AN_DEAL_COLS(X) \
    X(int64_t, d_created)   /* created_at, ms */ \
    X(int64_t, d_closed)    /* closed_at, ms; 0 while open */ \
    X(int64_t, d_amount)    /* minor units of d_cur */ \
    X(uint32_t, d_owner)    /* user index */ \
    X(uint32_t, d_source)   /* source index; 0 = none */ \
    X(uint32_t, d_version)  /* the row's version, to skip re-reading unchanged rows */ \
    X(uint32_t, d_hoff)     /* stage history: rows d_hoff .. d_hoff + d_hn - 1, oldest first */ \
    X(uint32_t, d_aoff)     /* history amounts: AN_NONE when every row has d_amount, else offset in h_amt */ \
    X(uint32_t, d_poff)     /* products: p_prod[d_poff .. + d_pn] */ \
    X(int32_t, d_close_day) /* close_date as a day number, AN_NO_DAY if unset */ \
    X(int32_t, d_maxpos)    /* derived: highest position of an open stage entered; AN_WON_POS once won */ \
    X(uint8_t, d_simple)    /* derived: closed at most once, by its last change, at closed_at: its state at any \
                               instant follows from the columns, without walking the history */ \
    X(uint16_t, d_pipe)     /* pipeline index */ \
    X(uint16_t, d_stage)    /* stage index */ \
    X(uint16_t, d_hn) \
    X(uint16_t, d_pn) \
    X(uint8_t, d_cur)       /* currency index */ \
    X(uint8_t, d_fcat)      /* forecast category */ \
    X(uint8_t, d_live)      /* 0 once deleted */

/* Activity columns: counted activities only (calls, emails, meetings that were held). */
#define AN_ACT_COLS(X) \
    X(int64_t, a_done)      /* done_at, ms */ \
    X(int64_t, a_key)       /* who a meeting was with: the account, else the deal, else the contact */ \
    X(uint32_t, a_owner)    /* user index */ \
    X(uint32_t, a_version) \
    X(uint8_t, a_kind)      /* AN_CALL, AN_EMAIL, AN_MEETING */ \
    X(uint8_t, a_live)      /* 0 when deleted, not held any more, or of another kind */ \
    X(uint8_t, a_first)     /* derived: the first held meeting with its counterpart */

#define AN_DECLARE_COL(type, name) type *name;

typedef struct an_snap {
    an_ids users, pipelines, stages, products, deals, acts;   /* deal slot = index in deals */
    an_strs currencies, sources;
    an_stage *stage;                  /* per stage index */
    int32_t *st_reach;                /* per stage index: how far entering it takes a deal (d_maxpos); INT32_MIN for lost */
    uint32_t stage_cap, reach_cap;
    uint32_t dcap, acap;              /* capacity of the deal and activity columns */
    AN_DEAL_COLS(AN_DECLARE_COL)
    AN_ACT_COLS(AN_DECLARE_COL)
    /* pools the deals point into */
    uint32_t *h_sec;                  /* stage history: when (UTC seconds) */
    uint16_t *h_stage;                /* ... entered which stage (index) */
    int32_t *h_close;                 /* ... with which close date (day number) */
    uint32_t hn, hcap, hdead;
    int64_t *h_amt;                   /* ... and amount, for deals whose amount moved */
    uint32_t han, hacap, hadead;
    uint32_t *p_prod;                 /* product indexes, distinct per deal */
    uint32_t pn, pcap, pdead;
    /* sync bookkeeping (sync.c) */
    int64_t mark_opp, mark_opp_del, mark_act, mark_act_del;   /* largest updated_at / deleted_at seen */
    int64_t mark_user;                /* largest user id seen */
    int64_t built_at;                 /* wall clock of the full build, ms */
    int first_dirty;                  /* meetings changed: a_first needs deriving again */
    int broken;                       /* a sync failed half-way: rebuild */
} an_snap;

/* The synced snapshot, read-locked: give it back with an_snap_release. NULL
 * with e set if the database could not be read. */
const an_snap *an_snap_acquire(store *db, err *e);
void an_snap_release(const an_snap *s);

/* A deal's stage, amount and close date just before each of n ascending
 * instants t[0..n-1] (ms, UTC midnights), from its stage history in one walk:
 * the last change before the instant (found[i] = 0 where the deal had no
 * stage yet). maxpos is as d_maxpos but over those changes only; entered_sec
 * is when the deal entered that stage. With won (else NULL), t has n + 1
 * entries and won[i] is the amount of the deal's first move into a won stage
 * within [t[i], t[i+1]), or -1. */
typedef struct an_at { uint32_t stage; int64_t amount; int32_t close_day, maxpos; uint32_t entered_sec; } an_at;
void an_deal_timeline(const an_snap *s, uint32_t d, const int64_t *t, int n, an_at *at, uint8_t *found, int64_t *won);
int64_t an_row_amount(const an_snap *s, uint32_t d, uint32_t k);   /* the amount of history row k of deal d */

size_t an_snap_bytes(const an_snap *s);   /* memory held by the snapshot's columns and pools */
#endif
