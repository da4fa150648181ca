//! The fields of a report, shared by the public form and the operator's intake: what happened
//! (a subtype chosen in plain words, grouped by theme), where online, a description, URLs one
//! per line, and the child's age band, gender and province; read back into the ops input.

use axum::http::StatusCode;
use lachan_hotline::{AgeBand, Gender, Subtype, Theme, UNKNOWN_PROVINCE, provinces};
use lachan_store::hotline::limits;

use super::words::{Worded, word};
use crate::ops::{OpError, ReportInput};
use crate::ui::form::Fields;
use crate::ui::i18n::Tr;
use crate::ui::profiles::{Choice, ChoiceGroup};

/// Platforms offered as suggestions (the field takes any name).
const PLATFORMS: [&str; 14] = [
    "Facebook",
    "Messenger",
    "Zalo",
    "TikTok",
    "YouTube",
    "Instagram",
    "Telegram",
    "Discord",
    "Roblox",
    "Liên Quân Mobile",
    "Free Fire",
    "Minecraft",
    "X (Twitter)",
    "Snapchat",
];

/// What the report fields template (`hotline_report_fields.html`) shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportForm {
    pub subtypes: Vec<ChoiceGroup>,
    pub platforms: &'static [&'static str],
    pub platform: String,
    pub description: String,
    pub urls: String,
    pub ages: Vec<Choice>,
    pub genders: Vec<Choice>,
    pub provinces: Vec<Choice>,
    pub max_platform: usize,
    pub max_description: usize,
    pub max_urls: usize,
}

/// The status of a report form shown again because filing it failed with `error`: 400 for
/// what the form says, 403 for who may not file it, 500 for the server's own failures.
pub(crate) fn refused_status(error: &OpError) -> StatusCode {
    match error {
        OpError::Invalid(_) => StatusCode::BAD_REQUEST,
        OpError::Forbidden(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Options of a select for every value of `all`, `selected` chosen.
pub(crate) fn choices<W: Worded>(tr: Tr, all: &[W], selected: &str) -> Vec<Choice> {
    all.iter()
        .map(|&v| Choice {
            value: v.name().to_string(),
            label: word(tr, v),
            selected: v.name() == selected,
        })
        .collect()
}

/// `all` with its `unknown` value first: the default of a question the reporter may not know.
fn unknown_first<W: Worded>(all: &[W]) -> Vec<W> {
    let (unknown, known): (Vec<W>, Vec<W>) = all.iter().partition(|v| v.name() == "unknown");
    unknown.into_iter().chain(known).collect()
}

impl ReportForm {
    /// The fields filled with what `fields` sent (empty for a new form).
    pub(crate) fn of(tr: Tr, fields: &Fields) -> ReportForm {
        let subtype = fields.get("subtype");
        let subtypes = Theme::ALL
            .iter()
            .map(|&theme| ChoiceGroup {
                label: word(tr, theme),
                options: Subtype::ALL
                    .iter()
                    .filter(|s| s.theme() == theme)
                    .map(|&s| Choice {
                        value: s.as_str().to_string(),
                        label: word(tr, s),
                        selected: s.as_str() == subtype,
                    })
                    .collect(),
            })
            .filter(|group| !group.options.is_empty())
            .collect();
        let province = fields.get("province");
        let provinces = std::iter::once(Choice {
            value: UNKNOWN_PROVINCE.to_string(),
            label: tr.t("hotline-province-unknown"),
            selected: province.is_empty() || province == UNKNOWN_PROVINCE,
        })
        .chain(provinces().iter().map(|p| Choice {
            value: p.slug.to_string(),
            label: p.name.to_string(),
            selected: p.slug == province,
        }))
        .collect();
        ReportForm {
            subtypes,
            platforms: &PLATFORMS,
            platform: fields.get("platform").to_string(),
            description: fields.get("description").to_string(),
            urls: fields.get("urls").to_string(),
            ages: choices(tr, &unknown_first(AgeBand::ALL), fields.get("age_band")),
            genders: choices(tr, &unknown_first(Gender::ALL), fields.get("gender")),
            provinces,
            max_platform: limits::MAX_PLATFORM_CHARS,
            max_description: limits::MAX_DESCRIPTION_CHARS,
            max_urls: limits::MAX_URLS,
        }
    }
}

/// The ops input of a posted report form: the category is the chosen subtype's, URLs are one
/// per line, and the identity fields are taken when present.
pub(crate) fn report_input(fields: &Fields) -> ReportInput {
    let subtype = fields.get("subtype");
    let category = subtype
        .parse::<Subtype>()
        .map_or_else(|_| String::new(), |s| s.category().as_str().to_string());
    ReportInput {
        channel: fields.optional("channel"),
        category,
        subtype: fields.optional("subtype"),
        age_band: fields.optional("age_band"),
        gender: fields.optional("gender"),
        province: fields.optional("province"),
        platform: fields.optional("platform"),
        description: fields.optional("description"),
        urls: fields
            .get("urls")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        reporter_name: fields.optional("reporter_name"),
        reporter_contact: fields.optional("reporter_contact"),
        child_name: fields.optional("child_name"),
        child_contact: fields.optional("child_contact"),
        anonymous: fields.checked("anonymous"),
        ..ReportInput::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_posted_form_becomes_the_ops_input() {
        let input = report_input(&fields(&[
            ("subtype", "online_grooming"),
            ("age_band", "age_11_13"),
            ("province", "ha-noi"),
            ("urls", " https://a.vn/x \r\n\r\nhttps://b.vn/y\n"),
            ("description", "  Người lạ hẹn gặp  "),
            ("website", ""),
        ]));
        assert_eq!(input.category, "grooming");
        assert_eq!(input.subtype.as_deref(), Some("online_grooming"));
        assert_eq!(input.urls, ["https://a.vn/x", "https://b.vn/y"]);
        assert_eq!(input.description.as_deref(), Some("Người lạ hẹn gặp"));
        assert_eq!(input.reporter_name, None);
        assert!(!input.anonymous);
        assert_eq!(report_input(&fields(&[("subtype", "x")])).category, "");
    }

    #[test]
    fn the_form_offers_every_subtype_and_province_in_words() {
        let form = ReportForm::of(Lang::Vi.tr(), &fields(&[("subtype", "csam")]));
        let offered: usize = form.subtypes.iter().map(|g| g.options.len()).sum();
        assert_eq!(offered, Subtype::ALL.len());
        assert!(
            form.subtypes
                .iter()
                .flat_map(|g| &g.options)
                .any(|o| o.selected)
        );
        assert_eq!(form.provinces.len(), 35, "34 provinces and 'unknown'");
        assert!(form.provinces[0].selected, "unknown is the default");
        assert!(form.provinces.iter().any(|p| p.label == "Hà Nội"));
        assert_eq!(form.ages[0].value, "unknown");
        assert!(form.ages.iter().all(|o| !o.label.contains('_')));
    }
}
