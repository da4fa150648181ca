//! The console in a real browser: headless Chromium driven over WebDriver (chromedriver)
//! against the whole system run in this process with a clock the test moves by hand.
//!
//! The story of issue 3: the first administrator is created, a guardian account is made and
//! signs in, creates a profile for a child, assigns the child's device, sets a one-minute
//! game budget; the device's DNS answer for a game changes from allowed to blocked once the
//! minute is used, and back to allowed when the guardian grants extra time. The guardian also
//! checks a phone photo on "Ảnh an toàn", sees its GPS position and downloads the cleaned
//! copy. Every page is photographed at laptop and phone widths (target/console-screenshots/).

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use jiff::SignedDuration;
use support::{ManualClock, System, allowed, free_port};

/// chromedriver on a free loopback port, killed when dropped.
struct Driver(Child, u16);

impl Driver {
    fn start() -> Driver {
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
async fn browser(driver: &Driver, downloads: &std::path::Path) -> Client {
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

/// Photographs the current page at laptop and phone widths, full height.
async fn photograph(c: &Client, name: &str) {
    for (label, width, height) in [("laptop", 1280u32, 800u32), ("phone", 390, 844)] {
        c.set_window_size(width, height).await.unwrap();
        let full = c
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .unwrap()
            .as_u64()
            .map_or(height, |h| (h as u32).clamp(height, 6000));
        c.set_window_size(width, full + (height - inner_height(c).await).min(200))
            .await
            .unwrap();
        let png = c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
        std::fs::write(shots_dir().join(format!("{name}-{label}.png")), png).unwrap();
    }
    c.set_window_size(1280, 800).await.unwrap();
}

/// The height of the viewport (the window less the browser's frame).
async fn inner_height(c: &Client) -> u32 {
    c.execute("return window.innerHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .map_or(0, |h| h as u32)
}

/// The visible text of the page.
async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Submits the form and waits until the browser shows the page that answers it.
async fn submit(c: &Client, form: &str) {
    c.execute("window.lachanOldPage = true", vec![])
        .await
        .unwrap();
    c.find(Locator::Css(&format!("{form} [type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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

async fn sign_in(c: &Client, web: &str, user: &str, password: &str) {
    c.goto(&format!("{web}/login")).await.unwrap();
    fill(c, "#username", user).await;
    fill(c, "#password", password).await;
    submit(c, "form[action='/login']").await;
}

async fn sign_out(c: &Client) {
    submit(c, "form[action='/logout']").await;
}

const CHILD: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const GAME: &str = "www.roblox.com.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_sets_a_game_budget_and_dns_follows_it() {
    // 10:00 in Ho Chi Minh City: far from midnight, so the day does not roll over.
    let clock = ManualClock::at("2026-11-27T03:00:00Z");
    // Activity counters are written every second, not every 30 s, to keep the test short.
    let system = System::start("[querylog]\ncounters_seconds = 1", clock.clone()).await;
    let (dns, web) = (system.dns, system.web.clone());

    let driver = Driver::start();
    let downloads = tempfile::tempdir().unwrap();
    let c = browser(&driver, downloads.path()).await;

    // First start: every page leads to the creation of the administrator.
    c.goto(&web).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/setup"));
    photograph(&c, "01-setup").await;
    fill(&c, "#username", "admin").await;
    fill(&c, "#password", "correct horse battery").await;
    fill(&c, "#password2", "correct horse battery").await;
    submit(&c, "form[action='/setup']").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/");

    // The administrator makes a guardian account for the Nguyễn household.
    c.goto(&format!("{web}/users")).await.unwrap();
    fill(&c, "#user-name", "me-an").await;
    fill(&c, "#user-password", "mat-khau-cua-me").await;
    fill(&c, "#user-household", "nguyen").await;
    submit(&c, "form[action='/users']").await;
    assert!(text(&c).await.contains("me-an"), "{}", text(&c).await);
    photograph(&c, "02-users").await;
    sign_out(&c).await;

    // A wrong password is refused with a message; the right one signs in.
    sign_in(&c, &web, "me-an", "not the password").await;
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));
    photograph(&c, "03-login-error").await;
    sign_in(&c, &web, "me-an", "mat-khau-cua-me").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/");

    // The guardian creates An's profile with a one-minute budget for games.
    c.goto(&format!("{web}/profiles/new")).await.unwrap();
    fill(&c, "#name", "an").await;
    fill(&c, "#age", "10").await;
    c.find(Locator::Css("#budget_target_0"))
        .await
        .unwrap()
        .select_by_value("group:games")
        .await
        .unwrap();
    fill(&c, "#budget_minutes_0", "1").await;
    photograph(&c, "04-profile-form").await;
    submit(&c, "form.stack").await;
    let page = text(&c).await;
    assert!(page.contains("an"), "{page}");

    // An's tablet (127.0.0.2) asks something: it appears under "new devices seen" (once the
    // counters are written, within a second here), and the guardian names it in one click.
    assert!(allowed(dns, CHILD, "example.org."), "the upstream answers");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        c.goto(&format!("{web}/devices")).await.unwrap();
        if text(&c).await.contains("127.0.0.2") {
            break;
        }
        assert!(Instant::now() < deadline, "the new device is listed");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    photograph(&c, "05-devices-new-seen").await;
    fill(&c, "form.row input[name=name]", "An's tablet").await;
    submit(&c, "form.row").await;
    let page = text(&c).await;
    assert!(page.contains("An's tablet"), "{page}");
    photograph(&c, "06-devices").await;

    // Playing: the minute in progress is allowed; once it is over the budget is used up.
    assert!(allowed(dns, CHILD, GAME), "the game is allowed at first");
    clock.advance(SignedDuration::from_secs(30));
    assert!(allowed(dns, CHILD, GAME), "still inside the first minute");
    clock.advance(SignedDuration::from_secs(31));
    assert!(
        !allowed(dns, CHILD, GAME),
        "the one-minute budget is used up"
    );
    assert!(allowed(dns, CHILD, "example.org."), "other sites stay open");

    // The dashboard shows the budget used up; "+30 phút" opens the game again.
    c.goto(&web).await.unwrap();
    let page = text(&c).await;
    assert!(page.contains("1/1") || page.contains("1 / 1"), "{page}");
    photograph(&c, "07-dashboard-used-up").await;
    submit(&c, "form[action='/extra']").await;
    assert!(allowed(dns, CHILD, GAME), "extra time opens the game again");
    photograph(&c, "08-dashboard-extra-time").await;

    // The other pages render for the guardian (activity counters are written every second
    // here: the last queries are in them after this pause).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (path, name) in [
        ("/profiles/edit?name=an", "09-profile-edit"),
        ("/activity?profile=an", "09-activity"),
        ("/alerts", "10-alerts"),
        ("/services", "11-services"),
        ("/tokens", "12-tokens"),
        ("/?lang=en", "13-dashboard-english"),
    ] {
        c.goto(&format!("{web}{path}")).await.unwrap();
        assert!(!text(&c).await.is_empty(), "{path}");
        photograph(&c, name).await;
    }
    // "Ảnh an toàn": a phone photo reveals where it was taken; the cleaned copy does not.
    // WebDriver wants a canonical path for a file upload.
    let photo = std::fs::canonicalize(support::shared(
        "pdq/images/reg-test-input/exif-rotn/exif-rotn-6.jpg",
    ))
    .unwrap();
    c.goto(&format!("{web}/photo?lang=vi")).await.unwrap();
    c.find(Locator::Css("#photo-file"))
        .await
        .unwrap()
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    submit(&c, "form[action='/photo']").await;
    let report = text(&c).await;
    assert!(
        report.contains("Vị trí GPS") && report.contains("38.97794, -77.02320 (chính xác ~1 m)"),
        "{report}"
    );
    assert!(report.contains("đủ 7 tuổi"), "the consent note: {report}");
    photograph(&c, "15-photo-report").await;
    c.find(Locator::Css("#photo-download"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let saved = downloads.path().join("exif-rotn-6-clean.jpg");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !saved.exists() {
        assert!(Instant::now() < deadline, "the cleaned copy is downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let original = std::fs::read(&photo).unwrap();
    let expected = lachan_image::privacy::strip(&original).unwrap();
    let cleaned = std::fs::read(&saved).unwrap();
    assert!(cleaned == expected, "the download is the cleaned copy");
    assert!(
        lachan_image::privacy::inspect(&cleaned)
            .unwrap()
            .reveals_nothing()
    );

    c.goto(&format!("{web}/activity?profile=an")).await.unwrap();
    assert!(
        c.find(Locator::Css("svg")).await.is_ok(),
        "the activity page has a chart"
    );
    let activity = text(&c).await;
    assert!(
        activity.contains("Roblox"),
        "minutes per service: {activity}"
    );
    assert!(activity.contains("roblox.com"), "top domains: {activity}");
    sign_out(&c).await;
    sign_in(&c, &web, "admin", "correct horse battery").await;
    c.goto(&format!("{web}/audit")).await.unwrap();
    let audit = text(&c).await;
    assert!(audit.contains("me-an"), "changes are audited: {audit}");
    photograph(&c, "14-audit").await;

    c.close().await.unwrap();
    system.stop().await;
}
