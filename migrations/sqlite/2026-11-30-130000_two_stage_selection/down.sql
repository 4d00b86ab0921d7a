ALTER TABLE outbox DROP COLUMN attachment_body;
ALTER TABLE outbox DROP COLUMN attachment_type;
ALTER TABLE outbox DROP COLUMN attachment_name;
DROP TABLE hearing_slots;
ALTER TABLE assignments DROP COLUMN stage;
ALTER TABLE proposals DROP COLUMN shortlisted;
ALTER TABLE calls DROP COLUMN hearing_started_at;
ALTER TABLE calls DROP COLUMN selection_stages;
