//! What every sandbox's opt-in hostile faults share: bodies too large to hold (served a chunk at
//! a time, so the sandbox never holds one whole), an HTML page where JSON was due, a stall, and
//! the absurd values a hostile bank puts in a row.
//!
//! Each bank's docs are silent on all of this (no bank documents misbehaving), so each fault is
//! the harsher plausible behaviour: a stall holds the request open with no bytes at all (not even
//! headers), a huge body is *valid* JSON padded with whitespace (a client that only checks syntax
//! reads all of it), an endless body opens a valid document and never closes it, the HTML page
//! comes with status 200 and `Content-Type: text/html` (a gateway's error page passed through),
//! and the absurd values are syntactically what the bank's format allows.

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An amount whose minor units are just below `i64::MAX` (92233720368547758.07).
pub(crate) const NEAR_I64_MAX: &str = "92233720368547758.07";

/// A hostile body: `head`, then whitespace up to `total` bytes (announced) or for ever, then
/// `tail`. Served as fast as the client reads it, one 64 KiB chunk at a time, so the sandbox
/// holds no more than a chunk however large the body.
pub(crate) struct Flood {
    head: Option<Bytes>,
    /// Whitespace still to send; `None` = endless.
    left: Option<u64>,
    tail: Option<Bytes>,
    announced: Option<u64>,
}

const FLOOD_CHUNK: usize = 64 * 1024;

impl Flood {
    /// `head` (the opening of a valid document), then whitespace for ever.
    pub(crate) fn endless(head: &'static [u8]) -> Flood {
        Flood {
            head: Some(Bytes::from_static(head)),
            left: None,
            tail: None,
            announced: None,
        }
    }

    /// Valid JSON of exactly `total` bytes (at least the body's own length): `body` with
    /// whitespace before its closing brace.
    pub(crate) fn padded(body: &str, total: u64) -> Flood {
        let open = body.strip_suffix('}').unwrap_or(body).to_owned();
        Flood::sized(open, total)
    }

    /// `head` (a body without its closing brace), whitespace, `}`: `total` bytes in all.
    pub(crate) fn sized(head: String, total: u64) -> Flood {
        Flood::sized_with(head, total, b"}")
    }

    /// `head` (a body without its closing `tail`), whitespace, `tail`: `total` bytes in all.
    pub(crate) fn sized_with(head: String, total: u64, tail: &'static [u8]) -> Flood {
        let head = Bytes::from(head);
        let tail = Bytes::from_static(tail);
        let own = (head.len() + tail.len()) as u64;
        let total = total.max(own);
        Flood {
            head: Some(head),
            left: Some(total - own),
            tail: Some(tail),
            announced: Some(total),
        }
    }
}

impl axum::body::HttpBody for Flood {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let next = if let Some(head) = this.head.take() {
            Some(head)
        } else {
            match this.left {
                Some(0) => this.tail.take(),
                Some(n) => {
                    let len = usize::try_from(n).unwrap_or(FLOOD_CHUNK).min(FLOOD_CHUNK);
                    this.left = Some(n - len as u64);
                    Some(Bytes::from(vec![b' '; len]))
                }
                None => Some(Bytes::from(vec![b' '; FLOOD_CHUNK])),
            }
        };
        std::task::Poll::Ready(next.map(|b| Ok(http_body::Frame::data(b))))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self.announced {
            Some(n) => http_body::SizeHint::with_exact(n),
            None => http_body::SizeHint::default(),
        }
    }
}

/// 200 with a hostile body, as `content_type`.
pub(crate) fn flood_response(content_type: &str, flood: Flood) -> Response {
    let mut resp = Response::new(axum::body::Body::new(flood));
    let ct =
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/json"));
    resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    resp
}

/// A gateway's error page, passed through with status 200 where the bank's JSON was due.
pub(crate) fn html_in_ok() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>\
         <h1>Bad Gateway</h1><p>The upstream server sent an invalid response.</p></body></html>",
    )
        .into_response()
}

/// Holds the request open for `secs` seconds of real time (the client's timeout is real time),
/// sending nothing. The caller must not hold a lock meanwhile.
pub(crate) async fn stall(secs: u64) {
    tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
}
