//! A very small "browser" for the BankID page: plain HTTP/1.1 over a TCP stream, one form,
//! no redirects followed. Enough to drive the sandbox's authorize page from tests and tools.

use std::time::Duration;

use tokio::net::TcpStream;
use url::Url;

const TIMEOUT: Duration = Duration::from_secs(15);

/// Why [`approve_in_browser`] could not produce a redirect target.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    #[error("not a usable http:// URL: {0}")]
    BadUrl(String),
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    #[error("timed out talking to the bank")]
    Timeout,
    #[error("malformed HTTP response: {0}")]
    BadResponse(String),
    /// The bank showed an error page (e.g. unknown client or unregistered redirect URI).
    #[error("the bank answered HTTP {status}: {body}")]
    Rejected { status: u16, body: String },
    #[error("the page has no login form with a {0:?} button")]
    NoForm(String),
    #[error("the bank answered HTTP {status} without a Location header")]
    NoRedirect { status: u16 },
}

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
    }
}

/// Acts as the user's browser on the authorize page: fetches `authorize_url`, submits the
/// BankID form with `approve` (true = "Log in", false = "Cancel"), and returns the redirect
/// target (the `Location` the bank sends the browser to) WITHOUT following it.
///
/// If the authorize request itself is answered with a redirect (an OAuth error such as a
/// missing `state`), that `Location` is returned. An HTML error page (unknown client,
/// unregistered redirect URI) gives [`BrowseError::Rejected`].
pub async fn approve_in_browser(authorize_url: &str, approve: bool) -> Result<String, BrowseError> {
    let url = Url::parse(authorize_url).map_err(|e| BrowseError::BadUrl(e.to_string()))?;
    let page = request(&url, "GET", None).await?;
    if page.is_redirect() {
        return location(&page);
    }
    if page.status != 200 {
        return Err(BrowseError::Rejected {
            status: page.status,
            body: text_of(&page.body),
        });
    }
    let wanted = if approve { "approve" } else { "cancel" };
    let form = parse_form(&page.body).ok_or_else(|| BrowseError::NoForm(wanted.to_owned()))?;
    let button = form
        .buttons
        .iter()
        .find(|b| {
            b.value.eq_ignore_ascii_case(wanted)
                || (approve && b.label.eq_ignore_ascii_case("log in"))
                || (!approve && b.label.eq_ignore_ascii_case("cancel"))
        })
        .ok_or_else(|| BrowseError::NoForm(wanted.to_owned()))?;
    // Built in a block: the serializer is not `Send` and must not live across an await.
    let encoded = {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &form.inputs {
            ser.append_pair(name, value);
        }
        if !button.name.is_empty() {
            ser.append_pair(&button.name, &button.value);
        }
        ser.finish()
    };
    let target = url
        .join(&form.action)
        .map_err(|e| BrowseError::BadUrl(format!("form action {:?}: {e}", form.action)))?;
    let method = if form.method.eq_ignore_ascii_case("get") {
        "GET"
    } else {
        "POST"
    };
    let answer = if method == "GET" {
        let mut t = target.clone();
        t.set_query(Some(&encoded));
        request(&t, "GET", None).await?
    } else {
        request(&target, "POST", Some(encoded)).await?
    };
    if answer.is_redirect() {
        return location(&answer);
    }
    if answer.status >= 400 {
        return Err(BrowseError::Rejected {
            status: answer.status,
            body: text_of(&answer.body),
        });
    }
    Err(BrowseError::NoRedirect {
        status: answer.status,
    })
}

fn location(resp: &HttpResponse) -> Result<String, BrowseError> {
    resp.header("location")
        .map(str::to_owned)
        .ok_or(BrowseError::NoRedirect {
            status: resp.status,
        })
}

/// The visible text of an HTML page, squeezed to one line (for error messages).
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_style = false;
    let lower = html.to_ascii_lowercase();
    for (i, c) in html.char_indices() {
        if c == '<' {
            in_tag = true;
            if lower[i..].starts_with("<style") {
                in_style = true;
            } else if lower[i..].starts_with("</style") {
                in_style = false;
            }
            continue;
        }
        if c == '>' {
            in_tag = false;
            out.push(' ');
            continue;
        }
        if !in_tag && !in_style {
            out.push(c);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn request(
    url: &Url,
    method: &str,
    form: Option<String>,
) -> Result<HttpResponse, BrowseError> {
    tokio::time::timeout(TIMEOUT, request_inner(url, method, form))
        .await
        .map_err(|_| BrowseError::Timeout)?
}

async fn request_inner(
    url: &Url,
    method: &str,
    form: Option<String>,
) -> Result<HttpResponse, BrowseError> {
    if url.scheme() != "http" {
        return Err(BrowseError::BadUrl(format!(
            "{url}: only http:// is supported"
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| BrowseError::BadUrl(format!("{url}: no host")))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| BrowseError::BadUrl(format!("{url}: no port")))?;
    let connect_host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((connect_host, port)).await?;
    let mut target = url.path().to_owned();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\n\
         User-Agent: coffer-sandbox-browser/1\r\n\
         Accept: text/html,application/xhtml+xml\r\nConnection: close\r\n"
    );
    if let Some(body) = &form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    write_all(&stream, req.as_bytes()).await?;
    let raw = read_to_end(&stream).await?;
    parse_response(&raw)
}

// The crate's tokio has no `io-util`, so the stream is driven with readiness + try_* calls.
async fn write_all(stream: &TcpStream, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        stream.writable().await?;
        match stream.try_write(buf) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = buf.get(n..).unwrap_or(&[]),
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
            Ok(n) => out.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

fn parse_response(raw: &[u8]) -> Result<HttpResponse, BrowseError> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| BrowseError::BadResponse("no end of headers".to_owned()))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body_bytes = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| BrowseError::BadResponse(format!("status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked {
        dechunk(body_bytes)?
    } else {
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(body_bytes.len())
            .min(body_bytes.len());
        body_bytes[..len].to_vec()
    };
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, BrowseError> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| BrowseError::BadResponse("bad chunk header".to_owned()))?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| BrowseError::BadResponse(format!("chunk size {size_hex:?}")))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = data
            .get(..size)
            .ok_or_else(|| BrowseError::BadResponse("truncated chunk".to_owned()))?;
        out.extend_from_slice(chunk);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

struct Button {
    name: String,
    value: String,
    label: String,
}

struct Form {
    action: String,
    method: String,
    inputs: Vec<(String, String)>,
    buttons: Vec<Button>,
}

/// The first `<form>` of the page with its named inputs and submit buttons.
fn parse_form(html: &str) -> Option<Form> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<form")?;
    let end = lower[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let form_html = &html[start..end];
    let form_lower = &lower[start..end];
    let open_end = form_html.find('>')?;
    let form_attrs = attributes(&form_html[5..open_end]);
    let attr = |attrs: &[(String, String)], name: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut inputs = Vec::new();
    let mut buttons = Vec::new();
    let mut pos = 0;
    while let Some(off) = form_lower[pos..].find('<') {
        let tag_start = pos + off;
        let Some(close) = form_html[tag_start..].find('>') else {
            break;
        };
        let tag_end = tag_start + close;
        let tag_lower = &form_lower[tag_start..tag_end];
        if tag_lower.starts_with("<input") {
            let attrs = attributes(&form_html[tag_start + 6..tag_end]);
            let kind = attr(&attrs, "type").unwrap_or_else(|| "text".to_owned());
            if let Some(name) = attr(&attrs, "name") {
                if kind.eq_ignore_ascii_case("submit") {
                    buttons.push(Button {
                        name,
                        value: attr(&attrs, "value").unwrap_or_default(),
                        label: attr(&attrs, "value").unwrap_or_default(),
                    });
                } else {
                    inputs.push((name, attr(&attrs, "value").unwrap_or_default()));
                }
            }
        } else if tag_lower.starts_with("<button") {
            let attrs = attributes(&form_html[tag_start + 7..tag_end]);
            let label_end = form_lower[tag_end..]
                .find("</button>")
                .map_or(tag_end + 1, |e| tag_end + e);
            let label = text_of(&form_html[tag_end + 1..label_end.max(tag_end + 1)]);
            let kind = attr(&attrs, "type").unwrap_or_else(|| "submit".to_owned());
            if kind.eq_ignore_ascii_case("submit") {
                buttons.push(Button {
                    name: attr(&attrs, "name").unwrap_or_default(),
                    value: attr(&attrs, "value").unwrap_or_default(),
                    label,
                });
            }
        }
        pos = tag_end + 1;
    }
    Some(Form {
        action: attr(&form_attrs, "action").unwrap_or_default(),
        method: attr(&form_attrs, "method").unwrap_or_else(|| "get".to_owned()),
        inputs,
        buttons,
    })
}

/// `name="value"` / `name='value'` / `name=value` / `name` pairs, names lower-cased, values
/// entity-decoded.
fn attributes(s: &str) -> Vec<(String, String)> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        if name_start == i {
            i += 1;
            continue;
        }
        let name = s[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let value = if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                let v_start = i + 1;
                let mut j = v_start;
                while j < bytes.len() && bytes[j] != quote {
                    j += 1;
                }
                i = (j + 1).min(bytes.len());
                &s[v_start..j.min(bytes.len())]
            } else {
                let v_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                &s[v_start..i]
            };
            out.push((name, decode_entities(value)));
        } else {
            out.push((name, String::new()));
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_form_and_its_buttons() {
        let html = r#"<html><body><form method="post" action="/oauth/authorize/approve">
            <input type="hidden" name="request_id" value="a&amp;b">
            <button class="primary" type="submit" name="decision" value="approve">Log in</button>
            <button type="submit" name="decision" value='cancel'>Cancel</button>
            </form></body></html>"#;
        let f = parse_form(html).unwrap();
        assert_eq!(f.action, "/oauth/authorize/approve");
        assert_eq!(f.method, "post");
        assert_eq!(f.inputs, vec![("request_id".to_owned(), "a&b".to_owned())]);
        assert_eq!(f.buttons.len(), 2);
        assert_eq!(f.buttons[0].label, "Log in");
        assert_eq!(f.buttons[1].value, "cancel");
    }

    #[test]
    fn decodes_chunked_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        let r = parse_response(raw).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "hello world");
    }
}
