//! The scripted user on the BankID page: one form, "Log in" or "Cancel", no redirects followed.
//! Enough to drive the sandbox's authorize page from tests and tools.

pub use crate::browser::BrowseError;
use crate::browser::{open, text_of};

/// Acts as the user's browser on the authorize page: fetches `authorize_url`, submits the
/// BankID form with `approve` (true = "Log in", false = "Cancel"), and returns the redirect
/// target (the `Location` the bank sends the browser to) WITHOUT following it.
///
/// If the authorize request itself is answered with a redirect (an OAuth error such as a
/// missing `state`), that `Location` is returned. An HTML error page (unknown client,
/// unregistered redirect URI) gives [`BrowseError::Page`].
pub async fn approve_in_browser(authorize_url: &str, approve: bool) -> Result<String, BrowseError> {
    let page = open(authorize_url).await?;
    if let Some(location) = page.redirect()? {
        return Ok(location);
    }
    if page.status != 200 {
        return Err(page.refused());
    }
    let form = page.form()?;
    let button = form.button(if approve {
        &["approve", "log in"]
    } else {
        &["cancel"]
    })?;
    let answer = form
        .submit(&page, button, |input| Some(input.value.clone()))
        .await?;
    if let Some(location) = answer.redirect()? {
        return Ok(location);
    }
    if answer.status >= 400 {
        return Err(answer.refused());
    }
    Err(BrowseError::NoRedirect {
        status: answer.status,
        body: text_of(&answer.html),
    })
}
