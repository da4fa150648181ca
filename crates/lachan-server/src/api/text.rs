//! The text-safety API: one message checked (`POST /text/check`), a message pushed to a
//! conversation (`POST /conversations/{id}/messages`), a conversation forgotten
//! (`DELETE /conversations/{id}`). Texts are never logged or stored. A conversation whose
//! analyser raises a grooming alert is reported to the hotline once (risk and stages, never
//! text).

use axum::Json;
use axum::http::StatusCode;
use lachan_text::classify::{Policy, Verdict};
use lachan_text::conversation::{Message, Role as SpeakerRole};
use lachan_text::normalize::TextError;
use serde::Deserialize;

use super::body::{Body, Name};
use super::caller::Caller;
use crate::error::ApiError;
use crate::ops;
use crate::text::{ConversationId, MAX_SENDER_BYTES, PushError, Pushed, owner};

/// The body of `POST /api/v1/text/check`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckRequest {
    /// The message.
    text: String,
    /// Thresholds over the server's, per category.
    #[serde(default)]
    policy: Option<Policy>,
}

/// The body of `POST /api/v1/conversations/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PushRequest {
    /// The sender's id on the platform (only its hash is kept).
    sender: String,
    /// `child` or `adult`, when the platform knows it.
    #[serde(default)]
    role: Option<SpeakerRole>,
    /// The sender's age, when the platform knows it.
    #[serde(default)]
    age: Option<u8>,
    /// The message.
    text: String,
}

pub(super) async fn check(
    Caller { state, .. }: Caller,
    Body(request): Body<CheckRequest>,
) -> Result<Json<Verdict>, ApiError> {
    let policy = state.text.policy(request.policy).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e.to_string(),
            "give thresholds as {\"thresholds\": {\"CATEGORY\": {\"review\": 0.5, \"block\": 0.8}}}, \
             or leave the policy out to use the server's",
        )
    })?;
    let verdict = state.text.check(&request.text, &policy).map_err(too_long)?;
    Ok(Json(verdict))
}

pub(super) async fn push(
    Caller { state, who }: Caller,
    Name(id): Name,
    Body(request): Body<PushRequest>,
) -> Result<Json<Pushed>, ApiError> {
    let id = conversation_id(&id)?;
    if request.sender.is_empty() || request.sender.len() > MAX_SENDER_BYTES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the sender must have 1 to {MAX_SENDER_BYTES} bytes"),
            "send the sender's id on your platform (only its hash is kept)",
        ));
    }
    let message = Message {
        sender: &request.sender,
        role: request.role,
        age: request.age,
        text: &request.text,
    };
    let now_ms = state.now().as_millisecond();
    let pushed = state
        .text
        .push(&state.store, owner(&who), &id, now_ms, &message)
        .await
        .map_err(|e| match e {
            PushError::Text(e) => too_long(e),
            PushError::Full { .. } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                e.to_string(),
                format!(
                    "forget finished conversations (DELETE /api/v1/conversations/{{id}}) or let \
                     idle ones expire ({} hours after their last message); the administrator \
                     can raise [text] max_conversations",
                    state.text.options().conversation_hours
                ),
            ),
            PushError::Store(e) => ApiError::store(e),
        })?;
    if let Some(alert) = &pushed.report.alert {
        // The message is in the conversation already: a report that cannot be filed now is
        // filed by the next message that extends the alert, so the answer does not fail.
        if let Err(error) = ops::file_grooming_alert(&state, &who, id.key(), alert).await {
            tracing::error!(%error, "a grooming alert could not be reported to the hotline");
        }
    }
    Ok(Json(pushed))
}

pub(super) async fn forget(
    Caller { state, who }: Caller,
    Name(id): Name,
) -> Result<StatusCode, ApiError> {
    let id = conversation_id(&id)?;
    let now_ms = state.now().as_millisecond();
    let forgotten = state
        .text
        .forget(&state.store, owner(&who), &id, now_ms)
        .await
        .map_err(ApiError::store)?;
    if forgotten {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "you have no live conversation with this id",
            "it was never started with your token, was forgotten already, or expired",
        ))
    }
}

/// The `{id}` of a conversation path, or a 400 error.
fn conversation_id(text: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            e,
            "use your platform's id of the conversation, e.g. room-42 or match:7:chat",
        )
    })
}

/// 413 for a text over the engine's limit.
fn too_long(e: TextError) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        e.to_string(),
        "check each message on its own; a longer text can be split at sentence ends",
    )
}
