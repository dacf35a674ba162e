//! How fast the app writes to GitHub.
//!
//! Owns: [`Pacer`], which leaves at least a given spacing between the end of one request that creates
//! or changes content (comments, labels, issues, check runs) and the start of the next, as GitHub asks
//! of an integration that sends many ("wait at least one second between mutative requests"), so that a
//! burst (a busy merge day, a cohort's report, a config change touching every open PR) does not trip
//! the secondary rate limit on content creation. One pacer serves the process, and writes go through it
//! one at a time; a lone write waits for nothing.
//!
//! Never does: decide what is sent, or read GitHub's answers. When GitHub does rate-limit an
//! installation, the dispatcher holds it in the store (see [`crate::store::outbox::Hold`]).

use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Spaces out writes to GitHub.
pub struct Pacer {
    spacing: Duration,
    /// When the last write ended; held while a write is under way.
    last: Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(spacing: Duration) -> Pacer {
        Pacer { spacing, last: Mutex::new(None) }
    }

    /// Carries out `write` when its turn comes: after the writes before it, and `spacing` after the
    /// last one ended.
    pub async fn write<T>(&self, write: impl Future<Output = T>) -> T {
        let mut last = self.last.lock().await;
        let pause = pause(*last, Instant::now(), self.spacing);
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let answer = write.await;
        *last = Some(Instant::now());
        answer
    }
}

/// How long a write at `now` waits when the last one ended at `last`.
fn pause(last: Option<Instant>, now: Instant, spacing: Duration) -> Duration {
    last.map_or(Duration::ZERO, |last| spacing.saturating_sub(now.saturating_duration_since(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses() {
        let now = Instant::now();
        let ms = Duration::from_millis;
        let cases = [
            (None, ms(1000), ms(0)),
            (Some(now), ms(1000), ms(1000)),
            (Some(now - ms(300)), ms(1000), ms(700)),
            (Some(now - ms(1000)), ms(1000), ms(0)),
            (Some(now - ms(5000)), ms(1000), ms(0)),
            (Some(now - ms(10)), ms(0), ms(0)),
        ];
        for (last, spacing, expected) in cases {
            assert_eq!(pause(last, now, spacing), expected, "{last:?} {spacing:?}");
        }
    }
}
