-- Review: declared conflicts of interest, reviewer assignments and reviews.

-- Conflicts declared by a reviewer or an admin (rule-based conflicts — same organization, same
-- prefecture — are computed, not stored).
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    declared_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (proposal_id, reviewer_id)
);

CREATE INDEX conflicts_reviewer ON conflicts (reviewer_id);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    decline_reason TEXT,
    affinity INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'auto')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- A reviewer reviews a proposal once; a declined pair keeps its row, so it is never
    -- offered again by the automatic assignment.
    UNIQUE (proposal_id, reviewer_id)
);

CREATE INDEX assignments_call ON assignments (call_id, status);
CREATE INDEX assignments_reviewer ON assignments (reviewer_id, status);

CREATE TABLE reviews (
    assignment_id TEXT PRIMARY KEY NOT NULL REFERENCES assignments (id),
    grades TEXT NOT NULL DEFAULT '{}',
    comments TEXT NOT NULL DEFAULT '{}',
    overall_grade TEXT CHECK (overall_grade IN ('S', 'A', 'B', 'C')),
    overall_comment TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
