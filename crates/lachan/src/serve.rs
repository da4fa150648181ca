//! `lachan serve`: the resolver with its query log, list refreshes, reloads and graceful
//! shutdown; the console and API, with the text-safety API's conversations pruned once they
//! expire (by the same clock the API reads) and the image hash banks loaded at start (and again
//! by the API whenever an import or removal changed them); the hotline console with its
//! attachment key, its default authorities and its background work ([`crate::hotline`]), on
//! the same clock.

use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{Context, Result};
use arc_swap::ArcSwap;
use lachan_dns::{
    Clock, Filter, ListenOptions, QueryRecord, QuerySink, Resolver, ResolverOptions, SystemClock,
};
use lachan_server::vault::Vault;
use lachan_store::{ListRefresh, QueryEvent, QueryLogSender, Store, WriterOptions};
use lachan_upstream::{Cache, CacheOptions};
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use crate::alerts::AlertSink;
use crate::app::{self, Setup};
use crate::gateway::LiveGateway;
use crate::hotline::{HotlineHandle, WorkerOptions};
use crate::lists;

/// How `serve` is driven: by the system (signals, the real clock) or by a test.
pub struct Control {
    /// Where the filter reads the time (schedules, budgets).
    pub clock: Arc<dyn Clock>,
    /// Cancelled to stop the server, like SIGTERM.
    pub shutdown: CancellationToken,
    /// Told the addresses once the server answers.
    pub on_ready: Option<tokio::sync::oneshot::Sender<Running>>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            clock: Arc::new(SystemClock),
            shutdown: CancellationToken::new(),
            on_ready: None,
        }
    }
}

/// Where a running server answers.
#[derive(Debug, Clone)]
pub struct Running {
    /// The DNS listeners (UDP and TCP on each).
    pub dns: Vec<std::net::SocketAddr>,
    /// The console, API and block page, when `[http]` is enabled.
    pub web: Option<std::net::SocketAddr>,
    /// Runs a pass of the hotline's background work on demand.
    pub hotline: HotlineHandle,
}

/// Passes query records to the store's batched writer (never blocks).
struct StoreSink(QueryLogSender);

impl QuerySink for StoreSink {
    fn record(&self, r: QueryRecord) {
        self.0.send(QueryEvent {
            time_ms: r
                .time
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            client_ip: Some(r.client_ip),
            client_name: r.client_name,
            profile: r.profile,
            name: r.name,
            qtype: r.qtype,
            decision: r.outcome,
            category: r.category,
            rule: r.rule,
            upstream: r.upstream,
            upstream_ms: r
                .upstream_rtt
                .map(|d| d.as_millis().min(u128::from(u32::MAX)) as u32),
        });
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(setup: Setup) -> Result<()> {
    run_with(setup, Control::default()).await
}

/// Runs the server until SIGINT, SIGTERM or `control.shutdown`.
pub async fn run_with(mut setup: Setup, control: Control) -> Result<()> {
    let started = Instant::now();
    let store = setup.open_store().await?;
    let admin_note = first_admin(&store).await?;
    let authorities = seed_authorities(&store, control.clock.as_ref()).await?;
    let hotline_options = setup.config.hotline.options()?;
    let worker_options = WorkerOptions::new(&setup.config.hotline, &hotline_options.clocks);
    let vault = open_vault(&setup)?;
    refresh_lists(&setup, &store, false).await;
    let filter_config = app::filter_config(&store, &setup).await?;
    let (filter, reports) = Filter::with_clock(&filter_config, control.clock.clone())?;
    record_reports(&store, &reports).await;
    let list_lines = list_lines(&filter_config, &reports);
    let filter = Arc::new(filter);
    restore_usage(&store, &filter).await;
    restore_extra_time(&store, &filter).await;
    let shared_setup = Arc::new(ArcSwap::from_pointee(setup.clone()));
    let forwarder = app::forwarder(&setup.config)?;
    let dns = &setup.config.dns;
    let cache = Cache::new(CacheOptions {
        capacity: dns.cache_size.max(1),
        stale_for: Duration::from_secs(dns.serve_stale_hours * 3600),
        ..CacheOptions::default()
    });
    let (sink, writer): (Arc<dyn QuerySink>, _) = if setup.config.querylog.enabled {
        let (sender, task) = store.query_log_writer(WriterOptions {
            anonymize_clients: setup.config.querylog.anonymize_clients,
            counters_interval: Duration::from_secs(setup.config.querylog.counters_seconds.max(1)),
            ..WriterOptions::default()
        });
        (Arc::new(StoreSink(sender)), Some(task))
    } else {
        (Arc::new(lachan_dns::NoSink), None)
    };
    let sink = Arc::new(AlertSink::spawn(sink, &setup.config.alerts, store.clone()));
    let resolver = Arc::new(Resolver::new(
        filter.clone(),
        forwarder,
        cache,
        ResolverOptions {
            allow_networks: dns.allow_networks.clone(),
            rate_limit: dns.rate_limit,
            blocked_ttl: dns.blocked_ttl,
            ..ResolverOptions::default()
        },
        sink,
    ));
    let listen = ListenOptions {
        udp_workers: if dns.udp_workers == 0 {
            ListenOptions::default().udp_workers
        } else {
            dns.udp_workers
        },
        ..ListenOptions::default()
    };
    let bound = lachan_dns::bind(&dns.listen, listen)?;
    let addrs = bound.local_addrs().to_vec();
    let shutdown = control.shutdown.clone();
    let mut tasks = bound.serve(resolver.clone(), shutdown.clone());
    let gateway = Arc::new(LiveGateway::new(
        filter.clone(),
        store.clone(),
        shared_setup.clone(),
    ));
    let web = start_http(
        &setup,
        &store,
        &filter,
        gateway,
        (hotline_options, vault),
        &shutdown,
        &mut tasks,
    )
    .await?;
    let console = web.as_ref().map(|(addr, _)| *addr);
    print_banner(
        &setup,
        &addrs,
        console,
        &list_lines,
        filter.rule_count(),
        started.elapsed(),
    );
    if let Some((_, images)) = &web {
        println!("{images}");
    }
    println!("{}", hotline_line(&setup, authorities));
    if let Some(note) = admin_note {
        println!("{note}");
    }
    let (hotline_task, hotline) = crate::hotline::spawn(
        store.clone(),
        worker_options,
        control.clock.clone(),
        shutdown.clone(),
    );
    if let Some(ready) = control.on_ready {
        let _ = ready.send(Running {
            dns: addrs.clone(),
            web: console,
            hotline,
        });
    }

    let retention = lachan_store::spawn_retention(
        store.clone(),
        Duration::from_secs(setup.config.querylog.retention_days.max(1) * 86_400),
        Duration::from_secs(3600),
    );
    let clock = control.clock.clone();
    let conversations = lachan_store::spawn_conversation_expiry(
        store.clone(),
        setup.config.text.expire_after(),
        Duration::from_secs(3600),
        move || clock.now().as_millisecond(),
    );
    let neighbours = spawn_neighbour_refresh(filter.clone(), shutdown.clone());
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut refresh = tokio::time::interval(Duration::from_secs(3600));
    refresh.tick().await;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
            _ = shutdown.cancelled() => break,
            _ = hangup.recv() => {
                match setup.reload_file() {
                    Ok(()) => {
                        shared_setup.store(Arc::new(setup.clone()));
                        reload(&setup, &store, &filter, true).await
                    }
                    Err(err) => tracing::error!("configuration not reloaded: {err:#}"),
                }
            }
            _ = refresh.tick() => {
                if !setup.due_downloads(&store.lists().await.unwrap_or_default(), false).is_empty() {
                    reload(&setup, &store, &filter, false).await;
                }
            }
        }
    }
    println!(
        "Lachan: stopping — answering the queries already received, then saving the query log"
    );
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    retention.abort();
    conversations.abort();
    neighbours.abort();
    hotline_task.abort();
    drop(resolver);
    if let Some(writer) = writer {
        let stats = writer.shutdown().await;
        tracing::info!(?stats, "query log flushed");
    }
    println!("Lachan: stopped");
    Ok(())
}

/// Writes each finished minute of service use to the store (a few per minute at most, so each
/// is its own small write, off the answer path).
struct StoreUsageSink {
    store: Store,
    runtime: tokio::runtime::Handle,
}

impl lachan_dns::UsageSink for StoreUsageSink {
    fn record(
        &self,
        profile: &str,
        minute: jiff::Timestamp,
        service: &str,
        group: lachan_policy::ServiceGroup,
    ) {
        let store = self.store.clone();
        let minute = lachan_store::ServiceMinute {
            profile: profile.to_string(),
            minute_ms: minute.as_millisecond(),
            service: service.to_string(),
            group,
        };
        self.runtime.spawn(async move {
            if let Err(err) = store.record_service_minutes(&[minute]).await {
                tracing::warn!("a minute of service use was not saved: {err}");
            }
        });
    }
}

/// Counts today's minutes of service use saved by earlier runs, so a restart does not reset
/// time budgets, then saves the minutes of this run.
async fn restore_usage(store: &Store, filter: &Filter) {
    let now = jiff::Timestamp::now();
    // Two days back covers "today" in every time zone.
    let since = now.as_millisecond() - 2 * 86_400_000;
    match store.service_minutes_since(since).await {
        Ok(minutes) => {
            let mut by_profile: std::collections::HashMap<&str, Vec<_>> =
                std::collections::HashMap::new();
            for m in &minutes {
                if let Ok(t) = jiff::Timestamp::from_millisecond(m.minute_ms) {
                    by_profile.entry(m.profile.as_str()).or_default().push((
                        t,
                        m.service.clone(),
                        m.group,
                    ));
                }
            }
            for (name, minutes) in by_profile {
                if let Some(profile) = filter.profile(name) {
                    filter.usage().preload(&profile, now, &minutes);
                }
            }
        }
        Err(err) => {
            tracing::warn!("earlier service use not loaded; today's budgets start from zero: {err}")
        }
    }
    filter.usage().set_sink(Arc::new(StoreUsageSink {
        store: store.clone(),
        runtime: tokio::runtime::Handle::current(),
    }));
}

/// Gives back today's extra time granted before a restart.
async fn restore_extra_time(store: &Store, filter: &Filter) {
    match store.active_extra_time(filter.now().as_millisecond()).await {
        Ok(grants) => {
            for (profile, extra) in grants {
                filter.grant_extra(&profile, extra);
            }
        }
        Err(err) => tracing::warn!("extra time granted earlier not loaded: {err}"),
    }
}

/// Creates the first administrator from `LACHAN_ADMIN_PASSWORD` when there is no account yet;
/// otherwise says how to create one in the console. No default password exists.
async fn first_admin(store: &Store) -> Result<Option<String>> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    match std::env::var("LACHAN_ADMIN_PASSWORD") {
        Ok(password) if password.chars().count() >= lachan_server::MIN_PASSWORD_CHARS => {
            let hash = lachan_server::hash_password(&password)?;
            store
                .create_user("admin", &hash, lachan_store::Role::Admin, None, None)
                .await?;
            store
                .append_audit(
                    "command line",
                    "user created",
                    "admin",
                    "first administrator, from LACHAN_ADMIN_PASSWORD",
                )
                .await?;
            Ok(Some(
                "  Admin: account 'admin' created from LACHAN_ADMIN_PASSWORD".to_string(),
            ))
        }
        Ok(_) => anyhow::bail!(
            "LACHAN_ADMIN_PASSWORD is too short: use at least {} characters",
            lachan_server::MIN_PASSWORD_CHARS
        ),
        Err(_) => Ok(Some(
            "  First start: open the Web address above to create the administrator account \
             (or set LACHAN_ADMIN_PASSWORD)"
                .to_string(),
        )),
    }
}

/// Stores the default referral and takedown authorities on the first start (when none is
/// stored); returns how many were stored.
async fn seed_authorities(store: &Store, clock: &dyn Clock) -> Result<u64> {
    let defaults = lachan_hotline::default_authorities()
        .context("reading the built-in hotline authorities")?;
    store
        .seed_authorities(&defaults, clock.now().as_millisecond())
        .await
        .context("storing the default hotline authorities")
}

/// Opens the key that seals the hotline's attachments, made on the first start (the data
/// directory exists by now; another `[hotline] key_file` must be in an existing directory).
fn open_vault(setup: &Setup) -> Result<Arc<Vault>> {
    let path = setup.config.hotline.key_file(&setup.data_dir);
    let vault = Vault::open_or_create(&path).with_context(|| {
        format!(
            "opening the hotline's attachment key {} ([hotline] key_file)",
            path.display()
        )
    })?;
    Ok(Arc::new(vault))
}

/// The banner's line on the hotline.
fn hotline_line(setup: &Setup, authorities: u64) -> String {
    let h = &setup.config.hotline;
    let retention = match h.anonymise_after_days {
        0 => "closed cases kept".to_string(),
        days => format!("closed cases anonymised after {days} days"),
    };
    let seeded = if authorities > 0 {
        format!("; {authorities} default authorities stored (check them in the console)")
    } else {
        String::new()
    };
    // The webhook's user, path and query may hold a secret: the banner shows its host only.
    let escalations = match h
        .webhook()
        .and_then(|url| url.parse::<ureq::http::Uri>().ok())
    {
        Some(uri) => format!(
            "the console and the webhook at {}{}",
            uri.host().unwrap_or("?"),
            uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        None => "the console only".to_string(),
    };
    format!(
        "  Hotline: {} (attachment key {}; escalations to {escalations}; {retention}{seeded})",
        h.name,
        h.key_file(&setup.data_dir).display(),
    )
}

/// Why `host` is blocked for the device at `client`, in Vietnamese, for the block page.
fn block_reason(filter: &Filter, host: &str, client: std::net::IpAddr) -> Option<String> {
    use lachan_dns::Verdict;
    match filter
        .decide(client, host, lachan_dns::wire::rtype::A)
        .verdict
    {
        Verdict::Block {
            category: Some(c), ..
        } => Some(format!("trang thuộc nhóm {}", c.label_vi())),
        Verdict::Block { category: None, .. } => {
            Some("bố mẹ hoặc thầy cô đã chặn trang này".into())
        }
        Verdict::BlockService { service } => Some(format!("{} đang bị chặn", service.name)),
        Verdict::BlockTime { reason } => Some(reason.text_vi()),
        _ => None,
    }
}

/// Starts the console, API and block page when `[http]` is enabled, with the image hash banks
/// loaded; returns its address and a banner line on the banks.
async fn start_http(
    setup: &Setup,
    store: &Store,
    filter: &Arc<Filter>,
    gateway: Arc<LiveGateway>,
    (hotline, vault): (lachan_server::HotlineOptions, Arc<Vault>),
    shutdown: &CancellationToken,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<Option<(std::net::SocketAddr, String)>> {
    let http = &setup.config.http;
    if !http.enabled {
        return Ok(None);
    }
    let listener = tokio::net::TcpListener::bind(http.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} for the console ([http] listen)",
                http.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let mut hosts: Vec<String> = lachan_server::DEFAULT_CONSOLE_HOSTS
        .iter()
        .map(|h| h.to_string())
        .collect();
    hosts.push(addr.to_string());
    hosts.extend(http.console_hosts.iter().cloned());
    let filter = filter.clone();
    let explain: lachan_server::BlockExplainer =
        Arc::new(move |host: &str, client: std::net::IpAddr| block_reason(&filter, host, client));
    let state = lachan_server::AppState::new(
        store.clone(),
        lachan_policy::ServiceCatalog::builtin(),
        hosts,
    )
    .with_explainer(explain)
    .with_gateway(gateway)
    .with_text(setup.config.text.options())
    .with_images(setup.config.images.options())
    .with_hotline(hotline, Some(vault));
    let banks = state
        .load_image_banks()
        .await
        .context("loading the image hash banks")?;
    let images = format!(
        "  Images: {} hashes in {} banks (POST /api/v1/images/check; lachan image bank list)",
        banks.len(),
        banks.banks().len()
    );
    let router = lachan_server::router(state);
    let shutdown = shutdown.clone();
    tasks.spawn(async move {
        if let Err(err) = lachan_server::serve(listener, router, shutdown).await {
            tracing::error!("the console stopped: {err}");
        }
    });
    Ok(Some((addr, images)))
}

/// Re-syncs the file into the store, downloads lists (all of them after SIGHUP, the due ones
/// otherwise) and rebuilds the filter in place.
async fn reload(setup: &Setup, store: &Store, filter: &Filter, from_file: bool) {
    if from_file && let Err(err) = setup.sync(store).await {
        tracing::error!("configuration not reloaded: {err:#}");
        return;
    }
    refresh_lists(setup, store, from_file).await;
    let result = async {
        let config = app::filter_config(store, setup).await?;
        Ok::<_, anyhow::Error>(filter.reload(&config)?)
    }
    .await;
    match result {
        Ok(reports) => {
            record_reports(store, &reports).await;
            tracing::info!(rules = filter.rule_count(), "filter reloaded");
        }
        Err(err) => tracing::error!("filter not reloaded, the previous one stays: {err:#}"),
    }
}

/// Downloads the URL lists that are due; failures are logged and recorded, old copies stay.
async fn refresh_lists(setup: &Setup, store: &Store, force: bool) {
    let Ok(all) = store.lists().await else { return };
    for list in setup.due_downloads(&all, force) {
        println!("Downloading list '{}' from {}", list.name, list.source);
        let data_dir = setup.data_dir.clone();
        let job = list.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            lists::download(&data_dir, &job, Duration::from_secs(60))
        })
        .await;
        match outcome {
            Ok(Ok(bytes)) => tracing::info!(list = %list.name, bytes, "list downloaded"),
            Ok(Err(err)) => {
                let copy = lists::copy_path(&setup.data_dir, &list.name);
                let kept = if copy.exists() {
                    "the last good copy stays in use"
                } else {
                    "no copy yet: the list is empty"
                };
                tracing::warn!(list = %list.name, "{err:#}; {kept}");
                let failed = ListRefresh::Failed {
                    time_ms: now_ms(),
                    error: format!("{err:#}"),
                };
                let _ = store.record_list_refresh(&list.name, &failed).await;
            }
            Err(err) => tracing::error!("list download task failed: {err}"),
        }
    }
}

async fn record_reports(store: &Store, reports: &[lachan_dns::filter::NamedReport]) {
    for r in reports {
        let outcome = match &r.report.io_error {
            Some(error) => {
                tracing::warn!(list = %r.name, "list unreadable: {error}");
                ListRefresh::Failed {
                    time_ms: now_ms(),
                    error: error.clone(),
                }
            }
            None => {
                if r.report.invalid > 0 {
                    let first = r
                        .report
                        .errors
                        .first()
                        .map(|e| format!("line {}: {} ({})", e.line, e.reason, e.text));
                    tracing::warn!(list = %r.name, invalid = r.report.invalid, first = ?first, "invalid lines skipped");
                }
                ListRefresh::Loaded {
                    time_ms: now_ms(),
                    rules: r.report.rules as u64,
                    invalid: r.report.invalid as u64,
                }
            }
        };
        let _ = store.record_list_refresh(&r.name, &outcome).await;
    }
}

fn spawn_neighbour_refresh(
    filter: Arc<Filter>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(15));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = every.tick() => {}
            }
            if filter.uses_mac() {
                let table =
                    tokio::task::spawn_blocking(lachan_dns::clients::NeighbourTable::read_system)
                        .await;
                if let Ok(table) = table {
                    filter.set_neighbours(table);
                }
            }
        }
    })
}

/// One line per list: what it blocks and how many rules it gave.
fn list_lines(
    config: &lachan_dns::FilterConfig,
    reports: &[lachan_dns::filter::NamedReport],
) -> Vec<String> {
    let mut lines = Vec::new();
    for list in &config.lists {
        let Some(r) = reports.iter().find(|r| r.name == list.name) else {
            continue;
        };
        let state = match &r.report.io_error {
            Some(error) => format!("unreadable: {error}"),
            None if r.report.rules == 0 => "empty (no download yet?)".to_string(),
            None if r.report.invalid > 0 => {
                format!(
                    "{} rules, {} invalid lines skipped",
                    r.report.rules, r.report.invalid
                )
            }
            None => format!("{} rules", r.report.rules),
        };
        lines.push(format!(
            "  List: {} [{}] — {state}",
            list.name, list.category
        ));
    }
    lines
}

fn print_banner(
    setup: &Setup,
    addrs: &[std::net::SocketAddr],
    console: Option<std::net::SocketAddr>,
    lists: &[String],
    rules: usize,
    took: Duration,
) {
    println!(
        "Lachan is running (rules: {rules}, ready in {:.2} s)",
        took.as_secs_f64()
    );
    for addr in addrs {
        println!("  DNS:  {addr} (UDP and TCP)");
    }
    if let Some(console) = console {
        println!(
            "  Web:  http://{console}/ (API: /api/v1/openapi.json; a token: lachan token create --role admin)"
        );
    }
    println!("  Data: {}", setup.data_dir.display());
    for line in lists {
        println!("{line}");
    }
    if let Some(first) = addrs.first() {
        println!(
            "  Try:  dig @{} -p {} example.com   — then set this machine's address as the DNS server of a device or the router",
            first.ip(),
            first.port()
        );
    }
    println!(
        "  Stop: Ctrl-C (reload lists and configuration: kill -HUP {})",
        std::process::id()
    );
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
