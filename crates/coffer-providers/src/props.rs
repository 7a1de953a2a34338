//! What the banks' payload property tests share: a realistic payload with fields mutated,
//! removed, retyped or oversized (and sometimes the text cut short), and the check every parse
//! must pass: it never panics, and either refuses with a message that says what (a field of the
//! payload, or where the JSON broke), or gives rows that are inside the ingest bounds or that the
//! engine's check at the door refuses with a message naming the field.
//!
//! 256 cases per property by default; `PROPTEST_CASES=N` runs more (README, "Trust tests").

use proptest::prelude::*;
use serde_json::Value;

use coffer_core::model::ProviderTransaction;
use coffer_core::sync::bounds;

/// What a mutation does to one place of the payload.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    Remove,
    Null,
    Text(String),
    /// A string of this many characters (past the 4 KiB text bound, or far past it).
    Long(usize),
    Int(i64),
    /// A JSON number written as is: floats, overflowing and absurd values.
    Raw(&'static str),
    Bool(bool),
    EmptyArray,
    EmptyObject,
}

/// Numbers a hostile or broken bank can write, as JSON number literals.
const RAW_NUMBERS: &[&str] = &[
    "92233720368547758.07",
    "-92233720368547758.08",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e400",
    "-1e-400",
    "1.7976931348623157e308",
    "0.000000001",
    "4.2700000000000005",
    "-312.4",
    "-0",
    "1000000000000000.00",
    "10000000000000.01",
    "253402300800000",
    "-62135596800000",
];

/// Dates and times in and around every bank's formats, valid and not.
const DATES: &[&str] = &[
    "+10000-01-01",
    "10000-01-01",
    "1899-12-31",
    "1900-01-01",
    "2200-12-31",
    "2201-01-01",
    "0000-00-00",
    "2026-02-30",
    "-0001-01-01",
    "+10000-01-01T00:00:00Z",
    "2026-03-29T02:30:00+01:00",
    "2026-13-01T00:00:00+0200",
    "2026-06-15T10:00:00+0300",
    "2026-06-15",
    "",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::Remove),
        1 => Just(Mutation::Null),
        2 => any::<String>().prop_map(Mutation::Text),
        2 => proptest::sample::select(DATES).prop_map(|d| Mutation::Text(d.to_owned())),
        1 => (4000usize..70_000).prop_map(Mutation::Long),
        1 => any::<i64>().prop_map(Mutation::Int),
        2 => proptest::sample::select(RAW_NUMBERS).prop_map(Mutation::Raw),
        1 => any::<bool>().prop_map(Mutation::Bool),
        1 => Just(Mutation::EmptyArray),
        1 => Just(Mutation::EmptyObject),
    ]
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every place in `doc` (the root excluded), parents before children.
fn places(doc: &Value) -> Vec<Vec<Seg>> {
    fn walk(v: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    at.push(Seg::Key(k.clone()));
                    out.push(at.clone());
                    walk(child, at, out);
                    at.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    at.push(Seg::Index(i));
                    out.push(at.clone());
                    walk(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut Vec::new(), &mut out);
    out
}

/// Applies `m` at `place`, if the place still exists (an earlier mutation may have removed it).
/// Raw numbers become placeholders, replaced in the text afterwards.
fn apply(doc: &mut Value, place: &[Seg], m: Mutation, raws: &mut Vec<&'static str>) {
    let Some((last, parents)) = place.split_last() else {
        return;
    };
    let mut at = doc;
    for seg in parents {
        let next = match (seg, at) {
            (Seg::Key(k), Value::Object(map)) => map.get_mut(k),
            (Seg::Index(i), Value::Array(items)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => return,
        }
    }
    let value = match m {
        Mutation::Remove => {
            match (last, at) {
                (Seg::Key(k), Value::Object(map)) => {
                    map.remove(k);
                }
                (Seg::Index(i), Value::Array(items)) if *i < items.len() => {
                    items.remove(*i);
                }
                _ => {}
            }
            return;
        }
        Mutation::Null => Value::Null,
        Mutation::Text(t) => Value::String(t),
        Mutation::Long(n) => Value::String("W".repeat(n)),
        Mutation::Int(i) => Value::from(i),
        Mutation::Raw(r) => {
            raws.push(r);
            Value::String(format!("\u{0}raw{}", raws.len() - 1))
        }
        Mutation::Bool(b) => Value::Bool(b),
        Mutation::EmptyArray => Value::Array(Vec::new()),
        Mutation::EmptyObject => Value::Object(serde_json::Map::new()),
    };
    let slot = match (last, at) {
        (Seg::Key(k), Value::Object(map)) => map.get_mut(k),
        (Seg::Index(i), Value::Array(items)) => items.get_mut(*i),
        _ => None,
    };
    if let Some(slot) = slot {
        *slot = value;
    }
}

/// `doc` as JSON text with up to four mutations, and one time in ten cut short.
pub(crate) fn mutated(doc: Value) -> impl Strategy<Value = String> {
    let all = places(&doc);
    (
        proptest::collection::vec((any::<proptest::sample::Index>(), mutation()), 0..5),
        proptest::option::weighted(0.1, any::<proptest::sample::Index>()),
    )
        .prop_map(move |(mutations, cut)| {
            let mut d = doc.clone();
            let mut raws = Vec::new();
            for (index, m) in mutations {
                if !all.is_empty() {
                    apply(&mut d, &all[index.index(all.len())], m, &mut raws);
                }
            }
            let mut text = d.to_string();
            for (n, raw) in raws.iter().enumerate() {
                text = text.replace(&format!("\"\\u0000raw{n}\""), raw);
            }
            if let Some(cut) = cut {
                let mut at = cut.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.truncate(at);
            }
            text
        })
}

/// A refusal says what: one of the payload's `fields`, or where the JSON broke.
pub(crate) fn assert_says_what(message: &str, fields: &[&str]) -> Result<(), TestCaseError> {
    let lower = message.to_lowercase();
    let named = fields.iter().any(|f| lower.contains(&f.to_lowercase()))
        || lower.contains("line ")
        || lower.contains("json");
    prop_assert!(
        !message.trim().is_empty() && named,
        "the refusal names no field: {message:?}"
    );
    Ok(())
}

/// Rows a parser gave are inside the ingest bounds, or the engine's check at the door refuses
/// them naming the field.
pub(crate) fn assert_bounded_or_refused(rows: &[ProviderTransaction]) -> Result<(), TestCaseError> {
    match bounds::check_transactions(rows) {
        Ok(()) => {
            for t in rows {
                prop_assert!(bounds::date_ok(t.booking_date));
                prop_assert!(t.amount.minor.abs() <= bounds::MAX_MINOR);
                prop_assert!(t.description.len() <= bounds::MAX_TEXT);
            }
        }
        Err(message) => {
            let fields = [
                "date",
                "amount",
                "description",
                "counterparty",
                "category",
                "id",
            ];
            prop_assert!(
                fields.iter().any(|f| message.contains(f)),
                "the door's refusal names no field: {message}"
            );
        }
    }
    Ok(())
}

/// The test runner: `PROPTEST_CASES` applies, no regression files (they need a source file to
/// sit by).
pub(crate) fn runner() -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })
}

/// Every object key in `doc`: the fields a refusal may name.
pub(crate) fn keys_of(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if !out.contains(k) {
                        out.push(k.clone());
                    }
                    walk(child, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    out
}

/// Accounts a parser gave carry balances inside the ingest bound, or the engine's check at the
/// door (before anything of the account is stored) refuses them naming the balance.
pub(crate) fn assert_balances_bounded_or_refused(
    accounts: &[coffer_core::model::ProviderAccount],
) -> Result<(), TestCaseError> {
    for a in accounts {
        let balances = [Some(a.balance), a.available]
            .into_iter()
            .flatten()
            .chain(a.opening.map(|(_, m)| m));
        let within = balances
            .into_iter()
            .all(|m| m.minor.abs() <= bounds::MAX_MINOR);
        match bounds::check_balances(a) {
            Ok(()) => prop_assert!(within),
            Err(message) => prop_assert!(!within && message.contains("balance"), "{message}"),
        }
    }
    Ok(())
}
