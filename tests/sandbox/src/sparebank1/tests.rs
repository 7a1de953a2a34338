//! End-to-end tests over real HTTP against a started sandbox. Time never passes by itself:
//! every sandbox here runs on a fixed [`SandboxClock`] that the tests move.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use reqwest::{redirect::Policy, Client, StatusCode};
use serde_json::Value;

use super::json::parse_ore;
use super::*;

const V1: &str = "application/vnd.sparebank1.v1+json; charset=utf-8";
const REDIRECT: &str = "http://127.0.0.1:8321/callback/sparebank1";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk0123456789";
const TX: &str = "/personal/banking/transactions";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Noon in Oslo on 21 November 2026.
fn start() -> DateTime<Utc> {
    at("2026-11-21T11:00:00Z")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn config() -> Sparebank1Config {
    Sparebank1Config {
        clock: SandboxClock::fixed(start()),
        seed: 7,
        ..Sparebank1Config::default()
    }
}

/// A sandbox without the call budget, for tests that read a lot.
fn unmetered() -> Sparebank1Config {
    Sparebank1Config {
        call_budget: None,
        ..config()
    }
}

async fn sandbox() -> Sparebank1Sandbox {
    Sparebank1Sandbox::start(config(), 0).await.unwrap()
}

async fn sandbox_with(config: Sparebank1Config) -> Sparebank1Sandbox {
    Sparebank1Sandbox::start(config, 0).await.unwrap()
}

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

fn authorize_url(sb: &Sparebank1Sandbox, extra: &[(&str, &str)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("client_id", "sandbox-client"),
        ("redirect_uri", REDIRECT),
        ("state", "st-123"),
        ("response_type", "code"),
    ];
    params.extend_from_slice(extra);
    url::Url::parse_with_params(&format!("{}/oauth/authorize", sb.base_url()), &params)
        .unwrap()
        .to_string()
}

fn query_of(location: &str) -> HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn get_code(sb: &Sparebank1Sandbox, extra: &[(&str, &str)]) -> String {
    let location = approve_in_browser(&authorize_url(sb, extra), true)
        .await
        .unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let q = query_of(&location);
    assert_eq!(q.get("state").map(String::as_str), Some("st-123"));
    q["code"].clone()
}

#[derive(Clone, Copy)]
enum Auth {
    Basic,
    Form,
}

async fn token_request(
    sb: &Sparebank1Sandbox,
    auth: Auth,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    let mut req = client().post(format!("{}/oauth/token", sb.base_url()));
    match auth {
        Auth::Basic => req = req.basic_auth("sandbox-client", Some("sandbox-secret")),
        Auth::Form => {
            form.push(("client_id", "sandbox-client"));
            form.push(("client_secret", "sandbox-secret"));
        }
    }
    req.form(&form).send().await.unwrap()
}

async fn exchange(sb: &Sparebank1Sandbox, code: &str, auth: Auth) -> reqwest::Response {
    token_request(
        sb,
        auth,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await
}

struct Tokens {
    access: String,
    refresh: String,
}

async fn json_of(resp: reqwest::Response) -> Value {
    serde_json::from_str(&resp.text().await.unwrap()).unwrap()
}

async fn login_with(sb: &Sparebank1Sandbox, auth: Auth) -> Tokens {
    let code = get_code(sb, &[]).await;
    let resp = exchange(sb, &code, auth).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    Tokens {
        access: v["access_token"].as_str().unwrap().to_owned(),
        refresh: v["refresh_token"].as_str().unwrap().to_owned(),
    }
}

async fn login(sb: &Sparebank1Sandbox) -> Tokens {
    login_with(sb, Auth::Basic).await
}

async fn refresh(sb: &Sparebank1Sandbox, refresh_token: &str) -> Tokens {
    let resp = token_request(
        sb,
        Auth::Basic,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    Tokens {
        access: v["access_token"].as_str().unwrap().to_owned(),
        refresh: v["refresh_token"].as_str().unwrap().to_owned(),
    }
}

async fn api_with(
    sb: &Sparebank1Sandbox,
    token: &str,
    accept: Option<&str>,
    path: &str,
) -> reqwest::Response {
    let mut req = client()
        .get(format!("{}{path}", sb.base_url()))
        .bearer_auth(token);
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    req.send().await.unwrap()
}

async fn api(sb: &Sparebank1Sandbox, token: &str, path: &str) -> reqwest::Response {
    api_with(sb, token, Some(V1), path).await
}

fn keys_query(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("accountKey={k}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn all_keys_query(sb: &Sparebank1Sandbox) -> String {
    let accounts = sb.accounts();
    keys_query(&accounts.iter().map(|a| a.key.as_str()).collect::<Vec<_>>())
}

/// One transaction call for every account with `extra` appended; must succeed without
/// partial errors.
async fn all_rows(sb: &Sparebank1Sandbox, token: &str, extra: &str) -> Vec<Value> {
    let path = format!("{TX}?{}{extra}", all_keys_query(sb));
    let resp = api(sb, token, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["errors"], serde_json::json!([]));
    v["transactions"].as_array().unwrap().clone()
}

/// Everything the bank serves, fetched the careful way: 90-day windows, newest first, each
/// answer shorter than the rowLimit it asked for (so none was cut).
async fn served(sb: &Sparebank1Sandbox, token: &str) -> Vec<Value> {
    let earliest = sb.earliest_date();
    let mut to = sb.today();
    let mut out = Vec::new();
    loop {
        let from = to.checked_sub_days(Days::new(89)).unwrap().max(earliest);
        let rows = all_rows(
            sb,
            token,
            &format!("&fromDate={from}&toDate={to}&rowLimit=1000"),
        )
        .await;
        assert!(rows.len() < 1000, "window {from}..{to} was cut");
        out.extend(rows);
        if from == earliest {
            return out;
        }
        to = from.pred_opt().unwrap();
    }
}

/// A JSON number's text → øre (no floats involved: the shortest round-trip text is parsed).
fn ore(v: &Value) -> i64 {
    assert!(v.is_number(), "{v}");
    parse_ore(&v.to_string()).unwrap_or_else(|| panic!("not a 2-decimal amount: {v}"))
}

fn oslo_day_of(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .with_timezone(&ledger::OSLO)
        .date_naive()
}

fn row_day(r: &Value) -> NaiveDate {
    oslo_day_of(r["date"].as_i64().unwrap())
}

fn error_code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap()
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// What never changes for a booked row: the composite key a faithful client dedups on.
fn composite(r: &Value) -> String {
    format!(
        "{}|{}|{}|{}|{}",
        r["accountKey"], r["date"], r["amount"], r["description"], r["nonUniqueId"]
    )
}

/// The oracle's view of a wire row, for comparisons.
fn as_oracle(r: &Value) -> (String, NaiveDate, String, String, String) {
    (
        r["accountKey"].as_str().unwrap().to_owned(),
        row_day(r),
        json::ore_text(ore(&r["amount"])),
        r["description"].as_str().unwrap().to_owned(),
        r["bookingStatus"].as_str().unwrap().to_ascii_lowercase(),
    )
}

fn oracle_keys(rows: &[OracleRow]) -> Vec<(String, NaiveDate, String, String, String)> {
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.account.clone(),
                r.date,
                r.amount.clone(),
                r.description.clone(),
                r.status.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

fn bad_param(v: &Value) {
    assert_eq!(v["errors"][0]["code"], "INVALID_REQUEST_PARAMETER", "{v}");
    assert_eq!(v["errors"][0]["httpCode"], 400, "{v}");
}
#[tokio::test]
async fn pkce_is_verified_when_used() {
    let sb = sandbox().await;
    let challenge = oauth::s256(VERIFIER);
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let exchange_with = |code: String, verifier: Option<&'static str>| {
        let sb = sb.clone();
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
            ];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            token_request(&sb, Auth::Form, &form).await
        }
    };

    let code = get_code(&sb, &pkce).await;
    let resp = exchange_with(
        code,
        Some("a-completely-different-verifier-that-is-long-enough"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(resp).await["error"], "invalid_grant");

    let code = get_code(&sb, &pkce).await;
    let resp = exchange_with(code, None).await;
    assert_eq!(json_of(resp).await["error"], "invalid_grant");

    let code = get_code(&sb, &pkce).await;
    let resp = exchange_with(code, Some(VERIFIER)).await;
    assert_eq!(resp.status(), StatusCode::OK);

    // Only S256 is accepted.
    let loc = approve_in_browser(
        &authorize_url(
            &sb,
            &[
                ("code_challenge", VERIFIER),
                ("code_challenge_method", "plain"),
            ],
        ),
        true,
    )
    .await
    .unwrap();
    let q = query_of(&loc);
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(q["state"], "st-123");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn pkce_can_be_required() {
    let sb = Sparebank1Sandbox::start(
        Sparebank1Config {
            require_pkce: true,
            ..config()
        },
        0,
    )
    .await
    .unwrap();
    let loc = approve_in_browser(&authorize_url(&sb, &[]), true)
        .await
        .unwrap();
    assert_eq!(query_of(&loc)["error"], "invalid_request");
}

#[tokio::test]
async fn codes_are_single_use_even_after_a_failed_exchange() {
    let sb = sandbox().await;
    let code = get_code(&sb, &[]).await;
    assert_eq!(
        exchange(&sb, &code, Auth::Basic).await.status(),
        StatusCode::OK
    );
    let again = exchange(&sb, &code, Auth::Basic).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(again).await["error"], "invalid_grant");

    // A failed exchange (wrong redirect_uri) burns the code.
    let code = get_code(&sb, &[]).await;
    let wrong = token_request(
        &sb,
        Auth::Basic,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8321/callback/other"),
        ],
    )
    .await;
    assert_eq!(json_of(wrong).await["error"], "invalid_grant");
    let right = exchange(&sb, &code, Auth::Basic).await;
    assert_eq!(right.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(right).await["error"], "invalid_grant");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_dies() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let resp = token_request(
        &sb,
        Auth::Basic,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t.refresh),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    let new_refresh = v["refresh_token"].as_str().unwrap().to_owned();
    let new_access = v["access_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, t.refresh);
    assert_ne!(new_access, t.access);
    assert_eq!(sb.stats().refreshes, 1);
    assert_eq!(
        api(&sb, &new_access, "/personal/banking/accounts")
            .await
            .status(),
        StatusCode::OK
    );

    let reuse = token_request(
        &sb,
        Auth::Basic,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t.refresh),
        ],
    )
    .await;
    assert_eq!(reuse.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(reuse).await["error"], "invalid_grant");

    let next = token_request(
        &sb,
        Auth::Form,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &new_refresh),
        ],
    )
    .await;
    assert_eq!(next.status(), StatusCode::OK);
    let v = json_of(next).await;

    // RevokeRefreshTokens kills the live one.
    sb.inject(Sparebank1Fault::RevokeRefreshTokens);
    let dead = token_request(
        &sb,
        Auth::Form,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", v["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(json_of(dead).await["error"], "invalid_grant");
}

#[tokio::test]
async fn bad_clients_and_grants_are_refused() {
    let sb = sandbox().await;
    let code = get_code(&sb, &[]).await;
    let resp = client()
        .post(format!("{}/oauth/token", sb.base_url()))
        .basic_auth("sandbox-client", Some("wrong"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(resp).await["error"], "invalid_client");

    let resp = client()
        .post(format!("{}/oauth/token", sb.base_url()))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let v = json_of(resp).await;
    assert_eq!(v["error"], "invalid_client");
    assert!(v["error_description"].is_string());

    let resp = token_request(&sb, Auth::Basic, &[("grant_type", "password")]).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(resp).await["error"], "unsupported_grant_type");
    assert_eq!(sb.stats().token_requests.get("password"), Some(&1));
}

#[tokio::test]
async fn accept_header_is_enforced() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let accounts = "/personal/banking/accounts";
    let txs = format!(
        "/personal/banking/transactions?accountKey={}",
        sb.accounts()[0].key
    );
    for bad in [Some("application/json"), None, Some("*/*")] {
        let resp = api_with(&sb, &t.access, bad, accounts).await;
        assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE, "{bad:?}");
    }
    let resp = api_with(&sb, &t.access, Some("application/json"), &txs).await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    assert_eq!(error_code(&json_of(resp).await), "NOT_ACCEPTABLE");

    let ok = api_with(
        &sb,
        &t.access,
        Some("application/vnd.sparebank1.v1+json"),
        &txs,
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["content-type"], V1);

    let v5 = api_with(
        &sb,
        &t.access,
        Some("application/vnd.sparebank1.v5+json; charset=utf-8"),
        accounts,
    )
    .await;
    assert_eq!(v5.status(), StatusCode::OK);
    assert_eq!(
        v5.headers()["content-type"],
        "application/vnd.sparebank1.v5+json; charset=utf-8"
    );
    let v5_txs = api_with(
        &sb,
        &t.access,
        Some("application/vnd.sparebank1.v5+json; charset=utf-8"),
        &txs,
    )
    .await;
    assert_eq!(v5_txs.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn expired_access_tokens_get_plain_text_401() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let path = "/personal/banking/accounts";
    assert_eq!(api(&sb, &t.access, path).await.status(), StatusCode::OK);
    sb.inject(Sparebank1Fault::ExpireAccessTokens);
    let resp = api(&sb, &t.access, path).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(resp.text().await.unwrap(), "Unauthorized");

    let resp = client()
        .get(format!("{}{path}", sb.base_url()))
        .header("Accept", V1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // Tokens issued afterwards work.
    let t2 = login(&sb).await;
    assert_eq!(api(&sb, &t2.access, path).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_gives_429_with_retry_after() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    sb.inject(Sparebank1Fault::RateLimit {
        requests: 2,
        retry_after_secs: 30,
    });
    let path = "/personal/banking/accounts";
    for _ in 0..2 {
        let resp = api(&sb, &t.access, path).await;
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()["retry-after"], "30");
        let v = json_of(resp).await;
        let e = &v["errors"][0];
        assert_eq!(e["httpCode"], 429);
        for f in ["code", "message", "traceId", "resource", "localizedMessage"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        assert_eq!(e["localizedMessage"]["locale"], "nb");
    }
    assert_eq!(api(&sb, &t.access, path).await.status(), StatusCode::OK);
    let stats = sb.stats();
    assert_eq!(stats.rate_limited, 2);
    assert_eq!(stats.api_calls, 3);
}

#[tokio::test]
async fn token_endpoint_html_fault() {
    let sb = sandbox().await;
    let code = get_code(&sb, &[]).await;
    sb.inject(Sparebank1Fault::TokenEndpointHtml { requests: 1 });
    let resp = exchange(&sb, &code, Auth::Basic).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("<html"));
    // The HTML answer did not consume the code.
    assert_eq!(
        exchange(&sb, &code, Auth::Basic).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn authorize_errors() {
    let sb = sandbox().await;
    // Unknown client: an error page, no redirect.
    let url = authorize_url(&sb, &[]).replace("sandbox-client", "someone-else");
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(matches!(
        approve_in_browser(&url, true).await,
        Err(BrowseError::Page { status: 400, .. })
    ));

    // Unregistered (or merely similar) redirect URI.
    let url = authorize_url(&sb, &[]).replace("sparebank1", "sparebank1%2F");
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());

    // Registered later: accepted.
    sb.register_redirect_uri("http://127.0.0.1:9999/cb");
    let url = authorize_url(&sb, &[]).replace(
        &url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        "http%3A%2F%2F127.0.0.1%3A9999%2Fcb",
    );
    let loc = approve_in_browser(&url, true).await.unwrap();
    assert!(loc.starts_with("http://127.0.0.1:9999/cb?code="), "{loc}");

    // Missing state.
    let url = authorize_url(&sb, &[]).replace("state=st-123&", "");
    let loc = approve_in_browser(&url, true).await.unwrap();
    let q = query_of(&loc);
    assert_eq!(q["error"], "invalid_request");
    assert!(!q.contains_key("code"));

    // Unknown finInst.
    let loc = approve_in_browser(&authorize_url(&sb, &[("finInst", "fid-sr-bank")]), true)
        .await
        .unwrap();
    let q = query_of(&loc);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st-123");

    // Every known finInst is fine.
    for (fid, _) in oauth::KNOWN_FIN_INSTS {
        let loc = approve_in_browser(&authorize_url(&sb, &[("finInst", fid)]), true)
            .await
            .unwrap();
        assert!(query_of(&loc).contains_key("code"), "{fid}");
    }

    // The user presses Cancel.
    let loc = approve_in_browser(&authorize_url(&sb, &[]), false)
        .await
        .unwrap();
    assert!(loc.starts_with(REDIRECT));
    let q = query_of(&loc);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st-123");
    assert!(q.contains_key("error_description"));
    assert!(!q.contains_key("code"));

    // The page itself: no external resources.
    let page = client()
        .get(authorize_url(&sb, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Log in with BankID (sandbox)"));
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("src="));
}

#[tokio::test]
async fn unknown_paths_are_404_envelopes() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    for path in ["/personal/banking/nothing", "/nope"] {
        let resp = api(&sb, &t.access, path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        let v = json_of(resp).await;
        assert_eq!(v["errors"][0]["httpCode"], 404);
        assert_eq!(v["errors"][0]["resource"], path);
    }
    let resp = api(&sb, &t.access, "/personal/banking/accounts/UNKNOWNKEY").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(&json_of(resp).await), "ACCOUNT_NOT_FOUND");
}

#[tokio::test]
async fn full_round_trip_with_basic_and_form_auth() {
    let sb = sandbox_with(unmetered()).await;
    let code = get_code(&sb, &[("finInst", "fid-ostlandet"), ("scope", "openid")]).await;
    let resp = exchange(&sb, &code, Auth::Basic).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let tok = json_of(resp).await;
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 600);
    assert_eq!(tok["scope"], "openid");
    // The clock stands still, so the lifetimes are exact.
    assert_eq!(tok["refresh_token_expires_in"], 2_592_000);
    assert_eq!(tok["refresh_token_absolute_expires_in"], 31_536_000);
    let access = tok["access_token"].as_str().unwrap().to_owned();
    let refresh = tok["refresh_token"].as_str().unwrap().to_owned();
    let stats = sb.stats();
    assert_eq!(stats.last_client_auth.as_deref(), Some("basic"));
    assert_eq!(stats.codes_issued, 1);
    assert_eq!(stats.authorize_requests, 1);
    assert_eq!(stats.token_requests.get("authorization_code"), Some(&1));
    let secrets = sb.issued_secrets();
    for s in [&code, &access, &refresh] {
        assert!(secrets.contains(s));
    }

    // Accounts.
    let resp = api(&sb, &access, "/personal/banking/accounts").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], V1);
    let v = json_of(resp).await;
    assert_eq!(v["errors"], serde_json::json!([]));
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    let rows = sb.accounts();
    for (a, row) in accounts.iter().zip(&rows) {
        for field in [
            "key",
            "accountNumber",
            "iban",
            "name",
            "description",
            "balance",
            "availableBalance",
            "currencyCode",
            "owner",
            "productType",
            "type",
            "productId",
            "descriptionCode",
            "disposalRole",
            "accountProperties",
            "creditCardCreditLimit",
            "creditCardAccountID",
        ] {
            assert!(a.get(field).is_some(), "account lacks {field}: {a}");
        }
        assert_eq!(a["key"], row.key.as_str());
        assert_eq!(a["accountNumber"], row.account_number.as_str());
        assert_eq!(ore(&a["balance"]), parse_ore(&row.balance).unwrap());
        assert_eq!(
            ore(&a["availableBalance"]),
            parse_ore(&row.available_balance).unwrap()
        );
        assert_eq!(a["currencyCode"], "NOK");
        assert_eq!(a["owner"]["name"], "Kari Nordmann");
        let props = a["accountProperties"].as_object().unwrap();
        assert_eq!(props.len(), 20);
        assert!(props.values().all(Value::is_boolean));
    }
    assert_eq!(accounts[0]["name"], "Brukskonto");
    assert_eq!(accounts[1]["type"], "BSU");
    let card = &accounts[2];
    assert_eq!(card["type"], "CREDITCARD");
    assert!(card["accountNumber"].as_str().unwrap().starts_with('K'));
    assert!(card["creditCardCreditLimit"].is_number());
    for a in &accounts[..2] {
        let n = a["accountNumber"].as_str().unwrap();
        assert_eq!(n.len(), 11);
        assert!(n.bytes().all(|b| b.is_ascii_digit()));
    }

    let resp = api(&sb, &access, "/personal/banking/accounts/default").await;
    assert_eq!(json_of(resp).await["key"], accounts[0]["key"]);
    let resp = api(
        &sb,
        &access,
        &format!("/personal/banking/accounts/{}", rows[1].key),
    )
    .await;
    assert_eq!(json_of(resp).await["name"], "BSU");

    // Transactions: everything the bank serves, with the right shape and sums.
    let txs = served(&sb, &access).await;
    let earliest = sb.earliest_date();
    let held: Vec<LedgerRow> = sb
        .ledger()
        .into_iter()
        .filter(|r| r.date >= earliest)
        .collect();
    assert_eq!(txs.len(), held.len());
    assert!(txs.len() > 3000, "three years of heavy use: {}", txs.len());
    for t in &txs {
        for field in [
            "id",
            "nonUniqueId",
            "description",
            "cleanedDescription",
            "accountNumber",
            "amount",
            "currencyCode",
            "date",
            "interestDate",
            "typeCode",
            "typeText",
            "bookingStatus",
            "source",
            "canShowDetails",
            "accountKey",
            "accountName",
            "kidOrMessage",
            "detailsUrl",
            "merchant",
            "classificationInput",
            "isConfidential",
            "isFromCurrencyAccount",
        ] {
            assert!(t.get(field).is_some(), "row lacks {field}: {t}");
        }
        assert!(t.get("confidential").is_none());
        assert!(t["amount"].is_number());
        assert!(t["date"].is_i64());
        let an = &t["accountNumber"];
        assert_eq!(an["value"], an["unformatted"]);
        assert!(an["formatted"].is_string());
    }
    for row in &rows {
        let wire: i64 = txs
            .iter()
            .filter(|t| t["accountKey"] == row.key.as_str())
            .map(|t| ore(&t["amount"]))
            .sum();
        let sum: i64 = held
            .iter()
            .filter(|r| r.account_key == row.key)
            .map(|r| parse_ore(&r.amount).unwrap())
            .sum();
        assert_eq!(wire, sum, "account {}", row.name);
    }
    assert!(txs.iter().any(|t| t["typeCode"] == "R_260"));
    assert!(txs
        .iter()
        .any(|t| t["description"] == "LØNN" && ore(&t["amount"]) > 0));
    assert!(txs.iter().any(|t| t["typeText"] == "Varekjøp"));
    assert!(txs
        .iter()
        .any(|t| matches!(t["amount"].to_string().as_str(), "-59.9")
            && t["cleanedDescription"] == "Rema 1000 Grünerløkka"));

    let resp = api(&sb, &access, "/common/helloworld").await;
    assert_eq!(
        json_of(resp).await,
        serde_json::json!({"message": "Hello, World!"})
    );

    // Form-body client authentication works too and is recorded.
    let t2 = login_with(&sb, Auth::Form).await;
    assert_eq!(sb.stats().last_client_auth.as_deref(), Some("form"));
    let resp = api(&sb, &t2.access, "/personal/banking/accounts").await;
    assert_eq!(resp.status(), StatusCode::OK);
    sb.shutdown();
}

#[tokio::test]
async fn codes_and_access_tokens_expire_by_the_clock() {
    let sb = sandbox().await;
    let clock = sb.clock();
    let code = get_code(&sb, &[]).await;
    clock.advance(chrono::Duration::seconds(120));
    let resp = exchange(&sb, &code, Auth::Basic).await;
    assert_eq!(json_of(resp).await["error"], "invalid_grant");

    let t = login(&sb).await;
    clock.advance(chrono::Duration::seconds(599));
    assert_eq!(
        api(&sb, &t.access, "/common/helloworld").await.status(),
        StatusCode::OK
    );
    clock.advance(chrono::Duration::seconds(1));
    let resp = api(&sb, &t.access, "/common/helloworld").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.unwrap(), "Unauthorized");

    // The refresh token lives 30 days idle; each refresh starts a new idle window.
    clock.advance(chrono::Duration::days(29));
    let t2 = refresh(&sb, &t.refresh).await;
    clock.advance(chrono::Duration::days(30));
    let resp = token_request(
        &sb,
        Auth::Basic,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t2.refresh),
        ],
    )
    .await;
    assert_eq!(json_of(resp).await["error"], "invalid_grant");

    // An unanswered BankID page expires after ten minutes.
    let page = client().get(authorize_url(&sb, &[])).send().await.unwrap();
    let html = page.text().await.unwrap();
    let request_id = html
        .split("name=\"request_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    clock.advance(chrono::Duration::minutes(10));
    let resp = client()
        .post(format!("{}/oauth/authorize/approve", sb.base_url()))
        .form(&[("request_id", request_id.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
}

#[tokio::test]
async fn transaction_faults_behave() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let path = format!("{TX}?{}", all_keys_query(&sb));

    sb.inject(Sparebank1Fault::ServerError { requests: 1 });
    let resp = api(&sb, &t.access, &path).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(json_of(resp).await["errors"][0]["httpCode"], 500);

    sb.inject(Sparebank1Fault::MalformedJson { requests: 1 });
    let resp = api(&sb, &t.access, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("{\"transactions\":["));
    assert!(serde_json::from_str::<Value>(&text).is_err());

    sb.inject(Sparebank1Fault::MissingField {
        field: "nonUniqueId".to_owned(),
        requests: 1,
    });
    let rows = all_rows(&sb, &t.access, "").await;
    assert!(rows[0].get("nonUniqueId").is_none());
    assert!(rows[1].get("nonUniqueId").is_some());
    assert!(all_rows(&sb, &t.access, "").await[0]
        .get("nonUniqueId")
        .is_some());

    sb.inject(Sparebank1Fault::FloatAmount { requests: 1 });
    let resp = api(&sb, &t.access, &path).await;
    let text = resp.text().await.unwrap();
    let amount_pos = text.find("\"amount\":").unwrap();
    let amount_text: String = text[amount_pos + 9..]
        .chars()
        .take_while(|c| *c != ',')
        .collect();
    assert!(amount_text.ends_with("0000000000006"), "{amount_text}");
    let held = sb
        .ledger()
        .iter()
        .map(|r| r.amount.clone())
        .collect::<HashSet<_>>();
    assert!(held.contains(&amount_text[..amount_text.len() - 13]));

    // Faults can be cleared before they run out.
    sb.inject(Sparebank1Fault::ServerError { requests: 5 });
    sb.clear_faults();
    assert_eq!(api(&sb, &t.access, &path).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn recent_failure_drops_exactly_the_recent_source() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let window = format!("&fromDate={}&toDate={}", today() - Days::new(89), today());
    let full = all_rows(&sb, &t.access, &window).await;
    assert!(full.iter().any(|r| r["bookingStatus"] == "PENDING"));

    sb.inject(Sparebank1Fault::PartialFailure {
        error: Sparebank1PartialError::RecentTransactionsFailed,
        requests: 1,
    });
    // A HISTORIC-only request does not touch the RECENT store: no error, fault kept.
    let historic = all_rows(&sb, &t.access, &format!("{window}&source=HISTORIC")).await;
    assert!(!historic.is_empty());
    let path = format!("{TX}?{}{window}", all_keys_query(&sb));
    let resp = api(&sb, &t.access, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(
        v["errors"],
        serde_json::json!(["RECENT_TRANSACTIONS_FAILED"])
    );
    let rows = v["transactions"].as_array().unwrap();
    // Exactly the HISTORIC rows: no pending row, nothing the bank got in the last 30 days.
    assert_eq!(ids(rows), ids(&historic));
    assert!(rows.iter().all(|r| r["source"] == "HISTORIC"));
    let recent: Vec<&Value> = full.iter().filter(|r| r["source"] == "RECENT").collect();
    assert!(recent.len() > 50);
    assert!(recent.iter().any(|r| r["bookingStatus"] == "BOOKED"));
    assert!(recent.iter().all(|r| !rows.contains(r)));
    // Once.
    assert_eq!(all_rows(&sb, &t.access, &window).await.len(), full.len());
}

#[tokio::test]
async fn credit_failure_drops_the_card_rows_and_the_card_account() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let accounts = sb.accounts();
    let (current, card) = (accounts[0].key.clone(), accounts[2].key.clone());
    sb.inject(Sparebank1Fault::PartialFailure {
        error: Sparebank1PartialError::CreditAccountsFailed,
        requests: 2,
    });
    // A request without the card is not affected and does not use the fault.
    let v = json_of(api(&sb, &t.access, &format!("{TX}?accountKey={current}")).await).await;
    assert_eq!(v["errors"], serde_json::json!([]));

    let full_path = format!("{TX}?{}", keys_query(&[&current, &card]));
    let v = json_of(api(&sb, &t.access, &full_path).await).await;
    assert_eq!(v["errors"], serde_json::json!(["CREDIT_ACCOUNTS_FAILED"]));
    let rows = v["transactions"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["accountKey"] == current.as_str()));

    let v = json_of(api(&sb, &t.access, "/personal/banking/accounts").await).await;
    assert_eq!(v["errors"], serde_json::json!(["CREDIT_ACCOUNTS_FAILED"]));
    let listed: Vec<&str> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [accounts[0].key.as_str(), accounts[1].key.as_str()]);

    let v = json_of(api(&sb, &t.access, &full_path).await).await;
    assert_eq!(v["errors"], serde_json::json!([]));
    assert!(v["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["accountKey"] == card.as_str()));
}

#[tokio::test]
async fn the_cap_keeps_the_newest_rows_across_every_key() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let window = format!("&fromDate={}&toDate={}", today() - Days::new(59), today());
    let complete = all_rows(&sb, &t.access, &format!("{window}&rowLimit=1000")).await;
    assert!(complete.len() > 150 && complete.len() < 1000);
    let keys: HashSet<&str> = complete
        .iter()
        .take(60)
        .map(|r| r["accountKey"].as_str().unwrap())
        .collect();
    assert!(keys.len() >= 2, "the newest rows mix accounts");
    let days: Vec<NaiveDate> = complete.iter().map(row_day).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let cut = all_rows(&sb, &t.access, &format!("{window}&rowLimit=60")).await;
    assert_eq!(cut, complete[..60].to_vec());
    // The cut fell inside a day: the oldest day in the answer has more rows than it shows.
    let oldest = row_day(&cut[59]);
    let shown = cut.iter().filter(|r| row_day(r) == oldest).count();
    let held = complete.iter().filter(|r| row_day(r) == oldest).count();
    assert!(shown <= held);
}

#[tokio::test]
async fn a_default_cap_applies_without_row_limit_and_row_limit_is_capped() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let year = format!("&fromDate={}&toDate={}", today() - Days::new(364), today());
    let held_in_year = sb
        .oracle_ledger()
        .iter()
        .filter(|r| r.date > today() - Days::new(365))
        .count();
    assert!(held_in_year > 1200, "{held_in_year}");
    // The current account alone holds more than one answer carries in 400 days.
    let current = sb.accounts()[0].key.clone();
    let current_400 = sb
        .oracle_ledger()
        .iter()
        .filter(|r| r.account == current && r.date > today() - Days::new(400))
        .count();
    assert!(current_400 > 1000, "{current_400}");

    let default = all_rows(&sb, &t.access, &year).await;
    assert_eq!(
        default.len(),
        1000,
        "no rowLimit: 1000 rows, nothing says so"
    );
    let asked_more = all_rows(&sb, &t.access, &format!("{year}&rowLimit=5000")).await;
    assert_eq!(
        asked_more, default,
        "rowLimit above 1000 is lowered silently"
    );
    // The dropped rows are the oldest: every row newer than the oldest day shown is there.
    let cutoff = row_day(&default[999]);
    let newer = sb
        .oracle_ledger()
        .iter()
        .filter(|r| r.date > cutoff)
        .count();
    assert_eq!(
        newer,
        default.iter().filter(|r| row_day(r) > cutoff).count()
    );

    // A smaller configured cap is honoured the same way.
    let small = sandbox_with(Sparebank1Config {
        default_row_limit: 25,
        max_row_limit: 40,
        ..config()
    })
    .await;
    let t = login(&small).await;
    assert_eq!(all_rows(&small, &t.access, &year).await.len(), 25);
    assert_eq!(
        all_rows(&small, &t.access, &format!("{year}&rowLimit=100"))
            .await
            .len(),
        40
    );
    assert_eq!(
        all_rows(&small, &t.access, &format!("{year}&rowLimit=7"))
            .await
            .len(),
        7
    );
}

#[tokio::test]
async fn transaction_parameters_are_validated_like_a_real_api() {
    // 23:30 UTC on 21 November is already 22 November in Oslo.
    let sb = sandbox_with(Sparebank1Config {
        clock: SandboxClock::fixed(at("2026-11-21T23:30:00Z")),
        ..config()
    })
    .await;
    let t = login(&sb).await;
    let key = sb.accounts()[0].key.clone();
    assert_eq!(sb.today(), day(2026, 11, 22));
    assert_eq!(sb.earliest_date(), day(2023, 11, 22));
    for q in [
        String::new(),
        "?accountKey=NOPE".to_owned(),
        format!("?accountKey={key}&fromDate=21.11.2026"),
        format!("?accountKey={key}&fromDate=2026-11-1"),
        format!("?accountKey={key}&toDate=2026-02-30"),
        format!("?accountKey={key}&rowLimit=abc"),
        format!("?accountKey={key}&rowLimit=0"),
        format!("?accountKey={key}&source=SOMETIMES"),
        // After toDate.
        format!("?accountKey={key}&fromDate=2026-11-10&toDate=2026-11-01"),
        // The future, by the Oslo calendar.
        format!("?accountKey={key}&toDate=2026-11-23"),
        format!("?accountKey={key}&fromDate=2026-11-23"),
        // Before the lookback edge.
        format!("?accountKey={key}&fromDate=2023-11-21&toDate=2023-12-31"),
        format!("?accountKey={key}&fromDate=2020-01-01"),
    ] {
        let resp = api(&sb, &t.access, &format!("{TX}{q}")).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{q}");
        let v = json_of(resp).await;
        if q.contains("NOPE") {
            assert_eq!(error_code(&v), "INVALID_ACCOUNT_KEY");
        } else {
            bad_param(&v);
        }
    }
    let resp = api(
        &sb,
        &t.access,
        &format!("{TX}?accountKey={key}&fromDate=2020-01-01"),
    )
    .await;
    let v = json_of(resp).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2023-11-22"),
        "{v}"
    );
    // The Oslo today is fine even though it is still the 21st in UTC; so is the edge.
    let ok = api(
        &sb,
        &t.access,
        &format!("{TX}?accountKey={key}&fromDate=2023-11-22&toDate=2026-11-22&rowLimit=3"),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);

    // Without fromDate: 30 days ending on toDate (or the Oslo today).
    let recent = all_rows(&sb, &t.access, "").await;
    assert!(!recent.is_empty());
    assert!(recent.iter().all(|r| row_day(r) >= day(2026, 10, 24)));
    let held = sb
        .oracle_ledger()
        .iter()
        .filter(|r| r.date >= day(2026, 10, 24))
        .count();
    assert_eq!(recent.len(), held);
    let back_then = all_rows(&sb, &t.access, "&toDate=2025-06-30").await;
    assert!(back_then
        .iter()
        .all(|r| (day(2025, 6, 1)..=day(2025, 6, 30)).contains(&row_day(r))));
    assert!(!back_then.is_empty());

    // Sources.
    let window = "&fromDate=2026-08-01&toDate=2026-11-22";
    let all = all_rows(&sb, &t.access, window).await;
    let recent = all_rows(&sb, &t.access, &format!("{window}&source=RECENT")).await;
    let historic = all_rows(&sb, &t.access, &format!("{window}&source=HISTORIC")).await;
    assert_eq!(
        all,
        all_rows(&sb, &t.access, &format!("{window}&source=ALL")).await
    );
    assert_eq!(recent.len() + historic.len(), all.len());
    assert!(recent.iter().all(|r| r["source"] == "RECENT"));
    assert!(historic
        .iter()
        .all(|r| r["source"] == "HISTORIC" && r["bookingStatus"] == "BOOKED"));

    // One account only.
    let bsu = sb.accounts()[1].key.clone();
    let v = json_of(
        api(
            &sb,
            &t.access,
            &format!("{TX}?accountKey={bsu}&fromDate=2026-01-01"),
        )
        .await,
    )
    .await;
    let rows = v["transactions"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["accountName"] == "BSU"));
}

#[tokio::test]
async fn the_lookback_edge_moves_with_the_clock() {
    let sb = sandbox_with(unmetered()).await;
    let clock = sb.clock();
    let edge = sb.earliest_date();
    assert_eq!(edge, day(2023, 11, 21));
    let oldest = sb.oracle_ledger().iter().map(|r| r.date).min().unwrap();
    assert_eq!(oldest, edge, "history reaches the edge");
    clock.advance(chrono::Duration::days(40));
    assert_eq!(sb.earliest_date(), day(2023, 12, 31));
    assert!(sb
        .oracle_ledger()
        .iter()
        .all(|r| r.date >= day(2023, 12, 31)));
    assert!(
        sb.ledger().iter().any(|r| r.date < day(2023, 12, 31)),
        "still held"
    );
    let t = login(&sb).await;
    let key = sb.accounts()[0].key.clone();
    let resp = api(
        &sb,
        &t.access,
        &format!("{TX}?accountKey={key}&fromDate=2023-12-30"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn session_bound_fields_change_and_the_composite_key_does_not() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let window = "&fromDate=2026-08-01";
    let first = all_rows(&sb, &t.access, window).await;
    assert_eq!(
        first,
        all_rows(&sb, &t.access, window).await,
        "stable in a session"
    );
    let unique: HashSet<String> = ids(&first).into_iter().collect();
    assert_eq!(unique.len(), first.len(), "ids are unique");

    // A refresh starts a new session.
    let t2 = refresh(&sb, &t.refresh).await;
    let second = all_rows(&sb, &t2.access, window).await;
    assert_eq!(first.len(), second.len());
    let mut card_rows = 0;
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(composite(a), composite(b));
        assert_eq!(a["cleanedDescription"], b["cleanedDescription"]);
        assert_eq!(a["source"], b["source"]);
        assert_ne!(a["id"], b["id"]);
        let (ca, cb) = (
            &a["classificationInput"]["id"],
            &b["classificationInput"]["id"],
        );
        assert_ne!(ca, cb);
        assert_ne!(ca, &a["id"], "classificationInput.id is not the id");
        if a["bookingStatus"] == "BOOKED" {
            let url = a["detailsUrl"].as_str().unwrap();
            assert_eq!(
                url,
                format!(
                    "{}{TX}/{}/details",
                    sb.base_url(),
                    a["id"].as_str().unwrap()
                )
            );
            assert_ne!(a["detailsUrl"], b["detailsUrl"]);
        } else {
            assert!(a["detailsUrl"].is_null());
        }
        if let Some(ids_a) = a.get("creditCardIdentifiers") {
            card_rows += 1;
            let (pa, pb) = (
                ids_a["partitionKey"].as_str().unwrap(),
                b["creditCardIdentifiers"]["partitionKey"].as_str().unwrap(),
            );
            assert_eq!(pa.len(), 7);
            assert!(pa.bytes().all(|c| c.is_ascii_digit()));
            assert_ne!(pa, pb);
            assert_eq!(ids_a["nonUniqueId"], a["nonUniqueId"]);
        }
    }
    assert!(card_rows > 10);
    // The old token keeps its own session.
    assert_eq!(ids(&first), ids(&all_rows(&sb, &t.access, window).await));

    // The details endpoint knows the ids of its own session only.
    let booked = second
        .iter()
        .find(|r| r["bookingStatus"] == "BOOKED" && r["typeCode"] == "R_156")
        .unwrap();
    let url = booked["detailsUrl"].as_str().unwrap();
    let resp = client()
        .get(url)
        .bearer_auth(&t2.access)
        .header("Accept", V1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let d = json_of(resp).await;
    assert_eq!(d["id"], booked["id"]);
    assert_eq!(d["date"], row_day(booked).to_string());
    assert_eq!(d["description"], booked["description"]);
    assert_eq!(d["nonUniqueId"], booked["nonUniqueId"]);
    assert_eq!(ore(&d["amount"]), ore(&booked["amount"]));
    let resp = client()
        .get(url)
        .bearer_auth(&t.access)
        .header("Accept", V1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(&json_of(resp).await), "TRANSACTION_NOT_FOUND");

    // rotate_ids: a new session for tokens already issued too.
    sb.rotate_ids();
    let rotated = all_rows(&sb, &t2.access, window).await;
    assert!(ids(&rotated).iter().all(|id| !ids(&second).contains(id)));
    // A new login is a new session again.
    let t3 = login(&sb).await;
    let third = all_rows(&sb, &t3.access, window).await;
    let rotated_ids: HashSet<String> = ids(&rotated).into_iter().collect();
    assert!(ids(&third).iter().all(|id| !rotated_ids.contains(id)));
}

#[tokio::test]
async fn rows_gain_enrichment_and_move_to_historic_as_they_age() {
    let sb = sandbox().await;
    let clock = sb.clock();
    let window = "&fromDate=2026-10-25&rowLimit=1000";
    let t = login(&sb).await;
    let rows = all_rows(&sb, &t.access, window).await;
    let rent = rows
        .iter()
        .find(|r| r["description"] == "Husleie Fjellveien Eiendom AS")
        .unwrap()
        .clone();
    assert_eq!(row_day(&rent), day(2026, 11, 1));
    assert_eq!(rent["source"], "RECENT");
    assert!(rent.get("remoteAccountNumber").is_none(), "{rent}");
    // A purchase booked today: no merchant yet, the mechanical cleaning.
    let fresh = rows
        .iter()
        .find(|r| {
            r["bookingStatus"] == "BOOKED"
                && r["typeCode"] == "R_156"
                && row_day(r) == today()
                && r["description"].as_str().unwrap().contains("REMA")
        })
        .or_else(|| {
            rows.iter().find(|r| {
                r["bookingStatus"] == "BOOKED" && r["typeCode"] == "R_156" && row_day(r) == today()
            })
        })
        .unwrap()
        .clone();
    assert!(fresh["merchant"].is_null(), "{fresh}");
    let mechanical = fresh["cleanedDescription"].as_str().unwrap().to_owned();
    assert!(mechanical.is_ascii(), "{mechanical}");

    clock.advance(chrono::Duration::days(2));
    let t = login(&sb).await;
    let rows = all_rows(&sb, &t.access, window).await;
    let enriched = rows
        .iter()
        .find(|r| composite(r) == composite(&fresh))
        .unwrap();
    let merchant = enriched["merchant"]["name"].as_str().unwrap();
    assert_eq!(enriched["cleanedDescription"], merchant);
    assert_eq!(enriched["description"], fresh["description"]);

    clock.advance(chrono::Duration::days(13));
    let t = login(&sb).await;
    let rows = all_rows(&sb, &t.access, window).await;
    let archived = rows
        .iter()
        .find(|r| composite(r) == composite(&rent))
        .unwrap();
    assert_eq!(archived["source"], "HISTORIC");
    assert_eq!(archived["remoteAccountNumber"], "60110517245");
    assert_eq!(archived["remoteAccountName"], "Fjellveien Eiendom AS");
}

#[tokio::test]
async fn the_call_budget_refuses_the_61st_call_in_an_hour() {
    let sb = sandbox_with(Sparebank1Config {
        access_token_ttl: Duration::from_secs(4 * 3600),
        ..config()
    })
    .await;
    let clock = sb.clock();
    let t = login(&sb).await;
    let path = "/personal/banking/accounts";
    for _ in 0..29 {
        assert_eq!(api(&sb, &t.access, path).await.status(), StatusCode::OK);
    }
    // A refused request counts too.
    assert_eq!(
        api(&sb, &t.access, TX).await.status(),
        StatusCode::BAD_REQUEST
    );
    clock.advance(chrono::Duration::minutes(30));
    for _ in 0..30 {
        assert_eq!(api(&sb, &t.access, path).await.status(), StatusCode::OK);
    }
    // Unauthenticated calls and the hello-world do not count.
    assert_eq!(
        api(&sb, "not-a-token", path).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api(&sb, &t.access, "/common/helloworld").await.status(),
        StatusCode::OK
    );
    let stats = sb.stats();
    assert_eq!(stats.budget_calls, Some(60));
    assert_eq!(stats.budget_window_secs, Some(3600));
    assert_eq!(stats.budget_used.get("sandbox-client"), Some(&60));

    let resp = api(&sb, &t.access, path).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "1800");
    let v = json_of(resp).await;
    assert_eq!(v["errors"][0]["httpCode"], 429);
    clock.advance(chrono::Duration::seconds(1799));
    let resp = api(&sb, &t.access, path).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "1");
    clock.advance(chrono::Duration::seconds(1));
    assert_eq!(api(&sb, &t.access, path).await.status(), StatusCode::OK);
    let stats = sb.stats();
    assert_eq!(stats.budget_used.get("sandbox-client"), Some(&31));
    assert_eq!(stats.budget_refusals, 2);
    assert_eq!(stats.rate_limited, 2);

    // The budget is configurable, and can be switched off.
    let small = sandbox_with(Sparebank1Config {
        call_budget: Some(CallBudget {
            calls: 2,
            window: Duration::from_secs(60),
        }),
        ..config()
    })
    .await;
    let t = login(&small).await;
    for expected in [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        assert_eq!(api(&small, &t.access, path).await.status(), expected);
    }
    let free = sandbox_with(unmetered()).await;
    let t = login(&free).await;
    for _ in 0..70 {
        assert_eq!(api(&free, &t.access, path).await.status(), StatusCode::OK);
    }
    assert_eq!(free.stats().budget_calls, None);
}

#[tokio::test]
async fn advance_lives_days_settles_pending_and_brings_late_rows() {
    let sb = sandbox_with(unmetered()).await;
    let t = login(&sb).await;
    // A client that has synced everything up to today.
    let synced: HashSet<String> = all_rows(&sb, &t.access, "&fromDate=2026-10-01")
        .await
        .iter()
        .map(composite)
        .collect();
    let balances_before = sb.accounts();
    let held = sb.ledger();
    assert!(held
        .iter()
        .any(|r| !r.booked && r.amount == "-2500.00" && r.date == today()));
    assert!(held
        .iter()
        .any(|r| !r.booked && r.amount == "-1500.00" && r.date == today() - Days::new(1)));

    let resp = client()
        .post(format!("{}/_sandbox/advance", sb.base_url()))
        .body(r#"{"days":7}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let reading: Value = resp.json().await.unwrap();
    assert_eq!(reading["now"], "2026-11-28T11:00:00Z");
    assert_eq!(sb.today(), day(2026, 11, 28));

    let after = sb.ledger();
    for n in 1..=7 {
        let d = today() + Days::new(n);
        assert!(after.iter().any(|r| r.date == d), "rows on {d}");
    }
    // The hotel hold was released; the fuel hold booked what was pumped.
    assert!(!after
        .iter()
        .any(|r| r.amount == "-2500.00" && r.date == today()));
    let card = sb.accounts()[2].key.clone();
    assert!(after.iter().any(|r| r.booked
        && r.account_key == card
        && r.amount == "-642.17"
        && r.date == today() + Days::new(1)
        && r.description.ends_with("CIRCLE K ULLEVAL")));
    // Everything that was pending then has settled.
    assert!(after
        .iter()
        .all(|r| r.booked || r.date > today() + Days::new(3)));
    // Late rows: dated inside days the client had already synced.
    let late: Vec<&LedgerRow> = after
        .iter()
        .filter(|r| r.arrived > today() && r.date <= today())
        .collect();
    assert!(!late.is_empty());
    let t = login(&sb).await;
    let now_served = all_rows(&sb, &t.access, "&fromDate=2026-10-01&toDate=2026-11-21").await;
    let missed: Vec<&Value> = now_served
        .iter()
        .filter(|r| !synced.contains(&composite(r)))
        .collect();
    assert!(
        missed.iter().any(|r| r["description"]
            .as_str()
            .unwrap()
            .ends_with("FJORD1 MF LAVIK OPPEDAL")),
        "a client that only looks forward misses late rows"
    );
    assert_ne!(sb.accounts()[0].balance, balances_before[0].balance);

    // Living is deterministic.
    let twin = sandbox_with(unmetered()).await;
    twin.advance(7);
    assert_eq!(twin.oracle_ledger(), sb.oracle_ledger());
    assert_eq!(twin.oracle_accounts(), sb.oracle_accounts());

    let bad = client()
        .post(format!("{}/_sandbox/advance", sb.base_url()))
        .body(r#"{"days":-1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_oracle_matches_what_the_bank_serves() {
    let sb = sandbox_with(unmetered()).await;
    let t = login(&sb).await;
    let wire = served(&sb, &t.access).await;
    let http = client();
    let oracle: Vec<OracleRow> = http
        .get(format!("{}/_sandbox/oracle/ledger", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oracle, sb.oracle_ledger());
    assert!(oracle
        .iter()
        .all(|r| r.stable_id.is_none() && r.currency == "NOK"));
    assert!(oracle.iter().any(|r| r.status == "pending"));
    let mut from_wire: Vec<_> = wire.iter().map(as_oracle).collect();
    from_wire.sort();
    assert_eq!(from_wire, oracle_keys(&oracle));
    let names: HashMap<&str, &str> = oracle
        .iter()
        .map(|r| (r.account.as_str(), r.account_name.as_str()))
        .collect();
    for r in &wire {
        assert_eq!(
            names[r["accountKey"].as_str().unwrap()],
            r["accountName"].as_str().unwrap()
        );
    }

    let accounts: Vec<OracleAccount> = http
        .get(format!("{}/_sandbox/oracle/accounts", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accounts, sb.oracle_accounts());
    let v = json_of(api(&sb, &t.access, "/personal/banking/accounts").await).await;
    for (o, a) in accounts.iter().zip(v["accounts"].as_array().unwrap()) {
        assert_eq!(o.account, a["key"].as_str().unwrap());
        assert_eq!(o.name, a["name"].as_str().unwrap());
        assert_eq!(parse_ore(&o.balance).unwrap(), ore(&a["balance"]));
        assert_eq!(
            parse_ore(o.available.as_deref().unwrap()).unwrap(),
            ore(&a["availableBalance"])
        );
    }
}

#[tokio::test]
async fn the_request_log_records_every_bank_request() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    assert_eq!(
        api(&sb, &t.access, "/personal/banking/accounts")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        api_with(
            &sb,
            &t.access,
            Some("application/json"),
            "/personal/banking/accounts"
        )
        .await
        .status(),
        StatusCode::NOT_ACCEPTABLE
    );
    let http = client();
    // Control calls are not bank requests.
    http.get(format!("{}/_sandbox/stats", sb.base_url()))
        .send()
        .await
        .unwrap();
    let log = sb.requests();
    let summary: Vec<(u64, &str, &str, u16)> = log
        .iter()
        .map(|r| {
            (
                r.seq,
                r.method.as_str(),
                r.target.split('?').next().unwrap(),
                r.status,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "GET", "/oauth/authorize", 200),
            (2, "POST", "/oauth/authorize/approve", 302),
            (3, "POST", "/oauth/token", 200),
            (4, "GET", "/personal/banking/accounts", 200),
            (5, "GET", "/personal/banking/accounts", 406),
        ]
    );
    assert!(log.iter().all(|r| r.at == start()));
    assert!(log[0].target.contains("state=st-123"));
    assert!(log[2].body.contains("grant_type=authorization_code"));
    let auth = log[3]
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone());
    assert_eq!(auth, Some(format!("Bearer {}", t.access)));

    let over_http: Vec<RecordedRequest> = http
        .get(format!("{}/_sandbox/requests", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http, log);
    let resp = http
        .delete(format!("{}/_sandbox/requests", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(sb.requests().is_empty());
}

#[tokio::test]
async fn book_pending_settles_every_pending_row() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let window = "&fromDate=2026-11-01";
    let rows = all_rows(&sb, &t.access, window).await;
    let wire_pending: Vec<&Value> = rows
        .iter()
        .filter(|r| r["bookingStatus"] == "PENDING")
        .collect();
    let held_pending = sb.ledger().iter().filter(|r| !r.booked).count();
    assert_eq!(wire_pending.len(), held_pending);
    assert!(held_pending >= 4);
    for r in &wire_pending {
        assert_eq!(r["nonUniqueId"], "0000000000");
        assert_eq!(r["source"], "RECENT");
        assert_eq!(r["canShowDetails"], false);
        assert!(r["detailsUrl"].is_null());
        assert!(r["merchant"].is_null());
        assert!(r.get("remoteAccountNumber").is_none());
    }
    let cancels = sb
        .shared
        .lock()
        .ledger
        .txns
        .iter()
        .filter(|t| {
            t.settlement
                .as_ref()
                .is_some_and(|s| s.outcome == ledger::Outcome::Cancel)
        })
        .count();
    assert!(cancels >= 1, "the hotel hold is released");
    let pending_ids: HashSet<String> = wire_pending
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let before_ids: HashSet<String> = ids(&rows).into_iter().collect();

    sb.book_pending();
    let ledger_after = sb.ledger();
    assert!(ledger_after.iter().all(|r| r.booked));
    let rows_after = all_rows(&sb, &t.access, window).await;
    assert!(rows_after.iter().all(|r| r["bookingStatus"] == "BOOKED"));
    assert_eq!(rows_after.len(), rows.len() - cancels);
    let now_ids: HashSet<String> = ids(&rows_after).into_iter().collect();
    assert!(pending_ids.is_disjoint(&now_ids));
    let fresh: Vec<&Value> = rows_after
        .iter()
        .filter(|r| !before_ids.contains(r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(fresh.len(), held_pending - cancels);
    for r in &fresh {
        assert!(r["nonUniqueId"].as_str().unwrap().chars().any(|c| c != '0'));
        assert!(row_day(r) <= today());
    }
    // The fuel hold booked another amount; the hotel hold is gone.
    assert!(wire_pending.iter().any(|r| ore(&r["amount"]) == -150_000));
    assert!(fresh.iter().any(|r| ore(&r["amount"]) == -64_217
        && r["description"]
            .as_str()
            .unwrap()
            .ends_with("CIRCLE K ULLEVAL")));
    assert!(!rows_after.iter().any(|r| ore(&r["amount"]) == -250_000));
    // Balances follow: balance = opening + booked, nothing pending.
    let openings: Vec<i64> = sb
        .shared
        .lock()
        .ledger
        .accounts
        .iter()
        .map(|a| a.opening)
        .collect();
    for (i, a) in sb.accounts().iter().enumerate() {
        let booked: i64 = ledger_after
            .iter()
            .filter(|r| r.account_key == a.key)
            .map(|r| parse_ore(&r.amount).unwrap())
            .sum();
        assert_eq!(parse_ore(&a.balance).unwrap(), openings[i] + booked);
        let limit = if a.kind == "CREDITCARD" { 5_000_000 } else { 0 };
        assert_eq!(
            parse_ore(&a.available_balance).unwrap(),
            parse_ore(&a.balance).unwrap() + limit
        );
    }
}

#[tokio::test]
async fn identical_purchases_are_both_served() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let rows = all_rows(&sb, &t.access, "&fromDate=2026-11-01").await;
    let mut groups: HashMap<String, Vec<&Value>> = HashMap::new();
    for r in &rows {
        groups.entry(composite(r)).or_default().push(r);
    }
    let twins: Vec<&Vec<&Value>> = groups
        .values()
        .filter(|g| g.len() > 1 && g[0]["bookingStatus"] == "BOOKED")
        .collect();
    assert_eq!(twins.len(), 1, "exactly one identical booked pair");
    let pair = twins[0];
    assert_eq!(pair.len(), 2);
    assert_eq!(pair[0]["nonUniqueId"], "0000000000");
    assert_ne!(pair[0]["id"], pair[1]["id"]);
    let d = row_day(pair[0]);
    assert_eq!(d, today() - Days::new(12));
    let held = sb
        .ledger()
        .into_iter()
        .filter(|r| {
            r.date == d && r.description.ends_with("KIWI 505 STORO") && r.amount == "-34.90"
        })
        .count();
    assert_eq!(held, 2);
}

#[tokio::test]
async fn dates_are_epoch_ms_of_oslo_midnight() {
    let sb = sandbox_with(unmetered()).await;
    let t = login(&sb).await;
    let rows = served(&sb, &t.access).await;
    let mut wire_days: BTreeMap<(String, NaiveDate), usize> = BTreeMap::new();
    let mut utc_hours = HashSet::new();
    for r in &rows {
        let ms = r["date"].as_i64().unwrap();
        let utc = chrono::DateTime::from_timestamp_millis(ms).unwrap();
        utc_hours.insert(utc.hour());
        let oslo = utc.with_timezone(&ledger::OSLO);
        assert_eq!(
            (oslo.hour(), oslo.minute(), oslo.second()),
            (0, 0, 0),
            "{r}"
        );
        *wire_days
            .entry((r["accountKey"].as_str().unwrap().to_owned(), row_day(r)))
            .or_default() += 1;
    }
    let mut held_days: BTreeMap<(String, NaiveDate), usize> = BTreeMap::new();
    let earliest = sb.earliest_date();
    for r in sb.ledger().into_iter().filter(|r| r.date >= earliest) {
        *held_days
            .entry((r.account_key.clone(), r.date))
            .or_default() += 1;
    }
    assert_eq!(wire_days, held_days);
    // Both CEST (22:00Z) and CET (23:00Z) midnights appear.
    assert_eq!(utc_hours, HashSet::from([22, 23]));

    // The autumn DST day (clocks went back at 03:00, so midnight was still CEST).
    let cest = FixedOffset::east_opt(2 * 3600).unwrap();
    let autumn = cest
        .with_ymd_and_hms(2026, 10, 25, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert!(rows.iter().any(|r| r["date"].as_i64() == Some(autumn)));
    // The spring DST day (clocks went forward at 02:00, so midnight was still CET).
    let cet = FixedOffset::east_opt(3600).unwrap();
    let spring = cet
        .with_ymd_and_hms(2026, 3, 29, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert!(rows.iter().any(|r| r["date"].as_i64() == Some(spring)));
    let nov = cet
        .with_ymd_and_hms(2026, 11, 18, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(ledger::oslo_midnight_ms(day(2026, 11, 18)), nov);
}

#[tokio::test]
async fn classified_wraps_rows_with_categories() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let query = format!("{}&fromDate=2026-09-01", all_keys_query(&sb));
    let resp = api(&sb, &t.access, &format!("{TX}/classified?{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["errors"], serde_json::json!([]));
    let items = v["transactions"].as_array().unwrap();
    let plain = all_rows(&sb, &t.access, "&fromDate=2026-09-01").await;
    assert_eq!(items.len(), plain.len());
    let mut mains = HashSet::new();
    for (item, row) in items.iter().zip(&plain) {
        assert_eq!(&item["transaction"], row);
        assert!(item["recurring"].is_boolean());
        assert!(item["subscription"].is_boolean());
        let c = &item["categories"][0];
        for f in ["main", "mainI18n", "sub", "subI18n"] {
            assert!(c[f].is_string(), "{f}");
        }
        assert!(c["confidence"].is_u64());
        mains.insert(format!(
            "{}/{}",
            c["main"].as_str().unwrap(),
            c["mainI18n"].as_str().unwrap()
        ));
    }
    for expected in [
        "GROCERIES/Dagligvarer",
        "TRANSPORT/Transport",
        "HOUSING/Bolig",
        "SALARY/Lønn",
    ] {
        assert!(mains.contains(expected), "{expected} in {mains:?}");
    }
    sb.add_transaction(
        &sb.accounts()[0].key,
        today(),
        "-10.00",
        "MYSTERY SHOP",
        false,
    );
    let v = json_of(api(&sb, &t.access, &format!("{TX}/classified?{query}")).await).await;
    assert!(v["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["categories"][0]["mainI18n"] == "Ukategorisert"
            && i["transaction"]["description"] == "MYSTERY SHOP"));
}

#[tokio::test]
async fn balances_reconcile_with_the_ledger() {
    let sb = sandbox().await;
    let openings: Vec<i64> = sb
        .shared
        .lock()
        .ledger
        .accounts
        .iter()
        .map(|a| a.opening)
        .collect();
    let ledger_rows = sb.ledger();
    for (i, a) in sb.accounts().iter().enumerate() {
        let booked: i64 = ledger_rows
            .iter()
            .filter(|r| r.account_key == a.key && r.booked)
            .map(|r| parse_ore(&r.amount).unwrap())
            .sum();
        let pending: i64 = ledger_rows
            .iter()
            .filter(|r| r.account_key == a.key && !r.booked)
            .map(|r| parse_ore(&r.amount).unwrap())
            .sum();
        let balance = parse_ore(&a.balance).unwrap();
        assert_eq!(balance, openings[i] + booked, "{}", a.name);
        let limit = if a.kind == "CREDITCARD" { 5_000_000 } else { 0 };
        assert_eq!(
            parse_ore(&a.available_balance).unwrap(),
            limit + balance + pending
        );
        assert!(a.balance.split('.').nth(1).is_some_and(|d| d.len() == 2));
    }
    assert_eq!(sb.accounts()[0].balance, "18342.17");
    assert_eq!(sb.accounts()[1].balance, "123500.00");
    let card = parse_ore(&sb.accounts()[2].balance).unwrap();
    assert!((-5_000_000..=0).contains(&card), "{card}");
    assert!(ledger_rows.len() > 3000);
    assert!(ledger_rows
        .iter()
        .all(|r| r.amount.split('.').nth(1).is_some_and(|d| d.len() == 2)));
    assert!(ledger_rows.iter().any(|r| r.amount == "-1234.50"));
    let oldest = sb.oracle_ledger().iter().map(|r| r.date).min().unwrap();
    assert_eq!(oldest, day(2023, 11, 21), "what is served reaches the edge");
    assert!(
        ledger_rows.iter().any(|r| r.date < oldest),
        "older rows are held"
    );
}

#[tokio::test]
async fn control_surface_over_http() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let http = client();
    let base = sb.base_url();
    let resp = http
        .post(format!("{base}/_sandbox/faults"))
        .body(r#"{"kind":"rate_limit","requests":1,"retry_after_secs":7}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = api(&sb, &t.access, "/personal/banking/accounts").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "7");

    let resp = http
        .post(format!("{base}/_sandbox/faults"))
        .body(r#"[{"kind":"server_error","requests":3},{"kind":"partial_failure","error":"CREDIT_ACCOUNTS_FAILED","requests":1}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    http.delete(format!("{base}/_sandbox/faults"))
        .send()
        .await
        .unwrap();
    let resp = api(&sb, &t.access, "/personal/banking/accounts").await;
    assert_eq!(resp.status(), StatusCode::OK);

    for bad in [
        r#"{"kind":"earthquake"}"#,
        r#"{"kind":"partial_failure","error":"HISTORIC_TRANSACTIONS_FAILED","requests":1}"#,
    ] {
        let resp = http
            .post(format!("{base}/_sandbox/faults"))
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }

    // The clock.
    let reading: Value = http
        .get(format!("{base}/_sandbox/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reading["now"], "2026-11-21T11:00:00Z");
    let reading: Value = http
        .post(format!("{base}/_sandbox/clock"))
        .body(r#"{"advance_secs":700}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reading["now"], "2026-11-21T11:11:40Z");
    assert_eq!(
        api(&sb, &t.access, "/common/helloworld").await.status(),
        StatusCode::UNAUTHORIZED,
        "the token expired by the sandbox clock"
    );
    let reading: Value = http
        .post(format!("{base}/_sandbox/clock"))
        .body(r#"{"set":"2026-11-21T12:00:00Z"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reading["now"], "2026-11-21T12:00:00Z");
    let resp = http
        .post(format!("{base}/_sandbox/clock"))
        .body(r#"{"advance_hours":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let t = login(&sb).await;

    let ledger: Vec<Value> = http
        .get(format!("{base}/_sandbox/ledger"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ledger.len(), sb.ledger().len());
    assert!(ledger.iter().any(|r| r["booked"] == false));

    http.post(format!("{base}/_sandbox/book-pending"))
        .send()
        .await
        .unwrap();
    assert!(sb.ledger().iter().all(|r| r.booked));

    let before = ids(&all_rows(&sb, &t.access, "").await);
    http.post(format!("{base}/_sandbox/rotate-ids"))
        .send()
        .await
        .unwrap();
    assert_ne!(before, ids(&all_rows(&sb, &t.access, "").await));

    let resp = http
        .post(format!("{base}/_sandbox/transactions"))
        .body(format!(
            r#"{{"account_key":"{}","date":"2026-11-21","amount":"-12.30","description":"KIOSK","pending":true}}"#,
            sb.accounts()[0].key
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(sb
        .ledger()
        .iter()
        .any(|r| r.description == "KIOSK" && r.amount == "-12.30" && !r.booked));

    let stats: Value = http
        .get(format!("{base}/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["rate_limited"], 1);
    assert_eq!(stats["budget_calls"], 60);

    let text = http
        .get(format!("{base}/_sandbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "sandbox-secret",
        REDIRECT,
        "/_sandbox/advance",
        "60 calls per client",
    ] {
        assert!(text.contains(needle), "{needle}");
    }

    let loc = http
        .post(format!("{base}/_sandbox/approve"))
        .query(&[
            ("authorize_url", authorize_url(&sb, &[])),
            ("approve", "true".to_owned()),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        loc.trim().starts_with(REDIRECT) && loc.contains("code="),
        "{loc}"
    );
}

#[tokio::test]
async fn added_rows_show_up_and_pending_ones_book() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let key = sb.accounts()[0].key.clone();
    let before = parse_ore(&sb.accounts()[0].balance).unwrap();
    sb.add_transaction(
        &key,
        today(),
        "-59.90",
        "*4581 21.11 NOK 59.90 NARVESEN OSLO S Kurs: 1.0000",
        true,
    );
    assert_eq!(parse_ore(&sb.accounts()[0].balance).unwrap(), before);
    let rows = all_rows(&sb, &t.access, "").await;
    let row = rows
        .iter()
        .find(|r| {
            r["description"]
                .as_str()
                .unwrap()
                .starts_with("*4581 21.11 NOK 59.90 NARVESEN")
        })
        .unwrap();
    assert_eq!(row["bookingStatus"], "PENDING");
    assert_eq!(row["amount"].to_string(), "-59.9");
    // What the current account's pending rows will book as.
    let will_book: i64 = sb
        .shared
        .lock()
        .ledger
        .txns
        .iter()
        .filter(|t| t.account == ledger::CURRENT)
        .filter_map(|t| match &t.settlement {
            Some(ledger::Settlement {
                outcome: ledger::Outcome::Book { amount, .. },
                ..
            }) => Some(*amount),
            _ => None,
        })
        .sum();
    sb.book_pending();
    assert_eq!(
        parse_ore(&sb.accounts()[0].balance).unwrap(),
        before + will_book
    );
    let rows = all_rows(&sb, &t.access, "").await;
    let row = rows
        .iter()
        .find(|r| r["description"] == "NARVESEN OSLO S")
        .unwrap();
    assert_eq!(row["bookingStatus"], "BOOKED");
    assert_eq!(row["cleanedDescription"], "Narvesen Oslo S");
}

#[tokio::test]
async fn dropping_the_handle_keeps_serving_and_shutdown_stops() {
    let sb = sandbox().await;
    let base = sb.base_url();
    let keep = sb.clone();
    drop(sb);
    let resp = client()
        .get(format!("{base}/_sandbox/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    keep.shutdown();
    keep.stopped().await;
    let fresh = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert!(fresh
        .get(format!("{base}/_sandbox/stats"))
        .send()
        .await
        .is_err());
}

#[test]
fn faults_serialise_with_a_kind_tag() {
    let f = Sparebank1Fault::RateLimit {
        requests: 2,
        retry_after_secs: 30,
    };
    let text = serde_json::to_string(&f).unwrap();
    assert_eq!(
        text,
        r#"{"kind":"rate_limit","requests":2,"retry_after_secs":30}"#
    );
    assert_eq!(serde_json::from_str::<Sparebank1Fault>(&text).unwrap(), f);
    let f: Sparebank1Fault = serde_json::from_str(r#"{"kind":"expire_access_tokens"}"#).unwrap();
    assert_eq!(f, Sparebank1Fault::ExpireAccessTokens);
    let f: Sparebank1Fault =
        serde_json::from_str(r#"{"kind":"missing_field","field":"nonUniqueId","requests":1}"#)
            .unwrap();
    assert_eq!(
        f,
        Sparebank1Fault::MissingField {
            field: "nonUniqueId".to_owned(),
            requests: 1
        }
    );
    let f = Sparebank1Fault::PartialFailure {
        error: Sparebank1PartialError::RecentTransactionsFailed,
        requests: 1,
    };
    assert_eq!(
        serde_json::to_string(&f).unwrap(),
        r#"{"kind":"partial_failure","error":"RECENT_TRANSACTIONS_FAILED","requests":1}"#
    );
    // Only the documented codes exist.
    assert!(serde_json::from_str::<Sparebank1Fault>(
        r#"{"kind":"partial_failure","error":"HISTORIC_TRANSACTIONS_FAILED","requests":1}"#
    )
    .is_err());
    assert_eq!(
        Sparebank1PartialError::CreditAccountsFailed.code(),
        "CREDIT_ACCOUNTS_FAILED"
    );
}

#[test]
fn defaults_match_the_brief() {
    let before = Utc::now();
    let c = Sparebank1Config::default();
    assert_eq!(c.client_id, "sandbox-client");
    assert_eq!(c.client_secret, "sandbox-secret");
    assert_eq!(c.redirect_uris, vec![REDIRECT.to_owned()]);
    assert_eq!(c.access_token_ttl, Duration::from_secs(600));
    assert_eq!(c.code_ttl, Duration::from_secs(120));
    assert_eq!(c.refresh_token_ttl, Duration::from_secs(30 * 24 * 3600));
    assert!(!c.require_pkce);
    assert_eq!(c.default_row_limit, 1000);
    assert_eq!(c.max_row_limit, 1000);
    assert_eq!(c.lookback_months, 36);
    assert_eq!(
        c.call_budget,
        Some(CallBudget {
            calls: 60,
            window: Duration::from_secs(3600)
        })
    );
    // The default clock follows the wall clock: read between two wall-clock readings.
    let now = c.clock.now();
    assert!(before <= now && now <= Utc::now(), "{now}");
}
