-- 005_analytics: what pipeline analytics need beyond the CRM core.

-- The manager's forecast call on a deal, beside the computed forecast.
ALTER TABLE opportunities ADD COLUMN forecast_category TEXT NOT NULL DEFAULT 'pipeline'
  CHECK (forecast_category IN ('commit', 'best_case', 'pipeline', 'omitted'));

-- The analytics snapshot of each server process catches up by what changed
-- since its last look (src/analytics/snapshot.h). Soft deletes stamp only
-- deleted_at, hence the second (partial) index.
CREATE INDEX opps_updated ON opportunities(updated_at);
CREATE INDEX opps_deleted ON opportunities(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX activities_updated ON activities(updated_at);
CREATE INDEX activities_deleted ON activities(deleted_at) WHERE deleted_at IS NOT NULL;

-- A sales target: for one user or one team, over a period of calendar days
-- (both ends included), in one currency.
CREATE TABLE quotas (
  id {{ID}},
  user_id BIGINT REFERENCES users(id),
  team_id BIGINT REFERENCES teams(id),
  period_start {{DATE}} NOT NULL,
  period_end {{DATE}} NOT NULL,
  amount BIGINT NOT NULL CHECK (amount >= 0),
  currency TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT,
  CHECK ((user_id IS NULL) <> (team_id IS NULL)),
  CHECK (period_end >= period_start)
);
CREATE INDEX quotas_user ON quotas(user_id, period_start);
CREATE INDEX quotas_team ON quotas(team_id, period_start);
