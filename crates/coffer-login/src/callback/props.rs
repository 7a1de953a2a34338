//! Property tests: a redirect is untrusted input from the network or the OS. Whatever arrives,
//! parsing and checking never panic, only the login's own `state`/nonce can finish it, and what
//! it hands over is exactly what the bank sent.
//!
//! 256 cases each by default; `PROPTEST_CASES=N` runs more.

use proptest::prelude::*;

use super::*;

const STATE: &str = "Zq3-state-0f9a";
const NONCE: &str = "n0nce-77c1";

fn oauth() -> Expected {
    Expected::OAuth {
        provider: "oauthbank".into(),
        paths: vec!["/callback/oauthbank".into(), "/oauth/oauthbank".into()],
        state: SecretString::from(STATE.to_string()),
    }
}

fn linked() -> Expected {
    Expected::LinkedLogin {
        provider: "hubbank".into(),
        prefixes: vec!["/hubbank-hub".into(), "/callback/hubbank".into()],
        nonce: SecretString::from(NONCE.to_string()),
    }
}

fn query_value() -> Expected {
    Expected::QueryValue {
        provider: "qbank".into(),
        prefixes: vec!["/callback/qbank".into()],
        nonce: SecretString::from(NONCE.to_string()),
        param: "temp_token",
    }
}

/// Link-shaped text: the right scheme and hosts mixed with noise, encodings and separators.
fn linkish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(coffer|http|https|COFFER|file)://[a-z0-9./%?&=#_-]{0,40}",
        "coffer://(oauth|hubbank-hub|callback)/[^ ]{0,60}",
        "/(callback|oauth|hubbank-hub)/[a-z/%0-9]{0,30}",
    ]
}

/// True when the verdict finished the login, successfully or not.
fn finished(v: &Verdict) -> bool {
    matches!(v, Verdict::Finished(_))
}

proptest! {
    /// Any deep link parses or is refused, and a link without the login's state or nonce never
    /// finishes any kind of login.
    #[test]
    fn any_deep_link_parses_or_is_refused_and_never_finishes_a_login(link in linkish()) {
        if let Ok(cb) = Callback::from_deep_link(&link, "coffer") {
            prop_assert!(cb.path.starts_with('/'));
            for expected in [oauth(), linked(), query_value()] {
                let v = expected.check(&cb);
                prop_assert!(!finished(&v), "{:?} finished {:?}", link, v);
            }
        }
    }

    /// The same for what the loopback listener receives.
    #[test]
    fn any_request_target_never_finishes_a_login(path in linkish(), query in proptest::option::of(any::<String>())) {
        let cb = Callback::from_request_target(&path, query.as_deref());
        for expected in [oauth(), linked(), query_value()] {
            let v = expected.check(&cb);
            prop_assert!(!finished(&v), "{:?} {:?} finished {:?}", path, query, v);
        }
    }

    /// With the right state, any code the bank sends (up to 4 KiB) is handed over exactly,
    /// however it had to be encoded; an empty one is refused and the login keeps waiting.
    #[test]
    fn the_code_is_handed_over_exactly(code in any::<String>(), deep in any::<bool>()) {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .append_pair("state", STATE)
            .finish();
        let cb = if deep {
            Callback::from_deep_link(&format!("coffer://oauth/oauthbank?{query}"), "coffer").unwrap()
        } else {
            Callback::from_request_target("/callback/oauthbank", Some(&query))
        };
        match oauth().check(&cb) {
            Verdict::Finished(Ok(CallbackResult::AuthorizationCode(c))) => {
                prop_assert_eq!(c.expose_secret(), code.as_str())
            }
            Verdict::Refused(_) => prop_assert!(code.is_empty() || code.len() > 4096),
            other => prop_assert!(false, "{:?}", other),
        }
    }

    /// An aggregator's appended JSON, whatever it holds, is read or refused with a message that
    /// never repeats the payload (it may carry the login's secret).
    #[test]
    fn any_linked_payload_is_read_or_refused_without_echoing_it(payload in any::<String>(), secret in "[A-Za-z0-9]{12,20}") {
        let encoded: String =
            percent_encoding::utf8_percent_encode(&payload, percent_encoding::NON_ALPHANUMERIC).to_string();
        let cb = Callback::from_request_target(&format!("/callback/hubbank/{NONCE}/{encoded}"), None);
        let _ = linked().check(&cb);
        let json = serde_json::json!({"status": "success", "login_id": 42, "secret": secret}).to_string();
        let encoded: String =
            percent_encoding::utf8_percent_encode(&json, percent_encoding::NON_ALPHANUMERIC).to_string();
        let cb = Callback::from_request_target(&format!("/hubbank-hub/{NONCE}/{encoded}"), None);
        match linked().check(&cb) {
            Verdict::Finished(Ok(CallbackResult::LinkedLogin { login_id, secret: s })) => {
                prop_assert_eq!(login_id, 42);
                prop_assert_eq!(s.expose_secret(), secret.as_str());
            }
            other => prop_assert!(false, "{:?}", other),
        }
        let broken = format!("{{\"status\":\"success\",\"login_id\":42,\"secret\":\"{secret}\"");
        let cb = Callback::from_request_target(&format!("/hubbank-hub/{NONCE}/{broken}"), None);
        match linked().check(&cb) {
            Verdict::Refused(e) => prop_assert!(!e.to_string().contains(&secret), "{}", e),
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
