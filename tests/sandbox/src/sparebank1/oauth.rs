//! `/oauth/*`: the authorize page with its BankID step, and the token endpoint.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::json::{html_escape, Obj};
use super::{random_secret, take, AccessGrant, CodeGrant, LoginRequest, RefreshGrant, Shared};

/// The `finInst` ids the portal catalogue lists, with the bank each stands for.
pub(crate) const KNOWN_FIN_INSTS: [(&str, &str); 12] = [
    ("fid-gudbrandsdal", "SpareBank 1 Gudbrandsdal"),
    ("fid-hallingdal-valdres", "SpareBank 1 Hallingdal Valdres"),
    ("fid-helgeland", "SpareBank 1 Helgeland"),
    ("fid-lom-skjaak", "SpareBank 1 Lom og Skjåk"),
    ("fid-nord-norge", "SpareBank 1 Nord-Norge"),
    ("fid-nordmore", "SpareBank 1 Nordmøre"),
    ("fid-ringerike-hadeland", "SpareBank 1 Ringerike Hadeland"),
    ("fid-smn", "SpareBank 1 SMN"),
    ("fid-sogn-fjordane", "SpareBank 1 Sogn og Fjordane"),
    ("fid-sor-norge", "SpareBank 1 Sør-Norge"),
    ("fid-ostfold-akershus", "SpareBank 1 Østfold Akershus"),
    ("fid-ostlandet", "SpareBank 1 Østlandet"),
];

/// Refresh tokens die a year after the login, however often they are rotated.
const REFRESH_ABSOLUTE: Duration = Duration::from_secs(365 * 24 * 3600);

/// Granted when the authorize request names no scope.
const DEFAULT_SCOPE: &str = "accounts transactions";

/// An unanswered BankID page stays usable this long.
const LOGIN_PAGE_TTL: Duration = Duration::from_secs(600);

pub(crate) fn parse_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn deadline(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    now + crate::contract::chrono_duration(ttl)
}

fn page(title: &str, body_html: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; background: #f4f6fb; color: #002776; margin: 0; }}\n\
         main {{ max-width: 28rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 2px 12px rgba(0,0,0,.08); }}\n\
         h1 {{ font-size: 1.4rem; }}\n\
         .muted {{ color: #555; font-size: .9rem; }}\n\
         button {{ font-size: 1rem; padding: .6rem 1.4rem; border-radius: 6px; border: 1px solid #002776; cursor: pointer; margin-right: .5rem; }}\n\
         button.primary {{ background: #002776; color: #fff; }}\n\
         button.secondary {{ background: #fff; color: #002776; }}\n\
         </style>\n</head>\n<body>\n<main>\n{body_html}\n</main>\n</body>\n</html>\n",
        html_escape(title)
    )
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn error_page(message: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        page(
            "Error",
            &format!(
                "<h1>Something went wrong</h1>\n<p>{}</p>\n\
                 <p class=\"muted\">You will not be sent back to the application.</p>",
                html_escape(message)
            ),
        ),
    )
}

/// 302 to `uri` with `pairs` appended to its query.
fn redirect_to(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let query = ser.finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{sep}{query}");
    match HeaderValue::from_str(&location) {
        Ok(loc) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, loc),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => error_page("The redirect URI cannot be used in a Location header."),
    }
}

fn redirect_error(uri: &str, error: &str, description: &str, state: Option<&str>) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    redirect_to(uri, &pairs)
}

fn is_b64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

pub(crate) fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `GET /oauth/authorize`.
pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    let p = parse_pairs(query.as_deref().unwrap_or(""));
    let cfg = &shared.config;
    let mut st = shared.lock();
    st.stats.authorize_requests += 1;

    // Problems with the client or the redirect URI are shown to the user; nothing is sent
    // back to an unverified address.
    match first(&p, "client_id") {
        Some(id) if id == cfg.client_id => {}
        Some(_) => return error_page("Unknown client_id."),
        None => return error_page("The request has no client_id."),
    }
    let redirect_uri = match first(&p, "redirect_uri") {
        Some(uri) if st.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        Some(_) => return error_page("redirect_uri is not registered for this client."),
        None => return error_page("The request has no redirect_uri."),
    };

    let state = first(&p, "state").filter(|s| !s.is_empty());
    match first(&p, "response_type") {
        Some("code") => {}
        Some(_) => {
            return redirect_error(
                &redirect_uri,
                "unsupported_response_type",
                "Only response_type=code is supported.",
                state,
            )
        }
        None => {
            return redirect_error(
                &redirect_uri,
                "invalid_request",
                "response_type is missing.",
                state,
            )
        }
    }
    let Some(state) = state else {
        return redirect_error(&redirect_uri, "invalid_request", "state is missing.", None);
    };

    let challenge = first(&p, "code_challenge");
    let method = first(&p, "code_challenge_method");
    let code_challenge = match (challenge, method) {
        (None, None) if cfg.require_pkce => {
            return redirect_error(
                &redirect_uri,
                "invalid_request",
                "code_challenge is required.",
                Some(state),
            )
        }
        (None, None) => None,
        (Some(c), Some("S256")) if c.len() == 43 && is_b64url(c) => Some(c.to_owned()),
        (Some(_), Some("S256")) => {
            return redirect_error(
                &redirect_uri,
                "invalid_request",
                "code_challenge is not a base64url SHA-256 value.",
                Some(state),
            )
        }
        (None, Some(_)) => {
            return redirect_error(
                &redirect_uri,
                "invalid_request",
                "code_challenge_method without code_challenge.",
                Some(state),
            )
        }
        (Some(_), _) => {
            return redirect_error(
                &redirect_uri,
                "invalid_request",
                "Only code_challenge_method=S256 is supported.",
                Some(state),
            )
        }
    };

    let bank = match first(&p, "finInst") {
        None => None,
        Some(f) => match KNOWN_FIN_INSTS.iter().find(|(id, _)| *id == f) {
            Some((_, name)) => Some(*name),
            None => {
                return redirect_error(
                    &redirect_uri,
                    "access_denied",
                    "Unknown financial institution.",
                    Some(state),
                )
            }
        },
    };

    let request_id = random_secret();
    let scope = first(&p, "scope")
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(DEFAULT_SCOPE)
        .to_owned();
    let now = shared.now();
    st.login_requests
        .retain(|_, r| now < deadline(r.created, LOGIN_PAGE_TTL));
    st.login_requests.insert(
        request_id.clone(),
        LoginRequest {
            redirect_uri,
            state: state.to_owned(),
            scope,
            code_challenge,
            created: now,
        },
    );
    let bank_line = match bank {
        Some(name) => format!("<p>Bank: <strong>{}</strong></p>", html_escape(name)),
        None => "<p>Bank: <strong>SpareBank 1</strong> <span class=\"muted\">(no finInst given; \
                 the sandbox picks one for you)</span></p>"
            .to_owned(),
    };
    let body = format!(
        "<h1>Log in with BankID (sandbox)</h1>\n\
         <p><strong>{client}</strong> asks for access to your accounts and transactions.</p>\n\
         {bank_line}\n\
         <p class=\"muted\">Test user: Kari Nordmann. No real BankID is involved.</p>\n\
         <form method=\"post\" action=\"/oauth/authorize/approve\">\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{request_id}\">\n\
         <button class=\"primary\" type=\"submit\" name=\"decision\" value=\"approve\">Log in</button>\n\
         <button class=\"secondary\" type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n\
         </form>",
        client = html_escape(&cfg.client_id),
    );
    html(StatusCode::OK, page("Log in with BankID (sandbox)", &body))
}

/// `POST /oauth/authorize/approve`: the answer on the BankID page.
pub(crate) async fn approve(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form = parse_pairs(&String::from_utf8_lossy(&body));
    let mut st = shared.lock();
    let Some(request_id) = first(&form, "request_id") else {
        return error_page("The login form is incomplete.");
    };
    let Some(req) = st.login_requests.remove(request_id) else {
        return error_page("This login has already been answered or has expired. Start again.");
    };
    let now = shared.now();
    if now >= deadline(req.created, LOGIN_PAGE_TTL) {
        return error_page("This login has expired. Start again.");
    }
    match first(&form, "decision") {
        Some("approve") => {
            let code = random_secret();
            let expires = deadline(now, shared.config.code_ttl);
            st.codes.insert(
                code.clone(),
                CodeGrant {
                    client_id: shared.config.client_id.clone(),
                    redirect_uri: req.redirect_uri.clone(),
                    scope: req.scope,
                    code_challenge: req.code_challenge,
                    expires,
                },
            );
            st.issued.push(code.clone());
            st.stats.codes_issued += 1;
            redirect_to(&req.redirect_uri, &[("code", &code), ("state", &req.state)])
        }
        Some("cancel") => redirect_error(
            &req.redirect_uri,
            "access_denied",
            "The user cancelled the BankID login.",
            Some(&req.state),
        ),
        _ => error_page("Choose “Log in” or “Cancel”."),
    }
}

/// `GET /oauth/logout`.
pub(crate) async fn logout() -> Response {
    html(
        StatusCode::OK,
        page(
            "Logged out",
            "<h1>You are logged out</h1>\n<p>You can close this window.</p>",
        ),
    )
}

fn oauth_json(
    status: StatusCode,
    body: String,
    extra: Option<(header::HeaderName, &str)>,
) -> Response {
    let mut resp = (
        status,
        [
            (header::CONTENT_TYPE, "application/json;charset=UTF-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        body,
    )
        .into_response();
    if let Some((name, value)) = extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = Obj::new()
        .str("error", error)
        .str("error_description", description)
        .to_json();
    let extra = (status == StatusCode::UNAUTHORIZED)
        .then_some((header::WWW_AUTHENTICATE, "Basic realm=\"api-auth\""));
    oauth_json(status, body, extra)
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// Credentials from `Authorization: Basic`: `None` without such a header, `Some(None)` when it
/// is malformed.
fn basic_credentials(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(decoded.and_then(|s| {
        s.split_once(':')
            .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
    }))
}

/// RFC 6749 §2.3.1 says Basic credentials are form-encoded first; accept them either way.
fn same_credential(sent: &str, expected: &str) -> bool {
    if sent == expected {
        return true;
    }
    let decoded: String = url::form_urlencoded::parse(format!("x={sent}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .collect();
    decoded == expected
}

/// `POST /oauth/token`.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cfg = &shared.config;
    let form = parse_pairs(&String::from_utf8_lossy(&body));
    let grant_type = first(&form, "grant_type").unwrap_or("").to_owned();
    let mut st = shared.lock();
    *st.stats
        .token_requests
        .entry(grant_type.clone())
        .or_insert(0) += 1;

    if take(&mut st.faults.token_html) {
        return html(
            StatusCode::OK,
            page(
                "Vedlikehold",
                "<h1>Vi utfører vedlikehold</h1>\n<p>Tjenesten er midlertidig utilgjengelig. \
                 Prøv igjen senere.</p>",
            ),
        );
    }

    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !form_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The token request must be application/x-www-form-urlencoded.",
        );
    }

    let form_id = first(&form, "client_id");
    let form_secret = first(&form, "client_secret");
    let (client_id, secret, method) = match basic_credentials(&headers) {
        Some(Some((id, secret))) => {
            if form_id.is_some_and(|f| !same_credential(&id, f)) {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client_id in the form differs from the Basic credentials.",
                );
            }
            (id, secret, "basic")
        }
        Some(None) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Malformed Basic credentials.",
            )
        }
        None => match (form_id, form_secret) {
            (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned(), "form"),
            _ => {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Client authentication failed: no credentials.",
                )
            }
        },
    };
    if !same_credential(&client_id, &cfg.client_id) || !same_credential(&secret, &cfg.client_secret)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    st.stats.last_client_auth = Some(method.to_owned());
    let now = shared.now();

    let (scope, absolute) = match grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = first(&form, "code") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code is missing.",
                );
            };
            // Burnt now, whatever happens next.
            let Some(grant) = st.codes.remove(code) else {
                return invalid_grant(
                    "The authorization code is invalid, expired or already used.",
                );
            };
            if now >= grant.expires {
                return invalid_grant("The authorization code has expired.");
            }
            if grant.client_id != cfg.client_id {
                return invalid_grant("The authorization code was issued to another client.");
            }
            if first(&form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
                return invalid_grant("redirect_uri does not match the authorization request.");
            }
            if let Some(challenge) = &grant.code_challenge {
                match first(&form, "code_verifier") {
                    None => return invalid_grant("code_verifier is required."),
                    Some(v) if !is_valid_verifier(v) || s256(v) != *challenge => {
                        return invalid_grant("PKCE verification failed.")
                    }
                    Some(_) => {}
                }
            }
            (grant.scope, deadline(now, REFRESH_ABSOLUTE))
        }
        "refresh_token" => {
            let Some(rt) = first(&form, "refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is missing.",
                );
            };
            // Rotation: the presented token dies now, whatever happens next.
            let Some(grant) = st.refresh_tokens.remove(rt) else {
                return invalid_grant("The refresh token is invalid, expired or already used.");
            };
            if now >= grant.idle_expires || now >= grant.absolute_expires {
                return invalid_grant("The refresh token has expired.");
            }
            if grant.client_id != cfg.client_id {
                return invalid_grant("The refresh token was issued to another client.");
            }
            st.stats.refreshes += 1;
            (grant.scope, grant.absolute_expires)
        }
        "" => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing.",
            )
        }
        other => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type {other} is not supported."),
            )
        }
    };

    // The `long_tokens` fault: tokens of the asked length, still random (and so unguessable).
    let long = match st.faults.long_tokens.as_mut() {
        Some((n, chars)) => take(n).then_some(*chars),
        None => None,
    };
    let token = || match long {
        Some(chars) => {
            let mut t = String::with_capacity(chars + 64);
            while t.len() < chars {
                t.push_str(&random_secret());
            }
            t.truncate(chars.max(1));
            t
        }
        None => random_secret(),
    };
    let access = token();
    let refresh = token();
    let idle = deadline(now, cfg.refresh_token_ttl).min(absolute);
    // [inference] Every access token is a session of its own: ids change on refresh too.
    let session = st.new_session();
    st.access_tokens.insert(
        access.clone(),
        AccessGrant {
            client_id: cfg.client_id.clone(),
            session,
            expires: deadline(now, cfg.access_token_ttl),
        },
    );
    st.refresh_tokens.insert(
        refresh.clone(),
        RefreshGrant {
            client_id: cfg.client_id.clone(),
            scope: scope.clone(),
            idle_expires: idle,
            absolute_expires: absolute,
        },
    );
    st.issued.push(access.clone());
    st.issued.push(refresh.clone());
    // The hostile `absurd_token_lifetime` fault: every lifetime in this answer is about
    // 317,000 years (the bank's own records keep the real ones).
    let absurd = take(&mut st.faults.absurd_token_lifetime);
    let lifetime = |secs: i64| {
        if absurd {
            "10000000000000".to_owned()
        } else {
            secs.to_string()
        }
    };
    let access_secs = i64::try_from(cfg.access_token_ttl.as_secs()).unwrap_or(i64::MAX);
    let body = Obj::new()
        .str("access_token", &access)
        .str("token_type", "Bearer")
        .raw("expires_in", lifetime(access_secs))
        .str("refresh_token", &refresh)
        .raw(
            "refresh_token_expires_in",
            lifetime((idle - now).num_seconds().max(0)),
        )
        .raw(
            "refresh_token_absolute_expires_in",
            lifetime((absolute - now).num_seconds().max(0)),
        )
        .str("scope", &scope)
        .to_json();
    oauth_json(StatusCode::OK, body, None)
}
