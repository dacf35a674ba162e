//! The overview's charts: which series each one draws from a snapshot, what it is called, and the
//! sentence that says its trend.
//!
//! Owns: [`Figure`], [`figures`] (people at each level, promotions, engagement, newcomers by first
//! action, signals per track) and [`trend`]. The page draws each figure as a chart with its data
//! as a table and a CSV; the API serves the same series; so every number agrees.
//!
//! Never does: render HTML, SVG or CSV (see [`crate::chart`] and the web wing).

use super::period::Interval;
use super::snapshot::Snapshot;
use crate::chart::{Chart, Line, Shape};
use crate::signal::{Kind, Track};

/// One chart of the overview, with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// Unique on the page, and the name of its CSV.
    pub id: &'static str,
    pub title: String,
    /// What one value counts, for the table's caption and the trend.
    pub unit: &'static str,
    pub shape: Shape,
    /// The periods' names, oldest first.
    pub labels: Vec<String>,
    pub lines: Vec<Line>,
}

impl Figure {
    /// Each period's name and its value in each line: the figure's data as a table.
    pub fn rows(&self) -> impl Iterator<Item = (&str, Vec<u64>)> {
        self.labels.iter().enumerate().map(|(i, label)| {
            (label.as_str(), self.lines.iter().map(|l| l.values.get(i).copied().unwrap_or(0)).collect())
        })
    }

    /// Each period's values summed over the lines.
    pub fn totals(&self) -> Vec<u64> {
        (0..self.labels.len()).map(|i| self.lines.iter().filter_map(|l| l.values.get(i)).sum()).collect()
    }

    /// The sentence that says the figure's trend.
    pub fn trend(&self) -> String {
        trend(self.unit, &self.labels, &self.totals())
    }

    /// The chart to draw.
    pub fn chart(&self) -> Chart {
        Chart {
            id: self.id.to_owned(),
            title: self.title.clone(),
            desc: self.trend(),
            labels: self.labels.clone(),
            series: self.lines.clone(),
            shape: self.shape,
        }
    }
}

/// How a first action reads in a legend.
pub fn first_action(kind: Kind) -> &'static str {
    match kind {
        Kind::PrOpened | Kind::PrMerged => "opened a pull request",
        Kind::IssueOpened => "opened an issue",
        Kind::IssueComment | Kind::ReviewComment => "commented",
        Kind::ReviewApproved | Kind::ReviewChangesRequested | Kind::ReviewCommented => "reviewed",
        Kind::TriageLabeled | Kind::TriageAssigned | Kind::TriageClosed => "triaged",
        Kind::MergePerformed | Kind::ReleasePublished => "merged or released",
        Kind::DiscussionAnswered => "answered a discussion",
    }
}

/// The overview's figures for `interval`.
pub fn figures(snapshot: &Snapshot, interval: Interval) -> Vec<Figure> {
    let series = snapshot.series(interval);
    let labels: Vec<String> = series.periods.iter().map(|p| p.name(interval)).collect();
    let per = interval.as_str();
    let figure =
        |id, title: String, unit, shape, lines| Figure { id, title, unit, shape, labels: labels.clone(), lines };
    let levels = snapshot
        .levels
        .iter()
        .zip(&series.levels)
        .map(|((_, name), values)| Line { name: name.clone(), values: values.clone() })
        .collect();
    let engagement = ["active", "drifting", "away"]
        .iter()
        .enumerate()
        .map(|(i, name)| Line { name: (*name).to_owned(), values: series.engagement.iter().map(|e| e[i]).collect() })
        .collect();
    let mut newcomers: Vec<Line> = Vec::new();
    for (kind, values) in &series.newcomers {
        let name = first_action(*kind);
        match newcomers.iter_mut().find(|l| l.name == name) {
            Some(line) => line.values.iter_mut().zip(values).for_each(|(a, b)| *a += b),
            None => newcomers.push(Line { name: name.to_owned(), values: values.clone() }),
        }
    }
    let tracks = Track::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| Line { name: t.as_str().to_owned(), values: series.tracks.iter().map(|v| v[i]).collect() })
        .collect();
    vec![
        figure(
            "levels",
            format!("People at each ladder level, by {per}"),
            "people at a level",
            Shape::StackedBars,
            levels,
        ),
        figure(
            "promotions",
            format!("Promotions, by {per}"),
            "promotions",
            Shape::Lines,
            vec![Line { name: "promotions".into(), values: series.promotions.clone() }],
        ),
        figure("engagement", format!("Contributors by engagement, by {per}"), "contributors", Shape::Lines, engagement),
        figure(
            "newcomers",
            format!("New contributors by first action, by {per}"),
            "new contributors",
            Shape::StackedBars,
            newcomers,
        ),
        figure("tracks", format!("Signals per track, by {per}"), "signals", Shape::Lines, tracks),
    ]
}

/// A sentence that says how `totals` (per period, named by `labels`) moved: from the first period to
/// the last, and the highest.
pub fn trend(unit: &str, labels: &[String], totals: &[u64]) -> String {
    let (Some(first), Some(last)) = (totals.first(), totals.last()) else { return format!("No {unit} yet.") };
    if totals.iter().all(|n| *n == 0) {
        return format!("No {unit} from {} to {}.", labels[0], labels[labels.len() - 1]);
    }
    let (peak_at, peak) =
        totals.iter().enumerate().max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i))).unwrap_or((0, &0));
    let direction = match last.cmp(first) {
        std::cmp::Ordering::Greater => "rose",
        std::cmp::Ordering::Less => "fell",
        std::cmp::Ordering::Equal => "stayed",
    };
    let moved =
        if direction == "stayed" { format!("stayed at {last}") } else { format!("{direction} from {first} to {last}") };
    format!(
        "{}{} {moved} between {} and {}, highest in {} ({peak}).",
        unit[..1].to_uppercase(),
        &unit[1..],
        labels[0],
        labels[labels.len() - 1],
        labels[peak_at]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trends_read_as_sentences() {
        let labels: Vec<String> = ["2026-01", "2026-02", "2026-03"].map(String::from).to_vec();
        let cases = [
            (vec![1, 5, 3], "People rose from 1 to 3 between 2026-01 and 2026-03, highest in 2026-02 (5)."),
            (vec![4, 2, 1], "People fell from 4 to 1 between 2026-01 and 2026-03, highest in 2026-01 (4)."),
            (vec![2, 2, 2], "People stayed at 2 between 2026-01 and 2026-03, highest in 2026-01 (2)."),
            (vec![0, 0, 0], "No people from 2026-01 to 2026-03."),
        ];
        for (totals, want) in cases {
            assert_eq!(trend("people", &labels, &totals), want);
        }
        assert_eq!(trend("people", &[], &[]), "No people yet.");
    }
}
