-- Calls and proposals.

CREATE TABLE calls (
    id TEXT PRIMARY KEY NOT NULL,
    program TEXT NOT NULL CHECK (program IN ('lab_construction', 'regional_co_creation')),
    fiscal_year INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    total_budget_yen BIGINT NOT NULL CHECK (total_budget_yen > 0),
    max_request_yen BIGINT NOT NULL CHECK (max_request_yen > 0),
    reviewers_per_proposal INTEGER NOT NULL,
    criteria TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'under_review', 'decided')),
    version INTEGER NOT NULL DEFAULT 1,
    -- Last receipt sequence handed out in this call; incremented under the call's row lock.
    receipt_seq BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (opens_at < closes_at)
);

CREATE TABLE proposals (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    lead_prefecture_code TEXT NOT NULL REFERENCES prefectures (code),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'under_review', 'adopted', 'conditionally_adopted', 'rejected', 'withdrawn')),
    version INTEGER NOT NULL DEFAULT 1,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    receipt_number TEXT,
    submitted_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (call_id, receipt_number)
);

CREATE INDEX proposals_call_status ON proposals (call_id, status);
CREATE INDEX proposals_lead ON proposals (lead_prefecture_code);

-- One prefecture takes part in at most one live proposal per call, as lead or as confirmed
-- partner (001 §5(1)①). The primary key decides races between officers; withdrawing a
-- proposal or a confirmation deletes the row and releases the prefecture.
CREATE TABLE participations (
    call_id TEXT NOT NULL REFERENCES calls (id),
    prefecture_code TEXT NOT NULL REFERENCES prefectures (code),
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    role TEXT NOT NULL CHECK (role IN ('lead', 'partner')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (call_id, prefecture_code)
);

CREATE INDEX participations_proposal ON participations (proposal_id);

-- Partner prefectures invited by the lead; confirmed by one of the partner's own applicants.
CREATE TABLE proposal_partners (
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    prefecture_code TEXT NOT NULL REFERENCES prefectures (code),
    invited_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    confirmed_by TEXT REFERENCES users (id),
    PRIMARY KEY (proposal_id, prefecture_code)
);

CREATE INDEX proposal_partners_prefecture ON proposal_partners (prefecture_code);

-- An endorsement covers the content it was given for (its hash); a content change leaves it
-- behind, no longer current.
CREATE TABLE endorsements (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    role TEXT NOT NULL CHECK (role IN ('governor', 'university_head', 'industry_representative')),
    content_hash TEXT NOT NULL,
    signatory_name TEXT,
    signatory_email TEXT,
    endorsed_at TIMESTAMP NOT NULL,
    UNIQUE (proposal_id, role, content_hash)
);

-- The immutable snapshot of every submission.
CREATE TABLE proposal_versions (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    version_no INTEGER NOT NULL,
    receipt_number TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL REFERENCES users (id),
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    UNIQUE (proposal_id, version_no)
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX attachments_proposal ON attachments (proposal_id);

-- Responses to submissions made with an Idempotency-Key, replayed for retries.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);

CREATE FUNCTION proposal_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'submitted snapshots are immutable';
END;
$$;

CREATE TRIGGER proposal_versions_no_change BEFORE UPDATE OR DELETE ON proposal_versions
    FOR EACH ROW EXECUTE FUNCTION proposal_versions_immutable();
