//! The scripted "user with a browser" every hosted login page is driven with: fetch a page,
//! read its form, press a button, see where the bank sends the browser. Each bank's module
//! keeps only its own script (which button, what to type, whether to follow redirects).
//!
//! Plain `http://` on loopback only: the sandboxes never reach beyond this machine. Redirects
//! are never followed by the client itself, because the scripts must see every `Location` (a
//! `coffer://` target is handed to the app, not fetched).

use std::time::Duration;

use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION};
use scraper::{ElementRef, Html, Selector};
use url::{Host, Url};

const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a scripted browser could not finish a login page.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    #[error("not a usable http:// loopback URL: {0}")]
    BadUrl(String),
    #[error("talking to {url}: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// A page or redirect hop answered with an error page (unknown client, expired or spent
    /// request, unregistered redirect URI…); `body` is its visible text.
    #[error("{url} answered HTTP {status}: {body}")]
    Page {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the page has no usable form: {0}")]
    NoForm(String),
    /// Pressing the button did not redirect.
    #[error("submitting the form answered HTTP {status} without a redirect: {body}")]
    NoRedirect { status: u16, body: String },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
}

/// One answer the browser got.
pub(crate) struct Page {
    pub url: Url,
    pub status: u16,
    headers: HeaderMap,
    pub html: String,
}

impl Page {
    /// Where a redirect sends the browser, absolute; a custom scheme is kept verbatim. `None`
    /// for an answer that is not a redirect.
    pub fn redirect(&self) -> Result<Option<String>, BrowseError> {
        if !matches!(self.status, 301 | 302 | 303 | 307 | 308) {
            return Ok(None);
        }
        let location = self
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| BrowseError::NoRedirect {
                status: self.status,
                body: "no Location header".into(),
            })?;
        if Url::parse(location).is_ok() {
            return Ok(Some(location.to_owned()));
        }
        self.url
            .join(location)
            .map(|u| Some(u.to_string()))
            .map_err(|e| BrowseError::BadUrl(format!("Location {location:?}: {e}")))
    }

    /// This page as an error: its URL, status and visible text.
    pub fn refused(&self) -> BrowseError {
        BrowseError::Page {
            url: self.url.to_string(),
            status: self.status,
            body: text_of(&self.html),
        }
    }

    /// The first form of the page.
    pub fn form(&self) -> Result<Form, BrowseError> {
        Form::first_in(&self.html).ok_or_else(|| BrowseError::NoForm("no <form> element".into()))
    }
}

/// Only plain http on this machine.
pub(crate) fn fetchable(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        }
}

/// `GET url`.
pub(crate) async fn open(url: &str) -> Result<Page, BrowseError> {
    let url = Url::parse(url).map_err(|e| BrowseError::BadUrl(format!("{url}: {e}")))?;
    exchange(url, None).await
}

/// GET `url`, or POST `form` (url-encoded) to it.
async fn exchange(url: Url, form: Option<String>) -> Result<Page, BrowseError> {
    if !fetchable(&url) {
        return Err(BrowseError::BadUrl(url.to_string()));
    }
    let http = |source| BrowseError::Http {
        url: url.to_string(),
        source,
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent("coffer-sandbox-browser")
        .build()
        .map_err(http)?;
    let request = match form {
        Some(body) => client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body),
        None => client.get(url.clone()),
    };
    let answer = request.send().await.map_err(http)?;
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let html = answer.text().await.map_err(http)?;
    Ok(Page {
        url,
        status,
        headers,
        html,
    })
}

/// Follows `first` from hop to hop while it stays on fetchable pages, like a browser would;
/// returns the first target it must not fetch (a custom scheme) or the last page's URL.
pub(crate) async fn follow(first: String, max: usize) -> Result<String, BrowseError> {
    let mut next = first;
    for _ in 0..max {
        let Some(url) = Url::parse(&next).ok().filter(fetchable) else {
            return Ok(next);
        };
        let hop = exchange(url, None).await?;
        match hop.redirect()? {
            Some(location) => next = location,
            None if hop.status >= 400 => return Err(hop.refused()),
            None => return Ok(next),
        }
    }
    Err(BrowseError::TooManyRedirects(max))
}

/// One `<input>` of a form.
pub(crate) struct Input {
    pub name: String,
    /// Lower-cased `type`, `text` when absent.
    pub kind: String,
    pub value: String,
}

/// One submit button (`<button>` or `<input type=submit>`).
pub(crate) struct Button {
    pub name: Option<String>,
    pub value: Option<String>,
    /// What the user reads on it.
    pub label: String,
}

/// A form as a browser sees it.
pub(crate) struct Form {
    pub action: String,
    /// Lower-cased; `get` when absent, as in HTML.
    pub method: String,
    pub inputs: Vec<Input>,
    pub buttons: Vec<Button>,
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

impl Form {
    /// The first `<form>` of `html`.
    pub fn first_in(html: &str) -> Option<Form> {
        let doc = Html::parse_document(html);
        let form = doc.select(&selector("form")?).next()?;
        let attr = |e: &ElementRef, name: &str| e.value().attr(name).map(str::to_owned);
        let mut inputs = Vec::new();
        let mut buttons = Vec::new();
        for field in form.select(&selector("input, button")?) {
            let tag = field.value().name();
            let default_kind = if tag == "button" { "submit" } else { "text" };
            let kind = attr(&field, "type")
                .unwrap_or_else(|| default_kind.into())
                .to_ascii_lowercase();
            if kind == "submit" {
                let label = if tag == "button" {
                    squeeze(field.text())
                } else {
                    attr(&field, "value").unwrap_or_default()
                };
                buttons.push(Button {
                    name: attr(&field, "name"),
                    value: attr(&field, "value"),
                    label,
                });
            } else if let (Some(name), "input") = (attr(&field, "name"), tag) {
                inputs.push(Input {
                    name,
                    kind,
                    value: attr(&field, "value").unwrap_or_default(),
                });
            }
        }
        Some(Form {
            action: attr(&form, "action").unwrap_or_default(),
            method: attr(&form, "method")
                .unwrap_or_else(|| "get".into())
                .to_ascii_lowercase(),
            inputs,
            buttons,
        })
    }

    /// The button whose label or value is `wanted` (case-insensitive).
    pub fn button(&self, wanted: &[&str]) -> Result<&Button, BrowseError> {
        let matches = |text: &str| wanted.iter().any(|w| text.trim().eq_ignore_ascii_case(w));
        self.buttons
            .iter()
            .find(|b| matches(&b.label) || b.value.as_deref().is_some_and(matches))
            .ok_or_else(|| BrowseError::NoForm(format!("no {wanted:?} button")))
    }

    /// Presses `button` with each input's value as `fill` gives it (`None`: left out), the way
    /// a browser submits: the form's method, its action resolved against the page.
    pub async fn submit(
        &self,
        page: &Page,
        button: &Button,
        fill: impl Fn(&Input) -> Option<String>,
    ) -> Result<Page, BrowseError> {
        let encoded = {
            let mut fields = url::form_urlencoded::Serializer::new(String::new());
            for input in &self.inputs {
                if let Some(value) = fill(input) {
                    fields.append_pair(&input.name, &value);
                }
            }
            if let Some(name) = &button.name {
                fields.append_pair(name, button.value.as_deref().unwrap_or(""));
            }
            fields.finish()
        };
        let mut action = page
            .url
            .join(&self.action)
            .map_err(|e| BrowseError::NoForm(format!("bad form action {:?}: {e}", self.action)))?;
        if self.method == "get" {
            action.set_query(Some(&encoded));
            exchange(action, None).await
        } else {
            exchange(action, Some(encoded)).await
        }
    }
}

fn squeeze<'a>(text: impl Iterator<Item = &'a str>) -> String {
    text.flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The visible text of an HTML page on one line, for error messages.
pub(crate) fn text_of(html: &str) -> String {
    let doc = Html::parse_document(html);
    let Some(body) = selector("body").and_then(|s| doc.select(&s).next()) else {
        return squeeze(std::iter::once(html));
    };
    // Style and script text is not what a person reads on the page.
    let hidden: Vec<_> = selector("style, script")
        .map(|s| body.select(&s).map(|e| e.id()).collect())
        .unwrap_or_default();
    squeeze(body.descendants().filter_map(|node| {
        let inside_hidden = node.ancestors().any(|a| hidden.contains(&a.id()));
        node.value()
            .as_text()
            .filter(|_| !inside_hidden)
            .map(|t| &**t)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_form_as_a_browser_does() {
        let html = r#"<main><FORM method="POST" action="/bank/bt/oauth/authorize">
<input type="hidden" name="state" value="s&amp;1">
<input name="user"><input type="password" name="pin">
<button type="submit" name="decision" value="approve">Approve</button>
<button name='decision' value='deny'>  Deny
</button><input type="submit" name="go" value="Log in"></form></main>"#;
        let form = Form::first_in(html).unwrap();
        assert_eq!(form.action, "/bank/bt/oauth/authorize");
        assert_eq!(form.method, "post");
        let inputs: Vec<_> = form
            .inputs
            .iter()
            .map(|i| (i.name.as_str(), i.kind.as_str(), i.value.as_str()))
            .collect();
        assert_eq!(
            inputs,
            [
                ("state", "hidden", "s&1"),
                ("user", "text", ""),
                ("pin", "password", "")
            ]
        );
        assert_eq!(form.buttons.len(), 3);
        assert_eq!(form.button(&["deny"]).unwrap().label, "Deny");
        assert_eq!(
            form.button(&["log in"]).unwrap().name.as_deref(),
            Some("go")
        );
        assert!(form.button(&["cancel"]).is_err());
    }

    #[test]
    fn only_loopback_http_is_fetched() {
        for (url, ok) in [
            ("http://127.0.0.1:9/cb", true),
            ("http://localhost:9/cb", true),
            ("http://[::1]:9/cb", true),
            ("https://127.0.0.1/cb", false),
            ("http://example.com/cb", false),
            ("coffer://finqware/cb", false),
        ] {
            assert_eq!(fetchable(&Url::parse(url).unwrap()), ok, "{url}");
        }
    }

    #[test]
    fn error_pages_are_read_as_their_visible_text() {
        let html = "<html><head><style>p{color:red}</style></head><body><h1>Bad request</h1>\n\
                    <p>unknown   client</p><script>x()</script></body></html>";
        assert_eq!(text_of(html), "Bad request unknown client");
    }
}
