-- SQLite has no TRUNCATE (an unfiltered DELETE is caught by audit_events_no_delete); this
-- migration exists so both backends apply the same list, and does nothing here.
SELECT 1;
