//! The org's admins: who may see private repositories' data, the program pages and the people CSV.
//!
//! Owns: [`Admin`]: checking `ADMIN_TOKEN` (in constant time, never logged) as a bearer token (the API)
//! or through the login form, which starts a session: a random id in a cookie (`Secure`, `HttpOnly`,
//! `SameSite=Strict`, 12 hours), of which the store keeps only a hash, so the cookie is never the
//! token and logging out ends it on every replica. Wrong tokens are limited: after
//! [`FAILURES_PER_MINUTE`] in a minute (from anyone), further tries are answered 429 until the minute
//! is over, so the token cannot be guessed however many clients try.
//!
//! Never does: decide what a scope shows ([`ladder_core::visibility`]) or render pages.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use chrono::Utc;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::{Sessions, StoreError};
use ladder_core::visibility::Scope;

/// The session cookie's name.
pub const COOKIE: &str = "ladder_session";

/// How long a session lasts.
pub const SESSION: Duration = Duration::from_secs(12 * 3600);

/// Wrong tokens accepted in a minute before every try waits for the minute to end.
pub const FAILURES_PER_MINUTE: u32 = 10;

/// The admin token as settings carry it: its `Debug` output is redacted, so it cannot leak through
/// logs.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(pub String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// How a presented token fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Admin,
    Wrong,
    /// Too many wrong tokens lately: try again after this long.
    Limited(Duration),
}

/// The admin token, and the sessions it opened.
pub struct Admin {
    /// SHA-256 of `ADMIN_TOKEN`; None when none is set (no one is an admin).
    token: Option<[u8; 32]>,
    sessions: Sessions,
    failures: Mutex<(Instant, u32)>,
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A new session id: 32 random bytes, hex.
fn session_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| StoreError::Corrupt(format!("no randomness for a session id: {e}")))?;
    Ok(hex::encode(bytes))
}

/// A cookie's value in a request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

impl Admin {
    pub fn new(token: Option<&AdminToken>, sessions: Sessions) -> Admin {
        let token = token.filter(|t| !t.0.is_empty()).map(|t| sha256(t.0.as_bytes()));
        Admin { token, sessions, failures: Mutex::new((Instant::now(), 0)) }
    }

    /// Whether an admin token is set at all.
    pub fn configured(&self) -> bool {
        self.token.is_some()
    }

    /// Checks a presented token: constant time, and limited after too many wrong ones.
    pub fn check(&self, presented: &str) -> Verdict {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let window = Duration::from_secs(60);
        if failures.0.elapsed() >= window {
            *failures = (Instant::now(), 0);
        }
        if failures.1 >= FAILURES_PER_MINUTE {
            return Verdict::Limited(window.saturating_sub(failures.0.elapsed()).max(Duration::from_secs(1)));
        }
        let right = self.token.is_some_and(|token| bool::from(sha256(presented.as_bytes()).ct_eq(&token)));
        if right {
            Verdict::Admin
        } else {
            failures.1 += 1;
            Verdict::Wrong
        }
    }

    /// Who a request speaks for: an admin with the token as a bearer or an open session, otherwise
    /// the public. A wrong bearer token is an error, not the public.
    pub async fn scope(&self, headers: &HeaderMap) -> Result<Result<Scope, Verdict>, StoreError> {
        if let Some(bearer) = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            return Ok(match self.check(bearer.trim()) {
                Verdict::Admin => Ok(Scope::All),
                other => Err(other),
            });
        }
        if let Some(id) = cookie(headers, COOKIE)
            && self.token.is_some()
            && self.sessions.open(&hex::encode(sha256(id.as_bytes())), Utc::now()).await?
        {
            return Ok(Ok(Scope::All));
        }
        Ok(Ok(Scope::Public))
    }

    /// Starts a session: the cookie to set.
    pub async fn start_session(&self) -> Result<String, StoreError> {
        let id = session_id()?;
        let now = Utc::now();
        let expires = now + chrono::Duration::from_std(SESSION).unwrap_or_default();
        self.sessions.start(&hex::encode(sha256(id.as_bytes())), expires, now).await?;
        Ok(format!("{COOKIE}={id}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict", SESSION.as_secs()))
    }

    /// Ends the request's session, if it has one: the cookie that clears it.
    pub async fn end_session(&self, headers: &HeaderMap) -> Result<String, StoreError> {
        if let Some(id) = cookie(headers, COOKIE) {
            self.sessions.end(&hex::encode(sha256(id.as_bytes()))).await?;
        }
        Ok(format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append("cookie", "a=1; ladder_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, "ladder"), None);
        assert_eq!(cookie(&HeaderMap::new(), COOKIE), None);
    }
}
