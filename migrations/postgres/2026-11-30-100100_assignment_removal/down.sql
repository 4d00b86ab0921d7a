ALTER TABLE assignments DROP COLUMN removed_at;
