-- analytics-data.sql: what `cylinder seed --deals N` leaves out and pipeline
-- analytics needs, added once to a seeded benchmark database by
-- bench/analytics (SQLite and PostgreSQL: the common subset of SQL).
-- {{NOW}} is replaced by the current time in ms before it runs.
--
--  * stage history up to about five rows a deal: a third of the moves into an
--    open stage slip back a stage an hour later and recover an hour after that
--    (the current stage, dates and outcomes stay as seeded)
--  * twelve products and 1.33 line items a deal
--  * two activities a deal (calls, emails, meetings with the deal's account,
--    a few tasks), held days after the deal was created, never in the future

CREATE TABLE analytics_bench_data (added_at BIGINT NOT NULL);
INSERT INTO analytics_bench_data VALUES ({{NOW}});

CREATE TEMP TABLE an_slip AS
SELECT h.opportunity_id, h.from_stage_id, h.to_stage_id, h.changed_at, h.changed_by, h.amount, h.currency, h.close_date
FROM stage_history h JOIN stages s ON s.id = h.to_stage_id
WHERE h.from_stage_id IS NOT NULL AND s.kind = 'open' AND h.id % 3 = 0 AND h.changed_at + 10800000 < {{NOW}}
  AND NOT EXISTS (SELECT 1 FROM stage_history n WHERE n.opportunity_id = h.opportunity_id
                  AND n.changed_at > h.changed_at AND n.changed_at < h.changed_at + 10800000);
INSERT INTO stage_history (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by, amount, currency, close_date, probability)
SELECT opportunity_id, to_stage_id, from_stage_id, changed_at + 3600000, changed_by, amount, currency, close_date, 0 FROM an_slip;
INSERT INTO stage_history (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by, amount, currency, close_date, probability)
SELECT opportunity_id, from_stage_id, to_stage_id, changed_at + 7200000, changed_by, amount, currency, close_date, 0 FROM an_slip;

INSERT INTO products (name, sku, list_price, currency, category, created_at, updated_at)
SELECT 'Bench product ' || n, 'BENCH-AN-' || n, 1000000 * n, 'CNY', 'bench', 0, 0
FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6
      UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11 UNION ALL SELECT 12) k;

INSERT INTO line_items (opportunity_id, product_id, quantity, unit_price, discount_bp, total, created_at, updated_at)
SELECT o.id, (SELECT MIN(id) FROM products WHERE sku LIKE 'BENCH-AN-%') + o.id % 12, 1, o.amount, 0, o.amount, o.created_at, o.created_at
FROM opportunities o;
INSERT INTO line_items (opportunity_id, product_id, quantity, unit_price, discount_bp, total, created_at, updated_at)
SELECT o.id, (SELECT MIN(id) FROM products WHERE sku LIKE 'BENCH-AN-%') + (o.id / 3) % 12, 1, 0, 0, 0, o.created_at, o.created_at
FROM opportunities o WHERE o.id % 3 = 0;

INSERT INTO activities (kind, subject, done_at, opportunity_id, account_id, owner_id, created_at, updated_at)
SELECT CASE o.id % 3 WHEN 0 THEN 'call' WHEN 1 THEN 'email' ELSE 'meeting' END, 'bench',
       CASE WHEN o.created_at + (o.id % 20) * 86400000 < {{NOW}} THEN o.created_at + (o.id % 20) * 86400000 END,
       o.id, o.account_id, o.owner_id, o.created_at, o.created_at
FROM opportunities o
UNION ALL
SELECT CASE o.id % 4 WHEN 0 THEN 'meeting' WHEN 1 THEN 'call' WHEN 2 THEN 'email' ELSE 'task' END, 'bench 2',
       CASE WHEN o.created_at + (o.id % 35) * 86400000 + 3600000 < {{NOW}} THEN o.created_at + (o.id % 35) * 86400000 + 3600000 END,
       o.id, o.account_id, o.owner_id, o.created_at, o.created_at
FROM opportunities o;
