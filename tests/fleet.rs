//! Fleet control against a real NATS server with JetStream, started by the tests: halts that
//! reach every member, scoped halts, joining under a halt, a partition (the server frozen), a
//! server restart, an unreachable server, an audit trail that cannot be purged, and the
//! `hft-fleet` command end to end as a separate process.
//!
//! `cargo test --all-features --test fleet` (the server is found or installed by
//! `support/nats.rs`).

#[path = "support/nats.rs"]
mod nats;

use std::process::Command;
use std::time::{Duration, Instant};

use hft_cache::fleet::{FleetClient, FleetError, FleetMember, FleetMemberHandle, LeaseState};
use hft_cache::kill_switch::{AuditAction, GateMode, HaltScope, KillSwitch, TripReason};
use hft_cache::monitor::Registry;
use nats::NatsServer;

const LEASE: Duration = Duration::from_secs(1);
/// Generous: the machine is shared and noisy.
const SOON: Duration = Duration::from_secs(10);

fn kill_switch() -> KillSwitch {
    KillSwitch::builder().registry(&Registry::new()).build()
}

async fn member(server: &NatsServer, name: &str) -> (KillSwitch, FleetMemberHandle) {
    let kill = kill_switch();
    let handle = FleetMember::builder(server.url(), name)
        .lease(LEASE)
        .join(&kill)
        .await
        .unwrap_or_else(|e| panic!("{name} joins: {e}"));
    (kill, handle)
}

/// Waits until `cond` holds, up to `within`; false if it never did.
async fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the audit trail holds a record that `pred` accepts.
async fn audit_has(
    fleet: &FleetClient,
    what: &str,
    pred: impl Fn(&hft_cache::fleet::AuditEvent) -> bool,
) -> Vec<hft_cache::fleet::AuditEntry> {
    let deadline = Instant::now() + SOON;
    loop {
        let trail = fleet.audit(None).await.expect("audit readable");
        if trail.iter().any(|e| pred(&e.event)) {
            return trail;
        }
        assert!(
            Instant::now() < deadline,
            "no audit record {what}: {trail:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_halt_reaches_every_member_and_each_resumes_after_its_own_validation() {
    let server = NatsServer::start().await;
    let mut members = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        members.push(member(&server, name).await);
    }
    let fleet = FleetClient::connect(server.url()).await.unwrap();

    let halt = fleet
        .halt(&HaltScope::All, "alice", "risk desk stop")
        .await
        .unwrap();
    for (kill, handle) in &members {
        assert!(
            eventually(SOON, || kill.is_halted()).await,
            "{} did not halt",
            handle.name()
        );
        let report = kill.last_report().expect("a report");
        assert_eq!(report.actor, "fleet:alice");
        assert!(report.reason.to_string().contains(&halt.halt_id));
        assert!(report.reason.to_string().contains("risk desk stop"));
    }
    // Each member records that it obeyed, with its report and sweep outcome.
    for name in ["alpha", "beta", "gamma"] {
        let trail = audit_has(&fleet, "obeyed", |e| {
            e.action == "obeyed" && e.member.as_deref() == Some(name)
        })
        .await;
        let obeyed = trail
            .iter()
            .find(|e| e.event.action == "obeyed" && e.event.member.as_deref() == Some(name))
            .unwrap();
        assert_eq!(obeyed.event.halt_id.as_deref(), Some(halt.halt_id.as_str()));
        assert_eq!(obeyed.event.report, Some(1));
        assert_eq!(obeyed.event.sweep.as_deref(), Some("not_configured"));
    }
    let trail = audit_has(&fleet, "the trip with its report", |e| {
        e.action == "trip" && e.detail.is_some()
    })
    .await;
    assert!(trail.iter().any(|e| e.event.action == "fleet_halt"));
    let status = fleet.status().await.unwrap();
    assert_eq!(status.halts.len(), 1);
    assert_eq!(status.halts[0].scope, HaltScope::All);

    // A halt lifted from the bucket resumes nobody by itself...
    let request = fleet.resume(&HaltScope::All, "bob").await.unwrap();
    assert_eq!(
        request.lifted.as_ref().map(|h| &h.halt_id),
        Some(&halt.halt_id)
    );
    // ...the request does, through each member's own validated resume.
    for (kill, handle) in &members {
        assert!(
            eventually(SOON, || !kill.is_halted()).await,
            "{} did not resume",
            handle.name()
        );
        let resume = kill
            .audit_trail()
            .into_iter()
            .rfind(|r| r.action == AuditAction::Resume)
            .expect("a resume record");
        assert_eq!(resume.actor, "fleet:bob");
    }
    audit_has(&fleet, "a member's resume", |e| {
        e.action == "resume" && e.by == "fleet:bob"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_halts_refuse_only_their_scope_and_lift_one_by_one() {
    let server = NatsServer::start().await;
    let (kill, _member) = member(&server, "scoped").await;
    let gate = kill.gate();
    let fleet = FleetClient::connect(server.url()).await.unwrap();

    fleet
        .halt(&HaltScope::symbol("BTCUSDT"), "alice", "bad prints")
        .await
        .unwrap();
    fleet
        .halt(&HaltScope::strategy("mm-"), "carol", "quotes wrong")
        .await
        .unwrap();
    fleet
        .halt(&HaltScope::venue("bybit"), "dave", "venue degraded")
        .await
        .unwrap();
    assert!(eventually(SOON, || gate.scoped_halts().len() == 3).await);
    assert!(gate.check().is_ok(), "nothing halted everything");
    assert!(gate.check_order("binance", "BTCUSDT", None).is_err());
    assert!(gate
        .check_order("binance", "ETHUSDT", Some("mm-7"))
        .is_err());
    assert!(gate.check_order("bybit", "ETHUSDT", None).is_err());
    assert!(gate
        .check_order("binance", "ETHUSDT", Some("arb-1"))
        .is_ok());

    fleet
        .resume(&HaltScope::symbol("BTCUSDT"), "bob")
        .await
        .unwrap();
    assert!(
        eventually(SOON, || gate
            .check_order("binance", "BTCUSDT", None)
            .is_ok())
        .await
    );
    assert!(gate
        .check_order("binance", "ETHUSDT", Some("mm-7"))
        .is_err());
    assert!(gate.check_order("bybit", "ETHUSDT", None).is_err());

    // A request while the fleet still holds the halt is refused by the member.
    let still = kill.gate().scoped_halts().len();
    fleet
        .resume(&HaltScope::venue("binance"), "eve")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(kill.gate().scoped_halts().len(), still);

    let bad = fleet.halt(&HaltScope::symbol("BTC.USDT"), "x", "y").await;
    assert!(
        matches!(bad, Err(FleetError::InvalidName { .. })),
        "{bad:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joining_while_a_halt_is_in_force_is_halted_when_join_returns() {
    let server = NatsServer::start().await;
    let fleet = FleetClient::connect(server.url()).await.unwrap();
    fleet
        .halt(&HaltScope::All, "alice", "before anyone joined")
        .await
        .unwrap();
    fleet
        .halt(&HaltScope::symbol("ETHUSDT"), "alice", "and this one")
        .await
        .unwrap();
    let (kill, _member) = member(&server, "late").await;
    assert!(kill.is_halted(), "halted before join returned");
    assert_eq!(kill.gate().scoped_halts().len(), 1);
    assert!(kill
        .last_report()
        .unwrap()
        .reason
        .to_string()
        .contains("and this one"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_halts_every_member_within_the_bound_and_the_link_returning_does_not_resume() {
    let server = NatsServer::start().await;
    let mut members = Vec::new();
    for name in ["p1", "p2", "p3"] {
        members.push(member(&server, name).await);
    }
    let renew_timeout = LEASE / 4;
    server.freeze();
    let frozen = Instant::now();
    for (kill, handle) in &members {
        assert!(
            eventually(LEASE * 10, || kill.is_halted()).await,
            "{} did not halt itself",
            handle.name()
        );
    }
    let took = frozen.elapsed();
    // The documented bound is lease + renewal timeout (+ the 25 ms check); the assertion is
    // generous for a shared machine, and still fails if a member waited for anything else.
    let bound = LEASE + renew_timeout + Duration::from_millis(25);
    assert!(
        took < bound + Duration::from_secs(2),
        "self-halt took {took:?}, bound {bound:?}"
    );
    for (kill, _) in &members {
        let halted = kill.halted().unwrap();
        assert!(
            matches!(
                halted.reason,
                TripReason::ControlPlaneLost { lease, unacknowledged_for, .. }
                    if lease == LEASE && unacknowledged_for >= LEASE
            ),
            "{:?}",
            halted.reason
        );
    }

    server.thaw();
    // The link comes back: renewals are acknowledged again...
    for (_, handle) in &members {
        assert!(
            eventually(SOON, || handle.since_last_renewal() < LEASE / 2).await,
            "{} did not renew after the thaw",
            handle.name()
        );
    }
    // ...and every member stays halted: only a validated resume lifts it.
    tokio::time::sleep(LEASE * 2).await;
    for (kill, handle) in &members {
        assert!(kill.is_halted(), "{} resumed by itself", handle.name());
        assert_eq!(kill.trips(), 1, "{} tripped once", handle.name());
    }
    let fleet = FleetClient::connect(server.url()).await.unwrap();
    fleet.resume(&HaltScope::All, "bob").await.unwrap();
    for (kill, handle) in &members {
        assert!(
            eventually(SOON, || kill.gate().mode() == GateMode::Live).await,
            "{} did not resume on request",
            handle.name()
        );
    }
    // The self-halts reached the audit trail once the link was back.
    audit_has(&fleet, "a control-plane trip", |e| {
        e.action == "trip" && e.why.contains("control_plane_lost")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_keeps_the_halts_and_members_reconnect() {
    let mut server = NatsServer::start().await;
    // A longer lease: the restart itself must not be what halts them.
    let kill = kill_switch();
    let _member = FleetMember::builder(server.url(), "survivor")
        .lease(Duration::from_secs(5))
        .join(&kill)
        .await
        .unwrap();
    let fleet = FleetClient::connect(server.url()).await.unwrap();
    let before = fleet
        .halt(&HaltScope::symbol("BTCUSDT"), "alice", "before the restart")
        .await
        .unwrap();
    assert!(eventually(SOON, || kill.gate().scoped_halts().len() == 1).await);

    server.restart().await;

    let fleet = FleetClient::connect(server.url()).await.unwrap();
    let status = fleet.status().await.unwrap();
    assert_eq!(status.halts.len(), 1, "{status:#?}");
    assert_eq!(status.halts[0].halt.halt_id, before.halt_id);
    assert!(fleet
        .audit(None)
        .await
        .unwrap()
        .iter()
        .any(|e| e.event.halt_id.as_deref() == Some(before.halt_id.as_str())));
    // The member is back on the server: a new halt reaches it.
    fleet
        .halt(&HaltScope::venue("bybit"), "alice", "after the restart")
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(20), || kill.gate().scoped_halts().len()
            == 2)
        .await,
        "the member did not hear the halt after the restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_at_start_is_a_clear_error_and_the_member_does_not_go_live() {
    let url = format!("nats://127.0.0.1:{}", nats::free_port());
    let kill = kill_switch();
    let error = FleetMember::builder(url.clone(), "lonely")
        .connect_timeout(Duration::from_millis(500))
        .join(&kill)
        .await
        .expect_err("no server");
    assert!(matches!(error, FleetError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().contains("cannot reach the NATS server"));
    assert!(error.to_string().contains("nats-server -js"));
    assert_eq!(error.exit_code(), 3);
    assert!(kill.is_halted(), "refuses to go live");
    assert!(matches!(
        kill.halted().unwrap().reason,
        TripReason::ControlPlaneLost { .. }
    ));
    let operator = FleetClient::connect(url).await.expect_err("no server");
    assert!(matches!(operator, FleetError::Unreachable { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_jetstream_is_named_as_such() {
    let server = NatsServer::start_without_jetstream().await;
    let error = FleetClient::connect(server.url())
        .await
        .expect_err("no JetStream");
    assert!(
        matches!(error, FleetError::JetStreamDisabled { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("-js"));
    assert_eq!(error.exit_code(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_records_cannot_be_purged_or_deleted_and_repeats_are_dropped() {
    let server = NatsServer::start().await;
    let fleet = FleetClient::connect(server.url()).await.unwrap();
    fleet
        .halt(&HaltScope::All, "alice", "for the record")
        .await
        .unwrap();

    let client = async_nats::connect(server.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js.get_stream("HFT_FLEET_AUDIT").await.unwrap();
    assert!(stream.purge().await.is_err(), "purge refused");
    assert!(
        stream.purge().filter("hft.fleet.audit.>").await.is_err(),
        "subject purge refused"
    );
    assert!(stream.delete_message(1).await.is_err(), "delete refused");
    // The same message id twice: the server keeps one.
    let publish = |id: &'static str| {
        let js = js.clone();
        async move {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", id);
            js.publish_with_headers("hft.fleet.audit.test", headers, "{}".into())
                .await
                .unwrap()
                .await
                .unwrap()
        }
    };
    assert!(!publish("same-id").await.duplicate);
    assert!(publish("same-id").await.duplicate);
    // And the fleet's own halt record is still there.
    let trail = fleet.audit(None).await.unwrap();
    assert_eq!(trail[0].event.action, "fleet_halt");
    assert_eq!(trail[0].event.why, "for the record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_lease_is_visible_to_everyone_as_expired() {
    let server = NatsServer::start().await;
    let (_kill_a, stays) = member(&server, "stays").await;
    let (_kill_b, lapses) = member(&server, "lapses").await;
    let (_kill_c, leaves) = member(&server, "leaves").await;
    // `lapses` dies without a word (its tasks and connection gone); `leaves` leaves.
    drop(lapses);
    leaves.leave().await;
    let fleet = FleetClient::connect(server.url()).await.unwrap();
    let deadline = Instant::now() + SOON;
    loop {
        let status = fleet.status().await.unwrap();
        let lease = |name: &str| {
            status
                .members
                .iter()
                .find(|m| m.name == name)
                .map(|m| m.lease)
        };
        if lease("lapses") == Some(LeaseState::Expired) {
            assert_eq!(lease("stays"), Some(LeaseState::Live));
            assert_eq!(lease("leaves"), Some(LeaseState::Left));
            let live = status.members.iter().find(|m| m.name == "stays").unwrap();
            assert_eq!(live.mode.as_deref(), Some("live"));
            assert!(live.last_report_at.is_some());
            break;
        }
        assert!(Instant::now() < deadline, "never expired: {status:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stays);
}

fn hft_fleet(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hft-fleet"))
        .args(args)
        .output()
        .expect("hft-fleet runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hft_fleet_command_halts_resumes_and_reports_end_to_end() {
    let server = NatsServer::start().await;
    let url = server.url();
    let (kill, _member) = member(&server, "cli-member").await;

    let out = hft_fleet(&[
        "halt",
        "--nats",
        &url,
        "--symbol",
        "BTCUSDT",
        "--by",
        "alice",
        "--why",
        "fat finger",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("symbol BTCUSDT in force"));
    assert!(
        eventually(SOON, || kill
            .gate()
            .check_order("binance", "BTCUSDT", None)
            .is_err())
        .await
    );

    let out = hft_fleet(&["status", "--nats", &url, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(status["halts"][0]["scope"]["symbol"], "BTCUSDT");
    assert_eq!(status["halts"][0]["by"], "alice");
    let me = status["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "cli-member")
        .expect("the member is listed");
    assert_eq!(me["lease"], "live");
    let out = hft_fleet(&["status", "--nats", &url]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("cli-member"));

    let out = hft_fleet(&[
        "resume", "--nats", &url, "--symbol", "BTCUSDT", "--by", "bob",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        eventually(SOON, || kill
            .gate()
            .check_order("binance", "BTCUSDT", None)
            .is_ok())
        .await
    );

    let out = hft_fleet(&["audit", "--nats", &url, "--since", "10m", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actions: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("a JSON line")["action"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for action in ["fleet_halt", "resume_requested", "joined"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    // Errors say what to do, with their exit codes.
    let nowhere = format!("nats://127.0.0.1:{}", nats::free_port());
    let out = hft_fleet(&["status", "--nats", &nowhere]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the NATS server"));
    let out = hft_fleet(&["halt", "--nats", &url, "--by", "alice", "--why", "no scope"]);
    assert_eq!(out.status.code(), Some(2), "usage error");
    let out = hft_fleet(&["audit", "--nats", &url, "--since", "yesterday-ish"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}
