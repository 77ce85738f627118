-- 006_imports: import jobs of the browser's CSV import (src/io/importjob.h).
-- A job lives here, not in a server's memory, so any server process can show
-- its preview and progress; the file itself is kept (as UTF-8) until it has
-- been imported, and the report of bad rows until the job is deleted.
CREATE TABLE imports (
  id {{ID}},
  user_id BIGINT NOT NULL REFERENCES users(id),
  entity TEXT NOT NULL,
  filename TEXT NOT NULL,
  encoding TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ready','running','done','failed')),
  phase TEXT,                      -- while running: checking, then writing
  mapping TEXT NOT NULL,           -- JSON {target: column}
  options TEXT NOT NULL,           -- JSON, see import_options_json
  data TEXT,                       -- the file as UTF-8; NULL once imported
  preview TEXT NOT NULL,           -- JSON {columns, sample}
  result TEXT,                     -- JSON {problems, changes, unmapped} of the last check or run
  report TEXT,                     -- CSV of every problem of the last check or run
  error TEXT,
  rows_total INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_imported INTEGER NOT NULL DEFAULT 0,
  rows_bad INTEGER NOT NULL DEFAULT 0,
  heartbeat_at BIGINT,             -- a running job's last sign of life
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX imports_user ON imports(user_id, id);
