//! GitHub's global node ids, read back to the numeric database id they carry.
//!
//! Owns: [`database_id`]. GitHub writes a node id in one of two formats (see `HISTORY.md`): the
//! legacy one, standard base64 of `"<len>:<Type><id>"` (`MDU6TGFiZWwxMzYyOTM0Mzg5` is
//! `05:Label1362934389`), and the current one (sent when a request carries
//! `X-Github-Next-Global-ID: 1`, and what new objects get everywhere), a type prefix and URL-safe
//! base64 without padding of a MessagePack array whose last element is the database id
//! (`LA_kwDOHn2tT88AAAABAKmcKQ` is `[0, 511552847, 4306082857]`). Both carry the id webhooks name the
//! object by, which is how a GraphQL object that has no `databaseId` field (a label) meets its
//! webhook twin.
//!
//! Never does: guess. An id in neither format, or one whose payload does not parse, reads `None`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// The database id a node id carries, in either of GitHub's formats; `None` for anything else.
pub fn database_id(node_id: &str) -> Option<i64> {
    match node_id.split_once('_') {
        Some((prefix, payload)) if is_type_prefix(prefix) => current(payload),
        _ => legacy(node_id),
    }
}

fn is_type_prefix(prefix: &str) -> bool {
    (1..=4).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_alphabetic())
}

/// `"<len>:<Type><digits>"`: the digits after the type name.
fn legacy(node_id: &str) -> Option<i64> {
    let text = String::from_utf8(STANDARD.decode(node_id).ok()?).ok()?;
    let (len, rest) = text.split_once(':')?;
    let type_len: usize = len.parse().ok()?;
    let digits = rest.get(type_len..)?;
    if !rest.get(..type_len)?.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    digits.bytes().all(|b| b.is_ascii_digit()).then(|| digits.parse().ok())?
}

/// A MessagePack array of unsigned integers: its last element.
fn current(payload: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let (&head, mut rest) = bytes.split_first()?;
    let len = match head {
        0x90..=0x9f => usize::from(head & 0x0f),
        _ => return None,
    };
    let mut last = None;
    for _ in 0..len {
        let (value, tail) = unsigned(rest)?;
        last = Some(value);
        rest = tail;
    }
    if !rest.is_empty() {
        return None;
    }
    i64::try_from(last?).ok()
}

/// One MessagePack unsigned integer and what follows it.
fn unsigned(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let width = match tag {
        0x00..=0x7f => return Some((u64::from(tag), rest)),
        0xcc => 1,
        0xcd => 2,
        0xce => 4,
        0xcf => 8,
        _ => return None,
    };
    let (value, rest) = rest.split_at_checked(width)?;
    Some((value.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)), rest))
}

#[cfg(test)]
mod tests {
    use super::database_id;

    #[test]
    fn node_ids_read_back_to_the_ids_webhooks_carry() {
        // The first four are the `label.node_id` and `label.id` of webhook fixtures.
        let cases: &[(&str, Option<i64>)] = &[
            ("MDU6TGFiZWwxMzYyOTM0Mzg5", Some(1_362_934_389)),
            ("LA_kwDOHn2tT88AAAABAKmcKQ", Some(4_306_082_857)),
            ("LA_kwDOHn2tT88AAAABARlXRg", Some(4_313_405_254)),
            // A repository's current id: [0, 1296269] with a uint32.
            ("R_kgDOABPHjQ", Some(1_296_269)),
            // Small ids are positive fixints.
            ("LA_kgAH", Some(7)),
            ("", None),
            ("not base64!", None),
            // Base64 of "05:Label" (no digits) and of "05:Lab12" (type name too short).
            ("MDU6TGFiZWw=", None),
            ("MDU6TGFiMTI=", None),
            // An array holding a string, and one with bytes left over.
            ("LA_kaFh", None),
            ("LA_kQcH", None),
        ];
        for (node_id, want) in cases {
            assert_eq!(database_id(node_id), *want, "{node_id}");
        }
    }
}
