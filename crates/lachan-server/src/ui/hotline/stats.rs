//! `/hotline/stats`: the hotline's statistics for a range of days per day, week or month
//! (Viet Nam time) — headline figures, a chart of contacts (reports of online harm on other
//! contacts) and one of the work done (cases opened, interventions, referrals), the table per
//! period, reports by theme, age band, gender, province, channel and category, and how the
//! legal deadlines fared; with links to the same figures as CSV and XLSX (the API's
//! `/api/v1/hotline/stats.csv|.xlsx`, which take the same query and the session cookie).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lachan_hotline::{AgeBand, Channel, Dimension, Gender, Period, Theme};
use lachan_policy::{Category, Zone};
use lachan_store::hotline::{Bucket, HotlineStats};

use super::charts::{PeriodData, Series, lines_svg, stacked_svg};
use super::elsewhere;
use super::report_form::choices;
use super::words::{clock, word, word_of};
use crate::ops::{self, StatsInput, StatsView};
use crate::state::AppState;
use crate::ui::activity::LegendItem;
use crate::ui::charts::Swatch;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::page::{Nav, Page, Req, render};
use crate::ui::profiles::Choice;
use crate::ui::text;
use crate::ui::url::query_value;
use crate::ui::viewer::Viewer;

/// Colours of the charts' series.
const REPORTS: Swatch = Swatch(0x24, 0x57, 0x8e);
const OTHER: Swatch = Swatch(0xa9, 0xbc, 0xd0);
const CASES: Swatch = Swatch(0x2f, 0x6f, 0xb3);
const INTERVENTIONS: Swatch = Swatch(0x1f, 0x7a, 0x4d);
const REFERRALS: Swatch = Swatch(0xe0, 0x8a, 0x00);

/// The dimensions reports are broken down by on the page, in order.
const DIMENSIONS: [Dimension; 6] = [
    Dimension::Theme,
    Dimension::AgeBand,
    Dimension::Gender,
    Dimension::Province,
    Dimension::Channel,
    Dimension::Category,
];

/// A headline figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tile {
    pub key: &'static str,
    pub value: String,
    pub label: String,
}

/// The counts of one period (or of the whole range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeriodRow {
    pub label: String,
    pub contacts: u64,
    pub reports: u64,
    pub share: String,
    pub cases: u64,
    pub interventions: u64,
    pub referrals: u64,
}

/// A value of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BreakdownRow {
    pub label: String,
    pub count: u64,
    pub percent: String,
    /// The bar's length, 0 to 100, relative to the largest value.
    pub width: u64,
}

/// Reports by one dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BreakdownTable {
    pub key: &'static str,
    pub title: String,
    pub rows: Vec<BreakdownRow>,
}

/// How one rule's deadlines fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClockStatsRow {
    pub name: String,
    pub met_in_time: u64,
    pub met_late: u64,
    pub missed: u64,
    pub running: u64,
}

#[derive(Template)]
#[template(path = "hotline_stats.html")]
struct StatsPage {
    page: Page,
    periods: Vec<Choice>,
    from: String,
    to: String,
    csv_href: String,
    xlsx_href: String,
    shown: bool,
    tiles: Vec<Tile>,
    contacts_chart: String,
    contacts_legend: Vec<LegendItem>,
    work_chart: String,
    work_legend: Vec<LegendItem>,
    rows: Vec<PeriodRow>,
    breakdowns: Vec<BreakdownTable>,
    clocks: Vec<ClockStatsRow>,
}

/// `part / whole` as a whole percentage, "—" without a whole.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".to_string();
    }
    format!("{}%", (part as f64 * 100.0 / whole as f64).round())
}

/// A bucket's start in local time, formatted with `format`.
fn local(zone: &Zone, ms: i64, format: &str) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(zone.time_zone().clone())
                .strftime(format)
                .to_string()
        })
        .unwrap_or_default()
}

/// A period's short name, under a chart: "27/11", "11/2026" ("27 Nov", "Nov 2026").
fn short_label(tr: Tr, zone: &Zone, period: Period, start_ms: i64) -> String {
    let format = match (period, tr.lang()) {
        (Period::Month, Lang::Vi) => "%m/%Y",
        (Period::Month, Lang::En) => "%b %Y",
        (_, Lang::Vi) => "%d/%m",
        (_, Lang::En) => "%-d %b",
    };
    local(zone, start_ms, format)
}

/// A period's name in the table: "27/11/2026", "Tuần từ 24/11/2026", "11/2026".
fn long_label(tr: Tr, zone: &Zone, period: Period, start_ms: i64) -> String {
    let day = match tr.lang() {
        Lang::Vi => "%d/%m/%Y",
        Lang::En => "%Y-%m-%d",
    };
    match period {
        Period::Day => local(zone, start_ms, day),
        Period::Week => tr.t1("hotline-week-of", "day", local(zone, start_ms, day)),
        Period::Month => short_label(tr, zone, period, start_ms),
    }
}

fn period_row(label: String, bucket: &Bucket) -> PeriodRow {
    PeriodRow {
        label,
        contacts: bucket.contacts(),
        reports: bucket.reports,
        share: percent(bucket.reports, bucket.contacts()),
        cases: bucket.cases_opened,
        interventions: bucket.interventions(),
        referrals: bucket.referrals(),
    }
}

/// A breakdown's value in words: a theme, an age band, a province's name.
fn key_words(tr: Tr, dimension: Dimension, key: &str) -> String {
    match dimension {
        Dimension::Theme => word_of::<Theme>(tr, key),
        Dimension::AgeBand => word_of::<AgeBand>(tr, key),
        Dimension::Gender => word_of::<Gender>(tr, key),
        Dimension::Channel => word_of::<Channel>(tr, key),
        Dimension::Province => lachan_hotline::province(key)
            .map_or_else(|| tr.t("hotline-province-unknown"), |p| p.name.to_string()),
        Dimension::Category => key
            .parse::<Category>()
            .map_or_else(|_| key.to_string(), |c| text::category(tr, c)),
    }
}

fn breakdown(tr: Tr, stats: &HotlineStats, dimension: Dimension) -> BreakdownTable {
    let totals = stats.totals(dimension);
    let all: u64 = totals.iter().map(|(_, n)| n).sum();
    let most = totals.first().map_or(0, |(_, n)| *n).max(1);
    BreakdownTable {
        key: dimension.as_str(),
        title: tr.t1(
            "hotline-stats-by",
            "what",
            word(tr, dimension).to_lowercase(),
        ),
        rows: totals
            .iter()
            .map(|(key, n)| BreakdownRow {
                label: key_words(tr, dimension, key),
                count: *n,
                percent: percent(*n, all),
                width: n * 100 / most,
            })
            .collect(),
    }
}

fn legend(series: &[Series]) -> Vec<LegendItem> {
    series
        .iter()
        .map(|s| LegendItem {
            label: s.label.clone(),
            color: s.color.hex(),
        })
        .collect()
}

/// The SVG of a chart, or nothing (logged) if it could not be drawn.
fn drawn(svg: Result<String, crate::ui::charts::ChartError>) -> String {
    svg.unwrap_or_else(|error| {
        tracing::warn!(%error, "a statistics chart could not be drawn");
        String::new()
    })
}

/// Fills `view` with the figures of `stats`.
fn fill(tr: Tr, view: &mut StatsPage, stats: &StatsView) {
    let zone = Zone::default();
    let data = &stats.stats;
    let total = data.total();
    let tile = |key, value: String, label: &str| Tile {
        key,
        value,
        label: tr.t(label),
    };
    view.tiles = vec![
        tile(
            "contacts",
            total.contacts().to_string(),
            "hotline-stat-contacts",
        ),
        tile("reports", total.reports.to_string(), "hotline-stat-reports"),
        tile(
            "share",
            percent(total.reports, total.contacts()),
            "hotline-stat-share",
        ),
        tile(
            "cases",
            total.cases_opened.to_string(),
            "hotline-stat-cases",
        ),
        tile(
            "interventions",
            total.interventions().to_string(),
            "hotline-stat-interventions",
        ),
        tile(
            "referrals",
            total.referrals().to_string(),
            "hotline-stat-referrals",
        ),
    ];
    let labels: Vec<String> = data
        .buckets
        .iter()
        .map(|b| short_label(tr, &zone, stats.period, b.start_ms))
        .collect();
    let series = |label: &str, color, value: fn(&Bucket) -> u64| Series {
        label: tr.t(label),
        color,
        values: data.buckets.iter().map(value).collect(),
    };
    let contacts = PeriodData {
        labels: labels.clone(),
        series: vec![
            series("hotline-stat-reports", REPORTS, |b| b.reports),
            series("hotline-stat-other", OTHER, |b| b.other_contacts),
        ],
        axis: tr.t("hotline-stat-contacts"),
    };
    let work = PeriodData {
        labels,
        series: vec![
            series("hotline-stat-cases", CASES, |b| b.cases_opened),
            series(
                "hotline-stat-interventions",
                INTERVENTIONS,
                Bucket::interventions,
            ),
            series("hotline-stat-referrals", REFERRALS, Bucket::referrals),
        ],
        axis: tr.t("hotline-stats-work"),
    };
    view.contacts_chart = drawn(stacked_svg(&contacts));
    view.contacts_legend = legend(&contacts.series);
    view.work_chart = drawn(lines_svg(&work));
    view.work_legend = legend(&work.series);
    view.rows = data
        .buckets
        .iter()
        .map(|b| period_row(long_label(tr, &zone, stats.period, b.start_ms), b))
        .collect();
    if data.buckets.len() > 1 {
        view.rows
            .push(period_row(tr.t("hotline-stat-total"), &total));
    }
    view.breakdowns = DIMENSIONS.iter().map(|&d| breakdown(tr, data, d)).collect();
    view.clocks = data
        .clocks
        .iter()
        .map(|c| ClockStatsRow {
            name: clock(tr, &c.rule),
            met_in_time: c.met_in_time,
            met_late: c.met_late,
            missed: c.missed,
            running: c.running,
        })
        .collect();
    view.shown = true;
}

/// The query string of the exports for the range shown.
fn export_query(period: &str, from: &str, to: &str) -> String {
    format!(
        "period={}&from={}&to={}",
        query_value(period),
        query_value(from),
        query_value(to)
    )
}

/// `GET /hotline/stats?period=day|week|month&from=YYYY-MM-DD&to=YYYY-MM-DD` (the last 30 days
/// per day by default).
pub(crate) async fn show(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
    Query(input): Query<StatsInput>,
) -> Response {
    let tr = req.tr();
    let loaded = match ops::hotline_stats(&state, &who, &input).await {
        Err(error @ ops::OpError::Forbidden(_)) => return elsewhere(tr, &error),
        loaded => loaded,
    };
    let mut page = Page::new(
        &req,
        Some(&who),
        Nav::HotlineStats,
        "hotline-stats-title",
        "hotline-stats-help",
    );
    let (period, from, to) = match &loaded {
        Ok(stats) => (
            stats.period.as_str().to_string(),
            stats.from.clone(),
            stats.to.clone(),
        ),
        Err(error) => {
            page = page.with_error(text::op_error(tr, error));
            (
                input.period.clone().unwrap_or_default(),
                input.from.clone().unwrap_or_default(),
                input.to.clone().unwrap_or_default(),
            )
        }
    };
    let query = export_query(&period, &from, &to);
    let mut view = StatsPage {
        page,
        periods: choices(tr, Period::ALL, &period),
        csv_href: format!("/api/v1/hotline/stats.csv?{query}"),
        xlsx_href: format!("/api/v1/hotline/stats.xlsx?{query}"),
        from,
        to,
        shown: false,
        tiles: Vec::new(),
        contacts_chart: String::new(),
        contacts_legend: Vec::new(),
        work_chart: String::new(),
        work_legend: Vec::new(),
        rows: Vec::new(),
        breakdowns: Vec::new(),
        clocks: Vec::new(),
    };
    if let Ok(stats) = &loaded {
        fill(tr, &mut view, stats);
    }
    render(StatusCode::OK, &view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_labels_are_local_and_in_the_page_s_language() {
        let zone = Zone::default();
        // 2026-11-23 00:00 in Ho Chi Minh City (a Monday).
        let ms = "2026-11-22T17:00:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_millisecond();
        let (vi, en) = (Lang::Vi.tr(), Lang::En.tr());
        assert_eq!(short_label(vi, &zone, Period::Day, ms), "23/11");
        assert_eq!(short_label(en, &zone, Period::Day, ms), "23 Nov");
        assert_eq!(short_label(en, &zone, Period::Month, ms), "Nov 2026");
        assert_eq!(
            long_label(vi, &zone, Period::Week, ms),
            "Tuần từ 23/11/2026"
        );
        assert_eq!(long_label(en, &zone, Period::Day, ms), "2026-11-23");
    }

    #[test]
    fn percentages_are_whole_and_say_when_there_is_nothing() {
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(2, 3), "67%");
        assert_eq!(percent(0, 0), "—");
    }

    #[test]
    fn breakdown_keys_are_shown_in_words() {
        let tr = Lang::Vi.tr();
        assert_eq!(key_words(tr, Dimension::Province, "ha-noi"), "Hà Nội");
        assert_eq!(key_words(tr, Dimension::Province, "unknown"), "Không rõ");
        assert_eq!(key_words(tr, Dimension::AgeBand, "age_11_13"), "11–13 tuổi");
        assert_eq!(
            key_words(tr, Dimension::Channel, "web_form"),
            "Biểu mẫu trên web"
        );
    }
}
