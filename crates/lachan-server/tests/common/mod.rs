//! A server on a loopback port for the integration tests, spoken to as raw HTTP/1.1 text so
//! that every header (Host, Cookie, Origin) is exactly what a browser or an attacker could
//! send: JSON calls of the API and the console's form posts; and a fake DNS gateway with a
//! clock the tests set.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use lachan_policy::{ExtraTime, Profile, ServiceCatalog};
use lachan_server::{
    AppState, BoxFuture, DEFAULT_CONSOLE_HOSTS, Gateway, ImageOptions, LiveProfile, TextOptions,
    hash_password, router, serve,
};
use lachan_store::{ClientRecord, ORIGIN_CONSOLE, Role, Store};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;

/// Guard against a hung test, far above any real answer time.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// The password of the users [`Server::add_user`] makes, long enough for the console's rules.
pub const PASSWORD: &str = "mot-cau-mat-khau-dai";

/// A DNS gateway that counts how often changes were applied, keeps the extra time granted and
/// tells the time the test sets.
#[derive(Debug)]
pub struct FakeGateway {
    now: Mutex<Timestamp>,
    applied: AtomicUsize,
    extra: Mutex<Vec<(String, ExtraTime)>>,
}

impl FakeGateway {
    /// A gateway whose clock shows `now` until moved.
    pub fn at(now: &str) -> Arc<FakeGateway> {
        Arc::new(FakeGateway {
            now: Mutex::new(now.parse().unwrap()),
            applied: AtomicUsize::new(0),
            extra: Mutex::new(Vec::new()),
        })
    }

    /// Moves the clock on by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let mut now = self.now.lock().unwrap();
        *now = now
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap();
    }

    /// How many times changes were applied.
    pub fn applied(&self) -> usize {
        self.applied.load(Ordering::SeqCst)
    }

    /// The extra time granted so far.
    pub fn extra(&self) -> Vec<(String, ExtraTime)> {
        self.extra.lock().unwrap().clone()
    }
}

impl Gateway for FakeGateway {
    fn apply(&self) -> BoxFuture<'_, Result<(), String>> {
        self.applied.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }

    fn live(&self, _profile: &str) -> Option<LiveProfile> {
        None
    }

    fn grant_extra(&self, profile: &str, extra: ExtraTime) {
        self.extra
            .lock()
            .unwrap()
            .push((profile.to_string(), extra));
    }

    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap()
    }
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Not at all.
    None,
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
    /// The session cookie, with the CSRF token as `X-CSRF-Token` when given.
    Cookie {
        /// The cookie's value.
        session: String,
        /// The CSRF token to send, if any.
        csrf: Option<String>,
    },
    /// A browser's `Cookie` header as written (`lachan_session=…; lachan_flash=…; lang=en`).
    Browser(String),
}

impl Auth {
    /// The session cookie with its CSRF header.
    pub fn session(signed_in: &Reply) -> Auth {
        Auth::Cookie {
            session: signed_in.session_cookie().expect("a session cookie"),
            csrf: Some(signed_in.json()["csrf"].as_str().unwrap().to_string()),
        }
    }

    /// The same session without its CSRF header.
    pub fn without_csrf(&self) -> Auth {
        match self {
            Auth::Cookie { session, .. } => Auth::Cookie {
                session: session.clone(),
                csrf: None,
            },
            other => other.clone(),
        }
    }

    /// What a browser holding the cookies `cookies` sends (nothing when empty).
    pub fn browser(cookies: &str) -> Auth {
        if cookies.is_empty() {
            Auth::None
        } else {
            Auth::Browser(cookies.to_string())
        }
    }

    fn headers(&self) -> String {
        match self {
            Auth::None => String::new(),
            Auth::Browser(cookies) => format!("\r\nCookie: {cookies}"),
            Auth::Bearer(token) => format!("\r\nAuthorization: Bearer {token}"),
            Auth::Cookie { session, csrf } => {
                let mut h = format!("\r\nCookie: lachan_session={session}");
                if let Some(csrf) = csrf {
                    h.push_str(&format!("\r\nX-CSRF-Token: {csrf}"));
                }
                h
            }
        }
    }
}

/// The application served on a loopback port.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its database.
    pub store: Store,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// A server over a fresh in-memory store, without a DNS gateway.
    pub async fn start() -> Server {
        Server::start_with(None).await
    }

    /// A server over a fresh in-memory store, with a [`FakeGateway`] whose clock shows `now`.
    pub async fn start_at(now: &str) -> (Server, Arc<FakeGateway>) {
        let gateway = FakeGateway::at(now);
        (Server::start_with(Some(gateway.clone())).await, gateway)
    }

    /// A server over a fresh in-memory store, with `gateway` if given.
    pub async fn start_with(gateway: Option<Arc<dyn Gateway>>) -> Server {
        Server::start_with_text(gateway, TextOptions::default()).await
    }

    /// A server over a fresh in-memory store, with `gateway` if given and the text-safety API
    /// under `text`.
    pub async fn start_with_text(gateway: Option<Arc<dyn Gateway>>, text: TextOptions) -> Server {
        Server::start_configured(gateway, text, ImageOptions::default()).await
    }

    /// A server over a fresh in-memory store, with the image-safety API under `images`.
    pub async fn start_with_images(images: ImageOptions) -> Server {
        Server::start_configured(None, TextOptions::default(), images).await
    }

    /// A server over a fresh in-memory store, with `gateway` if given and the content-safety
    /// API under `text` and `images`.
    async fn start_configured(
        gateway: Option<Arc<dyn Gateway>>,
        text: TextOptions,
        images: ImageOptions,
    ) -> Server {
        let store = Store::open_in_memory().await.unwrap();
        let hosts = DEFAULT_CONSOLE_HOSTS.iter().map(|h| h.to_string());
        let mut state = AppState::new(store.clone(), ServiceCatalog::builtin(), hosts)
            .with_text(text)
            .with_images(images);
        if let Some(gateway) = gateway {
            state = state.with_gateway(gateway);
        }
        Server::serve_state(state).await
    }

    /// A server of `state` (built by the test, over its own store) on a loopback port.
    pub async fn serve_state(state: AppState) -> Server {
        let store = state.store.clone();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(serve(listener, router(state), shutdown.clone()));
        Server {
            addr,
            store,
            shutdown,
            task,
        }
    }

    /// Sends `head` (request line and headers, without the final blank line) and `body`.
    pub async fn send(&self, head: &str, body: &[u8]) -> Reply {
        self.send_from("127.0.0.1".parse().unwrap(), head, body)
            .await
    }

    /// [`Server::send`] from the loopback address `from` (any of 127.0.0.0/8).
    pub async fn send_from(&self, from: IpAddr, head: &str, body: &[u8]) -> Reply {
        let exchange = async {
            let socket = TcpSocket::new_v4().unwrap();
            socket.bind(SocketAddr::new(from, 0)).unwrap();
            let mut stream = socket.connect(self.addr).await.unwrap();
            let mut request = format!("{head}\r\nConnection: close\r\n\r\n").into_bytes();
            request.extend_from_slice(body);
            stream.write_all(&request).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            Reply::parse(&raw)
        };
        tokio::time::timeout(HANG_GUARD, exchange).await.unwrap()
    }

    /// `METHOD path` on the console's host with `auth`, a JSON body if given, and `extra`
    /// header lines (each without line ending).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        auth: &Auth,
        body: Option<&Value>,
        extra: &[&str],
    ) -> Reply {
        self.call_from(
            "127.0.0.1".parse().unwrap(),
            method,
            path,
            auth,
            body,
            extra,
        )
        .await
    }

    /// [`Server::call`] from the loopback address `from`.
    pub async fn call_from(
        &self,
        from: IpAddr,
        method: &str,
        path: &str,
        auth: &Auth,
        body: Option<&Value>,
        extra: &[&str],
    ) -> Reply {
        let content = body.map(|b| ("application/json", b.to_string()));
        self.request(from, method, path, auth, content, extra).await
    }

    /// `METHOD path` from `from` with `auth`, a body with its content type if given, and
    /// `extra` header lines.
    async fn request(
        &self,
        from: IpAddr,
        method: &str,
        path: &str,
        auth: &Auth,
        content: Option<(&str, String)>,
        extra: &[&str],
    ) -> Reply {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost:8080{}",
            auth.headers()
        );
        let body = match content {
            Some((kind, body)) => {
                head.push_str(&format!(
                    "\r\nContent-Type: {kind}\r\nContent-Length: {}",
                    body.len()
                ));
                body
            }
            None if method != "GET" => {
                head.push_str("\r\nContent-Length: 0");
                String::new()
            }
            None => String::new(),
        };
        for line in extra {
            head.push_str("\r\n");
            head.push_str(line);
        }
        self.send_from(from, &head, body.as_bytes()).await
    }

    /// `GET path` with `auth`.
    pub async fn get(&self, path: &str, auth: &Auth) -> Reply {
        self.call("GET", path, auth, None, &[]).await
    }

    /// `POST path` with `auth` and the JSON body `body`.
    pub async fn post_json(&self, path: &str, auth: &Auth, body: &Value) -> Reply {
        self.call("POST", path, auth, Some(body), &[]).await
    }

    /// `GET path` of the console, by a browser holding the cookies `cookies`.
    pub async fn page(&self, path: &str, cookies: &str) -> Reply {
        self.get(path, &Auth::browser(cookies)).await
    }

    /// `POST path` of a console form with `fields`, by a browser holding the cookies `cookies`.
    pub async fn post_form(&self, path: &str, cookies: &str, fields: &[(&str, &str)]) -> Reply {
        let body: Vec<String> = fields
            .iter()
            .map(|(n, v)| format!("{}={}", form_encode(n), form_encode(v)))
            .collect();
        let content = Some(("application/x-www-form-urlencoded", body.join("&")));
        let (from, auth) = ("127.0.0.1".parse().unwrap(), Auth::browser(cookies));
        self.request(from, "POST", path, &auth, content, &[]).await
    }

    /// The page a browser holding the cookies `cookies` shows after the form post `reply`:
    /// where it redirects to, with the flash message it set.
    pub async fn follow(&self, reply: &Reply, cookies: &str) -> Reply {
        let to = reply.header("location").expect("a redirect");
        self.page(to, &format!("{cookies}; {}", reply.flash()))
            .await
    }

    /// Adds the user `name` with the password [`PASSWORD`] straight into the store.
    pub async fn add_user(&self, name: &str, role: Role, household: Option<&str>) {
        let hash = hash_password(PASSWORD).unwrap();
        self.store
            .create_user(name, &hash, role, household, None)
            .await
            .unwrap()
            .unwrap();
    }

    /// Adds the console profile `name`, an 11-year-old child's, straight into the store.
    pub async fn add_profile(&self, name: &str, household: Option<&str>) {
        let profile = Profile {
            name: name.to_string(),
            age: Some(11),
            ..Profile::default_child()
        };
        self.store
            .save_console_profile(&profile, household)
            .await
            .unwrap();
    }

    /// Adds the console device `name` at `ip`, assigned to `profile`, straight into the store.
    pub async fn add_device(&self, name: &str, ip: &str, profile: &str) {
        let device = ClientRecord {
            name: name.into(),
            matchers: vec![ip.into()],
            profile: profile.into(),
            origin: ORIGIN_CONSOLE.into(),
        };
        self.store.save_console_client(&device).await.unwrap();
    }

    /// Signs `name` in through the console's form; the session cookie (`lachan_session=…`).
    pub async fn sign_in(&self, name: &str) -> String {
        let reply = self
            .post_form("/login", "", &[("username", name), ("password", PASSWORD)])
            .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/"));
        let token = reply.cookies().remove("lachan_session").expect("a session");
        format!("lachan_session={token}")
    }

    /// Stops the server and waits for it.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(HANG_GUARD, self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

/// A parsed HTTP response.
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Header names (lower-case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Reply {
            status,
            headers,
            body: String::from_utf8(body).unwrap(),
        }
    }

    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (the content type must say so).
    pub fn json(&self) -> Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{}",
            self.body
        );
        serde_json::from_str(&self.body).unwrap()
    }

    /// The `lachan_session` value this response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .filter_map(|(_, v)| v.strip_prefix("lachan_session="))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
            .find(|v| !v.is_empty())
    }

    /// Checks that the status is `status`, showing the body when it is not.
    pub fn assert_status(&self, status: u16) -> &Reply {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }

    /// The cookies this response sets, by name.
    pub fn cookies(&self) -> HashMap<String, String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next()?.split_once('='))
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// The flash message cookie this response sets, as a `Cookie` pair.
    pub fn flash(&self) -> String {
        format!("lachan_flash={}", self.cookies()["lachan_flash"])
    }

    /// The value of the page's first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let at = self.body.find(marker).expect("a form with a csrf field") + marker.len();
        self.body[at..at + self.body[at..].find('"').unwrap()].to_string()
    }

    /// Checks a JSON error body: both fields present and non-empty.
    pub fn assert_error_body(&self) {
        let body = self.json();
        assert!(!body["error"].as_str().unwrap().is_empty(), "{}", self.body);
        assert!(!body["hint"].as_str().unwrap().is_empty(), "{}", self.body);
    }
}

/// Form encoding of one name or value.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..data.len() {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}
