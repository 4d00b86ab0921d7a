//! Accounts: signing in and out, passwords set from emailed links, and the users program
//! officers invite.

pub mod lifecycle;
pub mod pages;
pub mod passwords;
pub mod session;
pub mod users;

use crate::auth::hashing::HashingError;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Runs password hashing or verification on the hashing threads; saturated, the caller is told
/// to come back (503 with `Retry-After`).
async fn hashing<T: Send + 'static>(state: &AppState, job: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    state.hashing.run(job).await.map_err(|e| match e {
        HashingError::Busy(_) => ApiError::busy(state.hashing.retry_after_secs()),
        HashingError::Lost => ApiError::internal(e),
    })
}
