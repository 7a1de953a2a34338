//! Logins in progress, and the delivery of redirects to them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

use crate::callback::{Callback, CallbackResult, Expected, Verdict};
use crate::loopback::LoopbackListener;
use crate::LoginError;

pub type LoginId = u64;

enum Event {
    Finished(Result<CallbackResult, LoginError>),
    Cancelled,
}

struct Slot {
    expected: Arc<Expected>,
    events: mpsc::UnboundedSender<Event>,
}

/// Every login waiting for its redirect. A redirect goes to the one login it matches, and that
/// login is removed before the result is handed over, so a replayed redirect finds nothing.
#[derive(Default)]
pub struct PendingLogins {
    slots: Mutex<HashMap<LoginId, Slot>>,
    next: AtomicU64,
}

impl std::fmt::Debug for PendingLogins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.slots.lock().map(|s| s.len()).unwrap_or_default();
        f.debug_struct("PendingLogins")
            .field("pending", &count)
            .finish()
    }
}

/// One login waiting for its redirect; drive it with [`PendingLogin::wait`].
#[derive(Debug)]
pub struct PendingLogin {
    pub id: LoginId,
    registry: Arc<PendingLogins>,
    events: mpsc::UnboundedReceiver<Event>,
}

impl Drop for PendingLogin {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

/// What happened to one redirect offered to the pending logins.
#[derive(Debug)]
pub enum Delivery {
    /// It finished login `0` (successfully or with the provider's refusal).
    Finished(LoginId),
    /// It was refused; no login changed.
    Refused(LoginError),
}

impl PendingLogins {
    pub fn new() -> Arc<PendingLogins> {
        Arc::new(PendingLogins::default())
    }

    pub fn register(self: &Arc<Self>, expected: Expected) -> PendingLogin {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut slots) = self.slots.lock() {
            slots.insert(
                id,
                Slot {
                    expected: Arc::new(expected),
                    events: tx,
                },
            );
        }
        PendingLogin {
            id,
            registry: Arc::clone(self),
            events: rx,
        }
    }

    /// A fresh id for a login that waits for no redirect (credentials), from the same sequence.
    pub fn allocate_id(&self) -> LoginId {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn is_pending(&self, id: LoginId) -> bool {
        self.slots.lock().is_ok_and(|s| s.contains_key(&id))
    }

    /// Ends a login as cancelled; false when it had already ended.
    pub fn cancel(&self, id: LoginId) -> bool {
        match self.take(id) {
            Some(slot) => {
                let _ = slot.events.send(Event::Cancelled);
                true
            }
            None => false,
        }
    }

    /// A `coffer://` deep link handed over by the OS, offered to every pending login.
    pub fn deliver_deep_link(&self, link: &str, scheme: &str) -> Delivery {
        match Callback::from_deep_link(link, scheme) {
            Ok(callback) => self.offer(None, &callback),
            Err(e) => Delivery::Refused(e),
        }
    }

    /// Offers a redirect to one login (`only`, for its loopback listener) or to all of them.
    pub fn offer(&self, only: Option<LoginId>, callback: &Callback) -> Delivery {
        let candidates: Vec<(LoginId, Arc<Expected>)> = match self.slots.lock() {
            Ok(slots) => slots
                .iter()
                .filter(|(id, _)| only.is_none_or(|o| o == **id))
                .map(|(id, s)| (*id, Arc::clone(&s.expected)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let mut refusal = None;
        for (id, expected) in candidates {
            match expected.check(callback) {
                Verdict::NotMine(e) => {
                    refusal.get_or_insert(e);
                }
                Verdict::Refused(e) => return Delivery::Refused(e),
                Verdict::Finished(result) => {
                    // Taken out first: whoever gets here second finds no slot (used once).
                    return match self.take(id) {
                        Some(slot) => {
                            let _ = slot.events.send(Event::Finished(result));
                            Delivery::Finished(id)
                        }
                        None => Delivery::Refused(LoginError::NoPendingLogin),
                    };
                }
            }
        }
        Delivery::Refused(refusal.unwrap_or(LoginError::NoPendingLogin))
    }

    fn take(&self, id: LoginId) -> Option<Slot> {
        self.slots.lock().ok().and_then(|mut s| s.remove(&id))
    }

    fn remove(&self, id: LoginId) {
        let _ = self.take(id);
    }
}

impl PendingLogin {
    /// Waits for the redirect, serving `listener` (if any) until the login ends, then closes it.
    pub async fn wait(
        mut self,
        listener: Option<LoopbackListener>,
        timeout: Duration,
    ) -> Result<CallbackResult, LoginError> {
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = match listener {
            Some(l) => {
                let tokio_listener = l.into_tokio()?;
                let app = axum::Router::new()
                    .fallback(serve_redirect)
                    .with_state(RedirectTarget {
                        registry: Arc::clone(&self.registry),
                        login: self.id,
                    });
                Some(tokio::spawn(crate::http::serve_bounded(
                    tokio_listener,
                    app,
                    crate::http::ServerLimits::LOGIN,
                    async {
                        let _ = stop_rx.await;
                    },
                )))
            }
            None => None,
        };
        let outcome = tokio::select! {
            event = self.events.recv() => match event {
                Some(Event::Finished(result)) => result,
                Some(Event::Cancelled) | None => Err(LoginError::Cancelled),
            },
            () = tokio::time::sleep(timeout) => Err(LoginError::TimedOut { minutes: timeout.as_secs().div_ceil(60) }),
        };
        self.registry.remove(self.id);
        let _ = stop_tx.send(());
        if let Some(server) = server {
            // Let the browser's "you can return to Coffer" page finish, but never hang on a
            // client that keeps its connection open.
            if tokio::time::timeout(Duration::from_secs(2), async {
                let _ = (&mut *Box::pin(server)).await;
            })
            .await
            .is_err()
            {
                tracing::debug!("login listener closed with connections still open");
            }
        }
        outcome
    }
}

#[derive(Clone)]
struct RedirectTarget {
    registry: Arc<PendingLogins>,
    login: LoginId,
}

async fn serve_redirect(State(target): State<RedirectTarget>, request: Request) -> Response {
    let uri = request.uri();
    let callback = Callback::from_request_target(uri.path(), uri.query());
    match target.registry.offer(Some(target.login), &callback) {
        Delivery::Finished(_) => page(
            StatusCode::OK,
            "Coffer received the bank's answer",
            "You can close this tab and return to Coffer.",
        ),
        Delivery::Refused(e) => {
            tracing::info!("login listener refused a request: {e}");
            let status = match e {
                LoginError::NotForThisLogin { .. } => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            page(
                status,
                "Coffer could not use this page",
                "This address does not complete the login in progress. Return to Coffer to \
                 try again or cancel.",
            )
        }
    }
}

/// A static page: no scripts, no external resources, nothing from the request echoed back.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font:16px system-ui,sans-serif;max-width:32em;margin:4em auto;color:#1d2433}}\
         </style></head><body><h1>{title}</h1><p>{body}</p></body></html>"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    response
}

#[cfg(test)]
mod tests {
    use secrecy::{ExposeSecret, SecretString};

    use super::*;

    fn expected() -> Expected {
        Expected::OAuth {
            provider: "bank".into(),
            paths: vec!["/callback/bank".into()],
            state: SecretString::from("st".to_string()),
        }
    }

    #[tokio::test]
    async fn junk_wrong_state_and_missing_code_are_refused_then_the_real_redirect_wins() {
        let registry = PendingLogins::new();
        let listener = LoopbackListener::bind(0).unwrap();
        let base = listener.redirect_uri("");
        let login = registry.register(expected());
        let id = login.id;
        let waiter = tokio::spawn(login.wait(Some(listener), Duration::from_secs(30)));
        let http = reqwest::Client::new();
        for i in 0..200 {
            let r = http
                .get(format!("{base}/junk/{i}?x=<script>"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404);
            assert_eq!(r.headers()["referrer-policy"], "no-referrer");
            assert!(!r.text().await.unwrap().contains("<script>"));
        }
        let wrong = http
            .get(format!("{base}/callback/bank?code=c&state=nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 404);
        let no_code = http
            .get(format!("{base}/callback/bank?state=st"))
            .send()
            .await
            .unwrap();
        assert_eq!(no_code.status(), 400);
        assert!(
            registry.is_pending(id),
            "refusals must leave the login waiting"
        );
        let ok = http
            .get(format!("{base}/callback/bank?code=the-code&state=st"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        match waiter.await.unwrap() {
            Ok(CallbackResult::AuthorizationCode(code)) => {
                assert_eq!(code.expose_secret(), "the-code")
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!registry.is_pending(id));
        // The listener is closed once the login ended: a replay cannot even connect.
        assert!(http
            .get(format!("{base}/callback/bank?code=the-code&state=st"))
            .send()
            .await
            .is_err());
    }

    #[tokio::test]
    async fn a_deep_link_is_used_once_and_cancel_ends_a_waiting_login() {
        let registry = PendingLogins::new();
        let login = registry.register(expected());
        let link = "coffer://callback/bank?code=c1&state=st";
        assert!(matches!(
            registry.deliver_deep_link(link, "coffer"),
            Delivery::Finished(_)
        ));
        assert!(matches!(
            registry.deliver_deep_link(link, "coffer"),
            Delivery::Refused(LoginError::NoPendingLogin)
        ));
        assert!(login.wait(None, Duration::from_secs(5)).await.is_ok());

        let other = registry.register(expected());
        let id = other.id;
        let waiter = tokio::spawn(other.wait(None, Duration::from_secs(30)));
        assert!(registry.cancel(id));
        assert_eq!(waiter.await.unwrap().unwrap_err(), LoginError::Cancelled);
        assert!(!registry.cancel(id));
    }

    /// Two logins back to back on one fixed port: the first login's closed connection sits in
    /// TIME_WAIT, and the second login must still be able to listen there.
    #[tokio::test]
    async fn a_fixed_port_can_be_listened_on_again_right_after_a_login() {
        let port = LoopbackListener::bind(0).unwrap().port();
        for round in 0..2 {
            let registry = PendingLogins::new();
            let listener =
                LoopbackListener::bind(port).unwrap_or_else(|e| panic!("round {round}: {e}"));
            let base = listener.redirect_uri("");
            let login = registry.register(expected());
            let waiter = tokio::spawn(login.wait(Some(listener), Duration::from_secs(30)));
            let ok = reqwest::get(format!("{base}/callback/bank?code=c{round}&state=st"))
                .await
                .unwrap();
            assert_eq!(ok.status(), 200);
            assert!(waiter.await.unwrap().is_ok());
        }
        // A listening port is still refused to a second listener.
        let holder = LoopbackListener::bind(port).unwrap();
        assert_eq!(
            LoopbackListener::bind(port).unwrap_err(),
            LoginError::PortTaken { port }
        );
        drop(holder);
    }

    #[test]
    fn a_taken_port_is_named() {
        let first = LoopbackListener::bind(0).unwrap();
        let err = LoopbackListener::bind(first.port()).unwrap_err();
        assert_eq!(err, LoginError::PortTaken { port: first.port() });
        assert!(err.to_string().contains("already in use"));
    }

    #[tokio::test]
    async fn a_login_times_out() {
        let registry = PendingLogins::new();
        let login = registry.register(expected());
        let err = login
            .wait(None, Duration::from_millis(20))
            .await
            .unwrap_err();
        assert!(matches!(err, LoginError::TimedOut { .. }));
    }
}
