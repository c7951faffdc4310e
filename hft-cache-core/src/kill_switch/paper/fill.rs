//! The paper phase's matching: an order against the current book, as the exchange would fill a
//! taker, and the answer it would give.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::book::{BookView, Level};
use crate::exchange::{PaperFill, PaperStatus};
use crate::order::OrderRequest;
use crate::report_format::unix_millis;

/// A simulated taker fill against the book's levels.
pub(super) struct Fill {
    fills: Vec<Level>,
    executed: Decimal,
    quote: Decimal,
    status: PaperStatus,
}

/// Fills `order` against `book` as the exchange's matching would for a taker: walks the
/// opposite side up to the limit price. Errors are the exchange's answer to a bad order.
pub(super) fn fill(book: &BookView, order: &OrderRequest) -> Result<Fill, Value> {
    // Venues spell them `BUY`, `Buy`, `buy`; `LIMIT`, `Limit`, `limit`.
    let buy = match order
        .side
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("BUY") => true,
        Some("SELL") => false,
        _ => return Err(exchange_error(-1117, "Invalid side.")),
    };
    let order_type = order
        .order_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_uppercase();
    let tif = order
        .time_in_force
        .as_deref()
        .unwrap_or("GTC")
        .to_ascii_uppercase();
    let limit = match order_type.as_str() {
        "LIMIT" | "LIMIT_MAKER" => match order.price {
            Some(price) => Some(price),
            None => {
                return Err(exchange_error(
                    -1102,
                    "Mandatory parameter 'price' was not sent.",
                ))
            }
        },
        "MARKET" => None,
        _ => return Err(exchange_error(-1116, "Invalid orderType.")),
    };
    let Some(qty) = order.quantity.filter(|q| *q > Decimal::ZERO) else {
        return Err(exchange_error(
            -1102,
            "Mandatory parameter 'quantity' was not sent.",
        ));
    };
    let levels = if buy { &book.asks } else { &book.bids };
    let crosses = |level: &Level| {
        limit.is_none_or(|limit| {
            if buy {
                level.price <= limit
            } else {
                level.price >= limit
            }
        })
    };
    let maker_only = order_type == "LIMIT_MAKER" || tif == "POSTONLY";
    let mut fills = Vec::new();
    let mut left = qty;
    for level in levels.iter().take_while(|l| crosses(l)) {
        if left.is_zero() {
            break;
        }
        if maker_only {
            return Err(exchange_error(
                -2010,
                "Order would immediately match and take.",
            ));
        }
        let take = left.min(level.qty);
        fills.push(Level {
            price: level.price,
            qty: take,
        });
        left -= take;
    }
    if tif == "FOK" && !left.is_zero() {
        fills.clear();
        left = qty;
    }
    let executed = qty - left;
    let quote = fills.iter().map(|f| f.price * f.qty).sum();
    let rests = limit.is_some() && matches!(tif.as_str(), "GTC" | "POSTONLY");
    let status = if left.is_zero() {
        PaperStatus::Filled
    } else if !rests {
        PaperStatus::Expired
    } else if executed.is_zero() {
        PaperStatus::New
    } else {
        PaperStatus::PartiallyFilled
    };
    Ok(Fill {
        fills,
        executed,
        quote,
        status,
    })
}

impl Fill {
    /// The venue's answer to the order, from `venue_answer`; `None` if the venue has none.
    pub(super) fn answer(
        &self,
        symbol: &str,
        order: &OrderRequest,
        venue_answer: &dyn Fn(&PaperFill<'_>) -> Option<Value>,
    ) -> Option<Value> {
        let fills: Vec<(Decimal, Decimal)> = self.fills.iter().map(|f| (f.price, f.qty)).collect();
        venue_answer(&PaperFill {
            symbol,
            side: order.side.as_deref().unwrap_or_default(),
            order_type: order.order_type.as_deref().unwrap_or_default(),
            time_in_force: order.time_in_force.as_deref(),
            price: order.price,
            quantity: order.quantity.unwrap_or_default(),
            client_order_id: order.client_order_id.as_deref(),
            executed: self.executed,
            quote: self.quote,
            status: self.status,
            fills: &fills,
            at_unix_ms: unix_millis(),
        })
    }
}

pub(super) fn exchange_error(code: i64, msg: &str) -> Value {
    json!({ "code": code, "msg": msg })
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::exchange::Venue;

    fn book() -> BookView {
        let level = |price, qty| Level { price, qty };
        BookView {
            symbol: "BTCUSDT".into(),
            last_update_id: 1,
            bids: vec![level(dec!(99), dec!(1)), level(dec!(98), dec!(2))],
            asks: vec![level(dec!(101), dec!(1)), level(dec!(102), dec!(2))],
        }
    }

    fn order(
        side: &str,
        order_type: &str,
        tif: Option<&str>,
        price: Option<Decimal>,
        qty: Decimal,
    ) -> OrderRequest {
        OrderRequest {
            symbol: Some("BTCUSDT".to_owned()),
            side: Some(side.to_owned()),
            order_type: Some(order_type.to_owned()),
            time_in_force: tif.map(str::to_owned),
            price,
            quantity: Some(qty),
            client_order_id: None,
        }
    }

    fn outcome(order: &OrderRequest) -> (PaperStatus, Decimal, Decimal) {
        let fill = fill(&book(), order).unwrap();
        (fill.status, fill.executed, fill.quote)
    }

    const FILLED: PaperStatus = PaperStatus::Filled;
    const EXPIRED: PaperStatus = PaperStatus::Expired;
    const NEW: PaperStatus = PaperStatus::New;
    const PARTIALLY_FILLED: PaperStatus = PaperStatus::PartiallyFilled;

    #[test]
    fn takers_walk_the_book_up_to_their_limit() {
        let market = order("BUY", "MARKET", None, None, dec!(2));
        assert_eq!(outcome(&market), (FILLED, dec!(2), dec!(203)));
        let gtc = order("SELL", "LIMIT", Some("GTC"), Some(dec!(99)), dec!(3));
        assert_eq!(outcome(&gtc), (PARTIALLY_FILLED, dec!(1), dec!(99)));
        let ioc = order("SELL", "LIMIT", Some("IOC"), Some(dec!(98)), dec!(4));
        assert_eq!(outcome(&ioc), (EXPIRED, dec!(3), dec!(295)));
        let fok = order("BUY", "LIMIT", Some("FOK"), Some(dec!(101)), dec!(2));
        assert_eq!(outcome(&fok), (EXPIRED, dec!(0), dec!(0)));
        let resting = order("BUY", "LIMIT", Some("GTC"), Some(dec!(100)), dec!(1));
        assert_eq!(outcome(&resting), (NEW, dec!(0), dec!(0)));
    }

    #[test]
    fn bad_orders_get_the_exchange_s_errors() {
        let code = |o: &OrderRequest| fill(&book(), o).err().unwrap()["code"].as_i64();
        assert_eq!(
            code(&order("HOLD", "MARKET", None, None, dec!(1))),
            Some(-1117)
        );
        assert_eq!(
            code(&order("BUY", "STOP", None, None, dec!(1))),
            Some(-1116)
        );
        assert_eq!(
            code(&order("BUY", "LIMIT", Some("GTC"), None, dec!(1))),
            Some(-1102)
        );
        assert_eq!(
            code(&order("BUY", "MARKET", None, None, dec!(0))),
            Some(-1102)
        );
        let maker = order("BUY", "LIMIT_MAKER", None, Some(dec!(101)), dec!(1));
        assert_eq!(code(&maker), Some(-2010));
    }

    #[test]
    fn each_venue_answers_in_its_own_shape() {
        use crate::exchange::binance::Binance;
        use crate::exchange::bybit::Bybit;

        let mut bybit = order("Buy", "Market", None, None, dec!(0.5));
        bybit.client_order_id = Some("mm-1".to_owned());
        let answer = fill(&book(), &bybit)
            .unwrap()
            .answer("BTCUSDT", &bybit, &|f| Bybit.paper_answer(f))
            .unwrap();
        assert_eq!(
            answer,
            serde_json::json!({"orderId": "0", "orderLinkId": "mm-1"})
        );
        let post_only = order("Sell", "Limit", Some("PostOnly"), Some(dec!(98)), dec!(1));
        assert_eq!(fill(&book(), &post_only).err().unwrap()["code"], -2010);
        let none = fill(&book(), &bybit)
            .unwrap()
            .answer("BTCUSDT", &bybit, &|_| None);
        assert!(none.is_none(), "a venue without a paper answer gets none");
        let _ = Binance;
    }

    #[test]
    fn the_answer_has_binance_s_shape_and_no_exchange_order_id() {
        use crate::exchange::binance::Binance;

        let o = order("BUY", "MARKET", None, None, dec!(1.5));
        let answer = fill(&book(), &o)
            .unwrap()
            .answer("BTCUSDT", &o, &|f| Binance.paper_answer(f))
            .unwrap();
        assert_eq!(answer["orderId"], 0);
        assert_eq!(answer["executedQty"], "1.5");
        assert_eq!(answer["fills"].as_array().unwrap().len(), 2);
        assert_eq!(answer["fills"][1]["qty"], "0.5");
    }
}
