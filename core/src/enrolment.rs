//! A program enrolment: who is a mentee in an org, with their mentor and cohort.
//!
//! Owns: the enrolment as the domain knows it. Never does: I/O; the store keeps enrolments and
//! `/amp enroll` makes them.

use chrono::{DateTime, Utc};

/// One enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub org_id: i64,
    pub login: String,
    pub github_id: Option<i64>,
    pub mentor: Option<String>,
    pub cohort: Option<String>,
    pub enrolled_by: String,
    pub enrolled_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl Enrolment {
    pub fn is_active(&self) -> bool {
        self.ended_at.is_none()
    }

    /// Whether `login` is this mentee's mentor (any case).
    pub fn mentored_by(&self, login: &str) -> bool {
        self.mentor.as_deref().is_some_and(|m| m.trim_start_matches('@').eq_ignore_ascii_case(login))
    }

    /// Whether this enrolment is in the cohort named `name` (any case).
    pub fn in_cohort(&self, name: &str) -> bool {
        self.cohort.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(name))
    }
}
