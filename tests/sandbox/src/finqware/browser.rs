//! A scripted "user with a browser" for the `sca` step: it opens the bank's consent page,
//! presses Approve or Deny and follows the redirects, over a bare HTTP/1.1 client on tokio
//! (the crate has no HTTP client dependency outside tests).

use std::time::Duration;

use tokio::net::TcpStream;
use url::{Host, Url};

/// Why [`approve_in_browser`] could not complete the consent.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    #[error("unusable URL: {0}")]
    BadUrl(String),
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("malformed HTTP response: {0}")]
    MalformedResponse(String),
    /// A page or redirect hop answered with an error (unknown or expired consent request,
    /// `tpp_redirect_error`…).
    #[error("{url} answered HTTP {status}: {body}")]
    Page {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the consent page has no usable form: {0}")]
    NoForm(String),
    /// Pressing the button did not redirect.
    #[error("submitting the consent form answered HTTP {status} without a redirect: {body}")]
    NoRedirect { status: u16, body: String },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
}

const TIMEOUT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 10;

/// Acts as the user's browser on the consent page at `consent_url` (the `data.url` of the
/// `sca` step): presses "Approve" (`approve = true`) or "Deny", then follows the redirects —
/// the bank's to Finqware, Finqware's to `psu_redirect_link` — like a browser would, as long
/// as they lead to `http://` on a loopback address (so a real loopback listener receives the
/// final GET). Returns the final URL: `psu_redirect_link?temp_token=…` (or `?error=…`). A
/// custom-scheme (`coffer://…`) or non-loopback target is returned without being fetched, for
/// the caller to hand to the app.
pub async fn approve_in_browser(consent_url: &str, approve: bool) -> Result<String, BrowseError> {
    let page_url = Url::parse(consent_url).map_err(|e| BrowseError::BadUrl(e.to_string()))?;
    let page = exchange(&page_url, "GET", None).await?;
    let html = String::from_utf8_lossy(&page.body).into_owned();
    if page.status != 200 {
        return Err(BrowseError::Page {
            url: page_url.to_string(),
            status: page.status,
            body: html,
        });
    }
    let form = parse_form(&html).ok_or_else(|| BrowseError::NoForm("no <form> element".into()))?;
    let wanted = if approve { "approve" } else { "deny" };
    let button = form
        .buttons
        .iter()
        .find(|b| b.label.trim().eq_ignore_ascii_case(wanted))
        .ok_or_else(|| BrowseError::NoForm(format!("no {wanted:?} button")))?;
    let encoded = {
        let mut fields = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &form.hidden {
            fields.append_pair(name, value);
        }
        if let Some(name) = &button.name {
            fields.append_pair(name, button.value.as_deref().unwrap_or(""));
        }
        fields.finish()
    };
    let action = page_url
        .join(&form.action)
        .map_err(|e| BrowseError::NoForm(format!("bad form action {:?}: {e}", form.action)))?;
    let answer = if form.method.eq_ignore_ascii_case("get") {
        let mut target = action.clone();
        target.set_query(Some(&encoded));
        exchange(&target, "GET", None).await?
    } else {
        exchange(
            &action,
            "POST",
            Some(("application/x-www-form-urlencoded", encoded)),
        )
        .await?
    };
    let Some(mut next) = answer.redirect(&action)? else {
        return Err(BrowseError::NoRedirect {
            status: answer.status,
            body: String::from_utf8_lossy(&answer.body).into_owned(),
        });
    };
    for _ in 0..MAX_REDIRECTS {
        let Some(url) = Url::parse(&next).ok().filter(fetchable) else {
            return Ok(next);
        };
        let hop = exchange(&url, "GET", None).await?;
        match hop.redirect(&url)? {
            Some(location) => next = location,
            None if hop.status >= 400 => {
                return Err(BrowseError::Page {
                    url: next,
                    status: hop.status,
                    body: String::from_utf8_lossy(&hop.body).into_owned(),
                })
            }
            None => return Ok(next),
        }
    }
    Err(BrowseError::TooManyRedirects(MAX_REDIRECTS))
}

/// Only plain http on this machine: the sandbox never reaches beyond loopback.
fn fetchable(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        }
}

struct Answer {
    status: u16,
    /// Lower-cased names.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    /// The absolute redirect target, if this is a redirect.
    fn redirect(&self, base: &Url) -> Result<Option<String>, BrowseError> {
        if !matches!(self.status, 301 | 302 | 303 | 307 | 308) {
            return Ok(None);
        }
        let location = self
            .headers
            .iter()
            .find(|(name, _)| name == "location")
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| {
                BrowseError::MalformedResponse(format!("HTTP {} without Location", self.status))
            })?;
        // A custom scheme is kept verbatim; relative targets resolve against the page.
        if Url::parse(location).is_ok() {
            Ok(Some(location.to_owned()))
        } else {
            base.join(location)
                .map(|u| Some(u.to_string()))
                .map_err(|e| BrowseError::BadUrl(format!("Location {location:?}: {e}")))
        }
    }
}

async fn exchange(
    url: &Url,
    method: &str,
    body: Option<(&str, String)>,
) -> Result<Answer, BrowseError> {
    if !fetchable(url) {
        return Err(BrowseError::BadUrl(format!(
            "only http:// loopback pages can be driven, not {url}"
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| BrowseError::BadUrl(format!("no host in {url}")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let authority = url[url::Position::BeforeHost..url::Position::AfterPort].to_owned();
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: coffer-sandbox-browser\r\n\
Accept: text/html\r\nConnection: close\r\n"
    );
    let payload = match body {
        Some((content_type, payload)) => {
            request.push_str(&format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                payload.len()
            ));
            payload
        }
        None => String::new(),
    };
    request.push_str("\r\n");
    request.push_str(&payload);

    let raw = tokio::time::timeout(TIMEOUT, async {
        let stream = TcpStream::connect((host.as_str(), port)).await?;
        write_all(&stream, request.as_bytes()).await?;
        read_to_end(&stream).await
    })
    .await
    .map_err(|_| BrowseError::Timeout(TIMEOUT))??;
    parse_answer(&raw)
}

// The crate's tokio has no `io-util` feature, so the socket is driven with `try_read`/`try_write`.
async fn write_all(stream: &TcpStream, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        stream.writable().await?;
        match stream.try_write(data) {
            Ok(written) => data = data.get(written..).unwrap_or_default(),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn read_to_end(stream: &TcpStream) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(read) => out.extend_from_slice(chunk.get(..read).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_answer(raw: &[u8]) -> Result<Answer, BrowseError> {
    let malformed = |what: &str| BrowseError::MalformedResponse(what.to_owned());
    let split = find(raw, b"\r\n\r\n").ok_or_else(|| malformed("no end of headers"))?;
    let head = std::str::from_utf8(raw.get(..split).unwrap_or_default())
        .map_err(|_| malformed("headers are not UTF-8"))?;
    let rest = raw.get(split + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| malformed("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        rest.get(..length)
            .ok_or_else(|| malformed("body shorter than Content-Length"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, BrowseError> {
    let malformed = |what: &str| BrowseError::MalformedResponse(what.to_owned());
    let mut out = Vec::new();
    loop {
        let line_end = find(data, b"\r\n").ok_or_else(|| malformed("unterminated chunk size"))?;
        let size_text = std::str::from_utf8(data.get(..line_end).unwrap_or_default())
            .map_err(|_| malformed("chunk size is not text"))?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| malformed("bad chunk size"))?;
        data = data.get(line_end + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or_else(|| malformed("short chunk"))?);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

// ---------------------------------------------------------------------------------------------
// Just enough HTML to read one form.

struct Button {
    name: Option<String>,
    value: Option<String>,
    label: String,
}

struct Form {
    action: String,
    method: String,
    hidden: Vec<(String, String)>,
    buttons: Vec<Button>,
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `name="value"` pairs of a start tag's inside, names lower-cased.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = tag.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=' && *c != '/') {
            name.push(c);
        }
        if name.is_empty() {
            break;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(quote) => {
                    for c in chars.by_ref() {
                        if c == quote {
                            break;
                        }
                        value.push(c);
                    }
                }
                None => {
                    while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                        value.push(c);
                    }
                }
            }
        }
        out.push((name.to_ascii_lowercase(), unescape(&value)));
    }
    out
}

fn attribute(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// Start tags named `tag`: (inside of the tag, text after it).
fn start_tags<'a>(html: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = lower.get(from..).and_then(|rest| rest.find(&open)) {
        let start = from + offset + open.len();
        let Some(end) = lower.get(start..).and_then(|rest| rest.find('>')) else {
            break;
        };
        let next = lower.get(start..).and_then(|rest| rest.chars().next());
        if next.is_some_and(|c| c.is_whitespace() || c == '>' || c == '/') {
            out.push((
                html.get(start..start + end).unwrap_or(""),
                html.get(start + end + 1..).unwrap_or(""),
            ));
        }
        from = start + end + 1;
    }
    out
}

fn parse_form(html: &str) -> Option<Form> {
    let lower = html.to_ascii_lowercase();
    let form_at = lower.find("<form")?;
    let form_end = lower
        .get(form_at..)
        .and_then(|rest| rest.find("</form>"))
        .map_or(html.len(), |end| form_at + end);
    let region = html.get(form_at..form_end)?;
    let (form_tag, _) = start_tags(region, "form").into_iter().next()?;
    let form_attrs = attributes(form_tag);
    let hidden = start_tags(region, "input")
        .into_iter()
        .filter_map(|(inside, _)| {
            let attrs = attributes(inside);
            let kind = attribute(&attrs, "type").unwrap_or_default();
            kind.eq_ignore_ascii_case("hidden").then(|| {
                Some((
                    attribute(&attrs, "name")?,
                    attribute(&attrs, "value").unwrap_or_default(),
                ))
            })?
        })
        .collect();
    let buttons = start_tags(region, "button")
        .into_iter()
        .map(|(inside, after)| {
            let attrs = attributes(inside);
            let label_end = after.to_ascii_lowercase().find("</button>").unwrap_or(0);
            Button {
                name: attribute(&attrs, "name"),
                value: attribute(&attrs, "value"),
                label: unescape(after.get(..label_end).unwrap_or("")),
            }
        })
        .collect();
    Some(Form {
        action: attribute(&form_attrs, "action").unwrap_or_default(),
        method: attribute(&form_attrs, "method").unwrap_or_else(|| "get".to_owned()),
        hidden,
        buttons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_consent_form() {
        let html = r#"<main><FORM method="post" action="/bank/bt/oauth/authorize">
<input type="hidden" name="state" value="s&amp;1">
<button type="submit" name="decision" value="approve">Approve</button>
<button name='decision' value='deny'>Deny</button></form></main>"#;
        let form = parse_form(html).unwrap();
        assert_eq!(form.action, "/bank/bt/oauth/authorize");
        assert_eq!(form.method, "post");
        assert_eq!(form.hidden, vec![("state".to_owned(), "s&1".to_owned())]);
        assert_eq!(form.buttons.len(), 2);
        assert_eq!(form.buttons[1].value.as_deref(), Some("deny"));
        assert_eq!(form.buttons[1].label, "Deny");
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
        let raw = b"HTTP/1.1 302 Found\r\nLocation: coffer://x?temp_token=MDAx\r\nContent-Length: 0\r\n\r\n";
        let answer = parse_answer(raw).unwrap();
        let base = Url::parse("http://127.0.0.1:1/").unwrap();
        assert_eq!(
            answer.redirect(&base).unwrap().as_deref(),
            Some("coffer://x?temp_token=MDAx")
        );
    }
}
