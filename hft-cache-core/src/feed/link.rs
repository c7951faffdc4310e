//! What every WebSocket feed does with a link: open it, answer pings, spot the venue's control
//! messages.

use std::time::Duration;

use futures_util::SinkExt;
use serde::Deserialize;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::Connector;

use crate::stream_cache::FeedFault;
use crate::tls::TrustRoots;

/// Opens `url` within `within`, refusing messages over `max_message_bytes`; a `wss://` link
/// verifies the server against `roots` (rustls, the same roots policy as the REST clients).
pub(crate) async fn connect(
    url: &str,
    within: Duration,
    max_message_bytes: usize,
    roots: &TrustRoots,
    feed: &str,
) -> Result<
    impl futures_util::Stream<Item = Result<Message, WsError>> + futures_util::Sink<Message> + Unpin,
    FeedFault,
> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes));
    let tls = roots.stream_config().map_err(|e| {
        tracing::warn!(feed, error = %e, "stream TLS set-up failed");
        FeedFault::Other(format!("TLS set-up failed: {e}"))
    })?;
    // A `ws://` URL stays plain; the connector is used only for `wss://`.
    let open = tokio_tungstenite::connect_async_tls_with_config(
        url,
        Some(config),
        false,
        Some(Connector::Rustls(tls)),
    );
    match timeout(within, open).await {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(e)) => {
            tracing::warn!(feed, error = %e, "stream connect failed");
            // A refused certificate is not a link that dropped: say so, for the health report.
            Err(match tls_refusal(&e) {
                Some(why) => FeedFault::Other(format!("TLS handshake refused: {why}")),
                None => FeedFault::Disconnected,
            })
        }
        Err(_) => {
            tracing::warn!(feed, ?within, "stream connect timed out");
            Err(FeedFault::Disconnected)
        }
    }
}

/// The TLS reason a connect failed, if it was TLS: rustls reports a refused certificate as an
/// I/O error wrapping its own.
fn tls_refusal(e: &WsError) -> Option<String> {
    match e {
        WsError::Tls(tls) => Some(tls.to_string()),
        WsError::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map(ToString::to_string),
        _ => None,
    }
}

/// A received frame, after the link's own business is done.
pub(crate) enum Frame {
    /// A text frame for the feed to decode.
    Text(Utf8Bytes),
    /// Nothing for the feed (a ping answered, a pong).
    Skip,
    /// The link is over.
    End(FeedFault),
    /// A frame the feed cannot use.
    Invalid(String),
}

/// Sends `message` within `within`; a send that does not finish in time (a peer that does not
/// read, so the socket's buffers stay full) is a dead link.
pub(crate) async fn send<S>(
    sink: &mut S,
    message: Message,
    within: Duration,
) -> Result<(), FeedFault>
where
    S: futures_util::Sink<Message> + Unpin,
{
    match timeout(within, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(FeedFault::Disconnected),
        Err(_) => Err(stuck_write(within)),
    }
}

/// The fault of a send that did not finish.
pub(crate) fn stuck_write(within: Duration) -> FeedFault {
    FeedFault::Other(format!(
        "stuck write: a send did not finish within {within:?} (the peer is not reading)"
    ))
}

/// Sorts one received message; answers a ping with its payload, as Binance requires, within
/// `send_timeout`.
pub(crate) async fn frame<S>(
    received: Option<Result<Message, WsError>>,
    sink: &mut S,
    feed: &str,
    send_timeout: Duration,
) -> Frame
where
    S: futures_util::Sink<Message> + Unpin,
{
    match received {
        None => Frame::End(FeedFault::Disconnected),
        Some(Err(WsError::Capacity(e))) => {
            tracing::warn!(feed, error = %e, "stream frame over the size cap");
            Frame::End(FeedFault::InvalidData(format!("frame refused: {e}")))
        }
        Some(Err(e)) => {
            tracing::warn!(feed, error = %e, "stream failed");
            Frame::End(FeedFault::Disconnected)
        }
        Some(Ok(Message::Text(text))) => Frame::Text(text),
        Some(Ok(Message::Ping(payload))) => {
            match send(sink, Message::Pong(payload), send_timeout).await {
                Ok(()) => Frame::Skip,
                Err(fault) => Frame::End(fault),
            }
        }
        Some(Ok(Message::Pong(_) | Message::Frame(_))) => Frame::Skip,
        Some(Ok(Message::Close(_))) => Frame::End(FeedFault::Disconnected),
        Some(Ok(Message::Binary(_))) => Frame::Invalid("unexpected binary frame".into()),
    }
}

/// Sends the venue's heartbeat text, or else a WebSocket ping, within `within`.
pub(crate) async fn ping<S>(
    sink: &mut S,
    heartbeat: Option<&str>,
    within: Duration,
) -> Result<(), FeedFault>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let message = match heartbeat {
        Some(text) => Message::Text(text.into()),
        None => Message::Ping(Vec::new().into()),
    };
    send(sink, message, within).await
}

/// A venue message that is not data.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Control {
    /// The server is about to close the link: open a new one (Binance's `serverShutdown`).
    Shutdown,
    /// A reply to a request we sent (`{"result":…,"id":…}`) or another message to skip.
    Reply,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "e", borrow)]
    event: &'a str,
}

#[derive(Deserialize)]
struct Reply {
    #[allow(dead_code)]
    id: serde_json::Value,
}

#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    data: Event<'a>,
}

/// Recognises Binance's control messages, raw or in a combined stream's wrapper. Only called
/// on frames that did not decode as data, so data frames pay nothing for it.
pub(crate) fn control(text: &str) -> Option<Control> {
    let event = serde_json::from_str::<Event>(text)
        .map(|e| e.event)
        .or_else(|_| serde_json::from_str::<Wrapped>(text).map(|w| w.data.event));
    match event {
        Ok("serverShutdown") => Some(Control::Shutdown),
        _ if serde_json::from_str::<Reply>(text).is_ok() => Some(Control::Reply),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_binance_control_messages() {
        let raw = r#"{"e": "serverShutdown", "E": 1770123456789}"#;
        let combined =
            r#"{"stream": "!serverShutdown", "data": {"e": "serverShutdown", "E": 1770123456789}}"#;
        assert_eq!(control(raw), Some(Control::Shutdown));
        assert_eq!(control(combined), Some(Control::Shutdown));
        assert_eq!(
            control(r#"{"result": null, "id": 1}"#),
            Some(Control::Reply)
        );
        assert_eq!(control(r#"{"e":"depthUpdate","E":1,"s":"#), None);
        assert_eq!(control(r#"{"e":"trade"}"#), None);
    }
}
