//! Attachments of cases (screenshots of bullying, letters): their type read from their bytes,
//! images checked against the abuse hash banks (a match is refused, never stored, and reported
//! with its hashes only), sealed with the vault (the key lives outside the database), and
//! opened again for those who may read the case.

use lachan_store::AuditNote;
use lachan_store::hotline::{Attachment, AttachmentMeta, limits};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::scope::{hotline_scope, visible_case};
use super::{case_object, store_error};
use crate::images::{CheckError, ImageAction, hex};
use crate::ops::{OpError, record};
use crate::principal::Principal;
use crate::state::AppState;
use crate::vault::{NONCE_BYTES, Sealed, Vault};

/// An attachment opened: what is known of it and its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentFile {
    /// Its name, type, size and hash.
    pub meta: AttachmentMeta,
    /// Its bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// What a file's bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An image, checked against the abuse banks.
    Image(&'static str),
    /// A document.
    Document(&'static str),
}

/// The type of `bytes` by their first bytes: PNG, JPEG, WebP, GIF, PDF, or plain UTF-8 text
/// (no control characters other than tabs, line and page breaks).
fn sniff(bytes: &[u8]) -> Option<Kind> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Image("image/png"))
    } else if starts(b"\xff\xd8\xff") {
        Some(Kind::Image("image/jpeg"))
    } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(Kind::Image("image/webp"))
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Kind::Image("image/gif"))
    } else if starts(b"%PDF-") {
        Some(Kind::Document("application/pdf"))
    } else {
        let text = std::str::from_utf8(bytes).ok()?;
        let plain = text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'));
        plain.then_some(Kind::Document("text/plain"))
    }
}

/// The name to keep for an uploaded file: its last path component, without control
/// characters, at most [`limits::MAX_FILENAME_CHARS`] characters; `attachment` when empty.
fn file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(limits::MAX_FILENAME_CHARS)
        .collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        "attachment".to_string()
    } else {
        clean
    }
}

/// What the vault binds an attachment's ciphertext to: its case and its plaintext's hash, so
/// that a ciphertext moved to another case or row does not open.
fn associated(case_id: i64, sha256: &str) -> Vec<u8> {
    format!("lachan-attachment-v1/case:{case_id}/sha256:{sha256}").into_bytes()
}

/// The vault, or the reason attachments are off.
fn vault(state: &AppState) -> Result<&Vault, OpError> {
    state.hotline.vault().ok_or_else(|| {
        OpError::Conflict(
            "attachments are turned off: this Lachan has no key file to encrypt them with; the \
             administrator sets [hotline] key_file"
                .into(),
        )
    })
}

/// Attaches the file `filename` with `bytes` to open case `case_id`, encrypted at rest.
///
/// Only PNG, JPEG, WebP and GIF images, PDF documents and plain text are taken, up to
/// [`crate::HotlineOptions::max_attachment_bytes`]. An image is hashed and matched against
/// the abuse hash banks first: one that matches a blocking bank is refused and never stored
/// (a `sexual_minors` match also files an `image_match` report with its hashes).
pub async fn upload_attachment(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    filename: &str,
    bytes: Vec<u8>,
) -> Result<AttachmentMeta, OpError> {
    let scope = hotline_scope(who)?;
    visible_case(state, &scope, case_id).await?;
    let vault = vault(state)?;
    let max = state.hotline.options().max_attachment_bytes;
    if bytes.is_empty() {
        return Err(OpError::Invalid(
            "the file is empty; choose the file again".into(),
        ));
    }
    if bytes.len() > max {
        return Err(OpError::Invalid(format!(
            "the file has {} bytes; attach files of at most {max} bytes (the administrator sets \
             [hotline] max_attachment_bytes)",
            bytes.len()
        )));
    }
    let media_type = match sniff(&bytes) {
        Some(Kind::Document(media_type)) => media_type,
        Some(Kind::Image(media_type)) => {
            check_image(state, who, case_id, &bytes).await?;
            media_type
        }
        None => {
            return Err(OpError::Invalid(
                "this kind of file cannot be attached; attach a PNG, JPEG, WebP or GIF image, a \
                 PDF document or a plain text file"
                    .into(),
            ));
        }
    };
    let sha256 = hex(&Sha256::digest(&bytes));
    let sealed = vault.seal(&bytes, &associated(case_id, &sha256));
    let meta = AttachmentMeta {
        id: 0,
        case_id,
        created_ms: state.now().as_millisecond(),
        actor: who.actor.clone(),
        filename: file_name(filename),
        media_type: media_type.to_string(),
        size: bytes.len() as u64,
        sha256,
    };
    drop(bytes);
    let note = AuditNote::new(&who.actor, "attachment add", audit_detail(&meta));
    let attachment = Attachment {
        meta,
        nonce: sealed.nonce.to_vec(),
        ciphertext: sealed.ciphertext,
    };
    let id = state
        .store
        .add_attachment(&attachment, &note)
        .await
        .map_err(store_error)?;
    Ok(AttachmentMeta {
        id,
        ..attachment.meta
    })
}

/// Matches an image against the abuse hash banks; refuses it when a blocking bank matches.
async fn check_image(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    bytes: &[u8],
) -> Result<(), OpError> {
    let Some(_slot) = state.images.slot().await else {
        return Err(OpError::Internal("the server is shutting down".into()));
    };
    let checked = state
        .images
        .check(
            &state.store,
            who,
            state.now().as_millisecond(),
            axum::body::Bytes::copy_from_slice(bytes),
            None,
            &state.hotline.options().name,
        )
        .await
        .map_err(|e| match e {
            CheckError::Store(e) => OpError::Store(e),
            CheckError::Hashing => OpError::Internal(e.to_string()),
            CheckError::Image(e) => OpError::Invalid(format!(
                "the image could not be read to check it against the abuse hash banks ({e}); \
                 attach a complete PNG, JPEG, WebP or GIF file"
            )),
        })?;
    if checked.verdict.action != ImageAction::Block {
        return Ok(());
    }
    let object = format!("{}/attachment", case_object(case_id));
    let mut detail = format!("refused: bank match, sha256 {}", checked.verdict.sha256);
    if let Some(report) = checked.report {
        detail.push_str(&format!("; report {report} filed"));
    }
    record(state, who, "attachment refused", &object, &detail).await?;
    Err(OpError::Invalid(format!(
        "this image matches a hash bank of known abuse imagery, so it was not stored{}. Never \
         attach abuse imagery: note its URL or hash in a report instead",
        checked
            .report
            .map(|r| format!(" (report {r} was filed for the hotline)"))
            .unwrap_or_default()
    )))
}

/// Attachment `attachment_id` of case `case_id`, decrypted, for those who may read the case;
/// audited.
pub async fn download_attachment(
    state: &AppState,
    who: &Principal,
    case_id: i64,
    attachment_id: i64,
) -> Result<AttachmentFile, OpError> {
    let scope = hotline_scope(who)?;
    visible_case(state, &scope, case_id).await?;
    let stored = state
        .store
        .attachment(case_id, attachment_id)
        .await?
        .ok_or_else(|| {
            OpError::NotFound(format!("attachment {attachment_id} of case {case_id}"))
        })?;
    let vault = vault(state)?;
    let broken = || {
        OpError::Internal(format!(
            "attachment {attachment_id} of case {case_id} cannot be decrypted: the key file is \
             not the one it was encrypted with, or the stored row was changed"
        ))
    };
    let nonce: [u8; NONCE_BYTES] = stored.nonce.as_slice().try_into().map_err(|_| broken())?;
    let sealed = Sealed {
        nonce,
        ciphertext: stored.ciphertext,
    };
    let bytes = vault
        .open(&sealed, &associated(case_id, &stored.meta.sha256))
        .map_err(|_| broken())?;
    let object = format!("{}/attachment:{attachment_id}", case_object(case_id));
    let detail = audit_detail(&stored.meta);
    record(state, who, "attachment read", &object, &detail).await?;
    Ok(AttachmentFile {
        meta: stored.meta,
        bytes,
    })
}

/// What the audit log says of an attachment: its type and size, never its file name, which
/// may name a child and would outlive the case's anonymisation in the hash-chained log.
fn audit_detail(meta: &AttachmentMeta) -> String {
    format!("{}, {} bytes", meta.media_type, meta.size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_from_the_bytes() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(Kind::Image("image/png"))
        );
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some(Kind::Image("image/jpeg")));
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(Kind::Image("image/webp"))
        );
        assert_eq!(sniff(b"GIF89a..."), Some(Kind::Image("image/gif")));
        assert_eq!(
            sniff(b"%PDF-1.7\n"),
            Some(Kind::Document("application/pdf"))
        );
        assert_eq!(
            sniff("Thư của phụ huynh\r\n".as_bytes()),
            Some(Kind::Document("text/plain"))
        );
        assert_eq!(sniff(b"MZ\x90\0\x03"), None, "an executable");
        assert_eq!(sniff(b"\xff\xfe\0\0"), None, "not UTF-8");
        assert_eq!(sniff(b"PK\x03\x04"), None, "a zip");
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(file_name("C:\\Users\\me\\ảnh chụp.png"), "ảnh chụp.png");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(file_name(""), "attachment");
        assert_eq!(file_name(".."), "attachment");
        assert_eq!(file_name(&"x".repeat(300)).chars().count(), 255);
    }
}
