//! The maintainership program as its coordinators follow it: each mentee's progress toward the
//! program's target level, whether they are at risk, how quickly their mentor reviews their pull
//! requests, and what became of past cohorts, computed rather than counted by hand.
//!
//! Owns: [`MenteeStatus`], [`progress`], [`at_risk`] ([`QUIET_DAYS`] without a credited action since enrolling or
//! lately), [`responsiveness`] (from each of the mentee's pull requests to the mentor's first review
//! of it), and [`outcomes`] of cohorts that ended: how many mentees did something in the three
//! months ending 3, 6 and 12 months after the end (as newcomer cohorts count), how many hold a
//! maintainer role now, and how many mentor someone else themselves.
//!
//! Never does: I/O, or read the clock (`now` is a parameter).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use crate::digest::month;
use crate::enrolment::Enrolment;
use crate::growth::series::{RETAINED, retention_window};
use crate::ladder::config::Cohort;
use crate::ladder::{Ladder, Level, Readiness};
use crate::roles::Role;

/// Days without a credited action after which a mentee is at risk.
pub const QUIET_DAYS: i64 = 30;

/// How far a person has come toward `target`: 100 once they hold it, otherwise the mean share of its
/// requirements met (each counted at most whole), in percent, rounded down.
pub fn progress(readiness: &Readiness, ladder: &Ladder, target: &Level) -> u8 {
    if ladder.levels_held(readiness.level.as_deref()) >= ladder.levels_held(Some(&target.id)) {
        return 100;
    }
    let Some(share) = readiness.share_of(target) else { return 0 };
    (share * 100.0).floor().min(99.0) as u8
}

/// Whether a mentee enrolled at `enrolled_at` has gone [`QUIET_DAYS`] without a credited action.
pub fn at_risk(last_activity: Option<DateTime<Utc>>, enrolled_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let since = last_activity.filter(|t| *t >= enrolled_at).unwrap_or(enrolled_at);
    now - since > Duration::days(QUIET_DAYS)
}

/// How quickly a mentor reviewed a mentee's pull requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responsiveness {
    /// The mentee's pull requests.
    pub prs: usize,
    /// Of those, how many the mentor reviewed.
    pub reviewed: usize,
    /// The median time from a pull request's opening to the mentor's first review of it.
    pub median: Option<Duration>,
}

/// From each pull request `opened` (`(repo id, number)` and when) to the mentor's first review of it
/// among `reviews`.
pub fn responsiveness(
    opened: &[((i64, i64), DateTime<Utc>)],
    reviews: &[((i64, i64), DateTime<Utc>)],
) -> Responsiveness {
    let mut first: HashMap<(i64, i64), DateTime<Utc>> = HashMap::new();
    for (pr, at) in reviews {
        let entry = first.entry(*pr).or_insert(*at);
        *entry = (*entry).min(*at);
    }
    let mut waits: Vec<Duration> = opened
        .iter()
        .filter_map(|(pr, at)| first.get(pr).map(|review| (*review - *at).max(Duration::zero())))
        .collect();
    waits.sort();
    let median = match waits.len() {
        0 => None,
        n if n % 2 == 1 => Some(waits[n / 2]),
        n => Some((waits[n / 2 - 1] + waits[n / 2]) / 2),
    };
    Responsiveness { prs: opened.len(), reviewed: waits.len(), median }
}

/// One mentee as the program page shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenteeStatus {
    pub login: String,
    pub mentor: Option<String>,
    pub cohort: Option<String>,
    pub enrolled_at: DateTime<Utc>,
    /// The level held now, by name.
    pub level: Option<String>,
    /// Toward the program's target level, in percent.
    pub progress: u8,
    pub last_activity: Option<DateTime<Utc>>,
    pub activity: crate::ladder::Activity,
    pub at_risk: bool,
    /// None without a mentor (or one with no recorded activity).
    pub responsiveness: Option<Responsiveness>,
}

/// What became of a cohort that ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub cohort: String,
    pub mentees: u64,
    /// Per [`RETAINED`] month after the cohort's end: how many did something in the three months ending
    /// then; None while that month has not come.
    pub retained: [Option<u64>; 3],
    /// Mentees who hold a maintainer role (or higher) now.
    pub maintainers: u64,
    /// Mentees who mentor (or mentored) someone else in the program.
    pub mentors: u64,
}

/// What a mentee's history says, as [`outcomes`] needs it.
pub struct Mentee<'a> {
    pub enrolment: &'a Enrolment,
    /// Credited signals per track in each month (numbered as [`month`]) with any.
    pub months: &'a [(i64, [u64; 4])],
    pub role: Option<Role>,
}

/// The outcomes of the program's cohorts that ended before `now`, oldest first.
pub fn outcomes(cohorts: &[Cohort], mentees: &[Mentee<'_>], all: &[Enrolment], now: DateTime<Utc>) -> Vec<Outcome> {
    let this_month = month(now);
    // Whoever mentors someone other than themselves (lower case).
    let mentoring: HashSet<String> = all
        .iter()
        .filter_map(|e| e.mentor.as_deref().filter(|mentor| !mentor.eq_ignore_ascii_case(&e.login)))
        .map(str::to_lowercase)
        .collect();
    let mut out = Vec::new();
    for cohort in cohorts.iter().filter(|c| c.end < now.date_naive()) {
        let end = month(cohort.end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        let members: Vec<&Mentee<'_>> = mentees.iter().filter(|m| m.enrolment.in_cohort(&cohort.name)).collect();
        let mut retained = [None; 3];
        for (slot, k) in retained.iter_mut().zip(RETAINED) {
            let window = retention_window(end, k);
            if *window.end() <= this_month {
                let active =
                    |m: &&&Mentee<'_>| m.months.iter().any(|(mo, n)| window.contains(mo) && n.iter().any(|x| *x > 0));
                *slot = Some(members.iter().filter(active).count() as u64);
            }
        }
        let maintainers =
            members.iter().filter(|m| m.role.is_some_and(|r| r.rank() >= Role::Maintainer.rank())).count();
        let mentors = members.iter().filter(|m| mentoring.contains(&m.enrolment.login.to_lowercase())).count();
        out.push(Outcome {
            cohort: cohort.name.clone(),
            mentees: members.len() as u64,
            retained,
            maintainers: maintainers as u64,
            mentors: mentors as u64,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::ladder::config::parse;
    use crate::ladder::metric::Measure;
    use crate::ladder::{Activity, Metric};
    use crate::signal::Kind;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    fn readiness(level: Option<&str>, merged: u64, reviews: u64) -> Readiness {
        let metrics = [
            (Metric::Kind(Kind::PrMerged), Measure { value: merged, evidence: Vec::new() }),
            (Metric::ReviewsOnMerged, Measure { value: reviews, evidence: Vec::new() }),
        ]
        .into();
        Readiness {
            level: level.map(str::to_owned),
            next: None,
            activity: Activity::Active,
            last_activity: None,
            metrics,
        }
    }

    #[test]
    fn progress_is_the_mean_share_of_the_targets_requirements() {
        let ladder = parse(
            "t.yml",
            "levels:\n  - id: a\n    requires: {pr_merged: 1}\n  - id: b\n    role: maintainer\n    requires: {pr_merged: 4, reviews_on_merged: 10}\n",
        )
        .unwrap();
        let target = ladder.program_target().unwrap();
        assert_eq!(target.id, "b");
        let cases = [
            (readiness(None, 0, 0), 0),
            (readiness(Some("a"), 2, 5), 50),
            (readiness(Some("a"), 8, 5), 75),  // a requirement counts at most whole
            (readiness(Some("a"), 4, 10), 99), // all met but the level not held (an endorsement missing)
            (readiness(Some("b"), 0, 0), 100), // held, by role
        ];
        for (r, want) in cases {
            assert_eq!(progress(&r, &ladder, target), want, "{:?}", r.level);
        }
    }

    #[test]
    fn a_quiet_month_puts_a_mentee_at_risk() {
        let enrolled = at(2026, 3, 1);
        assert!(!at_risk(None, enrolled, at(2026, 3, 20)));
        assert!(at_risk(None, enrolled, at(2026, 4, 5)));
        assert!(at_risk(Some(at(2026, 1, 1)), enrolled, at(2026, 4, 5)), "activity before enrolling does not count");
        assert!(!at_risk(Some(at(2026, 3, 25)), enrolled, at(2026, 4, 5)));
    }

    #[test]
    fn responsiveness_is_the_median_wait_for_a_first_review() {
        let pr = |n| (1, n);
        let opened =
            [(pr(1), at(2026, 3, 1)), (pr(2), at(2026, 3, 5)), (pr(3), at(2026, 3, 9)), (pr(4), at(2026, 3, 9))];
        let reviews = [
            (pr(1), at(2026, 3, 3)),  // 2 days
            (pr(1), at(2026, 3, 2)),  // the first review: 1 day
            (pr(2), at(2026, 3, 9)),  // 4 days
            (pr(3), at(2026, 3, 12)), // 3 days
            (pr(9), at(2026, 3, 12)), // someone else's
        ];
        let r = responsiveness(&opened, &reviews);
        assert_eq!((r.prs, r.reviewed, r.median), (4, 3, Some(Duration::days(3))));
        assert_eq!(responsiveness(&opened[..2], &reviews).median, Some(Duration::hours(60)));
        assert_eq!(responsiveness(&opened, &[]).median, None);
    }

    #[test]
    fn past_cohorts_are_followed_after_they_end() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let cohort = |name: &str, end| Cohort {
            name: name.into(),
            start: date(2025, 1, 1),
            midterm: date(2025, 2, 1),
            final_evaluation: date(2025, 3, 1),
            end,
        };
        let cohorts = [cohort("2025", date(2025, 3, 31)), cohort("2026", date(2026, 9, 30))];
        let enrol = |login: &str, cohort: &str, mentor: Option<&str>, enrolled| Enrolment {
            org_id: 1,
            login: login.into(),
            github_id: None,
            mentor: mentor.map(str::to_owned),
            cohort: Some(cohort.into()),
            enrolled_by: "coordinator".into(),
            enrolled_at: enrolled,
            ended_at: None,
        };
        let all = [
            enrol("ada", "2025", Some("mo"), at(2025, 1, 2)),
            enrol("bo", "2025", Some("mo"), at(2025, 1, 2)),
            enrol("cy", "2025", None, at(2025, 1, 3)),
            enrol("di", "2026", Some("ada"), at(2026, 3, 1)), // ada mentors now
        ];
        let m = |y: i32, mo: u32| month(at(y, mo, 1));
        let ada_months = [(m(2025, 5), [1, 0, 0, 0]), (m(2026, 2), [0, 2, 0, 0])];
        let bo_months = [(m(2025, 9), [1, 0, 0, 0])];
        let mentees = [
            Mentee { enrolment: &all[0], months: &ada_months, role: Some(Role::Maintainer) },
            Mentee { enrolment: &all[1], months: &bo_months, role: None },
            Mentee { enrolment: &all[2], months: &[], role: Some(Role::Triager) },
            Mentee { enrolment: &all[3], months: &[], role: None },
        ];
        // Ended in March 2025: 3 months later is June (window April to June: ada), 6 is September
        // (July to September: bo), 12 is March 2026 (January to March: ada). 2026's has not ended.
        let out = outcomes(&cohorts, &mentees, &all, at(2026, 4, 15));
        assert_eq!(
            out,
            [Outcome {
                cohort: "2025".into(),
                mentees: 3,
                retained: [Some(1), Some(1), Some(1)],
                maintainers: 1,
                mentors: 1
            }]
        );
        // Seen earlier, the 12-month figure is not known yet.
        assert_eq!(outcomes(&cohorts, &mentees, &all, at(2025, 10, 1))[0].retained, [Some(1), Some(1), None]);
    }
}
