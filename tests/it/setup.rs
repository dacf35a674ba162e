//! Setup mode end to end against the fake GitHub: `serve` with neither a webhook secret nor App
//! credentials refuses webhooks (503) and gives a one-time setup link; the setup pages refuse a
//! missing or wrong token and an unknown state, post the manifest (its addresses on the public URL)
//! to GitHub with a fresh state, refuse before the exchange when the `.env` file cannot be created
//! or exists, say so clearly when the code expired, and otherwise write the App's credentials to a
//! new `.env` (mode 0600) and start receiving and sending as the App at once, without a restart.

use std::os::unix::fs::PermissionsExt;

use ladder::inbound::webhook::signature::{Verification, sign};
use serde_json::Value;

use crate::support::github::{FakeGitHub, MANIFEST_CODE, MANIFEST_WEBHOOK_SECRET, untagged};
use crate::support::{App, Engine, TestDb, fixture_json};

/// HTML's escapes of a form's hidden value, undone.
fn unescape(text: &str) -> String {
    let named = [
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
    ];
    let text = named.iter().fold(text.to_owned(), |t, (from, to)| t.replace(from, to));
    text.replace("&#38;", "&").replace("&amp;", "&")
}

/// The value of `attribute` in the first tag of `html` that holds `marker`.
fn attribute(html: &str, marker: &str, attribute: &str) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker} in {html}"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..at + html[at..].find('>').unwrap()];
    let value = tag.split(&format!("{attribute}=\"")).nth(1).unwrap_or_else(|| panic!("no {attribute} in {tag}"));
    unescape(&value[..value.find('"').unwrap()])
}

/// A fresh state, from the page that registers for the org acme.
async fn new_state(http: &crate::support::Http, token: &str) -> String {
    let page = http.fetch("GET", &format!("/setup/register?token={token}&org=acme"), &[], "").await;
    attribute(&page.body, "method=\"post\"", "action").split("state=").nth(1).unwrap().to_owned()
}

fn comment(body: &str) -> Vec<u8> {
    let mut payload = fixture_json("issue_comment/created.json");
    payload["comment"]["id"] = 4242.into();
    payload["comment"]["user"] = serde_json::json!({"id": 5001, "login": "alice", "type": "User"});
    payload["comment"]["body"] = body.into();
    payload["installation"] = serde_json::json!({"id": 42});
    payload.to_string().into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_registers_the_app_and_the_app_sends_without_a_restart() {
    let github = FakeGitHub::start().await;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("config");
    let env_file = folder.join(".env");
    let url = github.url();
    let env_path = env_file.clone();
    let app = App::start_with(TestDb::new(Engine::Sqlite).await, move |s| {
        s.verification = Verification::NotSetUp;
        s.github_api_url = url;
        s.setup.env_file = env_path;
    })
    .await;
    let http = app.http();
    let link = app.running.setup_link().expect("setup mode gives a link").to_owned();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    assert!(link.starts_with("https://ladder.example.org/setup?token="), "{link}");
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()));

    // Before setup, no delivery is accepted, however it is signed.
    let body = comment("/amp help");
    let headers = [
        ("x-github-event", "issue_comment"),
        ("x-github-delivery", "before-setup"),
        ("content-type", "application/json"),
    ];
    let refused = http.fetch("POST", "/api/github/webhooks", &headers, std::str::from_utf8(&body).unwrap()).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(refused.body.contains("not set up"));

    // The link's token is needed, and only it.
    assert_eq!(http.fetch("GET", "/setup", &[], "").await.status, 403);
    assert_eq!(http.fetch("GET", "/setup?token=0123", &[], "").await.status, 403);
    assert_eq!(http.fetch("GET", &format!("/setup/register?token=x{token}&org=acme"), &[], "").await.status, 403);
    let choose = http.fetch("GET", &format!("/setup?token={token}"), &[], "").await;
    assert_eq!(choose.status, 200);
    assert!(choose.body.contains("action=\"/setup/register\""));

    // Registering for an org: a form that posts the manifest to GitHub with a state; the addresses
    // are on the public URL, whatever the request's headers say.
    let spoofed = [("host", "evil.example"), ("x-forwarded-host", "evil.example")];
    let register = http.fetch("GET", &format!("/setup/register?token={token}&org=acme"), &spoofed, "").await;
    assert_eq!(register.status, 200, "{}", register.body);
    let action = attribute(&register.body, "method=\"post\"", "action");
    assert!(action.starts_with("https://github.example/organizations/acme/settings/apps/new?state="), "{action}");
    let state = action.split("state=").nth(1).unwrap().to_owned();
    assert!(state.len() >= 32);
    let manifest: Value = serde_json::from_str(&attribute(&register.body, "name=\"manifest\"", "value")).unwrap();
    assert_eq!(manifest["hook_attributes"]["url"], "https://ladder.example.org/api/github/webhooks");
    assert_eq!(manifest["redirect_url"], "https://ladder.example.org/setup/manifest-callback");
    assert!(!register.body.contains("evil.example"));
    let personal = http.fetch("GET", &format!("/setup/register?token={token}&org="), &[], "").await;
    assert!(
        attribute(&personal.body, "method=\"post\"", "action")
            .starts_with("https://github.example/settings/apps/new?state=")
    );
    assert_eq!(http.fetch("GET", &format!("/setup/register?token={token}&org=a/b"), &[], "").await.status, 400);

    // GitHub's answer: an unknown state is refused, and a state is used once.
    let callback = |code: &str, state: &str| format!("/setup/manifest-callback?code={code}&state={state}");
    assert_eq!(http.fetch("GET", &callback(MANIFEST_CODE, "forged"), &[], "").await.status, 403);
    assert_eq!(http.fetch("GET", "/setup/manifest-callback?code=x", &[], "").await.status, 400);
    let exchanges = || github.take_calls().into_iter().filter(|c| c.path.starts_with("/app-manifests/")).count();
    // A folder that does not exist: refused before the code is exchanged.
    let unwritable = http.fetch("GET", &callback(MANIFEST_CODE, &state), &[], "").await;
    assert_eq!(unwritable.status, 500, "{}", unwritable.body);
    assert!(unwritable.body.contains("cannot create"), "{}", unwritable.body);
    assert_eq!(exchanges(), 0);
    assert_eq!(http.fetch("GET", &callback(MANIFEST_CODE, &state), &[], "").await.status, 403, "state used");
    // An .env that exists is never overwritten, and the code is not spent.
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(&env_file, "KEEP=me\n").unwrap();
    let exists = http.fetch("GET", &callback(MANIFEST_CODE, &new_state(http, &token).await), &[], "").await;
    assert_eq!(exists.status, 409, "{}", exists.body);
    assert_eq!(std::fs::read_to_string(&env_file).unwrap(), "KEEP=me\n");
    assert_eq!(exchanges(), 0);
    std::fs::remove_file(&env_file).unwrap();
    // An expired (unknown) code: a clear answer, and no file left behind.
    let expired = http.fetch("GET", &callback("stale-code", &new_state(http, &token).await), &[], "").await;
    assert_eq!(expired.status, 502, "{}", expired.body);
    assert!(expired.body.contains("expired or was used"), "{}", expired.body);
    assert!(!env_file.exists());

    // The real thing: credentials written to a new file only this user reads, the App's page next.
    let done = http.fetch("GET", &callback(MANIFEST_CODE, &new_state(http, &token).await), &[], "").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("https://github.example/apps/ladder-test/installations/new"));
    assert!(!done.body.contains("PRIVATE KEY") && !done.body.contains(MANIFEST_WEBHOOK_SECRET));
    let mode = std::fs::metadata(&env_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let vars = ladder_core::env_file::parse(".env", &std::fs::read_to_string(&env_file).unwrap()).unwrap();
    assert_eq!(vars["APP_ID"], crate::support::github::APP_ID.to_string());
    assert_eq!(vars["WEBHOOK_SECRET"], MANIFEST_WEBHOOK_SECRET);
    assert!(vars["PRIVATE_KEY"].starts_with("-----BEGIN"));
    assert_eq!(http.fetch("GET", &format!("/setup?token={token}"), &[], "").await.status, 404, "set up");

    // Without a restart: a delivery signed with the new secret is taken, and its reply sent as the App.
    let body = comment("/amp help");
    let signature = sign(MANIFEST_WEBHOOK_SECRET, &body);
    let headers = [
        ("x-github-event", "issue_comment"),
        ("x-github-delivery", "after-setup"),
        ("content-type", "application/json"),
        ("x-hub-signature-256", signature.as_str()),
    ];
    let taken = http.fetch("POST", "/api/github/webhooks", &headers, std::str::from_utf8(&body).unwrap()).await;
    assert_eq!(taken.status, 202, "{}", taken.body);
    let entries = app.outbox_settled(1).await;
    assert_eq!(entries[0].state, "sent", "{entries:?}");
    let posted: Vec<_> =
        github.take_calls().into_iter().filter(|c| c.method == "POST" && c.path.ends_with("/comments")).collect();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].auth, "token");
    assert!(untagged(posted[0].body["body"].as_str().unwrap()).contains("/amp"));
    app.running.stop().await;
}
