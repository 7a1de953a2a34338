//! Fibank end to end through the connect form: username and password typed into Coffer's own
//! form, checked by logging in at the (sandbox) bank before anything is saved, sealed in the
//! vault, a sync, the CSV export compared with the bank's ledger, a wrong password, and the
//! password searched for in everything Coffer wrote.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use coffer_api::model::ConnectionStatus;
use coffer_api::views::FieldInput;
use coffer_api::Filter;
use coffer_api::{
    ApiError, Browser, CallbackKind, Clock, Coffer, KeySource, LoginKind, LoginRequest, OpenOptions,
};
use coffer_core::money::{Currency, Money};
use coffer_sandbox::fibank::{FibankConfig, FibankSandbox};
use coffer_sandbox::SandboxClock;
use secrecy::SecretString;

fn start() -> chrono::DateTime<chrono::Utc> {
    "2026-06-15T10:00:00Z".parse().unwrap()
}

#[derive(Default)]
struct RecordingBrowser(Mutex<Vec<String>>);

impl Browser for RecordingBrowser {
    fn open(&self, url: &str) -> Result<(), ApiError> {
        self.0.lock().unwrap().push(url.to_string());
        Ok(())
    }
}

fn request(username: &str, password: &str, connection: Option<i64>) -> LoginRequest {
    let mut fields = BTreeMap::new();
    fields.insert("username".into(), username.into());
    fields.insert("password".into(), password.into());
    LoginRequest {
        provider: "fibank".into(),
        fields,
        connection,
        callback: CallbackKind::Loopback,
    }
}

async fn connect(coffer: &Coffer, request: &LoginRequest) -> Result<i64, ApiError> {
    let ticket = coffer.begin_login(request, true).await?;
    assert!(
        ticket.browser_url.is_none(),
        "no browser for a password login"
    );
    assert!(!ticket.started.opens_browser);
    Ok(coffer.finish_login(ticket.started.login_id).await?.id)
}

/// Every file under `dir`, as bytes.
fn files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// One row of the bank's ledger or of the export: day, account, amount in minor units, text.
type Row = (String, String, i64, String);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_the_password_form_sync_export_and_never_store_the_password_in_the_clear() {
    let logs = crate::captured_logs();
    let dir = tempfile::tempdir().unwrap();
    let sandbox = FibankSandbox::start(
        FibankConfig {
            clock: SandboxClock::fixed(start()),
            ..FibankConfig::default()
        },
        0,
    )
    .await
    .unwrap();
    let browser = Arc::new(RecordingBrowser::default());
    let coffer = Coffer::open_with(
        dir.path(),
        OpenOptions {
            clock: Clock::Fixed(start()),
            key_source: KeySource::Passphrase(SecretString::from(
                "correct horse battery staple ferry".to_string(),
            )),
            browser: browser.clone(),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    coffer
        .set_setting("fibank.base_url", Some(&sandbox.base_url()))
        .await
        .unwrap();

    // The connect form comes from the descriptor: a username, a masked password, a warning.
    let info = coffer
        .providers()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "fibank")
        .unwrap();
    assert_eq!(info.name, "Fibank (First Investment Bank)");
    assert_eq!(info.login, LoginKind::Credentials);
    let keys: Vec<(&str, FieldInput, bool)> = info
        .fields
        .iter()
        .map(|f| (f.key.as_str(), f.input, f.secret))
        .collect();
    // Both are sealed in the vault; only the password is masked.
    assert_eq!(
        keys,
        [
            ("username", FieldInput::Text, true),
            ("password", FieldInput::Secret, true)
        ]
    );
    let warning = info.storage_warning.unwrap();
    assert!(warning.contains("username and password") && warning.contains("vault"));

    let (username, password) = sandbox.credentials();

    // A wrong password is refused with the bank's words, and nothing is saved.
    let err = connect(&coffer, &request(&username, "Varna-1999", None))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("refused the username or password"),
        "{err:?}"
    );
    assert!(!err.message.contains("Varna-1999"));
    assert!(coffer.connections().await.unwrap().is_empty());
    assert_eq!(sandbox.user().failed_attempts, 1);

    // The right one connects, without a browser.
    let id = connect(&coffer, &request(&username, &password, None))
        .await
        .unwrap();
    assert!(browser.0.lock().unwrap().is_empty());
    assert_eq!(sandbox.user().failed_attempts, 0);

    let summaries = coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(summaries[0].errors.is_empty(), "{:?}", summaries[0].errors);
    let ledger = sandbox.oracle_ledger();
    crate::assert_pairs_are_the_banks_own_transfers(&coffer, &ledger, "Fibank").await;
    assert_eq!(
        coffer.transactions(&Filter::default()).await.unwrap().total,
        ledger.len() as i64
    );

    // The export equals the bank's ledger, Cyrillic included.
    let mut csv = Vec::new();
    coffer
        .export_csv(&Filter::default(), &mut csv)
        .await
        .unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(
        text.contains("Разплащателна сметка"),
        "account names survive"
    );
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (date, account, amount, currency, description) = (
        col("date"),
        col("account"),
        col("amount"),
        col("currency"),
        col("description"),
    );
    let mut exported: Vec<Row> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let c: Currency = r[currency].parse().unwrap();
            (
                r[date].to_string(),
                r[account].to_string(),
                Money::parse(&r[amount], c).unwrap().minor,
                r[description].trim_start_matches('\'').to_string(),
            )
        })
        .collect();
    let mut want: Vec<Row> = ledger
        .iter()
        .map(|r| {
            let c: Currency = r.currency.parse().unwrap();
            (
                r.date.to_string(),
                r.account_name.clone(),
                Money::parse(&r.amount, c).unwrap().minor,
                r.description.clone(),
            )
        })
        .collect();
    exported.sort();
    want.sort();
    assert_eq!(exported.len(), want.len());
    assert!(
        exported == want,
        "the export differs from the bank's ledger"
    );
    assert!(
        want.iter().any(|r| !r.3.is_ascii()),
        "Cyrillic descriptions"
    );

    // The bank changes the password; the next sync is refused once and asks for a new login.
    sandbox.set_password("Burgas-2026!").unwrap();
    let refused = coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(
        refused[0].errors.join(" ").contains("refused"),
        "{:?}",
        refused[0].errors
    );
    let view = &coffer.connections().await.unwrap()[0];
    assert_eq!(view.status, ConnectionStatus::NeedsReauth);
    let attempts = sandbox.stats().login_attempts;
    let again = coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(!again[0].errors.is_empty());
    assert_eq!(sandbox.stats().login_attempts, attempts, "not tried again");

    // "Log in again" with the new password renews the same connection; nothing is doubled.
    let renewed = connect(&coffer, &request("", "Burgas-2026!", Some(id)))
        .await
        .unwrap();
    assert_eq!(renewed, id);
    let after = coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(after[0].errors.is_empty(), "{:?}", after[0].errors);
    assert_eq!(after[0].inserted, 0);
    assert!(!sandbox.user().locked);

    // Neither password is in any file Coffer wrote, in the clear.
    drop(coffer);
    for (path, bytes) in files(dir.path()) {
        for secret in [password.as_str(), "Burgas-2026!", "Varna-1999"] {
            assert!(
                memchr::memmem::find(&bytes, secret.as_bytes()).is_none(),
                "{secret} found in {}",
                path.display()
            );
        }
    }
    // Nor in the logs, at any level.
    let logged = logs.bytes();
    for secret in [password.as_str(), "Burgas-2026!", "Varna-1999"] {
        assert!(
            memchr::memmem::find(&logged, secret.as_bytes()).is_none(),
            "{secret} logged"
        );
    }
    // Nor did it go anywhere but into the bank's login form.
    for r in sandbox.requests() {
        let is_form = r.method == "POST" && r.target.starts_with("/oauth2-server/login");
        if !is_form {
            assert!(!r.target.contains(&password) && !r.body.contains(&password));
        }
    }
}
