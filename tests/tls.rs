//! TLS for real, on loopback: the mock exchange serves HTTPS and WSS with a certificate from a
//! CA made for this test run; the depth feed, the fresh client and the signed client trust that
//! CA through `.root_certificate(..)`, and a client that trusts another CA is refused with an
//! error that says why. Verification is never switched off.

mod support;

use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::feed::DepthFeed;
use hft_cache::fetch::FreshClient;
use hft_cache::stream_cache::FeedFault;
use hft_cache::tls::RootCertificate;
use hft_cache::{Fresh, Live, StreamCache};
use hft_cache_mock::{MockExchange, MockTls};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;

use support::wait_until;

const SYMBOL: &str = "BTCUSDT";

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Placed {
    order_id: u64,
    status: String,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Account {
    can_trade: bool,
}

/// A last price used for pricing: live data.
#[derive(Live, Deserialize, Debug)]
struct LastPrice {
    symbol: String,
    price: Decimal,
}

async fn secure_exchange(tls: &MockTls) -> MockExchange {
    MockExchange::builder()
        .api_key("key")
        .secret("secret")
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(100000))
        .tls(tls.clone())
        .start()
        .await
        .expect("the TLS mock starts")
}

fn ca(tls: &MockTls) -> RootCertificate {
    RootCertificate::from_pem(tls.ca_certificate_pem()).expect("the test CA parses")
}

fn books() -> StreamCache<String, BookView> {
    StreamCache::builder()
        .name("books")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_depth_feed_and_a_signed_order_run_over_tls_end_to_end() {
    let tls = MockTls::generate().unwrap();
    let exchange = secure_exchange(&tls).await;
    assert!(exchange.http_url().starts_with("https://127.0.0.1:"));
    assert!(exchange.ws_url().starts_with("wss://127.0.0.1:"));

    // The feed: WSS for the stream, HTTPS for the snapshot, both verified against the test CA.
    let books = books();
    let feed = DepthFeed::builder(exchange.ws_url(), exchange.http_url())
        .symbols([SYMBOL])
        .root_certificate(ca(&tls))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .snapshot_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .spawn(&books)
        .unwrap();
    wait_until("a synced book over wss://", || {
        books.read(SYMBOL, |_| ()).is_ok()
    })
    .await;
    let view = books.read(SYMBOL, BookView::clone).unwrap();
    assert!(
        view.best_bid().is_some() && view.best_ask().is_some(),
        "{view:?}"
    );
    let health = feed.health(SYMBOL).unwrap();
    assert!(
        health.connected && health.last_fault.is_none(),
        "{health:?}"
    );

    // A signed order, placed over HTTPS, comes back as a `Fresh` acknowledgment.
    let client = SignedClient::builder(exchange.http_url())
        .api_key("key")
        .secret("secret")
        .root_certificate(ca(&tls))
        .build()
        .unwrap();
    let placed: Fresh<Placed> = client
        .signed_post(
            "/api/v3/order",
            &[
                ("symbol", SYMBOL),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.01"),
                ("price", "50000"),
            ],
        )
        .await
        .expect("a signed order over TLS");
    let placed = placed.read().unwrap();
    assert!(placed.order_id > 0);
    assert_eq!(placed.status, "NEW");

    let account: Fresh<Account> = client
        .signed_get("/api/v3/account", &[("omitZeroBalances", "true")])
        .await
        .expect("a signed read over TLS");
    assert!(account.read().unwrap().can_trade);

    // And the fresh client reads live data over the same TLS.
    let http = FreshClient::builder()
        .root_certificate(ca(&tls))
        .build()
        .unwrap();
    let price: Fresh<LastPrice> = http
        .get(format!("{}/api/v3/ticker/price", exchange.http_url()))
        .query(&[("symbol", SYMBOL)])
        .fetch()
        .await
        .expect("a fresh read over TLS");
    let price = price.read().unwrap();
    assert_eq!(price.symbol, SYMBOL);
    assert!(price.price > Decimal::ZERO);
    feed.shutdown();
    exchange.shutdown().await;
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_with_a_clear_error() {
    let tls = MockTls::generate().unwrap();
    let stranger = MockTls::generate().unwrap();
    let exchange = secure_exchange(&tls).await;

    // The signed client trusts another CA: the handshake fails, nothing is signed for the
    // server, and the error names the certificate.
    let client = SignedClient::builder(exchange.http_url())
        .api_key("key")
        .secret("secret")
        .root_certificate(ca(&stranger))
        .build()
        .unwrap();
    let refused = client
        .signed_get::<Account, _>("/api/v3/account", &[("omitZeroBalances", "true")])
        .await
        .unwrap_err();
    let chain = error_chain(&refused);
    assert!(matches!(refused, RequestError::Fetch { .. }), "{refused:?}");
    assert!(chain.contains("certificate"), "{chain}");

    // With no extra root at all, the public roots do not vouch for a test CA either.
    let plain = SignedClient::builder(exchange.http_url())
        .api_key("key")
        .secret("secret")
        .build()
        .unwrap();
    let refused = plain
        .signed_get::<Account, _>("/api/v3/account", &[("omitZeroBalances", "true")])
        .await
        .unwrap_err();
    assert!(error_chain(&refused).contains("certificate"), "{refused}");

    // The feed: the symbol never becomes readable, and its health says it was TLS.
    let books = books();
    let feed = DepthFeed::builder(exchange.ws_url(), exchange.http_url())
        .symbols([SYMBOL])
        .root_certificate(ca(&stranger))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .spawn(&books)
        .unwrap();
    wait_until("the refused handshake in the feed's health", || {
        feed.health(SYMBOL).is_some_and(|h| {
            matches!(&h.last_fault, Some(FeedFault::Other(why))
                if why.starts_with("TLS handshake refused") && why.contains("certificate"))
        })
    })
    .await;
    assert!(books.read(SYMBOL, |_| ()).is_err());
    assert!(!feed.health(SYMBOL).unwrap().connected);
    feed.shutdown();
    exchange.shutdown().await;
}

#[test]
fn a_root_that_is_not_a_certificate_is_refused_when_built() {
    assert!(RootCertificate::from_pem(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    .is_err());
    assert!(RootCertificate::from_der(vec![0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
    let tls = MockTls::generate().unwrap();
    let der = RootCertificate::from_der(tls.ca_certificate_der().to_vec()).unwrap();
    assert_eq!(der.der(), ca(&tls).der());
}

/// The error and its sources, as one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
