//! Whether a nested list came back whole, and what to ask for when it did not.
//!
//! GitHub can return a nested connection short without an error (kubevirt/ci-health saw empty
//! `timelineItems` when many PRs were selected), so every nested list is compared with its
//! `totalCount`. A list whose page is full but has more is continued from its cursor; a list that came
//! back short of what it should hold is fetched again from its start.
//!
//! Owns: [`Gap`], [`of_pull`], [`of_issue`] and [`is_whole`].
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::view::PageInfo;

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
