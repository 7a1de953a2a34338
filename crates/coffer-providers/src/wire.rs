//! What every HTTP connector needs when reading a provider's wire: bounded retries, transport
//! failures described without URLs or bodies, JSON errors described without the offending text.

use std::time::Duration;

use backon::BackoffBuilder;

/// Delays before each retry of an idempotent request that met a 5xx or a dropped connection:
/// 200 ms, 400 ms, 800 ms, then give up. Short enough that a sync does not stall, long enough to
/// ride out a load balancer swapping a node.
pub(crate) fn server_backoff() -> impl Iterator<Item = Duration> {
    backon::ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_millis(1600))
        .with_max_times(3)
        .build()
}

/// Provider text (error messages, field values) made safe to show: printable, one line, short.
pub(crate) fn tidy(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    cleaned.trim().to_string()
}

/// A transport failure in words. reqwest's own message names the URL, whose query may carry
/// account keys, so it is dropped.
pub(crate) fn transport_problem(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "it did not answer in time".into()
    } else if e.is_connect() {
        "the connection was refused or the host is unknown".into()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while the answer was being read".into()
    } else {
        "the request failed before an answer arrived".into()
    }
}

/// Why a body could not be read, in words (too large, or a transport failure).
pub(crate) fn body_problem(e: &coffer_login::http::BodyError) -> String {
    match e {
        coffer_login::http::BodyError::TooLarge { .. } => e.to_string(),
        coffer_login::http::BodyError::Transport(t) => transport_problem(t),
    }
}

/// Where and how a JSON text failed to parse. serde's own message can quote the offending
/// value, which may be anything the provider sent, so only the category and position are kept.
pub(crate) fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "it ends in the middle",
        Category::Syntax => "it is not valid JSON",
        Category::Data => "a value has an unexpected type",
        Category::Io => "it could not be read",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// [`json_problem`] for a whole answer body: a body that is an HTML page (a bank's or a gateway's
/// error page, sometimes sent with status 200) is called that, which says more than "not JSON".
pub(crate) fn json_body_problem(body: &str, e: &serde_json::Error) -> String {
    let start = body.trim_start();
    let html = start.starts_with('<')
        && start
            .get(..64)
            .unwrap_or(start)
            .to_ascii_lowercase()
            .contains("html");
    if html {
        "it is an HTML page, not JSON (an error page from the bank or a gateway in between)"
            .to_owned()
    } else {
        json_problem(e)
    }
}

/// The host (and port) of a URL, for messages that must say where without saying what.
pub(crate) fn host_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => "the configured address".to_string(),
    }
}

/// `base` with `path` appended as segments, whatever trailing slash the setting has.
pub(crate) fn join_path(base: &url::Url, path: &str) -> Option<url::Url> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut segments = url.path_segments_mut().ok()?;
        segments.pop_if_empty();
        segments.extend(path.split('/').filter(|s| !s.is_empty()));
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_path_keeps_prefixes_and_ignores_trailing_slashes() {
        let base = url::Url::parse("https://hub.example.com/v2").unwrap();
        assert_eq!(
            join_path(&base, "login/refresh").unwrap().as_str(),
            "https://hub.example.com/v2/login/refresh"
        );
        let base = url::Url::parse("http://127.0.0.1:9/v2/?x=1").unwrap();
        assert_eq!(
            join_path(&base, "/account").unwrap().as_str(),
            "http://127.0.0.1:9/v2/account"
        );
        let base = url::Url::parse("https://api.example.no").unwrap();
        assert_eq!(
            join_path(&base, "personal/banking/accounts")
                .unwrap()
                .as_str(),
            "https://api.example.no/personal/banking/accounts"
        );
    }

    #[test]
    fn backoff_is_bounded_and_growing() {
        let delays: Vec<Duration> = server_backoff().collect();
        assert_eq!(delays.len(), 3);
        assert!(delays.windows(2).all(|w| w[0] < w[1]), "{delays:?}");
        assert_eq!(delays[0], Duration::from_millis(200));
    }

    #[test]
    fn json_problems_never_quote_the_input() {
        let e = serde_json::from_str::<u32>("\"secret-looking-text\"").unwrap_err();
        let text = json_problem(&e);
        assert!(!text.contains("secret-looking-text"), "{text}");
        assert!(text.starts_with("a value has an unexpected type"), "{text}");
    }

    #[test]
    fn tidy_flattens_and_shortens() {
        assert_eq!(tidy(" a\nb\t"), "a b");
        assert_eq!(tidy(&"x".repeat(500)).len(), 200);
    }
}

#[cfg(test)]
mod body_tests {
    use super::*;

    #[test]
    fn an_html_page_is_named_as_such_and_other_garbage_by_its_position() {
        let html = "\n <!DOCTYPE html><html><body>Bad Gateway</body></html>";
        let e = serde_json::from_str::<serde_json::Value>(html).unwrap_err();
        assert!(json_body_problem(html, &e).contains("HTML page"));
        let junk = "<<<< not json";
        let e = serde_json::from_str::<serde_json::Value>(junk).unwrap_err();
        assert!(json_body_problem(junk, &e).starts_with("it is not valid JSON"));
    }
}
