//! Wiring shared by the commands: the data directory, the store synchronised with the
//! configuration file, and the filter and forwarder built from what the store holds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use lachan_dns::clients::Matcher;
use lachan_dns::{ClientConfig, FilterConfig, ListConfig};
use lachan_store::{ClientRecord, ListRecord, ORIGIN_FILE, Store};
use lachan_upstream::{Forwarder, ForwarderOptions, UpstreamSpec};

use crate::config::Config;
use crate::lists;

/// The configuration in force and where it came from.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The configuration (built-in when no file was given).
    pub config: Config,
    /// The file it was read from.
    pub config_path: Option<PathBuf>,
    /// The data directory (SQLite database, downloaded lists).
    pub data_dir: PathBuf,
}

impl Setup {
    /// Reads `config_path` (or takes the built-in configuration).
    pub fn load(config_path: Option<PathBuf>, data_dir: PathBuf) -> Result<Setup> {
        let config = match &config_path {
            Some(path) => Config::load(path)?,
            None => Config::builtin(),
        };
        Ok(Setup {
            config,
            config_path,
            data_dir,
        })
    }

    /// Re-reads the configuration file, keeping the current one on error.
    pub fn reload_file(&mut self) -> Result<()> {
        if let Some(path) = &self.config_path {
            self.config = Config::load(path)?;
        }
        Ok(())
    }

    /// Opens the store and loads the file's lists, profiles and clients into it.
    pub async fn open_store(&self) -> Result<Store> {
        let store = Store::open(&self.data_dir)
            .await
            .with_context(|| format!("opening the database in {}", self.data_dir.display()))?;
        self.sync(&store).await?;
        Ok(store)
    }

    /// Writes the file's entities into the store (file-origin rows only).
    pub async fn sync(&self, store: &Store) -> Result<()> {
        let c = &self.config;
        let lists: Vec<ListRecord> = c
            .lists
            .iter()
            .map(|l| ListRecord {
                name: l.name.clone(),
                source: l.source.clone(),
                category: l.category,
                subdomains: l.subdomains,
                enabled: l.enabled,
                origin: ORIGIN_FILE.into(),
            })
            .collect();
        let clients: Vec<ClientRecord> = c
            .clients
            .iter()
            .map(|cl| ClientRecord {
                name: cl.name.clone(),
                matchers: cl.matchers.clone(),
                profile: cl.profile.clone(),
                origin: ORIGIN_FILE.into(),
            })
            .collect();
        store
            .sync_file_config(&lists, &c.profiles, &clients)
            .await
            .context("loading the configuration file into the database")
    }

    /// The enabled URL lists due for a download: every one when `force`, otherwise those with
    /// no local copy yet or a copy older than their `refresh_hours`.
    pub fn due_downloads(&self, lists: &[ListRecord], force: bool) -> Vec<ListRecord> {
        lists
            .iter()
            .filter(|l| l.enabled && lists::is_url(&l.source))
            .filter(|l| {
                let hours = self
                    .config
                    .lists
                    .iter()
                    .find(|c| c.name == l.name)
                    .map_or(24, |c| c.refresh_hours);
                let copy = lists::copy_path(&self.data_dir, &l.name);
                let age = std::fs::metadata(&copy)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok());
                force || age.is_none_or(|age| age > Duration::from_secs(hours.max(1) * 3600))
            })
            .cloned()
            .collect()
    }
}

/// Builds the filter's configuration from what the store holds.
pub async fn filter_config(store: &Store, setup: &Setup) -> Result<FilterConfig> {
    let lists = store.lists().await?;
    let profiles = store.profiles().await?;
    let clients = store.clients().await?;
    let lists = lists
        .iter()
        .filter(|l| l.enabled)
        .map(|l| ListConfig {
            name: l.name.clone(),
            category: l.category,
            subdomains: l.subdomains,
            source: lists::source_for(&setup.data_dir, l),
        })
        .collect();
    let clients = clients
        .iter()
        .map(|c| {
            let matchers = c
                .matchers
                .iter()
                .map(|m| m.parse::<Matcher>())
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("client '{}'", c.name))?;
            Ok(ClientConfig {
                name: c.name.clone(),
                matchers,
                profile: c.profile.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(FilterConfig {
        lists,
        profiles,
        clients,
        default_profile: setup.config.default.profile.clone(),
        block_answer: setup.config.dns.block_answer,
    })
}

/// The upstream resolvers: the configured ones, or the system's (never Lachan itself).
pub fn upstreams(config: &Config) -> Result<Vec<UpstreamSpec>> {
    if !config.dns.upstreams.is_empty() {
        return config
            .dns
            .upstreams
            .iter()
            .map(|u| {
                u.parse::<UpstreamSpec>()
                    .with_context(|| format!("[dns] upstreams: '{u}'"))
            })
            .collect();
    }
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let own = &config.dns.listen;
    let found: Vec<UpstreamSpec> = lachan_upstream::upstreams_from_resolv_conf(&text)
        .into_iter()
        .filter(|u| !matches!(u, UpstreamSpec::Udp(addr) if own.contains(addr)))
        .collect();
    if found.is_empty() {
        bail!(
            "no upstream resolver: /etc/resolv.conf names none; set [dns] upstreams = [\"IP\"] in the configuration"
        );
    }
    Ok(found)
}

/// The forwarder for the configured upstreams.
pub fn forwarder(config: &Config) -> Result<Arc<Forwarder>> {
    let extra_roots_pem = match &config.dns.upstream_ca_file {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)
        }
        None => None,
    };
    let options = ForwarderOptions {
        timeout: Duration::from_millis(config.dns.upstream_timeout_ms.max(1)),
        extra_roots_pem,
    };
    Ok(Arc::new(
        Forwarder::new(upstreams(config)?, options).context("setting up the upstream resolvers")?,
    ))
}

/// Reads line `line` (1-based) of a file, to show the rule that decided.
pub fn read_line(path: &Path, line: u32) -> Option<String> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).ok()?;
    std::io::BufReader::new(file)
        .lines()
        .nth(line.checked_sub(1)? as usize)?
        .ok()
        .map(|l| l.trim().to_string())
}
