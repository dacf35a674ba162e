//! Whether a nested list came back whole, and what to ask for when it did not.
//!
//! GitHub can return a nested connection short without an error (kubevirt/ci-health saw empty
//! `timelineItems` when many PRs were selected), so every nested list is compared with its
//! `totalCount`. A list whose page is full but has more is continued from its cursor; a list that came
//! back short of what it should hold is fetched again from its start.
//!
//! The lists of what an open item is now (labels, assignees, review requests) are checked the same
//! way: one that is not whole has its item read again on its own ([`now_is_short`]).
//!
//! Owns: [`Gap`], [`of_pull`], [`of_issue`], [`now_is_short`] and [`is_whole`].
//!
//! Never does: fetch (the shell's backfill runner asks the follow-up queries).

use super::query::Nested;
use super::view::{self, Connection};

/// A nested list of one item that needs a follow-up query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub nested: Nested,
    /// Where to continue: the cursor after a full page, or None to fetch the list again from its start.
    pub after: Option<String>,
}

/// Whether `list` holds every item it says it has, with no page after it.
pub fn is_whole<T>(list: &Connection<T>) -> bool {
    !list.page_info.has_next_page && list.nodes.len() as i64 >= list.total_count.unwrap_or(0)
}

fn gap<T>(nested: Nested, list: Option<&Connection<T>>, first: usize) -> Option<Gap> {
    let list = list?;
    if is_whole(list) {
        return None;
    }
    let full_page = list.nodes.len() >= first;
    let after = (list.page_info.has_next_page && full_page).then(|| list.page_info.end_cursor.clone()).flatten();
    Some(Gap { nested, after })
}

/// The nested lists of a pull request, as the page query asked for them, that need a follow-up.
pub fn of_pull(pull: &view::Pull) -> Vec<Gap> {
    use super::query::{NESTED_PAGE, REVIEWS_PER_PULL};
    [
        gap(Nested::PullFiles, pull.files.as_ref(), NESTED_PAGE),
        gap(Nested::PullReviews, pull.reviews.as_ref(), REVIEWS_PER_PULL),
        gap(Nested::PullTimeline, Some(&pull.timeline_items), NESTED_PAGE),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The timeline of an issue, when it needs a follow-up.
pub fn of_issue(issue: &view::Issue) -> Vec<Gap> {
    gap(Nested::IssueTimeline, Some(&issue.timeline_items), super::query::NESTED_PAGE).into_iter().collect()
}

/// Whether an open item's labels, assignees or review requests came back short (or longer than a
/// page), so the item is read again on its own. A closed item's are not used, and never short.
pub fn now_is_short(now: &view::Now) -> bool {
    fn short<T>(list: Option<&Connection<T>>) -> bool {
        list.is_some_and(|l| !is_whole(l))
    }
    now.is_open()
        && (short(now.labels.as_ref()) || short(now.assignees.as_ref()) || short(now.review_requests.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::view::PageInfo;

    #[test]
    fn an_open_items_lists_are_checked_and_a_closed_ones_are_not() {
        let labels = |nodes: usize, total: i64| Connection {
            total_count: Some(total),
            page_info: PageInfo::default(),
            nodes: (0..nodes).map(|i| Some(view::Label { id: format!("L{i}"), name: format!("l{i}") })).collect(),
        };
        let now = |state: &str, labels| view::Now { state: state.into(), labels: Some(labels), ..view::Now::default() };
        assert!(!now_is_short(&now("OPEN", labels(2, 2))));
        assert!(now_is_short(&now("OPEN", labels(0, 2))));
        assert!(!now_is_short(&now("CLOSED", labels(0, 2))));
        assert!(!now_is_short(&now("MERGED", labels(0, 2))));
        assert!(!now_is_short(&view::Now { state: "OPEN".into(), ..view::Now::default() }));
    }

    fn list(nodes: usize, total: i64, next: bool) -> Connection<u8> {
        Connection {
            total_count: Some(total),
            page_info: PageInfo { has_next_page: next, end_cursor: Some("c".into()) },
            nodes: vec![Some(0); nodes],
        }
    }

    #[test]
    fn gaps_table() {
        let cases = [
            // (nodes returned, totalCount, hasNextPage, first) -> gap?, continue after the cursor?
            ((0, 0, false, 100), None),
            ((3, 3, false, 100), None),
            ((100, 100, false, 100), None),
            ((100, 250, true, 100), Some(Some("c"))),
            // Short without saying so: fetch again from the start.
            ((0, 7, false, 100), Some(None)),
            ((45, 60, false, 100), Some(None)),
            // Short and says there is more: the page itself is short, so start over.
            ((20, 250, true, 100), Some(None)),
            // Says whole, but fewer than the total that fits in a page.
            ((50, 80, false, 50), Some(None)),
        ];
        for ((nodes, total, next, first), want) in cases {
            let got = gap(Nested::PullTimeline, Some(&list(nodes, total, next)), first);
            let want =
                want.map(|after: Option<&str>| Gap { nested: Nested::PullTimeline, after: after.map(Into::into) });
            assert_eq!(got, want, "nodes {nodes}, total {total}, next {next}, first {first}");
        }
    }
}
