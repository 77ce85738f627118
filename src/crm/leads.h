/* leads: how a lead comes in and whose it becomes.
 *
 * Every way in (the public web form, POST /leads, the importer) calls
 * lead_intake(). Inside one write transaction, serialised across processes:
 *
 *   1. comparison keys of the email, phone and company (src/core/text.h)
 *   2. duplicate check against leads, contacts (email, phone) and accounts
 *      (company); a duplicate goes to the owner of what it matched
 *   3. otherwise the assignment rules, by position, first match wins: a rep,
 *      or a team by round robin or by balanced load, passing over reps who are
 *      away or at capacity
 *   4. one row in the assignment log saying who, by which rule and method, why,
 *      and who was passed over
 *
 * Leads are visible like accounts (ACCESS_OWNED): the owner, their managers,
 * admin and ops. Unassigned leads (no rule matched) only to admin and ops. */
#ifndef CRM_LEADS_H
#define CRM_LEADS_H
#include "record.h"

#define LEAD_FORM_RATE_MAX 20                        /* submissions per client address ... */
#define LEAD_FORM_RATE_WINDOW_MS (10LL * 60 * 1000)  /* ... per 10 minutes */
#define LEAD_FORM_HONEYPOT "website"                 /* a hidden form field people leave empty and bots fill */
#define LEAD_FORM_TOKEN_MAX 100                      /* longer path tokens are not ours */

/* Take a lead in. fields: the lead's fields as JSON (validated like any record;
 * owner_id, if given, assigns by hand unless it is a duplicate). source_kind:
 * "form", "api" or "import". The caller's role must be allowed to create
 * leads; c->server_fields may carry server-set fields (form_id). *out: the new
 * lead (caller frees). Opens its own transaction. */
int lead_intake(crm_ctx *c, const json_t *fields, const char *source_kind, json_t **out, err *e);
/* The same inside a write transaction the caller holds, for many leads in a
 * row (an import takes a whole file in as one unit: each lead sees the
 * duplicates and the rotation of the rows before it). The batch remembers
 * each rep's load (open leads and deals) once counted, and adds the leads it
 * gives them: nothing else can change the loads while the transaction holds
 * the intake lock, and counting again for every lead would read a large
 * book's open deals once per lead. */
typedef struct lead_batch lead_batch;
lead_batch *lead_batch_new(void);
void lead_batch_free(lead_batch *b);
int lead_intake_in(crm_ctx *c, lead_batch *b, const json_t *fields, const char *source_kind, json_t **out, err *e);

/* POST /forms/{token}/submit without a login. Counts the attempt against the
 * client address (ERR_RATE_LIMITED past the limit), finds the active form
 * (ERR_NOT_FOUND), and takes the lead in with the form's default source. A
 * filled honeypot field stores nothing but answers like success (*stored = 0).
 * c->p may be NULL: the intake runs as the system. */
int lead_form_submit(crm_ctx *c, const char *token, const char *client_ip, const json_t *fields, int *stored, err *e);

/* POST /leads/{id}/convert {account_id?, contact_id?, opportunity:{...}}: in one
 * transaction link or create the account (by the lead's company) and the
 * contact (by email or phone), create the opportunity, all owned by the
 * lead's owner, and mark the lead converted. A second conversion is ERR_CONFLICT.
 * *out: {lead, account, contact, opportunity, created:{account, contact}}. */
int lead_convert(crm_ctx *c, int64_t lead_id, const json_t *in, json_t **out, err *e);

int lead_assignments(crm_ctx *c, int64_t lead_id, json_t **out, err *e);   /* the lead's assignment log, oldest first */

/* Fill the comparison keys of rows that have none yet (written by bulk loads
 * or before migration 003). Run at startup; an importer calls it after a bulk
 * load. Own transactions, in batches. */
int leads_backfill_keys(store *s, err *e);

/* record_def hooks (see entities.c) */
int lead_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e);
int lead_after(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e);
int lead_form_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e);   /* makes the token */
int assignment_rule_check(crm_ctx *c, const record_def *d, json_t *rec, const json_t *old, err *e);
int lead_contact_keys(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e);  /* contacts.after */
int lead_account_keys(crm_ctx *c, const record_def *d, int64_t id, json_t *rec, const json_t *old, err *e);  /* accounts.after */
#endif
