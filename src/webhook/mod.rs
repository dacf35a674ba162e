//! The webhook receiver, `POST /api/github/webhooks`.
//!
//! Owns: the checks a delivery passes before it is acknowledged, in this order: body over the limit
//! (413), signature missing or wrong (401), `X-GitHub-Event` or `X-GitHub-Delivery` missing (400), body
//! not JSON (400). A delivery that passes is stored durably (see [`crate::intake`]) before the 202.
//!
//! Never does: interpret the payload beyond checking that it is JSON; that is the worker's job.

pub mod signature;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;

use crate::config::Verification;
use crate::delivery::{self, NewDelivery, State as DeliveryState};
use crate::intake::Intake;
use crate::metrics::{Metrics, Rejection};
use crate::store::queue::Inserted;

/// GitHub's own cap on a delivery's size.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// What the receiver needs.
#[derive(Clone)]
pub struct Receiver {
    pub verification: Verification,
    pub intake: Intake,
    pub metrics: Arc<Metrics>,
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
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Why a body could not be read.
enum BodyFailure {
    TooLarge,
    TimedOut,
    Broken(String),
}

/// Reads the body, refusing at once a declared length over the limit and stopping a streamed body as
/// soon as it passes the limit.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, BodyFailure> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(BodyFailure::TooLarge);
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|e| {
        let inner = e.into_inner();
        if inner.is::<http_body_util::LengthLimitError>() {
            return BodyFailure::TooLarge;
        }
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*inner);
        while let Some(err) = cause {
            if err.is::<tower_http::timeout::TimeoutError>() {
                return BodyFailure::TimedOut;
            }
            cause = err.source();
        }
        BodyFailure::Broken(inner.to_string())
    })
}

/// The handler. The body timeout is a layer on the route; the size limit is enforced here.
pub async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_body(&headers, body).await {
        Ok(body) => body,
        Err(BodyFailure::TooLarge) => {
            let reason = format!("body exceeds {} MiB, GitHub's own limit for a delivery", MAX_BODY_BYTES >> 20);
            return receiver.reject(Rejection::TooLarge, StatusCode::PAYLOAD_TOO_LARGE, reason);
        }
        Err(BodyFailure::TimedOut) => {
            let reason = "the request body did not arrive in time";
            return receiver.reject(Rejection::TimedOut, StatusCode::REQUEST_TIMEOUT, reason);
        }
        Err(BodyFailure::Broken(e)) => {
            let reason = format!("could not read the request body: {e}");
            return receiver.reject(Rejection::BrokenBody, StatusCode::BAD_REQUEST, reason);
        }
    };
    if let Verification::Secrets(secrets) = &receiver.verification {
        let signature = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
        if let Err(e) = secrets.verify(signature, &body) {
            return receiver.reject(Rejection::BadSignature, StatusCode::UNAUTHORIZED, e);
        }
    }
    let (event, id) = (header(&headers, "x-github-event"), header(&headers, "x-github-delivery"));
    if let Err(e) = delivery::check_headers(event, id) {
        return receiver.reject(Rejection::BadHeaders, StatusCode::BAD_REQUEST, e);
    }
    let (event, id) = (event.unwrap_or_default(), id.unwrap_or_default());
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
        return receiver.reject(Rejection::NotJson, StatusCode::BAD_REQUEST, format!("body is not JSON: {e}"));
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
