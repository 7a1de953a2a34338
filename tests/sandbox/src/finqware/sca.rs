//! The browser's side of the `sca` step: the bank's consent page (Approve / Deny), the bank's
//! redirect to Finqware (`/v1/tpp/redirect`), and Finqware's redirect to the tenant's
//! `psu_redirect_link` with `temp_token` (or `error=access_denied`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::api::{self, ApiError, App};
use super::catalogue::{self, Bank};
use super::state::{Authorization, Inner};

/// The bank's authorisation URL for one consent request (`state`).
pub(crate) fn consent_url(origin: &str, bank: &Bank, state: &str) -> String {
    let redirect = format!("{origin}/v1/tpp/redirect");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", "finqware")
        .append_pair("redirect_uri", &redirect)
        .append_pair("scope", "AIS")
        .append_pair("state", state)
        .finish();
    format!("{origin}/bank/{}/oauth/authorize?{query}", bank.slug)
}

/// `link` with `pairs` appended to its query (kept as it is), before any `#fragment`.
pub(crate) fn with_query(link: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match link.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (link, None),
    };
    let mut out = base.to_owned();
    if !base.contains('?') {
        out.push('?');
    } else if !(base.ends_with('?') || base.ends_with('&')) {
        out.push('&');
    }
    out.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish(),
    );
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

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

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0}\
main{max-width:28rem;margin:4rem auto;background:#fff;border-radius:8px;padding:2rem;\
box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.3rem;margin-top:0}\
ul{padding-left:1.2rem}button{padding:.6rem 1.4rem;margin:1rem .5rem 0 0;border:0;\
border-radius:4px;cursor:pointer}.bar{height:6px;border-radius:3px;margin-bottom:1rem}\
.note{color:#666;font-size:.85rem}";

fn page_shell(title: &str, accent: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"ro\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head>\n<body><main>\
<div class=\"bar\" style=\"background:#{accent}\"></div>\n{content}\n</main></body></html>\n",
        title = escape_html(title),
        accent = escape_html(accent),
    )
}

fn problem(status: StatusCode, heading: &str, detail: &str) -> Response {
    let content = format!(
        "<h1>{}</h1>\n<p>{}</p>",
        escape_html(heading),
        escape_html(detail)
    );
    (status, Html(page_shell(heading, "888888", &content))).into_response()
}

/// Why a consent page cannot be used: status, heading, detail.
struct Problem(StatusCode, &'static str, &'static str);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        problem(self.0, self.1, self.2)
    }
}

/// The consent request behind `state`, if the page may still be used.
fn usable(
    inner: &Inner,
    bank: &Bank,
    state: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Problem> {
    let Some(auth) = inner
        .authorizations
        .get(state)
        .filter(|a| a.bank.skill == bank.skill)
    else {
        return Err(Problem(
            StatusCode::NOT_FOUND,
            "Cerere necunoscută / Unknown request",
            "This consent request does not exist. Start again from the app.",
        ));
    };
    if auth.decided {
        return Err(Problem(
            StatusCode::BAD_REQUEST,
            "Cerere deja folosită / Request already used",
            "This consent request was already answered. Start again from the app.",
        ));
    }
    if now >= auth.expires {
        return Err(Problem(
            StatusCode::BAD_REQUEST,
            "Sesiune expirată / Session expired",
            "This consent request has expired. Start again from the app.",
        ));
    }
    Ok(())
}

fn query_map(query: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn masked(iban: &str) -> String {
    let tail: String = iban
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}…{tail}", iban.chars().take(4).collect::<String>())
}

/// `GET /bank/{slug}/oauth/authorize`: the bank's SCA page.
pub(crate) async fn page(
    State(app): State<App>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(bank) = catalogue::by_slug(&slug) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Unknown bank",
            "There is no such bank.",
        );
    };
    let params = query_map(query);
    let state = params.get("state").cloned().unwrap_or_default();
    let now = app.now();
    let mut inner = app.lock();
    if let Err(page) = usable(&inner, bank, &state, now) {
        return page.into_response();
    }
    inner.stats.consent_pages += 1;
    let ledger = inner.ledger(&app, bank, now);
    let accounts: String = ledger
        .accounts()
        .map(|(i, spec)| {
            format!(
                "<li>{} ({}) {}</li>\n",
                escape_html(&ledger.display_name(i)),
                spec.currency,
                escape_html(&masked(ledger.iban(i)))
            )
        })
        .collect();
    let heading = format!("{} — autorizare acces la conturi", bank.servicer);
    let content = format!(
        "<h1>{heading}</h1>\n\
<p><strong>{tenant}</strong> (prin Finqware) cere acces la informațiile conturilor tale:\
 sold și istoricul tranzacțiilor, pentru 90 de zile.</p>\n<ul>\n{accounts}</ul>\n\
<form method=\"post\" action=\"/bank/{slug}/oauth/authorize\">\n\
<input type=\"hidden\" name=\"state\" value=\"{state}\">\n\
<button type=\"submit\" name=\"decision\" value=\"approve\" style=\"background:#{accent};color:#fff\">Approve</button>\n\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n\
</form>\n<p class=\"note\">Sandbox: no password is needed; Approve stands for the bank's strong customer authentication.</p>",
        heading = escape_html(&heading),
        tenant = escape_html(&app.config.tenant_name),
        slug = escape_html(bank.slug),
        state = escape_html(&state),
        accent = escape_html(bank.accent),
    );
    Html(page_shell(&heading, bank.accent, &content)).into_response()
}

/// `POST /bank/{slug}/oauth/authorize`: Approve or Deny, then 302 to Finqware.
pub(crate) async fn decide(
    State(app): State<App>,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    let Some(bank) = catalogue::by_slug(&slug) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Unknown bank",
            "There is no such bank.",
        );
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let state = form.get("state").cloned().unwrap_or_default();
    let approve = match form.get("decision").map(String::as_str) {
        Some("approve") => true,
        Some("deny") => false,
        _ => {
            return problem(
                StatusCode::BAD_REQUEST,
                "Alege / Choose",
                "Choose Approve or Deny.",
            )
        }
    };
    let now = app.now();
    let mut inner = app.lock();
    if let Err(page) = usable(&inner, bank, &state, now) {
        return page.into_response();
    }
    let code = approve.then(super::state::uuid_v4);
    if let Some(auth) = inner.authorizations.get_mut(&state) {
        auth.decided = true;
        auth.code = code.clone();
    }
    let redirect = format!("{}/v1/tpp/redirect", app.origin);
    let target = match code {
        Some(code) => with_query(&redirect, &[("code", &code), ("state", &state)]),
        None => with_query(
            &redirect,
            &[
                ("error", "access_denied"),
                ("error_description", "The PSU denied the consent."),
                ("state", &state),
            ],
        ),
    };
    redirect_to(&target)
}

fn redirect_to(target: &str) -> Response {
    let content = format!(
        "<p>Redirecting to <a href=\"{0}\">{0}</a></p>",
        escape_html(target)
    );
    (
        StatusCode::FOUND,
        [(header::LOCATION, target.to_owned())],
        Html(content),
    )
        .into_response()
}

/// `GET /v1/tpp/redirect`: Finqware receives the bank's answer and sends the browser on to the
/// tenant's `psu_redirect_link`.
pub(crate) async fn tpp_redirect(
    State(app): State<App>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = query_map(query);
    let state = params.get("state").cloned().unwrap_or_default();
    let now = app.now();
    let mut inner = app.lock();
    let refuse = || {
        api::invalid(
            "tpp_redirect_error",
            "The bank redirect does not match a pending consent request.",
        )
    };
    // The request stays known (its page then says "already used"), but redirects only once.
    let Some(auth) = inner
        .authorizations
        .get_mut(&state)
        .filter(|a| a.decided && !a.redirected)
    else {
        return Err(refuse());
    };
    auth.redirected = true;
    let auth = Authorization {
        session_id: auth.session_id.clone(),
        bank: auth.bank,
        psu_redirect_link: auth.psu_redirect_link.clone(),
        expires: auth.expires,
        decided: true,
        code: auth.code.take(),
        redirected: true,
    };
    let tenant_user_id = inner
        .sessions
        .get(&auth.session_id)
        .and_then(|s| s.tenant_user_id.clone());
    match (params.get("code"), auth.code.as_deref()) {
        (Some(code), Some(issued)) if code == issued => {
            let temp_token = api::issue_temp_token(
                &app,
                &mut inner,
                auth.bank,
                &auth.session_id,
                tenant_user_id,
                now,
            );
            if let Some(session) = inner.sessions.get_mut(&auth.session_id) {
                session.nonce = None;
            }
            inner.stats.approvals += 1;
            Ok(redirect_to(&with_query(
                &auth.psu_redirect_link,
                &[("temp_token", &temp_token)],
            )))
        }
        (None, None) if params.get("error").is_some_and(|e| e == "access_denied") => {
            if let Some(session) = inner.sessions.get_mut(&auth.session_id) {
                session.nonce = None;
            }
            inner.stats.denials += 1;
            Ok(redirect_to(&with_query(
                &auth.psu_redirect_link,
                &[
                    ("error", "access_denied"),
                    (
                        "error_description",
                        "The user denied access to their accounts at the bank.",
                    ),
                ],
            )))
        }
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_appended_not_rewritten() {
        assert_eq!(
            with_query("coffer://finqware/cb", &[("temp_token", "MDAx")]),
            "coffer://finqware/cb?temp_token=MDAx"
        );
        assert_eq!(
            with_query("http://127.0.0.1:9/cb?a=b%20c&x", &[("temp_token", "T")]),
            "http://127.0.0.1:9/cb?a=b%20c&x&temp_token=T"
        );
        assert_eq!(
            with_query("myapp://cb?#frag", &[("error", "access_denied")]),
            "myapp://cb?error=access_denied#frag"
        );
        assert_eq!(
            with_query("myapp://cb", &[("error_description", "a b/é")]),
            "myapp://cb?error_description=a+b%2F%C3%A9"
        );
        assert_eq!(masked("RO49BTRLRONCRT0123456789"), "RO49…6789");
    }
}
