//! What a GitHub response means for the request that got it: done, wait and try again, or give up.
//!
//! Owns: [`verdict`], a pure reading of a status code and headers, after GitHub's documented rules
//! (and [`spent`], which reads an exhausted budget off any response):
//! a `403`/`429` with `retry-after` waits that many seconds; one with `x-ratelimit-remaining: 0` waits
//! until `x-ratelimit-reset`; a `429` or a `403` that says it is a secondary rate limit without either
//! header waits a minute; `5xx` is transient; other `4xx` are final. No wait exceeds [`MAX_WAIT`]:
//! GitHub's windows are an hour at most, and a garbled header must not park the app for longer.
//!
//! Never does: I/O or sleep; the dispatcher schedules the retry.

use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};

/// How long to wait when GitHub says "slow down" without saying for how long.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The longest wait a response can ask for: GitHub's rate-limit window.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// What to do after a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Done,
    /// A rate limit: try again after this long (the attempt does not count against the limit).
    RateLimited(Duration),
    /// A server error: try again with backoff.
    Transient(String),
    /// Retrying would not help (not found, forbidden, invalid): GitHub's status, if it answered one,
    /// and why.
    Final {
        status: Option<u16>,
        why: String,
    },
}

impl Verdict {
    /// A final failure that no GitHub status says (a reply without an expected field, a delivery that
    /// named no installation).
    pub fn refused(why: impl Into<String>) -> Verdict {
        Verdict::Final { status: None, why: why.into() }
    }

    /// Whether GitHub answered 404: the thing is not there (or the App may not see it).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Verdict::Final { status: Some(404), .. })
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn wait(seconds: u64) -> Duration {
    Duration::from_secs(seconds.clamp(1, MAX_WAIT.as_secs()))
}

/// How long until the budget renews, when a response says it is spent (`x-ratelimit-remaining: 0`),
/// whatever its status: after a success, the next request would be refused. `now` is the Unix time
/// in seconds.
pub fn spent(headers: &HeaderMap, now: u64) -> Option<Duration> {
    (header_u64(headers, "x-ratelimit-remaining") == Some(0)).then(|| {
        let reset = header_u64(headers, "x-ratelimit-reset").unwrap_or(now + DEFAULT_WAIT.as_secs());
        wait(reset.saturating_sub(now))
    })
}

/// Reads a response's status, headers and body text. `now` is the Unix time in seconds.
pub fn verdict(status: StatusCode, headers: &HeaderMap, body: &str, now: u64) -> Verdict {
    if status.is_success() {
        return Verdict::Done;
    }
    let message = format!("{status}: {}", body.chars().take(300).collect::<String>().trim());
    if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
        if let Some(seconds) = header_u64(headers, "retry-after") {
            return Verdict::RateLimited(wait(seconds));
        }
        if let Some(until_reset) = spent(headers, now) {
            return Verdict::RateLimited(until_reset);
        }
        if status == StatusCode::TOO_MANY_REQUESTS || body.to_lowercase().contains("rate limit") {
            return Verdict::RateLimited(DEFAULT_WAIT);
        }
    }
    if status.is_server_error() {
        return Verdict::Transient(message);
    }
    Verdict::Final { status: Some(status.as_u16()), why: message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            map
        };
        let now = 1_000;
        let secs = Duration::from_secs;
        let cases: Vec<(u16, HeaderMap, &str, Verdict)> = vec![
            (201, headers(&[]), "", Verdict::Done),
            (429, headers(&[("retry-after", "7")]), "", Verdict::RateLimited(secs(7))),
            (403, headers(&[("retry-after", "0")]), "", Verdict::RateLimited(secs(1))),
            (
                403,
                headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1042")]),
                "",
                Verdict::RateLimited(secs(42)),
            ),
            (429, headers(&[("retry-after", "99999999999")]), "", Verdict::RateLimited(MAX_WAIT)),
            (
                403,
                headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "18446744073709551615")]),
                "",
                Verdict::RateLimited(MAX_WAIT),
            ),
            (429, headers(&[]), "", Verdict::RateLimited(DEFAULT_WAIT)),
            (403, headers(&[]), "You have exceeded a secondary rate limit", Verdict::RateLimited(DEFAULT_WAIT)),
            (
                403,
                headers(&[("x-ratelimit-remaining", "12")]),
                "Resource not accessible by integration",
                Verdict::Final {
                    status: Some(403),
                    why: "403 Forbidden: Resource not accessible by integration".into(),
                },
            ),
            (502, headers(&[]), "bad gateway", Verdict::Transient("502 Bad Gateway: bad gateway".into())),
            (
                404,
                headers(&[]),
                "Not Found",
                Verdict::Final { status: Some(404), why: "404 Not Found: Not Found".into() },
            ),
        ];
        for (status, headers, body, expected) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            let got = verdict(status, &headers, body, now);
            assert_eq!(got.is_not_found(), status == StatusCode::NOT_FOUND, "{status}");
            assert_eq!(got, expected, "{status} {headers:?}");
        }
        let spent_after = |pairs: &[(&'static str, &str)]| spent(&headers(pairs), now);
        assert_eq!(spent_after(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1030")]), Some(secs(30)));
        assert_eq!(spent_after(&[("x-ratelimit-remaining", "0")]), Some(DEFAULT_WAIT));
        assert_eq!(spent_after(&[("x-ratelimit-remaining", "1"), ("x-ratelimit-reset", "1030")]), None);
        assert_eq!(spent_after(&[]), None);
    }
}
