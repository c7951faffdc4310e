//! The key of a scope in the halts bucket: `all`, `venue.<v>`, `symbol.<s>`, `strategy.<prefix>`.

use super::error::FleetError;
use crate::gate::HaltScope;

/// The longest name, venue, symbol or strategy prefix the fleet takes.
const MAX_NAME: usize = 64;

/// Whether `value` can stand as one token of a NATS subject and of a KV key: letters, digits,
/// `-`, `_`, `=` (no dots, no wildcards, no spaces).
pub(super) fn check_token(what: &'static str, value: &str) -> Result<(), FleetError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_NAME
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='));
    if ok {
        Ok(())
    } else {
        Err(FleetError::InvalidName {
            what,
            value: value.to_owned(),
        })
    }
}

/// The halts bucket's key for `scope`.
///
/// # Errors
///
/// [`FleetError::InvalidName`] if the scope's name cannot be a key token.
pub(super) fn scope_key(scope: &HaltScope) -> Result<String, FleetError> {
    Ok(match scope {
        HaltScope::Venue { venue } => {
            check_token("venue", venue)?;
            format!("venue.{venue}")
        }
        HaltScope::Symbol { symbol } => {
            check_token("symbol", symbol)?;
            format!("symbol.{symbol}")
        }
        HaltScope::Strategy { prefix } => {
            check_token("strategy prefix", prefix)?;
            format!("strategy.{prefix}")
        }
        // `HaltScope` is non-exhaustive: a scope this version does not know halts everything.
        _ => "all".to_owned(),
    })
}

/// The scope a halts bucket key names; `None` for a key this version does not know.
pub(super) fn parse_scope_key(key: &str) -> Option<HaltScope> {
    if key == "all" {
        return Some(HaltScope::All);
    }
    let (kind, name) = key.split_once('.')?;
    check_token("scope", name).ok()?;
    match kind {
        "venue" => Some(HaltScope::venue(name)),
        "symbol" => Some(HaltScope::symbol(name)),
        "strategy" => Some(HaltScope::strategy(name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for scope in [
            HaltScope::All,
            HaltScope::venue("binance"),
            HaltScope::symbol("BTCUSDT"),
            HaltScope::strategy("mm-"),
        ] {
            let key = scope_key(&scope).unwrap();
            assert_eq!(parse_scope_key(&key), Some(scope));
        }
    }

    #[test]
    fn names_that_are_not_tokens_are_refused() {
        for bad in ["", "a.b", "a b", "*", ">", &"x".repeat(65)] {
            assert!(matches!(
                scope_key(&HaltScope::symbol(bad)),
                Err(FleetError::InvalidName { .. })
            ));
        }
        assert_eq!(parse_scope_key("desk.fx"), None);
        assert_eq!(parse_scope_key("symbol.a.b"), None);
    }
}
