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
    }
}

diesel::joinable!(designated_cities -> prefectures (prefecture_code));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    prefectures,
    designated_cities,
    users,
    sessions,
    refresh_tokens,
    action_tokens,
    audit_events,
    outbox,
);
