//! Intake: reports typed in by operators (a call, a Zalo chat, an e-mail), posted through the
//! public web form, or sent by platforms through the API; and contacts without a report.

use std::net::IpAddr;
use std::time::Instant;

use lachan_hotline::{AgeBand, Channel, ContactTopic, Gender, Subtype};
use lachan_policy::Category;
use lachan_store::hotline::{Filed, Identity, NewContact, NewReport, ReportStatus, limits};
use lachan_store::{AuditNote, Role};
use serde::{Deserialize, Serialize};

use super::fields::{self, HashInput};
use super::scope::hotline_scope;
use super::store_error;
use crate::ops::OpError;
use crate::principal::{Principal, Via};
use crate::state::AppState;

/// A report as an operator or the public web form writes it. Vocabulary fields take the names
/// of `lachan_hotline` (blank: not given); lists drop blank entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportInput {
    /// How it reached the hotline: `phone`, `zalo` or `email` (required from operators; the web
    /// form leaves it out).
    pub channel: Option<String>,
    /// The taxonomy's category, e.g. `grooming`, `bullying`, `sexual_minors`.
    pub category: String,
    /// The finer type, e.g. `online_grooming`; must belong to the category.
    pub subtype: Option<String>,
    /// The child's age band: `under_6`, `age_6_10`, `age_11_13`, `age_14_15`, `age_16_17`,
    /// `unknown`.
    pub age_band: Option<String>,
    /// `girl`, `boy`, `other` or `unknown`.
    pub gender: Option<String>,
    /// The province's slug, e.g. `ha-noi`, or `unknown`.
    pub province: Option<String>,
    /// The online platform where it happened, e.g. Facebook, Roblox.
    pub platform: Option<String>,
    /// The kind of content: image, video, chat, ...
    pub content_type: Option<String>,
    /// What happened (at most 4000 characters).
    pub description: Option<String>,
    /// Where the content is: `http(s)://` URLs, at most 20.
    pub urls: Vec<String>,
    /// Hashes of the content, at most 20.
    pub hashes: Vec<HashInput>,
    /// References of suspect accounts, at most 20.
    pub accounts: Vec<String>,
    /// The reporter's name (dropped when anonymous).
    pub reporter_name: Option<String>,
    /// How to reach the reporter (dropped when anonymous).
    pub reporter_contact: Option<String>,
    /// The child's name.
    pub child_name: Option<String>,
    /// How to reach the child, or where the child lives.
    pub child_contact: Option<String>,
    /// The reporter asked not to be named.
    pub anonymous: bool,
}

/// A report a platform sends through `POST /api/v1/reports`: what it found, never the content
/// itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformReportInput {
    /// Where the content is (or use `urls`).
    pub url: Option<String>,
    /// Where the content is, at most 20 URLs.
    pub urls: Vec<String>,
    /// The platform or service where it is, e.g. "Zalo", "Roblox".
    pub platform: String,
    /// The kind of content: image, video, chat, livestream, account, ...
    pub content_type: String,
    /// The taxonomy's category.
    pub category: String,
    /// The finer type; must belong to the category.
    pub subtype: Option<String>,
    /// Hashes of the content, at most 20.
    pub hashes: Vec<HashInput>,
    /// References of suspect accounts, at most 20.
    pub accounts: Vec<String>,
    /// What the platform knows (at most 4000 characters).
    pub description: Option<String>,
    /// The platform's own id of the content or case; also the idempotency key when no
    /// `Idempotency-Key` header is sent.
    pub reference: Option<String>,
    /// The child's age band, if known.
    pub age_band: Option<String>,
}

/// A contact without report (a call about something else), for statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// `phone`, `zalo`, `email` or `web_form`.
    pub channel: String,
    /// `other_child_protection`, `information`, `silent_or_prank` or `adult_caller`.
    pub topic: String,
}

/// What was made: its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Created {
    /// The new row's id.
    pub id: i64,
}

/// A report filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FiledReport {
    /// The report's number.
    pub id: i64,
    /// Where it stands: `new` until triaged.
    pub status: ReportStatus,
    /// When it was received (Unix milliseconds; the first time, for a retry).
    pub received_ms: i64,
    /// `false` when an earlier request with the same idempotency key filed it.
    #[serde(skip)]
    pub created: bool,
}

/// Why a public form post was not filed.
#[derive(Debug, thiserror::Error)]
pub enum PublicReportError {
    /// The address has posted the form too often this hour.
    #[error(
        "too many reports were sent from this address in the last hour; wait {} minutes, or \
         call the hotline", retry_after_secs.div_ceil(60)
    )]
    TooMany {
        /// Seconds until the next post is allowed.
        retry_after_secs: u64,
    },
    /// The report is not valid, or the server failed.
    #[error(transparent)]
    Op(#[from] OpError),
}

/// Files a report typed in by `who` (an operator, or a supervisor) from a phone call, a Zalo
/// chat or an e-mail, in their hotline's queue.
pub async fn file_operator_report(
    state: &AppState,
    who: &Principal,
    input: &ReportInput,
) -> Result<FiledReport, OpError> {
    let scope = hotline_scope(who)?;
    let channel: Channel = fields::name(
        "channel",
        fields::given(input.channel.as_deref()).unwrap_or(""),
    )?;
    if !matches!(channel, Channel::Phone | Channel::Zalo | Channel::Email) {
        return Err(OpError::Invalid(format!(
            "operators file reports that came by phone, zalo or email, not {channel}"
        )));
    }
    let mut report = person_report(state, &scope.hotline, channel, input)?;
    report.operator = Some(scope.username.clone());
    file(state, &report).await
}

/// Files a report posted through the public web form from `ip` in the hotline's queue, unless
/// the address has posted [`crate::HotlineOptions::form_per_hour`] reports in the last hour.
/// An anonymous report keeps no reporter's name or contact.
pub async fn file_public_report(
    state: &AppState,
    ip: IpAddr,
    input: &ReportInput,
) -> Result<FiledReport, PublicReportError> {
    if let Some(channel) = fields::given(input.channel.as_deref())
        && channel != Channel::WebForm.as_str()
    {
        return Err(OpError::Invalid(format!(
            "a report of the web form comes by web_form, not {}",
            channel.escape_debug()
        ))
        .into());
    }
    let hotline = state.hotline.options().name.clone();
    let report = person_report(state, &hotline, Channel::WebForm, input)?;
    if let Err(wait) = state.hotline.take_form_post(ip, Instant::now()) {
        return Err(PublicReportError::TooMany {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    Ok(file(state, &report).await?)
}

/// Files a platform's report (`who` is a platform token, or an administrator trying the API)
/// in the hotline's queue. With an idempotency key (the `Idempotency-Key` header, else the
/// platform's `reference`), a retry returns the report already filed (`created: false`).
pub async fn file_platform_report(
    state: &AppState,
    who: &Principal,
    input: &PlatformReportInput,
    idempotency_key: Option<&str>,
) -> Result<FiledReport, OpError> {
    if !matches!(who.role, Role::Platform | Role::Admin) {
        return Err(OpError::Forbidden(format!(
            "platforms file reports through the API; a {} files them in the console",
            who.role
        )));
    }
    let now_ms = state.now().as_millisecond();
    let category: Category = fields::name("category", &input.category)?;
    let mut urls = input.urls.clone();
    urls.extend(input.url.iter().cloned());
    let reference = fields::text(
        "reference",
        input.reference.as_deref(),
        limits::MAX_REFERENCE_CHARS,
        false,
    )?;
    let key = match idempotency_key {
        Some(key) => Some(idempotency(key)?),
        None => reference.clone(),
    };
    let report = NewReport {
        subtype: subtype(category, input.subtype.as_deref())?,
        age_band: fields::optional_name::<AgeBand>("age band", input.age_band.as_deref())?,
        platform: Some(fields::required_text(
            "platform",
            &input.platform,
            limits::MAX_PLATFORM_CHARS,
            false,
        )?),
        content_type: Some(fields::required_text(
            "content type",
            &input.content_type,
            limits::MAX_CONTENT_TYPE_CHARS,
            false,
        )?),
        reporter: Some(who.actor.clone()),
        token_id: token_id(who),
        idempotency_key: key,
        platform_reference: reference,
        ..NewReport::new(
            now_ms,
            &state.hotline.options().name,
            Channel::Platform,
            category,
        )
    };
    let content = Content {
        description: input.description.as_deref(),
        urls: &urls,
        hashes: &input.hashes,
        accounts: &input.accounts,
    };
    let report = content.into_report(report)?;
    if report.urls.is_empty() && report.hashes.is_empty() && report.description.is_none() {
        return Err(OpError::Invalid(
            "the report says nothing of the content: give its URL (url or urls), its hashes, \
             or a description"
                .into(),
        ));
    }
    file(state, &report).await
}

/// Records a contact without report answered by `who`.
pub async fn record_contact(
    state: &AppState,
    who: &Principal,
    input: &ContactInput,
) -> Result<Created, OpError> {
    let scope = hotline_scope(who)?;
    let channel: Channel = fields::name("channel", &input.channel)?;
    if !channel.is_complaint() {
        return Err(OpError::Invalid(format!(
            "a contact comes by phone, zalo, email or web_form, not {channel}"
        )));
    }
    let topic: ContactTopic = fields::name("contact topic", &input.topic)?;
    let contact = NewContact {
        created_ms: state.now().as_millisecond(),
        hotline: scope.hotline.clone(),
        channel,
        topic,
        operator: Some(scope.username.clone()),
    };
    let note = AuditNote::new(
        &who.actor,
        "contact recorded",
        format!("channel {channel}, topic {topic}"),
    );
    let id = state
        .store
        .record_contact(&contact, &note)
        .await
        .map_err(store_error)?;
    Ok(Created { id })
}

/// The API token's id of `who`, if it is one.
pub(super) fn token_id(who: &Principal) -> Option<i64> {
    match &who.via {
        Via::Token { id, .. } => Some(*id),
        Via::Session { .. } => None,
    }
}

/// Files `report`; the store writes its audit entry in the same transaction (a retry with the
/// same key writes none).
async fn file(state: &AppState, report: &NewReport) -> Result<FiledReport, OpError> {
    let filed: Filed = state.store.file_report(report).await.map_err(store_error)?;
    let status = if filed.created {
        ReportStatus::New
    } else {
        state
            .store
            .report(filed.id)
            .await?
            .map_or(ReportStatus::New, |r| r.status)
    };
    Ok(FiledReport {
        id: filed.id,
        status,
        received_ms: filed.received_ms,
        created: filed.created,
    })
}

/// A report written by a person (an operator or the public), checked.
fn person_report(
    state: &AppState,
    hotline: &str,
    channel: Channel,
    input: &ReportInput,
) -> Result<NewReport, OpError> {
    let category: Category = fields::name("category", &input.category)?;
    let province = fields::given(input.province.as_deref())
        .map(|slug| {
            if lachan_hotline::is_province_slug(slug) {
                Ok(slug.to_string())
            } else {
                Err(OpError::Invalid(format!(
                    "'{}' is not a province; choose one of the list (a slug such as ha-noi or \
                     ho-chi-minh), or unknown",
                    slug.escape_debug()
                )))
            }
        })
        .transpose()?;
    let name = |field, value: &Option<String>| {
        fields::text(field, value.as_deref(), limits::MAX_NAME_CHARS, false)
    };
    let contact = |field, value: &Option<String>| {
        fields::text(field, value.as_deref(), limits::MAX_CONTACT_CHARS, false)
    };
    let mut identity = Identity {
        reporter_name: name("reporter's name", &input.reporter_name)?,
        reporter_contact: contact("reporter's contact", &input.reporter_contact)?,
        child_name: name("child's name", &input.child_name)?,
        child_contact: contact("child's contact", &input.child_contact)?,
    };
    if input.anonymous {
        identity.reporter_name = None;
        identity.reporter_contact = None;
    }
    let report = NewReport {
        subtype: subtype(category, input.subtype.as_deref())?,
        age_band: fields::optional_name::<AgeBand>("age band", input.age_band.as_deref())?,
        gender: fields::optional_name::<Gender>("gender", input.gender.as_deref())?,
        province,
        platform: fields::text(
            "platform",
            input.platform.as_deref(),
            limits::MAX_PLATFORM_CHARS,
            false,
        )?,
        content_type: fields::text(
            "content type",
            input.content_type.as_deref(),
            limits::MAX_CONTENT_TYPE_CHARS,
            false,
        )?,
        identity,
        anonymous: input.anonymous,
        ..NewReport::new(state.now().as_millisecond(), hotline, channel, category)
    };
    let content = Content {
        description: input.description.as_deref(),
        urls: &input.urls,
        hashes: &input.hashes,
        accounts: &input.accounts,
    };
    let report = content.into_report(report)?;
    if report.description.is_none() && report.urls.is_empty() && report.accounts.is_empty() {
        return Err(OpError::Invalid(
            "say what happened: write a description, or give the URL or the account involved"
                .into(),
        ));
    }
    Ok(report)
}

/// What a report says of the content, as sent: checked into a [`NewReport`] the same way for
/// people's and platforms' reports.
struct Content<'a> {
    description: Option<&'a str>,
    urls: &'a [String],
    hashes: &'a [HashInput],
    accounts: &'a [String],
}

impl Content<'_> {
    /// `report` with this content, checked: the description, the URLs, the hashes and the
    /// suspect accounts.
    fn into_report(self, report: NewReport) -> Result<NewReport, OpError> {
        Ok(NewReport {
            description: fields::text(
                "description",
                self.description,
                limits::MAX_DESCRIPTION_CHARS,
                true,
            )?,
            urls: fields::urls(self.urls)?,
            hashes: fields::hashes(self.hashes)?,
            accounts: fields::accounts(self.accounts)?,
            ..report
        })
    }
}

/// The subtype named `text`, which must belong to `category`.
fn subtype(category: Category, text: Option<&str>) -> Result<Option<Subtype>, OpError> {
    let subtype = fields::optional_name::<Subtype>("subtype", text)?;
    if let Some(subtype) = subtype
        && !subtype.fits(category)
    {
        return Err(OpError::Invalid(format!(
            "the subtype {subtype} belongs to the category {}, not {category}; choose the \
             category {} or another subtype",
            subtype.category(),
            subtype.category()
        )));
    }
    Ok(subtype)
}

/// An `Idempotency-Key`: 1 to 200 visible ASCII characters.
fn idempotency(key: &str) -> Result<String, OpError> {
    let key = key.trim();
    let visible = key.bytes().all(|b| b.is_ascii_graphic());
    if key.is_empty() || key.len() > limits::MAX_REFERENCE_CHARS || !visible {
        return Err(OpError::Invalid(format!(
            "the Idempotency-Key must have 1 to {} visible ASCII characters (e.g. a UUID)",
            limits::MAX_REFERENCE_CHARS
        )));
    }
    Ok(key.to_string())
}
