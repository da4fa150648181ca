//! The hotline console in a real browser: headless Chromium driven over WebDriver
//! (chromedriver) against the whole system run in this process with a clock the test moves by
//! hand.
//!
//! The story of issue 6: an administrator makes an operator and a supervisor of hotline 111. A
//! member of the public, without an account, reports a sextortion of a 14-year-old girl on
//! Facebook through `/report` (a bot filling the form's hidden field files nothing). The
//! operator finds the report in the queue, triages it into a case with risk emergency — the
//! 12-hour emergency clock starts —, records an emergency intervention half an hour later (the
//! clock is met in time), refers the case to the police's cyber-crime department and closes it
//! with a reason. The supervisor sees it counted on the statistics page and in the CSV file its
//! link downloads. Every page is photographed at laptop and phone widths
//! (target/console-screenshots/hotline-*.png).

#[path = "support/browser.rs"]
mod browser;
mod support;

use std::time::{Duration, Instant};

use browser::{
    Camera, Driver, browser, click, fill, path, select, set_up, sign_in, sign_out, submit, text,
    text_of,
};
use fantoccini::{Client, Locator};
use jiff::SignedDuration;
use support::{ManualClock, System};

/// Pictures `console-screenshots/hotline-NAME-{laptop,phone}.png`, at most 8000 pixels tall
/// (the statistics page is long on a phone).
const CAMERA: Camera = Camera {
    prefix: "hotline-",
    max_height: 8000,
};

/// The administrator makes a user with `role` of hotline 111.
async fn make_user(c: &Client, name: &str, role: &str) {
    fill(c, "#user-name", name).await;
    fill(c, "#user-password", &format!("{name} mật khẩu dài")).await;
    select(c, "#user-role", role).await;
    fill(c, "#user-hotline", "111").await;
    submit(c, "form[action='/users']").await;
    let page = text(c).await;
    assert!(page.contains(name), "{name} is listed: {page}");
}

/// Chooses the option of `css` whose text contains `words`.
async fn select_text(c: &Client, css: &str, words: &str) {
    for option in c
        .find_all(Locator::Css(&format!("{css} option")))
        .await
        .unwrap()
    {
        if option.text().await.unwrap().contains(words) {
            option.click().await.unwrap();
            return;
        }
    }
    panic!("{css} has no option with '{words}'");
}

/// The value of headline figure `key` on the statistics page.
async fn stat(c: &Client, key: &str) -> String {
    text_of(c, &format!("[data-stat='{key}'] b")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_report_becomes_a_case_that_is_handled_closed_and_counted() {
    // 10:00 in Ho Chi Minh City on 27 November 2026.
    let clock = ManualClock::at("2026-11-27T03:00:00Z");
    let system = System::start("", clock.clone()).await;
    let web = system.web.clone();

    let driver = Driver::start();
    let downloads = tempfile::tempdir().unwrap();
    let c = browser(&driver, downloads.path()).await;

    // The administrator, then the hotline's operator and supervisor.
    c.goto(&web).await.unwrap();
    set_up(&c, "admin", "correct horse battery").await;
    c.goto(&format!("{web}/users")).await.unwrap();
    make_user(&c, "tv-lan", "operator").await;
    make_user(&c, "gs-minh", "supervisor").await;
    let users = text(&c).await;
    assert!(users.contains("Tư vấn viên (tổng đài)"), "{users}");
    assert!(users.contains("tổng đài 111"), "{users}");
    CAMERA.photograph(&c, "01-users").await;
    sign_out(&c).await;

    // A member of the public follows the sign-in page's link to the report form.
    click(&c, "#report-link").await;
    assert_eq!(path(&c).await, "/report");
    let form = text(&c).await;
    assert!(form.contains("gọi 111"), "the emergency number: {form}");
    assert!(
        form.contains("Tuyệt đối không gửi ảnh"),
        "no pictures, links: {form}"
    );
    assert!(
        c.find(Locator::Css("input[type=file]")).await.is_err(),
        "the public form never takes a file"
    );
    select(&c, "#report-subtype", "sexual_extortion").await;
    select(&c, "#report-age", "age_14_15").await;
    select(&c, "#report-gender", "girl").await;
    select(&c, "#report-province", "ha-noi").await;
    fill(&c, "#report-platform", "Facebook").await;
    fill(
        &c,
        "#report-description",
        "Một tài khoản lạ dọa tung ảnh của em gái tôi nếu em không gửi thêm ảnh. Em 14 tuổi.",
    )
    .await;
    fill(
        &c,
        "#report-urls",
        "https://www.facebook.com/tai.khoan.la.123",
    )
    .await;
    CAMERA.photograph(&c, "02-report-form").await;
    submit(&c, "#report-form").await;
    assert_eq!(path(&c).await, "/report/thanks");
    let reference = text_of(&c, "#report-reference").await;
    let report_id: i64 = reference.trim_start_matches('#').parse().unwrap();
    assert!(text(&c).await.contains("111"));
    CAMERA.photograph(&c, "03-report-thanks").await;

    // A bot fills the hidden field too: it gets the same thank-you page, and nothing is filed.
    c.goto(&format!("{web}/report?lang=en")).await.unwrap();
    CAMERA.photograph(&c, "04-report-form-english").await;
    select(&c, "#report-subtype", "adult_content").await;
    fill(&c, "#report-description", "cheap pills").await;
    c.execute(
        "document.getElementById('report-website').value = 'https://spam.example'",
        vec![],
    )
    .await
    .unwrap();
    submit(&c, "#report-form").await;
    assert_eq!(path(&c).await, "/report/thanks");
    assert!(text(&c).await.contains("Your report's number"));
    c.goto(&format!("{web}/report?lang=vi")).await.unwrap();

    // Five minutes later the operator signs in and lands on the hotline's home: the report
    // waits in the queue, without anything that names who sent it.
    clock.advance(SignedDuration::from_mins(5));
    sign_in(&c, &web, "tv-lan", "tv-lan mật khẩu dài").await;
    assert_eq!(path(&c).await, "/hotline");
    let queue = text_of(&c, "#queue").await;
    assert!(queue.contains(&format!("#{report_id}")), "{queue}");
    assert!(
        queue.contains("Bị doạ tung ảnh để ép gửi thêm ảnh"),
        "{queue}"
    );
    assert!(
        queue.contains("14–15 tuổi · Nữ") && queue.contains("Hà Nội"),
        "{queue}"
    );
    assert!(queue.contains("Biểu mẫu trên web"), "{queue}");
    assert!(queue.contains("5 phút"), "how long it has waited: {queue}");
    let rows = c.find_all(Locator::Css("#queue tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1, "the bot's post filed nothing: {queue}");
    let nav = text_of(&c, "nav").await;
    assert!(
        nav.contains("Tổng đài") && !nav.contains("Thiết bị"),
        "{nav}"
    );
    CAMERA.photograph(&c, "05-queue").await;

    // Triage: a new case, risk emergency.
    click(
        &c,
        &format!("#queue a[href='/hotline/reports/{report_id}']"),
    )
    .await;
    let report = text(&c).await;
    assert!(
        report.contains("https://www.facebook.com/tai.khoan.la.123"),
        "{report}"
    );
    CAMERA.photograph(&c, "06-report-triage").await;
    click(&c, "#open-case input[name=risk][value=emergency]").await;
    fill(
        &c,
        "#case-title",
        "Bị doạ tung ảnh trên Facebook, nữ 14 tuổi",
    )
    .await;
    submit(&c, "#open-case").await;
    let case_path = path(&c).await;
    assert!(case_path.starts_with("/hotline/cases/"), "{case_path}");
    let emergency = "#clocks tr[data-clock='emergency_intervention']";
    let clock_row = text_of(&c, emergency).await;
    assert!(clock_row.contains("Can thiệp khẩn cấp"), "{clock_row}");
    assert!(
        clock_row.contains("12 giờ"),
        "the 12-hour clock: {clock_row}"
    );
    assert!(clock_row.contains("còn 12 giờ"), "12 h left: {clock_row}");
    assert!(
        clock_row.contains("Nghị định 56/2017"),
        "its legal basis: {clock_row}"
    );
    assert!(text_of(&c, "#case-summary").await.contains("Khẩn cấp"));
    CAMERA.photograph(&c, "07-case-emergency").await;

    // Half an hour later: the emergency intervention meets the clock.
    clock.advance(SignedDuration::from_mins(30));
    select(&c, "#action-kind", "emergency_intervention").await;
    fill(
        &c,
        "#action-note",
        "Gọi cho mẹ của em, hướng dẫn không gửi thêm ảnh và giữ bằng chứng",
    )
    .await;
    submit(&c, "#action-form").await;
    let clock_row = text_of(&c, emergency).await;
    assert!(
        clock_row.contains("Đạt đúng hạn"),
        "met in time: {clock_row}"
    );
    clock.advance(SignedDuration::from_mins(1));
    select(&c, "#status-to", "in_intervention").await;
    submit(&c, "#status-form").await;
    assert_eq!(text_of(&c, "#case-status").await, "Đang can thiệp");

    clock.advance(SignedDuration::from_mins(1));
    // A referral to the police's cyber-crime department.
    select(&c, "#action-kind", "referral").await;
    select_text(&c, "#action-authority", "(A05)").await;
    fill(&c, "#action-note", "Chuyển hồ sơ tài khoản tống tiền").await;
    submit(&c, "#action-form").await;
    let actions = text_of(&c, "#actions").await;
    assert!(actions.contains("Chuyển tuyến"), "{actions}");
    assert!(actions.contains("Cục An ninh mạng"), "{actions}");
    clock.advance(SignedDuration::from_mins(1));
    select(&c, "#status-to", "referred").await;
    submit(&c, "#status-form").await;
    assert_eq!(text_of(&c, "#case-status").await, "Đã chuyển tuyến");

    clock.advance(SignedDuration::from_mins(1));
    // Closing needs a reason.
    select(&c, "#status-to", "closed").await;
    submit(&c, "#status-form").await;
    assert!(
        c.find(Locator::Css(".flash-error")).await.is_ok(),
        "closing without a reason is refused"
    );
    assert_eq!(text_of(&c, "#case-status").await, "Đã chuyển tuyến");
    select(&c, "#status-to", "closed").await;
    select(&c, "#status-reason", "referred_out").await;
    fill(&c, "#status-note", "Công an đã tiếp nhận").await;
    submit(&c, "#status-form").await;
    assert_eq!(text_of(&c, "#case-status").await, "Đã đóng");
    let summary = text_of(&c, "#case-summary").await;
    assert!(
        summary.contains("Đã chuyển cơ quan khác xử lý"),
        "{summary}"
    );
    let history = text_of(&c, "#timeline").await;
    for step in ["Mở ca", "Can thiệp khẩn cấp", "Đã đóng"] {
        assert!(history.contains(step), "{step}: {history}");
    }
    CAMERA.photograph(&c, "08-case-closed").await;
    c.goto(&format!("{web}/hotline")).await.unwrap();
    CAMERA.photograph(&c, "09-home-after").await;
    sign_out(&c).await;

    // The supervisor sees the report counted.
    sign_in(&c, &web, "gs-minh", "gs-minh mật khẩu dài").await;
    assert_eq!(path(&c).await, "/hotline");
    c.goto(&format!("{web}/hotline/stats")).await.unwrap();
    for (key, expected) in [
        ("contacts", "1"),
        ("reports", "1"),
        ("share", "100%"),
        ("cases", "1"),
        ("interventions", "1"),
        ("referrals", "1"),
    ] {
        assert_eq!(stat(&c, key).await, expected, "{key}");
    }
    let by_province = text_of(&c, "#by-province").await;
    assert!(by_province.contains("Hà Nội"), "{by_province}");
    let clocks = text_of(&c, "#stats-clocks").await;
    assert!(clocks.contains("Can thiệp khẩn cấp"), "{clocks}");
    assert!(
        c.find(Locator::Css("figure.chart svg")).await.is_ok(),
        "charts are drawn"
    );
    CAMERA.photograph(&c, "10-stats").await;

    // Its CSV link downloads the same counts.
    click(&c, "#stats-csv").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let csv = loop {
        let done = std::fs::read_dir(downloads.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "csv"));
        if let Some(file) = done {
            break std::fs::read_to_string(file).unwrap();
        }
        assert!(Instant::now() < deadline, "the CSV file is downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let csv = csv.trim_start_matches('\u{feff}');
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let day: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("2026-11-27,"))
        .unwrap_or_else(|| panic!("a row for the day: {csv}"))
        .split(',')
        .collect();
    for name in [
        "contacts",
        "reports",
        "cases opened",
        "interventions",
        "referrals",
    ] {
        assert_eq!(day[column(name)], "1", "{name} in {csv}");
    }

    c.goto(&format!("{web}/hotline/authorities")).await.unwrap();
    assert!(text(&c).await.contains("TikTok"));
    CAMERA.photograph(&c, "11-authorities").await;

    c.close().await.unwrap();
    system.stop().await;
}
