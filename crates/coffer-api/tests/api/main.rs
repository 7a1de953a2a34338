//! The API layer over the Demo Bank, end to end through a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod banks;
mod fibank;
mod finqware;
mod finsify;
mod insight;
mod login;
mod props;
mod schedule;

/// Everything logged in this test binary from the first call on, at every level of every
/// crate (the HTTP client included): harsher than the app's own filter. Tests search it for the
/// literal secrets they used. One subscriber per process, so it is installed once and shared.
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn captured_logs() -> Logs {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .init();
        logs
    })
    .clone()
}

use std::collections::HashMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use coffer_api::Filter;
use coffer_api::{Clock, Coffer, ErrorCode};
use coffer_core::money::parse_minor;
use coffer_core::Currency;

pub fn clock(y: i32, m: u32, d: u32) -> Clock {
    Clock::Fixed(Utc.with_ymd_and_hms(y, m, d, 9, 30, 0).unwrap())
}

pub async fn demo_profile(dir: &Path, at: Clock) -> Coffer {
    let coffer = Coffer::open_with_clock(dir, at).unwrap();
    coffer.connect_builtin().await.unwrap();
    coffer.sync(None, |_| {}).await.unwrap();
    coffer
}

/// One row as both sides can name it: day, amount in minor units, currency, text.
type RowKey = (String, i64, String, String);

/// Coffer's transfer pairs are exactly the moves the bank's own books mark as between the
/// customer's accounts (`OracleRow::own_transfer`): the same pairs of rows, not only as many.
/// Returns how many there are, printed per bank for the closing note.
pub async fn assert_pairs_are_the_banks_own_transfers(
    coffer: &Coffer,
    ledger: &[coffer_sandbox::OracleRow],
    bank: &str,
) -> usize {
    use std::collections::{BTreeMap, BTreeSet};
    let key = |date: String, amount: &str, currency: &str, text: &str| -> RowKey {
        let c: Currency = currency.parse().unwrap();
        let minor = parse_minor(amount, c.exponent()).unwrap();
        (date, minor, currency.to_string(), text.to_string())
    };
    let mut halves: BTreeMap<&str, BTreeSet<RowKey>> = BTreeMap::new();
    for r in ledger {
        if let Some(k) = &r.own_transfer {
            halves.entry(k).or_default().insert(key(
                r.date.to_string(),
                &r.amount,
                &r.currency,
                &r.description,
            ));
        }
    }
    let rows = coffer.transactions(&Filter::default()).await.unwrap().rows;
    // Only moves whose two halves Coffer holds: a half outside the bank's window is not one a
    // client can pair (other tests check that Coffer holds what the bank gives).
    let held: BTreeSet<RowKey> = rows
        .iter()
        .map(|r| {
            key(
                r.booking_date.clone(),
                &r.amount,
                &r.currency,
                &r.description,
            )
        })
        .collect();
    let want: BTreeSet<BTreeSet<RowKey>> = halves
        .into_values()
        .filter(|h| h.len() == 2 && h.is_subset(&held))
        .collect();
    let by_id: HashMap<i64, RowKey> = rows
        .iter()
        .map(|r| {
            let k = key(
                r.booking_date.clone(),
                &r.amount,
                &r.currency,
                &r.description,
            );
            (r.id, k)
        })
        .collect();
    let got: BTreeSet<BTreeSet<RowKey>> = rows
        .iter()
        .filter_map(|r| {
            let partner = r.transfer.as_ref()?.partner_id;
            Some(BTreeSet::from([
                by_id[&r.id].clone(),
                by_id[&partner].clone(),
            ]))
        })
        .collect();
    let missed: Vec<_> = want.difference(&got).collect();
    let wrong: Vec<_> = got.difference(&want).collect();
    assert!(
        missed.is_empty() && wrong.is_empty(),
        "{bank}: {} own transfers in the books, {} pairs in Coffer\nnot paired: {missed:#?}\n\
         paired but not own transfers: {wrong:#?}",
        want.len(),
        got.len()
    );
    assert!(
        !want.is_empty(),
        "{bank}: the sandbox should move money between own accounts"
    );
    eprintln!(
        "{bank} sandbox: {} transfer pairs = the bank's own transfers",
        got.len()
    );
    got.len()
}

/// Per account: (booked sum, all rows sum) of the exported CSV, in minor units.
async fn exported_sums(coffer: &Coffer) -> HashMap<String, (i64, i64)> {
    let mut bytes = Vec::new();
    coffer
        .export_csv(&Filter::default(), &mut bytes)
        .await
        .unwrap();
    let mut sums: HashMap<String, (i64, i64)> = HashMap::new();
    for record in csv::Reader::from_reader(bytes.as_slice()).records() {
        let r = record.unwrap();
        let currency: Currency = r[6].parse().unwrap();
        let minor = parse_minor(&r[5], currency.exponent()).unwrap();
        let entry = sums.entry(r[1].to_string()).or_default();
        if &r[8] == "booked" {
            entry.0 += minor;
        }
        entry.1 += minor;
    }
    sums
}

async fn assert_exports_match_balances(coffer: &Coffer, dir: &Path) {
    let sums = exported_sums(coffer).await;
    let store = coffer_core::Store::open(&dir.join(coffer_api::DATABASE_FILE)).unwrap();
    let accounts = store.accounts().unwrap();
    assert!(accounts.len() >= 3);
    for a in accounts {
        let (opening_date, opening) = a.opening.expect("the demo bank reports opening balances");
        let (booked, all) = sums[&a.name];
        assert_eq!(
            booked,
            a.balance.minor - opening.minor,
            "{}: booked exports must sum to balance − opening (since {opening_date})",
            a.name
        );
        let available = a.available.unwrap().minor;
        assert_eq!(
            all,
            available - opening.minor,
            "{}: all rows sum to available − opening",
            a.name
        );
    }
}

/// What the user takes away (the CSV export and the accounts overview) against the sandbox's
/// own ledger and balances, never against Coffer's API: a row lost, doubled, moved to another
/// day or account, or a balance off by one öre fails here.
pub async fn assert_shows_the_bank(
    coffer: &Coffer,
    ledger: &[coffer_sandbox::OracleRow],
    accounts: &[coffer_sandbox::OracleAccount],
) {
    let mut bytes = Vec::new();
    coffer
        .export_csv(&Filter::default(), &mut bytes)
        .await
        .unwrap();
    if let Some(difference) = coffer_sandbox::oracle::export_differences(&bytes, ledger) {
        panic!("the export differs from the bank's ledger: {difference}");
    }
    let shown = coffer.accounts().await.unwrap().accounts;
    let shown = shown.into_iter().map(|a| (a.name, a.currency, a.balance));
    if let Some(difference) = coffer_sandbox::oracle::balance_differences(shown, accounts) {
        panic!("accounts and balances vs the bank's: {difference}");
    }
}

#[tokio::test]
async fn demo_sync_twice_inserts_and_updates_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let before = coffer.transactions(&Filter::default()).await.unwrap();
    assert!(
        before.total > 1_500,
        "24 months of demo data, got {}",
        before.total
    );

    let again = coffer.sync(None, |_| {}).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].inserted, again[0].updated, again[0].expired),
        (0, 0, 0)
    );
    assert!(again[0].unchanged > 0);
    assert_eq!(
        coffer.transactions(&Filter::default()).await.unwrap(),
        before
    );
}

#[tokio::test]
async fn exported_amounts_sum_to_each_balance_minus_its_opening() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    assert_exports_match_balances(&coffer, dir.path()).await;
}

#[tokio::test]
async fn days_later_pending_rows_book_in_place_and_totals_still_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let first = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let pending_before: Vec<_> = first
        .transactions(&Filter::default())
        .await
        .unwrap()
        .rows
        .into_iter()
        .filter(|t| t.status == coffer_api::model::TransactionStatus::Pending)
        .collect();
    assert!(
        !pending_before.is_empty(),
        "the demo ends with a few pending rows"
    );
    drop(first);

    // Five days later, same profile.
    let later = Coffer::open_with_clock(dir.path(), clock(2026, 11, 26)).unwrap();
    let summary = later.sync(None, |_| {}).await.unwrap();
    assert!(summary[0].errors.is_empty(), "{:?}", summary[0].errors);
    assert!(
        summary[0].updated >= pending_before.len() as u32,
        "pending rows became booked"
    );
    let rows = later.transactions(&Filter::default()).await.unwrap().rows;
    for p in &pending_before {
        let now: Vec<_> = rows.iter().filter(|t| t.id == p.id).collect();
        assert_eq!(now.len(), 1, "row {} must still exist exactly once", p.id);
        assert_eq!(now[0].status, coffer_api::model::TransactionStatus::Booked);
    }
    let mut ids: Vec<_> = rows.iter().map(|t| t.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rows.len());
    assert_exports_match_balances(&later, dir.path()).await;
}

#[tokio::test]
async fn connecting_the_demo_twice_keeps_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = Coffer::open_with_clock(dir.path(), clock(2026, 11, 21)).unwrap();
    let a = coffer.connect_builtin().await.unwrap();
    let b = coffer.connect_builtin().await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(coffer.connections().await.unwrap().len(), 1);
}

#[tokio::test]
async fn overview_totals_never_mix_currencies() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let overview = coffer.accounts().await.unwrap();
    let currencies: Vec<&str> = overview
        .totals
        .iter()
        .map(|t| t.currency.as_str())
        .collect();
    assert_eq!(currencies, ["EUR", "NOK"]);
    for total in &overview.totals {
        let sum: i64 = overview
            .accounts
            .iter()
            .filter(|a| a.currency == total.currency)
            .map(|a| parse_minor(&a.balance, 2).unwrap())
            .sum();
        assert_eq!(
            parse_minor(&total.balance, 2).unwrap(),
            sum,
            "{} total",
            total.currency
        );
    }
}

#[tokio::test]
async fn bad_filters_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let err = coffer
        .transactions(&Filter::account(999))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert_eq!(err.message, "no account with id 999");
    let backwards = Filter {
        from: chrono::NaiveDate::from_ymd_opt(2026, 5, 1),
        to: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
        ..Filter::default()
    };
    let err = coffer.export_csv(&backwards, Vec::new()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn typescript_bindings_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated/api.ts");
    let generated = coffer_api::typescript_bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/generated/api.ts is stale; run `UPDATE_BINDINGS=1 cargo test -p coffer-api`"
    );
}

/// The desktop's command list and capability file are generated from the operation table; a
/// stale one fails here (the Tauri commands themselves are generated by `with_operations!`).
#[test]
fn desktop_command_list_and_capability_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src-tauri");
    for (file, generated) in [
        ("commands.rs", coffer_api::ops::tauri_command_list()),
        ("capabilities/main.json", coffer_api::ops::capability_file()),
    ] {
        let path = root.join(file);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "src-tauri/{file} is stale; run `UPDATE_BINDINGS=1 cargo test -p coffer-api`"
        );
    }
    // The shell generates its commands from the table and implements only the desktop ones.
    let shell = std::fs::read_to_string(root.join("src/main.rs")).unwrap();
    assert!(shell.contains("coffer_api::with_operations!(desktop_commands);"));
    for op in coffer_api::ops::OPERATIONS {
        let own = shell.contains(&format!("async fn {}(", op.name));
        assert_eq!(
            own,
            op.access == coffer_api::ops::Access::Desktop,
            "{}: only desktop operations are written by hand in the shell",
            op.name
        );
    }
}

/// The vendor list says in words how each vendor was recognised; no internal rule id reaches
/// a front end.
#[tokio::test]
async fn vendors_explain_their_rules_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(
        dir.path(),
        Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap()),
    )
    .await;
    let vendors = coffer.vendors().await.unwrap();
    assert!(vendors.len() > 10);
    for v in &vendors {
        assert!(!v.rules.is_empty(), "{}: no rule", v.name);
        for rule in &v.rules {
            // Ids look like `known:uber`, `user:3`, `card-boilerplate:bg-card`.
            let internal = rule.starts_with("known:")
                || rule.starts_with("user:")
                || (!rule.contains(' ') && (rule.contains(':') || rule.contains('-')));
            assert!(!internal, "{}: rule shown as {rule:?}", v.name);
        }
    }
}

/// A name the user gives an account is what every view shows, survives syncs (which refresh the
/// bank's name) and can be taken back; the bank's name stays known.
#[tokio::test]
async fn an_account_keeps_the_name_the_user_gave_it() {
    let dir = tempfile::tempdir().unwrap();
    let at = Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap());
    let coffer = demo_profile(dir.path(), at).await;
    let before = coffer.accounts().await.unwrap().accounts;
    let first = &before[0];
    assert!(!first.renamed);
    assert_eq!(first.connection_label, "Demo Bank");
    let shown = coffer
        .rename_account(first.id, Some("  Household  "))
        .await
        .unwrap();
    assert_eq!(shown, "Household");
    coffer.sync(None, |_| {}).await.unwrap();
    let after = coffer.accounts().await.unwrap().accounts;
    let renamed = after.iter().find(|a| a.id == first.id).unwrap();
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.bank_name.as_str(),
            renamed.renamed
        ),
        ("Household", first.name.as_str(), true)
    );
    let filter = Filter {
        accounts: vec![first.id],
        ..Filter::default()
    };
    let rows = coffer.transactions(&filter).await.unwrap().rows;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.account_name == "Household"));

    let err = coffer
        .rename_account(first.id, Some(&"x".repeat(81)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(coffer
        .rename_account(999_999, Some("Nobody"))
        .await
        .is_err());

    assert_eq!(
        coffer.rename_account(first.id, Some(" ")).await.unwrap(),
        first.name
    );
    let back = coffer.accounts().await.unwrap().accounts;
    assert!(!back.iter().find(|a| a.id == first.id).unwrap().renamed);
}

/// A hidden account is listed but leaves totals, the table, reports and exports, unless a filter
/// names it; syncs keep it hidden, and it can be shown again.
#[tokio::test]
async fn a_hidden_account_leaves_totals_and_views_unless_the_filter_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let at = Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap());
    let coffer = demo_profile(dir.path(), at).await;
    let all = Filter::default();
    let before = coffer.accounts().await.unwrap();
    let rows_before = coffer.transactions(&all).await.unwrap().total;
    let savings = before
        .accounts
        .iter()
        .find(|a| a.kind == coffer_api::model::AccountKind::Savings)
        .unwrap();
    let own = Filter {
        accounts: vec![savings.id],
        ..Filter::default()
    };
    let its_rows = coffer.transactions(&own).await.unwrap().total;
    assert!(its_rows > 0);

    coffer.hide_account(savings.id, true).await.unwrap();
    coffer.sync(None, |_| {}).await.unwrap();
    let after = coffer.accounts().await.unwrap();
    assert!(
        after
            .accounts
            .iter()
            .any(|a| a.id == savings.id && a.hidden),
        "still listed, marked"
    );
    let minor = |text: &str| parse_minor(text, 2).unwrap();
    let total = |o: &coffer_api::AccountsOverview, c: &str| {
        o.totals
            .iter()
            .find(|t| t.currency == c)
            .map(|t| minor(&t.balance))
            .unwrap_or(0)
    };
    assert_eq!(
        total(&after, &savings.currency),
        total(&before, &savings.currency) - minor(&savings.balance)
    );
    assert_eq!(
        coffer.transactions(&all).await.unwrap().total,
        rows_before - its_rows
    );
    assert_eq!(
        coffer.transactions(&own).await.unwrap().total,
        its_rows,
        "named, it is shown"
    );
    let mut csv = Vec::new();
    coffer.export_csv(&all, &mut csv).await.unwrap();
    assert_eq!(
        csv::Reader::from_reader(csv.as_slice()).records().count() as i64,
        rows_before - its_rows
    );

    coffer.hide_account(savings.id, false).await.unwrap();
    assert_eq!(coffer.transactions(&all).await.unwrap().total, rows_before);
    assert!(coffer.hide_account(999_999, true).await.is_err());
}

/// The month that is still running is drawn as partial (lighter bars, no Net point); on its last
/// day it is a full month.
#[tokio::test]
async fn the_running_month_is_drawn_partial() {
    use coffer_api::report::ChartRequest;
    for (day, partial) in [(21, true), (30, false)] {
        let dir = tempfile::tempdir().unwrap();
        let at = Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap());
        let coffer = demo_profile(dir.path(), at).await;
        let chart = coffer.chart(&ChartRequest::default()).await.unwrap();
        let see_through = chart.svg.matches("opacity=\"0.4\"").count();
        assert_eq!(
            see_through > 0,
            partial,
            "day {day}: {see_through} see-through bars"
        );
    }
}
