//! Receiving a request body: whole, within one deadline, within the memory budget.
//!
//! Owns: [`receive`], which reads a body frame by frame under a total deadline (not a timeout that
//! starts again with every byte, which a client sending one byte a second would never reach), holding
//! in the [`Budget`] the memory the body takes as it arrives (what it declared, for a large body), and
//! refusing a body over the size limit as soon as its declared length or its bytes say so.
//!
//! Never does: verify, parse or store the body, or answer the request (see [`super::receive`]).

use std::sync::Arc;

use axum::body::Body;
use http_body_util::BodyExt;
use tokio::time::Instant;

use super::budget::{Budget, Hold, LARGE};

/// Why a body was not received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Over the size limit (declared or sent).
    TooLarge,
    /// The client did not send the whole body before the deadline.
    TimedOut,
    /// The bytes could not be held in memory before the deadline: the budget stayed spent.
    OverBudget,
    /// The connection broke mid-body.
    Broken(String),
}

/// A body received whole, with the budget it holds until dropped.
#[derive(Debug)]
pub struct Received {
    pub bytes: Vec<u8>,
    pub hold: Hold,
}

/// Reads `body` (declared `declared` bytes long, if the request said) whole by `deadline`, holding its
/// bytes in `budget`, refusing it past `limit` bytes.
pub async fn receive(
    body: Body,
    declared: Option<u64>,
    limit: usize,
    budget: &Arc<Budget>,
    deadline: Instant,
) -> Result<Received, Failure> {
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Failure::TooLarge);
    }
    let declared = declared.map(|n| n as usize);
    // GitHub declares every body's length; one that does not is counted among the large ones.
    let mut hold = budget.hold(declared.is_none());
    let hold_by_deadline = async |hold: &mut Hold, total: usize| {
        tokio::time::timeout_at(deadline, hold.reach(total)).await.map_err(|_| Failure::OverBudget)
    };
    // A large body holds what it declared before it is read; a small one holds its bytes as they come.
    let mut bytes = match declared {
        Some(n) if n > LARGE => {
            hold_by_deadline(&mut hold, n).await?;
            Vec::with_capacity(n)
        }
        _ => Vec::new(),
    };
    let mut body = body;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(Failure::TimedOut),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(Failure::Broken(e.to_string())),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue }; // trailers
        let total = bytes.len() + data.len();
        if total > limit {
            return Err(Failure::TooLarge);
        }
        if total > bytes.capacity() {
            // Room doubles (never past the declared length or the limit), and the budget holds the room.
            let room = total.max(bytes.capacity() * 2).min(declared.unwrap_or(limit).max(total));
            hold_by_deadline(&mut hold, room).await?;
            bytes.reserve_exact(room - bytes.len());
        }
        bytes.extend_from_slice(&data);
    }
    Ok(Received { bytes, hold })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Bytes;
    use tokio::sync::mpsc;

    use super::*;

    /// A streamed body fed from a channel, as a client sending it piece by piece.
    fn streamed() -> (mpsc::Sender<Result<Bytes, std::io::Error>>, Body) {
        let (tx, rx) = mpsc::channel(16);
        let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
        (tx, Body::from_stream(stream))
    }

    fn soon(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[tokio::test]
    async fn the_deadline_is_for_the_whole_body() {
        let budget = Budget::new(1 << 20);
        let (tx, body) = streamed();
        let trickle = tokio::spawn(async move {
            for _ in 0..100 {
                if tx.send(Ok(Bytes::from_static(b"x"))).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        let started = Instant::now();
        let got = receive(body, None, 1000, &budget, soon(300)).await;
        assert_eq!(got.unwrap_err(), Failure::TimedOut, "a byte every 20 ms never restarts the clock");
        assert!(started.elapsed() < Duration::from_millis(600), "{:?}", started.elapsed());
        assert_eq!(budget.in_use(), 0, "a body cut off gives its bytes back");
        trickle.abort();
    }

    #[tokio::test]
    async fn limits_and_budget() {
        let budget = Budget::new(1 << 20);
        let whole = receive(Body::from("{}"), Some(2), 10, &budget, soon(1000)).await.unwrap();
        assert_eq!((whole.bytes.as_slice(), whole.hold.bytes(), budget.in_use()), (&b"{}"[..], 2, 2));
        assert!(whole.bytes.capacity() <= whole.hold.bytes(), "the budget holds the memory the body takes");
        drop(whole);
        let declared = receive(Body::from("x"), Some(11), 10, &budget, soon(1000)).await;
        assert_eq!(declared.unwrap_err(), Failure::TooLarge, "refused from the declared length");
        let sent = receive(Body::from(vec![b'x'; 11]), None, 10, &budget, soon(1000)).await;
        assert_eq!(sent.unwrap_err(), Failure::TooLarge, "refused from the bytes, declared or not");
        let over = receive(Body::from(vec![b'x'; 2 << 20]), None, 4 << 20, &budget, soon(100)).await;
        assert_eq!(over.unwrap_err(), Failure::OverBudget, "more than the budget never fits");
        assert_eq!(budget.in_use(), 0);
    }
}
