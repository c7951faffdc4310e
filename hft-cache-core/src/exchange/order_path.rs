//! The order path of [`SignedClient`]: the trading gate, the paper phase and the journal.
//!
//! [`SignedClient::signed`] hands every order placement here; everything else it sends itself.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{OrderFields, RequestError, SignedClient, Venue};
use crate::clock::Timestamp;
use crate::fetch::FetchError;
use crate::fresh::Fresh;
use crate::gate::{GateMode, Halted, TradingGate};
use crate::journal::{JournalEntry, OrderMode, OrderOutcome};
use crate::order::OrderRequest;
use crate::policy::Live;
use crate::pre_trade::{Decision, InputAge, Refusal};
use crate::report_format::unix_millis;

/// Places an order: refused while halted, simulated in the paper phase, sent when live; each
/// recorded in the client's journal, if it has one.
pub(crate) async fn place_order<V, T, P>(
    client: &SignedClient<V>,
    decision: Option<&Decision>,
    method: Method,
    path: &str,
    params: &P,
    reduce_only: ReduceOnly,
) -> Result<Fresh<T>, RequestError>
where
    V: Venue,
    T: Live + DeserializeOwned,
    P: Serialize + ?Sized,
{
    let mut fields = object_of(params)?;
    let journal = client.journal();
    let names = client.venue().order_fields(path);
    if let (Some(_), Some(names)) = (journal, &names) {
        ensure_client_order_id(&mut fields, names);
    }
    let order = OrderRequest::from_pairs(&pairs_of(&fields), names.as_ref());
    // An explicit decision, else the enclosing `Decision::scope`'s.
    let scoped = match decision {
        Some(_) => None,
        None => Decision::current(),
    };
    let decision = decision.or(scoped.as_deref());
    // Stamped before anything is sent: the decision's time, which the suspect window is about.
    let at = journal.map(|j| (j.clock().now(), unix_millis()));
    // When the pre-trade check ran: the instant the inputs' ages are measured at.
    // (Nanoseconds + 1; 0 until it runs. Atomic, as the order future must be `Send`.)
    let checked_at = AtomicU64::new(0);
    let record = |mode, outcome| {
        if let (Some(journal), Some(at)) = (journal, at) {
            let measured = match (decision, checked_at.load(Ordering::Relaxed)) {
                (Some(decision), nanos) if nanos > 0 => {
                    decision.measured(Timestamp::from_nanos(nanos - 1))
                }
                _ => Vec::new(),
            };
            journal.record(entry(
                at,
                client.venue().name(),
                path,
                &order,
                mode,
                outcome,
                measured,
            ));
        }
    };
    let clock = client.fresh_client().clock();
    // The pre-trade check, right before the order would be written (after signing).
    let pre_check = || -> Result<(), Refusal> {
        let Some(controls) = client.pre_trade().filter(|_| reduce_only == ReduceOnly::No) else {
            return Ok(());
        };
        let now = controls.clock().now();
        checked_at.store(now.as_nanos().saturating_add(1), Ordering::Relaxed);
        controls.check_request(&order, decision, now)
    };

    // A scoped halt (venue, symbol, strategy) covering this order refuses it, whatever the mode.
    if let Some(gate) = client.gate().filter(|_| reduce_only == ReduceOnly::No) {
        let symbol = order.symbol.as_deref().unwrap_or_default();
        let client_id = order.client_order_id.as_deref();
        if let Err(halted) = gate.check_order(client.venue().name(), symbol, client_id) {
            if !halted.scope().is_all() {
                record(
                    OrderMode::Live,
                    OrderOutcome::Refused {
                        reason: halted.to_string(),
                    },
                );
                tracing::warn!(path, symbol, scope = %halted.scope(), reason = %halted.reason, "order refused: its scope is halted");
                return Err(RequestError::Halted(halted));
            }
        }
    }

    let (mode, route) = match client.gate() {
        // The kill switch's flatten: it shrinks a position a fresh query just showed.
        _ if reduce_only == ReduceOnly::KillSwitchFlatten => (OrderMode::Live, Route::Send),
        None => (OrderMode::Live, Route::Send),
        Some(gate) => match gate.mode() {
            GateMode::Live => (OrderMode::Live, Route::Send),
            GateMode::Halted => (OrderMode::Live, Route::by_gate(gate)),
            GateMode::Paper => match gate.paper_desk() {
                // The paper phase runs the same checks as live trading.
                Some(run) => (
                    OrderMode::Paper,
                    match pre_check() {
                        Err(refused) => Route::PreTrade(refused),
                        Ok(()) => {
                            match run.simulate(&order, &|fill| client.venue().paper_answer(fill)) {
                                Ok(answer) => Route::Answer(answer),
                                Err(halted) => Route::Refuse(halted),
                            }
                        }
                    },
                ),
                // The phase ended between the two reads: go by the gate as it is now.
                None => (OrderMode::Live, Route::by_gate(gate)),
            },
        },
    };
    match route {
        Route::Send => {}
        Route::PreTrade(refusal) => {
            record(
                mode,
                OrderOutcome::Refused {
                    reason: format!("pre-trade: {refusal}"),
                },
            );
            return Err(RequestError::PreTrade(refusal));
        }
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
            return Err(RequestError::Halted(halted));
        }
        Route::Answer(answer) => {
            let decoded = decode::<T>(answer, names.as_ref());
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
    let answer = client
        .send_order_answer(method, path, &fields, || {
            pre_check().map_err(RequestError::PreTrade)
        })
        .await;
    let decoded = answer.and_then(|answer| decode::<T>(answer, names.as_ref()));
    record(OrderMode::Live, outcome_of(&decoded));
    let (value, _) = decoded.inspect_err(|error| {
        tracing::debug!(path, %error, "exchange request failed");
    })?;
    Ok(Fresh::from_response(value, sent_at, clock.clone()))
}

/// Whether an order placement is the kill switch's reduce-only flatten, the one order a halted
/// gate lets through: built by the crate from a fresh position answer, it can only shrink that
/// position (the venue refuses a reduce-only order that would grow or flip it). No user path
/// can set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReduceOnly {
    /// Any other order: the gate, scoped halts and the pre-trade controls apply.
    No,
    /// The kill switch's flatten.
    KillSwitchFlatten,
}

/// What becomes of an order placement.
enum Route {
    /// To the exchange.
    Send,
    /// Not sent: trading is halted (or the paper phase just failed).
    Refuse(Halted),
    /// The paper phase's simulated answer.
    Answer(Value),
    /// Not simulated: the pre-trade check refused it.
    PreTrade(Refusal),
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

/// The answer as `T`, keeping the fields the journal records. (The venue's format has opened
/// any envelope and turned an error in it into a `RequestError` already.)
fn decode<T: DeserializeOwned>(
    answer: Value,
    names: Option<&OrderFields>,
) -> Result<(T, Accepted), RequestError> {
    // Read under the venue's names; a name the venue leaves empty is not in its answer. A
    // venue that answers a placement with a list of one (OKX's `data`) names the order in it.
    let placed = match &answer {
        Value::Array(items) if items.len() == 1 => &items[0],
        other => other,
    };
    let field =
        |name: Option<&'static str>| name.filter(|n| !n.is_empty()).and_then(|n| placed.get(n));
    let accepted = Accepted {
        order_id: field(names.map(|n| n.answer_order_id)).and_then(|id| match id {
            Value::String(text) => text.parse().ok(),
            other => other.as_u64(),
        }),
        status: field(names.map(|n| n.answer_status))
            .and_then(Value::as_str)
            .map(str::to_owned),
        executed_qty: field(names.map(|n| n.answer_executed_qty))
            .and_then(Value::as_str)
            .and_then(|q| q.parse().ok()),
    };
    match T::deserialize(&answer) {
        Ok(value) => Ok((value, accepted)),
        Err(source) => Err(RequestError::Fetch {
            source: FetchError::Malformed { source },
            kind: None,
        }),
    }
}

struct Accepted {
    order_id: Option<u64>,
    status: Option<String>,
    executed_qty: Option<rust_decimal::Decimal>,
}

fn outcome_of<T>(decoded: &Result<(T, Accepted), RequestError>) -> OrderOutcome {
    match decoded {
        Err(RequestError::PreTrade(refusal)) => OrderOutcome::Refused {
            reason: format!("pre-trade: {refusal}"),
        },
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

/// Whether an order that failed like this may still have been placed: the venue's "execution
/// status unknown", a 5xx, or an answer lost or unreadable after it was sent.
fn placed_or_unknown(error: &RequestError) -> bool {
    match error {
        RequestError::Halted(_)
        | RequestError::PreTrade(_)
        | RequestError::Params { .. }
        | RequestError::ImplausibleServerTime { .. } => false,
        // The configured host received the signed order and answered with a redirect: what it
        // did with it is unknown (the target got nothing).
        RequestError::Redirect { .. } => true,
        RequestError::Exchange { status, .. } => *status >= 500 || error.execution_unknown(),
        RequestError::Fetch { source, .. } => {
            error.execution_unknown()
                || match source {
                    FetchError::Http { status, .. } | FetchError::Exchange { status, .. } => {
                        *status >= 500
                    }
                    FetchError::Connect(_) => false,
                    FetchError::Request(_) => source.may_have_been_sent(),
                    // Sent and answered, but the answer is lost or unreadable.
                    _ => true,
                }
        }
    }
}

fn entry(
    (at, at_unix_ms): (Timestamp, u64),
    venue: &'static str,
    path: &str,
    order: &OrderRequest,
    mode: OrderMode,
    outcome: OrderOutcome,
    inputs: Vec<InputAge>,
) -> JournalEntry {
    JournalEntry {
        seq: 0,
        at,
        at_unix_ms,
        venue,
        path: path.to_owned(),
        symbol: order.symbol.clone(),
        side: order.side.clone(),
        order_type: order.order_type.clone(),
        price: order.price,
        quantity: order.quantity,
        client_order_id: order.client_order_id.clone(),
        inputs,
        mode,
        outcome,
    }
}

/// The order's parameters as one object, in whatever shape the caller gave them (a struct, a
/// map, a list of pairs), so that the journal can read them and add a client order id.
fn object_of<P: Serialize + ?Sized>(params: &P) -> Result<Map<String, Value>, RequestError> {
    let invalid = |reason: String| RequestError::Params { reason };
    match serde_json::to_value(params).map_err(|e| invalid(e.to_string()))? {
        Value::Object(map) => Ok(map),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Array(pair) if pair.len() == 2 => match (&pair[0], &pair[1]) {
                    (Value::String(k), v) => Ok((k.clone(), v.clone())),
                    _ => Err(invalid("a parameter name is not a string".into())),
                },
                _ => Err(invalid("parameters are neither a map nor pairs".into())),
            })
            .collect(),
        Value::Null => Ok(Map::new()),
        _ => Err(invalid("parameters are neither a map nor pairs".into())),
    }
}

/// The parameters as text, as the journal records them.
fn pairs_of(fields: &Map<String, Value>) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// Gives the order a client order id, in the parameter its venue names, if it has none and
/// the path takes one, so that the assessment can look it up even when its answer was lost.
fn ensure_client_order_id(fields: &mut Map<String, Value>, names: &OrderFields) {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let name = names.client_order_id;
    if name.is_empty() || fields.contains_key(name) {
        return;
    }
    let seq = NEXT.fetch_add(1, Ordering::Relaxed);
    // Binance and Bybit allow 36 characters of [.A-Za-z0-9:/_-]; OKX 32 alphanumerics.
    let mut id = format!("hftj{}{seq}", unix_millis());
    if names.client_order_id_max_len >= 36 {
        id = format!("hftj-{}-{seq}", unix_millis());
    }
    id.truncate(names.client_order_id_max_len);
    fields.insert(name.to_owned(), Value::String(id));
}
