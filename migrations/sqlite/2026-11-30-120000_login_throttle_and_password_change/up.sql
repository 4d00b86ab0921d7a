-- Attempt counters shared by every app instance: failed logins per account and per client
-- address, and password-reset requests. The key is a SHA-256 of what is counted, so the table
-- never holds what someone typed as an email address (sometimes a password).
CREATE TABLE attempt_counters (
    key_hash TEXT PRIMARY KEY NOT NULL,
    window_started TIMESTAMP NOT NULL,
    counted INTEGER NOT NULL
);

CREATE INDEX attempt_counters_window ON attempt_counters (window_started);

-- Set for the bootstrap admin in production mode: every endpoint but /me, /me/password and
-- logout answers 403 until the password is changed.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
