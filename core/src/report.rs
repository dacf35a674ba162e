//! The report `ladder status` prints: a person's level on the ladder, what is missing for the next
//! one with the evidence behind each number, their activity, and their credited signals by kind and
//! track.
//!
//! Owns: [`Person`] (a person by GitHub id and newest login), building the [`Report`] from their
//! [`Facts`] and rendering it as text or JSON, and [`hidden_in`], which private repositories' evidence
//! may not be shown where a text is posted.
//!
//! Never does: I/O. The command line and the planner look the person up and use what this returns.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::credit::Tally;
use crate::ladder::{Facts, Ladder, Progress, Readiness, evaluate};
use crate::next_steps::{Guides, Need, Offer, Place, Seeker, Step, next_steps};
use crate::roles::{Grant, Role};
use crate::signal::{Kind, Org, Track};

/// A person named by their GitHub id and newest login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub login: String,
}

/// The private repositories whose evidence may not be shown in repository `here`: all of the org's
/// `private` ones (id, name) but `here` itself. Replies and comments list no evidence from them;
/// their numbers still count.
pub fn hidden_in(private: Vec<(i64, String)>, here: i64) -> BTreeSet<String> {
    private.into_iter().filter(|(id, _)| *id != here).map(|(_, name)| name).collect()
}

/// Evidence listed per requirement in text output; JSON lists all the facts hold.
const TEXT_EVIDENCE: usize = 5;

/// Where one person stands in one org.
#[derive(Debug, Clone)]
pub struct Report {
    pub org: Org,
    pub person: Person,
    pub tally: Tally,
    pub readiness: Readiness,
    /// Roles held, from `CODEOWNERS` and `MAINTAINERS.yaml`.
    pub grants: Vec<Grant>,
    /// Endorsements received, per level id: endorser login and company.
    pub endorsements: BTreeMap<String, Vec<(String, Option<String>)>>,
    /// The repositories (`owner/name`) with counted activity.
    pub repos: BTreeSet<String>,
    /// Open work that would take them to the next level, once [`Report::suggest`] looked.
    pub next_steps: Vec<Step>,
    ladder: Ladder,
}

impl Report {
    pub fn new(
        org: Org,
        person: Person,
        facts: &Facts,
        ladder: &Ladder,
        grants: Vec<Grant>,
        now: DateTime<Utc>,
    ) -> Report {
        let role = grants.iter().map(|g| g.role).max_by_key(|r| r.rank());
        Report {
            org,
            person,
            tally: Tally { by_kind: facts.tally() },
            readiness: evaluate(ladder, facts, role, now),
            grants,
            endorsements: facts.endorsements.clone(),
            repos: facts.repos.clone(),
            next_steps: Vec::new(),
            ladder: ladder.clone(),
        }
    }

    /// Who looks for next steps: this person, with the repositories they contributed to.
    pub fn seeker(&self) -> Seeker<'_> {
        Seeker { id: self.person.id, repos: &self.repos }
    }

    /// Sets their [`next_steps`] from what the open work `offers`, for the audience of `place`.
    pub fn suggest(&mut self, offers: &BTreeMap<Need, Offer>, guides: Guides<'_>, place: Place<'_>) {
        self.next_steps = next_steps(&self.readiness, self.seeker(), offers, guides, place);
    }

    /// The highest role held in the org, if any.
    pub fn role(&self) -> Option<Role> {
        self.grants.iter().map(|g| g.role).max_by_key(|r| r.rank())
    }

    /// The display name of a level, by id.
    pub fn level_name(&self, id: &str) -> String {
        self.ladder.level(id).map_or_else(|| id.to_owned(), |l| l.name.clone())
    }

    /// The JSON form: `org`, `login`, `github_id`, `signals` (kind → credited count, zeros omitted),
    /// `tracks`, `level` (highest level held, or null), `activity`, `last_activity`, and `next` (null at
    /// the top) with `missing` and the full `progress` with evidence.
    pub fn to_json(&self) -> Value {
        let signals: Map<String, Value> =
            self.tally.by_kind.iter().map(|(k, n)| (k.as_str().to_owned(), json!(n))).collect();
        let tracks = self.tally.by_track();
        let tracks: Map<String, Value> =
            Track::ALL.iter().map(|t| (t.as_str().to_owned(), json!(tracks.get(t).copied().unwrap_or(0)))).collect();
        let r = &self.readiness;
        let progress = |p: &Progress| json!({"metric": p.metric.name(), "have": p.have, "need": p.need});
        let next = r.next.as_ref().map(|(id, all)| {
            let detailed: Vec<Value> = all
                .iter()
                .map(|p| {
                    let mut v = progress(p);
                    v["evidence"] = json!(p.evidence);
                    v
                })
                .collect();
            json!({
                "level": id,
                "name": self.level_name(id),
                "missing": r.missing().into_iter().map(progress).collect::<Vec<_>>(),
                "progress": detailed,
            })
        });
        json!({
            "org": self.org.login,
            "login": self.person.login,
            "github_id": self.person.id,
            "signals": signals,
            "tracks": tracks,
            "level": r.level,
            "level_name": r.level.as_deref().map(|id| self.level_name(id)),
            "activity": r.activity.as_str(),
            "last_activity": r.last_activity.map(|t| t.to_rfc3339()),
            "next": next,
            "role": self.role().map(Role::as_str),
            "roles": self.roles_by_repo(),
            "next_steps": self.next_steps.iter().map(step_json).collect::<Vec<_>>(),
        })
    }

    /// `{"repo": ["maintainer", ...]}` for roles held in a repository; org-wide roles under `"*"`.
    fn roles_by_repo(&self) -> Value {
        let mut by_repo: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for g in &self.grants {
            let roles = by_repo.entry(g.repo.clone().unwrap_or_else(|| "*".to_owned())).or_default();
            if !roles.contains(&g.role.as_str()) {
                roles.push(g.role.as_str());
            }
        }
        json!(by_repo)
    }

    /// The text form, aligned for a terminal, with a progress bar per requirement.
    pub fn to_text(&self) -> String {
        let r = &self.readiness;
        let mut out = format!("@{} in {} (GitHub id {})\n", self.person.login, self.org.login, self.person.id);
        let level = r.level.as_deref().map_or_else(|| "not on the ladder yet".to_owned(), |id| self.level_name(id));
        let last = r.last_activity.map_or_else(
            || "no credited activity yet".to_owned(),
            |at| format!("last credited activity {}", at.format("%Y-%m-%d")),
        );
        out.push_str(&format!("level: {level}\n"));
        if let Some(role) = self.role() {
            let mut repos: Vec<&str> = self.grants.iter().filter_map(|g| g.repo.as_deref()).collect();
            repos.dedup();
            out.push_str(&format!("role: {} ({})\n", role.as_str(), repos.join(", ")));
        }
        out.push_str(&format!("activity: {} ({last})\n", r.activity.as_str()));
        match &r.next {
            None => out.push_str("\nEvery level of the ladder is met.\n"),
            Some((id, progress)) => {
                out.push_str(&format!("\nnext: {}\n", self.level_name(id)));
                for p in progress {
                    out.push_str(&progress_line(p));
                }
            }
        }
        if !self.next_steps.is_empty() {
            out.push_str("\nnext steps\n");
            for step in &self.next_steps {
                out.push_str(&step_text(step));
            }
        }
        out.push_str("\ncredited signals\n");
        let tracks = self.tally.by_track();
        for track in Track::ALL {
            let total = tracks.get(&track).copied().unwrap_or(0);
            out.push_str(&format!("  {:<28}{total:>6}\n", track.as_str()));
            for kind in Kind::ALL.iter().filter(|k| k.track() == track) {
                let n = self.tally.by_kind.get(kind).copied().unwrap_or(0);
                out.push_str(&format!("    {:<26}{n:>6}\n", kind.as_str()));
            }
        }
        out
    }
}

/// `{"metric", "have", "need", "work", "found", "items": [{"ref", "url", "title", "pull_request",
/// "updated_at"}], "guides": [{"repo", "url"}]}`.
fn step_json(step: &Step) -> Value {
    let items: Vec<Value> = step
        .items
        .iter()
        .map(|i| {
            json!({
                "ref": i.reference(),
                "url": i.url(),
                "title": i.title,
                "pull_request": i.is_pull_request,
                "updated_at": i.updated_at.to_rfc3339(),
            })
        })
        .collect();
    let guides: Vec<Value> = step.guides.iter().map(|g| json!({"repo": g.repo, "url": g.url})).collect();
    json!({
        "metric": step.metric.name(),
        "have": step.have,
        "need": step.need,
        "work": step.serves.as_str(),
        "found": step.found,
        "items": items,
        "guides": guides,
    })
}

/// `  triage 0/4: 5 issues with no label or unanswered for a week` and a line per item.
fn step_text(step: &Step) -> String {
    let mut out = format!("  {} {}/{}: ", step.metric.name(), step.have, step.need);
    if step.serves == crate::next_steps::Need::Release {
        out.push_str(&format!("{}\n", step.serves.what()));
        for guide in &step.guides {
            out.push_str(&format!("    {}  {}\n", guide.repo, guide.url));
        }
        return out;
    }
    out.push_str(&format!("{} {}\n", crate::next_steps::count_text(step.found), step.serves.what()));
    for item in &step.items {
        out.push_str(&format!("    {:<32} {}\n", item.reference(), item.title.chars().take(60).collect::<String>()));
    }
    out
}

/// `  pr_merged          ██████░░░░  2/3  asyncapi/cli#12, …`
fn progress_line(p: &Progress) -> String {
    const WIDTH: u64 = 10;
    let filled = (p.have.min(p.need) * WIDTH).checked_div(p.need).unwrap_or(WIDTH) as usize;
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(WIDTH as usize - filled));
    let mark = if p.met() { "met" } else { "   " };
    let mut evidence: Vec<&str> = p.evidence.iter().take(TEXT_EVIDENCE).map(String::as_str).collect();
    if p.evidence.len() > TEXT_EVIDENCE {
        evidence.push("…");
    }
    let count = format!("{}/{}", p.have, p.need);
    format!("  {:<20}{bar} {count:>7} {mark}  {}\n", p.metric.name(), evidence.join(", ")).trim_end().to_owned() + "\n"
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::event::Account;
    use crate::signal::{Repo, Signal, Subject};

    fn merged_pr(n: i64) -> Signal {
        Signal {
            kind: Kind::PrMerged,
            identity: format!("1#{n}"),
            org: Org { id: 1, login: "asyncapi".into() },
            repo: Repo { id: 1, full_name: "asyncapi/cli".into(), private: false },
            subject: Some(Subject { number: n, is_pull_request: true, author: None, author_association: None }),
            actor: Account { id: 42, login: "alice".into(), account_type: Some("User".into()) },
            occurred_at: Utc.with_ymd_and_hms(2026, 11, 1 + n as u32, 0, 0, 0).unwrap(),
            data: json!({}),
        }
    }

    fn report() -> Report {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        let person = Person { id: 42, login: "alice".into() };
        let org = Org { id: 1, login: "asyncapi".into() };
        let ladder = Ladder::builtin();
        let facts = Facts::from_signals(&[merged_pr(1), merged_pr(2)], &HashSet::new(), &ladder);
        Report::new(org, person, &facts, &ladder, Vec::new(), now)
    }

    #[test]
    fn json_has_the_contract_fields() {
        let json = report().to_json();
        assert_eq!(json["org"], "asyncapi");
        assert_eq!(json["login"], "alice");
        assert_eq!(json["github_id"], 42);
        assert_eq!(json["signals"], json!({"pr_merged": 2}));
        assert_eq!(json["tracks"], json!({"code": 2, "review": 0, "triage": 0, "community": 0}));
        assert_eq!(json["level"], "contributor");
        assert_eq!(json["activity"], "active");
        assert_eq!(json["last_activity"], "2026-11-03T00:00:00+00:00");
        assert_eq!(json["next"]["level"], "regular_contributor");
        assert_eq!(json["next"]["missing"], json!([{"metric": "pr_merged", "have": 2, "need": 3}]));
        assert_eq!(json["next"]["progress"][0]["evidence"], json!(["asyncapi/cli#2", "asyncapi/cli#1"]));
        assert_eq!((&json["role"], &json["roles"]), (&Value::Null, &json!({})));
    }

    #[test]
    fn text_shows_level_progress_and_every_kind() {
        let text = report().to_text();
        assert!(text.starts_with("@alice in asyncapi (GitHub id 42)\nlevel: Contributor\nactivity: active (last credited activity 2026-11-03)\n"), "{text}");
        assert!(text.contains("\nnext: Regular contributor\n  pr_merged           ██████░░░░     2/3      asyncapi/cli#2, asyncapi/cli#1\n"), "{text}");
        for kind in Kind::ALL {
            assert!(text.contains(kind.as_str()), "{kind:?} missing");
        }
    }
}
