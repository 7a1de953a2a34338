//! The HTTP client every connector and the token exchange share, and how its answers are read.

use std::time::Duration;

use crate::LoginError;

/// The largest answer a bank API call may carry. A year of a busy account is a few megabytes
/// of JSON; anything near this is a bank gone wrong, and reading it all would only fill memory.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
/// The largest token response: a few kilobytes in practice.
pub const MAX_TOKEN_BODY: usize = 64 * 1024;

/// A client that never follows redirects (token endpoints must not bounce requests elsewhere,
/// oauth2 crate docs on SSRF), with explicit timeouts so a dead or stalling bank cannot hang a
/// sync: 10 s to connect, 60 s for a whole answer (a stream that never ends is cut there).
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

/// Why an answer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the answer is larger than {limit} bytes, so it was not read")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Transport(#[from] reqwest::Error),
}

/// Reads an answer's body, refusing it as soon as it passes `limit` bytes (by its announced
/// length or as it streams in), so no bank can make Coffer hold an endless or huge body.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// [`read_capped`] as text (lossy UTF-8: a bad byte is reported by the JSON parser, not here).
pub async fn read_text_capped(
    response: reqwest::Response,
    limit: usize,
) -> Result<String, BodyError> {
    let bytes = read_capped(response, limit).await?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}
