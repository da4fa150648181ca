//! `[hotline]`: the hotline console's name, the webhook told of overdue legal clocks, how long
//! closed cases keep their personal data, where the attachment key lives, the legal clocks, and
//! the limits of the public form and of attachments.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use lachan_hotline::ClockBook;
use lachan_store::hotline::DEFAULT_HOTLINE;
use lachan_store::hotline::limits::MAX_HOTLINE_CHARS;
use serde::Deserialize;

/// The attachment key's file in the data directory when `key_file` is not set.
pub const DEFAULT_KEY_FILE: &str = "hotline.key";
/// The largest `max_attachment_bytes` allowed: attachments are kept in the database.
pub const MAX_ATTACHMENT_BYTES: usize = 100 * 1024 * 1024;
/// The longest retention: a century.
pub const MAX_ANONYMISE_AFTER_DAYS: u32 = 36_500;
/// The most public form posts per address per hour that may be allowed.
pub const MAX_FORM_PER_HOUR: u32 = 3_600;

/// `[hotline]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HotlineSection {
    /// The hotline's name: operators and supervisors belong to it, and reports from the public
    /// form and the API go to its queue.
    pub name: String,
    /// An http(s) URL that receives a JSON POST for each overdue legal clock (no personal
    /// data); empty: the console only.
    pub webhook: String,
    /// Days after closure when a case's personal data is erased (unless it is under legal
    /// hold); 0: never.
    pub anonymise_after_days: u32,
    /// The key that encrypts attachments (32 bytes, made on first start, mode 0600); default
    /// `<data directory>/hotline.key`. Put it on another disk or a secret mount, so that a copy
    /// of the database alone reveals no attachment.
    pub key_file: Option<PathBuf>,
    /// A TOML file of legal clocks that replaces the built-in ones (the layout of
    /// `crates/lachan-hotline/data/clocks.toml`).
    pub clocks_file: Option<PathBuf>,
    /// Posts of the public report form allowed per address per hour.
    pub form_per_hour: u32,
    /// The largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
}

impl Default for HotlineSection {
    fn default() -> Self {
        let defaults = lachan_server::HotlineOptions::default();
        HotlineSection {
            name: defaults.name,
            webhook: String::new(),
            anonymise_after_days: defaults.anonymise_after_days,
            key_file: None,
            clocks_file: None,
            form_per_hour: defaults.form_per_hour,
            max_attachment_bytes: defaults.max_attachment_bytes,
        }
    }
}

impl HotlineSection {
    /// The server's options for the hotline (reads `clocks_file`).
    pub fn options(&self) -> Result<lachan_server::HotlineOptions> {
        Ok(lachan_server::HotlineOptions {
            name: self.name.clone(),
            clocks: self.clock_book()?,
            max_attachment_bytes: self.max_attachment_bytes,
            form_per_hour: self.form_per_hour,
            anonymise_after_days: self.anonymise_after_days,
        })
    }

    /// Where the attachment key is: `key_file`, else `hotline.key` in `data_dir`.
    pub fn key_file(&self, data_dir: &Path) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| data_dir.join(DEFAULT_KEY_FILE))
    }

    /// The webhook's URL, if one is set.
    pub fn webhook(&self) -> Option<&str> {
        Some(self.webhook.trim()).filter(|url| !url.is_empty())
    }

    /// How long after closure cases are anonymised, in milliseconds; `None`: never.
    pub fn anonymise_after_ms(&self) -> Option<i64> {
        (self.anonymise_after_days > 0).then(|| i64::from(self.anonymise_after_days) * 86_400_000)
    }

    /// The legal clocks: those of `clocks_file`, else the built-in ones.
    pub fn clock_book(&self) -> Result<ClockBook> {
        let Some(path) = &self.clocks_file else {
            return Ok(ClockBook::builtin().clone());
        };
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "[hotline] clocks_file: cannot read {}; fix the path or remove the key to use \
                 the built-in clocks",
                path.display()
            )
        })?;
        ClockBook::from_toml(&text).map_err(|e| {
            anyhow::anyhow!(
                "[hotline] clocks_file {}, line {}: {}",
                path.display(),
                e.line,
                e.message
            )
        })
    }

    /// Checks every key (and reads `clocks_file`).
    pub(super) fn check(&self) -> Result<()> {
        check_name(&self.name).map_err(|e| anyhow::anyhow!("[hotline] name {e}"))?;
        if let Some(url) = self.webhook() {
            check_webhook(url)?;
        }
        if self.anonymise_after_days > MAX_ANONYMISE_AFTER_DAYS {
            bail!(
                "[hotline] anonymise_after_days = {} is too long: write at most \
                 {MAX_ANONYMISE_AFTER_DAYS} (365 is a year), or 0 to keep closed cases for ever",
                self.anonymise_after_days
            );
        }
        if !(1..=MAX_FORM_PER_HOUR).contains(&self.form_per_hour) {
            bail!(
                "[hotline] form_per_hour = {} is out of range: write 1 to {MAX_FORM_PER_HOUR} \
                 (posts of the public form per address per hour)",
                self.form_per_hour
            );
        }
        if !(1024..=MAX_ATTACHMENT_BYTES).contains(&self.max_attachment_bytes) {
            bail!(
                "[hotline] max_attachment_bytes = {} is out of range: write 1024 to \
                 {MAX_ATTACHMENT_BYTES} (10485760 is 10 MiB)",
                self.max_attachment_bytes
            );
        }
        if self
            .key_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            bail!("[hotline] key_file is empty: give a path, or remove the key for the default");
        }
        self.clock_book().map(drop)
    }
}

/// Refuses a hotline name that is blank, has leading or trailing spaces or control characters,
/// or is longer than the store keeps; the error says so (after the quoted name).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty()
        || name.trim() != name
        || name.chars().count() > MAX_HOTLINE_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "'{}' must be 1 to {MAX_HOTLINE_CHARS} characters, without leading or trailing \
             spaces, e.g. \"{DEFAULT_HOTLINE}\"",
            name.escape_debug()
        ));
    }
    Ok(())
}

/// Refuses a webhook that is not an absolute http(s) URL with a host.
fn check_webhook(url: &str) -> Result<()> {
    let refused = |why: String| {
        anyhow::anyhow!(
            "[hotline] webhook '{url}' {why}: write an http:// or https:// URL with a host, e.g. \
             \"https://alerts.example/hotline\", or \"\" for none"
        )
    };
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|e| refused(format!("is not a URL ({e})")))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(refused("is not an http(s) URL".into()));
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(refused("has no host".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    fn error_of(text: &str) -> String {
        format!("{:#}", Config::parse(text).unwrap_err())
    }

    #[test]
    fn no_section_means_the_documented_defaults() {
        let h = Config::builtin().hotline;
        assert_eq!(h.name, "111");
        assert_eq!(h.webhook(), None);
        assert_eq!(h.anonymise_after_days, 365);
        assert_eq!(h.anonymise_after_ms(), Some(365 * 86_400_000));
        assert_eq!(
            h.key_file(Path::new("/var/lib/lachan")),
            Path::new("/var/lib/lachan/hotline.key")
        );
        assert_eq!(h.form_per_hour, 5);
        assert_eq!(h.max_attachment_bytes, 10_485_760);
        assert_eq!(&h.clock_book().unwrap(), ClockBook::builtin());
        assert_eq!(
            h.options().unwrap(),
            lachan_server::HotlineOptions::default()
        );
        assert_eq!(Config::parse("").unwrap().hotline, h);
    }

    #[test]
    fn every_key_is_read() {
        let c = Config::parse(
            "[hotline]\nname = \"Tổng đài 111\"\nwebhook = \"https://alerts.example/hotline\"\n\
             anonymise_after_days = 0\nkey_file = \"/run/secrets/hotline.key\"\n\
             form_per_hour = 20\nmax_attachment_bytes = 2048\n",
        )
        .unwrap();
        let h = c.hotline;
        assert_eq!(h.name, "Tổng đài 111");
        assert_eq!(h.webhook(), Some("https://alerts.example/hotline"));
        assert_eq!(h.anonymise_after_ms(), None);
        assert_eq!(
            h.key_file(Path::new("data")),
            Path::new("/run/secrets/hotline.key")
        );
        let options = h.options().unwrap();
        assert_eq!(options.name, "Tổng đài 111");
        assert_eq!(
            (options.form_per_hour, options.max_attachment_bytes),
            (20, 2048)
        );
    }

    #[test]
    fn a_clocks_file_replaces_the_built_in_clocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clocks.toml");
        std::fs::write(
            &path,
            "[[clock]]\nname = \"emergency_intervention\"\nhours = 6\n\
             starts_on = \"risk_emergency\"\nmet_on = \"action_emergency_intervention\"\n\
             basis = \"quy định của tổng đài\"\n",
        )
        .unwrap();
        let text = format!(
            "[hotline]\nclocks_file = {:?}\n",
            path.display().to_string()
        );
        let book = Config::parse(&text).unwrap().hotline.clock_book().unwrap();
        assert_eq!(book.rules().len(), 1);
        assert_eq!(book.rules()[0].hours, 6);

        std::fs::write(
            &path,
            "[[clock]]\nname = \"emergency_intervention\"\nhours = 0\n\
             starts_on = \"risk_emergency\"\nmet_on = \"action_emergency_intervention\"\n\
             basis = \"x\"\n",
        )
        .unwrap();
        let err = error_of(&text);
        let expected = format!("[hotline] clocks_file {}, line 3: ", path.display());
        assert!(err.contains(&expected), "{err}");
        assert!(err.contains("hours = 0 is out of range"), "{err}");

        let missing = dir.path().join("none.toml");
        let err = error_of(&format!(
            "[hotline]\nclocks_file = {:?}\n",
            missing.display().to_string()
        ));
        assert!(err.contains("cannot read"), "{err}");
        assert!(err.contains("none.toml"), "{err}");
    }

    #[test]
    fn bad_values_are_explained() {
        for (text, says) in [
            (
                "[hotline]\nname = \"\"",
                "[hotline] name '' must be 1 to 64",
            ),
            ("[hotline]\nname = \" 111\"", "without leading or trailing"),
            (
                "[hotline]\nwebhook = \"ftp://alerts.example/x\"",
                "'ftp://alerts.example/x' is not an http(s) URL: write an http:// or https://",
            ),
            (
                "[hotline]\nwebhook = \"alerts.example/x\"",
                "'alerts.example/x' is not a URL",
            ),
            ("[hotline]\nwebhook = \"http://a b\"", "is not a URL"),
            (
                "[hotline]\nwebhook = \"/hook\"",
                "'/hook' is not an http(s) URL",
            ),
            (
                "[hotline]\nanonymise_after_days = 40000",
                "anonymise_after_days = 40000 is too long",
            ),
            (
                "[hotline]\nanonymise_after_days = -1",
                "invalid value: integer `-1`",
            ),
            (
                "[hotline]\nform_per_hour = 0",
                "form_per_hour = 0 is out of range",
            ),
            (
                "[hotline]\nmax_attachment_bytes = 10",
                "max_attachment_bytes = 10 is out of range",
            ),
            (
                "[hotline]\nmax_attachment_bytes = 1000000000",
                "max_attachment_bytes = 1000000000 is out of range",
            ),
            ("[hotline]\nkey_file = \"\"", "key_file is empty"),
            ("[hotline]\nwebhok = \"\"", "unknown field `webhok`"),
        ] {
            let err = error_of(text);
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
