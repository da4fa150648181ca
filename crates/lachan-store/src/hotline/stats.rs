//! Statistics of a hotline over a time range, in buckets of a [`Period`] cut at Viet Nam's
//! midnight: contacts, reports, cases, actions, breakdowns of reports by [`Dimension`], and how
//! the legal clocks fared. Counted by SQL `GROUP BY`, never by loading rows.

use std::collections::BTreeMap;

use lachan_hotline::{ActionKind, Dimension, Period, Subtype, Theme, VIETNAM_UTC_OFFSET_MINUTES};
use lachan_policy::Category;
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{narrow, parse};
use crate::{Store, StoreError};

/// The key of reports that do not give a dimension's value (as `AgeBand::Unknown`,
/// `Gender::Unknown` and the unknown province are named).
const UNKNOWN: &str = "unknown";

/// The most buckets one query may ask for (a year and a month of days).
pub const MAX_STATS_BUCKETS: usize = 400;

/// What [`Store::hotline_stats`] counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    /// The hotline.
    pub hotline: String,
    /// The start of the range (Unix milliseconds, inclusive).
    pub from_ms: i64,
    /// The end of the range (exclusive).
    pub to_ms: i64,
    /// The length of each bucket.
    pub period: Period,
    /// Now: clocks unmet and past their deadline by then count as missed.
    pub now_ms: i64,
}

/// The counts of one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Where the bucket starts (local midnight, Unix milliseconds); the first bucket counts
    /// from the range's start only.
    pub start_ms: i64,
    /// Its label: `2025-06-09` for a day or a week (its Monday), `2025-06` for a month.
    pub label: String,
    /// Reports received.
    pub reports: u64,
    /// Contacts without report.
    pub other_contacts: u64,
    /// Cases opened.
    pub cases_opened: u64,
    /// Actions recorded, by kind.
    pub actions: BTreeMap<ActionKind, u64>,
}

impl Bucket {
    /// Every contact: reports and contacts without report.
    pub fn contacts(&self) -> u64 {
        self.reports + self.other_contacts
    }

    /// The share of contacts that reported online harm (reports / contacts); `None` without
    /// contacts.
    pub fn online_abuse_share(&self) -> Option<f64> {
        share(self.reports, self.contacts())
    }

    /// Actions of `kind`.
    pub fn actions_of(&self, kind: ActionKind) -> u64 {
        self.actions.get(&kind).copied().unwrap_or(0)
    }

    /// Interventions: counselling and emergency interventions.
    pub fn interventions(&self) -> u64 {
        self.actions_of(ActionKind::Counselling)
            + self.actions_of(ActionKind::EmergencyIntervention)
    }

    /// Referrals: to authorities, and takedown requests to platforms.
    pub fn referrals(&self) -> u64 {
        self.actions_of(ActionKind::Referral) + self.actions_of(ActionKind::TakedownRequest)
    }
}

/// Reports of one bucket with one value of a dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// What the reports are broken down by.
    pub dimension: Dimension,
    /// The bucket ([`Bucket::start_ms`]).
    pub start_ms: i64,
    /// The value: a category, theme, age band, gender, province slug or channel name;
    /// `unknown` where the report does not say.
    pub key: String,
    /// How many reports.
    pub reports: u64,
}

/// How the clocks of one rule started in the range fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockCounts {
    /// The rule's name.
    pub rule: String,
    /// Met by their deadline.
    pub met_in_time: u64,
    /// Met after their deadline.
    pub met_late: u64,
    /// Unmet and past their deadline.
    pub missed: u64,
    /// Unmet, deadline still ahead.
    pub running: u64,
}

/// A hotline's statistics over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotlineStats {
    /// The length of each bucket.
    pub period: Period,
    /// Every bucket of the range, in order, empty ones included.
    pub buckets: Vec<Bucket>,
    /// Reports per bucket and value of each dimension (only values with reports).
    pub breakdowns: Vec<Breakdown>,
    /// Clocks started in the range, by rule name.
    pub clocks: Vec<ClockCounts>,
}

impl HotlineStats {
    /// Reports over the whole range per value of `dimension`, most first (then by value).
    pub fn totals(&self, dimension: Dimension) -> Vec<(String, u64)> {
        let mut sums: BTreeMap<&str, u64> = BTreeMap::new();
        for b in self.breakdowns.iter().filter(|b| b.dimension == dimension) {
            *sums.entry(&b.key).or_default() += b.reports;
        }
        let mut totals: Vec<(String, u64)> =
            sums.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        totals
    }

    /// Every count summed over the range, as one bucket starting where the first does.
    pub fn total(&self) -> Bucket {
        let mut total = Bucket {
            start_ms: self.buckets.first().map_or(0, |b| b.start_ms),
            label: String::new(),
            reports: 0,
            other_contacts: 0,
            cases_opened: 0,
            actions: BTreeMap::new(),
        };
        for b in &self.buckets {
            total.reports += b.reports;
            total.other_contacts += b.other_contacts;
            total.cases_opened += b.cases_opened;
            for (&kind, &n) in &b.actions {
                *total.actions.entry(kind).or_default() += n;
            }
        }
        total
    }
}

/// `part / whole`, `None` when `whole` is zero.
fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The theme a report is counted under: its subtype's, or for a report without one the theme
/// of the first subtype of its category (`other` if no subtype has it).
fn theme_of(category: Category, subtype: Option<Subtype>) -> Theme {
    subtype
        .or_else(|| {
            Subtype::ALL
                .iter()
                .copied()
                .find(|s| *s != Subtype::Other && s.category() == category)
        })
        .map_or(Theme::Other, Subtype::theme)
}

/// One bucket's range within the query: (natural start, counted from, counted until).
type Span = (i64, i64, i64);

/// The buckets of the query, at most [`MAX_STATS_BUCKETS`].
fn spans(query: &StatsQuery) -> Result<Vec<Span>, StoreError> {
    if query.from_ms >= query.to_ms {
        return Err(StoreError::InvalidPeriod(
            "the range of statistics must start before it ends".into(),
        ));
    }
    let offset = VIETNAM_UTC_OFFSET_MINUTES;
    let mut spans = Vec::new();
    let mut start = query.period.bucket_start(query.from_ms, offset);
    while start < query.to_ms {
        if spans.len() == MAX_STATS_BUCKETS {
            return Err(StoreError::InvalidPeriod(format!(
                "more than {MAX_STATS_BUCKETS} {}s; choose a shorter range or a longer period",
                query.period
            )));
        }
        let next = query.period.next_start(start, offset);
        spans.push((start, start.max(query.from_ms), next.min(query.to_ms)));
        start = next;
    }
    Ok(spans)
}

/// Per-bucket counts of reports by the value of a column (`NULL`: no value).
fn reports_by(column: &str) -> String {
    format!(
        "SELECT b.s AS s, {column} AS key, COUNT(*) AS n FROM b JOIN p JOIN reports r \
         ON r.hotline = p.hotline AND r.created_ms >= b.lo AND r.created_ms < b.hi \
         GROUP BY b.s, key"
    )
}

/// Per-bucket counts of the rows of `table` (with `hotline` and `created_ms` columns).
fn rows_of(table: &str) -> String {
    format!(
        "SELECT b.s AS s, NULL AS key, COUNT(*) AS n FROM b JOIN p JOIN {table} t \
         ON t.hotline = p.hotline AND t.created_ms >= b.lo AND t.created_ms < b.hi GROUP BY b.s"
    )
}

/// Per-bucket counts of actions by kind. `CROSS JOIN` keeps SQLite's join order: the actions of
/// each bucket by time, then their case by id (not every case of the hotline per bucket).
const ACTIONS_BY_KIND: &str = "SELECT b.s AS s, a.kind AS key, COUNT(*) AS n FROM b JOIN p \
     CROSS JOIN hotline_actions a ON a.created_ms >= b.lo AND a.created_ms < b.hi \
     CROSS JOIN hotline_cases k ON k.id = a.case_id AND k.hotline = p.hotline GROUP BY b.s, key";

/// (bucket start, value, count) rows of a grouped query.
type Counted = Vec<(i64, Option<String>, u64)>;

impl Store {
    /// The statistics of `query.hotline` from `query.from_ms` to `query.to_ms` in buckets of
    /// `query.period` (at most [`MAX_STATS_BUCKETS`]).
    pub async fn hotline_stats(&self, query: &StatsQuery) -> Result<HotlineStats, StoreError> {
        let spans = spans(query)?;
        let offset = VIETNAM_UTC_OFFSET_MINUTES;
        let mut buckets: Vec<Bucket> = spans
            .iter()
            .map(|&(start, _, _)| Bucket {
                start_ms: start,
                label: query.period.label(start, offset),
                reports: 0,
                other_contacts: 0,
                cases_opened: 0,
                actions: BTreeMap::new(),
            })
            .collect();
        let index = |start: i64| spans.binary_search_by_key(&start, |s| s.0).ok();
        for (s, _, n) in self.counted(query, &spans, &reports_by("NULL")).await? {
            if let Some(i) = index(s) {
                buckets[i].reports = n;
            }
        }
        for (s, _, n) in self
            .counted(query, &spans, &rows_of("hotline_contacts"))
            .await?
        {
            if let Some(i) = index(s) {
                buckets[i].other_contacts = n;
            }
        }
        for (s, _, n) in self
            .counted(query, &spans, &rows_of("hotline_cases"))
            .await?
        {
            if let Some(i) = index(s) {
                buckets[i].cases_opened = n;
            }
        }
        for (s, kind, n) in self.counted(query, &spans, ACTIONS_BY_KIND).await? {
            let kind: ActionKind = parse("hotline_actions", "kind", kind.as_deref().unwrap_or(""))?;
            if let Some(i) = index(s) {
                buckets[i].actions.insert(kind, n);
            }
        }
        let mut breakdowns = Vec::new();
        let plain = [
            (Dimension::AgeBand, "r.age_band"),
            (Dimension::Gender, "r.gender"),
            (Dimension::Province, "r.province"),
            (Dimension::Channel, "r.source"),
        ];
        for (dimension, column) in plain {
            for (start_ms, key, reports) in self.counted(query, &spans, &reports_by(column)).await?
            {
                breakdowns.push(Breakdown {
                    dimension,
                    start_ms,
                    key: key.unwrap_or_else(|| UNKNOWN.to_string()),
                    reports,
                });
            }
        }
        let kinds = reports_by("r.category || ' ' || IFNULL(r.subtype, '')");
        let mut themes: BTreeMap<(i64, Theme), u64> = BTreeMap::new();
        for (start_ms, key, reports) in self.counted(query, &spans, &kinds).await? {
            let key = key.unwrap_or_default();
            let (category, subtype) = key.split_once(' ').unwrap_or((&key, ""));
            let category: Category = parse("reports", "category", category)?;
            let subtype: Option<Subtype> = match subtype {
                "" => None,
                s => Some(parse("reports", "subtype", s)?),
            };
            *themes
                .entry((start_ms, theme_of(category, subtype)))
                .or_default() += reports;
            breakdowns.push(Breakdown {
                dimension: Dimension::Category,
                start_ms,
                key: category.as_str().to_string(),
                reports,
            });
        }
        merge_repeats(&mut breakdowns);
        breakdowns.extend(
            themes
                .into_iter()
                .map(|((start_ms, theme), reports)| Breakdown {
                    dimension: Dimension::Theme,
                    start_ms,
                    key: theme.as_str().to_string(),
                    reports,
                }),
        );
        Ok(HotlineStats {
            period: query.period,
            buckets,
            breakdowns,
            clocks: self.clock_counts(query).await?,
        })
    }

    /// Runs a grouped query over the buckets `spans` (table `b(s, lo, hi)`) and the hotline
    /// (table `p(hotline)`).
    async fn counted(
        &self,
        query: &StatsQuery,
        spans: &[Span],
        select: &str,
    ) -> Result<Counted, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new("WITH p(hotline) AS (VALUES (");
        sql.push_bind(&query.hotline)
            .push(")), b(s, lo, hi) AS (VALUES ");
        for (i, &(start, lo, hi)) in spans.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .push_bind(start)
                .push(", ")
                .push_bind(lo)
                .push(", ")
                .push_bind(hi)
                .push(")");
        }
        sql.push(") ").push(select);
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let n: i64 = row.try_get("n")?;
                Ok((
                    row.try_get("s")?,
                    row.try_get("key")?,
                    narrow("stats", "count", n)?,
                ))
            })
            .collect()
    }

    /// How the clocks of the hotline's cases started in the range fared, by rule (the clocks
    /// found by start time, then their case: `CROSS JOIN` keeps that order).
    async fn clock_counts(&self, query: &StatsQuery) -> Result<Vec<ClockCounts>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.rule AS rule, \
             SUM(c.met_ms IS NOT NULL AND c.met_ms <= c.due_ms) AS met_in_time, \
             SUM(c.met_ms IS NOT NULL AND c.met_ms > c.due_ms) AS met_late, \
             SUM(c.met_ms IS NULL AND c.due_ms < ?) AS missed, \
             SUM(c.met_ms IS NULL AND c.due_ms >= ?) AS running \
             FROM hotline_clocks c CROSS JOIN hotline_cases k ON k.id = c.case_id \
             WHERE k.hotline = ? AND c.started_ms >= ? AND c.started_ms < ? \
             GROUP BY c.rule ORDER BY c.rule",
        )
        .bind(query.now_ms)
        .bind(query.now_ms)
        .bind(&query.hotline)
        .bind(query.from_ms)
        .bind(query.to_ms)
        .fetch_all(self.pool())
        .await?;
        let count = |row: &sqlx::sqlite::SqliteRow, column: &'static str| {
            let n: i64 = row.try_get(column)?;
            narrow::<u64>("hotline_clocks", column, n)
        };
        rows.iter()
            .map(|row| {
                Ok(ClockCounts {
                    rule: row.try_get("rule")?,
                    met_in_time: count(row, "met_in_time")?,
                    met_late: count(row, "met_late")?,
                    missed: count(row, "missed")?,
                    running: count(row, "running")?,
                })
            })
            .collect()
    }
}

/// Sums the breakdown rows that share dimension, bucket and key (the category rows come once
/// per subtype).
fn merge_repeats(rows: &mut Vec<Breakdown>) {
    let mut merged: BTreeMap<(Dimension, i64, String), u64> = BTreeMap::new();
    for row in rows.drain(..) {
        *merged
            .entry((row.dimension, row.start_ms, row.key))
            .or_default() += row.reports;
    }
    rows.extend(
        merged
            .into_iter()
            .map(|((dimension, start_ms, key), reports)| Breakdown {
                dimension,
                start_ms,
                key,
                reports,
            }),
    );
}
