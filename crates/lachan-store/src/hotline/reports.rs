//! Reports: what a person, a platform or a detection told the hotline, filed once per sender
//! and idempotency key; the queue of new ones; the reports of a case. Never the content itself:
//! hashes, URLs and references only.

use lachan_hotline::{AgeBand, Channel, Gender, Subtype};
use lachan_policy::{Category, named_enum};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{HotlineError, limits};
use crate::codec::{from_json, narrow, parse, to_json};
use crate::{Store, StoreError};

/// The hotline reports and cases belong to unless told otherwise (`reports.hotline`'s default).
pub const DEFAULT_HOTLINE: &str = "111";

named_enum!(
    /// Where a report stands: waiting in its hotline's queue, or triaged into a case (whose
    /// status carries the workflow from there).
    ReportStatus, "report status", {
        /// In the queue, not yet triaged.
        New => "new",
        /// Part of a case.
        Triaged => "triaged",
    }
);

named_enum!(
    /// The algorithm of a [`ContentHash`].
    HashKind, "hash kind", {
        /// PDQ perceptual hash of an image, 256 bits.
        Pdq => "pdq",
        /// SHA-256 of the bytes.
        Sha256 => "sha256",
        /// MD5 of the bytes (as older hash lists give them).
        Md5 => "md5",
    }
);

impl HashKind {
    /// How many hexadecimal digits a hash of this kind has.
    pub fn hex_digits(self) -> usize {
        match self {
            HashKind::Pdq | HashKind::Sha256 => 64,
            HashKind::Md5 => 32,
        }
    }
}

/// A hash identifying reported content (never the content itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHash {
    /// The algorithm.
    pub kind: HashKind,
    /// The hash in hexadecimal, lower case as stored.
    pub value: String,
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

/// Who reported and who the child is: shown only to the case's operator and the hotline's
/// supervisors, and emptied when the case is anonymised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The reporter's name.
    pub reporter_name: Option<String>,
    /// How to reach the reporter (phone, e-mail, Zalo).
    pub reporter_contact: Option<String>,
    /// The child's name.
    pub child_name: Option<String>,
    /// How to reach the child, or where the child lives.
    pub child_contact: Option<String>,
}

impl Identity {
    /// Whether no identity field is set.
    pub fn is_empty(&self) -> bool {
        *self == Identity::default()
    }
}

/// A report to file: what was found and by whom. Never the content: hashes and references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewReport {
    /// When it was received (Unix milliseconds).
    pub created_ms: i64,
    /// The hotline whose queue it goes to.
    pub hotline: String,
    /// How it reached the hotline.
    pub source: Channel,
    /// The taxonomy's category.
    pub category: Category,
    /// The finer type; must fit the category ([`Subtype::fits`]).
    pub subtype: Option<Subtype>,
    /// The child's age band.
    pub age_band: Option<AgeBand>,
    /// The child's gender.
    pub gender: Option<Gender>,
    /// Where the child lives: a province slug of `lachan_hotline::provinces`, or `unknown`.
    pub province: Option<String>,
    /// The online platform where it happened, free text.
    pub platform: Option<String>,
    /// The kind of content (image, video, chat, ...), free text.
    pub content_type: Option<String>,
    /// What happened, in the reporter's or operator's words.
    pub description: Option<String>,
    /// Where the content is.
    pub urls: Vec<String>,
    /// Hashes of the content.
    pub hashes: Vec<ContentHash>,
    /// References of suspect accounts.
    pub accounts: Vec<String>,
    /// Who reported and who the child is.
    pub identity: Identity,
    /// Whether the reporter asked not to be named.
    pub anonymous: bool,
    /// Who sent it, as the audit log names them (`token:NAME`, a username), if anyone.
    pub reporter: Option<String>,
    /// The operator who typed it in, for phone, Zalo and e-mail reports.
    pub operator: Option<String>,
    /// The API token that sent it, if one did.
    pub token_id: Option<i64>,
    /// The sender's key for this report: filing again with the same sender ([`Self::token_id`])
    /// and key returns the report already filed.
    pub idempotency_key: Option<String>,
    /// The platform's own id of the content or upload.
    pub platform_reference: Option<String>,
    /// The matched upload's PDQ hash, 64 hex digits (image matches).
    pub pdq: Option<String>,
    /// SHA-256 of the matched upload's bytes, 64 hex digits (image matches).
    pub sha256: Option<String>,
    /// The bank match, for [`Channel::ImageMatch`].
    pub image_match: Option<ImageMatchDetails>,
}

impl NewReport {
    /// Who the audit log names as filing it: the operator who typed it in, else the sender
    /// (`token:NAME`, a username), else its channel (`web_form`, or a detection such as
    /// `image_match`).
    pub fn actor(&self) -> String {
        self.operator
            .clone()
            .or_else(|| self.reporter.clone())
            .unwrap_or_else(|| self.source.as_str().to_string())
    }

    /// A report received at `created_ms` by `hotline` through `source`, of `category`, with
    /// nothing else recorded yet.
    pub fn new(created_ms: i64, hotline: &str, source: Channel, category: Category) -> NewReport {
        NewReport {
            created_ms,
            hotline: hotline.to_string(),
            source,
            category,
            subtype: None,
            age_band: None,
            gender: None,
            province: None,
            platform: None,
            content_type: None,
            description: None,
            urls: Vec::new(),
            hashes: Vec::new(),
            accounts: Vec::new(),
            identity: Identity::default(),
            anonymous: false,
            reporter: None,
            operator: None,
            token_id: None,
            idempotency_key: None,
            platform_reference: None,
            pdq: None,
            sha256: None,
            image_match: None,
        }
    }

    /// Checks the report against the store's limits and vocabulary.
    pub fn check(&self) -> Result<(), HotlineError> {
        use limits::*;
        required("hotline", &self.hotline, MAX_HOTLINE_CHARS)?;
        if let Some(subtype) = self.subtype
            && !subtype.fits(self.category)
        {
            return Err(HotlineError::SubtypeMismatch {
                subtype,
                expected: subtype.category(),
                given: self.category,
            });
        }
        if let Some(province) = self.province.as_deref()
            && !lachan_hotline::is_province_slug(province)
        {
            return Err(HotlineError::UnknownProvince(province.to_string()));
        }
        optional("platform", self.platform.as_deref(), MAX_PLATFORM_CHARS)?;
        optional(
            "content type",
            self.content_type.as_deref(),
            MAX_CONTENT_TYPE_CHARS,
        )?;
        optional(
            "description",
            self.description.as_deref(),
            MAX_DESCRIPTION_CHARS,
        )?;
        list("URLs", "URL", &self.urls, MAX_URLS, MAX_URL_CHARS)?;
        list(
            "accounts",
            "account",
            &self.accounts,
            MAX_ACCOUNTS,
            MAX_ACCOUNT_CHARS,
        )?;
        if self.hashes.len() > MAX_HASHES {
            return Err(HotlineError::TooMany {
                field: "hashes",
                max: MAX_HASHES,
            });
        }
        for hash in &self.hashes {
            let hex = hash.value.len() == hash.kind.hex_digits()
                && hash.value.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex {
                return Err(HotlineError::InvalidHash {
                    kind: hash.kind,
                    value: hash.value.chars().take(80).collect(),
                });
            }
        }
        let id = &self.identity;
        optional(
            "reporter's name",
            id.reporter_name.as_deref(),
            MAX_NAME_CHARS,
        )?;
        optional(
            "reporter's contact",
            id.reporter_contact.as_deref(),
            MAX_CONTACT_CHARS,
        )?;
        optional("child's name", id.child_name.as_deref(), MAX_NAME_CHARS)?;
        optional(
            "child's contact",
            id.child_contact.as_deref(),
            MAX_CONTACT_CHARS,
        )?;
        optional("reporter", self.reporter.as_deref(), MAX_REFERENCE_CHARS)?;
        optional("operator", self.operator.as_deref(), MAX_REFERENCE_CHARS)?;
        optional(
            "idempotency key",
            self.idempotency_key.as_deref(),
            MAX_REFERENCE_CHARS,
        )?;
        optional(
            "platform reference",
            self.platform_reference.as_deref(),
            MAX_REFERENCE_CHARS,
        )
    }
}

/// A filed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Row id: the number the hotline and the platform refer to it by.
    pub id: i64,
    /// Where it stands.
    pub status: ReportStatus,
    /// The case it is part of, once triaged.
    pub case_id: Option<i64>,
    /// What was filed.
    #[serde(flatten)]
    pub filed: NewReport,
}

impl Report {
    /// The report without its identity fields, for those who may see a report but not who is
    /// in it.
    pub fn redacted(mut self) -> Report {
        self.filed.identity = Identity::default();
        self
    }
}

/// What [`Store::file_report`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Filed {
    /// The report's id.
    pub id: i64,
    /// `false` when the sender had already filed a report with this idempotency key: `id` is
    /// that report's.
    pub created: bool,
    /// When the report was received (the first time, for a retry).
    pub received_ms: i64,
}

/// Every column [`report_from_row`] reads, for `SELECT ... FROM reports`.
const REPORT_COLUMNS: &str = "id, created_ms, source, category, status, reporter, token_id, \
     platform_reference, pdq, sha256, bank, bank_label, distance, transform, hotline, subtype, \
     age_band, gender, province, platform, content_type, description, urls, hashes, accounts, \
     reporter_name, reporter_contact, child_name, child_contact, anonymous, case_id, \
     idempotency_key, operator";

impl Store {
    /// Files `report` in its hotline's queue (status `new`) after checking it
    /// ([`NewReport::check`]).
    ///
    /// A report with an idempotency key is filed once per sender (its token, or none) and key:
    /// filing it again, even concurrently, returns the first one's id with `created: false`.
    /// Each report is one short write transaction, so that many senders can file at once; the
    /// same transaction appends its `report filed` audit entry (actor: [`NewReport::actor`]),
    /// so no report is ever stored without one.
    pub async fn file_report(&self, report: &NewReport) -> Result<Filed, StoreError> {
        report.check()?;
        let mut tx = self.begin_write().await?;
        let m = report.image_match.as_ref();
        let id = &report.identity;
        let inserted = sqlx::query(
            "INSERT INTO reports (created_ms, source, category, status, reporter, token_id, \
             platform_reference, pdq, sha256, bank, bank_label, distance, transform, hotline, \
             subtype, age_band, gender, province, platform, content_type, description, urls, \
             hashes, accounts, reporter_name, reporter_contact, child_name, child_contact, \
             anonymous, idempotency_key, operator) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \
             ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
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
        .bind(&report.hotline)
        .bind(report.subtype.map(|s| s.as_str()))
        .bind(report.age_band.map(|a| a.as_str()))
        .bind(report.gender.map(|g| g.as_str()))
        .bind(report.province.as_deref())
        .bind(report.platform.as_deref())
        .bind(report.content_type.as_deref())
        .bind(report.description.as_deref())
        .bind(json_list("urls", &report.urls)?)
        .bind(json_list("hashes", &lowercase(&report.hashes))?)
        .bind(json_list("accounts", &report.accounts)?)
        .bind(id.reporter_name.as_deref())
        .bind(id.reporter_contact.as_deref())
        .bind(id.child_name.as_deref())
        .bind(id.child_contact.as_deref())
        .bind(report.anonymous)
        .bind(report.idempotency_key.as_deref())
        .bind(report.operator.as_deref())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = inserted {
            let id: i64 = row.try_get("id")?;
            let detail = format!("channel {}, category {}", report.source, report.category);
            crate::audit::append(
                &mut tx,
                report.created_ms,
                &report.actor(),
                "report filed",
                &format!("report:{id}"),
                &detail,
            )
            .await?;
            tx.commit().await?;
            return Ok(Filed {
                id,
                created: true,
                received_ms: report.created_ms,
            });
        }
        // Only the idempotency index can conflict: the report is already there, committed.
        let existing = sqlx::query(
            "SELECT id, created_ms FROM reports \
             WHERE IFNULL(token_id, 0) = IFNULL(?, 0) AND idempotency_key = ?",
        )
        .bind(report.token_id)
        .bind(report.idempotency_key.as_deref())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt {
            table: "reports",
            column: "idempotency_key",
            detail: "a report conflicted with one that cannot be found".into(),
        })?;
        Ok(Filed {
            id: existing.try_get("id")?,
            created: false,
            received_ms: existing.try_get("created_ms")?,
        })
    }

    /// The report with this id, if any.
    pub async fn report(&self, id: i64) -> Result<Option<Report>, StoreError> {
        let mut sql = select_reports();
        sql.push(" WHERE id = ").push_bind(id);
        let row = sql.build().fetch_optional(self.pool()).await?;
        row.as_ref().map(report_from_row).transpose()
    }

    /// The `limit` newest reports of every hotline, newest first.
    pub async fn reports(&self, limit: u32) -> Result<Vec<Report>, StoreError> {
        let mut sql = select_reports();
        sql.push(" ORDER BY created_ms DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(report_from_row).collect()
    }

    /// The queue of `hotline`: its `limit` oldest reports waiting to be triaged, oldest first.
    pub async fn queue(&self, hotline: &str, limit: u32) -> Result<Vec<Report>, StoreError> {
        let mut sql = select_reports();
        sql.push(" WHERE hotline = ")
            .push_bind(hotline)
            .push(" AND status = ")
            .push_bind(ReportStatus::New.as_str())
            .push(" ORDER BY created_ms, id LIMIT ")
            .push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(report_from_row).collect()
    }

    /// The reports of case `case_id`, oldest first.
    pub async fn reports_of_case(&self, case_id: i64) -> Result<Vec<Report>, StoreError> {
        let mut sql = select_reports();
        sql.push(" WHERE case_id = ")
            .push_bind(case_id)
            .push(" ORDER BY created_ms, id");
        let rows = sql.build().fetch_all(self.pool()).await?;
        rows.iter().map(report_from_row).collect()
    }
}

/// `SELECT` of every report column, to be followed by clauses.
fn select_reports() -> QueryBuilder<Sqlite> {
    QueryBuilder::new(format!("SELECT {REPORT_COLUMNS} FROM reports"))
}

/// The hashes with their hex digits in lower case, as stored.
fn lowercase(hashes: &[ContentHash]) -> Vec<ContentHash> {
    hashes
        .iter()
        .map(|h| ContentHash {
            kind: h.kind,
            value: h.value.to_ascii_lowercase(),
        })
        .collect()
}

/// A list as JSON text, or NULL when it is empty.
fn json_list<T: Serialize>(
    column: &'static str,
    items: &[T],
) -> Result<Option<String>, StoreError> {
    if items.is_empty() {
        return Ok(None);
    }
    to_json("reports", column, items).map(Some)
}

/// A list stored by [`json_list`].
fn read_list<T: serde::de::DeserializeOwned>(
    row: &SqliteRow,
    column: &'static str,
) -> Result<Vec<T>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map_or(Ok(Vec::new()), |t| from_json("reports", column, &t))
}

/// An optional vocabulary name stored in `reports.column`.
fn read_name<T>(row: &SqliteRow, column: &'static str) -> Result<Option<T>, StoreError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse("reports", column, &t)).transpose()
}

/// Reads a report selected with [`REPORT_COLUMNS`].
pub(crate) fn report_from_row(row: &SqliteRow) -> Result<Report, StoreError> {
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
    let source: String = row.try_get("source")?;
    let status: String = row.try_get("status")?;
    Ok(Report {
        id: row.try_get("id")?,
        status: parse("reports", "status", &status)?,
        case_id: row.try_get("case_id")?,
        filed: NewReport {
            created_ms: row.try_get("created_ms")?,
            hotline: row.try_get("hotline")?,
            source: parse("reports", "source", &source)?,
            category: parse("reports", "category", &category)?,
            subtype: read_name(row, "subtype")?,
            age_band: read_name(row, "age_band")?,
            gender: read_name(row, "gender")?,
            province: row.try_get("province")?,
            platform: row.try_get("platform")?,
            content_type: row.try_get("content_type")?,
            description: row.try_get("description")?,
            urls: read_list(row, "urls")?,
            hashes: read_list(row, "hashes")?,
            accounts: read_list(row, "accounts")?,
            identity: Identity {
                reporter_name: row.try_get("reporter_name")?,
                reporter_contact: row.try_get("reporter_contact")?,
                child_name: row.try_get("child_name")?,
                child_contact: row.try_get("child_contact")?,
            },
            anonymous: row.try_get("anonymous")?,
            reporter: row.try_get("reporter")?,
            operator: row.try_get("operator")?,
            token_id: row.try_get("token_id")?,
            idempotency_key: row.try_get("idempotency_key")?,
            platform_reference: row.try_get("platform_reference")?,
            pdq: row.try_get("pdq")?,
            sha256: row.try_get("sha256")?,
            image_match,
        },
    })
}
