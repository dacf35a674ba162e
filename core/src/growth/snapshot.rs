//! A snapshot: everything the growth pages and the API show of one org for one audience, computed
//! at once from every person's history and kept, so that a page reads it instead of a million
//! signals.
//!
//! Owns: [`Snapshot`] (the monthly and weekly series, the cohorts, the repositories' health and the
//! headline numbers), [`Standing`] (one person as lists show them: their level, activity, first and
//! last action and signals per track and [`crate::digest::month`]) and [`Builder`], which takes the people one at a
//! time, so an org's timelines are never all held at once.
//!
//! Never does: I/O, or read the clock: the shell reads each history and passes `now`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::as_of::{History, Merges, role_as_of};
use super::period::{Interval, Period, back, periods};
use super::series::{Cohort, Cohorts, Series, Sums};
use super::timeline::timeline;
use crate::health::RepoHealth;
use crate::ladder::{Activity, Ladder, Level};
use crate::roles::Role;
use crate::signal::Kind;

/// How far back the monthly series reach (ten years), and the weekly ones (two years).
pub const MONTHS: u32 = 120;
pub const WEEKS: u32 = 104;

/// One person's standing now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub id: i64,
    pub login: String,
    /// Levels held (0: none), by metrics or role.
    pub levels: usize,
    /// Levels met by metrics alone.
    pub earned: usize,
    /// The highest role held now.
    pub role: Option<Role>,
    pub activity: Activity,
    pub first: Option<(DateTime<Utc>, Kind)>,
    pub last_activity: Option<DateTime<Utc>>,
    /// Credited signals per track (in `Track::ALL`'s order), in all.
    pub signals: [u64; 4],
    /// Credited signals per track in each month (numbered as [`crate::digest::month`]) with any.
    pub months: Vec<(i64, [u64; 4])>,
}

impl Standing {
    /// The highest level they hold, if any.
    pub fn level<'l>(&self, ladder: &'l Ladder) -> Option<&'l Level> {
        self.levels.checked_sub(1).and_then(|i| ladder.levels.get(i))
    }

    /// Whether the person meets, by metrics alone, a level tied to a role they do not hold.
    pub fn ready_for_a_role(&self, ladder: &Ladder) -> bool {
        let held = self.role.map_or(0, Role::rank);
        ladder.levels[..self.earned.min(ladder.levels.len())].iter().any(|l| l.role.is_some_and(|r| r.rank() > held))
    }
}

/// The numbers at the top of the overview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headline {
    /// People with a credited action.
    pub people: u64,
    pub active: u64,
    /// People holding a maintainer role (or higher) who are active.
    pub active_maintainers: u64,
    /// People at each level now, in the ladder's order.
    pub by_level: Vec<u64>,
    /// People who meet a level tied to a role they do not hold.
    pub ready_for_a_role: u64,
    /// Repositories with no active maintainer.
    pub repos_at_risk: u64,
}

/// What the pages show of one org for one audience.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub computed_at: DateTime<Utc>,
    /// The ladder's levels: id and name, in order.
    pub levels: Vec<(String, String)>,
    pub months: Series,
    pub weeks: Series,
    pub cohorts: Vec<Cohort>,
    pub repos: Vec<RepoHealth>,
    pub headline: Headline,
}

impl Snapshot {
    pub fn series(&self, interval: Interval) -> &Series {
        match interval {
            Interval::Month => &self.months,
            Interval::Week => &self.weeks,
        }
    }
}

/// Builds a snapshot one person at a time.
pub struct Builder<'a> {
    ladder: &'a Ladder,
    merges: &'a Merges,
    now: DateTime<Utc>,
    months: Vec<Period>,
    weeks: Vec<Period>,
    month_sums: Sums,
    week_sums: Sums,
    cohorts: Cohorts,
    headline: Headline,
}

impl<'a> Builder<'a> {
    /// A builder for an org whose first signal occurred at `first` (months from then, at most
    /// [`MONTHS`] back; weeks [`WEEKS`] back).
    pub fn new(ladder: &'a Ladder, merges: &'a Merges, first: DateTime<Utc>, now: DateTime<Utc>) -> Builder<'a> {
        let months = periods(Interval::Month, first.max(back(Interval::Month, now, MONTHS - 1)), now);
        let weeks = periods(Interval::Week, back(Interval::Week, now, WEEKS - 1), now);
        let levels = ladder.levels.len();
        Builder {
            ladder,
            merges,
            now,
            month_sums: Sums::new(&months, levels),
            week_sums: Sums::new(&weeks, levels),
            cohorts: Cohorts::new(&months),
            months,
            weeks,
            headline: Headline { by_level: vec![0; levels], ..Headline::default() },
        }
    }

    /// Adds one person; their standing now, or None when nothing of theirs is credited (a bot).
    pub fn add(&mut self, id: i64, login: &str, history: History<'_>) -> Option<Standing> {
        let by_month = timeline(history, self.merges, self.ladder, &self.months);
        let first = by_month.first?;
        self.month_sums.add(&by_month);
        self.cohorts.add(&by_month);
        self.week_sums.add(&timeline(history, self.merges, self.ladder, &self.weeks));
        let now = by_month.states.last().copied()?;
        let earned = by_month.earned.as_ref()?;
        let role = role_as_of(history.roles, self.now);
        let mut signals = [0; 4];
        let mut months: Vec<(i64, [u64; 4])> = Vec::new();
        for (period, state) in self.months.iter().zip(&by_month.states).filter(|(_, s)| s.active_in_period()) {
            for (total, n) in signals.iter_mut().zip(state.signals) {
                *total += n;
            }
            months.push((period.number, state.signals));
        }
        let standing = Standing {
            id,
            login: login.to_owned(),
            levels: now.levels,
            earned: self.ladder.levels_held(earned.level.as_deref()),
            role,
            activity: now.activity,
            first: Some(first),
            last_activity: earned.last_activity,
            signals,
            months,
        };
        let h = &mut self.headline;
        h.people += 1;
        h.active += u64::from(now.activity == Activity::Active);
        h.active_maintainers +=
            u64::from(now.activity == Activity::Active && role.is_some_and(|r| r.rank() >= Role::Maintainer.rank()));
        if let Some(level) = now.levels.checked_sub(1) {
            h.by_level[level] += 1;
        }
        h.ready_for_a_role += u64::from(standing.ready_for_a_role(self.ladder));
        Some(standing)
    }

    /// The snapshot, with the repositories' health.
    pub fn finish(self, repos: Vec<RepoHealth>) -> Snapshot {
        let mut headline = self.headline;
        headline.repos_at_risk = repos.iter().filter(|r| r.at_risk()).count() as u64;
        Snapshot {
            computed_at: self.now,
            levels: self.ladder.levels.iter().map(|l| (l.id.clone(), l.name.clone())).collect(),
            months: self.month_sums.finish(),
            weeks: self.week_sums.finish(),
            cohorts: self.cohorts.finish(),
            repos,
            headline,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    use super::*;
    use crate::event::Account;
    use crate::growth::as_of::RoleSince;
    use crate::ladder::config::parse;
    use crate::signal::{Org, Repo, Signal, Subject};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn merged(actor: i64, login: &str, number: i64, days_ago: i64) -> Signal {
        let account = Account { id: actor, login: login.into(), account_type: Some("User".into()) };
        Signal {
            kind: Kind::PrMerged,
            identity: format!("{actor}:{number}"),
            org: Org { id: 1, login: "o".into() },
            repo: Repo { id: 2, full_name: "o/r".into(), private: false },
            subject: Some(Subject {
                number,
                is_pull_request: true,
                author: Some(account.clone()),
                author_association: None,
            }),
            actor: account,
            occurred_at: now() - Duration::days(days_ago),
            data: json!({"additions": 10, "deletions": 0, "title": "t", "head": "h"}),
        }
    }

    #[test]
    fn people_are_summed_into_series_headline_and_standings() {
        let ladder = parse(
            "t.yml",
            "levels:\n  - id: contributor\n    name: Contributor\n    requires: {pr_merged: 1}\n  - id: maintainer\n    name: Maintainer\n    role: maintainer\n    requires: {pr_merged: 3}\n",
        )
        .unwrap();
        let merges = Merges::new();
        let first = now() - Duration::days(400);
        let mut builder = Builder::new(&ladder, &merges, first, now());
        // Ada: three merges, the last 10 days ago; she meets the maintainer level but holds no role.
        let ada = [merged(1, "ada", 1, 400), merged(1, "ada", 2, 200), merged(1, "ada", 3, 10)];
        let ada = builder.add(1, "ada", History { signals: &ada, endorsements: &[], roles: &[] }).unwrap();
        // Bob: one merge a year ago, and a maintainer role granted before it.
        let bob = [merged(2, "bob", 4, 365)];
        let roles = [RoleSince { role: Role::Maintainer, since: now() - Duration::days(500) }];
        let bob = builder.add(2, "bob", History { signals: &bob, endorsements: &[], roles: &roles }).unwrap();
        // A bot's merge earns nothing: no standing.
        let bot = [merged(3, "helper[bot]", 5, 5)];
        assert!(builder.add(3, "helper[bot]", History { signals: &bot, endorsements: &[], roles: &[] }).is_none());
        let snapshot = builder.finish(Vec::new());

        assert_eq!((ada.levels, ada.earned, ada.role, ada.activity), (2, 2, None, Activity::Active));
        assert_eq!((bob.levels, bob.earned, bob.role, bob.activity), (2, 1, Some(Role::Maintainer), Activity::Away));
        assert!(ada.ready_for_a_role(&ladder) && !bob.ready_for_a_role(&ladder));
        assert_eq!(ada.signals, [3, 0, 0, 0]);
        assert_eq!(ada.months.len(), 3);
        let h = &snapshot.headline;
        assert_eq!((h.people, h.active, h.active_maintainers, h.ready_for_a_role), (2, 1, 0, 1));
        assert_eq!(h.by_level, [0, 2]);
        assert_eq!(snapshot.levels[1], ("maintainer".to_owned(), "Maintainer".to_owned()));
        // Every month since the org's first signal, each week of the last two years.
        assert_eq!(snapshot.months.periods.len(), 14);
        assert_eq!(snapshot.weeks.periods.len(), WEEKS as usize);
        assert_eq!(*snapshot.months.levels[1].last().unwrap(), 2);
        assert_eq!(snapshot.cohorts.iter().map(|c| c.size).sum::<u64>(), 2);
        let json = serde_json::to_string(&snapshot).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), snapshot);
    }
}
