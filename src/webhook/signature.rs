//! GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
//!
//! Owns: the configured secrets (several at once, so a secret can be rotated without downtime) and the
//! constant-time check of a signature header against them.
//!
//! Never does: read requests or log anything; a [`Secret`] never prints its value.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// One webhook secret. Its `Debug` output is redacted so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The secrets a delivery may be signed with. Empty entries are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets(Vec<Secret>);

impl Secrets {
    /// Parses a comma-separated list, as in `WEBHOOK_SECRET=new,old`. Returns `None` when no secret
    /// remains after trimming.
    pub fn from_list(list: &str) -> Option<Secrets> {
        let secrets: Vec<Secret> =
            list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Secret(s.as_bytes().to_vec())).collect();
        (!secrets.is_empty()).then_some(Secrets(secrets))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks `header` (the value of `X-Hub-Signature-256`) over `body` against every secret, each in
    /// constant time.
    pub fn verify(&self, header: Option<&[u8]>, body: &[u8]) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let hex = header.strip_prefix(b"sha256=").ok_or(SignatureError::Malformed)?;
        let mut expected = [0u8; 32];
        hex::decode_to_slice(hex, &mut expected).map_err(|_| SignatureError::Malformed)?;
        let matched = self.0.iter().any(|secret| {
            let mut mac = HmacSha256::new_from_slice(&secret.0).expect("HMAC accepts keys of any length");
            mac.update(body);
            mac.verify_slice(&expected).is_ok()
        });
        if matched { Ok(()) } else { Err(SignatureError::Mismatch) }
    }
}

/// Why a delivery's signature was refused. Each message says what the sender should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error(
        "missing X-Hub-Signature-256 header: set a webhook secret on the GitHub App (SHA-1 X-Hub-Signature alone is not accepted)"
    )]
    Missing,
    #[error("malformed X-Hub-Signature-256 header: expected `sha256=` followed by 64 hex digits")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match: the App's webhook secret differs from WEBHOOK_SECRET")]
    Mismatch,
}

/// Computes the header value GitHub would send for `body` signed with `secret`. Used by `replay`,
/// tests and the benchmark to sign deliveries they make.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_SECRET: &str = "It's a Secret to Everybody";
    const VECTOR_BODY: &[u8] = b"Hello, World!";
    const VECTOR_SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_official_test_vector() {
        assert_eq!(sign(VECTOR_SECRET, VECTOR_BODY), VECTOR_SIGNATURE);
        let secrets = Secrets::from_list(VECTOR_SECRET).unwrap();
        assert_eq!(secrets.verify(Some(VECTOR_SIGNATURE.as_bytes()), VECTOR_BODY), Ok(()));
    }

    type Case<'a> = (&'a str, Option<&'a str>, &'a [u8], Result<(), SignatureError>);

    #[test]
    fn verification_table() {
        let secrets = Secrets::from_list(&format!("new-secret, {VECTOR_SECRET}")).unwrap();
        let upper = VECTOR_SIGNATURE.to_ascii_uppercase().replace("SHA256=", "sha256=");
        let cases: [Case; 9] = [
            ("rotated: old secret still accepted", Some(VECTOR_SIGNATURE), VECTOR_BODY, Ok(())),
            ("hex digits in upper case", Some(&upper), VECTOR_BODY, Ok(())),
            ("missing", None, VECTOR_BODY, Err(SignatureError::Missing)),
            (
                "sha1 form",
                Some("sha1=0123456789abcdef0123456789abcdef01234567"),
                VECTOR_BODY,
                Err(SignatureError::Malformed),
            ),
            ("no prefix", Some(&VECTOR_SIGNATURE[7..]), VECTOR_BODY, Err(SignatureError::Malformed)),
            ("short hex", Some("sha256=7571"), VECTOR_BODY, Err(SignatureError::Malformed)),
            ("not hex", Some(&VECTOR_SIGNATURE.replace('7', "z")), VECTOR_BODY, Err(SignatureError::Malformed)),
            ("body changed", Some(VECTOR_SIGNATURE), b"Hello, World?", Err(SignatureError::Mismatch)),
            ("empty header", Some(""), VECTOR_BODY, Err(SignatureError::Malformed)),
        ];
        for (name, header, body, expected) in cases {
            assert_eq!(secrets.verify(header.map(str::as_bytes), body), expected, "{name}");
        }
    }

    #[test]
    fn a_list_of_blanks_is_no_secret_and_secrets_never_print() {
        assert_eq!(Secrets::from_list(" , ,"), None);
        let secrets = Secrets::from_list("hunter2").unwrap();
        assert!(!format!("{secrets:?}").contains("hunter2"));
    }
}
