//! The console's texts in Vietnamese (the default) and English: Fluent messages from
//! `locales/{vi,en}/console.ftl`, compiled into the binary.
//!
//! The language of a request is `?lang=` when given (the language switch links set it, and the
//! console then remembers it in the `lang` cookie), else the `lang` cookie, else Vietnamese.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use super::cookies::cookie;

/// The name of the cookie that remembers the chosen language.
pub(crate) const LANG_COOKIE: &str = "lang";

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Vietnamese, the default.
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 code, as in `<html lang>` and the `lang` cookie.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The language of a code (`vi`, `en`, any case), if the console has it.
    pub(crate) fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a request asked for with `?lang=`, if any.
    pub(crate) fn from_query(query: Option<&str>) -> Option<Lang> {
        query?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "lang")
            .and_then(|(_, value)| Lang::from_code(value))
    }

    /// The language of a request: `?lang=`, else the `lang` cookie, else Vietnamese.
    pub(crate) fn of_request(parts: &Parts) -> Lang {
        Lang::from_query(parts.uri.query())
            .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(|c| Lang::from_code(&c)))
            .unwrap_or(Lang::Vi)
    }

    /// The translator for this language.
    pub(crate) fn tr(self) -> Tr {
        Tr { lang: self }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang::of_request(parts))
    }
}

const VI_FTL: &str = include_str!("../../locales/vi/console.ftl");
const EN_FTL: &str = include_str!("../../locales/en/console.ftl");

type Bundle = FluentBundle<FluentResource>;

/// The Vietnamese and English bundles, built on first use.
static BUNDLES: LazyLock<(Bundle, Bundle)> =
    LazyLock::new(|| (bundle("vi", VI_FTL), bundle("en", EN_FTL)));

/// A bundle of `text` for `code`. The files are part of the source and a unit test keeps them
/// free of errors; were one broken, the messages that parse are kept and the error is logged.
fn bundle(code: &str, text: &str) -> Bundle {
    let lang: LanguageIdentifier = code.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(partial, errors)| {
        tracing::error!(?errors, "console messages for '{code}' have syntax errors");
        partial
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            ?errors,
            "console messages for '{code}' define a message twice"
        );
    }
    bundle
}

/// Translates message ids into one language's text; cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tr {
    lang: Lang,
}

impl Tr {
    /// The language translated into.
    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    /// The text of message `id`.
    pub(crate) fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The text of message `id` with one variable.
    pub(crate) fn t1<'a>(
        &self,
        id: &str,
        name: &'a str,
        value: impl Into<FluentValue<'a>>,
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(name, value);
        self.format(id, Some(&args))
    }

    /// The text of message `id` with two variables.
    pub(crate) fn t2<'a>(
        &self,
        id: &str,
        first: (&'a str, FluentValue<'a>),
        second: (&'a str, FluentValue<'a>),
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(first.0, first.1);
        args.set(second.0, second.1);
        self.format(id, Some(&args))
    }

    /// The text of message `id`, or `None` when no language has it (for ids made from data,
    /// such as audit actions, whose texts may not all be translated).
    pub(crate) fn lookup(&self, id: &str) -> Option<String> {
        let (vi, _) = &*BUNDLES;
        vi.get_message(id).map(|_| self.t(id))
    }

    /// Formats `id` in this language, falling back to Vietnamese, then to the id itself.
    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let (vi, en) = &*BUNDLES;
        let order: [&Bundle; 2] = match self.lang {
            Lang::Vi => [vi, vi],
            Lang::En => [en, vi],
        };
        for bundle in order {
            let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                tracing::warn!(?errors, "console message '{id}' did not format cleanly");
            }
            return text.into_owned();
        }
        tracing::warn!("console message '{id}' is missing");
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn ids(text: &str) -> BTreeSet<String> {
        if let Err((_, errors)) = FluentResource::try_new(text.to_string()) {
            panic!("syntax errors: {errors:?}");
        }
        text.lines()
            .filter_map(|line| line.split_once(" = "))
            .map(|(id, _)| id)
            .filter(|id| id.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter(|id| id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn both_languages_parse_and_have_the_same_messages() {
        let vi = ids(VI_FTL);
        // Vietnamese names categories with the taxonomy's own labels (`Category::label_vi`).
        let en: BTreeSet<String> = ids(EN_FTL)
            .into_iter()
            .filter(|id| !id.starts_with("category-"))
            .collect();
        assert!(vi.len() > 100, "only {} messages", vi.len());
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(only_vi.is_empty(), "missing in English: {only_vi:?}");
        assert!(only_en.is_empty(), "missing in Vietnamese: {only_en:?}");
    }

    #[test]
    fn every_message_the_templates_and_pages_use_exists() {
        let root = env!("CARGO_MANIFEST_DIR");
        let vi = ids(VI_FTL);
        let mut used = 0;
        let mut files = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> = vec![
            format!("{root}/templates").into(),
            format!("{root}/src/ui").into(),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for call in [".t(", ".t1(", ".t2("] {
                for (at, _) in text.match_indices(call) {
                    let rest = text[at + call.len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let id = &rest[..rest.find('"').unwrap()];
                    let is_id = id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                    if is_id && id != "no-such-message" {
                        assert!(
                            vi.contains(id),
                            "{} uses missing message {id}",
                            path.display()
                        );
                        used += 1;
                    }
                }
            }
        }
        assert!(used > 200, "only {used} uses found");
    }

    #[test]
    fn variables_are_filled_in_without_isolation_marks() {
        let text = Lang::En.tr().t1("budget-left", "minutes", 30);
        assert_eq!(text, "30 min left");
        assert_eq!(
            Lang::Vi.tr().t1("budget-left", "minutes", 30),
            "Còn 30 phút"
        );
        let both = Lang::En
            .tr()
            .t2("budget-used-of", ("used", 5.into()), ("allowed", 60.into()));
        assert_eq!(both, "5 / 60 min");
    }

    #[test]
    fn english_plurals_follow_the_number() {
        let tr = Lang::En.tr();
        assert_eq!(tr.t1("times", "count", 1), "once");
        assert_eq!(tr.t1("times", "count", 3), "3 times");
        assert_eq!(Lang::Vi.tr().t1("times", "count", 3), "3 lần");
    }

    #[test]
    fn the_language_comes_from_the_query_then_the_cookie() {
        assert_eq!(Lang::from_query(Some("a=1&lang=EN")), Some(Lang::En));
        assert_eq!(Lang::from_query(Some("lang=fr")), None);
        assert_eq!(Lang::from_query(None), None);
        let of_request = |uri: &str, cookie: &str| {
            let request = axum::http::Request::builder()
                .uri(uri)
                .header("cookie", cookie)
                .body(())
                .unwrap();
            Lang::of_request(&request.into_parts().0)
        };
        assert_eq!(of_request("/x?day=2026-01-01", "a=b; lang=en"), Lang::En);
        assert_eq!(of_request("/x?lang=vi", "lang=en"), Lang::Vi);
    }

    #[test]
    fn a_missing_message_shows_its_id() {
        assert_eq!(Lang::En.tr().t("no-such-message"), "no-such-message");
        assert_eq!(Lang::En.tr().lookup("no-such-message"), None);
        assert_eq!(
            Lang::En.tr().lookup("nav-home").as_deref(),
            Some("Overview")
        );
    }
}
