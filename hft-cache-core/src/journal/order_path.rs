//! The order path of [`SignedClient`]: the trading gate, the paper phase and the journal.
//!
//! [`SignedClient::signed`] hands every order placement here; everything else it sends itself.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::entry::{JournalEntry, OrderMode, OrderOutcome, OrderRequest};
use super::DecisionInputs;
use crate::clock::Timestamp;
use crate::exchange::SignedClient;
use crate::fetch::FetchError;
use crate::fresh::Fresh;
use crate::kill_switch::{GateMode, Halted, TradingGate};
use crate::monitor::durations::unix_millis;
use crate::policy::Live;

/// Places an order: refused while halted, simulated in the paper phase, sent when live; each
/// recorded in the client's journal, if it has one.
pub(crate) async fn place_order<T, P>(
    client: &SignedClient,
    method: Method,
    path: &str,
    params: &P,
) -> Result<Fresh<T>, FetchError>
where
    T: Live + DeserializeOwned,
    P: Serialize + ?Sized,
{
    let mut pairs = form_pairs(&client.encode(params)?);
    let journal = client.journal.as_ref();
    if journal.is_some() && takes_client_order_id(path) {
        ensure_client_order_id(&mut pairs);
    }
    let order = OrderRequest::from_pairs(&pairs);
    // Stamped before anything is sent: the decision's time, which the suspect window is about.
    let at = journal.map(|j| (j.clock().now(), unix_millis()));
    let record = |mode, outcome| {
        if let (Some(journal), Some(at)) = (journal, at) {
            journal.record(entry(at, path, &order, mode, outcome));
        }
    };
    let clock = client.fresh_client().clock();

    let (mode, route) = match &client.gate {
        None => (OrderMode::Live, Route::Send),
        Some(gate) => match gate.mode() {
            GateMode::Live => (OrderMode::Live, Route::Send),
            GateMode::Halted => (OrderMode::Live, Route::by_gate(gate)),
            GateMode::Paper => match gate.paper_run() {
                Some(run) => (
                    OrderMode::Paper,
                    match run.simulate(&order) {
                        Ok(answer) => Route::Answer(answer),
                        Err(halted) => Route::Refuse(halted),
                    },
                ),
                // The phase ended between the two reads: go by the gate as it is now.
                None => (OrderMode::Live, Route::by_gate(gate)),
            },
        },
    };
    match route {
        Route::Send => {}
        Route::Refuse(halted) => {
            record(
                mode,
                OrderOutcome::Refused {
                    reason: halted.to_string(),
                },
            );
            tracing::warn!(
                path,
                symbol = order.symbol.as_deref(),
                reason = %halted.reason,
                "order refused: trading is halted"
            );
            return Err(FetchError::Halted(halted));
        }
        Route::Answer(answer) => {
            let decoded = decode::<T>(answer);
            record(OrderMode::Paper, outcome_of(&decoded));
            let (value, _) = decoded?;
            tracing::debug!(
                path,
                symbol = order.symbol.as_deref(),
                "paper order answered by the simulation; nothing sent"
            );
            return Ok(Fresh::from_response(value, clock.now(), clock.clone()));
        }
    }

    let sent_at = clock.now();
    let answer = match client.signed_request(method, path, &pairs) {
        Ok(request) => request
            .fetch_not_live::<Value>()
            .await
            .map_err(crate::exchange::without_url),
        Err(e) => Err(e),
    };
    let decoded = answer.and_then(decode::<T>);
    record(OrderMode::Live, outcome_of(&decoded));
    let (value, _) = decoded.inspect_err(|error| {
        tracing::debug!(path, %error, "exchange request failed");
    })?;
    Ok(Fresh::from_response(value, sent_at, clock.clone()))
}

/// What becomes of an order placement.
enum Route {
    /// To the exchange.
    Send,
    /// Not sent: trading is halted (or the paper phase just failed).
    Refuse(Halted),
    /// The paper phase's simulated answer.
    Answer(Value),
}

impl Route {
    /// Sent if the gate is open now, refused if it is closed.
    fn by_gate(gate: &TradingGate) -> Self {
        match gate.check() {
            Ok(()) => Route::Send,
            Err(halted) => Route::Refuse(halted),
        }
    }
}

/// The answer as `T`, keeping the fields the journal records.
fn decode<T: DeserializeOwned>(answer: Value) -> Result<(T, Accepted), FetchError> {
    let accepted = Accepted {
        order_id: answer.get("orderId").and_then(Value::as_u64),
        status: answer
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_owned),
        executed_qty: answer
            .get("executedQty")
            .and_then(Value::as_str)
            .and_then(|q| q.parse().ok()),
    };
    match T::deserialize(&answer) {
        Ok(value) => Ok((value, accepted)),
        Err(source) => {
            // Some exchanges answer 200 with an error object: that is an exchange error.
            let body = answer.to_string();
            match FetchError::from_error_response(StatusCode::OK, body.as_bytes()) {
                exchange @ FetchError::Exchange { .. } => Err(exchange),
                _ => Err(FetchError::Malformed { source }),
            }
        }
    }
}

struct Accepted {
    order_id: Option<u64>,
    status: Option<String>,
    executed_qty: Option<rust_decimal::Decimal>,
}

fn outcome_of<T>(decoded: &Result<(T, Accepted), FetchError>) -> OrderOutcome {
    match decoded {
        Ok((_, accepted)) => OrderOutcome::Accepted {
            order_id: accepted.order_id,
            status: accepted.status.clone(),
            executed_qty: accepted.executed_qty,
        },
        Err(error) => {
            let error_text = error.to_string();
            if placed_or_unknown(error) {
                OrderOutcome::Unknown { error: error_text }
            } else {
                OrderOutcome::Rejected { error: error_text }
            }
        }
    }
}

/// Whether an order that failed like this may still have been placed. An exchange's 5xx means
/// "execution status unknown" (Binance's documentation), as does a lost or unreadable answer.
fn placed_or_unknown(error: &FetchError) -> bool {
    match error {
        FetchError::Http { status, .. } | FetchError::Exchange { status, .. } => *status >= 500,
        FetchError::Request(_) | FetchError::Connect(_) | FetchError::Halted(_) => false,
        _ => true,
    }
}

fn entry(
    (at, at_unix_ms): (Timestamp, u64),
    path: &str,
    order: &OrderRequest,
    mode: OrderMode,
    outcome: OrderOutcome,
) -> JournalEntry {
    JournalEntry {
        seq: 0,
        at,
        at_unix_ms,
        path: path.to_owned(),
        symbol: order.symbol.clone(),
        side: order.side.clone(),
        order_type: order.order_type.clone(),
        price: order.price,
        quantity: order.quantity,
        client_order_id: order.client_order_id.clone(),
        decided_on: DecisionInputs::current(),
        mode,
        outcome,
    }
}

fn form_pairs(encoded: &str) -> Vec<(String, String)> {
    // The client encoded these itself, so they decode.
    serde_urlencoded::from_str(encoded).unwrap_or_default()
}

/// Orders placed at `.../order` take a `newClientOrderId` (lists and SOR orders name theirs
/// differently, and are journaled without one).
fn takes_client_order_id(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/order")
}

/// Gives the order a client order id if it has none, so that the assessment can look it up
/// even when its answer was lost.
fn ensure_client_order_id(pairs: &mut Vec<(String, String)>) {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    if pairs.iter().any(|(k, _)| k == "newClientOrderId") {
        return;
    }
    let seq = NEXT.fetch_add(1, Ordering::Relaxed);
    // Binance allows 36 characters of [.A-Za-z0-9:/_-].
    let id = format!("hftj-{}-{seq}", unix_millis());
    pairs.push(("newClientOrderId".to_owned(), id));
}
