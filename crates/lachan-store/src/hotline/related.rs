//! Open cases a report may belong to, suggested at triage: cases of the same hotline whose
//! reports share a URL, a suspect account, a content hash or the child with it.
//!
//! Bounded work: only the [`RELATED_CANDIDATES`] most recent reports that belong to open cases
//! of the hotline are compared (found through the `hotline_cases_status` and `reports_case`
//! indexes, then sorted by receipt time); an older report of a long-open case is not looked at.
//! Their JSON lists (`reports.urls`, `accounts`, `hashes`) are unpacked with SQLite's
//! `json_each` and narrowed in SQL to the values that may match; the comparison is then
//! confirmed in Rust with one normalisation per kind:
//! - URL: surrounding spaces and a `#fragment` dropped, scheme and host in lower case, one
//!   trailing `/` dropped (`HTTPS://Example.com/a/#x` = `https://example.com/a`); the path and
//!   query keep their case.
//! - Account: surrounding spaces dropped, ASCII letters in lower case.
//! - Hash: kind and value as stored (hex in lower case); an image match's own `sha256` and `pdq`
//!   columns count as hashes too.
//! - Child: the same child contact (lower case, without spaces, dots, dashes, brackets), or
//!   the same child name (spaces collapsed, lower case) in the same known province. These identity fields are compared here and never returned.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use lachan_hotline::{CaseStatus, Risk};
use lachan_policy::named_enum;
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::HotlineError;
use super::reports::{ContentHash, Report};
use crate::codec::{parse, to_json};
use crate::{Store, StoreError};

/// How many of the most recent reports of open cases [`Store::related_cases`] compares.
pub const RELATED_CANDIDATES: u32 = 5000;

/// Most cases [`Store::related_cases`] returns.
pub const MAX_RELATED: u32 = 50;

named_enum!(
    /// Why a case may be related to a report.
    RelationReason, "relation reason", {
        /// A report of the case names the same URL.
        SameUrl => "same_url",
        /// A report of the case names the same suspect account.
        SameAccount => "same_account",
        /// A report of the case has the same content hash.
        SameHash => "same_hash",
        /// A report of the case is about the same child (same contact, or same name and
        /// province).
        SameChild => "same_child",
    }
);

/// An open case that may be related to a report, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedCase {
    /// The case number.
    pub case_id: i64,
    /// The case's title (never an identity, but it may hint at one: the server decides who
    /// sees it).
    pub title: String,
    /// Where the case is in the workflow (never closed).
    pub status: CaseStatus,
    /// How urgent it is.
    pub risk: Risk,
    /// Its operator.
    pub assignee: Option<String>,
    /// Why it may be related, each once, in the order of [`RelationReason::ALL`].
    pub reasons: Vec<RelationReason>,
}

/// What a report is compared by: its normalised values of each kind.
#[derive(Debug, Default)]
struct Keys {
    urls: HashSet<String>,
    accounts: HashSet<String>,
    hashes: HashSet<String>,
    child_contact: Option<String>,
    child_name: Option<String>,
    province: Option<String>,
}

impl Keys {
    /// The keys of `report`.
    fn of(report: &Report) -> Keys {
        let filed = &report.filed;
        let mut hashes: HashSet<String> = filed.hashes.iter().map(hash_key).collect();
        for (kind, value) in [("sha256", &filed.sha256), ("pdq", &filed.pdq)] {
            if let Some(value) = value {
                hashes.insert(format!("{kind}:{}", value.to_ascii_lowercase()));
            }
        }
        let province = filed
            .province
            .clone()
            .filter(|p| p != lachan_hotline::UNKNOWN_PROVINCE);
        Keys {
            urls: filed.urls.iter().map(|u| url_key(u)).collect(),
            accounts: filed.accounts.iter().map(|a| account_key(a)).collect(),
            hashes,
            child_contact: contact_key(filed.identity.child_contact.as_deref()),
            child_name: identity_key(filed.identity.child_name.as_deref()),
            province,
        }
    }

    /// Whether a candidate's value of `kind` (as the query names it) matches.
    fn matches(&self, kind: &str, value: &str, province: Option<&str>) -> Option<RelationReason> {
        let hit = match kind {
            "url" => self.urls.contains(&url_key(value)),
            "account" => self.accounts.contains(&account_key(value)),
            "hash" => self.hashes.contains(value),
            "child_contact" => {
                self.child_contact.is_some() && self.child_contact == contact_key(Some(value))
            }
            "child_name" => {
                self.child_name.is_some()
                    && self.province.as_deref() == province
                    && self.child_name == identity_key(Some(value))
            }
            _ => false,
        };
        hit.then(|| reason_of(kind))
    }
}

/// The reason a row of kind `kind` gives.
fn reason_of(kind: &str) -> RelationReason {
    match kind {
        "url" => RelationReason::SameUrl,
        "account" => RelationReason::SameAccount,
        "hash" => RelationReason::SameHash,
        _ => RelationReason::SameChild,
    }
}

/// A URL for comparison: spaces around and the `#fragment` dropped, scheme and host in lower
/// case, one trailing `/` dropped.
fn url_key(url: &str) -> String {
    let url = url.trim_matches(' ');
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let url = url.strip_suffix('/').unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// The SQL narrowing of [`url_key`]: a looser key (the whole URL in ASCII lower case, every
/// trailing `/` dropped) that equal URL keys always share, computed the same way as
/// [`URL_LOOSE_SQL`].
fn url_loose_key(url: &str) -> String {
    let url = url.trim_matches(' ');
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    url.to_ascii_lowercase().trim_end_matches('/').to_string()
}

/// [`url_loose_key`] of `u.value` in SQL.
const URL_LOOSE_SQL: &str = "rtrim(lower(CASE WHEN instr(trim(u.value), '#') > 0 \
     THEN substr(trim(u.value), 1, instr(trim(u.value), '#') - 1) ELSE trim(u.value) END), '/')";

/// An account reference for comparison (the same in SQL: `lower(trim(value))`).
fn account_key(account: &str) -> String {
    account.trim_matches(' ').to_ascii_lowercase()
}

/// A hash as `kind:value` (the same in SQL).
fn hash_key(hash: &ContentHash) -> String {
    format!("{}:{}", hash.kind, hash.value.to_ascii_lowercase())
}

/// A child's name or contact for comparison: words separated by one space, in lower case;
/// none when blank.
fn identity_key(text: Option<&str>) -> Option<String> {
    let words: Vec<String> = text?.split_whitespace().map(str::to_lowercase).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A child's contact for comparison: [`identity_key`] without spaces, dots, dashes and
/// brackets, so that `0912 345 678` = `0912.345.678`.
fn contact_key(text: Option<&str>) -> Option<String> {
    let key: String = identity_key(text)?
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    (!key.is_empty()).then_some(key)
}

/// A JSON array of `items` for `reports.column`, bound as one parameter and read with
/// `json_each`.
fn json_array<'a>(
    column: &'static str,
    items: impl IntoIterator<Item = &'a String>,
) -> Result<String, StoreError> {
    to_json("reports", column, &items.into_iter().collect::<Vec<_>>())
}

impl Store {
    /// The open cases of `hotline` (at most `limit`, 1 to [`MAX_RELATED`]) that report
    /// `report_id` may belong to: cases other than its own whose reports share a URL, a suspect
    /// account, a content hash or the child with it (see the module documentation for how
    /// values are compared, and the bound on the reports looked at). Cases with more reasons
    /// come first, then the most recently opened. A report without anything to compare gets
    /// none.
    pub async fn related_cases(
        &self,
        report_id: i64,
        hotline: &str,
        limit: u32,
    ) -> Result<Vec<RelatedCase>, StoreError> {
        let report = self
            .report(report_id)
            .await?
            .ok_or(HotlineError::NoSuchReport(report_id))?;
        if report.filed.hotline != hotline {
            return Err(HotlineError::ReportOfOtherHotline(report_id).into());
        }
        let keys = Keys::of(&report);
        let reasons = self.matching_cases(&report, &keys, hotline).await?;
        let mut ranked: Vec<(i64, BTreeSet<RelationReason>)> = reasons.into_iter().collect();
        ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(b.0.cmp(&a.0)));
        ranked.truncate(limit.clamp(1, MAX_RELATED) as usize);
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT id, title, status, risk, assignee FROM hotline_cases WHERE id IN (",
        );
        let mut ids = sql.separated(", ");
        for (id, _) in &ranked {
            ids.push_bind(*id);
        }
        sql.push(")");
        let rows = sql.build().fetch_all(self.pool()).await?;
        let mut cases = BTreeMap::new();
        for row in &rows {
            let status: String = row.try_get("status")?;
            let risk: String = row.try_get("risk")?;
            let id: i64 = row.try_get("id")?;
            cases.insert(
                id,
                (
                    row.try_get::<String, _>("title")?,
                    parse::<CaseStatus>("hotline_cases", "status", &status)?,
                    parse::<Risk>("hotline_cases", "risk", &risk)?,
                    row.try_get::<Option<String>, _>("assignee")?,
                ),
            );
        }
        Ok(ranked
            .into_iter()
            .filter_map(|(case_id, reasons)| {
                let (title, status, risk, assignee) = cases.remove(&case_id)?;
                Some(RelatedCase {
                    case_id,
                    title,
                    status,
                    risk,
                    assignee,
                    reasons: reasons.into_iter().collect(),
                })
            })
            .collect())
    }

    /// The open cases of `hotline` other than `report`'s with at least one value matching
    /// `keys`, with the reasons.
    async fn matching_cases(
        &self,
        report: &Report,
        keys: &Keys,
        hotline: &str,
    ) -> Result<BTreeMap<i64, BTreeSet<RelationReason>>, StoreError> {
        let loose: BTreeSet<String> = report.filed.urls.iter().map(|u| url_loose_key(u)).collect();
        let mut sql = QueryBuilder::<Sqlite>::new(
            "WITH candidates AS MATERIALIZED (SELECT r.case_id, r.urls, r.accounts, r.hashes, \
             r.sha256, r.pdq, r.child_name, r.child_contact, r.province \
             FROM hotline_cases k JOIN reports r ON r.case_id = k.id WHERE k.hotline = ",
        );
        sql.push_bind(hotline).push(" AND k.status IN (");
        let mut open = sql.separated(", ");
        for status in CaseStatus::ALL.iter().filter(|&&s| s != CaseStatus::Closed) {
            open.push_bind(status.as_str());
        }
        sql.push(") AND k.id <> ")
            .push_bind(report.case_id.unwrap_or(-1))
            .push(" ORDER BY r.created_ms DESC, r.id DESC LIMIT ")
            .push_bind(i64::from(RELATED_CANDIDATES))
            .push(format!(
                ") SELECT c.case_id, 'url' AS kind, u.value AS value, NULL AS province \
                 FROM candidates c, json_each(c.urls) u \
                 WHERE {URL_LOOSE_SQL} IN (SELECT value FROM json_each("
            ))
            .push_bind(json_array("urls", &loose)?)
            .push(
                ")) UNION ALL SELECT c.case_id, 'account', a.value, NULL \
                 FROM candidates c, json_each(c.accounts) a \
                 WHERE lower(trim(a.value)) IN (SELECT value FROM json_each(",
            )
            .push_bind(json_array("accounts", &keys.accounts)?)
            .push(
                ")) UNION ALL SELECT case_id, 'hash', key, NULL FROM (\
                 SELECT c.case_id, json_extract(h.value, '$.kind') || ':' || \
                 lower(json_extract(h.value, '$.value')) AS key \
                 FROM candidates c, json_each(c.hashes) h \
                 UNION ALL SELECT case_id, 'sha256:' || lower(sha256) FROM candidates \
                 WHERE sha256 IS NOT NULL \
                 UNION ALL SELECT case_id, 'pdq:' || lower(pdq) FROM candidates \
                 WHERE pdq IS NOT NULL) WHERE key IN (SELECT value FROM json_each(",
            )
            .push_bind(json_array("hashes", &keys.hashes)?)
            .push(")) UNION ALL SELECT case_id, 'child_contact', child_contact, NULL FROM candidates WHERE ")
            .push_bind(keys.child_contact.is_some())
            .push(
                " AND child_contact IS NOT NULL \
                 UNION ALL SELECT case_id, 'child_name', child_name, province FROM candidates \
                 WHERE child_name IS NOT NULL AND province = ",
            )
            .push_bind(keys.child_name.as_ref().and(keys.province.as_deref()));
        let rows = sql.build().fetch_all(self.pool()).await?;
        let mut found: BTreeMap<i64, BTreeSet<RelationReason>> = BTreeMap::new();
        for row in &rows {
            let kind: String = row.try_get("kind")?;
            let value: Option<String> = row.try_get("value")?;
            let province: Option<String> = row.try_get("province")?;
            let Some(value) = value else { continue };
            if let Some(reason) = keys.matches(&kind, &value, province.as_deref()) {
                found
                    .entry(row.try_get("case_id")?)
                    .or_default()
                    .insert(reason);
            }
        }
        Ok(found)
    }
}
