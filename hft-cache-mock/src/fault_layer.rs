//! The REST fault middleware: takes the next queued [`RestFault`] and answers with it.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api_error::ApiError;
use super::faults::RestFault;
use super::state::AppState;

/// The largest body the truncation fault reads back to cut (mock bodies are far smaller).
const MAX_MOCK_BODY: usize = 16 << 20;

pub(crate) async fn inject(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match state.faults.inner.next_rest_fault() {
        Some(fault) => answer(fault, request, next).await,
        None => next.run(request).await,
    }
}

/// `response` with only the first half of its body: a JSON value cut short. Shared by every
/// venue of the mock.
pub(crate) async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_MOCK_BODY).await.unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
}

/// Answers `request` as `fault` says; shared by every Binance-style venue of the mock.
pub(crate) async fn answer(fault: RestFault, request: Request, next: Next) -> Response {
    tracing::debug!(?fault, path = %request.uri().path(), "mock REST fault");
    match fault {
        RestFault::Status(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let text = status.canonical_reason().unwrap_or("error");
            (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
        }
        RestFault::Error { status, code, msg } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            ApiError::new(status, code, msg).into_response()
        }
        RestFault::Delay(delay) => {
            let response = next.run(request).await;
            tokio::time::sleep(delay).await;
            response
        }
        RestFault::Truncated => truncated(next.run(request).await).await,
        RestFault::Malformed => {
            let (mut parts, _) = next.run(request).await.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from("<html><body>not json</body></html>"))
        }
        RestFault::WrongShape => {
            let (mut parts, _) = next.run(request).await.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(r#"{"unexpected":true}"#))
        }
    }
}
