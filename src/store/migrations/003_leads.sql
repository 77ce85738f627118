-- 003_leads: lead intake, duplicate keys and assignment.
--
-- Duplicate detection compares Unicode comparison keys (src/core/text.h: NFKC,
-- case folding, company legal forms stripped). SQL cannot compute NFKC, so the
-- server fills the *_key columns: on every create and update of a lead,
-- contact or account, and at startup for rows written another way (migrations
-- like this one, bulk loads). NULL means "not computed yet", '' means "computed:
-- nothing to compare" (no email, too few digits, a company name that is only
-- a legal form), so '' never matches.

-- reps can be away (no new leads) or full (capacity = most open leads + open deals; NULL: no limit)
ALTER TABLE users ADD COLUMN away INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN capacity INTEGER;

ALTER TABLE contacts ADD COLUMN email_key TEXT;
ALTER TABLE contacts ADD COLUMN phone_key TEXT;
ALTER TABLE accounts ADD COLUMN company_key TEXT;
CREATE INDEX contacts_email_key ON contacts(email_key);
CREATE INDEX contacts_phone_key ON contacts(phone_key);
CREATE INDEX accounts_company_key ON accounts(company_key);

-- a public web form: anyone holding the token may submit leads through it
CREATE TABLE lead_forms (
  id {{ID}},
  name TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  default_source TEXT,
  token TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);

-- ordered assignment rules: conditions (comma-separated lists, empty = any)
-- and a target (one rep, or a team with a method); first match wins
CREATE TABLE assignment_rules (
  id {{ID}},
  name TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  regions TEXT,
  industries TEXT,
  company_sizes TEXT,
  team_id BIGINT REFERENCES teams(id),
  user_id BIGINT REFERENCES users(id),
  method TEXT NOT NULL DEFAULT 'round_robin' CHECK (method IN ('round_robin','balanced')),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX assignment_rules_position ON assignment_rules(position, id);

CREATE TABLE leads (
  id {{ID}},
  name TEXT NOT NULL,
  company TEXT,
  email TEXT,
  phone TEXT,
  title TEXT,
  source TEXT,
  notes TEXT,
  region TEXT,
  industry TEXT,
  company_size TEXT,
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','assigned','duplicate','converted','disqualified')),
  disqualified_reason TEXT,
  owner_id BIGINT REFERENCES users(id),
  intake TEXT NOT NULL DEFAULT 'api' CHECK (intake IN ('form','api','import')),
  form_id BIGINT REFERENCES lead_forms(id),
  duplicate_entity TEXT CHECK (duplicate_entity IN ('leads','contacts','accounts')),
  duplicate_id BIGINT,
  duplicate_on TEXT CHECK (duplicate_on IN ('email','phone','company')),
  assigned_at BIGINT,
  converted_at BIGINT,
  account_id BIGINT REFERENCES accounts(id),
  contact_id BIGINT REFERENCES contacts(id),
  opportunity_id BIGINT REFERENCES opportunities(id),
  email_key TEXT,
  phone_key TEXT,
  company_key TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX leads_owner ON leads(owner_id, status);
CREATE INDEX leads_email_key ON leads(email_key);
CREATE INDEX leads_phone_key ON leads(phone_key);
CREATE INDEX leads_company_key ON leads(company_key);

-- every assignment (automatic or by hand) and why: the rule, the method, who
-- was chosen and who was passed over (JSON list in skipped)
CREATE TABLE lead_assignments (
  id {{ID}},
  lead_id BIGINT NOT NULL REFERENCES leads(id),
  rule_id BIGINT REFERENCES assignment_rules(id),
  user_id BIGINT REFERENCES users(id),
  method TEXT NOT NULL CHECK (method IN ('duplicate','direct','round_robin','balanced','manual','none')),
  reason TEXT NOT NULL,
  skipped TEXT,
  actor_id BIGINT REFERENCES users(id),
  at BIGINT NOT NULL
);
CREATE INDEX lead_assignments_lead ON lead_assignments(lead_id, id);
-- round robin continues after the last user a rule chose: read from here
CREATE INDEX lead_assignments_rule ON lead_assignments(rule_id, method, id);

-- public form submissions per client address, fixed window (like login_attempts)
CREATE TABLE form_rate (
  key TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  hits INTEGER NOT NULL
);
CREATE INDEX form_rate_window ON form_rate(window_start);
