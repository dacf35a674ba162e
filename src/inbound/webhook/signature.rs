//! GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
//!
//! Owns: the configured secrets (the current one, and while rotating the previous one, so a secret can
//! be changed without downtime) and the constant-time check of a signature header against them. Each
//! secret is taken whole: a comma is part of a secret, never a separator.
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

/// Shorter secrets are accepted, with a warning: GitHub suggests a long random one.
pub const SHORT_SECRET: usize = 16;

/// The secrets a delivery may be signed with: the current one, and the previous one while rotating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets(Vec<Secret>);

impl Secrets {
    /// The current secret, taken whole, and the previous one if given. `None` when the current one is
    /// empty; an empty previous one is none.
    pub fn new(current: &str, previous: Option<&str>) -> Option<Secrets> {
        let secret = |s: &str| Secret(s.as_bytes().to_vec());
        if current.is_empty() {
            return None;
        }
        let previous = previous.filter(|p| !p.is_empty()).map(secret);
        Some(Secrets([secret(current)].into_iter().chain(previous).collect()))
    }

    /// What an operator should hear about `current` before relying on it: a comma (the old
    /// comma-separated form of rotation), or a length under [`SHORT_SECRET`] bytes.
    pub fn warnings(current: &str) -> Vec<String> {
        let mut warnings = Vec::new();
        if current.contains(',') {
            warnings.push(
                "WEBHOOK_SECRET holds a comma: it is one secret, taken whole, comma included. To rotate, put \
                 the new secret in WEBHOOK_SECRET and the old one in LADDER_WEBHOOK_SECRET_PREVIOUS"
                    .to_owned(),
            );
        }
        if current.trim() != current {
            warnings.push(
                "WEBHOOK_SECRET begins or ends with white space, which is part of it: check that the App's \
                 secret has it too"
                    .to_owned(),
            );
        }
        if current.len() < SHORT_SECRET {
            warnings.push(format!(
                "WEBHOOK_SECRET is shorter than {SHORT_SECRET} bytes: anyone who guesses it can forge deliveries; \
                 set a long random one on the App and here"
            ));
        }
        warnings
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

/// How deliveries are authenticated.
#[derive(Debug, Clone)]
pub enum Verification {
    Secrets(Secrets),
    /// `--insecure-no-verify`: every delivery is accepted.
    Disabled,
    /// Setup mode: no App is registered yet, so no delivery is accepted (503).
    NotSetUp,
}

/// The verification in force; the setup flow replaces [`Verification::NotSetUp`] with the new App's
/// secret while the app runs. Cheap to clone and to read.
#[derive(Debug, Clone)]
pub struct Verifier(std::sync::Arc<std::sync::RwLock<std::sync::Arc<Verification>>>);

impl Verifier {
    pub fn new(verification: Verification) -> Verifier {
        Verifier(std::sync::Arc::new(std::sync::RwLock::new(std::sync::Arc::new(verification))))
    }

    pub fn current(&self) -> std::sync::Arc<Verification> {
        std::sync::Arc::clone(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn set(&self, verification: Verification) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = std::sync::Arc::new(verification);
    }
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
    use ladder_core::rng::Rng;

    const VECTOR_SECRET: &str = "It's a Secret to Everybody";
    const VECTOR_BODY: &[u8] = b"Hello, World!";
    const VECTOR_SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_official_test_vector() {
        assert_eq!(sign(VECTOR_SECRET, VECTOR_BODY), VECTOR_SIGNATURE);
        let secrets = Secrets::new(VECTOR_SECRET, None).unwrap();
        assert_eq!(secrets.verify(Some(VECTOR_SIGNATURE.as_bytes()), VECTOR_BODY), Ok(()));
    }

    type Case<'a> = (&'a str, Option<&'a str>, &'a [u8], Result<(), SignatureError>);

    #[test]
    fn verification_table() {
        let secrets = Secrets::new("new-secret", Some(VECTOR_SECRET)).unwrap();
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
    fn a_secret_is_taken_whole_and_never_prints() {
        assert_eq!(Secrets::new("", Some("old")), None);
        let body = b"{}";
        let secrets = Secrets::new("long-random,7", None).unwrap();
        assert_eq!(secrets.len(), 1);
        let header = |secret: &str| sign(secret, body).into_bytes();
        assert_eq!(secrets.verify(Some(&header("long-random,7")), body), Ok(()));
        assert_eq!(secrets.verify(Some(&header("7")), body), Err(SignatureError::Mismatch), "a comma splits nothing");
        assert_eq!(secrets.verify(Some(&header("long-random")), body), Err(SignatureError::Mismatch));
        assert_eq!(Secrets::new("new", Some("")).unwrap().len(), 1, "an empty previous secret is none");
        let secrets = Secrets::new("hunter2", Some("hunter1")).unwrap();
        assert!(!format!("{secrets:?}").contains("hunter"));
    }

    #[test]
    fn warnings_about_a_secret() {
        let cases: [(&str, &[&str]); 4] = [
            ("a-long-random-secret-0123456789", &[]),
            ("a-long-random-secret-0123456789\n", &["white space"]),
            ("long-random-secret,7", &["LADDER_WEBHOOK_SECRET_PREVIOUS"]),
            ("short,one", &["LADDER_WEBHOOK_SECRET_PREVIOUS", "shorter than 16 bytes"]),
        ];
        for (secret, expected) in cases {
            let warnings = Secrets::warnings(secret);
            assert_eq!(warnings.len(), expected.len(), "{secret}: {warnings:?}");
            for (warning, needle) in warnings.iter().zip(expected) {
                assert!(warning.contains(needle) && !warning.contains(secret), "{warning}");
            }
        }
    }

    /// Over 2,000 damaged headers and bodies (a seeded generator, so a failure names its seed), none
    /// panics and only the right signature, or the previous secret's, passes.
    #[test]
    fn signatures_never_panic_and_only_the_right_one_passes() {
        let secrets = Secrets::new("a-long-random-secret", Some("the-old-one")).unwrap();
        let good = b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        for seed in 1..=2000u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let body = rng.damage(br#"{"action":"opened"}"#);
            let header = rng.damage(good);
            let right = sign("a-long-random-secret", &body);
            assert!(secrets.verify(Some(&header), &body).is_err() || header == right.as_bytes(), "seed {seed}");
            assert!(secrets.verify(Some(right.as_bytes()), &body).is_ok(), "seed {seed}");
            assert!(secrets.verify(Some(sign("the-old-one", &body).as_bytes()), &body).is_ok(), "seed {seed}");
        }
    }
}
