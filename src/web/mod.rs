//! The HTTP surface: the webhook route, health and readiness, metrics, and the growth [`pages`], their
//! CSV [`exports`] and the JSON [`api`], with the [`admin`] sessions that see private data.
//!
//! Owns: the router and the layers around it: request tracing and the latency histogram. The webhook
//! route's limits (body deadline, memory budget, requests handled at once) are the receiver's own, see
//! [`crate::inbound::webhook`]; what pages and the API share is the [`site`].
//!
//! Never does: write signals (the worker does) or decide anything about a delivery (the receiver does).

pub mod admin;
pub mod api;
pub mod calibration;
pub mod exports;
pub mod pages;
pub mod setup;
pub mod site;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tower_http::trace::TraceLayer;

use crate::inbound::webhook::{self, Load, Receiver};
use crate::metrics::{IntakeLoad, Metrics};
use crate::store::Store;
use crate::supervise::Health;

/// The path GitHub posts deliveries to (Probot's).
pub const WEBHOOK_PATH: &str = "/api/github/webhooks";

/// What the health, readiness and metrics endpoints read.
#[derive(Clone)]
pub struct Ops {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// The receiver's load, for `/metrics`.
    pub load: Load,
    /// Whether every task of the app still runs, for `/readyz`.
    pub health: Health,
}

pub fn router(receiver: Receiver, ops: Ops, site: site::Site, setup: Option<Arc<setup::Setup>>) -> Router {
    let metrics = Arc::clone(&ops.metrics);
    let webhooks = Router::new()
        .route(WEBHOOK_PATH, post(webhook::receive))
        // The receiver enforces its own 25 MiB limit (and answers with a reason); no second limit here.
        .layer(DefaultBodyLimit::disable())
        .with_state(receiver);
    let operations = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(ops);
    let growth =
        pages::routes().merge(exports::routes()).merge(api::routes()).merge(calibration::routes()).with_state(site);
    webhooks
        .merge(operations)
        .merge(growth)
        .merge(setup::routes(setup))
        .layer(middleware::from_fn_with_state(metrics, record_latency))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// A request's span: its method and path, never its query, which may hold a setup token or the
/// manifest flow's one-time code.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = request.uri().path())
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(ops): State<Ops>) -> Response {
    if let Some(failure) = ops.health.failure() {
        let body = json!({ "status": "unavailable", "error": format!("{failure}; the process is stopping") });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    match ops.store.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            let body = json!({ "status": "unavailable", "error": "the database does not answer" });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

async fn metrics_text(State(ops): State<Ops>) -> Response {
    match ops.store.queue().queue_depth().await {
        Ok(depth) => {
            let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
            ([(axum::http::header::CONTENT_TYPE, content_type)], ops.metrics.render(depth, load(&ops.load)))
                .into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the queue depth");
            (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer\n").into_response()
        }
    }
}

fn load(load: &Load) -> IntakeLoad {
    IntakeLoad { body_bytes: load.budget.in_use(), body_budget: load.budget.capacity(), handling: load.handling() }
}

async fn record_latency(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    metrics.request(&method, &route, response.status().as_u16(), started.elapsed());
    response
}
