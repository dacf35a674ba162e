//! Prometheus metrics: counters about deliveries and a request latency histogram.
//!
//! Owns: the registry and every metric the app exports, and their text rendering for `GET /metrics`.
//! Label values come from small fixed sets (known event names or `other`, rejection reasons, route
//! templates), so unauthenticated requests cannot create new series, and no label carries personal data.
//!
//! Never does: read the database (the queue depth is passed in at scrape time).

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use ladder_core::delivery::QueueDepth;
use ladder_core::event;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabel {
    event: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    kind: &'static str,
    outcome: &'static str,
}

/// Why a delivery was refused; the `reason` label of `ladder_deliveries_rejected_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    TooLarge,
    /// The body did not arrive within the body timeout.
    TimedOut,
    /// The body could not be held within the memory budget for bodies before its deadline.
    OverBudget,
    /// The body could not be read (the connection broke mid-body).
    BrokenBody,
    BadSignature,
    BadHeaders,
    NotJson,
    /// JSON, but not a payload the worker can read as its event.
    Unreadable,
    Unavailable,
}

impl Rejection {
    fn as_str(self) -> &'static str {
        match self {
            Rejection::TooLarge => "too_large",
            Rejection::TimedOut => "timed_out",
            Rejection::OverBudget => "over_budget",
            Rejection::BrokenBody => "broken_body",
            Rejection::BadSignature => "bad_signature",
            Rejection::BadHeaders => "bad_headers",
            Rejection::NotJson => "not_json",
            Rejection::Unreadable => "unreadable",
            Rejection::Unavailable => "unavailable",
        }
    }
}

/// What became of one processing attempt; the `outcome` label of `ladder_deliveries_processed_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Retry,
    Failed,
}

/// Every metric the app exports.
pub struct Metrics {
    registry: Registry,
    received: Family<EventLabel, Counter>,
    rejected: Family<ReasonLabel, Counter>,
    processed: Family<OutcomeLabel, Counter>,
    failed: Counter,
    pending: Gauge,
    parked: Gauge,
    requests: Family<RequestLabels, Histogram>,
    actions: Family<ActionLabels, Counter>,
    receiving: Gauge,
    body_bytes: Gauge,
    body_budget: Gauge,
    handling: Gauge,
}

/// How loaded the receiver is, read at scrape time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntakeLoad {
    /// Bytes of bodies being received, held in the memory budget.
    pub body_bytes: usize,
    /// The memory budget for bodies, in bytes.
    pub body_budget: usize,
    /// Requests whose body has arrived, being verified and stored.
    pub handling: usize,
}

/// Counts one request receiving its body while it lives.
pub struct Receiving<'a>(&'a Gauge);

impl Drop for Receiving<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ladder");
        let received = Family::<EventLabel, Counter>::default();
        let rejected = Family::<ReasonLabel, Counter>::default();
        let processed = Family::<OutcomeLabel, Counter>::default();
        let failed = Counter::default();
        let pending = Gauge::default();
        let parked = Gauge::default();
        let requests = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0])
        });
        registry.register("deliveries_received", "Verified deliveries stored, by event", received.clone());
        registry.register("deliveries_rejected", "Deliveries refused, by reason", rejected.clone());
        registry.register("deliveries_processed", "Processing attempts, by outcome", processed.clone());
        registry.register("deliveries_failed", "Deliveries parked as failed after their last attempt", failed.clone());
        registry.register("deliveries_pending", "Deliveries waiting to be processed (queue depth)", pending.clone());
        registry.register("deliveries_parked", "Deliveries currently parked as failed", parked.clone());
        let actions = Family::<ActionLabels, Counter>::default();
        registry.register(
            "actions",
            "Actions on GitHub, by kind and outcome (sent, dry_run, failed, retried, rate_limited)",
            actions.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "HTTP request latency, by method, route and status",
            prometheus_client::registry::Unit::Seconds,
            requests.clone(),
        );
        let (receiving, body_bytes, body_budget, handling) =
            (Gauge::default(), Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("intake_bodies_receiving", "Requests still receiving their body", receiving.clone());
        registry.register_with_unit(
            "intake_body_memory",
            "Bytes of request bodies being received (held in the memory budget)",
            prometheus_client::registry::Unit::Bytes,
            body_bytes.clone(),
        );
        registry.register_with_unit(
            "intake_body_memory_budget",
            "The memory budget for request bodies being received (LADDER_BODY_MEMORY_MIB)",
            prometheus_client::registry::Unit::Bytes,
            body_budget.clone(),
        );
        registry.register(
            "intake_requests_handling",
            "Requests with their body, being verified and stored",
            handling.clone(),
        );
        Metrics {
            registry,
            received,
            rejected,
            processed,
            failed,
            pending,
            parked,
            requests,
            actions,
            receiving,
            body_bytes,
            body_budget,
            handling,
        }
    }

    /// Counts a request as receiving its body until the guard is dropped.
    pub fn receiving(&self) -> Receiving<'_> {
        self.receiving.inc();
        Receiving(&self.receiving)
    }

    /// Counts a verified delivery under its event name, or `other` for events the app does not use.
    pub fn delivery_received(&self, event_name: &str) {
        let event = event::KNOWN_EVENTS.iter().copied().find(|e| *e == event_name).unwrap_or("other");
        self.received.get_or_create(&EventLabel { event }).inc();
    }

    pub fn delivery_rejected(&self, rejection: Rejection) {
        self.rejected.get_or_create(&ReasonLabel { reason: rejection.as_str() }).inc();
    }

    pub fn delivery_processed(&self, outcome: Outcome, n: u64) {
        let label = match outcome {
            Outcome::Done => "done",
            Outcome::Retry => "retry",
            Outcome::Failed => "failed",
        };
        self.processed.get_or_create(&OutcomeLabel { outcome: label }).inc_by(n);
        if outcome == Outcome::Failed {
            self.failed.inc_by(n);
        }
    }

    /// Counts what became of one attempt at an action (`kind` from [`ladder_core::plan::action::Action::kind`]).
    pub fn action(&self, kind: &'static str, outcome: &'static str) {
        self.actions.get_or_create(&ActionLabels { kind, outcome }).inc();
    }

    /// Records one request. `route` must be a route template (or `unmatched`), never a raw path.
    pub fn request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
        let method = METHODS.iter().copied().find(|m| *m == method).unwrap_or("other");
        let labels = RequestLabels { method: method.to_owned(), route: route.to_owned(), status };
        self.requests.get_or_create(&labels).observe(elapsed.as_secs_f64());
    }

    /// The text exposition, with the queue depth and the receiver's load read at scrape time.
    pub fn render(&self, depth: QueueDepth, load: IntakeLoad) -> String {
        self.pending.set(depth.pending);
        self.parked.set(depth.failed);
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.body_bytes.set(gauge(load.body_bytes));
        self.body_budget.set(gauge(load.body_budget));
        self.handling.set(gauge(load.handling));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_events_share_one_series() {
        let m = Metrics::new();
        m.delivery_received("pull_request");
        m.delivery_received("made_up_event_1");
        m.delivery_received("made_up_event_2");
        let _receiving = m.receiving();
        let load = IntakeLoad { body_bytes: 2048, body_budget: 4096, handling: 1 };
        let text = m.render(QueueDepth { pending: 3, failed: 1 }, load);
        assert!(text.contains("ladder_deliveries_received_total{event=\"pull_request\"} 1"), "{text}");
        assert!(text.contains("ladder_deliveries_received_total{event=\"other\"} 2"), "{text}");
        assert!(!text.contains("made_up"), "{text}");
        assert!(text.contains("ladder_deliveries_pending 3"), "{text}");
        assert!(text.contains("ladder_intake_bodies_receiving 1"), "{text}");
        assert!(text.contains("ladder_intake_body_memory_bytes 2048"), "{text}");
        assert!(text.contains("ladder_intake_requests_handling 1"), "{text}");
    }
}
