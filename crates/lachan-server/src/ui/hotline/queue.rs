//! `/hotline`: an operator's or supervisor's home — notifications (overdue deadlines and
//! complaints waiting long in the queue for supervisors, follow-up reminders), the queue of reports waiting to be triaged (no identity,
//! with what helps judge the risk: what happened, channel, child's age band, province, how long
//! it has waited), and the open cases (an operator's own, every one for supervisors) with the
//! state of their deadlines.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lachan_hotline::{AgeBand, Channel, Gender, Subtype};
use lachan_policy::Zone;
use lachan_store::hotline::{Notification, NotificationKind, QueueNotice, Report};

use super::time::duration;
use super::words::{clock, word};
use super::{Badge, case_href, clock_class, elsewhere, report_href, risk_class};
use crate::ops::{self, CaseQuery, CaseRow as OpsCaseRow, ClockView};
use crate::state::AppState;
use crate::ui::form::Posted;
use crate::ui::i18n::Tr;
use crate::ui::page::{Nav, Page, Req, render};
use crate::ui::text;
use crate::ui::viewer::Viewer;

/// Most reports of the queue shown.
const QUEUE_SHOWN: u32 = 200;
/// Most cases shown.
const CASES_SHOWN: u32 = 200;
/// Most notifications shown.
const NOTICES_SHOWN: u32 = 50;

/// A report of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueRow {
    pub id: i64,
    pub href: String,
    pub waiting: String,
    pub waiting_class: &'static str,
    pub what: String,
    pub platform: String,
    pub channel: String,
    pub child: String,
    pub province: String,
}

/// A case of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CaseRow {
    pub id: i64,
    pub href: String,
    pub title: String,
    pub risk: String,
    pub risk_class: &'static str,
    pub status: String,
    pub clocks: Vec<Badge>,
    pub assignee: String,
    pub updated: String,
}

/// A notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoticeRow {
    pub id: i64,
    /// For ordering, newest first.
    pub at: i64,
    pub kind: String,
    pub class: &'static str,
    pub text: String,
    pub time: String,
    /// The case or report it is about.
    pub href: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "hotline_home.html")]
struct HomePage {
    page: Page,
    notices: Vec<NoticeRow>,
    queue: Vec<QueueRow>,
    cases_title: String,
    cases: Vec<CaseRow>,
}

/// What a report is about in words: its subtype, else its category.
pub(crate) fn what(tr: Tr, report: &Report) -> String {
    report.filed.subtype.map_or_else(
        || text::category(tr, report.filed.category),
        |s: Subtype| word(tr, s),
    )
}

/// The child of a report in words: "11–13 tuổi · Nữ".
pub(crate) fn child(tr: Tr, report: &Report) -> String {
    let age = word(tr, report.filed.age_band.unwrap_or(AgeBand::Unknown));
    let gender = word(tr, report.filed.gender.unwrap_or(Gender::Unknown));
    format!("{age} · {gender}")
}

/// The province of a report by name.
pub(crate) fn province(tr: Tr, report: &Report) -> String {
    report
        .filed
        .province
        .as_deref()
        .and_then(lachan_hotline::province)
        .map_or_else(|| tr.t("hotline-province-unknown"), |p| p.name.to_string())
}

/// A report of the queue; a complaint that has waited `long_wait_ms` (when set) is flagged, as
/// the hotline's worker tells supervisors of it then.
fn queue_row(tr: Tr, report: &Report, now_ms: i64, long_wait_ms: Option<i64>) -> QueueRow {
    let waited = now_ms.saturating_sub(report.filed.created_ms);
    let complaint = report.filed.source.is_complaint();
    QueueRow {
        id: report.id,
        href: report_href(report.id),
        waiting: duration(tr, waited),
        waiting_class: if complaint && long_wait_ms.is_some_and(|long| waited >= long) {
            "pill-bad"
        } else {
            "pill-info"
        },
        what: what(tr, report),
        platform: report.filed.platform.clone().unwrap_or_default(),
        channel: word::<Channel>(tr, report.filed.source),
        child: child(tr, report),
        province: province(tr, report),
    }
}

/// A clock's badge: "Can thiệp khẩn cấp: còn 11 giờ".
pub(crate) fn clock_badge(tr: Tr, clock_view: &ClockView) -> Badge {
    let name = clock(tr, &clock_view.rule);
    let text = match clock_view.status {
        lachan_hotline::ClockStatus::Running { left_ms }
        | lachan_hotline::ClockStatus::DueSoon { left_ms } => {
            tr.t1("hotline-clock-left", "time", duration(tr, left_ms))
        }
        lachan_hotline::ClockStatus::Overdue { late_ms } => {
            tr.t1("hotline-clock-late", "time", duration(tr, late_ms))
        }
        status => word(tr, status),
    };
    Badge {
        text: format!("{name}: {text}"),
        class: clock_class(clock_view.status),
    }
}

/// A case row of the list.
pub(crate) fn case_row(tr: Tr, zone: &Zone, row: &OpsCaseRow) -> CaseRow {
    let case = &row.case;
    CaseRow {
        id: case.id,
        href: case_href(case.id),
        title: case.title.clone(),
        risk: word(tr, case.risk),
        risk_class: risk_class(case.risk),
        status: word(tr, case.status),
        clocks: row.clocks.iter().map(|c| clock_badge(tr, c)).collect(),
        assignee: case
            .assignee
            .clone()
            .unwrap_or_else(|| tr.t("hotline-case-unassigned")),
        updated: text::date_time(tr, zone, case.updated_ms),
    }
}

/// The message of a notification's text key, if it names one.
fn notice_text(tr: Tr, key: &str) -> Option<String> {
    let is_key = key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    is_key.then(|| tr.lookup(key)).flatten()
}

fn notice_row(tr: Tr, zone: &Zone, n: &Notification) -> NoticeRow {
    let notice = &n.notice;
    let (kind, class) = match notice.kind {
        NotificationKind::ClockOverdue => ("hotline-notice-overdue", "pill-bad"),
        NotificationKind::FollowUpDue => ("hotline-notice-follow-up", "pill-warn"),
    };
    let case = tr.t1("hotline-case-title", "id", notice.case_id);
    NoticeRow {
        id: n.id,
        at: notice.created_ms,
        kind: tr.t(kind),
        class,
        text: notice_text(tr, &notice.text_key).map_or(case.clone(), |s| format!("{case}: {s}")),
        time: text::date_time(tr, zone, notice.created_ms),
        href: case_href(notice.case_id),
        read: n.read_ms.is_some(),
    }
}

fn waiting_row(tr: Tr, zone: &Zone, n: &QueueNotice) -> NoticeRow {
    let report = tr.t1("hotline-report-title", "id", n.report_id);
    NoticeRow {
        id: n.id,
        at: n.created_ms,
        kind: tr.t("hotline-notice-waiting"),
        class: "pill-warn",
        text: notice_text(tr, &n.text_key).map_or(report.clone(), |s| format!("{report}: {s}")),
        time: text::date_time(tr, zone, n.created_ms),
        href: report_href(n.report_id),
        read: n.read_ms.is_some(),
    }
}

/// `GET /hotline`.
pub(crate) async fn home(State(state): State<AppState>, req: Req, Viewer(who): Viewer) -> Response {
    let tr = req.tr();
    let scope = match ops::hotline_scope(&who) {
        Ok(scope) => scope,
        Err(error) => return elsewhere(tr, &error),
    };
    let mut page = Page::new(
        &req,
        Some(&who),
        Nav::Hotline,
        "hotline-title",
        "hotline-help",
    );
    let zone = Zone::default();
    let now_ms = state.now().as_millisecond();
    let notices = page.or_error(ops::list_notifications(&state, &who, false, NOTICES_SHOWN).await);
    let waiting = page.or_error(ops::list_queue_notices(&state, &who, false, NOTICES_SHOWN).await);
    let mut notices: Vec<NoticeRow> = notices
        .iter()
        .map(|n| notice_row(tr, &zone, n))
        .chain(waiting.iter().map(|n| waiting_row(tr, &zone, n)))
        .collect();
    notices.sort_by_key(|n| std::cmp::Reverse(n.at));
    let queue = page.or_error(ops::list_queue(&state, &who, QUEUE_SHOWN).await);
    let long_wait_ms = state.hotline.options().clocks.queue_wait_ms();
    let query = CaseQuery {
        open_only: true,
        limit: Some(CASES_SHOWN),
        ..CaseQuery::default()
    };
    let cases = page.or_error(ops::list_cases(&state, &who, &query).await);
    let view = HomePage {
        notices,
        queue: queue
            .iter()
            .map(|r| queue_row(tr, &r.report, now_ms, long_wait_ms))
            .collect(),
        cases_title: tr.t(if scope.supervisor {
            "hotline-home-cases-all"
        } else {
            "hotline-home-cases-mine"
        }),
        cases: cases.iter().map(|c| case_row(tr, &zone, c)).collect(),
        page,
    };
    render(StatusCode::OK, &view)
}

/// `POST /hotline/notifications/read`.
pub(crate) async fn mark_read(State(state): State<AppState>, post: Posted) -> Response {
    let read = async { ops::mark_notification_read(&state, &post.who, post.fields.id()?).await };
    post.redirect("/hotline", read.await, |tr, ()| tr.t("hotline-flash-read"))
}

#[cfg(test)]
mod tests {
    use lachan_hotline::ClockStatus;

    use super::*;
    use crate::ui::i18n::Lang;

    fn clock_view(status: ClockStatus) -> ClockView {
        ClockView {
            id: 1,
            rule: "emergency_intervention".into(),
            basis: String::new(),
            hours: 12,
            action_id: None,
            started_ms: 0,
            due_ms: 12 * 3_600_000,
            met_ms: None,
            escalated_ms: None,
            status,
        }
    }

    #[test]
    fn clock_badges_say_what_is_left_or_late_in_words() {
        let tr = Lang::Vi.tr();
        let running = clock_badge(
            tr,
            &clock_view(ClockStatus::Running {
                left_ms: 12 * 3_600_000,
            }),
        );
        assert_eq!(running.text, "Can thiệp khẩn cấp: còn 12 giờ");
        assert_eq!(running.class, "pill-info");
        let late = clock_badge(
            Lang::En.tr(),
            &clock_view(ClockStatus::Overdue {
                late_ms: 90 * 60_000,
            }),
        );
        assert_eq!(late.text, "Emergency intervention: 1 h 30 min late");
        assert_eq!(late.class, "pill-bad");
        let met = clock_badge(tr, &clock_view(ClockStatus::MetInTime));
        assert_eq!(met.text, "Can thiệp khẩn cấp: Đạt đúng hạn");
    }
}
