DROP TABLE outbox;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE action_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
