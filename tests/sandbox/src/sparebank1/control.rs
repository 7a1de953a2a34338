//! `/_sandbox/*`: SpareBank 1's own control routes (faults, settlement, sessions, test rows,
//! counters) beside the shared contract routes of [`crate::contract`]. No auth; loopback only.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::json::ore_text;
use super::oauth::{first, parse_pairs};
use super::{Shared, Sparebank1Fault, Sparebank1Sandbox};

/// Human-readable instructions for standalone use.
pub(crate) fn describe(shared: &Shared) -> String {
    let base = shared.base_url();
    let c = &shared.config;
    let st = shared.lock();
    let mut out = format!(
        "SpareBank 1 sandbox (personal-client Open API) at {base}\n\
         \n\
         OAuth (stands in for https://api-auth.sparebank1.no):\n\
         \x20 authorize: {base}/oauth/authorize?client_id=..&redirect_uri=..&state=..&response_type=code[&finInst=fid-..][&code_challenge=..&code_challenge_method=S256]\n\
         \x20 token:     POST {base}/oauth/token (form; client auth by HTTP Basic or client_id/client_secret in the form)\n\
         \x20 client_id:     {}\n\
         \x20 client_secret: {}\n\
         \x20 registered redirect URIs (exact match):\n",
        c.client_id, c.client_secret
    );
    for uri in &st.redirect_uris {
        out.push_str(&format!("    {uri}\n"));
    }
    let budget = match c.call_budget {
        Some(b) => format!(
            "{} calls per client per {} s (rolling)",
            b.calls,
            b.window.as_secs()
        ),
        None => "unlimited".to_owned(),
    };
    out.push_str(&format!(
        "\x20 access token {} s, code {} s, refresh token {} s idle; PKCE {}\n\
         \n\
         API (stands in for https://api.sparebank1.no), Accept: application/vnd.sparebank1.v1+json; charset=utf-8\n\
         \x20 GET {base}/personal/banking/accounts   (…/default, …/{{accountKey}})\n\
         \x20 GET {base}/personal/banking/transactions?accountKey=..&accountKey=..&fromDate=yyyy-MM-dd&toDate=..&rowLimit=..&source=RECENT|HISTORIC|ALL\n\
         \x20 GET {base}/personal/banking/transactions/classified (same parameters)\n\
         \x20 GET {base}/personal/banking/transactions/{{id}}/details\n\
         \x20 GET {base}/common/helloworld\n\
         \x20 rows per answer: {} without rowLimit, at most {} (no paging; newest first)\n\
         \x20 history served: {} months, from {}; without fromDate an answer covers 30 days\n\
         \x20 call budget: {budget}; /common/helloworld is free\n\
         \n\
         Ledger: lived up to {} (Oslo), seed {}; clock now {}. Accounts:\n",
        c.access_token_ttl.as_secs(),
        c.code_ttl.as_secs(),
        c.refresh_token_ttl.as_secs(),
        if c.require_pkce { "required" } else { "optional" },
        c.default_row_limit,
        c.max_row_limit,
        c.lookback_months,
        shared.earliest(),
        st.ledger.today,
        st.ledger.seed,
        shared.now().to_rfc3339(),
    ));
    for (i, a) in st.ledger.accounts.iter().enumerate() {
        out.push_str(&format!(
            "  {:<11} {:<13} key {}  balance {}\n",
            a.name,
            a.number,
            a.key,
            ore_text(st.ledger.balance(i))
        ));
    }
    out.push_str(&format!(
        "\n\
         Sandbox controls (no auth):\n\
         \x20 GET|POST {base}/_sandbox/clock    {{\"advance_secs\":700}} | {{\"advance_days\":1}} | {{\"set\":\"2026-03-29T00:30:00Z\"}}\n\
         \x20 POST   {base}/_sandbox/advance      {{\"days\":3}}  the bank lives 3 more days (new rows, settlements, late rows)\n\
         \x20 GET    {base}/_sandbox/oracle/ledger | /_sandbox/oracle/accounts   what the bank serves now\n\
         \x20 GET|DELETE {base}/_sandbox/requests  every request received\n\
         \x20 POST   {base}/_sandbox/faults        JSON fault, e.g. {{\"kind\":\"rate_limit\",\"requests\":2,\"retry_after_secs\":30}}\n\
         \x20        kinds: rate_limit{{requests,retry_after_secs}}, server_error{{requests}}, malformed_json{{requests}},\n\
         \x20               missing_field{{field,requests}}, float_amount{{requests}}, expire_access_tokens,\n\
         \x20               revoke_refresh_tokens, token_endpoint_html{{requests}},\n\
         \x20               partial_failure{{error: RECENT_TRANSACTIONS_FAILED|CREDIT_ACCOUNTS_FAILED, requests}}\n\
         \x20        hostile (opt-in): stall{{requests,secs}}, huge_body{{requests,bytes}}, endless_body{{requests}},\n\
         \x20               far_future_date{{requests}}, huge_amount{{requests}}, absurd_token_lifetime{{requests}},\n\
         \x20               long_tokens{{requests,chars}}\n\
         \x20 DELETE {base}/_sandbox/faults        clear all faults\n\
         \x20 POST   {base}/_sandbox/book-pending  every PENDING row settles now (books or is cancelled)\n\
         \x20 POST   {base}/_sandbox/rotate-ids    new session: every transaction id changes\n\
         \x20 POST   {base}/_sandbox/redirect-uris {{\"uri\":\"http://127.0.0.1:PORT/callback\"}}\n\
         \x20 POST   {base}/_sandbox/transactions  {{\"account_key\":..,\"date\":\"yyyy-mm-dd\",\"amount\":\"-59.90\",\"description\":..,\"pending\":false}}\n\
         \x20 GET    {base}/_sandbox/ledger | /_sandbox/accounts | /_sandbox/stats | /_sandbox/secrets\n\
         \x20 POST   {base}/_sandbox/approve?authorize_url=<url-encoded>&approve=true  log in without a browser\n"
    ));
    out
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sandbox", get(help))
        .route("/_sandbox/", get(help))
        .route("/_sandbox/faults", post(inject).delete(clear))
        .route("/_sandbox/book-pending", post(book_pending))
        .route("/_sandbox/rotate-ids", post(rotate_ids))
        .route("/_sandbox/redirect-uris", post(register_redirect_uri))
        .route("/_sandbox/transactions", post(add_transaction))
        .route("/_sandbox/ledger", get(ledger))
        .route("/_sandbox/accounts", get(accounts))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/secrets", get(secrets))
        .route("/_sandbox/approve", post(approve))
}

fn handle(shared: Arc<Shared>) -> Sparebank1Sandbox {
    Sparebank1Sandbox { shared }
}

fn json_ok<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_string_pretty(value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn bad(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| Box::new(bad(format!("bad JSON: {e}\n"))))
}

async fn help(State(shared): State<Arc<Shared>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        describe(&shared),
    )
        .into_response()
}

/// Body: one fault (`{"kind":"rate_limit","requests":2,"retry_after_secs":30}`) or an array.
async fn inject(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Sparebank1Fault),
        Many(Vec<Sparebank1Fault>),
    }
    let faults = match parse_json::<OneOrMany>(&body) {
        Ok(OneOrMany::One(f)) => vec![f],
        Ok(OneOrMany::Many(fs)) => fs,
        Err(r) => return *r,
    };
    let sb = handle(shared);
    for f in faults {
        sb.inject(f);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn clear(State(shared): State<Arc<Shared>>) -> Response {
    handle(shared).clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

async fn book_pending(State(shared): State<Arc<Shared>>) -> Response {
    handle(shared).book_pending();
    StatusCode::NO_CONTENT.into_response()
}

async fn rotate_ids(State(shared): State<Arc<Shared>>) -> Response {
    handle(shared).rotate_ids();
    StatusCode::NO_CONTENT.into_response()
}

async fn register_redirect_uri(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Body {
        uri: String,
    }
    match parse_json::<Body>(&body) {
        Ok(b) => {
            handle(shared).register_redirect_uri(&b.uri);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => *r,
    }
}

async fn add_transaction(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Body {
        account_key: String,
        date: chrono::NaiveDate,
        amount: String,
        description: String,
        #[serde(default)]
        pending: bool,
    }
    let b = match parse_json::<Body>(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let result =
        shared
            .lock()
            .add_transaction(&b.account_key, b.date, &b.amount, &b.description, b.pending);
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad(format!("{e}\n")),
    }
}

async fn ledger(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).ledger())
}

async fn accounts(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).accounts())
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).stats())
}

async fn secrets(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).issued_secrets())
}

/// `POST /_sandbox/approve?authorize_url=…&approve=true|false`: answers the BankID page as a
/// browser would and returns the redirect target as text.
async fn approve(RawQuery(query): RawQuery) -> Response {
    let p = parse_pairs(query.as_deref().unwrap_or(""));
    let Some(url) = first(&p, "authorize_url") else {
        return bad("authorize_url is required\n".to_owned());
    };
    // Only ever talk to loopback: this endpoint must not become a way to reach other hosts.
    let loopback = url::Url::parse(url)
        .ok()
        .is_some_and(|u| matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")));
    if !loopback {
        return bad("authorize_url must be an http://127.0.0.1 URL\n".to_owned());
    }
    let yes = !matches!(first(&p, "approve"), Some("false" | "0" | "no"));
    match super::approve_in_browser(url, yes).await {
        Ok(location) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{location}\n"),
        )
            .into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, format!("{e}\n")).into_response(),
    }
}
