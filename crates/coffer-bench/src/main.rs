//! `cargo run --release -p coffer-bench [-- --transactions N]`
//!
//! Generates a large ledger (default 1,000,000 transactions over 10 years in 50 accounts with
//! thousands of vendors), pushes it through the real sync engine into a real SQLite file, then
//! times what a user waits for: ingest, an unchanged re-sync, opening (snapshot build), reports
//! under several filters, the table's first page, and CSV export of every row. It prints the
//! figures; it asserts nothing (tests check correctness, this measures).

// Floats here are timings and rates for printing, never money.
#![allow(clippy::float_arithmetic)]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{Days, NaiveDate, TimeZone, Utc};
use coffer_api::model::Direction;
use coffer_api::report::{ChartKind, ChartRequest, PeriodKind};
use coffer_api::Filter;
use coffer_api::{Clock, Coffer, TransactionQuery};
use coffer_core::model::{AccountKind, ProviderAccount, ProviderTransaction, TransactionStatus};
use coffer_core::sync::{sync_connection, Provider, ProviderError, TransactionBatch};
use coffer_core::{Currency, Money, Store};

const ACCOUNTS: usize = 50;
const YEARS: u64 = 10;

/// Deterministic generator (splitmix64), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn vendor_names(count: usize) -> Vec<String> {
    const A: [&str; 16] = [
        "NOR", "FJELL", "BRYGGE", "SOL", "HAV", "SKOG", "BY", "ELV", "STJERNE", "MÅNE", "VIK",
        "DAL", "BERG", "LYS", "VIND", "STRAND",
    ];
    const B: [&str; 12] = [
        "KAFE",
        "BAKERI",
        "SPORT",
        "MAT",
        "BOKHANDEL",
        "APOTEK",
        "BAR",
        "FRISØR",
        "BLOMSTER",
        "KIOSK",
        "ELEKTRO",
        "REISE",
    ];
    let mut names = Vec::with_capacity(count);
    let mut i = 0usize;
    while names.len() < count {
        let a = A[i % A.len()];
        let b = B[(i / A.len()) % B.len()];
        let n = i / (A.len() * B.len());
        names.push(if n == 0 {
            format!("{a}{b}")
        } else {
            format!("{a}{b} {n}")
        });
        i += 1;
    }
    // Real chains too, so built-in rules fire as in real data.
    for known in [
        "REMA 1000",
        "KIWI",
        "MENY",
        "COOP EXTRA",
        "ESPRESSO HOUSE",
        "RUTER",
        "SPOTIFY",
    ] {
        names.push(known.to_string());
    }
    names
}

struct Generated {
    accounts: Vec<ProviderAccount>,
    transactions: Vec<Vec<ProviderTransaction>>,
    /// Pairs of rows that are one move between two of the accounts.
    transfers: usize,
}

fn generate(total: usize, today: NaiveDate) -> Generated {
    let mut rng = Rng(0xC0FF_EE00);
    let vendors = vendor_names(3_000);
    const CITIES: [&str; 6] = [
        "OSLO",
        "BERGEN",
        "TRONDHEIM",
        "STAVANGER",
        "TROMSØ",
        "DRAMMEN",
    ];
    let start = today - Days::new(YEARS * 365);
    let per_account = total / ACCOUNTS;
    let mut accounts = Vec::new();
    let mut transactions = Vec::new();
    for a in 0..ACCOUNTS {
        let currency = match a % 10 {
            0 => Currency::EUR,
            5 => "SEK".parse().unwrap_or(Currency::EUR),
            _ => Currency::NOK,
        };
        let mut rows = Vec::with_capacity(per_account);
        for n in 0..per_account {
            // Spread evenly over ten years, in date order.
            let day = start + Days::new((n as u64 * YEARS * 365) / per_account as u64);
            let (amount, description) = if rng.below(40) == 0 {
                (
                    2_500_000 + rng.below(3_000_000) as i64,
                    "LØNN FRA NORDLYS TEKNOLOGI AS".to_string(),
                )
            } else {
                let v = &vendors[rng.below(vendors.len() as u64) as usize];
                let city = CITIES[rng.below(CITIES.len() as u64) as usize];
                let text = match rng.below(3) {
                    0 => format!("VISA 422149...0052 {} {v} {city}", day.format("%d.%m")),
                    1 => format!("VARER {} {v} {city}", day.format("%d.%m")),
                    _ => format!(
                        "*0052 {} NOK {}.00 {v} AS",
                        day.format("%d.%m"),
                        rng.below(900)
                    ),
                };
                (-(rng.below(250_000) as i64) - 100, text)
            };
            rows.push(ProviderTransaction {
                dedup_key: format!("bench-{a}-{n}"),
                provider_id: Some(format!("{a}-{n}")),
                booking_date: day,
                value_date: Some(day),
                amount: Money::new(amount, currency),
                status: TransactionStatus::Booked,
                description,
                counterparty: None,
                provider_category: None,
            });
        }
        accounts.push(ProviderAccount {
            provider_account_id: format!("bench-{a}"),
            name: format!("Account {a:02}"),
            number: Some(format!("1503.{a:02}.00000")),
            iban: None,
            kind: AccountKind::Current,
            // Set below, once the transfers are in.
            balance: Money::zero(currency),
            available: None,
            balance_at: Utc.from_utc_datetime(&today.and_hms_opt(0, 0, 0).unwrap_or_default()),
            opening: Some((start, Money::zero(currency))),
        });
        transactions.push(rows);
    }
    let transfers = add_transfers(&accounts, &mut transactions);
    for (account, rows) in accounts.iter_mut().zip(&transactions) {
        let balance = rows.iter().map(|r| r.amount.minor).sum();
        account.balance = Money::new(balance, account.balance.currency);
    }
    Generated {
        accounts,
        transactions,
        transfers,
    }
}

/// How often a row becomes one half of a move to the next account: one in [`TRANSFER_EVERY`]
/// where two neighbouring accounts share a currency (~1 % of the ledger), so detection has real
/// pairs to find among a million rows.
const TRANSFER_EVERY: usize = 50;

/// Turns some rows of neighbouring accounts into transfers between them: the money-out row names
/// the other account's number, as a bank's text does. Returns how many pairs it made.
fn add_transfers(
    accounts: &[ProviderAccount],
    transactions: &mut [Vec<ProviderTransaction>],
) -> usize {
    let mut pairs = 0;
    for a in 0..accounts.len().saturating_sub(1) {
        let b = a + 1;
        if accounts[a].balance.currency != accounts[b].balance.currency {
            continue;
        }
        let number = accounts[b].number.clone().unwrap_or_default();
        let len = transactions[a].len().min(transactions[b].len());
        for n in (a % TRANSFER_EVERY..len).step_by(TRANSFER_EVERY) {
            let minor = 100_000 + (n as i64 % 97) * 1_000;
            let currency = accounts[a].balance.currency;
            let out = &mut transactions[a][n];
            out.amount = Money::new(-minor, currency);
            out.description = format!("Overføring til {number}");
            // The same index is the same day in every account (rows are spread evenly).
            let into = &mut transactions[b][n];
            into.amount = Money::new(minor, currency);
            into.description = "Overføring".to_string();
            pairs += 1;
        }
    }
    pairs
}

struct Bench<'a>(&'a Generated, NaiveDate);

#[async_trait]
impl Provider for Bench<'_> {
    fn id(&self) -> &'static str {
        "bench"
    }

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError> {
        Ok(self.0.accounts.clone())
    }

    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &coffer_core::sync::Need,
    ) -> Result<TransactionBatch, ProviderError> {
        let since = need.since;
        let i = self
            .0
            .accounts
            .iter()
            .position(|a| a.provider_account_id == account.provider_account_id)
            .unwrap_or(0);
        let rows = &self.0.transactions[i];
        let from = since.unwrap_or(NaiveDate::MIN);
        Ok(TransactionBatch::complete(
            since,
            self.1,
            rows.iter()
                .filter(|t| t.booking_date >= from)
                .cloned()
                .collect(),
        ))
    }
}

fn ms(d: Duration) -> String {
    format!("{:>9.1} ms", d.as_secs_f64() * 1e3)
}

fn rate(n: usize, d: Duration) -> String {
    format!("{:>9.0} tx/s", n as f64 / d.as_secs_f64().max(1e-9))
}

/// Median of `runs` timings of `f`, after one warm-up.
async fn median<F, Fut, T>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    f().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn peak_rss_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{} MB", kb / 1024))
        .unwrap_or_else(|| "n/a".into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::args().skip_while(|a| a != "--query-dir").nth(1) {
        return query_phase(std::path::Path::new(&dir)).await;
    }
    let total: usize = match std::env::args()
        .skip_while(|a| a != "--transactions")
        .nth(1)
    {
        Some(n) => n.parse()?,
        None => 1_000_000,
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).ok_or("date")?;
    let dir = tempfile::tempdir()?;
    println!(
        "coffer-bench: {total} transactions, {ACCOUNTS} accounts, {YEARS} years, 3,007 vendors"
    );

    let t = Instant::now();
    let data = generate(total, today);
    println!(
        "{:<46}{}  ({} own transfers among them)",
        "generate",
        ms(t.elapsed()),
        data.transfers
    );

    let store = Mutex::new(Store::open(&dir.path().join(coffer_api::DATABASE_FILE))?);
    {
        // Vendor and category rules alone, the CPU part of ingest outside SQLite.
        let s = store.lock().map_err(|_| "lock")?;
        let enricher =
            coffer_core::enrich::Enricher::load(s.sqlite(), coffer_core::category::coffer_slugs)?;
        let t = Instant::now();
        let mut named = 0usize;
        for rows in &data.transactions {
            for r in rows {
                named += usize::from(
                    enricher
                        .enrich("bench", &r.description, None, None)
                        .vendor
                        .is_some(),
                );
            }
        }
        let took = t.elapsed();
        println!(
            "{:<46}{}  {}  ({named} with a vendor)",
            "vendor + category rules only",
            ms(took),
            rate(total, took)
        );
    }
    let conn =
        store
            .lock()
            .map_err(|_| "lock")?
            .add_connection("bench", "Bench Bank", Utc::now())?;
    let provider = Bench(&data, today);
    let t = Instant::now();
    let first = sync_connection(&store, &conn, &provider, Utc::now, &mut |_| {}).await?;
    let ingest = t.elapsed();
    println!(
        "{:<46}{}  {}  ({} inserted)",
        "ingest through sync (first sync)",
        ms(ingest),
        rate(total, ingest),
        first.inserted
    );
    // An unchanged re-sync over the whole history, not only the overlap window.
    let full = {
        let s = store.lock().map_err(|_| "lock")?;
        s.accounts()?.iter().map(|a| a.id).collect::<Vec<_>>()
    };
    {
        let s = store.lock().map_err(|_| "lock")?;
        for id in &full {
            s.reset_sync_cursor(*id)?;
        }
    }
    let t = Instant::now();
    let again = sync_connection(&store, &conn, &provider, Utc::now, &mut |_| {}).await?;
    let resync = t.elapsed();
    println!(
        "{:<46}{}  {}  ({} unchanged, {} updated)",
        "unchanged re-sync (full history)",
        ms(resync),
        rate(total, resync),
        again.unchanged,
        again.updated
    );
    {
        // Transfer detection reads every booked row at each sync (the ingest above includes
        // one run that found the pairs): once over unchanged pairs, as every later sync pays
        // it, and once from nothing, as after the first sync of a large history.
        let mut s = store.lock().map_err(|_| "lock")?;
        let t = Instant::now();
        let unchanged = s.detect_transfers(Utc::now())?;
        let took = t.elapsed();
        println!(
            "{:<46}{}  {}  ({} pairs, {} added)",
            "transfer detection, pairs unchanged",
            ms(took),
            rate(total, took),
            unchanged.pairs,
            unchanged.added
        );
        s.sqlite().execute("DELETE FROM transfer_pair", [])?;
        let t = Instant::now();
        let fresh = s.detect_transfers(Utc::now())?;
        let took = t.elapsed();
        println!(
            "{:<46}{}  {}  ({} pairs found of {} made)",
            "transfer detection, from nothing",
            ms(took),
            rate(total, took),
            fresh.added,
            data.transfers
        );
    }
    drop(store);
    drop(data);

    // What the app holds is measured in a process of its own: this one still has the generator's
    // million rows in memory.
    let status = std::process::Command::new(std::env::current_exe()?)
        .arg("--query-dir")
        .arg(dir.path())
        .status()?;
    if !status.success() {
        return Err("the query phase failed".into());
    }
    Ok(())
}

async fn query_phase(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).ok_or("date")?;
    let t = Instant::now();
    let coffer = Coffer::open_with_clock(dir, Clock::Fixed(Utc::now()))?;
    let overview = coffer.accounts().await?;
    let status = coffer.app_status().await?;
    println!(
        "{:<46}{}  ({} accounts, {} transactions)",
        "cold open: profile + balances",
        ms(t.elapsed()),
        overview.accounts.len(),
        status.transactions
    );
    let t = Instant::now();
    let page = coffer
        .transaction_page(&TransactionQuery::default())
        .await?;
    println!(
        "{:<46}{}  ({} rows of {})",
        "first table page (builds the snapshot)",
        ms(t.elapsed()),
        page.rows.len(),
        page.total
    );

    let last_year = Filter {
        from: Some(today - Days::new(365)),
        to: Some(today),
        direction: Some(Direction::Debit),
        ..Filter::default()
    };
    let filters = [
        ("no filter", Filter::default()),
        ("one account", Filter::account(overview.accounts[1].id)),
        ("last 12 months, money out", last_year),
        (
            "search 'rema'",
            Filter {
                search: Some("rema".into()),
                ..Filter::default()
            },
        ),
        (
            "groceries, amount ≥ 500",
            Filter {
                categories: vec!["groceries".into()],
                min: Some(rust_decimal::Decimal::new(500, 0)),
                ..Filter::default()
            },
        ),
    ];
    println!("\nreports (median of 5 runs)           debit-credit/month    categories   top vendors   table page");
    for (name, f) in &filters {
        let months = median(5, || coffer.report_flows(f, PeriodKind::Month)).await;
        let cats = median(5, || coffer.report_categories(f)).await;
        let vendors = median(5, || coffer.report_vendors(f, 10)).await;
        let q = TransactionQuery {
            filter: f.clone(),
            sort: coffer_api::SortKey::Amount,
            ..Default::default()
        };
        let table = median(5, || coffer.transaction_page(&q)).await;
        println!(
            "  {name:<34}{}{}{}{}",
            ms(months),
            ms(cats),
            ms(vendors),
            ms(table)
        );
    }
    let request = ChartRequest {
        kind: ChartKind::DebitCredit,
        ..Default::default()
    };
    let chart = median(3, || coffer.chart(&request)).await;
    println!(
        "  {:<34}{}",
        "debit-credit chart (SVG), no filter",
        ms(chart)
    );

    let path = dir.join("all.csv");
    let t = Instant::now();
    let rows = coffer.export_csv_to_file(&Filter::default(), &path).await?;
    let export = t.elapsed();
    let size = std::fs::metadata(&path)?.len();
    println!(
        "\n{:<46}{}  ({rows} rows, {} MB)",
        "CSV export of every row",
        ms(export),
        size / 1_000_000
    );
    println!(
        "{:<46}{:>12}",
        "peak resident memory (open, snapshot, reports, export)",
        peak_rss_mb()
    );
    Ok(())
}
