-- Decisions (採択決定) and their publication.

CREATE TABLE decisions (
    proposal_id TEXT PRIMARY KEY NOT NULL REFERENCES proposals (id),
    call_id TEXT NOT NULL REFERENCES calls (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('adopted', 'conditionally_adopted', 'rejected')),
    awarded_amount_yen BIGINT NOT NULL CHECK (awarded_amount_yen >= 0),
    conditions TEXT,
    feedback TEXT,
    decided_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (outcome <> 'rejected' OR awarded_amount_yen = 0)
);

CREATE INDEX decisions_call ON decisions (call_id);

ALTER TABLE calls ADD COLUMN decisions_published_at TIMESTAMP;
