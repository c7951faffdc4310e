//! The dead man's switch against the futures mock over real sockets: the mock's
//! `countdownCancelAll` really cancels when its countdown lapses, so each test shows what
//! happens to resting orders when the process renews, halts, hangs or cannot renew.
//! Countdowns are short (1.5 s, renewed every 250 ms) and every wait is bounded generously.

use std::time::Duration;

use hft_cache::exchange::binance_futures::{BinanceFutures, FuturesOrder};
use hft_cache::exchange::SignedClient;
use hft_cache::kill_switch::{
    DeadMan, DeadManBuildError, DeadManPhase, Halt, HaltScope, KillSwitch,
};
use hft_cache::monitor::Registry;
use hft_cache::Fresh;
use hft_cache_mock::futures::FuturesMock;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";
const COUNTDOWN: Duration = Duration::from_millis(1500);
const REARM: Duration = Duration::from_millis(250);

async fn mock() -> FuturesMock {
    FuturesMock::builder()
        .symbol(SYMBOL, dec!(60000))
        .balance(dec!(10000))
        .start()
        .await
        .unwrap()
}

fn client(mock: &FuturesMock) -> SignedClient<BinanceFutures> {
    SignedClient::builder_for(BinanceFutures, mock.http_url())
        .api_key(mock.api_key())
        .secret(mock.secret())
        .build()
        .unwrap()
}

/// Rests a bid far below the market, so that only a cancel can close it.
async fn rest_bid(mock: &FuturesMock) {
    let _: Fresh<FuturesOrder> = client(mock)
        .signed_post(
            "/fapi/v1/order",
            &[
                ("symbol", SYMBOL),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("price", "40000"),
                ("quantity", "0.010"),
            ],
        )
        .await
        .unwrap();
}

fn dead_man(mock: &FuturesMock, kill: &KillSwitch) -> DeadMan {
    DeadMan::builder(client(mock), kill)
        .symbol(SYMBOL)
        .countdown(COUNTDOWN)
        .rearm_every(REARM)
        .retries(2, Duration::from_millis(20))
        .spawn()
        .unwrap()
}

async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn renewals_keep_the_countdown_moving_and_the_orders_resting() {
    let mock = mock().await;
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    rest_bid(&mock).await;
    let dead_man = dead_man(&mock, &kill);
    wait_until("armed", || dead_man.state().phase == DeadManPhase::Armed).await;
    // Longer than the countdown: without renewals the venue would have cancelled.
    let until = tokio::time::Instant::now() + COUNTDOWN * 2;
    while tokio::time::Instant::now() < until {
        let left = mock.countdown(SYMBOL).expect("armed at the venue");
        assert!(left > Duration::ZERO, "the countdown ran out while renewed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mock.open_order_count(), 1, "renewed: the bid still rests");
    let state = dead_man.state();
    assert!(state.rearms >= 4, "{state:?}");
    assert_eq!(state.failures, 0, "{state:?}");
    assert!(
        state.symbols[0].armed && state.symbols[0].renewing,
        "{state:?}"
    );
    assert_eq!(kill.dead_man().unwrap().venue, "binance-futures");
}

#[tokio::test]
async fn a_halt_stops_the_renewals_and_the_venue_cancels_on_its_own() {
    let mock = mock().await;
    // No sweep: only the venue's countdown can cancel the bid.
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .keep_resting_orders()
        .build();
    rest_bid(&mock).await;
    let dead_man = dead_man(&mock, &kill);
    wait_until("armed", || dead_man.state().phase == DeadManPhase::Armed).await;
    let report = kill.trip("risk desk stop");
    let at_halt = report
        .dead_man
        .as_ref()
        .expect("the report shows the dead man");
    assert_eq!(at_halt.phase, DeadManPhase::Stopped, "{report}");
    assert!(
        !at_halt.symbols[0].renewing && at_halt.symbols[0].armed,
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("DEAD MAN'S SWITCH (binance-futures): stopped"),
        "{report}"
    );
    assert!(
        report.to_json().contains("\"dead_man\":{"),
        "{}",
        report.to_json()
    );
    let rearms = at_halt.rearms;
    wait_until("the venue's own cancel", || mock.open_order_count() == 0).await;
    assert_eq!(mock.countdown(SYMBOL), None, "the countdown fired");
    let state = dead_man.state();
    assert!(
        state.rearms <= rearms + 1,
        "renewed while halted: {state:?}"
    );
    assert!(!state.symbols[0].armed, "{state:?}");
}

#[tokio::test]
async fn a_hung_process_has_its_orders_cancelled_by_the_venue() {
    let mock = mock().await;
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    rest_bid(&mock).await;
    let dead_man = dead_man(&mock, &kill);
    wait_until("armed", || dead_man.state().rearms >= 2).await;
    // The task stops running, as a hung process's would: nothing renews, nothing cancels.
    dead_man.stop();
    let stopped = tokio::time::Instant::now();
    assert_eq!(mock.open_order_count(), 1);
    wait_until("the venue's own cancel", || mock.open_order_count() == 0).await;
    assert!(
        stopped.elapsed() < COUNTDOWN * 3,
        "cancelled by the countdown, not later"
    );
    assert!(
        !kill.is_halted(),
        "the process did nothing: the venue did it"
    );
    assert_eq!(dead_man.state().phase, DeadManPhase::Stopped);
}

#[tokio::test]
async fn a_renewal_that_keeps_failing_trips_the_switch() {
    let mock = mock().await;
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let dead_man = dead_man(&mock, &kill);
    wait_until("armed", || dead_man.state().phase == DeadManPhase::Armed).await;
    let mut halts = kill.subscribe();
    // Every attempt of the next renewal gets a 503.
    mock.faults()
        .fail_endpoint("/fapi/v1/countdownCancelAll", 503, 10);
    tokio::time::timeout(Duration::from_secs(15), halts.wait_for(Option::is_some))
        .await
        .expect("tripped")
        .unwrap();
    let report = kill.last_report().unwrap();
    assert_eq!(report.reason.trigger(), "dead_man_failed", "{report}");
    assert!(report.reason.to_string().contains("BTCUSDT"), "{report}");
    let state = dead_man.state();
    assert_eq!(state.phase, DeadManPhase::Stopped, "{state:?}");
    assert!(state.failures >= 2, "{state:?}");
    assert!(
        state.last_error.as_deref().unwrap_or("").contains("503"),
        "{state:?}"
    );
}

#[tokio::test]
async fn a_dead_man_needs_symbols_and_a_renewal_inside_the_countdown() {
    let mock = mock().await;
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let no_symbol = DeadMan::builder(client(&mock), &kill).spawn().unwrap_err();
    assert_eq!(no_symbol, DeadManBuildError::NoSymbols);
    let too_slow = DeadMan::builder(client(&mock), &kill)
        .symbol(SYMBOL)
        .countdown(Duration::from_secs(10))
        .rearm_every(Duration::from_secs(10))
        .spawn()
        .unwrap_err();
    assert!(matches!(too_slow, DeadManBuildError::RearmTooSlow { .. }));
    // Binance's suggestion by default: 120 s, renewed every 30 s.
    let default = DeadMan::builder(client(&mock), &kill)
        .symbol(SYMBOL)
        .spawn()
        .unwrap();
    let state = default.state();
    assert_eq!(
        (state.countdown, state.rearm_every),
        (Duration::from_secs(120), Duration::from_secs(30))
    );
    wait_until("armed", || mock.countdown(SYMBOL).is_some()).await;
    default.disarm().await.unwrap();
    assert_eq!(mock.countdown(SYMBOL), None, "disarmed at the venue");
}

#[tokio::test]
async fn a_resume_arms_afresh_and_a_symbol_halt_stops_only_that_symbol() {
    let mock = FuturesMock::builder()
        .symbol(SYMBOL, dec!(60000))
        .symbol("ETHUSDT", dec!(3000))
        .balance(dec!(10000))
        .start()
        .await
        .unwrap();
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let dead_man = DeadMan::builder(client(&mock), &kill)
        .symbols([SYMBOL, "ETHUSDT"])
        .countdown(COUNTDOWN)
        .rearm_every(REARM)
        .spawn()
        .unwrap();
    wait_until("both armed", || {
        dead_man.state().symbols.iter().all(|s| s.renewing)
    })
    .await;

    // A halt of one symbol: its countdown is left to lapse, the other is renewed.
    kill.halt(Halt::new("BTC only").scope(HaltScope::symbol(SYMBOL)));
    wait_until("the venue's BTC countdown to lapse", || {
        mock.countdown(SYMBOL).is_none()
    })
    .await;
    let state = dead_man.state();
    let renewing: Vec<(&str, bool)> = state
        .symbols
        .iter()
        .map(|s| (s.symbol.as_str(), s.renewing))
        .collect();
    assert_eq!(
        renewing,
        [("BTCUSDT", false), ("ETHUSDT", true)],
        "{state:?}"
    );
    assert_eq!(state.phase, DeadManPhase::Armed, "{state:?}");
    assert!(mock.countdown("ETHUSDT").is_some());

    // Lifted: armed again at once.
    kill.resume_scope(&HaltScope::symbol(SYMBOL)).unwrap();
    wait_until("BTC armed again", || mock.countdown(SYMBOL).is_some()).await;
    wait_until("both renewed", || {
        dead_man.state().symbols.iter().all(|s| s.renewing)
    })
    .await;

    // A halt of everything, then a resume: armed afresh, not judged a stall.
    kill.trip("all");
    wait_until("stopped", || {
        dead_man.state().phase == DeadManPhase::Stopped
    })
    .await;
    tokio::time::sleep(COUNTDOWN + REARM).await;
    kill.resume().unwrap();
    wait_until("armed after the resume", || {
        mock.countdown(SYMBOL).is_some() && mock.countdown("ETHUSDT").is_some()
    })
    .await;
    assert!(!kill.is_halted(), "the resume was not taken for a stall");
    assert_eq!(dead_man.state().phase, DeadManPhase::Armed);
}
