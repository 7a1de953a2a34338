//! Bank login end to end: the real loopback listener, the real HTTP client and the real OAuth
//! flow against the SpareBank 1 sandbox in `tests/sandbox`, through to the store and the vault.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use coffer_api::model::ConnectionStatus;
use coffer_api::Filter;
use coffer_api::{
    ApiError, Browser, CallbackKind, Clock, Coffer, ErrorCode, KeySource, LoginRequest, OpenOptions,
};
use coffer_sandbox::sparebank1::{
    approve_in_browser, Sparebank1Config, Sparebank1Fault, Sparebank1Sandbox,
};
use coffer_sandbox::SandboxClock;
use secrecy::{ExposeSecret, SecretString};

/// A fixed instant both the sandbox and Coffer read, far from any daylight-saving change.
fn start() -> chrono::DateTime<chrono::Utc> {
    "2026-06-15T10:00:00Z".parse().unwrap()
}

/// Remembers the URLs Coffer asked the system browser to open.
#[derive(Default)]
struct RecordingBrowser(Mutex<Vec<String>>);

impl Browser for RecordingBrowser {
    fn open(&self, url: &str) -> Result<(), ApiError> {
        self.0.lock().unwrap().push(url.to_string());
        Ok(())
    }
}

struct Bench {
    sandbox: Sparebank1Sandbox,
    coffer: Coffer,
    browser: Arc<RecordingBrowser>,
}

const CLIENT_SECRET: &str = "sandbox-secret";

async fn bench(dir: &Path) -> Bench {
    let sandbox = Sparebank1Sandbox::start(
        Sparebank1Config {
            require_pkce: true,
            clock: SandboxClock::fixed(start()),
            ..Sparebank1Config::default()
        },
        0,
    )
    .await
    .unwrap();
    let browser = Arc::new(RecordingBrowser::default());
    let coffer = Coffer::open_with(
        dir,
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
    for key in ["sparebank1.api_url", "sparebank1.auth_url"] {
        coffer
            .set_setting(key, Some(&sandbox.base_url()))
            .await
            .unwrap();
    }
    Bench {
        sandbox,
        coffer,
        browser,
    }
}

fn request(connection: Option<i64>) -> LoginRequest {
    let mut fields = BTreeMap::new();
    if connection.is_none() {
        fields.insert("client_id".into(), "sandbox-client".into());
        fields.insert("client_secret".into(), CLIENT_SECRET.into());
        fields.insert("fin_inst".into(), "fid-ostlandet".into());
    }
    // Port 0: an ephemeral port, registered with the sandbox once known.
    fields.insert("redirect_port".into(), "0".into());
    LoginRequest {
        provider: "sparebank1".into(),
        fields,
        connection,
        callback: CallbackKind::Loopback,
    }
}

/// Starts a login, plays the user approving it in the browser, and returns the connection id.
async fn log_in(b: &Bench, connection: Option<i64>) -> i64 {
    let ticket = b
        .coffer
        .begin_login(&request(connection), true)
        .await
        .unwrap();
    b.sandbox
        .register_redirect_uri(&ticket.started.redirect_uri);
    let url = b.browser.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(url, ticket.browser_url.as_ref().unwrap().expose_secret());
    assert!(
        url.contains("code_challenge_method=S256"),
        "PKCE S256 is always sent"
    );
    let browser = tokio::spawn(async move {
        let location = approve_in_browser(&url, true).await.unwrap();
        reqwest::get(&location).await.unwrap().status()
    });
    let view = b
        .coffer
        .finish_login(ticket.started.login_id)
        .await
        .unwrap();
    assert_eq!(
        browser.await.unwrap(),
        200,
        "the listener answers the browser"
    );
    view.id
}

async fn transaction_count(coffer: &Coffer) -> i64 {
    coffer.transactions(&Filter::default()).await.unwrap().total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_sync_refresh_reauth_and_relogin_in_place_keep_every_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let b = bench(dir.path()).await;

    let id = log_in(&b, None).await;
    let stats = b.sandbox.stats();
    assert_eq!(stats.token_requests.get("authorization_code"), Some(&1));
    assert_eq!(stats.last_client_auth.as_deref(), Some("basic"));

    let first = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(first[0].errors.is_empty(), "{:?}", first[0].errors);
    let ledger = b.sandbox.oracle_ledger();
    crate::assert_pairs_are_the_banks_own_transfers(&b.coffer, &ledger, "SpareBank 1").await;
    assert_eq!(transaction_count(&b.coffer).await, ledger.len() as i64);
    crate::assert_shows_the_bank(&b.coffer, &ledger, &b.sandbox.oracle_accounts()).await;

    // The access token dies mid-life: one refresh (rotating), and the sync completes.
    b.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    let second = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(second[0].errors.is_empty(), "{:?}", second[0].errors);
    assert_eq!(second[0].inserted, 0);
    assert_eq!(b.sandbox.stats().refreshes, 1);

    // The rotated refresh token was saved: a fresh process (new session) can still refresh.
    drop(b.coffer);
    let coffer = Coffer::open_with(
        dir.path(),
        OpenOptions {
            clock: Clock::Fixed(start()),
            key_source: KeySource::Passphrase(SecretString::from(
                "correct horse battery staple ferry".to_string(),
            )),
            browser: b.browser.clone(),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let b = Bench { coffer, ..b };
    b.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    let third = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(third[0].errors.is_empty(), "{:?}", third[0].errors);
    assert_eq!(b.sandbox.stats().refreshes, 2);

    // The refresh token dies too: the connection needs a new login, nothing is lost.
    let before = transaction_count(&b.coffer).await;
    b.sandbox.inject(Sparebank1Fault::RevokeRefreshTokens);
    b.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    let dead = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(!dead[0].errors.is_empty());
    let view = &b.coffer.connections().await.unwrap()[0];
    assert_eq!(view.status, ConnectionStatus::NeedsReauth);
    assert_eq!(transaction_count(&b.coffer).await, before);

    // "Log in again" renews the same connection in place: same id, same accounts, no doubles.
    let summary = |o: coffer_api::views::AccountsOverview| {
        o.accounts
            .into_iter()
            .map(|a| (a.id, a.balance, a.transaction_count))
            .collect::<Vec<_>>()
    };
    let accounts_before = summary(b.coffer.accounts().await.unwrap());
    let renewed = log_in(&b, Some(id)).await;
    assert_eq!(renewed, id);
    let after = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(after[0].errors.is_empty(), "{:?}", after[0].errors);
    assert_eq!(after[0].inserted, 0);
    assert_eq!(transaction_count(&b.coffer).await, before);
    assert_eq!(summary(b.coffer.accounts().await.unwrap()), accounts_before);
    let connections = b.coffer.connections().await.unwrap();
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0].status, ConnectionStatus::Active);
    assert!(connections[0].consent_expires_at.is_some());

    // No token, code or client secret in the database file, its WAL, or what the UI receives.
    let mut secrets = b.sandbox.issued_secrets();
    secrets.push(CLIENT_SECRET.to_string());
    let mut haystack = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        haystack.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    haystack.extend(serde_json::to_vec(&connections).unwrap());
    haystack.extend(serde_json::to_vec(&b.coffer.app_status().await.unwrap()).unwrap());
    haystack.extend(serde_json::to_vec(&b.coffer.settings().await.unwrap()).unwrap());
    assert!(secrets.len() > 5);
    for secret in &secrets {
        assert!(
            memchr::memmem::find(&haystack, secret.as_bytes()).is_none(),
            "a secret issued by the sandbox is stored or shown in clear"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_redirects_are_refused_and_the_login_stays_cancellable_with_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let b = bench(dir.path()).await;
    let ticket = b.coffer.begin_login(&request(None), false).await.unwrap();
    let base = ticket.started.redirect_uri.clone();
    let id = ticket.started.login_id;
    let coffer = Arc::new(b.coffer);
    let c = Arc::clone(&coffer);
    let waiting = tokio::spawn(async move { c.finish_login(id).await });

    let http = reqwest::Client::new();
    let wrong_state = http
        .get(format!("{base}?code=x&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_state.status(), 404);
    let no_code = http
        .get(format!(
            "{base}?state={}",
            state_of(ticket.browser_url.as_ref().unwrap().expose_secret())
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(no_code.status(), 400);
    let wrong_path = http
        .get(base.replace("/callback/sparebank1", "/callback/other") + "?code=x&state=y")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_path.status(), 404);
    for i in 0..100 {
        let junk = http
            .get(format!("{base}/../../{i}%00"))
            .send()
            .await
            .unwrap();
        assert!(junk.status().is_client_error());
    }
    let broken = coffer
        .deliver_deep_link("coffer://finsify-hub/abc/%7Bbroken")
        .await
        .unwrap_err();
    assert_eq!(broken.code, ErrorCode::Login);
    assert!(
        broken.message.contains("does not belong"),
        "{}",
        broken.message
    );
    assert!(!waiting.is_finished(), "refusals leave the login waiting");

    coffer.cancel_login(id).await.unwrap();
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    let waiting = coffer;
    assert!(waiting.connections().await.unwrap().is_empty());
    // The listener closed with the login: nothing of Coffer's answers there any more. (Another
    // test's server may have been given the freed port meanwhile; only a login listener sets
    // this header on every answer.)
    if let Ok(answer) = http.get(&base).send().await {
        assert!(
            answer.headers().get("referrer-policy").is_none(),
            "a login listener still answers on {base}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_refusal_html_token_endpoint_and_unreachable_token_endpoint_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let b = bench(dir.path()).await;

    // The user presses Cancel at the bank.
    let ticket = b.coffer.begin_login(&request(None), true).await.unwrap();
    b.sandbox
        .register_redirect_uri(&ticket.started.redirect_uri);
    let url = b.browser.0.lock().unwrap().last().cloned().unwrap();
    tokio::spawn(async move {
        let location = approve_in_browser(&url, false).await.unwrap();
        let _ = reqwest::get(&location).await;
    });
    let err = b
        .coffer
        .finish_login(ticket.started.login_id)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Login);
    assert!(err.message.contains("access_denied"), "{}", err.message);

    // The token endpoint answers with an HTML page.
    b.sandbox
        .inject(Sparebank1Fault::TokenEndpointHtml { requests: 1 });
    let ticket = b.coffer.begin_login(&request(None), true).await.unwrap();
    b.sandbox
        .register_redirect_uri(&ticket.started.redirect_uri);
    let url = b.browser.0.lock().unwrap().last().cloned().unwrap();
    tokio::spawn(async move {
        let location = approve_in_browser(&url, true).await.unwrap();
        let _ = reqwest::get(&location).await;
    });
    let err = b
        .coffer
        .finish_login(ticket.started.login_id)
        .await
        .unwrap_err();
    assert!(err.message.contains("HTML"), "{}", err.message);

    // The token endpoint is unreachable (authorize still works at the sandbox).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    b.coffer
        .set_setting("sparebank1.auth_url", Some(&dead))
        .await
        .unwrap();
    // The browser is played by hand here: the redirect carries the login's own state.
    let ticket = b.coffer.begin_login(&request(None), false).await.unwrap();
    let redirect = format!(
        "{}?code=any&state={}",
        ticket.started.redirect_uri,
        state_of(ticket.browser_url.as_ref().unwrap().expose_secret())
    );
    tokio::spawn(async move {
        let _ = reqwest::get(&redirect).await;
    });
    let err = b
        .coffer
        .finish_login(ticket.started.login_id)
        .await
        .unwrap_err();
    assert!(
        err.message
            .starts_with("cannot reach sparebank1's token endpoint"),
        "{}",
        err.message
    );

    // A taken redirect port is named.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut req = request(None);
    req.fields.insert(
        "redirect_port".into(),
        taken.local_addr().unwrap().port().to_string(),
    );
    let err = b.coffer.begin_login(&req, false).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("already in use"), "{}", err.message);

    assert!(
        b.coffer.connections().await.unwrap().is_empty(),
        "nothing stored"
    );
}

fn state_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[tokio::test]
async fn a_wrong_passphrase_reads_as_a_lost_key_and_reset_starts_a_new_vault() {
    let dir = tempfile::tempdir().unwrap();
    let open = |pass: &str| {
        Coffer::open_with(
            dir.path(),
            OpenOptions {
                clock: Clock::System,
                key_source: KeySource::Passphrase(SecretString::from(pass.to_string())),
                browser: Arc::new(RecordingBrowser::default()),
                ..OpenOptions::default()
            },
        )
        .unwrap()
    };
    let first = open("first pumpkin harbor velvet");
    assert_eq!(first.vault_status().await.unwrap().state, "not_created");
    assert_eq!(first.reset_vault().await.unwrap().state, "ready");
    drop(first);

    let second = open("another quartz meadow signal");
    let status = second.vault_status().await.unwrap();
    assert_eq!(status.state, "key_lost");
    assert_eq!(status.key_source, "passphrase");
    assert_eq!(second.reset_vault().await.unwrap().state, "ready");
    drop(second);
    assert_eq!(
        open("first pumpkin harbor velvet")
            .vault_status()
            .await
            .unwrap()
            .state,
        "key_lost"
    );
}

/// A setting changed after the login (a webview or a writable server pointing
/// `sparebank1.api_url` elsewhere) never takes the connection's token there: the connection
/// keeps the endpoints it logged in with, and keeps working against them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_api_url_sends_no_token_to_the_new_host() {
    let dir = tempfile::tempdir().unwrap();
    let b = bench(dir.path()).await;
    let id = log_in(&b, None).await;
    let first = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(first[0].errors.is_empty(), "{:?}", first[0].errors);

    let elsewhere = Sparebank1Sandbox::start(
        Sparebank1Config {
            clock: SandboxClock::fixed(start()),
            ..Sparebank1Config::default()
        },
        0,
    )
    .await
    .unwrap();
    for key in ["sparebank1.api_url", "sparebank1.auth_url"] {
        b.coffer
            .set_setting(key, Some(&elsewhere.base_url()))
            .await
            .unwrap();
    }
    b.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    let second = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(second[0].errors.is_empty(), "{:?}", second[0].errors);
    assert_eq!(
        b.sandbox.stats().refreshes,
        1,
        "the refresh went to its own host"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the other host received {} requests",
        elsewhere.requests().len()
    );
    // A new login does use the new setting.
    let ticket = b.coffer.begin_login(&request(None), false).await.unwrap();
    let url = ticket
        .browser_url
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_string();
    assert!(url.starts_with(&elsewhere.base_url()), "{url}");
    b.coffer
        .cancel_login(ticket.started.login_id)
        .await
        .unwrap();
}

/// Two logins back to back on one fixed redirect port (the registered one), and a login begun
/// and never finished that a new login for the same bank replaces, freeing its port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_on_a_fixed_port_can_follow_each_other_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let b = bench(dir.path()).await;
    // The first login takes an ephemeral port; it is then the "registered" port.
    let first = b.coffer.begin_login(&request(None), false).await.unwrap();
    let port: u16 = first
        .started
        .redirect_uri
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    b.coffer.cancel_login(first.started.login_id).await.unwrap();
    let fixed = |connection| {
        let mut r = request(connection);
        r.fields.insert("redirect_port".into(), port.to_string());
        r
    };
    b.sandbox
        .register_redirect_uri(&format!("http://127.0.0.1:{port}/callback/sparebank1"));
    let mut ids = Vec::new();
    for _ in 0..2 {
        let ticket = b.coffer.begin_login(&fixed(None), true).await.unwrap();
        assert!(ticket.started.redirect_uri.contains(&format!(":{port}/")));
        let url = b.browser.0.lock().unwrap().last().cloned().unwrap();
        let browser = tokio::spawn(async move {
            let location = approve_in_browser(&url, true).await.unwrap();
            reqwest::get(&location).await.unwrap().status()
        });
        let view = b
            .coffer
            .finish_login(ticket.started.login_id)
            .await
            .unwrap();
        assert_eq!(browser.await.unwrap(), 200);
        ids.push(view.id);
    }
    assert_eq!(ids.len(), 2);

    // Begun and abandoned (the window reloaded): the next login for the same connection
    // replaces it and gets the port.
    let abandoned = b
        .coffer
        .begin_login(&fixed(Some(ids[0])), false)
        .await
        .unwrap();
    let again = b.coffer.begin_login(&fixed(Some(ids[0])), false).await;
    assert!(again.is_ok(), "{:?}", again.err());
    assert!(b
        .coffer
        .finish_login(abandoned.started.login_id)
        .await
        .is_err());
}

/// The app and `coffer sync` on one profile: each holds the connection's tokens in memory.
/// When one has spent the rotating refresh token, the other must take the pair it saved rather
/// than spend the dead one (`invalid_grant`, a needless BankID login); and two syncs of one
/// connection never run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_profile_spend_a_rotating_token_once() {
    let dir = tempfile::tempdir().unwrap();
    let b = bench(dir.path()).await;
    let id = log_in(&b, None).await;
    let other = Coffer::open_with(
        dir.path(),
        OpenOptions {
            clock: Clock::Fixed(start()),
            key_source: KeySource::Passphrase(SecretString::from(
                "correct horse battery staple ferry".to_string(),
            )),
            browser: b.browser.clone(),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    // Both have synced once: both hold the same tokens in memory.
    for coffer in [&b.coffer, &other] {
        let s = coffer.sync(Some(id), |_| {}).await.unwrap();
        assert!(s[0].errors.is_empty(), "{:?}", s[0].errors);
    }
    // The access token dies; the first process refreshes (the refresh token rotates).
    b.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    let first = b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(first[0].errors.is_empty(), "{:?}", first[0].errors);
    assert_eq!(b.sandbox.stats().refreshes, 1);
    // The second still holds the dead access token and the spent refresh token: it must take
    // the saved pair instead of refreshing again.
    let second = other.sync(Some(id), |_| {}).await.unwrap();
    assert!(second[0].errors.is_empty(), "{:?}", second[0].errors);
    assert_eq!(b.sandbox.stats().refreshes, 1, "one refresh at the bank");
    assert_eq!(
        other.connections().await.unwrap()[0].status,
        ConnectionStatus::Active
    );
    // Two syncs of one connection at once: one runs, the other is skipped with a reason.
    let (x, y) = tokio::join!(
        b.coffer.sync(Some(id), |_| {}),
        other.sync(Some(id), |_| {})
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    let skipped = [&x[0], &y[0]].iter().filter(|s| s.skipped).count();
    assert!(skipped <= 1, "at most one is skipped");
    assert!(
        [&x[0], &y[0]]
            .iter()
            .any(|s| !s.skipped && s.errors.is_empty()),
        "one of them syncs"
    );
}

/// Desktop notifications: a bank that keeps failing is told once, not at every scheduled sync;
/// after it recovered, a new failure is told again; a login the bank stopped accepting is told
/// as "log in again". Diagnostics name the failure and hold no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_bank_is_told_once_and_again_only_after_it_recovered() {
    let logs = crate::captured_logs();
    let dir = tempfile::tempdir().unwrap();
    let b = bench(dir.path()).await;
    let id = log_in(&b, None).await;
    b.coffer.sync(Some(id), |_| {}).await.unwrap();
    assert!(b.coffer.new_notices().await.unwrap().is_empty());

    b.sandbox
        .inject(Sparebank1Fault::ServerError { requests: 10_000 });
    let failed = b.coffer.sync_scheduled(true, |_| {}).await.unwrap();
    assert!(!failed[0].errors.is_empty(), "{failed:?}");
    let told = b.coffer.new_notices().await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].connection_id, id);
    assert_eq!(told[0].kind, coffer_api::views::NoticeKind::SyncFailed);
    assert!(told[0].title.contains("SpareBank 1"), "{:?}", told[0]);
    // The same failure at the next scheduled syncs is not told again.
    for _ in 0..2 {
        b.coffer.sync_scheduled(true, |_| {}).await.unwrap();
        assert!(b.coffer.new_notices().await.unwrap().is_empty());
    }
    let report = b.coffer.diagnostics().await.unwrap();
    assert!(report.contains("last error"), "{report}");
    for secret in b
        .sandbox
        .issued_secrets()
        .iter()
        .map(String::as_str)
        .chain([CLIENT_SECRET])
    {
        assert!(!report.contains(secret), "diagnostics hold a secret");
    }

    b.sandbox.clear_faults();
    b.coffer.sync_scheduled(true, |_| {}).await.unwrap();
    assert!(b.coffer.new_notices().await.unwrap().is_empty());
    assert!(b.coffer.notices().await.unwrap().is_empty(), "recovered");
    b.sandbox
        .inject(Sparebank1Fault::ServerError { requests: 10_000 });
    b.coffer.sync_scheduled(true, |_| {}).await.unwrap();
    assert_eq!(
        b.coffer.new_notices().await.unwrap().len(),
        1,
        "a new failure is told"
    );

    b.sandbox.clear_faults();
    b.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    b.sandbox.inject(Sparebank1Fault::RevokeRefreshTokens);
    b.coffer.sync_scheduled(true, |_| {}).await.unwrap();
    let told = b.coffer.new_notices().await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, coffer_api::views::NoticeKind::NeedsLogin);
    // A connection that must log in again is not retried by the schedule.
    assert!(b
        .coffer
        .sync_scheduled(false, |_| {})
        .await
        .unwrap()
        .is_empty());

    let logged = logs.bytes();
    assert!(
        logged.len() > 1000,
        "the test saw the logs ({} bytes)",
        logged.len()
    );
    for secret in b
        .sandbox
        .issued_secrets()
        .iter()
        .map(String::as_str)
        .chain([CLIENT_SECRET])
    {
        assert!(
            memchr::memmem::find(&logged, secret.as_bytes()).is_none(),
            "the logs hold a secret"
        );
    }
}
