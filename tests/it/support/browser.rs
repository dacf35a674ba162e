//! A real headless Chromium, driven through ChromeDriver's WebDriver API (plain HTTP and JSON, so the
//! tests need no browser crate): pages are loaded as a browser renders them, elements read with their
//! accessible name and role as Chromium computes them, the window resized to a phone's, and
//! screenshots saved.
//!
//! Debian's `chromium` and `chromium-driver` are installed when missing (as root, with apt-get, as
//! `.ci/run` does), or the tests stop with one line saying what to install.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::packages;
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";
/// WebDriver's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn install() -> Result<(), String> {
    if !packages::can_install() {
        return Err("the browser tests need Chromium and ChromeDriver: apt-get install chromium chromium-driver".into());
    }
    packages::install(&["chromium", "chromium-driver"])
}

/// A browser session; the browser and its driver end when it is dropped.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    client: Client<HttpConnector, Full<Bytes>>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        if !Path::new(CHROMIUM).exists() || !Path::new(DRIVER).exists() {
            install().unwrap_or_else(|why| panic!("{why}"));
        }
        let port = super::free_port();
        let driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let client = Client::builder(TokioExecutor::new()).build_http();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser { driver, addr, session: String::new(), client, _profile: profile };
        let deadline = Instant::now() + Duration::from_secs(30);
        while browser.call("GET", "/status", None).await.map(|s| s["value"]["ready"] == true) != Ok(true) {
            assert!(Instant::now() < deadline, "chromedriver did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = browser._profile.path().display().to_string();
        // No background networking: this machine's network is closed, and Chromium's own calls out
        // would only fail.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            &format!("--user-data-dir={profile}"),
            "--window-size=1280,900",
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let session = browser.call("POST", "/session", Some(capabilities)).await.expect("a browser session");
        browser.session = session["value"]["sessionId"].as_str().expect("a session id").to_owned();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.map(|b| b.to_string()).unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let response = self.client.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        if status.is_success() { Ok(value) } else { Err(format!("{method} {path}: {status} {value}")) }
    }

    async fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body).await.unwrap_or_else(|e| panic!("{e}"))["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({"url": url}))).await;
    }

    /// Every element matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.session_call("POST", "/elements", Some(json!({"using": "css selector", "value": css}))).await;
        found.as_array().unwrap().iter().map(|e| e[ELEMENT].as_str().unwrap().to_owned()).collect()
    }

    /// Elements matching `css` inside element `within`.
    pub async fn find_in(&self, within: &str, css: &str) -> Vec<String> {
        let path = format!("/element/{within}/elements");
        let found = self.session_call("POST", &path, Some(json!({"using": "css selector", "value": css}))).await;
        found.as_array().unwrap().iter().map(|e| e[ELEMENT].as_str().unwrap().to_owned()).collect()
    }

    pub async fn attribute(&self, element: &str, name: &str) -> Option<String> {
        self.session_call("GET", &format!("/element/{element}/attribute/{name}"), None)
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// What the driver says of the element at `what` (after `/element/ID/`), as text.
    async fn element_text(&self, element: &str, what: &str) -> String {
        let value = self.session_call("GET", &format!("/element/{element}/{what}"), None).await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// A DOM property of the element, as text.
    pub async fn property(&self, element: &str, name: &str) -> String {
        self.element_text(element, &format!("property/{name}")).await
    }

    pub async fn text(&self, element: &str) -> String {
        self.element_text(element, "text").await
    }

    /// The element's accessible name, as the browser computes it.
    pub async fn accessible_name(&self, element: &str) -> String {
        self.element_text(element, "computedlabel").await
    }

    /// The element's role, as the browser computes it.
    pub async fn role(&self, element: &str) -> String {
        self.element_text(element, "computedrole").await
    }

    /// Runs `script` in the page (the test's own JavaScript; the pages have none).
    pub async fn run(&self, script: &str) -> Value {
        self.session_call("POST", "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.session_call("POST", "/window/rect", Some(json!({"width": width, "height": height}))).await;
    }

    /// Types `text` into the element and submits its form.
    pub async fn type_into(&self, element: &str, text: &str) {
        self.session_call("POST", &format!("/element/{element}/value"), Some(json!({"text": text}))).await;
    }

    pub async fn click(&self, element: &str) {
        self.session_call("POST", &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    /// Clicks a link or a form's button and waits (up to 10 s) until the page at `path` has loaded:
    /// a click returns before the navigation it starts (a form's POST and its redirect) ends.
    pub async fn click_to(&self, element: &str, path: &str) {
        self.click(element).await;
        let loaded = format!(
            "return location.pathname === {} && document.readyState === 'complete'",
            serde_json::to_string(path).unwrap()
        );
        for _ in 0..200 {
            if self.run(&loaded).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "the click did not lead to {path} within 10 s; the page is at {}",
            self.run("return location.href").await
        );
    }

    /// Saves a screenshot of the page as a PNG; returns its bytes.
    pub async fn screenshot(&self, path: &Path) -> Vec<u8> {
        let shot = self.session_call("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(shot.as_str().unwrap()).unwrap();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, &png).unwrap();
        png
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
