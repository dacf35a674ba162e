//! Registering the App from its manifest: the one call of GitHub's manifest flow, exchanging the code
//! GitHub sent the browser back with for the new App's id, private key and webhook secret.
//!
//! Owns: [`convert`] (`POST /app-manifests/{code}/conversions`, which needs no credentials) and
//! [`Registered`], whose `Debug` never shows the key or the secret.
//!
//! Never does: keep the credentials (the setup flow writes them) or decide anything.

use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;

use super::verdict::Verdict;
use super::{answer, path_segment};

/// What GitHub answers for a registered App.
#[derive(Clone, serde::Deserialize)]
pub struct Registered {
    pub id: u64,
    pub slug: String,
    /// The App's page, for the next step (installing it).
    pub html_url: String,
    pub pem: String,
    pub webhook_secret: String,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .field("html_url", &self.html_url)
            .field("pem", &"<redacted>")
            .field("webhook_secret", &"<redacted>")
            .finish()
    }
}

/// Exchanges a manifest flow's `code` at `api_url` for the new App's credentials.
pub async fn convert(api_url: &str, code: &str) -> Result<Registered, Verdict> {
    let client = Octocrab::builder()
        .base_uri(api_url)
        .map_err(|e| Verdict::refused(e.to_string()))?
        .add_retry_config(RetryConfig::None)
        .set_connect_timeout(Some(std::time::Duration::from_secs(30)))
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .build()
        .map_err(|e| Verdict::refused(e.to_string()))?;
    let path = format!("/app-manifests/{}/conversions", path_segment(code));
    let text = answer(client._post(path, None::<&()>).await).await.0?;
    serde_json::from_str(&text).map_err(|e| Verdict::refused(format!("GitHub's answer does not read as an App: {e}")))
}
