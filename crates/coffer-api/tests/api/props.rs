//! Property test: a setting's value is typed by a user or pasted from anywhere. Any key with any
//! value is stored exactly as answered, or refused with a message naming the key, and a refusal
//! writes nothing.
//!
//! 256 cases by default; `PROPTEST_CASES=N` runs more.

use coffer_api::Coffer;
use proptest::prelude::*;

use crate::clock;

/// Values around what the settings expect (URLs, numbers) and plain noise.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(https?|file|ftp|javascript)://[a-z0-9.:@/%?#\\[\\]-]{0,40}",
        "http://127\\.0\\.0\\.1:[0-9]{0,6}[/a-z]{0,10}",
        "[-+ ]?[0-9]{0,25}(\\.[0-9]{0,3})?",
        " {0,3}",
    ]
}

#[test]
fn any_setting_value_is_stored_exactly_or_refused_by_key_without_a_write() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let coffer = Coffer::open_with_clock(dir.path(), clock(2026, 6, 15)).unwrap();
    let keys: Vec<String> = runtime
        .block_on(coffer.settings())
        .unwrap()
        .into_iter()
        .map(|s| s.key)
        .collect();
    assert!(!keys.is_empty());
    let key = prop_oneof![proptest::sample::select(keys.clone()), any::<String>(),];
    // The default config (`PROPTEST_CASES` applies), without regression files, which need a
    // source file to sit by.
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    runner
        .run(&(key, proptest::option::of(value())), |(key, value)| {
            let before = runtime.block_on(coffer.settings()).unwrap();
            match runtime.block_on(coffer.set_setting(&key, value.as_deref())) {
                Ok(set) => {
                    prop_assert_eq!(&set.key, &key);
                    let now = runtime.block_on(coffer.settings()).unwrap();
                    let stored = now.iter().find(|s| s.key == key).unwrap();
                    prop_assert_eq!(&stored.value, &set.value);
                    if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                        prop_assert_eq!(stored.value.as_str(), v, "stored exactly as typed");
                    }
                }
                Err(e) => {
                    if keys.contains(&key) {
                        prop_assert!(
                            e.message.contains(&key),
                            "{} does not name {}",
                            e.message,
                            key
                        );
                    } else {
                        prop_assert!(e.message.contains("unknown setting"), "{}", e.message);
                    }
                    prop_assert!(!e.message.contains('\n'), "one line: {}", e.message);
                    prop_assert_eq!(runtime.block_on(coffer.settings()).unwrap(), before);
                }
            }
            Ok(())
        })
        .unwrap();
}
