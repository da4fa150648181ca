//! The province-level units a report may name (`data/provinces.toml`, the 34 units since the
//! 2025 merger), plus [`UNKNOWN_PROVINCE`].

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The slug a report stores when the child's province is not known or not said.
pub const UNKNOWN_PROVINCE: &str = "unknown";

/// The text of the province list shipped with Lachan.
const TEXT: &str = include_str!("../data/provinces.toml");

/// The shipped list, parsed on first use (a test parses it, so this cannot fail at run time).
static PROVINCES: LazyLock<Vec<Province>> = LazyLock::new(|| {
    toml::from_str::<File>(TEXT)
        .unwrap_or_else(|e| panic!("the built-in province list is invalid: {e}"))
        .province
});

/// A province-level unit: a province or a centrally-run city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Province {
    /// Stable ASCII lower-case name with hyphens (`ha-noi`), stored in reports.
    pub slug: String,
    /// The official Vietnamese name (`Hà Nội`).
    pub name: String,
}

/// The file layout: an array of `[[province]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    province: Vec<Province>,
}

/// Every province-level unit, centrally-run cities first, in the order of the data file.
pub fn provinces() -> &'static [Province] {
    &PROVINCES
}

/// The unit with this slug; `None` for [`UNKNOWN_PROVINCE`] and for anything else not listed.
pub fn province(slug: &str) -> Option<&'static Province> {
    provinces().iter().find(|p| p.slug == slug)
}

/// True when a report may store `slug`: a listed unit or [`UNKNOWN_PROVINCE`].
pub fn is_province_slug(slug: &str) -> bool {
    slug == UNKNOWN_PROVINCE || province(slug).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn there_are_34_units_with_unique_ascii_slugs() {
        assert_eq!(provinces().len(), 34);
        let slugs: HashSet<&str> = provinces().iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs.len(), 34);
        let names: HashSet<&str> = provinces().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), 34);
        for p in provinces() {
            let ok = p
                .slug
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()));
            assert!(ok, "slug {:?}", p.slug);
        }
        assert!(!slugs.contains(UNKNOWN_PROVINCE));
    }

    #[test]
    fn the_six_cities_come_first() {
        let cities: Vec<&str> = provinces()[..6].iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(
            cities,
            [
                "ha-noi",
                "hai-phong",
                "hue",
                "da-nang",
                "ho-chi-minh",
                "can-tho"
            ]
        );
    }

    #[test]
    fn lookups_by_slug() {
        assert_eq!(province("ha-noi").unwrap().name, "Hà Nội");
        assert_eq!(
            province("ho-chi-minh").unwrap().name,
            "Thành phố Hồ Chí Minh"
        );
        assert_eq!(province("dak-lak").unwrap().name, "Đắk Lắk");
        assert_eq!(province("unknown"), None);
        assert_eq!(
            province("binh-duong"),
            None,
            "merged into Ho Chi Minh City in 2025"
        );
        assert!(is_province_slug("unknown"));
        assert!(is_province_slug("ca-mau"));
        assert!(!is_province_slug("Ha-Noi"));
    }
}
