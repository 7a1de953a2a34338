//! End-to-end tests over real HTTP against a started sandbox.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use chrono::{FixedOffset, NaiveDate, TimeZone, Timelike};
use reqwest::{redirect::Policy, Client, StatusCode};
use serde_json::Value;

use super::json::parse_ore;
use super::*;

const V1: &str = "application/vnd.sparebank1.v1+json; charset=utf-8";
const REDIRECT: &str = "http://127.0.0.1:8321/callback/sparebank1";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk0123456789";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn config() -> Sparebank1Config {
    Sparebank1Config {
        today: today(),
        seed: 7,
        ..Sparebank1Config::default()
    }
}

async fn sandbox() -> Sparebank1Sandbox {
    Sparebank1Sandbox::start(config(), 0).await.unwrap()
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

fn all_keys_query(sb: &Sparebank1Sandbox) -> String {
    sb.accounts()
        .iter()
        .map(|a| format!("accountKey={}", a.key))
        .collect::<Vec<_>>()
        .join("&")
}

async fn all_rows(sb: &Sparebank1Sandbox, token: &str, extra: &str) -> Vec<Value> {
    let path = format!(
        "/personal/banking/transactions?{}{extra}",
        all_keys_query(sb)
    );
    let resp = api(sb, token, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["errors"], serde_json::json!([]));
    v["transactions"].as_array().unwrap().clone()
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

fn error_code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap()
}

#[tokio::test]
async fn full_round_trip_with_basic_and_form_auth() {
    let sb = sandbox().await;
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
    let idle = tok["refresh_token_expires_in"].as_u64().unwrap();
    assert!((2_591_990..=2_592_000).contains(&idle), "{idle}");
    let absolute = tok["refresh_token_absolute_expires_in"].as_u64().unwrap();
    assert!((31_535_990..=31_536_000).contains(&absolute), "{absolute}");
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

    // Transactions: everything the bank holds, with the right shape and sums.
    let txs = all_rows(&sb, &access, "").await;
    let ledger_rows = sb.ledger();
    assert_eq!(txs.len(), ledger_rows.len());
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
        let held: i64 = ledger_rows
            .iter()
            .filter(|r| r.account_key == row.key)
            .map(|r| parse_ore(&r.amount).unwrap())
            .sum();
        assert_eq!(wire, held, "account {}", row.name);
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
async fn codes_and_access_tokens_expire() {
    let sb = Sparebank1Sandbox::start(
        Sparebank1Config {
            code_ttl: Duration::from_millis(300),
            access_token_ttl: Duration::from_millis(300),
            ..config()
        },
        0,
    )
    .await
    .unwrap();
    let code = get_code(&sb, &[]).await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    let resp = exchange(&sb, &code, Auth::Basic).await;
    assert_eq!(json_of(resp).await["error"], "invalid_grant");

    let t = login(&sb).await;
    assert_eq!(
        api(&sb, &t.access, "/common/helloworld").await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let resp = api(&sb, &t.access, "/common/helloworld").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.unwrap(), "Unauthorized");
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
async fn transaction_faults_behave() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let path = format!("/personal/banking/transactions?{}", all_keys_query(&sb));

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

    sb.inject(Sparebank1Fault::PartialFailure {
        error: "RECENT_TRANSACTIONS_FAILED".to_owned(),
        requests: 1,
    });
    let resp = api(&sb, &t.access, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(
        v["errors"],
        serde_json::json!(["RECENT_TRANSACTIONS_FAILED"])
    );
    let rows = v["transactions"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["source"] == "HISTORIC"));
    let full = all_rows(&sb, &t.access, "").await;
    assert!(full.iter().any(|r| r["source"] == "RECENT"));

    sb.inject(Sparebank1Fault::PartialFailure {
        error: "CREDIT_ACCOUNTS_FAILED".to_owned(),
        requests: 1,
    });
    let v = json_of(api(&sb, &t.access, &path).await).await;
    let card_key = sb.accounts()[2].key.clone();
    let rows = v["transactions"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["accountKey"] != card_key.as_str()));
    assert!(full.iter().any(|r| r["accountKey"] == card_key.as_str()));

    // Faults can be cleared before they run out.
    sb.inject(Sparebank1Fault::ServerError { requests: 5 });
    sb.clear_faults();
    assert_eq!(api(&sb, &t.access, &path).await.status(), StatusCode::OK);
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
async fn dates_are_epoch_ms_of_oslo_midnight() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let rows = all_rows(&sb, &t.access, "").await;
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
            .entry((
                r["accountKey"].as_str().unwrap().to_owned(),
                oslo_day_of(ms),
            ))
            .or_default() += 1;
    }
    let mut held_days: BTreeMap<(String, NaiveDate), usize> = BTreeMap::new();
    for r in sb.ledger() {
        *held_days
            .entry((r.account_key.clone(), r.date))
            .or_default() += 1;
    }
    assert_eq!(wire_days, held_days);
    // Both CEST (22:00Z) and CET (23:00Z) midnights appear.
    assert_eq!(utc_hours, HashSet::from([22, 23]));

    // The DST-change day (clocks went back at 03:00, so midnight was still CEST).
    let dst = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
    assert!(sb.ledger().iter().any(|r| r.date == dst));
    let cest = FixedOffset::east_opt(2 * 3600).unwrap();
    let expected = cest
        .with_ymd_and_hms(2026, 10, 25, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert!(rows.iter().any(|r| r["date"].as_i64() == Some(expected)));
    // A winter day: 23:00Z the day before.
    let cet = FixedOffset::east_opt(3600).unwrap();
    let nov = cet
        .with_ymd_and_hms(2026, 11, 18, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        ledger::oslo_midnight_ms(NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()),
        nov
    );
}

#[tokio::test]
async fn dst_row_exists_even_when_history_does_not_reach_a_change() {
    let sb = Sparebank1Sandbox::start(
        Sparebank1Config {
            today: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            ..config()
        },
        0,
    )
    .await
    .unwrap();
    let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
    assert!(sb.ledger().iter().any(|r| r.date == spring));
    let t = login(&sb).await;
    let rows = all_rows(&sb, &t.access, "&fromDate=2026-03-29&toDate=2026-03-29").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["source"], "HISTORIC");
    let cet = FixedOffset::east_opt(3600).unwrap();
    let expected = cet
        .with_ymd_and_hms(2026, 3, 29, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(rows[0]["date"].as_i64(), Some(expected));
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn ids_are_stable_in_a_session_and_change_across_sessions() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let first = ids(&all_rows(&sb, &t.access, "").await);
    assert_eq!(first, ids(&all_rows(&sb, &t.access, "").await));
    let unique: HashSet<_> = first.iter().collect();
    assert_eq!(unique.len(), first.len(), "ids must be unique");

    sb.rotate_ids();
    let rotated = ids(&all_rows(&sb, &t.access, "").await);
    assert_eq!(rotated.len(), first.len());
    assert!(rotated.iter().all(|id| !unique.contains(id)));

    // A new authorization is a new session, with new ids; the old token keeps its own.
    let t2 = login(&sb).await;
    let other = ids(&all_rows(&sb, &t2.access, "").await);
    let rotated_set: HashSet<_> = rotated.iter().collect();
    assert!(other.iter().all(|id| !rotated_set.contains(id)));
    assert_eq!(rotated, ids(&all_rows(&sb, &t.access, "").await));
}

#[tokio::test]
async fn book_pending_books_every_pending_row() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let before_ledger = sb.ledger();
    let before_accounts = sb.accounts();
    let pending: Vec<&LedgerRow> = before_ledger.iter().filter(|r| !r.booked).collect();
    assert_eq!(pending.len(), 4);
    let cutoff = today() - chrono::Days::new(2);
    assert!(pending.iter().all(|r| r.date >= cutoff));

    let rows = all_rows(&sb, &t.access, "").await;
    let wire_pending: Vec<&Value> = rows
        .iter()
        .filter(|r| r["bookingStatus"] == "PENDING")
        .collect();
    assert_eq!(wire_pending.len(), 4);
    for r in &wire_pending {
        assert_eq!(r["nonUniqueId"], "0000000000");
        assert_eq!(r["source"], "RECENT");
        assert_eq!(r["canShowDetails"], false);
    }
    let before_ids: HashSet<String> = ids(&rows).into_iter().collect();
    let pending_ids: HashSet<String> = ids(&rows)
        .into_iter()
        .zip(&rows)
        .filter(|(_, r)| r["bookingStatus"] == "PENDING")
        .map(|(id, _)| id)
        .collect();

    sb.book_pending();
    let after_ledger = sb.ledger();
    assert_eq!(after_ledger.len(), before_ledger.len());
    assert!(after_ledger.iter().all(|r| r.booked));
    for (b, a) in before_accounts.iter().zip(sb.accounts()) {
        let pend: i64 = pending
            .iter()
            .filter(|r| r.account_key == b.key)
            .map(|r| parse_ore(&r.amount).unwrap())
            .sum();
        assert_eq!(
            parse_ore(&a.balance).unwrap(),
            parse_ore(&b.balance).unwrap() + pend
        );
        assert_eq!(a.available_balance, b.available_balance);
    }

    let rows = all_rows(&sb, &t.access, "").await;
    assert!(rows.iter().all(|r| r["bookingStatus"] == "BOOKED"));
    let now_ids: HashSet<String> = ids(&rows).into_iter().collect();
    assert!(pending_ids.is_disjoint(&now_ids));
    // Exactly the four formerly pending rows are new; every other row kept its id.
    let fresh: Vec<&Value> = rows
        .iter()
        .filter(|r| !before_ids.contains(r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(fresh.len(), 4);
    for p in &wire_pending {
        let amount = ore(&p["amount"]);
        let day = oslo_day_of(p["date"].as_i64().unwrap());
        let booked = fresh
            .iter()
            .find(|r| {
                r["accountKey"] == p["accountKey"]
                    && ore(&r["amount"]) == amount
                    && r["nonUniqueId"].as_str().unwrap().chars().any(|c| c != '0')
                    && {
                        let d = oslo_day_of(r["date"].as_i64().unwrap());
                        d >= day && d <= today()
                    }
                    && r["description"] != p["description"]
            })
            .unwrap_or_else(|| panic!("no booked twin for {p}"));
        assert_ne!(booked["cleanedDescription"], p["cleanedDescription"]);
    }
}

#[tokio::test]
async fn identical_purchases_are_both_served() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let rows = all_rows(&sb, &t.access, "").await;
    let mut groups: HashMap<String, Vec<&Value>> = HashMap::new();
    for r in &rows {
        let key = format!(
            "{}|{}|{}|{}|{}",
            r["accountKey"], r["date"], r["amount"], r["description"], r["nonUniqueId"]
        );
        groups.entry(key).or_default().push(r);
    }
    let twins: Vec<&Vec<&Value>> = groups.values().filter(|g| g.len() > 1).collect();
    assert_eq!(twins.len(), 1, "exactly one identical pair");
    let pair = twins[0];
    assert_eq!(pair.len(), 2);
    assert_eq!(pair[0]["nonUniqueId"], "0000000000");
    assert_eq!(pair[0]["bookingStatus"], "BOOKED");
    assert_ne!(pair[0]["id"], pair[1]["id"]);
    let day = oslo_day_of(pair[0]["date"].as_i64().unwrap());
    let held = sb
        .ledger()
        .into_iter()
        .filter(|r| {
            r.date == day && r.description.ends_with("KIWI 505 STORO") && r.amount == "-34.90"
        })
        .count();
    assert_eq!(held, 2);
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
        Err(BrowseError::Rejected { status: 400, .. })
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
async fn transaction_parameters() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let base = "/personal/banking/transactions";
    for q in [
        String::new(),
        "?accountKey=NOPE".to_owned(),
        format!("?accountKey={}&fromDate=21.11.2026", sb.accounts()[0].key),
        format!("?accountKey={}&rowLimit=abc", sb.accounts()[0].key),
        format!("?accountKey={}&source=SOMETIMES", sb.accounts()[0].key),
    ] {
        let resp = api(&sb, &t.access, &format!("{base}{q}")).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{q}");
        let v = json_of(resp).await;
        assert_eq!(v["errors"][0]["httpCode"], 400, "{q}");
    }

    let all = all_rows(&sb, &t.access, "").await;
    let recent = all_rows(&sb, &t.access, "&source=RECENT").await;
    let historic = all_rows(&sb, &t.access, "&source=HISTORIC").await;
    assert_eq!(all, all_rows(&sb, &t.access, "&source=ALL").await);
    assert_eq!(recent.len() + historic.len(), all.len());
    assert!(!recent.is_empty() && !historic.is_empty());
    assert!(recent.iter().all(|r| r["source"] == "RECENT"));
    assert!(historic
        .iter()
        .all(|r| r["source"] == "HISTORIC" && r["bookingStatus"] == "BOOKED"));
    let recent_from = today() - chrono::Days::new(29);
    for r in &recent {
        let d = oslo_day_of(r["date"].as_i64().unwrap());
        assert!(r["bookingStatus"] == "PENDING" || d >= recent_from);
    }
    for r in &historic {
        assert!(oslo_day_of(r["date"].as_i64().unwrap()) < recent_from);
    }

    let five = all_rows(&sb, &t.access, "&rowLimit=5").await;
    assert_eq!(five, all[..5].to_vec());
    let dates: Vec<i64> = all.iter().map(|r| r["date"].as_i64().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let window = all_rows(&sb, &t.access, "&fromDate=2026-11-01&toDate=2026-11-10").await;
    let from = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
    assert!(!window.is_empty());
    assert!(window.iter().all(|r| {
        let d = oslo_day_of(r["date"].as_i64().unwrap());
        d >= from && d <= to
    }));
    let held = sb
        .ledger()
        .iter()
        .filter(|r| r.date >= from && r.date <= to)
        .count();
    assert_eq!(window.len(), held);

    let one = api(
        &sb,
        &t.access,
        &format!("{base}?accountKey={}", sb.accounts()[1].key),
    )
    .await;
    let v = json_of(one).await;
    let rows = v["transactions"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["accountName"] == "BSU"));
}

#[tokio::test]
async fn classified_wraps_rows_with_categories() {
    let sb = sandbox().await;
    let t = login(&sb).await;
    let path = format!(
        "/personal/banking/transactions/classified?{}",
        all_keys_query(&sb)
    );
    let resp = api(&sb, &t.access, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_of(resp).await;
    assert_eq!(v["errors"], serde_json::json!([]));
    let items = v["transactions"].as_array().unwrap();
    assert_eq!(items.len(), sb.ledger().len());
    let mut mains = HashSet::new();
    for item in items {
        assert!(item["transaction"]["id"].is_string());
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
    let v = json_of(api(&sb, &t.access, &path).await).await;
    assert!(v["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["categories"][0]["mainI18n"] == "Ukategorisert"
            && i["transaction"]["description"] == "MYSTERY SHOP"));
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
    assert!(ledger_rows.len() > 120);
    assert!(ledger_rows
        .iter()
        .all(|r| r.amount.split('.').nth(1).is_some_and(|d| d.len() == 2)));
    assert!(ledger_rows.iter().any(|r| r.amount == "-1234.50"));
    let oldest = ledger_rows.iter().map(|r| r.date).min().unwrap();
    assert!(oldest <= today() - chrono::Days::new(110));
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
        .body(r#"{"kind":"server_error","requests":3}"#)
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

    let bad = http
        .post(format!("{base}/_sandbox/faults"))
        .body(r#"{"kind":"earthquake"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

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

    let text = http
        .get(format!("{base}/_sandbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("sandbox-secret") && text.contains(REDIRECT));

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
        .find(|r| r["description"].as_str().unwrap().contains("NARVESEN"))
        .unwrap();
    assert_eq!(row["bookingStatus"], "PENDING");
    assert_eq!(row["amount"].to_string(), "-59.9");
    let pending_on_account: i64 = sb
        .ledger()
        .iter()
        .filter(|r| r.account_key == key && !r.booked)
        .map(|r| parse_ore(&r.amount).unwrap())
        .sum();
    // The seeded pending rows on this account (-312.40 and -250.00) plus the new -59.90.
    assert_eq!(pending_on_account, -31_240 - 25_000 - 5_990);
    sb.book_pending();
    assert_eq!(
        parse_ore(&sb.accounts()[0].balance).unwrap(),
        before + pending_on_account
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
    let mut stopped = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let fresh = Client::builder().pool_max_idle_per_host(0).build().unwrap();
        if fresh
            .get(format!("{base}/_sandbox/stats"))
            .send()
            .await
            .is_err()
        {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "server still answering after shutdown");
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
}

#[test]
fn defaults_match_the_brief() {
    let c = Sparebank1Config::default();
    assert_eq!(c.client_id, "sandbox-client");
    assert_eq!(c.client_secret, "sandbox-secret");
    assert_eq!(c.redirect_uris, vec![REDIRECT.to_owned()]);
    assert_eq!(c.access_token_ttl, Duration::from_secs(600));
    assert_eq!(c.code_ttl, Duration::from_secs(120));
    assert_eq!(c.refresh_token_ttl, Duration::from_secs(30 * 24 * 3600));
    assert!(!c.require_pkce);
    assert_eq!(c.today, ledger::oslo_today());
}
