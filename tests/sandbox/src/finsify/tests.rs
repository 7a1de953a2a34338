//! End-to-end checks over real HTTP (reqwest) against a started sandbox. Time never passes by
//! itself: every sandbox here runs on a fixed [`SandboxClock`] that the tests move.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

use super::money::{format_minor, parse_decimal};
use super::*;

use super::state::CATEGORIES;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Noon in Ho Chi Minh City on 31 March 2025.
fn start() -> DateTime<Utc> {
    at("2025-03-31T05:00:00Z")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn config() -> FinsifyConfig {
    FinsifyConfig {
        clock: SandboxClock::fixed(start()),
        seed: 4242,
        ..FinsifyConfig::default()
    }
}

fn row_date(row: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(row["date"].as_str().unwrap(), "%Y-%m-%d").unwrap()
}

struct Harness {
    sb: FinsifySandbox,
    http: Client,
}

const TECHCOMBANK: i64 = 8;

impl Harness {
    async fn start() -> Self {
        Self::with(config()).await
    }

    async fn with(config: FinsifyConfig) -> Self {
        let sb = FinsifySandbox::start(config, 0).await.unwrap();
        Self {
            sb,
            http: Client::new(),
        }
    }

    /// A request with valid client credentials (`Service-secret`).
    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sb.base_url()))
            .header("Client-Id", "sandbox-client-id")
            .header("Service-secret", "sandbox-service-secret")
    }

    fn with_login(&self, method: Method, path: &str, secret: &str) -> RequestBuilder {
        self.req(method, path).header("Login-secret", secret)
    }

    async fn customer(&self, identifier: &str) -> String {
        let (status, body) = send(
            self.req(Method::POST, "/customer")
                .json(&json!({ "identifier": identifier })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["customer_id"].as_str().unwrap().to_owned()
    }

    async fn token(&self, customer_id: &str, service_id: i64, callback: &str) -> Value {
        let (status, body) = send(self.req(Method::POST, "/token").json(&json!({
            "customer_id": customer_id,
            "service_id": service_id,
            "callback_url": callback,
        })))
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"].clone()
    }

    /// Customer → token → approve; returns (login_id, secret).
    async fn connect(&self, identifier: &str) -> (i64, String) {
        let customer = self.customer(identifier).await;
        let callback = format!("coffer://finsify-hub/{identifier}");
        let token = self.token(&customer, TECHCOMBANK, &callback).await;
        let location = approve_in_browser(token["connect_url"].as_str().unwrap(), true)
            .await
            .unwrap();
        let payload = callback_json(&location, &callback);
        (
            payload["login_id"].as_i64().unwrap(),
            payload["secret"].as_str().unwrap().to_owned(),
        )
    }

    async fn accounts(&self, secret: &str) -> Vec<Value> {
        let (status, body) = send(self.with_login(Method::GET, "/account", secret)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"].as_array().unwrap().clone()
    }

    async fn transactions(&self, secret: &str, query: &str) -> Vec<Value> {
        let (status, body) =
            send(self.with_login(Method::GET, &format!("/transaction?{query}"), secret)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"].as_array().unwrap().clone()
    }

    async fn raw(&self, request: RequestBuilder) -> (StatusCode, String) {
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, body)
}

fn assert_error(status: StatusCode, body: &Value, want_status: u16, want_name: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["error"], want_name, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["extra"].is_object(), "{body}");
}

/// The last path segment after `callback/`, percent-decoded.
fn callback_segment(location: &str, callback: &str) -> String {
    let segment = location
        .strip_prefix(&format!("{callback}/"))
        .unwrap_or_else(|| panic!("{location} does not extend {callback}/"));
    assert!(!segment.contains('/'), "one segment only: {segment}");
    assert!(
        segment
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'{'),
        "percent-encoded: {segment}"
    );
    url::form_urlencoded::parse(format!("s={segment}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned()
}

fn callback_json(location: &str, callback: &str) -> Value {
    serde_json::from_str(&callback_segment(location, callback)).unwrap()
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_decimal_string(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        matches!(digits.split_once('.'), Some((whole, cents))
            if !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit())
            && cents.len() == 2 && cents.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn minor(value: &Value) -> i64 {
    parse_decimal(value.as_str().unwrap()).unwrap()
}

fn is_iso_millis(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 24
            && s.ends_with('Z')
            && s.as_bytes()[19] == b'.'
            && DateTime::parse_from_rfc3339(s).is_ok()
    })
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn client_headers_need_exactly_one_secret() {
    let h = Harness::start().await;
    let url = format!("{}/customer", h.sb.base_url());
    let body = json!({ "identifier": "headers" });

    let neither = h
        .http
        .post(&url)
        .header("Client-Id", "sandbox-client-id")
        .json(&body);
    let (status, err) = send(neither).await;
    assert_error(status, &err, 400, "CredentialInvalid");

    let both = h
        .req(Method::POST, "/customer")
        .header("App-secret", "sandbox-app-secret")
        .json(&body);
    let (status, err) = send(both).await;
    assert_error(status, &err, 400, "CredentialInvalid");

    let no_client = h
        .http
        .post(&url)
        .header("Service-secret", "sandbox-service-secret")
        .json(&body);
    let (status, err) = send(no_client).await;
    assert_error(status, &err, 400, "CredentialInvalid");

    let wrong_client = h
        .http
        .post(&url)
        .header("Client-Id", "someone-else")
        .header("Service-secret", "sandbox-service-secret")
        .json(&body);
    let (status, err) = send(wrong_client).await;
    assert_error(status, &err, 404, "ClientNotFound");

    let wrong_secret = h
        .http
        .post(&url)
        .header("client-id", "sandbox-client-id")
        .header("SERVICE-SECRET", "nope")
        .json(&body);
    let (status, err) = send(wrong_secret).await;
    assert_error(status, &err, 400, "CredentialInvalid");

    assert_eq!(h.sb.stats().customers_created, 0);

    // App-secret alone is fine, whatever the header case.
    let mobile = h
        .http
        .post(&url)
        .header("CLIENT-ID", "sandbox-client-id")
        .header("app-secret", "sandbox-app-secret")
        .json(&body);
    let (status, created) = send(mobile).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(h.sb.stats().customers_created, 1);
}

#[tokio::test]
async fn bodies_must_be_json() {
    let h = Harness::start().await;
    let (status, err) = send(
        h.req(Method::POST, "/customer")
            .header("Content-Type", "application/json")
            .body("identifier=x"),
    )
    .await;
    assert_error(status, &err, 400, "ContentInputInvalid");

    let (status, err) = send(
        h.req(Method::POST, "/customer")
            .header("Content-Type", "text/plain")
            .body(r#"{"identifier":"x"}"#),
    )
    .await;
    assert_error(status, &err, 400, "ContentInputInvalid");

    let (status, err) = send(h.req(Method::POST, "/customer")).await;
    assert_error(status, &err, 400, "ContentInputInvalid");

    let (status, err) = send(
        h.req(Method::POST, "/customer")
            .json(&json!({ "name": "x" })),
    )
    .await;
    assert_error(status, &err, 400, "DataInvalid");
    assert_eq!(err["extra"]["field"], "identifier");
}

#[tokio::test]
async fn customer_is_created_once() {
    let h = Harness::start().await;
    let (status, body) = send(
        h.req(Method::POST, "/customer")
            .json(&json!({ "identifier": "user-1" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["version"], "v2");
    assert_eq!(body["data"]["identifier"], "user-1");
    assert!(
        is_uuid(body["data"]["customer_id"].as_str().unwrap()),
        "{body}"
    );

    let (status, err) = send(
        h.req(Method::POST, "/customer")
            .json(&json!({ "identifier": "user-1" })),
    )
    .await;
    assert_error(status, &err, 400, "CustomerExists");
    assert_eq!(err["extra"]["identifier"], "user-1");
    assert_eq!(h.sb.stats().customers_created, 1);
}

#[tokio::test]
async fn token_connect_page_and_callback() {
    let h = Harness::start().await;
    let customer = h.customer("flow").await;
    let callback = "coffer://finsify-hub/nonce-123";
    let token = h.token(&customer, TECHCOMBANK, callback).await;
    let id = token["id"].as_str().unwrap();
    assert!(is_uuid(id));
    assert_eq!(
        token["connect_url"],
        format!("{}/connect/term/{id}", h.sb.base_url())
    );
    assert_eq!(h.sb.stats().tokens_created, 1);

    // The page: the service's name, the login fields, both buttons, a local POST form.
    let (status, html) = h
        .raw(h.http.get(token["connect_url"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "Techcombank",
        "name=\"username\"",
        "type=\"password\"",
        ">Connect</button>",
        ">Cancel</button>",
        &format!("action=\"/v2/connect/term/{id}\""),
        "method=\"post\"",
    ] {
        assert!(html.contains(needle), "missing {needle}: {html}");
    }
    assert!(!html.contains("src="), "no external resources");
    assert!(!html.contains("http://") && !html.contains("https://"));

    let location = approve_in_browser(token["connect_url"].as_str().unwrap(), true)
        .await
        .unwrap();
    // `{"status":…` percent-encoded as one path segment.
    assert!(
        location.starts_with(&format!("{callback}/%7B%22status%22%3A%22success%22")),
        "{location}"
    );
    let payload = callback_json(&location, callback);
    assert_eq!(payload["status"], "success");
    let login_id = payload["login_id"]
        .as_i64()
        .expect("login_id is an integer");
    let secret = payload["secret"].as_str().unwrap();
    assert!(is_uuid(secret));

    let logins = h.sb.logins();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].id, login_id);
    assert_eq!(logins[0].secret, secret);
    assert_eq!(logins[0].customer_id, customer);
    assert_eq!(logins[0].service_id, TECHCOMBANK);
    assert!(logins[0].active);
    assert_eq!(logins[0].status, "active");
    let issued = h.sb.issued_secrets();
    assert!(issued.contains(&id.to_owned()) && issued.contains(&secret.to_owned()));

    // A loopback http callback works the same way.
    let customer2 = h.customer("flow-2").await;
    let http_callback = "http://127.0.0.1:4567/callback/finsify/n2";
    let token = h.token(&customer2, 18, http_callback).await;
    let location = approve_in_browser(token["connect_url"].as_str().unwrap(), true)
        .await
        .unwrap();
    let payload = callback_json(&location, http_callback);
    assert_eq!(payload["status"], "success");
    assert_ne!(payload["login_id"].as_i64().unwrap(), login_id);
}

#[tokio::test]
async fn cancel_redirects_without_a_login() {
    let h = Harness::start().await;
    let customer = h.customer("cancel").await;
    let callback = "coffer://finsify-hub/c1";
    let token = h.token(&customer, TECHCOMBANK, callback).await;
    let location = approve_in_browser(token["connect_url"].as_str().unwrap(), false)
        .await
        .unwrap();
    let payload = callback_json(&location, callback);
    assert_eq!(
        payload,
        json!({ "status": "cancelled", "login_id": null, "secret": null })
    );
    assert!(h.sb.logins().is_empty());
    // The token is spent by the cancel.
    let again = approve_in_browser(token["connect_url"].as_str().unwrap(), true).await;
    assert!(
        matches!(again, Err(BrowseError::Page { status: 400, .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn token_is_single_use_and_expires_by_the_clock() {
    let h = Harness::start().await;
    let customer = h.customer("ttl").await;
    let token = h
        .token(&customer, TECHCOMBANK, "coffer://finsify-hub/t")
        .await;
    let url = token["connect_url"].as_str().unwrap().to_owned();
    approve_in_browser(&url, true).await.unwrap();
    match approve_in_browser(&url, true).await {
        Err(BrowseError::Page { status, body, .. }) => {
            assert_eq!(status, 400);
            assert!(body.contains("TokenExpire"), "{body}");
        }
        other => panic!("a spent token must not redirect: {other:?}"),
    }
    assert_eq!(h.sb.logins().len(), 1);

    // Thirty minutes: usable a second before, expired at the mark.
    let token = h
        .token(&customer, TECHCOMBANK, "coffer://finsify-hub/t")
        .await;
    let clock = h.sb.clock();
    clock.advance(chrono::Duration::seconds(30 * 60 - 1));
    let (status, _) = h
        .raw(h.http.get(token["connect_url"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK);
    clock.advance(chrono::Duration::seconds(1));
    match approve_in_browser(token["connect_url"].as_str().unwrap(), true).await {
        Err(BrowseError::Page { status, body, .. }) => {
            assert_eq!(status, 400);
            assert!(body.contains("TokenExpire"), "{body}");
        }
        other => panic!("an expired token must not redirect: {other:?}"),
    }
    assert_eq!(h.sb.logins().len(), 1);

    let unknown = format!(
        "{}/connect/term/00000000-0000-4000-8000-000000000000",
        h.sb.base_url()
    );
    assert!(matches!(
        approve_in_browser(&unknown, true).await,
        Err(BrowseError::Page { status: 404, .. })
    ));
}

#[tokio::test]
async fn token_needs_known_customer_and_service() {
    let h = Harness::start().await;
    let customer = h.customer("known").await;
    let (status, err) = send(h.req(Method::POST, "/token").json(&json!({
        "customer_id": "00000000-0000-4000-8000-000000000000",
        "service_id": TECHCOMBANK,
        "callback_url": "coffer://finsify-hub/x",
    })))
    .await;
    assert_error(status, &err, 404, "CustomerNotFound");
    let (status, err) = send(h.req(Method::POST, "/token").json(&json!({
        "customer_id": customer,
        "service_id": 99_999,
        "callback_url": "coffer://finsify-hub/x",
    })))
    .await;
    assert_error(status, &err, 404, "ServiceNotFound");
    let (status, err) = send(h.req(Method::POST, "/token").json(&json!({
        "customer_id": customer,
        "service_id": TECHCOMBANK,
        "callback_url": "not a url",
    })))
    .await;
    assert_error(status, &err, 400, "DataInvalid");
    assert_eq!(h.sb.stats().tokens_created, 0);
}

#[tokio::test]
async fn accounts_and_transactions_use_decimal_strings() {
    let h = Harness::start().await;
    let (login_id, secret) = h.connect("data").await;
    let accounts = h.accounts(&secret).await;
    assert_eq!(accounts.len(), 2);
    let kinds: Vec<&str> = accounts
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["current", "credit"]);
    for account in &accounts {
        assert!(account["id"].is_i64());
        assert_eq!(account["login_id"].as_i64(), Some(login_id));
        assert!(account["original_id"]
            .as_str()
            .is_some_and(|s| s.starts_with("techcombank-")));
        assert!(account["name"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(account["currency"], "VND");
        assert!(is_decimal_string(&account["balance"]), "{account}");
    }
    assert!(
        minor(&accounts[0]["balance"]) > 0,
        "current account in credit"
    );
    assert!(minor(&accounts[1]["balance"]) < 0, "credit card owes");

    let ledger = h.sb.ledger();
    for account in &accounts {
        let account_id = account["id"].as_i64().unwrap();
        let rows = h
            .transactions(&secret, &format!("account_id={account_id}"))
            .await;
        assert!(rows.len() > 20, "{} rows", rows.len());
        let mut seen = HashSet::new();
        let mut previous: Option<NaiveDate> = None;
        for row in &rows {
            let keys: HashSet<&str> = row
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                HashSet::from([
                    "id",
                    "original_id",
                    "date",
                    "amount",
                    "currency",
                    "description",
                    "category",
                    "meta"
                ]),
            );
            assert!(row["id"].is_i64());
            let original = row["original_id"].as_str().unwrap();
            assert!(
                original.starts_with("techcombank-") && original.len() == "techcombank-".len() + 32
            );
            assert!(seen.insert(original.to_owned()), "original_id unique");
            assert!(is_decimal_string(&row["amount"]), "{row}");
            assert!(
                row["amount"].as_str().unwrap().ends_with(".00"),
                "VND: whole dong"
            );
            assert_eq!(row["currency"], "VND");
            assert!(
                CATEGORIES.contains(&row["category"].as_str().unwrap()),
                "{row}"
            );
            assert!(row["meta"].is_null() || row["meta"].is_object());
            let date = row_date(row);
            // No from_date: the longest span allowed (731 days) ending today.
            assert!(date <= today() && date > today() - chrono::Duration::days(731));
            assert!(previous.is_none_or(|p| p >= date), "newest first");
            previous = Some(date);
        }
        assert!(rows.iter().any(|r| r["meta"].is_object()));
        // Balance = opening + every row the account holds (older ones too).
        let sum: i64 = ledger
            .iter()
            .filter(|r| r.account_id == account_id)
            .map(|r| parse_decimal(&r.amount).unwrap())
            .sum();
        let opening = {
            let inner = h.sb.shared.lock();
            let a = &inner.accounts[&account_id];
            inner.ledgers[&a.login_id].accounts[a.index].opening_minor
        };
        assert_eq!(account["balance"], format_minor(opening + sum));
        // The API shows exactly what the bank holds in the range.
        let held: HashSet<String> = ledger
            .iter()
            .filter(|r| r.account_id == account_id)
            .filter(|r| r.date > today() - chrono::Duration::days(731))
            .map(|r| r.original_id.clone())
            .collect();
        assert_eq!(held, seen);
        // Stable across calls.
        let again = h
            .transactions(&secret, &format!("account_id={account_id}"))
            .await;
        assert_eq!(again, rows);
    }
    let all = h
        .transactions(&secret, &format!("account_id={}", accounts[0]["id"]))
        .await;
    assert!(all.iter().any(|r| r["description"]
        .as_str()
        .unwrap()
        .starts_with("LUONG THANG")));
    let card = h
        .transactions(&secret, &format!("account_id={}", accounts[1]["id"]))
        .await;
    assert!(card
        .iter()
        .any(|r| r["description"].as_str().unwrap().contains("GRAB")));
}

#[tokio::test]
async fn added_transaction_moves_the_balance() {
    let h = Harness::start().await;
    let (login_id, secret) = h.connect("add").await;
    let accounts = h.accounts(&secret).await;
    let account_id = accounts[0]["id"].as_i64().unwrap();
    let before = minor(&accounts[0]["balance"]);
    h.sb.add_transaction(
        login_id,
        account_id,
        today(),
        "-61299.00",
        "GRAB*TEST",
        "auto_and_transport",
    );
    let after = minor(&h.accounts(&secret).await[0]["balance"]);
    assert_eq!(after, before - 6_129_900);
    let rows = h
        .transactions(
            &secret,
            &format!("account_id={account_id}&from_date=2025-03-31"),
        )
        .await;
    let added = rows
        .iter()
        .find(|r| r["description"] == "GRAB*TEST")
        .expect("new row served");
    assert_eq!(added["amount"], "-61299.00");
    // Categorised the day after it was scraped.
    assert_eq!(added["category"], "uncategorized");
    h.sb.clock().advance(chrono::Duration::days(1));
    let rows = h
        .transactions(
            &secret,
            &format!("account_id={account_id}&from_date=2025-03-31"),
        )
        .await;
    let added = rows
        .iter()
        .find(|r| r["description"] == "GRAB*TEST")
        .unwrap();
    assert_eq!(added["category"], "auto_and_transport");
    assert!(h
        .sb
        .ledger()
        .iter()
        .any(|r| r.description == "GRAB*TEST" && r.amount == "-61299.00"));
}

#[tokio::test]
async fn date_filters_and_end_date_synonym() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("dates").await;
    let account_id = h.accounts(&secret).await[1]["id"].as_i64().unwrap();
    let all = h
        .transactions(&secret, &format!("account_id={account_id}"))
        .await;
    let with_to = h
        .transactions(
            &secret,
            &format!("account_id={account_id}&from_date=2025-02-01&to_date=2025-02-28"),
        )
        .await;
    let with_end = h
        .transactions(
            &secret,
            &format!("account_id={account_id}&from_date=2025-02-01&end_date=2025-02-28"),
        )
        .await;
    assert!(!with_to.is_empty());
    assert_eq!(with_to, with_end, "end_date is a synonym of to_date");
    let expected: Vec<&Value> = all
        .iter()
        .filter(|r| {
            let d = r["date"].as_str().unwrap();
            ("2025-02-01"..="2025-02-28").contains(&d)
        })
        .collect();
    assert_eq!(with_to.iter().collect::<Vec<_>>(), expected);
    assert!(with_to.len() < all.len());

    // Undocumented `timestamp` (epoch ms): rows since that day (Asia/Ho_Chi_Minh).
    let since = NaiveDate::from_ymd_opt(2025, 3, 24).unwrap();
    let ms = since
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 7 * 3_600_000;
    let by_timestamp = h
        .transactions(&secret, &format!("account_id={account_id}&timestamp={ms}"))
        .await;
    let by_date = h
        .transactions(
            &secret,
            &format!("account_id={account_id}&from_date=2025-03-24"),
        )
        .await;
    assert!(!by_timestamp.is_empty());
    assert_eq!(by_timestamp, by_date);

    let (status, err) = send(h.with_login(
        Method::GET,
        &format!("/transaction?account_id={account_id}&from_date=31-03-2025"),
        &secret,
    ))
    .await;
    assert_error(status, &err, 400, "DataInvalid");
}

#[tokio::test]
async fn unknown_login_and_account() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("lost").await;
    let bogus = "d16bdfd0-5bd2-46d3-96c2-000000000000";
    let (status, err) = send(h.with_login(Method::GET, "/account", bogus)).await;
    assert_error(status, &err, 404, "LoginNotFound");
    assert_eq!(err["extra"]["loginSecret"], bogus);
    let (status, err) = send(h.with_login(Method::GET, "/transaction?account_id=1", bogus)).await;
    assert_error(status, &err, 404, "LoginNotFound");

    let (status, err) = send(h.req(Method::GET, "/account")).await;
    assert_error(status, &err, 400, "BadRequest");

    let (status, err) = send(h.with_login(Method::GET, "/transaction?account_id=1", &secret)).await;
    assert_error(status, &err, 404, "AccountNotFound");
    // Another login's account is not this login's.
    let (_, other) = h.connect("lost-2").await;
    let foreign = h.accounts(&other).await[0]["id"].as_i64().unwrap();
    let (status, err) = send(h.with_login(
        Method::GET,
        &format!("/transaction?account_id={foreign}"),
        &secret,
    ))
    .await;
    assert_error(status, &err, 404, "AccountNotFound");
}

#[tokio::test]
async fn refresh_is_throttled() {
    let h = Harness::start().await;
    let (login_id, secret) = h.connect("refresh").await;
    let (status, body) = send(h.with_login(Method::PUT, "/login/refresh", &secret)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], "v2");
    let data = &body["data"];
    assert_eq!(data["id"].as_i64(), Some(login_id));
    assert_eq!(data["refreshed"], true);
    assert!(is_iso_millis(&data["last_refresh_at"]), "{data}");
    assert!(is_iso_millis(&data["next_refresh_possible_at"]), "{data}");
    let last = DateTime::parse_from_rfc3339(data["last_refresh_at"].as_str().unwrap()).unwrap();
    let next =
        DateTime::parse_from_rfc3339(data["next_refresh_possible_at"].as_str().unwrap()).unwrap();
    assert_eq!(next - last, chrono::Duration::minutes(5));

    let (status, err) = send(h.with_login(Method::PUT, "/login/refresh", &secret)).await;
    assert_error(status, &err, 400, "BadRequest");
    assert_eq!(
        err["extra"]["next_refresh_possible_at"],
        data["next_refresh_possible_at"]
    );
    assert_eq!(h.sb.stats().refreshes, 1);

    // The throttle runs on the sandbox clock: a second early is refused, on time is fine.
    assert_eq!(
        data["last_refresh_at"].as_str(),
        Some("2025-03-31T05:00:00.000Z")
    );
    let clock = h.sb.clock();
    clock.advance(chrono::Duration::seconds(299));
    assert_eq!(
        send(h.with_login(Method::PUT, "/login/refresh", &secret))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    clock.advance(chrono::Duration::seconds(1));
    let (status, body) = send(h.with_login(Method::PUT, "/login/refresh", &secret)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"]["next_refresh_possible_at"].as_str(),
        Some("2025-03-31T05:10:00.000Z")
    );
    assert_eq!(h.sb.stats().refreshes, 2);
}

#[tokio::test]
async fn deactivate_and_activate() {
    let h = Harness::start().await;
    let (login_id, secret) = h.connect("toggle").await;
    let (status, body) = send(h.with_login(Method::PUT, "/login/deactivate", &secret)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], json!({ "id": login_id, "deActivate": true }));
    assert!(body.get("version").is_none(), "{body}");
    assert!(!h.sb.logins()[0].active);
    assert_eq!(h.sb.stats().deactivations, 1);

    // Data still flows; refresh is refused.
    assert_eq!(h.accounts(&secret).await.len(), 2);
    let (status, err) = send(h.with_login(Method::PUT, "/login/refresh", &secret)).await;
    assert_error(status, &err, 400, "BadRequest");
    assert_eq!(err["extra"]["active"], false);

    let (status, body) = send(h.with_login(Method::PUT, "/login/activate", &secret)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], json!({ "id": login_id, "activate": true }));
    assert!(h.sb.logins()[0].active);
    assert_eq!(
        send(h.with_login(Method::PUT, "/login/refresh", &secret))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reconnect_keeps_login_and_replaces_secret() {
    let h = Harness::start().await;
    let (login_id, old_secret) = h.connect("reconnect").await;
    let accounts = h.accounts(&old_secret).await;
    let account_id = accounts[0]["id"].as_i64().unwrap();
    let before = h
        .transactions(&old_secret, &format!("account_id={account_id}"))
        .await;

    h.sb.set_login_status(login_id, "login_wrong_credentials");
    let (status, err) = send(h.with_login(Method::GET, "/account", &old_secret)).await;
    assert_error(status, &err, 400, "LoginInvalid");
    assert_eq!(err["extra"]["status"], "login_wrong_credentials");
    let (status, err) = send(h.with_login(
        Method::GET,
        &format!("/transaction?account_id={account_id}"),
        &old_secret,
    ))
    .await;
    assert_error(status, &err, 400, "LoginInvalid");

    let callback = "coffer://finsify-hub/re-1";
    let (status, body) = send(
        h.with_login(Method::POST, "/token/reconnect", &old_secret)
            .json(&json!({ "callback_url": callback })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let connect_url = body["data"]["connect_url"].as_str().unwrap();
    assert!(connect_url.starts_with(&format!("{}/connect/term/", h.sb.base_url())));
    let location = approve_in_browser(connect_url, true).await.unwrap();
    let payload = callback_json(&location, callback);
    assert_eq!(payload["status"], "success");
    assert_eq!(payload["login_id"].as_i64(), Some(login_id));
    let new_secret = payload["secret"].as_str().unwrap();
    assert_ne!(new_secret, old_secret);

    let (status, err) = send(h.with_login(Method::GET, "/account", &old_secret)).await;
    assert_error(status, &err, 404, "LoginNotFound");
    assert_eq!(h.accounts(new_secret).await, accounts);
    let after = h
        .transactions(new_secret, &format!("account_id={account_id}"))
        .await;
    assert_eq!(after, before, "same rows, same original_ids");
    let logins = h.sb.logins();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].status, "active");
    assert_eq!(logins[0].secret, new_secret);
    assert_eq!(h.sb.stats().reconnects, 1);
    assert_eq!(h.sb.stats().tokens_created, 1);
    assert!(h.sb.issued_secrets().contains(&new_secret.to_owned()));
}

#[tokio::test]
async fn delete_login_unlinks() {
    let h = Harness::start().await;
    let (login_id, secret) = h.connect("unlink").await;
    let customer_id = h.sb.logins()[0].customer_id.clone();
    let (status, err) = send(
        h.with_login(Method::DELETE, "/login", &secret)
            .json(&json!({ "customer_id": "someone-else" })),
    )
    .await;
    assert_error(status, &err, 404, "CustomerNotFound");
    let (status, body) = send(
        h.with_login(Method::DELETE, "/login", &secret)
            .json(&json!({ "customer_id": customer_id })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["id"].as_i64(), Some(login_id));
    let (status, err) = send(h.with_login(Method::GET, "/account", &secret)).await;
    assert_error(status, &err, 404, "LoginNotFound");
    assert_eq!(h.sb.logins()[0].status, "deleted");
}

#[tokio::test]
async fn service_catalogue_is_wrapped() {
    let h = Harness::start().await;
    // No credentials needed.
    let (status, body) = send(h.http.get(h.sb.service_catalogue_url())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], true);
    let expected_update = NaiveDate::from_ymd_opt(2025, 3, 31)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
        - 7 * 3600;
    assert_eq!(body["last_update"].as_i64(), Some(expected_update));
    let items = body["data"].as_array().unwrap();
    assert!(items.len() >= 20);
    let keys = HashSet::from([
        "id",
        "name",
        "provider",
        "media_path",
        "cover_file_name",
        "logo_file_name",
        "color",
        "type",
        "country_code",
        "has_balance",
        "call_to_action",
    ]);
    let mut ids = HashSet::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    for item in items {
        let item_keys: HashSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(item_keys, keys, "{item}");
        assert!(ids.insert(item["id"].as_i64().unwrap()));
        names.insert(
            item["id"].as_i64().unwrap(),
            item["name"].as_str().unwrap().to_owned(),
        );
        assert_eq!(item["media_path"], "https://assets.finsify.com/services/");
        assert!(item["color"]["primary"].is_string() && item["color"]["secondary"].is_string());
        assert!(["bank", "statement", "other"].contains(&item["type"].as_str().unwrap()));
        assert!(item["has_balance"].is_boolean());
        let cta = &item["call_to_action"];
        assert!(cta.is_null() || ["prompt", "text", "url"].iter().all(|k| cta[k].is_string()));
    }
    for (id, name) in [
        (8, "Techcombank"),
        (10, "Vietcombank"),
        (18, "MBBank"),
        (14, "Vietinbank"),
        (249, "Timo"),
        (7, "Paypal"),
    ] {
        assert_eq!(names.get(&id).map(String::as_str), Some(name));
    }
    let countries: HashSet<&str> = items
        .iter()
        .map(|i| i["country_code"].as_str().unwrap())
        .collect();
    for country in ["VN", "HK", "ID", "MY", "XO"] {
        assert!(countries.contains(country), "{country}");
    }
}

#[tokio::test]
async fn fault_server_error_and_maintenance() {
    let h = Harness::start().await;
    h.sb.inject(FinsifyFault::ServerError { requests: 2 });
    for _ in 0..2 {
        let (status, err) = send(
            h.req(Method::POST, "/customer")
                .json(&json!({ "identifier": "f" })),
        )
        .await;
        assert_error(status, &err, 500, "InternalError");
    }
    h.customer("f").await;

    h.sb.inject(FinsifyFault::Maintenance { requests: 1 });
    let (status, err) = send(
        h.req(Method::POST, "/customer")
            .json(&json!({ "identifier": "g" })),
    )
    .await;
    assert_error(status, &err, 503, "ServerMaintenance");
    h.customer("g").await;

    h.sb.inject(FinsifyFault::Maintenance { requests: 5 });
    h.sb.clear_faults();
    h.customer("h").await;
}

#[tokio::test]
async fn fault_malformed_json() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("malformed").await;
    h.sb.inject(FinsifyFault::MalformedJson { requests: 1 });
    let (status, text) = h.raw(h.with_login(Method::GET, "/account", &secret)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.starts_with("{\"data\":["), "{text}");
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "truncated: {text}"
    );
    assert_eq!(h.accounts(&secret).await.len(), 2, "one request only");
}

#[tokio::test]
async fn fault_missing_field() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("missing").await;
    let account_id = h.accounts(&secret).await[0]["id"].as_i64().unwrap();
    let query = format!("account_id={account_id}");
    h.sb.inject(FinsifyFault::MissingField {
        field: "original_id".into(),
        requests: 1,
    });
    // Not a transaction call: untouched, fault still queued.
    assert!(h.accounts(&secret).await[0].get("original_id").is_some());
    let rows = h.transactions(&secret, &query).await;
    assert!(rows[0].get("original_id").is_none(), "{}", rows[0]);
    assert!(rows[0].get("amount").is_some());
    assert!(rows[1].get("original_id").is_some());
    let rows = h.transactions(&secret, &query).await;
    assert!(rows[0].get("original_id").is_some());
}

#[tokio::test]
async fn fault_float_amount() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("float").await;
    let account_id = h.accounts(&secret).await[1]["id"].as_i64().unwrap();
    let query = format!("account_id={account_id}");
    let clean = h.transactions(&secret, &query).await;
    let exact = clean[0]["amount"].as_str().unwrap().to_owned();
    h.sb.inject(FinsifyFault::FloatAmount { requests: 1 });
    let (status, text) = h
        .raw(h.with_login(Method::GET, &format!("/transaction?{query}"), &secret))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains(&format!("\"amount\":{exact}0000001")),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    let rows = body["data"].as_array().unwrap();
    assert!(rows[0]["amount"].is_number());
    assert!(rows[1..].iter().all(|r| r["amount"].is_string()));
    let again = h.transactions(&secret, &query).await;
    assert_eq!(again, clean);
}

#[tokio::test]
async fn fault_callback_broken_json() {
    let h = Harness::start().await;
    let customer = h.customer("broken").await;
    let callback = "coffer://finsify-hub/b";
    h.sb.inject(FinsifyFault::CallbackBrokenJson { requests: 1 });
    let token = h.token(&customer, TECHCOMBANK, callback).await;
    let location = approve_in_browser(token["connect_url"].as_str().unwrap(), true)
        .await
        .unwrap();
    let segment = callback_segment(&location, callback);
    assert!(segment.starts_with("{\"status\":\"success\""), "{segment}");
    assert!(
        serde_json::from_str::<Value>(&segment).is_err(),
        "{segment}"
    );
    assert_eq!(h.sb.logins().len(), 1, "the login exists anyway");
    // Only once.
    let token = h.token(&customer, TECHCOMBANK, callback).await;
    let location = approve_in_browser(token["connect_url"].as_str().unwrap(), true)
        .await
        .unwrap();
    assert_eq!(callback_json(&location, callback)["status"], "success");
}

#[tokio::test]
async fn control_surface_over_http() {
    let h = Harness::start().await;
    let (login_id, secret) = h.connect("control").await;
    let origin = h.sb.base_url().trim_end_matches("/v2").to_owned();

    let (status, _) = send(
        h.http
            .post(format!("{origin}/_sandbox/faults"))
            .json(&json!({ "kind": "server_error", "requests": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, faults) = send(h.http.get(format!("{origin}/_sandbox/faults"))).await;
    assert_eq!(faults, json!([{ "kind": "server_error", "requests": 1 }]));
    let (status, err) = send(h.with_login(Method::GET, "/account", &secret)).await;
    assert_error(status, &err, 500, "InternalError");

    let (status, _) = send(
        h.http
            .post(format!("{origin}/_sandbox/faults"))
            .json(&json!([
                { "kind": "maintenance", "requests": 3 },
                { "kind": "missing_field", "field": "amount", "requests": 1 }
            ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        send(h.http.delete(format!("{origin}/_sandbox/faults")))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(h.accounts(&secret).await.len(), 2);

    let (status, _) = send(
        h.http
            .post(format!("{origin}/_sandbox/login-status"))
            .json(&json!({ "login_id": login_id, "status": "login_account_locked" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.sb.logins()[0].status, "login_account_locked");
    let (status, _) = send(
        h.http
            .post(format!("{origin}/_sandbox/login-status"))
            .json(&json!({ "login_id": login_id, "status": "bogus" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, ledger) = send(h.http.get(format!("{origin}/_sandbox/ledger"))).await;
    assert_eq!(ledger.as_array().unwrap().len(), h.sb.ledger().len());
    let account_id = h.sb.ledger()[0].account_id;
    let (status, row) = send(
        h.http
            .post(format!("{origin}/_sandbox/ledger"))
            .json(&json!({
                "login_id": login_id,
                "account_id": account_id,
                "date": "2025-03-30",
                "amount": "-12000",
                "description": "CIRCLE K",
                "category": "food_and_dining",
            })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{row}");
    assert_eq!(row["amount"], "-12000.00");
    assert!(h.sb.ledger().iter().any(|r| r.description == "CIRCLE K"));

    let (_, stats) = send(h.http.get(format!("{origin}/_sandbox/stats"))).await;
    assert_eq!(stats["customers_created"], 1);
    let (_, logins) = send(h.http.get(format!("{origin}/_sandbox/logins"))).await;
    assert_eq!(logins[0]["id"].as_i64(), Some(login_id));

    let text = h
        .http
        .get(format!("{origin}/_sandbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("sandbox-client-id") && text.contains("/_sandbox/faults"));
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let h = Harness::start().await;
    let (status, err) = send(h.req(Method::GET, "/nothing")).await;
    assert_error(status, &err, 404, "NotFound");
    let (status, err) = send(h.req(Method::GET, "/customer")).await;
    assert_error(status, &err, 405, "BadRequest");
    let (status, err) = send(h.http.get(format!("{}/../robots.txt", h.sb.base_url()))).await;
    assert_error(status, &err, 404, "NotFound");
}

#[tokio::test]
async fn stats_count_api_calls() {
    let h = Harness::start().await;
    assert_eq!(h.sb.stats(), FinsifyStats::default());
    let (_, secret) = h.connect("stats").await; // customer + token
    h.accounts(&secret).await;
    let _ = send(h.req(Method::GET, "/nope")).await;
    let stats = h.sb.stats();
    assert_eq!(stats.api_calls, 4, "{stats:?}");
    assert_eq!(stats.customers_created, 1);
    assert_eq!(stats.tokens_created, 1);
}

#[tokio::test]
async fn same_seed_same_bank() {
    let a = Harness::start().await;
    let b = Harness::start().await;
    let (login_a, _) = a.connect("seed").await;
    let (login_b, _) = b.connect("seed").await;
    assert_eq!(login_a, login_b);
    let strip = |rows: Vec<FinsifyLedgerRow>| {
        rows.into_iter()
            .map(|r| (r.original_id, r.date, r.amount, r.description))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(a.sb.ledger()), strip(b.sb.ledger()));
    let c = Harness::with(FinsifyConfig {
        seed: 7,
        ..config()
    })
    .await;
    c.connect("seed").await;
    assert_ne!(strip(a.sb.ledger()), strip(c.sb.ledger()));
    // Two genuine identical purchases on one day, told apart by original_id.
    let ledger = a.sb.ledger();
    let twins: Vec<_> = ledger
        .iter()
        .filter(|r| {
            r.date == today() - chrono::Duration::days(3)
                && r.description == "TT THE TAI CIRCLE K LE THANH TON"
                && r.amount == "-25000.00"
        })
        .collect();
    assert_eq!(twins.len(), 2);
    assert_ne!(twins[0].original_id, twins[1].original_id);
}

#[tokio::test]
async fn dropping_the_handle_keeps_serving_until_shutdown() {
    let http = Client::new();
    let sb = FinsifySandbox::start(config(), 0).await.unwrap();
    let catalogue = sb.service_catalogue_url();
    assert!(sb.describe().contains("sandbox-service-secret"));
    drop(sb);
    assert_eq!(
        http.get(&catalogue).send().await.unwrap().status(),
        StatusCode::OK
    );

    let sb = FinsifySandbox::start(config(), 0).await.unwrap();
    let catalogue = sb.service_catalogue_url();
    assert_eq!(
        http.get(&catalogue).send().await.unwrap().status(),
        StatusCode::OK
    );
    sb.shutdown();
    sb.stopped().await;
    let fresh = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert!(
        fresh.get(&catalogue).send().await.is_err(),
        "shutdown stops the server"
    );
}

// ---------------------------------------------------------------------------------------------
// Range rules, history, living, the oracle, the request log, the delayed catalogue

async fn transaction_error(h: &Harness, secret: &str, query: &str) -> Value {
    let (status, err) =
        send(h.with_login(Method::GET, &format!("/transaction?{query}"), secret)).await;
    assert_error(status, &err, 400, "DataInvalid");
    err
}

#[tokio::test]
async fn transaction_ranges_are_validated() {
    // 17:30 UTC on 30 March is already 31 March in Ho Chi Minh City.
    let h = Harness::with(FinsifyConfig {
        clock: SandboxClock::fixed(at("2025-03-30T17:30:00Z")),
        ..config()
    })
    .await;
    assert_eq!(h.sb.today(), today());
    let (_, secret) = h.connect("ranges").await;
    let account = h.accounts(&secret).await[0]["id"].as_i64().unwrap();
    let a = format!("account_id={account}");
    for (query, field) in [
        (
            format!("{a}&from_date=2025-03-10&to_date=2025-03-01"),
            "from_date",
        ),
        (format!("{a}&to_date=2025-04-01"), "to_date"),
        (format!("{a}&end_date=2025-04-01"), "end_date"),
        (format!("{a}&from_date=2025-04-01"), "from_date"),
        (format!("{a}&from_date=2025-3-01"), "from_date"),
        (format!("{a}&from_date="), "from_date"),
        (format!("{a}&to_date=31-03-2025"), "to_date"),
        (format!("{a}&end_date=2025-02-30"), "end_date"),
        (format!("{a}&timestamp=yesterday"), "timestamp"),
    ] {
        let err = transaction_error(&h, &secret, &query).await;
        assert_eq!(err["extra"]["field"], field, "{query}: {err}");
    }
    // Today in Ho Chi Minh City is fine although it is still the 30th in UTC.
    h.transactions(&secret, &format!("{a}&to_date=2025-03-31"))
        .await;

    // At most 731 days per request, both ends included.
    let err = transaction_error(
        &h,
        &secret,
        &format!("{a}&from_date=2023-03-30&to_date=2025-03-30"),
    )
    .await;
    assert_eq!(
        err["extra"],
        json!({ "field": "from_date", "max_days": 731 })
    );
    let longest = h
        .transactions(
            &secret,
            &format!("{a}&from_date=2023-03-31&to_date=2025-03-30"),
        )
        .await;
    assert!(!longest.is_empty());
    // The documentation's own example asks for 426 days.
    let example = h
        .transactions(
            &secret,
            &format!("{a}&from_date=2023-08-26&to_date=2024-10-25"),
        )
        .await;
    assert!(!example.is_empty());
    // A timestamp three years back is a range too long.
    let three_years = (start() - chrono::Duration::days(3 * 365)).timestamp_millis();
    transaction_error(&h, &secret, &format!("{a}&timestamp={three_years}")).await;

    // Without from_date: the last 731 days only, though the bank holds more.
    let default = h.transactions(&secret, &a).await;
    let oldest = default.iter().map(row_date).min().unwrap();
    assert!(oldest >= day(2023, 4, 1), "{oldest}");
    let held_older =
        h.sb.ledger()
            .iter()
            .filter(|r| r.account_id == account && r.date < day(2023, 4, 1))
            .count();
    assert!(held_older > 100, "{held_older}");
    // A client that walks back in spans of at most 731 days gets everything.
    let older = h
        .transactions(
            &secret,
            &format!("{a}&from_date=2021-04-01&to_date=2023-03-31"),
        )
        .await;
    assert_eq!(older.len(), held_older);
    let all_held =
        h.sb.ledger()
            .iter()
            .filter(|r| r.account_id == account)
            .count();
    assert_eq!(default.len() + older.len(), all_held);

    // No limit when configured so: then no bounds means everything.
    let free = Harness::with(FinsifyConfig {
        max_span_days: None,
        ..config()
    })
    .await;
    let (_, secret) = free.connect("free").await;
    let account = free.accounts(&secret).await[0]["id"].as_i64().unwrap();
    let everything = free
        .transactions(&secret, &format!("account_id={account}"))
        .await;
    let held = free
        .sb
        .ledger()
        .iter()
        .filter(|r| r.account_id == account)
        .count();
    assert_eq!(everything.len(), held);
}

#[tokio::test]
async fn three_years_of_history_with_rows_throughout() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("history").await;
    let ledger = h.sb.ledger();
    for account in h.accounts(&secret).await {
        let id = account["id"].as_i64().unwrap();
        let mut dates: Vec<NaiveDate> = ledger
            .iter()
            .filter(|r| r.account_id == id)
            .map(|r| r.date)
            .collect();
        dates.sort();
        assert!(
            dates[0] <= today() - chrono::Duration::days(3 * 365 + 20),
            "{}",
            dates[0]
        );
        assert!(dates
            .windows(2)
            .all(|w| w[1] - w[0] < chrono::Duration::days(20)));
        assert!(dates
            .last()
            .is_some_and(|d| *d >= today() - chrono::Duration::days(2)));
    }
}

#[tokio::test]
async fn advance_posts_authorisations_releases_some_and_brings_late_rows() {
    let h = Harness::start().await;
    let (login_id, secret) = h.connect("live").await;
    let card = h.accounts(&secret).await[1]["id"].as_i64().unwrap();
    let current = h.accounts(&secret).await[0]["id"].as_i64().unwrap();
    let before = h.sb.ledger();
    let grab = before
        .iter()
        .find(|r| r.pending && r.amount == "-61299.00")
        .unwrap()
        .clone();
    assert!(grab.description.starts_with("GD THE CHO XU LY"));
    assert!(before
        .iter()
        .any(|r| r.pending && r.amount == "-3450000.00" && r.date == today()));
    // What a client synced today.
    let synced: HashSet<String> = h
        .transactions(
            &secret,
            &format!("account_id={current}&from_date=2025-03-01"),
        )
        .await
        .iter()
        .map(|r| r["original_id"].as_str().unwrap().to_owned())
        .collect();

    let (status, reading) = send(
        h.http
            .post(format!("{}/_sandbox/advance", origin(&h)))
            .json(&json!({ "days": 10 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reading["now"], "2025-04-10T05:00:00Z");
    assert_eq!(h.sb.today(), day(2025, 4, 10));

    let after = h.sb.ledger();
    assert!(!after.iter().any(|r| r.original_id == grab.original_id));
    let posted = after
        .iter()
        .find(|r| r.account_id == card && r.amount == "-71299.00")
        .expect("the fare posted with the tip");
    assert_eq!(posted.date, today() + chrono::Duration::days(1));
    assert!(posted.description.starts_with("GD THE QUA POS"));
    assert!(!after
        .iter()
        .any(|r| r.amount == "-3450000.00" && r.date == today()));
    for n in 1..=10 {
        let d = today() + chrono::Duration::days(n);
        assert!(after.iter().any(|r| r.date == d), "rows on {d}");
    }
    assert!(after.iter().all(|r| !r.pending || r.date > today()));
    // Late rows, dated inside days the client had synced.
    let rows = h
        .transactions(
            &secret,
            &format!("account_id={current}&from_date=2025-03-01&to_date=2025-03-31"),
        )
        .await;
    let late: Vec<&Value> = rows
        .iter()
        .filter(|r| !synced.contains(r["original_id"].as_str().unwrap()))
        .collect();
    assert!(!late.is_empty());
    assert!(late.iter().all(|r| r["description"]
        .as_str()
        .unwrap()
        .starts_with("NAPAS CK tu ")));
    assert!(h
        .sb
        .ledger()
        .iter()
        .any(|r| r.login_id == login_id && r.seen_on > r.date));

    // Determinism.
    let twin = Harness::start().await;
    twin.connect("live").await;
    twin.sb.advance(10);
    assert_eq!(twin.sb.oracle_ledger(), h.sb.oracle_ledger());
}

#[tokio::test]
async fn categories_arrive_the_day_after_a_row_is_scraped() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("categories").await;
    let card = h.accounts(&secret).await[1]["id"].as_i64().unwrap();
    let query = format!("account_id={card}&from_date=2025-03-25");
    let rows = h.transactions(&secret, &query).await;
    let grab = rows.iter().find(|r| r["amount"] == "-61299.00").unwrap();
    assert_eq!(grab["category"], "uncategorized");
    let older = rows
        .iter()
        .find(|r| row_date(r) == today() - chrono::Duration::days(3))
        .unwrap();
    assert_eq!(older["category"], "food_and_dining");
    h.sb.clock().advance(chrono::Duration::days(1));
    let rows = h.transactions(&secret, &query).await;
    let grab_now = rows
        .iter()
        .find(|r| r["original_id"] == grab["original_id"])
        .unwrap();
    assert_eq!(grab_now["category"], "auto_and_transport");
}

fn origin(h: &Harness) -> String {
    h.sb.base_url().trim_end_matches("/v2").to_owned()
}

#[tokio::test]
async fn the_oracle_matches_what_the_bank_serves() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("oracle").await;
    let (_, gone) = h.connect("oracle-deleted").await;
    let customer = h.sb.logins()[1].customer_id.clone();
    let (status, _) = send(
        h.with_login(Method::DELETE, "/login", &gone)
            .json(&json!({ "customer_id": customer })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, oracle) = send(h.http.get(format!("{}/_sandbox/oracle/ledger", origin(&h)))).await;
    let oracle: Vec<OracleRow> = serde_json::from_value(oracle).unwrap();
    assert_eq!(oracle, h.sb.oracle_ledger());
    let accounts = h.accounts(&secret).await;
    let ids: HashSet<String> = accounts.iter().map(|a| a["id"].to_string()).collect();
    assert!(
        oracle.iter().all(|r| ids.contains(&r.account)),
        "deleted logins are not listed"
    );
    assert!(oracle
        .iter()
        .all(|r| r.status == "booked" && r.currency == "VND"));
    let mut from_oracle: Vec<(String, String, String, String, String)> = oracle
        .iter()
        .map(|r| {
            (
                r.account.clone(),
                r.stable_id.clone().unwrap(),
                r.date.to_string(),
                r.amount.clone(),
                r.description.clone(),
            )
        })
        .collect();
    from_oracle.sort();
    let mut from_wire = Vec::new();
    for account in &accounts {
        let id = account["id"].as_i64().unwrap();
        for (from, to) in [
            ("2021-01-01", "2022-12-31"),
            ("2023-01-01", "2024-12-31"),
            ("2025-01-01", "2025-03-31"),
        ] {
            for r in h
                .transactions(
                    &secret,
                    &format!("account_id={id}&from_date={from}&to_date={to}"),
                )
                .await
            {
                from_wire.push((
                    id.to_string(),
                    r["original_id"].as_str().unwrap().to_owned(),
                    r["date"].as_str().unwrap().to_owned(),
                    r["amount"].as_str().unwrap().to_owned(),
                    r["description"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    from_wire.sort();
    assert_eq!(from_wire, from_oracle);

    let (_, oracle_accounts) = send(
        h.http
            .get(format!("{}/_sandbox/oracle/accounts", origin(&h))),
    )
    .await;
    let oracle_accounts: Vec<OracleAccount> = serde_json::from_value(oracle_accounts).unwrap();
    assert_eq!(oracle_accounts, h.sb.oracle_accounts());
    assert_eq!(oracle_accounts.len(), 2);
    for (o, a) in oracle_accounts.iter().zip(&accounts) {
        assert_eq!(o.account, a["id"].to_string());
        assert_eq!(o.name, a["name"].as_str().unwrap());
        assert_eq!(o.balance, a["balance"].as_str().unwrap());
        assert_eq!(o.available, None);
    }
}

#[tokio::test]
async fn the_request_log_records_every_bank_request() {
    let h = Harness::start().await;
    let (_, secret) = h.connect("log").await;
    h.accounts(&secret).await;
    let _ = send(h.http.get(h.sb.service_catalogue_url())).await;
    let _ = send(h.http.get(format!("{}/_sandbox/stats", origin(&h)))).await;
    let log = h.sb.requests();
    let summary: Vec<(u64, &str, String, u16)> = log
        .iter()
        .map(|r| {
            let path = r.target.split('?').next().unwrap();
            let path = if path.starts_with("/v2/connect/term/") {
                "/v2/connect/term/…".to_owned()
            } else {
                path.to_owned()
            };
            (r.seq, r.method.as_str(), path, r.status)
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "POST", "/v2/customer".to_owned(), 200),
            (2, "POST", "/v2/token".to_owned(), 200),
            (3, "GET", "/v2/connect/term/…".to_owned(), 200),
            (4, "POST", "/v2/connect/term/…".to_owned(), 302),
            (5, "GET", "/v2/account".to_owned(), 200),
            (6, "GET", "/service.json".to_owned(), 200),
        ]
    );
    assert!(log.iter().all(|r| r.at == start()));
    assert!(log[0].body.contains("\"identifier\":\"log\""));
    assert!(log[4]
        .headers
        .iter()
        .any(|(k, v)| k == "login-secret" && *v == secret));
    let (_, over_http) = send(h.http.get(format!("{}/_sandbox/requests", origin(&h)))).await;
    let over_http: Vec<RecordedRequest> = serde_json::from_value(over_http).unwrap();
    assert_eq!(over_http, log);
    let resp = h
        .http
        .delete(format!("{}/_sandbox/requests", origin(&h)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(h.sb.requests().is_empty());
}

#[tokio::test]
async fn a_delayed_catalogue_answers_only_when_released() {
    let h = Harness::with(FinsifyConfig {
        delay_catalogue: true,
        ..config()
    })
    .await;
    let url = h.sb.service_catalogue_url();
    let first = tokio::spawn(h.http.get(url.clone()).send());
    h.sb.catalogue_requests_held(1).await;
    assert_eq!(h.sb.catalogue_waiting(), 1);
    assert!(!first.is_finished(), "held until released");
    let (_, state) = send(h.http.get(format!("{}/_sandbox/catalogue", origin(&h)))).await;
    assert_eq!(state, json!({ "delayed": true, "waiting": 1 }));

    h.sb.release_catalogue();
    let resp = first.await.unwrap().unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], true);
    assert_eq!(h.sb.catalogue_waiting(), 0);

    // Still delayed: the next request waits for the next release, here over HTTP.
    let second = tokio::spawn(h.http.get(url.clone()).send());
    h.sb.catalogue_requests_held(1).await;
    let (status, _) = send(
        h.http
            .post(format!("{}/_sandbox/catalogue/release", origin(&h))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second.await.unwrap().unwrap().status(), StatusCode::OK);

    // Switching the mode off lets held answers go and stops holding.
    let third = tokio::spawn(h.http.get(url.clone()).send());
    h.sb.catalogue_requests_held(1).await;
    let (_, state) = send(
        h.http
            .post(format!("{}/_sandbox/catalogue/delay", origin(&h)))
            .json(&json!({ "delayed": false })),
    )
    .await;
    assert_eq!(state["delayed"], false);
    assert_eq!(third.await.unwrap().unwrap().status(), StatusCode::OK);
    assert_eq!(
        h.http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    // And on again over HTTP.
    let (_, state) = send(
        h.http
            .post(format!("{}/_sandbox/catalogue/delay", origin(&h)))
            .json(&json!({ "delayed": true })),
    )
    .await;
    assert_eq!(state["delayed"], true);
    let fourth = tokio::spawn(h.http.get(url).send());
    h.sb.catalogue_requests_held(1).await;
    h.sb.set_catalogue_delayed(false);
    assert_eq!(fourth.await.unwrap().unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn clock_route_moves_expiry_and_today() {
    let h = Harness::start().await;
    let (_, reading) = send(h.http.get(format!("{}/_sandbox/clock", origin(&h)))).await;
    assert_eq!(reading["now"], "2025-03-31T05:00:00Z");
    let (_, reading) = send(
        h.http
            .post(format!("{}/_sandbox/clock", origin(&h)))
            .json(&json!({ "advance_days": 1 })),
    )
    .await;
    assert_eq!(reading["now"], "2025-04-01T05:00:00Z");
    assert_eq!(h.sb.today(), day(2025, 4, 1));
    // The catalogue's last_update follows the clock's day.
    let (_, body) = send(h.http.get(h.sb.service_catalogue_url())).await;
    let expected = day(2025, 4, 1)
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
        - 7 * 3600;
    assert_eq!(body["last_update"].as_i64(), Some(expected));
    let resp = h
        .http
        .post(format!("{}/_sandbox/clock", origin(&h)))
        .body("{\"warp\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn defaults_are_the_documented_ones() {
    let before = Utc::now();
    let c = FinsifyConfig::default();
    assert_eq!(c.connect_ttl, Duration::from_secs(30 * 60));
    assert_eq!(c.refresh_throttle, Duration::from_secs(5 * 60));
    assert_eq!(c.max_span_days, Some(731));
    assert!(!c.delay_catalogue);
    // The default clock follows the wall clock: read between two wall-clock readings.
    let now = c.clock.now();
    assert!(before <= now && now <= Utc::now(), "{now}");
    // A bare callback fault means one use.
    let f: FinsifyFault = serde_json::from_str(r#"{"kind":"callback_broken_json"}"#).unwrap();
    assert_eq!(f, FinsifyFault::CallbackBrokenJson { requests: 1 });
}
