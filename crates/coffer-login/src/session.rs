//! The token lifecycle of one connected bank.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::oauth::{OAuthProvider, TokenSet};
use crate::LoginError;

/// Saves a connection's tokens (sealed, in the vault). Called with the new pair *before* the new
/// access token is used, so a crash can never leave Coffer holding only a dead refresh token.
#[async_trait::async_trait]
pub trait TokenSink: Send + Sync {
    fn save(&self, tokens: &TokenSet) -> Result<(), LoginError>;

    /// Takes the profile-wide lock on refreshing this connection, waiting while another
    /// process (the app and `coffer sync` on one profile) holds it, and returns the tokens saved
    /// now: if another process refreshed meanwhile, they are fresher than the ones in hand. A
    /// sink with no other process to fear returns `None`.
    async fn lock_for_refresh(&self) -> Result<Option<TokenSet>, LoginError> {
        Ok(None)
    }

    /// Releases what [`TokenSink::lock_for_refresh`] took.
    fn unlock_refresh(&self) {}
}

/// Hands out access tokens for one connection and renews them: before expiry, and once after a
/// 401. Concurrent callers share one refresh (single flight) because a rotating refresh token
/// may be spent only once.
pub struct OAuthSession {
    provider: OAuthProvider,
    http: reqwest::Client,
    tokens: tokio::sync::Mutex<TokenSet>,
    sink: Arc<dyn TokenSink>,
    refreshes: AtomicU32,
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    /// A rotated pair the sink could not save yet (a full disk): kept, and saved before any
    /// further use, because the bank has already retired the previous refresh token.
    unsaved: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSession")
            .field("provider", &self.provider.provider)
            .field("refreshes", &self.refreshes.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Refresh a little early so a token does not expire in flight.
const LEEWAY_SECONDS: i64 = 30;

impl OAuthSession {
    pub fn new(
        provider: OAuthProvider,
        http: reqwest::Client,
        tokens: TokenSet,
        sink: Arc<dyn TokenSink>,
    ) -> OAuthSession {
        OAuthSession::with_clock(provider, http, tokens, sink, Arc::new(Utc::now))
    }

    /// Like [`OAuthSession::new`], reading "now" from `now` (tests, and profiles opened with a
    /// pinned clock).
    pub fn with_clock(
        provider: OAuthProvider,
        http: reqwest::Client,
        tokens: TokenSet,
        sink: Arc<dyn TokenSink>,
        now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    ) -> OAuthSession {
        OAuthSession {
            provider,
            http,
            tokens: tokio::sync::Mutex::new(tokens),
            sink,
            refreshes: AtomicU32::new(0),
            now,
            unsaved: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// How many refreshes this session made (for progress output and tests).
    pub fn refreshes(&self) -> u32 {
        self.refreshes.load(Ordering::Relaxed)
    }

    pub fn provider(&self) -> &OAuthProvider {
        &self.provider
    }

    /// A usable access token, refreshed first if it is about to expire.
    pub async fn access_token(&self) -> Result<SecretString, LoginError> {
        let mut tokens = self.tokens.lock().await;
        self.save_pending(&tokens)?;
        let now = (self.now)();
        if tokens.access_expired(now, Duration::seconds(LEEWAY_SECONDS)) {
            self.refresh_locked(&mut tokens, now).await?;
        }
        Ok(tokens.access_token.clone())
    }

    /// The API refused `rejected` with 401: refresh once and hand out the new token. If another
    /// caller already refreshed while this one waited, its token is returned without a second
    /// refresh.
    pub async fn after_unauthorized(
        &self,
        rejected: &SecretString,
    ) -> Result<SecretString, LoginError> {
        let mut tokens = self.tokens.lock().await;
        self.save_pending(&tokens)?;
        if tokens.access_token.expose_secret() != rejected.expose_secret() {
            return Ok(tokens.access_token.clone());
        }
        let now = (self.now)();
        self.refresh_locked(&mut tokens, now).await?;
        Ok(tokens.access_token.clone())
    }

    /// The consent end date, for display.
    pub async fn consent_expires_at(&self) -> Option<DateTime<Utc>> {
        self.tokens.lock().await.consent_expires_at
    }

    async fn refresh_locked(
        &self,
        tokens: &mut TokenSet,
        now: DateTime<Utc>,
    ) -> Result<(), LoginError> {
        // A rotating refresh token may be spent once, by one process: the profile-wide lock
        // makes the other process wait, and it then finds the pair this one saved.
        let saved = self.sink.lock_for_refresh().await?;
        let result = match saved {
            Some(saved)
                if saved.access_token.expose_secret() != tokens.access_token.expose_secret() =>
            {
                *tokens = saved;
                Ok(())
            }
            _ => self.refresh_at_bank(tokens, now).await,
        };
        self.sink.unlock_refresh();
        result
    }

    async fn refresh_at_bank(
        &self,
        tokens: &mut TokenSet,
        now: DateTime<Utc>,
    ) -> Result<(), LoginError> {
        let fresh = self.provider.refresh(&self.http, tokens, now).await?;
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        // The bank has retired the old refresh token: the new pair is the only one that works,
        // so it is kept even when saving fails, and saved before it is used.
        *tokens = fresh;
        self.unsaved.store(true, Ordering::SeqCst);
        self.save_pending(tokens)
    }

    /// Saves a rotated pair not saved yet; until that succeeds no token is handed out.
    fn save_pending(&self, tokens: &TokenSet) -> Result<(), LoginError> {
        if self.unsaved.load(Ordering::SeqCst) {
            self.sink.save(tokens)?;
            self.unsaved.store(false, Ordering::SeqCst);
        }
        Ok(())
    }
}
