//! The pieces of the control contract (see the crate docs) that every sandbox shares: the request
//! log and its recording middleware, and the `/_sandbox/clock`, `/_sandbox/advance`,
//! `/_sandbox/oracle/*` and `/_sandbox/requests` routes over a [`ContractBank`].
//!
//! Each sandbox keeps its own fault routes: fault kinds differ per bank.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::clock::{ClockCommand, ClockReading, SandboxClock};
use crate::oracle::{OracleAccount, OracleRow, RecordedRequest};

/// Request bodies larger than this are refused with 413 before any handler runs (axum's own
/// default limit, made explicit because the recorder reads the body first).
const MAX_BODY: usize = 2 * 1024 * 1024;

/// How much of a body the log keeps.
const LOGGED_BODY: usize = 64 * 1024;

/// Longest `advance` one call may ask for: ten years. More is certainly a typo, and a ledger
/// that generates rows for each day should not be asked to spin for minutes.
pub(crate) const MAX_ADVANCE_DAYS: u32 = 3660;

/// Every API request a sandbox received, in completion order.
#[derive(Debug, Clone)]
pub(crate) struct RequestLog {
    entries: Arc<Mutex<Vec<RecordedRequest>>>,
    clock: SandboxClock,
}

impl RequestLog {
    pub(crate) fn new(clock: SandboxClock) -> Self {
        Self {
            entries: Arc::new(Mutex::new(Vec::new())),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// Middleware: records every request outside `/_sandbox` (the bank's own surface, OAuth and
/// hosted pages included) with the status it was answered with.
pub(crate) async fn record(
    State(log): State<RequestLog>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/_sandbox") {
        return next.run(request).await;
    }
    let at = log.clock.now();
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n").into_response()
        }
    };
    let method = parts.method.to_string();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let logged = String::from_utf8_lossy(bytes.get(..LOGGED_BODY).unwrap_or(&bytes)).into_owned();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let mut entries = log.lock();
    let seq = u64::try_from(entries.len())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    entries.push(RecordedRequest {
        seq,
        at,
        method,
        target,
        headers,
        body: logged,
        status: response.status().as_u16(),
    });
    response
}

/// What a sandbox's shared state offers the contract routes.
pub(crate) trait ContractBank: Send + Sync + 'static {
    fn clock(&self) -> &SandboxClock;
    fn request_log(&self) -> &RequestLog;
    /// The bank lives `days` more days and the clock moves with it.
    fn advance_days(&self, days: u32);
    fn oracle_ledger(&self) -> Vec<OracleRow>;
    fn oracle_accounts(&self) -> Vec<OracleAccount>;
}

/// `{"days": N}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdvanceBody {
    pub days: u32,
}

fn refuse(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

pub(crate) fn routes<B: ContractBank>() -> Router<Arc<B>> {
    Router::new()
        .route(
            "/_sandbox/clock",
            get(read_clock::<B>).post(move_clock::<B>),
        )
        .route("/_sandbox/advance", post(advance::<B>))
        .route("/_sandbox/oracle/ledger", get(oracle_ledger::<B>))
        .route("/_sandbox/oracle/accounts", get(oracle_accounts::<B>))
        .route(
            "/_sandbox/requests",
            get(requests::<B>).delete(clear_requests::<B>),
        )
}

async fn read_clock<B: ContractBank>(State(bank): State<Arc<B>>) -> Json<ClockReading> {
    Json(ClockReading {
        now: bank.clock().now(),
    })
}

async fn move_clock<B: ContractBank>(State(bank): State<Arc<B>>, body: Bytes) -> Response {
    match serde_json::from_slice::<ClockCommand>(&body) {
        Ok(command) => Json(ClockReading {
            now: bank.clock().apply(&command),
        })
        .into_response(),
        Err(e) => refuse(format!(
            "expected {{\"set\":…}}, {{\"advance_secs\":…}} or {{\"advance_days\":…}}: {e}\n"
        )),
    }
}

async fn advance<B: ContractBank>(State(bank): State<Arc<B>>, body: Bytes) -> Response {
    match serde_json::from_slice::<AdvanceBody>(&body) {
        Ok(AdvanceBody { days }) if days <= MAX_ADVANCE_DAYS => {
            bank.advance_days(days);
            Json(ClockReading {
                now: bank.clock().now(),
            })
            .into_response()
        }
        Ok(_) => refuse(format!("days must be at most {MAX_ADVANCE_DAYS}\n")),
        Err(e) => refuse(format!("expected {{\"days\": N}} with N ≥ 0: {e}\n")),
    }
}

async fn oracle_ledger<B: ContractBank>(State(bank): State<Arc<B>>) -> Json<Vec<OracleRow>> {
    Json(bank.oracle_ledger())
}

async fn oracle_accounts<B: ContractBank>(State(bank): State<Arc<B>>) -> Json<Vec<OracleAccount>> {
    Json(bank.oracle_accounts())
}

async fn requests<B: ContractBank>(State(bank): State<Arc<B>>) -> Json<Vec<RecordedRequest>> {
    Json(bank.request_log().snapshot())
}

async fn clear_requests<B: ContractBank>(State(bank): State<Arc<B>>) -> StatusCode {
    bank.request_log().clear();
    StatusCode::NO_CONTENT
}

/// `std` duration → chrono duration for clock arithmetic; absurdly long values saturate at
/// about a century so that deadlines never overflow.
pub(crate) fn chrono_duration(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d)
        .unwrap_or_else(|_| chrono::Duration::days(36_500))
        .min(chrono::Duration::days(36_500))
}

/// A sandbox server running on its own task: stop it with [`Server::shutdown`], and wait with
/// [`Server::stopped`] until its listener is closed (tests prove shutdown without sleeping).
#[derive(Debug)]
pub(crate) struct Server {
    stop: tokio::sync::watch::Sender<bool>,
    finished: tokio::sync::watch::Receiver<bool>,
}

impl Server {
    pub(crate) fn spawn(
        listener: tokio::net::TcpListener,
        app: Router,
        name: &'static str,
    ) -> Self {
        let (stop, mut stop_rx) = tokio::sync::watch::channel(false);
        let (finished_tx, finished) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let stopping = async move {
                // An error means every sender is gone; the sender lives in the shared state,
                // which lives as long as the server, so that only happens when stopping anyway.
                let _ = stop_rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopping)
                .await
            {
                tracing::error!("{name} sandbox stopped with an error: {e}");
            }
            finished_tx.send_replace(true);
        });
        Self { stop, finished }
    }

    pub(crate) fn shutdown(&self) {
        self.stop.send_replace(true);
    }

    pub(crate) async fn stopped(&self) {
        let mut finished = self.finished.clone();
        let _ = finished.wait_for(|done| *done).await;
    }
}
