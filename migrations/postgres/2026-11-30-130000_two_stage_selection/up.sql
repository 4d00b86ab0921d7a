-- Two-stage selection (document review, shortlist, hearing). The call and proposal statuses
-- `hearing`, `shortlisted` and `not_shortlisted` are read from the columns below rather than
-- stored in `status`: the status columns carry CHECK constraints that SQLite cannot alter
-- without rebuilding tables many others reference.
ALTER TABLE calls ADD COLUMN selection_stages INTEGER NOT NULL DEFAULT 1;
-- Set when the shortlist is made: the call is then in its hearing.
ALTER TABLE calls ADD COLUMN hearing_started_at TIMESTAMP;
-- NULL until the shortlist is made; then TRUE (shortlisted) or FALSE (not shortlisted).
ALTER TABLE proposals ADD COLUMN shortlisted BOOLEAN;
-- Which stage an assignment reviews: 'document' or 'hearing'.
ALTER TABLE assignments ADD COLUMN stage TEXT NOT NULL DEFAULT 'document';

CREATE TABLE hearing_slots (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    -- One slot per shortlisted proposal; moving it updates the row.
    proposal_id TEXT NOT NULL UNIQUE REFERENCES proposals (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    -- The iCalendar SEQUENCE: bumped on each move so calendars replace the earlier invitation.
    sequence INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);

CREATE INDEX hearing_slots_call ON hearing_slots (call_id, starts_at);

-- An email may carry one text attachment (the hearing's .ics invitation).
ALTER TABLE outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE outbox ADD COLUMN attachment_body TEXT;
