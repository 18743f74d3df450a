//! A headless Chromium driven over the W3C WebDriver protocol (Debian's chromium + chromedriver).
//! The protocol is JSON over HTTP and we need a dozen calls, so this speaks it with the reqwest
//! client the tests already use instead of adding a second HTTP stack (fantoccini/thirtyfour).

use super::{free_port, wait_for};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};

/// A WebDriver error answer: its W3C error code ("no such element", …) and message.
#[derive(Debug)]
pub struct WebDriverError {
    pub error: String,
    pub message: String,
}

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed");
        let base = format!("http://127.0.0.1:{port}");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let client = reqwest::Client::new();
        wait_for(30, "chromedriver to listen", || std::net::TcpStream::connect(("127.0.0.1", port)).ok().map(|_| ()));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US"]
        }}}});
        let resp: Value = rt.block_on(async {
            client.post(format!("{base}/session")).json(&caps).send().await.expect("new session").json().await.expect("json")
        });
        let session = resp["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {resp}")).to_string();
        Browser { driver, base, session, rt, client }
    }

    /// One WebDriver command. A W3C error answer (`{"value":{"error","message"}}`, HTTP 4xx/5xx)
    /// is returned as `Err`, never read as an empty value.
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, WebDriverError> {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        self.rt.block_on(async {
            let mut r = self.client.request(method.parse().expect("HTTP method"), url);
            if let Some(b) = body {
                r = r.json(&b);
            } else if method == "POST" {
                r = r.json(&json!({}));
            }
            let resp = r.send().await.map_err(|e| WebDriverError { error: "unreachable".into(), message: e.to_string() })?;
            let status = resp.status();
            let v: Value = resp.json().await.map_err(|e| WebDriverError { error: "not json".into(), message: e.to_string() })?;
            let value = v["value"].clone();
            match value.get("error").and_then(Value::as_str) {
                Some(error) => {
                    Err(WebDriverError { error: error.to_string(), message: value["message"].as_str().unwrap_or_default().to_string() })
                }
                None if !status.is_success() => Err(WebDriverError { error: status.to_string(), message: v.to_string() }),
                None => Ok(value),
            }
        })
    }

    /// `try_call` for commands that must work: a WebDriver error fails the test with its words.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body).unwrap_or_else(|e| panic!("WebDriver {method} {path}: {} ({})", e.error, e.message))
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    /// Runs a script in the page and returns its value.
    pub fn js(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    /// The element matching `css`, or None when there is none yet; any other error fails the test.
    pub fn find(&self, css: &str) -> Option<String> {
        match self.try_call("POST", "/element", Some(json!({"using": "css selector", "value": css}))) {
            Ok(v) => {
                Some(v.get(ELEMENT).and_then(|e| e.as_str()).unwrap_or_else(|| panic!("WebDriver element without an id: {v}")).to_string())
            }
            Err(e) if e.error == "no such element" => None,
            Err(e) => panic!("WebDriver find {css}: {} ({})", e.error, e.message),
        }
    }

    pub fn wait_find(&self, css: &str) -> String {
        wait_for(20, &format!("element {css}"), || self.find(css))
    }

    /// Runs a WebDriver command on the element matching `css`, finding it again when the page
    /// replaced it meanwhile (live refresh re-renders parts of a page): only "stale element" and
    /// "not found yet" are retried, until the deadline; any other error fails the test.
    fn on_element(&self, css: &str, method: &str, action: &str, body: Option<Value>) -> Value {
        wait_for(20, &format!("element {css} to {action}"), || {
            let e = self.find(css)?;
            match self.try_call(method, &format!("/element/{e}/{action}"), body.clone()) {
                Ok(v) => Some(v),
                Err(err) if err.error == "stale element reference" => None,
                Err(err) => panic!("WebDriver {action} on {css}: {} ({})", err.error, err.message),
            }
        })
    }

    pub fn click(&self, css: &str) {
        self.on_element(css, "POST", "click", None);
    }

    pub fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, "POST", "value", Some(json!({"text": text})));
    }

    /// The rendered text of the element matching `css` now, or "" when there is none (read in
    /// one step in the page, so a live refresh cannot swap the element in between).
    pub fn text(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "var e = document.querySelector(arguments[0]); return e ? e.innerText : '';", "args": [css]})),
        );
        v.as_str().unwrap_or_default().to_string()
    }

    pub fn page_source(&self) -> String {
        self.call("GET", "/source", None).as_str().unwrap_or_default().to_string()
    }

    /// A PNG screenshot of the page.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let b64 = self.call("GET", "/screenshot", None).as_str().expect("screenshot as base64 text").to_string();
        let png = base64::engine::general_purpose::STANDARD.decode(b64).expect("screenshot base64");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "the screenshot is not a PNG");
        png
    }

    pub fn login(&self, http: &str, email: &str, password: &str) {
        self.goto(&format!("{http}/login"));
        self.type_into("input[name=email]", email);
        self.type_into("input[name=password]", password);
        self.click("button[type=submit]");
        wait_for(20, "the inbox after login", || self.url().contains("/inbox").then_some(()));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.rt.block_on(self.client.delete(format!("{}/session/{}", self.base, self.session)).send());
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
