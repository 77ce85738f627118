/* fuzz_body: arbitrary bytes as a JSON request body, through the path the API
 * takes for POST /api/v1/{entity}, PATCH /api/v1/{entity}/{id} and POST
 * /api/v1/opportunities/{id}/stage: json_loadb with JSON_REJECT_DUPLICATES,
 * then the domain call, as an admin and as a rep.
 *
 * Input: the first byte picks the entity (index into crm_entities, modulo
 * their count); the rest is the body. See fuzzdb.h for what is a finding. */
#include "fuzzdb.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    fuzzdb_init("body");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    fuzzdb_tick();
    int idx = data[0] % F.nentities;
    const record_def *d = crm_entities[idx];
    json_error_t je;
    json_t *in = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &je);
    if (!in) return 0;
    arena a;
    arena_init(&a);
    const principal *who[2] = {&F.admin, &F.rep};
    for (int i = 0; i < 2; i++) {
        crm_ctx c = {F.db, &a, who[i], NULL};
        err e = {0};
        json_t *out = NULL;
        int rc = record_create(&c, d, in, &out, &e);
        fuzz_check("record_create", rc, out, &e);
        json_decref(out);

        /* the same body as a patch of the seeded record of this kind */
        if (F.seeded[idx]) {
            memset(&e, 0, sizeof e);
            out = NULL;
            rc = record_update(&c, d, F.seeded[idx], in, 0, &out, &e);
            fuzz_check("record_update", rc, out, &e);
            json_decref(out);
        }

        /* and as a stage move of the seeded deal */
        memset(&e, 0, sizeof e);
        out = NULL;
        rc = opp_move_stage(&c, F.deal, in, &out, &e);
        fuzz_check("opp_move_stage", rc, out, &e);
        json_decref(out);
    }
    json_decref(in);
    arena_free(&a);
    return 0;
}
