//! Finsify end to end: catalogue, customer, connect page, the result on the loopback listener
//! (never a deep link: it carries the login's long-lived secret), sync, disconnect — against
//! the Finsify sandbox in `tests/sandbox`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use coffer_api::model::ConnectionStatus;
use coffer_api::Filter;
use coffer_api::{
    ApiError, Browser, CallbackKind, Clock, Coffer, ErrorCode, KeySource, LoginRequest, OpenOptions,
};
use coffer_sandbox::finsify::{approve_in_browser, FinsifyConfig, FinsifyFault, FinsifySandbox};
use secrecy::SecretString;

#[derive(Default)]
struct RecordingBrowser(Mutex<Vec<String>>);

impl Browser for RecordingBrowser {
    fn open(&self, url: &str) -> Result<(), ApiError> {
        self.0.lock().unwrap().push(url.to_string());
        Ok(())
    }
}

const SERVICE_SECRET: &str = "sandbox-service-secret";

fn request() -> LoginRequest {
    let mut fields = BTreeMap::new();
    fields.insert("client_id".into(), "sandbox-client-id".into());
    fields.insert("service_secret".into(), SERVICE_SECRET.into());
    fields.insert("service_id".into(), "8".into());
    LoginRequest {
        provider: "finsify".into(),
        fields,
        connection: None,
        // The desktop's preference; Finsify's result still comes back through the loopback
        // listener because it carries a long-lived secret.
        callback: CallbackKind::DeepLink,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_through_the_loopback_listener_sync_and_disconnect() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = FinsifySandbox::start(FinsifyConfig::default(), 0)
        .await
        .unwrap();
    let browser = Arc::new(RecordingBrowser::default());
    let coffer = Arc::new(
        Coffer::open_with(
            dir.path(),
            OpenOptions {
                clock: Clock::System,
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
        .set_setting("finsify.api_url", Some(&sandbox.base_url()))
        .await
        .unwrap();
    coffer
        .set_setting(
            "finsify.catalogue_url",
            Some(&sandbox.service_catalogue_url()),
        )
        .await
        .unwrap();
    let found = coffer
        .bank_catalogue("finsify", "service_id", Some("techcom"))
        .await
        .unwrap();
    assert!(found.iter().any(|s| s.value == "8"), "{found:?}");

    // First attempt: the provider appends broken JSON. Refused precisely, login still waiting.
    sandbox.inject(FinsifyFault::CallbackBrokenJson { requests: 1 });
    let ticket = coffer.begin_login(&request(), true).await.unwrap();
    assert!(
        ticket.started.redirect_uri.starts_with("http://127.0.0.1:"),
        "a login secret never travels through a coffer:// link: {}",
        ticket.started.redirect_uri
    );
    let url = browser.0.lock().unwrap().last().cloned().unwrap();
    let c = Arc::clone(&coffer);
    let login_id = ticket.started.login_id;
    let waiting = tokio::spawn(async move { c.finish_login(login_id).await });
    let link = approve_in_browser(&url, true).await.unwrap();
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    assert!(link.contains("/callback/finsify/"), "{link}");
    let refused = reqwest::get(&link).await.unwrap();
    assert_eq!(refused.status(), 400);
    // Foreign or malformed deep links change nothing either.
    assert!(coffer
        .deliver_deep_link("coffer://callback/finsify/")
        .await
        .is_err());
    assert!(coffer
        .deliver_deep_link("https://finsify-hub/x/y")
        .await
        .is_err());
    coffer.cancel_login(ticket.started.login_id).await.unwrap();
    let cancelled = waiting.await.unwrap().unwrap_err();
    assert_eq!(cancelled.code, ErrorCode::Cancelled);
    assert!(coffer.connections().await.unwrap().is_empty());

    // Second attempt succeeds; the customer created the first time is reused.
    let ticket = coffer.begin_login(&request(), true).await.unwrap();
    let url = browser.0.lock().unwrap().last().cloned().unwrap();
    let c = Arc::clone(&coffer);
    let finishing = tokio::spawn(async move { c.finish_login(ticket.started.login_id).await });
    let link = approve_in_browser(&url, true).await.unwrap();
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 200);
    let connection = finishing.await.unwrap().unwrap();
    assert_eq!(connection.label, "Techcombank via Finsify");
    assert_eq!(sandbox.stats().customers_created, 1);
    // The same link again reaches nothing: the listener closed with the login.
    assert!(reqwest::get(&link).await.is_err());

    let summary = coffer.sync(Some(connection.id), |_| {}).await.unwrap();
    assert!(summary[0].errors.is_empty(), "{:?}", summary[0].errors);
    crate::assert_pairs_are_the_banks_own_transfers(&coffer, &sandbox.oracle_ledger(), "Finsify")
        .await;
    // The card bill (out of the payment account, into the card) names both accounts only by
    // masked numbers; it is paired, and nothing else is.
    let rows = coffer.transactions(&Filter::default()).await.unwrap().rows;
    assert!(rows.iter().any(|r| r.transfer.is_some()));
    for r in &rows {
        let bill = r.description.starts_with("TT THE TIN DUNG")
            || r.description.starts_with("THANH TOAN THE TU TK");
        assert_eq!(r.transfer.is_some(), bill, "{} {}", r.amount, r.description);
    }

    // Which bank got connected, as the user is told: Finsify by name, holding exactly the
    // accounts and balances the sandbox holds (a count of accounts would pass with the
    // wrong bank connected).
    let view = coffer
        .connections()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == connection.id)
        .unwrap();
    assert_eq!(
        (view.provider.as_str(), view.provider_name.as_str()),
        ("finsify", "Finsify")
    );
    let minor = |amount: &str, currency: &str| {
        let c: coffer_core::Currency = currency.parse().unwrap();
        coffer_core::money::parse_minor(amount, c.exponent()).unwrap()
    };
    let mut shown: Vec<(String, String, i64)> = coffer
        .accounts()
        .await
        .unwrap()
        .accounts
        .into_iter()
        .filter(|a| a.connection_id == connection.id)
        .map(|a| {
            let balance = minor(&a.balance, &a.currency);
            (a.name, a.currency, balance)
        })
        .collect();
    // The first, cancelled attempt left a login of its own at the hub; only the connected
    // login's accounts count.
    let login_id = sandbox.logins().last().unwrap().id;
    let owned: std::collections::BTreeSet<String> = sandbox
        .ledger()
        .into_iter()
        .filter(|r| r.login_id == login_id)
        .map(|r| r.account_id.to_string())
        .collect();
    let mut held: Vec<(String, String, i64)> = sandbox
        .oracle_accounts()
        .into_iter()
        .filter(|a| owned.contains(&a.account))
        .map(|a| {
            let balance = minor(&a.balance, &a.currency);
            (a.name, a.currency, balance)
        })
        .collect();
    shown.sort();
    held.sort();
    assert!(!held.is_empty());
    assert_eq!(shown, held, "the sandbox's accounts and balances");
    let ledger: Vec<_> = sandbox
        .ledger()
        .into_iter()
        .filter(|r| r.login_id == login_id)
        .collect();
    let mut expected: Vec<(String, String)> = ledger
        .iter()
        .map(|r| {
            (
                r.date.to_string(),
                r.amount.trim_end_matches(".00").to_string(),
            )
        })
        .collect();
    let mut csv = Vec::new();
    coffer
        .export_csv(&Filter::default(), &mut csv)
        .await
        .unwrap();
    let mut got: Vec<(String, String)> = csv::Reader::from_reader(csv.as_slice())
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[5].to_string())
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(
        got, expected,
        "export equals the sandbox ledger to the đồng"
    );

    let mut secrets = sandbox.issued_secrets();
    secrets.push(SERVICE_SECRET.to_string());
    let mut haystack = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        haystack.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for secret in &secrets {
        assert!(memchr::memmem::find(&haystack, secret.as_bytes()).is_none());
    }

    // Disconnect keeping history: deactivated at Finsify, secrets gone, rows stay.
    let before = coffer.transactions(&Filter::default()).await.unwrap().total;
    coffer.disconnect(connection.id, true).await.unwrap();
    assert_eq!(sandbox.stats().deactivations, 1);
    let view = &coffer.connections().await.unwrap()[0];
    assert_eq!(view.status, ConnectionStatus::Disabled);
    assert_eq!(
        coffer.transactions(&Filter::default()).await.unwrap().total,
        before
    );
    let err = coffer.sync(Some(connection.id), |_| {}).await.unwrap_err();
    assert!(err.message.contains("disconnected"), "{}", err.message);
}
