-- 001_init: the CRM core. Timestamps are BIGINT ms UTC; dates are {{DATE}};
-- money is BIGINT minor units with an ISO 4217 code beside it; probabilities
-- and discounts are basis points (10000 = 100%). Every business table carries
-- version (optimistic concurrency) and deleted_at (soft delete).

CREATE TABLE teams (
  id {{ID}},
  name TEXT NOT NULL,
  parent_id BIGINT REFERENCES teams(id),
  manager_id BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);

CREATE TABLE users (
  id {{ID}},
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin','manager','rep','csm','ops')),
  team_id BIGINT REFERENCES teams(id),
  locale TEXT NOT NULL DEFAULT 'en',
  password_hash TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX users_team ON users(team_id);

CREATE TABLE sessions (
  id {{ID}},
  token_hash TEXT NOT NULL UNIQUE,
  csrf TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
  id {{ID}},
  user_id BIGINT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);

CREATE TABLE login_attempts (
  key TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures INTEGER NOT NULL
);

CREATE TABLE accounts (
  id {{ID}},
  name TEXT NOT NULL,
  industry TEXT,
  region TEXT,
  size TEXT,
  website TEXT,
  owner_id BIGINT NOT NULL REFERENCES users(id),
  parent_id BIGINT REFERENCES accounts(id),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX accounts_owner ON accounts(owner_id);
CREATE INDEX accounts_parent ON accounts(parent_id);

CREATE TABLE contacts (
  id {{ID}},
  name TEXT NOT NULL,
  title TEXT,
  buying_role TEXT,
  email TEXT,
  phone TEXT,
  account_id BIGINT REFERENCES accounts(id),
  owner_id BIGINT NOT NULL REFERENCES users(id),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX contacts_account ON contacts(account_id);
CREATE INDEX contacts_owner ON contacts(owner_id);

CREATE TABLE products (
  id {{ID}},
  name TEXT NOT NULL,
  sku TEXT NOT NULL UNIQUE,
  list_price BIGINT NOT NULL,
  unit_cost BIGINT,
  currency TEXT NOT NULL,
  category TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);

CREATE TABLE pipelines (
  id {{ID}},
  name TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);

CREATE TABLE stages (
  id {{ID}},
  pipeline_id BIGINT NOT NULL REFERENCES pipelines(id),
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 10000),
  kind TEXT NOT NULL CHECK (kind IN ('open','won','lost')),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX stages_pipeline ON stages(pipeline_id, position);

-- exit criteria: named items of a stage, satisfiable in any order
CREATE TABLE stage_criteria (
  id {{ID}},
  stage_id BIGINT NOT NULL REFERENCES stages(id),
  name TEXT NOT NULL,
  required INTEGER NOT NULL DEFAULT 1,
  position INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX stage_criteria_stage ON stage_criteria(stage_id);

CREATE TABLE opportunities (
  id {{ID}},
  name TEXT NOT NULL,
  account_id BIGINT REFERENCES accounts(id),
  contact_id BIGINT REFERENCES contacts(id),
  owner_id BIGINT NOT NULL REFERENCES users(id),
  pipeline_id BIGINT NOT NULL REFERENCES pipelines(id),
  stage_id BIGINT NOT NULL REFERENCES stages(id),
  amount BIGINT NOT NULL DEFAULT 0,
  amount_from_items INTEGER NOT NULL DEFAULT 0,
  currency TEXT NOT NULL,
  close_date {{DATE}},
  source TEXT,
  lost_reason TEXT,
  stage_entered_at BIGINT NOT NULL,
  closed_at BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX opps_owner ON opportunities(owner_id, id);
CREATE INDEX opps_stage ON opportunities(stage_id);
CREATE INDEX opps_account ON opportunities(account_id);
CREATE INDEX opps_close ON opportunities(close_date);

-- which exit criteria an opportunity has met
CREATE TABLE opportunity_criteria (
  opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
  criterion_id BIGINT NOT NULL REFERENCES stage_criteria(id),
  met_at BIGINT NOT NULL,
  met_by BIGINT NOT NULL REFERENCES users(id),
  PRIMARY KEY (opportunity_id, criterion_id)
);

CREATE TABLE line_items (
  id {{ID}},
  opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
  product_id BIGINT NOT NULL REFERENCES products(id),
  quantity BIGINT NOT NULL CHECK (quantity > 0),
  unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
  discount_bp INTEGER NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
  total BIGINT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX line_items_opp ON line_items(opportunity_id);

CREATE TABLE activities (
  id {{ID}},
  kind TEXT NOT NULL CHECK (kind IN ('call','email','meeting','task','note')),
  subject TEXT NOT NULL,
  body TEXT,
  due_at BIGINT,
  done_at BIGINT,
  outcome TEXT,
  opportunity_id BIGINT REFERENCES opportunities(id),
  account_id BIGINT REFERENCES accounts(id),
  contact_id BIGINT REFERENCES contacts(id),
  owner_id BIGINT NOT NULL REFERENCES users(id),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX activities_owner ON activities(owner_id, due_at);
CREATE INDEX activities_opp ON activities(opportunity_id);
CREATE INDEX activities_account ON activities(account_id);
CREATE INDEX activities_contact ON activities(contact_id);

-- every stage change, written in the same transaction as the change
CREATE TABLE stage_history (
  id {{ID}},
  opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
  from_stage_id BIGINT REFERENCES stages(id),
  to_stage_id BIGINT NOT NULL REFERENCES stages(id),
  changed_at BIGINT NOT NULL,
  changed_by BIGINT REFERENCES users(id),
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  close_date {{DATE}},
  probability INTEGER NOT NULL,
  override_note TEXT,
  missing TEXT
);
CREATE INDEX stage_history_opp ON stage_history(opportunity_id, changed_at);

-- every create, update and delete of a business record, field by field
CREATE TABLE audit_log (
  id {{ID}},
  entity TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  action TEXT NOT NULL,
  field TEXT,
  old_value TEXT,
  new_value TEXT,
  actor_id BIGINT,
  at BIGINT NOT NULL
);
CREATE INDEX audit_record ON audit_log(entity, record_id, id);

-- records shared explicitly with a user outside the owner's team
CREATE TABLE shares (
  entity TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (entity, record_id, user_id)
);
CREATE INDEX shares_user ON shares(user_id, entity);
