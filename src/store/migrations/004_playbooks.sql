-- 004_playbooks: the required actions of a stage. Entering a stage turns each
-- of its actions into a task on the deal (activities.stage_action_id says which
-- action made it), due due_days after entry.
CREATE TABLE stage_actions (
  id {{ID}},
  stage_id BIGINT NOT NULL REFERENCES stages(id),
  name TEXT NOT NULL,
  due_days INTEGER NOT NULL DEFAULT 0,
  required INTEGER NOT NULL DEFAULT 1,
  position INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX stage_actions_stage ON stage_actions(stage_id, position);

ALTER TABLE activities ADD COLUMN stage_action_id BIGINT REFERENCES stage_actions(id);
CREATE INDEX activities_action ON activities(opportunity_id, stage_action_id);
