/* snapshot_int: the write side of the snapshot, shared by snapshot.c (memory)
 * and sync.c (reading the database). Private to src/analytics. */
#ifndef ANALYTICS_SNAPSHOT_INT_H
#define ANALYTICS_SNAPSHOT_INT_H
#include "snapshot.h"

/* A deal as read from the database, with its history (oldest first) and products. */
typedef struct an_hist_in { int64_t ms, stage_id, amount; int32_t close_day; } an_hist_in;
typedef struct an_deal_in {
    int64_t id, owner_id, pipeline_id, stage_id, amount, created, closed, entered, version;
    const char *currency, *source;    /* source NULL: none */
    int32_t close_day;
    int fcat, live;
    const an_hist_in *h;
    uint32_t nh;
    const int64_t *products;          /* distinct */
    uint32_t np;
} an_deal_in;

/* An activity row; kind -1 for kinds that are not counted (tasks, notes). */
typedef struct an_act_in { int64_t id, owner_id, done, key, version; int kind, live; } an_act_in;

/* Each returns 0, or -1 when memory ran out (the snapshot is then marked broken). */
int an_put_stage(an_snap *s, const an_stage *in, int *reshaped); /* *reshaped |= position, kind or pipeline changed */
int an_put_deal(an_snap *s, const an_deal_in *in);
int an_put_act(an_snap *s, const an_act_in *in);
uint32_t an_put_user(an_snap *s, int64_t id);
void an_derive_all(an_snap *s);           /* every deal's maxpos, after the stages were reshaped */
int  an_derive_first_meetings(an_snap *s);/* a_first, after meetings changed */
void an_snap_free(an_snap *s);

/* sync.c: fill an empty snapshot; bring one up to date (taking the write lock to apply). */
int an_sync_build(store *db, an_snap *s, err *e);
int an_sync_delta(store *db, an_snap *s, err *e);
void an_write_lock(void);
void an_write_unlock(void);
#endif
