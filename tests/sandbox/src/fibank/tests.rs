//! End-to-end tests over real HTTP (loopback only) against a started sandbox. Time moves only
//! through the sandbox clock; nothing sleeps.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use reqwest::redirect::Policy;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

use super::json::parse_decimal;
use super::*;
use crate::clock::SandboxClock;

/// Friday 20 November 2026, 16:45 in Sofia.
const START: &str = "2026-11-20T14:45:00Z";
const STATE: &str = "5b0d1c9e-2f3a-4c1b-9d7e-6a8b9c0d1e2f";
const API: &str = "/EBank/api/v1/";
const CUST_QUERY: &str = "sywsquery/sywsquery/getCustQuery";
const ACCOUNTS: &str = "sywspicklist/sywspicklist/getFilteredAccounts";
const CUST_BAL: &str = "sywsquery/sywsquery/GetCustBal";
const SUMMARY: [&str; 4] = ["OP", "CL", "DT", "CT"];

fn start() -> DateTime<Utc> {
    START.parse().unwrap()
}

fn config() -> FibankConfig {
    FibankConfig {
        clock: SandboxClock::fixed(start()),
        seed: 7,
        ..FibankConfig::default()
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A Sofia wall-clock time in the wire form, `+` raw.
fn sofia(date: NaiveDate, h: u32, m: u32, s: u32) -> String {
    chrono_tz::Europe::Sofia
        .from_local_datetime(&date.and_hms_opt(h, m, s).unwrap())
        .earliest()
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%z")
        .to_string()
}

/// What a careful client sends: the plus percent-encoded.
fn q(at: &str) -> String {
    at.replace('+', "%2B")
}

fn csrf_of(html: &str) -> Option<String> {
    let line = html.lines().find(|l| l.contains("\"_csrf\""))?;
    let (_, rest) = line.split_once("content=\"")?;
    Some(rest.split('"').next()?.to_owned())
}

fn fragment(location: &str) -> HashMap<String, String> {
    let (_, fragment) = location.split_once('#').unwrap();
    url::form_urlencoded::parse(fragment.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Exact minor units of a JSON number (formatting, not arithmetic, bridges the float).
fn minor(value: &Value) -> i64 {
    assert!(value.is_f64(), "{value} is a JSON float");
    parse_decimal(&format!("{:.2}", value.as_f64().unwrap())).unwrap()
}

fn is_summary(row: &Value) -> bool {
    SUMMARY.contains(&row["trnType"].as_str().unwrap_or(""))
}

fn entries(stmt: &[Value]) -> Vec<&Value> {
    stmt.iter().filter(|r| !is_summary(r)).collect()
}

/// Does every `acBal` follow from `OP` and the amounts, ending at `CL`?
fn chain_holds(stmt: &[Value]) -> bool {
    let Some(op) = stmt.first() else { return false };
    let mut balance = minor(&op["acBal"]);
    for row in entries(stmt) {
        balance += minor(&row["crAmount"]) - minor(&row["drAmount"]);
        if balance != minor(&row["acBal"]) {
            return false;
        }
    }
    stmt.last().is_some_and(|cl| minor(&cl["acBal"]) == balance)
}

struct Login {
    token: String,
    customer: String,
}

struct Bank {
    sb: FibankSandbox,
    http: Client,
}

impl Bank {
    async fn start() -> Bank {
        Bank::with(config()).await
    }

    async fn with(config: FibankConfig) -> Bank {
        let sb = FibankSandbox::start(config, 0).await.unwrap();
        Bank { sb, http: jar() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base_url())
    }

    fn authorize_url(&self) -> String {
        self.url(&format!(
            "/oauth2-server/oauth/authorize?response_type=token&client_id=E_BANK&redirect_uri=/EBank/&scope=E_BANK&state={STATE}"
        ))
    }

    /// Steps 1–3 of the dance; answers the CSRF token.
    async fn begin(&self, user: &str) -> String {
        let first = self
            .http
            .get(self.url("/oauth2-server/login?client_id=E_BANK"))
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        let page = self.http.get(self.authorize_url()).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let csrf = csrf_of(&page.text().await.unwrap()).unwrap();
        self.certs(user).await;
        csrf
    }

    async fn certs(&self, user: &str) {
        let certs = self
            .http
            .get(self.url(&format!(
                "/oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin?client_id=E_BANK&userName={user}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(certs.status(), StatusCode::OK);
    }

    async fn post_login(&self, user: &str, password: &str, csrf: &str) -> reqwest::Response {
        self.http
            .post(self.url("/oauth2-server/login"))
            .form(&[
                ("username", user),
                ("password", password),
                ("system", ""),
                ("client_id", "E_BANK"),
                ("lang", "bg"),
                ("time", "2026-11-20T16:45:00+0200"),
                ("_csrf", csrf),
                ("sig", ""),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The whole dance by hand; answers the token from the second redirect.
    async fn login(&self) -> Login {
        let (user, password) = self.sb.credentials();
        let csrf = self.begin(&user).await;
        let first = self.post_login(&user, &password, &csrf).await;
        assert_eq!(first.status(), StatusCode::FOUND);
        let second = self.http.get(location(&first)).send().await.unwrap();
        assert_eq!(second.status(), StatusCode::FOUND);
        let token = fragment(&location(&second))["access_token"].clone();
        let customer = self.sb.user().customer_id.to_string();
        Login { token, customer }
    }

    /// An API request with every header the connector sends (and the cookie jar).
    fn api(&self, login: &Login, path: &str) -> RequestBuilder {
        self.api_without(login, path, "")
    }

    /// The same, leaving out the header named `omit`.
    fn api_without(&self, login: &Login, path: &str, omit: &str) -> RequestBuilder {
        let mut headers: Vec<(&str, String)> = vec![
            ("Authorization", format!("Bearer {}", login.token)),
            ("Accept", "application/json, text/plain, */*".to_owned()),
            ("Accept-Language", "bg".to_owned()),
            ("EBank-App-Version", "1".to_owned()),
            ("EBank-Client-Time", "2026-11-20T16:45:00+0200".to_owned()),
            ("EBank-Device-Id", "AABBCCDDEE".to_owned()),
            (
                "EBank-Referer",
                "%2Fizvlechenia%2Facc-stmt-offline".to_owned(),
            ),
            ("X-Requested-With", "XMLHttpRequest".to_owned()),
        ];
        if path != CUST_QUERY {
            headers.push(("EBank-Cust-Id", login.customer.clone()));
        }
        let mut request = self.http.get(self.url(&format!("{API}{path}")));
        for (name, value) in headers {
            if !name.eq_ignore_ascii_case(omit) {
                request = request.header(name, value);
            }
        }
        request
    }

    async fn json(&self, request: RequestBuilder) -> Value {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }

    fn stmt_path(iban: &str, from: &str, to: &str) -> String {
        format!(
            "{CUST_BAL}?FromDate={from}&ToDate={to}&Iban={iban}&StmtType=T&isAccountFromPSD2=false"
        )
    }

    /// `GetCustBal` for one account; `from`/`to` go into the query as given.
    async fn statement(&self, login: &Login, iban: &str, from: &str, to: &str) -> Value {
        self.json(self.api(login, &Bank::stmt_path(iban, from, to)))
            .await
    }

    async fn stmt_rows(&self, login: &Login, iban: &str, from: &str, to: &str) -> Vec<Value> {
        let body = self.statement(login, iban, from, to).await;
        assert_eq!(body["acc"].as_array().unwrap().len(), 1, "{body}");
        body["acc"][0]["stmt"].as_array().unwrap().clone()
    }

    fn main_iban(&self) -> String {
        self.sb.accounts()[0].iban.clone()
    }
}

fn jar() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn text(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

// ---------------------------------------------------------------------------------------------
// Login

#[tokio::test]
async fn the_dance_puts_the_token_in_the_second_redirect_fragment() {
    let bank = Bank::start().await;
    let (user, password) = bank.sb.credentials();

    let first = bank
        .http
        .get(bank.url("/oauth2-server/login?client_id=E_BANK"))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&first);
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("JSESSIONID=") && c.contains("Path=/;")));
    let old_session = cookies[0]
        .trim_start_matches("JSESSIONID=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let page = bank.http.get(bank.authorize_url()).send().await.unwrap();
    let (status, kind, html) = text(page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"));
    let header_line = html
        .lines()
        .position(|l| l.contains("_csrf_header"))
        .unwrap();
    let token_line = html.lines().position(|l| l.contains("\"_csrf\"")).unwrap();
    assert!(header_line < token_line, "the header-name meta comes first");
    let csrf = csrf_of(&html).unwrap();
    assert_eq!(csrf.len(), 36, "a UUID: {csrf}");

    let certs = bank
        .http
        .get(bank.url(&format!(
            "/oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin?client_id=E_BANK&userName={user}"
        )))
        .send()
        .await
        .unwrap();
    assert!(set_cookies(&certs)[0].starts_with("SYWSCERT="));
    assert_eq!(certs.text().await.unwrap(), "[]");

    let first_redirect = bank.post_login(&user, &password, &csrf).await;
    assert_eq!(first_redirect.status(), StatusCode::FOUND);
    let back = location(&first_redirect);
    assert_eq!(back, bank.authorize_url(), "back to the remembered request");
    let renewed = set_cookies(&first_redirect);
    assert!(renewed[0].starts_with("JSESSIONID="));
    assert!(
        !renewed[0].contains(&old_session),
        "a login changes the session id"
    );

    let second_redirect = bank.http.get(&back).send().await.unwrap();
    assert_eq!(second_redirect.status(), StatusCode::FOUND);
    let target = location(&second_redirect);
    assert!(target.starts_with("/EBank/#access_token="), "{target}");
    let f = fragment(&target);
    assert_eq!(f["token_type"], "bearer");
    assert_eq!(f["state"], STATE);
    assert_eq!(f["expires_in"], "899");
    assert_eq!(f["scope"], "E_BANK");
    assert_eq!(bank.sb.issued_tokens(), vec![f["access_token"].clone()]);

    let landing = bank.http.get(bank.url("/EBank/")).send().await.unwrap();
    let (status, _, html) = text(landing).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<meta name=\"EBank_publicToken\" content=\""));

    let login = Login {
        token: f["access_token"].clone(),
        customer: String::new(),
    };
    let customer = bank.json(bank.api(&login, CUST_QUERY)).await;
    let id = customer["customer"][0]["ibCustomerId"].as_i64().unwrap();
    assert_eq!(
        id,
        bank.sb.user().customer_id,
        "ibCustomerId is a JSON number"
    );

    // A second authorize in the logged-in session gets a fresh token straight away.
    let again = bank.http.get(bank.authorize_url()).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::FOUND);
    assert_ne!(
        fragment(&location(&again))["access_token"],
        f["access_token"]
    );
}

#[tokio::test]
async fn a_client_that_follows_redirects_lands_on_the_ebank_page() {
    let bank = Bank::start().await;
    let (user, password) = bank.sb.credentials();
    let csrf = bank.begin(&user).await;
    let following = Client::builder().cookie_store(true).build().unwrap();
    // Move the cookies over by replaying the first three steps on the following client.
    let _ = following
        .get(bank.url("/oauth2-server/login?client_id=E_BANK"))
        .send()
        .await
        .unwrap();
    let page = following.get(bank.authorize_url()).send().await.unwrap();
    let csrf2 = csrf_of(&page.text().await.unwrap()).unwrap();
    assert_ne!(csrf, csrf2, "one CSRF token per session");
    let _ = following
        .get(bank.url(&format!(
            "/oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin?client_id=E_BANK&userName={user}"
        )))
        .send()
        .await
        .unwrap();
    let landed = following
        .post(bank.url("/oauth2-server/login"))
        .form(&[
            ("username", user.as_str()),
            ("password", password.as_str()),
            ("system", ""),
            ("client_id", "E_BANK"),
            ("lang", "bg"),
            ("time", "2026-11-20T16:45:00+0200"),
            ("_csrf", csrf2.as_str()),
            ("sig", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(landed.url().path(), "/EBank/");
    let html = landed.text().await.unwrap();
    assert!(html.contains("EBank_publicToken"));
    assert_eq!(bank.sb.stats().tokens_issued, 1);
}

#[tokio::test]
async fn wrong_passwords_show_the_error_then_lock_the_user() {
    let bank = Bank::start().await;
    let (user, password) = bank.sb.credentials();
    let csrf = bank.begin(&user).await;

    // Someone else's name: an error, but nobody's counter moves.
    let other = bank.post_login("maria.ivanova", "x", &csrf).await;
    assert_eq!(
        other.status(),
        StatusCode::FORBIDDEN,
        "certs were for another user"
    );
    bank.certs("maria.ivanova").await;
    let (status, _, html) = text(bank.post_login("maria.ivanova", "x", &csrf).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(WRONG_CREDENTIALS_MESSAGE));
    assert_eq!(bank.sb.user().failed_attempts, 0);

    bank.certs(&user).await;
    for attempt in 1..=2 {
        let (status, _, html) = text(bank.post_login(&user, "wrong", &csrf).await).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(WRONG_CREDENTIALS_MESSAGE));
        assert!(html.contains("id=\"login-error\""));
        assert_eq!(csrf_of(&html).as_deref(), Some(csrf.as_str()), "same token");
        assert_eq!(bank.sb.user().failed_attempts, attempt);
    }
    let (status, _, html) = text(bank.post_login(&user, "wrong", &csrf).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(LOCKED_PAGE_TITLE));
    assert!(csrf_of(&html).is_none(), "the locked page has no form");
    assert!(bank.sb.user().locked);

    let (status, _, html) = text(bank.post_login(&user, &password, &csrf).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(LOCKED_PAGE_TITLE), "even the right password");

    let unlocked = bank
        .http
        .post(bank.url("/_sandbox/unlock"))
        .send()
        .await
        .unwrap();
    assert_eq!(unlocked.status(), StatusCode::OK);
    assert_eq!(bank.sb.user().failed_attempts, 0);
    let ok = bank.post_login(&user, &password, &csrf).await;
    assert_eq!(ok.status(), StatusCode::FOUND);
    let stats = bank.sb.stats();
    assert_eq!(stats.lockouts, 1);
    assert_eq!(stats.failed_logins, 4);
}

#[tokio::test]
async fn the_password_can_be_changed_and_the_user_locked_over_http() {
    let bank = Bank::start().await;
    let (user, password) = bank.sb.credentials();
    let changed = bank
        .http
        .post(bank.url("/_sandbox/password"))
        .json(&serde_json::json!({ "password": "Нова-Парола-7" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(bank.sb.credentials().1, "Нова-Парола-7");
    let csrf = bank.begin(&user).await;
    let (_, _, html) = text(bank.post_login(&user, &password, &csrf).await).await;
    assert!(
        html.contains(WRONG_CREDENTIALS_MESSAGE),
        "the old password fails"
    );

    let locked = bank
        .http
        .post(bank.url("/_sandbox/lock"))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), StatusCode::OK);
    let user_state: Value = bank
        .http
        .get(bank.url("/_sandbox/user"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user_state["locked"], true);
    let (_, _, html) = text(bank.post_login(&user, "Нова-Парола-7", &csrf).await).await;
    assert!(html.contains(LOCKED_PAGE_TITLE));
    bank.sb.unlock_user();
    let ok = bank.post_login(&user, "Нова-Парола-7", &csrf).await;
    assert_eq!(ok.status(), StatusCode::FOUND);

    assert_eq!(bank.sb.set_password(""), Err(FibankError::EmptyPassword));
    let refused = bank
        .http
        .post(bank.url("/_sandbox/password"))
        .json(&serde_json::json!({ "pass": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn csrf_session_certificate_and_form_are_enforced() {
    let bank = Bank::start().await;
    let (user, password) = bank.sb.credentials();

    // No session from step 1: every later step refuses.
    let (status, kind, html) =
        text(bank.http.get(bank.authorize_url()).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(kind.starts_with("text/html"));
    assert!(html.contains("id=\"error-message\""));
    let no_session = bank.post_login(&user, &password, "whatever").await;
    assert_eq!(no_session.status(), StatusCode::FORBIDDEN);

    let csrf = bank.begin(&user).await;
    let (status, _, html) = text(bank.post_login(&user, &password, "not-the-token").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("Invalid CSRF Token &#39;not-the-token&#39;"),
        "{html}"
    );
    let missing = bank
        .http
        .post(bank.url("/oauth2-server/login"))
        .form(&[("username", user.as_str()), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);

    for time in ["", "20.11.2026 16:45"] {
        let bad_time = bank
            .http
            .post(bank.url("/oauth2-server/login"))
            .form(&[
                ("username", user.as_str()),
                ("password", password.as_str()),
                ("client_id", "E_BANK"),
                ("time", time),
                ("_csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(bad_time.status(), StatusCode::BAD_REQUEST, "{time:?}");
    }

    // A fresh session without the certificate lookup.
    let fresh = Bank {
        sb: bank.sb.clone(),
        http: jar(),
    };
    let _ = fresh
        .http
        .get(fresh.url("/oauth2-server/login?client_id=E_BANK"))
        .send()
        .await
        .unwrap();
    let page = fresh.http.get(fresh.authorize_url()).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap()).unwrap();
    let skipped = fresh.post_login(&user, &password, &csrf).await;
    assert_eq!(skipped.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        bank.sb.stats().login_attempts,
        0,
        "none got past the checks"
    );

    for (param, bad) in [
        ("client_id", "client_id=WEB"),
        ("response_type", "response_type=code"),
        ("redirect_uri", "redirect_uri=https://evil.example/"),
        ("scope", "scope=ALL"),
        ("state", "state="),
    ] {
        let url = fresh
            .authorize_url()
            .replace(&format!("{param}="), "x=")
            .replace("?x=", "?")
            + "&"
            + bad;
        let (status, _, html) = text(fresh.http.get(url).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{param}");
        assert!(html.contains("OAuth Error"), "{param}");
    }
}

#[tokio::test]
async fn a_login_without_authorize_gets_no_token_and_idle_sessions_die() {
    let bank = Bank::start().await;
    let (user, password) = bank.sb.credentials();
    let page = bank
        .http
        .get(bank.url("/oauth2-server/login?client_id=E_BANK"))
        .send()
        .await
        .unwrap();
    let csrf = csrf_of(&page.text().await.unwrap()).unwrap();
    bank.certs(&user).await;
    let done = bank.post_login(&user, &password, &csrf).await;
    assert_eq!(done.status(), StatusCode::FOUND);
    assert!(location(&done).ends_with("/oauth2-server/"));
    assert!(bank.sb.issued_tokens().is_empty());

    let other = Bank {
        sb: bank.sb.clone(),
        http: jar(),
    };
    let csrf = other.begin(&user).await;
    bank.sb.clock().advance(Duration::minutes(31));
    let late = other.post_login(&user, &password, &csrf).await;
    assert_eq!(
        late.status(),
        StatusCode::FORBIDDEN,
        "the session died idle"
    );
}

// ---------------------------------------------------------------------------------------------
// API rules

#[tokio::test]
async fn every_api_header_is_required() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    for name in [
        "EBank-App-Version",
        "EBank-Client-Time",
        "EBank-Device-Id",
        "EBank-Referer",
        "X-Requested-With",
        "Accept-Language",
        "EBank-Cust-Id",
    ] {
        let response = bank
            .api_without(&login, ACCOUNTS, name)
            .send()
            .await
            .unwrap();
        let (status, kind, body) = text(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(kind.starts_with("application/json"));
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], 400);
        assert_eq!(v["error"], "Bad Request");
        assert_eq!(
            v["message"],
            format!("Missing request header '{name}' for method parameter of type String")
        );
        assert_eq!(v["path"], format!("{API}{ACCOUNTS}"));
    }
    // Accept, Referer and friends are not needed; getCustQuery needs no customer id.
    let plain = bank
        .api_without(&login, CUST_QUERY, "Accept")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::OK);

    let wrong_xhr = bank
        .api_without(&login, ACCOUNTS, "X-Requested-With")
        .header("X-Requested-With", "fetch")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_xhr.status(), StatusCode::BAD_REQUEST);
    let wrong_time = bank
        .api_without(&login, ACCOUNTS, "EBank-Client-Time")
        .header("EBank-Client-Time", "now")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_time.status(), StatusCode::BAD_REQUEST);
    let colon_time = bank
        .api_without(&login, ACCOUNTS, "EBank-Client-Time")
        .header("EBank-Client-Time", "2026-11-20T16:45:00+02:00")
        .send()
        .await
        .unwrap();
    assert_eq!(colon_time.status(), StatusCode::OK);
    let stranger = bank
        .api_without(&login, ACCOUNTS, "EBank-Cust-Id")
        .header("EBank-Cust-Id", "999")
        .send()
        .await
        .unwrap();
    let (status, _, body) = text(stranger).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Access is denied"));
}

#[tokio::test]
async fn the_token_and_its_session_cookie_come_first() {
    let bank = Bank::start().await;
    let login = bank.login().await;

    let anonymous = bank
        .api_without(&login, ACCOUNTS, "Authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer realm=\"oauth2-resource\""));
    let v: Value = anonymous.json().await.unwrap();
    assert_eq!(v["error"], "unauthorized");
    assert_eq!(
        v["error_description"],
        "Full authentication is required to access this resource"
    );

    let forged = Login {
        token: "6b1f0a52-0000-4000-8000-000000000000".to_owned(),
        customer: login.customer.clone(),
    };
    let v: Value = bank
        .api(&forged, ACCOUNTS)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["error"], "invalid_token");
    assert_eq!(
        v["error_description"],
        format!("Invalid access token: {}", forged.token)
    );

    // The right token from a client without the session cookie.
    let cookieless = Bank {
        sb: bank.sb.clone(),
        http: Client::new(),
    };
    let response = cookieless.api(&login, ACCOUNTS).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Missing headers are only looked at once the caller is authenticated.
    let both = cookieless
        .api_without(&login, ACCOUNTS, "EBank-Device-Id")
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_expire_by_the_sandbox_clock() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let clock = bank.sb.clock();
    clock.advance(Duration::seconds(899));
    assert_eq!(
        bank.api(&login, ACCOUNTS).send().await.unwrap().status(),
        StatusCode::OK
    );
    clock.advance(Duration::seconds(1));
    let expired = bank.api(&login, ACCOUNTS).send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    let v: Value = expired.json().await.unwrap();
    assert_eq!(v["error"], "invalid_token");
    assert_eq!(
        v["error_description"],
        format!("Access token expired: {}", login.token)
    );

    // A new login (a new cookie jar, as the connector starts each run) works again; the
    // fault expires it at once.
    let bank = Bank {
        sb: bank.sb.clone(),
        http: jar(),
    };
    let again = bank.login().await;
    assert_eq!(
        bank.api(&again, ACCOUNTS).send().await.unwrap().status(),
        StatusCode::OK
    );
    let injected = bank
        .http
        .post(bank.url("/_sandbox/faults"))
        .json(&serde_json::json!({ "kind": "expire_tokens" }))
        .send()
        .await
        .unwrap();
    assert_eq!(injected.status(), StatusCode::OK);
    let v: Value = bank
        .api(&again, ACCOUNTS)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["error"], "invalid_token");
}

// ---------------------------------------------------------------------------------------------
// Data

#[tokio::test]
async fn customer_and_accounts_have_the_documented_shapes() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let customer = bank.json(bank.api(&login, CUST_QUERY)).await;
    assert_eq!(customer["customer"].as_array().unwrap().len(), 1);
    assert!(customer["customer"][0]["ibCustomerId"].is_i64());

    let response = bank.api(&login, ACCOUNTS).send().await.unwrap();
    let raw = response.text().await.unwrap();
    assert!(raw.starts_with('['), "a top-level array");
    let accounts: Vec<Value> = serde_json::from_str(&raw).unwrap();
    let known = bank.sb.accounts();
    assert_eq!(accounts.len(), known.len());
    assert!(known.len() >= 4);
    for (wire, account) in accounts.iter().zip(&known) {
        assert_eq!(wire["ibanAcNo"], account.iban.as_str());
        assert_eq!(wire["ccy"], account.currency.as_str());
        assert_eq!(wire["acDesc"], account.name.as_str());
        assert_eq!(
            minor(&wire["acyCurrBalance"]),
            parse_decimal(&account.balance).unwrap()
        );
        assert_eq!(
            minor(&wire["acyAvlBal"]),
            parse_decimal(&account.available).unwrap()
        );
        assert!(wire["iban"].is_null(), "getFilteredAccounts says ibanAcNo");
    }
    let currencies: Vec<&str> = accounts
        .iter()
        .map(|a| a["ccy"].as_str().unwrap())
        .collect();
    assert_eq!(currencies.iter().filter(|c| **c == "BGN").count(), 3);
    assert!(currencies.contains(&"EUR"));
    assert!(raw.contains("Разплащателна сметка"));
    assert!(raw.contains("\"blockedAmount\":37.6"));
}

#[tokio::test]
async fn cust_bal_without_iban_lists_every_account_and_category_totals() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let v = bank
        .json(bank.api(&login, &format!("{CUST_BAL}?StmtType=T")))
        .await;
    let acc = v["acc"].as_array().unwrap();
    assert_eq!(acc.len(), bank.sb.accounts().len());
    for item in acc {
        for field in [
            "acDesc",
            "iban",
            "ccy",
            "acyAvlBal",
            "acyOpeningBal",
            "acyCurrBalance",
            "blockedAmount",
            "description",
            "category",
        ] {
            assert!(item.get(field).is_some(), "{field}");
        }
        assert!(item["stmt"].is_null());
    }
    let categories: HashMap<&str, i64> = v["categoryBal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["category"].as_str().unwrap(), minor(&c["bal"])))
        .collect();
    let mut current = 0;
    for a in bank.sb.accounts().iter().filter(|a| a.category == "CACC") {
        let balance = parse_decimal(&a.balance).unwrap();
        current += if a.currency == "EUR" {
            let scaled = balance * 195_583;
            (scaled + 50_000) / 100_000
        } else {
            balance
        };
    }
    assert_eq!(categories["CURR_CACC"], current);
    assert!(categories.contains_key("AVL_CACC"));
    assert_eq!(categories["AVL_CARD_ACC"], 157_682);
}

#[tokio::test]
async fn statements_carry_summary_rows_floats_and_a_running_balance() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let from = sofia(day(2026, 10, 21), 0, 0, 0);
    let to = sofia(day(2026, 11, 20), 23, 59, 59);
    let response = bank
        .api(&login, &Bank::stmt_path(&iban, &q(&from), &q(&to)))
        .send()
        .await
        .unwrap();
    let raw = response.text().await.unwrap();
    assert!(
        !raw.contains("\"amount\":\""),
        "amounts are numbers, never strings"
    );
    let v: Value = serde_json::from_str(&raw).unwrap();
    let account = &v["acc"][0];
    assert_eq!(account["iban"], iban.as_str());
    let stmt = account["stmt"].as_array().unwrap();
    let types: Vec<&str> = stmt
        .iter()
        .map(|r| r["trnType"].as_str().unwrap())
        .collect();
    assert_eq!(types.first(), Some(&"OP"));
    assert_eq!(&types[types.len() - 3..], &["DT", "CT", "CL"]);
    assert_eq!(
        types.iter().filter(|t| SUMMARY.contains(t)).count(),
        4,
        "exactly one of each summary row"
    );
    for row in stmt.iter().filter(|r| is_summary(r)) {
        assert!(row["acEntrySrNo"].is_null());
    }
    assert_eq!(stmt[0]["dateTime"], from.as_str());
    assert_eq!(minor(&account["acyOpeningBal"]), minor(&stmt[0]["acBal"]));

    let rows = entries(stmt);
    assert!(rows.len() > 20, "{} rows in a month", rows.len());
    let mut debits = 0;
    let mut credits = 0;
    let mut cyrillic = false;
    for row in &rows {
        let amount = minor(&row["amount"]);
        let (dr, cr) = (minor(&row["drAmount"]), minor(&row["crAmount"]));
        assert!(amount > 0);
        match row["dtkt"].as_str().unwrap() {
            "DT" => assert_eq!((dr, cr), (amount, 0)),
            "KT" => assert_eq!((dr, cr), (0, amount)),
            other => panic!("dtkt {other}"),
        }
        debits += dr;
        credits += cr;
        let at = row["dateTime"].as_str().unwrap();
        let parsed = DateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%z").unwrap();
        assert!(at.ends_with("+0200") || at.ends_with("+0300"), "{at}");
        assert!(parsed >= DateTime::parse_from_str(&from, "%Y-%m-%dT%H:%M:%S%z").unwrap());
        assert!(row["valueDt"].as_str().unwrap().contains("T00:00:00+0"));
        assert!(row["acEntrySrNo"].as_i64().unwrap() > i64::from(i32::MAX));
        for field in [
            "reference",
            "trname",
            "trnCode",
            "contragent",
            "benOrderParty",
            "trnAccount",
            "remI",
            "remIi",
            "remIii",
            "isEbankOper",
            "isPayment",
            "loadAsNew",
            "acBal",
        ] {
            assert!(row.get(field).is_some(), "{field}");
        }
        cyrillic |= row["trname"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| ('а'..='я').contains(&c));
    }
    assert!(cyrillic);
    let dt = stmt.iter().find(|r| r["trnType"] == "DT").unwrap();
    let ct = stmt.iter().find(|r| r["trnType"] == "CT").unwrap();
    assert_eq!(minor(&dt["drAmount"]), debits);
    assert_eq!(minor(&ct["crAmount"]), credits);
    assert!(chain_holds(stmt));
    let cl = stmt.last().unwrap();
    assert_eq!(minor(&cl["acBal"]), minor(&account["acyCurrBalance"]));

    // Both empty and null remittance lines, and text for every kind of row.
    assert!(rows.iter().any(|r| r["remI"] == ""));
    assert!(rows.iter().any(|r| r["remI"].is_null()));
    for needle in [
        "Такса",
        "Плащане с дебитна карта",
        "АТМ",
        "превод",
        "битови сметки",
    ] {
        assert!(
            rows.iter()
                .any(|r| r["trname"].as_str().unwrap().contains(needle)),
            "{needle}"
        );
    }
    assert!(rows
        .iter()
        .any(|r| r["remI"].as_str().unwrap_or("").starts_with("ЗАПЛАТА")));
}

#[tokio::test]
async fn the_window_is_at_most_31_sofia_days() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let from = q(&sofia(day(2026, 1, 1), 0, 0, 0));
    let fits = q(&sofia(day(2026, 1, 31), 23, 59, 59));
    let too_long = q(&sofia(day(2026, 2, 1), 0, 0, 0));
    let ok = bank
        .api(&login, &Bank::stmt_path(&iban, &from, &fits))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let (status, kind, body) = text(
        bank.api(&login, &Bank::stmt_path(&iban, &from, &too_long))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(body.contains("HTTP Status 500"));
    assert!(body.contains("31 дни"));

    let backwards = bank
        .api(&login, &Bank::stmt_path(&iban, &fits, &from))
        .send()
        .await
        .unwrap();
    assert_eq!(backwards.status(), StatusCode::INTERNAL_SERVER_ERROR);

    // With the limit off, the connector's "genesis" call gets the whole history at once.
    let open = Bank::with(FibankConfig {
        max_range_days: None,
        ..config()
    })
    .await;
    let login = open.login().await;
    let iban = open.main_iban();
    let stmt = open
        .stmt_rows(
            &login,
            &iban,
            "1993-02-27T00:00:00%252B0200",
            "2026-11-20T16:45:00+0200",
        )
        .await;
    let serials: Vec<String> = entries(&stmt)
        .iter()
        .map(|r| r["acEntrySrNo"].as_i64().unwrap().to_string())
        .collect();
    let oracle: Vec<String> = open
        .sb
        .oracle_ledger()
        .into_iter()
        .filter(|r| r.account == iban)
        .filter_map(|r| r.stable_id)
        .collect();
    assert_eq!(serials, oracle);
    assert!(serials.len() > 800, "{}", serials.len());
    assert!(chain_holds(&stmt));
}

#[tokio::test]
async fn from_and_to_accept_every_plus_encoding() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let reference = bank
        .statement(
            &login,
            &iban,
            "2026-11-01T00:00:00%2B0200",
            "2026-11-15T23:59:59%2B0200",
        )
        .await;
    for (from, to) in [
        ("2026-11-01T00:00:00+0200", "2026-11-15T23:59:59+0200"),
        ("2026-11-01T00:00:00%252B0200", "2026-11-15T23:59:59+0200"),
        ("2026-11-01T00:00:00%2b0200", "2026-11-15T23:59:59%252B0200"),
        ("2026-11-01T00:00:00+02:00", "2026-11-15T23:59:59%2B02%3A00"),
        ("2026-10-31T22:00:00Z", "2026-11-15T21:59:59Z"),
    ] {
        let got = bank.statement(&login, &iban, from, to).await;
        assert_eq!(
            got["acc"][0]["stmt"], reference["acc"][0]["stmt"],
            "{from} {to}"
        );
    }
    for bad in ["2026-11-01", "2026-11-01T00:00:00", "01.11.2026"] {
        let response = bank
            .api(
                &login,
                &Bank::stmt_path(&iban, bad, "2026-11-15T23:59:59%2B0200"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let no_dates = bank
        .api(&login, &format!("{CUST_BAL}?Iban={iban}&StmtType=T"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_dates.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_summer_window_sent_with_plus_0200_is_an_hour_off() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    // July is +0300 in Sofia. A client that always writes +0200 asks from 01:00 on the 1st…
    let right = bank
        .stmt_rows(
            &login,
            &iban,
            "2026-07-01T00:00:00%2B0300",
            "2026-07-31T23:59:59%2B0300",
        )
        .await;
    assert_eq!(right[0]["dateTime"], "2026-07-01T00:00:00+0300");
    let off = bank
        .stmt_rows(
            &login,
            &iban,
            "2026-07-01T00:00:00%2B0200",
            "2026-07-30T23:59:59%2B0200",
        )
        .await;
    assert_eq!(
        off[0]["dateTime"], "2026-07-01T01:00:00+0300",
        "echoed in Sofia time"
    );
    assert!(chain_holds(&right) && chain_holds(&off));
    // …and its month-long window ends at 00:59:59 on 1 August: 32 Sofia days, refused.
    let response = bank
        .api(
            &login,
            &Bank::stmt_path(
                &iban,
                "2026-07-01T00:00:00%2B0200",
                "2026-07-31T23:59:59%2B0200",
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn rows_show_both_offsets_around_the_clock_changes() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    // 25 October 2026: 03:30 happens twice.
    let autumn = bank
        .stmt_rows(
            &login,
            &iban,
            &q(&sofia(day(2026, 10, 20), 0, 0, 0)),
            &q(&sofia(day(2026, 10, 31), 23, 59, 59)),
        )
        .await;
    let times: Vec<&str> = entries(&autumn)
        .iter()
        .map(|r| r["dateTime"].as_str().unwrap())
        .collect();
    let first = times
        .iter()
        .position(|t| *t == "2026-10-25T03:30:00+0300")
        .unwrap();
    let second = times
        .iter()
        .position(|t| *t == "2026-10-25T03:30:00+0200")
        .unwrap();
    assert!(
        first < second,
        "the summer-time 03:30 is the earlier instant"
    );
    assert!(
        times.iter().any(|t| t.ends_with("+0300")) && times.iter().any(|t| t.ends_with("+0200"))
    );
    // 29 March 2026: from 02:59 +0200 straight to 04:00 +0300.
    let spring = bank
        .stmt_rows(
            &login,
            &iban,
            &q(&sofia(day(2026, 3, 29), 0, 0, 0)),
            &q(&sofia(day(2026, 3, 29), 23, 59, 59)),
        )
        .await;
    let times: Vec<&str> = entries(&spring)
        .iter()
        .map(|r| r["dateTime"].as_str().unwrap())
        .collect();
    assert!(times.contains(&"2026-03-29T02:50:05+0200"));
    assert!(times.contains(&"2026-03-29T04:10:44+0300"));
    // Late evening and just after midnight, where the Sofia day and the UTC day differ.
    let oracle = bank.sb.entries();
    assert!(oracle.iter().any(|e| e.date_time.contains("T23:59:00+")));
    assert!(oracle
        .iter()
        .any(|e| e.date_time.contains("T00:") && sofia_day_of(e) != e.at.date_naive()));
}

fn sofia_day_of(entry: &FibankEntry) -> NaiveDate {
    entry
        .at
        .with_timezone(&chrono_tz::Europe::Sofia)
        .date_naive()
}

#[tokio::test]
async fn twins_and_fees_share_references_but_never_serials() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let stmt = bank
        .stmt_rows(
            &login,
            &iban,
            &q(&sofia(day(2026, 11, 1), 0, 0, 0)),
            &q(&sofia(day(2026, 11, 20), 23, 59, 59)),
        )
        .await;
    let rows = entries(&stmt);
    let serials: HashSet<i64> = rows
        .iter()
        .map(|r| r["acEntrySrNo"].as_i64().unwrap())
        .collect();
    assert_eq!(serials.len(), rows.len());

    let strip = |r: &Value| {
        let mut r = r.clone();
        let o = r.as_object_mut().unwrap();
        o.remove("acEntrySrNo");
        o.remove("acBal");
        r
    };
    let twins: Vec<&&Value> = rows
        .iter()
        .filter(|r| r["dateTime"] == "2026-11-14T08:12:31+0200")
        .collect();
    assert_eq!(twins.len(), 2);
    assert_eq!(
        strip(twins[0]),
        strip(twins[1]),
        "identical but for serial and balance"
    );
    assert_ne!(twins[0]["acEntrySrNo"], twins[1]["acEntrySrNo"]);
    assert_eq!(minor(&twins[0]["amount"]), 160);

    let mut by_reference: HashMap<&str, Vec<&Value>> = HashMap::new();
    for row in &rows {
        by_reference
            .entry(row["reference"].as_str().unwrap())
            .or_default()
            .push(row);
    }
    let transfer_and_fee = by_reference.values().any(|group| {
        group.len() == 2
            && group.iter().any(|r| r["trnType"] == "TRO")
            && group.iter().any(|r| {
                r["trnType"] == "FEE" && r["trname"].as_str().unwrap().starts_with("Такса")
            })
    });
    assert!(transfer_and_fee);
    // The oracle keeps both twins.
    let oracle = bank.sb.oracle_ledger();
    let oracle_twins = oracle
        .iter()
        .filter(|r| r.date == day(2026, 11, 14) && r.description == "CGM SOFIA METRO")
        .count();
    assert_eq!(oracle_twins, 2);
}

#[tokio::test]
async fn card_accounts_strangers_and_psd2_get_no_account() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let card = bank
        .sb
        .accounts()
        .into_iter()
        .find(|a| !a.has_statement)
        .unwrap();
    let from = "2026-11-01T00:00:00%2B0200";
    let to = "2026-11-20T00:00:00%2B0200";
    for iban in [card.iban.as_str(), "BG80BNBG96611020345678"] {
        let v = bank.statement(&login, iban, from, to).await;
        assert_eq!(v["acc"], serde_json::json!([]), "{iban}");
        assert!(v["categoryBal"].is_array());
    }
    let iban = bank.main_iban();
    let psd2 = bank
        .json(bank.api(
            &login,
            &format!("{CUST_BAL}?FromDate={from}&ToDate={to}&Iban={iban}&StmtType=T&isAccountFromPSD2=true"),
        ))
        .await;
    assert_eq!(psd2["acc"], serde_json::json!([]));
    for query in [
        format!("FromDate={from}&ToDate={to}&Iban={iban}"),
        format!("FromDate={from}&ToDate={to}&Iban={iban}&StmtType=S"),
        format!("FromDate={from}&ToDate={to}&Iban={iban}&StmtType=T&isAccountFromPSD2=maybe"),
    ] {
        let response = bank
            .api(&login, &format!("{CUST_BAL}?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    // Without the card account the customer has three.
    let plain = Bank::with(FibankConfig {
        card_account: false,
        ..config()
    })
    .await;
    assert_eq!(plain.sb.accounts().len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn fault_server_and_statement_errors_are_html_500s() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let path = Bank::stmt_path(
        &iban,
        "2026-11-01T00:00:00%2B0200",
        "2026-11-10T00:00:00%2B0200",
    );

    bank.sb.inject(FibankFault::ServerError { requests: 1 });
    let (status, kind, _) = text(bank.api(&login, ACCOUNTS).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(kind.starts_with("text/html"));
    assert_eq!(
        bank.api(&login, ACCOUNTS).send().await.unwrap().status(),
        StatusCode::OK
    );

    bank.sb.inject(FibankFault::StatementError { requests: 2 });
    assert_eq!(
        bank.api(&login, ACCOUNTS).send().await.unwrap().status(),
        StatusCode::OK,
        "only statements fail"
    );
    for _ in 0..2 {
        let (status, kind, _) = text(bank.api(&login, &path).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(kind.starts_with("text/html"));
    }
    assert_eq!(
        bank.api(&login, &path).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(bank.sb.faults().is_empty());
}

#[tokio::test]
async fn fault_malformed_json_cuts_the_body() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    bank.sb.inject(FibankFault::MalformedJson { requests: 1 });
    let response = bank.api(&login, ACCOUNTS).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&body).is_err());
    assert!(body.starts_with("[{\"ibanAcNo\""));
    bank.json(bank.api(&login, ACCOUNTS)).await;
}

#[tokio::test]
async fn fault_login_page_without_csrf() {
    let bank = Bank::start().await;
    bank.sb
        .inject(FibankFault::LoginPageWithoutCsrf { requests: 1 });
    let _ = bank
        .http
        .get(bank.url("/oauth2-server/login?client_id=E_BANK"))
        .send()
        .await
        .unwrap();
    let page = bank.http.get(bank.authorize_url()).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("_csrf"), "{html}");
    assert!(html.contains("loginForm"));
    let page = bank.http.get(bank.authorize_url()).send().await.unwrap();
    assert!(csrf_of(&page.text().await.unwrap()).is_some());
}

#[tokio::test]
async fn fault_redirect_without_token() {
    let bank = Bank::start().await;
    bank.sb
        .inject(FibankFault::RedirectWithoutToken { requests: 1 });
    let (user, password) = bank.sb.credentials();
    let csrf = bank.begin(&user).await;
    let first = bank.post_login(&user, &password, &csrf).await;
    let second = bank.http.get(location(&first)).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::FOUND);
    let f = fragment(&location(&second));
    assert!(!f.contains_key("access_token"));
    assert_eq!(f["state"], STATE);
    assert!(bank.sb.issued_tokens().is_empty());
    // The session is logged in: asking again yields a token.
    let again = bank.http.get(bank.authorize_url()).send().await.unwrap();
    assert!(fragment(&location(&again)).contains_key("access_token"));
}

#[tokio::test]
async fn fault_broken_running_balance_and_amount_mismatch() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let (from, to) = ("2026-11-01T00:00:00%2B0200", "2026-11-20T16:45:00%2B0200");

    bank.sb
        .inject(FibankFault::BrokenRunningBalance { requests: 1 });
    let broken = bank.stmt_rows(&login, &iban, from, to).await;
    assert!(!chain_holds(&broken));
    assert!(chain_holds(&bank.stmt_rows(&login, &iban, from, to).await));

    bank.sb.inject(FibankFault::AmountMismatch { requests: 1 });
    let odd = bank.stmt_rows(&login, &iban, from, to).await;
    let first = entries(&odd)[0];
    let amount = minor(&first["amount"]);
    assert_ne!(
        amount,
        minor(&first["drAmount"]) + minor(&first["crAmount"])
    );
    let fine = bank.stmt_rows(&login, &iban, from, to).await;
    let first = entries(&fine)[0];
    assert_eq!(
        minor(&first["amount"]),
        minor(&first["drAmount"]) + minor(&first["crAmount"])
    );

    // Both at once hit the same statement; an empty window does not spend them.
    bank.sb
        .inject(FibankFault::BrokenRunningBalance { requests: 1 });
    bank.sb.inject(FibankFault::AmountMismatch { requests: 1 });
    let empty = bank
        .stmt_rows(
            &login,
            &iban,
            "2030-01-01T00:00:00%2B0200",
            "2030-01-02T00:00:00%2B0200",
        )
        .await;
    assert_eq!(empty.len(), 4, "only the summary rows");
    assert_eq!(bank.sb.faults().len(), 2);
    let both = bank.stmt_rows(&login, &iban, from, to).await;
    assert!(!chain_holds(&both));
    let first = entries(&both)[0];
    assert_ne!(
        minor(&first["amount"]),
        minor(&first["drAmount"]) + minor(&first["crAmount"])
    );
}

#[tokio::test]
async fn faults_over_http_queue_with_budgets() {
    let bank = Bank::start().await;
    let faults = bank.url("/_sandbox/faults");
    let added = bank
        .http
        .post(&faults)
        .json(&serde_json::json!([
            { "kind": "server_error", "requests": 2 },
            { "kind": "malformed_json", "requests": 1 },
            { "kind": "server_error", "requests": 0 }
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let listed: Vec<FibankFault> = bank
        .http
        .get(&faults)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed,
        vec![
            FibankFault::ServerError { requests: 2 },
            FibankFault::MalformedJson { requests: 1 }
        ],
        "a fault without budget is not queued"
    );
    let login = bank.login().await;
    assert_eq!(
        bank.api(&login, CUST_QUERY).send().await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        bank.sb.faults(),
        vec![
            FibankFault::ServerError { requests: 1 },
            FibankFault::MalformedJson { requests: 1 }
        ]
    );
    let cleared = bank.http.delete(&faults).send().await.unwrap();
    assert_eq!(cleared.status(), StatusCode::OK);
    assert!(bank.sb.faults().is_empty());
    let junk = bank
        .http
        .post(&faults)
        .body("{\"kind\":\"meteor\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(junk.status(), StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------------
// Time, advance, oracle, log

#[tokio::test]
async fn advance_books_new_days_and_late_rows_inside_synced_days() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let from = q(&sofia(day(2026, 11, 10), 0, 0, 0));
    let to = q(&sofia(day(2026, 11, 20), 16, 45, 0));
    let before = bank.stmt_rows(&login, &iban, &from, &to).await;
    let max_before = bank.sb.entries().iter().map(|e| e.sr_no).max().unwrap();
    let oracle_before = bank.sb.oracle_ledger().len();

    let report: AdvanceReport = bank
        .http
        .post(bank.url("/_sandbox/advance"))
        .json(&serde_json::json!({ "days": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report.now, start() + Duration::days(3));
    assert_eq!(bank.sb.clock().now(), report.now);
    assert!(report.new_rows > 0);
    assert_eq!(report.late_rows, 3);
    assert_eq!(
        bank.sb.oracle_ledger().len(),
        oracle_before + report.new_rows + report.late_rows
    );

    let late: Vec<FibankEntry> = bank.sb.entries().into_iter().filter(|e| e.late).collect();
    assert_eq!(late.len(), 3);
    for entry in &late {
        assert!(entry.sr_no > max_before);
        assert!(entry.at < start(), "dated inside days already past");
        assert!(sofia_day_of(entry) >= day(2026, 11, 17));
    }
    let news: Vec<FibankEntry> = bank
        .sb
        .entries()
        .into_iter()
        .filter(|e| !e.late && e.sr_no > max_before)
        .collect();
    assert!(news.iter().all(|e| e.at > start()));

    // The token died meanwhile (three days); a new login sees the late rows in the old window.
    let login2 = bank.login().await;
    assert_eq!(
        bank.api(&login, ACCOUNTS).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let after = bank.stmt_rows(&login2, &iban, &from, &to).await;
    let late_main: Vec<&FibankEntry> = late.iter().filter(|e| e.iban == iban).collect();
    assert_eq!(
        entries(&after).len(),
        entries(&before).len() + late_main.len()
    );
    for entry in late_main {
        let row = entries(&after)
            .into_iter()
            .find(|r| r["acEntrySrNo"].as_i64() == Some(entry.sr_no))
            .unwrap();
        assert_eq!(row["loadAsNew"], "Y");
        assert_eq!(row["dateTime"], entry.date_time.as_str());
    }
    assert!(chain_holds(&after));

    // And from Rust.
    let report = bank.sb.advance(1);
    assert_eq!(report.late_rows, 1);
    let refused = bank
        .http
        .post(bank.url("/_sandbox/advance"))
        .json(&serde_json::json!({ "days": -1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_clock_alone_books_the_days_rows_without_late_ones() {
    let bank = Bank::start().await;
    let clock = bank.url("/_sandbox/clock");
    let now: crate::clock::ClockReading = bank
        .http
        .get(&clock)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now.now, start());
    let before = bank.sb.entries().len();
    let moved: crate::clock::ClockReading = bank
        .http
        .post(&clock)
        .json(&serde_json::json!({ "advance_days": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved.now, start() + Duration::days(2));
    let after = bank.sb.entries();
    assert!(after.len() > before);
    assert!(after.iter().all(|e| !e.late && e.at <= moved.now));

    let back: crate::clock::ClockReading = bank
        .http
        .post(&clock)
        .json(&serde_json::json!({ "set": START }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(back.now, start());
    assert_eq!(bank.sb.entries().len(), after.len(), "nothing is un-booked");
}

#[tokio::test]
async fn the_oracle_is_what_a_faithful_client_reads_off_the_wire() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let oracle = bank.sb.oracle_ledger();
    let over_http: Vec<OracleRow> = bank
        .http
        .get(bank.url("/_sandbox/oracle/ledger"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oracle, over_http);
    let accounts_http: Vec<OracleAccount> = bank
        .http
        .get(bank.url("/_sandbox/oracle/accounts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bank.sb.oracle_accounts(), accounts_http);

    // Walk every account's whole history in 31-day windows, as a connector must.
    let mut from_wire = Vec::new();
    for account in bank.sb.accounts().iter().filter(|a| a.has_statement) {
        let mut first = account.history_from;
        while first <= day(2026, 11, 20) {
            let last = first + Duration::days(30);
            let stmt = bank
                .stmt_rows(
                    &login,
                    &account.iban,
                    &q(&sofia(first, 0, 0, 0)),
                    &q(&sofia(last, 23, 59, 59)),
                )
                .await;
            assert!(chain_holds(&stmt));
            for row in entries(&stmt) {
                let at = DateTime::parse_from_str(
                    row["dateTime"].as_str().unwrap(),
                    "%Y-%m-%dT%H:%M:%S%z",
                )
                .unwrap();
                let amount = minor(&row["amount"]);
                let signed = if row["dtkt"] == "DT" { -amount } else { amount };
                let description = match row["remI"].as_str() {
                    Some(rem) if !rem.trim().is_empty() => rem.to_owned(),
                    _ => row["trname"].as_str().unwrap().to_owned(),
                };
                from_wire.push(OracleRow {
                    account: account.iban.clone(),
                    account_name: account.name.clone(),
                    date: at.date_naive(),
                    amount: super::json::decimal_text(signed),
                    currency: account.currency.clone(),
                    description,
                    status: "booked".to_owned(),
                    stable_id: Some(row["acEntrySrNo"].as_i64().unwrap().to_string()),
                    own_transfer: row["trname"]
                        .as_str()
                        .unwrap()
                        .contains("собствени сметки")
                        .then(|| row["reference"].as_str().unwrap().to_owned()),
                });
            }
            first = last + Duration::days(1);
        }
    }
    assert_eq!(from_wire.len(), oracle.len());
    assert_eq!(from_wire, oracle);
    assert!(oracle.len() > 1_000, "{} rows", oracle.len());

    // Balances: the oracle's are the wire's, and the booked rows add up to them.
    let wire_accounts: Vec<Value> = serde_json::from_str(
        &bank
            .api(&login, ACCOUNTS)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    for (account, wire) in bank.sb.oracle_accounts().iter().zip(&wire_accounts) {
        assert_eq!(account.account, wire["ibanAcNo"].as_str().unwrap());
        assert_eq!(
            parse_decimal(&account.balance).unwrap(),
            minor(&wire["acyCurrBalance"])
        );
        assert_eq!(
            parse_decimal(account.available.as_deref().unwrap()).unwrap(),
            minor(&wire["acyAvlBal"])
        );
    }
}

#[tokio::test]
async fn the_request_log_keeps_what_was_sent() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let path = Bank::stmt_path(
        &iban,
        "2026-11-01T00:00:00%252B0200",
        "2026-11-10T00:00:00+0200",
    );
    bank.api(&login, &path).send().await.unwrap();
    let _ = bank
        .http
        .get(bank.url("/_sandbox/stats"))
        .send()
        .await
        .unwrap();
    let log: Vec<RecordedRequest> = bank
        .http
        .get(bank.url("/_sandbox/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log, bank.sb.requests());
    let targets: Vec<&str> = log.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        vec![
            "/oauth2-server/login?client_id=E_BANK",
            &bank.authorize_url()[bank.sb.base_url().len()..],
            "/oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin?client_id=E_BANK&userName=ivan.petrov",
            "/oauth2-server/login",
            &bank.authorize_url()[bank.sb.base_url().len()..],
            &format!("{API}{path}"),
        ],
        "control routes are not logged; the query stays encoded"
    );
    assert!(log.iter().enumerate().all(|(i, r)| r.seq == i as u64 + 1));
    let post = &log[3];
    assert_eq!(post.method, "POST");
    assert_eq!(post.status, 302);
    assert!(post.body.contains("_csrf=") && post.body.contains("username=ivan.petrov"));
    let api = &log[5];
    assert_eq!(api.status, 200);
    assert_eq!(api.at, start());
    let header = |name: &str| {
        api.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("ebank-device-id").as_deref(), Some("AABBCCDDEE"));
    assert_eq!(
        header("authorization"),
        Some(format!("Bearer {}", login.token))
    );
    assert!(header("cookie").unwrap().contains("JSESSIONID="));

    let cleared = bank
        .http
        .delete(bank.url("/_sandbox/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), StatusCode::OK);
    assert!(bank.sb.requests().is_empty());
}

#[tokio::test]
async fn entries_can_be_booked_over_http_and_from_rust() {
    let bank = Bank::start().await;
    let login = bank.login().await;
    let iban = bank.main_iban();
    let booked: FibankEntry = bank
        .http
        .post(bank.url("/_sandbox/entries"))
        .json(&serde_json::json!({
            "iban": iban,
            "date_time": "2026-11-19T21:30:00+02:00",
            "amount": "12345678.90",
            "trname": "Получен кредитен превод",
            "rem_i": "ПРОДАЖБА НА АПАРТАМЕНТ"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(booked.amount, "12345678.90");
    assert_eq!(booked.dtkt, "KT");
    assert_eq!(booked.date_time, "2026-11-19T21:30:00+0200");
    let path = Bank::stmt_path(
        &iban,
        "2026-11-19T00:00:00%2B0200",
        "2026-11-19T23:59:59%2B0200",
    );
    let raw = bank
        .api(&login, &path)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        raw.contains("\"amount\":1.23456789E7"),
        "Java prints big doubles so"
    );
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert!(chain_holds(v["acc"][0]["stmt"].as_array().unwrap()));

    let small = bank
        .sb
        .add_entry(NewEntry {
            iban: iban.clone(),
            date_time: "2026-11-20T10:00:00+02:00".parse().unwrap(),
            amount: "-12.30".to_owned(),
            trname: "Такса SMS известяване".to_owned(),
            rem_i: None,
            reference: Some("9150FEES263240001".to_owned()),
            value_date: None,
        })
        .unwrap();
    assert!(small.sr_no > booked.sr_no);
    assert_eq!(small.description, "Такса SMS известяване");
    let oracle = bank.sb.oracle_ledger();
    let row = oracle
        .iter()
        .find(|r| r.stable_id.as_deref() == Some(small.sr_no.to_string().as_str()))
        .unwrap();
    assert_eq!(row.amount, "-12.30");

    let card = bank.sb.accounts()[3].iban.clone();
    let base = NewEntry {
        iban: iban.clone(),
        date_time: "2026-11-20T10:00:00+02:00".parse().unwrap(),
        amount: "-1.00".to_owned(),
        trname: "x".to_owned(),
        rem_i: None,
        reference: None,
        value_date: None,
    };
    for (entry, error) in [
        (
            NewEntry {
                iban: "BG00NOPE".to_owned(),
                ..base.clone()
            },
            FibankError::UnknownIban("BG00NOPE".to_owned()),
        ),
        (
            NewEntry {
                iban: card.clone(),
                ..base.clone()
            },
            FibankError::NoStatement(card.clone()),
        ),
        (
            NewEntry {
                amount: "1.234".to_owned(),
                ..base.clone()
            },
            FibankError::BadAmount("1.234".to_owned()),
        ),
        (
            NewEntry {
                date_time: "2026-11-21T10:00:00+02:00".parse().unwrap(),
                ..base.clone()
            },
            FibankError::InTheFuture("2026-11-21T10:00:00+0200".to_owned()),
        ),
    ] {
        assert_eq!(bank.sb.add_entry(entry), Err(error));
    }
}

#[tokio::test]
async fn describe_stats_and_shutdown() {
    let bank = Bank::start().await;
    let text = bank.sb.describe();
    let (user, password) = bank.sb.credentials();
    assert!(text.contains(&user) && text.contains(&password));
    assert!(text.contains(&bank.sb.user().customer_id.to_string()));
    let help = bank
        .http
        .get(bank.url("/_sandbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(help.contains("/_sandbox/advance"));

    let login = bank.login().await;
    bank.api(&login, CUST_QUERY).send().await.unwrap();
    bank.api(&login, ACCOUNTS).send().await.unwrap();
    let missing = bank
        .http
        .get(bank.url("/EBank/api/v1/sywsquery/sywsquery/getCardsInfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let stats: FibankStats = bank
        .http
        .get(bank.url("/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, bank.sb.stats());
    assert_eq!(stats.login_pages, 1);
    assert_eq!(stats.cert_lookups, 1);
    assert_eq!(stats.login_attempts, 1);
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.api_calls, 3);

    bank.sb.shutdown();
    let mut refused = false;
    for _ in 0..50 {
        if jar().get(bank.url("/EBank/")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused, "the listener closes");
}

#[tokio::test]
async fn same_seed_and_clock_same_bank() {
    let a = Bank::start().await;
    let b = Bank::start().await;
    assert_eq!(a.sb.oracle_ledger(), b.sb.oracle_ledger());
    assert_eq!(a.sb.accounts(), b.sb.accounts());
    let other = Bank::with(FibankConfig {
        seed: 8,
        ..config()
    })
    .await;
    assert_ne!(a.sb.oracle_ledger(), other.sb.oracle_ledger());
}
