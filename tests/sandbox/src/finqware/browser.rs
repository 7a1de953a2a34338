//! The scripted user on the bank's consent page (the `sca` step): presses Approve or Deny, then
//! follows the redirects — the bank's to Finqware, Finqware's to `psu_redirect_link` — as a
//! browser would.

pub use crate::browser::BrowseError;
use crate::browser::{follow, open};

const MAX_REDIRECTS: usize = 10;

/// Acts as the user's browser on the consent page at `consent_url` (the `data.url` of the
/// `sca` step): presses "Approve" (`approve = true`) or "Deny", then follows the redirects as
/// long as they lead to `http://` on a loopback address (so a real loopback listener receives
/// the final GET). Returns the final URL: `psu_redirect_link?temp_token=…` (or `?error=…`). A
/// custom-scheme (`coffer://…`) or non-loopback target is returned without being fetched, for
/// the caller to hand to the app.
pub async fn approve_in_browser(consent_url: &str, approve: bool) -> Result<String, BrowseError> {
    let page = open(consent_url).await?;
    if page.status != 200 {
        return Err(page.refused());
    }
    let form = page.form()?;
    let button = form.button(&[if approve { "approve" } else { "deny" }])?;
    // The consent page asks nothing of the user: only its hidden fields go back.
    let answer = form
        .submit(&page, button, |input| {
            (input.kind == "hidden").then(|| input.value.clone())
        })
        .await?;
    let Some(next) = answer.redirect()? else {
        return Err(BrowseError::NoRedirect {
            status: answer.status,
            body: crate::browser::text_of(&answer.html),
        });
    };
    follow(next, MAX_REDIRECTS).await
}
