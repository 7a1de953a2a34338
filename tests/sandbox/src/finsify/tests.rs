//! End-to-end checks over real HTTP (reqwest) against a started sandbox.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

use super::money::{format_minor, parse_decimal};
use super::*;

const CATEGORIES: [&str; 19] = [
    "uncategorized",
    "incoming_transfer",
    "auto_and_transport",
    "bills_and_utilities",
    "business_services",
    "education",
    "entertainment",
    "fees_and_charges",
    "food_and_dining",
    "gifts_and_donations",
    "health_and_fitness",
    "home",
    "income",
    "investments",
    "personal_care",
    "pets",
    "shopping",
    "taxes",
    "travel",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()
}

fn config() -> FinsifyConfig {
    FinsifyConfig {
        today: today(),
        seed: 4242,
        ..FinsifyConfig::default()
    }
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
async fn token_is_single_use_and_expires() {
    let h = Harness::with(FinsifyConfig {
        connect_ttl: Duration::from_millis(1000),
        ..config()
    })
    .await;
    let customer = h.customer("ttl").await;
    let token = h
        .token(&customer, TECHCOMBANK, "coffer://finsify-hub/t")
        .await;
    let url = token["connect_url"].as_str().unwrap().to_owned();
    approve_in_browser(&url, true).await.unwrap();
    match approve_in_browser(&url, true).await {
        Err(BrowseError::Page { status, body }) => {
            assert_eq!(status, 400);
            assert!(body.contains("TokenExpire"), "{body}");
        }
        other => panic!("a spent token must not redirect: {other:?}"),
    }
    assert_eq!(h.sb.logins().len(), 1);

    let token = h
        .token(&customer, TECHCOMBANK, "coffer://finsify-hub/t")
        .await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    match approve_in_browser(token["connect_url"].as_str().unwrap(), true).await {
        Err(BrowseError::Page { status, body }) => {
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
            let date =
                NaiveDate::parse_from_str(row["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            assert!(date <= today() && date > today() - chrono::Duration::days(90));
            assert!(previous.is_none_or(|p| p >= date), "newest first");
            previous = Some(date);
        }
        assert!(rows.iter().any(|r| r["meta"].is_object()));
        // Balance = opening + the account's rows.
        let sum: i64 = rows.iter().map(|r| minor(&r["amount"])).sum();
        let opening = h.sb.shared.lock().accounts[&account_id].opening_minor;
        assert_eq!(account["balance"], format_minor(opening + sum));
        // The API shows exactly what the bank holds.
        let held: HashSet<String> = ledger
            .iter()
            .filter(|r| r.account_id == account_id)
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

    // With a short throttle the next refresh goes through once it has passed.
    let h = Harness::with(FinsifyConfig {
        refresh_throttle: Duration::from_millis(1000),
        ..config()
    })
    .await;
    let (_, secret) = h.connect("refresh-2").await;
    assert_eq!(
        send(h.with_login(Method::PUT, "/login/refresh", &secret))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        send(h.with_login(Method::PUT, "/login/refresh", &secret))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        send(h.with_login(Method::PUT, "/login/refresh", &secret))
            .await
            .0,
        StatusCode::OK
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
    h.sb.inject(FinsifyFault::CallbackBrokenJson);
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
    let mut stopped = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if Client::new().get(&catalogue).send().await.is_err() {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "shutdown stops the server");
}
