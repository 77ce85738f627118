/* targets.c: the import targets of each record type and header suggestions. */
#include "targets.h"
#include <string.h>
#include "../core/buf.h"
#include "../core/text.h"
#include "../crm/entities.h"

/* Header synonyms, written as compact keys: case-folded, without spaces or
 * punctuation ("Deal Stage", "deal_stage" and "DEALSTAGE" are all "dealstage"). */
#define SYN(...) ((const char *const[]){__VA_ARGS__, NULL})
#define S_CREATED SYN("created", "createdat", "createddate", "createdon", "createdtime", "创建日期", "创建时间")
#define S_OWNER SYN("owner", "ownername", "owneremail", "salesagent", "salesrep", "rep", "agent", "salesperson", \
                    "accountowner", "dealowner", "opportunityowner", "负责人", "所有者", "销售", "销售代表", "跟进人", "客户经理")
#define S_ACCOUNT SYN("account", "accountname", "company", "companyname", "customer", "customername", "organization", \
                      "organisation", "公司名称", "客户名称", "公司", "客户", "企业名称", "单位名称")
#define S_EMAIL SYN("email", "emailaddress", "mail", "邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址")
#define S_CURRENCY SYN("currency", "currencycode", "币种", "货币")
#define S_PHONE SYN("phone", "telephone", "tel", "mobile", "mobilephone", "cell", "phonenumber", "电话", "手机", "手机号", \
                    "联系电话", "电话号码")
#define S_TITLE SYN("title", "jobtitle", "position", "职位", "职务", "头衔")
#define S_REGION SYN("region", "location", "officelocation", "country", "territory", "area", "地区", "区域", "国家", \
                     "所在地", "省份")
#define S_INDUSTRY SYN("industry", "sector", "行业", "所属行业")
#define S_SIZE SYN("size", "employees", "headcount", "companysize", "规模", "员工数", "人数", "公司规模")

static const target account_targets[] = {
    {"name", TG_FIELD, "name", 1, NULL, SYN("name", "account", "accountname", "company", "companyname", "customer",
        "customername", "organization", "organisation", "公司名称", "客户名称", "公司", "客户", "企业名称", "单位名称", "名称")},
    {"industry", TG_FIELD, "industry", 0, NULL, S_INDUSTRY},
    {"region", TG_FIELD, "region", 0, NULL, S_REGION},
    {"size", TG_FIELD, "size", 0, NULL, S_SIZE},
    {"website", TG_FIELD, "website", 0, NULL, SYN("website", "web", "url", "homepage", "site", "网站", "官网", "网址")},
    {"owner", TG_REF, "owner_id", 0, NULL, S_OWNER},
    {"parent", TG_REF, "parent_id", 0, NULL, SYN("parent", "parentaccount", "parentcompany", "subsidiaryof", "上级公司",
        "母公司", "总公司")},
    {"created", TG_CREATED, NULL, 0, NULL, S_CREATED},
    {NULL}};

static const target contact_targets[] = {
    {"name", TG_FIELD, "name", 1, NULL, SYN("name", "contact", "contactname", "fullname", "person", "联系人", "姓名",
        "联系人姓名", "名字")},
    {"title", TG_FIELD, "title", 0, NULL, S_TITLE},
    {"buying_role", TG_FIELD, "buying_role", 0, NULL, SYN("buyingrole", "角色")},
    {"email", TG_FIELD, "email", 0, NULL, S_EMAIL},
    {"phone", TG_FIELD, "phone", 0, NULL, S_PHONE},
    {"account", TG_REF, "account_id", 0, NULL, S_ACCOUNT},
    {"owner", TG_REF, "owner_id", 0, NULL, S_OWNER},
    {"created", TG_CREATED, NULL, 0, NULL, S_CREATED},
    {NULL}};

static const target product_targets[] = {
    {"name", TG_FIELD, "name", 1, NULL, SYN("name", "product", "productname", "产品", "产品名称", "名称")},
    {"sku", TG_FIELD, "sku", 1, NULL, SYN("sku", "code", "productcode", "itemcode", "partnumber", "编号", "产品编号",
        "货号", "编码", "产品编码")},
    {"list_price", TG_FIELD, "list_price", 1, NULL, SYN("listprice", "price", "salesprice", "unitprice", "价格", "单价",
        "标价", "售价")},
    {"unit_cost", TG_FIELD, "unit_cost", 0, NULL, SYN("unitcost", "cost", "成本", "成本价")},
    {"currency", TG_FIELD, "currency", 0, NULL, S_CURRENCY},
    {"category", TG_FIELD, "category", 0, NULL, SYN("category", "series", "family", "productfamily", "type", "类别",
        "分类", "系列", "产品类别")},
    {"active", TG_FIELD, "active", 0, "true", SYN("active", "enabled", "启用", "有效")},
    {"created", TG_CREATED, NULL, 0, NULL, S_CREATED},
    {NULL}};

static const target opportunity_targets[] = {
    {"name", TG_FIELD, "name", 1, NULL, SYN("name", "opportunity", "opportunityname", "opportunityid", "deal", "dealname",
        "dealid", "商机", "商机名称", "项目", "项目名称", "机会", "机会名称", "名称")},
    {"account", TG_REF, "account_id", 0, NULL, S_ACCOUNT},
    {"contact", TG_REF, "contact_id", 0, NULL, SYN("contact", "contactname", "contactemail", "联系人")},
    {"owner", TG_REF, "owner_id", 0, NULL, S_OWNER},
    {"pipeline", TG_REF, "pipeline_id", 0, NULL, SYN("pipeline", "销售流程")},
    {"stage", TG_REF, "stage_id", 0, NULL, SYN("stage", "dealstage", "salesstage", "opportunitystage", "阶段", "销售阶段",
        "商机阶段")},
    {"currency", TG_FIELD, "currency", 0, NULL, S_CURRENCY},
    {"amount", TG_FIELD, "amount", 0, NULL, SYN("amount", "value", "closevalue", "dealvalue", "dealamount", "金额",
        "商机金额", "合同金额", "预计金额", "成交金额")},
    {"close_date", TG_FIELD, "close_date", 0, NULL, SYN("closedate", "expectedclose", "expectedclosedate", "预计成交日期",
        "成交日期", "结束日期", "关闭日期")},
    {"source", TG_FIELD, "source", 0, NULL, SYN("source", "leadsource", "来源", "线索来源")},
    {"lost_reason", TG_FIELD, "lost_reason", 0, NULL, SYN("lostreason", "输单原因", "丢单原因")},
    {"created", TG_CREATED, NULL, 0, NULL, SYN("created", "createdat", "createddate", "createdon", "engagedate", "opendate",
        "startdate", "创建日期", "创建时间", "开始日期")},
    {"closed", TG_CLOSED, NULL, 0, NULL, SYN("closed", "closedat", "closeddate", "wonlostdate", "关闭时间")},
    {"product", TG_PRODUCT, NULL, 0, NULL, SYN("product", "productname", "productsku", "产品", "产品名称")},
    {"quantity", TG_QUANTITY, NULL, 0, NULL, SYN("quantity", "qty", "units", "数量")},
    {NULL}};

static const target activity_targets[] = {
    {"kind", TG_FIELD, "kind", 1, NULL, SYN("kind", "type", "activitytype", "类型", "活动类型")},
    {"subject", TG_FIELD, "subject", 1, NULL, SYN("subject", "title", "主题", "标题")},
    {"body", TG_FIELD, "body", 0, NULL, SYN("body", "description", "notes", "note", "details", "内容", "描述", "备注")},
    {"due_at", TG_FIELD, "due_at", 0, NULL, SYN("due", "dueat", "duedate", "date", "日期", "截止日期", "到期日")},
    {"done_at", TG_FIELD, "done_at", 0, NULL, SYN("done", "doneat", "donedate", "completed", "completedat", "完成日期",
        "完成时间")},
    {"outcome", TG_FIELD, "outcome", 0, NULL, SYN("outcome", "result", "结果")},
    {"opportunity", TG_REF, "opportunity_id", 0, NULL, SYN("opportunity", "opportunityname", "deal", "dealname", "商机",
        "商机名称")},
    {"account", TG_REF, "account_id", 0, NULL, S_ACCOUNT},
    {"contact", TG_REF, "contact_id", 0, NULL, SYN("contact", "contactname", "contactemail", "联系人")},
    {"owner", TG_REF, "owner_id", 0, NULL, S_OWNER},
    {"created", TG_CREATED, NULL, 0, NULL, S_CREATED},
    {NULL}};

/* Leads: without an owner column the assignment rules choose one, row by row. */
static const target lead_targets[] = {
    {"name", TG_FIELD, "name", 1, NULL, SYN("name", "contact", "contactname", "fullname", "person", "leadname", "联系人",
        "姓名", "联系人姓名", "名字", "线索名称")},
    {"company", TG_FIELD, "company", 0, NULL, SYN("company", "companyname", "account", "accountname", "organization",
        "organisation", "customer", "公司名称", "公司", "客户名称", "客户", "企业名称", "单位名称")},
    {"email", TG_FIELD, "email", 0, NULL, S_EMAIL},
    {"phone", TG_FIELD, "phone", 0, NULL, S_PHONE},
    {"title", TG_FIELD, "title", 0, NULL, S_TITLE},
    {"source", TG_FIELD, "source", 0, NULL, SYN("source", "leadsource", "channel", "来源", "线索来源", "渠道")},
    {"notes", TG_FIELD, "notes", 0, NULL, SYN("notes", "note", "comments", "comment", "description", "备注", "说明", "描述")},
    {"region", TG_FIELD, "region", 0, NULL, S_REGION},
    {"industry", TG_FIELD, "industry", 0, NULL, S_INDUSTRY},
    {"company_size", TG_FIELD, "company_size", 0, NULL, S_SIZE},
    {"owner", TG_REF, "owner_id", 0, NULL, S_OWNER},
    {"created", TG_CREATED, NULL, 0, NULL, S_CREATED},
    {NULL}};

static const target user_targets[] = {
    {"email", TG_FIELD, "email", 1, NULL, S_EMAIL},
    {"name", TG_FIELD, "name", 1, NULL, SYN("name", "fullname", "username", "姓名", "名字", "用户名")},
    {"role", TG_FIELD, "role", 0, "rep", SYN("role", "角色")},
    {"team", TG_REF, "team_id", 0, NULL, SYN("team", "teamname", "团队", "部门")},
    {"locale", TG_FIELD, "locale", 0, "en", SYN("locale", "language", "语言")},
    {"active", TG_FIELD, "active", 0, "true", SYN("active", "enabled", "启用", "有效")},
    {"created", TG_CREATED, NULL, 0, NULL, S_CREATED},
    {NULL}};

static const target team_targets[] = {
    {"name", TG_FIELD, "name", 1, NULL, SYN("name", "team", "teamname", "团队", "团队名称")},
    {"parent", TG_REF, "parent_id", 0, NULL, SYN("parent", "parentteam", "上级团队")},
    {"manager", TG_REF, "manager_id", 0, NULL, SYN("manager", "teamlead", "lead", "经理", "负责人")},
    {"created", TG_CREATED, NULL, 0, NULL, S_CREATED},
    {NULL}};

static const target_set sets[] = {
    {&def_accounts, account_targets}, {&def_contacts, contact_targets}, {&def_products, product_targets},
    {&def_opportunities, opportunity_targets}, {&def_activities, activity_targets}, {&def_leads, lead_targets}, {&def_users, user_targets},
    {&def_teams, team_targets}};
#define NSETS (int)(sizeof sets / sizeof sets[0])

const target_set *target_set_for(const char *entity) {
    for (int i = 0; entity && i < NSETS; i++)
        if (!strcmp(sets[i].def->name, entity)) return &sets[i];
    return NULL;
}

const char *target_entities(void) {
    return "accounts, contacts, products, opportunities, activities, leads, users, teams";
}

int target_count(const target_set *ts) {
    int n = 0;
    while (ts->targets[n].name) n++;
    return n;
}

int target_find(const target_set *ts, const char *name) {
    for (int i = 0; name && ts->targets[i].name; i++)
        if (!strcmp(ts->targets[i].name, name)) return i;
    return -1;
}

const field_def *target_field(const target_set *ts, int i) {
    const char *f = ts->targets[i].field;
    return f ? record_field(ts->def, f) : NULL;
}

/* "Deal Stage" -> "dealstage": text_key without its spaces. */
static char *compact_key(arena *a, const char *s) {
    char *k = text_key(a, s);
    if (!k) return NULL;
    size_t o = 0;
    for (size_t i = 0; k[i]; i++)
        if (k[i] != ' ') k[o++] = k[i];
    k[o] = 0;
    return k;
}

void target_suggest(arena *a, const target_set *ts, const csvtable *t, target_map *m) {
    for (int i = 0; i < TARGETS_MAX; i++) m->col[i] = -1;
    for (int col = 0; col < t->ncols; col++) {
        const char *k = compact_key(a, t->header[col]);
        for (int i = 0; k && ts->targets[i].name; i++) {
            if (m->col[i] >= 0) continue;
            int hit = 0;
            for (const char *const *s = ts->targets[i].synonyms; *s && !hit; s++) hit = !strcmp(*s, k);
            if (hit) { m->col[i] = col; break; }
        }
    }
}

static int column_of(const csvtable *t, const char *name) {
    for (int c = 0; c < t->ncols; c++)
        if (!strcmp(t->header[c], name)) return c;
    return -1;
}

int target_map_from_json(const target_set *ts, const csvtable *t, const json_t *j, target_map *m, err *e) {
    for (int i = 0; i < TARGETS_MAX; i++) m->col[i] = -1;
    if (!json_is_object(j)) return err_field_add(e, "mapping", "must be an object of target: column name");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        int i = target_find(ts, key);
        if (i < 0) { err_field_add(e, key, "is not something a %s import can fill", ts->def->label); continue; }
        if (json_is_null(v)) continue;
        int col = json_is_string(v) ? column_of(t, json_string_value(v)) : -1;
        if (col < 0) { err_field_add(e, key, "must name a column of the file"); continue; }
        m->col[i] = col;
    }
    return e->cls ? -1 : 0;
}

json_t *target_map_json(const target_set *ts, const csvtable *t, const target_map *m) {
    json_t *o = json_object();
    for (int i = 0; ts->targets[i].name; i++)
        json_object_set_new(o, ts->targets[i].name, m->col[i] >= 0 ? json_string(t->header[m->col[i]]) : json_null());
    return o;
}

static const char *type_name(const target *tg, const field_def *f) {
    switch (tg->kind) {
    case TG_CREATED: case TG_CLOSED: return "date";
    case TG_PRODUCT: case TG_REF: return "reference";
    case TG_QUANTITY: return "integer";
    case TG_FIELD: break;
    }
    switch (f->type) {
    case FT_EMAIL: return "email";
    case FT_ENUM: return "choice";
    case FT_CURRENCY: return "currency";
    case FT_INT: case FT_BP: return "integer";
    case FT_MONEY: return "money";
    case FT_DATE: return "date";
    case FT_TIME: return "date-time";
    case FT_BOOL: return "boolean";
    default: return "text";
    }
}

json_t *target_list_json(const target_set *ts) {
    json_t *list = json_array();
    for (int i = 0; ts->targets[i].name; i++) {
        const target *tg = &ts->targets[i];
        const field_def *f = target_field(ts, i);
        json_t *o = json_pack("{s:s, s:s, s:b}", "name", tg->name, "type", type_name(tg, f), "required", tg->required);
        if (f && f->type == FT_ENUM) {
            json_t *vals = json_array();
            for (int k = 0; f->values[k]; k++) json_array_append_new(vals, json_string(f->values[k]));
            json_object_set_new(o, "choices", vals);
        }
        if (tg->kind == TG_PRODUCT) json_object_set_new(o, "references", json_string("products"));
        else if (tg->kind == TG_REF) json_object_set_new(o, "references", json_string(f->ref));
        json_array_append_new(list, o);
    }
    return list;
}
