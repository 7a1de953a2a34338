//! # coffer-server
//!
//! `coffer serve`: the API layer over HTTP on the loopback interface, for the browser UI,
//! spreadsheets and scripts. Every route is a thin adapter over one `coffer_api::Coffer` method.
//!
//! Guards, because loopback alone stops nothing on a shared machine or against DNS rebinding:
//! - bound to 127.0.0.1 only;
//! - the `Host` header must name 127.0.0.1 or localhost with our port (DNS rebinding);
//! - an `Origin`, when present, must be our own (other web pages cannot drive the API);
//! - every `/api` call needs the per-launch random token (`Authorization: Bearer …` or
//!   `?token=…` for spreadsheet imports), compared in constant time;
//! - read-only unless started with `--writable`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use coffer_api::ops::Surface;
use coffer_api::Filter;
use coffer_api::{ApiError, Coffer, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// Who may call, checked on every request.
#[derive(Clone)]
pub struct Access {
    pub token: String,
    pub port: u16,
    pub writable: bool,
}

#[derive(Clone)]
struct App {
    coffer: Arc<Coffer>,
    access: Access,
}

/// A fresh random token: 32 bytes from the OS generator, hex-encoded.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct HttpError(StatusCode, ApiError);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        let status = match e.code {
            ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::StoreLocked => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        HttpError(status, e)
    }
}

fn refused(status: StatusCode, message: &str) -> Response {
    HttpError(status, ApiError::new(ErrorCode::Forbidden, message)).into_response()
}

/// The router, with every guard. `ui_dir` holds the built UI (`ui/dist`), if any.
pub fn router(coffer: Arc<Coffer>, access: Access, ui_dir: Option<PathBuf>) -> Router {
    let app = App { coffer, access };
    let api = Router::new()
        .route("/api/transactions.csv", get(transactions_csv))
        .route("/api/export_csv", post(export_csv))
        .route("/api/{command}", post(command))
        .route_layer(middleware::from_fn_with_state(app.clone(), require_token));
    let static_files: Router<App> = match ui_dir {
        Some(dir) => Router::new().fallback_service(tower_http::services::ServeDir::new(dir)),
        None => Router::new().fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "The Coffer UI is not built; run `npm --prefix ui run build`. The /api routes work.",
            )
        }),
    };
    api.merge(static_files)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            check_host_and_origin,
        ))
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
             form-action 'none'",
        ),
    );
    // The page URL carries the token; never send it on as a referrer.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn allowed_origins(port: u16) -> [String; 2] {
    [format!("127.0.0.1:{port}"), format!("localhost:{port}")]
}

async fn check_host_and_origin(State(app): State<App>, req: Request, next: Next) -> Response {
    let ours = allowed_origins(app.access.port);
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !ours.iter().any(|o| o == host) {
        return refused(
            StatusCode::FORBIDDEN,
            "requests must be addressed to 127.0.0.1 or localhost",
        );
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let ok = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|o| ours.iter().any(|x| x == o));
        if !ok {
            return refused(
                StatusCode::FORBIDDEN,
                "cross-origin requests are not allowed",
            );
        }
    }
    next.run(req).await
}

async fn require_token(State(app): State<App>, req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::to_string);
    let query = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "token")
            .map(|(_, v)| v.to_string())
    });
    let presented = bearer.or(query).unwrap_or_default();
    if !constant_time_eq(presented.as_bytes(), app.access.token.as_bytes()) {
        return refused(
            StatusCode::UNAUTHORIZED,
            "missing or wrong token; use the URL `coffer serve` printed",
        );
    }
    next.run(req).await
}

fn args<T: DeserializeOwned>(body: &Value) -> Result<T, HttpError> {
    serde_json::from_value(body.clone()).map_err(|e| {
        HttpError(
            StatusCode::BAD_REQUEST,
            ApiError::new(ErrorCode::InvalidInput, format!("bad arguments: {e}")),
        )
    })
}

#[derive(Deserialize)]
struct FilterArgs {
    #[serde(default)]
    filter: Filter,
}

/// `POST /api/<operation>`: every operation of the table in `coffer_api::ops`, which decides
/// what a read-only server refuses.
async fn command(
    State(app): State<App>,
    Path(name): Path<String>,
    body: Option<Json<Value>>,
) -> Result<Response, HttpError> {
    let args = body.map(|Json(v)| v).unwrap_or(Value::Null);
    let surface = Surface::Http {
        writable: app.access.writable,
    };
    let answer = coffer_api::ops::dispatch(&app.coffer, &name, args, surface).await?;
    Ok(Json(answer).into_response())
}

fn csv_response(bytes: Vec<u8>) -> Response {
    let mut res = Response::new(Body::from(bytes));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"coffer-transactions.csv\""),
    );
    res
}

async fn export_csv(
    State(app): State<App>,
    body: Option<Json<Value>>,
) -> Result<Response, HttpError> {
    let body = body
        .map(|Json(v)| v)
        .unwrap_or(Value::Object(Default::default()));
    let a: FilterArgs = args(&body)?;
    let mut bytes = Vec::new();
    app.coffer.export_csv(&a.filter, &mut bytes).await?;
    Ok(csv_response(bytes))
}

/// `GET /api/transactions.csv?from=…&account=…&token=…`: the filtered rows for spreadsheet
/// imports, which can only fetch a URL.
async fn transactions_csv(
    State(app): State<App>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, HttpError> {
    let filter = filter_from_query(&pairs)?;
    let mut bytes = Vec::new();
    app.coffer.export_csv(&filter, &mut bytes).await?;
    Ok(csv_response(bytes))
}

/// Builds a filter from query parameters named as the CLI's flags (`Filter::from_pairs`); the
/// token is the guard's business.
pub fn filter_from_query(pairs: &[(String, String)]) -> Result<Filter, ApiError> {
    Ok(Filter::from_pairs(
        pairs
            .iter()
            .filter(|(k, _)| k != "token")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )?)
}

/// Binds 127.0.0.1:`port` (0 picks a free one) and returns the listener with its real port.
pub async fn bind(port: u16) -> std::io::Result<(tokio::net::TcpListener, u16)> {
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}

/// Serves until the process is stopped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    coffer: Arc<Coffer>,
    access: Access,
    ui_dir: Option<PathBuf>,
) -> std::io::Result<()> {
    // Bounded like the login listener: a local program cannot hold the server open by
    // trickling headers or opening connections without end.
    coffer_login::http::serve_bounded(
        listener,
        router(coffer, access, ui_dir),
        coffer_login::http::ServerLimits::LOCAL_API,
        std::future::pending::<()>(),
    )
    .await;
    Ok(())
}
