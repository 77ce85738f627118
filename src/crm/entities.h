/* entities: the declarative description of every business record (fields,
 * types, limits, who may see it) and the hooks that carry each one's rules. */
#ifndef CRM_ENTITIES_H
#define CRM_ENTITIES_H
#include "record.h"

extern const record_def *const crm_entities[];   /* NULL-terminated */
extern const record_def def_users, def_teams, def_accounts, def_contacts, def_products, def_pipelines,
    def_stages, def_stage_criteria, def_opportunities, def_line_items, def_activities,
    def_leads, def_lead_forms, def_assignment_rules, def_stage_actions;

extern const char *const crm_default_currency;  /* for records created without one */
#endif
