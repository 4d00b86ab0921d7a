-- After adoption (SPEC §8): yearly budgets and award schedules, projects with their annual
-- grants, progress reports, and evaluation rounds (interim and ex-post).

-- A call's budget per fiscal year (optional), as a JSON object {"2027": yen, ...}: no year's
-- total over all awards may exceed it.
ALTER TABLE calls ADD COLUMN budget_by_year TEXT NOT NULL DEFAULT '{}';

-- A decision's schedule: the awarded amount spread over consecutive fiscal years.
CREATE TABLE decision_years (
    proposal_id TEXT NOT NULL REFERENCES decisions (proposal_id),
    fiscal_year INTEGER NOT NULL,
    amount_yen BIGINT NOT NULL CHECK (amount_yen >= 0),
    PRIMARY KEY (proposal_id, fiscal_year)
);

-- 採択課題: one per adopted or conditionally adopted proposal, created when decisions are published.
CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL UNIQUE REFERENCES proposals (id),
    call_id TEXT NOT NULL REFERENCES calls (id),
    lead_prefecture_code TEXT NOT NULL REFERENCES prefectures (code),
    title TEXT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('active', 'completed', 'terminated')),
    phase_reason TEXT,
    -- A conditional adoption's conditions; NULL for an unconditional one.
    conditions TEXT,
    conditions_cleared_at TIMESTAMP,
    conditions_cleared_by TEXT REFERENCES users (id),
    conditions_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX projects_call ON projects (call_id);
CREATE INDEX projects_lead ON projects (lead_prefecture_code);

-- The project's schedule: scheduled amount per fiscal year and its grant (交付決定), once.
CREATE TABLE project_years (
    project_id TEXT NOT NULL REFERENCES projects (id),
    fiscal_year INTEGER NOT NULL,
    amount_yen BIGINT NOT NULL CHECK (amount_yen >= 0),
    granted_at TIMESTAMP,
    granted_by TEXT REFERENCES users (id),
    PRIMARY KEY (project_id, fiscal_year)
);

CREATE INDEX project_years_year ON project_years (fiscal_year);

-- 実績報告: per project and fiscal year; KPI actuals as a JSON array, outcome counts as columns.
CREATE TABLE progress_reports (
    project_id TEXT NOT NULL REFERENCES projects (id),
    fiscal_year INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    kpis TEXT NOT NULL DEFAULT '[]',
    papers BIGINT CHECK (papers >= 0),
    patents_domestic_filed BIGINT CHECK (patents_domestic_filed >= 0),
    patents_domestic_granted BIGINT CHECK (patents_domestic_granted >= 0),
    patents_foreign_filed BIGINT CHECK (patents_foreign_filed >= 0),
    patents_foreign_granted BIGINT CHECK (patents_foreign_granted >= 0),
    products BIGINT CHECK (products >= 0),
    revenue_yen BIGINT CHECK (revenue_yen >= 0),
    press BIGINT CHECK (press >= 0),
    awards BIGINT CHECK (awards >= 0),
    narrative TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP,
    submitted_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, fiscal_year)
);

-- 中間評価・事後評価: a round over a call's projects, graded on weighted items.
CREATE TABLE evaluations (
    id TEXT PRIMARY KEY NOT NULL,
    call_id TEXT NOT NULL REFERENCES calls (id),
    kind TEXT NOT NULL CHECK (kind IN ('interim', 'ex_post')),
    fiscal_year INTEGER NOT NULL,
    title TEXT NOT NULL,
    -- [{code, name, weight}]; fixed once the first grade is saved (grading_started_at).
    items TEXT NOT NULL,
    self_evaluation_due TIMESTAMP NOT NULL,
    -- Percent applied to later fiscal years per overall grade (interim rounds).
    adjust_s INTEGER NOT NULL CHECK (adjust_s >= 0),
    adjust_a INTEGER NOT NULL CHECK (adjust_a >= 0),
    adjust_b INTEGER NOT NULL CHECK (adjust_b >= 0),
    adjust_c INTEGER NOT NULL CHECK (adjust_c >= 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'published')),
    grading_started_at TIMESTAMP,
    -- When the lead prefectures were reminded that their self-evaluation is due within 7 days.
    reminded_at TIMESTAMP,
    published_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX evaluations_call ON evaluations (call_id);

-- 自己評価書: one per project and round, written by the lead prefecture before the due date.
CREATE TABLE self_evaluations (
    evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    text TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (evaluation_id, project_id)
);

-- An evaluator grading one project in one round. Ids share the namespace of proposal
-- assignments (both are UUIDs), so `/assignments/{id}/review` serves either.
CREATE TABLE evaluation_assignments (
    id TEXT PRIMARY KEY NOT NULL,
    evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    decline_reason TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'auto')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,
    UNIQUE (evaluation_id, project_id, reviewer_id)
);

CREATE INDEX evaluation_assignments_reviewer ON evaluation_assignments (reviewer_id);

CREATE TABLE evaluation_reviews (
    assignment_id TEXT PRIMARY KEY NOT NULL REFERENCES evaluation_assignments (id),
    grades TEXT NOT NULL DEFAULT '{}',
    comments TEXT NOT NULL DEFAULT '{}',
    overall_comment TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- What publication computed, kept as published: the score (1.00–4.00), the grade, the
-- per-item means and the adjustment applied.
CREATE TABLE evaluation_results (
    evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    -- Hundredths of a point (325 = 3.25): the published score is exact to two decimals.
    score_hundredths INTEGER NOT NULL CHECK (score_hundredths BETWEEN 100 AND 400),
    grade TEXT NOT NULL CHECK (grade IN ('S', 'A', 'B', 'C')),
    item_means TEXT NOT NULL,
    adjustment_percent INTEGER,
    PRIMARY KEY (evaluation_id, project_id)
);
