//! A webhook delivery as the app keeps it: its identity, its body compressed, and where it is in the
//! queue.
//!
//! Owns: the delivery record types, validation of the delivery and event header values and of the body
//! (what the worker could never process is refused before it is stored), body compression, and the
//! retry schedule.
//!
//! Never does: SQL (the shell's `store::queue` keeps deliveries) or interpret the body (see
//! [`crate::event`]).

use std::cell::RefCell;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// GitHub's own cap on a delivery's size.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// zstd level 1: payloads shrink about sixfold for a few tens of microseconds of CPU.
const ZSTD_LEVEL: i32 = 1;
/// Upper bound on the length of an `X-GitHub-Delivery` value (GitHub sends 36-character GUIDs).
const MAX_DELIVERY_ID_LEN: usize = 128;
/// Upper bound on the length of an `X-GitHub-Event` value.
const MAX_EVENT_LEN: usize = 64;

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for (another) processing attempt.
    Pending,
    /// Processed; its signals are stored.
    Done,
    /// An event the app has no use for; kept for audit.
    Ignored,
    /// Parked after the last allowed attempt failed; `error` says why.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Done => "done",
            State::Ignored => "ignored",
            State::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        [State::Pending, State::Done, State::Ignored, State::Failed].into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the delivery will not be attempted again.
    pub fn is_final(self) -> bool {
        self != State::Pending
    }
}

/// Counts of deliveries by state, for metrics and the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub pending: i64,
    pub failed: i64,
}

/// A verified delivery about to be stored.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub id: String,
    pub event: String,
    /// The raw body, zstd-compressed.
    pub body: Vec<u8>,
    pub body_len: usize,
    pub received_at: DateTime<Utc>,
    pub state: State,
}

impl NewDelivery {
    /// Compresses `raw` and decides the initial state: events the app knows are pending, others ignored.
    pub fn new(id: &str, event: &str, raw: &[u8], received_at: DateTime<Utc>) -> NewDelivery {
        let state = if crate::event::is_known(event) { State::Pending } else { State::Ignored };
        NewDelivery {
            id: id.to_owned(),
            event: event.to_owned(),
            body: compress(raw),
            body_len: raw.len(),
            received_at,
            state,
        }
    }
}

/// A delivery claimed by a worker for one processing attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub event: String,
    /// Compressed body; `None` once pruned by retention.
    pub body: Option<Vec<u8>>,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub received_at: DateTime<Utc>,
}

thread_local! {
    // zstd contexts own sizeable work buffers: one per thread, reused, instead of one per body.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Compresses a raw body for storage.
pub fn compress(raw: &[u8]) -> Vec<u8> {
    let compressed = COMPRESSOR.with_borrow_mut(|slot| {
        let compressor = match slot {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL).ok()?),
        };
        compressor.compress(raw).ok()
    });
    compressed.unwrap_or_else(|| {
        zstd::bulk::compress(raw, ZSTD_LEVEL).expect("zstd compression into a growable buffer cannot fail")
    })
}

/// Restores a stored body. Bodies record their size, so the output is allocated once.
pub fn decompress(stored: &[u8]) -> std::io::Result<Vec<u8>> {
    let capacity = zstd::zstd_safe::get_frame_content_size(stored).ok().flatten().unwrap_or(0);
    let capacity = usize::try_from(capacity).unwrap_or(0).min(MAX_BODY_BYTES);
    if capacity == 0 {
        return zstd::stream::decode_all(stored);
    }
    DECOMPRESSOR.with_borrow_mut(|slot| {
        let decompressor = match slot {
            Some(d) => d,
            None => slot.insert(zstd::bulk::Decompressor::new()?),
        };
        decompressor.decompress(stored, capacity)
    })
}

/// Why a header value cannot name a delivery or an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("missing {0} header: GitHub sends it with every delivery")]
    Missing(&'static str),
    #[error("invalid {0} header: expected 1 to {1} characters of letters, digits, `-`, `_` or `.`")]
    Invalid(&'static str, usize),
}

fn check_token(name: &'static str, value: Option<&str>, max: usize) -> Result<(), HeaderError> {
    let value = value.ok_or(HeaderError::Missing(name))?;
    let ok = !value.is_empty()
        && value.len() <= max
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok { Ok(()) } else { Err(HeaderError::Invalid(name, max)) }
}

/// Validates the `X-GitHub-Event` and `X-GitHub-Delivery` values.
pub fn check_headers(event: Option<&str>, delivery: Option<&str>) -> Result<(), HeaderError> {
    check_token("X-GitHub-Event", event, MAX_EVENT_LEN)?;
    check_token("X-GitHub-Delivery", delivery, MAX_DELIVERY_ID_LEN)
}

/// Why a body can never be processed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("body is not UTF-8 text, which JSON must be (at byte {0})")]
    NotUtf8(usize),
    #[error(transparent)]
    Unreadable(#[from] crate::event::ParseError),
}

/// Checks that the worker can process `body` as event `event`: it parses the body with the worker's own
/// parser, so what it accepts, the worker can read.
pub fn check_body(event: &str, body: &[u8]) -> Result<(), BodyError> {
    std::str::from_utf8(body).map_err(|e| BodyError::NotUtf8(e.valid_up_to()))?;
    crate::event::parse(event, body)?;
    Ok(())
}

/// How long to wait before attempt `attempts + 1`: doubling from `base`, at most an hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    base.saturating_mul(2u32.saturating_pow(exponent)).min(Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_round_trips_and_shrinks_a_real_payload() {
        let raw = include_bytes!("../../tests/fixtures/webhooks/pull_request/opened.json");
        let stored = compress(raw);
        assert!(stored.len() * 4 < raw.len(), "{} -> {}", raw.len(), stored.len());
        assert_eq!(decompress(&stored).unwrap(), raw);
    }

    #[test]
    fn header_table() {
        let long = "a".repeat(129);
        let cases = [
            (Some("pull_request"), Some("72d3162e-cc78-11e3-81ab-4c9367dc0958"), Ok(())),
            (None, Some("x"), Err(HeaderError::Missing("X-GitHub-Event"))),
            (Some("ping"), None, Err(HeaderError::Missing("X-GitHub-Delivery"))),
            (Some(""), Some("x"), Err(HeaderError::Invalid("X-GitHub-Event", 64))),
            (Some("ping"), Some("a b"), Err(HeaderError::Invalid("X-GitHub-Delivery", 128))),
            (Some("ping"), Some(long.as_str()), Err(HeaderError::Invalid("X-GitHub-Delivery", 128))),
            (Some("pull_request\n"), Some("x"), Err(HeaderError::Invalid("X-GitHub-Event", 64))),
        ];
        for (event, delivery, expected) in cases {
            assert_eq!(check_headers(event, delivery), expected, "{event:?} {delivery:?}");
        }
    }

    #[test]
    fn bodies_the_worker_cannot_read_are_refused() {
        let opened = include_bytes!("../../tests/fixtures/webhooks/pull_request/opened.json");
        assert_eq!(check_body("pull_request", opened), Ok(()));
        assert_eq!(check_body("star", br#"{"action":"created"}"#), Ok(()), "unknown events need an object");
        assert_eq!(check_body("star", b"{\"a\": \"\xff\"}"), Err(BodyError::NotUtf8(7)));
        assert!(matches!(check_body("star", b"[]"), Err(BodyError::Unreadable(_))));
        let err = check_body("pull_request", br#"{"action":"opened"}"#).unwrap_err().to_string();
        assert!(err.contains("`pull_request` payload") && err.contains("pull_request"), "{err}");
    }

    #[test]
    fn unknown_events_are_stored_as_ignored() {
        let now = DateTime::UNIX_EPOCH;
        assert_eq!(NewDelivery::new("a", "pull_request", b"{}", now).state, State::Pending);
        assert_eq!(NewDelivery::new("b", "watch", b"{}", now).state, State::Ignored);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(2);
        let got: Vec<u64> = [0, 1, 2, 3, 4, 30].iter().map(|&n| backoff(base, n).as_secs()).collect();
        assert_eq!(got, [2, 2, 4, 8, 16, 3600]);
    }

    #[test]
    fn states_round_trip() {
        for s in [State::Pending, State::Done, State::Ignored, State::Failed] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert!(!State::Pending.is_final() && State::Failed.is_final());
    }
}
