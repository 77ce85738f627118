/* seed: sample data for demos and benchmarks.
 *
 * seed_demo fills an empty database with a believable company: teams, users
 * (logins listed at the top of seed.c), accounts, contacts, products and two
 * thousand deals over the last 18 months with line items, stage history, met
 * exit criteria and activities. seed_deals appends many deals with their stage
 * histories only, for benchmarks. Both draw from a PRNG with a fixed seed, so
 * the same database comes out every time (timestamps are relative to now).
 * Ids are assigned by the seeder; on PostgreSQL the identity sequences are
 * moved past them afterwards. */
#ifndef SEED_SEED_H
#define SEED_SEED_H
#include "../store/store.h"

/* The demo company; every demo user gets `password`. All or nothing, and
 * ERR_CONFLICT when the database already has opportunities or demo users. */
int seed_demo(store *s, const char *password, err *e);

/* Append n deals with stage histories, committed in batches of 100,000 (a batch
 * is whole or absent). Creates 50 reps in 5 teams and 5,000 accounts when the
 * database has fewer than 50 reps. Progress goes to stderr. */
int seed_deals(store *s, long n, err *e);
#endif
