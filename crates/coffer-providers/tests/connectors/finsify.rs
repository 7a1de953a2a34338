//! Finsify against `coffer_sandbox::finsify`: customer, hosted connect page, callback, data.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use std::sync::Mutex;

use chrono::{Duration as Days, NaiveDate};
use coffer_core::model::{AccountKind, ProviderAccount, TransactionStatus};
use coffer_core::money::{Currency, Money};
use coffer_core::store::Store;
use coffer_core::sync::{sync_connection, History, Need, Provider, ProviderError};
use coffer_providers::finsify::{services, Finsify, FinsifyApi, FinsifyError, LOOPBACK_PREFIX};
use coffer_sandbox::finsify as sandbox;
use coffer_sandbox::finsify::{FinsifyFault, FinsifySandbox};
use coffer_sandbox::SandboxClock;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::{difference, oracle, start, stored, stored_from};

const CLIENT_ID: &str = "sandbox-client-id";
const SERVICE_SECRET: &str = "sandbox-service-secret";
const TECHCOMBANK: i64 = 8;

async fn hub() -> FinsifySandbox {
    let config = sandbox::FinsifyConfig {
        clock: SandboxClock::fixed(start()),
        refresh_throttle: Duration::from_secs(300),
        ..sandbox::FinsifyConfig::default()
    };
    FinsifySandbox::start(config, 0).await.unwrap()
}

fn api(hub: &FinsifySandbox) -> FinsifyApi {
    FinsifyApi::new(
        coffer_login::http::client().unwrap(),
        Url::parse(&hub.base_url()).unwrap(),
        CLIENT_ID.to_string(),
        SecretString::from(SERVICE_SECRET.to_string()),
    )
}

struct Linked {
    login_id: i64,
    secret: SecretString,
}

fn callback_url() -> String {
    format!("http://127.0.0.1:9{LOOPBACK_PREFIX}/n0nce")
}

/// Reads the JSON Finsify appends to the callback URL as one percent-encoded path segment.
fn read_callback(location: &str) -> Linked {
    let prefix = format!("{}/", callback_url());
    let segment = location
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("the redirect went elsewhere: {location}"));
    let json = percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["status"], "success", "{value}");
    Linked {
        login_id: value["login_id"].as_i64().unwrap(),
        secret: SecretString::from(value["secret"].as_str().unwrap().to_string()),
    }
}

static CUSTOMERS: AtomicU32 = AtomicU32::new(0);

/// Customer → connect page → "Connect" in the browser → callback.
async fn link(api: &FinsifyApi) -> Linked {
    let n = CUSTOMERS.fetch_add(1, Ordering::Relaxed);
    let customer = api
        .create_customer(&format!("coffer-user-{n}"))
        .await
        .unwrap();
    let page = api
        .connect_url(&customer, TECHCOMBANK, &callback_url())
        .await
        .unwrap();
    let location = sandbox::approve_in_browser(page.expose_secret(), true)
        .await
        .unwrap();
    read_callback(&location)
}

fn vnd_currency() -> Currency {
    "VND".parse().unwrap()
}

fn vnd(text: &str) -> Result<Money, coffer_core::money::MoneyError> {
    Money::parse(text, vnd_currency())
}

/// What the hub holds for one account now, from its oracle.
fn ledger_of(hub: &FinsifySandbox, account_id: &str) -> Vec<coffer_sandbox::OracleRow> {
    hub.oracle_ledger()
        .into_iter()
        .filter(|r| r.account == account_id)
        .collect()
}

/// original_id → (day, amount, description) as Coffer should store them.
type Expected = BTreeMap<String, (chrono::NaiveDate, Money, String)>;

fn expected(rows: &[coffer_sandbox::OracleRow]) -> Expected {
    rows.iter()
        .map(|r| {
            (
                r.stable_id.clone().unwrap(),
                (r.date, vnd(&r.amount).unwrap(), r.description.clone()),
            )
        })
        .collect()
}

fn got(batch: &[coffer_core::model::ProviderTransaction]) -> Expected {
    batch
        .iter()
        .map(|t| {
            (
                t.dedup_key.clone(),
                (t.booking_date, t.amount, t.description.clone()),
            )
        })
        .collect()
}

fn assert_no_secrets(hub: &FinsifySandbox, text: &str) {
    for secret in hub.issued_secrets() {
        assert!(!text.contains(&secret), "a secret leaked into: {text}");
    }
    assert!(
        !text.contains(SERVICE_SECRET),
        "the service secret leaked into: {text}"
    );
}

#[tokio::test]
async fn connect_then_read_exactly_what_the_bank_holds() {
    let hub = hub().await;
    let api = api(&hub);
    let customer = api.create_customer("kari").await.unwrap();
    assert!(!customer.is_empty());
    assert!(matches!(
        api.create_customer("kari").await,
        Err(FinsifyError::CustomerExists)
    ));

    let page = api
        .connect_url(&customer, TECHCOMBANK, &callback_url())
        .await
        .unwrap();
    let location = sandbox::approve_in_browser(page.expose_secret(), true)
        .await
        .unwrap();
    let linked = read_callback(&location);
    let login = hub
        .logins()
        .into_iter()
        .find(|l| l.id == linked.login_id)
        .unwrap();
    assert_eq!(login.secret, linked.secret.expose_secret());
    assert_eq!(login.service_id, TECHCOMBANK);

    let finsify = Finsify::new(api, linked.secret, hub.today(), 0);
    let accounts = finsify.accounts().await.unwrap();
    let mut ids: Vec<String> = hub
        .ledger()
        .iter()
        .filter(|r| r.login_id == linked.login_id)
        .map(|r| r.account_id.to_string())
        .collect();
    ids.sort();
    ids.dedup();
    let mut listed: Vec<String> = accounts
        .iter()
        .map(|a| a.provider_account_id.clone())
        .collect();
    listed.sort();
    assert_eq!(listed, ids);
    assert!(accounts.iter().any(|a| a.kind == AccountKind::Current));
    assert!(accounts.iter().any(|a| a.kind == AccountKind::CreditCard));
    assert!(accounts
        .iter()
        .all(|a| a.balance.currency == vnd_currency()));

    // A later cursor: the rows from `since` on, and nothing before.
    let today = hub.today();
    let since = today - Days::days(60);
    for a in &accounts {
        let need = Need {
            since: Some(since),
            history: History::Complete,
        };
        let batch = finsify.transactions(a, &need).await.unwrap();
        assert_eq!(batch.from, Some(since));
        assert_eq!(batch.through, today);
        let rows: Vec<_> = ledger_of(&hub, &a.provider_account_id)
            .into_iter()
            .filter(|r| r.date >= since && r.date <= today)
            .collect();
        assert!(!rows.is_empty());
        assert_eq!(got(&batch.transactions), expected(&rows), "{}", a.name);
        assert!(batch
            .transactions
            .iter()
            .all(|t| t.status == TransactionStatus::Booked
                && t.counterparty.is_none()
                && t.provider_id
                    .as_deref()
                    .is_some_and(|id| id.parse::<i64>().is_ok())));
    }
}

#[tokio::test]
async fn a_first_sync_reads_the_whole_history() {
    let hub = hub().await;
    let api = api(&hub);
    let linked = link(&api).await;
    let finsify = Finsify::new(api, linked.secret, hub.today(), 0);
    for a in finsify.accounts().await.unwrap() {
        let rows = ledger_of(&hub, &a.provider_account_id);
        let batch = finsify.transactions(&a, &Need::FIRST).await.unwrap();
        assert_eq!(batch.through, hub.today());
        assert_eq!(batch.history, History::Complete);
        let oldest = rows.iter().map(|r| r.date).min().unwrap();
        assert!(
            (hub.today() - oldest).num_days() > 3 * 365,
            "the hub holds over three years ({oldest})"
        );
        assert_eq!(got(&batch.transactions), expected(&rows), "{}", a.name);
    }
}

#[tokio::test]
async fn balances_are_exact_decimal_strings() {
    let hub = hub().await;
    let api = api(&hub);
    let linked = link(&api).await;
    let finsify = Finsify::new(api, linked.secret.clone(), hub.today(), 0);
    let before = finsify.accounts().await.unwrap();
    let current: &ProviderAccount = before
        .iter()
        .find(|a| a.kind == AccountKind::Current)
        .unwrap();
    hub.add_transaction(
        linked.login_id,
        current.provider_account_id.parse().unwrap(),
        hub.today(),
        "-61299.00",
        "GRAB*A-12345678",
        "auto_and_transport",
    );
    // The hub categorises a row the day after it scrapes it.
    hub.clock().advance(Days::days(1));
    let finsify = Finsify::new(self::api(&hub), linked.secret.clone(), hub.today(), 0);
    let after = finsify.accounts().await.unwrap();
    let now = after
        .iter()
        .find(|a| a.provider_account_id == current.provider_account_id)
        .unwrap();
    assert_eq!(now.balance.minor, current.balance.minor - 61_299);

    let need = Need {
        since: Some(hub.today() - Days::days(1)),
        history: History::Complete,
    };
    let batch = finsify.transactions(now, &need).await.unwrap();
    let grab = batch
        .transactions
        .iter()
        .find(|t| t.description == "GRAB*A-12345678")
        .unwrap();
    assert_eq!(grab.amount, vnd("-61299").unwrap());
    assert_eq!(
        grab.provider_category.as_deref(),
        Some("auto_and_transport")
    );
}

#[tokio::test]
async fn refresh_is_throttled_and_deactivation_confirmed() {
    let hub = hub().await;
    let api = api(&hub);
    let linked = link(&api).await;
    let next = api.refresh_login(&linked.secret).await.unwrap();
    let wait = next - hub.clock().now();
    assert!(wait == chrono::Duration::seconds(300), "{wait}");
    match api.refresh_login(&linked.secret).await {
        Err(FinsifyError::RefreshTooSoon {
            next_refresh_possible_at,
        }) => assert_eq!(next_refresh_possible_at, next),
        other => panic!("expected RefreshTooSoon, got {other:?}"),
    }
    assert_eq!(hub.stats().refreshes, 1);

    api.deactivate(&linked.secret).await.unwrap();
    let login = hub
        .logins()
        .into_iter()
        .find(|l| l.id == linked.login_id)
        .unwrap();
    assert!(!login.active);
    assert_eq!(hub.stats().deactivations, 1);
}

#[tokio::test]
async fn a_refused_bank_login_needs_a_reconnect_which_works() {
    let hub = hub().await;
    let api = api(&hub);
    let linked = link(&api).await;
    hub.set_login_status(linked.login_id, "login_wrong_credentials");
    let old = Finsify::new(api, linked.secret.clone(), hub.today(), 0);
    let err = old.accounts().await.unwrap_err();
    match &err {
        ProviderError::Reauth { reason, .. } => {
            assert_eq!(
                reason,
                "the bank says the password is wrong: reconnect with the new password"
            );
        }
        other => panic!("expected Reauth, got {other:?}"),
    }

    let api = self::api(&hub);
    let page = api
        .reconnect_url(&linked.secret, &callback_url())
        .await
        .unwrap();
    let location = sandbox::approve_in_browser(page.expose_secret(), true)
        .await
        .unwrap();
    let relinked = read_callback(&location);
    assert_eq!(relinked.login_id, linked.login_id);
    assert_eq!(hub.stats().reconnects, 1);
    let renewed = Finsify::new(api, relinked.secret, hub.today(), 0);
    assert_eq!(renewed.accounts().await.unwrap().len(), 2);

    // The old secret is gone now: Finsify no longer knows it, and says so without quoting it.
    let err = old.accounts().await.unwrap_err();
    assert!(matches!(err, ProviderError::Reauth { .. }), "{err:?}");
    assert_no_secrets(&hub, &err.to_string());
    let raw = self::api(&hub).accounts(&linked.secret).await.unwrap_err();
    match &raw {
        FinsifyError::Api { status, error, .. } => {
            assert_eq!((*status, error.as_str()), (404, "LoginNotFound"));
        }
        other => panic!("expected LoginNotFound, got {other:?}"),
    }
    assert_no_secrets(&hub, &raw.to_string());
}

#[tokio::test]
async fn the_service_catalogue_is_searchable() {
    let hub = hub().await;
    let http = coffer_login::http::client().unwrap();
    let url = Url::parse(&hub.service_catalogue_url()).unwrap();
    let all = services(&http, &url, None).await.unwrap();
    assert!(all.len() >= 20, "{}", all.len());
    let tcb = all.iter().find(|s| s.id == TECHCOMBANK).unwrap();
    assert_eq!(tcb.name, "Techcombank");
    assert_eq!(tcb.country_code, "VN");
    assert_eq!(tcb.kind, "bank");
    assert!(tcb
        .logo_url
        .starts_with("https://assets.finsify.com/services/"));
    assert!(tcb.logo_url.ends_with("-medium.png"), "{}", tcb.logo_url);

    let found = services(&http, &url, Some("  techCOMBANK ")).await.unwrap();
    assert_eq!(
        found.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![TECHCOMBANK]
    );
    let hong_kong = services(&http, &url, Some("hk")).await.unwrap();
    assert!(!hong_kong.is_empty());
    assert!(hong_kong.iter().all(|s| s.country_code == "HK"));
    let statements = services(&http, &url, Some("sao kê")).await.unwrap();
    assert!(
        statements.iter().all(|s| s.kind == "statement"),
        "{statements:?}"
    );
    assert!(services(&http, &url, Some("no such bank"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn faults_give_precise_errors() {
    let hub = hub().await;
    let api = api(&hub);
    let linked = link(&api).await;
    let accounts = api.accounts(&linked.secret).await.unwrap();
    let account = accounts[0].provider_account_id.clone();
    let since = hub.today() - Days::days(60);
    let today = hub.today();

    // A short burst of 500s on a read is ridden out.
    hub.inject(FinsifyFault::ServerError { requests: 2 });
    assert_eq!(api.accounts(&linked.secret).await.unwrap().len(), 2);

    // A longer one is reported with the call and the error name.
    hub.inject(FinsifyFault::ServerError { requests: 4 });
    let calls = hub.stats().api_calls;
    let err = api.accounts(&linked.secret).await.unwrap_err();
    assert_eq!(hub.stats().api_calls - calls, 4);
    assert!(
        matches!(&err, FinsifyError::Api { status: 500, error, message }
            if error == "InternalError" && message.starts_with("GET /account: ")),
        "{err:?}"
    );

    // Writes are not repeated.
    hub.inject(FinsifyFault::Maintenance { requests: 1 });
    let err = api.create_customer("maintenance-day").await.unwrap_err();
    assert!(
        matches!(&err, FinsifyError::Api { status: 503, error, message }
            if error == "ServerMaintenance" && message.starts_with("POST /customer: ")),
        "{err:?}"
    );
    assert!(api.create_customer("maintenance-day").await.is_ok());

    hub.inject(FinsifyFault::MalformedJson { requests: 1 });
    let err = api.accounts(&linked.secret).await.unwrap_err();
    assert!(matches!(err, FinsifyError::Malformed { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(
            "Finsify sent a response Coffer cannot read: the answer to GET /account cannot be \
             read: it ends in the middle (line 1, column "
        ),
        "{err}"
    );

    hub.inject(FinsifyFault::MissingField {
        field: "original_id".into(),
        requests: 1,
    });
    let err = api
        .transactions(&linked.secret, &account, since, today)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Finsify sent a response Coffer cannot read: transaction 1 of account {account} has \
             no `original_id`"
        )
    );

    hub.inject(FinsifyFault::FloatAmount { requests: 1 });
    let err = api
        .transactions(&linked.secret, &account, since, today)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "the `amount` of transaction 1 of account {account} is "
        )) && text.ends_with("0000001, which has more decimals than VND allows (0)"),
        "{text}"
    );
    let as_provider: ProviderError = err.into();
    assert!(matches!(as_provider, ProviderError::Malformed { .. }));

    // A wrong service secret is the app's settings, not the bank login.
    let wrong = FinsifyApi::new(
        coffer_login::http::client().unwrap(),
        Url::parse(&hub.base_url()).unwrap(),
        CLIENT_ID.to_string(),
        SecretString::from("not-the-secret".to_string()),
    );
    let err = wrong.accounts(&linked.secret).await.unwrap_err();
    assert!(
        matches!(&err, FinsifyError::Api { status: 400, error, .. } if error == "CredentialInvalid"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("not-the-secret"));
    assert_no_secrets(&hub, &err.to_string());
}

/// Through the sync engine: a first sync of years of history, days passing (authorisations
/// posted with a new id and sometimes another amount, released ones, late NAPAS transfers),
/// another sync: Coffer holds exactly what the hub holds.
#[tokio::test]
async fn connect_sync_advance_sync_equals_the_hubs_ledger() {
    let hub = hub().await;
    let api = api(&hub);
    let linked = link(&api).await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.db")).unwrap();
    let connection = store
        .add_connection("finsify", "Techcombank via Finsify", hub.clock().now())
        .unwrap();
    let store = Mutex::new(store);
    let sync = |hub: &FinsifySandbox| {
        let provider = Finsify::new(self::api(hub), linked.secret.clone(), hub.today(), 0);
        let now = hub.clock().now();
        let store = &store;
        let connection = &connection;
        async move {
            sync_connection(store, connection, &provider, move || now, &mut |_| {})
                .await
                .unwrap()
        }
    };
    let everything = NaiveDate::MIN;
    let check = |hub: &FinsifySandbox| {
        let want = oracle(hub.oracle_ledger(), everything);
        let got = stored_from(stored(&store), everything);
        assert!(
            got == want,
            "Coffer and Finsify disagree:\n{}",
            difference(&got, &want)
        );
    };
    let first = sync(&hub).await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    check(&hub);
    for _ in 0..3 {
        hub.advance(2);
        let later = sync(&hub).await;
        assert!(later.errors.is_empty(), "{:?}", later.errors);
        check(&hub);
    }
}
