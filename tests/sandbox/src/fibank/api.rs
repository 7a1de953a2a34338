//! `/EBank/api/v1/…`: the resource server's rules (bearer token, session cookie, the `EBank-*`
//! headers), the three data endpoints, their error bodies, and the router with the request log.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};

use super::auth::{self, cookie, SESSION_COOKIE};
use super::control;
use super::json::{array, java_double, Obj};
use super::ledger::{Account, Kind, Ledger};
use super::state::{FaultSite, Inner, Shared};
use super::time::{parse_instant, parse_query_instant, percent_decode, sofia_day, start_of, wire};
use super::FibankFault;
use crate::oracle::RecordedRequest;

pub(crate) type App = Arc<Shared>;

pub(crate) const API_PREFIX: &str = "/EBank/api/v1/";

/// Headers every API call needs, checked in this order after authentication.
const REQUIRED_HEADERS: [&str; 6] = [
    "EBank-App-Version",
    "EBank-Client-Time",
    "EBank-Device-Id",
    "EBank-Referer",
    "X-Requested-With",
    "Accept-Language",
];

pub(crate) fn router(shared: App) -> Router {
    Router::new()
        .route(
            "/oauth2-server/login",
            get(auth::login_form).post(auth::login),
        )
        .route("/oauth2-server/oauth/authorize", get(auth::authorize))
        .route(
            "/oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin",
            get(auth::certs_for_login),
        )
        .route("/oauth2-server/", get(auth::home))
        .route("/EBank/", get(auth::ebank_page))
        .route("/EBank", get(auth::ebank_page))
        .route(
            "/EBank/api/v1/sywsquery/sywsquery/getCustQuery",
            get(cust_query),
        )
        .route(
            "/EBank/api/v1/sywspicklist/sywspicklist/getFilteredAccounts",
            get(filtered_accounts),
        )
        .route(
            "/EBank/api/v1/sywsquery/sywsquery/GetCustBal",
            get(cust_bal),
        )
        .merge(control::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            record,
        ))
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// Spring Boot's default error JSON.
pub(crate) fn spring_error(
    status: StatusCode,
    message: &str,
    path: &str,
    now: DateTime<Utc>,
) -> Response {
    let body = Obj::new()
        .str(
            "timestamp",
            &now.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(),
        )
        .int("status", i64::from(status.as_u16()))
        .str("error", status.canonical_reason().unwrap_or(""))
        .str("message", message)
        .str("path", path)
        .to_json();
    json_response(status, body)
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// Spring Security OAuth2's 401: `{"error":…,"error_description":…}` plus `WWW-Authenticate`.
fn oauth_401(error: &str, description: &str) -> Response {
    let body = Obj::new()
        .str("error", error)
        .str("error_description", description)
        .to_json();
    let mut response = json_response(StatusCode::UNAUTHORIZED, body);
    let challenge = format!(
        "Bearer realm=\"oauth2-resource\", error=\"{error}\", error_description=\"{description}\""
    );
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn unauthorized() -> Response {
    oauth_401(
        "unauthorized",
        "Full authentication is required to access this resource",
    )
}

/// The servlet container's HTML error page (what the e-bank's 500s look like).
pub(crate) fn tomcat_error(status: StatusCode, message: &str) -> Response {
    let title = format!(
        "HTTP Status {} – {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><title>{title}</title><style type=\"text/css\">\
         body {{font-family:Tahoma,Arial,sans-serif;}} h1 {{font-size:22px;}}</style></head>\
         <body><h1>{title}</h1><hr class=\"line\" /><p><b>Type</b> Exception Report</p>\
         <p><b>Message</b> {}</p><p><b>Description</b> The server encountered an unexpected \
         condition that prevented it from fulfilling the request.</p><hr class=\"line\" />\
         <h3>Apache Tomcat/9.0.56</h3></body></html>",
        super::json::html_escape(message)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
        body,
    )
        .into_response()
}

/// A 200 JSON body, cut in half when a `MalformedJson` fault is queued.
fn json_ok(inner: &mut Inner, mut text: String) -> Response {
    if inner.take_fault(FaultSite::JsonBody) {
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    json_response(StatusCode::OK, text)
}

// ---------------------------------------------------------------------------------------------
// The gate

/// Authentication, session cookie, required headers, `EBank-Cust-Id`, then the server-error
/// fault. Answers the error response to send instead, if any.
fn gate(
    app: &App,
    inner: &mut Inner,
    headers: &HeaderMap,
    path: &str,
    needs_customer: bool,
) -> Option<Response> {
    let now = app.clock.now();
    let Some(token) = bearer(headers) else {
        return Some(unauthorized());
    };
    let session = match inner.tokens.get(token) {
        None => {
            return Some(oauth_401(
                "invalid_token",
                &format!("Invalid access token: {token}"),
            ))
        }
        Some(grant) if now >= grant.expires => {
            return Some(oauth_401(
                "invalid_token",
                &format!("Access token expired: {token}"),
            ))
        }
        Some(grant) => grant.session.clone(),
    };
    let idle =
        chrono::Duration::from_std(app.config.session_idle).unwrap_or(chrono::Duration::days(1));
    let live = auth::live_session(inner, headers, now, idle);
    if live.as_deref() != Some(session.as_str()) || cookie(headers, SESSION_COOKIE).is_none() {
        return Some(unauthorized());
    }

    for name in REQUIRED_HEADERS {
        let value = header_text(headers, name);
        let Some(value) = value else {
            return Some(spring_error(
                StatusCode::BAD_REQUEST,
                &format!("Missing request header '{name}' for method parameter of type String"),
                path,
                now,
            ));
        };
        let valid = match name {
            "X-Requested-With" => value == "XMLHttpRequest",
            "EBank-Client-Time" => parse_instant(value).is_some(),
            _ => true,
        };
        if !valid {
            return Some(spring_error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid value '{value}' of request header '{name}'"),
                path,
                now,
            ));
        }
    }

    if needs_customer {
        let Some(customer) = header_text(headers, "EBank-Cust-Id") else {
            return Some(spring_error(
                StatusCode::BAD_REQUEST,
                "Missing request header 'EBank-Cust-Id' for method parameter of type String",
                path,
                now,
            ));
        };
        if customer != inner.user.customer_id.to_string() {
            return Some(spring_error(
                StatusCode::FORBIDDEN,
                "Access is denied",
                path,
                now,
            ));
        }
    }

    if inner.take_fault(FaultSite::ApiCall) {
        return Some(tomcat_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Request processing failed; nested exception is bg.fibank.ebank.exception.EBankSystemException: Възникна системна грешка. Моля, опитайте по-късно.",
        ));
    }
    None
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A header's text when present, ASCII and not blank.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Endpoints

/// `GET …/sywsquery/sywsquery/getCustQuery` (no `EBank-Cust-Id` needed).
async fn cust_query(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let mut inner = app.books();
    inner.stats.api_calls += 1;
    if let Some(response) = gate(&app, &mut inner, &headers, uri.path(), false) {
        return response;
    }
    let customer = Obj::new()
        .int("ibCustomerId", inner.user.customer_id)
        .str(
            "custNo",
            &format!("{:09}", inner.user.customer_id % 1_000_000_000),
        )
        .str("custName", "ИВАН ГЕОРГИЕВ ПЕТРОВ")
        .str("custNameLat", "IVAN GEORGIEV PETROV")
        .str("custType", "I")
        .int("ibRoleId", 1)
        .str("isDefault", "Y");
    let body = Obj::new()
        .raw("customer", array([customer.to_json()]))
        .to_json();
    json_ok(&mut inner, body)
}

/// `GET …/sywspicklist/sywspicklist/getFilteredAccounts`: a top-level array.
async fn filtered_accounts(State(app): State<App>, headers: HeaderMap, uri: Uri) -> Response {
    let mut inner = app.books();
    inner.stats.api_calls += 1;
    if let Some(response) = gate(&app, &mut inner, &headers, uri.path(), true) {
        return response;
    }
    let ledger = &inner.ledger;
    let items: Vec<String> = ledger
        .accounts
        .iter()
        .enumerate()
        .map(|(index, account)| {
            Obj::new()
                .str("ibanAcNo", &account.iban)
                .str("acNo", &account.ac_no)
                .str("ccy", account.ccy)
                .str("acDesc", account.ac_desc)
                .str("description", account.description)
                .str("category", account.category)
                .int("ibRoleId", 1)
                .money("acyAvlBal", ledger.available(index))
                .money("acyCurrBalance", ledger.balance(index))
                .money("blockedAmount", account.blocked_minor)
                .to_json()
        })
        .collect();
    let body = array(items);
    json_ok(&mut inner, body)
}

/// `categoryBal`: BGN totals of current-account balances, their available amounts, and what is
/// available on card accounts.
fn category_totals(ledger: &Ledger) -> String {
    let mut current = 0;
    let mut available = 0;
    let mut card = 0;
    for (index, account) in ledger.accounts.iter().enumerate() {
        if account.kind == Kind::Card {
            card += ledger.in_bgn(index, ledger.available(index));
        } else {
            current += ledger.in_bgn(index, ledger.balance(index));
            available += ledger.in_bgn(index, ledger.available(index));
        }
    }
    array([
        Obj::new()
            .money("bal", card)
            .str("category", "AVL_CARD_ACC")
            .to_json(),
        Obj::new()
            .money("bal", current)
            .str("category", "CURR_CACC")
            .to_json(),
        Obj::new()
            .money("bal", available)
            .str("category", "AVL_CACC")
            .to_json(),
    ])
}

fn account_item(
    ledger: &Ledger,
    index: usize,
    account: &Account,
    opening: i64,
    stmt: String,
) -> String {
    Obj::new()
        .str("acDesc", account.ac_desc)
        .str("iban", &account.iban)
        .str("acNo", &account.ac_no)
        .str("ccy", account.ccy)
        .money("acyAvlBal", ledger.available(index))
        .money("acyOpeningBal", opening)
        .money("acyCurrBalance", ledger.balance(index))
        .money("blockedAmount", account.blocked_minor)
        .str("description", account.description)
        .str("category", account.category)
        .raw("stmt", stmt)
        .to_json()
}

/// One query parameter, raw (still percent-encoded) as it arrived.
fn raw_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn flag(yes: bool) -> &'static str {
    if yes {
        "Y"
    } else {
        "N"
    }
}

/// `dtkt`: `DT` debit, `KT` credit (Bulgarian Дт/Кт).
fn dtkt(debit: bool) -> &'static str {
    if debit {
        "DT"
    } else {
        "KT"
    }
}

/// A synthetic summary row (`OP`, `DT`, `CT`, `CL`).
struct Summary {
    trn_type: &'static str,
    trname: &'static str,
    at: DateTime<Utc>,
    amount: i64,
    debit: bool,
    dr: i64,
    cr: i64,
    balance: i64,
}

fn summary_row(s: Summary) -> String {
    let Summary {
        trn_type,
        trname,
        at,
        amount,
        debit,
        dr,
        cr,
        balance,
    } = s;
    Obj::new()
        .null("acEntrySrNo")
        .null("reference")
        .str("trnType", trn_type)
        .null("trnCode")
        .str("trname", trname)
        .str("dtkt", dtkt(debit))
        .money("amount", amount)
        .money("drAmount", dr)
        .money("crAmount", cr)
        .money("acBal", balance)
        .str("dateTime", &wire(at))
        .str("valueDt", &wire(at))
        .null("contragent")
        .null("benOrderParty")
        .null("trnAccount")
        .null("remI")
        .null("remIi")
        .null("remIii")
        .str("isEbankOper", "N")
        .str("isPayment", "N")
        .str("loadAsNew", "N")
        .to_json()
}

/// `GET …/sywsquery/sywsquery/GetCustBal?FromDate=…&ToDate=…&Iban=…&StmtType=T
/// &isAccountFromPSD2=false`, or without `Iban`: every account, no statement.
async fn cust_bal(
    State(app): State<App>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let path = uri.path().to_owned();
    let query = query.unwrap_or_default();
    // A hostile fault, taken before anything else for a statement call; a stall holds no lock
    // while it waits.
    let hostile = if raw_param(&query, "Iban").is_some_and(|v| !v.is_empty()) {
        app.lock().take_hostile()
    } else {
        None
    };
    if let Some(FibankFault::Stall { secs, .. }) = hostile {
        crate::hostile::stall(secs).await;
    }
    let now = app.clock.now();
    let mut inner = app.books();
    inner.stats.api_calls += 1;
    if let Some(response) = gate(&app, &mut inner, &headers, &path, true) {
        return response;
    }
    let bad = |message: &str| spring_error(StatusCode::BAD_REQUEST, message, &path, now);
    match raw_param(&query, "StmtType").map(percent_decode) {
        Some(kind) if kind == "T" => {}
        Some(kind) => return bad(&format!("Unsupported statement type '{kind}'")),
        None => return bad("Required String parameter 'StmtType' is not present"),
    }
    let psd2 = match raw_param(&query, "isAccountFromPSD2").map(percent_decode) {
        None => false,
        Some(v) if v == "false" => false,
        Some(v) if v == "true" => true,
        Some(v) => {
            return bad(&format!(
                "Failed to convert value of type 'java.lang.String' to required type 'boolean'; Invalid boolean value [{v}]"
            ))
        }
    };
    let iban = raw_param(&query, "Iban")
        .map(percent_decode)
        .filter(|v| !v.is_empty());

    let Some(iban) = iban else {
        // Every account, balances only.
        let today = start_of(sofia_day(now));
        let ledger = &inner.ledger;
        let items: Vec<String> = ledger
            .accounts
            .iter()
            .enumerate()
            .map(|(index, account)| {
                let opening = ledger.balance_before(index, today);
                account_item(ledger, index, account, opening, "null".to_owned())
            })
            .collect();
        let body = Obj::new()
            .raw("acc", array(items))
            .raw("categoryBal", category_totals(ledger))
            .to_json();
        return json_ok(&mut inner, body);
    };

    let mut window = [None, None];
    for (slot, name) in window.iter_mut().zip(["FromDate", "ToDate"]) {
        let Some(raw) = raw_param(&query, name) else {
            return bad(&format!("Required Date parameter '{name}' is not present"));
        };
        let Some(at) = parse_query_instant(raw) else {
            return bad(&format!(
                "Failed to convert value of type 'java.lang.String' to required type 'java.util.Date'; {name}='{}'",
                percent_decode(raw)
            ));
        };
        *slot = Some(at.with_timezone(&Utc));
    }
    let [Some(from), Some(to)] = window else {
        return bad("Required Date parameter 'FromDate' is not present");
    };
    if from > to {
        return tomcat_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Request processing failed; nested exception is bg.fibank.ebank.exception.EBankException: Началната дата е след крайната дата.",
        );
    }
    if let Some(max) = app.config.max_range_days {
        let days = (sofia_day(to) - sofia_day(from)).num_days() + 1;
        if days > i64::from(max) {
            return tomcat_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Request processing failed; nested exception is bg.fibank.ebank.exception.EBankException: Периодът не може да бъде по-дълъг от {max} дни."),
            );
        }
    }
    if inner.take_fault(FaultSite::Statement) {
        return tomcat_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Request processing failed; nested exception is java.lang.NullPointerException",
        );
    }

    let found = inner.ledger.account_by_iban(&iban).filter(|&index| {
        !psd2
            && inner
                .ledger
                .accounts
                .get(index)
                .is_some_and(Account::has_statement)
    });
    let Some(index) = found else {
        // An IBAN that is not the customer's, a card account, or a PSD2 lookup: no account.
        let body = Obj::new()
            .raw("acc", "[]".to_owned())
            .raw("categoryBal", category_totals(&inner.ledger))
            .to_json();
        return json_ok(&mut inner, body);
    };

    // The row faults need a row to spoil; an empty window leaves them queued.
    let has_entries = !inner.ledger.statement(index, from, to).lines.is_empty();
    let broken_balance = has_entries && inner.take_fault(FaultSite::RunningBalance);
    let wrong_amount = has_entries && inner.take_fault(FaultSite::AmountRow);
    let far_date = has_entries && inner.take_fault(FaultSite::FarDateRow);
    let huge_amount = has_entries && inner.take_fault(FaultSite::HugeAmountRow);
    inner.stats.statements += 1;
    let ledger = &inner.ledger;
    let Some(account) = ledger.accounts.get(index) else {
        return tomcat_error(StatusCode::INTERNAL_SERVER_ERROR, "No such account");
    };
    let statement = ledger.statement(index, from, to);
    let middle = statement.lines.len() / 2;
    let mut rows = Vec::with_capacity(statement.lines.len() + 4);
    rows.push(summary_row(Summary {
        trn_type: "OP",
        trname: "Начално салдо",
        at: from,
        amount: statement.opening.abs(),
        debit: statement.opening < 0,
        dr: 0,
        cr: 0,
        balance: statement.opening,
    }));
    for (position, (entry, balance)) in statement.lines.iter().enumerate() {
        let row = &entry.row;
        let (dr, cr) = if row.debit {
            (row.minor, 0)
        } else {
            (0, row.minor)
        };
        let mut obj = Obj::new()
            .int("acEntrySrNo", entry.sr_no)
            .str("reference", &row.reference)
            .str("trnType", &row.trn_type)
            .str("trnCode", &row.trn_code)
            .str("trname", &row.trname)
            .str("dtkt", dtkt(row.debit))
            .money("amount", row.minor)
            .money("drAmount", dr)
            .money("crAmount", cr)
            .money("acBal", *balance)
            .str("dateTime", &wire(row.at))
            .str("valueDt", &wire(start_of(row.value_date)))
            .opt_str("contragent", row.contragent.as_deref())
            .opt_str("benOrderParty", row.ben_order_party.as_deref())
            .opt_str("trnAccount", row.trn_account.as_deref())
            .opt_str("remI", row.rem[0].as_deref())
            .opt_str("remIi", row.rem[1].as_deref())
            .opt_str("remIii", row.rem[2].as_deref())
            .str("isEbankOper", flag(row.is_ebank_oper))
            .str("isPayment", flag(row.is_payment))
            .str("loadAsNew", flag(entry.late));
        if broken_balance && position == middle {
            obj.replace("acBal", java_double(*balance + 1_000));
        }
        if wrong_amount && position == 0 {
            obj.replace("amount", java_double(row.minor + 100));
        }
        if far_date && position == 0 {
            obj.replace("dateTime", "\"+10000-01-01T00:00:00+0200\"".to_owned());
            obj.replace("valueDt", "\"+10000-01-01T00:00:00+0200\"".to_owned());
        }
        if huge_amount && position == 0 {
            let huge = crate::hostile::NEAR_I64_MAX.to_owned();
            obj.replace("amount", huge.clone());
            obj.replace(if row.debit { "drAmount" } else { "crAmount" }, huge);
        }
        rows.push(obj.to_json());
    }
    rows.push(summary_row(Summary {
        trn_type: "DT",
        trname: "Дебитен оборот",
        at: to,
        amount: statement.debits,
        debit: true,
        dr: statement.debits,
        cr: 0,
        balance: statement.closing,
    }));
    rows.push(summary_row(Summary {
        trn_type: "CT",
        trname: "Кредитен оборот",
        at: to,
        amount: statement.credits,
        debit: false,
        dr: 0,
        cr: statement.credits,
        balance: statement.closing,
    }));
    rows.push(summary_row(Summary {
        trn_type: "CL",
        trname: "Крайно салдо",
        at: to,
        amount: statement.closing.abs(),
        debit: statement.closing < 0,
        dr: 0,
        cr: 0,
        balance: statement.closing,
    }));
    let item = account_item(ledger, index, account, statement.opening, array(rows));
    let body = Obj::new()
        .raw("acc", array([item]))
        .raw("categoryBal", category_totals(ledger))
        .to_json();
    match hostile {
        Some(FibankFault::HugeBody { bytes, .. }) => crate::hostile::flood_response(
            "application/json;charset=UTF-8",
            crate::hostile::Flood::padded(&body, bytes),
        ),
        Some(FibankFault::EndlessBody { .. }) => crate::hostile::flood_response(
            "application/json;charset=UTF-8",
            crate::hostile::Flood::endless(b"{\"acc\":["),
        ),
        Some(FibankFault::HtmlInOk { .. }) => crate::hostile::html_in_ok(),
        _ => json_ok(&mut inner, body),
    }
}

// ---------------------------------------------------------------------------------------------
// Fallbacks and the request log

async fn not_found(State(app): State<App>, uri: Uri) -> Response {
    if uri.path().starts_with(API_PREFIX) {
        app.lock().stats.api_calls += 1;
        return spring_error(
            StatusCode::NOT_FOUND,
            "No message available",
            uri.path(),
            app.clock.now(),
        );
    }
    tomcat_error(
        StatusCode::NOT_FOUND,
        "The requested resource is not available.",
    )
}

async fn method_not_allowed(State(app): State<App>, uri: Uri) -> Response {
    spring_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request method not supported",
        uri.path(),
        app.clock.now(),
    )
}

/// Logs every request outside `/_sandbox/` with the status it got.
async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/_sandbox" || path.starts_with("/_sandbox/") {
        return next.run(request).await;
    }
    let at = app.clock.now();
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_else(|_| Bytes::new());
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
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    let mut cut = text.len().min(64 * 1024);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    app.lock().record(RecordedRequest {
        seq: 0,
        at,
        method,
        target,
        headers,
        body: text,
        status: response.status().as_u16(),
    });
    response
}
