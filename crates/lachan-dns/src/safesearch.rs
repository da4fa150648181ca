//! Safe search: search and video hosts answered with the vendor's restricted host as a CNAME.
//! The host lists are data (`data/safesearch.toml`), compiled into the binary.

use std::collections::{HashMap, HashSet};

use foldhash::fast::RandomState;
use std::sync::LazyLock;

use lachan_policy::YoutubeMode;
use serde::Deserialize;

/// Which engine a rewrite belongs to (for the query log and `lachan check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Google search.
    Google,
    /// Bing.
    Bing,
    /// DuckDuckGo.
    DuckDuckGo,
    /// YouTube (its own toggle).
    Youtube,
}

impl Engine {
    /// A short lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Google => "google",
            Engine::Bing => "bing",
            Engine::DuckDuckGo => "duckduckgo",
            Engine::Youtube => "youtube",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchEngine {
    target: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    suffixes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Youtube {
    moderate: String,
    strict: String,
    hosts: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    google: SearchEngine,
    bing: SearchEngine,
    duckduckgo: SearchEngine,
    youtube: Youtube,
}

/// The rewrite table built from the data file.
struct Table {
    search: HashMap<String, (Engine, String), RandomState>,
    youtube: HashSet<String, RandomState>,
    youtube_moderate: String,
    youtube_strict: String,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let data: Data = toml::from_str(include_str!("../data/safesearch.toml"))
        .expect("data/safesearch.toml is checked by the unit tests");
    let mut search = HashMap::default();
    for (engine, entry) in [
        (Engine::Google, &data.google),
        (Engine::Bing, &data.bing),
        (Engine::DuckDuckGo, &data.duckduckgo),
    ] {
        for host in &entry.hosts {
            search.insert(host.clone(), (engine, entry.target.clone()));
        }
        for suffix in &entry.suffixes {
            search.insert(format!("google.{suffix}"), (engine, entry.target.clone()));
            search.insert(
                format!("www.google.{suffix}"),
                (engine, entry.target.clone()),
            );
        }
    }
    Table {
        search,
        youtube: data.youtube.hosts.into_iter().collect(),
        youtube_moderate: data.youtube.moderate,
        youtube_strict: data.youtube.strict,
    }
});

/// The safe-search rewrite for `name` under a profile's settings: the engine and the CNAME
/// target, or `None` when the name is not restricted.
pub fn rewrite(
    name: &str,
    safe_search: bool,
    youtube: YoutubeMode,
) -> Option<(Engine, &'static str)> {
    let table = &*TABLE;
    if youtube != YoutubeMode::Off && table.youtube.contains(name) {
        let target = match youtube {
            YoutubeMode::Strict => table.youtube_strict.as_str(),
            _ => table.youtube_moderate.as_str(),
        };
        return Some((Engine::Youtube, target));
    }
    if safe_search {
        return table
            .search
            .get(name)
            .map(|(engine, target)| (*engine, target.as_str()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_hosts_include_vietnam_and_bare_domains() {
        for host in [
            "www.google.com",
            "google.com",
            "www.google.com.vn",
            "google.com.vn",
            "www.google.co.uk",
            "www.google.cat",
        ] {
            assert_eq!(
                rewrite(host, true, YoutubeMode::Off),
                Some((Engine::Google, "forcesafesearch.google.com")),
                "{host}"
            );
        }
        assert_eq!(rewrite("mail.google.com", true, YoutubeMode::Off), None);
        assert_eq!(rewrite("www.google.com.vn", false, YoutubeMode::Off), None);
        assert!(TABLE.search.len() > 370);
    }

    #[test]
    fn bing_and_duckduckgo() {
        assert_eq!(
            rewrite("www.bing.com", true, YoutubeMode::Off),
            Some((Engine::Bing, "strict.bing.com"))
        );
        assert_eq!(
            rewrite("duckduckgo.com", true, YoutubeMode::Off),
            Some((Engine::DuckDuckGo, "safe.duckduckgo.com"))
        );
    }

    #[test]
    fn youtube_is_its_own_toggle() {
        assert_eq!(rewrite("www.youtube.com", true, YoutubeMode::Off), None);
        assert_eq!(
            rewrite("m.youtube.com", false, YoutubeMode::Moderate),
            Some((Engine::Youtube, "restrictmoderate.youtube.com"))
        );
        assert_eq!(
            rewrite("youtubei.googleapis.com", false, YoutubeMode::Strict),
            Some((Engine::Youtube, "restrict.youtube.com"))
        );
    }
}
