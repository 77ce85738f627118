#include "policy.h"
#include <string.h>
#include "../core/buf.h"

static int in_scope(const principal *p, int64_t uid) {
    if (p->all_scope) return 1;
    for (int i = 0; i < p->nscope; i++)
        if (p->scope_ids[i] == uid) return 1;
    return 0;
}

static void owner_list(buf *b, const principal *p) {
    buf_puts(b, "(");
    for (int i = 0; i < p->nscope; i++) buf_printf(b, "%s%lld", i ? "," : "", (long long)p->scope_ids[i]);
    buf_puts(b, ")");
}

/* owned(alias, entity): owner in scope, or shared with the caller */
static void owned(buf *b, const principal *p, const char *entity, const char *alias) {
    buf_printf(b, "(%s.owner_id IN ", alias);
    owner_list(b, p);
    if (!p->has_shares) { buf_puts(b, ")"); return; }
    buf_printf(b, " OR EXISTS (SELECT 1 FROM shares sh WHERE sh.entity = '%s' AND sh.record_id = %s.id AND sh.user_id = %lld))",
               entity, alias, (long long)p->user_id);
}

const char *policy_scope_sql(const principal *p, access_kind k, const char *entity, const char *alias, arena *a) {
    if (p->all_scope || k == ACCESS_CONFIG || k == ACCESS_ADMIN) return "1=1";
    buf b = BUF_INIT;
    switch (k) {
    case ACCESS_OWNED: owned(&b, p, entity, alias); break;
    case ACCESS_CONTACT:
        buf_printf(&b, "(%s.owner_id IN ", alias);
        owner_list(&b, p);
        buf_printf(&b, " OR %s.account_id IN (SELECT va.id FROM accounts va WHERE ", alias);
        owned(&b, p, "accounts", "va");
        buf_puts(&b, "))");
        break;
    case ACCESS_ACTIVITY:
        buf_printf(&b, "(%s.owner_id IN ", alias);
        owner_list(&b, p);
        buf_printf(&b, " OR %s.opportunity_id IN (SELECT vo.id FROM opportunities vo WHERE ", alias);
        owned(&b, p, "opportunities", "vo");
        buf_printf(&b, ") OR %s.account_id IN (SELECT va.id FROM accounts va WHERE ", alias);
        owned(&b, p, "accounts", "va");
        buf_puts(&b, "))");
        break;
    case ACCESS_OPP_CHILD:
        buf_printf(&b, "%s.opportunity_id IN (SELECT vo.id FROM opportunities vo WHERE ", alias);
        owned(&b, p, "opportunities", "vo");
        buf_puts(&b, ")");
        break;
    default: buf_puts(&b, "1=0"); break;
    }
    const char *r = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return r;
}

int policy_can_change_kind(const principal *p, access_kind k) {
    if (k == ACCESS_ADMIN) return p->role == ROLE_ADMIN;
    if (k == ACCESS_CONFIG) return p->role == ROLE_ADMIN || p->role == ROLE_OPS;
    /* ops reads all business records but changes only configuration */
    return p->role != ROLE_OPS;
}

int policy_owner_allowed(const principal *p, int64_t owner_id) {
    if (p->role == ROLE_OPS) return 0;
    return in_scope(p, owner_id);
}

int policy_can_override(const principal *p) { return p->role == ROLE_ADMIN || p->role == ROLE_MANAGER; }
int policy_is_admin(const principal *p) { return p->role == ROLE_ADMIN; }

analytics_view policy_analytics_view(const principal *p, int64_t owner_id, int64_t owner_team_id) {
    if (p->all_scope || (p->role == ROLE_MANAGER && in_scope(p, owner_id)) || owner_id == p->user_id) return ANALYTICS_DEALS;
    if ((p->role == ROLE_REP || p->role == ROLE_CSM) && p->team_id && owner_team_id == p->team_id) return ANALYTICS_AGGREGATE;
    return ANALYTICS_NONE;
}

int policy_can_set_quota(const principal *p, int64_t user_id, int team_managed) {
    if (p->role == ROLE_ADMIN) return 1;
    if (p->role != ROLE_MANAGER) return 0;
    return user_id ? user_id != p->user_id && in_scope(p, user_id) : team_managed;
}
