-- 008_owner_stage_index: a rep's or a team's deals in one stage, newest first
-- (the board's columns and the filtered lists), straight from an index.
CREATE INDEX IF NOT EXISTS opps_owner_stage ON opportunities(owner_id, stage_id, id);
