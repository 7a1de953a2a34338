//! The My Fibank login dance (providers.md §D "Auth flow"): one cookie jar throughout, the CSRF
//! token read from the login page, the certificate lookup, the form post, and the access token
//! read from the fragment of a redirect's `Location`. Redirects are never followed blindly: each
//! hop is read here, must stay on the configured host, and is fetched with the jar by hand.
//!
//! The password is only ever written into the body of the one form post. It is never in a URL,
//! a message or a log line; the errors below carry the bank's words, never the form.

use chrono::{DateTime, Utc};
use rand::RngCore;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::FibankError;
use crate::wire::{join_path, tidy, transport_problem};

/// The e-banking client the web app identifies as, and the scope it asks for.
const CLIENT_ID: &str = "E_BANK";
const SCOPE: &str = "E_BANK";
/// More hops than the bank's two means a loop or a page Coffer does not know.
const MAX_HOPS: usize = 6;
/// Login pages are small; a huge one is not the login page.
const MAX_PAGE: usize = 2 * 1024 * 1024;

/// What the user typed: the e-banking username and password.
#[derive(Clone)]
pub struct FibankCredentials {
    pub username: String,
    pub password: SecretString,
}

impl std::fmt::Debug for FibankCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FibankCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// One cookie the bank set.
#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    value: String,
    path: String,
}

/// The session's cookies. A browser jar in miniature: name, value and path are kept (the bank
/// scopes its certificate cookie to `/oauth2-server`); everything goes to one host, so domains
/// are not needed, and the bank's cookies are session cookies, so expiry is not either.
#[derive(Debug, Clone, Default)]
pub(super) struct Jar(Vec<Cookie>);

impl Jar {
    /// Takes every `Set-Cookie` of an answer; a cookie of the same name and path is replaced
    /// (Spring issues a new `JSESSIONID` on login).
    pub(super) fn take(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let name = name.trim().to_string();
            if name.is_empty() {
                continue;
            }
            let path = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("path"))
                .map(|(_, v)| v.trim().to_string())
                .filter(|p| p.starts_with('/'))
                .unwrap_or_else(|| "/".to_string());
            let value = value.trim().to_string();
            match self.0.iter_mut().find(|c| c.name == name && c.path == path) {
                Some(kept) => kept.value = value,
                None => self.0.push(Cookie { name, value, path }),
            }
        }
    }

    /// The `Cookie` header for a request to `path`, if any cookie applies.
    pub(super) fn header_for(&self, path: &str) -> Option<HeaderValue> {
        let text = self
            .0
            .iter()
            .filter(|c| path_matches(&c.path, path))
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join("; ");
        if text.is_empty() {
            return None;
        }
        HeaderValue::from_str(&text).ok()
    }
}

/// RFC 6265 §5.1.4 path matching.
fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    cookie_path == "/"
        || request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

/// A logged-in session: the bearer token and the cookies it is bound to.
#[derive(Clone)]
pub(super) struct LoggedIn {
    pub(super) token: SecretString,
    pub(super) jar: Jar,
}

/// `yyyy-MM-dd'T'HH:mm:ss+0200` in Sofia time: the `time` field and `EBank-Client-Time`.
pub(super) fn client_time(now: DateTime<Utc>) -> String {
    now.with_timezone(&chrono_tz::Europe::Sofia)
        .format("%Y-%m-%dT%H:%M:%S%z")
        .to_string()
}

fn state() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The host part of the base URL that every hop must stay on.
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// One HTTP exchange of the dance: the jar's cookies out, its `Set-Cookie`s in.
struct Dance<'a> {
    http: &'a reqwest::Client,
    base: &'a Url,
    jar: Jar,
}

/// What one hop answered.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Dance<'_> {
    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, FibankError> {
        let mut url = join_path(self.base, path).ok_or(FibankError::BadBaseUrl)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    async fn send(
        &mut self,
        request: reqwest::RequestBuilder,
        url: &Url,
    ) -> Result<Answer, FibankError> {
        let request = match self.jar.header_for(url.path()) {
            Some(cookies) => request.header(COOKIE, cookies),
            None => request,
        };
        let response = request
            .header("Accept-Language", "bg")
            .send()
            .await
            .map_err(|e| FibankError::Unreachable(transport_problem(&e)))?;
        self.jar.take(response.headers());
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = coffer_login::http::read_text_capped(response, MAX_PAGE)
            .await
            .map_err(|e| FibankError::Unreachable(crate::wire::body_problem(&e)))?;
        Ok(Answer {
            status,
            location,
            body,
        })
    }

    async fn get(&mut self, url: Url) -> Result<Answer, FibankError> {
        let request = self.http.get(url.clone());
        self.send(request, &url).await
    }
}

/// Logs in from scratch and returns the token with its cookies.
pub(super) async fn log_in(
    http: &reqwest::Client,
    base: &Url,
    credentials: &FibankCredentials,
    now: DateTime<Utc>,
) -> Result<LoggedIn, FibankError> {
    let username = credentials.username.trim();
    if username.is_empty() || credentials.password.expose_secret().is_empty() {
        return Err(FibankError::MissingCredentials);
    }
    let mut dance = Dance {
        http,
        base,
        jar: Jar::default(),
    };

    // 1. The session cookie.
    let url = dance.url("oauth2-server/login", &[("client_id", CLIENT_ID)])?;
    let answer = dance.get(url).await?;
    // Only its cookie matters; a redirect (to the same page) is as good as the page.
    if !(answer.status.is_success() || answer.status.is_redirection()) {
        return Err(page_error(&answer, "the login page"));
    }

    // 2. The authorize request the login will come back to, and its CSRF token.
    let state = state();
    let url = dance.url(
        "oauth2-server/oauth/authorize",
        &[
            ("response_type", "token"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "/EBank/"),
            ("scope", SCOPE),
            ("state", &state),
        ],
    )?;
    let answer = dance.get(url).await?;
    expect_page(&answer, "the authorization page")?;
    let csrf = meta_content(&answer.body, "_csrf").ok_or(FibankError::NoCsrf)?;

    // 3. The certificate lookup, which sets a cookie the form post needs.
    let url = dance.url(
        "oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin",
        &[("client_id", CLIENT_ID), ("userName", username)],
    )?;
    let answer = dance.get(url).await?;
    if !answer.status.is_success() {
        return Err(page_error(&answer, "the certificate lookup"));
    }

    // 4. The form post; the password goes nowhere but into this body.
    let time = client_time(now);
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("username", username)
        .append_pair("password", credentials.password.expose_secret())
        .append_pair("system", "")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("lang", "bg")
        .append_pair("time", &time)
        .append_pair("_csrf", &csrf)
        .append_pair("sig", "")
        .finish();
    let url = dance.url("oauth2-server/login", &[])?;
    let request = http
        .post(url.clone())
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body);
    let mut answer = dance.send(request, &url).await?;
    let mut at = url;

    // 5. The redirect chain, hop by hop: the token is in a `Location`'s fragment.
    for _ in 0..MAX_HOPS {
        if !answer.status.is_redirection() {
            return Err(refusal(&answer));
        }
        let location = answer.location.as_deref().ok_or(FibankError::NoToken)?;
        let next = at.join(location).map_err(|_| {
            FibankError::UnexpectedPage("a redirect to an unreadable address".into())
        })?;
        if let Some(fragment) = next.fragment() {
            let token = url::form_urlencoded::parse(fragment.as_bytes())
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v.into_owned())
                .filter(|t| !t.is_empty())
                .ok_or(FibankError::NoToken)?;
            return Ok(LoggedIn {
                token: SecretString::from(token),
                jar: dance.jar,
            });
        }
        if !same_origin(&next, base) {
            // Following it would carry the session's cookies to another host.
            return Err(FibankError::UnexpectedPage(format!(
                "the login redirected to another host ({})",
                crate::wire::host_of(&next)
            )));
        }
        answer = dance.get(next.clone()).await?;
        at = next;
    }
    Err(FibankError::NoToken)
}

/// A page of the dance that must be a 200.
fn expect_page(answer: &Answer, what: &str) -> Result<(), FibankError> {
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(page_error(answer, what))
    }
}

/// The bank's own words from an error page (`id="error-message"`), else the status.
fn page_error(answer: &Answer, what: &str) -> FibankError {
    let said = element_text(&answer.body, "error-message")
        .map(|m| format!(": {}", tidy(&m)))
        .unwrap_or_default();
    FibankError::LoginStep {
        step: what.to_string(),
        status: answer.status.as_u16(),
        said,
    }
}

/// Why the form post did not redirect: the locked page, the login page again with the bank's
/// message (wrong username or password), or an error page.
fn refusal(answer: &Answer) -> FibankError {
    let body = &answer.body;
    if !answer.status.is_success() {
        return page_error(answer, "the login");
    }
    if body.contains("id=\"login-locked\"") || body.contains("блокиран") {
        return FibankError::Locked;
    }
    if let Some(message) = element_text(body, "login-error") {
        return FibankError::Refused(tidy(&message));
    }
    if body.contains("name=\"password\"") {
        return FibankError::Refused(String::new());
    }
    FibankError::UnexpectedPage("the login answered a page without a redirect".into())
}

/// The `content` of `<meta name="{name}" content="…">`, read tag by tag (the bank's template
/// puts `_csrf_header` first, so a line-based grab would take the header's name instead).
pub(super) fn meta_content(html: &str, name: &str) -> Option<String> {
    let mut rest = html;
    while let Some(start) = rest.find("<meta") {
        let after = &rest[start..];
        let end = after.find('>')?;
        let tag = &after[..end];
        if attribute(tag, "name").as_deref() == Some(name) {
            return attribute(tag, "content")
                .map(|v| unescape(&v))
                .filter(|v| !v.trim().is_empty());
        }
        rest = &after[end..];
    }
    None
}

/// One double- or single-quoted attribute of a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    loop {
        let at = rest.find(name)?;
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        let after = rest[at + name.len()..].trim_start();
        if before_ok {
            if let Some(value) = after.strip_prefix('=') {
                let value = value.trim_start();
                let quote = value.chars().next()?;
                if quote == '"' || quote == '\'' {
                    let inner = &value[1..];
                    let close = inner.find(quote)?;
                    return Some(inner[..close].to_string());
                }
            }
        }
        rest = &rest[at + name.len()..];
    }
}

/// The text inside the element with `id="{id}"` (tags inside are dropped).
fn element_text(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let open_end = html[at..].find('>')? + at + 1;
    let close = html[open_end..].find("</")? + open_end;
    let text = unescape(html[open_end..close].trim());
    (!text.is_empty()).then_some(text)
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_is_the_one_named_csrf_not_the_header_name() {
        let page = "<head>\n<meta name=\"_csrf_header\" content=\"X-CSRF-TOKEN\" />\n\
                    <meta name=\"_csrf\" content=\"5f1c-aa\" />\n</head>";
        assert_eq!(meta_content(page, "_csrf").as_deref(), Some("5f1c-aa"));
        assert_eq!(
            meta_content("<meta name=\"x\" content=\"y\">", "_csrf"),
            None
        );
        assert_eq!(
            meta_content("<meta name=\"_csrf\" content=\"\" />", "_csrf"),
            None
        );
        assert_eq!(
            meta_content("<meta name=\"_csrf\" content=\"ab", "_csrf"),
            None
        );
    }

    #[test]
    fn the_jar_replaces_cookies_and_honours_paths() {
        let mut jar = Jar::default();
        let mut h = HeaderMap::new();
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("JSESSIONID=a; Path=/; HttpOnly"),
        );
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("SYWSCERT=c; Path=/oauth2-server; HttpOnly"),
        );
        jar.take(&h);
        let mut h = HeaderMap::new();
        h.append(SET_COOKIE, HeaderValue::from_static("JSESSIONID=b; Path=/"));
        jar.take(&h);
        assert_eq!(
            jar.header_for("/oauth2-server/login").unwrap(),
            "JSESSIONID=b; SYWSCERT=c"
        );
        assert_eq!(jar.header_for("/EBank/api/v1/x").unwrap(), "JSESSIONID=b");
        assert!(!path_matches("/oauth2-server", "/oauth2-serverX"));
    }

    #[test]
    fn refusals_are_told_apart() {
        let page = |body: &str| Answer {
            status: StatusCode::OK,
            location: None,
            body: body.to_string(),
        };
        assert!(matches!(
            refusal(&page("<p id=\"login-locked\">x</p>")),
            FibankError::Locked
        ));
        match refusal(&page(
            "<div class=\"alert\" id=\"login-error\">Невалидно потребителско име или парола.</div>",
        )) {
            FibankError::Refused(m) => assert!(m.starts_with("Невалидно")),
            other => panic!("{other}"),
        }
        let err = refusal(&Answer {
            status: StatusCode::FORBIDDEN,
            location: None,
            body: "<p id=\"error-message\">Сесията е изтекла</p>".into(),
        });
        assert!(err.to_string().contains("Сесията е изтекла"), "{err}");
    }

    #[test]
    fn only_the_configured_host_is_followed() {
        let base = Url::parse("https://my.fibank.bg").unwrap();
        let hop = |u: &str| Url::parse(u).unwrap();
        assert!(same_origin(
            &hop("https://my.fibank.bg:443/oauth2-server/x"),
            &base
        ));
        assert!(!same_origin(
            &hop("http://my.fibank.bg/oauth2-server/x"),
            &base
        ));
        assert!(!same_origin(
            &hop("https://evil.example/oauth2-server/x"),
            &base
        ));
    }

    #[test]
    fn client_time_has_the_sofia_offset_without_a_colon() {
        let t: DateTime<Utc> = "2024-07-01T10:00:00Z".parse().unwrap();
        assert_eq!(client_time(t), "2024-07-01T13:00:00+0300");
        let t: DateTime<Utc> = "2024-01-01T10:00:00Z".parse().unwrap();
        assert_eq!(client_time(t), "2024-01-01T12:00:00+0200");
    }
}
