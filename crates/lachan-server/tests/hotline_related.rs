//! Related cases suggested at triage, over real loopback HTTP: a queued report lists the open
//! cases sharing its URL, account and child; an operator sees the number, reasons and status of
//! another operator's case but not its title, supervisors see everything; the read is audited
//! with the cases named; the console's report page lists them and joins one in one click.

mod common;
mod hotline_support;

use common::Auth;
use hotline_support::Hotline;
use serde_json::{Value, json};

/// The title of operator B's case, which operator A must not see.
const B_TITLE: &str = "Bí mật của ca B";

/// The `related` list of report `id` as `who` reads it.
async fn related(hotline: &Hotline, who: &Auth, id: i64) -> Vec<Value> {
    let reply = hotline
        .get(&format!("/api/v1/hotline/reports/{id}"), who)
        .await;
    reply.assert_status(200);
    reply.json()["related"].as_array().unwrap().clone()
}

/// Operator A's case and operator B's case (titled [`B_TITLE`]), both from the same phone
/// report, and a third copy of it waiting in the queue: (A's case, B's case, queued report).
async fn setup(hotline: &Hotline) -> (i64, i64, i64) {
    let (_, a_case) = hotline.case_of_a("high").await;
    let b_report = hotline.phone_report(&hotline.op_b).await;
    let body = json!({"report_ids": [b_report], "risk": "medium", "title": B_TITLE});
    let reply = hotline
        .send("POST", "/api/v1/hotline/cases", &hotline.op_b, &body)
        .await;
    reply.assert_status(201);
    let b_case = reply.json()["id"].as_i64().unwrap();
    let queued = hotline.phone_report(&hotline.op_a).await;
    (a_case, b_case, queued)
}

#[tokio::test]
async fn a_queued_report_lists_related_cases_titles_only_to_those_who_may_open_them() {
    let hotline = Hotline::start().await;
    let (a_case, b_case, queued) = setup(&hotline).await;
    let reasons = json!(["same_url", "same_account", "same_child"]);

    // Operator A: both cases (most recent first), B's without title or operator.
    let seen = related(&hotline, &hotline.op_a, queued).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0]["case_id"], b_case);
    assert_eq!(seen[0]["reasons"], reasons);
    assert_eq!(seen[0]["status"], "triaged");
    assert_eq!(seen[0]["may_open"], false);
    assert_eq!(seen[0]["title"], Value::Null);
    assert_eq!(seen[0]["assignee"], Value::Null);
    assert_eq!(seen[1]["case_id"], a_case);
    assert_eq!(seen[1]["may_open"], true);
    assert_eq!(seen[1]["title"], "Dụ dỗ trên Roblox, 12 tuổi");
    assert_eq!(seen[1]["assignee"], "tu-van-a");
    let body = hotline
        .get(&format!("/api/v1/hotline/reports/{queued}"), &hotline.op_a)
        .await
        .body;
    assert!(!body.contains(B_TITLE), "{body}");
    assert!(!body.contains("Nguyễn Thị Lan"), "no identity in the queue");

    // The supervisor: both, with titles.
    let seen = related(&hotline, &hotline.supervisor, queued).await;
    assert_eq!(seen[0]["title"], B_TITLE);
    assert_eq!(seen[0]["assignee"], "tu-van-b");
    assert!(seen.iter().all(|c| c["may_open"] == true));

    // The read is audited with the cases named.
    let reads = hotline.audit_of(&format!("report:{queued}")).await;
    let last = reads.last().unwrap();
    assert_eq!(last.action, "report read");
    assert!(
        last.detail
            .contains(&format!("related cases {b_case}, {a_case}")),
        "{}",
        last.detail
    );

    // Another hotline's supervisor cannot read the report at all.
    let reply = hotline
        .get(
            &format!("/api/v1/hotline/reports/{queued}"),
            &hotline.other_supervisor,
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.body);

    // Closed cases are not suggested; a report already in a case gets no suggestions.
    let close = json!({"status": "closed", "close_reason": "duplicate"});
    hotline
        .send(
            "PUT",
            &format!("/api/v1/hotline/cases/{b_case}/status"),
            &hotline.op_b,
            &close,
        )
        .await
        .assert_status(204);
    let seen = related(&hotline, &hotline.supervisor, queued).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["case_id"], a_case);
    hotline
        .send(
            "POST",
            &format!("/api/v1/hotline/cases/{a_case}/reports"),
            &hotline.op_a,
            &json!({"report_ids": [queued]}),
        )
        .await
        .assert_status(204);
    assert!(related(&hotline, &hotline.op_a, queued).await.is_empty());
    hotline.stop().await;
}

#[tokio::test]
async fn the_report_page_lists_related_cases_and_joins_one_in_one_click() {
    let hotline = Hotline::start().await;
    let (a_case, b_case, queued) = setup(&hotline).await;
    let server = &hotline.server;
    let op_a = server.sign_in("tu-van-a").await;
    let path = format!("/hotline/reports/{queued}");
    let page = server.page(&path, &op_a).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("Ca có thể liên quan"), "{body}");
    assert!(body.contains("cùng tài khoản nghi vấn"));
    assert!(body.contains("cùng một trẻ"));
    assert!(body.contains(&format!("href=\"/hotline/cases/{a_case}\"")));
    assert!(body.contains(&format!("Ca #{b_case}")));
    assert!(!body.contains(&format!("href=\"/hotline/cases/{b_case}\"")));
    assert!(!body.contains(B_TITLE));
    assert!(body.contains(&format!("name=\"case\" value=\"{a_case}\"")));
    assert!(!body.contains(&format!("name=\"case\" value=\"{b_case}\"")));
    // The suggestions come before the form to type a case number.
    assert!(body.find("id=\"related-cases\"").unwrap() < body.find("id=\"join-case\"").unwrap());

    let joined = server
        .post_form(
            &format!("{path}/join"),
            &op_a,
            &[("csrf", &page.csrf()), ("case", &a_case.to_string())],
        )
        .await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    assert_eq!(
        joined.header("location"),
        Some(format!("/hotline/cases/{a_case}").as_str())
    );
    let report = server.store.report(queued).await.unwrap().unwrap();
    assert_eq!(report.case_id, Some(a_case));

    // In English for the supervisor, who sees B's title.
    let supervisor = server.sign_in("giam-sat").await;
    let other = hotline.phone_report(&hotline.supervisor).await;
    let page = server
        .page(
            &format!("/hotline/reports/{other}"),
            &format!("{supervisor}; lang=en"),
        )
        .await;
    assert!(
        page.body.contains("Possibly related cases"),
        "{}",
        page.body
    );
    assert!(page.body.contains("the same suspect account"));
    assert!(page.body.contains(B_TITLE));
    hotline.stop().await;
}
