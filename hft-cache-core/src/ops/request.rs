//! What a `/halt` or `/resume` request asks for: its JSON body (`{scope, by, why}`,
//! `{scope, by, acknowledge}`) or, for `/halt`, plain text; and who asks (`by`, else the
//! `X-HFT-Operator` header).
//!
//! The two routes read the same bytes differently on purpose. A halt never fails to parse: a
//! body it cannot read as asked, or one that names no operator, halts everything (the safe
//! outcome, never a narrower one). A resume loosens the gate, so anything unclear refuses it.

use serde::Deserialize;

use crate::gate::HaltScope;

use super::{MAX_OPERATOR_CHARS, MAX_REASON_CHARS};

/// A scope as the ops endpoint spells it: `"all"`, `{"venue":"binance"}`,
/// `{"symbol":"BTCUSDT"}` or `{"strategy":"mm1"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum WireScope {
    All,
    Venue(String),
    Symbol(String),
    Strategy(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HaltBody {
    #[serde(default)]
    scope: Option<WireScope>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    why: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResumeBody {
    #[serde(default)]
    scope: Option<WireScope>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    acknowledge: Vec<String>,
}

/// An authorized `/halt`, as read: it always halts something.
#[derive(Debug, PartialEq)]
pub(super) struct HaltRequest {
    /// What to halt: the body's scope, or everything.
    pub(super) scope: HaltScope,
    /// Who asked, if anyone was named.
    pub(super) operator: Option<String>,
    /// The reason given (the `why`, or the plain-text body), lossily decoded and cut.
    pub(super) why: String,
    /// Why the halt is wider than the body asked, if it is.
    pub(super) widened: Option<Widened>,
}

/// Why a halt covers everything although its body said otherwise (or could not be read).
#[derive(Debug, PartialEq)]
pub(super) enum Widened {
    /// The body looked like JSON and was not a halt request; the parser's complaint.
    Malformed(String),
    /// A scoped halt named no operator: the requested scope.
    NoOperator(HaltScope),
}

/// An authorized `/resume`, as read.
#[derive(Debug, PartialEq)]
pub(super) struct ResumeRequest {
    pub(super) scope: HaltScope,
    pub(super) operator: String,
    pub(super) acknowledge: Vec<String>,
}

/// Why a `/resume` was refused before it reached the switch (answered 400).
#[derive(Debug, PartialEq, thiserror::Error)]
pub(super) enum BadResume {
    /// Nobody was named.
    #[error(
        "resume refused: name the operator in the body's `by` or in the X-HFT-Operator header"
    )]
    NoOperator {
        /// The scope the body asked to lift (everything if it said none).
        scope: HaltScope,
    },
    /// The body is not a resume request.
    #[error("resume refused: the body is not a resume request ({0}); send JSON such as {{\"scope\":\"all\",\"by\":\"alice\",\"acknowledge\":[]}} or no body")]
    Malformed(String),
}

/// Reads an authorized `/halt`: JSON when the content type says so or the body starts with `{`,
/// plain text otherwise. Never fails.
pub(super) fn halt(raw: &[u8], json_type: bool, header_operator: Option<&[u8]>) -> HaltRequest {
    let header = header_operator.and_then(operator_of_bytes);
    if !looks_json(raw, json_type) {
        return widen_unnamed(HaltRequest {
            scope: HaltScope::All,
            operator: header,
            why: reason_of(raw),
            widened: None,
        });
    }
    let parsed = serde_json::from_slice::<HaltBody>(raw)
        .map_err(|e| e.to_string())
        .and_then(|body| Ok((scope_of(body.scope)?, body.by, body.why)));
    let request = match parsed {
        Ok((scope, by, why)) => HaltRequest {
            scope,
            operator: by.as_deref().and_then(operator_of).or(header),
            why: why
                .as_deref()
                .map(|w| reason_of(w.as_bytes()))
                .unwrap_or_default(),
            widened: None,
        },
        // Whatever was said is kept as the reason: the words may be all there is.
        Err(error) => HaltRequest {
            scope: HaltScope::All,
            operator: header,
            why: reason_of(raw),
            widened: Some(Widened::Malformed(error)),
        },
    };
    widen_unnamed(request)
}

/// Reads an authorized `/resume`: no body, or a JSON one.
pub(super) fn resume(
    raw: &[u8],
    json_type: bool,
    header_operator: Option<&[u8]>,
) -> Result<ResumeRequest, BadResume> {
    let header = header_operator.and_then(operator_of_bytes);
    let body = if raw.trim_ascii().is_empty() {
        ResumeBody {
            scope: None,
            by: None,
            acknowledge: Vec::new(),
        }
    } else if looks_json(raw, json_type) {
        serde_json::from_slice::<ResumeBody>(raw)
            .map_err(|e| BadResume::Malformed(e.to_string()))?
    } else {
        return Err(BadResume::Malformed("it is not JSON".to_owned()));
    };
    let scope = scope_of(body.scope).map_err(BadResume::Malformed)?;
    let Some(operator) = body.by.as_deref().and_then(operator_of).or(header) else {
        return Err(BadResume::NoOperator { scope });
    };
    let acknowledge = body
        .acknowledge
        .iter()
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .collect();
    Ok(ResumeRequest {
        scope,
        operator,
        acknowledge,
    })
}

/// A scoped halt with nobody named halts everything: narrowing a halt is for someone who
/// answers for it.
fn widen_unnamed(mut request: HaltRequest) -> HaltRequest {
    if request.operator.is_none() && !request.scope.is_all() {
        let asked = std::mem::take(&mut request.scope);
        request.widened = Some(Widened::NoOperator(asked));
    }
    request
}

fn looks_json(raw: &[u8], json_type: bool) -> bool {
    json_type || raw.trim_ascii_start().starts_with(b"{")
}

fn scope_of(scope: Option<WireScope>) -> Result<HaltScope, String> {
    let named = |what: &str, name: String| {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().any(char::is_control) {
            Err(format!(
                "the scope's {what} is empty or has control characters"
            ))
        } else {
            Ok(name)
        }
    };
    Ok(match scope {
        None | Some(WireScope::All) => HaltScope::All,
        Some(WireScope::Venue(v)) => HaltScope::venue(named("venue", v)?),
        Some(WireScope::Symbol(s)) => HaltScope::symbol(named("symbol", s)?),
        Some(WireScope::Strategy(p)) => HaltScope::strategy(named("strategy", p)?),
    })
}

/// A scope in the endpoint's own spelling, for its answers.
pub(super) fn wire(scope: &HaltScope) -> serde_json::Value {
    match scope {
        HaltScope::Venue { venue } => serde_json::json!({ "venue": venue }),
        HaltScope::Symbol { symbol } => serde_json::json!({ "symbol": symbol }),
        HaltScope::Strategy { prefix } => serde_json::json!({ "strategy": prefix }),
        _ => serde_json::json!("all"),
    }
}

/// An operator's name: trimmed, without control characters, at most
/// [`MAX_OPERATOR_CHARS`]; `None` if nothing is left.
fn operator_of(name: &str) -> Option<String> {
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_OPERATOR_CHARS)
        .collect();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

pub(super) fn operator_of_bytes(raw: &[u8]) -> Option<String> {
    operator_of(&String::from_utf8_lossy(raw))
}

/// A reason, not a document: logs and reports carry it, so any bytes decode (lossily) and it
/// is cut to [`MAX_REASON_CHARS`].
pub(super) fn reason_of(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .trim()
        .chars()
        .take(MAX_REASON_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_halts_everything_with_the_text_as_reason() {
        let r = halt(b"  risk desk \n", false, Some(b"alice"));
        assert_eq!(
            r,
            HaltRequest {
                scope: HaltScope::All,
                operator: Some("alice".into()),
                why: "risk desk".into(),
                widened: None
            }
        );
        assert_eq!(halt(b"", false, None).scope, HaltScope::All);
    }

    #[test]
    fn json_scopes_in_the_endpoint_s_spelling() {
        for (body, scope) in [
            (r#"{"scope":"all","by":"a"}"#, HaltScope::All),
            (
                r#"{"scope":{"venue":"binance"},"by":"a"}"#,
                HaltScope::venue("binance"),
            ),
            (
                r#"{"scope":{"symbol":"BTCUSDT"},"by":"a"}"#,
                HaltScope::symbol("BTCUSDT"),
            ),
            (
                r#"{"scope":{"strategy":"mm1"},"by":"a","why":"quotes wrong"}"#,
                HaltScope::strategy("mm1"),
            ),
            (r#"{"by":"a"}"#, HaltScope::All),
        ] {
            let r = halt(body.as_bytes(), false, None);
            assert_eq!(r.scope, scope, "{body}");
            assert_eq!(r.operator.as_deref(), Some("a"));
            assert_eq!(r.widened, None);
        }
    }

    #[test]
    fn the_body_s_operator_wins_over_the_header_and_names_are_cleaned() {
        let r = halt(br#"{"by":" bob\u0007 "}"#, true, Some(b"alice"));
        assert_eq!(r.operator.as_deref(), Some("bob"));
        let r = halt(br#"{"by":"   "}"#, true, Some(b"alice"));
        assert_eq!(r.operator.as_deref(), Some("alice"));
        let long = "x".repeat(5000);
        let r = halt(b"stop", false, Some(long.as_bytes()));
        assert_eq!(r.operator.unwrap().len(), MAX_OPERATOR_CHARS);
        let r = halt(b"stop", false, Some(b"\xff\xfe"));
        assert_eq!(r.operator.as_deref(), Some("\u{fffd}\u{fffd}"));
    }

    #[test]
    fn anything_unclear_in_a_halt_halts_everything() {
        for body in [
            &br#"{"scope":{"symbol":"BTCUSDT"}"#[..],
            br#"{"scope":{"planet":"mars"},"by":"a"}"#,
            br#"{"scope":{"symbol":""},"by":"a"}"#,
            br#"{"scop":"all","by":"a"}"#,
            b"{\xff\xfe}",
        ] {
            let r = halt(body, false, None);
            assert_eq!(r.scope, HaltScope::All, "{body:?}");
            assert!(matches!(r.widened, Some(Widened::Malformed(_))), "{r:?}");
            assert_eq!(r.why, reason_of(body));
        }
        let r = halt(
            br#"{"scope":{"symbol":"ETHUSDT"},"why":"eth"}"#,
            false,
            None,
        );
        assert_eq!(r.scope, HaltScope::All);
        assert_eq!(
            r.widened,
            Some(Widened::NoOperator(HaltScope::symbol("ETHUSDT")))
        );
        assert_eq!(r.why, "eth");
    }

    #[test]
    fn a_resume_needs_an_operator_and_a_readable_body() {
        assert_eq!(
            resume(b"", false, None),
            Err(BadResume::NoOperator {
                scope: HaltScope::All
            })
        );
        assert_eq!(
            resume(br#"{"scope":{"venue":"bybit"}}"#, false, None),
            Err(BadResume::NoOperator {
                scope: HaltScope::venue("bybit")
            })
        );
        assert!(matches!(
            resume(b"risk desk", false, Some(b"alice")),
            Err(BadResume::Malformed(_))
        ));
        assert!(matches!(
            resume(br#"{"by":"a","acknowledged":["1"]}"#, false, None),
            Err(BadResume::Malformed(_))
        ));
        assert_eq!(
            resume(b"", false, Some(b"alice")),
            Ok(ResumeRequest {
                scope: HaltScope::All,
                operator: "alice".into(),
                acknowledge: Vec::new()
            })
        );
        assert_eq!(
            resume(
                br#"{"scope":{"symbol":"BTCUSDT"},"by":"bob","acknowledge":["12"," binance ",""]}"#,
                false,
                Some(b"alice")
            ),
            Ok(ResumeRequest {
                scope: HaltScope::symbol("BTCUSDT"),
                operator: "bob".into(),
                acknowledge: vec!["12".into(), "binance".into()]
            })
        );
    }

    #[test]
    fn scopes_answer_in_the_spelling_they_were_asked_in() {
        assert_eq!(wire(&HaltScope::All), serde_json::json!("all"));
        assert_eq!(
            wire(&HaltScope::strategy("mm1")),
            serde_json::json!({"strategy": "mm1"})
        );
    }
}
