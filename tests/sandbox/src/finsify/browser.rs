//! The scripted user on Finsify's hosted connect page: types a bank login into the form and
//! presses Connect or Cancel.

pub use crate::browser::BrowseError;
use crate::browser::{open, text_of};

/// Acts as the user's browser on the connect page: fetches `connect_url`, fills in the bank login
/// form and presses "Connect" (`approve = true`) or "Cancel", and returns the redirect target —
/// the callback URL with the JSON appended as a path segment — WITHOUT following it (it may be a
/// `coffer://` URL).
pub async fn approve_in_browser(connect_url: &str, approve: bool) -> Result<String, BrowseError> {
    let page = open(connect_url).await?;
    if page.status != 200 {
        return Err(page.refused());
    }
    let form = page.form()?;
    if form.method != "post" {
        return Err(BrowseError::NoForm(format!(
            "the form uses method {:?}",
            form.method
        )));
    }
    let button = form.button(&[if approve { "connect" } else { "cancel" }])?;
    let answer = form
        .submit(&page, button, |input| match input.kind.as_str() {
            "hidden" => Some(input.value.clone()),
            "password" => Some("sandbox-password".into()),
            "checkbox" | "radio" | "image" | "reset" | "file" | "button" => None,
            _ if input.value.is_empty() => Some("sandbox-user".into()),
            _ => Some(input.value.clone()),
        })
        .await?;
    answer.redirect()?.ok_or_else(|| BrowseError::NoRedirect {
        status: answer.status,
        body: text_of(&answer.html),
    })
}
