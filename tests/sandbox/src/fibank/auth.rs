//! `/oauth2-server/…`: the Spring-Security login dance with its session cookie, CSRF meta tag,
//! certificate lookup cookie, lock-out, and the implicit-grant redirect whose fragment carries
//! the access token. Also the `/EBank/` page the dance ends on.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::api::{spring_error, App};
use super::json::html_escape;
use super::state::{session_id, uuid_v4, FaultSite, Inner, SavedAuthorize, Session, Token};
use super::time::parse_instant;

pub(crate) const SESSION_COOKIE: &str = "JSESSIONID";
pub(crate) const CERT_COOKIE: &str = "SYWSCERT";
pub(crate) const CLIENT_ID: &str = "E_BANK";
pub(crate) const REDIRECT_URI: &str = "/EBank/";
pub(crate) const SCOPE: &str = "E_BANK";

/// What the login page says after a wrong username or password.
pub const WRONG_CREDENTIALS: &str = "Невалидно потребителско име или парола.";
/// What the locked page says.
pub const LOCKED: &str = "Достъпът до Моята Fibank е блокиран";

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
}

fn set_cookie(name: &str, value: &str, path: &str) -> Option<HeaderValue> {
    // No `Secure`: the sandbox speaks plain HTTP on loopback, where a cookie jar would never
    // send a secure cookie back.
    HeaderValue::from_str(&format!("{name}={value}; Path={path}; HttpOnly")).ok()
}

/// The live session the request's `JSESSIONID` names; touches it. An idle session dies.
pub(crate) fn live_session(
    inner: &mut Inner,
    headers: &HeaderMap,
    now: DateTime<Utc>,
    idle: chrono::Duration,
) -> Option<String> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let alive = inner
        .sessions
        .get(&id)
        .is_some_and(|session| now - session.last_seen <= idle);
    if !alive {
        inner.sessions.remove(&id);
        return None;
    }
    if let Some(session) = inner.sessions.get_mut(&id) {
        session.last_seen = now;
    }
    Some(id)
}

fn new_session(inner: &mut Inner, now: DateTime<Utc>) -> String {
    let id = session_id();
    inner.sessions.insert(
        id.clone(),
        Session {
            csrf: uuid_v4(),
            last_seen: now,
            saved: None,
            cert: None,
            user: None,
        },
    );
    id
}

fn pairs(text: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        map.entry(key.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    map
}

fn idle(app: &App) -> chrono::Duration {
    chrono::Duration::from_std(app.config.session_idle).unwrap_or(chrono::Duration::days(1))
}

/// `http://host:port` as the client addressed us, so redirects keep its cookie domain.
fn origin(app: &App, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| app.origin.clone(), |host| format!("http://{host}"))
}

// ---------------------------------------------------------------------------------------------
// Pages

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html;charset=UTF-8"),
            (
                header::CACHE_CONTROL,
                "no-cache, no-store, max-age=0, must-revalidate",
            ),
        ],
        body,
    )
        .into_response()
}

fn page(head_extra: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"bg\">\n<head>\n<meta charset=\"UTF-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         {head_extra}<title>Моята Fibank</title>\n\
         <link rel=\"stylesheet\" href=\"/oauth2-server/css/login.css\" />\n</head>\n<body>\n\
         <div class=\"container\">\n<img src=\"/oauth2-server/img/fibank-logo.svg\" alt=\"Fibank\" />\n\
         {body}\n</div>\n</body>\n</html>\n"
    )
}

/// The login form. The `_csrf_header` meta comes first, as it does in this bank's template: a
/// client that grabs the first line mentioning `_csrf` gets the header *name*, not the token.
fn login_page(csrf: Option<&str>, error: Option<&str>) -> String {
    let head = match csrf {
        Some(token) => format!(
            "<meta name=\"_csrf_header\" content=\"X-CSRF-TOKEN\" />\n\
             <meta name=\"_csrf\" content=\"{}\" />\n",
            html_escape(token)
        ),
        None => String::new(),
    };
    let hidden = csrf.map_or_else(String::new, |token| {
        format!(
            "<input type=\"hidden\" name=\"_csrf\" value=\"{}\" />\n",
            html_escape(token)
        )
    });
    let alert = error.map_or_else(String::new, |message| {
        format!(
            "<div class=\"alert alert-danger\" id=\"login-error\">{}</div>\n",
            html_escape(message)
        )
    });
    page(
        &head,
        &format!(
            "<h1>Вход в Моята Fibank</h1>\n{alert}\
             <form id=\"loginForm\" method=\"post\" action=\"/oauth2-server/login\">\n\
             <label for=\"username\">Потребителско име</label>\n\
             <input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" />\n\
             <label for=\"password\">Парола</label>\n\
             <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" />\n\
             <input type=\"hidden\" name=\"system\" value=\"\" />\n\
             <input type=\"hidden\" name=\"client_id\" value=\"E_BANK\" />\n\
             <input type=\"hidden\" name=\"lang\" value=\"bg\" />\n\
             <input type=\"hidden\" name=\"time\" value=\"\" />\n\
             <input type=\"hidden\" name=\"sig\" value=\"\" />\n\
             {hidden}<button type=\"submit\">Вход</button>\n</form>\n\
             <p><a href=\"/oauth2-server/demo\">Демо</a></p>"
        ),
    )
}

fn locked_page() -> String {
    page(
        "",
        &format!(
            "<h1>{LOCKED}</h1>\n<p id=\"login-locked\">Потребителят е блокиран след няколко \
             последователни неуспешни опита за вход. За да възстановите достъпа си, свържете се \
             с Контактния център на Fibank на 0700 12 777 или посетете клон на банката.</p>"
        ),
    )
}

/// The auth server's error page (the Spring Security and OAuth failures a browser would see).
pub(crate) fn error_page(status: StatusCode, message: &str, detail: &str) -> Response {
    html(
        status,
        page(
            "",
            &format!(
                "<h1>Възникна грешка</h1>\n<p id=\"error-message\">{}</p>\n\
                 <p class=\"detail\">{} ({})</p>\n\
                 <p><a href=\"/oauth2-server/login?client_id=E_BANK\">Към страницата за вход</a></p>",
                html_escape(message),
                html_escape(detail),
                status.as_u16()
            ),
        ),
    )
}

fn session_missing() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "Сесията Ви е изтекла или е невалидна. Моля, започнете входа отначало.",
        "Could not verify the provided CSRF token because your session was not found.",
    )
}

/// Spring OAuth2's error page for a bad authorize request (nothing is sent to `redirect_uri`).
fn oauth_error(error: &str, description: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        format!(
            "<html><body><h1>OAuth Error</h1><p>error=\"{}\", error_description=\"{}\"</p></body></html>",
            html_escape(error),
            html_escape(description)
        ),
    )
}

fn redirect(location: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            headers.insert(header::LOCATION, value);
        }
        Err(_) => return error_page(StatusCode::BAD_REQUEST, "Невалиден адрес.", location),
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = cookie {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// `GET /oauth2-server/login?client_id=E_BANK`: the login page; starts a session.
pub(crate) async fn login_form(State(app): State<App>, headers: HeaderMap) -> Response {
    let now = app.clock.now();
    let mut inner = app.lock();
    let (id, cookie) = match live_session(&mut inner, &headers, now, idle(&app)) {
        Some(id) => (id, None),
        None => {
            let id = new_session(&mut inner, now);
            let cookie = set_cookie(SESSION_COOKIE, &id, "/");
            (id, cookie)
        }
    };
    let csrf = inner.sessions.get(&id).map(|s| s.csrf.clone());
    with_cookie(
        html(StatusCode::OK, login_page(csrf.as_deref(), None)),
        cookie,
    )
}

/// `GET /oauth2-server/oauth/authorize?response_type=token&client_id=E_BANK&redirect_uri=/EBank/
/// &scope=E_BANK&state=…`: the login page (remembering the request) for a session that has not
/// logged in; the token redirect for one that has.
pub(crate) async fn authorize(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let params = pairs(&query);
    let now = app.clock.now();
    let mut inner = app.lock();
    let Some(id) = live_session(&mut inner, &headers, now, idle(&app)) else {
        return session_missing();
    };
    let get = |key: &str| params.get(key).map(String::as_str).unwrap_or("");
    if get("client_id") != CLIENT_ID {
        return oauth_error(
            "invalid_client",
            &format!("Bad client credentials: {}", get("client_id")),
        );
    }
    if get("response_type") != "token" {
        return oauth_error(
            "unsupported_response_type",
            &format!("Unsupported response types: [{}]", get("response_type")),
        );
    }
    if get("redirect_uri") != REDIRECT_URI {
        return oauth_error(
            "invalid_grant",
            &format!(
                "Invalid redirect: {} does not match one of the registered values.",
                get("redirect_uri")
            ),
        );
    }
    if get("scope") != SCOPE {
        return oauth_error("invalid_scope", &format!("Invalid scope: {}", get("scope")));
    }
    if get("state").is_empty() {
        return oauth_error("invalid_request", "A state parameter is required.");
    }
    let saved = SavedAuthorize {
        query: query.clone(),
        redirect_uri: get("redirect_uri").to_owned(),
        state: get("state").to_owned(),
        scope: get("scope").to_owned(),
    };
    let Some(session) = inner.sessions.get_mut(&id) else {
        return session_missing();
    };
    if session.user.is_some() {
        session.saved = None;
        return token_redirect(&app, &mut inner, &id, &saved, now);
    }
    session.saved = Some(saved);
    let csrf = session.csrf.clone();
    inner.stats.login_pages += 1;
    let csrf = (!inner.take_fault(FaultSite::LoginPage)).then_some(csrf);
    html(StatusCode::OK, login_page(csrf.as_deref(), None))
}

/// The implicit grant: 302 to `redirect_uri#access_token=…&token_type=bearer&state=…
/// &expires_in=…&scope=E_BANK`.
fn token_redirect(
    app: &App,
    inner: &mut Inner,
    session: &str,
    saved: &SavedAuthorize,
    now: DateTime<Utc>,
) -> Response {
    let ttl = chrono::Duration::from_std(app.config.token_ttl).unwrap_or(chrono::Duration::zero());
    // Spring reports the seconds left, truncated, a moment after issuing: one less than the TTL.
    let expires_in = (ttl.num_seconds() - 1).max(0);
    let state: String = url::form_urlencoded::byte_serialize(saved.state.as_bytes()).collect();
    let scope: String = url::form_urlencoded::byte_serialize(saved.scope.as_bytes()).collect();
    let tail = format!("token_type=bearer&state={state}&expires_in={expires_in}&scope={scope}");
    let fragment = if inner.take_fault(FaultSite::TokenRedirect) {
        tail
    } else {
        let token = uuid_v4();
        inner.tokens.insert(
            token.clone(),
            Token {
                session: session.to_owned(),
                expires: now + ttl,
            },
        );
        inner.issued_tokens.push(token.clone());
        inner.stats.tokens_issued += 1;
        format!("access_token={token}&{tail}")
    };
    redirect(&format!("{}#{fragment}", saved.redirect_uri), None)
}

/// `GET /oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin?client_id=E_BANK&userName=…`:
/// the user's login certificates (none) and a cookie the login form needs.
pub(crate) async fn certs_for_login(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = pairs(&query.unwrap_or_default());
    let now = app.clock.now();
    let path = "/oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin";
    let mut inner = app.lock();
    let Some(id) = live_session(&mut inner, &headers, now, idle(&app)) else {
        return session_missing();
    };
    if params.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return spring_error(
            StatusCode::BAD_REQUEST,
            "Required String parameter 'client_id' is not present or invalid",
            path,
            now,
        );
    }
    let Some(user) = params.get("userName").filter(|u| !u.is_empty()) else {
        return spring_error(
            StatusCode::BAD_REQUEST,
            "Required String parameter 'userName' is not present",
            path,
            now,
        );
    };
    let value = session_id();
    if let Some(session) = inner.sessions.get_mut(&id) {
        session.cert = Some((value.clone(), user.clone()));
    }
    inner.stats.cert_lookups += 1;
    let response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        "[]",
    )
        .into_response();
    with_cookie(response, set_cookie(CERT_COOKIE, &value, "/oauth2-server"))
}

/// `POST /oauth2-server/login` (form): CSRF, certificate cookie, lock-out, credentials; on
/// success a new session id and a 302 back to the remembered authorize request.
pub(crate) async fn login(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&String::from_utf8_lossy(&body));
    let field = |key: &str| form.get(key).map(String::as_str).unwrap_or("");
    let now = app.clock.now();
    let mut inner = app.lock();
    let Some(id) = live_session(&mut inner, &headers, now, idle(&app)) else {
        return session_missing();
    };
    let Some(session) = inner.sessions.get(&id) else {
        return session_missing();
    };
    if form.get("_csrf") != Some(&session.csrf) {
        let sent = form.get("_csrf").map_or("null", String::as_str);
        return error_page(
            StatusCode::FORBIDDEN,
            "Заявката не може да бъде проверена. Моля, започнете входа отначало.",
            &format!(
                "Invalid CSRF Token '{sent}' was found on the request parameter '_csrf' or header 'X-CSRF-TOKEN'."
            ),
        );
    }
    let username = field("username");
    let cert_ok = match (&session.cert, cookie(&headers, CERT_COOKIE)) {
        (Some((value, user)), Some(sent)) => *value == sent && user == username,
        _ => false,
    };
    if !cert_ok {
        return error_page(
            StatusCode::FORBIDDEN,
            "Невалидна заявка за вход. Моля, започнете входа отначало.",
            "The certificate check for this user was not done in this session.",
        );
    }
    if field("client_id") != CLIENT_ID {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Невалидна заявка за вход.",
            "client_id must be E_BANK.",
        );
    }
    // A form-encoded `+0200` that was not escaped reads as a space.
    if parse_instant(&field("time").replace(' ', "+")).is_none() {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Невалидна заявка за вход.",
            "time must be yyyy-MM-dd'T'HH:mm:ssZ.",
        );
    }
    inner.stats.login_attempts += 1;
    let is_user = username == inner.user.username;
    if is_user && inner.user.locked {
        return html(StatusCode::OK, locked_page());
    }
    if !(is_user && field("password") == inner.user.password) {
        inner.stats.failed_logins += 1;
        if is_user {
            inner.user.failed_attempts += 1;
            let limit = app.config.lockout_after;
            if limit > 0 && inner.user.failed_attempts >= limit {
                inner.user.locked = true;
                inner.stats.lockouts += 1;
                return html(StatusCode::OK, locked_page());
            }
        }
        let csrf = inner.sessions.get(&id).map(|s| s.csrf.clone());
        return html(
            StatusCode::OK,
            login_page(csrf.as_deref(), Some(WRONG_CREDENTIALS)),
        );
    }

    // Success. Spring Security changes the session id (session-fixation protection) and the
    // CSRF token; the old id dies.
    inner.user.failed_attempts = 0;
    let Some(mut session) = inner.sessions.remove(&id) else {
        return session_missing();
    };
    session.user = Some(username.to_owned());
    session.csrf = uuid_v4();
    session.cert = None;
    let saved = session.saved.clone();
    let new_id = session_id();
    inner.sessions.insert(new_id.clone(), session);
    let base = origin(&app, &headers);
    let location = match saved {
        Some(saved) => format!("{base}/oauth2-server/oauth/authorize?{}", saved.query),
        None => format!("{base}/oauth2-server/"),
    };
    redirect(&location, set_cookie(SESSION_COOKIE, &new_id, "/"))
}

/// `GET /oauth2-server/`: where a login without a remembered authorize request lands. No token.
pub(crate) async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    let now = app.clock.now();
    let mut inner = app.lock();
    let user = live_session(&mut inner, &headers, now, idle(&app))
        .and_then(|id| inner.sessions.get(&id))
        .and_then(|s| s.user.clone());
    match user {
        Some(user) => html(
            StatusCode::OK,
            page("", &format!("<h1>Добре дошли, {}</h1>", html_escape(&user))),
        ),
        None => redirect("/oauth2-server/login?client_id=E_BANK", None),
    }
}

/// `GET /EBank/`: the single-page app's shell, carrying a public token nobody needs.
pub(crate) async fn ebank_page() -> Response {
    let public: String = uuid_v4().replace('-', "");
    html(
        StatusCode::OK,
        format!(
            "<!DOCTYPE html>\n<html lang=\"bg\">\n<head>\n<meta charset=\"utf-8\" />\n\
             <base href=\"/EBank/\" />\n<meta name=\"EBank_publicToken\" content=\"{public}\"/>\n\
             <title>Моята Fibank</title>\n</head>\n<body>\n<app-root></app-root>\n\
             <script src=\"main.js\"></script>\n</body>\n</html>\n"
        ),
    )
}
