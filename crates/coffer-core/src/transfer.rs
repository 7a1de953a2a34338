//! Transfers between the user's own accounts, found and paired.
//!
//! Moving 10,000 NOK to savings is one money-out row and one money-in row; counted as spending
//! and income it would show money that never left the household twice. Detection pairs such
//! rows so reports can leave them out (see [`crate::filter::Transfers`]).
//!
//! The rule, for a money-out row `d` and a money-in row `c`:
//!
//! * both booked (a pending row may still change or vanish), on two different accounts of
//!   the user (every stored account is the user's), at most [`WINDOW_DAYS`] apart;
//! * **same currency**: exactly the same absolute amount, *and* something that links them:
//!   the other account's number or IBAN in either row's text or counterparty, a masked number
//!   ("1991...4853") whose visible digits fit it, the other account's name there, or both
//!   rows marked as transfers (categorised so by the bank or a
//!   rule, or a "between own accounts" phrase in the text, [`OWN_ACCOUNTS_PHRASES`]). An
//!   equal amount alone is not enough: rent paid from one account and an equal sum arriving
//!   from someone else on another would be paired;
//! * **two currencies**: no exchange rate is stored, so amounts cannot be compared; each row's
//!   text must name the other's account (number or name), or both rows carry the very same
//!   currency-exchange text on the same day ("Schimb valutar RON-EUR la curs 4.9680" on the
//!   RON and the EUR account, [`EXCHANGE_PHRASES`]); the category alone does not do;
//! * never when either row's text names an account number that is none of the user's (the
//!   money went to, or came from, someone else);
//! * never a pair the user unmade.
//!
//! Each row belongs to at most one pair. When several candidates compete the choice is stable:
//! stronger evidence first (number, name, masked number, marked; the weaker of the two sides
//! counts first, so texts that name each other win), then same amount before converted, fewer
//! days apart, then the lower row ids. Pairs the user made are kept as they are
//! and their rows are not offered to detection.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::model::{AccountId, TransactionId};
use crate::money::format_minor;
use crate::store::{Store, StoreError};

/// How many calendar days may separate the two sides. Same-bank transfers book the same day;
/// between banks a giro takes up to two business days, and a weekend in between adds two.
pub const WINDOW_DAYS: i32 = 4;

/// Shortest text that counts as an account name or number in a row's text: shorter ones
/// ("Konto", four digits) match too much by accident.
const MIN_NAME: usize = 5;
const MIN_NUMBER: usize = 8;
/// Phrases banks use for a move between the customer's own accounts (upper case), in the
/// languages of the connected banks. Like the category, they mark a row as a transfer but do
/// not say to which account, so they pair only equal amounts.
const OWN_ACCOUNTS_PHRASES: &[&str] = &[
    "EGNE KONTOER",     // Norwegian: "Overføring mellom egne kontoer"
    "EGEN KONTO",       // Norwegian: "Overføring til egen konto"
    "CONTURI PROPRII",  // Romanian: "Transfer între conturi proprii"
    "CONT PROPRIU",     // Romanian: "Transfer în cont propriu"
    "СОБСТВЕНИ СМЕТКИ", // Bulgarian: "Превод между собствени сметки"
    "СОБСТВЕНА СМЕТКА", // Bulgarian: "Превод към собствена сметка"
    "OWN ACCOUNT",      // English: "Transfer between own accounts", "to own account"
];

/// Phrases that name a currency exchange between the customer's own accounts (upper case). A
/// bank that books an exchange writes the same text on both accounts, rate included, so two
/// rows with that same text on the same day are its two halves even though neither names the
/// other account.
const EXCHANGE_PHRASES: &[&str] = &[
    "SCHIMB VALUTAR",   // Romanian
    "VALUTAVEKSLING",   // Norwegian
    "ОБМЯНА НА ВАЛУТА", // Bulgarian
    "CURRENCY EXCHANGE",
];

/// A run of this many digits in a text is an account number (a Norwegian one has 11); dates,
/// amounts and masked card numbers stay below it.
const STRANGER_DIGITS: usize = 11;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no transaction with id {0}")]
    UnknownTransaction(TransactionId),
    #[error("transaction {0} is not paired as a transfer")]
    NotPaired(TransactionId),
    #[error("a transaction cannot be paired with itself; a transfer has two halves")]
    SameTransaction,
    #[error("both transactions are on the same account; a transfer goes between two accounts")]
    SameAccount,
    #[error("a transfer pairs money out with money in; these two go the same way")]
    SameDirection,
    #[error(
        "transaction {0} is already in a pair you made; unpair it first to pair it differently"
    )]
    AlreadyPaired(TransactionId),
}

impl From<rusqlite::Error> for TransferError {
    fn from(e: rusqlite::Error) -> Self {
        TransferError::Store(e.into())
    }
}

/// What one detection run changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DetectCounts {
    /// Pairs in force after the run (detected and made by the user).
    pub pairs: u64,
    pub added: u64,
    pub removed: u64,
}

/// How strongly two rows are linked; the order is the order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Evidence {
    Number,
    Name,
    /// A masked number ("1991...4853") whose visible digits fit the account.
    Masked,
    /// Two currencies, the same exchange text on both rows, the same day.
    Exchange,
    Category,
    /// No link on this side (only for ranking).
    Weakest,
}

impl Evidence {
    fn text(self) -> &'static str {
        match self {
            Evidence::Number => "account number in the text",
            Evidence::Name => "account name in the text",
            Evidence::Masked => "masked account number in the text",
            Evidence::Exchange => "the same currency exchange in both texts",
            Evidence::Category => "both marked as transfers between own accounts",
            Evidence::Weakest => "same amount",
        }
    }
}

struct Row {
    id: TransactionId,
    account: usize,
    day: i32,
    amount: i64,
    /// Accounts (bit = position) whose number or name this row's text names. A bit set, not a
    /// list: detection reads every row of the ledger at each sync. Accounts past the 64th are
    /// never linked by text (they still pair on the category rule).
    by_number: u64,
    by_name: u64,
    by_mask: u64,
    marked_transfer: bool,
    /// The row's whole text (upper case) when it names a currency exchange
    /// ([`EXCHANGE_PHRASES`]).
    exchange: Option<String>,
    /// The text names an account number that is none of the user's.
    stranger: bool,
}

struct Acct {
    id: AccountId,
    currency: String,
    name: String,
    /// Upper-case letters and digits of the account number and of the IBAN's domestic part.
    numbers: Vec<String>,
    /// What a masked number shows of this account: its leading and trailing digits (from a
    /// masked number as the bank gives it, or the whole digits of an unmasked one).
    shown: Vec<(String, String)>,
}

/// Masked account or card numbers in a text, as (leading, trailing) digits: "1991...4853",
/// "422149******0052", "4221 49** **** 0052" → ("1991", "4853"), ….
fn masked_numbers(text: &str) -> Vec<(String, String)> {
    let is_mask = |c: char| matches!(c, '.' | '*' | 'X' | 'x' | '•');
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ' ') {
            i += 1;
        }
        let mask_start = i;
        while i < chars.len() && (is_mask(chars[i]) || chars[i] == ' ') {
            i += 1;
        }
        let masked = chars[mask_start..i].iter().filter(|c| is_mask(**c)).count();
        let tail_start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ' ') {
            i += 1;
        }
        let digits = |r: &[char]| r.iter().filter(|c| c.is_ascii_digit()).collect::<String>();
        let (lead, tail) = (
            digits(&chars[start..mask_start]),
            digits(&chars[tail_start..i]),
        );
        // At least two masked characters and four digits each side: "1.5" or "10.2026" is no
        // masked number.
        if masked >= 2 && lead.len() >= 4 && tail.len() >= 4 {
            out.push((lead, tail));
        }
        if i == start {
            i += 1;
        }
    }
    out
}

fn shown_digits(number: Option<&str>, iban: Option<&str>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(n) = number {
        match masked_numbers(n).into_iter().next() {
            Some(m) => out.push(m),
            None => {
                let d: String = n.chars().filter(char::is_ascii_digit).collect();
                if d.len() >= MIN_NUMBER {
                    out.push((d.clone(), d));
                }
            }
        }
    }
    if let Some(i) = iban {
        let d: String = alnum_upper(i)
            .chars()
            .skip(4)
            .filter(char::is_ascii_digit)
            .collect();
        if d.len() >= MIN_NUMBER {
            out.push((d.clone(), d));
        }
    }
    out
}

/// Whether a masked number's visible digits fit what an account shows.
fn fits(masked: &(String, String), shown: &(String, String)) -> bool {
    let (lead, tail) = masked;
    let (first, last) = shown;
    let lead_fits = first.starts_with(lead.as_str()) || lead.starts_with(first.as_str());
    let tail_fits = last.ends_with(tail.as_str()) || tail.ends_with(last.as_str());
    lead_fits && tail_fits
}

/// Upper-case letters and digits only: "NO28 1503 4233 915" and "1503.42.33915" compare equal
/// in their digits.
fn alnum_upper(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

fn account_numbers(number: Option<&str>, iban: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    // A masked card number ("422149******0052") is not a number a text would quote.
    if let Some(n) = number.filter(|n| !n.contains('*')) {
        out.push(alnum_upper(n));
    }
    if let Some(i) = iban {
        let full = alnum_upper(i);
        // Domestic texts quote the account without the country code and check digits.
        if let Some(domestic) = full.get(4..) {
            out.push(domestic.to_string());
        }
        out.push(full);
    }
    out.retain(|n| n.chars().count() >= MIN_NUMBER);
    out.sort();
    out.dedup();
    out
}

/// Runs of digits (single `.` or ` ` between digit groups allowed, as account numbers are
/// printed) with at least [`STRANGER_DIGITS`] digits.
fn long_digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
            gap = false;
        } else if (c == '.' || c == ' ') && !cur.is_empty() && !gap {
            gap = true;
        } else {
            if cur.len() >= STRANGER_DIGITS {
                runs.push(std::mem::take(&mut cur));
            }
            cur.clear();
            gap = false;
        }
    }
    if cur.len() >= STRANGER_DIGITS {
        runs.push(cur);
    }
    runs
}

fn parse_day(s: &str) -> Option<i32> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.num_days_from_ce())
}

/// `-10000.00` → `−10,000.00`: the explanation is read, not parsed.
fn readable_amount(minor: i64, exponent: u32) -> String {
    let plain = format_minor(minor, exponent);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("\u{2212}", rest),
        None => ("", plain.as_str()),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// "paired with −10,000.00 NOK on Sparekonto, 2 Dec 2026: same amount, 1 day apart, …"
pub fn explain(
    partner_minor: i64,
    exponent: u32,
    currency: &str,
    account: &str,
    date: NaiveDate,
    reason: &str,
) -> String {
    format!(
        "paired with {} {currency} on {account}, {}: {reason}",
        readable_amount(partner_minor, exponent),
        date.format("%-d %b %Y"),
    )
}

fn reason_text(same_amount: bool, days_apart: i32, evidence: Evidence) -> String {
    let amount = if same_amount {
        "same amount"
    } else {
        "two currencies"
    };
    let days = match days_apart {
        0 => "same day".to_string(),
        1 => "1 day apart".to_string(),
        n => format!("{n} days apart"),
    };
    format!("{amount}, {days}, {}", evidence.text())
}

/// The bit of account position `i` in a link mask; none past 64.
fn bit(i: usize) -> u64 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

/// How row `r` links to account `acc`: its strongest evidence, if any.
fn side(r: &Row, acc: usize, exchange: bool, marked: bool) -> Option<Evidence> {
    let has = |mask: u64| mask & bit(acc) != 0;
    if has(r.by_number) {
        Some(Evidence::Number)
    } else if has(r.by_name) {
        Some(Evidence::Name)
    } else if has(r.by_mask) {
        Some(Evidence::Masked)
    } else if exchange {
        Some(Evidence::Exchange)
    } else if marked {
        Some(Evidence::Category)
    } else {
        None
    }
}

struct Candidate {
    weak: Evidence,
    evidence: Evidence,
    converted: bool,
    days: i32,
    debit: usize,
    credit: usize,
}

/// The pairs the rule finds among `rows`, leaving out rows in `taken` and pairs in `vetoed`.
fn find_pairs(
    accounts: &[Acct],
    rows: &[Row],
    taken: &HashSet<TransactionId>,
    vetoed: &HashSet<(TransactionId, TransactionId)>,
) -> Vec<(usize, usize, String)> {
    let free = |r: &Row| !taken.contains(&r.id) && !r.stranger && r.amount != 0;
    // Money-in rows by day, per (account, amount) for same-currency candidates and per account
    // for converted ones, so each money-out row looks only at rows that could match it: a
    // million-row ledger is read at every sync.
    let mut by_amount: HashMap<(usize, i64), Vec<usize>> = HashMap::new();
    let mut by_account: Vec<Vec<usize>> = vec![Vec::new(); accounts.len()];
    for (i, r) in rows.iter().enumerate() {
        if r.amount > 0 && free(r) {
            by_amount.entry((r.account, r.amount)).or_default().push(i);
            by_account[r.account].push(i);
        }
    }
    let by_day = |list: &mut Vec<usize>| list.sort_by_key(|&i| (rows[i].day, rows[i].id));
    by_amount.values_mut().for_each(by_day);
    by_account.iter_mut().for_each(by_day);
    let none: Vec<usize> = Vec::new();
    let mut candidates = Vec::new();
    for (di, d) in rows.iter().enumerate() {
        if d.amount >= 0 || !free(d) {
            continue;
        }
        for acc in 0..accounts.len() {
            if acc == d.account {
                continue;
            }
            let same_currency = accounts[acc].currency == accounts[d.account].currency;
            let list = if same_currency {
                d.amount
                    .checked_neg()
                    .and_then(|amount| by_amount.get(&(acc, amount)))
                    .unwrap_or(&none)
            } else if (d.by_number | d.by_name | d.by_mask) & bit(acc) != 0 || d.exchange.is_some()
            {
                &by_account[acc]
            } else {
                // A converted pair needs this row to name the other account (see below).
                continue;
            };
            let start = list.partition_point(|&i| rows[i].day < d.day - WINDOW_DAYS);
            for &ci in &list[start..] {
                let c = &rows[ci];
                if c.day > d.day + WINDOW_DAYS {
                    break;
                }
                if same_currency && d.amount.checked_neg() != Some(c.amount) {
                    continue;
                }
                if vetoed.contains(&(d.id, c.id)) {
                    continue;
                }
                let marked = same_currency && d.marked_transfer && c.marked_transfer;
                let exchange = !same_currency
                    && d.day == c.day
                    && d.exchange.is_some()
                    && d.exchange == c.exchange;
                let d_side = side(d, acc, exchange, marked);
                let c_side = side(c, d.account, exchange, marked);
                // Without comparable amounts one named account is not enough: a refund on a
                // card the same week as its bill would compete with the payment itself.
                let linked_both_ways = d_side.is_some() && c_side.is_some();
                if !same_currency && !linked_both_ways {
                    continue;
                }
                // Ranked by the weaker side, then the stronger: a pair whose texts name each
                // other beats one where only one side does (a debit-card purchase quoting the
                // card's number must not take the card bill's credit).
                let (weak, strong) =
                    if d_side.unwrap_or(Evidence::Weakest) >= c_side.unwrap_or(Evidence::Weakest) {
                        (d_side, c_side)
                    } else {
                        (c_side, d_side)
                    };
                if let Some(evidence) = strong {
                    candidates.push(Candidate {
                        weak: weak.unwrap_or(Evidence::Weakest),
                        evidence,
                        converted: !same_currency,
                        days: (c.day - d.day).abs(),
                        debit: di,
                        credit: ci,
                    });
                }
            }
        }
    }
    candidates.sort_by_key(|c| {
        (
            c.weak,
            c.evidence,
            c.converted,
            c.days,
            rows[c.debit].id,
            rows[c.credit].id,
        )
    });
    let mut used = vec![false; rows.len()];
    let mut out = Vec::new();
    for c in candidates {
        if used[c.debit] || used[c.credit] {
            continue;
        }
        used[c.debit] = true;
        used[c.credit] = true;
        out.push((
            c.debit,
            c.credit,
            reason_text(!c.converted, c.days, c.evidence),
        ));
    }
    out
}

fn load(store: &Store) -> Result<(Vec<Acct>, Vec<Row>), StoreError> {
    let mut accounts = Vec::new();
    {
        let mut stmt = store
            .db
            .prepare("SELECT id, name, number, iban, currency FROM account ORDER BY id")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let number: Option<String> = r.get(2)?;
            let iban: Option<String> = r.get(3)?;
            let name: String = r.get(1)?;
            accounts.push(Acct {
                id: r.get(0)?,
                currency: r.get(4)?,
                name: name.trim().to_uppercase(),
                numbers: account_numbers(number.as_deref(), iban.as_deref()),
                // Some banks give no number but put the masked one in the name
                // ("Tai khoan thanh toan 1991...4853").
                shown: shown_digits(number.as_deref(), iban.as_deref())
                    .into_iter()
                    .chain(masked_numbers(&name))
                    .collect(),
            });
        }
    }
    let position: HashMap<AccountId, usize> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, i))
        .collect();
    let own: Vec<&String> = accounts.iter().flat_map(|a| &a.numbers).collect();
    let mut rows = Vec::new();
    let mut stmt = store.db.prepare(
        "SELECT id, account_id, booking_date, amount_minor, description, counterparty, category
         FROM \"transaction\" WHERE status = 'booked' ORDER BY id",
    )?;
    let mut q = stmt.query([])?;
    while let Some(r) = q.next()? {
        let Some(&account) = position.get(&r.get::<_, AccountId>(1)?) else {
            continue;
        };
        let Some(day) = parse_day(&r.get::<_, String>(2)?) else {
            continue;
        };
        let description: String = r.get(4)?;
        let counterparty: Option<String> = r.get(5)?;
        let category: Option<String> = r.get(6)?;
        let text = match &counterparty {
            Some(c) => format!("{description}\u{1}{c}"),
            None => description,
        };
        let upper = text.to_uppercase();
        let packed = alnum_upper(&text);
        let mut by_number = 0u64;
        let mut by_name = 0u64;
        let mut by_mask = 0u64;
        let masks = if text.contains("..") || text.contains("**") || text.contains("XX") {
            masked_numbers(&text)
        } else {
            Vec::new()
        };
        for (i, a) in accounts.iter().enumerate().take(64) {
            if a.numbers.iter().any(|n| packed.contains(n.as_str())) {
                by_number |= bit(i);
            }
            if a.name.chars().count() >= MIN_NAME && upper.contains(a.name.as_str()) {
                by_name |= bit(i);
            }
            if masks.iter().any(|m| a.shown.iter().any(|s| fits(m, s))) {
                by_mask |= bit(i);
            }
        }
        let stranger = long_digit_runs(&text).iter().any(|run| {
            !own.iter()
                .any(|n| n.contains(run.as_str()) || run.contains(n.as_str()))
        });
        rows.push(Row {
            id: r.get(0)?,
            account,
            day,
            amount: r.get(3)?,
            by_number,
            by_name,
            by_mask,
            marked_transfer: category.as_deref() == Some("transfers")
                || OWN_ACCOUNTS_PHRASES.iter().any(|p| upper.contains(p)),
            exchange: EXCHANGE_PHRASES
                .iter()
                .any(|p| upper.contains(p))
                .then(|| upper.clone()),
            stranger,
        });
    }
    Ok((accounts, rows))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    debit: TransactionId,
    credit: TransactionId,
    paired: bool,
    user: bool,
}

fn stored_pairs(store: &Store) -> Result<Vec<Stored>, StoreError> {
    let mut stmt = store
        .db
        .prepare("SELECT debit_id, credit_id, paired, source FROM transfer_pair ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Stored {
            debit: r.get(0)?,
            credit: r.get(1)?,
            paired: r.get::<_, i64>(2)? == 1,
            user: r.get::<_, String>(3)? == "user",
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    /// Finds transfers between the user's accounts across every connection and brings the
    /// detected pairs up to date; pairs the user made or unmade are left as they are. A run
    /// over unchanged data changes nothing.
    pub fn detect_transfers(&mut self, now: DateTime<Utc>) -> Result<DetectCounts, StoreError> {
        let (accounts, rows) = load(self)?;
        let stored = stored_pairs(self)?;
        let mut taken = HashSet::new();
        let mut vetoed = HashSet::new();
        for p in stored.iter().filter(|p| p.user) {
            if p.paired {
                taken.insert(p.debit);
                taken.insert(p.credit);
            } else {
                vetoed.insert((p.debit, p.credit));
            }
        }
        let wanted: HashMap<(TransactionId, TransactionId), String> =
            find_pairs(&accounts, &rows, &taken, &vetoed)
                .into_iter()
                .map(|(d, c, reason)| ((rows[d].id, rows[c].id), reason))
                .collect();
        let existing: HashSet<(TransactionId, TransactionId)> = stored
            .iter()
            .filter(|p| !p.user)
            .map(|p| (p.debit, p.credit))
            .collect();
        let mut counts = DetectCounts::default();
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut delete = tx.prepare(
                "DELETE FROM transfer_pair WHERE debit_id = ?1 AND credit_id = ?2
                 AND source = 'detected'",
            )?;
            let mut gone: Vec<_> = existing
                .difference(&wanted.keys().copied().collect())
                .copied()
                .collect();
            gone.sort();
            for (d, c) in gone {
                counts.removed += delete.execute((d, c))? as u64;
            }
            let mut insert = tx.prepare(
                "INSERT INTO transfer_pair (debit_id, credit_id, paired, source, reason, created_at)
                 VALUES (?1, ?2, 1, 'detected', ?3, ?4)",
            )?;
            let mut new: Vec<_> = wanted
                .iter()
                .filter(|(k, _)| !existing.contains(k))
                .collect();
            new.sort();
            let at = now.to_rfc3339();
            for ((d, c), reason) in new {
                counts.added += insert.execute((d, c, reason, &at))? as u64;
            }
        }
        counts.pairs = tx.query_row(
            "SELECT count(*) FROM transfer_pair WHERE paired = 1",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64;
        tx.commit()?;
        if counts.added + counts.removed > 0 {
            tracing::info!(
                pairs = counts.pairs,
                added = counts.added,
                removed = counts.removed,
                "transfers paired"
            );
        }
        Ok(counts)
    }

    /// Unmakes the pair `transaction` is in; detection will not pair those two rows again.
    pub fn unpair_transfer(&mut self, transaction: TransactionId) -> Result<(), TransferError> {
        let changed = self.db.execute(
            "UPDATE transfer_pair SET paired = 0, source = 'user'
             WHERE paired = 1 AND (debit_id = ?1 OR credit_id = ?1)",
            [transaction],
        )?;
        if changed == 0 {
            return Err(TransferError::NotPaired(transaction));
        }
        Ok(())
    }

    /// Pairs two rows by hand, whatever detection thought: any detected pair either row was in
    /// is dropped. Amounts may differ (a fee, an exchange rate); the user knows.
    pub fn pair_transfers(
        &mut self,
        a: TransactionId,
        b: TransactionId,
        now: DateTime<Utc>,
    ) -> Result<(), TransferError> {
        let side = |id: TransactionId| -> Result<(AccountId, i64), TransferError> {
            self.db
                .query_row(
                    "SELECT account_id, amount_minor FROM \"transaction\" WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => TransferError::UnknownTransaction(id),
                    e => TransferError::Store(e.into()),
                })
        };
        if a == b {
            return Err(TransferError::SameTransaction);
        }
        let (acc_a, amount_a) = side(a)?;
        let (acc_b, amount_b) = side(b)?;
        if acc_a == acc_b {
            return Err(TransferError::SameAccount);
        }
        let (debit, credit) = match (amount_a < 0, amount_b < 0) {
            (true, false) if amount_b > 0 => (a, b),
            (false, true) if amount_a > 0 => (b, a),
            _ => return Err(TransferError::SameDirection),
        };
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for id in [debit, credit] {
            let by_user: i64 = tx
                .query_row(
                    "SELECT count(*) FROM transfer_pair WHERE paired = 1 AND source = 'user'
                     AND (debit_id = ?1 OR credit_id = ?1) AND NOT (debit_id = ?2 AND credit_id = ?3)",
                    (id, debit, credit),
                    |r| r.get(0),
                )
                ?;
            if by_user > 0 {
                return Err(TransferError::AlreadyPaired(id));
            }
        }
        tx.execute(
            "DELETE FROM transfer_pair WHERE source = 'detected'
             AND (debit_id IN (?1, ?2) OR credit_id IN (?1, ?2))",
            (debit, credit),
        )?;
        tx.execute(
            "INSERT INTO transfer_pair (debit_id, credit_id, paired, source, reason, created_at)
             VALUES (?1, ?2, 1, 'user', 'paired by you', ?3)
             ON CONFLICT (debit_id, credit_id) DO UPDATE
             SET paired = 1, source = 'user', reason = 'paired by you'",
            (debit, credit, now.to_rfc3339()),
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_cover_the_domestic_part_of_an_iban() {
        let n = account_numbers(Some("1503.42.33915"), Some("NO28 1503 4233 915"));
        assert!(n.contains(&"15034233915".to_string()));
        assert!(n.contains(&"NO2815034233915".to_string()));
        assert!(account_numbers(Some("422149******0052"), None).is_empty());
    }

    #[test]
    fn long_digit_runs_find_account_numbers_not_dates_or_amounts() {
        assert_eq!(
            long_digit_runs("Overføring til 1234.56.78903 Ola"),
            vec!["12345678903".to_string()]
        );
        assert!(long_digit_runs("VARER 01.12.2026 KURS 10.5432 BELØP 1 234.50").is_empty());
        assert!(long_digit_runs("VISA 422149...0052").is_empty());
    }

    #[test]
    fn masked_numbers_show_their_ends() {
        assert_eq!(
            masked_numbers("TT THE TIN DUNG 422149...7599 TU TK 1991...4853"),
            vec![
                ("422149".to_string(), "7599".to_string()),
                ("1991".to_string(), "4853".to_string())
            ]
        );
        assert_eq!(
            masked_numbers("VISA 422149******0052"),
            vec![("422149".to_string(), "0052".to_string())]
        );
        assert!(masked_numbers("Kurs 10.5432 ... 01.12.2026").is_empty());
        let shown = shown_digits(Some("19910000004853"), None);
        assert!(fits(&("1991".into(), "4853".into()), &shown[0]));
        assert!(!fits(&("1991".into(), "4854".into()), &shown[0]));
        let card = shown_digits(Some("422149******0052"), None);
        assert!(fits(&("422149".into(), "0052".into()), &card[0]));
    }

    #[test]
    fn readable_amounts_group_thousands() {
        assert_eq!(readable_amount(-1_000_000, 2), "\u{2212}10,000.00");
        assert_eq!(readable_amount(12_345, 0), "12,345");
        assert_eq!(readable_amount(99, 2), "0.99");
        assert_eq!(
            reason_text(true, 1, Evidence::Number),
            "same amount, 1 day apart, account number in the text"
        );
    }
}
