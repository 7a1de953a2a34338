//! The HTTP client every connector and the token exchange share.

use std::time::Duration;

use crate::LoginError;

/// A client that never follows redirects (token endpoints must not bounce requests elsewhere,
/// oauth2 crate docs on SSRF), with explicit timeouts so a dead bank cannot hang a sync.
pub fn client() -> Result<reqwest::Client, LoginError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("Coffer/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| LoginError::Settings {
            detail: format!("cannot build the HTTP client: {e}"),
        })
}
