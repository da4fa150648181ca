//! A hotline served on a loopback port for the hotline tests: a store in a temporary data
//! directory (so that tests can read the database file's bytes), a vault key next to it, a
//! fake clock, and the people of two hotlines signed in: an administrator without a hotline,
//! a supervisor and two operators of hotline 111, a supervisor of hotline 222, a guardian, and
//! a platform token.

#![allow(dead_code)]

use std::sync::Arc;

use lachan_policy::ServiceCatalog;
use lachan_server::vault::Vault;
use lachan_server::{AppState, DEFAULT_CONSOLE_HOSTS, HotlineOptions, create_token, hash_password};
use lachan_store::{AuditEntry, Role, Store};
use serde_json::{Value, json};
use tempfile::TempDir;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{Auth, FakeGateway, HANG_GUARD, PASSWORD, Server};

/// The fake clock's start: 2026-03-14 10:00 in Ho Chi Minh City.
pub const NOW: &str = "2026-03-14T03:00:00Z";

/// The hotline under test, with everyone signed in.
pub struct Hotline {
    /// The server.
    pub server: Server,
    /// Its clock.
    pub gateway: Arc<FakeGateway>,
    /// Its state, for actions the tests call directly (the public form, DNS alerts).
    pub state: AppState,
    /// The data directory (database and key file).
    pub data: TempDir,
    /// An administrator who supervises no hotline.
    pub admin: Auth,
    /// The supervisor of hotline 111 (`giam-sat`).
    pub supervisor: Auth,
    /// An operator of hotline 111 (`tu-van-a`).
    pub op_a: Auth,
    /// Another operator of hotline 111 (`tu-van-b`).
    pub op_b: Auth,
    /// The supervisor of hotline 222 (`giam-sat-222`).
    pub other_supervisor: Auth,
    /// The guardian of household `nha-an` (`bo-an`), whose child's profile is `An`.
    pub guardian: Auth,
    /// A platform's API token (`token:zalo-app`).
    pub platform: Auth,
}

impl Hotline {
    /// A hotline with the default options.
    pub async fn start() -> Hotline {
        Hotline::start_with(HotlineOptions::default()).await
    }

    /// A hotline under `options`.
    pub async fn start_with(options: HotlineOptions) -> Hotline {
        let data = TempDir::new().unwrap();
        let store = Store::open(data.path()).await.unwrap();
        let vault = Vault::open_or_create(&data.path().join("hotline.key")).unwrap();
        let gateway = FakeGateway::at(NOW);
        let hosts = DEFAULT_CONSOLE_HOSTS.iter().map(|h| h.to_string());
        let state = AppState::new(store.clone(), ServiceCatalog::builtin(), hosts)
            .with_gateway(gateway.clone())
            .with_hotline(options, Some(Arc::new(vault)));
        let server = Server::serve_state(state.clone()).await;
        let people = [
            ("admin", Role::Admin, None, None),
            ("giam-sat", Role::Supervisor, None, Some("111")),
            ("tu-van-a", Role::Operator, None, Some("111")),
            ("tu-van-b", Role::Operator, None, Some("111")),
            ("giam-sat-222", Role::Supervisor, None, Some("222")),
            ("bo-an", Role::Guardian, Some("nha-an"), None),
        ];
        let hash = hash_password(PASSWORD).unwrap();
        let mut sessions = Vec::new();
        for (name, role, household, hotline) in people {
            store
                .create_user(name, &hash, role, household, hotline)
                .await
                .unwrap()
                .unwrap();
            let reply = server
                .post_json(
                    "/api/v1/session",
                    &Auth::None,
                    &json!({"username": name, "password": PASSWORD}),
                )
                .await;
            reply.assert_status(200);
            sessions.push(Auth::session(&reply));
        }
        server.add_profile("An", Some("nha-an")).await;
        let token = create_token(&store, "zalo-app", Role::Platform, None)
            .await
            .unwrap();
        let mut sessions = sessions.into_iter();
        let mut next = || sessions.next().unwrap();
        Hotline {
            admin: next(),
            supervisor: next(),
            op_a: next(),
            op_b: next(),
            other_supervisor: next(),
            guardian: next(),
            platform: Auth::Bearer(token),
            server,
            gateway,
            state,
            data,
        }
    }

    /// `GET path` as `who`.
    pub async fn get(&self, path: &str, who: &Auth) -> crate::common::Reply {
        self.server.get(path, who).await
    }

    /// `METHOD path` as `who` with a JSON body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        who: &Auth,
        body: &Value,
    ) -> crate::common::Reply {
        self.server.call(method, path, who, Some(body), &[]).await
    }

    /// A phone report typed in by `who` about a girl groomed on Roblox, with her identity;
    /// returns its id.
    pub async fn phone_report(&self, who: &Auth) -> i64 {
        let reply = self
            .send("POST", "/api/v1/hotline/reports", who, &phone_report())
            .await;
        reply.assert_status(201);
        reply.json()["id"].as_i64().unwrap()
    }

    /// Triages `reports` into a case of `risk` as `who`; returns the case's id.
    pub async fn open_case(&self, who: &Auth, reports: &[i64], risk: &str) -> i64 {
        let body =
            json!({"report_ids": reports, "risk": risk, "title": "Dụ dỗ trên Roblox, 12 tuổi"});
        let reply = self.send("POST", "/api/v1/hotline/cases", who, &body).await;
        reply.assert_status(201);
        reply.json()["id"].as_i64().unwrap()
    }

    /// A phone report by operator A, triaged by A into a case of `risk`: (report, case).
    pub async fn case_of_a(&self, risk: &str) -> (i64, i64) {
        let report = self.phone_report(&self.op_a).await;
        let case = self.open_case(&self.op_a, &[report], risk).await;
        (report, case)
    }

    /// The audit entries of exactly `object`, oldest first.
    pub async fn audit_of(&self, object: &str) -> Vec<AuditEntry> {
        let mut entries: Vec<AuditEntry> = self
            .server
            .store
            .audit_entries_for(object, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.object == object)
            .collect();
        entries.reverse();
        entries
    }

    /// `GET path` as `who` (a session), answered as bytes: (status line and headers, body).
    pub async fn get_bytes(&self, path: &str, who: &Auth) -> (String, Vec<u8>) {
        let Auth::Cookie { session, .. } = who else {
            panic!("a session is needed");
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: localhost:8080\r\nCookie: lachan_session={session}\r\n\
             Connection: close\r\n\r\n"
        );
        let exchange = async {
            let mut stream = TcpStream::connect(self.server.addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            raw
        };
        let raw = tokio::time::timeout(HANG_GUARD, exchange).await.unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        assert!(
            !head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{head}"
        );
        (head, raw[split + 4..].to_vec())
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}

/// The child's name in [`phone_report`].
pub const CHILD: &str = "Nguyễn Thị Lan";

/// A phone report of grooming with the child's and the reporter's identity.
pub fn phone_report() -> Value {
    json!({
        "channel": "phone",
        "category": "grooming",
        "subtype": "online_grooming",
        "age_band": "age_11_13",
        "gender": "girl",
        "province": "ha-noi",
        "platform": "Roblox",
        "content_type": "chat",
        "description": "Một người lạ trên Roblox xin ảnh và rủ gặp mặt.",
        "urls": ["https://www.roblox.com/users/1234/profile"],
        "accounts": ["roblox:stranger_1234"],
        "reporter_name": "Trần Thị Mai",
        "reporter_contact": "0912 345 678",
        "child_name": CHILD,
        "child_contact": "Phường Ba Đình, Hà Nội"
    })
}
