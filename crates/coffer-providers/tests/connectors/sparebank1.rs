//! SpareBank 1 against `coffer_sandbox::sparebank1`, logged in through the real OAuth flow: a
//! multi-year history behind a row cap without paging, an hourly call budget, partial failures
//! inside a 200, ids and enrichment that change between sessions, pending rows that book with
//! another amount or vanish. The oracle is the sandbox's own ledger.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use coffer_core::model::ConnectionStatus;
use coffer_core::store::Store;
use coffer_core::sync::{sync_connection, SyncSummary};
use coffer_login::callback::Verdict;
use coffer_login::{Callback, CallbackResult, LoginError, OAuthSession, TokenSet, TokenSink};
use coffer_providers::sparebank1::{
    oauth_provider, Sparebank1, Sparebank1Config, Sparebank1Options, DEFAULT_REDIRECT_PORT, LABEL,
    PROVIDER_ID,
};
use coffer_sandbox::sparebank1 as sandbox;
use coffer_sandbox::sparebank1::{Sparebank1Fault, Sparebank1PartialError, Sparebank1Sandbox};
use coffer_sandbox::SandboxClock;
use secrecy::SecretString;
use url::Url;

use crate::{difference, oracle, start, stored, stored_from, Memory};

#[derive(Default)]
struct RecordingSink {
    saved: Mutex<Vec<TokenSet>>,
}

#[async_trait::async_trait]
impl TokenSink for RecordingSink {
    fn save(&self, tokens: &TokenSet) -> Result<(), LoginError> {
        self.saved.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

/// A bank, a logged-in session and a profile, all on one clock.
struct Bench {
    bank: Sparebank1Sandbox,
    clock: SandboxClock,
    session: Arc<OAuthSession>,
    sink: Arc<RecordingSink>,
    memory: Arc<Memory>,
    _dir: tempfile::TempDir,
    store: Mutex<Store>,
    connection: coffer_core::model::Connection,
    calls_per_hour: u32,
}

async fn bench_with(config: sandbox::Sparebank1Config, calls_per_hour: u32) -> Bench {
    let clock = config.clock.clone();
    let bank = Sparebank1Sandbox::start(config, 0).await.unwrap();
    let settings = Sparebank1Config {
        client_id: "sandbox-client".into(),
        fin_inst: Some("fid-ostlandet".into()),
        redirect_port: DEFAULT_REDIRECT_PORT,
    };
    let provider = oauth_provider(
        &Url::parse(&bank.base_url()).unwrap(),
        &settings,
        SecretString::from("sandbox-secret".to_string()),
    )
    .unwrap();
    let redirect_uri = settings.redirect_uri();
    let authorization = provider
        .authorize(&redirect_uri, vec!["/callback/sparebank1".to_string()])
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
            clock.now(),
        )
        .await
        .unwrap();
    let sink = Arc::new(RecordingSink::default());
    let session_clock = clock.clone();
    let session = Arc::new(OAuthSession::with_clock(
        provider,
        http,
        first,
        sink.clone() as Arc<dyn TokenSink>,
        Arc::new(move || session_clock.now()),
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.db")).unwrap();
    let connection = store
        .add_connection(PROVIDER_ID, LABEL, clock.now())
        .unwrap();
    Bench {
        bank,
        clock,
        session,
        sink,
        memory: Arc::new(Memory::default()),
        _dir: dir,
        store: Mutex::new(store),
        connection,
        calls_per_hour,
    }
}

fn config() -> sandbox::Sparebank1Config {
    sandbox::Sparebank1Config {
        clock: SandboxClock::fixed(start()),
        ..sandbox::Sparebank1Config::default()
    }
}

async fn bench() -> Bench {
    bench_with(config(), 60).await
}

impl Bench {
    fn connector(&self) -> Sparebank1 {
        Sparebank1::new(
            Url::parse(&self.bank.base_url()).unwrap(),
            coffer_login::http::client().unwrap(),
            self.session.clone(),
            self.clock.now(),
            Sparebank1Options {
                calls_per_hour: self.calls_per_hour,
                max_lookback_days: 0,
                memory: self.memory.clone(),
                client_id: "sandbox-client".into(),
            },
        )
    }

    /// One sync through the engine; returns the summary and the API calls it spent.
    async fn sync(&self) -> (SyncSummary, u64) {
        let before = self.bank.stats().api_calls;
        let provider = self.connector();
        let now = self.clock.now();
        let summary = sync_connection(
            &self.store,
            &self.connection,
            &provider,
            move || now,
            &mut |_| {},
        )
        .await
        .unwrap();
        (summary, self.bank.stats().api_calls - before)
    }

    /// Coffer's rows equal the bank's, row for row, over the days the bank still serves.
    fn assert_exact(&self) {
        let from = self.bank.earliest_date();
        let want = oracle(self.bank.oracle_ledger(), from);
        let got = stored_from(stored(&self.store), from);
        assert!(
            got == want,
            "Coffer and the bank disagree:\n{}",
            difference(&got, &want)
        );
    }

    /// Time passes for the bank and for Coffer alike; the bank lives `days` more days.
    fn advance(&self, days: u32) {
        self.bank.advance(days);
    }

    fn history_complete(&self) -> bool {
        let store = self.store.lock().unwrap();
        store.accounts().unwrap().iter().all(|a| {
            store
                .account_state(self.connection.id, &a.provider_account_id)
                .unwrap()
                .is_some_and(|s| s.history_before.is_none() && s.synced_through.is_some())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_sync_takes_years_of_history_past_the_row_cap_and_later_syncs_stay_small() {
    let b = bench().await;
    let total_rows = b.bank.oracle_ledger().len();
    assert!(
        total_rows > 1000,
        "the sandbox must hold more rows than one answer may carry ({total_rows})"
    );
    let (first, first_calls) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert!(first.notes.is_empty(), "{:?}", first.notes);
    assert!(b.history_complete());
    b.assert_exact();
    assert!(
        first_calls <= 60,
        "the first sync spends {first_calls} calls of the bank's hourly budget"
    );
    println!(
        "first sync: {total_rows} rows, {} accounts, {first_calls} API calls",
        first.accounts
    );

    // Days pass: new rows, pending rows that book (some with another amount), a cancelled
    // one, rows that arrive late dated in days already synced; a new session changes ids.
    b.advance(3);
    let (second, second_calls) = b.sync().await;
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    b.assert_exact();
    assert!(
        second_calls <= 3,
        "a later sync spends {second_calls} calls"
    );
    println!("later sync: {second_calls} API calls");

    // Once more after the bank's merchant enrichment has rewritten the cleaned texts.
    b.advance(5);
    let (third, _) = b.sync().await;
    assert!(third.errors.is_empty(), "{:?}", third.errors);
    b.assert_exact();
    // And syncing unchanged data changes nothing.
    let (again, _) = b.sync().await;
    assert_eq!((again.inserted, again.updated, again.expired), (0, 0, 0));
}

/// The case the history issue was measured on: about 400 days (13 months) of three accounts,
/// more rows than one answer carries. Every row once; the call counts are printed for the
/// README.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_day_history_comes_in_whole_within_the_hourly_budget() {
    let b = bench_with(
        sandbox::Sparebank1Config {
            lookback_months: 13,
            ..config()
        },
        60,
    )
    .await;
    let rows = b.bank.oracle_ledger().len();
    let (first, first_calls) = b.sync().await;
    assert!(
        first.errors.is_empty() && first.notes.is_empty(),
        "{first:?}"
    );
    assert!(b.history_complete());
    b.assert_exact();
    b.advance(1);
    let (later, later_calls) = b.sync().await;
    assert!(later.errors.is_empty(), "{:?}", later.errors);
    b.assert_exact();
    assert!(first_calls <= 60 && later_calls <= 3);
    println!(
        "400-day history: {rows} rows, {} accounts; first sync {first_calls} API calls, a day later {later_calls}",
        first.accounts
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_call_budget_pauses_the_first_sync_and_the_next_syncs_resume_it() {
    // A budget so small the history cannot come in one go.
    let b = bench_with(config(), 6).await;
    let (first, _) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert!(
        first.notes.iter().any(|n| n.contains("next sync")),
        "the user is told the history continues: {:?}",
        first.notes
    );
    assert!(!b.history_complete());
    // Within the hour nothing more may be spent; an hour later the walk goes on.
    let mut rounds = 0;
    while !b.history_complete() {
        rounds += 1;
        assert!(rounds < 30, "the backfill never finished");
        b.clock.advance(Duration::minutes(61));
        let (summary, calls) = b.sync().await;
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
        assert!(calls <= 6, "{calls} calls in one hour");
    }
    b.assert_exact();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_failure_once_is_asked_again_and_the_sync_succeeds() {
    let b = bench().await;
    b.sync().await;
    b.advance(2);
    b.bank.inject(Sparebank1Fault::PartialFailure {
        error: Sparebank1PartialError::RecentTransactionsFailed,
        requests: 1,
    });
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    b.assert_exact();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_failure_on_every_retry_reports_the_card_and_keeps_everything_else() {
    let b = bench().await;
    b.sync().await;
    let card = b
        .bank
        .oracle_accounts()
        .into_iter()
        .find(|a| a.name.to_lowercase().contains("kort") || a.account.contains('K'))
        .map(|a| a.account);
    let before = stored(&b.store);
    b.advance(2);
    b.bank.inject(Sparebank1Fault::PartialFailure {
        error: Sparebank1PartialError::CreditAccountsFailed,
        requests: 1000,
    });
    let (summary, _) = b.sync().await;
    assert!(!summary.errors.is_empty(), "the card must be reported");
    let after = stored(&b.store);
    let want = oracle(b.bank.oracle_ledger(), b.bank.earliest_date());
    for (account, rows) in &after {
        if Some(account) == card.as_ref() {
            assert_eq!(
                Some(rows),
                before.get(account),
                "nothing stored for the card changes"
            );
        } else {
            let rows_from: Vec<_> = rows
                .iter()
                .filter(|r| r.0 >= b.bank.earliest_date())
                .cloned()
                .collect();
            assert_eq!(Some(&rows_from), want.get(account), "{account} is complete");
        }
    }
    // The bank recovers: the next sync catches the card up.
    b.bank.clear_faults();
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    b.assert_exact();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_once_and_a_revoked_login_needs_a_new_one() {
    let b = bench().await;
    b.sync().await;
    b.bank.inject(Sparebank1Fault::ExpireAccessTokens);
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    assert_eq!(b.session.refreshes(), 1);
    assert_eq!(
        b.sink.saved.lock().unwrap().len(),
        1,
        "the rotated pair is saved"
    );

    b.bank.inject(Sparebank1Fault::ExpireAccessTokens);
    b.bank.inject(Sparebank1Fault::RevokeRefreshTokens);
    let rows_before = stored(&b.store);
    let (summary, _) = b.sync().await;
    assert!(
        summary.errors.iter().any(|e| e.contains("log in")),
        "{:?}",
        summary.errors
    );
    let status = b
        .store
        .lock()
        .unwrap()
        .connection(b.connection.id)
        .unwrap()
        .status;
    assert_eq!(status, ConnectionStatus::NeedsReauth);
    assert_eq!(stored(&b.store), rows_before, "nothing stored changes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_float_tail_or_a_broken_body_fails_precisely_and_changes_nothing() {
    let b = bench().await;
    b.sync().await;
    let before = stored(&b.store);
    b.bank.inject(Sparebank1Fault::FloatAmount { requests: 1 });
    let (summary, _) = b.sync().await;
    assert!(
        summary.errors.iter().any(|e| e.contains("more decimals")),
        "{:?}",
        summary.errors
    );
    b.bank
        .inject(Sparebank1Fault::MalformedJson { requests: 10 });
    let (summary, _) = b.sync().await;
    assert!(
        summary.errors.iter().any(|e| e.contains("cannot be read")),
        "{:?}",
        summary.errors
    );
    assert_eq!(
        stored(&b.store),
        before,
        "a failed sync changes nothing stored"
    );
    b.advance(1);
    b.bank.clear_faults();
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    b.assert_exact();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_short_rate_limits_are_ridden_out() {
    let b = bench().await;
    b.sync().await;
    b.advance(1);
    b.bank.inject(Sparebank1Fault::ServerError { requests: 2 });
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    b.bank.inject(Sparebank1Fault::RateLimit {
        requests: 1,
        retry_after_secs: 0,
    });
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    b.assert_exact();
    // A long Retry-After is not sat out: the sync says so and stores nothing wrong.
    b.bank.inject(Sparebank1Fault::RateLimit {
        requests: 100,
        retry_after_secs: 1800,
    });
    let (summary, _) = b.sync().await;
    assert!(!summary.errors.is_empty());
    b.bank.clear_faults();
    b.clock.advance(Duration::minutes(31));
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    b.assert_exact();
}
