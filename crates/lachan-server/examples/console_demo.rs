//! Runs the console over a store filled with a family and a class (profiles, devices, a week of
//! DNS activity, alerts), with a stand-in DNS gateway, to look at every page or take
//! screenshots of them.
//!
//! ```text
//! cargo run -p lachan-server --example console_demo
//! ```
//!
//! It serves, on loopback ports it prints:
//! - `setup`: an empty store (the first-run page);
//! - `visitor`: the filled store, nobody signed in (the sign-in page);
//! - `admin` and `guardian`: the filled store, each request signed in as that user (the server
//!   adds the session cookie itself, so that a browser without cookies, such as a headless
//!   screenshot, sees the signed-in pages).
//!
//! Everything lives in memory and ends with Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use jiff::{SignedDuration, Timestamp};
use lachan_policy::{
    BlockReason, Budget, BudgetUse, Category, ExtraTime, Pause, Profile, Schedule, ServiceCatalog,
    ServiceGroup, Target, Zone,
};
use lachan_server::{
    AppState, BoxFuture, DEFAULT_CONSOLE_HOSTS, Gateway, LiveProfile, create_token, hash_password,
    router, serve,
};
use lachan_store::{
    AlertKind, ClientRecord, Decision, NewAlert, ORIGIN_CONSOLE, QueryEvent, Role, ServiceMinute,
    Store, WriterOptions,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// The demo users' password.
const PASSWORD: &str = "mat-khau-demo-dai";

/// A stand-in for the DNS gateway: fixed time used and left per profile, and a clock that
/// reads this evening (so that today has a day's worth of activity whenever the demo runs).
struct DemoGateway {
    now: Timestamp,
}

/// This evening at 20:30 in the default zone, or now if that is already past.
fn demo_now() -> Timestamp {
    let now = Timestamp::now();
    let evening = Zone::default().start_of_day(now) + SignedDuration::from_mins(20 * 60 + 30);
    evening.max(now)
}

impl Gateway for DemoGateway {
    fn apply(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    fn live(&self, profile: &str) -> Option<LiveProfile> {
        let zone = Zone::default();
        let now = self.now;
        let used = |target: Target, used: u32, allowance: u32| BudgetUse {
            target,
            used,
            allowance,
        };
        let (blocked, budgets) = match profile {
            "Bé An" => (
                None,
                vec![
                    used(Target::Group(ServiceGroup::Games), 95, 180),
                    used(Target::Service("roblox".into()), 52, 60),
                    used(Target::Service("lien_quan".into()), 60, 60),
                    used(Target::Group(ServiceGroup::Video), 40, 90),
                ],
            ),
            "Bé Bình" => (
                Some(BlockReason::Paused { until: None }),
                vec![used(Target::Group(ServiceGroup::Games), 180, 180)],
            ),
            "Lớp 6A" => (
                Some(BlockReason::Schedule {
                    target: Target::All,
                    until: None,
                }),
                Vec::new(),
            ),
            _ => return None,
        };
        Some(LiveProfile {
            blocked,
            budgets,
            resets_at: zone.next_midnight(now),
        })
    }

    fn grant_extra(&self, _profile: &str, _extra: ExtraTime) {}

    fn now(&self) -> Timestamp {
        self.now
    }
}

/// A small deterministic random sequence (no crate needed for a demo).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

async fn filled_store(now: Timestamp) -> anyhow::Result<Store> {
    let store = Store::open_in_memory().await?;
    let hash = hash_password(PASSWORD)?;
    store
        .create_user("admin", &hash, Role::Admin, None, None)
        .await?;
    store
        .create_user("me-an", &hash, Role::Guardian, Some("nha-an"), None)
        .await?;
    store
        .create_user("co-lan", &hash, Role::Guardian, Some("lop-6a"), None)
        .await?;
    let zone = Zone::default();
    let an = Profile {
        name: "Bé An".into(),
        age: Some(11),
        blocked_services: vec![Target::Service("tiktok".into())],
        schedules: vec![Schedule::bedtime(zone.clone())],
        budgets: vec![
            Budget::new(Target::Group(ServiceGroup::Games), 180),
            Budget::per_service(Target::Group(ServiceGroup::Games), 60),
            Budget::new(Target::Group(ServiceGroup::Video), 90),
        ],
        ..Profile::default_child()
    };
    let binh = Profile {
        name: "Bé Bình".into(),
        age: Some(8),
        pause: Some(Pause::UntilTurnedOff),
        ..Profile::default_child()
    };
    let class = Profile {
        name: "Lớp 6A".into(),
        age: Some(12),
        blocked_services: vec![
            Target::Group(ServiceGroup::Games),
            Target::Group(ServiceGroup::Social),
        ],
        ..Profile::default_child()
    };
    store.save_console_profile(&an, Some("nha-an")).await?;
    store.save_console_profile(&binh, Some("nha-an")).await?;
    store.save_console_profile(&class, Some("lop-6a")).await?;
    for (name, ip, profile) in [
        ("Máy tính bảng của An", "192.168.1.23", "Bé An"),
        ("Điện thoại của An", "192.168.1.24", "Bé An"),
        ("Laptop của Bình", "192.168.1.31", "Bé Bình"),
        ("Phòng máy lớp 6A", "10.6.0.0/24", "Lớp 6A"),
    ] {
        store
            .save_console_client(&ClientRecord {
                name: name.into(),
                matchers: vec![ip.into()],
                profile: profile.into(),
                origin: ORIGIN_CONSOLE.into(),
            })
            .await?;
    }
    fill_activity(&store, now).await?;
    create_token(&store, "home-assistant", Role::Guardian, Some("nha-an")).await?;
    create_token(&store, "giam-sat", Role::Admin, None).await?;
    let now = now.as_millisecond();
    for (minutes_ago, profile, kind, subject, count) in [
        (12, "Bé An", AlertKind::RepeatedBlocks, "gambling", 7u32),
        (95, "Bé An", AlertKind::BudgetUsedUp, "service:lien_quan", 1),
        (600, "Bé Bình", AlertKind::RepeatedBlocks, "adult", 4),
    ] {
        store
            .insert_alert(&NewAlert {
                time_ms: now - minutes_ago * 60_000,
                profile: profile.into(),
                kind,
                subject: subject.into(),
                count,
                detail: String::new(),
            })
            .await?;
    }
    Ok(store)
}

/// A week of DNS activity for "Bé An" (and two unknown devices), through the query-log writer
/// as the resolver would write it, and the minutes of service use the budgets count.
async fn fill_activity(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    let catalog = ServiceCatalog::builtin();
    let (sender, task) = store.query_log_writer(WriterOptions::default());
    let mut rng = Lcg(7);
    let zone = Zone::default();
    let today = zone.start_of_day(now);
    let profile: Arc<str> = Arc::from("Bé An");
    let device: Arc<str> = Arc::from("Máy tính bảng của An");
    let allowed = [
        ("www.youtube.com", Some("youtube")),
        ("www.roblox.com", Some("roblox")),
        ("lienquan.garena.vn", Some("lien_quan")),
        ("chat.zalo.me", Some("zalo")),
        ("vi.wikipedia.org", None),
        ("www.google.com.vn", None),
        ("olm.vn", None),
        ("hocmai.vn", None),
    ];
    let blocked = [
        ("casino-online.example", Category::Gambling),
        ("adult-site.example", Category::Adult),
        ("free-robux.example", Category::Scam),
        ("tracker.example", Category::Ads),
    ];
    let mut minutes = Vec::new();
    for day in 0..7i64 {
        let start = today - SignedDuration::from_hours(24 * day);
        let busy = 150 + rng.below(250) as i64;
        for _ in 0..busy {
            let hour = [7, 8, 12, 15, 16, 17, 18, 19, 20, 21][rng.below(10) as usize];
            let at = start + SignedDuration::from_mins(hour * 60 + rng.below(60) as i64);
            if at > now {
                continue;
            }
            let (name, decision, category, service) = if rng.below(12) == 0 {
                let (name, category) = blocked[rng.below(blocked.len() as u64) as usize];
                (name, Decision::Blocked, Some(category), None)
            } else {
                let (name, service) = allowed[rng.below(allowed.len() as u64) as usize];
                (name, Decision::Allowed, None, service)
            };
            sender.send(QueryEvent {
                time_ms: at.as_millisecond(),
                client_ip: Some("192.168.1.23".parse()?),
                client_name: Some(device.clone()),
                profile: profile.clone(),
                name: name.into(),
                qtype: 1,
                decision,
                category,
                rule: None,
                upstream: None,
                upstream_ms: None,
            });
            if let Some(id) = service
                && let Some(found) = catalog.get(id)
            {
                minutes.push(ServiceMinute {
                    profile: profile.to_string(),
                    minute_ms: at.as_millisecond() / 60_000 * 60_000,
                    service: id.into(),
                    group: found.group,
                });
            }
        }
    }
    for (ip, count) in [("192.168.1.40", 230), ("192.168.1.57", 41)] {
        for i in 0..count {
            sender.send(QueryEvent {
                time_ms: (now - SignedDuration::from_mins(i)).as_millisecond(),
                client_ip: Some(ip.parse()?),
                client_name: None,
                profile: Arc::from("default"),
                name: "connectivitycheck.gstatic.com".into(),
                qtype: 1,
                decision: Decision::Allowed,
                category: None,
                rule: None,
                upstream: None,
                upstream_ms: None,
            });
        }
    }
    drop(sender);
    task.join().await;
    store.record_service_minutes(&minutes).await?;
    Ok(())
}

/// Signs `username` in over HTTP at `addr` and returns the session cookie's value.
async fn sign_in(addr: SocketAddr, username: &str) -> anyhow::Result<String> {
    let body = format!("username={username}&password={PASSWORD}");
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await?;
    raw.lines()
        .filter_map(|l| l.strip_prefix("set-cookie: lachan_session="))
        .find_map(|rest| rest.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("signing in as {username} failed: {raw}"))
}

/// Serves `app` on a new loopback port.
async fn start(app: Router, shutdown: &CancellationToken) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, app, shutdown.clone()));
    Ok(addr)
}

/// `app`, with every request carrying `cookie` as well as its own cookies.
fn signed(app: Router, cookie: String) -> Router {
    app.layer(axum::middleware::map_request(
        move |mut request: Request| {
            let cookie = cookie.clone();
            async move {
                let joined = match request.headers().get(header::COOKIE) {
                    Some(own) => format!("{}; {cookie}", own.to_str().unwrap_or("")),
                    None => cookie,
                };
                if let Ok(value) = HeaderValue::try_from(joined) {
                    request.headers_mut().insert(header::COOKIE, value);
                }
                request
            }
        },
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let hosts = || DEFAULT_CONSOLE_HOSTS.iter().map(|h| h.to_string());
    let catalog = ServiceCatalog::builtin();
    let empty = AppState::new(Store::open_in_memory().await?, catalog, hosts());
    let setup = start(router(empty), &shutdown).await?;
    let now = demo_now();
    let store = filled_store(now).await?;
    let state = AppState::new(store, catalog, hosts()).with_gateway(Arc::new(DemoGateway { now }));
    let visitor = start(router(state.clone()), &shutdown).await?;
    let admin = sign_in(visitor, "admin").await?;
    let guardian = sign_in(visitor, "me-an").await?;
    let admin = start(
        signed(router(state.clone()), format!("lachan_session={admin}")),
        &shutdown,
    )
    .await?;
    let guardian = start(
        signed(router(state), format!("lachan_session={guardian}")),
        &shutdown,
    )
    .await?;
    println!("setup http://{setup}/setup");
    println!("visitor http://{visitor}/login");
    println!("admin http://{admin}/");
    println!("guardian http://{guardian}/");
    println!("password {PASSWORD}");
    tokio::signal::ctrl_c().await?;
    shutdown.cancel();
    Ok(())
}
