//! Binance's error answers: `{"code":-1121,"msg":"Invalid symbol."}` with Binance's HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answer in Binance's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: i64,
    pub(crate) msg: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: i64, msg: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            msg: msg.into(),
        }
    }

    /// -1100: a parameter has characters or a value it may not have.
    pub(crate) fn illegal_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1100,
            format!("Illegal characters found in parameter '{name}'; legal range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'."),
        )
    }

    /// -1111: a number has more decimals than the asset allows.
    pub(crate) fn too_much_precision(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1111,
            format!("Parameter '{name}' has too much precision."),
        )
    }

    /// -1101: the same parameter was sent twice.
    pub(crate) fn duplicate_param() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1101,
            "Duplicate values for a parameter detected.",
        )
    }

    /// -1102: a mandatory parameter is missing.
    pub(crate) fn missing_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1102,
            format!("Mandatory parameter '{name}' was not sent, was empty/null, or malformed."),
        )
    }

    /// -1121: no such symbol.
    pub(crate) fn invalid_symbol() -> Self {
        Self::new(StatusCode::BAD_REQUEST, -1121, "Invalid symbol.")
    }

    /// -1013: an order broke one of the symbol's filters.
    pub(crate) fn filter_failure(filter: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            -1013,
            format!("Filter failure: {filter}"),
        )
    }

    /// -2010: the order was rejected (insufficient balance, market closed, ...).
    pub(crate) fn order_rejected(msg: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, -2010, msg)
    }

    pub(crate) fn body(&self) -> String {
        serde_json::json!({ "code": self.code, "msg": self.msg }).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        (
            self.status,
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json;charset=UTF-8",
            )],
            body,
        )
            .into_response()
    }
}
