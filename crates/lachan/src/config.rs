//! The configuration file (TOML). Every key has a default, so `lachan serve` runs with no file;
//! `config/lachan.example.toml` documents each one.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ipnet::IpNet;
use lachan_policy::{BlockAnswer, Category, Profile, ServiceCatalog, Target};
use lachan_text::classify::{Policy, Thresholds};
use serde::Deserialize;

mod hotline;

pub use hotline::{HotlineSection, check_name as check_hotline_name};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The DNS server.
    pub dns: DnsSection,
    /// Domain lists.
    pub lists: Vec<ListSection>,
    /// Filtering profiles.
    pub profiles: Vec<Profile>,
    /// Known devices.
    pub clients: Vec<ClientSection>,
    /// What unknown devices get.
    pub default: DefaultSection,
    /// The query log.
    pub querylog: QueryLogSection,
    /// The web console, the JSON API and the block page.
    pub http: HttpSection,
    /// `[alerts]`: when guardians are warned, and the webhook that also receives alerts.
    pub alerts: AlertsSection,
    /// `[text]`: the text-safety API (`/api/v1/text/check`, `/api/v1/conversations/…`).
    pub text: TextSection,
    /// `[images]`: the image-safety API (`/api/v1/images/check`).
    pub images: ImagesSection,
    /// `[hotline]`: the hotline console (reports, cases, legal clocks, attachments).
    pub hotline: HotlineSection,
}

/// `[dns]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsSection {
    /// Addresses served on UDP and TCP.
    pub listen: Vec<SocketAddr>,
    /// Upstream resolvers: "IP[:port]", "tls://host[:853]", "https://host/dns-query".
    /// Empty: the `nameserver` lines of /etc/resolv.conf.
    pub upstreams: Vec<String>,
    /// Source networks allowed to query; everything else is refused.
    pub allow_networks: Vec<IpNet>,
    /// How blocked names are answered: null_ip, nxdomain, refused, or a block page's IP.
    pub block_answer: BlockAnswer,
    /// TTL of blocked answers, seconds.
    pub blocked_ttl: u32,
    /// Queries per second per client address (0: no limit).
    pub rate_limit: u32,
    /// Time to wait for one upstream, milliseconds.
    pub upstream_timeout_ms: u64,
    /// Answers kept in the cache.
    pub cache_size: usize,
    /// How long past expiry a cached answer may be served when every upstream fails, hours.
    pub serve_stale_hours: u64,
    /// UDP sockets per address (0: one per core).
    pub udp_workers: usize,
    /// A PEM file of extra certificate authorities trusted for tls:// and https:// upstreams.
    pub upstream_ca_file: Option<PathBuf>,
}

impl Default for DnsSection {
    fn default() -> Self {
        DnsSection {
            listen: vec!["127.0.0.1:5053".parse().expect("valid address")],
            upstreams: Vec::new(),
            allow_networks: lachan_dns::resolver::default_allow_networks(),
            block_answer: BlockAnswer::NullIp,
            blocked_ttl: 10,
            rate_limit: 300,
            upstream_timeout_ms: 2000,
            cache_size: 20_000,
            serve_stale_hours: 24,
            udp_workers: 0,
            upstream_ca_file: None,
        }
    }
}

/// `[[lists]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSection {
    /// Unique name.
    pub name: String,
    /// A file path, or an http(s) URL refreshed on a schedule (the last good copy is kept).
    pub source: String,
    /// The category of every rule in the list.
    pub category: Category,
    /// Whether plain domains also block their subdomains (HaGeZi's wildcard lists: true).
    #[serde(default)]
    pub subdomains: bool,
    /// Whether the list is used.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Hours between downloads of a URL list.
    #[serde(default = "default_refresh_hours")]
    pub refresh_hours: u64,
}

fn yes() -> bool {
    true
}

fn default_refresh_hours() -> u64 {
    24
}

/// `[[clients]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    /// Display name.
    pub name: String,
    /// IPs, CIDRs or MAC addresses.
    #[serde(rename = "match")]
    pub matchers: Vec<String>,
    /// The profile used.
    pub profile: String,
}

/// `[default]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DefaultSection {
    /// The profile of clients that match nothing.
    pub profile: String,
}

impl Default for DefaultSection {
    fn default() -> Self {
        DefaultSection {
            profile: "child".into(),
        }
    }
}

/// `[http]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSection {
    /// Whether the HTTP server runs.
    pub enabled: bool,
    /// The address of the console and the API (and of the block page for names answered with
    /// this machine's address).
    pub listen: SocketAddr,
    /// Extra host names under which the console is reached (e.g. "lachan.home:8080"); any other
    /// `Host` is a blocked site and gets the block page.
    pub console_hosts: Vec<String>,
}

impl Default for HttpSection {
    fn default() -> Self {
        HttpSection {
            enabled: true,
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            console_hosts: Vec::new(),
        }
    }
}

/// `[alerts]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsSection {
    /// An http(s) URL that receives each alert as a JSON POST; empty: console only.
    pub webhook: String,
    /// Blocked attempts of one watched category by one profile, within `window_minutes`, that
    /// raise an alert.
    pub repeated_blocks: u32,
    /// The window over which attempts are counted.
    pub window_minutes: u32,
    /// The categories watched for repeated attempts.
    pub categories: Vec<Category>,
}

impl Default for AlertsSection {
    fn default() -> Self {
        AlertsSection {
            webhook: String::new(),
            repeated_blocks: 5,
            window_minutes: 10,
            categories: vec![Category::Adult, Category::Gambling, Category::Threat],
        }
    }
}

/// `[text]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextSection {
    /// Hours after its last message when a conversation's state is forgotten (the next message
    /// starts a fresh conversation).
    pub conversation_hours: u64,
    /// The most live conversations one platform token may keep; a message that would start
    /// one more is refused (429).
    pub max_conversations: u64,
    /// Review and block thresholds per category, over the engine's defaults; a request's own
    /// policy goes over these.
    pub thresholds: BTreeMap<Category, ThresholdsSection>,
}

impl Default for TextSection {
    fn default() -> Self {
        let defaults = lachan_server::TextOptions::default();
        TextSection {
            conversation_hours: defaults.conversation_hours,
            max_conversations: defaults.max_conversations,
            thresholds: BTreeMap::new(),
        }
    }
}

/// `[text.thresholds.CATEGORY]`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsSection {
    /// Review from this score (0 to 1).
    pub review: f32,
    /// Block from this score (0 to 1); absent: never block on this category alone.
    #[serde(default)]
    pub block: Option<f32>,
}

impl TextSection {
    /// The server's options for the text-safety API.
    pub fn options(&self) -> lachan_server::TextOptions {
        let mut policy = Policy::default();
        policy
            .thresholds
            .extend(self.thresholds.iter().map(|(&category, t)| {
                let thresholds = Thresholds {
                    review: t.review,
                    block: t.block,
                };
                (category, thresholds)
            }));
        lachan_server::TextOptions {
            policy,
            conversation_hours: self.conversation_hours,
            max_conversations: self.max_conversations,
        }
    }

    /// How long after its last message a conversation is forgotten.
    pub fn expire_after(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.conversation_hours.max(1).saturating_mul(3600))
    }

    fn check(&self) -> Result<()> {
        if self.conversation_hours == 0 {
            bail!("[text] conversation_hours must be at least 1 (168 is a week)");
        }
        if self.max_conversations == 0 {
            bail!("[text] max_conversations must be at least 1");
        }
        lachan_server::check_policy(&self.options().policy).context("[text] thresholds")?;
        Ok(())
    }
}

/// `[images]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImagesSection {
    /// Largest upload `POST /api/v1/images/check` accepts, in bytes.
    pub max_body_bytes: usize,
    /// Most pixels (width × height) of an image checked; decoding may use up to 12 bytes of
    /// memory per pixel allowed.
    pub max_pixels: u64,
}

impl Default for ImagesSection {
    fn default() -> Self {
        let defaults = lachan_server::ImageOptions::default();
        ImagesSection {
            max_body_bytes: defaults.max_body_bytes,
            max_pixels: defaults.max_pixels,
        }
    }
}

impl ImagesSection {
    /// The server's options for the image-safety API.
    pub fn options(&self) -> lachan_server::ImageOptions {
        lachan_server::ImageOptions {
            max_body_bytes: self.max_body_bytes,
            max_pixels: self.max_pixels,
        }
    }

    fn check(&self) -> Result<()> {
        if self.max_body_bytes < 1024 {
            bail!("[images] max_body_bytes must be at least 1024 (20971520 is 20 MiB)");
        }
        if self.max_pixels < 4096 {
            bail!("[images] max_pixels must be at least 4096 (64000000 is a 64-megapixel photo)");
        }
        Ok(())
    }
}

/// `[querylog]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueryLogSection {
    /// Whether queries are logged.
    pub enabled: bool,
    /// Days kept.
    pub retention_days: u64,
    /// Store no client addresses (the configured client name is still kept).
    pub anonymize_clients: bool,
    /// Seconds between writes of the console's activity counters (activity, new devices):
    /// the console lags the query log by up to this much; shorter costs DNS throughput.
    pub counters_seconds: u64,
}

impl Default for QueryLogSection {
    fn default() -> Self {
        QueryLogSection {
            enabled: true,
            retention_days: 30,
            anonymize_clients: false,
            counters_seconds: 30,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dns: DnsSection::default(),
            lists: default_lists(),
            profiles: Vec::new(),
            clients: Vec::new(),
            default: DefaultSection::default(),
            querylog: QueryLogSection::default(),
            http: HttpSection::default(),
            alerts: AlertsSection::default(),
            text: TextSection::default(),
            images: ImagesSection::default(),
            hotline: HotlineSection::default(),
        }
    }
}

/// hostsVN's adult, gambling and threat lists (AdGuard syntax), downloaded on first start.
fn default_lists() -> Vec<ListSection> {
    let base = "https://raw.githubusercontent.com/bigdargon/hostsVN/master/extensions";
    [
        ("adult", Category::Adult),
        ("gambling", Category::Gambling),
        ("threat", Category::Threat),
    ]
    .into_iter()
    .map(|(name, category)| ListSection {
        name: format!("hostsvn-{name}"),
        source: format!("{base}/{name}/filter.txt"),
        category,
        subdomains: false,
        enabled: true,
        refresh_hours: default_refresh_hours(),
    })
    .collect()
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        Config::parse(&text)
            .with_context(|| format!("in the configuration file {}", path.display()))
    }

    /// Parses and checks configuration text.
    pub fn parse(text: &str) -> Result<Config> {
        let mut config: Config = toml::from_str(text)?;
        config.complete();
        config.check()?;
        Ok(config)
    }

    /// The built-in configuration, as used when no file is given.
    pub fn builtin() -> Config {
        let mut config = Config::default();
        config.complete();
        config
    }

    /// Adds the built-in "child" profile when the file defines none of that name and something
    /// uses it.
    fn complete(&mut self) {
        let uses_child =
            self.default.profile == "child" || self.clients.iter().any(|c| c.profile == "child");
        if uses_child && !self.profiles.iter().any(|p| p.name == "child") {
            self.profiles.push(Profile::default_child());
        }
    }

    fn check(&self) -> Result<()> {
        if self.dns.listen.is_empty() {
            bail!("[dns] listen is empty: give at least one address, e.g. \"127.0.0.1:5053\"");
        }
        for client in &self.clients {
            for m in &client.matchers {
                m.parse::<lachan_dns::clients::Matcher>()
                    .with_context(|| format!("client '{}'", client.name))?;
            }
        }
        for list in &self.lists {
            if list.name.is_empty() || list.name.contains(['/', '\\', ':']) {
                bail!(
                    "list name '{}' must be non-empty without '/', '\\' or ':'",
                    list.name
                );
            }
        }
        for profile in &self.profiles {
            for target in &profile.blocked_services {
                match target {
                    Target::Service(id) if ServiceCatalog::builtin().get(id).is_none() => bail!(
                        "profile '{}': blocked_services names '{id}', which is not in the catalogue; \
                         `lachan services` lists the ids",
                        profile.name
                    ),
                    Target::All => bail!(
                        "profile '{}': blocked_services cannot hold \"all\"; name services \
                         (\"service:tiktok\") or groups (\"group:games\")",
                        profile.name
                    ),
                    _ => {}
                }
            }
        }
        for upstream in &self.dns.upstreams {
            upstream
                .parse::<lachan_upstream::UpstreamSpec>()
                .with_context(|| format!("[dns] upstreams: '{upstream}'"))?;
        }
        self.images.check()?;
        self.hotline.check()?;
        self.text.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_means_builtin_defaults() {
        let c = Config::builtin();
        assert_eq!(
            c.dns.listen,
            vec!["127.0.0.1:5053".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(c.default.profile, "child");
        assert!(
            c.profiles
                .iter()
                .any(|p| p.name == "child" && p.safe_search)
        );
        assert_eq!(c.lists.len(), 3);
        assert!(c.querylog.enabled);
        assert_eq!(c.querylog.retention_days, 30);
    }

    #[test]
    fn the_issue_example_parses() {
        let c = Config::parse(
            r#"
            [dns]
            listen = ["127.0.0.1:5053"]
            upstreams = ["127.0.0.1:5300"]
            allow_networks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]

            [[lists]]
            name = "hostsvn-adult"
            source = "/path/to/file"
            category = "adult"

            [[profiles]]
            name = "child"
            block = ["adult", "gambling", "threat"]
            safe_search = true
            youtube = "moderate"
            allow = ["||school.edu.vn^"]
            deny = []

            [[clients]]
            name = "An's tablet"
            match = ["127.0.0.2", "192.168.1.0/28"]
            profile = "child"

            [default]
            profile = "child"
            "#,
        )
        .unwrap();
        assert_eq!(c.lists.len(), 1);
        assert!(!c.lists[0].subdomains);
        assert_eq!(c.profiles.len(), 1);
        assert_eq!(c.clients[0].matchers.len(), 2);
    }

    #[test]
    fn the_example_file_documents_valid_keys() {
        let c = Config::parse(include_str!("../../../config/lachan.example.toml")).unwrap();
        assert_eq!(c.lists.len(), 3);
        assert_eq!(c.profiles.len(), 2);
        assert_eq!(c.clients.len(), 2);
        let defaults = Config::builtin();
        assert_eq!(c.dns.rate_limit, defaults.dns.rate_limit);
        assert_eq!(c.dns.cache_size, defaults.dns.cache_size);
        assert_eq!(c.dns.allow_networks, defaults.dns.allow_networks);
        assert_eq!(c.hotline, defaults.hotline);
    }

    #[test]
    fn the_text_section_sets_the_api_s_policy_and_limits() {
        let c = Config::builtin();
        assert_eq!(c.text.options(), lachan_server::TextOptions::default());
        let c = Config::parse(
            "[text]\nconversation_hours = 24\nmax_conversations = 500\n\
             [text.thresholds.profanity]\nreview = 0.7\nblock = 0.95\n",
        )
        .unwrap();
        let options = c.text.options();
        assert_eq!(
            (options.conversation_hours, options.max_conversations),
            (24, 500)
        );
        let profanity = options.policy.thresholds(Category::Profanity);
        assert_eq!((profanity.review, profanity.block), (0.7, Some(0.95)));
        assert_eq!(
            options.policy.thresholds(Category::Scam),
            Policy::default_thresholds(Category::Scam)
        );
        for (text, says) in [
            (
                "[text]\nconversation_hours = 0",
                "conversation_hours must be at least 1",
            ),
            (
                "[text]\nmax_conversations = 0",
                "max_conversations must be at least 1",
            ),
            (
                "[text.thresholds.ads]\nreview = 0.5",
                "'ads' is not a category a text can show",
            ),
            (
                "[text.thresholds.scam]\nreview = 2",
                "review threshold of scam is 2",
            ),
            (
                "[text.thresholds.scam]\nreview = 0.5\nblok = 0.9",
                "unknown field `blok`",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(format!("{err:#}").contains(says), "{text}: {err:#}");
        }
    }

    #[test]
    fn the_images_section_sets_the_upload_limits() {
        let c = Config::builtin();
        assert_eq!(c.images.options(), lachan_server::ImageOptions::default());
        let c =
            Config::parse("[images]\nmax_body_bytes = 5000000\nmax_pixels = 24000000\n").unwrap();
        assert_eq!(
            c.images.options(),
            lachan_server::ImageOptions {
                max_body_bytes: 5_000_000,
                max_pixels: 24_000_000
            }
        );
        for (text, says) in [
            (
                "[images]\nmax_body_bytes = 10",
                "max_body_bytes must be at least 1024",
            ),
            (
                "[images]\nmax_pixels = 0",
                "max_pixels must be at least 4096",
            ),
            ("[images]\nmax_bytes = 10", "unknown field `max_bytes`"),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(format!("{err:#}").contains(says), "{text}: {err:#}");
        }
    }

    #[test]
    fn mistakes_are_explained() {
        let err = Config::parse("[dns]\nlisen = []").unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `lisen`"),
            "{err:#}"
        );
        let err = Config::parse("[[lists]]\nname='x'\nsource='/x'\ncategory='porn'").unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown variant `porn`, expected one of `adult`"),
            "{err:#}"
        );
        let err =
            Config::parse("[[clients]]\nname='t'\nmatch=['tablet']\nprofile='child'").unwrap_err();
        assert!(format!("{err:#}").contains("not an IP address"), "{err:#}");
    }
}
