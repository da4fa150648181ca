//! The catalogue of blockable online services (games, social networks, video, chat, shops,
//! dating): which domains each service uses, so that a profile can block, schedule or budget it.
//!
//! The catalogue is data: `data/services.toml`, compiled in and parsed once. [`ServiceCatalog::parse`]
//! checks a catalogue text the same way, for tests and for a catalogue supplied by the user.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::{ServiceGroup, UnknownName};

/// The text of the catalogue shipped with Lachan.
const BUILTIN_TEXT: &str = include_str!("../data/services.toml");

/// The shipped catalogue, parsed on first use.
static BUILTIN: LazyLock<ServiceCatalog> = LazyLock::new(|| {
    ServiceCatalog::parse(BUILTIN_TEXT)
        .unwrap_or_else(|e| panic!("the built-in service catalogue is invalid: {e}"))
});

/// Longest accepted service id, in bytes.
const MAX_ID_LEN: usize = 64;

/// One online service and the domains it uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// Stable snake_case identifier, such as `lien_quan`.
    pub id: String,
    /// The name users know the service by, such as "Liên Quân Mobile".
    pub name: String,
    /// The group that schedules and time budgets can act on.
    pub group: ServiceGroup,
    /// Lower-case domains and hosts of the service; each also covers its subdomains.
    pub domains: Vec<String>,
}

/// A validated set of services, with a lookup from queried DNS names to services.
#[derive(Debug, Clone)]
pub struct ServiceCatalog {
    services: Vec<Service>,
    by_id: HashMap<Box<str>, usize>,
    by_domain: HashMap<Box<str>, usize>,
}

/// Why a catalogue text was rejected. Each message names the service and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The text is not TOML, or not the expected `[[service]]` tables.
    #[error(
        "the service catalogue is not valid: {message}; each entry must be a [[service]] table \
         with id, name, group and domains"
    )]
    Syntax {
        /// The parser's description, with the line and column.
        message: String,
    },
    /// A required field is absent.
    #[error(
        "{service}: field `{field}` is missing; every service needs id, name, group and domains"
    )]
    MissingField {
        /// The service, by id or by position.
        service: String,
        /// The missing field.
        field: &'static str,
    },
    /// The id is not snake_case ASCII.
    #[error(
        "{service}: field `id` '{id}' is {problem}; use lower-case ASCII words joined by '_', \
         such as `lien_quan`"
    )]
    BadId {
        /// The service, by position.
        service: String,
        /// The rejected id.
        id: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Two services share an id.
    #[error(
        "service `{id}`: field `id` is used by more than one service; give each service its own id"
    )]
    DuplicateId {
        /// The repeated id.
        id: String,
    },
    /// The name is empty or blank.
    #[error("{service}: field `name` is empty; give the name users know the service by")]
    EmptyName {
        /// The service.
        service: String,
    },
    /// The group is not one of the service groups.
    #[error("{service}: field `group`: {source}")]
    UnknownGroup {
        /// The service.
        service: String,
        /// The unknown name and the accepted ones.
        source: UnknownName,
    },
    /// The domain list is empty.
    #[error("{service}: field `domains` is empty; list at least one domain the service uses")]
    NoDomains {
        /// The service.
        service: String,
    },
    /// A domain is not a lower-case hostname.
    #[error("{service}: field `domains`: '{domain}' {problem}")]
    BadDomain {
        /// The service.
        service: String,
        /// The rejected domain.
        domain: String,
        /// What is wrong with it and how to write it.
        problem: &'static str,
    },
    /// A service lists the same domain twice.
    #[error("{service}: field `domains`: '{domain}' is listed twice; remove one")]
    RepeatedDomain {
        /// The service.
        service: String,
        /// The repeated domain.
        domain: String,
    },
    /// Two services list the same domain.
    #[error(
        "service `{second}`: field `domains`: '{domain}' is already listed by service `{first}`; \
         keep a shared domain under one service only"
    )]
    SharedDomain {
        /// The repeated domain.
        domain: String,
        /// The service that listed it first.
        first: String,
        /// The service that listed it again.
        second: String,
    },
}

/// The file layout: an array of `[[service]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    service: Vec<RawService>,
}

/// One `[[service]]` table before validation; absent fields are reported by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: Option<String>,
    name: Option<String>,
    group: Option<String>,
    domains: Option<Vec<String>>,
}

impl ServiceCatalog {
    /// The catalogue shipped with Lachan (`data/services.toml`), parsed once on first use.
    pub fn builtin() -> &'static ServiceCatalog {
        &BUILTIN
    }

    /// Parses and validates a catalogue text: unique snake_case ids, non-empty names, known
    /// groups, and at least one lower-case domain per service, no domain listed twice.
    pub fn parse(text: &str) -> Result<ServiceCatalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| CatalogError::Syntax {
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut catalog = ServiceCatalog {
            services: Vec::with_capacity(raw.service.len()),
            by_id: HashMap::with_capacity(raw.service.len()),
            by_domain: HashMap::new(),
        };
        for (position, raw) in raw.service.into_iter().enumerate() {
            let service = validate(raw, position + 1)?;
            catalog.add(service)?;
        }
        Ok(catalog)
    }

    /// Every service, in catalogue order.
    pub fn all(&self) -> &[Service] {
        &self.services
    }

    /// The service with this id.
    pub fn get(&self, id: &str) -> Option<&Service> {
        self.by_id.get(id).map(|&i| &self.services[i])
    }

    /// The services of one group, in catalogue order.
    pub fn in_group(&self, group: ServiceGroup) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(move |s| s.group == group)
    }

    /// The service a queried DNS name belongs to: the name itself or its nearest parent domain
    /// that the catalogue lists. `name` is lower case; a trailing dot is ignored. When both a host
    /// and its parent are listed (`ff.garena.vn`, `garena.vn`), the more specific one wins.
    pub fn service_of(&self, name: &str) -> Option<&Service> {
        let mut rest = name.strip_suffix('.').unwrap_or(name);
        loop {
            if let Some(&i) = self.by_domain.get(rest) {
                return Some(&self.services[i]);
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// Adds a validated service, refusing a repeated id or a domain another service lists.
    fn add(&mut self, service: Service) -> Result<(), CatalogError> {
        let index = self.services.len();
        if self.by_id.contains_key(service.id.as_str()) {
            return Err(CatalogError::DuplicateId { id: service.id });
        }
        for domain in &service.domains {
            if let Some(&other) = self.by_domain.get(domain.as_str()) {
                return Err(if other == index {
                    CatalogError::RepeatedDomain {
                        service: label(&service.id),
                        domain: domain.clone(),
                    }
                } else {
                    CatalogError::SharedDomain {
                        domain: domain.clone(),
                        first: self.services[other].id.clone(),
                        second: service.id.clone(),
                    }
                });
            }
            self.by_domain.insert(domain.as_str().into(), index);
        }
        self.by_id.insert(service.id.as_str().into(), index);
        self.services.push(service);
        Ok(())
    }
}

/// How error messages name a service whose id is valid.
fn label(id: &str) -> String {
    format!("service `{id}`")
}

/// Checks one table's fields; `position` (from 1) names the service until its id is known good.
fn validate(raw: RawService, position: usize) -> Result<Service, CatalogError> {
    let by_position = format!("service #{position}");
    let id = raw.id.ok_or_else(|| CatalogError::MissingField {
        service: by_position.clone(),
        field: "id",
    })?;
    if let Some(problem) = id_problem(&id) {
        return Err(CatalogError::BadId {
            service: by_position,
            id,
            problem,
        });
    }
    let service = label(&id);
    let missing = |field| CatalogError::MissingField {
        service: service.clone(),
        field,
    };
    let name = raw.name.ok_or_else(|| missing("name"))?;
    let group = raw.group.ok_or_else(|| missing("group"))?;
    let domains = raw.domains.ok_or_else(|| missing("domains"))?;
    if name.trim().is_empty() {
        return Err(CatalogError::EmptyName { service });
    }
    let group = group
        .parse::<ServiceGroup>()
        .map_err(|source| CatalogError::UnknownGroup {
            service: service.clone(),
            source,
        })?;
    if domains.is_empty() {
        return Err(CatalogError::NoDomains { service });
    }
    if let Some((domain, problem)) = domains
        .iter()
        .find_map(|d| domain_problem(d).map(|p| (d, p)))
    {
        return Err(CatalogError::BadDomain {
            service,
            domain: domain.clone(),
            problem,
        });
    }
    Ok(Service {
        id,
        name: name.trim().to_string(),
        group,
        domains,
    })
}

/// What is wrong with a service id, if anything: it must be lower-case ASCII words of letters
/// and digits joined by single underscores, starting with a letter.
fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        return Some("empty");
    }
    if id.len() > MAX_ID_LEN {
        return Some("longer than 64 characters");
    }
    let well_formed = id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.split('_').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    (!well_formed).then_some("not snake_case ASCII")
}

/// What is wrong with a catalogue domain, if anything: it must be a lower-case hostname of at
/// least two labels, without scheme, wildcard or trailing dot.
fn domain_problem(domain: &str) -> Option<&'static str> {
    if domain.is_empty() {
        return Some("is empty");
    }
    if domain.contains("://") {
        return Some("has a scheme; write the bare domain, such as `example.com`");
    }
    if domain.contains('*') {
        return Some("has a wildcard; list the parent domain, which covers its subdomains");
    }
    if domain.ends_with('.') {
        return Some("ends with a dot; drop the trailing dot");
    }
    if domain.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some("has upper-case letters; write it in lower case");
    }
    if !domain
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Some(
            "has a character other than a-z, 0-9, '-' and '.'; write internationalised names in \
             their xn-- form",
        );
    }
    if domain.len() > 253 {
        return Some("is longer than 253 characters");
    }
    let mut labels = 0;
    for part in domain.split('.') {
        labels += 1;
        if part.is_empty() {
            return Some("has an empty label (a leading dot or two dots in a row)");
        }
        if part.len() > 63 {
            return Some("has a label longer than 63 characters");
        }
        if part.starts_with('-') || part.ends_with('-') {
            return Some("has a label that starts or ends with '-'");
        }
    }
    if labels < 2 {
        return Some("is a single label; list a domain such as `example.com`");
    }
    if domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some("ends in a numeric label; list domain names, not IP addresses");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The services the issue names; each must be in the catalogue under this id.
    const REQUIRED: &[&str] = &[
        "lien_quan",
        "free_fire",
        "pubg_mobile",
        "roblox",
        "minecraft",
        "genshin_impact",
        "fortnite",
        "steam",
        "tiktok",
        "facebook",
        "messenger",
        "instagram",
        "zalo",
        "youtube",
        "discord",
        "telegram",
        "twitch",
    ];

    fn one(id: &str, group: &str, domains: &str) -> String {
        format!(
            "[[service]]\nid = \"{id}\"\nname = \"N\"\ngroup = \"{group}\"\ndomains = [{domains}]\n"
        )
    }

    #[test]
    fn builtin_file_parses() {
        let parsed = ServiceCatalog::parse(BUILTIN_TEXT).unwrap();
        assert_eq!(parsed.all(), ServiceCatalog::builtin().all());
    }

    #[test]
    fn builtin_has_at_least_sixty_services() {
        let n = ServiceCatalog::builtin().all().len();
        assert!(n >= 60, "only {n} services");
    }

    #[test]
    fn every_group_has_at_least_three_services() {
        let catalog = ServiceCatalog::builtin();
        for &group in ServiceGroup::ALL {
            let n = catalog.in_group(group).count();
            assert!(n >= 3, "group {group} has {n} services");
            assert!(catalog.in_group(group).all(|s| s.group == group));
        }
    }

    #[test]
    fn every_service_the_issue_names_is_present() {
        let catalog = ServiceCatalog::builtin();
        for id in REQUIRED {
            let service = catalog.get(id).unwrap_or_else(|| panic!("{id} is missing"));
            assert_eq!(service.id, *id);
            assert!(!service.domains.is_empty(), "{id} has no domain");
        }
        assert_eq!(catalog.get("lien_quan").unwrap().name, "Liên Quân Mobile");
        assert!(catalog.get("no_such_service").is_none());
    }

    #[test]
    fn service_of_finds_services_by_subdomain() {
        let catalog = ServiceCatalog::builtin();
        let id = |name| catalog.service_of(name).map(|s| s.id.as_str());
        assert_eq!(id("www.tiktok.com"), Some("tiktok"));
        assert_eq!(id("tiktok.com"), Some("tiktok"));
        assert_eq!(id("api.roblox.com"), Some("roblox"));
        assert_eq!(id("chat.zalo.me"), Some("zalo"));
        assert_eq!(id("rr3---sn-8qj-i5oe.googlevideo.com"), Some("youtube"));
        assert_eq!(id("www.youtube.com."), Some("youtube"));
    }

    #[test]
    fn service_of_ignores_unrelated_names() {
        let catalog = ServiceCatalog::builtin();
        for name in [
            "example.com",
            "notfacebook.com",
            "facebook.com.example.org",
            "com",
            "vn",
            "",
            ".",
        ] {
            assert!(catalog.service_of(name).is_none(), "{name} matched");
        }
    }

    #[test]
    fn the_most_specific_listing_wins() {
        let catalog = ServiceCatalog::builtin();
        let id = |name| catalog.service_of(name).map(|s| s.id.as_str());
        assert_eq!(id("congdong.ff.garena.vn"), Some("free_fire"));
        assert_eq!(id("lienquan.garena.vn"), Some("lien_quan"));
        assert_eq!(id("shop.tiktok.com"), Some("tiktok_shop"));
        assert_eq!(id("m.tiktok.com"), Some("tiktok"));
    }

    #[test]
    fn builtin_domains_are_not_covered_twice_within_a_service() {
        for service in ServiceCatalog::builtin().all() {
            for domain in &service.domains {
                let mut parent = domain.as_str();
                while let Some((_, rest)) = parent.split_once('.') {
                    parent = rest;
                    assert!(
                        !service.domains.iter().any(|d| d == parent),
                        "{}: {domain} is already covered by {parent}",
                        service.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_duplicate_id_is_rejected() {
        let text = one("a", "games", "\"a.com\"") + &one("a", "chat", "\"b.com\"");
        let err = ServiceCatalog::parse(&text).unwrap_err();
        assert_eq!(err, CatalogError::DuplicateId { id: "a".into() });
        assert!(err.to_string().contains("service `a`: field `id`"));
    }

    #[test]
    fn bad_domains_are_rejected_with_the_reason() {
        for (domain, reason) in [
            ("Example.com", "upper-case"),
            ("https://example.com", "scheme"),
            ("*.example.com", "wildcard"),
            ("example.com.", "trailing dot"),
            ("exa_mple.com", "character other than"),
            ("example..com", "empty label"),
            (".example.com", "empty label"),
            ("-example.com", "starts or ends with '-'"),
            ("localhost", "single label"),
            ("10.0.0.1", "IP addresses"),
            ("", "is empty"),
            ("ví-dụ.vn", "xn--"),
        ] {
            let err =
                ServiceCatalog::parse(&one("s", "games", &format!("\"{domain}\""))).unwrap_err();
            match &err {
                CatalogError::BadDomain {
                    service, domain: d, ..
                } => {
                    assert_eq!(service, "service `s`");
                    assert_eq!(d, domain);
                }
                other => panic!("{domain}: unexpected {other:?}"),
            }
            let message = err.to_string();
            assert!(message.contains("field `domains`"), "{message}");
            assert!(message.contains(reason), "{domain}: {message}");
        }
    }

    #[test]
    fn an_empty_domain_list_is_rejected() {
        let err = ServiceCatalog::parse(&one("s", "games", "")).unwrap_err();
        assert_eq!(
            err,
            CatalogError::NoDomains {
                service: "service `s`".into()
            }
        );
        assert!(err.to_string().contains("field `domains` is empty"));
    }

    #[test]
    fn a_domain_in_two_services_is_rejected() {
        let text = one("a", "games", "\"x.com\"") + &one("b", "video", "\"y.com\", \"x.com\"");
        let err = ServiceCatalog::parse(&text).unwrap_err();
        assert_eq!(
            err,
            CatalogError::SharedDomain {
                domain: "x.com".into(),
                first: "a".into(),
                second: "b".into(),
            }
        );
        assert!(err.to_string().contains("already listed by service `a`"));
    }

    #[test]
    fn a_domain_listed_twice_in_one_service_is_rejected() {
        let err = ServiceCatalog::parse(&one("a", "games", "\"x.com\", \"x.com\"")).unwrap_err();
        assert_eq!(
            err,
            CatalogError::RepeatedDomain {
                service: "service `a`".into(),
                domain: "x.com".into(),
            }
        );
    }

    #[test]
    fn ids_names_groups_and_fields_are_checked() {
        let err = ServiceCatalog::parse(&one("Lien Quan", "games", "\"a.com\"")).unwrap_err();
        assert!(matches!(&err, CatalogError::BadId { service, .. } if service == "service #1"));
        assert!(err.to_string().contains("'Lien Quan' is not snake_case"));
        for bad in ["_a", "a_", "a__b", "1a", "a-b"] {
            let text = one(bad, "games", "\"a.com\"");
            assert!(
                matches!(
                    ServiceCatalog::parse(&text),
                    Err(CatalogError::BadId { .. })
                ),
                "{bad}"
            );
        }
        assert!(ServiceCatalog::parse(&one("pubg_mobile2", "games", "\"a.com\"")).is_ok());

        let err = ServiceCatalog::parse(&one("a", "music", "\"a.com\"")).unwrap_err();
        assert!(matches!(err, CatalogError::UnknownGroup { .. }));
        let message = err.to_string();
        assert!(message.contains("service `a`: field `group`"), "{message}");
        assert!(
            message.contains("unknown service group 'music'"),
            "{message}"
        );
        assert!(message.contains("games"), "{message}");

        let text =
            "[[service]]\nid = \"a\"\nname = \"  \"\ngroup = \"games\"\ndomains = [\"a.com\"]\n";
        assert_eq!(
            ServiceCatalog::parse(text).unwrap_err(),
            CatalogError::EmptyName {
                service: "service `a`".into()
            }
        );

        let text = "[[service]]\nid = \"a\"\nname = \"A\"\ngroup = \"games\"\n";
        assert_eq!(
            ServiceCatalog::parse(text).unwrap_err(),
            CatalogError::MissingField {
                service: "service `a`".into(),
                field: "domains"
            }
        );
        let text = one("a", "games", "\"a.com\"") + "[[service]]\nname = \"B\"\n";
        assert_eq!(
            ServiceCatalog::parse(&text).unwrap_err(),
            CatalogError::MissingField {
                service: "service #2".into(),
                field: "id"
            }
        );
    }

    #[test]
    fn malformed_text_is_a_syntax_error() {
        for text in [
            "[[service]\nid = \"a\"",
            "[[service]]\nid = \"a\"\nname = \"A\"\ngroup = \"games\"\ndomains = [\"a.com\"]\nicon = \"x\"\n",
            "[[service]]\nid = 3\n",
            "services = 1\n",
        ] {
            let err = ServiceCatalog::parse(text).unwrap_err();
            assert!(
                matches!(err, CatalogError::Syntax { .. }),
                "{text}: {err:?}"
            );
            assert!(err.to_string().contains("line"), "{err}");
        }
        assert!(ServiceCatalog::parse("").unwrap().all().is_empty());
    }

    #[test]
    fn a_service_serialises_to_the_api_fields() {
        let service = ServiceCatalog::builtin().get("roblox").unwrap();
        let json = serde_json::to_value(service).unwrap();
        let object = json.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["domains", "group", "id", "name"]);
        assert_eq!(json["id"], "roblox");
        assert_eq!(json["name"], "Roblox");
        assert_eq!(json["group"], "games");
        assert_eq!(json["domains"][0], "roblox.com");
    }
}
