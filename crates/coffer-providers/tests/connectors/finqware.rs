//! Finqware against `coffer_sandbox::finqware`: session, `sca` step, the bank's consent page in
//! a scripted browser, `?temp_token=`, `/tokens`, then syncs through the real engine compared
//! with the sandbox's oracle.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::money::{Currency, Money};
use coffer_core::store::Store;
use coffer_core::sync::{sync_connection, Provider, ProviderError, SyncSummary};
use coffer_providers::finqware::{zone_of, Consent, Finqware, FinqwareApi, FinqwareError};
use coffer_sandbox::finqware::{
    approve_in_browser, FinqwareConfig, FinqwareFault, FinqwareSandbox,
};
use coffer_sandbox::{OracleAccount, OracleRow, SandboxClock};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::{difference, oracle, start, stored, stored_from};

const CLIENT_ID: &str = "sandbox-client-id";
const CLIENT_SECRET: &str = "sandbox-client-secret";
const APP_KEY: &str = "sandbox-client-app-key";
const BT: &str = "bt_ro_aisp_sbx_#2.0";
/// A custom-scheme callback: the scripted browser hands it back without fetching it.
const CALLBACK: &str = "coffer://callback/finqware/n0nce";

async fn hub() -> FinqwareSandbox {
    let config = FinqwareConfig {
        clock: SandboxClock::fixed(start()),
        ..FinqwareConfig::default()
    };
    FinqwareSandbox::start(config, 0).await.unwrap()
}

fn api(hub: &FinqwareSandbox) -> FinqwareApi {
    FinqwareApi::new(
        coffer_login::http::client().unwrap(),
        Url::parse(&hub.base_url()).unwrap(),
        CLIENT_ID.to_string(),
        SecretString::from(CLIENT_SECRET.to_string()),
    )
}

/// The browser's last stop: the `temp_token` or the `error` in the callback's query.
fn query(location: &str, name: &str) -> Option<String> {
    let url = Url::parse(location).unwrap();
    assert!(location.starts_with(CALLBACK), "went elsewhere: {location}");
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Session → sca step → consent page (Approve) → temp token, not yet exchanged.
async fn temp_token(hub: &FinqwareSandbox, skill: &str, approve: bool) -> String {
    let api = api(hub);
    let app_key = SecretString::from(APP_KEY.to_string());
    let session = api
        .create_session(&app_key, skill, "coffer-test-user")
        .await
        .unwrap();
    let page = api.sca_step(&session, skill, CALLBACK).await.unwrap();
    let location = approve_in_browser(page.expose_secret(), approve)
        .await
        .unwrap();
    if approve {
        query(&location, "temp_token").expect("a temp_token")
    } else {
        query(&location, "error").expect("an error")
    }
}

/// A whole consent for `skill`.
async fn consent(hub: &FinqwareSandbox, skill: &str) -> Consent {
    let token = temp_token(hub, skill, true).await;
    let tokens = api(hub).exchange(&SecretString::from(token)).await.unwrap();
    let exp = tokens.consent_exp.unwrap();
    assert_eq!((exp - hub.clock().now()).num_days(), 90);
    Consent {
        credentials_id: tokens.credentials_id,
        access_token: tokens.access_token,
        tenant_user_id: "coffer-test-user".to_string(),
    }
}

async fn oracle_of(hub: &FinqwareSandbox, skill: &str) -> (Vec<OracleRow>, Vec<OracleAccount>) {
    let get = |what: &str| {
        let mut url = Url::parse(&format!("{}/_sandbox/oracle/{what}", hub.origin())).unwrap();
        url.query_pairs_mut().append_pair("skill", skill);
        url
    };
    let rows = reqwest::get(get("ledger"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let accounts = reqwest::get(get("accounts"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (rows, accounts)
}

/// The first whole day the cache serves now, on the bank's calendar: older rows have left it
/// (Coffer rightly keeps them; the oracle lists the bank's whole history).
fn first_served_day(hub: &FinqwareSandbox, skill: &str) -> NaiveDate {
    hub.retention_start()
        .with_timezone(&zone_of(skill))
        .date_naive()
        .succ_opt()
        .unwrap()
}

struct Ledger {
    store: Mutex<Store>,
    connection: coffer_core::model::Connection,
    _dir: tempfile::TempDir,
}

fn ledger(hub: &FinqwareSandbox) -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.db")).unwrap();
    let connection = store
        .add_connection(
            "finqware",
            "Banca Transilvania via Finqware",
            hub.clock().now(),
        )
        .unwrap();
    Ledger {
        store: Mutex::new(store),
        connection,
        _dir: dir,
    }
}

async fn sync(
    hub: &FinqwareSandbox,
    ledger: &Ledger,
    consent: &Consent,
    skill: &str,
) -> SyncSummary {
    let now: DateTime<Utc> = hub.clock().now();
    let provider = Finqware::new(api(hub), consent.clone(), skill, now);
    sync_connection(
        &ledger.store,
        &ledger.connection,
        &provider,
        move || now,
        &mut |_| {},
    )
    .await
    .unwrap()
}

/// Coffer's rows equal the bank's from the first day the cache serves; balances equal too.
async fn check(hub: &FinqwareSandbox, ledger: &Ledger, skill: &str) {
    let (rows, accounts) = oracle_of(hub, skill).await;
    let from = first_served_day(hub, skill);
    let want = oracle(rows, from);
    let got = stored_from(stored(&ledger.store), from);
    assert!(
        got == want,
        "{skill}: Coffer and Finqware disagree:\n{}",
        difference(&got, &want)
    );
    let store = ledger.store.lock().unwrap();
    let stored_accounts = store.accounts().unwrap();
    assert_eq!(stored_accounts.len(), accounts.len(), "{skill}");
    for want in &accounts {
        let got = stored_accounts
            .iter()
            .find(|a| a.provider_account_id == want.account)
            .unwrap_or_else(|| panic!("{skill}: account {} missing", want.account));
        let currency: Currency = want.currency.parse().unwrap();
        assert_eq!(got.name, want.name);
        assert_eq!(
            got.balance,
            Money::parse(&want.balance, currency).unwrap(),
            "{skill} {}",
            want.account
        );
        assert_eq!(
            got.available,
            want.available
                .as_deref()
                .map(|a| Money::parse(a, currency).unwrap()),
            "{skill} {}",
            want.account
        );
    }
}

/// Every skill: a first sync through transient faults, then days passing (pending rows book,
/// some with another amount, some cancel, back-dated rows appear), then syncs: Coffer holds
/// exactly what the bank holds, with few calls.
#[tokio::test]
async fn first_and_later_syncs_equal_the_banks_ledger_for_every_skill() {
    let hub = hub().await;
    let mut connected = Vec::new();
    for skill in coffer_sandbox::finqware::SKILLS {
        let consent = consent(&hub, skill).await;
        let ledger = ledger(&hub);
        // Transient trouble on the way in is ridden out: three failures, then an answer.
        hub.inject(FinqwareFault::RateLimit { requests: 1 });
        hub.inject(FinqwareFault::ServerError { requests: 1 });
        hub.inject(FinqwareFault::HtmlErrorPage {
            requests: 1,
            status: 502,
        });
        let calls = hub.stats().api_calls;
        let first = sync(&hub, &ledger, &consent, skill).await;
        assert!(first.errors.is_empty(), "{skill}: {:?}", first.errors);
        assert!(hub.faults().is_empty());
        let first_calls = hub.stats().api_calls - calls;
        check(&hub, &ledger, skill).await;
        eprintln!(
            "{skill}: first sync {} accounts, {} rows, {first_calls} API calls (3 of them faults)",
            first.accounts, first.inserted
        );
        connected.push((skill, consent, ledger));
    }
    let mut changes = coffer_sandbox::finqware::Changes::default();
    for _ in 0..4 {
        let moved = hub.advance_days(3).changes;
        changes.booked += moved.booked;
        changes.cancelled += moved.cancelled;
        changes.late += moved.late;
        changes.amount_changed += moved.amount_changed;
        for (skill, consent, ledger) in &connected {
            let later = sync(&hub, ledger, consent, skill).await;
            assert!(later.errors.is_empty(), "{skill}: {:?}", later.errors);
            check(&hub, ledger, skill).await;
        }
    }
    assert!(
        changes.booked > 0
            && changes.cancelled > 0
            && changes.late > 0
            && changes.amount_changed > 0,
        "the days lived must exercise every case: {changes:?}"
    );
}

/// One bank followed closely: a sync after every advance, with the late, booked and cancelled
/// rows each showing up exactly once.
#[tokio::test]
async fn days_passing_book_cancel_and_back_date_rows_without_duplicates() {
    let hub = hub().await;
    let consent = consent(&hub, BT).await;
    let ledger = ledger(&hub);
    let first = sync(&hub, &ledger, &consent, BT).await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    check(&hub, &ledger, BT).await;
    let mut seen = coffer_sandbox::finqware::Changes::default();
    let mut expired = 0;
    for _ in 0..6 {
        let moved = hub.advance_days(2).changes;
        seen.booked += moved.booked;
        seen.cancelled += moved.cancelled;
        seen.late += moved.late;
        seen.amount_changed += moved.amount_changed;
        let calls = hub.stats().api_calls;
        let later = sync(&hub, &ledger, &consent, BT).await;
        assert!(later.errors.is_empty(), "{:?}", later.errors);
        expired += later.expired;
        eprintln!(
            "{BT}: later sync {} fetched, {} inserted, {} updated, {} expired, {} API calls",
            later.fetched,
            later.inserted,
            later.updated,
            later.expired,
            hub.stats().api_calls - calls
        );
        check(&hub, &ledger, BT).await;
    }
    assert!(seen.late > 0 && seen.booked > 0, "{seen:?}");
    // The sandbox counts every bank's changes; BT's own cancellations show as expired rows (and
    // `check` proves none is left behind).
    assert!(expired > 0, "{seen:?}");
}

/// An expired consent asks for a new login; a new consent (new account and row ids, same
/// IBANs and utx_ids) continues the same history without a duplicate.
#[tokio::test]
async fn an_expired_consent_needs_a_new_login_which_keeps_history() {
    let hub = hub().await;
    let old = consent(&hub, BT).await;
    let ledger = ledger(&hub);
    assert!(sync(&hub, &ledger, &old, BT).await.errors.is_empty());
    let before = stored(&ledger.store);

    hub.inject(FinqwareFault::ExpireConsents);
    let raw = api(&hub).accounts(&old).await.map(|_| ()).unwrap_err();
    assert!(matches!(raw, FinqwareError::ConsentExpired), "{raw:?}");
    let provider = Finqware::new(api(&hub), old.clone(), BT, hub.clock().now());
    let err = provider.accounts().await.unwrap_err();
    assert!(matches!(err, ProviderError::Reauth { .. }), "{err:?}");
    let expired = sync(&hub, &ledger, &old, BT).await;
    assert_eq!(expired.errors.len(), 1, "{:?}", expired.errors);
    assert!(
        expired.errors[0].contains("log in again"),
        "{:?}",
        expired.errors
    );
    let connection = ledger.store.lock().unwrap().connections().unwrap();
    assert_eq!(
        connection[0].status,
        coffer_core::model::ConnectionStatus::NeedsReauth
    );
    assert_eq!(stored(&ledger.store), before, "nothing stored changed");

    hub.advance_days(3);
    let renewed = consent(&hub, BT).await;
    assert_ne!(
        renewed.credentials_id.expose_secret(),
        old.credentials_id.expose_secret()
    );
    let again = sync(&hub, &ledger, &renewed, BT).await;
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    check(&hub, &ledger, BT).await;
}

/// Trouble beyond the retries fails the sync with a precise message and changes nothing; the
/// next sync takes up where the last good one ended.
#[tokio::test]
async fn persistent_faults_report_precisely_and_lose_nothing() {
    let hub = hub().await;
    let consent = consent(&hub, BT).await;
    let ledger = ledger(&hub);
    assert!(sync(&hub, &ledger, &consent, BT).await.errors.is_empty());
    hub.advance_days(2);
    let before = stored(&ledger.store);

    let cases: Vec<(FinqwareFault, &str)> = vec![
        (
            FinqwareFault::RateLimit { requests: 8 },
            "finqware is rate limiting",
        ),
        (
            FinqwareFault::ServerError { requests: 8 },
            "finqware answered HTTP 500: internal_server_error",
        ),
        (
            FinqwareFault::HtmlErrorPage {
                requests: 1,
                status: 200,
            },
            "a web page came back instead of JSON",
        ),
        (
            FinqwareFault::MalformedJson { requests: 1 },
            "cannot be read: it ends in the middle",
        ),
    ];
    for (fault, words) in cases {
        hub.clear_faults();
        hub.inject(fault.clone());
        let failed = sync(&hub, &ledger, &consent, BT).await;
        assert!(
            failed.errors.iter().any(|e| e.contains(words)),
            "{fault:?}: {:?}",
            failed.errors
        );
        assert_eq!(
            stored(&ledger.store),
            before,
            "{fault:?} changed the ledger"
        );
    }
    hub.clear_faults();

    // Row-level faults are named by row and field; nothing of that account is stored.
    for (fault, words) in [
        (
            FinqwareFault::FloatAmount { requests: 1 },
            "which has more decimals than RON allows (2)",
        ),
        (
            FinqwareFault::MissingField {
                field: "utx_id".into(),
                requests: 1,
            },
            "has no `utx_id`",
        ),
        (
            FinqwareFault::MissingField {
                field: "data.amount".into(),
                requests: 1,
            },
            "has no `amount`",
        ),
    ] {
        hub.clear_faults();
        hub.inject(fault.clone());
        let failed = sync(&hub, &ledger, &consent, BT).await;
        assert!(
            failed.errors.iter().any(|e| e.contains(words)),
            "{fault:?}: {:?}",
            failed.errors
        );
    }
    hub.clear_faults();
    let ok = sync(&hub, &ledger, &consent, BT).await;
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);
    check(&hub, &ledger, BT).await;
}

/// The login's refusals: the user denies at the bank; a temp token used twice or too late.
#[tokio::test]
async fn denied_reused_and_expired_temp_tokens_are_refused_precisely() {
    let hub = hub().await;
    assert_eq!(temp_token(&hub, BT, false).await, "access_denied");

    let token = SecretString::from(temp_token(&hub, BT, true).await);
    assert!(api(&hub).exchange(&token).await.is_ok());
    let reused = api(&hub).exchange(&token).await.map(|_| ()).unwrap_err();
    assert!(
        matches!(&reused, FinqwareError::Api { status: 401, code, .. } if code == "invalid_temp_token"),
        "{reused:?}"
    );
    assert!(!reused.to_string().contains(token.expose_secret()));

    let late = SecretString::from(temp_token(&hub, BT, true).await);
    hub.clock().advance(chrono::Duration::minutes(11));
    let err = api(&hub).exchange(&late).await.map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("start the login again"), "{err}");

    // Wrong tenant keys are the app's settings, not the bank consent.
    let wrong = FinqwareApi::new(
        coffer_login::http::client().unwrap(),
        Url::parse(&hub.base_url()).unwrap(),
        CLIENT_ID.to_string(),
        SecretString::from("not-the-secret".to_string()),
    );
    let err = wrong
        .exchange(&SecretString::from(temp_token(&hub, BT, true).await))
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, FinqwareError::TenantKeys { .. }), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"));
}
