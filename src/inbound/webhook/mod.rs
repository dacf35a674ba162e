//! The webhook receiver, `POST /api/github/webhooks`.
//!
//! Owns: the checks a delivery passes before it is acknowledged, in this order: body over the limit
//! (413), signature missing or wrong (401), `X-GitHub-Event` or `X-GitHub-Delivery` missing (400), body
//! not JSON, or not what the worker can read as that event (400, with the parser's reason). Receiving the body ([`body`]) comes first, under a total deadline (408) and the memory
//! budget for bodies in flight ([`budget`]; 503 when it stays spent until the deadline), and outside the
//! limit on requests handled at once, so that clients still sending never keep a delivery that has
//! arrived from being served. A delivery that passes is stored durably (see [`crate::inbound::intake`]) before
//! the 202.
//!
//! Never does: act on the payload; parsing it is only a check here, the worker's job is the rest.

pub mod body;
pub mod budget;
pub mod signature;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::inbound::intake::Intake;
use crate::metrics::{Metrics, Rejection};
use crate::store::queue::Inserted;
use body::Failure;
use budget::Budget;
use ladder_core::delivery::{self, BodyError, MAX_BODY_BYTES, NewDelivery, State as DeliveryState};
use ladder_core::event::ParseError;
use signature::{Verification, Verifier};

/// What the receiver needs.
#[derive(Clone)]
pub struct Receiver {
    pub verification: Verifier,
    pub intake: Intake,
    pub metrics: Arc<Metrics>,
    pub load: Load,
}

/// What bounds the receiver's work: shared by every request, read by `/metrics`.
#[derive(Clone, Debug)]
pub struct Load {
    /// Bytes of bodies being received.
    pub budget: Arc<Budget>,
    /// Requests whose body has arrived, being verified and stored; more wait for a slot.
    pub slots: Arc<Semaphore>,
    pub max_slots: usize,
    /// The time a client has to send its whole body.
    pub body_deadline: Duration,
}

impl Load {
    pub fn new(body_memory: usize, max_concurrent_requests: usize, body_deadline: Duration) -> Load {
        let max_slots = max_concurrent_requests.max(1);
        Load { budget: Budget::new(body_memory), slots: Arc::new(Semaphore::new(max_slots)), max_slots, body_deadline }
    }

    /// Requests being verified and stored now.
    pub fn handling(&self) -> usize {
        self.max_slots - self.slots.available_permits()
    }
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

impl Receiver {
    fn reject(&self, rejection: Rejection, status: StatusCode, reason: impl ToString) -> Response {
        self.metrics.delivery_rejected(rejection);
        let reason = reason.to_string();
        tracing::warn!(status = status.as_u16(), %reason, "delivery rejected");
        reply(status, json!({ "error": reason }))
    }

    fn refuse_body(&self, failure: Failure) -> Response {
        match failure {
            Failure::TooLarge => {
                let reason = format!("body exceeds {} MiB, GitHub's own limit for a delivery", MAX_BODY_BYTES >> 20);
                self.reject(Rejection::TooLarge, StatusCode::PAYLOAD_TOO_LARGE, reason)
            }
            Failure::TimedOut => {
                let secs = self.load.body_deadline.as_secs();
                let reason = format!("the request body did not arrive within {secs} s (LADDER_BODY_TIMEOUT_SECS)");
                self.reject(Rejection::TimedOut, StatusCode::REQUEST_TIMEOUT, reason)
            }
            Failure::OverBudget => {
                let reason = "the server is receiving more bodies than its memory budget for them holds \
                              (LADDER_BODY_MEMORY_MIB); nothing was stored, redeliver it from the App's Advanced settings";
                self.reject(Rejection::OverBudget, StatusCode::SERVICE_UNAVAILABLE, reason)
            }
            Failure::Broken(e) => {
                let reason = format!("could not read the request body: {e}");
                self.reject(Rejection::BrokenBody, StatusCode::BAD_REQUEST, reason)
            }
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The handler: receives the body, then takes a slot to verify and store it.
pub async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Body) -> Response {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let deadline = tokio::time::Instant::now() + receiver.load.body_deadline;
    let received = {
        let _receiving = receiver.metrics.receiving();
        body::receive(body, declared, MAX_BODY_BYTES, &receiver.load.budget, deadline).await
    };
    // The body's memory stays held in the budget until it is stored.
    let (body, _held) = match received {
        Ok(received) => (received.bytes, received.hold),
        Err(failure) => return receiver.refuse_body(failure),
    };
    // The semaphore is never closed, so a slot always comes.
    let Ok(_slot) = receiver.load.slots.acquire().await else {
        return receiver.reject(Rejection::Unavailable, StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down");
    };
    check_and_store(&receiver, &headers, body).await
}

/// Bodies larger than this are checked on a blocking thread, so a 25 MiB body does not stall others.
const CHECK_INLINE: usize = 256 * 1024;

/// Whether the worker can read `body` (see [`delivery::check_body`]); the body comes back.
async fn readable(event: &str, body: Vec<u8>) -> (Vec<u8>, Result<(), BodyError>) {
    if body.len() <= CHECK_INLINE {
        let checked = delivery::check_body(event, &body);
        return (body, checked);
    }
    let event = event.to_owned();
    match tokio::task::spawn_blocking(move || {
        let checked = delivery::check_body(&event, &body);
        (body, checked)
    })
    .await
    {
        Ok(done) => done,
        Err(e) => (Vec::new(), Err(BodyError::Unreadable(ParseError::NotJson(format!("the check failed: {e}"))))),
    }
}

async fn check_and_store(receiver: &Receiver, headers: &HeaderMap, body: Vec<u8>) -> Response {
    match &*receiver.verification.current() {
        Verification::Secrets(secrets) => {
            let signature = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
            if let Err(e) = secrets.verify(signature, &body) {
                return receiver.reject(Rejection::BadSignature, StatusCode::UNAUTHORIZED, e);
            }
        }
        Verification::Disabled => {}
        Verification::NotSetUp => {
            let why = "not set up: no GitHub App is registered yet; open the setup link `ladder serve` printed";
            return receiver.reject(Rejection::Unavailable, StatusCode::SERVICE_UNAVAILABLE, why);
        }
    }
    let (event, id) = (header(headers, "x-github-event"), header(headers, "x-github-delivery"));
    if let Err(e) = delivery::check_headers(event, id) {
        return receiver.reject(Rejection::BadHeaders, StatusCode::BAD_REQUEST, e);
    }
    let (event, id) = (event.unwrap_or_default(), id.unwrap_or_default());
    let (body, readable) = readable(event, body).await;
    if let Err(e) = readable {
        let rejection = match e {
            BodyError::Unreadable(ParseError::Shape { .. }) => Rejection::Unreadable,
            BodyError::NotUtf8(_) | BodyError::Unreadable(ParseError::NotJson(_)) => Rejection::NotJson,
        };
        return receiver.reject(rejection, StatusCode::BAD_REQUEST, e);
    }
    let delivery = NewDelivery::new(id, event, &body, Utc::now());
    let ignored = delivery.state == DeliveryState::Ignored;
    match receiver.intake.submit(delivery).await {
        Ok(inserted) => {
            receiver.metrics.delivery_received(event);
            let status = match (inserted, ignored) {
                (Inserted::Duplicate, _) => "duplicate",
                (Inserted::New, true) => "ignored",
                (Inserted::New, false) => "accepted",
            };
            tracing::debug!(delivery = id, event, status, "delivery stored");
            reply(StatusCode::ACCEPTED, json!({ "status": status, "delivery": id }))
        }
        Err(e) => receiver.reject(
            Rejection::Unavailable,
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{e}; nothing was stored, redeliver it from the App's Advanced settings"),
        ),
    }
}
