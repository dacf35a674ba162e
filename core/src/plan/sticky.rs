//! The sticky comment: the one comment of the app's on an issue or PR that it keeps up to date
//! (the readiness comment), found by the marker it starts with.
//!
//! Owns: [`ours`], which picks the app's comment out of a page of an issue's comments (written by the
//! app's own account and starting with the marker: someone else's comment that quotes the marker is
//! never taken for it), and [`decide`], whether that comment is left as it is, edited, or a new one
//! posted.
//!
//! Never does: I/O. The GitHub client lists the comments page by page and carries out the move.

use crate::text::reply::{NEXT_STEPS, NEXT_STEPS_END};

/// A comment as GitHub lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment<'a> {
    pub id: i64,
    pub author: &'a str,
    pub body: &'a str,
}

/// What to do about the sticky comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// It already says this: leave comment `id` alone (no edit, no notification).
    Leave(i64),
    /// It says something else: edit comment `id`.
    Edit(i64),
    /// There is none: post one.
    Post,
}

impl Comment<'_> {
    /// Whether the app wrote it: its author is the app's login `me` (GitHub's logins ignore case).
    pub fn by(&self, me: &str) -> bool {
        self.author.eq_ignore_ascii_case(me)
    }
}

/// The app's comment starting with `marker` among `comments`, where `me` is the app's login.
pub fn ours<'a>(comments: &[Comment<'a>], me: &str, marker: &str) -> Option<Comment<'a>> {
    comments.iter().copied().find(|c| c.by(me) && c.body.starts_with(marker))
}

/// Whether the comment found (its id and text, if any) is left, edited to `body`, or a new one
/// posted. Texts that differ only between [`NEXT_STEPS`] and [`NEXT_STEPS_END`] count as the same:
/// fresher suggestions ride along with an edit made anyway, and never cost one of their own.
pub fn decide(found: Option<(i64, &str)>, body: &str) -> Move {
    match found {
        Some((id, text)) if lasting(text) == lasting(body) => Move::Leave(id),
        Some((id, _)) => Move::Edit(id),
        None => Move::Post,
    }
}

/// A text without its next-steps block (and the line break before and after it).
fn lasting(text: &str) -> std::borrow::Cow<'_, str> {
    let block = text.find(NEXT_STEPS).and_then(|start| {
        let end = text[start..].find(NEXT_STEPS_END)? + start + NEXT_STEPS_END.len();
        let start = if text[..start].ends_with('\n') { start - 1 } else { start };
        let end = if text[end..].starts_with('\n') { end + 1 } else { end };
        Some((start, end))
    });
    match block {
        Some((start, end)) => format!("{}{}", &text[..start], &text[end..]).into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "amp-ladder[bot]";
    const MARKER: &str = "<!-- amp:readiness -->";

    fn comment(id: i64, author: &'static str, body: &'static str) -> Comment<'static> {
        Comment { id, author, body }
    }

    #[test]
    fn the_apps_own_comment_with_the_marker_is_found_and_nobody_elses() {
        let quoted = "<!-- amp:readiness --> quoted by a person";
        let cases: Vec<(&str, Vec<Comment>, Option<i64>)> = vec![
            ("none at all", vec![], None),
            ("another's comment quoting the marker", vec![comment(1, "alice", quoted)], None),
            ("ours without the marker", vec![comment(2, ME, "thanks!")], None),
            ("ours with the marker", vec![comment(1, "alice", quoted), comment(3, ME, MARKER)], Some(3)),
            ("the login's case differs", vec![comment(4, "AMP-Ladder[bot]", MARKER)], Some(4)),
            ("the first of two", vec![comment(5, ME, MARKER), comment(6, ME, MARKER)], Some(5)),
            ("the marker not at the start", vec![comment(7, ME, "see <!-- amp:readiness -->")], None),
        ];
        for (case, comments, expected) in cases {
            assert_eq!(ours(&comments, ME, MARKER).map(|c| c.id), expected, "{case}");
        }
    }

    #[test]
    fn a_comment_is_left_edited_or_posted() {
        let body = "<!-- amp:readiness -->\nready for committer";
        let cases = [
            ("none: post one", None, Move::Post),
            ("same text: leave it", Some((1, "<!-- amp:readiness -->\nready for committer")), Move::Leave(1)),
            ("other text: edit it", Some((2, "<!-- amp:readiness -->\nnot yet")), Move::Edit(2)),
        ];
        for (case, found, expected) in cases {
            assert_eq!(decide(found, body), expected, "{case}");
        }
        let body = "<!-- amp:readiness -->\nready\n\n<!-- amp:next -->\n- a#1\n<!-- /amp:next -->\n\nfooter";
        let cases = [
            (
                "only the next steps differ: leave it",
                Some((3, "<!-- amp:readiness -->\nready\n\n<!-- amp:next -->\n- b#2\n<!-- /amp:next -->\n\nfooter")),
                Move::Leave(3),
            ),
            ("it had none: leave it", Some((4, "<!-- amp:readiness -->\nready\n\nfooter")), Move::Leave(4)),
            (
                "the standing differs too: edit it",
                Some((5, "<!-- amp:readiness -->\nnot yet\n\n<!-- amp:next -->\n- a#1\n<!-- /amp:next -->\n\nfooter")),
                Move::Edit(5),
            ),
            (
                "the footer differs: edit it",
                Some((6, "<!-- amp:readiness -->\nready\n\n<!-- amp:next -->\n- a#1\n<!-- /amp:next -->\n\nother")),
                Move::Edit(6),
            ),
        ];
        for (case, found, expected) in cases {
            assert_eq!(decide(found, body), expected, "{case}");
        }
    }
}
