/* seed.c: a demo company and benchmark deals.
 *
 * Demo logins (each with the password given to seed_demo):
 *   admin@cylinder.local          Admin           admin
 *   ops@cylinder.local            孙悦            ops
 *   csm@cylinder.local            Emily Carter    csm
 *   chen.zhiqiang@cylinder.local  陈志强          manager, sales director (team Sales)
 *   wang.fang@cylinder.local      王芳            manager, 华东 East China
 *   li.wei@cylinder.local         李伟            manager, 华南 South China
 *   james.miller@cylinder.local   James Miller    manager, International
 *   reps, all @cylinder.local:
 *     East China:    zhang.min, chen.jing, liu.yang, yang.fan
 *     South China:   huang.lei, zhao.xue, wu.hao, zhou.jie
 *     International: sarah.johnson, david.chen, emma.wilson, raj.patel
 * seed_deals' own reps (bench.rep01..50@cylinder.local) have no password.
 *
 * Every deal is simulated rather than drawn at random field by field: it walks
 * forward from Lead, spending days to weeks in each stage, and is won, lost or
 * still open when "now" arrives. Stage history, exit criteria and activities
 * all come from that one walk, so the analytics built on them agree. */
#include "seed.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../auth/password.h"
#include "../core/log.h"
#include "../core/timeutil.h"

#define DAY  86400000LL
#define HOUR 3600000LL
#define SEED 0x43796c696e646572ULL   /* "Cylinder" */
#define MAX_OPEN 10                   /* open stages the simulation handles */
#define MAX_CRIT 8                    /* exit criteria per stage */
#define MAX_STEPS (MAX_OPEN + 1)      /* every open stage, then won or lost */
#define MAXCOL 20
#define NELEM(a) ((int)(sizeof (a) / sizeof (a)[0]))

#define DEMO_ACCOUNTS 300
#define DEMO_CONTACTS 800
#define MAX_CONTACTS  12              /* per demo account */
#define DEMO_DEALS    2000
#define DEMO_MONTHS_DAYS 548          /* 18 months of history */
#define BENCH_REPS 50
#define BENCH_TEAMS 5
#define BENCH_ACCOUNTS 5000
#define BENCH_BATCH 100000

/* ======================================================================
 * Data tables
 * ====================================================================== */

enum { T_NONE = -1, T_SALES, T_EAST, T_SOUTH, T_INTL, NTEAMS };
static const struct { const char *name; int parent; } TEAMS[NTEAMS] = {
    {"Sales", T_NONE}, {"华东 East China", T_SALES}, {"华南 South China", T_SALES}, {"International", T_SALES},
};

/* win, speed and size scale a rep's win rate, cycle length and deal size, so
 * leaderboards and conversion reports have real differences to show. */
typedef struct user_def { const char *email, *name, *role; int team; double win, speed, size; } user_def;
static const user_def USERS[] = {
    {"admin@cylinder.local", "Admin", "admin", T_NONE, 0, 0, 0},
    {"ops@cylinder.local", "孙悦", "ops", T_NONE, 0, 0, 0},
    {"csm@cylinder.local", "Emily Carter", "csm", T_NONE, 0, 0, 0},
    {"chen.zhiqiang@cylinder.local", "陈志强", "manager", T_SALES, 0, 0, 0},
    {"wang.fang@cylinder.local", "王芳", "manager", T_EAST, 0, 0, 0},
    {"li.wei@cylinder.local", "李伟", "manager", T_SOUTH, 0, 0, 0},
    {"james.miller@cylinder.local", "James Miller", "manager", T_INTL, 0, 0, 0},
    {"zhang.min@cylinder.local", "张敏", "rep", T_EAST, 1.50, 0.80, 1.1},
    {"chen.jing@cylinder.local", "陈静", "rep", T_EAST, 1.05, 1.00, 1.0},
    {"liu.yang@cylinder.local", "刘洋", "rep", T_EAST, 0.75, 1.20, 0.9},
    {"yang.fan@cylinder.local", "杨帆", "rep", T_EAST, 0.55, 1.30, 0.8},
    {"huang.lei@cylinder.local", "黄磊", "rep", T_SOUTH, 1.25, 0.90, 1.2},
    {"zhao.xue@cylinder.local", "赵雪", "rep", T_SOUTH, 1.00, 1.00, 1.0},
    {"wu.hao@cylinder.local", "吴昊", "rep", T_SOUTH, 0.85, 1.10, 0.9},
    {"zhou.jie@cylinder.local", "周杰", "rep", T_SOUTH, 0.70, 1.00, 1.3},
    {"sarah.johnson@cylinder.local", "Sarah Johnson", "rep", T_INTL, 1.30, 1.00, 1.4},
    {"david.chen@cylinder.local", "David Chen", "rep", T_INTL, 1.00, 1.10, 1.1},
    {"emma.wilson@cylinder.local", "Emma Wilson", "rep", T_INTL, 0.90, 0.90, 1.0},
    {"raj.patel@cylinder.local", "Raj Patel", "rep", T_INTL, 0.80, 1.40, 1.6},
};
#define NUSERS NELEM(USERS)

typedef struct zh { const char *han, *py; } zh;
static const zh BRANDS[] = {
    {"锐思", "ruisi"}, {"星河", "xinghe"}, {"华信", "huaxin"}, {"海纳", "haina"}, {"云途", "yuntu"},
    {"金桥", "jinqiao"}, {"恒达", "hengda"}, {"博远", "boyuan"}, {"天成", "tiancheng"}, {"瑞丰", "ruifeng"},
    {"智联", "zhilian"}, {"中科", "zhongke"}, {"新锐", "xinrui"}, {"卓越", "zhuoyue"}, {"鼎盛", "dingsheng"},
    {"启明", "qiming"}, {"凯达", "kaida"}, {"远景", "yuanjing"}, {"明泰", "mingtai"}, {"安泰", "antai"},
    {"宏图", "hongtu"}, {"盛世", "shengshi"}, {"银河", "yinhe"}, {"长风", "changfeng"}, {"东方", "dongfang"},
    {"嘉禾", "jiahe"}, {"汇通", "huitong"}, {"正泰", "zhengtai"}, {"鑫源", "xinyuan"}, {"立信", "lixin"},
};
static const char *const EAST_CITIES[] = {"上海", "杭州", "苏州", "南京", "宁波", "合肥", "无锡"};
static const char *const SOUTH_CITIES[] = {"深圳", "广州", "厦门", "东莞", "珠海", "佛山"};
static const char *const EN_PREFIXES[] = {
    "Northwind", "Contoso", "Blue Harbor", "Summit", "Pacific Rim", "Evergreen", "Silverline", "Redwood",
    "Atlas", "Meridian", "Ironbridge", "Brightwater", "Crescent", "Harborview", "Keystone", "Lighthouse",
    "Granite", "Oakridge", "Sterling", "Westfield", "Fabrikam", "Tailspin", "Lakeshore", "Kestrel",
};

/* name: the industry field; zh/en: the word in a company name; dom: in its domain */
typedef struct industry { const char *name, *zh, *en, *dom; } industry;
static const industry INDUSTRIES[] = {
    {"Software", "科技", "Software", "tech"},
    {"Electronics", "电子", "Electronics", "elec"},
    {"Logistics", "物流", "Logistics", "logistics"},
    {"Healthcare", "医疗器械", "Medical", "med"},
    {"Manufacturing", "智能制造", "Manufacturing", "mfg"},
    {"Energy", "新能源", "Energy", "energy"},
    {"Food & Beverage", "食品", "Foods", "foods"},
    {"Retail", "零售", "Retail", "retail"},
    {"Automotive", "汽车零部件", "Automotive", "auto"},
    {"Financial Services", "金融信息服务", "Financial", "fin"},
};
#define NIND NELEM(INDUSTRIES)

/* phone: a format taking two numbers, 100-999 and 0-9999 */
typedef struct locale { const char *region, *country, *suffix, *tld, *phone; } locale;
static const locale LOCALES[] = {
    {"APAC", "Singapore", "Pte. Ltd.", "com.sg", "+65 6%03d %04d"},
    {"APAC", "Japan", "K.K.", "co.jp", "+81 3 5%03d %04d"},
    {"APAC", "Australia", "Pty Ltd", "com.au", "+61 2 9%03d %04d"},
    {"EMEA", "United Kingdom", "Ltd.", "co.uk", "+44 20 7%03d %04d"},
    {"EMEA", "Germany", "GmbH", "de", "+49 30 %03d %04d"},
    {"North America", "United States", "Inc.", "com", "+1 415 %03d %04d"},
};
static const char *const SIZES[] = {"1-50", "51-200", "201-1000", "1001-5000", "5000+"};

static const zh SURNAMES[] = {
    {"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"}, {"杨", "yang"}, {"黄", "huang"},
    {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"}, {"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"},
    {"胡", "hu"}, {"郭", "guo"}, {"何", "he"}, {"林", "lin"}, {"高", "gao"}, {"罗", "luo"},
};
static const zh GIVEN[] = {
    {"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"}, {"强", "qiang"},
    {"磊", "lei"}, {"军", "jun"}, {"洋", "yang"}, {"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"涛", "tao"},
    {"明", "ming"}, {"超", "chao"}, {"秀英", "xiuying"}, {"霞", "xia"}, {"平", "ping"}, {"刚", "gang"},
    {"建华", "jianhua"}, {"晓东", "xiaodong"}, {"海燕", "haiyan"}, {"志强", "zhiqiang"}, {"文博", "wenbo"},
    {"子涵", "zihan"}, {"思远", "siyuan"}, {"雨婷", "yuting"},
};
static const char *const FIRST[] = {
    "James", "Mary", "Robert", "Linda", "Michael", "Sarah", "David", "Emma", "Daniel", "Olivia",
    "Thomas", "Sophie", "Lucas", "Hannah", "Kenji", "Priya", "Ahmed", "Laura", "Mark", "Chloe",
};
static const char *const LAST[] = {
    "Smith", "Johnson", "Brown", "Taylor", "Anderson", "Weber", "Schmidt", "Tanaka", "Kim", "Nguyen",
    "Garcia", "Rossi", "Dubois", "Lee", "Walker", "Wright", "Hughes", "Clarke", "Singh", "Evans",
};

typedef struct title { const char *zh, *en, *role; } title;
static const title TITLES[] = {
    {"总经理", "CEO", "economic_buyer"},
    {"财务总监", "CFO", "economic_buyer"},
    {"首席技术官", "CTO", "decision_maker"},
    {"IT总监", "IT Director", "decision_maker"},
    {"运营总监", "Head of Operations", "decision_maker"},
    {"采购经理", "Procurement Manager", "influencer"},
    {"法务顾问", "Legal Counsel", "influencer"},
    {"生产经理", "Plant Manager", "champion"},
    {"数字化项目经理", "Digital Transformation Lead", "champion"},
    {"工程师", "Engineer", "user"},
    {"数据分析师", "Data Analyst", "user"},
};

/* The first three are platform editions: every deal starts with one. qlo/qhi:
 * the quantity a deal buys. Prices and costs in fen. */
typedef struct product { const char *sku, *name, *zh, *en, *category; int64_t price, cost; int qlo, qhi; } product;
static const product PRODUCTS[] = {
    {"PLT-STD", "数据平台 标准版 / Data Platform Standard", "数据平台标准版", "Platform Standard", "Subscription", 3600000, 600000, 1, 3},
    {"PLT-PRO", "数据平台 专业版 / Data Platform Professional", "数据平台专业版", "Platform Professional", "Subscription", 9600000, 1400000, 1, 3},
    {"PLT-ENT", "数据平台 企业版 / Data Platform Enterprise", "数据平台企业版", "Platform Enterprise", "Subscription", 24000000, 3000000, 1, 3},
    {"SEAT-100", "用户席位包 100 / 100-Seat Pack", "席位包", "Seat pack", "Subscription", 1800000, 200000, 1, 5},
    {"GW-200", "边缘网关 G200 / Edge Gateway G200", "边缘网关", "Edge gateways", "Hardware", 480000, 260000, 2, 40},
    {"SNS-KIT10", "传感器套件 (10只) / Sensor Kit (10 pcs)", "传感器套件", "Sensor kits", "Hardware", 220000, 110000, 5, 120},
    {"IMP-STD", "标准实施服务 / Implementation Standard", "实施服务", "Implementation", "Services", 3000000, 1800000, 1, 1},
    {"IMP-ENT", "企业实施服务 / Implementation Enterprise", "企业实施", "Enterprise implementation", "Services", 12000000, 7000000, 1, 1},
    {"TRN-DAY", "现场培训 (人天) / On-site Training (day)", "现场培训", "Training", "Services", 800000, 300000, 1, 10},
    {"SUP-PREM", "高级支持服务 / Premium Support", "高级支持", "Premium support", "Support", 2400000, 600000, 1, 3},
    {"INT-API", "API 集成包 / Integration Pack", "集成包", "Integration pack", "Add-on", 1500000, 300000, 1, 2},
    {"ANL-ADV", "高级分析模块 / Advanced Analytics", "高级分析", "Advanced analytics", "Add-on", 3000000, 500000, 1, 3},
};
#define NPRODUCTS NELEM(PRODUCTS)
#define NEDITIONS 3

static const zh INITIATIVES[] = {   /* han: Chinese deal name part, py: English */
    {"数字化工厂项目", "Digital factory"}, {"设备联网项目", "Connected equipment"},
    {"仓储可视化项目", "Warehouse visibility"}, {"二期扩容", "Phase 2 expansion"},
    {"年度采购", "Annual purchase"}, {"试点项目", "Pilot"}, {"能耗监测项目", "Energy monitoring"},
    {"质量追溯系统", "Quality traceability"},
};

/* win: how a source's deals convert compared with the average */
static const struct { const char *name; int weight; double win; } SOURCES[] = {
    {"website", 30, 0.95}, {"outbound", 25, 0.80}, {"referral", 15, 1.35}, {"event", 15, 1.00}, {"partner", 15, 1.15},
};
enum { R_PRICE, R_COMPETITOR, R_NO_BUDGET, R_TIMING, R_NO_DECISION, NREASONS };
static const zh REASONS[NREASONS] = {   /* py: the stored lost_reason */
    {"价格", "price"}, {"竞争对手", "competitor"}, {"没有预算", "no budget"}, {"时机不合适", "timing"}, {"客户未决策", "no decision"},
};
static const int REASON_EARLY[NREASONS] = {5, 10, 35, 25, 25};  /* lost in the first two stages */
static const int REASON_LATE[NREASONS] = {35, 35, 10, 10, 10};

/* Days a deal spends in each open stage (the last row stands for any later stage). */
static const int DWELL[][2] = {{2, 10}, {4, 18}, {5, 21}, {6, 25}, {5, 30}};

/* What reps log while a deal sits in a stage; stage -1 fits any. */
typedef struct act_def { int stage; const char *kind, *zh, *en, *zh_out, *en_out; } act_def;
static const act_def ACTS[] = {
    {0, "call", "初次电话沟通", "Intro call", "已接通，了解现状与痛点", "Connected; went through their setup and pain points"},
    {0, "email", "发送公司介绍资料", "Sent company overview", "已发送", "Sent"},
    {0, "call", "电话跟进线索", "Lead follow-up call", "未接通，已留言", "No answer, left a voicemail"},
    {1, "meeting", "需求调研会议", "Discovery meeting", "确认预算与时间表", "Budget and timeline confirmed"},
    {1, "call", "与决策人确认预算", "Budget call with the decision maker", "预算已获批", "Budget is approved"},
    {1, "email", "发送需求确认纪要", "Sent discovery recap", "客户已回复确认", "Customer confirmed by reply"},
    {2, "meeting", "产品演示", "Product demo", "客户反馈积极，要求报价", "Positive feedback; asked for pricing"},
    {2, "meeting", "技术交流会", "Technical deep dive", "IT 部门提出集成问题，已解答", "IT raised integration questions; answered"},
    {2, "email", "演示后跟进", "Demo follow-up", "已发送演示录像与资料", "Sent the recording and slides"},
    {3, "email", "发送方案与报价", "Sent proposal and quote", "客户已收到，下周反馈", "Received; feedback next week"},
    {3, "call", "报价答疑", "Proposal Q&A call", "解释了实施范围与价格", "Walked through scope and pricing"},
    {3, "meeting", "方案汇报", "Proposal presentation", "管理层认可方案", "Management likes the proposal"},
    {4, "call", "商务条款谈判", "Commercial terms call", "客户要求额外折扣", "Customer asked for an extra discount"},
    {4, "meeting", "合同评审会议", "Contract review meeting", "法务提出两处修改", "Legal asked for two changes"},
    {4, "email", "发送合同草案", "Sent draft contract", "已发送", "Sent"},
    {-1, "note", "客户组织架构备注", "Notes on the buying committee", "采购需财务总监签字", "Purchases need the CFO's signature"},
    {-1, "task", "准备客户拜访资料", "Prepare account briefing", "已完成", "Done"},
};
static const zh OPEN_TASKS[] = {
    {"跟进报价反馈", "Follow up on the proposal"}, {"安排下一次演示", "Schedule the next demo"},
    {"确认采购流程", "Confirm the procurement process"}, {"发送客户案例", "Send customer references"},
    {"更新预计成交日期", "Update the close date"}, {"准备合同条款", "Prepare contract terms"},
};

/* ======================================================================
 * PRNG: splitmix64. Small, fast, and the same stream on every platform.
 * ====================================================================== */

typedef struct rng { uint64_t s; } rng;

static uint64_t rng_next(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static int64_t rng_below(rng *r, int64_t n) { return n > 0 ? (int64_t)(rng_next(r) % (uint64_t)n) : 0; }
static int64_t rng_range(rng *r, int64_t lo, int64_t hi) { return lo + rng_below(r, hi - lo + 1); }
static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static int rng_weighted(rng *r, const int *w, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) total += w[i];
    int x = (int)rng_below(r, total);
    for (int i = 0; i < n; i++)
        if ((x -= w[i]) < 0) return i;
    return n - 1;
}
#define PICK(r, a) ((a)[rng_below((r), NELEM(a))])

/* ======================================================================
 * Rows: typed values for one INSERT, sent as a prepared statement (demo) or
 * as text to a bulk load (benchmark deals).
 * ====================================================================== */

typedef struct table { const char *name; int n; const char *cols[MAXCOL]; } table;
static const table T_TEAM = {"teams", 6, {"id", "name", "parent_id", "manager_id", "created_at", "updated_at"}};
static const table T_USER = {"users", 8, {"id", "email", "name", "role", "team_id", "password_hash", "created_at",
    "updated_at"}};
static const table T_PRODUCT = {"products", 9, {"id", "name", "sku", "list_price", "unit_cost", "currency", "category",
    "created_at", "updated_at"}};
static const table T_ACCOUNT = {"accounts", 10, {"id", "name", "industry", "region", "size", "website", "owner_id",
    "parent_id", "created_at", "updated_at"}};
static const table T_CONTACT = {"contacts", 10, {"id", "name", "title", "buying_role", "email", "phone", "account_id",
    "owner_id", "created_at", "updated_at"}};
static const table T_OPP = {"opportunities", 18, {"id", "name", "account_id", "contact_id", "owner_id", "pipeline_id", "stage_id",
    "amount", "amount_from_items", "currency", "close_date", "source", "lost_reason", "stage_entered_at", "closed_at",
    "version", "created_at", "updated_at"}};
static const table T_ITEM = {"line_items", 9, {"id", "opportunity_id", "product_id", "quantity", "unit_price", "discount_bp",
    "total", "created_at", "updated_at"}};
static const table T_HIST = {"stage_history", 10, {"id", "opportunity_id", "from_stage_id", "to_stage_id", "changed_at", "changed_by",
    "amount", "currency", "close_date", "probability"}};
static const table T_CRIT = {"opportunity_criteria", 4, {"opportunity_id", "criterion_id", "met_at", "met_by"}};
static const table T_ACT = {"activities", 13, {"id", "kind", "subject", "body", "due_at", "done_at", "outcome", "opportunity_id",
    "account_id", "contact_id", "owner_id", "created_at", "updated_at"}};
static const char *const ID_TABLES[] = {"teams", "users", "products", "accounts", "contacts", "opportunities",
                                        "line_items", "stage_history", "activities"};

enum { V_NULL, V_INT, V_TEXT };
typedef struct row { int n; unsigned char kind[MAXCOL]; int64_t i[MAXCOL]; const char *s[MAXCOL]; } row;

static void put_int(row *r, int64_t v) { r->kind[r->n] = V_INT; r->i[r->n++] = v; }
static void put_text(row *r, const char *v) { r->kind[r->n] = v ? V_TEXT : V_NULL; r->s[r->n++] = v; }
static void put_ref(row *r, int64_t v) { if (v) put_int(r, v); else put_text(r, NULL); }  /* 0: none */

/* Insert one row through the connection's statement cache. */
static int insert(store *s, const table *t, const row *r, err *e) {
    char sql[1024];
    if (r->n != t->n) return err_set(e, ERR_INTERNAL, "seed: %d values for %d columns of %s", r->n, t->n, t->name);
    int n = snprintf(sql, sizeof sql, "INSERT INTO %s (", t->name);
    for (int i = 0; i < t->n; i++) n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%s", i ? "," : "", t->cols[i]);
    n += snprintf(sql + n, sizeof sql - (size_t)n, ") VALUES (");
    for (int i = 0; i < t->n; i++) n += snprintf(sql + n, sizeof sql - (size_t)n, "%s?", i ? "," : "");
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    for (int i = 0; i < r->n; i++) {
        if (r->kind[i] == V_INT) store_bind_int(st, i + 1, r->i[i]);
        else if (r->kind[i] == V_TEXT) store_bind_text(st, i + 1, r->s[i]);
        else store_bind_null(st, i + 1);
    }
    int rc = store_step(st, e);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

/* Decimal text without printf: the bulk load formats tens of millions of these. */
static char *fmt_i64(char *out, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do tmp[n++] = (char)('0' + u % 10); while (u /= 10);
    char *p = out;
    if (v < 0) *p++ = '-';
    while (n) *p++ = tmp[--n];
    *p = 0;
    return out;
}

static int bulk_put(store_bulk *b, const row *r, err *e) {
    char txt[MAXCOL][24];
    const char *vals[MAXCOL];
    for (int i = 0; i < r->n; i++)
        vals[i] = r->kind[i] == V_INT ? fmt_i64(txt[i], r->i[i]) : r->kind[i] == V_TEXT ? r->s[i] : NULL;
    return store_bulk_row(b, vals, e);
}

/* The store has no way to abandon a bulk load, and ending one commits it.
 * Roll back first (SQLite drops the rows), then end it to free the handle; the
 * caller deletes whatever a backend committed anyway. */
static void bulk_abandon(store *s, store_bulk *b) {
    err scratch = {0};
    store_rollback(s);
    store_bulk_end(b, &scratch);
}

/* First id this seeder may use in a table: ids are assigned here, not by the
 * database, because rows must reference each other before they are written. */
static int next_id(store *s, const char *tbl, int64_t *out, err *e) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(id), 0) + 1 FROM %s", tbl);
    return store_scalar_int(s, sql, out, e, NULL) < 0 ? -1 : 0;
}

/* PostgreSQL identity sequences do not move when ids are given explicitly. */
static int sync_ids(store *s, err *e) {
    if (store_kind(s) != STORE_POSTGRES) return 0;
    for (int i = 0; i < NELEM(ID_TABLES); i++) {
        char sql[256];
        int64_t v;
        snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))",
                 ID_TABLES[i], ID_TABLES[i]);
        if (store_scalar_int(s, sql, &v, e, NULL) < 0) return -1;
    }
    return 0;
}

/* ======================================================================
 * The pipeline and the clock every generated record shares
 * ====================================================================== */

/* Open stages in position order, then won (index nopen), then lost (nopen+1). */
typedef struct pipe {
    int64_t id;
    int nopen;
    int64_t stage[MAX_OPEN + 2], prob[MAX_OPEN + 2];
    int ncrit[MAX_OPEN];
    int64_t crit[MAX_OPEN][MAX_CRIT];
} pipe;

typedef struct gen {
    rng r;
    int64_t now, today;          /* today: midnight UTC */
    pipe p;
    int64_t day0;                /* first day in `date` */
    int ndays;
    char (*date)[11];            /* "YYYY-MM-DD" of each day around now: bulk rows need no gmtime */
} gen;

static int load_stages(store *s, pipe *p, err *e) {
    int64_t won = 0, lost = 0, won_p = 0, lost_p = 0;
    store_stmt *st = store_prepare(s, "SELECT id, probability, kind FROM stages WHERE pipeline_id = ? AND deleted_at IS NULL "
                                      "ORDER BY position, id", e);
    if (!st) return -1;
    store_bind_int(st, 1, p->id);
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        const char *kind = store_col_text(st, 2);
        int64_t id = store_col_int(st, 0), prob = store_col_int(st, 1);
        if (!strcmp(kind, "open")) {
            if (p->nopen == MAX_OPEN) {
                err_set(e, ERR_INTERNAL, "seed: the default pipeline has more than %d open stages", MAX_OPEN);
                goto fail;
            }
            p->stage[p->nopen] = id;
            p->prob[p->nopen++] = prob;
        } else if (!strcmp(kind, "won") && !won) won = id, won_p = prob;
        else if (!strcmp(kind, "lost") && !lost) lost = id, lost_p = prob;
    }
    if (rc < 0) goto fail;
    store_reset(st);
    if (!p->nopen || !won || !lost)
        return err_set(e, ERR_INTERNAL, "seed: the default pipeline needs open, won and lost stages");
    p->stage[p->nopen] = won, p->prob[p->nopen] = won_p;
    p->stage[p->nopen + 1] = lost, p->prob[p->nopen + 1] = lost_p;
    return 0;
fail:
    store_reset(st);
    return -1;
}

static int load_criteria(store *s, pipe *p, err *e) {
    store_stmt *st = store_prepare(s, "SELECT c.id, c.stage_id FROM stage_criteria c JOIN stages st ON st.id = c.stage_id "
                                      "WHERE st.pipeline_id = ? AND c.deleted_at IS NULL "
                                      "ORDER BY c.stage_id, c.position, c.id", e);
    if (!st) return -1;
    store_bind_int(st, 1, p->id);
    int rc;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        int64_t stage = store_col_int(st, 1);
        for (int i = 0; i < p->nopen; i++)
            if (p->stage[i] == stage && p->ncrit[i] < MAX_CRIT) p->crit[i][p->ncrit[i]++] = store_col_int(st, 0);
    }
    store_reset(st);
    return rc < 0 ? -1 : 0;
}

static int gen_init(store *s, gen *g, err *e) {
    memset(g, 0, sizeof *g);
    g->r.s = SEED;
    g->now = time_now_ms();
    g->today = g->now / DAY * DAY;
    int rc = store_scalar_int(s, "SELECT id FROM pipelines WHERE is_default = 1 AND deleted_at IS NULL ORDER BY id",
                              &g->p.id, e, NULL);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_INTERNAL, "seed: no default pipeline (run the migrations first)");
    if (load_stages(s, &g->p, e) || load_criteria(s, &g->p, e)) return -1;
    g->ndays = 2000;                         /* every generated date lies within 1000 days of today */
    g->day0 = g->today - 1000 * DAY;
    g->date = malloc((size_t)g->ndays * sizeof *g->date);
    if (!g->date) return err_set(e, ERR_INTERNAL, "out of memory");
    for (int i = 0; i < g->ndays; i++) time_date_of_ms(g->day0 + i * DAY, g->date[i]);
    return 0;
}

static void gen_free(gen *g) { free(g->date); g->date = NULL; }

static const char *date_of(const gen *g, int64_t ms) {
    int64_t i = (ms - g->day0) / DAY;
    return g->date[i < 0 ? 0 : i >= g->ndays ? g->ndays - 1 : i];
}

/* 01:00-10:00 UTC is office time in China (UTC+8), where most of this company works. */
static int64_t work_time(rng *r) { return HOUR + rng_below(r, 9 * HOUR); }
static int64_t workday(rng *r, int64_t t, int days) { return (t / DAY + days) * DAY + work_time(r); }

/* A moment in the last `days` days. The business grows, so recent months are
 * busier: the density falls from 1.5 (today) to 0.5 (the oldest day). */
static int64_t recent_time(gen *g, int days) {
    rng *r = &g->r;
    double u = rng_unit(r), v = rng_unit(r);
    if (rng_unit(r) < 0.5 && v < u) u = v;
    int64_t t = g->today - (int64_t)(u * days) * DAY + work_time(r);
    return t < g->now ? t : g->now - rng_range(r, 1, 120) * 60000;
}

/* ======================================================================
 * One deal's life
 * ====================================================================== */

enum { OUT_OPEN, OUT_WON, OUT_LOST };
/* Tuned so the demo ends near 25% won, 50% lost and 25% open, most of the open pipeline recent. */
#define BASE_WIN    0.30   /* chance to win, before the rep's and the source's multipliers */
#define LOST_SHARE  0.40   /* of the deals not won, the share lost outright rather than stalled */
#define STALE_DAYS  120    /* a deal untouched this long is up for the quarterly pipeline review ... */
#define STALE_CLOSE 0.85   /* ... which closes most of them as lost (no decision) */

typedef struct deal {
    int n;                       /* stage changes, the first entry included */
    int st[MAX_STEPS];           /* index into pipe.stage */
    int64_t at[MAX_STEPS];       /* when it entered that stage */
    int64_t exp[MAX_STEPS];      /* expected close (midnight) as of that change */
    int outcome, reason;         /* reason: REASONS index when lost */
    int64_t close;               /* the record's close_date (midnight) */
} deal;

static int dwell_days(rng *r, int stage, double speed) {
    const int *d = DWELL[stage < NELEM(DWELL) ? stage : NELEM(DWELL) - 1];
    int n = (int)((double)rng_range(r, d[0], d[1]) * speed + 0.5);
    return n < 1 ? 1 : n;
}

/* Typical days from entering `stage` until the deal closes. */
static int64_t days_left(const pipe *p, int stage, double speed) {
    double sum = 0;
    for (int i = stage; i < p->nopen; i++) {
        const int *d = DWELL[i < NELEM(DWELL) ? i : NELEM(DWELL) - 1];
        sum += (d[0] + d[1]) / 2.0;
    }
    return (int64_t)(sum * speed + 0.5);
}

static void step(const gen *g, deal *d, int stage, int64_t at, double speed) {
    d->st[d->n] = stage;
    d->at[d->n] = at;
    d->exp[d->n] = at / DAY * DAY + (stage < g->p.nopen ? days_left(&g->p, stage, speed) * DAY : 0);
    d->n++;
}

/* Walk a deal from Lead. Its fate (won, lost at stage k, or stalled at stage k)
 * is drawn up front; the clock decides how far it got: a deal whose next step
 * would lie in the future is still open, which keeps recent deals open. */
static void deal_walk(gen *g, double win, double speed, int64_t created, deal *d) {
    rng *r = &g->r;
    int no = g->p.nopen, w[MAX_OPEN];
    for (int i = 0; i < no; i++) w[i] = no - i + 1;          /* deals fall out early more often than late */
    double pw = BASE_WIN * win, u = rng_unit(r);
    if (pw > 0.7) pw = 0.7;
    int fate = u < pw ? OUT_WON : u < pw + (1 - pw) * LOST_SHARE ? OUT_LOST : OUT_OPEN;
    int target = fate == OUT_WON ? no - 1 : rng_weighted(r, w, no);

    d->n = 0, d->outcome = OUT_OPEN, d->reason = -1;
    step(g, d, 0, created, speed);
    int64_t t = created;
    int cur = 0;
    for (; cur < target; cur++) {
        int64_t next = workday(r, t, dwell_days(r, cur, speed));
        if (next > g->now) break;
        step(g, d, cur + 1, t = next, speed);
    }
    if (cur == target && fate == OUT_OPEN && g->now - t > STALE_DAYS * DAY && rng_unit(r) < STALE_CLOSE) {
        /* a stalled deal nobody touched for months is closed at a pipeline review */
        fate = OUT_LOST;
        t = workday(r, t, (int)rng_range(r, 60, 120));
        d->reason = R_NO_DECISION;
    } else if (cur == target && fate != OUT_OPEN) {
        t = workday(r, t, dwell_days(r, cur, speed));
        if (t > g->now) fate = OUT_OPEN;
        else if (fate == OUT_LOST) d->reason = rng_weighted(r, cur < 2 ? REASON_EARLY : REASON_LATE, NREASONS);
    } else fate = OUT_OPEN;   /* stalled, or the clock ran out on the way */

    if (fate != OUT_OPEN) {
        step(g, d, fate == OUT_WON ? no : no + 1, t, speed);
        d->outcome = fate;
        d->close = t / DAY * DAY;
    } else {
        d->reason = -1;
        d->close = d->exp[d->n - 1];
        if (d->close < g->today && rng_unit(r) < 0.75)    /* reps push slipped dates out; a few forget */
            d->close = g->today + rng_range(r, 7, 60) * DAY;
    }
}

static void put_opp(const gen *g, row *r, int64_t id, const char *name, int64_t account, int64_t contact, int64_t owner,
                    const deal *d, int64_t amount, int from_items, const char *source) {
    int64_t last = d->at[d->n - 1];
    r->n = 0;
    put_int(r, id), put_text(r, name), put_ref(r, account), put_ref(r, contact), put_int(r, owner);
    put_int(r, g->p.id), put_int(r, g->p.stage[d->st[d->n - 1]]);
    put_int(r, amount), put_int(r, from_items), put_text(r, "CNY"), put_text(r, date_of(g, d->close));
    put_text(r, source), put_text(r, d->reason >= 0 ? REASONS[d->reason].py : NULL);
    put_int(r, last), put_ref(r, d->outcome != OUT_OPEN ? last : 0);
    put_int(r, d->n), put_int(r, d->at[0]), put_int(r, last);   /* one version per stage change */
}

static void put_hist(const gen *g, row *r, int64_t id, int64_t opp, int64_t owner, const deal *d, int k, int64_t amount) {
    r->n = 0;
    put_int(r, id), put_int(r, opp), put_ref(r, k ? g->p.stage[d->st[k - 1]] : 0), put_int(r, g->p.stage[d->st[k]]);
    put_int(r, d->at[k]), put_int(r, owner), put_int(r, amount), put_text(r, "CNY");
    put_text(r, date_of(g, d->exp[k])), put_int(r, g->p.prob[d->st[k]]);
}

/* ======================================================================
 * Names
 * ====================================================================== */

static void slug(char *out, size_t n, const char *in) {
    size_t k = 0;
    for (; *in && k + 1 < n; in++)
        if (isalnum((unsigned char)*in)) out[k++] = (char)tolower((unsigned char)*in);
    out[k] = 0;
}

/* A person: display name, email local part, Chinese or English. */
static void person(rng *r, int chinese, char *name, size_t nn, char *local, size_t nl) {
    if (chinese) {
        const zh *s = &PICK(r, SURNAMES), *g = &PICK(r, GIVEN);
        snprintf(name, nn, "%s%s", s->han, g->han);
        snprintf(local, nl, "%s.%s", s->py, g->py);
    } else {
        const char *f = PICK(r, FIRST), *l = PICK(r, LAST);
        char a[32], b[32];
        snprintf(name, nn, "%s %s", f, l);
        slug(a, sizeof a, f), slug(b, sizeof b, l);
        snprintf(local, nl, "%s.%s", a, b);
    }
}

typedef struct acct {
    int64_t id, owner, parent, created;
    int owner_user, chinese, loc, size, ind, brand, prefix;   /* indexes into the tables above */
    char name[160], shortname[128], domain[64], website[96];
    const char *region;
    int64_t contact0;            /* contacts are contiguous ids */
    int ncontacts;
} acct;

/* A company in a team's territory; brand/prefix and industry say who it is. */
static void company(rng *r, int team, acct *a) {
    a->chinese = team != T_INTL;
    a->ind = (int)rng_below(r, NIND);
    a->size = (int)rng_below(r, NELEM(SIZES));
    const industry *in = &INDUSTRIES[a->ind];
    if (a->chinese) {
        const char *city = team == T_EAST ? PICK(r, EAST_CITIES) : PICK(r, SOUTH_CITIES);
        a->brand = (int)rng_below(r, NELEM(BRANDS));
        a->region = team == T_EAST ? "East China" : "South China";
        snprintf(a->shortname, sizeof a->shortname, "%s%s%s", city, BRANDS[a->brand].han, in->zh);
        snprintf(a->name, sizeof a->name, "%s有限公司", a->shortname);
        snprintf(a->domain, sizeof a->domain, "%s-%s.cn", BRANDS[a->brand].py, in->dom);
    } else {
        char p[32];
        a->prefix = (int)rng_below(r, NELEM(EN_PREFIXES));
        a->loc = (int)rng_below(r, NELEM(LOCALES));
        a->region = LOCALES[a->loc].region;
        snprintf(a->shortname, sizeof a->shortname, "%s %s", EN_PREFIXES[a->prefix], in->en);
        snprintf(a->name, sizeof a->name, "%s %s", a->shortname, LOCALES[a->loc].suffix);
        slug(p, sizeof p, EN_PREFIXES[a->prefix]);
        snprintf(a->domain, sizeof a->domain, "%s-%s.%s", p, in->dom, LOCALES[a->loc].tld);
    }
    snprintf(a->website, sizeof a->website, "https://www.%s", a->domain);
}

static void put_account(row *r, const acct *a) {
    r->n = 0;
    put_int(r, a->id), put_text(r, a->name), put_text(r, INDUSTRIES[a->ind].name), put_text(r, a->region);
    put_text(r, SIZES[a->size]), put_text(r, a->website), put_int(r, a->owner), put_ref(r, a->parent);
    put_int(r, a->created), put_int(r, a->created);
}

/* ======================================================================
 * seed_demo
 * ====================================================================== */

typedef struct demo {
    store *s;
    gen g;
    struct { int64_t team, user, product, account, contact, opp, item, hist, act; } next;   /* next free ids */
    int64_t team_id[NTEAMS], user_id[NUSERS], product_id[NPRODUCTS];
    char hash[NUSERS][PASSWORD_HASH_MAX];
    int reps[NTEAMS][NUSERS], nreps[NTEAMS];
    acct acc[DEMO_ACCOUNTS];
    int nacc;
} demo;

#define EMPTY_ONLY "the demo company goes only into an empty database"
static int demo_refuse(store *s, err *e) {
    int64_t n = 0;
    if (store_scalar_int(s, "SELECT COUNT(*) FROM opportunities", &n, e, NULL) < 0) return -1;
    if (n) return err_set(e, ERR_CONFLICT, "the database already has %lld opportunities; " EMPTY_ONLY, (long long)n);
    for (int i = 0; i < NUSERS; i++) {
        if (store_scalar_int(s, "SELECT COUNT(*) FROM users WHERE email = ?", &n, e, "s", USERS[i].email) < 0) return -1;
        if (n) return err_set(e, ERR_CONFLICT, "user %s already exists; " EMPTY_ONLY, USERS[i].email);
    }
    for (int i = 0; i < NPRODUCTS; i++) {
        if (store_scalar_int(s, "SELECT COUNT(*) FROM products WHERE sku = ?", &n, e, "s", PRODUCTS[i].sku) < 0) return -1;
        if (n) return err_set(e, ERR_CONFLICT, "product %s already exists; " EMPTY_ONLY, PRODUCTS[i].sku);
    }
    return 0;
}

static int demo_org(demo *dm, err *e) {
    row r;
    int64_t t0 = dm->g.today - 640 * DAY + 2 * HOUR;   /* before every account and deal */
    for (int t = 0; t < NTEAMS; t++) dm->team_id[t] = dm->next.team++;
    for (int u = 0; u < NUSERS; u++) {
        dm->user_id[u] = dm->next.user++;
        int t = USERS[u].team;
        if (!strcmp(USERS[u].role, "rep")) dm->reps[t][dm->nreps[t]++] = u;
    }
    for (int t = 0; t < NTEAMS; t++) {
        int64_t manager = 0;
        for (int u = 0; u < NUSERS && !manager; u++)
            if (USERS[u].team == t && !strcmp(USERS[u].role, "manager")) manager = dm->user_id[u];
        r.n = 0;
        put_int(&r, dm->team_id[t]), put_text(&r, TEAMS[t].name);
        put_ref(&r, TEAMS[t].parent == T_NONE ? 0 : dm->team_id[TEAMS[t].parent]), put_ref(&r, manager);
        put_int(&r, t0), put_int(&r, t0);
        if (insert(dm->s, &T_TEAM, &r, e)) return -1;
    }
    for (int u = 0; u < NUSERS; u++) {
        r.n = 0;
        put_int(&r, dm->user_id[u]), put_text(&r, USERS[u].email), put_text(&r, USERS[u].name), put_text(&r, USERS[u].role);
        put_ref(&r, USERS[u].team == T_NONE ? 0 : dm->team_id[USERS[u].team]), put_text(&r, dm->hash[u]);
        put_int(&r, t0), put_int(&r, t0);
        if (insert(dm->s, &T_USER, &r, e)) return -1;
    }
    for (int p = 0; p < NPRODUCTS; p++) {
        const product *pd = &PRODUCTS[p];
        dm->product_id[p] = dm->next.product++;
        r.n = 0;
        put_int(&r, dm->product_id[p]), put_text(&r, pd->name), put_text(&r, pd->sku), put_int(&r, pd->price);
        put_int(&r, pd->cost), put_text(&r, "CNY"), put_text(&r, pd->category), put_int(&r, t0), put_int(&r, t0);
        if (insert(dm->s, &T_PRODUCT, &r, e)) return -1;
    }
    return 0;
}

/* Companies are unique by brand (or English prefix) and industry, so no two
 * share a name or a website. */
static int taken(const demo *dm, const acct *a) {
    for (int i = 0; i < dm->nacc; i++) {
        const acct *b = &dm->acc[i];
        if (!b->parent && b->chinese == a->chinese && b->ind == a->ind &&
            (a->chinese ? b->brand == a->brand : b->prefix == a->prefix))
            return 1;
    }
    return 0;
}

/* Territories: East China 120 accounts, South China 100, International 80; a
 * tenth of each are branch offices of another account there. */
static int demo_accounts(demo *dm, err *e) {
    static const int count[NTEAMS] = {0, 120, 100, 80};
    rng *r = &dm->g.r;
    row rw;
    for (int t = T_EAST; t < NTEAMS; t++) {
        int first = dm->nacc, nbranch = count[t] / 10;
        for (int k = 0; k < count[t]; k++) {
            acct *a = &dm->acc[dm->nacc];
            memset(a, 0, sizeof *a);
            if (k < count[t] - nbranch) {
                do company(r, t, a); while (taken(dm, a));
                a->owner_user = dm->reps[t][rng_below(r, dm->nreps[t])];
                /* old enough that branches (+20 days) and contacts (+30) predate the oldest deal */
                a->created = dm->g.today - rng_range(r, 600, 620) * DAY + work_time(r);
            } else {
                const acct p = dm->acc[first + rng_below(r, count[t] - nbranch)];   /* a copy: a is written below */
                *a = p;
                a->parent = p.id;
                a->size = p.size > 0 ? p.size - 1 : 0;
                a->created = p.created + rng_range(r, 1, 20) * DAY;
                if (a->chinese) {
                    const char *city = t == T_EAST ? PICK(r, EAST_CITIES) : PICK(r, SOUTH_CITIES);
                    snprintf(a->name, sizeof a->name, "%.100s%s分公司", p.name, city);
                    snprintf(a->shortname, sizeof a->shortname, "%.80s(%s)", p.shortname, city);
                } else {
                    a->loc = (int)rng_below(r, NELEM(LOCALES));
                    a->region = LOCALES[a->loc].region;
                    snprintf(a->name, sizeof a->name, "%.100s (%s)", p.name, LOCALES[a->loc].country);
                    snprintf(a->shortname, sizeof a->shortname, "%.80s %s", p.shortname, LOCALES[a->loc].country);
                }
            }
            a->id = dm->next.account++;
            a->owner = dm->user_id[a->owner_user];
            a->ncontacts = 1;
            dm->nacc++;
            put_account(&rw, a);
            if (insert(dm->s, &T_ACCOUNT, &rw, e)) return -1;
        }
    }
    return 0;
}

static int demo_contacts(demo *dm, err *e) {
    rng *r = &dm->g.r;
    row rw;
    for (int i = dm->nacc; i < DEMO_CONTACTS; i++) {   /* one each, the rest spread at random */
        acct *a;
        do a = &dm->acc[rng_below(r, dm->nacc)]; while (a->ncontacts == MAX_CONTACTS);
        a->ncontacts++;
    }
    for (int i = 0; i < dm->nacc; i++) {
        acct *a = &dm->acc[i];
        char names[MAX_CONTACTS][64];
        a->contact0 = dm->next.contact;
        for (int k = 0; k < a->ncontacts; k++) {
            char name[64], local[64], email[160], phone[40];
            int dup;
            do {   /* no two people of the same name at one company */
                person(r, a->chinese, name, sizeof name, local, sizeof local);
                dup = 0;
                for (int j = 0; j < k; j++) dup |= !strcmp(names[j], name);
            } while (dup);
            snprintf(names[k], sizeof names[k], "%s", name);
            snprintf(email, sizeof email, "%s@%s", local, a->domain);
            if (a->chinese)
                snprintf(phone, sizeof phone, "+86 1%d%d %04d %04d", (int)rng_range(r, 3, 8), (int)rng_below(r, 10),
                         (int)rng_below(r, 10000), (int)rng_below(r, 10000));
            else
                snprintf(phone, sizeof phone, LOCALES[a->loc].phone, (int)rng_range(r, 100, 999), (int)rng_below(r, 10000));
            const title *ti = k == 0 ? &TITLES[rng_below(r, 5)] : &PICK(r, TITLES);  /* someone senior first */
            int64_t created = a->created + rng_range(r, 0, 30) * DAY;
            rw.n = 0;
            put_int(&rw, dm->next.contact++), put_text(&rw, name), put_text(&rw, a->chinese ? ti->zh : ti->en);
            put_text(&rw, ti->role), put_text(&rw, email), put_text(&rw, phone), put_int(&rw, a->id), put_int(&rw, a->owner);
            put_int(&rw, created), put_int(&rw, created);
            if (insert(dm->s, &T_CONTACT, &rw, e)) return -1;
        }
    }
    return 0;
}

/* A deal's line items, planned before anything is written (the opportunity
 * row, which carries their sum, must go in first). */
typedef struct items { int n, prod[3]; int64_t qty[3], disc[3], total[3], amount; } items;

/* A platform edition that fits the company's size (now and then one up or
 * down), plus up to two other products. */
static void plan_items(rng *r, const acct *a, double size, items *it) {
    int ed = a->size < 2 ? 0 : a->size == 2 ? 1 : 2, shift = (int)rng_below(r, 8);
    it->n = (int)rng_range(r, 1, 3);
    it->prod[0] = shift == 0 && ed > 0 ? ed - 1 : shift == 1 && ed < NEDITIONS - 1 ? ed + 1 : ed;
    for (int i = 1; i < it->n; i++) {
        int dup;
        do {
            it->prod[i] = (int)rng_range(r, NEDITIONS, NPRODUCTS - 1);
            dup = 0;
            for (int j = 1; j < i; j++) dup |= it->prod[j] == it->prod[i];
        } while (dup);
    }
    it->amount = 0;
    for (int i = 0; i < it->n; i++) {
        const product *pd = &PRODUCTS[it->prod[i]];
        int64_t q = (int64_t)((double)rng_range(r, pd->qlo, pd->qhi) * size + 0.5);
        it->qty[i] = q < 1 ? 1 : q;
        it->disc[i] = rng_below(r, 3) ? rng_range(r, 0, 40) * 50 : 0;   /* 0-20% in steps of 0.5% */
        /* quantity * price * (1 - discount), rounded half away from zero (every value is positive) */
        it->total[i] = (it->qty[i] * pd->price * (10000 - it->disc[i]) + 5000) / 10000;
        it->amount += it->total[i];
    }
}

static int put_activity(demo *dm, const acct *a, int64_t opp, int64_t contact, const char *kind, const char *subject,
                        const char *body, int64_t due, int64_t done, const char *outcome, int64_t created, err *e) {
    row rw;
    rw.n = 0;
    put_int(&rw, dm->next.act++), put_text(&rw, kind), put_text(&rw, subject), put_text(&rw, body);
    put_ref(&rw, due), put_ref(&rw, done), put_text(&rw, outcome), put_int(&rw, opp), put_int(&rw, a->id);
    put_ref(&rw, contact), put_int(&rw, a->owner), put_int(&rw, created), put_int(&rw, done ? done : created);
    return insert(dm->s, &T_ACT, &rw, e);
}

/* Exit criteria and logged activities for every stage the deal spent time in. */
static int demo_life(demo *dm, const acct *a, int64_t opp, int64_t contact, const deal *d, err *e) {
    gen *g = &dm->g;
    rng *r = &g->r;
    row rw;
    for (int k = 0; k < d->n; k++) {
        int st = d->st[k];
        if (st >= g->p.nopen) break;
        int64_t from = d->at[k], to = k + 1 < d->n ? d->at[k + 1] : g->now, span = to - from > 1 ? to - from : 1;
        int passed = k + 1 < d->n && d->st[k + 1] != g->p.nopen + 1;
        for (int c = 0; c < g->p.ncrit[st]; c++) {
            if (!passed && rng_unit(r) >= 0.35) continue;   /* the stage it is in (or lost in): partly done */
            rw.n = 0;
            put_int(&rw, opp), put_int(&rw, g->p.crit[st][c]), put_int(&rw, from + rng_below(r, span)), put_int(&rw, a->owner);
            if (insert(dm->s, &T_CRIT, &rw, e)) return -1;
        }
        int nact = (int)rng_range(r, 1, st == 0 ? 2 : 3), sidx = st < 5 ? st : 4;
        for (int i = 0; i < nact; i++) {
            const act_def *ad;
            do ad = &PICK(r, ACTS); while (ad->stage != sidx && ad->stage != -1);
            int64_t raw = from + rng_below(r, span), t = raw / DAY * DAY + work_time(r);
            if (t < from || t >= to) t = raw;
            int note = !strcmp(ad->kind, "note"), scheduled = !strcmp(ad->kind, "meeting") || !strcmp(ad->kind, "call") ||
                                                  !strcmp(ad->kind, "task");
            const char *out = a->chinese ? ad->zh_out : ad->en_out;
            if (put_activity(dm, a, opp, contact, ad->kind, a->chinese ? ad->zh : ad->en, note ? out : NULL,
                             scheduled ? t : 0, t, note ? NULL : out, t, e))
                return -1;
        }
    }
    int64_t last = d->at[d->n - 1];
    char subj[96];
    if (d->outcome != OUT_OPEN) {
        if (d->outcome == OUT_WON) snprintf(subj, sizeof subj, "%s", a->chinese ? "赢单：合同已签署" : "Won: contract signed");
        else if (a->chinese) snprintf(subj, sizeof subj, "丢单：%s", REASONS[d->reason].han);
        else snprintf(subj, sizeof subj, "Lost: %s", REASONS[d->reason].py);
        return put_activity(dm, a, opp, contact, "note", subj, NULL, 0, last, NULL, last, e);
    }
    /* open deals: the to-do list a rep opens on Monday */
    if (rng_unit(r) < 0.6) {
        double u = rng_unit(r);
        int64_t due = u < 0.3 ? workday(r, g->today, -(int)rng_range(r, 1, 10))
                    : u < 0.55 ? workday(r, g->today, 0) : workday(r, g->today, (int)rng_range(r, 1, 7));
        const zh *task = &PICK(r, OPEN_TASKS);
        int64_t created = last + rng_below(r, g->now - last > 1 ? g->now - last : 1);
        if (put_activity(dm, a, opp, contact, "task", a->chinese ? task->han : task->py, NULL, due, 0, NULL, created, e))
            return -1;
    }
    if (rng_unit(r) < 0.25) {
        int64_t due = workday(r, g->today, (int)rng_range(r, 1, 14));
        int64_t created = last + rng_below(r, g->now - last > 1 ? g->now - last : 1);
        const char *visit = a->chinese ? "现场拜访" : "On-site visit";
        if (put_activity(dm, a, opp, contact, "meeting", visit, NULL, due, 0, NULL, created, e))
            return -1;
    }
    return 0;
}

static int demo_deal(demo *dm, err *e) {
    gen *g = &dm->g;
    rng *r = &g->r;
    const acct *a = &dm->acc[rng_below(r, dm->nacc)];
    const user_def *u = &USERS[a->owner_user];
    int weights[NELEM(SOURCES)];
    for (int i = 0; i < NELEM(SOURCES); i++) weights[i] = SOURCES[i].weight;
    int src = rng_weighted(r, weights, NELEM(SOURCES));
    int64_t id = dm->next.opp++, contact = a->contact0 + rng_below(r, a->ncontacts);
    items it;
    plan_items(r, a, u->size, &it);
    deal d;
    deal_walk(g, u->win * SOURCES[src].win, u->speed, recent_time(g, DEMO_MONTHS_DAYS), &d);

    char name[256];
    const zh *ini = &PICK(r, INITIATIVES);
    snprintf(name, sizeof name, "%s - %s", a->shortname, a->chinese ? ini->han : ini->py);
    row rw;
    put_opp(g, &rw, id, name, a->id, contact, a->owner, &d, it.amount, 1, SOURCES[src].name);
    if (insert(dm->s, &T_OPP, &rw, e)) return -1;
    for (int i = 0; i < it.n; i++) {
        const product *pd = &PRODUCTS[it.prod[i]];
        rw.n = 0;
        put_int(&rw, dm->next.item++), put_int(&rw, id), put_int(&rw, dm->product_id[it.prod[i]]), put_int(&rw, it.qty[i]);
        put_int(&rw, pd->price), put_int(&rw, it.disc[i]), put_int(&rw, it.total[i]);
        put_int(&rw, d.at[0]), put_int(&rw, d.at[0]);
        if (insert(dm->s, &T_ITEM, &rw, e)) return -1;
    }
    for (int k = 0; k < d.n; k++) {
        put_hist(g, &rw, dm->next.hist++, id, a->owner, &d, k, it.amount);
        if (insert(dm->s, &T_HIST, &rw, e)) return -1;
    }
    return demo_life(dm, a, id, contact, &d, e);
}

int seed_demo(store *s, const char *password, err *e) {
    demo *dm = calloc(1, sizeof *dm);
    int rc = -1, in_tx = 0;
    if (!dm) return err_set(e, ERR_INTERNAL, "out of memory");
    dm->s = s;
    if (demo_refuse(s, e)) goto fail;
    /* argon2id takes ~80 ms a user: hash before taking the write lock */
    for (int u = 0; u < NUSERS; u++)
        if (password_hash(password, dm->hash[u], e)) goto fail;
    if (gen_init(s, &dm->g, e)) goto fail;
    if (store_begin(s, 1, e)) goto fail;
    in_tx = 1;
    if (demo_refuse(s, e)) goto fail;   /* again, now that no one else can write */
    if (next_id(s, "teams", &dm->next.team, e) || next_id(s, "users", &dm->next.user, e) ||
        next_id(s, "products", &dm->next.product, e) || next_id(s, "accounts", &dm->next.account, e) ||
        next_id(s, "contacts", &dm->next.contact, e) || next_id(s, "opportunities", &dm->next.opp, e) ||
        next_id(s, "line_items", &dm->next.item, e) || next_id(s, "stage_history", &dm->next.hist, e) ||
        next_id(s, "activities", &dm->next.act, e))
        goto fail;
    if (demo_org(dm, e) || demo_accounts(dm, e) || demo_contacts(dm, e)) goto fail;
    for (int i = 0; i < DEMO_DEALS; i++)
        if (demo_deal(dm, e)) goto fail;
    if (sync_ids(s, e) || store_commit(s, e)) goto fail;
    in_tx = 0;
    rc = 0;
fail:
    if (in_tx) store_rollback(s);
    gen_free(&dm->g);
    free(dm);
    return rc;
}

/* ======================================================================
 * seed_deals
 * ====================================================================== */

typedef struct bench_deal { int64_t account, owner, amount; int src; deal d; } bench_deal;

/* Read rows of `cols` integers into one malloc'd array (the caller frees). */
static int load_ints(store *s, const char *sql, int cols, int64_t **out, long *n, err *e) {
    int64_t *v = NULL;
    long cap = 0;
    int rc;
    *out = NULL, *n = 0;
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        if ((*n + 1) * cols > cap) {
            cap = cap ? cap * 2 : 1024;
            int64_t *nv = realloc(v, (size_t)cap * sizeof *v);
            if (!nv) { rc = err_set(e, ERR_INTERNAL, "out of memory"); goto fail; }
            v = nv;
        }
        for (int c = 0; c < cols; c++) v[*n * cols + c] = store_col_int(st, c);
        (*n)++;
    }
    if (rc < 0) goto fail;
    store_reset(st);
    *out = v;
    return 0;
fail:
    store_reset(st);
    free(v);
    *n = 0;
    return -1;
}

/* Fifty reps in five teams and five thousand accounts, unless the database
 * already has a sales force to hang the deals on. */
static int bench_org(store *s, gen *g, err *e) {
    int64_t nreps = 0, naccts = 0, team0 = 0, user0 = 0, acct0 = 0, *reps = NULL, t0 = g->today - 600 * DAY;
    long nr = 0;
    int rc = -1, made = 0;
    rng *r = &g->r;
    row rw;
    if (store_begin(s, 1, e)) return -1;
    if (store_scalar_int(s, "SELECT COUNT(*) FROM users WHERE role = 'rep' AND deleted_at IS NULL", &nreps, e, NULL) < 0 ||
        store_scalar_int(s, "SELECT COUNT(*) FROM accounts WHERE deleted_at IS NULL", &naccts, e, NULL) < 0)
        goto fail;
    if (nreps < BENCH_REPS) {
        if (next_id(s, "teams", &team0, e) || next_id(s, "users", &user0, e)) goto fail;
        if (!(reps = malloc(BENCH_REPS * sizeof *reps))) { err_set(e, ERR_INTERNAL, "out of memory"); goto fail; }
        for (int t = 0; t < BENCH_TEAMS; t++) {
            char name[32];
            snprintf(name, sizeof name, "Bench team %d", t + 1);
            rw.n = 0;
            put_int(&rw, team0 + t), put_text(&rw, name), put_ref(&rw, 0), put_ref(&rw, 0), put_int(&rw, t0), put_int(&rw, t0);
            if (insert(s, &T_TEAM, &rw, e)) goto fail;
        }
        for (int i = 0; i < BENCH_REPS; i++) {
            char name[64], local[64], email[96];
            person(r, i % 2 == 0, name, sizeof name, local, sizeof local);
            /* the id keeps the address unique even if earlier bench reps were deleted */
            snprintf(email, sizeof email, "bench.rep%lld@cylinder.local", (long long)(user0 + i));
            rw.n = 0;
            put_int(&rw, user0 + i), put_text(&rw, email), put_text(&rw, name), put_text(&rw, "rep");
            put_int(&rw, team0 + i % BENCH_TEAMS), put_text(&rw, NULL), put_int(&rw, t0), put_int(&rw, t0);
            if (insert(s, &T_USER, &rw, e)) goto fail;
            reps[nr++] = user0 + i;
        }
        made = 1;
    }
    if (made || naccts == 0) {
        if (!made && load_ints(s, "SELECT id FROM users WHERE role = 'rep' AND deleted_at IS NULL ORDER BY id", 1, &reps, &nr, e))
            goto fail;
        if (next_id(s, "accounts", &acct0, e)) goto fail;
        for (int i = 0; i < BENCH_ACCOUNTS; i++) {
            acct a;
            memset(&a, 0, sizeof a);
            company(r, T_EAST + i % 3, &a);
            a.id = acct0 + i, a.owner = reps[i % nr], a.created = t0 + rng_below(r, 30) * DAY;
            put_account(&rw, &a);
            if (insert(s, &T_ACCOUNT, &rw, e)) goto fail;
        }
    }
    if (sync_ids(s, e) || store_commit(s, e)) goto fail;
    rc = 0;
fail:
    if (rc) store_rollback(s);
    free(reps);
    return rc;
}

/* A rep's selling style, from their id, so every run agrees on who is good. */
static void style_of(int64_t owner, double *win, double *speed) {
    rng r = {SEED ^ (uint64_t)owner};
    *win = 0.6 + 0.8 * rng_unit(&r);
    *speed = 0.75 + 0.6 * rng_unit(&r);
}

static void bench_plan(gen *g, const int64_t *acc, long nacc, bench_deal *b) {
    rng *r = &g->r;
    int weights[NELEM(SOURCES)];
    for (int i = 0; i < NELEM(SOURCES); i++) weights[i] = SOURCES[i].weight;
    long k = (long)rng_below(r, nacc);
    double win, speed;
    b->account = acc[2 * k], b->owner = acc[2 * k + 1];
    b->src = rng_weighted(r, weights, NELEM(SOURCES));
    int64_t x = rng_range(r, 2, 200), y = rng_range(r, 2, 200);    /* 20k-2M CNY, small deals the most common */
    b->amount = (x < y ? x : y) * 1000000 + rng_below(r, 100) * 10000;
    style_of(b->owner, &win, &speed);
    deal_walk(g, win * SOURCES[b->src].win, speed, recent_time(g, DEMO_MONTHS_DAYS), &b->d);
}

/* Take a half-loaded batch out again: its history, then its deals. */
static void undo_batch(store *s, int64_t lo, int64_t hi) {
    err scratch = {0};
    if (store_begin(s, 1, &scratch) ||
        store_run(s, "DELETE FROM stage_history WHERE opportunity_id BETWEEN ? AND ?", &scratch, "ii", lo, hi) ||
        store_run(s, "DELETE FROM opportunities WHERE id BETWEEN ? AND ?", &scratch, "ii", lo, hi) ||
        store_commit(s, &scratch)) {
        store_rollback(s);
        log_error("seed: could not remove the incomplete deals %lld-%lld: %s", (long long)lo, (long long)hi, scratch.msg);
    }
}

/* One batch: the deals in one bulk load, then their history in another. Each
 * load commits, so a failure in the second takes the first out again. */
static int bench_batch(store *s, gen *g, const int64_t *acc, long nacc, bench_deal *bd, long m, err *e) {
    int64_t opp0, hist0;
    store_bulk *bk = NULL, *ending;
    int begun = 0;
    row rw;
    if (next_id(s, "opportunities", &opp0, e) || next_id(s, "stage_history", &hist0, e)) return -1;
    for (long i = 0; i < m; i++) bench_plan(g, acc, nacc, &bd[i]);
    begun = 1;
    if (!(bk = store_bulk_begin(s, T_OPP.name, T_OPP.cols, T_OPP.n, e))) goto fail;
    for (long i = 0; i < m; i++) {
        char name[40];
        snprintf(name, sizeof name, "Deal #%lld", (long long)(opp0 + i));
        put_opp(g, &rw, opp0 + i, name, bd[i].account, 0, bd[i].owner, &bd[i].d, bd[i].amount, 0, SOURCES[bd[i].src].name);
        if (bulk_put(bk, &rw, e)) goto fail;
    }
    ending = bk, bk = NULL;
    if (store_bulk_end(ending, e)) goto fail;
    if (!(bk = store_bulk_begin(s, T_HIST.name, T_HIST.cols, T_HIST.n, e))) goto fail;
    for (long i = 0; i < m; i++)
        for (int k = 0; k < bd[i].d.n; k++) {
            put_hist(g, &rw, hist0++, opp0 + i, bd[i].owner, &bd[i].d, k, bd[i].amount);
            if (bulk_put(bk, &rw, e)) goto fail;
        }
    ending = bk, bk = NULL;
    if (store_bulk_end(ending, e)) goto fail;
    return sync_ids(s, e);
fail:
    if (bk) bulk_abandon(s, bk);
    if (begun) undo_batch(s, opp0, opp0 + m - 1);
    return -1;
}

int seed_deals(store *s, long n, err *e) {
    gen g = {0};
    int64_t *acc = NULL, t0 = time_now_ms();
    long nacc = 0, done = 0;
    bench_deal *bd = NULL;
    int rc = -1;
    if (n < 0) return err_set(e, ERR_BAD_REQUEST, "seed: the number of deals must not be negative");
    if (n == 0) return 0;
    if (gen_init(s, &g, e) || bench_org(s, &g, e)) goto fail;
    if (load_ints(s, "SELECT id, owner_id FROM accounts WHERE deleted_at IS NULL ORDER BY id", 2, &acc, &nacc, e)) goto fail;
    if (!nacc) { err_set(e, ERR_INTERNAL, "seed: no accounts to put deals on"); goto fail; }
    if (!(bd = malloc((size_t)(n < BENCH_BATCH ? n : BENCH_BATCH) * sizeof *bd))) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    while (done < n) {
        long m = n - done < BENCH_BATCH ? n - done : BENCH_BATCH;
        if (bench_batch(s, &g, acc, nacc, bd, m, e)) goto fail;
        done += m;
        log_info("seed: %ld of %ld deals (%.1f s)", done, n, (double)(time_now_ms() - t0) / 1000.0);
    }
    rc = 0;
fail:
    if (rc && done) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        err_set(e, e->cls, "seed stopped after %ld of %ld deals (those are complete): %s", done, n, msg);
    }
    free(bd);
    free(acc);
    gen_free(&g);
    return rc;
}
