-- The row-level trigger of the audit log does not fire on TRUNCATE, which would empty the log
-- in one statement: refuse it too.
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
