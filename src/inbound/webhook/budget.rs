//! The memory budget for request bodies in flight.
//!
//! Owns: how many bytes of bodies being received the process may hold at once, and who waits when the
//! budget is spent. Bodies up to [`LARGE`] (nearly every delivery: tens of kilobytes) hold their bytes
//! as they arrive, so a client sending slowly holds only what it sent. Larger bodies hold all they will
//! need at once, from a share of the budget that leaves 1/[`SMALL_SHARE`] of it to the small ones: huge
//! uploads, finished or stalled, can never keep a typical delivery from being received, and large
//! bodies admitted together can all finish. Waiting is not first-come-first-served: whoever fits when
//! bytes are given back goes on.
//!
//! Never does: read bodies or decide what to answer (see [`super::body`]).

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Bodies holding more than this are large.
pub const LARGE: usize = 1024 * 1024;
/// 1/`SMALL_SHARE` of the budget is left to bodies up to [`LARGE`].
pub const SMALL_SHARE: usize = 4;

/// Bytes held, in all and by large bodies.
#[derive(Debug, Default, Clone, Copy)]
struct Used {
    total: usize,
    large: usize,
}

/// The budget; shared by every request.
#[derive(Debug)]
pub struct Budget {
    capacity: usize,
    /// The most bytes large bodies may hold between them.
    large_capacity: usize,
    used: Mutex<Used>,
    freed: Notify,
}

impl Budget {
    /// A budget of `capacity` bytes.
    pub fn new(capacity: usize) -> Arc<Budget> {
        let capacity = capacity.max(1);
        let large_capacity = capacity - capacity / SMALL_SHARE;
        Arc::new(Budget { capacity, large_capacity, used: Mutex::new(Used::default()), freed: Notify::new() })
    }

    /// Bytes of bodies held now.
    pub fn in_use(&self) -> usize {
        self.lock().total
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// A hold of nothing yet, for one body; `large` when it is large whatever its size (a body that
    /// did not declare its length: GitHub always declares it).
    pub fn hold(self: &Arc<Budget>, large: bool) -> Hold {
        Hold { budget: Arc::clone(self), bytes: 0, large }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Used> {
        self.used.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes a hold of `from` bytes to `to` bytes, if that fits now.
    fn try_change(&self, from: usize, to: usize, always_large: bool) -> bool {
        let mut used = self.lock();
        let total = used.total - from + to;
        let large = used.large - large_part(from, always_large) + large_part(to, always_large);
        let fits = total <= self.capacity && large <= self.large_capacity;
        if fits {
            *used = Used { total, large };
        }
        fits
    }

    fn give_back(&self, bytes: usize, always_large: bool) {
        {
            let mut used = self.lock();
            used.total -= bytes;
            used.large -= large_part(bytes, always_large);
        }
        self.freed.notify_waiters();
    }
}

/// What a hold of `bytes` takes from the large bodies' share: all of it, for a large body.
fn large_part(bytes: usize, always_large: bool) -> usize {
    if always_large || bytes > LARGE { bytes } else { 0 }
}

/// The bytes one body holds; given back when dropped.
#[derive(Debug)]
pub struct Hold {
    budget: Arc<Budget>,
    bytes: usize,
    /// Counted in the large bodies' share from its first byte.
    large: bool,
}

impl Hold {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Holds `total` bytes in all (never less than now), waiting until they fit. More than the budget,
    /// or than the large bodies' share, never fits: the caller's deadline ends the wait.
    pub async fn reach(&mut self, total: usize) {
        if total <= self.bytes {
            return;
        }
        loop {
            let freed = self.budget.freed.notified();
            tokio::pin!(freed);
            // Registered before trying, so bytes given back in between wake this waiter.
            freed.as_mut().enable();
            if self.budget.try_change(self.bytes, total, self.large) {
                self.bytes = total;
                return;
            }
            freed.await;
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.budget.give_back(self.bytes, self.large);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MIB: usize = 1024 * 1024;

    async fn fits(hold: &mut Hold, total: usize) -> bool {
        tokio::time::timeout(Duration::from_millis(50), hold.reach(total)).await.is_ok()
    }

    #[tokio::test]
    async fn large_bodies_never_take_the_small_bodies_share() {
        let budget = Budget::new(8 * MIB);
        // Large bodies share 6 MiB.
        let mut huge = budget.hold(false);
        assert!(fits(&mut huge, 5 * MIB).await);
        let mut second = budget.hold(false);
        assert!(!fits(&mut second, 2 * MIB).await, "past the large share");
        assert_eq!(budget.in_use(), 5 * MIB, "a wait that timed out holds nothing more");
        // Small bodies fill the rest, and a small body growing large must fit in the large share.
        let mut small = budget.hold(false);
        assert!(fits(&mut small, MIB).await);
        assert!(fits(&mut small, MIB).await, "holding what is held already is no change");
        assert!(!fits(&mut small, MIB + 1).await, "now large: 5 MiB + 1 MiB + 1 byte is past the share");
        assert_eq!((small.bytes(), budget.in_use()), (MIB, 6 * MIB), "it keeps what it held");
        let (mut third, mut fourth) = (budget.hold(false), budget.hold(false));
        assert!(fits(&mut third, MIB).await && fits(&mut fourth, MIB).await);
        assert!(!fits(&mut budget.hold(false), 1).await, "the whole budget is spent");
        drop((small, third, fourth, huge));
        assert_eq!(budget.in_use(), 0);
        assert!(fits(&mut second, 2 * MIB).await, "room again once the others are done");
        drop(second);
        // A body of unknown length is large from its first byte.
        let mut chunked = budget.hold(true);
        assert!(fits(&mut chunked, 6 * MIB).await && !fits(&mut chunked, 6 * MIB + 1).await);
        let (mut a, mut b) = (budget.hold(false), budget.hold(false));
        assert!(fits(&mut a, MIB).await && fits(&mut b, MIB).await, "small bodies keep their share");
    }

    #[tokio::test]
    async fn a_waiter_goes_on_when_bytes_are_given_back() {
        let budget = Budget::new(MIB);
        let mut first = budget.hold(false);
        first.reach(MIB).await;
        let mut second = budget.hold(false);
        let waiting = tokio::spawn(async move {
            second.reach(1024).await;
            second.bytes()
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the budget is spent");
        drop(first);
        assert_eq!(tokio::time::timeout(Duration::from_secs(1), waiting).await.unwrap().unwrap(), 1024);
        assert_eq!(budget.in_use(), 0, "dropped holds give everything back");
    }

    #[tokio::test]
    async fn a_body_larger_than_the_budget_never_fits() {
        let budget = Budget::new(MIB);
        let mut hold = budget.hold(false);
        assert!(!fits(&mut hold, 2 * MIB).await);
        assert_eq!((hold.bytes(), budget.in_use()), (0, 0));
    }
}
