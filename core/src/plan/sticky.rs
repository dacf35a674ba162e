//! The sticky comment: the one comment of the app's on an issue or PR that it keeps up to date
//! (the readiness comment), found by the marker it starts with.
//!
//! Owns: [`ours`], which picks the app's comment out of a page of an issue's comments (written by the
//! app's own account and starting with the marker: someone else's comment that quotes the marker is
//! never taken for it), and [`decide`], whether that comment is left as it is, edited, or a new one
//! posted.
//!
//! Never does: I/O. The GitHub client lists the comments page by page and carries out the move.

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
/// posted.
pub fn decide(found: Option<(i64, &str)>, body: &str) -> Move {
    match found {
        Some((id, text)) if text == body => Move::Leave(id),
        Some((id, _)) => Move::Edit(id),
        None => Move::Post,
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
    }
}
