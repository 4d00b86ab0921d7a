-- Accounts, sessions, one-time action tokens, the audit log and the email outbox.
-- Instants are UTC TIMESTAMPs; ids are UUID text; JSON is TEXT (portable across both backends).

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'reviewer', 'admin')),
    prefecture_code TEXT REFERENCES prefectures (code),
    affiliation TEXT,
    affiliation_prefecture_code TEXT REFERENCES prefectures (code),
    expertise TEXT NOT NULL DEFAULT '[]',
    max_assignments INTEGER,
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (role <> 'applicant' OR prefecture_code IS NOT NULL),
    CHECK (role <> 'reviewer' OR affiliation IS NOT NULL)
);

CREATE INDEX users_role_prefecture ON users (role, prefecture_code);

-- A login opens a session; its refresh tokens rotate. Presenting a rotated token again means
-- it was stolen or replayed, and revokes the whole session.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP
);

CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Invitation, password-reset and endorsement links. The token in the link is the row id plus
-- an HMAC over it; only the id is stored.
CREATE TABLE action_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset', 'endorsement')),
    user_id TEXT REFERENCES users (id),
    subject_id TEXT,
    subject_detail TEXT,
    content_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    voided_at TIMESTAMP
);

CREATE INDEX action_tokens_user ON action_tokens (user_id, purpose);
CREATE INDEX action_tokens_subject ON action_tokens (subject_id, purpose);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    ip TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_error TEXT
);

CREATE INDEX outbox_due ON outbox (sent_at, failed_at, next_attempt_at);

-- The audit log is append-only, enforced by the database itself.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
