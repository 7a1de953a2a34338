//! End-to-end checks over real HTTP (reqwest) against a started sandbox. Time only moves when a
//! test moves the sandbox clock.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use super::*;
use crate::clock::SandboxClock;

const BT: &str = "bt_ro_aisp_sbx_#2.0";
const ING: &str = "ing_ro_aisp_sbx_#2.0";
const BCR: &str = "erste_ro_aisp_sbx_#2.0";
const RZB: &str = "rzb_ro_aisp_sbx_#1.0";
const ERSTE_HR: &str = "erste_hr_aisp_sbx_#1.0";
const CLIENT_ID: &str = "sandbox-client-id";
const CLIENT_SECRET: &str = "sandbox-client-secret";
const APP_KEY: &str = "sandbox-client-app-key";
const USER: &str = "user-1";
const LINK: &str = "coffer://finqware/callback";

/// A Friday evening in Bucharest, two days before the spring clock change.
fn start_at() -> DateTime<Utc> {
    at("2026-03-27T18:00:00Z")
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn config() -> FinqwareConfig {
    FinqwareConfig {
        clock: SandboxClock::fixed(start_at()),
        seed: 4242,
        ..FinqwareConfig::default()
    }
}

#[derive(Debug, Clone)]
struct Creds {
    credentials_id: String,
    access_token: String,
}

struct Harness {
    sb: FinqwareSandbox,
    http: Client,
}

impl Harness {
    async fn start() -> Self {
        Self::with(config()).await
    }

    async fn with(config: FinqwareConfig) -> Self {
        let sb = FinqwareSandbox::start(config, 0).await.unwrap();
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { sb, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base_url())
    }

    /// POST a JSON body to `/v1{path}`; the answer parsed as JSON.
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, text, _) = self.post_text(path, body).await;
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        (status, value)
    }

    /// POST a JSON body; the raw answer and its content type.
    async fn post_text(&self, path: &str, body: Value) -> (StatusCode, String, String) {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, response.text().await.unwrap(), content_type)
    }

    async fn session(&self, skill: &str, user: Option<&str>) -> (String, String) {
        let mut body = json!({ "client_id": CLIENT_ID, "client_app_key": APP_KEY, "skill": skill });
        if let Some(user) = user {
            body["tenant_user_id"] = json!(user);
        }
        let (status, answer) = self.post("/sessions", body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        (
            answer["session_id"].as_str().unwrap().to_owned(),
            answer["nonce"].as_str().unwrap().to_owned(),
        )
    }

    async fn step(
        &self,
        session: &str,
        nonce: &str,
        skill: &str,
        step: &str,
        data: Value,
    ) -> (StatusCode, Value) {
        self.post(
            &format!("/sessions/{session}/steps"),
            json!({ "client_id": CLIENT_ID, "nonce": nonce, "skill": skill, "step": step, "data": data }),
        )
        .await
    }

    /// Session + `sca` step; the consent page URL.
    async fn sca(&self, skill: &str, user: Option<&str>, link: &str) -> String {
        let (session, nonce) = self.session(skill, user).await;
        let (status, answer) = self
            .step(
                &session,
                &nonce,
                skill,
                "sca",
                json!({ "psu_redirect_link": link }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer["data"]["url"].as_str().unwrap().to_owned()
    }

    async fn exchange(&self, temp_token: &str) -> (StatusCode, Value) {
        self.post(
            "/tokens",
            json!({ "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "temp_token": temp_token }),
        )
        .await
    }

    async fn exchange_ok(&self, temp_token: &str) -> Creds {
        let (status, answer) = self.exchange(temp_token).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        Creds {
            credentials_id: answer["credentials_id"].as_str().unwrap().to_owned(),
            access_token: answer["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// The whole browser dance for `skill`.
    async fn connect(&self, skill: &str, user: &str) -> Creds {
        let page = self.sca(skill, Some(user), LINK).await;
        let back = approve_in_browser(&page, true).await.unwrap();
        self.exchange_ok(&query_param(&back, "temp_token").unwrap())
            .await
    }

    fn creds_body(creds: &Creds, user: &str) -> Value {
        json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "credentials_id": creds.credentials_id,
            "access_token": creds.access_token,
            "tenant_user_id": user,
        })
    }

    async fn data(&self, path: &str, creds: &Creds, filter: Option<Value>) -> Vec<Value> {
        let mut body = Self::creds_body(creds, USER);
        if let Some(filter) = filter {
            body["filter"] = filter;
        }
        let (status, answer) = self.post(path, body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer.as_array().unwrap().clone()
    }

    async fn transactions(&self, creds: &Creds, filter: Option<Value>) -> Vec<Value> {
        self.data("/transactions/get", creds, filter).await
    }

    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sb.origin()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn is_uuid(text: &str) -> bool {
    super::state::is_uuid(text)
}

fn assert_error(status: StatusCode, body: &Value, http: u16, kind: &str, code: &str) {
    assert_eq!(status.as_u16(), http, "{body}");
    assert_eq!(body["http"], http, "{body}");
    assert_eq!(body["type"], kind, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(is_uuid(body["id"].as_str().unwrap_or("")), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

fn assert_bare(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let object = body.as_object().unwrap();
    assert_eq!(object.len(), 1, "only a message: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// Exact decimal text → minor units (at most two decimals, optional minus).
fn minor(text: &str) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(fraction.len() <= 2, "{text}");
    let value =
        whole.parse::<i64>().unwrap() * 100 + format!("{fraction:0<2}").parse::<i64>().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

/// Signed minor units of a transaction row.
fn signed(row: &Value) -> i64 {
    let amount = minor(row["data"]["amount"].as_str().unwrap());
    match row["data"]["credit_debit_indicator"].as_str().unwrap() {
        "debit" => -amount,
        "credit" => amount,
        other => panic!("indicator {other}"),
    }
}

fn instant(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap();
    assert!(text.ends_with('Z') && text.len() == 20, "{text}");
    text.parse().unwrap()
}

fn bucharest_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Europe::Bucharest).date_naive()
}

fn by_utx(rows: &[Value]) -> HashMap<String, Value> {
    rows.iter()
        .map(|r| (r["utx_id"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The dance

#[tokio::test]
async fn the_full_dance_with_a_custom_scheme_link() {
    let h = Harness::start().await;
    let (session, nonce) = h.session(BT, Some(USER)).await;
    assert!(is_uuid(&session));
    assert!(nonce.starts_with("MDAx"), "{nonce}");

    let (status, step) = h
        .step(
            &session,
            &nonce,
            BT,
            "sca",
            json!({ "psu_redirect_link": LINK }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{step}");
    assert_eq!(step["status"], "SESSION_IN_PROGRESS");
    assert!(is_uuid(step["step_id"].as_str().unwrap()));
    let next_nonce = step["nonce"].as_str().unwrap();
    assert!(next_nonce.starts_with("MDAx") && next_nonce != nonce);
    assert_eq!(step["data"]["method"], "GET");
    assert_eq!(
        step["data"]["headers"],
        json!({ "Content-Type": "application/x-www-form-urlencoded" })
    );
    let page_url = step["data"]["url"].as_str().unwrap();
    assert!(page_url.starts_with(&format!("{}/bank/bt/oauth/authorize?", h.sb.origin())));

    // The bank's page: a form with Approve and Deny, no external resources.
    let html = h
        .http
        .get(page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "Banca Transilvania",
        ">Approve</button>",
        ">Deny</button>",
        "method=\"post\"",
        "coffer-sandbox",
    ] {
        assert!(html.contains(needle), "missing {needle}: {html}");
    }
    assert!(!html.contains("src=") && !html.contains("https://"));

    let back = approve_in_browser(page_url, true).await.unwrap();
    assert!(
        back.starts_with("coffer://finqware/callback?temp_token=MDAx"),
        "{back}"
    );
    let temp_token = query_param(&back, "temp_token").unwrap();

    let (status, tokens) = h.exchange(&temp_token).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(is_uuid(tokens["credentials_id"].as_str().unwrap()));
    assert!(tokens["access_token"].as_str().unwrap().starts_with("MDAx"));
    assert_eq!(tokens["consent_exp"], "2026-06-25T18:00:00Z", "90 days");
    assert_eq!(
        tokens["max_data_retention"], "2026-07-25T18:00:00Z",
        "120 days"
    );
    let creds = Creds {
        credentials_id: tokens["credentials_id"].as_str().unwrap().to_owned(),
        access_token: tokens["access_token"].as_str().unwrap().to_owned(),
    };

    let accounts = h.data("/accounts/get", &creds, None).await;
    assert_eq!(accounts.len(), 3);
    let ibans: Vec<&str> = accounts
        .iter()
        .map(|a| {
            a["data"]["account_schemes"][0]["identification"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        ibans
            .iter()
            .all(|i| i.starts_with("RO") && &i[4..8] == "BTRL"),
        "{ibans:?}"
    );
    assert_eq!(
        accounts[0]["data"]["account_schemes"][1],
        json!({ "identification": "BTRLRO22", "scheme_name": "BICFI" })
    );
    assert_eq!(accounts[0]["servicer_name"], "Banca Transilvania");
    assert!(is_uuid(accounts[0]["servicer_id"].as_str().unwrap()));
    assert_eq!(accounts[0]["timestamp"], "2026-03-27T18:00:00Z");
    let currencies: Vec<&str> = accounts
        .iter()
        .map(|a| a["data"]["currency"].as_str().unwrap())
        .collect();
    assert_eq!(currencies, ["RON", "RON", "EUR"]);
    assert_eq!(accounts[2]["data"]["name"], "", "a nameless account");
    assert_eq!(
        accounts[0]["data"]["balances"][0]["balance_type"],
        "Expected"
    );

    let transactions = h.transactions(&creds, None).await;
    assert!(transactions.len() > 300, "{}", transactions.len());

    let stats = h.sb.stats();
    assert_eq!(stats.sessions_created, 1);
    assert_eq!(stats.steps, 1);
    assert_eq!(stats.approvals, 1);
    assert_eq!(stats.tokens_exchanged, 1);
    assert_eq!(stats.data_calls, 2);
    assert!(stats.consent_pages >= 2);
    let consents = h.sb.consents();
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].status, "ACTIVE");
    assert_eq!(consents[0].tenant_user_id.as_deref(), Some(USER));
}

/// A tiny loopback "app" that records the requests it receives.
async fn loopback_app() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let router = axum::Router::new().route(
        "/callback/finqware",
        axum::routing::get(move |uri: axum::http::Uri| {
            let record = Arc::clone(&record);
            async move {
                record.lock().unwrap().push(uri.to_string());
                "You can close this window."
            }
        }),
    );
    let listener = crate::bind_loopback(0).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://127.0.0.1:{port}/callback/finqware"), seen)
}

#[tokio::test]
async fn a_loopback_link_receives_the_final_get_and_keeps_its_query() {
    let h = Harness::start().await;
    let (callback, seen) = loopback_app().await;
    let link = format!("{callback}?state=abc%20def&x=1");
    let page = h.sca(ING, Some(USER), &link).await;
    let back = approve_in_browser(&page, true).await.unwrap();
    assert!(
        back.starts_with(&format!("{link}&temp_token=MDAx")),
        "{back}"
    );
    let received = seen.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(
        received[0].starts_with("/callback/finqware?state=abc%20def&x=1&temp_token=MDAx"),
        "{received:?}"
    );
    let creds = h
        .exchange_ok(&query_param(&back, "temp_token").unwrap())
        .await;
    assert_eq!(h.data("/accounts/get", &creds, None).await.len(), 2);
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_no_token() {
    let h = Harness::start().await;
    let page = h.sca(BCR, Some(USER), "myapp://cb?k=v#frag").await;
    let back = approve_in_browser(&page, false).await.unwrap();
    assert!(
        back.starts_with("myapp://cb?k=v&error=access_denied&error_description="),
        "{back}"
    );
    assert!(back.ends_with("#frag"), "{back}");
    assert!(query_param(&back, "error_description").is_some_and(|d| d.contains("denied")));
    assert!(query_param(&back, "temp_token").is_none());
    let stats = h.sb.stats();
    assert_eq!((stats.approvals, stats.denials), (0, 1));
    assert!(h.sb.consents().is_empty());
    // The page cannot be answered twice.
    let again = approve_in_browser(&page, true).await.unwrap_err();
    assert!(
        matches!(again, BrowseError::Page { status: 400, .. }),
        "{again}"
    );
}

#[tokio::test]
async fn sca_implicit_answers_a_temp_token_without_a_browser() {
    let h = Harness::start().await;
    let (session, nonce) = h.session(RZB, None).await;
    let (status, step) = h
        .step(&session, &nonce, RZB, "sca_implicit", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{step}");
    assert_eq!(step["status"], "SESSION_COMPLETED");
    assert_eq!(step["data"], json!({}));
    assert!(step.get("nonce").is_none());
    let creds = h.exchange_ok(step["temp_token"].as_str().unwrap()).await;
    // The session named no user, so any tenant_user_id reads the data.
    assert_eq!(h.data("/accounts/get", &creds, None).await.len(), 2);

    let (session, nonce) = h.session(RZB, None).await;
    let (status, body) = h
        .step(&session, &nonce, RZB, "sca_implicit", json!({ "x": 1 }))
        .await;
    assert_bare(status, &body);

    let off = Harness::with(FinqwareConfig {
        allow_sca_implicit: false,
        ..config()
    })
    .await;
    let (session, nonce) = off.session(RZB, None).await;
    let (status, body) = off
        .step(&session, &nonce, RZB, "sca_implicit", json!({}))
        .await;
    assert_error(status, &body, 400, "invalid_request", "invalid_step");
}

#[tokio::test]
async fn steps_check_session_skill_nonce_and_data() {
    let h = Harness::start().await;
    let (session, nonce) = h.session(BT, Some(USER)).await;
    let sca = json!({ "psu_redirect_link": LINK });

    let (status, body) = h
        .step(
            "6f1c1f5e-1111-4222-8333-944444444444",
            &nonce,
            BT,
            "sca",
            sca.clone(),
        )
        .await;
    assert_error(status, &body, 404, "invalid_request", "invalid_session_id");
    let (status, body) = h.step(&session, &nonce, ING, "sca", sca.clone()).await;
    assert_error(status, &body, 400, "invalid_request", "invalid_skill_name");
    let (status, body) = h.step(&session, "MDAxbogus", BT, "sca", sca.clone()).await;
    assert_bare(status, &body);
    let (status, body) = h
        .step(&session, &nonce, BT, "product_form", sca.clone())
        .await;
    assert_error(status, &body, 400, "invalid_request", "invalid_step");
    let (status, body) = h.step(&session, &nonce, BT, "sca", json!({})).await;
    assert_bare(status, &body);
    let (status, body) = h
        .step(
            &session,
            &nonce,
            BT,
            "sca",
            json!({ "psu_redirect_link": "/relative" }),
        )
        .await;
    assert_bare(status, &body);
    let (status, body) = h
        .step(
            &session,
            &nonce,
            BT,
            "sca",
            json!({ "psu_redirect_link": LINK, "lang": "ro" }),
        )
        .await;
    assert_bare(status, &body);
    let (status, body) = h.step(&session, &nonce, BT, "sca", json!("psu")).await;
    assert_error(status, &body, 400, "invalid_request", "invalid_field");

    let (status, step) = h.step(&session, &nonce, BT, "sca", sca.clone()).await;
    assert_eq!(status, StatusCode::OK, "{step}");
    // The first nonce is spent; the new one has no step left to open.
    let (status, body) = h.step(&session, &nonce, BT, "sca", sca.clone()).await;
    assert_bare(status, &body);
    let next = step["nonce"].as_str().unwrap();
    let (status, body) = h.step(&session, next, BT, "sca", sca.clone()).await;
    assert_error(status, &body, 400, "invalid_request", "invalid_step");

    // A nonce lives 30 minutes by the sandbox clock.
    let (session, nonce) = h.session(BT, Some(USER)).await;
    h.sb.clock().advance(Duration::minutes(30));
    let (status, body) = h.step(&session, &nonce, BT, "sca", sca).await;
    assert_bare(status, &body);
}

#[tokio::test]
async fn the_consent_page_expires_with_the_step_nonce() {
    let h = Harness::start().await;
    let page = h.sca(BT, Some(USER), LINK).await;
    h.sb.clock().advance(Duration::minutes(31));
    let err = approve_in_browser(&page, true).await.unwrap_err();
    assert!(
        matches!(err, BrowseError::Page { status: 400, ref body, .. } if body.contains("expired")),
        "{err}"
    );
    // An unknown request is a 404 page.
    let unknown = page.replace("state=", "state=x");
    let err = approve_in_browser(&unknown, true).await.unwrap_err();
    assert!(
        matches!(err, BrowseError::Page { status: 404, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn temp_tokens_are_single_use_and_short_lived() {
    let h = Harness::start().await;
    let page = h.sca(BT, Some(USER), LINK).await;
    let back = approve_in_browser(&page, true).await.unwrap();
    let temp = query_param(&back, "temp_token").unwrap();
    h.exchange_ok(&temp).await;
    let (status, body) = h.exchange(&temp).await;
    assert_error(status, &body, 401, "unauthorized", "invalid_temp_token");
    let (status, body) = h.exchange("MDAxNmxvY2F0aW9uIGZpbnF3YXJl").await;
    assert_error(status, &body, 401, "unauthorized", "invalid_temp_token");

    let page = h.sca(BT, Some(USER), LINK).await;
    let back = approve_in_browser(&page, true).await.unwrap();
    h.sb.clock().advance(Duration::minutes(10));
    let (status, body) = h.exchange(&query_param(&back, "temp_token").unwrap()).await;
    assert_error(status, &body, 401, "unauthorized", "invalid_temp_token");
    assert_eq!(h.sb.stats().tokens_exchanged, 1);

    // Finqware's redirect endpoint refuses a replayed bank answer.
    let (status, body) = {
        let response = h
            .http
            .get(format!("{}/tpp/redirect?code=x&state=y", h.sb.base_url()))
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_error(status, &body, 400, "invalid_request", "tpp_redirect_error");
}

// ---------------------------------------------------------------------------------------------
// Errors

#[tokio::test]
async fn bodies_follow_the_documented_rules() {
    let h = Harness::start().await;
    let session = json!({ "client_id": CLIENT_ID, "client_app_key": APP_KEY, "skill": BT });

    let response = h
        .http
        .post(h.url("/sessions"))
        .header("content-type", "text/plain")
        .body(session.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_error(
        status,
        &response.json().await.unwrap(),
        400,
        "invalid_request",
        "invalid_headers",
    );

    let response = h
        .http
        .post(h.url("/sessions"))
        .header("content-type", "application/json")
        .body("{\"client_id\":")
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_error(
        status,
        &response.json().await.unwrap(),
        400,
        "invalid_request",
        "invalid_body",
    );

    let (status, body) = h.post("/sessions", json!([session])).await;
    assert_error(status, &body, 400, "invalid_request", "invalid_body");
    let (status, body) = h
        .post("/sessions", json!({ "client_id": CLIENT_ID, "skill": BT }))
        .await;
    assert_error(status, &body, 400, "invalid_request", "missing_fields");
    assert!(body["message"].as_str().unwrap().contains("client_app_key"));
    let (status, body) = h
        .post(
            "/sessions",
            json!({ "client_id": CLIENT_ID, "client_app_key": null, "skill": BT }),
        )
        .await;
    assert_error(status, &body, 400, "invalid_request", "missing_fields");
    let mut extra = session.clone();
    extra["redirect_uri"] = json!("x");
    let (status, body) = h.post("/sessions", extra).await;
    assert_error(status, &body, 400, "invalid_request", "unknown_fields");
    let (status, body) = h
        .post(
            "/sessions",
            json!({ "client_id": 7, "client_app_key": APP_KEY, "skill": BT }),
        )
        .await;
    assert_error(status, &body, 400, "invalid_request", "invalid_field");

    // Unknown routes and wrong methods.
    let (status, body) = h.post("/accounts", json!({})).await;
    assert_error(status, &body, 404, "invalid_request", "not_found");
    let response = h.http.get(h.url("/accounts/get")).send().await.unwrap();
    let status = response.status();
    assert_error(
        status,
        &response.json().await.unwrap(),
        404,
        "invalid_request",
        "not_found",
    );
}

#[tokio::test]
async fn tenant_keys_and_skills_are_checked() {
    let h = Harness::with(FinqwareConfig {
        skills: vec![BT.to_owned(), ING.to_owned()],
        ..config()
    })
    .await;
    let body = |client: &str, key: &str, skill: &str| json!({ "client_id": client, "client_app_key": key, "skill": skill });
    let (status, answer) = h.post("/sessions", body("someone", APP_KEY, BT)).await;
    assert_error(status, &answer, 400, "invalid_request", "invalid_client_id");
    let (status, answer) = h.post("/sessions", body(CLIENT_ID, "wrong", BT)).await;
    assert_error(
        status,
        &answer,
        401,
        "unauthorized",
        "invalid_client_app_key",
    );
    let (status, answer) = h
        .post("/sessions", body(CLIENT_ID, APP_KEY, "xyz_aisp_sbx_#1.0"))
        .await;
    assert_error(
        status,
        &answer,
        400,
        "invalid_request",
        "invalid_skill_name",
    );
    let (status, answer) = h.post("/sessions", body(CLIENT_ID, APP_KEY, RZB)).await;
    assert_error(status, &answer, 401, "unauthorized", "unauthorized_tenant");
    let (status, answer) = h
        .post(
            "/tokens",
            json!({ "client_id": CLIENT_ID, "client_secret": "nope", "temp_token": "MDAx" }),
        )
        .await;
    assert_error(
        status,
        &answer,
        401,
        "unauthorized",
        "invalid_client_secret",
    );
    assert_eq!(h.sb.stats().sessions_created, 0);
}

#[tokio::test]
async fn credentials_are_checked_on_every_data_call() {
    let h = Harness::start().await;
    let creds = h.connect(BT, USER).await;
    let other = h.connect(BT, "user-2").await;
    let call = |creds: &Creds, user: &str| Harness::creds_body(creds, user);

    let mut body = call(&creds, USER);
    body["credentials_id"] = json!("not-a-uuid");
    let (status, answer) = h.post("/accounts/get", body).await;
    assert_error(status, &answer, 401, "unauthorized", "invalid_uuid");

    let mut body = call(&creds, USER);
    body["credentials_id"] = json!("6f1c1f5e-1111-4222-8333-944444444444");
    let (status, answer) = h.post("/transactions/get", body).await;
    assert_error(
        status,
        &answer,
        400,
        "invalid_request",
        "invalid_credentials_id",
    );

    let mut body = call(&creds, USER);
    body["access_token"] = json!("sandbox-token");
    let (status, answer) = h.post("/balances/get", body).await;
    assert_error(
        status,
        &answer,
        400,
        "invalid_request",
        "invalid_access_token",
    );

    let mut body = call(&creds, USER);
    body["access_token"] = json!(other.access_token);
    let (status, answer) = h.post("/accounts/get", body).await;
    assert_error(status, &answer, 401, "unauthorized", "invalid_access_token");

    let (status, answer) = h.post("/accounts/get", call(&creds, "user-2")).await;
    assert_error(
        status,
        &answer,
        401,
        "unauthorized",
        "invalid_credentials_id",
    );

    let mut body = call(&creds, USER);
    body.as_object_mut().unwrap().remove("tenant_user_id");
    let (status, answer) = h.post("/accounts/get", body).await;
    assert_error(status, &answer, 400, "invalid_request", "missing_fields");

    let mut body = call(&creds, USER);
    body["filter"] = json!({});
    let (status, answer) = h.post("/accounts/get", body).await;
    assert_error(status, &answer, 400, "invalid_request", "unknown_fields");

    let mut body = call(&creds, USER);
    body["client_secret"] = json!("nope");
    let (status, answer) = h.post("/transactions/get", body).await;
    assert_error(
        status,
        &answer,
        401,
        "unauthorized",
        "invalid_client_secret",
    );

    // tenant_user_id is not a consents field.
    let (status, answer) = h.post("/consents/get", call(&creds, USER)).await;
    assert_error(status, &answer, 400, "invalid_request", "unknown_fields");
    assert_eq!(h.sb.stats().data_calls, 0);
}

// ---------------------------------------------------------------------------------------------
// Consents

fn consent_body(creds: &Creds) -> Value {
    json!({
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "credentials_id": creds.credentials_id,
        "access_token": creds.access_token,
    })
}

#[tokio::test]
async fn consents_can_be_read_and_deleted_idempotently() {
    let h = Harness::start().await;
    let creds = h.connect(RZB, USER).await;
    h.sb.clock().advance(Duration::minutes(5));
    let (status, info) = h.post("/consents/get", consent_body(&creds)).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["op_type"], "read");
    assert_eq!(info["code"], "credentials_info");
    assert_eq!(info["http"], 200);
    let result = &info["result"];
    assert_eq!(result["credentials_id"], creds.credentials_id.as_str());
    assert_eq!(
        result["originator"],
        json!({ "country": "Romania", "servicer": "Raiffeisen Bank România", "skill": RZB })
    );
    assert_eq!(result["status"], "ACTIVE");
    assert_eq!(
        result["tenant_app_info"],
        json!({ "client_id": CLIENT_ID, "name": "coffer-sandbox" })
    );
    assert_eq!(result["utc_created"], "2026-03-27T18:00:00Z");
    assert_eq!(result["consent_exp"], "2026-06-25T18:00:00Z");

    let mut delete = consent_body(&creds);
    delete["pcd_data_retention"] = json!(-5);
    let (status, body) = h.post("/consents/delete", delete.clone()).await;
    assert_error(
        status,
        &body,
        400,
        "invalid_request",
        "invalid_pcd_data_retention",
    );
    delete["pcd_data_retention"] = json!(60);
    let (status, deleted) = h.post("/consents/delete", delete).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["code"], "credentials_deleted");
    assert_eq!(deleted["op_type"], "delete");
    assert_eq!(deleted["http"], 200);
    assert_eq!(
        deleted["result"]["credentials_id"],
        creds.credentials_id.as_str()
    );
    assert_eq!(deleted["result"]["client_id"], CLIENT_ID);
    assert_eq!(
        deleted["result"]["max_data_retention"],
        "2026-03-27T19:05:00Z"
    );
    let (status, again) = h.post("/consents/delete", consent_body(&creds)).await;
    assert_eq!(status, StatusCode::OK, "idempotent: {again}");
    let (_, info) = h.post("/consents/get", consent_body(&creds)).await;
    assert_eq!(info["result"]["status"], "DELETED");
    assert_eq!(info["result"]["utc_last_update"], "2026-03-27T18:05:00Z");

    for path in ["/accounts/get", "/balances/get", "/transactions/get"] {
        let (status, body) = h.post(path, Harness::creds_body(&creds, USER)).await;
        assert_error(status, &body, 401, "unauthorized", "inactive_credentials");
    }
}

#[tokio::test]
async fn consents_expire_by_the_sandbox_clock() {
    let h = Harness::start().await;
    let creds = h.connect(ING, USER).await;
    h.sb.clock()
        .advance(Duration::days(90) - Duration::seconds(1));
    assert_eq!(h.data("/accounts/get", &creds, None).await.len(), 2);
    h.sb.clock().advance(Duration::seconds(1));
    for path in ["/accounts/get", "/balances/get", "/transactions/get"] {
        let (status, body) = h.post(path, Harness::creds_body(&creds, USER)).await;
        assert_error(status, &body, 401, "unauthorized", "expired_credentials");
    }
    let (_, info) = h.post("/consents/get", consent_body(&creds)).await;
    assert_eq!(info["result"]["status"], "EXPIRED");
    // A new session gives a working consent again.
    let fresh = h.connect(ING, USER).await;
    assert_eq!(h.data("/accounts/get", &fresh, None).await.len(), 2);
    assert_eq!(h.sb.consents()[0].status, "EXPIRED");
}

#[tokio::test]
async fn past_max_data_retention_the_cache_is_empty() {
    let h = Harness::with(FinqwareConfig {
        consent_duration: std::time::Duration::from_secs(200 * 86_400),
        ..config()
    })
    .await;
    let creds = h.connect(BT, USER).await;
    h.sb.clock().advance(Duration::days(121));
    assert!(h.data("/accounts/get", &creds, None).await.is_empty());
    assert!(h.data("/balances/get", &creds, None).await.is_empty());
    assert!(h.transactions(&creds, None).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Data

#[tokio::test]
async fn transactions_carry_the_documented_wire_format() {
    let h = Harness::start().await;
    let mut seen_comma = false;
    let mut seen_cedilla = false;
    let mut seen_trimmed = false;
    let mut seen_details = false;
    let mut seen_rate = false;
    for skill in [BT, ING, BCR, RZB, ERSTE_HR] {
        let creds = h.connect(skill, USER).await;
        let rows = h.transactions(&creds, None).await;
        assert!(rows.len() > 200, "{skill}: {}", rows.len());
        for row in &rows {
            assert!(is_uuid(row["id"].as_str().unwrap()));
            assert!(is_uuid(row["account_id"].as_str().unwrap()));
            let utx = row["utx_id"].as_str().unwrap();
            assert!(utx.len() == 44 && utx.ends_with('='), "{utx}");
            let stamp = instant(&row["timestamp"]);
            assert!(stamp >= start_at());
            let data = &row["data"];
            let amount = data["amount"].as_str().unwrap();
            assert!(!amount.starts_with('-') && minor(amount) > 0, "{row}");
            seen_trimmed |=
                !amount.contains('.') || amount.split('.').nth(1).is_some_and(|f| f.len() == 1);
            assert!(["debit", "credit"].contains(&data["credit_debit_indicator"].as_str().unwrap()));
            let booking = instant(&data["booking_date_time"]);
            assert!(booking <= start_at());
            match data["status"].as_str().unwrap() {
                "booked" => {
                    minor(data["balance"].as_str().unwrap());
                }
                "pending" => assert!(data["balance"].is_null(), "{row}"),
                other => panic!("status {other}"),
            }
            let info = data["info"].as_str().unwrap();
            assert!(!info.is_empty());
            seen_comma |= info.contains(['ș', 'ț']);
            seen_cedilla |= info.contains(['ş', 'ţ']);
            match &data["details"] {
                Value::Null => {}
                Value::Object(d) => {
                    seen_details = true;
                    assert_eq!(d.len(), 3, "{row}");
                    for key in ["merchant", "category", "location"] {
                        assert!(d[key].is_string(), "{row}");
                    }
                }
                other => panic!("details {other}"),
            }
            match &data["exchange_rate"] {
                Value::Null => {}
                Value::String(rate) => {
                    seen_rate = true;
                    assert_eq!(data["currency"], "EUR", "{row}");
                    assert!(rate.parse::<f64>().is_ok(), "{rate}");
                }
                other => panic!("exchange_rate {other}"),
            }
        }
        let currencies: HashSet<&str> = rows
            .iter()
            .map(|r| r["data"]["currency"].as_str().unwrap())
            .collect();
        let want: HashSet<&str> = if skill == ERSTE_HR || skill == RZB {
            [if skill == RZB { "RON" } else { "EUR" }].into()
        } else {
            ["RON", "EUR"].into()
        };
        assert_eq!(currencies, want, "{skill}");
    }
    assert!(seen_comma && seen_cedilla && seen_trimmed && seen_details && seen_rate);
}

#[tokio::test]
async fn a_new_consent_keeps_utx_ids_and_ibans_but_not_ids() {
    let h = Harness::start().await;
    let first = h.connect(BT, USER).await;
    h.sb.clock().advance(Duration::hours(2));
    let second = h.connect(BT, USER).await;
    let a = h.transactions(&first, None).await;
    let b = h.transactions(&second, None).await;
    let (ua, ub) = (by_utx(&a), by_utx(&b));
    let common: Vec<&String> = ua.keys().filter(|k| ub.contains_key(*k)).collect();
    assert!(
        common.len() + 5 >= a.len(),
        "{} of {}",
        common.len(),
        a.len()
    );
    for utx in common {
        let (x, y) = (&ua[utx], &ub[utx]);
        assert_ne!(x["id"], y["id"]);
        assert_ne!(x["account_id"], y["account_id"]);
        assert_eq!(
            x["data"]["booking_date_time"],
            y["data"]["booking_date_time"]
        );
        assert!(instant(&y["timestamp"]) >= start_at() + Duration::hours(2));
    }
    let ids: HashSet<&str> = a.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), a.len(), "ids are unique");
    let iban = |rows: Vec<Value>| -> Vec<String> {
        rows.iter()
            .map(|r| {
                r["data"]["account_schemes"][0]["identification"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        iban(h.data("/accounts/get", &first, None).await),
        iban(h.data("/accounts/get", &second, None).await)
    );
}

#[tokio::test]
async fn only_the_retention_window_is_served() {
    let h = Harness::start().await;
    let creds = h.connect(BT, USER).await;
    let rows = h.transactions(&creds, None).await;
    let window = h.sb.retention_start();
    assert_eq!(window, start_at() - Duration::days(120));
    let oldest = rows
        .iter()
        .map(|r| instant(&r["data"]["booking_date_time"]))
        .min()
        .unwrap();
    assert!(
        oldest >= window && oldest < window + Duration::days(2),
        "{oldest}"
    );
    // The bank holds much more.
    let oracle: Vec<_> =
        h.sb.oracle_ledger()
            .into_iter()
            .filter(|r| r.currency == "RON" && r.account.contains("BTRL"))
            .collect();
    let first_day = oracle.iter().map(|r| r.date).min().unwrap();
    assert!(
        first_day <= NaiveDate::from_ymd_opt(2024, 3, 28).unwrap(),
        "{first_day}"
    );
    // A day later the oldest day has dropped out.
    h.sb.advance_days(1);
    let later = h.transactions(&creds, None).await;
    let oldest_later = later
        .iter()
        .map(|r| instant(&r["data"]["booking_date_time"]))
        .min()
        .unwrap();
    assert!(oldest_later >= window + Duration::days(1));
    let gone: Vec<_> = by_utx(&rows)
        .into_keys()
        .filter(|k| !by_utx(&later).contains_key(k))
        .collect();
    assert!(!gone.is_empty());
}

#[tokio::test]
async fn booking_days_are_bucharest_days_across_the_clock_change() {
    let h = Harness::start().await;
    let creds = h.connect(BT, USER).await;
    let rows = h.transactions(&creds, None).await;
    let oracle: HashMap<String, crate::oracle::OracleRow> =
        h.sb.oracle_ledger()
            .into_iter()
            .map(|r| (r.stable_id.clone().unwrap(), r))
            .collect();
    // Rows between midnight and 03:00 local have a UTC date of the day before.
    let shifted: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            let t = instant(&r["data"]["booking_date_time"]);
            t.date_naive() != bucharest_day(t)
        })
        .collect();
    assert!(shifted.len() > 20, "{}", shifted.len());
    for row in shifted {
        let t = instant(&row["data"]["booking_date_time"]);
        let o = &oracle[row["utx_id"].as_str().unwrap()];
        assert_eq!(o.date, bucharest_day(t));
        assert_eq!(o.date, t.date_naive() + Duration::days(1));
    }

    // Sunday 2026-03-29 has 23 hours in Bucharest: 00:00 EET = 22:00Z the day before,
    // 24:00 EEST = 21:00Z.
    h.sb.advance_days(3);
    let day = h
        .transactions(
            &creds,
            Some(json!({ "booking_date_gte": "2026-03-28T22:00:00Z", "booking_date_lt": "2026-03-29T21:00:00Z" })),
        )
        .await;
    let times: HashSet<String> = day
        .iter()
        .map(|r| r["data"]["booking_date_time"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        times.contains("2026-03-28T22:20:00Z"),
        "00:20 EET: {times:?}"
    );
    assert!(
        times.contains("2026-03-29T01:30:00Z"),
        "03:30 does not exist; 04:30 EEST: {times:?}"
    );
    for row in &day {
        assert_eq!(
            bucharest_day(instant(&row["data"]["booking_date_time"])),
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
        );
    }

    // 2025-10-26 has 25 hours: 03:30 happens twice.
    let deep = Harness::with(FinqwareConfig {
        cache_max_data_retention: std::time::Duration::from_secs(400 * 86_400),
        consent_duration: std::time::Duration::from_secs(400 * 86_400),
        ..config()
    })
    .await;
    let creds = deep.connect(BT, USER).await;
    let day = deep
        .transactions(
            &creds,
            Some(json!({ "booking_date_gte": "2025-10-25T21:00:00Z", "booking_date_lt": "2025-10-26T22:00:00Z" })),
        )
        .await;
    let atm: Vec<&str> = day
        .iter()
        .filter(|r| r["data"]["info"].as_str().unwrap().contains("NON-STOP"))
        .map(|r| r["data"]["booking_date_time"].as_str().unwrap())
        .collect();
    assert_eq!(atm.len(), 2, "{atm:?}");
    assert!(
        atm.contains(&"2025-10-26T00:30:00Z") && atm.contains(&"2025-10-26T01:30:00Z"),
        "{atm:?}"
    );
}

#[tokio::test]
async fn transaction_filters_narrow_the_answer() {
    let h = Harness::start().await;
    let creds = h.connect(ING, USER).await;
    let all = h.transactions(&creds, None).await;
    let accounts = h.data("/accounts/get", &creds, None).await;
    let eur_account = accounts[1]["id"].as_str().unwrap();

    let rows = h
        .transactions(&creds, Some(json!({ "account_id": eur_account })))
        .await;
    assert!(!rows.is_empty());
    assert_eq!(
        rows.len(),
        all.iter()
            .filter(|r| r["account_id"] == eur_account)
            .count()
    );
    let rows = h
        .transactions(&creds, Some(json!({ "currency": "EUR" })))
        .await;
    assert!(rows.iter().all(|r| r["account_id"] == eur_account));
    let rows = h
        .transactions(&creds, Some(json!({ "status": "pending" })))
        .await;
    assert!(!rows.is_empty() && rows.iter().all(|r| r["data"]["status"] == "pending"));
    let rows = h
        .transactions(
            &creds,
            Some(json!({ "credit_debit_indicator": "credit", "status": "booked" })),
        )
        .await;
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| signed(r) > 0 && r["data"]["status"] == "booked")
    );
    let rows = h
        .transactions(&creds, Some(json!({ "category": "Groceries" })))
        .await;
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r["data"]["details"]["category"] == "Groceries")
    );

    // Amounts compare the positive amount exactly, numbers or strings.
    let rows = h
        .transactions(&creds, Some(json!({ "gte": 100, "lt": "200.00" })))
        .await;
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| (10_000..20_000).contains(&signed(r).abs())));
    let pick = all[all.len() / 2]["data"]["amount"]
        .as_str()
        .unwrap()
        .to_owned();
    let rows = h
        .transactions(&creds, Some(json!({ "eq": pick.parse::<f64>().unwrap() })))
        .await;
    assert!(!rows.is_empty() && rows.iter().all(|r| r["data"]["amount"] == pick.as_str()));

    let from = at("2026-03-01T00:00:00Z");
    let rows = h
        .transactions(&creds, Some(json!({ "booking_date_gte": "2026-03-01T02:00:00+02:00", "booking_date_lte": "2026-03-10T00:00:00Z" })))
        .await;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| {
        let t = instant(&r["data"]["booking_date_time"]);
        t >= from && t <= at("2026-03-10T00:00:00Z")
    }));
    let stamps = h
        .transactions(
            &creds,
            Some(json!({ "timestamp_gt": "2026-03-27T18:00:00Z" })),
        )
        .await;
    assert!(
        stamps.is_empty(),
        "everything entered the cache at the token exchange"
    );
    let rows = h
        .transactions(&creds, Some(json!({ "tag": "#subs" })))
        .await;
    assert!(rows.is_empty());
    assert_eq!(
        h.transactions(&creds, Some(json!({ "status": null })))
            .await
            .len(),
        all.len()
    );

    for bad in [
        json!({ "colour": "red" }),
        json!({ "status": "settled" }),
        json!({ "credit_debit_indicator": "in" }),
        json!({ "account_id": "acc-1" }),
        json!({ "booking_date_gte": "2026-03-01" }),
        json!({ "booking_date_gte": "2026-03-01T00:00:00" }),
        json!({ "lt": "4,27" }),
        json!({ "currency": 5 }),
        json!("booked"),
    ] {
        let mut body = Harness::creds_body(&creds, USER);
        body["filter"] = bad.clone();
        let (status, answer) = h.post("/transactions/get", body).await;
        assert_bare(status, &answer);
    }
}

#[tokio::test]
async fn balances_follow_each_bank_and_match_the_oracle() {
    let h = Harness::start().await;
    let bt = h.connect(BT, USER).await;
    let balances = h.data("/balances/get", &bt, None).await;
    assert_eq!(balances.len(), 9, "three types for three accounts");
    let accounts = h.data("/accounts/get", &bt, None).await;
    let oracle = h.sb.oracle_accounts();
    for account in &accounts {
        let id = account["id"].as_str().unwrap();
        let iban = account["data"]["account_schemes"][0]["identification"]
            .as_str()
            .unwrap();
        let truth = oracle.iter().find(|o| o.account == iban).unwrap();
        let of = |kind: &str| {
            balances
                .iter()
                .find(|b| b["account_id"] == id && b["data"]["type"] == kind)
                .unwrap()
                .clone()
        };
        let value = |b: &Value| {
            let amount = minor(b["data"]["amount"].as_str().unwrap());
            if b["data"]["credit_debit_indicator"] == "debit" {
                -amount
            } else {
                amount
            }
        };
        let closing = of("ClosingBooked");
        assert_eq!(closing["data"]["native_date"], "2026-03-26");
        assert!(closing["data"]["native_timestamp"].is_null());
        assert_eq!(
            closing["timestamp"], "2026-03-27T18:00:00.000000",
            "no Z at BT"
        );
        assert_eq!(value(&of("InterimBooked")), minor(&truth.balance));
        assert_eq!(
            value(&of("Expected")),
            minor(truth.available.as_deref().unwrap())
        );
        assert_eq!(
            of("Expected")["data"]["native_timestamp"],
            "2026-03-27T18:00:00Z"
        );
        let embedded = &account["data"]["balances"][0];
        assert_eq!(embedded["balance_amount"], of("Expected")["data"]["amount"]);
        assert_eq!(
            truth.name,
            account["data"]["name"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(iban)
        );
    }
    let only = h
        .data(
            "/balances/get",
            &bt,
            Some(json!({ "type": "Expected", "currency": "EUR" })),
        )
        .await;
    assert_eq!(only.len(), 1);

    let mut body = Harness::creds_body(&bt, USER);
    body["filter"] = json!({ "kind": "Expected" });
    let (status, answer) = h.post("/balances/get", body).await;
    assert_error(status, &answer, 400, "invalid_request", "unknown_fields");

    // Raiffeisen: the card's balance is a debit, its available balance includes the limit.
    let rzb = h.connect(RZB, USER).await;
    let balances = h.data("/balances/get", &rzb, None).await;
    let card: Vec<&Value> = balances
        .iter()
        .filter(|b| b["account_id"] == balances[3]["account_id"])
        .collect();
    assert_eq!(card[0]["data"]["type"], "ClosingBooked");
    assert_eq!(card[0]["data"]["credit_debit_indicator"], "debit");
    assert_eq!(card[1]["data"]["type"], "InterimAvailable");
    assert_eq!(card[1]["data"]["credit_limit_included"], true);
    assert_eq!(card[1]["data"]["credit_debit_indicator"], "credit");
    // ING and Erste Croatia: two types, timestamps with Z; ING's Expected has a date too.
    let ing = h.connect(ING, USER).await;
    let balances = h.data("/balances/get", &ing, None).await;
    assert_eq!(balances.len(), 4);
    assert_eq!(balances[1]["data"]["native_date"], "2026-03-27");
    assert_eq!(balances[1]["timestamp"], "2026-03-27T18:00:00Z");
}

// ---------------------------------------------------------------------------------------------
// The bank lives on

#[tokio::test]
async fn advance_books_cancels_and_posts_late() {
    let h = Harness::start().await;
    let creds = h.connect(BT, USER).await;
    let before = by_utx(&h.transactions(&creds, None).await);
    let pending: Vec<&Value> = before
        .values()
        .filter(|r| r["data"]["status"] == "pending")
        .collect();
    assert!(pending.len() >= 3);

    let (status, summary) = h
        .control(
            reqwest::Method::POST,
            "/_sandbox/advance",
            Some(json!({ "days": 1 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["now"], "2026-03-28T18:00:00Z");
    assert_eq!(h.sb.clock().now(), start_at() + Duration::days(1));
    let changes = &summary["changes"];
    for key in ["new_rows", "booked", "amount_changed", "cancelled", "late"] {
        assert!(changes[key].as_u64().unwrap() >= 1, "{key}: {summary}");
    }

    let after = by_utx(&h.transactions(&creds, None).await);
    let window = h.sb.retention_start();
    // Rebooked with another amount, same utx_id, same insertion timestamp, a later booking time.
    let rebooked: Vec<(&Value, &Value)> = pending
        .iter()
        .filter_map(|p| after.get(p["utx_id"].as_str().unwrap()).map(|a| (*p, a)))
        .filter(|(p, a)| {
            a["data"]["status"] == "booked" && a["data"]["amount"] != p["data"]["amount"]
        })
        .collect();
    assert!(!rebooked.is_empty());
    for (p, a) in &rebooked {
        assert_eq!(
            p["timestamp"], a["timestamp"],
            "timestamp is the first insertion"
        );
        assert!(
            instant(&a["data"]["booking_date_time"]) > instant(&p["data"]["booking_date_time"])
        );
        assert!(a["data"]["balance"].is_string());
    }
    // Cancelled: a pending row vanished (not by age).
    let vanished: Vec<&&Value> = pending
        .iter()
        .filter(|p| !after.contains_key(p["utx_id"].as_str().unwrap()))
        .collect();
    assert!(!vanished.is_empty());
    for (utx, row) in &before {
        if !after.contains_key(utx) && row["data"]["status"] == "booked" {
            assert!(
                instant(&row["data"]["booking_date_time"]) < window,
                "only age drops booked rows"
            );
        }
    }
    // Late: new rows dated in a day that had passed, inserted after the last sync.
    let late: Vec<&Value> = after
        .iter()
        .filter(|(utx, _)| !before.contains_key(*utx))
        .map(|(_, r)| r)
        .filter(|r| {
            bucharest_day(instant(&r["data"]["booking_date_time"])) < bucharest_day(start_at())
        })
        .collect();
    assert!(!late.is_empty());
    for row in &late {
        assert!(instant(&row["timestamp"]) > start_at());
    }
    let fresh = h
        .transactions(
            &creds,
            Some(json!({ "timestamp_gt": "2026-03-27T18:00:00Z" })),
        )
        .await;
    assert!(late
        .iter()
        .all(|l| fresh.iter().any(|f| f["utx_id"] == l["utx_id"])));
    assert!(
        !fresh
            .iter()
            .any(|f| rebooked.iter().any(|(p, _)| p["utx_id"] == f["utx_id"])),
        "bookings keep their timestamp"
    );

    // The same bank, grown in one go, is the same.
    let other = Harness::with(FinqwareConfig {
        clock: SandboxClock::fixed(start_at()),
        ..config()
    })
    .await;
    other.sb.advance_days(1);
    assert_eq!(other.sb.oracle_ledger(), h.sb.oracle_ledger());
}

#[tokio::test]
async fn the_same_seed_gives_the_same_banks() {
    let a = Harness::start().await;
    let b = Harness::start().await;
    let c = Harness::with(FinqwareConfig {
        seed: 1,
        ..config()
    })
    .await;
    let ledger = a.sb.oracle_ledger();
    assert!(ledger.len() > 5_000, "thousands of rows: {}", ledger.len());
    assert_eq!(ledger, b.sb.oracle_ledger());
    assert_eq!(a.sb.oracle_accounts(), b.sb.oracle_accounts());
    assert_ne!(a.sb.oracle_accounts(), c.sb.oracle_accounts());
    // Oracle rows: the bank's own day, signed amounts with two decimals, utx_id as the key.
    for row in &ledger {
        assert!(
            row.amount.split('.').nth(1).is_some_and(|f| f.len() == 2),
            "{row:?}"
        );
        assert!(["booked", "pending"].contains(&row.status.as_str()));
        assert!(row.stable_id.is_some());
    }
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn fault_upstream_errors_are_400_external_api_errors() {
    let h = Harness::start().await;
    let creds = h.connect(BT, USER).await;
    h.sb.inject(FinqwareFault::RateLimit { requests: 2 });
    h.sb.inject(FinqwareFault::ConnectionError { requests: 1 });
    for _ in 0..2 {
        let (status, body) = h
            .post("/transactions/get", Harness::creds_body(&creds, USER))
            .await;
        assert_error(
            status,
            &body,
            400,
            "external_api_error",
            "external_api_too_many_requests",
        );
    }
    let (status, body) = h
        .post("/accounts/get", Harness::creds_body(&creds, USER))
        .await;
    assert_error(
        status,
        &body,
        400,
        "external_api_error",
        "external_api_connection_error",
    );
    assert!(h.sb.faults().is_empty());
    assert_eq!(h.data("/accounts/get", &creds, None).await.len(), 3);
    // Checks come first: a bad secret is not hidden by a fault.
    h.sb.inject(FinqwareFault::RateLimit { requests: 1 });
    let mut body = Harness::creds_body(&creds, USER);
    body["client_secret"] = json!("x");
    let (status, answer) = h.post("/accounts/get", body).await;
    assert_error(
        status,
        &answer,
        401,
        "unauthorized",
        "invalid_client_secret",
    );
    assert_eq!(h.sb.faults().len(), 1);
}

#[tokio::test]
async fn fault_server_errors_and_html_pages() {
    let h = Harness::start().await;
    h.sb.inject(FinqwareFault::ServerError { requests: 1 });
    h.sb.inject(FinqwareFault::HtmlErrorPage {
        requests: 1,
        status: 502,
    });
    let body = json!({ "client_id": CLIENT_ID, "client_app_key": APP_KEY, "skill": BT });
    let (status, answer) = h.post("/sessions", body.clone()).await;
    assert_error(
        status,
        &answer,
        500,
        "internal_server_error",
        "internal_server_error",
    );
    let (status, text, content_type) = h.post_text("/sessions", body.clone()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(text.contains("<h1>502 Bad Gateway</h1>"), "{text}");
    let (status, _) = h.post("/sessions", body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.sb.stats().faults_fired, 2);
    // HTML where JSON was due, with a 200; a fault with no budget is not even queued.
    h.sb.inject(FinqwareFault::ServerError { requests: 0 });
    h.sb.inject(FinqwareFault::HtmlErrorPage {
        requests: 1,
        status: 200,
    });
    assert_eq!(h.sb.faults().len(), 1);
    let (status, text, content_type) = h.post_text("/sessions", body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("text/html") && text.contains("200 OK"),
        "{text}"
    );
}

#[tokio::test]
async fn fault_payloads_bend_successful_answers() {
    let h = Harness::start().await;
    let creds = h.connect(BT, USER).await;
    let body = Harness::creds_body(&creds, USER);

    h.sb.inject(FinqwareFault::MalformedJson { requests: 1 });
    let (status, text, _) = h.post_text("/accounts/get", body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert!(text.starts_with("[{"));

    h.sb.inject(FinqwareFault::MissingField {
        field: "utx_id".to_owned(),
        requests: 1,
    });
    h.sb.inject(FinqwareFault::MissingField {
        field: "data.amount".to_owned(),
        requests: 1,
    });
    let first = h.transactions(&creds, None).await;
    assert!(first[0].get("utx_id").is_none());
    assert!(first[1].get("utx_id").is_some());
    let second = h.transactions(&creds, None).await;
    assert!(second[0]["data"].get("amount").is_none() && second[0].get("utx_id").is_some());

    h.sb.inject(FinqwareFault::FloatAmount { requests: 1 });
    let rows = h.transactions(&creds, None).await;
    let exact = h.transactions(&creds, None).await;
    let bent = rows[0]["data"]["amount"].as_str().unwrap();
    let truth = exact[0]["data"]["amount"].as_str().unwrap();
    assert_eq!(
        bent,
        format!(
            "{truth}{}5",
            "0".repeat(15 - truth.split('.').nth(1).unwrap().len())
        )
    );

    h.sb.inject(FinqwareFault::ExpireConsents);
    assert!(h.sb.faults().is_empty(), "applied at once, not queued");
    let (status, answer) = h.post("/transactions/get", body).await;
    assert_error(status, &answer, 401, "unauthorized", "expired_credentials");
    let (_, info) = h.post("/consents/get", consent_body(&creds)).await;
    assert_eq!(info["result"]["status"], "EXPIRED");
}

// ---------------------------------------------------------------------------------------------
// Control surface

#[tokio::test]
async fn the_control_contract_over_http() {
    let h = Harness::start().await;
    use reqwest::Method;

    let (status, text) = h.control(Method::GET, "/_sandbox", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = text.as_str().unwrap();
    for needle in [
        "sandbox-client-id",
        "sandbox-client-secret",
        "sandbox-client-app-key",
        BT,
        ERSTE_HR,
        "/_sandbox/advance",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert_eq!(h.sb.describe(), text);

    let (_, clock) = h.control(Method::GET, "/_sandbox/clock", None).await;
    assert_eq!(clock["now"], "2026-03-27T18:00:00Z");
    let (_, clock) = h
        .control(
            Method::POST,
            "/_sandbox/clock",
            Some(json!({ "advance_secs": 90 })),
        )
        .await;
    assert_eq!(clock["now"], "2026-03-27T18:01:30Z");
    let (status, _) = h
        .control(Method::POST, "/_sandbox/clock", Some(json!({ "jump": 1 })))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h
        .control(
            Method::POST,
            "/_sandbox/advance",
            Some(json!({ "days": -1 })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = h
        .control(
            Method::POST,
            "/_sandbox/faults",
            Some(json!([{ "kind": "rate_limit", "requests": 1 }, { "kind": "html_error_page", "requests": 2 }])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, faults) = h.control(Method::GET, "/_sandbox/faults", None).await;
    assert_eq!(
        faults[1],
        json!({ "kind": "html_error_page", "requests": 2, "status": 502 })
    );
    h.control(
        Method::POST,
        "/_sandbox/faults",
        Some(json!({ "kind": "expire_consents" })),
    )
    .await;
    let (status, _) = h
        .control(
            Method::POST,
            "/_sandbox/faults",
            Some(json!({ "kind": "meteor" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    h.control(Method::DELETE, "/_sandbox/faults", None).await;
    assert!(h.sb.faults().is_empty());

    let creds = h.connect(ERSTE_HR, USER).await;
    let (_, accounts) = h
        .control(
            Method::GET,
            "/_sandbox/oracle/accounts?skill=erste_hr_aisp_sbx_%231.0",
            None,
        )
        .await;
    let accounts = accounts.as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0]["account"].as_str().unwrap().starts_with("HR"));
    assert_eq!(accounts[0]["currency"], "EUR");
    let (_, ledger) = h
        .control(
            Method::GET,
            "/_sandbox/oracle/ledger?skill=erste_hr_aisp_sbx_%231.0",
            None,
        )
        .await;
    let ledger = ledger.as_array().unwrap();
    // Within the window, the oracle and the API agree row for row.
    let rows = h.transactions(&creds, None).await;
    let window_day = bucharest_day(h.sb.retention_start()) + Duration::days(1);
    let truth: HashMap<&str, &Value> = ledger
        .iter()
        .filter(|r| r["date"].as_str().unwrap().parse::<NaiveDate>().unwrap() >= window_day)
        .map(|r| (r["stable_id"].as_str().unwrap(), r))
        .collect();
    let served: HashMap<&str, &Value> = rows
        .iter()
        .filter(|r| {
            instant(&r["data"]["booking_date_time"])
                .with_timezone(&chrono_tz::Europe::Zagreb)
                .date_naive()
                >= window_day
        })
        .map(|r| (r["utx_id"].as_str().unwrap(), r))
        .collect();
    assert_eq!(truth.len(), served.len());
    for (utx, row) in served {
        let o = truth[utx];
        assert_eq!(minor(o["amount"].as_str().unwrap()), signed(row));
        assert_eq!(o["description"], row["data"]["info"]);
        assert_eq!(o["status"], row["data"]["status"]);
        assert_eq!(o["account_name"], "Tekući račun");
    }

    let (_, log) = h.control(Method::GET, "/_sandbox/requests", None).await;
    let log = log.as_array().unwrap();
    assert!(log
        .iter()
        .all(|r| !r["target"].as_str().unwrap().starts_with("/_sandbox")));
    let session = log.iter().find(|r| r["target"] == "/v1/sessions").unwrap();
    assert_eq!(session["seq"], 1);
    assert_eq!(session["method"], "POST");
    assert_eq!(session["status"], 200);
    assert_eq!(session["at"], "2026-03-27T18:01:30Z");
    assert!(session["body"]
        .as_str()
        .unwrap()
        .contains("sandbox-client-app-key"));
    assert!(session["headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h[0] == "content-type"));
    let targets: Vec<&str> = log.iter().map(|r| r["target"].as_str().unwrap()).collect();
    assert!(targets
        .iter()
        .any(|t| t.starts_with("/bank/erste-hr/oauth/authorize?")));
    assert!(targets
        .iter()
        .any(|t| t.starts_with("/v1/tpp/redirect?code=")));
    assert!(targets.contains(&"/v1/tokens"));
    assert!(log.iter().all(|r| !r["headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h[0] == "authorization")));
    assert_eq!(h.sb.requests().len(), log.len());
    h.control(Method::DELETE, "/_sandbox/requests", None).await;
    assert!(h.sb.requests().is_empty());

    let (_, stats) = h.control(Method::GET, "/_sandbox/stats", None).await;
    assert_eq!(stats["tokens_exchanged"], 1);
    let (_, consents) = h.control(Method::GET, "/_sandbox/consents", None).await;
    assert_eq!(consents[0]["skill"], ERSTE_HR);
}

#[tokio::test]
async fn the_catalogue_lists_the_registered_skills() {
    let h = Harness::with(FinqwareConfig {
        skills: vec![BT.to_owned(), ERSTE_HR.to_owned()],
        ..config()
    })
    .await;
    let (status, skills) = h
        .post(
            "/catalogs/get",
            json!({ "client_id": CLIENT_ID, "client_app_key": APP_KEY }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{skills}");
    let skills = skills.as_array().unwrap();
    assert_eq!(skills.len(), 2);
    assert_eq!(skills[0]["skill"], BT);
    assert_eq!(skills[0]["servicer"], "Banca Transilvania");
    assert_eq!(skills[0]["bic"], "BTRLRO22");
    assert_eq!(skills[0]["version"], "2.0");
    assert_eq!(
        skills[0]["settings"],
        json!({ "consent_duration": 129_600, "cache_max_data_retention": 172_800 })
    );
    let (_, croatia) = h
        .post("/catalogs/get", json!({ "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "filter": { "country_code": "HR" } }))
        .await;
    assert_eq!(croatia.as_array().unwrap().len(), 1);
    assert_eq!(croatia[0]["country"], "Croatia");
    let (status, body) = h
        .post("/catalogs/get", json!({ "client_id": CLIENT_ID }))
        .await;
    assert_error(status, &body, 400, "invalid_request", "missing_fields");
    let (status, body) = h
        .post(
            "/catalogs/get",
            json!({ "client_id": CLIENT_ID, "client_app_key": "x" }),
        )
        .await;
    assert_error(status, &body, 401, "unauthorized", "invalid_client_app_key");
}

#[tokio::test]
async fn dropping_the_handle_keeps_serving_until_shutdown() {
    let h = Harness::start().await;
    let url = h.sb.base_url();
    let keep = h.sb.clone();
    drop(h.sb);
    let body = json!({ "client_id": CLIENT_ID, "client_app_key": APP_KEY, "skill": BT });
    let ok = h
        .http
        .post(format!("{url}/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    keep.shutdown();
    // No sleeping: yield to the server task until it has let go of the listener (a fresh
    // client each time, so no pooled connection is reused).
    let mut refused = false;
    for _ in 0..1_000 {
        tokio::task::yield_now().await;
        if Client::new()
            .post(format!("{url}/sessions"))
            .json(&body)
            .send()
            .await
            .is_err()
        {
            refused = true;
            break;
        }
    }
    assert!(refused, "the listener closes after shutdown");
}
