//! Reports for the hotline's case queue: what was found, by whom, and the hashes that identify
//! it, never the content itself. Image-bank matches file them today; the hotline console adds
//! the other sources (platforms, operators, the public form) and the workflow after `new`.

use lachan_policy::Category;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{narrow, parse};
use crate::{Store, StoreError};

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportSource {
    /// An upload matched a bank of known child sexual abuse imagery.
    ImageMatch,
}

impl ReportSource {
    /// Every source.
    pub const ALL: &'static [ReportSource] = &[ReportSource::ImageMatch];

    /// The name as stored: `image_match`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportSource::ImageMatch => "image_match",
        }
    }
}

/// Where a report stands in the hotline's workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Filed, not yet looked at.
    New,
}

impl ReportStatus {
    /// Every status.
    pub const ALL: &'static [ReportStatus] = &[ReportStatus::New];

    /// The name as stored: `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::New => "new",
        }
    }
}

/// A stored name that is not one of a report field's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{name}'")]
pub struct UnknownReportValue {
    /// `report source` or `report status`.
    pub kind: &'static str,
    /// The text found.
    pub name: String,
}

impl std::str::FromStr for ReportSource {
    type Err = UnknownReportValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ReportSource::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownReportValue {
                kind: "report source",
                name: text.to_string(),
            })
    }
}

impl std::str::FromStr for ReportStatus {
    type Err = UnknownReportValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ReportStatus::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownReportValue {
                kind: "report status",
                name: text.to_string(),
            })
    }
}

/// The match behind a report made by an image-bank match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageMatchDetails {
    /// The bank's name.
    pub bank: String,
    /// The bank's label of the matching hash, if it has one.
    pub bank_label: Option<String>,
    /// Hamming distance between the hashes (0 to 31).
    pub distance: u32,
    /// The rotation or flip of the upload that matched (`original`, `rotate90`, ...).
    pub transform: String,
}

/// A report to file: what was found and by whom. Never the content: hashes and references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewReport {
    /// When it was made (Unix milliseconds).
    pub created_ms: i64,
    /// Where it came from.
    pub source: ReportSource,
    /// The taxonomy's category.
    pub category: Category,
    /// Who sent it, as the audit log names them (`token:NAME`, a username), if anyone.
    pub reporter: Option<String>,
    /// The API token that sent it, if one did.
    pub token_id: Option<i64>,
    /// The platform's own id of the content or upload.
    pub platform_reference: Option<String>,
    /// The content's PDQ hash, 64 hex digits.
    pub pdq: Option<String>,
    /// SHA-256 of the content's bytes, 64 hex digits.
    pub sha256: Option<String>,
    /// The bank match, for [`ReportSource::ImageMatch`].
    pub image_match: Option<ImageMatchDetails>,
}

/// A filed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Row id: the number the hotline and the platform refer to it by.
    pub id: i64,
    /// Where it stands.
    pub status: ReportStatus,
    /// What was filed.
    #[serde(flatten)]
    pub filed: NewReport,
}

const SELECT_REPORTS: &str = "SELECT id, created_ms, source, category, status, reporter, \
     token_id, platform_reference, pdq, sha256, bank, bank_label, distance, transform FROM reports";

impl Store {
    /// Files `report` with the status `new`; returns its id.
    pub async fn file_report(&self, report: &NewReport) -> Result<i64, StoreError> {
        let m = report.image_match.as_ref();
        let id = sqlx::query(
            "INSERT INTO reports (created_ms, source, category, status, reporter, token_id, \
             platform_reference, pdq, sha256, bank, bank_label, distance, transform) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(report.created_ms)
        .bind(report.source.as_str())
        .bind(report.category.as_str())
        .bind(ReportStatus::New.as_str())
        .bind(report.reporter.as_deref())
        .bind(report.token_id)
        .bind(report.platform_reference.as_deref())
        .bind(report.pdq.as_deref())
        .bind(report.sha256.as_deref())
        .bind(m.map(|m| m.bank.as_str()))
        .bind(m.and_then(|m| m.bank_label.as_deref()))
        .bind(m.map(|m| i64::from(m.distance)))
        .bind(m.map(|m| m.transform.as_str()))
        .fetch_one(self.pool())
        .await?
        .try_get("id")?;
        Ok(id)
    }

    /// The report with this id, if any.
    pub async fn report(&self, id: i64) -> Result<Option<Report>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_REPORTS);
        sql.push(" WHERE id = ").push_bind(id);
        let row = sql.build().fetch_optional(self.pool()).await?;
        row.as_ref().map(report_from_row).transpose()
    }

    /// The `limit` newest reports, newest first.
    pub async fn reports(&self, limit: u32) -> Result<Vec<Report>, StoreError> {
        let mut sql = QueryBuilder::<Sqlite>::new(SELECT_REPORTS);
        sql.push(" ORDER BY created_ms DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(report_from_row).collect()
    }
}

fn report_from_row(row: &SqliteRow) -> Result<Report, StoreError> {
    let bank: Option<String> = row.try_get("bank")?;
    let image_match = match bank {
        Some(bank) => {
            let distance: Option<i64> = row.try_get("distance")?;
            let transform: Option<String> = row.try_get("transform")?;
            Some(ImageMatchDetails {
                bank,
                bank_label: row.try_get("bank_label")?,
                distance: narrow("reports", "distance", distance.unwrap_or(0))?,
                transform: transform.unwrap_or_default(),
            })
        }
        None => None,
    };
    let category: String = row.try_get("category")?;
    Ok(Report {
        id: row.try_get("id")?,
        status: parse("reports", "status", row.try_get("status")?)?,
        filed: NewReport {
            created_ms: row.try_get("created_ms")?,
            source: parse("reports", "source", row.try_get("source")?)?,
            category: parse("reports", "category", &category)?,
            reporter: row.try_get("reporter")?,
            token_id: row.try_get("token_id")?,
            platform_reference: row.try_get("platform_reference")?,
            pdq: row.try_get("pdq")?,
            sha256: row.try_get("sha256")?,
            image_match,
        },
    })
}
