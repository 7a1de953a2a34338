//! SpareBank 1 against `coffer_sandbox::sparebank1`, logged in through the real OAuth flow.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use coffer_core::model::{AccountKind, ConnectionStatus, ProviderAccount, TransactionStatus};
use coffer_core::money::{Currency, Money};
use coffer_core::store::Store;
use coffer_core::sync::{sync_connection, Provider, ProviderError, SyncSummary, TransactionBatch};
use coffer_login::callback::Verdict;
use coffer_login::{Callback, CallbackResult, LoginError, OAuthSession, TokenSet, TokenSink};
use coffer_providers::sparebank1::{
    oauth_provider, Sparebank1, Sparebank1Config, CALLBACK_PATH, DEFAULT_REDIRECT_PORT, LABEL,
    PROVIDER_ID,
};
use coffer_sandbox::sparebank1 as sandbox;
use coffer_sandbox::sparebank1::{Sparebank1Fault, Sparebank1Sandbox};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::{day, today};

#[derive(Default)]
struct RecordingSink {
    saved: Mutex<Vec<TokenSet>>,
}

impl TokenSink for RecordingSink {
    fn save(&self, tokens: &TokenSet) -> Result<(), LoginError> {
        self.saved.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

struct Login {
    session: Arc<OAuthSession>,
    sink: Arc<RecordingSink>,
    first: TokenSet,
}

async fn bank() -> Sparebank1Sandbox {
    let config = sandbox::Sparebank1Config {
        today: today(),
        ..sandbox::Sparebank1Config::default()
    };
    Sparebank1Sandbox::start(config, 0).await.unwrap()
}

/// The whole login: authorize URL → BankID page → redirect → code → token exchange.
async fn log_in(bank: &Sparebank1Sandbox) -> Login {
    let settings = Sparebank1Config {
        client_id: "sandbox-client".into(),
        fin_inst: Some("fid-ostlandet".into()),
        redirect_port: DEFAULT_REDIRECT_PORT,
    };
    let auth_url = Url::parse(&bank.base_url()).unwrap();
    let provider = oauth_provider(
        &auth_url,
        &settings,
        SecretString::from("sandbox-secret".to_string()),
    )
    .unwrap();
    let redirect_uri = settings.redirect_uri();
    let authorization = provider
        .authorize(&redirect_uri, vec![CALLBACK_PATH.to_string()])
        .unwrap();
    let location = sandbox::approve_in_browser(authorization.url.as_str(), true)
        .await
        .unwrap();
    let location = Url::parse(&location).unwrap();
    let callback = Callback::from_request_target(location.path(), location.query());
    let code = match authorization.expected.check(&callback) {
        Verdict::Finished(Ok(CallbackResult::AuthorizationCode(code))) => code,
        other => panic!("the redirect did not carry a code: {other:?}"),
    };
    let http = coffer_login::http::client().unwrap();
    let first = provider
        .exchange_code(
            &http,
            &code,
            authorization.verifier,
            &redirect_uri,
            Utc::now(),
        )
        .await
        .unwrap();
    let sink = Arc::new(RecordingSink::default());
    let session = Arc::new(OAuthSession::new(
        provider,
        http,
        first.clone(),
        sink.clone() as Arc<dyn TokenSink>,
    ));
    Login {
        session,
        sink,
        first,
    }
}

fn connector(bank: &Sparebank1Sandbox, login: &Login) -> Sparebank1 {
    Sparebank1::new(
        Url::parse(&bank.base_url()).unwrap(),
        coffer_login::http::client().unwrap(),
        login.session.clone(),
        today(),
    )
}

/// What a sync does: the account list, then every account's transactions.
async fn fetch_all(
    sb1: &Sparebank1,
    since: Option<NaiveDate>,
) -> (
    Vec<ProviderAccount>,
    HashMap<String, Result<TransactionBatch, ProviderError>>,
) {
    let accounts = sb1.accounts().await.unwrap();
    let mut batches = HashMap::new();
    for a in &accounts {
        batches.insert(
            a.provider_account_id.clone(),
            sb1.transactions(a, since).await,
        );
    }
    (accounts, batches)
}

fn nok(text: &str) -> Money {
    Money::parse(text, Currency::NOK).unwrap()
}

/// (day, øre, booked) of every ledger row of one account, sorted.
fn ledger_rows(bank: &Sparebank1Sandbox, key: &str) -> Vec<(NaiveDate, i64, bool)> {
    let mut rows: Vec<_> = bank
        .ledger()
        .into_iter()
        .filter(|r| r.account_key == key)
        .map(|r| (r.date, nok(&r.amount).minor, r.booked))
        .collect();
    rows.sort_unstable();
    rows
}

fn fetched_rows(batch: &TransactionBatch) -> Vec<(NaiveDate, i64, bool)> {
    let mut rows: Vec<_> = batch
        .transactions
        .iter()
        .map(|t| {
            (
                t.booking_date,
                t.amount.minor,
                t.status == TransactionStatus::Booked,
            )
        })
        .collect();
    rows.sort_unstable();
    rows
}

/// No error text may carry anything the bank issued as a secret.
fn assert_no_secrets(bank: &Sparebank1Sandbox, text: &str) {
    for secret in bank.issued_secrets() {
        assert!(!text.contains(&secret), "a secret leaked into: {text}");
    }
    assert!(
        !text.contains("sandbox-secret"),
        "the client secret leaked into: {text}"
    );
}

struct Profile {
    _dir: tempfile::TempDir,
    store: Mutex<Store>,
    connection: coffer_core::model::Connection,
}

fn profile() -> Profile {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.db")).unwrap();
    let connection = store
        .add_connection(PROVIDER_ID, LABEL, Utc::now())
        .unwrap();
    Profile {
        _dir: dir,
        store: Mutex::new(store),
        connection,
    }
}

async fn sync(profile: &Profile, provider: &dyn Provider) -> SyncSummary {
    sync_connection(
        &profile.store,
        &profile.connection,
        provider,
        Utc::now,
        &mut |_| {},
    )
    .await
    .unwrap()
}

/// Every stored row: (account key, dedup key, status).
fn stored(profile: &Profile) -> Vec<(String, String, TransactionStatus)> {
    let store = profile.store.lock().unwrap();
    let mut out = Vec::new();
    for account in store.accounts().unwrap() {
        for t in store.account_transactions(account.id).unwrap() {
            out.push((account.provider_account_id.clone(), t.dedup_key, t.status));
        }
    }
    out
}

#[tokio::test]
async fn accounts_and_transactions_equal_the_ledger_in_two_calls() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let sb1 = connector(&bank, &login);
    let calls_before = bank.stats().api_calls;
    let (accounts, batches) = fetch_all(&sb1, None).await;
    assert_eq!(
        bank.stats().api_calls - calls_before,
        2,
        "one call for the accounts and one transactions call for all of them"
    );

    let expected = bank.accounts();
    assert_eq!(accounts.len(), expected.len());
    for e in &expected {
        let a = accounts
            .iter()
            .find(|a| a.provider_account_id == e.key)
            .unwrap();
        assert_eq!(a.number.as_deref(), Some(e.account_number.as_str()));
        assert_eq!(a.name, e.name);
        assert_eq!(a.balance, nok(&e.balance), "balance of {}", e.name);
        assert_eq!(a.available, Some(nok(&e.available_balance)));
        let kind = match e.kind.as_str() {
            "CREDITCARD" => AccountKind::CreditCard,
            "BSU" => AccountKind::Savings,
            _ => AccountKind::Current,
        };
        assert_eq!(a.kind, kind, "{}", e.name);
        assert_eq!(a.opening, None);
    }

    for a in &accounts {
        let batch = batches[&a.provider_account_id].as_ref().unwrap();
        assert_eq!(batch.from, today().checked_sub_days(Days::new(365)));
        assert_eq!(batch.through, today());
        assert_eq!(
            fetched_rows(batch),
            ledger_rows(&bank, &a.provider_account_id),
            "rows of {} (Oslo days, amounts to the øre, status)",
            a.name
        );
        let keys: BTreeSet<&str> = batch
            .transactions
            .iter()
            .map(|t| t.dedup_key.as_str())
            .collect();
        assert_eq!(
            keys.len(),
            batch.transactions.len(),
            "dedup keys are unique"
        );
        assert!(batch.transactions.iter().all(|t| t.provider_id.is_some()));
    }

    let current = accounts
        .iter()
        .find(|a| a.kind == AccountKind::Current)
        .unwrap();
    let rows = &batches[&current.provider_account_id]
        .as_ref()
        .unwrap()
        .transactions;
    // The purchase on the day the clocks changed lands on that Oslo day.
    assert!(rows
        .iter()
        .any(|t| t.booking_date == day("2026-03-29") && t.amount == nok("-249.00")));
    // Two identical purchases on one day stay two rows with two keys.
    let twin_day = today().checked_sub_days(Days::new(12)).unwrap();
    let twins: Vec<_> = rows
        .iter()
        .filter(|t| t.booking_date == twin_day && t.amount == nok("-34.90"))
        .collect();
    assert_eq!(twins.len(), 2);
    assert_ne!(twins[0].dedup_key, twins[1].dedup_key);
    assert!(rows.iter().any(|t| t.amount == nok("-59.90")));
    assert!(rows
        .iter()
        .any(|t| t.provider_category.as_deref() == Some("GROCERIES")));
    assert!(rows.iter().any(|t| t.status == TransactionStatus::Pending));
}

#[tokio::test]
async fn keys_survive_a_new_session_of_ids() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let collect = |batches: &HashMap<String, Result<TransactionBatch, ProviderError>>| {
        let mut keys = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (account, batch) in batches {
            for t in &batch.as_ref().unwrap().transactions {
                keys.insert((account.clone(), t.dedup_key.clone()));
                ids.insert(t.provider_id.clone().unwrap());
            }
        }
        (keys, ids)
    };
    let (_, first) = fetch_all(&connector(&bank, &login), None).await;
    bank.rotate_ids();
    let (_, second) = fetch_all(&connector(&bank, &login), None).await;
    let (keys_1, ids_1) = collect(&first);
    let (keys_2, ids_2) = collect(&second);
    assert!(ids_1.is_disjoint(&ids_2), "the sandbox did change every id");
    assert_eq!(keys_1, keys_2, "the dedup keys did not change with the ids");

    // Through the sync engine: the re-fetch neither adds nor expires anything.
    let profile = profile();
    bank.rotate_ids();
    let s1 = sync(&profile, &connector(&bank, &login)).await;
    assert!(s1.errors.is_empty(), "{:?}", s1.errors);
    bank.rotate_ids();
    let s2 = sync(&profile, &connector(&bank, &login)).await;
    assert!(s2.errors.is_empty(), "{:?}", s2.errors);
    assert_eq!((s2.inserted, s2.expired), (0, 0));
}

#[tokio::test]
async fn booked_pending_rows_replace_their_pending_keys_once() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let profile = profile();
    let pending = bank.ledger().iter().filter(|r| !r.booked).count();
    assert!(pending >= 3, "the sandbox seeds pending rows");

    let first = sync(&profile, &connector(&bank, &login)).await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let before = stored(&profile);
    let pending_keys: BTreeSet<String> = before
        .iter()
        .filter(|(_, _, s)| *s == TransactionStatus::Pending)
        .map(|(_, k, _)| k.clone())
        .collect();
    assert_eq!(pending_keys.len(), pending);
    assert!(pending_keys.iter().all(|k| k.starts_with("p|")));

    bank.book_pending();
    let second = sync(&profile, &connector(&bank, &login)).await;
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    assert_eq!(
        second.expired as usize, pending,
        "every pending key expired"
    );
    assert_eq!(
        second.inserted as usize, pending,
        "one booked row per purchase"
    );

    let after = stored(&profile);
    assert_eq!(
        after.len(),
        bank.ledger().len(),
        "no purchase counted twice"
    );
    assert!(after
        .iter()
        .all(|(_, _, s)| *s == TransactionStatus::Booked));
    assert!(after.iter().all(|(_, k, _)| !pending_keys.contains(k)));
    for account in bank.accounts() {
        let stored_count = after.iter().filter(|(a, _, _)| *a == account.key).count();
        let ledger_count = bank
            .ledger()
            .iter()
            .filter(|r| r.account_key == account.key)
            .count();
        assert_eq!(stored_count, ledger_count, "{}", account.name);
    }
}

#[tokio::test]
async fn rate_limits_are_waited_out_then_reported() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let sb1 = connector(&bank, &login);
    bank.inject(Sparebank1Fault::RateLimit {
        requests: 2,
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let accounts = sb1.accounts().await.unwrap();
    assert_eq!(accounts.len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "both Retry-After waits were honoured"
    );
    assert_eq!(bank.stats().rate_limited, 2);

    bank.inject(Sparebank1Fault::RateLimit {
        requests: 4,
        retry_after_secs: 1,
    });
    match sb1.accounts().await {
        Err(ProviderError::RateLimited {
            retry_after_secs, ..
        }) => assert_eq!(retry_after_secs, 1),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(bank.stats().rate_limited, 6, "three retries, then gave up");
}

#[tokio::test]
async fn server_errors_are_retried_a_few_times() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let sb1 = connector(&bank, &login);
    bank.inject(Sparebank1Fault::ServerError { requests: 2 });
    assert_eq!(sb1.accounts().await.unwrap().len(), 3);

    bank.inject(Sparebank1Fault::ServerError { requests: 4 });
    let calls = bank.stats().api_calls;
    let err = sb1.accounts().await.unwrap_err();
    assert_eq!(
        bank.stats().api_calls - calls,
        4,
        "one try and three retries"
    );
    match &err {
        ProviderError::Http {
            status, message, ..
        } => {
            assert_eq!(*status, 500);
            assert!(message.contains("INTERNAL_SERVER_ERROR"), "{message}");
            assert!(message.contains("/personal/banking/accounts"), "{message}");
        }
        other => panic!("expected Http, got {other:?}"),
    }
    assert_no_secrets(&bank, &err.to_string());
    assert_eq!(sb1.accounts().await.unwrap().len(), 3, "the burst is over");
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_mid_sync() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let sb1 = connector(&bank, &login);
    let accounts = sb1.accounts().await.unwrap();
    bank.inject(Sparebank1Fault::ExpireAccessTokens);
    for a in &accounts {
        sb1.transactions(a, None).await.unwrap();
    }
    assert_eq!(login.session.refreshes(), 1);
    assert_eq!(bank.stats().refreshes, 1);
    let saved = login.sink.saved.lock().unwrap();
    assert_eq!(saved.len(), 1, "the rotated pair was saved before use");
    let rotated = saved[0].refresh_token.as_ref().unwrap().expose_secret();
    let original = login.first.refresh_token.as_ref().unwrap().expose_secret();
    assert_ne!(rotated, original, "the sink got the new refresh token");
}

#[tokio::test]
async fn a_revoked_login_needs_a_new_bankid_login() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    bank.inject(Sparebank1Fault::RevokeRefreshTokens);
    bank.inject(Sparebank1Fault::ExpireAccessTokens);
    let err = connector(&bank, &login).accounts().await.unwrap_err();
    match &err {
        ProviderError::Reauth { reason, .. } => {
            assert!(reason.contains("invalid_grant"), "{reason}")
        }
        other => panic!("expected Reauth, got {other:?}"),
    }
    assert_no_secrets(&bank, &err.to_string());

    let profile = profile();
    let summary = sync(&profile, &connector(&bank, &login)).await;
    assert_eq!(summary.errors.len(), 1, "{:?}", summary.errors);
    let status = profile
        .store
        .lock()
        .unwrap()
        .connection(profile.connection.id)
        .unwrap()
        .status;
    assert_eq!(status, ConnectionStatus::NeedsReauth);
}

#[tokio::test]
async fn malformed_answers_are_refused_precisely() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let label = |a: &ProviderAccount| a.number.clone().unwrap();

    // A truncated body: every account fails, and the body is fetched once, not per account.
    let sb1 = connector(&bank, &login);
    let accounts = sb1.accounts().await.unwrap();
    bank.inject(Sparebank1Fault::MalformedJson { requests: 1 });
    let calls = bank.stats().api_calls;
    for a in &accounts {
        let err = sb1.transactions(a, None).await.unwrap_err();
        assert!(
            matches!(err, ProviderError::Malformed { .. })
                && err
                    .to_string()
                    .contains("the transactions answer cannot be read: it ends in the middle"),
            "{err}"
        );
    }
    assert_eq!(bank.stats().api_calls - calls, 1);

    // A row without `amount`: only its account fails, and the message says which row.
    let sb1 = connector(&bank, &login);
    let accounts = sb1.accounts().await.unwrap();
    bank.inject(Sparebank1Fault::MissingField {
        field: "amount".into(),
        requests: 1,
    });
    let mut failed = Vec::new();
    for a in &accounts {
        if let Err(e) = sb1.transactions(a, None).await {
            failed.push((label(a), e));
        }
    }
    assert_eq!(failed.len(), 1, "{failed:?}");
    let (number, err) = &failed[0];
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "sparebank1 sent a response Coffer cannot read: transaction 1 of account {number} \
             has no `amount`"
        )
    );

    // A binary-float tail on an amount: refused, never rounded.
    let sb1 = connector(&bank, &login);
    let accounts = sb1.accounts().await.unwrap();
    bank.inject(Sparebank1Fault::FloatAmount { requests: 1 });
    let mut failed = Vec::new();
    for a in &accounts {
        if let Err(e) = sb1.transactions(a, None).await {
            failed.push((label(a), e));
        }
    }
    assert_eq!(failed.len(), 1, "{failed:?}");
    let (number, err) = &failed[0];
    let text = err.to_string();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
    assert!(
        text.contains(&format!(
            "the `amount` of transaction 1 of account {number} is -"
        )) && text.ends_with("0000000000006, which has more decimals than NOK allows (2)"),
        "{text}"
    );
    assert_no_secrets(&bank, &text);
}

#[tokio::test]
async fn a_partial_answer_is_not_taken_as_complete() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let profile = profile();
    let first = sync(&profile, &connector(&bank, &login)).await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let before = stored(&profile);

    bank.inject(Sparebank1Fault::PartialFailure {
        error: "RECENT_TRANSACTIONS_FAILED".into(),
        requests: 1,
    });
    let second = sync(&profile, &connector(&bank, &login)).await;
    assert_eq!(second.errors.len(), 3, "{:?}", second.errors);
    assert!(second
        .errors
        .iter()
        .all(|e| e.contains("RECENT_TRANSACTIONS_FAILED")));
    assert_eq!(
        second.expired, 0,
        "pending rows were not expired by a partial answer"
    );
    assert_eq!(stored(&profile), before);
}

#[tokio::test]
async fn later_accounts_are_served_from_the_first_fetch() {
    let bank = bank().await;
    let login = log_in(&bank).await;
    let sb1 = connector(&bank, &login);
    let accounts = sb1.accounts().await.unwrap();
    let since = |days: u64| today().checked_sub_days(Days::new(days));
    let calls = bank.stats().api_calls;
    let a = sb1.transactions(&accounts[0], since(5)).await.unwrap();
    assert_eq!(bank.stats().api_calls - calls, 1);
    assert!(a
        .transactions
        .iter()
        .all(|t| Some(t.booking_date) >= since(5)));
    assert_eq!(a.from, since(5));

    // An earlier day than fetched so far costs one more call, which then serves the rest.
    let b = sb1.transactions(&accounts[1], since(30)).await.unwrap();
    assert_eq!(bank.stats().api_calls - calls, 2);
    assert_eq!(b.from, since(30));
    let c = sb1.transactions(&accounts[2], since(10)).await.unwrap();
    assert_eq!(bank.stats().api_calls - calls, 2);
    assert_eq!(c.from, since(10));
    let expected: Vec<_> = ledger_rows(&bank, &accounts[2].provider_account_id)
        .into_iter()
        .filter(|r| Some(r.0) >= since(10))
        .collect();
    assert_eq!(fetched_rows(&c), expected);
}
