//! Keeping claims alive while their work goes on: the one cadence the worker's and the dispatcher's
//! claims are renewed at.
//!
//! Owns: [`renew_forever`], which renews every third of a lease, and after a failed renewal tries
//! again in a tenth of it, so two failures in a row still leave time before the lease runs out.
//!
//! Never does: claim, or decide what a claim is for; the caller's `renew` does the writing.

use std::convert::Infallible;
use std::time::Duration;

use crate::store::StoreError;

/// Calls `renew` every third of `lease` (a tenth after a failure, logged as `what`'s) until dropped.
pub async fn renew_forever<F, Fut>(lease: Duration, what: &str, mut renew: F) -> Infallible
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, StoreError>>,
{
    let mut pause = lease / 3;
    loop {
        tokio::time::sleep(pause).await;
        pause = match renew().await {
            Ok(_) => lease / 3,
            Err(e) => {
                tracing::warn!(error = %e, "could not renew the {what}'s claims; trying again");
                lease / 10
            }
        };
    }
}
