//! Proposals and what hangs off them: participations (the one-prefecture rule), partner
//! invitations, endorsements, submitted snapshots and idempotent submissions.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::types::parse_stored;
use crate::db::schema::{attachments, endorsements, participations, proposal_partners, proposal_versions, proposals};
use crate::domain::attachment::{AttachmentRef, sealed_hash};
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::content::SignatoryRole;
use crate::domain::proposal::{ProposalContent, ProposalStatus};
use crate::domain::time::Instant;
use crate::error::is_unique_violation;
use crate::repo::attachments::AttachmentRow;
use crate::repo::CorruptRow;
use crate::repo::statement::Statement;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = proposals)]
pub struct ProposalRow {
    pub id: String,
    pub call_id: String,
    pub lead_prefecture_code: PrefectureCode,
    pub status: ProposalStatus,
    pub version: i32,
    pub content: String,
    pub content_hash: String,
    pub receipt_number: Option<String>,
    pub submitted_at: Option<Instant>,
    pub created_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
    /// `None` until a two-stage call's shortlist is made.
    pub shortlisted: Option<bool>,
}

impl ProposalRow {
    pub fn status(&self) -> ProposalStatus {
        ProposalStatus::with_shortlist(self.status, self.shortlisted)
    }

    pub fn lead(&self) -> PrefectureCode {
        self.lead_prefecture_code
    }

    pub fn content(&self) -> Result<ProposalContent, CorruptRow> {
        parse_content(&self.content).map_err(|e| CorruptRow::new("proposals.content", &self.id, e))
    }

    /// The stored content as a JSON document, to merge a patch into.
    pub fn content_document(&self) -> Result<serde_json::Value, CorruptRow> {
        serde_json::from_str(&self.content).map_err(|e| CorruptRow::new("proposals.content", &self.id, e))
    }

    /// The members of the stored content object, without its braces: the text
    /// `ProposalContent::stored` wrote, for answers that send it on as it is.
    pub fn content_members(&self) -> Result<&str, CorruptRow> {
        self.content
            .trim()
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .ok_or_else(|| CorruptRow::new("proposals.content", &self.id, "not a JSON object"))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposal_partners)]
pub struct PartnerRow {
    pub proposal_id: String,
    pub prefecture_code: PrefectureCode,
    pub invited_at: Instant,
    pub confirmed_at: Option<Instant>,
    pub confirmed_by: Option<String>,
}

impl PartnerRow {
    pub fn prefecture(&self) -> PrefectureCode {
        self.prefecture_code
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = endorsements)]
pub struct EndorsementRow {
    pub id: String,
    pub proposal_id: String,
    pub role: SignatoryRole,
    pub content_hash: String,
    pub signatory_name: Option<String>,
    pub signatory_email: Option<String>,
    pub endorsed_at: Instant,
}

pub fn insert(conn: &mut DbConn, row: &ProposalRow) -> QueryResult<()> {
    diesel::insert_into(proposals::table).values(row).execute(conn).map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProposalRow>> {
    proposals::table.find(id).select(ProposalRow::as_select()).get_result(conn).optional()
}

/// Reads a proposal and holds its row until the transaction ends, so that every change to it
/// (content, partners, attachments, endorsements, status) applies one after another and each
/// sees the previous one's result. SQLite needs no row lock: its writes already run one at a
/// time on the writer thread, and it has no `FOR UPDATE`.
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProposalRow>> {
    if let DbConn::Pg(pg) = conn {
        return proposals::table.find(id).select(ProposalRow::as_select()).for_update().get_result(pg).optional();
    }
    find(conn, id)
}

// ---- participations: one prefecture, one proposal per call --------------------------------

/// The live proposal a prefecture takes part in within a call, if any.
pub fn participation(conn: &mut DbConn, call_id: &str, prefecture: PrefectureCode) -> QueryResult<Option<String>> {
    participations::table
        .filter(participations::call_id.eq(call_id))
        .filter(participations::prefecture_code.eq(prefecture.to_string()))
        .select(participations::proposal_id)
        .get_result(conn)
        .optional()
}

#[derive(Debug)]
pub enum ClaimError {
    /// The prefecture already takes part in another live proposal of the call.
    Taken,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for ClaimError {
    fn from(e: diesel::result::Error) -> Self {
        if is_unique_violation(&e) { ClaimError::Taken } else { ClaimError::Db(e) }
    }
}

/// Records that a prefecture takes part in a proposal. The primary key (call, prefecture)
/// refuses a second claim even when two transactions race past the friendly check.
pub fn claim(
    conn: &mut DbConn,
    call_id: &str,
    prefecture: PrefectureCode,
    proposal_id: &str,
    role: &str,
    now: DateTime<Utc>,
) -> Result<(), ClaimError> {
    diesel::insert_into(participations::table)
        .values((
            participations::call_id.eq(call_id),
            participations::prefecture_code.eq(prefecture.to_string()),
            participations::proposal_id.eq(proposal_id),
            participations::role.eq(role),
            participations::created_at.eq(Instant::from(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn release(conn: &mut DbConn, proposal_id: &str, prefecture: PrefectureCode) -> QueryResult<usize> {
    diesel::delete(
        participations::table
            .filter(participations::proposal_id.eq(proposal_id))
            .filter(participations::prefecture_code.eq(prefecture.to_string())),
    )
    .execute(conn)
}

pub fn release_all(conn: &mut DbConn, proposal_id: &str) -> QueryResult<usize> {
    diesel::delete(participations::table.filter(participations::proposal_id.eq(proposal_id))).execute(conn)
}

// ---- partners ---------------------------------------------------------------------------

pub fn partners(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<PartnerRow>> {
    proposal_partners::table
        .filter(proposal_partners::proposal_id.eq(proposal_id))
        .order(proposal_partners::prefecture_code.asc())
        .select(PartnerRow::as_select())
        .load(conn)
}

/// What hangs off one proposal: its partners by prefecture code, its attachments oldest
/// first, and the endorsements given for any of its contents (only those for the current
/// content count; a caller voiding them needs those of the content it replaces).
#[derive(Debug, Clone, Default)]
pub struct Parts {
    pub partners: Vec<PartnerRow>,
    pub attachments: Vec<AttachmentRow>,
    pub endorsements: Vec<EndorsementRow>,
}

impl Parts {
    /// The endorsements that count for a content with `content_hash`.
    pub fn endorsements_of(&self, content_hash: &str) -> impl Iterator<Item = &EndorsementRow> {
        self.endorsements.iter().filter(move |e| e.content_hash == content_hash)
    }
}

/// One row of [`parts`]' union: which table it comes from, then that table's columns in
/// shared slots (see each branch for which is which).
type PartSlots = (i32, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<i64>, Instant, Option<Instant>);

const PARTNER: i32 = 1;
const ATTACHMENT: i32 = 2;
const ENDORSEMENT: i32 = 3;

/// [`Parts`] in one statement: every proposal read and every change starts here, and on
/// PostgreSQL each statement is a round trip to the server.
pub fn parts(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Parts> {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

    let no_text = || None::<String>.into_sql::<Nullable<Text>>();
    let partners = proposal_partners::table.filter(proposal_partners::proposal_id.eq(proposal_id)).select((
        PARTNER.into_sql::<Integer>(),
        proposal_partners::prefecture_code,
        proposal_partners::confirmed_by,
        no_text(),
        no_text(),
        no_text(),
        None::<i64>.into_sql::<Nullable<BigInt>>(),
        proposal_partners::invited_at,
        proposal_partners::confirmed_at,
    ));
    let files = attachments::table.filter(attachments::proposal_id.eq(proposal_id)).select((
        ATTACHMENT.into_sql::<Integer>(),
        attachments::id,
        attachments::filename.nullable(),
        attachments::sha256.nullable(),
        attachments::uploaded_by.nullable(),
        no_text(),
        attachments::size.nullable(),
        attachments::created_at,
        None::<Instant>.into_sql::<Nullable<Timestamp>>(),
    ));
    let given = endorsements::table.filter(endorsements::proposal_id.eq(proposal_id)).select((
        ENDORSEMENT.into_sql::<Integer>(),
        endorsements::id,
        endorsements::role.nullable(),
        endorsements::content_hash.nullable(),
        endorsements::signatory_name,
        endorsements::signatory_email,
        None::<i64>.into_sql::<Nullable<BigInt>>(),
        endorsements::endorsed_at,
        None::<Instant>.into_sql::<Nullable<Timestamp>>(),
    ));
    // The derived multi-backend connection does not offer UNION, each backend does.
    let query = partners.union_all(files).union_all(given);
    let rows: Vec<PartSlots> = match conn {
        DbConn::Pg(c) => query.load(c)?,
        DbConn::Sqlite(c) => query.load(c)?,
    };
    let mut parts = Parts::default();
    for (kind, a, b, c, d, e, n, at, other_at) in rows {
        match kind {
            PARTNER => parts.partners.push(PartnerRow {
                proposal_id: proposal_id.to_string(),
                prefecture_code: parsed(&a)?,
                invited_at: at,
                confirmed_at: other_at,
                confirmed_by: b,
            }),
            ATTACHMENT => parts.attachments.push(AttachmentRow {
                id: a,
                proposal_id: proposal_id.to_string(),
                filename: present(b)?,
                size: present(n)?,
                sha256: present(c)?,
                uploaded_by: present(d)?,
                created_at: at,
            }),
            ENDORSEMENT => parts.endorsements.push(EndorsementRow {
                id: a,
                proposal_id: proposal_id.to_string(),
                role: parsed(&present(b)?)?,
                content_hash: present(c)?,
                signatory_name: d,
                signatory_email: e,
                endorsed_at: at,
            }),
            other => return Err(diesel::result::Error::DeserializationError(format!("no table numbered {other} in a proposal's parts").into())),
        }
    }
    parts.partners.sort_by_key(|p| p.prefecture_code);
    parts.attachments.sort_by(|x, y| (x.created_at, &x.id).cmp(&(y.created_at, &y.id)));
    Ok(parts)
}

fn parsed<T>(text: &str) -> QueryResult<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    parse_stored(text).map_err(|e| diesel::result::Error::DeserializationError(e.into()))
}

fn present<T>(slot: Option<T>) -> QueryResult<T> {
    slot.ok_or_else(|| diesel::result::Error::DeserializationError("a NOT NULL column read as NULL".into()))
}

/// The partners of several proposals at once (a page of views).
pub fn partners_of(conn: &mut DbConn, proposal_ids: &[String]) -> QueryResult<Vec<PartnerRow>> {
    proposal_partners::table
        .filter(proposal_partners::proposal_id.eq_any(proposal_ids))
        .order((proposal_partners::proposal_id.asc(), proposal_partners::prefecture_code.asc()))
        .select(PartnerRow::as_select())
        .load(conn)
}

pub fn invited_prefectures(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<PrefectureCode>> {
    Ok(partners(conn, proposal_id)?.iter().map(PartnerRow::prefecture).collect())
}

pub fn confirmed_partners(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<PrefectureCode>> {
    Ok(partners(conn, proposal_id)?.iter().filter(|p| p.confirmed_at.is_some()).map(PartnerRow::prefecture).collect())
}

/// Makes the invitations match the partner list of the content: new partners are invited,
/// dropped ones lose their invitation and, if they had confirmed, their participation.
/// `current` are the invitations as the caller read them in this transaction.
pub fn sync_partners(
    conn: &mut DbConn,
    proposal_id: &str,
    current: &[PartnerRow],
    wanted: &[PrefectureCode],
    now: DateTime<Utc>,
) -> QueryResult<PartnerChanges> {
    let current: Vec<PrefectureCode> = current.iter().map(PartnerRow::prefecture).collect();
    let mut changes = PartnerChanges::default();
    for code in current.iter().filter(|c| !wanted.contains(c)) {
        diesel::delete(
            proposal_partners::table
                .filter(proposal_partners::proposal_id.eq(proposal_id))
                .filter(proposal_partners::prefecture_code.eq(code.to_string())),
        )
        .execute(conn)?;
        release(conn, proposal_id, *code)?;
        changes.dropped.push(*code);
    }
    for code in wanted.iter().filter(|c| !current.contains(c)) {
        diesel::insert_into(proposal_partners::table)
            .values((
                proposal_partners::proposal_id.eq(proposal_id),
                proposal_partners::prefecture_code.eq(code.to_string()),
                proposal_partners::invited_at.eq(Instant::from(now)),
            ))
            .execute(conn)?;
        changes.invited.push(*code);
    }
    Ok(changes)
}

/// What [`sync_partners`] changed.
#[derive(Debug, Default)]
pub struct PartnerChanges {
    pub dropped: Vec<PrefectureCode>,
    pub invited: Vec<PrefectureCode>,
}

impl PartnerChanges {
    pub fn is_empty(&self) -> bool {
        self.dropped.is_empty() && self.invited.is_empty()
    }
}

pub fn set_partner_confirmation(
    conn: &mut DbConn,
    proposal_id: &str,
    prefecture: PrefectureCode,
    confirmed_by: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        proposal_partners::table
            .filter(proposal_partners::proposal_id.eq(proposal_id))
            .filter(proposal_partners::prefecture_code.eq(prefecture.to_string())),
    )
    .set((
        proposal_partners::confirmed_at.eq(confirmed_by.map(|_| Instant::from(now))),
        proposal_partners::confirmed_by.eq(confirmed_by),
    ))
    .execute(conn)
}

// ---- content, status --------------------------------------------------------------------

/// Writes new content, sealed with the proposal's `attachments` as they are now, if the proposal
/// is still at `expected_version`: the row as it now stands, or `None` if it had moved on.
/// After a change of attachments, writing the same content again reseals it: endorsements of
/// the old seal no longer cover it.
pub fn update_content(
    conn: &mut DbConn,
    row: &ProposalRow,
    content: &ProposalContent,
    attachments: &[AttachmentRef],
    now: DateTime<Utc>,
) -> QueryResult<Option<ProposalRow>> {
    let (text, hash) = content.stored();
    write_content(conn, row, text, sealed_hash(&hash, attachments), now)
}

/// [`update_content`] with the content already serialised (`ProposalContent::stored`) and
/// sealed (`sealed_hash`).
pub fn write_content(conn: &mut DbConn, row: &ProposalRow, text: String, sealed: String, now: DateTime<Utc>) -> QueryResult<Option<ProposalRow>> {
    let written = ProposalRow {
        id: row.id.clone(),
        call_id: row.call_id.clone(),
        lead_prefecture_code: row.lead_prefecture_code,
        status: row.status,
        version: row.version + 1,
        content: text,
        content_hash: sealed,
        receipt_number: row.receipt_number.clone(),
        submitted_at: row.submitted_at,
        created_by: row.created_by.clone(),
        created_at: row.created_at,
        updated_at: Instant::from(now),
        shortlisted: row.shortlisted,
    };
    let updated = Statement::new("UPDATE proposals SET content = ")
        .text(&written.content)
        .sql(", content_hash = ")
        .text(&written.content_hash)
        .sql(", version = ")
        .integer(written.version)
        .sql(", updated_at = ")
        .instant(written.updated_at)
        .sql(" WHERE id = ")
        .text(&row.id)
        .sql(" AND version = ")
        .integer(row.version)
        .execute(conn)?;
    Ok((updated == 1).then_some(written))
}

/// Moves a proposal between statuses; false if it was no longer in `from` (a concurrent change).
/// The shortlist statuses are `under_review` with the `shortlisted` mark.
pub fn transition(conn: &mut DbConn, id: &str, from: ProposalStatus, to: ProposalStatus, now: DateTime<Utc>) -> QueryResult<bool> {
    let target = proposals::table.filter(proposals::id.eq(id)).filter(proposals::status.eq(from.stored().as_str()));
    let changes = (
        proposals::shortlisted.eq(to.shortlist_mark().or(from.shortlist_mark())),
        proposals::status.eq(to.stored().as_str()),
        proposals::version.eq(proposals::version + 1),
        proposals::updated_at.eq(Instant::from(now)),
    );
    let updated = match from.shortlist_mark() {
        Some(mark) => diesel::update(target.filter(proposals::shortlisted.eq(mark))).set(changes).execute(conn)?,
        None if from == ProposalStatus::UnderReview => diesel::update(target.filter(proposals::shortlisted.is_null())).set(changes).execute(conn)?,
        None => diesel::update(target).set(changes).execute(conn)?,
    };
    Ok(updated == 1)
}

pub fn record_submission(conn: &mut DbConn, id: &str, receipt_number: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(proposals::table.find(id))
        .set((proposals::receipt_number.eq(Some(receipt_number)), proposals::submitted_at.eq(Some(Instant::from(now)))))
        .execute(conn)
        .map(|_| ())
}

/// Moves every proposal of a call in one status to another (e.g. submitted → under review).
pub fn transition_all_in_call(conn: &mut DbConn, call_id: &str, from: ProposalStatus, to: ProposalStatus, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(proposals::table.filter(proposals::call_id.eq(call_id)).filter(proposals::status.eq(from.as_str())))
        .set((
            proposals::status.eq(to.as_str()),
            proposals::version.eq(proposals::version + 1),
            proposals::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)
}

// ---- listing ----------------------------------------------------------------------------

/// Whose proposals a list may show.
pub enum Scope {
    All,
    /// Those the prefecture leads or is invited to.
    Prefecture(PrefectureCode),
    /// These proposals only (a reviewer's readable assignments).
    Ids(Vec<String>),
}

pub fn list(
    conn: &mut DbConn,
    scope: Scope,
    call_id: Option<&str>,
    status: Option<ProposalStatus>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<ProposalRow>, i64)> {
    let filtered = || {
        let mut q = proposals::table.into_boxed();
        match &scope {
            Scope::All => {}
            Scope::Prefecture(code) => {
                let invited = proposal_partners::table
                    .filter(proposal_partners::prefecture_code.eq(code.to_string()))
                    .select(proposal_partners::proposal_id);
                q = q.filter(proposals::lead_prefecture_code.eq(code.to_string()).or(proposals::id.eq_any(invited)));
            }
            Scope::Ids(ids) => q = q.filter(proposals::id.eq_any(ids.clone())),
        }
        if let Some(call_id) = call_id {
            q = q.filter(proposals::call_id.eq(call_id.to_string()));
        }
        if let Some(status) = status {
            q = q.filter(proposals::status.eq(status.stored().as_str()));
            match status.shortlist_mark() {
                Some(mark) => q = q.filter(proposals::shortlisted.eq(mark)),
                None if status == ProposalStatus::UnderReview => q = q.filter(proposals::shortlisted.is_null()),
                None => {}
            }
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order((proposals::created_at.asc(), proposals::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(ProposalRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn in_call_with_status(conn: &mut DbConn, call_id: &str, statuses: &[ProposalStatus]) -> QueryResult<Vec<ProposalRow>> {
    let stored: Vec<&str> = statuses.iter().map(|s| s.stored().as_str()).collect();
    let rows: Vec<ProposalRow> = proposals::table
        .filter(proposals::call_id.eq(call_id))
        .filter(proposals::status.eq_any(stored))
        .order((proposals::receipt_number.asc(), proposals::id.asc()))
        .select(ProposalRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter(|p| statuses.contains(&p.status())).collect())
}

// ---- endorsements -----------------------------------------------------------------------

/// Endorsements that cover the proposal's current content.
pub fn current_endorsements(conn: &mut DbConn, proposal_id: &str, content_hash: &str) -> QueryResult<Vec<EndorsementRow>> {
    endorsements::table
        .filter(endorsements::proposal_id.eq(proposal_id))
        .filter(endorsements::content_hash.eq(content_hash))
        .select(EndorsementRow::as_select())
        .load(conn)
}

/// Endorsements of several proposals given for any of `content_hashes`; the caller keeps, for
/// each proposal, those given for its own current hash.
pub fn endorsements_covering(conn: &mut DbConn, proposal_ids: &[String], content_hashes: &[String]) -> QueryResult<Vec<EndorsementRow>> {
    endorsements::table
        .filter(endorsements::proposal_id.eq_any(proposal_ids))
        .filter(endorsements::content_hash.eq_any(content_hashes))
        .select(EndorsementRow::as_select())
        .load(conn)
}

pub fn endorsed_roles(conn: &mut DbConn, proposal_id: &str, content_hash: &str) -> QueryResult<Vec<SignatoryRole>> {
    Ok(current_endorsements(conn, proposal_id, content_hash)?.iter().map(|e| e.role).collect())
}

pub fn insert_endorsement(
    conn: &mut DbConn,
    proposal_id: &str,
    role: SignatoryRole,
    content_hash: &str,
    name: Option<&str>,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(endorsements::table)
        .values((
            endorsements::id.eq(super::new_id()),
            endorsements::proposal_id.eq(proposal_id),
            endorsements::role.eq(role.as_str()),
            endorsements::content_hash.eq(content_hash),
            endorsements::signatory_name.eq(name),
            endorsements::signatory_email.eq(email),
            endorsements::endorsed_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

// ---- submitted snapshots ----------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposal_versions)]
pub struct VersionRow {
    pub id: String,
    pub proposal_id: String,
    pub version_no: i32,
    pub receipt_number: String,
    pub submitted_at: Instant,
    pub submitted_by: String,
    pub content: String,
    pub content_hash: String,
    pub attachments: String,
}

/// Stores a submission's snapshot: the content and the attachments, sealed as the proposal is.
pub fn insert_version(
    conn: &mut DbConn,
    proposal_id: &str,
    receipt_number: &str,
    content: &ProposalContent,
    submitted_by: &str,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    let previous: Option<i32> = proposal_versions::table
        .filter(proposal_versions::proposal_id.eq(proposal_id))
        .select(diesel::dsl::max(proposal_versions::version_no))
        .get_result(conn)?;
    let version_no = previous.unwrap_or(0) + 1;
    let files = crate::repo::attachments::refs(conn, proposal_id)?;
    diesel::insert_into(proposal_versions::table)
        .values((
            proposal_versions::id.eq(super::new_id()),
            proposal_versions::proposal_id.eq(proposal_id),
            proposal_versions::version_no.eq(version_no),
            proposal_versions::receipt_number.eq(receipt_number),
            proposal_versions::submitted_at.eq(Instant::from(now)),
            proposal_versions::submitted_by.eq(submitted_by),
            proposal_versions::content.eq(content.to_json().to_string()),
            proposal_versions::content_hash.eq(sealed_hash(&content.hash(), &files)),
            proposal_versions::attachments.eq(serde_json::to_string(&files).unwrap_or_else(|_| "[]".into())),
        ))
        .execute(conn)?;
    Ok(version_no)
}

pub fn versions(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<VersionRow>> {
    proposal_versions::table
        .filter(proposal_versions::proposal_id.eq(proposal_id))
        .order(proposal_versions::version_no.asc())
        .select(VersionRow::as_select())
        .load(conn)
}

/// Stored content (a proposal's or a snapshot's) back into its domain type, parsed in one pass
/// from its text (no intermediate `Value`: every read of a proposal goes through here).
fn parse_content(stored: &str) -> Result<ProposalContent, String> {
    let mut json = serde_json::Deserializer::from_str(stored);
    serde_path_to_error::deserialize(&mut json).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}

impl VersionRow {
    pub fn content(&self) -> Result<ProposalContent, CorruptRow> {
        parse_content(&self.content).map_err(|e| CorruptRow::new("proposal_versions.content", &self.id, e))
    }

    pub fn attachments(&self) -> Result<Vec<AttachmentRef>, CorruptRow> {
        serde_json::from_str(&self.attachments).map_err(|e| CorruptRow::new("proposal_versions.attachments", &self.id, e.to_string()))
    }
}
