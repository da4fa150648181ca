//! The console in a real browser: headless Chromium driven over WebDriver (chromedriver)
//! against the whole system run in this process with a clock the test moves by hand.
//!
//! The story of issue 3: the first administrator is created, a guardian account is made and
//! signs in, creates a profile for a child, assigns the child's device, sets a one-minute
//! game budget; the device's DNS answer for a game changes from allowed to blocked once the
//! minute is used, and back to allowed when the guardian grants extra time. The guardian also
//! checks a phone photo on "Ảnh an toàn", sees its GPS position and downloads the cleaned
//! copy. Every page is photographed at laptop and phone widths (target/console-screenshots/).

#[path = "support/browser.rs"]
mod browser;
mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use browser::{
    Camera, Driver, browser, click, fill, path, select, set_up, sign_in, sign_out, submit, text,
};
use fantoccini::Locator;
use jiff::SignedDuration;
use support::{ManualClock, System, allowed};

/// Pictures `console-screenshots/NAME-{laptop,phone}.png`, at most 6000 pixels tall.
const CAMERA: Camera = Camera {
    prefix: "",
    max_height: 6000,
};

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
    assert!(path(&c).await.ends_with("/setup"));
    CAMERA.photograph(&c, "01-setup").await;
    set_up(&c, "admin", "correct horse battery").await;
    assert_eq!(path(&c).await, "/");

    // The administrator makes a guardian account for the Nguyễn household.
    c.goto(&format!("{web}/users")).await.unwrap();
    fill(&c, "#user-name", "me-an").await;
    fill(&c, "#user-password", "mat-khau-cua-me").await;
    fill(&c, "#user-household", "nguyen").await;
    submit(&c, "form[action='/users']").await;
    assert!(text(&c).await.contains("me-an"), "{}", text(&c).await);
    CAMERA.photograph(&c, "02-users").await;
    sign_out(&c).await;

    // A wrong password is refused with a message; the right one signs in.
    sign_in(&c, &web, "me-an", "not the password").await;
    assert!(path(&c).await.ends_with("/login"));
    CAMERA.photograph(&c, "03-login-error").await;
    sign_in(&c, &web, "me-an", "mat-khau-cua-me").await;
    assert_eq!(path(&c).await, "/");

    // The guardian creates An's profile with a one-minute budget for games.
    c.goto(&format!("{web}/profiles/new")).await.unwrap();
    fill(&c, "#name", "an").await;
    fill(&c, "#age", "10").await;
    select(&c, "#budget_target_0", "group:games").await;
    fill(&c, "#budget_minutes_0", "1").await;
    CAMERA.photograph(&c, "04-profile-form").await;
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
    CAMERA.photograph(&c, "05-devices-new-seen").await;
    fill(&c, "form.row input[name=name]", "An's tablet").await;
    submit(&c, "form.row").await;
    let page = text(&c).await;
    assert!(page.contains("An's tablet"), "{page}");
    CAMERA.photograph(&c, "06-devices").await;

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
    CAMERA.photograph(&c, "07-dashboard-used-up").await;
    submit(&c, "form[action='/extra']").await;
    assert!(allowed(dns, CHILD, GAME), "extra time opens the game again");
    CAMERA.photograph(&c, "08-dashboard-extra-time").await;

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
        CAMERA.photograph(&c, name).await;
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
    CAMERA.photograph(&c, "15-photo-report").await;
    click(&c, "#photo-download").await;
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
    CAMERA.photograph(&c, "14-audit").await;

    c.close().await.unwrap();
    system.stop().await;
}
