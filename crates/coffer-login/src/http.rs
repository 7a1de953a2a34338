//! The HTTP client every connector and the token exchange share, and how its answers are read.

use std::time::Duration;

use crate::LoginError;

/// The largest answer a bank API call may carry. A year of a busy account is a few megabytes
/// of JSON; anything near this is a bank gone wrong, and reading it all would only fill memory.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
/// The largest token response: a few kilobytes in practice.
pub const MAX_TOKEN_BODY: usize = 64 * 1024;

/// The longest a whole answer may take, in seconds.
pub const ANSWER_TIMEOUT_SECS: u64 = 60;

/// [`ANSWER_TIMEOUT_SECS`], or less when `COFFER_HTTP_TIMEOUT_SECS` asks for less (1–60): the
/// hostile-bank tests stall a sandbox and need Coffer to give up in seconds, not minutes. The
/// variable can only shorten the timeout, never lift it.
pub fn answer_timeout() -> Duration {
    let secs = std::env::var("COFFER_HTTP_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(ANSWER_TIMEOUT_SECS, |s| s.clamp(1, ANSWER_TIMEOUT_SECS));
    Duration::from_secs(secs)
}

/// A client that never follows redirects (token endpoints must not bounce requests elsewhere,
/// oauth2 crate docs on SSRF), with explicit timeouts so a dead or stalling bank cannot hang a
/// sync: 10 s to connect, 60 s for a whole answer (a stream that never ends is cut there).
pub fn client() -> Result<reqwest::Client, LoginError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(answer_timeout())
        .user_agent(concat!("Coffer/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| LoginError::Settings {
            detail: format!("cannot build the HTTP client: {e}"),
        })
}

/// Why an answer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the answer is larger than {limit} bytes, so it was not read")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Transport(#[from] reqwest::Error),
}

impl BodyError {
    /// Past the size cap or the answer timeout: asking again would only cost as much again
    /// (another 32 MiB, another timeout), so callers do not retry it.
    pub fn is_cap_or_timeout(&self) -> bool {
        match self {
            BodyError::TooLarge { .. } => true,
            BodyError::Transport(e) => e.is_timeout(),
        }
    }
}

/// Reads an answer's body, refusing it as soon as it passes `limit` bytes (by its announced
/// length or as it streams in), so no bank can make Coffer hold an endless or huge body.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// [`read_capped`] as text (lossy UTF-8: a bad byte is reported by the JSON parser, not here).
pub async fn read_text_capped(
    response: reqwest::Response,
    limit: usize,
) -> Result<String, BodyError> {
    let bytes = read_capped(response, limit).await?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Limits on a local server: how long a client may take to send its request headers, how
/// long one connection may live, and how many may be open at once. A loopback port is
/// reachable by every local program; none of them may hold Coffer's servers open.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    pub header_timeout: Duration,
    pub connection_lifetime: Duration,
    pub max_connections: usize,
}

impl ServerLimits {
    /// The login listener: one browser, a few requests.
    pub const LOGIN: ServerLimits = ServerLimits {
        header_timeout: Duration::from_secs(10),
        connection_lifetime: Duration::from_secs(30),
        max_connections: 16,
    };
    /// `coffer serve`: a browser tab and some spreadsheets; an export may take a while.
    pub const LOCAL_API: ServerLimits = ServerLimits {
        header_timeout: Duration::from_secs(10),
        connection_lifetime: Duration::from_secs(600),
        max_connections: 64,
    };
}

/// Serves `app` on `listener` until `shutdown` resolves, with [`ServerLimits`]: a connection
/// beyond the cap is closed at once, a client slow to send its headers is cut off, and no
/// connection outlives its lifetime.
pub async fn serve_bounded(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: ServerLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    // Open connections close (after their current request) when the server stops, so a
    // kept-alive connection cannot reach a login that has ended.
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let Ok(slot) = std::sync::Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!("a local server refused a connection: too many open");
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(io, service);
            let served = async {
                let mut connection = std::pin::pin!(connection);
                tokio::select! {
                    _ = connection.as_mut() => {}
                    () = async { drop(stop.wait_for(|stopped| *stopped).await) } => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
            };
            if tokio::time::timeout(limits.connection_lifetime, served)
                .await
                .is_err()
            {
                tracing::debug!("a local connection outlived its lifetime and was closed");
            }
            drop(slot);
        });
    }
    let _ = stopping.send(true);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn server(limits: ServerLimits) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = axum::Router::new().fallback(|| async { "ok" });
        tokio::spawn(serve_bounded(listener, app, limits, std::future::pending()));
        address
    }

    /// Reads until the server closes the connection; the outer timeout only guards the test.
    async fn closed(stream: &mut tokio::net::TcpStream) -> bool {
        let mut buf = [0u8; 256];
        matches!(
            tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_cut_off() {
        let address = server(ServerLimits {
            header_timeout: Duration::from_millis(100),
            ..ServerLimits::LOGIN
        })
        .await;
        let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        assert!(
            closed(&mut slow).await,
            "the server must close a stalled request"
        );
    }

    #[tokio::test]
    async fn connections_beyond_the_cap_are_closed_and_the_rest_served() {
        let address = server(ServerLimits {
            max_connections: 2,
            ..ServerLimits::LOGIN
        })
        .await;
        let _a = tokio::net::TcpStream::connect(address).await.unwrap();
        let _b = tokio::net::TcpStream::connect(address).await.unwrap();
        // Connections are accepted in arrival order, so the first two hold both slots.
        let mut third = tokio::net::TcpStream::connect(address).await.unwrap();
        third
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .ok();
        assert!(closed(&mut third).await, "a third connection is refused");
        drop(_a);
        drop(_b);
    }
}
