//! Alerts end to end: a child's device trying gambling sites again and again, and a daily
//! game budget running out, each reach the store (for the console) and the configured webhook
//! as a JSON POST.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jiff::SignedDuration;
use lachan_store::{AlertKind, Store};
use support::{ManualClock, System, allowed, shared};

/// An HTTP server on loopback that passes each POST body to the returned channel.
fn webhook(lifetime: Duration) -> (String, mpsc::Receiver<serde_json::Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (posted, bodies) = mpsc::channel();
    std::thread::spawn(move || {
        let end = Instant::now() + lifetime;
        while Instant::now() < end {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length.min(65_536)];
            if reader.read_exact(&mut body).is_ok()
                && let Ok(json) = serde_json::from_slice(&body)
            {
                let _ = posted.send(json);
            }
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        }
    });
    (url, bodies)
}

const CHILD: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_gambling_attempts_and_a_used_up_budget_reach_the_webhook() {
    let (url, posted) = webhook(Duration::from_secs(60));
    let gambling = shared("blocklists/hostsvn/extensions/gambling/filter.txt");
    let clock = ManualClock::at("2026-11-27T03:00:00Z");
    let system = System::start(
        &format!(
            "[[lists]]\nname = \"gambling\"\nsource = \"{}\"\ncategory = \"gambling\"\n\
             [[profiles]]\nname = \"an\"\nblock = [\"gambling\"]\n\
             budgets = [{{ target = \"service:roblox\", minutes_per_day = 1 }}]\n\
             [default]\nprofile = \"an\"\n\
             [alerts]\nrepeated_blocks = 3\nwindow_minutes = 10\nwebhook = \"{url}\"\n",
            gambling.display()
        ),
        clock.clone(),
    )
    .await;

    // Two attempts: no alert yet; the third within ten minutes raises one.
    for name in ["000000.com.", "000000tyc.com."] {
        assert!(!allowed(system.dns, CHILD, name), "{name} is blocked");
    }
    assert!(posted.recv_timeout(Duration::from_millis(500)).is_err());
    assert!(!allowed(system.dns, CHILD, "00000178.com."));
    let alert = posted
        .recv_timeout(Duration::from_secs(10))
        .expect("the webhook is called");
    assert_eq!(alert["kind"], "repeated_blocks");
    assert_eq!(alert["profile"], "an");
    assert_eq!(alert["subject"], "gambling");
    assert_eq!(alert["count"], 3);
    assert!(alert["detail"].as_str().unwrap().contains("00000178.com"));

    // Roblox for one minute, then its budget is used up: one alert, however often the child
    // tries again.
    assert!(allowed(system.dns, CHILD, "www.roblox.com."));
    clock.advance(SignedDuration::from_secs(61));
    for _ in 0..3 {
        assert!(!allowed(system.dns, CHILD, "www.roblox.com."));
    }
    let alert = posted
        .recv_timeout(Duration::from_secs(10))
        .expect("the webhook is called");
    assert_eq!(alert["kind"], "budget_used_up");
    assert_eq!(alert["subject"], "service:roblox");
    assert!(
        alert["detail"].as_str().unwrap().starts_with("Hết giờ"),
        "{alert}"
    );
    assert!(posted.recv_timeout(Duration::from_millis(500)).is_err());

    // Both are in the store, newest first, for the console.
    let store = Store::open(&system.dir.path().join("data")).await.unwrap();
    let kinds: Vec<_> = store
        .alerts(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
    assert_eq!(kinds, [AlertKind::BudgetUsedUp, AlertKind::RepeatedBlocks]);
    system.stop().await;
}
