ALTER TABLE calls DROP COLUMN decisions_published_at;
DROP TABLE decisions;
