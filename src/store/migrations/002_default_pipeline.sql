-- 002_default_pipeline: the pipeline every installation starts with. Exit
-- criteria are the commitments a buyer gives before the deal moves on; they can
-- be met in any order. Ids are left to the database (PostgreSQL identity
-- sequences do not advance past explicit ids).
INSERT INTO pipelines (name, is_default, created_at, updated_at) VALUES ('Sales', 1, 0, 0);
INSERT INTO stages (pipeline_id, name, position, probability, kind, created_at, updated_at)
  SELECT p.id, s.name, s.position, s.probability, s.kind, 0, 0
  FROM pipelines p,
       (SELECT 'Lead' AS name, 1 AS position, 1000 AS probability, 'open' AS kind
        UNION ALL SELECT 'Qualified', 2, 2000, 'open'
        UNION ALL SELECT 'Demo', 3, 4000, 'open'
        UNION ALL SELECT 'Proposal', 4, 6000, 'open'
        UNION ALL SELECT 'Negotiation', 5, 8000, 'open'
        UNION ALL SELECT 'Won', 6, 10000, 'won'
        UNION ALL SELECT 'Lost', 7, 0, 'lost') s
  WHERE p.is_default = 1
  ORDER BY s.position;
INSERT INTO stage_criteria (stage_id, name, required, position, created_at, updated_at)
  SELECT st.id, c.name, 1, c.position, 0, 0
  FROM stages st,
       (SELECT 'Lead' AS stage, 'Need identified' AS name, 1 AS position
        UNION ALL SELECT 'Qualified', 'Budget confirmed', 1
        UNION ALL SELECT 'Qualified', 'Decision maker identified', 2
        UNION ALL SELECT 'Demo', 'Demo held', 1
        UNION ALL SELECT 'Proposal', 'Proposal sent', 1
        UNION ALL SELECT 'Negotiation', 'Terms agreed', 1) c
  WHERE st.name = c.stage AND st.pipeline_id = (SELECT id FROM pipelines WHERE is_default = 1)
  ORDER BY st.position, c.position;
