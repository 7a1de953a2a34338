//! Fibank against `coffer_sandbox::fibank`, logged in through the real login dance (cookies,
//! CSRF, the certificate lookup, the form post, the token from a redirect's fragment): two years
//! of history behind the bank's 31-day statement limit, sporadic 500 pages, rows booked late
//! into synced days, identical twins, dying tokens, wrong passwords and a lock-out Coffer must
//! never cause. The oracle is the sandbox's own ledger.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use coffer_core::model::{Connection, ConnectionStatus};
use coffer_core::store::Store;
use coffer_core::sync::{sync_connection, Need, Provider, SyncSummary};
use coffer_login::{BankMemory, Endpoints, LoginInput, LoginPlan, Renewing};
use coffer_providers::bank::Bank;
use coffer_providers::fibank::{
    Fibank, FibankCredentials, FibankOptions, FIBANK, LABEL, PROVIDER_ID,
};
use coffer_sandbox::fibank::{FibankConfig, FibankFault, FibankSandbox};
use coffer_sandbox::SandboxClock;
use secrecy::SecretString;
use url::Url;

use crate::{difference, oracle, start, stored, Memory};

/// A bank and a profile on one clock.
struct Bench {
    bank: FibankSandbox,
    clock: SandboxClock,
    memory: Arc<Memory>,
    _dir: tempfile::TempDir,
    store: Mutex<Store>,
    connection: Connection,
    /// What the user typed when connecting (kept in the vault in the app).
    password: Mutex<String>,
    /// The setting `fibank.max_lookback_days`.
    lookback: u32,
}

async fn bench() -> Bench {
    let clock = SandboxClock::fixed(start());
    let config = FibankConfig {
        clock: clock.clone(),
        ..FibankConfig::default()
    };
    let bank = FibankSandbox::start(config, 0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.db")).unwrap();
    let connection = store
        .add_connection(PROVIDER_ID, LABEL, clock.now())
        .unwrap();
    let (_, password) = bank.credentials();
    Bench {
        bank,
        clock,
        memory: Arc::new(Memory::default()),
        _dir: dir,
        store: Mutex::new(store),
        connection,
        password: Mutex::new(password),
        lookback: 0,
    }
}

impl Bench {
    fn credentials(&self) -> FibankCredentials {
        FibankCredentials {
            username: self.bank.credentials().0,
            password: SecretString::from(self.password.lock().unwrap().clone()),
        }
    }

    fn connector(&self) -> Fibank {
        Fibank::new(
            Url::parse(&self.bank.base_url()).unwrap(),
            coffer_login::http::client().unwrap(),
            self.credentials(),
            self.clock.now(),
            FibankOptions {
                max_lookback_days: self.lookback,
                memory: Some(self.memory.clone() as Arc<dyn BankMemory>),
                connection: Some(self.connection.id),
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

    /// Coffer's rows equal the bank's, row for row, over the whole history.
    fn assert_exact(&self) {
        let want = oracle(self.bank.oracle_ledger(), chrono::NaiveDate::MIN);
        let got: BTreeMap<_, _> = stored(&self.store)
            .into_iter()
            .filter(|(_, rows)| !rows.is_empty())
            .collect();
        assert!(
            got == want,
            "Coffer and the bank disagree:\n{}",
            difference(&got, &want)
        );
    }

    fn status(&self) -> ConnectionStatus {
        self.store
            .lock()
            .unwrap()
            .connection(self.connection.id)
            .unwrap()
            .status
    }

    /// The user logs in again in Coffer (the connect form's check), with `password`.
    async fn log_in_again(&self, password: &str) -> Result<(), String> {
        *self.password.lock().unwrap() = password.to_string();
        let LoginPlan::Credentials(login) = FIBANK.login() else {
            panic!("Fibank logs in with credentials");
        };
        let mut secrets = coffer_login::Secrets::default();
        secrets.insert("username", SecretString::from(self.bank.credentials().0));
        secrets.insert("password", SecretString::from(password.to_string()));
        let mut urls = std::collections::BTreeMap::new();
        urls.insert(
            "base_url".to_string(),
            Url::parse(&self.bank.base_url()).unwrap(),
        );
        let input = LoginInput {
            provider: PROVIDER_ID,
            form: Default::default(),
            secrets: secrets.clone(),
            renewing: Some(Renewing {
                connection: self.connection.id,
                label: LABEL.into(),
                config: serde_json::json!({}),
                secrets,
            }),
            endpoints: Endpoints::new(urls),
            http: coffer_login::http::client().unwrap(),
            memory: self.memory.clone(),
            now: self.clock.now(),
        };
        login
            .verify(&input)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Every statement request stayed within 31 Sofia days and sent its offsets encoded.
fn assert_windows_within_the_limit(bank: &FibankSandbox) {
    let statements: Vec<_> = bank
        .requests()
        .into_iter()
        .filter(|r| r.target.contains("GetCustBal") && r.target.contains("Iban="))
        .collect();
    assert!(!statements.is_empty());
    for r in &statements {
        let query = r.target.split_once('?').unwrap().1;
        let param = |name: &str| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap()
        };
        assert!(r.target.contains("%2B0"), "offsets encoded: {}", r.target);
        let from = chrono::DateTime::parse_from_str(&param("FromDate"), "%Y-%m-%dT%H:%M:%S%z")
            .unwrap()
            .date_naive();
        let to = chrono::DateTime::parse_from_str(&param("ToDate"), "%Y-%m-%dT%H:%M:%S%z")
            .unwrap()
            .date_naive();
        assert!((to - from).num_days() < 31, "{}", r.target);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_sync_takes_the_whole_history_in_31_day_windows_despite_the_faults() {
    let b = bench().await;
    // Everything that may go wrong on a good day, queued up front.
    b.bank.inject(FibankFault::ServerError { requests: 2 });
    b.bank.inject(FibankFault::StatementError { requests: 2 });
    b.bank.inject(FibankFault::MalformedJson { requests: 1 });
    b.bank.inject(FibankFault::AmountMismatch { requests: 1 });
    let total_rows = b.bank.oracle_ledger().len();

    let (first, first_calls) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    b.assert_exact();
    assert_eq!(first.inserted as usize, total_rows);
    assert!(b.bank.faults().is_empty(), "{:?}", b.bank.faults());
    assert!(first.notes.is_empty(), "{:?}", first.notes);
    assert_windows_within_the_limit(&b.bank);
    // Balances are the bank's.
    {
        let store = b.store.lock().unwrap();
        let accounts = store.accounts().unwrap();
        for want in b.bank.oracle_accounts() {
            let got = accounts
                .iter()
                .find(|a| a.provider_account_id == want.account)
                .unwrap_or_else(|| panic!("account {} missing", want.account));
            assert_eq!(got.balance.amount_text(), want.balance, "{}", want.account);
        }
    }
    // The identical twins (two metro tickets each 14th) are both there.
    let twins = b
        .bank
        .entries()
        .iter()
        .filter(|e| e.date_time.contains("-14T"))
        .fold(
            BTreeMap::<(String, String, String), u32>::new(),
            |mut m, e| {
                *m.entry((e.date_time.clone(), e.amount.clone(), e.reference.clone()))
                    .or_default() += 1;
                m
            },
        )
        .into_values()
        .filter(|n| *n > 1)
        .count();
    assert!(twins > 0, "the sandbox books identical twins");
    let stats = b.bank.stats();
    assert_eq!(stats.tokens_issued, 1, "one login for the whole sync");
    // ~26 windows of history per account plus a quiet year, not a fixed number of years.
    assert!(
        first_calls <= 130,
        "the first sync spends {first_calls} calls"
    );
    println!(
        "first sync: {total_rows} rows, {} accounts, {first_calls} API calls, {} login(s)",
        first.accounts, stats.tokens_issued
    );

    // Days pass: new rows, and card purchases booked late into days already synced.
    let report = b.bank.advance(3);
    assert!(report.late_rows > 0 && report.new_rows > 0);
    b.clock.set(report.now);
    // A statement whose running balance does not add up is reported, its rows still stored.
    // (The sandbox spoils a row's acBal only; a row whose amount disagrees fails instead.)
    b.bank
        .inject(FibankFault::BrokenRunningBalance { requests: 1 });
    let (second, second_calls) = b.sync().await;
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    assert!(
        second.notes.iter().any(|n| n.contains("does not add up")),
        "{:?}",
        second.notes
    );
    b.assert_exact();
    assert_eq!(
        second.inserted as usize,
        report.new_rows + report.late_rows,
        "only the new and late rows are new"
    );
    assert!(
        second_calls <= 8,
        "a later sync spends {second_calls} calls"
    );
    println!("later sync: {second_calls} API calls");

    // Syncing unchanged data changes nothing.
    let (again, _) = b.sync().await;
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!((again.inserted, again.updated), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_dies_mid_sync_is_replaced_by_one_silent_login_without_duplicates() {
    let b = bench().await;
    let fibank = b.connector();
    let accounts = fibank.accounts().await.unwrap();
    b.bank.inject(FibankFault::ExpireTokens);
    let mut keys = Vec::new();
    for a in &accounts {
        let batch = fibank.transactions(a, &Need::FIRST).await.unwrap();
        keys.extend(batch.transactions.into_iter().map(|t| t.dedup_key));
    }
    assert_eq!(fibank.logins(), 2, "one login, one silent re-login");
    assert_eq!(b.bank.stats().tokens_issued, 2);
    let count = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), count, "no entry twice");
    assert_eq!(count, b.bank.oracle_ledger().len());

    // Through the engine: the token dies between two syncs, the second logs in anew.
    let (first, _) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    b.bank.inject(FibankFault::ExpireTokens);
    let (second, _) = b.sync().await;
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    assert_eq!((second.inserted, second.updated), (0, 0));
    b.assert_exact();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_password_is_tried_once_and_never_again_until_the_user_logs_in() {
    let b = bench().await;
    let (first, _) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let before = stored(&b.store);

    // The user changed the password at the bank; Coffer still has the old one.
    b.bank.set_password("Plovdiv-2025?").unwrap();
    let (refused, _) = b.sync().await;
    let message = refused.errors.join("\n");
    assert!(
        message.contains("refused the username or password"),
        "{message}"
    );
    assert!(message.contains("Невалидно потребителско име"), "{message}");
    assert_eq!(b.status(), ConnectionStatus::NeedsReauth);
    let attempts = b.bank.stats().login_attempts;

    // Background syncs keep coming: none of them tries the refused password.
    for _ in 0..4 {
        let (again, _) = b.sync().await;
        assert!(
            again.errors.join(" ").contains("does not try it again"),
            "{:?}",
            again.errors
        );
    }
    assert_eq!(b.bank.stats().login_attempts, attempts);
    assert_eq!(b.bank.user().failed_attempts, 1);
    assert!(!b.bank.user().locked, "Coffer must never lock the user");
    assert_eq!(stored(&b.store), before, "nothing stored changed");

    // A wrong password typed at "Log in again" is refused with the bank's words.
    let err = b.log_in_again("wrong").await.unwrap_err();
    assert!(err.contains("refused the username or password"), "{err}");
    assert!(
        !err.contains("wrong"),
        "the password is not in the error: {err}"
    );
    // The right one lets syncs log in again.
    b.log_in_again("Plovdiv-2025?").await.unwrap();
    let (after, _) = b.sync().await;
    assert!(after.errors.is_empty(), "{:?}", after.errors);
    b.assert_exact();
    assert!(!b.bank.user().locked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_user_is_reported_plainly_and_not_tried_again() {
    let b = bench().await;
    b.bank.lock_user();
    let (summary, _) = b.sync().await;
    let message = summary.errors.join("\n");
    assert!(message.contains("blocked"), "{message}");
    assert_eq!(b.status(), ConnectionStatus::NeedsReauth);
    let attempts = b.bank.stats().login_attempts;
    let (again, _) = b.sync().await;
    assert!(!again.errors.is_empty());
    assert_eq!(b.bank.stats().login_attempts, attempts, "no retry");
    assert!(stored(&b.store).values().all(Vec::is_empty));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_login_pages_and_unreadable_answers_give_precise_errors_and_change_nothing() {
    let b = bench().await;
    let (first, _) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let before = stored(&b.store);

    let cases: [(FibankFault, &str); 3] = [
        (
            FibankFault::LoginPageWithoutCsrf { requests: 1 },
            "no CSRF token",
        ),
        (
            FibankFault::RedirectWithoutToken { requests: 1 },
            "no access token in its fragment",
        ),
        (
            FibankFault::MalformedJson { requests: 50 },
            "cannot be read",
        ),
    ];
    for (fault, words) in cases {
        b.bank.clear_faults();
        b.bank.inject(fault.clone());
        let (summary, _) = b.sync().await;
        let message = summary.errors.join("\n");
        assert!(message.contains(words), "{fault:?}: {message}");
        assert_eq!(stored(&b.store), before, "{fault:?} changed stored rows");
        // No secret in any message.
        let (_, password) = b.bank.credentials();
        assert!(!message.contains(&password));
        for token in b.bank.issued_tokens() {
            assert!(!message.contains(&token), "a token leaked: {message}");
        }
    }
    b.bank.clear_faults();
    // A broken login is the bank's problem, not a wrong password: nothing is remembered.
    let (ok, _) = b.sync().await;
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);
    assert!(!b.bank.user().locked);
    assert_eq!(b.bank.user().failed_attempts, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_goes_only_into_the_login_form() {
    let b = bench().await;
    let (first, calls) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    println!(
        "first sync without faults: {} rows, {calls} API calls, {} requests in all",
        first.inserted,
        b.bank.requests().len()
    );
    let (_, password) = b.bank.credentials();
    let encoded: String = url::form_urlencoded::byte_serialize(password.as_bytes()).collect();
    for r in b.bank.requests() {
        let in_target = r.target.contains(&password) || r.target.contains(&encoded);
        let in_headers = r
            .headers
            .iter()
            .any(|(_, v)| v.contains(&password) || v.contains(&encoded));
        assert!(!in_target && !in_headers, "{} {}", r.method, r.target);
        let in_body = r.body.contains(&encoded) || r.body.contains(&password);
        assert_eq!(
            in_body,
            r.method == "POST" && r.target.starts_with("/oauth2-server/login"),
            "{} {}",
            r.method,
            r.target
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_whose_statements_keep_failing_is_named_while_the_others_sync() {
    let b = bench().await;
    // Four 500 pages in a row: the first statement's call and all its retries.
    b.bank.inject(FibankFault::StatementError { requests: 4 });
    let (first, _) = b.sync().await;
    assert_eq!(first.errors.len(), 1, "{:?}", first.errors);
    let error = &first.errors[0];
    assert!(error.contains("HTTP 500"), "{error}");
    // Exactly one account has nothing (not half its history); the others are exact.
    let got = stored(&b.store);
    let want = oracle(b.bank.oracle_ledger(), chrono::NaiveDate::MIN);
    let mut failed = Vec::new();
    for (iban, rows) in &want {
        match got.get(iban).filter(|r| !r.is_empty()) {
            Some(have) => assert_eq!(have, rows, "{iban}"),
            None => failed.push(iban.clone()),
        }
    }
    assert_eq!(failed.len(), 1, "{failed:?}");
    let name = b
        .bank
        .accounts()
        .into_iter()
        .find(|a| a.iban == failed[0])
        .unwrap()
        .name;
    assert!(error.starts_with(&format!("{name}: ")), "{error}");
    // The next sync fetches the failed account's history; the others are not doubled.
    let (second, _) = b.sync().await;
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    b.assert_exact();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookback_limit_stops_the_walk_back_at_the_chosen_day() {
    let b = Bench {
        lookback: 90,
        ..bench().await
    };
    let (first, calls) = b.sync().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let from = b.clock.now().date_naive() - chrono::Duration::days(90);
    let got = stored(&b.store);
    let want = oracle(b.bank.oracle_ledger(), from);
    assert!(got.values().flatten().all(|r| r.0 >= from));
    let got: BTreeMap<_, _> = got.into_iter().filter(|(_, r)| !r.is_empty()).collect();
    assert!(got == want, "{}", difference(&got, &want));
    // Three statement accounts, three windows each, plus the card account and the login.
    assert!(calls <= 14, "{calls} calls");
}

/// Fibank says "between own accounts" only in `trname`, and names the other account only in
/// `trnAccount`: after a sync through the real connector, every move the bank's books mark as
/// one between the customer's own accounts is paired with its other half, in one currency and
/// across two (BGN → EUR), and nothing else is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_transfers_are_paired_after_a_sync_in_one_currency_and_across_two() {
    use std::collections::{BTreeSet, HashMap};

    use coffer_core::filter::Transfers;
    use coffer_core::snapshot::Snapshot;
    use coffer_core::Filter;

    let b = bench().await;
    let (summary, _) = b.sync().await;
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    b.assert_exact();

    // The bank's own word: which rows are the two halves of one own transfer.
    let ledger = b.bank.oracle_ledger();
    let mut halves: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in &ledger {
        if let Some(key) = &r.own_transfer {
            halves
                .entry(key.clone())
                .or_default()
                .push((r.stable_id.clone().unwrap(), r.currency.clone()));
        }
    }
    assert!(halves.values().all(|h| h.len() == 2), "{halves:?}");
    let across = halves.values().filter(|h| h[0].1 != h[1].1).count();
    assert!(across > 0, "the sandbox moves leva to the euro account");
    assert!(halves.len() > across, "and between the two BGN accounts");
    let want: BTreeSet<BTreeSet<String>> = halves
        .values()
        .map(|h| h.iter().map(|(id, _)| id.clone()).collect())
        .collect();

    let store = b.store.lock().unwrap();
    let mut bank_id = HashMap::new();
    for account in store.accounts().unwrap() {
        for t in store.account_transactions(account.id).unwrap() {
            bank_id.insert(t.id, t.provider_id.clone().unwrap());
        }
    }
    let snap = Snapshot::load(&store).unwrap();
    let only = Filter {
        transfers: Some(Transfers::Only),
        ..Filter::default()
    };
    let rows = snap.rows(&snap.select_rows(&only).unwrap());
    let got: BTreeSet<BTreeSet<String>> = rows
        .iter()
        .map(|r| {
            let partner = r.transfer.as_ref().unwrap().partner_id;
            BTreeSet::from([bank_id[&r.id].clone(), bank_id[&partner].clone()])
        })
        .collect();
    assert_eq!(got, want, "Coffer's pairs are the bank's own transfers");
    // Explained by what the bank's text gives: the other account's IBAN.
    for r in &rows {
        let why = &r.transfer.as_ref().unwrap().reason;
        assert!(why.ends_with("account number in the text"), "{why}");
        // The user's own memo stays the description, as the e-bank shows it.
        assert!(!r.description.contains("собствени"), "{}", r.description);
    }
    println!(
        "Fibank: {} own transfers in the bank's books ({across} across currencies), {} paired",
        want.len(),
        got.len()
    );
}
