//! A scripted "user with a browser" for the hosted connect page, built on a bare HTTP/1.1
//! client over tokio (the crate has no HTTP client dependency outside tests).

use std::time::Duration;

use tokio::net::TcpStream;
use url::Url;

/// Why [`approve_in_browser`] could not complete the connect page.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    #[error("unusable connect URL: {0}")]
    BadUrl(String),
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("malformed HTTP response: {0}")]
    MalformedResponse(String),
    /// The connect page itself was refused (unknown, expired or spent token…).
    #[error("the connect page answered HTTP {status}: {body}")]
    Page { status: u16, body: String },
    #[error("the connect page has no usable form: {0}")]
    NoForm(String),
    /// The form submission did not redirect.
    #[error("submitting the form answered HTTP {status} without a redirect: {body}")]
    NoRedirect { status: u16, body: String },
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Acts as the user's browser on the connect page: fetches `connect_url`, fills in the bank login
/// form and presses "Connect" (`approve = true`) or "Cancel", and returns the redirect target —
/// the callback URL with the JSON appended as a path segment — WITHOUT following it (it may be a
/// `coffer://` URL).
pub async fn approve_in_browser(connect_url: &str, approve: bool) -> Result<String, BrowseError> {
    let page_url = Url::parse(connect_url).map_err(|e| BrowseError::BadUrl(e.to_string()))?;
    let page = exchange(&page_url, "GET", None).await?;
    let html = String::from_utf8_lossy(&page.body).into_owned();
    if page.status != 200 {
        return Err(BrowseError::Page {
            status: page.status,
            body: html,
        });
    }
    let form = parse_form(&html).ok_or_else(|| BrowseError::NoForm("no <form> element".into()))?;
    if !form.method.eq_ignore_ascii_case("post") {
        return Err(BrowseError::NoForm(format!(
            "the form uses method {:?}",
            form.method
        )));
    }
    let wanted = if approve { "connect" } else { "cancel" };
    let button = form
        .buttons
        .iter()
        .find(|b| b.label.trim().eq_ignore_ascii_case(wanted))
        .ok_or_else(|| BrowseError::NoForm(format!("no {wanted:?} button")))?;

    let mut fields = url::form_urlencoded::Serializer::new(String::new());
    for input in &form.inputs {
        let value = match input.kind.as_str() {
            "hidden" => input.value.clone(),
            "password" => "sandbox-password".to_owned(),
            "submit" | "button" | "checkbox" | "radio" | "image" | "reset" | "file" => continue,
            _ if input.value.is_empty() => "sandbox-user".to_owned(),
            _ => input.value.clone(),
        };
        fields.append_pair(&input.name, &value);
    }
    if let Some(name) = &button.name {
        fields.append_pair(name, button.value.as_deref().unwrap_or(""));
    }
    let action = page_url
        .join(&form.action)
        .map_err(|e| BrowseError::NoForm(format!("bad form action {:?}: {e}", form.action)))?;
    let answer = exchange(
        &action,
        "POST",
        Some(("application/x-www-form-urlencoded", fields.finish())),
    )
    .await?;
    let location = answer
        .headers
        .iter()
        .find(|(name, _)| name == "location")
        .map(|(_, value)| value.clone());
    match location {
        Some(target) if (300..400).contains(&answer.status) => Ok(target),
        _ => Err(BrowseError::NoRedirect {
            status: answer.status,
            body: String::from_utf8_lossy(&answer.body).into_owned(),
        }),
    }
}

struct Answer {
    status: u16,
    /// Lower-cased names.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn exchange(
    url: &Url,
    method: &str,
    body: Option<(&str, String)>,
) -> Result<Answer, BrowseError> {
    if url.scheme() != "http" {
        return Err(BrowseError::BadUrl(format!(
            "only http:// pages can be driven, not {url}"
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| BrowseError::BadUrl(format!("no host in {url}")))?
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: coffer-sandbox-browser\r\n\
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

struct Input {
    name: String,
    kind: String,
    value: String,
}

struct Button {
    name: Option<String>,
    value: Option<String>,
    label: String,
}

struct Form {
    action: String,
    method: String,
    inputs: Vec<Input>,
    buttons: Vec<Button>,
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Attributes of a start tag's inside (`name="v" other='w' bare`), names lower-cased.
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

/// Start tags named `tag` within `html`, as (inside of the tag, text after the tag).
fn start_tags<'a>(html: &'a str, lower: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = lower.get(from..).and_then(|rest| rest.find(&open)) {
        let start = from + offset + open.len();
        let next = lower.get(start..).and_then(|rest| rest.chars().next());
        let Some(end) = lower.get(start..).and_then(|rest| rest.find('>')) else {
            break;
        };
        if next.is_some_and(|c| c.is_whitespace() || c == '>' || c == '/') {
            let inside = html.get(start..start + end).unwrap_or("");
            let after = html.get(start + end + 1..).unwrap_or("");
            out.push((inside, after));
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
    let region_lower = lower.get(form_at..form_end)?;
    let (form_tag, _) = start_tags(region, region_lower, "form")
        .into_iter()
        .next()?;
    let form_attrs = attributes(form_tag);
    let inputs = start_tags(region, region_lower, "input")
        .into_iter()
        .filter_map(|(inside, _)| {
            let attrs = attributes(inside);
            Some(Input {
                name: attribute(&attrs, "name")?,
                kind: attribute(&attrs, "type")
                    .unwrap_or_else(|| "text".to_owned())
                    .to_ascii_lowercase(),
                value: attribute(&attrs, "value").unwrap_or_default(),
            })
        })
        .collect();
    let buttons = start_tags(region, region_lower, "button")
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
        inputs,
        buttons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_form() {
        let html = r#"<html><body><FORM method="post" action="/x?a=1&amp;b=2">
<input type="hidden" name="token" value="t&quot;1">
<input name=username>
<input type="password" name="password">
<button type="submit" name="decision" value="connect">Connect</button>
<button name='decision' value='cancel' formnovalidate>Cancel</button></form>
<form action="/other"><button>Connect</button></form></body></html>"#;
        let form = parse_form(html).unwrap();
        assert_eq!(form.action, "/x?a=1&b=2");
        assert_eq!(form.method, "post");
        assert_eq!(form.inputs.len(), 3);
        assert_eq!(form.inputs[0].value, "t\"1");
        assert_eq!(form.inputs[1].kind, "text");
        assert_eq!(form.buttons.len(), 2);
        assert_eq!(form.buttons[1].value.as_deref(), Some("cancel"));
        assert_eq!(form.buttons[1].label, "Cancel");
    }

    #[test]
    fn decodes_chunked_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n";
        let answer = parse_answer(raw).unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body, b"Wikipedia");
    }
}
