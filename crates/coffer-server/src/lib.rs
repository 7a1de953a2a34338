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
use coffer_api::{ApiError, Coffer, ErrorCode, TransactionQuery};
use coffer_core::category::Category;
use coffer_core::model::Direction;
use coffer_core::report::{ChartRequest, PeriodKind};
use coffer_core::rules::RuleMatch;
use coffer_core::Filter;
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

fn to_json<T: serde::Serialize>(value: T) -> Result<Response, HttpError> {
    Ok(Json(value).into_response())
}

#[derive(Deserialize)]
struct FilterArgs {
    #[serde(default)]
    filter: Filter,
}

async fn command(
    State(app): State<App>,
    Path(name): Path<String>,
    body: Option<Json<Value>>,
) -> Result<Response, HttpError> {
    let body = body
        .map(|Json(v)| v)
        .unwrap_or(Value::Object(Default::default()));
    let c = &app.coffer;
    let read = match name.as_str() {
        "app_status" => Some(to_json(c.app_status().await?)),
        "connections" => Some(to_json(c.connections().await?)),
        "accounts" => Some(to_json(c.accounts().await?)),
        "transactions" => {
            let a: FilterArgs = args(&body)?;
            Some(to_json(c.transactions(&a.filter).await?))
        }
        "transaction_page" => {
            #[derive(Deserialize)]
            struct A {
                query: TransactionQuery,
            }
            let a: A = args(&body)?;
            Some(to_json(c.transaction_page(&a.query).await?))
        }
        "report_flows" => {
            #[derive(Deserialize)]
            struct A {
                #[serde(default)]
                filter: Filter,
                #[serde(default)]
                period: PeriodKind,
            }
            let a: A = args(&body)?;
            Some(to_json(c.report_flows(&a.filter, a.period).await?))
        }
        "report_categories" => {
            let a: FilterArgs = args(&body)?;
            Some(to_json(c.report_categories(&a.filter).await?))
        }
        "report_vendors" => {
            #[derive(Deserialize)]
            struct A {
                #[serde(default)]
                filter: Filter,
                #[serde(default = "ten")]
                limit: u32,
            }
            fn ten() -> u32 {
                10
            }
            let a: A = args(&body)?;
            Some(to_json(c.report_vendors(&a.filter, a.limit).await?))
        }
        "report_accounts" => {
            let a: FilterArgs = args(&body)?;
            Some(to_json(c.report_accounts(&a.filter).await?))
        }
        "report_balances" => {
            let a: FilterArgs = args(&body)?;
            Some(to_json(c.report_balances(&a.filter).await?))
        }
        "chart" => {
            #[derive(Deserialize)]
            struct A {
                request: ChartRequest,
            }
            let a: A = args(&body)?;
            Some(to_json(c.chart(&a.request).await?))
        }
        "vendors" => Some(to_json(c.vendors().await?)),
        "vendor_rules" => Some(to_json(c.vendor_rules().await?)),
        "categories" => Some(to_json(c.categories().await?)),
        "category_rules" => Some(to_json(c.category_rules().await?)),
        "providers" => Some(to_json(c.providers().await?)),
        "settings" => Some(to_json(c.settings().await?)),
        "vault_status" => Some(to_json(c.vault_status().await?)),
        "finsify_services" => {
            #[derive(Deserialize)]
            struct A {
                #[serde(default)]
                query: Option<String>,
            }
            let a: A = args(&body)?;
            Some(to_json(c.finsify_services(a.query.as_deref()).await?))
        }
        _ => None,
    };
    if let Some(response) = read {
        return response;
    }
    let is_write = matches!(
        name.as_str(),
        "connect_demo"
            | "sync_all"
            | "rename_vendor"
            | "merge_vendors"
            | "add_vendor_rule"
            | "delete_vendor_rule"
            | "add_category_rule"
            | "delete_category_rule"
            | "set_category"
            | "sync_connection"
            | "connect_begin"
            | "connect_finish"
            | "connect_cancel"
            | "disconnect"
            | "refresh_at_bank"
            | "set_setting"
            | "reset_vault"
    );
    if !is_write {
        return Err(ApiError::new(ErrorCode::NotFound, format!("no API command '{name}'")).into());
    }
    if !app.access.writable {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this server is read-only; restart it with `coffer serve --writable` to change data",
        )
        .into());
    }
    match name.as_str() {
        "connect_demo" => to_json(c.connect_demo().await?),
        "sync_all" => to_json(c.sync(None, |_| {}).await?),
        "sync_connection" => {
            #[derive(Deserialize)]
            struct A {
                connection: i64,
            }
            let a: A = args(&body)?;
            to_json(c.sync(Some(a.connection), |_| {}).await?)
        }
        // The browser opens on the machine running `coffer serve`, which is this one: the
        // server only listens on 127.0.0.1.
        "connect_begin" => {
            #[derive(Deserialize)]
            struct A {
                request: coffer_api::LoginRequest,
            }
            let a: A = args(&body)?;
            to_json(c.begin_login(&a.request, true).await?.started)
        }
        "connect_finish" => {
            #[derive(Deserialize)]
            struct A {
                login_id: u64,
            }
            let a: A = args(&body)?;
            to_json(c.finish_login(a.login_id).await?)
        }
        "connect_cancel" => {
            #[derive(Deserialize)]
            struct A {
                login_id: u64,
            }
            let a: A = args(&body)?;
            to_json(c.cancel_login(a.login_id).await?)
        }
        "disconnect" => {
            #[derive(Deserialize)]
            struct A {
                connection: i64,
                keep_history: bool,
            }
            let a: A = args(&body)?;
            to_json(c.disconnect(a.connection, a.keep_history).await?)
        }
        "refresh_at_bank" => {
            #[derive(Deserialize)]
            struct A {
                connection: i64,
            }
            let a: A = args(&body)?;
            to_json(c.refresh_at_bank(a.connection).await?)
        }
        "set_setting" => {
            #[derive(Deserialize)]
            struct A {
                key: String,
                value: Option<String>,
            }
            let a: A = args(&body)?;
            to_json(c.set_setting(&a.key, a.value.as_deref()).await?)
        }
        "reset_vault" => to_json(c.reset_vault().await?),
        "rename_vendor" => {
            #[derive(Deserialize)]
            struct A {
                from: String,
                to: String,
            }
            let a: A = args(&body)?;
            to_json(c.rename_vendor(&a.from, &a.to).await?)
        }
        "merge_vendors" => {
            #[derive(Deserialize)]
            struct A {
                names: Vec<String>,
                into: String,
            }
            let a: A = args(&body)?;
            to_json(c.merge_vendors(&a.names, &a.into).await?)
        }
        "add_vendor_rule" => {
            #[derive(Deserialize)]
            struct A {
                pattern: String,
                #[serde(default)]
                is_regex: bool,
                vendor: String,
            }
            let a: A = args(&body)?;
            to_json(c.add_vendor_rule(&a.pattern, a.is_regex, &a.vendor).await?)
        }
        "delete_vendor_rule" | "delete_category_rule" => {
            #[derive(Deserialize)]
            struct A {
                id: i64,
            }
            let a: A = args(&body)?;
            if name == "delete_vendor_rule" {
                to_json(c.delete_vendor_rule(a.id).await?)
            } else {
                to_json(c.delete_category_rule(a.id).await?)
            }
        }
        "add_category_rule" => {
            #[derive(Deserialize)]
            struct A {
                match_kind: RuleMatch,
                pattern: String,
                category: Category,
            }
            let a: A = args(&body)?;
            to_json(
                c.add_category_rule(a.match_kind, &a.pattern, a.category)
                    .await?,
            )
        }
        _ => {
            #[derive(Deserialize)]
            struct A {
                transaction: i64,
                category: Option<Category>,
            }
            let a: A = args(&body)?;
            to_json(c.set_category(a.transaction, a.category).await?)
        }
    }
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

/// Builds a filter from query parameters named as the CLI's flags; repeated keys add values.
pub fn filter_from_query(pairs: &[(String, String)]) -> Result<Filter, ApiError> {
    let bad = |key: &str, value: &str, why: &str| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("'{value}' is not a valid {key}: {why}"),
        )
    };
    let mut f = Filter::default();
    for (key, value) in pairs {
        match key.as_str() {
            "token" => {}
            "from" | "to" => {
                let d = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .map_err(|_| bad(key, value, "use YYYY-MM-DD"))?;
                if key == "from" {
                    f.from = Some(d);
                } else {
                    f.to = Some(d);
                }
            }
            "account" => f.accounts.push(
                value
                    .parse()
                    .map_err(|_| bad(key, value, "use the account id"))?,
            ),
            "direction" => {
                f.direction = Some(match value.as_str() {
                    "debit" => Direction::Debit,
                    "credit" => Direction::Credit,
                    _ => return Err(bad(key, value, "use debit or credit")),
                })
            }
            "category" => f.categories.push(value.clone()),
            "vendor" => f.vendors.push(value.clone()),
            "search" => f.search = Some(value.clone()),
            "min" | "max" => {
                let ok = !value.is_empty()
                    && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && value.bytes().filter(|b| *b == b'.').count() <= 1;
                let d = ok
                    .then(|| value.parse().ok())
                    .flatten()
                    .ok_or_else(|| bad(key, value, "use digits with an optional '.'"))?;
                if key == "min" {
                    f.min = Some(d);
                } else {
                    f.max = Some(d);
                }
            }
            other => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("unknown filter parameter '{other}'"),
                ))
            }
        }
    }
    Ok(f)
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
    axum::serve(listener, router(coffer, access, ui_dir)).await
}
