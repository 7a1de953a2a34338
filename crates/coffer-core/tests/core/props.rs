//! Property tests for the parsers that read untrusted text (a bank's amounts, the filter values a
//! URL or a command line carries) and for the CSV writer that puts bank text into spreadsheets.
//! Each property holds for any input: no panic, an exact answer or a refusal that says why.
//!
//! 256 cases each by default (proptest's own default, quick enough for CI); `PROPTEST_CASES=N`
//! runs more (the README's developer section has the long run).

use coffer_core::export::neutralise;
use coffer_core::filter::{DecimalMark, FilterError};
use coffer_core::model::TransactionStatus;
use coffer_core::money::{format_minor, parse_json_minor, parse_minor};
use coffer_core::snapshot::Snapshot;
use coffer_core::store::Store;
use coffer_core::{Currency, Filter};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::{account, at, date, tx};

/// A runner for the tests that build their inputs outside `proptest!`: the default config
/// (`PROPTEST_CASES` applies), without regression files, which need a source file to sit by.
fn runner() -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })
}

/// Text that looks like an amount more often than uniform noise would: signs, digits, points,
/// exponents, spaces and some of everything else.
fn amountish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+]?[0-9]{0,29}(\\.[0-9]{0,8})?",
        "[-+ .0-9eE,_]{0,30}",
        any::<String>(),
    ]
}

fn marks() -> impl Strategy<Value = Option<DecimalMark>> {
    prop_oneof![
        Just(None),
        Just(Some(DecimalMark::Point)),
        Just(Some(DecimalMark::Comma))
    ]
}

proptest! {
    /// Any text: an amount or a refusal, never a panic; an amount parses back from its own text.
    #[test]
    fn parse_minor_never_panics_and_its_answers_are_exact(text in amountish(), exp in 0u32..=4) {
        if let Ok(minor) = parse_minor(&text, exp) {
            prop_assert_eq!(parse_minor(&format_minor(minor, exp), exp).unwrap(), minor);
        }
    }

    /// Every amount survives its own formatting, to the minor unit (i64::MIN has no positive
    /// twin, and no bank amount comes near it: ingest refuses beyond ±10^15).
    #[test]
    fn formatted_amounts_parse_back_exactly(minor in (i64::MIN + 1)..=i64::MAX, exp in 0u32..=4) {
        prop_assert_eq!(parse_minor(&format_minor(minor, exp), exp).unwrap(), minor);
    }

    /// A JSON amount reads the same as a number and as a string, and garbage JSON text is
    /// refused without a panic (and never through an `f64`).
    #[test]
    fn json_amounts_read_the_same_as_numbers_and_strings(
        minor in -(10i64.pow(15))..=10i64.pow(15),
        exp in 0u32..=4,
        noise in amountish(),
    ) {
        let text = format_minor(minor, exp);
        let number: Box<serde_json::value::RawValue> = serde_json::from_str(&text).unwrap();
        let string: Box<serde_json::value::RawValue> =
            serde_json::from_str(&serde_json::to_string(&text).unwrap()).unwrap();
        prop_assert_eq!(parse_json_minor(&number, exp).unwrap(), minor);
        prop_assert_eq!(parse_json_minor(&string, exp).unwrap(), minor);
        for raw in [noise.clone(), serde_json::to_string(&noise).unwrap()] {
            if let Ok(raw) = serde_json::from_str::<Box<serde_json::value::RawValue>>(&raw) {
                let _ = parse_json_minor(&raw, exp);
            }
        }
    }

    /// Dates: any text is a date or a refusal naming the field; every real day round-trips.
    #[test]
    fn filter_dates_parse_or_refuse_by_name(text in any::<String>(), days in 0i32..3_000_000) {
        if let Err(e) = Filter::parse_date("from", &text) {
            prop_assert!(e.to_string().starts_with("From date: "), "{}", e);
        }
        let day = chrono::NaiveDate::from_num_days_from_ce_opt(days).unwrap();
        prop_assert_eq!(Filter::parse_date("to", &day.to_string()).unwrap(), day);
    }

    /// Amount bounds: any text, with or without a locale, is a non-negative decimal or a
    /// refusal naming the field as a person reads it (never a CLI flag); never a panic.
    #[test]
    fn filter_amounts_parse_or_refuse_by_name(text in amountish(), mark in marks()) {
        match Filter::parse_amount_in("min", &text, mark) {
            Ok(d) => prop_assert!(!d.is_sign_negative() || d.is_zero()),
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("Min amount: "), "{}", message);
                prop_assert!(!message.contains("--min"), "{}", message);
            }
        }
    }

    /// Round trip: an amount written in any of the conventions people use (either decimal
    /// mark, grouped by a space, a no-break space or the other mark, or not grouped) parses
    /// back to exactly that amount under the writer's locale; with no locale known it parses
    /// to the same amount or, for the one ambiguous shape, is refused as ambiguous.
    #[test]
    fn filter_amounts_round_trip_in_every_convention(
        whole in 0u64..=u64::MAX,
        fraction in "[0-9]{0,4}",
        comma in any::<bool>(),
        group in prop_oneof![Just(None), Just(Some(' ')), Just(Some('\u{a0}')), Just(Some('\u{202f}')), Just(Some('o'))],
    ) {
        let (decimal_mark, other) = if comma { (',', '.') } else { ('.', ',') };
        let group = group.map(|g| if g == 'o' { other } else { g });
        let digits = whole.to_string();
        let mut written = String::new();
        for (i, c) in digits.chars().enumerate() {
            if let Some(g) = group {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    written.push(g);
                }
            }
            written.push(c);
        }
        if !fraction.is_empty() {
            written.push(decimal_mark);
            written.push_str(&fraction);
        }
        let expected: Decimal = format!("{whole}.{}", if fraction.is_empty() { "0" } else { &fraction })
            .parse()
            .unwrap();
        let mark = Some(if comma { DecimalMark::Comma } else { DecimalMark::Point });
        prop_assert_eq!(Filter::parse_amount_in("min", &written, mark), Ok(expected), "{}", written);
        match Filter::parse_amount("min", &written) {
            Ok(d) => prop_assert_eq!(d, expected, "{}", written),
            Err(FilterError::AmbiguousAmount { .. }) => {}
            Err(e) => prop_assert!(false, "{}: {}", written, e),
        }
    }
}

/// A filter as a URL's query or the CLI's flags carry it: known names with hostile values,
/// and unknown names.
fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![
        Just("from".to_string()),
        Just("to".to_string()),
        Just("account".to_string()),
        Just("direction".to_string()),
        Just("category".to_string()),
        Just("vendor".to_string()),
        Just("search".to_string()),
        Just("min".to_string()),
        Just("max".to_string()),
        Just("min".to_string()),
        Just("max".to_string()),
        any::<String>(),
    ];
    let value = prop_oneof![
        2 => amountish(),
        // Amounts near the top of what a decimal holds: a bound must not overflow when scaled
        // to minor units.
        3 => "[1-7][0-9]{26,28}(\\.[0-9]{1,3})?",
        1 => "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        1 => Just("debit".to_string()),
        1 => any::<String>(),
        1 => "[a-z]{300,600}",
    ];
    proptest::collection::vec((key, value), 1..4)
}

/// One small store for the filters to run against: three rows of ordinary bank text.
fn small_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.sqlite3")).unwrap();
    let conn = store
        .add_connection("demo", "Demo Bank", at(2026, 1, 1))
        .unwrap();
    let a = store
        .upsert_account(conn.id, &account("a", Currency::NOK, 0))
        .unwrap();
    let rows = vec![
        tx("k1", date(2026, 3, 1), -59_90, "REMA 1000 GRUNERLOKKA"),
        tx("k2", date(2026, 3, 2), 2_500_000, "LONN"),
        tx("k3", date(2026, 3, 3), -1, "KIWI"),
    ];
    store
        .upsert_transactions(a, &rows, None, date(2026, 3, 31), at(2026, 3, 31))
        .unwrap();
    (dir, store)
}

#[test]
fn any_filter_from_pairs_is_refused_by_name_or_selects_without_a_panic() {
    let (_dir, store) = small_store();
    let snap = Snapshot::load(&store).unwrap();
    let mut runner = runner();
    runner
        .run(&pairs(), |pairs| {
            let filter = Filter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            match filter {
                Ok(f) => {
                    // A filter that parsed runs, or is refused with a reason (an unknown
                    // category); its bounds never overflow when scaled to minor units.
                    if let Err(e) = snap.select(&f) {
                        prop_assert!(!e.to_string().is_empty());
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            Ok(())
        })
        .unwrap();
}

/// Any text a bank sends, stored as a description and an account name, comes back out of the
/// CSV export exactly (read by the `csv` crate), with formula starters neutralised by one
/// leading `'` and nothing else changed.
#[test]
fn any_bank_text_round_trips_through_the_csv_export() {
    let mut runner = runner();
    let texts = proptest::collection::vec(
        prop_oneof![
            any::<String>(),
            "[=+@\t\r\0\u{1}-]{1,3}[A-Za-z0-9 ,\"\n\r]{0,20}",
        ],
        1..8,
    );
    runner
        .run(&(texts, any::<String>()), |(texts, name)| {
            let dir = tempfile::tempdir().unwrap();
            let mut store = Store::open(&dir.path().join("coffer.sqlite3")).unwrap();
            let conn = store
                .add_connection("demo", "Demo Bank", at(2026, 1, 1))
                .unwrap();
            let mut acc = account("a", Currency::NOK, 0);
            acc.name = name.clone();
            let a = store.upsert_account(conn.id, &acc).unwrap();
            let rows: Vec<_> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut row = tx(&format!("k{i}"), date(2026, 3, 1), -(i as i64) - 1, t);
                    row.status = TransactionStatus::Booked;
                    row
                })
                .collect();
            store
                .upsert_transactions(a, &rows, None, date(2026, 3, 31), at(2026, 3, 31))
                .unwrap();
            let snap = Snapshot::load(&store).unwrap();
            let mut bytes = Vec::new();
            snap.write_csv(&snap.select(&Filter::default()).unwrap(), &mut bytes)
                .unwrap();
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            let mut got: Vec<String> = Vec::new();
            let account_name = neutralise(&name).into_owned();
            for record in reader.records() {
                let record = record.unwrap();
                prop_assert_eq!(&record[1], account_name.as_str());
                got.push(record[2].to_string());
            }
            let mut want: Vec<String> = texts.iter().map(|t| neutralise(t).into_owned()).collect();
            got.sort();
            want.sort();
            prop_assert_eq!(&got, &want);
            // Neutralising only ever adds one `'` in front: the bank's text is all still there.
            for t in &texts {
                let n = neutralise(t);
                prop_assert!(n == t.as_str() || n.strip_prefix('\'') == Some(t.as_str()));
            }
            Ok(())
        })
        .unwrap();
}
