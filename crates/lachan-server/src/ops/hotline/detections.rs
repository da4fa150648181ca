//! Reports that Lachan's own detections file in the hotline's queue: grooming alerts of the
//! text-safety API (once per conversation) and repeated adult or gambling blocks of a child
//! whose guardian consented (once per profile, category and day). Never a message's text or
//! the names a child tried: categories, counts, risk and stages.

use lachan_hotline::{Channel, Subtype};
use lachan_policy::Category;
use lachan_store::hotline::{Filed, Identity, NewReport};
use lachan_store::{AlertKind, NewAlert, Store, StoreError};
use lachan_text::conversation::Alert;
use sha2::{Digest, Sha256};

use super::fields;
use super::intake::token_id;
use crate::images::hex;
use crate::principal::Principal;
use crate::state::AppState;

/// Files the grooming alert `alert` of the conversation whose key (SHA-256 of its id) is
/// `conversation`, sent by `who`, in the hotline's queue: once per sender and conversation
/// (idempotency key `conversation:HEX`). The report holds the risk and the stages with the
/// numbers of the messages that showed them, never their text.
pub(crate) async fn file_grooming_alert(
    state: &AppState,
    who: &Principal,
    conversation: &[u8; 32],
    alert: &Alert,
) -> Result<Filed, StoreError> {
    let stages: Vec<String> = alert
        .stages
        .iter()
        .map(|(stage, indices)| {
            let numbers: Vec<String> = indices.iter().map(|i| (i + 1).to_string()).collect();
            format!("{} (messages {})", stage.as_str(), numbers.join(", "))
        })
        .collect();
    let description = format!(
        "Grooming alert of the text-safety API: conversation risk {:.2}; stages: {}",
        alert.risk,
        stages.join("; ")
    );
    let platform: String = who.name().chars().take(80).collect();
    let report = NewReport {
        subtype: Some(Subtype::OnlineGrooming),
        platform: Some(platform),
        content_type: Some("chat".into()),
        description: Some(description.chars().take(4000).collect()),
        reporter: Some(who.actor.clone()),
        token_id: token_id(who),
        idempotency_key: Some(format!("conversation:{}", hex(conversation))),
        ..NewReport::new(
            state.now().as_millisecond(),
            &state.hotline.options().name,
            Channel::GroomingAlert,
            Category::Grooming,
        )
    };
    state.store.file_report(&report).await
}

/// Files a report of `alert` in the queue of the hotline the profile's guardian consented to,
/// when it is a repeated-blocks alert of adult or gambling content and the guardian consented
/// (see [`crate::ops::set_hotline_opt_in`]), in the audit log by `dns_alert`; at most one per profile, category and day (Viet
/// Nam). Returns what was filed, or `None` when nothing is to be reported.
///
/// The report names the profile as the child and the consenting guardian as the reporter
/// (identity fields, shown only to the case's operator and supervisors); it holds the count of
/// blocked attempts, never the names tried.
pub async fn file_dns_alert(store: &Store, alert: &NewAlert) -> Result<Option<Filed>, StoreError> {
    if alert.kind != AlertKind::RepeatedBlocks {
        return Ok(None);
    }
    let (category, subtype) = match alert.subject.parse::<Category>() {
        Ok(Category::Adult) => (Category::Adult, Subtype::AdultContent),
        Ok(Category::Gambling) => (Category::Gambling, Subtype::Gambling),
        _ => return Ok(None),
    };
    let Some(consent) = store.hotline_opt_in(&alert.profile).await? else {
        return Ok(None);
    };
    let day = fields::day_of(alert.time_ms);
    let report = NewReport {
        subtype: Some(subtype),
        content_type: Some("website".into()),
        description: Some(format!(
            "DNS filtering blocked {} attempts to reach {category} sites in a short time; the \
             guardian agreed that such repeated attempts are reported to the hotline",
            alert.count
        )),
        identity: Identity {
            reporter_name: Some(consent.opted_by.clone()),
            child_name: Some(alert.profile.clone()),
            ..Identity::default()
        },
        // The profile's name is the child's: the key holds its hash, since keys are not
        // identity fields (shown with the report to operators, kept after anonymisation).
        idempotency_key: Some(format!(
            "dns_alert:{}:{category}:{day}",
            hex(&Sha256::digest(alert.profile.as_bytes()))
        )),
        ..NewReport::new(alert.time_ms, &consent.hotline, Channel::DnsAlert, category)
    };
    Ok(Some(store.file_report(&report).await?))
}
