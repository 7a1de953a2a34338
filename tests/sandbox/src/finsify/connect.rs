//! The hosted connect page at `connect_url` and its form submission, which redirects to the
//! partner's `callback_url` with the result JSON appended as one percent-encoded path segment.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::api::App;
use super::catalogue;
use super::state::{FaultSite, Inner, Token};
use super::{FinsifyConfig, FinsifyFault};

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Percent-encodes every byte outside RFC 3986's unreserved set, so `{`, `"`, `:` and `,` all
/// become `%XX` and the JSON fits in one path segment.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `callback_url` + `/` + encoded JSON ([inference] no second slash if it already ends in one).
pub(crate) fn callback_target(callback_url: &str, json: &str) -> String {
    let separator = if callback_url.ends_with('/') { "" } else { "/" };
    format!("{callback_url}{separator}{}", percent_encode(json))
}

enum Unusable {
    Unknown,
    Expired,
    Spent,
}

fn usable<'a>(
    inner: &'a Inner,
    config: &FinsifyConfig,
    now: chrono::DateTime<chrono::Utc>,
    id: &str,
) -> Result<&'a Token, Unusable> {
    let token = inner.tokens.get(id).ok_or(Unusable::Unknown)?;
    if token.spent {
        Err(Unusable::Spent)
    } else if now >= token.created + crate::contract::chrono_duration(config.connect_ttl) {
        Err(Unusable::Expired)
    } else {
        Ok(token)
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}\
main{max-width:26rem;margin:4rem auto;background:#fff;border-radius:8px;padding:2rem;\
box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.3rem;margin-top:0}\
label{display:block;margin:.8rem 0}input{display:block;width:100%;padding:.5rem;\
box-sizing:border-box;margin-top:.25rem}button{padding:.6rem 1.2rem;margin:1rem .5rem 0 0;\
border:0;border-radius:4px;cursor:pointer}.bar{height:6px;border-radius:3px;margin-bottom:1rem}\
.note{color:#666;font-size:.85rem}";

fn page_shell(title: &str, accent: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head>\n<body><main>\
<div class=\"bar\" style=\"background:#{accent}\"></div>\n{content}\n</main></body></html>\n",
        title = escape_html(title),
        accent = escape_html(accent),
    )
}

fn problem_page(problem: &Unusable) -> Response {
    let (status, heading, detail) = match problem {
        Unusable::Unknown => (
            StatusCode::NOT_FOUND,
            "Unknown connect link",
            "This connect link does not exist. Start the connection again from the app.",
        ),
        Unusable::Expired => (
            StatusCode::BAD_REQUEST,
            "TokenExpire: this connect link has expired",
            "Connect links work for a limited time. Start the connection again from the app.",
        ),
        Unusable::Spent => (
            StatusCode::BAD_REQUEST,
            "TokenExpire: this connect link was already used",
            "Each connect link works once. Start the connection again from the app.",
        ),
    };
    let content = format!(
        "<h1>{}</h1>\n<p>{}</p>",
        escape_html(heading),
        escape_html(detail)
    );
    (status, Html(page_shell("Finsify Hub", "888888", &content))).into_response()
}

/// `GET /v2/connect/term/{id}`: the bank login form.
pub(crate) async fn page(State(app): State<App>, Path(id): Path<String>) -> Response {
    let now = app.now();
    let inner = app.lock();
    let token = match usable(&inner, &app.config, now, &id) {
        Ok(token) => token,
        Err(problem) => return problem_page(&problem),
    };
    let service = catalogue::find(token.service_id);
    let name = service.map_or("your bank", |s| s.name);
    let accent = service.map_or("1972A4", |s| s.primary);
    let (heading, intro) = match token.reconnect {
        Some(login_id) => (
            format!("Reconnect {name}"),
            format!("Log in to {name} again to repair login {login_id}."),
        ),
        None => (
            format!("Connect {name}"),
            format!("Log in to {name} to share your accounts and transactions."),
        ),
    };
    let content = format!(
        "<h1>{heading}</h1>\n<p>{intro}</p>\n\
<form method=\"post\" action=\"/v2/connect/term/{id}\">\n\
<input type=\"hidden\" name=\"token\" value=\"{id}\">\n\
<label>Username<input type=\"text\" name=\"username\" autocomplete=\"username\"></label>\n\
<label>Password<input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
<button type=\"submit\" name=\"decision\" value=\"connect\" style=\"background:#{accent};color:#fff\">Connect</button>\n\
<button type=\"submit\" name=\"decision\" value=\"cancel\" formnovalidate>Cancel</button>\n\
</form>\n<p class=\"note\">Finsify Hub sandbox: any username and password are accepted.</p>",
        heading = escape_html(&heading),
        intro = escape_html(&intro),
        id = escape_html(&id),
        accent = escape_html(accent),
    );
    Html(page_shell(&heading, accent, &content)).into_response()
}

/// `POST /v2/connect/term/{id}`: Connect or Cancel, then 302 to the callback.
pub(crate) async fn submit(
    State(app): State<App>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let now = app.now();
    let today = app.today();
    let mut inner = app.lock();
    let (service_id, customer_id, callback_url, reconnect) =
        match usable(&inner, &app.config, now, &id) {
            Ok(t) => (
                t.service_id,
                t.customer_id.clone(),
                t.callback_url.clone(),
                t.reconnect,
            ),
            Err(problem) => return problem_page(&problem),
        };
    let approve = match form.get("decision").map(String::as_str) {
        Some("connect") => true,
        Some("cancel") => false,
        _ => {
            let content =
                "<h1>Choose Connect or Cancel</h1>\n<p>The form came back without a decision.</p>";
            return (
                StatusCode::BAD_REQUEST,
                Html(page_shell("Finsify Hub", "888888", content)),
            )
                .into_response();
        }
    };
    if let Some(token) = inner.tokens.get_mut(&id) {
        token.spent = true;
    }

    let payload = if approve {
        let linked = match reconnect {
            Some(login_id) => inner.renew_login(login_id).map(|secret| (login_id, secret)),
            None => {
                let slug = catalogue::find(service_id).map_or("finsify", |s| s.slug);
                Some(inner.create_login(&app.config, today, &customer_id, service_id, slug))
            }
        };
        let Some((login_id, secret)) = linked else {
            let content =
                "<h1>This login no longer exists</h1>\n<p>It was deleted; connect the bank anew.</p>";
            return (
                StatusCode::NOT_FOUND,
                Html(page_shell("Finsify Hub", "888888", content)),
            )
                .into_response();
        };
        // Field order as in the documentation's example.
        let json = format!(r#"{{"status":"success","login_id":{login_id},"secret":"{secret}"}}"#);
        if let Some(FinsifyFault::CallbackBrokenJson { .. }) = inner.take_fault(FaultSite::Approval)
        {
            // Cut inside the secret: unterminated string, no closing brace.
            json.chars().take(json.len().saturating_sub(12)).collect()
        } else {
            json
        }
    } else {
        r#"{"status":"cancelled","login_id":null,"secret":null}"#.to_owned()
    };
    let target = callback_target(&callback_url, &payload);
    let content = format!(
        "<h1>Redirecting…</h1>\n<p><a href=\"{0}\">Return to the app</a></p>",
        escape_html(&target)
    );
    (
        StatusCode::FOUND,
        [(header::LOCATION, target)],
        Html(page_shell("Finsify Hub", "888888", &content)),
    )
        .into_response()
}
