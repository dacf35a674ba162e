//! The report `ladder status` prints: a person's credited signals, by kind and by track.
//!
//! Owns: building the report from a person's recorded signals and rendering it as text or JSON.
//!
//! Never does: I/O. The command line looks the person up and prints what this returns.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::credit::{Bots, Tally, tally};
use crate::signal::{Kind, Org, Signal, Track};
use crate::store::signals::Person;

/// Where one person stands in one org.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub org: Org,
    pub person: Person,
    pub tally: Tally,
    pub last_activity: Option<DateTime<Utc>>,
}

impl Report {
    pub fn new(org: Org, person: Person, signals: &[Signal], bots: &Bots) -> Report {
        let tally = tally(signals, bots);
        let last_activity = signals.iter().filter(|s| crate::credit::is_credited(s, bots)).map(|s| s.occurred_at).max();
        Report { org, person, tally, last_activity }
    }

    /// The JSON form: `org`, `login`, `github_id`, `signals` (kind → count, zero counts omitted),
    /// `tracks` (track → count) and `last_activity`.
    pub fn to_json(&self) -> Value {
        let signals: Map<String, Value> =
            self.tally.by_kind.iter().map(|(k, n)| (k.as_str().to_owned(), json!(n))).collect();
        let tracks = self.tally.by_track();
        let tracks: Map<String, Value> =
            Track::ALL.iter().map(|t| (t.as_str().to_owned(), json!(tracks.get(t).copied().unwrap_or(0)))).collect();
        json!({
            "org": self.org.login,
            "login": self.person.login,
            "github_id": self.person.id,
            "signals": signals,
            "tracks": tracks,
            "last_activity": self.last_activity.map(|t| t.to_rfc3339()),
        })
    }

    /// The text form, aligned for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!("@{} in {} (GitHub id {})\n", self.person.login, self.org.login, self.person.id);
        match self.last_activity {
            Some(at) => out.push_str(&format!("last credited activity: {}\n", at.format("%Y-%m-%d"))),
            None => out.push_str("no credited activity yet\n"),
        }
        let tracks = self.tally.by_track();
        for track in Track::ALL {
            let total = tracks.get(&track).copied().unwrap_or(0);
            out.push_str(&format!("\n{:<28}{total:>6}\n", track.as_str()));
            for kind in Kind::ALL.iter().filter(|k| k.track() == track) {
                let n = self.tally.by_kind.get(kind).copied().unwrap_or(0);
                out.push_str(&format!("  {:<26}{n:>6}\n", kind.as_str()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let mut tally = Tally::default();
        tally.by_kind.insert(Kind::PrMerged, 3);
        tally.by_kind.insert(Kind::ReviewApproved, 2);
        Report {
            org: Org { id: 1, login: "asyncapi".into() },
            person: Person { id: 42, login: "alice".into() },
            tally,
            last_activity: DateTime::from_timestamp(1_700_000_000, 0),
        }
    }

    #[test]
    fn json_has_the_contract_fields() {
        let json = report().to_json();
        assert_eq!(json["org"], "asyncapi");
        assert_eq!(json["login"], "alice");
        assert_eq!(json["github_id"], 42);
        assert_eq!(json["signals"], json!({"pr_merged": 3, "review_approved": 2}));
        assert_eq!(json["tracks"], json!({"code": 3, "review": 2, "triage": 0, "community": 0}));
        assert_eq!(json["last_activity"], "2023-11-14T22:13:20+00:00");
    }

    #[test]
    fn text_lists_every_kind_under_its_track() {
        let text = report().to_text();
        assert!(text.starts_with("@alice in asyncapi (GitHub id 42)\nlast credited activity: 2023-11-14\n"), "{text}");
        assert!(text.contains("\ncode                             3\n  pr_opened                      0\n  pr_merged                      3\n"), "{text}");
        for kind in Kind::ALL {
            assert!(text.contains(kind.as_str()), "{kind:?} missing");
        }
    }
}
