//! The GitHub App's manifest (`app-manifest.yml`), filled in for a deployment.
//!
//! Owns: [`fill`], which reads the manifest and points every `https://example.com` address in it
//! (the App's page, the webhook, the setup and redirect addresses) at the deployment's public URL, as
//! the JSON GitHub's manifest flow takes.
//!
//! Never does: choose the public URL (the operator sets `LADDER_PUBLIC_URL`; request headers never
//! do) or talk to GitHub.

use serde_json::Value;

/// The placeholder the manifest's addresses start with.
pub const PLACEHOLDER: &str = "https://example.com";

/// Why the manifest cannot be filled in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("app-manifest.yml does not read: {0}")]
    Unreadable(String),
    #[error(
        "the public URL `{0}` should be an https:// (or http://) address without a path, like https://ladder.example.org"
    )]
    BadUrl(String),
}

fn replace(value: &mut Value, base: &str) {
    match value {
        Value::String(text) if text.starts_with(PLACEHOLDER) => *text = format!("{base}{}", &text[PLACEHOLDER.len()..]),
        Value::Array(items) => items.iter_mut().for_each(|v| replace(v, base)),
        Value::Object(map) => map.values_mut().for_each(|v| replace(v, base)),
        _ => {}
    }
}

/// The manifest as JSON, its addresses on `public_url`.
pub fn fill(yaml: &str, public_url: &str) -> Result<Value, ManifestError> {
    let base = public_url.trim_end_matches('/');
    let scheme_ok = base.starts_with("https://") || base.starts_with("http://");
    let host = base.split_once("://").map(|(_, rest)| rest).unwrap_or_default();
    if !scheme_ok || host.is_empty() || host.contains('/') || host.contains(char::is_whitespace) {
        return Err(ManifestError::BadUrl(public_url.to_owned()));
    }
    let mut manifest: Value = serde_saphyr::from_str(yaml).map_err(|e| ManifestError::Unreadable(e.to_string()))?;
    replace(&mut manifest, base);
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "name: ladder\nurl: https://example.com\nhook_attributes:\n  url: https://example.com/api/github/webhooks\nredirect_url: https://example.com/setup/manifest-callback\ndefault_events: [push]\n";

    #[test]
    fn every_address_points_at_the_deployment() {
        let m = fill(MANIFEST, "https://ladder.example.org/").unwrap();
        assert_eq!(m["url"], "https://ladder.example.org");
        assert_eq!(m["hook_attributes"]["url"], "https://ladder.example.org/api/github/webhooks");
        assert_eq!(m["redirect_url"], "https://ladder.example.org/setup/manifest-callback");
        assert_eq!(m["default_events"][0], "push");
        for bad in ["ladder.example.org", "https://", "https://a.org/path", "ftp://a.org", "https://a b"] {
            assert_eq!(fill(MANIFEST, bad), Err(ManifestError::BadUrl(bad.into())), "{bad}");
        }
    }

    #[test]
    fn the_shipped_manifest_fills_in() {
        let shipped = include_str!("../../app-manifest.yml");
        let m = fill(shipped, "https://x.org").unwrap();
        assert!(!m.to_string().contains(PLACEHOLDER));
        assert_eq!(m["hook_attributes"]["url"], "https://x.org/api/github/webhooks");
        assert_eq!(m["redirect_url"], "https://x.org/setup/manifest-callback");
    }
}
