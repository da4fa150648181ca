//! Words for the things the console shows: times, service groups, categories, targets, roles,
//! and the errors of actions.

use jiff::Timestamp;
use lachan_policy::{Category, ServiceCatalog, ServiceGroup, Target, Zone};
use lachan_store::Role;

use super::i18n::{Lang, Tr};
use crate::ops::OpError;

/// A moment as a local date and time in `zone`: `27/11/2026 21:30` in Vietnamese,
/// `2026-11-27 21:30` in English.
pub(crate) fn date_time(tr: Tr, zone: &Zone, ms: i64) -> String {
    let Ok(at) = Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let local = at.to_zoned_datetime(zone.time_zone().clone());
    match tr.lang() {
        Lang::Vi => local.strftime("%d/%m/%Y %H:%M").to_string(),
        Lang::En => local.strftime("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The name of a service group.
pub(crate) fn group(tr: Tr, group: ServiceGroup) -> String {
    tr.t(&format!("group-{}", group.as_str()))
}

/// The name of a category: the taxonomy's own Vietnamese label, or the English message.
pub(crate) fn category(tr: Tr, category: Category) -> String {
    match tr.lang() {
        Lang::Vi => capitalized(category.label_vi()),
        Lang::En => tr.t(&format!("category-{}", category.as_str())),
    }
}

/// What a schedule, budget or grant applies to: "Tất cả internet", "Trò chơi", "Roblox".
pub(crate) fn target(tr: Tr, catalog: &ServiceCatalog, target: &Target) -> String {
    match target {
        Target::All => tr.t("target-all"),
        Target::Group(g) => group(tr, *g),
        Target::Service(id) => catalog
            .get(id)
            .map_or_else(|| id.clone(), |s| s.name.clone()),
    }
}

/// A role as people say it.
pub(crate) fn role(tr: Tr, role: Role) -> String {
    match role {
        Role::Admin => tr.t("role-admin"),
        Role::Guardian => tr.t("role-guardian"),
        Role::Platform => tr.t("role-platform"),
        Role::Operator => tr.t("role-operator"),
        Role::Supervisor => tr.t("role-supervisor"),
    }
}

/// An audit log word (an action such as "device created", or the actor "command line") in the
/// page's language; words without a translation are shown as written.
pub(crate) fn audit_word(tr: Tr, word: &str) -> String {
    let id = format!("audit-{}", word.trim().replace(' ', "-"));
    let known = id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    known
        .then(|| tr.lookup(&id))
        .flatten()
        .unwrap_or_else(|| word.to_string())
}

/// `text` with its first letter in upper case.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// What went wrong with an action, for the page: the kind of failure in the page's language,
/// then the action's own explanation.
pub(crate) fn op_error(tr: Tr, error: &OpError) -> String {
    match error {
        OpError::NotFound(_) => tr.t("error-not-found"),
        OpError::Forbidden(_) => tr.t("error-forbidden"),
        OpError::Invalid(detail) => tr.t1("error-invalid", "detail", detail.as_str()),
        OpError::Conflict(detail) => tr.t1("error-conflict", "detail", detail.as_str()),
        OpError::NotApplied(detail) => tr.t1("error-not-applied", "detail", detail.as_str()),
        other => {
            tracing::warn!(error = %other, "a console action failed");
            tr.t("error-internal")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_local_and_in_the_language_s_order() {
        let zone = Zone::default();
        // 2026-11-27 14:30 UTC is 21:30 in Hồ Chí Minh City.
        let ms = "2026-11-27T14:30:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_millisecond();
        assert_eq!(date_time(Lang::Vi.tr(), &zone, ms), "27/11/2026 21:30");
        assert_eq!(date_time(Lang::En.tr(), &zone, ms), "2026-11-27 21:30");
        assert_eq!(date_time(Lang::En.tr(), &zone, i64::MAX), "");
    }

    #[test]
    fn every_category_and_group_has_a_name_in_both_languages() {
        for &c in Category::ALL {
            let en = category(Lang::En.tr(), c);
            assert!(!en.starts_with("category-"), "{c} has no English name");
            assert!(category(Lang::Vi.tr(), c).starts_with(char::is_uppercase));
        }
        for &g in ServiceGroup::ALL {
            for lang in [Lang::Vi, Lang::En] {
                assert!(!group(lang.tr(), g).starts_with("group-"), "{g} unnamed");
            }
        }
    }

    #[test]
    fn audit_words_are_translated_when_known() {
        assert_eq!(audit_word(Lang::Vi.tr(), "device created"), "thêm thiết bị");
        assert_eq!(
            audit_word(Lang::En.tr(), "device created"),
            "device created"
        );
        assert_eq!(audit_word(Lang::Vi.tr(), "command line"), "dòng lệnh");
        assert_eq!(audit_word(Lang::Vi.tr(), "me-an"), "me-an");
        assert_eq!(audit_word(Lang::Vi.tr(), "something new"), "something new");
    }

    #[test]
    fn targets_use_the_catalogue_names() {
        let catalog = ServiceCatalog::builtin();
        let tr = Lang::Vi.tr();
        assert_eq!(
            target(tr, catalog, &Target::Service("lien_quan".into())),
            "Liên Quân Mobile"
        );
        assert_eq!(
            target(tr, catalog, &Target::Group(ServiceGroup::Games)),
            "Trò chơi"
        );
        assert_eq!(target(tr, catalog, &Target::Service("nope".into())), "nope");
    }
}
