DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE outbox;
DROP TABLE audit_events;
DROP TABLE action_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
