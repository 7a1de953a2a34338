//! Finqware end to end through `Coffer`: the skill picker, the consent login through the real
//! runner (session → sca step → the bank's page in a scripted browser → `?temp_token=` on the
//! loopback listener or a `coffer://` link → `/tokens`), sync, consent expiry, renewal without
//! duplicates, disconnect revoking the consent — against the Finqware sandbox.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use coffer_api::model::ConnectionStatus;
use coffer_api::Filter;
use coffer_api::{
    ApiError, Browser, CallbackKind, Clock, Coffer, ErrorCode, KeySource, LoginRequest, OpenOptions,
};
use coffer_core::money::parse_minor;
use coffer_core::Currency;
use coffer_sandbox::finqware::{
    approve_in_browser, FinqwareConfig, FinqwareFault, FinqwareSandbox,
};
use coffer_sandbox::SandboxClock;
use secrecy::SecretString;

#[derive(Default)]
struct RecordingBrowser(Mutex<Vec<String>>);

impl Browser for RecordingBrowser {
    fn open(&self, url: &str) -> Result<(), ApiError> {
        self.0.lock().unwrap().push(url.to_string());
        Ok(())
    }
}

const CLIENT_SECRET: &str = "sandbox-client-secret";
const APP_KEY: &str = "sandbox-client-app-key";
const BT: &str = "bt_ro_aisp_sbx_#2.0";

fn request(connection: Option<i64>, callback: CallbackKind) -> LoginRequest {
    let mut fields = BTreeMap::new();
    fields.insert("client_id".into(), "sandbox-client-id".into());
    fields.insert("client_secret".into(), CLIENT_SECRET.into());
    fields.insert("client_app_key".into(), APP_KEY.into());
    fields.insert("skill".into(), BT.into());
    LoginRequest {
        provider: "finqware".into(),
        fields,
        connection,
        callback,
    }
}

/// (day, minor units, status) of every row, sorted.
type Rows = Vec<(String, i64, String)>;

async fn exported(coffer: &Coffer, from: &str) -> Rows {
    let mut csv = Vec::new();
    coffer
        .export_csv(&Filter::default(), &mut csv)
        .await
        .unwrap();
    let mut rows: Rows = csv::Reader::from_reader(csv.as_slice())
        .records()
        .map(|r| {
            let r = r.unwrap();
            let currency: Currency = r[6].parse().unwrap();
            (
                r[0].to_string(),
                parse_minor(&r[5], currency.exponent()).unwrap(),
                r[8].to_string(),
            )
        })
        .filter(|(day, _, _)| day.as_str() >= from)
        .collect();
    rows.sort();
    rows
}

async fn bank(sandbox: &FinqwareSandbox, from: &str) -> Rows {
    let url = format!(
        "{}/_sandbox/oracle/ledger?skill={}",
        sandbox.origin(),
        BT.replace('#', "%23")
    );
    let ledger: Vec<coffer_sandbox::OracleRow> =
        reqwest::get(url).await.unwrap().json().await.unwrap();
    let mut rows: Rows = ledger
        .into_iter()
        .map(|r| {
            let currency: Currency = r.currency.parse().unwrap();
            (
                r.date.to_string(),
                parse_minor(&r.amount, currency.exponent()).unwrap(),
                r.status,
            )
        })
        .filter(|(day, _, _)| day.as_str() >= from)
        .collect();
    rows.sort();
    rows
}

/// Starts a login, plays the user at the bank, and waits for the connection.
async fn log_in(
    coffer: &Arc<Coffer>,
    browser: &RecordingBrowser,
    request: &LoginRequest,
    approve: bool,
) -> Result<coffer_api::views::ConnectionView, ApiError> {
    let ticket = coffer.begin_login(request, true).await.unwrap();
    let url = browser.0.lock().unwrap().last().cloned().unwrap();
    let c = Arc::clone(coffer);
    let login_id = ticket.started.login_id;
    let waiting = tokio::spawn(async move { c.finish_login(login_id).await });
    let link = approve_in_browser(&url, approve).await.unwrap();
    if link.starts_with("coffer:") {
        // The OS hands the deep link to the running app.
        let _ = coffer.deliver_deep_link(&link).await;
    } else {
        assert!(link.contains("/callback/finqware/"), "{link}");
    }
    waiting.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_sync_expire_renew_and_disconnect() {
    let logs = crate::captured_logs();
    let now = chrono::Utc::now();
    let sandbox = FinqwareSandbox::start(
        FinqwareConfig {
            clock: SandboxClock::fixed(now),
            ..FinqwareConfig::default()
        },
        0,
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let browser = Arc::new(RecordingBrowser::default());
    let coffer = Arc::new(
        Coffer::open_with(
            dir.path(),
            OpenOptions {
                clock: Clock::Fixed(now),
                key_source: KeySource::Passphrase(SecretString::from(
                    "lantern orbit mossy cobbler".to_string(),
                )),
                browser: browser.clone(),
                ..OpenOptions::default()
            },
        )
        .unwrap(),
    );
    coffer
        .set_setting("finqware.api_url", Some(&sandbox.base_url()))
        .await
        .unwrap();
    let found = coffer
        .bank_catalogue("finqware", "skill", Some("transilvania"))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|s| s.value.as_str()).collect::<Vec<_>>(),
        vec![BT]
    );

    // The user refuses at the bank: a clear refusal, nothing stored.
    let denied = log_in(
        &coffer,
        &browser,
        &request(None, CallbackKind::Loopback),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(denied.code, ErrorCode::Login, "{denied:?}");
    assert!(
        denied.message.contains("access_denied"),
        "{}",
        denied.message
    );
    assert!(coffer.connections().await.unwrap().is_empty());

    // Approved, back through the loopback listener.
    let connection = log_in(
        &coffer,
        &browser,
        &request(None, CallbackKind::Loopback),
        true,
    )
    .await
    .unwrap();
    assert_eq!(connection.label, "Banca Transilvania via Finqware");
    let view = &coffer.connections().await.unwrap()[0];
    let expires = view.consent_expires_at.clone().unwrap();
    let expires: chrono::DateTime<chrono::Utc> = expires.parse().unwrap();
    // Stored to the second.
    let off = (expires - now - chrono::Duration::days(90)).num_seconds();
    assert!(off.abs() <= 1, "{expires} is not 90 days after {now}");

    let summary = coffer.sync(Some(connection.id), |_| {}).await.unwrap();
    assert!(summary[0].errors.is_empty(), "{:?}", summary[0].errors);
    crate::assert_pairs_are_the_banks_own_transfers(&coffer, &sandbox.oracle_ledger(), "Finqware")
        .await;
    // The monthly saving ("Transfer între conturi proprii") is paired on its phrase and equal
    // amounts, the RON -> EUR exchange on its text, the same on both accounts; transfers to and
    // from other people are not.
    let rows = coffer.transactions(&Filter::default()).await.unwrap().rows;
    assert!(rows.iter().any(|r| r.transfer.is_some()));
    for r in &rows {
        assert_eq!(
            r.transfer.is_some(),
            r.description.contains("conturi proprii")
                || r.description.starts_with("Schimb valutar"),
            "{} {} {}",
            r.booking_date,
            r.amount,
            r.description
        );
    }
    let from = sandbox
        .retention_start()
        .with_timezone(&chrono_tz::Europe::Bucharest)
        .date_naive()
        .succ_opt()
        .unwrap()
        .to_string();
    let want = bank(&sandbox, &from).await;
    assert!(want.len() > 300, "{}", want.len());
    assert_eq!(
        exported(&coffer, &from).await,
        want,
        "export equals the bank to the ban"
    );

    // The consent expires: the sync says to log in again and changes nothing.
    let total = coffer.transactions(&Filter::default()).await.unwrap().total;
    sandbox.inject(FinqwareFault::ExpireConsents);
    let expired = coffer.sync(Some(connection.id), |_| {}).await.unwrap();
    assert!(
        expired[0].errors.iter().any(|e| e.contains("log in again")),
        "{:?}",
        expired[0].errors
    );
    let view = &coffer.connections().await.unwrap()[0];
    assert_eq!(view.status, ConnectionStatus::NeedsReauth);
    assert_eq!(
        coffer.transactions(&Filter::default()).await.unwrap().total,
        total
    );

    // Renewed in place, this time through a coffer:// link: same connection, same rows.
    let renewed = log_in(
        &coffer,
        &browser,
        &request(Some(connection.id), CallbackKind::DeepLink),
        true,
    )
    .await
    .unwrap();
    assert_eq!(renewed.id, connection.id);
    assert_eq!(sandbox.consents().len(), 2);
    let summary = coffer.sync(Some(connection.id), |_| {}).await.unwrap();
    assert!(summary[0].errors.is_empty(), "{:?}", summary[0].errors);
    assert_eq!(
        coffer.transactions(&Filter::default()).await.unwrap().total,
        total,
        "a new consent adds no duplicates"
    );
    assert_eq!(exported(&coffer, &from).await, want);

    // No key or token is on disk in the clear.
    let mut secrets = vec![CLIENT_SECRET.to_string(), APP_KEY.to_string()];
    for consent in sandbox.consents() {
        secrets.push(consent.access_token);
        secrets.push(consent.credentials_id);
    }
    let mut haystack = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        haystack.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for secret in &secrets {
        assert!(memchr::memmem::find(&haystack, secret.as_bytes()).is_none());
    }
    // Nor in the logs, at any level.
    let logged = logs.bytes();
    for secret in &secrets {
        assert!(
            memchr::memmem::find(&logged, secret.as_bytes()).is_none(),
            "a secret was logged"
        );
    }

    // Disconnect keeping history revokes the consent at Finqware.
    coffer.disconnect(connection.id, true).await.unwrap();
    let last = sandbox.consents().pop().unwrap();
    assert_eq!(last.status, "DELETED");
    assert_eq!(
        coffer.transactions(&Filter::default()).await.unwrap().total,
        total
    );
}
