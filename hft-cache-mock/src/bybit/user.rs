//! Bybit v5's account-setup reads, which clients make before trading: the API key's own
//! description (`GET /v5/user/query-api`), the account's mode (`GET /v5/account/info`) and the
//! coins' deposit and withdrawal rules (`GET /v5/asset/coin/query-info`). The mock is one
//! master account on the Unified Trading Account 2.0, with a read-write key.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use super::rest::{ok, Signed};
use super::state::BybitState;

/// `unifiedMarginStatus` of a UTA 2.0 account (1 classic, 3 UTA 1.0, 4 UTA 1.0 Pro, 5 UTA 2.0,
/// 6 UTA 2.0 Pro).
const UTA_2: u8 = 5;
/// The mock's user id, in every account answer.
const USER_ID: u64 = 100_000_001;

/// `GET /v5/user/query-api`: the key's permissions, `uta` 1 (a unified trading account) and
/// `unified` 0 (not the older unified-margin account).
pub(crate) async fn query_api(State(state): State<BybitState>, Signed(_): Signed) -> Response {
    ok(json!({
        "id": "1",
        "note": "mock",
        "apiKey": state.api_key,
        "readOnly": 0,
        "secret": "",
        "permissions": {
            "ContractTrade": ["Order", "Position"],
            "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "SubMemberTransfer"],
            "Options": ["OptionsTrade"],
            "Derivatives": [],
            "CopyTrading": [],
            "BlockTrade": [],
            "Exchange": [],
            "NFT": [],
            "Affiliate": [],
            "Earn": [],
        },
        "ips": ["*"],
        "type": 1,
        "deadlineDay": -1,
        "expiredAt": "",
        "createdAt": "2024-01-01T00:00:00Z",
        "unified": 0,
        "uta": 1,
        "userID": USER_ID,
        "inviterID": 0,
        "vipLevel": "No VIP",
        "mktMakerLevel": "0",
        "affiliateID": 0,
        "rsaPublicKey": "",
        "isMaster": true,
        "parentUid": "0",
        "kycLevel": "LEVEL_DEFAULT",
        "kycRegion": "",
    }))
}

/// `GET /v5/account/info`: regular (cross) margin on UTA 2.0.
pub(crate) async fn account_info(Signed(_): Signed) -> Response {
    ok(json!({
        "marginMode": "REGULAR_MARGIN",
        "updatedTime": "1704067200000",
        "unifiedMarginStatus": UTA_2,
        "dcpStatus": "OFF",
        "timeWindow": 10,
        "smpGroup": 0,
        "isMasterTrader": false,
        "spotHedgingStatus": "OFF",
    }))
}

/// `GET /v5/asset/coin/query-info[?coin=]`: every coin the mock lists (each instrument's base
/// and quote), each on one chain of its own name, deposits and withdrawals open; a coin asked
/// for that the mock does not list is left out.
pub(crate) async fn coin_info(State(state): State<BybitState>, Signed(params): Signed) -> Response {
    let coins: BTreeSet<String> = {
        let exchange = state.lock();
        exchange
            .books
            .values()
            .flat_map(|b| [b.instrument.base.clone(), b.instrument.quote.clone()])
            .collect()
    };
    let asked = params.get("coin").and_then(Value::as_str);
    let rows: Vec<Value> = coins
        .iter()
        .filter(|c| asked.is_none_or(|a| a == c.as_str()))
        .map(|coin| {
            json!({
                "name": coin,
                "coin": coin,
                "remainAmount": "1000000",
                "chains": [{
                    "chainType": coin,
                    "confirmation": "1",
                    "withdrawFee": "0",
                    "depositMin": "0",
                    "withdrawMin": "0",
                    "chain": coin,
                    "chainDeposit": "1",
                    "chainWithdraw": "1",
                    "minAccuracy": "8",
                    "withdrawPercentageFee": "0",
                    "contractAddress": "",
                    "safeConfirmNumber": "1",
                }],
            })
        })
        .collect();
    ok(json!({ "rows": rows }))
}
