//! The registry: every bank describes itself completely, and every bank that logs in begins its
//! login against its own sandbox through the generic connect path (form → plan → browser URL on
//! the sandbox's host), with nothing stored when the login is cancelled.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use coffer_api::bank::{FieldKind, SettingKind};
use coffer_api::{
    registry, ApiError, Browser, CallbackKind, Clock, Coffer, KeySource, LoginRequest, OpenOptions,
};
use coffer_login::LoginPlan;
use coffer_sandbox::fibank::{FibankConfig, FibankSandbox};
use coffer_sandbox::finqware::{FinqwareConfig, FinqwareSandbox};
use coffer_sandbox::finsify::{FinsifyConfig, FinsifySandbox};
use coffer_sandbox::sparebank1::{Sparebank1Config, Sparebank1Sandbox};
use secrecy::SecretString;

#[derive(Default)]
struct RecordingBrowser(Mutex<Vec<String>>);

impl Browser for RecordingBrowser {
    fn open(&self, url: &str) -> Result<(), ApiError> {
        self.0.lock().unwrap().push(url.to_string());
        Ok(())
    }
}

#[test]
fn every_registered_bank_describes_itself_completely() {
    let banks = registry::banks();
    assert!(banks.len() >= 3, "{} banks registered", banks.len());
    let mut builtin = 0;
    for bank in banks {
        let about = bank.about();
        let id = about.id;
        assert_eq!(bank.id(), id);
        assert!(registry::find(id).is_some(), "{id}: not found by id");
        assert!(!about.name.trim().is_empty(), "{id}: no name");
        assert!(
            about.summary.ends_with('.'),
            "{id}: summary {:?}",
            about.summary
        );
        assert!(!about.countries.is_empty(), "{id}: no country");
        for c in about.countries {
            assert!(
                c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase()),
                "{id}: country {c}"
            );
        }
        let logo = about.logo_svg.trim_start();
        assert!(
            logo.starts_with("<svg") && logo.contains("viewBox"),
            "{id}: logo is not an SVG"
        );

        let mut keys = std::collections::BTreeSet::new();
        for s in bank.settings() {
            assert!(keys.insert(s.key), "{id}: setting {} twice", s.key);
            assert!(!s.description.is_empty(), "{id}.{}: no description", s.key);
            match s.kind {
                SettingKind::Endpoint | SettingKind::PublicUrl => {
                    let url = url::Url::parse(s.default_value)
                        .unwrap_or_else(|e| panic!("{id}.{}: default {e}", s.key));
                    assert_eq!(
                        url.scheme(),
                        "https",
                        "{id}.{}: default must be https",
                        s.key
                    );
                }
                SettingKind::Days | SettingKind::Count => {
                    s.default_value
                        .parse::<u32>()
                        .unwrap_or_else(|e| panic!("{id}.{}: default {e}", s.key));
                }
                SettingKind::Locale => panic!("{id}.{}: a bank has no locale of its own", s.key),
            }
        }

        let form = bank.form();
        let mut field_keys = std::collections::BTreeSet::new();
        for f in &form {
            assert!(field_keys.insert(f.key), "{id}: field {} twice", f.key);
            assert!(
                !f.label.is_empty() && !f.help.is_empty(),
                "{id}.{}: no label or help",
                f.key
            );
            if f.kind == FieldKind::Secret {
                assert!(
                    f.sealed_as().is_some(),
                    "{id}.{}: a secret that is not sealed",
                    f.key
                );
            }
            if let FieldKind::Choice(choices) = &f.kind {
                assert!(!choices.is_empty(), "{id}.{}: an empty choice", f.key);
            }
        }
        match bank.login() {
            LoginPlan::None => {
                builtin += 1;
                assert!(form.is_empty(), "{id}: a built-in bank asks for nothing");
                assert!(
                    about.welcome_offer.is_some(),
                    "{id}: built-in without an offer"
                );
            }
            _ => {
                assert!(!form.is_empty(), "{id}: a bank to log in to has a form");
                assert!(
                    bank.settings()
                        .iter()
                        .any(|s| s.kind == SettingKind::Endpoint),
                    "{id}: a bank to log in to has an endpoint setting"
                );
            }
        }
        // The calendar is a real zone with a "today" (chrono-tz only has real ones; this
        // catches a bank left on UTC by mistake only where the bank is not in UTC).
        let _ = chrono::Utc::now().with_timezone(&bank.calendar());
    }
    assert_eq!(
        builtin, 1,
        "exactly one built-in bank opens the welcome screen"
    );
}

/// What each bank's sandbox needs: its settings pointing at it and a filled-in form.
struct Prepared {
    settings: Vec<(String, String)>,
    fields: BTreeMap<String, String>,
    origin: String,
    /// Tells the sandbox the redirect URI the login got (banks that check a registered one).
    started: Box<dyn Fn(&str) + Send>,
    /// Keeps the sandbox running for the test.
    _sandbox: Box<dyn std::any::Any + Send>,
}

/// Starts the sandbox of bank `id`, or `None` for a bank this test does not know yet — which
/// fails the test: a bank is not registered without a sandbox to prove it.
async fn sandbox_for(id: &str) -> Option<Prepared> {
    let fields = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let origin = |base: &str| {
        let u = url::Url::parse(base).unwrap();
        u.origin().ascii_serialization()
    };
    Some(match id {
        "sparebank1" => {
            let s = Sparebank1Sandbox::start(Sparebank1Config::default(), 0)
                .await
                .unwrap();
            let base = s.base_url();
            Prepared {
                settings: vec![
                    ("sparebank1.api_url".into(), base.clone()),
                    ("sparebank1.auth_url".into(), base.clone()),
                ],
                fields: fields(&[
                    ("client_id", "sandbox-client"),
                    ("client_secret", "sandbox-secret"),
                    ("redirect_port", "0"),
                ]),
                origin: origin(&base),
                started: {
                    let s = s.clone();
                    Box::new(move |uri| s.register_redirect_uri(uri))
                },
                _sandbox: Box::new(s),
            }
        }
        "finsify" => {
            let s = FinsifySandbox::start(FinsifyConfig::default(), 0)
                .await
                .unwrap();
            let base = s.base_url();
            Prepared {
                settings: vec![
                    ("finsify.api_url".into(), base.clone()),
                    ("finsify.catalogue_url".into(), s.service_catalogue_url()),
                ],
                fields: fields(&[
                    ("client_id", "sandbox-client-id"),
                    ("service_secret", "sandbox-service-secret"),
                    ("service_id", "8"),
                ]),
                origin: origin(&base),
                started: Box::new(|_| {}),
                _sandbox: Box::new(s),
            }
        }
        "finqware" => {
            let s = FinqwareSandbox::start(FinqwareConfig::default(), 0)
                .await
                .unwrap();
            let base = s.base_url();
            Prepared {
                settings: vec![("finqware.api_url".into(), base.clone())],
                fields: fields(&[
                    ("client_id", "sandbox-client-id"),
                    ("client_secret", "sandbox-client-secret"),
                    ("client_app_key", "sandbox-client-app-key"),
                    ("skill", "bt_ro_aisp_sbx_#2.0"),
                ]),
                origin: origin(&base),
                started: Box::new(|_| {}),
                _sandbox: Box::new(s),
            }
        }
        "fibank" => {
            let s = FibankSandbox::start(FibankConfig::default(), 0)
                .await
                .unwrap();
            let base = s.base_url();
            Prepared {
                settings: vec![("fibank.base_url".into(), base.clone())],
                fields: fields(&[("username", "ivan.petrov"), ("password", "Sofia-2024!")]),
                origin: origin(&base),
                started: Box::new(|_| {}),
                _sandbox: Box::new(s),
            }
        }
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bank_that_logs_in_begins_against_its_sandbox_and_cancelling_stores_nothing() {
    for bank in registry::banks() {
        let id = bank.id();
        let dir = tempfile::tempdir().unwrap();
        let browser = Arc::new(RecordingBrowser::default());
        let coffer = Coffer::open_with(
            dir.path(),
            OpenOptions {
                clock: Clock::System,
                key_source: KeySource::Passphrase(SecretString::from(
                    "registry walrus copper lantern".to_string(),
                )),
                browser: browser.clone(),
                ..OpenOptions::default()
            },
        )
        .unwrap();
        if matches!(bank.login(), LoginPlan::None) {
            continue;
        }
        let Some(prepared) = sandbox_for(id).await else {
            panic!("{id} is registered but has no sandbox in this test (tests/sandbox)");
        };
        for (key, value) in &prepared.settings {
            coffer.set_setting(key, Some(value)).await.unwrap();
        }
        // Every field of the form is known to the sandbox's filled-in form, so a field added to
        // a bank without the sandbox knowing it shows up here.
        for f in bank.form() {
            if f.required {
                assert!(
                    prepared.fields.contains_key(f.key),
                    "{id}: form field {} not filled",
                    f.key
                );
            }
        }
        let request = LoginRequest {
            provider: id.into(),
            fields: prepared.fields.clone(),
            connection: None,
            callback: CallbackKind::Loopback,
        };
        let ticket = coffer.begin_login(&request, true).await.unwrap();
        (prepared.started)(&ticket.started.redirect_uri);
        if ticket.started.opens_browser {
            let opened = browser
                .0
                .lock()
                .unwrap()
                .last()
                .cloned()
                .unwrap_or_default();
            assert!(
                opened.starts_with(&prepared.origin),
                "{id}: opened {opened}, not the sandbox at {}",
                prepared.origin
            );
            let page = reqwest::get(&opened).await.unwrap();
            assert!(
                page.status().is_success(),
                "{id}: the sandbox answered {}",
                page.status()
            );
        }
        coffer.cancel_login(ticket.started.login_id).await.unwrap();
        assert!(
            coffer.connections().await.unwrap().is_empty(),
            "{id}: stored a connection"
        );
    }
}
