//! Diesel table definitions, written by hand to match `migrations/{sqlite,postgres}` (both
//! backends share one schema; only portable column types are used).

diesel::table! {
    prefectures (code) {
        code -> Text,
        name_ja -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    designated_cities (code) {
        code -> Text,
        prefecture_code -> Text,
        name_ja -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        prefecture_code -> Nullable<Text>,
        affiliation -> Nullable<Text>,
        affiliation_prefecture_code -> Nullable<Text>,
        expertise -> Text,
        max_assignments -> Nullable<Integer>,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        must_change_password -> Bool,
    }
}

diesel::table! {
    attempt_counters (key_hash) {
        key_hash -> Text,
        window_started -> Timestamp,
        counted -> Integer,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        session_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    action_tokens (id) {
        id -> Text,
        purpose -> Text,
        user_id -> Nullable<Text>,
        subject_id -> Nullable<Text>,
        subject_detail -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor -> Text,
        ip -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        details -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment_body -> Nullable<Text>,
    }
}


diesel::table! {
    calls (id) {
        id -> Text,
        program -> Text,
        fiscal_year -> Integer,
        title -> Text,
        description -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        total_budget_yen -> BigInt,
        max_request_yen -> BigInt,
        reviewers_per_proposal -> Integer,
        criteria -> Text,
        status -> Text,
        version -> Integer,
        receipt_seq -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        decisions_published_at -> Nullable<Timestamp>,
        selection_stages -> Integer,
        hearing_started_at -> Nullable<Timestamp>,
        budget_by_year -> Text,
    }
}

diesel::table! {
    proposals (id) {
        id -> Text,
        call_id -> Text,
        lead_prefecture_code -> Text,
        status -> Text,
        version -> Integer,
        content -> Text,
        content_hash -> Text,
        receipt_number -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        shortlisted -> Nullable<Bool>,
    }
}

diesel::table! {
    participations (call_id, prefecture_code) {
        call_id -> Text,
        prefecture_code -> Text,
        proposal_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposal_partners (proposal_id, prefecture_code) {
        proposal_id -> Text,
        prefecture_code -> Text,
        invited_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        confirmed_by -> Nullable<Text>,
    }
}

diesel::table! {
    endorsements (id) {
        id -> Text,
        proposal_id -> Text,
        role -> Text,
        content_hash -> Text,
        signatory_name -> Nullable<Text>,
        signatory_email -> Nullable<Text>,
        endorsed_at -> Timestamp,
    }
}

diesel::table! {
    proposal_versions (id) {
        id -> Text,
        proposal_id -> Text,
        version_no -> Integer,
        receipt_number -> Text,
        submitted_at -> Timestamp,
        submitted_by -> Text,
        content -> Text,
        content_hash -> Text,
        attachments -> Text,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        proposal_id -> Text,
        filename -> Text,
        size -> BigInt,
        sha256 -> Text,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        proposal_id -> Text,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    conflicts (id) {
        id -> Text,
        proposal_id -> Text,
        reviewer_id -> Text,
        reason -> Text,
        declared_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        call_id -> Text,
        proposal_id -> Text,
        reviewer_id -> Text,
        status -> Text,
        decline_reason -> Nullable<Text>,
        affinity -> Integer,
        origin -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        stage -> Text,
    }
}

diesel::table! {
    reviews (assignment_id) {
        assignment_id -> Text,
        grades -> Text,
        comments -> Text,
        overall_grade -> Nullable<Text>,
        overall_comment -> Nullable<Text>,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    decisions (proposal_id) {
        proposal_id -> Text,
        call_id -> Text,
        outcome -> Text,
        awarded_amount_yen -> BigInt,
        conditions -> Nullable<Text>,
        feedback -> Nullable<Text>,
        decided_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    hearing_slots (id) {
        id -> Text,
        call_id -> Text,
        proposal_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        place -> Text,
        sequence -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    decision_years (proposal_id, fiscal_year) {
        proposal_id -> Text,
        fiscal_year -> Integer,
        amount_yen -> BigInt,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        proposal_id -> Text,
        call_id -> Text,
        lead_prefecture_code -> Text,
        title -> Text,
        phase -> Text,
        phase_reason -> Nullable<Text>,
        conditions -> Nullable<Text>,
        conditions_cleared_at -> Nullable<Timestamp>,
        conditions_cleared_by -> Nullable<Text>,
        conditions_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_years (project_id, fiscal_year) {
        project_id -> Text,
        fiscal_year -> Integer,
        amount_yen -> BigInt,
        granted_at -> Nullable<Timestamp>,
        granted_by -> Nullable<Text>,
    }
}

diesel::table! {
    progress_reports (project_id, fiscal_year) {
        project_id -> Text,
        fiscal_year -> Integer,
        status -> Text,
        kpis -> Text,
        papers -> Nullable<BigInt>,
        patents_domestic_filed -> Nullable<BigInt>,
        patents_domestic_granted -> Nullable<BigInt>,
        patents_foreign_filed -> Nullable<BigInt>,
        patents_foreign_granted -> Nullable<BigInt>,
        products -> Nullable<BigInt>,
        revenue_yen -> Nullable<BigInt>,
        press -> Nullable<BigInt>,
        awards -> Nullable<BigInt>,
        narrative -> Text,
        version -> Integer,
        updated_by -> Text,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluations (id) {
        id -> Text,
        call_id -> Text,
        kind -> Text,
        fiscal_year -> Integer,
        title -> Text,
        items -> Text,
        self_evaluation_due -> Timestamp,
        adjust_s -> Integer,
        adjust_a -> Integer,
        adjust_b -> Integer,
        adjust_c -> Integer,
        status -> Text,
        grading_started_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    self_evaluations (evaluation_id, project_id) {
        evaluation_id -> Text,
        project_id -> Text,
        text -> Text,
        updated_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_assignments (id) {
        id -> Text,
        evaluation_id -> Text,
        project_id -> Text,
        reviewer_id -> Text,
        status -> Text,
        decline_reason -> Nullable<Text>,
        origin -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    evaluation_reviews (assignment_id) {
        assignment_id -> Text,
        grades -> Text,
        comments -> Text,
        overall_comment -> Nullable<Text>,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_results (evaluation_id, project_id) {
        evaluation_id -> Text,
        project_id -> Text,
        score_hundredths -> Integer,
        grade -> Text,
        item_means -> Text,
        adjustment_percent -> Nullable<Integer>,
    }
}

diesel::joinable!(designated_cities -> prefectures (prefecture_code));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(proposals -> calls (call_id));
diesel::joinable!(participations -> proposals (proposal_id));
diesel::joinable!(proposal_partners -> proposals (proposal_id));
diesel::joinable!(endorsements -> proposals (proposal_id));
diesel::joinable!(proposal_versions -> proposals (proposal_id));
diesel::joinable!(attachments -> proposals (proposal_id));
diesel::joinable!(assignments -> proposals (proposal_id));
diesel::joinable!(reviews -> assignments (assignment_id));
diesel::joinable!(decisions -> proposals (proposal_id));
diesel::joinable!(hearing_slots -> proposals (proposal_id));
diesel::joinable!(decision_years -> decisions (proposal_id));
diesel::joinable!(projects -> proposals (proposal_id));
diesel::joinable!(project_years -> projects (project_id));
diesel::joinable!(progress_reports -> projects (project_id));
diesel::joinable!(evaluations -> calls (call_id));
diesel::joinable!(self_evaluations -> projects (project_id));
diesel::joinable!(evaluation_assignments -> projects (project_id));
diesel::joinable!(evaluation_reviews -> evaluation_assignments (assignment_id));
diesel::joinable!(evaluation_results -> projects (project_id));

diesel::allow_tables_to_appear_in_same_query!(
    prefectures,
    designated_cities,
    users,
    sessions,
    attempt_counters,
    refresh_tokens,
    action_tokens,
    audit_events,
    outbox,
    calls,
    proposals,
    participations,
    proposal_partners,
    endorsements,
    proposal_versions,
    attachments,
    idempotency_keys,
    conflicts,
    assignments,
    reviews,
    decisions,
    hearing_slots,
    decision_years,
    projects,
    project_years,
    progress_reports,
    evaluations,
    self_evaluations,
    evaluation_assignments,
    evaluation_reviews,
    evaluation_results,
);
