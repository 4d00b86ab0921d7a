//! Partner prefectures of a joint proposal (広域連携) confirming or withdrawing their part.

use crate::app::access::{Loaded, lock, prefecture_taken};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::ProposalStatus;
use crate::domain::proposal::access::Relation;
use crate::error::{ApiError, ApiResult};
use crate::repo::proposals;

use super::view::{self, Proposal};

/// A partner named in a path: an unknown code names no partner.
pub fn partner_code(raw: &str) -> ApiResult<PrefectureCode> {
    raw.parse().map_err(|_| ApiError::not_found("partner"))
}

/// Loads a draft open for changes whose invited partner `code` is the caller's own prefecture.
fn load_as_partner(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, code: PrefectureCode) -> ApiResult<Loaded> {
    let loaded = lock(tx.conn, id, user)?;
    match loaded.relation {
        Relation::Partner(own) if own == code && user.prefecture == Some(code) => {}
        _ => return Err(ApiError::forbidden("only an officer of the partner prefecture confirms its participation")),
    }
    loaded.require_open(tx.now)?;
    loaded.require_status(ProposalStatus::Draft)?;
    Ok(loaded)
}

/// Records (or, with no confirmer, clears) the partner's confirmation. The proposal is locked,
/// so the invitation found by `load_as_partner` is still there; if it is not, nothing is written.
fn set_confirmation(tx: &mut Tx<'_>, id: &str, code: PrefectureCode, confirmed_by: Option<&str>) -> ApiResult<()> {
    match proposals::set_partner_confirmation(tx.conn, id, code, confirmed_by, tx.now)? {
        1 => Ok(()),
        _ => Err(ApiError::invalid_state("the partner list changed meanwhile; reload the proposal")),
    }
}

/// Confirms the caller's prefecture as partner; confirming again changes nothing.
pub fn confirm_partner(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, code: PrefectureCode) -> ApiResult<Proposal> {
    let loaded = load_as_partner(tx, user, id, code)?;
    if proposals::confirmed_partners(tx.conn, id)?.contains(&code) {
        return view::proposal(tx.conn, id);
    }
    if proposals::participation(tx.conn, &loaded.row.call_id, code)?.is_some() {
        return Err(prefecture_taken(code));
    }
    super::claim(tx.conn, &loaded.row.call_id, code, id, "partner", tx.now)?;
    set_confirmation(tx, id, code, Some(&user.id))?;
    tx.audit(Subject::proposal(id), Event::PartnerConfirmed { prefecture_code: code })?;
    view::proposal(tx.conn, id)
}

/// Withdraws the caller's prefecture's confirmation; the prefecture is released.
pub fn withdraw_confirmation(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, code: PrefectureCode) -> ApiResult<Proposal> {
    load_as_partner(tx, user, id, code)?;
    if proposals::confirmed_partners(tx.conn, id)?.contains(&code) {
        proposals::release(tx.conn, id, code)?;
        set_confirmation(tx, id, code, None)?;
        tx.audit(Subject::proposal(id), Event::PartnerConfirmationWithdrawn { prefecture_code: code })?;
    }
    view::proposal(tx.conn, id)
}
