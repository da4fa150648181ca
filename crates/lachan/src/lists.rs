//! Where each list's rules are read from: a local file as configured, or the last good
//! downloaded copy of a URL list in the data directory. Downloads replace the copy only when
//! they succeed and look like a rule list.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use lachan_rules::ListSource;
use lachan_store::ListRecord;

/// The largest list accepted from a download.
const MAX_DOWNLOAD: u64 = 128 << 20;

/// The file holding the downloaded copy of a URL list.
pub fn copy_path(data_dir: &Path, list_name: &str) -> PathBuf {
    data_dir.join("lists").join(format!("{list_name}.txt"))
}

/// Whether a list's source is downloaded.
pub fn is_url(source: &str) -> bool {
    source.starts_with("https://") || source.starts_with("http://")
}

/// The source the rule index reads: the file, the downloaded copy, or nothing yet.
pub fn source_for(data_dir: &Path, list: &ListRecord) -> ListSource {
    if !is_url(&list.source) {
        return ListSource::File(PathBuf::from(&list.source));
    }
    let copy = copy_path(data_dir, &list.name);
    if copy.exists() {
        ListSource::File(copy)
    } else {
        ListSource::Text(Arc::from(""))
    }
}

/// Downloads a URL list into the data directory. On any failure the previous copy stays.
/// Returns the number of bytes written.
pub fn download(data_dir: &Path, list: &ListRecord, timeout: Duration) -> Result<u64> {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(true)
        .build()
        .new_agent();
    let response = agent
        .get(&list.source)
        .call()
        .with_context(|| format!("downloading list '{}' from {}", list.name, list.source))?;
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_DOWNLOAD + 1)
        .read_to_end(&mut body)
        .with_context(|| format!("reading list '{}' from {}", list.name, list.source))?;
    if body.len() as u64 > MAX_DOWNLOAD {
        bail!(
            "list '{}' is larger than {} MiB; refusing it",
            list.name,
            MAX_DOWNLOAD >> 20
        );
    }
    check_looks_like_a_list(&body)
        .with_context(|| format!("list '{}' from {}", list.name, list.source))?;
    let path = copy_path(data_dir, &list.name);
    let dir = path.parent().expect("copy_path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, &body).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(body.len() as u64)
}

/// A downloaded body must be text with at least one valid rule among its first lines, so that
/// an error page or an empty answer never replaces a good list.
fn check_looks_like_a_list(body: &[u8]) -> Result<()> {
    let text = std::str::from_utf8(&body[..body.len().min(1 << 20)]).unwrap_or_else(|e| {
        // A cut in the middle of a character at the 1 MiB mark is fine.
        std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or("")
    });
    let valid = text
        .lines()
        .take(5000)
        .filter(|line| matches!(lachan_rules::parse_line(line, false), Ok(Some(_))))
        .count();
    if valid == 0 {
        bail!("the download contains no valid rule (an error page?); keeping the last good copy");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_pages_are_not_lists() {
        assert!(check_looks_like_a_list(b"<html><body>404 Not Found</body></html>").is_err());
        assert!(check_looks_like_a_list(b"").is_err());
        assert!(check_looks_like_a_list(b"# comment\n0.0.0.0 ads.example.com\n").is_ok());
        assert!(check_looks_like_a_list(b"||casino.example^\n").is_ok());
    }

    #[test]
    fn url_lists_without_a_copy_start_empty() {
        let dir = std::env::temp_dir().join(format!("lachan-lists-{}", std::process::id()));
        let list = ListRecord {
            name: "x".into(),
            source: "https://lists.example/x.txt".into(),
            category: lachan_policy::Category::Adult,
            subdomains: false,
            enabled: true,
            origin: "file".into(),
        };
        assert!(matches!(source_for(&dir, &list), ListSource::Text(t) if t.is_empty()));
        let file = ListRecord {
            source: "/etc/hosts".into(),
            ..list
        };
        assert!(
            matches!(source_for(&dir, &file), ListSource::File(p) if p == Path::new("/etc/hosts"))
        );
    }
}
