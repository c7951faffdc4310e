//! The order journal: an audit record of every order request this process sent or refused.
//!
//! A [`SignedClient`](crate::exchange::SignedClient) given a journal
//! ([`journal`](crate::exchange::SignedClientBuilder::journal)) records each order placement
//! (a `POST` to an order endpoint): when, what (symbol, side, type, price, quantity, client
//! order id), in which [mode](crate::kill_switch::GateMode) and what came of it (the exchange's
//! answer or error, a refusal by the trading gate, or a paper simulation). With
//! [pre-trade controls](crate::pre_trade), each entry also holds the age of every input of the
//! order's [`Decision`](crate::pre_trade::Decision), as the crate measured it from the inputs'
//! receipts right before sending ([`JournalEntry::inputs`]): never what the adapter says.
//!
//! The journal records our own actions; it is not a cache of order state. The policy never
//! caches "recent order history", so the journal offers no way to look an order up: it is read
//! by the kill switch's assessment (which fetches the orders' status fresh from the exchange)
//! and exported as JSON lines for audit ([`OrderJournal::write_json_lines`], or the append-only
//! [file](OrderJournalBuilder::file)).
//!
//! ```
//! use hft_cache::exchange::SignedClient;
//! use hft_cache::journal::OrderJournal;
//! use hft_cache::{Fresh, Live};
//! use hft_cache_mock::MockExchange;
//! use rust_decimal_macros::dec;
//!
//! #[derive(Live, serde::Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! struct Ack {
//!     order_id: u64,
//!     status: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ex = MockExchange::builder().api_key("key").secret("s3cr3t").balance("USDT", dec!(10000)).start().await?;
//! let journal = OrderJournal::builder().capacity(1000).build()?;
//! let client = SignedClient::builder(ex.http_url())
//!     .api_key("key")
//!     .secret("s3cr3t")
//!     .journal(journal.clone())
//!     .build()?;
//!
//! let order = [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"),
//!              ("timeInForce", "GTC"), ("quantity", "0.001"), ("price", "20000")];
//! let ack: Fresh<Ack> = client.signed_post("/api/v3/order", &order).await?;
//! assert_eq!(ack.read()?.status, "NEW");
//!
//! assert_eq!(journal.totals().accepted, 1);
//! let line = journal.to_json_lines();
//! assert!(line.contains(r#""symbol":"BTCUSDT""#) && line.contains(r#""outcome":{"kind":"accepted""#));
//! # ex.shutdown().await;
//! # Ok(()) }
//! ```

mod entry;
mod store;

pub use entry::{JournalEntry, OrderMode, OrderOutcome};
pub use store::{JournalBuildError, JournalTotals, OrderJournal, OrderJournalBuilder};
