//! Hearing slots: one per shortlisted proposal, never overlapping within a call. Slots are
//! checked and written under the call's row lock, so two program officers booking the same
//! hour at the same moment get one slot and one `slot_overlap`, on PostgreSQL as on SQLite.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::access::call_not_found;
use crate::app::review::not_shortlisted;
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::call::CallStatus;
use crate::domain::proposal::ProposalStatus;
use crate::domain::time::{Instant, jst};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::mail::ics::{self, HearingEvent};
use crate::mail::templates::{self, HearingNotice};
use crate::repo::calls::{self, CallRow};
use crate::repo::hearings::{self, SlotRow};
use crate::repo::{new_id, proposals, users};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleHearing {
    pub proposal_id: String,
    #[schema(example = "2027-02-10T10:00:00+09:00")]
    pub starts_at: DateTime<FixedOffset>,
    #[schema(example = "2027-02-10T10:45:00+09:00")]
    pub ends_at: DateTime<FixedOffset>,
    #[schema(example = "文部科学省 東館16F 第2会議室")]
    pub place: String,
}

/// A move of a slot: new times, and a new place if given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveHearing {
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub place: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HearingSlot {
    pub id: String,
    pub call_id: String,
    pub proposal_id: String,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub place: String,
    /// How many times the slot was moved (the invitation's iCalendar SEQUENCE).
    pub sequence: i32,
}

impl From<SlotRow> for HearingSlot {
    fn from(r: SlotRow) -> Self {
        HearingSlot {
            id: r.id,
            call_id: r.call_id,
            proposal_id: r.proposal_id,
            starts_at: r.starts_at.shown(),
            ends_at: r.ends_at.shown(),
            place: r.place,
            sequence: r.sequence,
        }
    }
}

/// Every problem with the times and place, not only the first.
fn slot_problems(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, place: Option<&str>) -> ApiResult<()> {
    let mut errors = Vec::new();
    if ends_at <= starts_at {
        errors.push(FieldError::new("ends_at", "not_after_start", "the hearing must end after it starts"));
    }
    if let Some(place) = place {
        if place.trim().is_empty() {
            errors.push(FieldError::new("place", "required", "say where the hearing is held"));
        } else if place.chars().count() > 500 {
            errors.push(FieldError::new("place", "too_long", "at most 500 characters"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

/// The call, locked, if it is in its hearing.
fn call_in_hearing(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<CallRow> {
    let call = calls::lock(tx.conn, call_id)?.ok_or_else(call_not_found)?;
    if call.status() != CallStatus::Hearing {
        return Err(ApiError::invalid_state(format!("hearings are scheduled once the shortlist is made; this call is {}", call.status())));
    }
    Ok(call)
}

fn refuse_overlap(tx: &mut Tx<'_>, call_id: &str, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, except: Option<&str>) -> ApiResult<()> {
    match hearings::overlapping(tx.conn, call_id, starts_at, ends_at, except)? {
        Some(other) => Err(ApiError::conflict("slot_overlap", "another hearing of this call takes place at that time")
            .with("overlaps", HearingSlot::from(other))),
        None => Ok(()),
    }
}

/// Schedules the hearing of a shortlisted proposal and emails its lead prefecture an invitation.
pub fn schedule(tx: &mut Tx<'_>, admin: &CurrentUser, call_id: &str, input: ScheduleHearing) -> ApiResult<HearingSlot> {
    let (starts_at, ends_at) = (input.starts_at.with_timezone(&Utc), input.ends_at.with_timezone(&Utc));
    slot_problems(starts_at, ends_at, Some(&input.place))?;
    let call = call_in_hearing(tx, call_id)?;
    let proposal = proposals::find(tx.conn, &input.proposal_id)?
        .filter(|p| p.call_id == call.id)
        .ok_or_else(|| ApiError::field("proposal_id", "not_found", "no proposal with this id in this call"))?;
    if proposal.status() != ProposalStatus::Shortlisted {
        return Err(not_shortlisted());
    }
    if let Some(existing) = hearings::of_proposal(tx.conn, &proposal.id)? {
        return Err(ApiError::invalid_state("this proposal already has a hearing slot; move it instead").with("slot_id", existing.id));
    }
    refuse_overlap(tx, call_id, starts_at, ends_at, None)?;
    let row = SlotRow {
        id: new_id(),
        call_id: call.id.clone(),
        proposal_id: proposal.id.clone(),
        starts_at: Instant::from(starts_at),
        ends_at: Instant::from(ends_at),
        place: input.place.trim().to_string(),
        sequence: 0,
        created_by: admin.id.clone(),
        created_at: Instant::from(tx.now),
        updated_at: Instant::from(tx.now),
    };
    hearings::insert(tx.conn, &row)?;
    let slot = HearingSlot::from(row.clone());
    tx.audit(
        Subject::proposal(&proposal.id),
        Event::HearingScheduled { slot_id: slot.id.clone(), starts_at: slot.starts_at, ends_at: slot.ends_at, place: slot.place.clone() },
    )?;
    invite(tx, &call, &row, false)?;
    Ok(slot)
}

/// Moves a slot (and its place, if given): the invitation is sent again with the same UID and
/// a higher SEQUENCE, so calendars replace the earlier one.
pub fn reschedule(tx: &mut Tx<'_>, slot_id: &str, input: MoveHearing) -> ApiResult<HearingSlot> {
    let (starts_at, ends_at) = (input.starts_at.with_timezone(&Utc), input.ends_at.with_timezone(&Utc));
    slot_problems(starts_at, ends_at, input.place.as_deref())?;
    let found = hearings::find(tx.conn, slot_id)?.ok_or_else(|| ApiError::not_found("hearing"))?;
    let call = call_in_hearing(tx, &found.call_id)?;
    let previous = hearings::find(tx.conn, slot_id)?.ok_or_else(|| ApiError::not_found("hearing"))?;
    refuse_overlap(tx, &call.id, starts_at, ends_at, Some(slot_id))?;
    let place = input.place.map(|p| p.trim().to_string()).unwrap_or_else(|| previous.place.clone());
    hearings::reschedule(tx.conn, slot_id, starts_at, ends_at, &place, tx.now)?;
    let row = hearings::find(tx.conn, slot_id)?.ok_or_else(|| ApiError::not_found("hearing"))?;
    let slot = HearingSlot::from(row.clone());
    tx.audit(
        Subject::proposal(&row.proposal_id),
        Event::HearingMoved {
            slot_id: slot.id.clone(),
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            place: slot.place.clone(),
            previous_starts_at: previous.starts_at.shown(),
            sequence: slot.sequence,
        },
    )?;
    invite(tx, &call, &row, true)?;
    Ok(slot)
}

/// The call's hearing slots, by start.
pub fn of_call(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<Vec<HearingSlot>> {
    calls::find(tx.conn, call_id)?.ok_or_else(call_not_found)?;
    Ok(hearings::of_call(tx.conn, call_id)?.into_iter().map(HearingSlot::from).collect())
}

/// `2027-02-10 10:00–10:45 (JST)`; a slot over midnight shows both dates.
fn when(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    let (s, e) = (starts_at.with_timezone(&jst()), ends_at.with_timezone(&jst()));
    if s.date_naive() == e.date_naive() {
        format!("{}–{} (JST)", s.format("%Y-%m-%d %H:%M"), e.format("%H:%M"))
    } else {
        format!("{} – {} (JST)", s.format("%Y-%m-%d %H:%M"), e.format("%Y-%m-%d %H:%M"))
    }
}

/// Emails the lead prefecture's applicants the slot, with its `.ics` invitation attached.
fn invite(tx: &mut Tx<'_>, call: &CallRow, slot: &SlotRow, moved: bool) -> ApiResult<()> {
    let Some(proposal) = proposals::find(tx.conn, &slot.proposal_id)? else { return Ok(()) };
    let title = proposal.content()?.title.unwrap_or_default();
    let receipt = proposal.receipt_number.clone().unwrap_or_default();
    let (starts_at, ends_at) = (slot.starts_at.utc(), slot.ends_at.utc());
    let uid = format!("hearing-{}@kyoso", slot.id);
    let calendar = ics::hearing_invitation(&HearingEvent {
        uid: &uid,
        sequence: slot.sequence,
        starts_at,
        ends_at,
        stamped_at: tx.now,
        summary: &format!("ヒアリング / Hearing: {title} ({receipt})"),
        location: &slot.place,
        description: &format!("{}\n{receipt} {title}", call.title),
    });
    let when = when(starts_at, ends_at);
    let email = templates::hearing_invitation(HearingNotice {
        receipt_number: &receipt,
        proposal_title: &title,
        call_title: &call.title,
        when: &when,
        place: &slot.place,
        moved,
        calendar,
    });
    for officer in users::active_applicants_of(tx.conn, &[proposal.lead()])? {
        tx.enqueue(&officer.email, &email)?;
    }
    Ok(())
}
