-- 007_board_indexes: the board asks every open deal for its next open task.
CREATE INDEX IF NOT EXISTS activities_open_tasks ON activities(opportunity_id, kind, done_at, due_at);
