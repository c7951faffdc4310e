//! The ops endpoint probed as an attacker probes it, over raw loopback sockets: big
//! unauthenticated bodies, slow headers, idle and flooding connections, and authorized halts
//! whose reason is hostile. Every wait is bounded, so a regression fails instead of hanging.
#![cfg(feature = "ops")]

use std::net::SocketAddr;
use std::time::Duration;

use hft_cache::kill_switch::{GateMode, KillSwitch};
use hft_cache::monitor::Registry;
use hft_cache::ops::{OpsHandle, OpsServer, OpsServerBuilder, MAX_BODY_BYTES, MAX_REASON_CHARS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const TOKEN: &str = "h0stile-0ps-t0ken";
/// The longest any single step may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(20);

fn server(var: &str, kill: &KillSwitch) -> OpsServerBuilder {
    // Each test its own variable: tests run in parallel in one process.
    std::env::set_var(var, TOKEN);
    OpsServer::builder(kill)
        .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .token_env(var)
}

fn switch() -> KillSwitch {
    KillSwitch::builder().registry(&Registry::new()).build()
}

async fn connect(ops: &OpsHandle) -> TcpStream {
    timeout(HANG, TcpStream::connect(ops.local_addr()))
        .await
        .expect("connect hung")
        .expect("connect")
}

/// Reads a response head (up to the blank line), at most 16 KiB.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = timeout(HANG, stream.read(&mut byte))
            .await
            .expect("no response")
            .expect("read");
        if n == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Reads the rest of a response `Content-Length` says is there.
async fn read_body(stream: &mut TcpStream, head: &str) -> String {
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("content-length");
    let mut body = vec![0u8; len];
    timeout(HANG, stream.read_exact(&mut body))
        .await
        .expect("body hung")
        .expect("body");
    String::from_utf8(body).expect("utf-8 body")
}

/// Whether the server has closed the connection: a read sees end of file or a reset (any
/// bytes still on the way, such as an answer, are read past first).
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match timeout(HANG, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Whether the connection is still open and silent right now.
async fn still_open(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1];
    match stream.try_read(&mut buf) {
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
        Ok(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_two_megabyte_bodies_are_refused_before_they_are_sent() {
    const BODY: usize = 2 * 1024 * 1024;
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_BIG_BODIES", &kill)
        .spawn()
        .await
        .unwrap();
    let addr = ops.local_addr();
    let mut clients = Vec::new();
    for i in 0..150 {
        clients.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let auth = match i % 3 {
                0 => String::new(),
                1 => "Authorization: Bearer wrong\r\n".to_owned(),
                _ => format!("Authorization: {TOKEN}\r\n"),
            };
            let head = format!(
                "POST /halt HTTP/1.1\r\nHost: ops\r\n{auth}Content-Type: text/plain\r\n\
                 Content-Length: {BODY}\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            // Not one byte of the body yet: the answer must come from the headers alone.
            let answer = read_head(&mut stream).await;
            // Now the body, as an attacker would push it: the server has stopped listening and
            // closes the connection, so the writes fail or land in socket buffers that the
            // server drops unread.
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < BODY {
                match timeout(HANG, stream.write_all(&chunk)).await {
                    Ok(Ok(())) => sent += chunk.len(),
                    Ok(Err(_)) => break,
                    Err(_) => panic!("a write hung: the server neither read nor closed"),
                }
            }
            let closed = closed_by_server(&mut stream).await;
            (answer, closed)
        }));
    }
    for client in clients {
        let (answer, closed) = client.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert!(answer
            .to_ascii_lowercase()
            .contains("www-authenticate: bearer"));
        assert!(closed, "the server kept a connection to read its body");
    }
    assert_eq!(kill.gate().mode(), GateMode::Live);
    assert_eq!(kill.trips(), 0);
    ops.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legitimate_client_is_served_while_500_slow_header_clients_are_connected() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_SLOWLORIS_HELD", &kill)
        .header_timeout(Duration::from_secs(600))
        .spawn()
        .await
        .unwrap();
    let mut slow = Vec::new();
    for _ in 0..500 {
        let mut stream = connect(&ops).await;
        stream
            .write_all(b"POST /halt HTTP/1.1\r\nHost: ops\r\nAuthoriza")
            .await
            .unwrap();
        slow.push(stream);
    }
    let http = reqwest::Client::new();
    let url = format!("http://{}", ops.local_addr());
    let metrics = timeout(HANG, http.get(format!("{url}/metrics")).send())
        .await
        .expect("the legitimate client hung")
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let halted = timeout(
        HANG,
        http.post(format!("{url}/halt"))
            .bearer_auth(TOKEN)
            .body("desk, during the flood")
            .send(),
    )
    .await
    .expect("the halt hung")
    .unwrap();
    assert_eq!(halted.status(), 200);
    assert!(kill.is_halted());
    let mut open = 0;
    for stream in &mut slow {
        if still_open(stream).await {
            open += 1;
        }
    }
    assert_eq!(open, 500, "the slow clients were all still connected");
    drop(slow);
    ops.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_clients_are_disconnected_at_the_header_timeout() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_SLOWLORIS_DROPPED", &kill)
        .header_timeout(Duration::from_millis(300))
        .spawn()
        .await
        .unwrap();
    let mut slow = Vec::new();
    for i in 0..500 {
        let mut stream = connect(&ops).await;
        // Half a head; every fourth one keeps trickling a byte, as slowloris does.
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: ops\r\n")
            .await
            .unwrap();
        slow.push((i % 4 == 0, stream));
    }
    let trickle = async {
        for _ in 0..20 {
            for (trickles, stream) in &mut slow {
                if *trickles {
                    let _ = stream.write_all(b"X").await;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    timeout(HANG, trickle).await.unwrap();
    for (_, stream) in &mut slow {
        assert!(closed_by_server(stream).await, "a slow client was kept");
    }
    let metrics = reqwest::get(format!("http://{}/metrics", ops.local_addr()))
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert_eq!(kill.trips(), 0);
    ops.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_new_connections_are_closed_until_a_slot_frees() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_CAP", &kill)
        .header_timeout(Duration::from_secs(600))
        .max_connections(8)
        .spawn()
        .await
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..8 {
        let mut stream = connect(&ops).await;
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\n")
            .await
            .unwrap();
        held.push(stream);
    }
    // The ninth is accepted after the eight (the backlog is first in, first out) and closed.
    let mut ninth = connect(&ops).await;
    let _ = ninth
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: ops\r\n\r\n")
        .await;
    let mut buf = [0u8; 64];
    let answer = timeout(HANG, ninth.read(&mut buf)).await.expect("hung");
    assert!(
        matches!(answer, Ok(0) | Err(_)),
        "the ninth connection was served: {answer:?}"
    );
    drop(held);
    // Slots free as the server sees the eight go; a legitimate client then gets in.
    let url = format!("http://{}/metrics", ops.local_addr());
    let mut served = false;
    for _ in 0..200 {
        if let Ok(response) = reqwest::get(&url).await {
            if response.status() == 200 {
                served = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(served, "no slot came back after the slow clients left");
    ops.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_kept_alive_connections_are_closed_when_idle() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_IDLE", &kill)
        .header_timeout(Duration::from_secs(600))
        .idle_timeout(Duration::from_millis(300))
        .spawn()
        .await
        .unwrap();
    // Connects and says nothing at all.
    let mut silent = connect(&ops).await;
    assert!(closed_by_server(&mut silent).await);
    // Asks once, keeps the connection, and goes quiet.
    let mut kept = connect(&ops).await;
    kept.write_all(b"GET /metrics HTTP/1.1\r\nHost: ops\r\n\r\n")
        .await
        .unwrap();
    let head = read_head(&mut kept).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let body = read_body(&mut kept, &head).await;
    assert!(body.contains("hft_trading_gate"));
    assert!(closed_by_server(&mut kept).await);
    ops.shutdown().await;
}

/// Sends an authorized `/halt` head announcing `len` body bytes, then `body` (maybe less).
async fn authorized_halt(ops: &OpsHandle, len: usize, body: &[u8]) -> (String, String) {
    let mut stream = connect(ops).await;
    let head = format!(
        "POST /halt HTTP/1.1\r\nHost: ops\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: {len}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let head = read_head(&mut stream).await;
    let body = read_body(&mut stream, &head).await;
    (head, body)
}

fn reason(report: &str) -> String {
    let report: serde_json::Value = serde_json::from_str(report).unwrap();
    report["reason"]["reason"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_authorized_halt_whose_reason_is_not_utf8_halts() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_NOT_UTF8", &kill)
        .spawn()
        .await
        .unwrap();
    let body = b"\xff\xfe desk \xc3\x28 halt\x80";
    let (head, report) = authorized_halt(&ops, body.len(), body).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(kill.is_halted());
    assert_eq!(kill.gate().mode(), GateMode::Halted);
    let said = reason(&report);
    assert!(
        said.ends_with(": \u{fffd}\u{fffd} desk \u{fffd}( halt\u{fffd}"),
        "{said}"
    );

    // The same through an ordinary HTTP client.
    kill.resume().unwrap();
    let halted = reqwest::Client::new()
        .post(format!("http://{}/halt", ops.local_addr()))
        .bearer_auth(TOKEN)
        .body(vec![0xc0, 0xaf, b'!'])
        .send()
        .await
        .unwrap();
    assert_eq!(halted.status(), 200);
    assert!(kill.is_halted());
    ops.shutdown().await;
}

#[tokio::test]
async fn an_authorized_halt_with_a_3_mb_reason_halts_and_keeps_500_characters() {
    const LEN: usize = 3 * 1024 * 1024;
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_3MB", &kill).spawn().await.unwrap();
    // The first 64 KiB of the 3 MB; the answer must not wait for the rest.
    let mut said = "é".repeat(400);
    said.push_str(&"x".repeat(64 * 1024 - said.len()));
    let (head, report) = authorized_halt(&ops, LEN, said.as_bytes()).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(kill.is_halted());
    let reason = reason(&report);
    let (_, kept) = reason.split_once(": ").unwrap();
    assert_eq!(kept.chars().count(), MAX_REASON_CHARS);
    assert_eq!(kept, format!("{}{}", "é".repeat(400), "x".repeat(100)));
    assert!(MAX_BODY_BYTES < said.len());

    // All 3 MB pushed by an ordinary client: the switch trips whatever the client makes of
    // the early answer.
    kill.resume().unwrap();
    let sent = reqwest::Client::new()
        .post(format!("http://{}/halt", ops.local_addr()))
        .bearer_auth(TOKEN)
        .body(vec![b'z'; LEN])
        .send()
        .await;
    if let Ok(response) = sent {
        assert_eq!(response.status(), 200);
    }
    assert!(kill.is_halted());
    ops.shutdown().await;
}

#[tokio::test]
async fn an_authorized_halt_whose_body_stalls_halts_at_the_body_timeout() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_STALLED_BODY", &kill)
        .body_timeout(Duration::from_millis(200))
        .spawn()
        .await
        .unwrap();
    let (head, report) = authorized_halt(&ops, 1000, b"risk desk, then silence").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(kill.is_halted());
    assert!(reason(&report).ends_with(": risk desk, then silence"));
    ops.shutdown().await;
}

#[tokio::test]
async fn resume_with_a_big_unauthenticated_body_changes_nothing() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_RESUME", &kill)
        .spawn()
        .await
        .unwrap();
    kill.trip("before the probe");
    let mut stream = connect(&ops).await;
    stream
        .write_all(b"POST /resume HTTP/1.1\r\nHost: ops\r\nContent-Length: 50000000\r\n\r\n")
        .await
        .unwrap();
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    assert!(closed_by_server(&mut stream).await);
    assert!(kill.is_halted());
    ops.shutdown().await;
}

#[tokio::test]
async fn an_authorized_json_halt_that_is_cut_broken_or_unnamed_halts_everything() {
    let kill = switch();
    let ops = server("HFT_HOSTILE_OPS_JSON", &kill).spawn().await.unwrap();
    // A scoped halt whose body runs past the cap: what was read is not a whole document.
    let padding = "x".repeat(64 * 1024);
    let cut = format!(r#"{{"scope":{{"symbol":"ETHUSDT"}},"by":"alice","why":"{padding}"}}"#);
    let bodies: [&[u8]; 4] = [
        cut.as_bytes(),
        b"{\"scope\":{\"symbol\":\"ETH\xff\xfe\"},\"by\":\"alice\"}",
        br#"{"scope":{"symbol":"ETHUSDT"},"by":"alice","extra":1}"#,
        br#"{"scope":{"venue":"binance"}}"#,
    ];
    for body in bodies {
        let (head, report) = authorized_halt(&ops, body.len(), body).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(report["scope"]["kind"], "all", "{report}");
        assert!(kill.is_halted());
        assert!(
            report["reason"]["reason"].as_str().unwrap().chars().count() < MAX_REASON_CHARS + 200
        );
        kill.resume().unwrap();
    }
    // An authorized resume whose body is past the cap is refused: nothing resumes.
    kill.trip("before the resume");
    let huge = format!(r#"{{"by":"alice","acknowledge":["{padding}"]}}"#);
    let refused = reqwest::Client::new()
        .post(format!("http://{}/resume", ops.local_addr()))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await;
    if let Ok(response) = refused {
        assert_eq!(response.status(), 400);
    }
    assert!(kill.is_halted());
    ops.shutdown().await;
}
