//! The hotline's statistics for a range of days, and the tables they are exported as (CSV and
//! XLSX). Counts only: no report's contents.

use jiff::ToSpan;
use lachan_hotline::{ActionKind, Dimension, Period};
use lachan_store::hotline::{Bucket, HotlineStats, StatsQuery};
use serde::{Deserialize, Serialize};

use super::fields;
use super::scope::hotline_scope;
use super::store_error;
use crate::export::{Cell, Table};
use crate::ops::OpError;
use crate::principal::Principal;
use crate::state::AppState;

/// Days counted when the range does not say.
const DEFAULT_DAYS: i32 = 30;

/// The range and period of statistics, as written (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatsInput {
    /// The first day counted, `2026-03-01` (Viet Nam); default: 30 days before `to`.
    pub from: Option<String>,
    /// The last day counted (inclusive); default: today.
    pub to: Option<String>,
    /// `day` (default), `week` or `month`.
    pub period: Option<String>,
}

/// A hotline's statistics over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsView {
    /// The hotline counted.
    pub hotline: String,
    /// The first day counted, `2026-03-01`.
    pub from: String,
    /// The last day counted.
    pub to: String,
    /// The range's start (Unix milliseconds, inclusive).
    pub from_ms: i64,
    /// The range's end (exclusive: the midnight after `to`).
    pub to_ms: i64,
    /// The length of each bucket.
    pub period: Period,
    /// The counts.
    pub stats: HotlineStats,
}

/// The statistics of `who`'s hotline over the range of `input`, for its operators and
/// supervisors (administrators who supervise no hotline are refused, as on every hotline
/// endpoint).
pub async fn hotline_stats(
    state: &AppState,
    who: &Principal,
    input: &StatsInput,
) -> Result<StatsView, OpError> {
    let hotline = hotline_scope(who)?.hotline;
    let now_ms = state.now().as_millisecond();
    let to = match fields::given(input.to.as_deref()) {
        Some(text) => fields::date("end date", text)?,
        None => fields::day_of(now_ms),
    };
    let from = match fields::given(input.from.as_deref()) {
        Some(text) => fields::date("start date", text)?,
        None => to
            .checked_sub((DEFAULT_DAYS - 1).days())
            .map_err(|_| OpError::Invalid(format!("the end date {to} is out of range")))?,
    };
    if from > to {
        return Err(OpError::Invalid(format!(
            "the start date {from} is after the end date {to}; swap them"
        )));
    }
    let period = fields::optional_name("period", input.period.as_deref())?.unwrap_or(Period::Day);
    let after = to
        .tomorrow()
        .map_err(|_| OpError::Invalid(format!("the end date {to} is out of range")))?;
    let (from_ms, to_ms) = (fields::day_start_ms(from)?, fields::day_start_ms(after)?);
    let query = StatsQuery {
        hotline: hotline.clone(),
        from_ms,
        to_ms,
        period,
        now_ms,
    };
    let stats = state
        .store
        .hotline_stats(&query)
        .await
        .map_err(store_error)?;
    Ok(StatsView {
        hotline,
        from: from.to_string(),
        to: to.to_string(),
        from_ms,
        to_ms,
        period,
        stats,
    })
}

/// The statistics as tables: per period (contacts, reports, the share of online abuse, cases,
/// interventions, referrals and every kind of action), reports by each dimension over the
/// range, and the legal clocks.
pub fn stats_tables(view: &StatsView) -> Vec<Table> {
    let mut tables = vec![summary(view)];
    for &dimension in Dimension::ALL {
        let totals = view.stats.totals(dimension);
        let all: u64 = totals.iter().map(|(_, n)| n).sum();
        tables.push(Table {
            title: format!("Reports by {}", dimension.as_str().replace('_', " ")),
            headers: vec![
                dimension.as_str().to_string(),
                "reports".into(),
                "share".into(),
            ],
            rows: totals
                .into_iter()
                .map(|(key, n)| vec![Cell::Text(key), int(n), share(n, all)])
                .collect(),
        });
    }
    tables.push(Table {
        title: "Legal clocks".into(),
        headers: ["clock", "met in time", "met late", "missed", "running"]
            .map(String::from)
            .to_vec(),
        rows: view
            .stats
            .clocks
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.rule.clone()),
                    int(c.met_in_time),
                    int(c.met_late),
                    int(c.missed),
                    int(c.running),
                ]
            })
            .collect(),
    });
    tables
}

/// One row per bucket, then the total.
fn summary(view: &StatsView) -> Table {
    let mut headers: Vec<String> = [
        view.period.as_str(),
        "contacts",
        "reports",
        "other contacts",
        "online abuse share",
        "cases opened",
        "interventions",
        "referrals",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(ActionKind::ALL.iter().map(|k| k.as_str().to_string()));
    let row = |label: &str, b: &Bucket| {
        let mut row = vec![
            Cell::Text(label.to_string()),
            int(b.contacts()),
            int(b.reports),
            int(b.other_contacts),
            b.online_abuse_share()
                .map_or(Cell::Percent(f64::NAN), Cell::Percent),
            int(b.cases_opened),
            int(b.interventions()),
            int(b.referrals()),
        ];
        row.extend(ActionKind::ALL.iter().map(|&k| int(b.actions_of(k))));
        row
    };
    let mut rows: Vec<Vec<Cell>> = view
        .stats
        .buckets
        .iter()
        .map(|b| row(&b.label, b))
        .collect();
    rows.push(row("total", &view.stats.total()));
    Table {
        title: format!("Hotline {} by {}", view.hotline, view.period),
        headers,
        rows,
    }
}

fn int(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn share(part: u64, whole: u64) -> Cell {
    Cell::Percent(if whole == 0 {
        f64::NAN
    } else {
        part as f64 / whole as f64
    })
}
