//! What the browser tests share: chromedriver on a loopback port, a headless Chromium
//! session, screenshots at laptop and phone widths, and finding, filling and submitting the
//! console's forms. Included by the browser tests with `#[path = "support/browser.rs"]`, next
//! to `mod support;`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::free_port;

/// chromedriver on a free loopback port, killed when dropped.
pub struct Driver(Child, u16);

impl Driver {
    /// Starts chromedriver.
    pub fn start() -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (bash .ci/run installs chromium-driver)");
        Driver(child, port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A browser session saving downloads into `downloads`.
pub async fn browser(driver: &Driver, downloads: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--window-size=1280,800", "--lang=vi"
        ], "prefs": {
            "download.default_directory": downloads.to_str().unwrap(),
            "download.prompt_for_download": false
        }}),
    );
    let url = format!("http://127.0.0.1:{}", driver.1);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return client,
            Err(err) if Instant::now() < deadline => {
                let _ = err;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => panic!("no WebDriver session: {err}"),
        }
    }
}

/// Where screenshots go: the target directory, so a fresh clone stays clean.
fn shots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How a test names and crops its screenshots.
pub struct Camera {
    /// Put before every picture's name (`hotline-`), or empty.
    pub prefix: &'static str,
    /// The tallest picture in pixels: a longer page is cut there.
    pub max_height: u32,
}

impl Camera {
    /// Photographs the current page at laptop and phone widths, full height, into
    /// `console-screenshots/{prefix}{name}-{laptop|phone}.png`.
    pub async fn photograph(&self, c: &Client, name: &str) {
        for (label, width, height) in [("laptop", 1280u32, 800u32), ("phone", 390, 844)] {
            c.set_window_size(width, height).await.unwrap();
            let full = c
                .execute("return document.documentElement.scrollHeight", vec![])
                .await
                .unwrap()
                .as_u64()
                .map_or(height, |h| (h as u32).clamp(height, self.max_height));
            c.set_window_size(width, full + (height - inner_height(c).await).min(200))
                .await
                .unwrap();
            let png = c.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
            let file = format!("{}{name}-{label}.png", self.prefix);
            std::fs::write(shots_dir().join(file), png).unwrap();
        }
        c.set_window_size(1280, 800).await.unwrap();
    }
}

/// The height of the viewport (the window less the browser's frame).
async fn inner_height(c: &Client) -> u32 {
    c.execute("return window.innerHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .map_or(0, |h| h as u32)
}

/// The visible text of the element `css`.
pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The visible text of the page.
pub async fn text(c: &Client) -> String {
    text_of(c, "body").await
}

/// The path of the page shown.
pub async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_string()
}

/// Replaces the value of the field `css` with `value`.
pub async fn fill(c: &Client, css: &str, value: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Chooses the option `value` of the select `css`.
pub async fn select(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

/// Clicks the element `css`.
pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Submits the form and waits until the browser shows the page that answers it.
pub async fn submit(c: &Client, form: &str) {
    c.execute("window.lachanOldPage = true", vec![])
        .await
        .unwrap();
    click(c, &format!("{form} [type=submit]")).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let loaded = c
            .execute(
                "return window.lachanOldPage !== true && document.readyState === 'complete'",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if loaded {
            return;
        }
        assert!(Instant::now() < deadline, "{form}: no answer page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates the first administrator on the setup page shown.
pub async fn set_up(c: &Client, user: &str, password: &str) {
    fill(c, "#username", user).await;
    fill(c, "#password", password).await;
    fill(c, "#password2", password).await;
    submit(c, "form[action='/setup']").await;
}

/// Signs in on the login page of `web`.
pub async fn sign_in(c: &Client, web: &str, user: &str, password: &str) {
    c.goto(&format!("{web}/login")).await.unwrap();
    fill(c, "#username", user).await;
    fill(c, "#password", password).await;
    submit(c, "form[action='/login']").await;
}

/// Signs out with the navigation's button.
pub async fn sign_out(c: &Client) {
    submit(c, "form[action='/logout']").await;
}
