//! The one filter, checked against a deliberately naive oracle.
//!
//! Random ledgers (accounts in currencies with 0, 2 and 3 decimals; rows with dates across a
//! year end and ISO week 1, signed amounts, pending and booked, descriptions in mixed case and
//! non-ASCII, counterparties, vendors, categories or none) are stored through the real
//! `Store`, then random filters over every field and their combinations are run through
//! `Snapshot::select`, the transaction listing, the flow and category reports and the CSV
//! export. The expected answer is computed here from the generated rows with plain loops and
//! `str::to_lowercase`/`rust_decimal` — nothing from `snapshot.rs` or `filter.rs`, whose packed
//! columns, SIMD search and minor-unit bounds are what is being checked.
//!
//! `PROPTEST_CASES=5000 cargo test -p coffer-core --test core filter_oracle` runs a long
//! search; CI runs the default (96 ledgers, each with 8 filters).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use coffer_core::category::Category;
use coffer_core::model::TransactionStatus;
use coffer_core::model::{AccountKind, Direction, ProviderAccount, ProviderTransaction};
use coffer_core::report;
use coffer_core::snapshot::{Period, Snapshot, SortKey};
use coffer_core::{Currency, Filter, Money, Store};
use proptest::prelude::*;
use proptest::test_runner::Config;
use rust_decimal::Decimal;

use crate::{at, date};

/// Currencies with every minor-unit exponent Coffer knows (2, 0 and 3 decimals).
static CURRENCIES: [&str; 4] = ["NOK", "EUR", "JPY", "KWD"];

/// Text pieces descriptions and counterparties are built from: upper, lower and mixed-case
/// ASCII, Latin and Cyrillic letters with case, a Kelvin sign (lower-cases to ASCII `k`), and
/// cells a spreadsheet would read as formulas.
static WORDS: [&str; 16] = [
    "REMA 1000",
    "rema",
    "Kaffe og Kake",
    "KAFFEBRENNERIET",
    "kaffebar",
    "GRÜNERLØKKA",
    "grünerløkka",
    "Ølhallen AS",
    "Магазин Пятёрочка",
    "\u{212A}IWI",
    "Visa 4221",
    "=SUM(A1)",
    "-47",
    "Oslo",
    "straße",
    "",
];

/// Vendor names as the store would hold them; no two differ only in ASCII case, so a filter
/// naming one in another case means exactly one of them.
static VENDORS: [&str; 6] = [
    "Rema 1000",
    "Kiwi",
    "Ølhallen",
    "Espresso House",
    "SAS",
    "Пятёрочка",
];

/// Search needles: pieces of the texts and vendors in other cases, with spaces around, only
/// spaces (no restriction), and text that is nowhere.
static NEEDLES: [&str; 18] = [
    "rema",
    "REMA",
    "  kaffe ",
    "KaFfE",
    "grünerløkka",
    "GRÜNER",
    "ølhallen",
    "ØL",
    "пятёр",
    "ПЯТЁРОЧКА",
    "kiwi",
    "espresso",
    "e",
    "=sum",
    "ss",
    "   ",
    "zzz",
    "ö",
];

#[derive(Debug, Clone)]
struct GenAccount {
    currency: &'static str,
    name: String,
}

#[derive(Debug, Clone)]
struct GenRow {
    account: usize,
    day: NaiveDate,
    minor: i64,
    pending: bool,
    description: String,
    counterparty: Option<String>,
    vendor: Option<&'static str>,
    category: Option<Category>,
}

#[derive(Debug, Clone)]
struct Ledger {
    accounts: Vec<GenAccount>,
    rows: Vec<GenRow>,
}

/// A filter as generated: accounts by position in the ledger (past the end = an id that does
/// not exist), the rest as a user would type them.
#[derive(Debug, Clone)]
struct GenFilter {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    accounts: Vec<usize>,
    direction: Option<Direction>,
    categories: Vec<String>,
    vendors: Vec<String>,
    search: Option<String>,
    min: Option<Decimal>,
    max: Option<Decimal>,
}

fn first_day() -> NaiveDate {
    // Three weeks before a year end: months and ISO weeks straddle it (2025-12-29 is in
    // ISO week 1 of 2026).
    date(2025, 12, 10)
}

fn day_strategy() -> impl Strategy<Value = NaiveDate> {
    (0u64..80).prop_map(|d| first_day() + chrono::Days::new(d))
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&WORDS[..]), 1..4).prop_map(|w| w.join(" "))
}

fn category_strategy() -> impl Strategy<Value = Option<Category>> {
    prop_oneof![
        1 => Just(None),
        3 => prop::sample::select(Category::ALL.to_vec()).prop_map(Some),
    ]
}

fn row_strategy(accounts: usize) -> impl Strategy<Value = GenRow> {
    (
        0..accounts,
        day_strategy(),
        prop_oneof![
            1 => Just(0i64),
            6 => -250_000i64..250_000,
            1 => prop::sample::select(vec![-1i64, 1, -100, 100, -1000, 1000, 5, -5]),
        ],
        prop::bool::weighted(0.2),
        text_strategy(),
        prop::option::weighted(0.4, text_strategy()),
        prop::option::weighted(0.7, prop::sample::select(&VENDORS[..])),
        category_strategy(),
    )
        .prop_map(
            |(account, day, minor, pending, description, counterparty, vendor, category)| GenRow {
                account,
                day,
                minor,
                pending,
                description,
                counterparty,
                vendor,
                category,
            },
        )
}

fn ledger_strategy() -> impl Strategy<Value = Ledger> {
    prop::collection::vec(prop::sample::select(&CURRENCIES[..]), 1..4)
        .prop_flat_map(|currencies| {
            let n = currencies.len();
            let accounts: Vec<GenAccount> = currencies
                .into_iter()
                .enumerate()
                .map(|(i, currency)| GenAccount {
                    currency,
                    name: format!("Brukskonto {i} æøå"),
                })
                .collect();
            (
                Just(accounts),
                prop::collection::vec(row_strategy(n), 0..40),
            )
        })
        .prop_map(|(accounts, rows)| Ledger { accounts, rows })
}

/// A name in another ASCII case, sometimes with spaces around it.
fn respelled(name: &'static str) -> impl Strategy<Value = String> {
    (0u8..4).prop_map(move |how| match how {
        0 => name.to_string(),
        1 => name.to_ascii_uppercase(),
        2 => name.to_ascii_lowercase(),
        _ => format!(" {name} "),
    })
}

fn category_name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        24 => prop::sample::select(Category::ALL.to_vec()).prop_flat_map(|c| respelled(c.as_str())),
        8 => prop::sample::select(vec!["uncategorised", "Uncategorised", "UNCATEGORIZED"])
            .prop_map(str::to_string),
        // A typo is an error, never an empty result.
        1 => Just("snacks".to_string()),
    ]
}

fn vendor_name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        16 => prop::sample::select(&VENDORS[..]).prop_flat_map(respelled),
        1 => Just("No Such Vendor".to_string()),
    ]
}

fn bound_strategy() -> impl Strategy<Value = Decimal> {
    // Bounds with 0 to 3 decimals meet currencies with 0, 2 and 3: rounding to minor units
    // must keep the comparison exact.
    (0i64..3000, 0u32..4).prop_map(|(n, scale)| Decimal::new(n, scale))
}

/// Filters for a ledger of `accounts` accounts.
fn filter_strategy(accounts: usize) -> impl Strategy<Value = GenFilter> {
    (
        prop::option::weighted(0.3, day_strategy()),
        prop::option::weighted(0.3, day_strategy()),
        prop_oneof![
            3 => Just(Vec::new()),
            // Position `accounts` is past the end: an id that does not exist (rarely, so that
            // most filters are answered rather than refused).
            2 => prop::collection::vec(
                prop_oneof![12 => 0..accounts, 1 => Just(accounts)],
                1..3,
            ),
        ],
        prop::option::weighted(
            0.4,
            prop::sample::select(vec![Direction::Debit, Direction::Credit]),
        ),
        prop_oneof![
            3 => Just(Vec::new()),
            2 => prop::collection::vec(category_name_strategy(), 1..4),
        ],
        prop_oneof![
            3 => Just(Vec::new()),
            2 => prop::collection::vec(vendor_name_strategy(), 1..3),
        ],
        prop::option::weighted(
            0.4,
            prop::sample::select(&NEEDLES[..]).prop_map(str::to_string),
        ),
        prop::option::weighted(0.3, bound_strategy()),
        prop::option::weighted(0.3, bound_strategy()),
    )
        .prop_map(
            |(from, to, accounts, direction, categories, vendors, search, min, max)| GenFilter {
                from,
                to,
                accounts,
                direction,
                categories,
                vendors,
                search,
                min,
                max,
            },
        )
}

/// What the store handed out for the ledger: account ids and each row's id, in ledger order.
struct Stored {
    _dir: tempfile::TempDir,
    store: Store,
    account_ids: Vec<i64>,
    row_ids: Vec<i64>,
}

fn store_ledger(ledger: &Ledger) -> Stored {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.sqlite3")).unwrap();
    let conn = store
        .add_connection("scripted", "Scripted Bank", at(2026, 3, 1))
        .unwrap();
    let mut account_ids = Vec::new();
    for (i, a) in ledger.accounts.iter().enumerate() {
        let currency: Currency = a.currency.parse().unwrap();
        let id = store
            .upsert_account(
                conn.id,
                &ProviderAccount {
                    provider_account_id: format!("acc-{i}"),
                    name: a.name.clone(),
                    number: None,
                    iban: None,
                    kind: AccountKind::Current,
                    balance: Money::new(0, currency),
                    available: None,
                    balance_at: at(2026, 3, 1),
                    opening: None,
                },
            )
            .unwrap();
        account_ids.push(id);
    }
    for (a, id) in ledger.accounts.iter().zip(&account_ids) {
        let currency: Currency = a.currency.parse().unwrap();
        let batch: Vec<ProviderTransaction> = ledger
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| account_ids[r.account] == *id)
            .map(|(k, r)| ProviderTransaction {
                dedup_key: format!("row-{k}"),
                provider_id: None,
                booking_date: r.day,
                value_date: None,
                amount: Money::new(r.minor, currency),
                status: if r.pending {
                    TransactionStatus::Pending
                } else {
                    TransactionStatus::Booked
                },
                description: r.description.clone(),
                counterparty: r.counterparty.clone(),
                provider_category: None,
            })
            .collect();
        store
            .upsert_transactions(*id, &batch, None, date(2026, 3, 1), at(2026, 3, 1))
            .unwrap();
    }
    // Vendor and category are inputs here, not the enrichment's guesses (which have their own
    // tests): pin each row's columns to the generated values, "none" included.
    let mut row_ids = Vec::new();
    for (k, r) in ledger.rows.iter().enumerate() {
        let id: i64 = store
            .sqlite()
            .query_row(
                "UPDATE \"transaction\" SET vendor = ?1, category = ?2
                 WHERE account_id = ?3 AND dedup_key = ?4 RETURNING id",
                rusqlite::params![
                    r.vendor,
                    r.category.map(|c| c.as_str()),
                    account_ids[r.account],
                    format!("row-{k}")
                ],
                |row| row.get(0),
            )
            .unwrap();
        row_ids.push(id);
    }
    Stored {
        _dir: dir,
        store,
        account_ids,
        row_ids,
    }
}

fn to_filter(g: &GenFilter, account_ids: &[i64]) -> Filter {
    Filter {
        from: g.from,
        to: g.to,
        accounts: g
            .accounts
            .iter()
            .map(|&p| account_ids.get(p).copied().unwrap_or(9_999))
            .collect(),
        direction: g.direction,
        categories: g.categories.clone(),
        vendors: g.vendors.clone(),
        search: g.search.clone(),
        min: g.min,
        max: g.max,
        // The generated ledgers hold no transfer pairs: every view's default is the same.
        transfers: None,
    }
}

/// The naive answer: the positions of the rows the filter keeps, or `Err` when the filter must
/// be refused (an empty range, or an account, category or vendor that does not exist).
fn naive_select(ledger: &Ledger, g: &GenFilter) -> Result<Vec<usize>, String> {
    if let (Some(from), Some(to)) = (g.from, g.to) {
        if from > to {
            return Err("empty date range".into());
        }
    }
    if let (Some(min), Some(max)) = (g.min, g.max) {
        if min > max {
            return Err("empty amount range".into());
        }
    }
    for &p in &g.accounts {
        if p >= ledger.accounts.len() {
            return Err(format!("unknown account position {p}"));
        }
    }
    // Each category name means "no category" or one category; anything else is refused.
    let mut wanted_categories: Vec<Option<Category>> = Vec::new();
    for name in &g.categories {
        let lower = name.to_ascii_lowercase();
        if lower == "uncategorised" || lower == "uncategorized" {
            wanted_categories.push(None);
            continue;
        }
        let mut found = None;
        for c in Category::ALL {
            if c.as_str() == name.trim().to_lowercase() {
                found = Some(c);
            }
        }
        match found {
            Some(c) => wanted_categories.push(Some(c)),
            None => return Err(format!("unknown category {name}")),
        }
    }
    // A vendor name means a vendor some row has, in any ASCII case.
    let mut wanted_vendors: Vec<&str> = Vec::new();
    for name in &g.vendors {
        let mut found = None;
        for r in &ledger.rows {
            if let Some(v) = r.vendor {
                if v == name.as_str() || v.eq_ignore_ascii_case(name.trim()) {
                    found = Some(v);
                }
            }
        }
        match found {
            Some(v) => wanted_vendors.push(v),
            None => return Err(format!("unknown vendor {name}")),
        }
    }
    let needle = g
        .search
        .as_ref()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());

    let mut kept = Vec::new();
    for (k, r) in ledger.rows.iter().enumerate() {
        if let Some(from) = g.from {
            if r.day < from {
                continue;
            }
        }
        if let Some(to) = g.to {
            if r.day > to {
                continue;
            }
        }
        if !g.accounts.is_empty() && !g.accounts.contains(&r.account) {
            continue;
        }
        match g.direction {
            Some(Direction::Debit) if r.minor >= 0 => continue,
            Some(Direction::Credit) if r.minor < 0 => continue,
            _ => {}
        }
        if !g.categories.is_empty() && !wanted_categories.contains(&r.category) {
            continue;
        }
        if !g.vendors.is_empty() && !r.vendor.is_some_and(|v| wanted_vendors.contains(&v)) {
            continue;
        }
        // Size in the account's own currency, as an exact decimal.
        let size = Decimal::new(r.minor.abs(), exponent(ledger.accounts[r.account].currency));
        if g.min.is_some_and(|m| size < m) || g.max.is_some_and(|m| size > m) {
            continue;
        }
        if let Some(n) = &needle {
            let in_text = r.description.to_lowercase().contains(n.as_str())
                || r.counterparty
                    .as_ref()
                    .is_some_and(|c| c.to_lowercase().contains(n.as_str()))
                || r.vendor
                    .is_some_and(|v| v.to_lowercase().contains(n.as_str()));
            if !in_text {
                continue;
            }
        }
        kept.push(k);
    }
    Ok(kept)
}

/// ISO 4217 decimals, written out here rather than taken from `Currency`.
fn exponent(currency: &str) -> u32 {
    match currency {
        "JPY" => 0,
        "KWD" => 3,
        _ => 2,
    }
}

fn money_text(minor: i64, currency: &str) -> String {
    Decimal::new(minor, exponent(currency)).to_string()
}

/// A spreadsheet formula starter gets a leading `'` (OWASP CSV injection).
fn naive_neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Sums {
    credit: i64,
    debit: i64,
    count: i64,
}

/// Credit, debit and net as report text, and the row count.
type Shown = (String, String, String, i64);

fn sums_text(s: &Sums, currency: &str) -> Shown {
    (
        money_text(s.credit, currency),
        money_text(s.debit, currency),
        money_text(s.credit + s.debit, currency),
        s.count,
    )
}

fn check(ledger: &Ledger, filters: &[GenFilter]) -> Result<(), TestCaseError> {
    let stored = store_ledger(ledger);
    let snap = Snapshot::load(&stored.store).unwrap();
    for g in filters {
        let filter = to_filter(g, &stored.account_ids);
        let expected = naive_select(ledger, g);
        let selection = snap.select(&filter);
        prop_assert_eq!(
            expected.is_err(),
            selection.is_err(),
            "refusal differs for {:?}: oracle {:?}",
            filter,
            expected
        );
        let (Ok(mut kept), Ok(selection)) = (expected, selection) else {
            continue;
        };
        // Newest first: booking date, then the id the store gave the row.
        kept.sort_by_key(|&k| std::cmp::Reverse((ledger.rows[k].day, stored.row_ids[k])));
        let expected_ids: Vec<i64> = kept.iter().map(|&k| stored.row_ids[k]).collect();

        // The table: every row once, newest first, showing what was stored.
        let listed = snap.page(&selection, SortKey::Date, true, 0, usize::MAX);
        let listed_ids: Vec<i64> = listed.iter().map(|v| v.id).collect();
        prop_assert_eq!(&listed_ids, &expected_ids, "rows for {:?}", filter);
        for (view, &k) in listed.iter().zip(&kept) {
            let r = &ledger.rows[k];
            let a = &ledger.accounts[r.account];
            prop_assert_eq!(&view.amount, &money_text(r.minor, a.currency));
            prop_assert_eq!(view.currency.as_str(), a.currency);
            prop_assert_eq!(&view.description, &r.description);
            prop_assert_eq!(view.vendor.as_deref(), r.vendor);
            prop_assert_eq!(view.category.as_deref(), r.category.map(|c| c.as_str()));
            prop_assert_eq!(view.booking_date.clone(), r.day.to_string());
        }

        // Money in and out per month and per ISO week, and per category, booked rows only.
        let mut months: BTreeMap<(&str, String), Sums> = BTreeMap::new();
        let mut weeks: BTreeMap<(&str, String), Sums> = BTreeMap::new();
        let mut categories: BTreeMap<(&str, Option<Category>), Sums> = BTreeMap::new();
        for &k in &kept {
            let r = &ledger.rows[k];
            if r.pending {
                continue;
            }
            let currency = ledger.accounts[r.account].currency;
            let month = format!("{}-{:02}", r.day.year(), r.day.month());
            let w = r.day.iso_week();
            let week = format!("{}-W{:02}", w.year(), w.week());
            for s in [
                months.entry((currency, month)).or_default(),
                weeks.entry((currency, week)).or_default(),
                categories.entry((currency, r.category)).or_default(),
            ] {
                if r.minor < 0 {
                    s.debit += r.minor;
                } else {
                    s.credit += r.minor;
                }
                s.count += 1;
            }
        }
        for (period, expected) in [(Period::Month, &months), (Period::Week, &weeks)] {
            let got: BTreeMap<(String, String), Shown> = report::flows(&snap, &filter, period)
                .unwrap()
                .into_iter()
                .flat_map(|f| {
                    f.periods
                        .into_iter()
                        .map(move |p| {
                            let a = p.amounts;
                            (
                                (f.currency.clone(), p.key),
                                (a.credit, a.debit, a.net, a.count),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            let want: BTreeMap<(String, String), Shown> = expected
                .iter()
                .map(|((c, key), s)| ((c.to_string(), key.clone()), sums_text(s, c)))
                .collect();
            prop_assert_eq!(got, want, "{:?} flows for {:?}", period, filter);
        }
        let got: BTreeMap<(String, Option<Category>), Shown> = report::categories(&snap, &filter)
            .unwrap()
            .into_iter()
            .flat_map(|r| {
                r.rows
                    .into_iter()
                    .map(|t| {
                        let a = t.amounts;
                        (
                            (r.currency.clone(), t.category),
                            (a.credit, a.debit, a.net, a.count),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let want: BTreeMap<(String, Option<Category>), Shown> = categories
            .iter()
            .map(|((c, cat), s)| ((c.to_string(), *cat), sums_text(s, c)))
            .collect();
        prop_assert_eq!(got, want, "category totals for {:?}", filter);

        // The CSV export: exactly the kept rows, each with its stored values.
        let mut bytes = Vec::new();
        snap.write_csv(&selection, &mut bytes).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let got: BTreeSet<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        let want: BTreeSet<Vec<String>> = kept
            .iter()
            .map(|&k| {
                let r = &ledger.rows[k];
                let a = &ledger.accounts[r.account];
                vec![
                    r.day.to_string(),
                    a.name.clone(),
                    naive_neutralise(&r.description),
                    r.vendor.unwrap_or("").to_string(),
                    r.category.map(|c| c.as_str()).unwrap_or("").to_string(),
                    money_text(r.minor, a.currency),
                    a.currency.to_string(),
                    if r.minor < 0 { "debit" } else { "credit" }.to_string(),
                    if r.pending { "pending" } else { "booked" }.to_string(),
                    "scripted".to_string(),
                    stored.row_ids[k].to_string(),
                ]
            })
            .collect();
        prop_assert_eq!(got.len(), kept.len(), "CSV row count for {:?}", filter);
        prop_assert_eq!(got, want, "CSV rows for {:?}", filter);
    }
    Ok(())
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(96);
    Config {
        cases,
        // A failure prints its shrunk ledger and filter; no regression files are written
        // into the source tree behind the developer's back.
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_view_of_a_filter_matches_the_naive_oracle(
        (ledger, filters) in ledger_strategy().prop_flat_map(|ledger| {
            let filters = prop::collection::vec(filter_strategy(ledger.accounts.len()), 8);
            (Just(ledger), filters)
        }),
    ) {
        check(&ledger, &filters)?;
    }
}

/// The oracle itself, on rows worked out by hand: if it were as wrong as the code it checks,
/// the property would prove nothing.
#[test]
fn the_oracle_agrees_with_hand_worked_rows() {
    let row = |account, day, minor, description: &str, vendor, category| GenRow {
        account,
        day,
        minor,
        pending: false,
        description: description.to_string(),
        counterparty: None,
        vendor,
        category,
    };
    let ledger = Ledger {
        accounts: vec![
            GenAccount {
                currency: "NOK",
                name: "A".into(),
            },
            GenAccount {
                currency: "JPY",
                name: "B".into(),
            },
        ],
        rows: vec![
            row(
                0,
                date(2026, 1, 5),
                -50_000,
                "REMA 1000 GRÜNERLØKKA",
                Some("Rema 1000"),
                Some(Category::Groceries),
            ),
            row(0, date(2026, 1, 6), 1, "Lønn", None, None),
            row(1, date(2026, 1, 7), -500, "kiwi", Some("Kiwi"), None),
        ],
    };
    let none = GenFilter {
        from: None,
        to: None,
        accounts: vec![],
        direction: None,
        categories: vec![],
        vendors: vec![],
        search: None,
        min: None,
        max: None,
    };
    let with = |f: GenFilter| naive_select(&ledger, &f).unwrap();
    assert_eq!(with(none.clone()), vec![0, 1, 2]);
    // 500.00 NOK and 500 JPY are both "at least 500"; 0.01 NOK is not.
    assert_eq!(
        with(GenFilter {
            min: Some(Decimal::new(500, 0)),
            ..none.clone()
        }),
        vec![0, 2]
    );
    // 0.005 admits 0.01 NOK.
    assert_eq!(
        with(GenFilter {
            min: Some(Decimal::new(5, 3)),
            max: Some(Decimal::new(1, 2)),
            ..none.clone()
        }),
        vec![1]
    );
    assert_eq!(
        with(GenFilter {
            search: Some(" grünerløkka".into()),
            ..none.clone()
        }),
        vec![0]
    );
    assert_eq!(
        with(GenFilter {
            search: Some("KIWI".into()),
            ..none.clone()
        }),
        vec![2]
    );
    assert_eq!(
        with(GenFilter {
            categories: vec!["Uncategorised".into()],
            ..none.clone()
        }),
        vec![1, 2]
    );
    assert_eq!(
        with(GenFilter {
            vendors: vec![" rema 1000 ".into()],
            ..none.clone()
        }),
        vec![0]
    );
    assert_eq!(
        with(GenFilter {
            direction: Some(Direction::Credit),
            ..none.clone()
        }),
        vec![1]
    );
    assert_eq!(
        with(GenFilter {
            accounts: vec![1],
            ..none.clone()
        }),
        vec![2]
    );
    assert_eq!(
        with(GenFilter {
            from: Some(date(2026, 1, 6)),
            to: Some(date(2026, 1, 6)),
            ..none.clone()
        }),
        vec![1]
    );
    assert!(naive_select(
        &ledger,
        &GenFilter {
            vendors: vec!["SAS".into()],
            ..none.clone()
        }
    )
    .is_err());
    assert!(naive_select(
        &ledger,
        &GenFilter {
            accounts: vec![2],
            ..none
        }
    )
    .is_err());
}
