//! An in-memory, column-oriented copy of every stored transaction: the one place filters are
//! evaluated, for the table, the reports, the charts and the export alike, so they can never
//! disagree about which rows a filter means.
//!
//! Why not SQL: a GROUP BY over a million rows takes ~0.6 s in SQLite here, and reports must
//! answer in tens of milliseconds under any filter. A scan over packed columns does. The store
//! stays the source of truth; the API layer drops the snapshot after every write and rebuilds it
//! on the next read.

use std::collections::{BTreeMap, HashMap};

use std::io::Write;

use chrono::{Datelike, NaiveDate};

use crate::category::Category;
use crate::export::{neutralise, ExportError, CSV_COLUMNS};
use crate::filter::{bound_minor, Filter, FilterError, Transfers};
use crate::model::{AccountId, Direction, TransactionStatus};
use crate::money::{format_minor, Currency};
use crate::store::{Store, StoreError};
use crate::views::{TransactionView, TransferView};

const NONE32: u32 = u32::MAX;
const NONE8: u8 = u8::MAX;

#[derive(Debug, Clone)]
struct AccountInfo {
    id: AccountId,
    name: String,
    provider: String,
    currency: Currency,
    balance: i64,
    /// Hidden by the user: only in views whose filter names it.
    hidden: bool,
}

/// Strings packed end to end; row `i` is `text[starts[i]..starts[i + 1]]`.
#[derive(Debug, Default)]
struct Arena {
    text: String,
    starts: Vec<u32>,
}

impl Arena {
    fn push(&mut self, s: &str) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.text.push_str(s);
        self.starts.push(self.text.len() as u32);
    }

    fn get(&self, i: usize) -> &str {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// Calls `found` once for every item that contains `needle` (exact bytes).
    fn each_item_containing(&self, needle: &str, mut found: impl FnMut(usize)) {
        let bytes = self.text.as_bytes();
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut pos = 0;
        while let Some(m) = finder.find(&bytes[pos..]) {
            let at = pos + m;
            // The item holding `at`: the last start at or before it.
            let item = self
                .starts
                .partition_point(|&s| s as usize <= at)
                .saturating_sub(1);
            let end = self
                .starts
                .get(item + 1)
                .map_or(bytes.len(), |&e| e as usize);
            if at + needle.len() <= end {
                found(item);
            }
            // One hit per item is enough, and a match that ran into the next item must not
            // hide one that starts inside it.
            pos = if at + needle.len() <= end {
                end
            } else {
                at + 1
            };
            if pos >= bytes.len() {
                break;
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no account with id {0}")]
    UnknownAccount(AccountId),
    #[error("{0}")]
    UnknownCategory(#[from] crate::category::UnknownCategory),
    #[error("no vendor named '{0}'")]
    UnknownVendor(String),
}

/// Rows, newest first (booking date, then id), as the table shows them by default.
#[derive(Debug, Default)]
pub struct Snapshot {
    accounts: Vec<AccountInfo>,
    /// Distinct currencies, sorted, and each account's index into them: group-bys accumulate
    /// into dense arrays indexed by currency instead of hashing per row.
    currencies: Vec<Currency>,
    account_currency: Vec<u8>,
    /// `year * 12 + month - 1` and `iso_year * 53 + iso_week` of each row, with their ranges.
    month: Vec<u32>,
    week: Vec<u32>,
    month_range: (u32, u32),
    week_range: (u32, u32),
    vendors: Vec<String>,
    vendor_index: HashMap<String, u32>,
    id: Vec<i64>,
    account: Vec<u32>,
    day: Vec<i32>,
    value_day: Vec<i32>,
    amount: Vec<i64>,
    pending: Vec<bool>,
    vendor: Vec<u32>,
    category: Vec<u8>,
    description: Arena,
    counterparty: Arena,
    /// For rows whose text is not pure ASCII: the lower-cased description and counterparty
    /// (index into `lowered`, `NONE32` for ASCII rows). ASCII rows are searched in place,
    /// case-insensitively, so most rows need no second copy of their text.
    lowered_ix: Vec<u32>,
    lowered: Arena,
    /// The row of each `lowered` item.
    lowered_row: Vec<u32>,
    /// Letter case of each ASCII description: bank text is nearly always all upper or all
    /// lower case, and then a plain SIMD substring search with the needle in that case is
    /// exactly a case-insensitive one.
    case: Vec<TextCase>,
    /// The row paired with each row as a transfer between the user's accounts (`NONE32`: none),
    /// and the pair's reason (index into `pair_reasons`, interned: a handful of distinct texts).
    partner: Vec<u32>,
    pair_reason: Vec<u32>,
    pair_by_user: Vec<bool>,
    pair_reasons: Vec<String>,
}

/// Which rows a filter selects, in the snapshot's row order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection(Vec<u32>);

impl Selection {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Week,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Date,
    Account,
    Description,
    Vendor,
    Category,
    Amount,
    Status,
}

/// Booked money in and out of one group, in minor units of one currency. Summed in `i128`:
/// no number of `i64` amounts can wrap it, so a total is never silently wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub credit: i128,
    pub debit: i128,
    pub count: u64,
}

impl Totals {
    fn add(&mut self, minor: i64) {
        if minor < 0 {
            self.debit += i128::from(minor);
        } else {
            self.credit += i128::from(minor);
        }
        self.count += 1;
    }

    /// Credit + debit (debit is negative).
    pub fn net(&self) -> i128 {
        self.credit + self.debit
    }
}

fn text<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'a str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn opt_text<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'a str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// `YYYY-MM-DD`, as the store writes dates.
fn iso_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextCase {
    /// No ASCII lower-case letters.
    Upper,
    /// No ASCII upper-case letters.
    Lower,
    Mixed,
}

impl TextCase {
    fn of(s: &str) -> TextCase {
        let b = s.as_bytes();
        match (
            b.iter().any(u8::is_ascii_lowercase),
            b.iter().any(u8::is_ascii_uppercase),
        ) {
            (false, _) => TextCase::Upper,
            (true, false) => TextCase::Lower,
            (true, true) => TextCase::Mixed,
        }
    }
}

/// Whether `hay` contains `needle` (lower-case ASCII), ignoring ASCII case.
fn contains_ascii_ci(hay: &str, needle: &[u8]) -> bool {
    let h = hay.as_bytes();
    let Some(&first) = needle.first() else {
        return true;
    };
    if h.len() < needle.len() {
        return false;
    }
    let last_start = h.len() - needle.len();
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=last_start])
        .any(|pos| h[pos..pos + needle.len()].eq_ignore_ascii_case(needle))
}

fn days(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date_of(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default()
}

impl Snapshot {
    pub fn load(store: &Store) -> Result<Snapshot, StoreError> {
        let mut snap = Snapshot::default();
        let mut account_pos: HashMap<AccountId, u32> = HashMap::new();
        {
            let mut stmt = store.db.prepare(
                "SELECT a.id, coalesce(a.user_name, a.name), c.provider, a.currency, a.balance_minor,
                        a.hidden
                 FROM account a JOIN connection c ON c.id = a.connection_id ORDER BY a.id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let currency: String = r.get(3)?;
                let id: AccountId = r.get(0)?;
                account_pos.insert(id, snap.accounts.len() as u32);
                snap.accounts.push(AccountInfo {
                    id,
                    name: r.get(1)?,
                    provider: r.get(2)?,
                    currency: currency
                        .parse()
                        .map_err(|e: crate::money::MoneyError| StoreError::BadRow(e.to_string()))?,
                    balance: r.get(4)?,
                    hidden: r.get(5)?,
                });
            }
        }
        let mut stmt = store.db.prepare(
            "SELECT id, account_id, booking_date, value_date, amount_minor, status, description,
                    counterparty, vendor, category
             FROM \"transaction\" ORDER BY booking_date DESC, id DESC",
        )?;
        let mut rows = stmt.query([])?;
        let mut search = String::new();
        // Strings are borrowed from SQLite's row buffer and dates parsed by hand: at a million
        // rows, per-row allocations and chrono's general parser dominate the build.
        while let Some(r) = rows.next()? {
            let account_id: AccountId = r.get(1)?;
            let Some(&pos) = account_pos.get(&account_id) else {
                continue;
            };
            // A row whose date cannot be read (written before dates were checked at the door)
            // is left out of the views rather than breaking every one of them.
            let Some(booking) = iso_day(text(r, 2)?) else {
                tracing::warn!(
                    row = r.get::<_, i64>(0)?,
                    "a stored row has an unreadable date"
                );
                continue;
            };
            let value = opt_text(r, 3)?.and_then(iso_day);
            let description = text(r, 6)?;
            let counterparty = opt_text(r, 7)?;
            let vendor = opt_text(r, 8)?;
            let category = opt_text(r, 9)?;
            snap.id.push(r.get(0)?);
            snap.account.push(pos);
            snap.day.push(days(booking));
            snap.value_day.push(value.map(days).unwrap_or(0));
            snap.amount.push(r.get(4)?);
            snap.pending.push(text(r, 5)? == "pending");
            let vendor_ix = match vendor {
                Some(v) => snap.intern_vendor(v),
                None => NONE32,
            };
            snap.vendor.push(vendor_ix);
            snap.category.push(
                category
                    .and_then(|c| Category::ALL.iter().position(|k| k.as_str() == c))
                    .map(|c| c as u8)
                    .unwrap_or(NONE8),
            );
            snap.case.push(TextCase::of(description));
            if description.is_ascii() && counterparty.is_none_or(str::is_ascii) {
                snap.lowered_ix.push(NONE32);
            } else {
                search.clear();
                search.push_str(&description.to_lowercase());
                search.push('\u{1}');
                search.push_str(&counterparty.unwrap_or("").to_lowercase());
                snap.lowered_ix.push(snap.lowered_row.len() as u32);
                snap.lowered_row.push(snap.id.len() as u32 - 1);
                snap.lowered.push(&search);
            }
            snap.description.push(description);
            snap.counterparty.push(counterparty.unwrap_or(""));
            let week = booking.iso_week();
            snap.month
                .push((booking.year().max(0) as u32) * 12 + booking.month0());
            snap.week
                .push((week.year().max(0) as u32) * 53 + week.week());
        }
        snap.load_pairs(store)?;
        let mut currencies: Vec<Currency> = snap.accounts.iter().map(|a| a.currency).collect();
        currencies.sort();
        currencies.dedup();
        snap.account_currency = snap
            .accounts
            .iter()
            .map(|a| {
                currencies
                    .iter()
                    .position(|c| *c == a.currency)
                    .unwrap_or(0) as u8
            })
            .collect();
        snap.currencies = currencies;
        let range = |v: &[u32]| match (v.iter().min(), v.iter().max()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (0, 0),
        };
        snap.month_range = range(&snap.month);
        snap.week_range = range(&snap.week);
        Ok(snap)
    }

    fn load_pairs(&mut self, store: &Store) -> Result<(), StoreError> {
        let n = self.id.len();
        self.partner = vec![NONE32; n];
        self.pair_reason = vec![NONE32; n];
        self.pair_by_user = vec![false; n];
        let mut stmt = store.db.prepare(
            "SELECT debit_id, credit_id, reason, source FROM transfer_pair WHERE paired = 1",
        )?;
        let mut rows = stmt.query([])?;
        let mut pairs = Vec::new();
        while let Some(r) = rows.next()? {
            let debit: i64 = r.get(0)?;
            let credit: i64 = r.get(1)?;
            let reason = text(r, 2)?;
            let by_user = text(r, 3)? == "user";
            let reason_ix = match self.pair_reasons.iter().position(|x| x == reason) {
                Some(p) => p as u32,
                None => {
                    self.pair_reasons.push(reason.to_string());
                    self.pair_reasons.len() as u32 - 1
                }
            };
            pairs.push((debit, credit, reason_ix, by_user));
        }
        if pairs.is_empty() {
            return Ok(());
        }
        let row_of: HashMap<i64, u32> = self
            .id
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect();
        for (debit, credit, reason, by_user) in pairs {
            // A half left out of the snapshot (an unreadable date) leaves the other unpaired.
            if let (Some(&d), Some(&c)) = (row_of.get(&debit), row_of.get(&credit)) {
                for (a, b) in [(d, c), (c, d)] {
                    self.partner[a as usize] = b;
                    self.pair_reason[a as usize] = reason;
                    self.pair_by_user[a as usize] = by_user;
                }
            }
        }
        Ok(())
    }

    /// Whether row `i` is one half of a paired transfer.
    fn is_transfer(&self, i: usize) -> bool {
        self.partner.get(i).is_some_and(|&p| p != NONE32)
    }

    /// Which rows' description or counterparty contain `needle` (lower case), ignoring case.
    ///
    /// Searching the packed text of all rows at once lets SIMD substring search run over one
    /// long buffer instead of a million short ones. Upper-case rows are searched with the
    /// needle upper-cased and lower-case rows with it lower-cased, which is exact; mixed-case
    /// and non-ASCII rows (kept lower-cased separately) are checked on their own.
    fn text_matches(&self, needle: &str) -> Vec<bool> {
        let mut hit = vec![false; self.id.len()];
        let ascii_row = |row: usize| self.lowered_ix[row] == NONE32;
        if needle.is_ascii() {
            let upper = needle.to_ascii_uppercase();
            for (case, text) in [(TextCase::Upper, upper.as_str()), (TextCase::Lower, needle)] {
                self.description.each_item_containing(text, |row| {
                    if ascii_row(row) && self.case[row] == case {
                        hit[row] = true;
                    }
                });
            }
            for (row, h) in hit.iter_mut().enumerate() {
                if *h || !ascii_row(row) {
                    continue;
                }
                *h = (self.case[row] == TextCase::Mixed
                    && contains_ascii_ci(self.description.get(row), needle.as_bytes()))
                    || contains_ascii_ci(self.counterparty.get(row), needle.as_bytes());
            }
        }
        self.lowered.each_item_containing(needle, |item| {
            if let Some(&row) = self.lowered_row.get(item) {
                hit[row as usize] = true;
            }
        });
        hit
    }

    fn currency_of_row(&self, i: usize) -> usize {
        self.account_currency[self.account[i] as usize] as usize
    }

    /// Booked totals of the selection in `slots` buckets per currency; `slot` picks the bucket.
    fn dense_totals(
        &self,
        selection: &Selection,
        slots: usize,
        slot: impl Fn(usize) -> usize,
    ) -> Vec<Totals> {
        let mut totals = vec![Totals::default(); slots * self.currencies.len()];
        for &i in &selection.0 {
            let i = i as usize;
            if self.pending[i] {
                continue;
            }
            if let Some(t) = totals.get_mut(self.currency_of_row(i) * slots + slot(i)) {
                t.add(self.amount[i]);
            }
        }
        totals
    }

    fn intern_vendor(&mut self, v: &str) -> u32 {
        if let Some(&i) = self.vendor_index.get(v) {
            return i;
        }
        let i = self.vendors.len() as u32;
        self.vendors.push(v.to_string());
        self.vendor_index.insert(v.to_string(), i);
        i
    }

    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Which accounts (by position) the filter's account list admits; all when it is empty.
    /// Which accounts a filter takes: the ones it names, or every account the user has not
    /// hidden when it names none.
    fn account_mask(&self, ids: &[AccountId]) -> Result<Vec<bool>, QueryError> {
        let mut mask: Vec<bool> = self
            .accounts
            .iter()
            .map(|a| ids.is_empty() && !a.hidden)
            .collect();
        for id in ids {
            let pos = self
                .accounts
                .iter()
                .position(|a| a.id == *id)
                .ok_or(QueryError::UnknownAccount(*id))?;
            mask[pos] = true;
        }
        Ok(mask)
    }

    /// Evaluates a filter for a report or chart: paired transfers are left out unless the
    /// filter asks for them. Unknown accounts, categories and vendors are errors, not empty
    /// results, so a typo is never mistaken for "no spending".
    pub fn select(&self, filter: &Filter) -> Result<Selection, QueryError> {
        self.select_with(filter, Transfers::Exclude)
    }

    /// Evaluates a filter for a list of rows (the table, the CSV export): paired transfers are
    /// shown, marked, unless the filter says otherwise. The same evaluation as [`Self::select`];
    /// only the default for `filter.transfers` differs.
    pub fn select_rows(&self, filter: &Filter) -> Result<Selection, QueryError> {
        self.select_with(filter, Transfers::Include)
    }

    fn select_with(&self, filter: &Filter, default: Transfers) -> Result<Selection, QueryError> {
        filter.validate()?;
        let transfers = filter.transfers.unwrap_or(default);
        let account_ok = self.account_mask(&filter.accounts)?;
        let mut category_ok = [filter.categories.is_empty(); 256];
        for name in &filter.categories {
            let c = if name.eq_ignore_ascii_case("uncategorised")
                || name.eq_ignore_ascii_case("uncategorized")
            {
                NONE8
            } else {
                Category::parse(name)? as u8
            };
            category_ok[c as usize] = true;
        }
        let mut vendor_ok: Option<Vec<bool>> = None;
        if !filter.vendors.is_empty() {
            let mut ok = vec![false; self.vendors.len() + 1];
            for name in &filter.vendors {
                let found = self
                    .vendor_index
                    .get(name.as_str())
                    .copied()
                    .or_else(|| {
                        self.vendors
                            .iter()
                            .position(|v| v.eq_ignore_ascii_case(name.trim()))
                            .map(|p| p as u32)
                    })
                    .ok_or_else(|| QueryError::UnknownVendor(name.clone()))?;
                ok[found as usize] = true;
            }
            vendor_ok = Some(ok);
        }
        let from = filter.from.map(days).unwrap_or(i32::MIN);
        let to = filter.to.map(days).unwrap_or(i32::MAX);
        let bounds: Vec<(i64, i64)> = self
            .accounts
            .iter()
            .map(|a| {
                let e = a.currency.exponent();
                (
                    filter.min.map(|m| bound_minor(m, e, true)).unwrap_or(0),
                    filter
                        .max
                        .map(|m| bound_minor(m, e, false))
                        .unwrap_or(i64::MAX),
                )
            })
            .collect();
        let needle = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        // Vendors are few: decide once per vendor whether the text matches it.
        let vendor_hit: Vec<bool> = match &needle {
            Some(n) => self
                .vendors
                .iter()
                .map(|v| v.to_lowercase().contains(n.as_str()))
                .collect(),
            None => Vec::new(),
        };
        let text_hit = needle.as_deref().map(|n| self.text_matches(n));

        let mut out = Vec::new();
        for i in 0..self.id.len() {
            let acc = self.account[i] as usize;
            let day = self.day[i];
            let amount = self.amount[i];
            if !account_ok[acc] || day < from || day > to {
                continue;
            }
            match filter.direction {
                Some(Direction::Debit) if amount >= 0 => continue,
                Some(Direction::Credit) if amount < 0 => continue,
                _ => {}
            }
            let (lo, hi) = bounds[acc];
            let size = amount.unsigned_abs();
            if size < lo.unsigned_abs() || size > hi.unsigned_abs() {
                continue;
            }
            match transfers {
                Transfers::Include => {}
                Transfers::Exclude if self.is_transfer(i) => continue,
                Transfers::Only if !self.is_transfer(i) => continue,
                Transfers::Exclude | Transfers::Only => {}
            }
            if !category_ok[self.category[i] as usize] {
                continue;
            }
            if let Some(ok) = &vendor_ok {
                let v = self.vendor[i];
                if v == NONE32 || !ok[v as usize] {
                    continue;
                }
            }
            if let Some(hit) = &text_hit {
                let by_vendor = vendor_hit
                    .get(self.vendor[i] as usize)
                    .copied()
                    .unwrap_or(false);
                if !hit[i] && !by_vendor {
                    continue;
                }
            }
            out.push(i as u32);
        }
        Ok(Selection(out))
    }

    fn view(&self, i: usize) -> TransactionView {
        let acc = &self.accounts[self.account[i] as usize];
        let amount = self.amount[i];
        let counterparty = self.counterparty.get(i);
        TransactionView {
            id: self.id[i],
            account_id: acc.id,
            account_name: acc.name.clone(),
            booking_date: date_of(self.day[i]).to_string(),
            value_date: (self.value_day[i] != 0).then(|| date_of(self.value_day[i]).to_string()),
            amount: format_minor(amount, acc.currency.exponent()),
            currency: acc.currency.to_string(),
            direction: Direction::of(amount),
            status: if self.pending[i] {
                TransactionStatus::Pending
            } else {
                TransactionStatus::Booked
            },
            description: self.description.get(i).to_string(),
            counterparty: (!counterparty.is_empty()).then(|| counterparty.to_string()),
            vendor: self.vendor_name(i).map(str::to_string),
            category: self.category_of(i).map(|c| c.as_str().to_string()),
            provider: acc.provider.clone(),
            transfer: self.transfer_view(i),
        }
    }

    fn transfer_view(&self, i: usize) -> Option<TransferView> {
        let p = *self.partner.get(i)?;
        if p == NONE32 {
            return None;
        }
        let p = p as usize;
        let acc = &self.accounts[self.account[p] as usize];
        let reason = self
            .pair_reasons
            .get(self.pair_reason[i] as usize)
            .cloned()
            .unwrap_or_default();
        let date = date_of(self.day[p]);
        Some(TransferView {
            partner_id: self.id[p],
            partner_account_id: acc.id,
            partner_account_name: acc.name.clone(),
            partner_amount: format_minor(self.amount[p], acc.currency.exponent()),
            partner_currency: acc.currency.to_string(),
            partner_date: date.to_string(),
            explanation: crate::transfer::explain(
                self.amount[p],
                acc.currency.exponent(),
                acc.currency.as_str(),
                &acc.name,
                date,
                &reason,
            ),
            reason,
            by_user: self.pair_by_user[i],
        })
    }

    fn vendor_name(&self, i: usize) -> Option<&str> {
        self.vendors
            .get(self.vendor[i] as usize)
            .map(String::as_str)
    }

    fn category_of(&self, i: usize) -> Option<Category> {
        Category::ALL.get(self.category[i] as usize).copied()
    }

    /// The selection without one category's rows: spending charts leave out moves between
    /// the user's own accounts, which are not spending.
    pub fn without_category(&self, selection: &Selection, category: Category) -> Selection {
        let c = category as u8;
        Selection(
            selection
                .0
                .iter()
                .copied()
                .filter(|&i| self.category[i as usize] != c)
                .collect(),
        )
    }

    /// A page of the selection in the requested order.
    pub fn page(
        &self,
        selection: &Selection,
        sort: SortKey,
        descending: bool,
        offset: usize,
        limit: usize,
    ) -> Vec<TransactionView> {
        let mut rows = selection.0.clone();
        if sort != SortKey::Date || !descending {
            self.sort(&mut rows, sort);
            if descending {
                rows.reverse();
            }
        }
        rows.iter()
            .skip(offset)
            .take(limit)
            .map(|&i| self.view(i as usize))
            .collect()
    }

    fn sort(&self, rows: &mut [u32], key: SortKey) {
        // Stable sorts over the newest-first order keep the date as the tie-breaker; reversing
        // for "descending" then yields newest first within equal keys. Date ascending is the
        // row order reversed.
        rows.reverse();
        match key {
            SortKey::Date => {}
            SortKey::Amount => rows.sort_by_key(|&i| self.amount[i as usize]),
            SortKey::Account => {
                rows.sort_by(|&a, &b| self.account_name(a).cmp(self.account_name(b)))
            }
            SortKey::Description => rows.sort_by(|&a, &b| {
                self.description
                    .get(a as usize)
                    .cmp(self.description.get(b as usize))
            }),
            SortKey::Vendor => rows.sort_by(|&a, &b| {
                self.vendor_name(a as usize)
                    .cmp(&self.vendor_name(b as usize))
            }),
            SortKey::Category => rows.sort_by_key(|&i| self.category[i as usize]),
            SortKey::Status => rows.sort_by_key(|&i| self.pending[i as usize]),
        }
    }

    fn account_name(&self, i: u32) -> &str {
        &self.accounts[self.account[i as usize] as usize].name
    }

    /// Every selected row, newest first.
    pub fn rows(&self, selection: &Selection) -> Vec<TransactionView> {
        selection.0.iter().map(|&i| self.view(i as usize)).collect()
    }

    /// Writes exactly the selected rows as CSV (design.md §6 columns); returns the row count.
    pub fn write_csv<W: Write>(&self, selection: &Selection, out: W) -> Result<u64, ExportError> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(CSV_COLUMNS)?;
        let mut id = String::new();
        let mut amount = String::new();
        for &i in &selection.0 {
            let i = i as usize;
            let acc = &self.accounts[self.account[i] as usize];
            id.clear();
            amount.clear();
            use std::fmt::Write as _;
            let _ = write!(id, "{}", self.id[i]);
            amount.push_str(&format_minor(self.amount[i], acc.currency.exponent()));
            let date = date_of(self.day[i]).to_string();
            w.write_record([
                date.as_str(),
                &neutralise(&acc.name),
                &neutralise(self.description.get(i)),
                &neutralise(self.vendor_name(i).unwrap_or("")),
                self.category_of(i).map(|c| c.as_str()).unwrap_or(""),
                amount.as_str(),
                acc.currency.as_str(),
                Direction::of(self.amount[i]).as_str(),
                if self.pending[i] { "pending" } else { "booked" },
                &neutralise(&acc.provider),
                id.as_str(),
            ])?;
        }
        w.flush()?;
        Ok(selection.0.len() as u64)
    }

    /// Splits dense totals (`slots` per currency) into per-currency lists of the non-empty slots.
    fn per_currency<K>(
        &self,
        totals: &[Totals],
        slots: usize,
        key: impl Fn(usize) -> K,
    ) -> BTreeMap<Currency, Vec<(K, Totals)>> {
        let mut out = BTreeMap::new();
        for (c, currency) in self.currencies.iter().enumerate() {
            let rows: Vec<(K, Totals)> = totals[c * slots..(c + 1) * slots]
                .iter()
                .enumerate()
                .filter(|(_, t)| t.count > 0)
                .map(|(k, t)| (key(k), *t))
                .collect();
            if !rows.is_empty() {
                out.insert(*currency, rows);
            }
        }
        out
    }

    /// Booked totals per currency and per month (or ISO week), oldest first.
    pub fn flows(
        &self,
        selection: &Selection,
        period: Period,
    ) -> BTreeMap<Currency, Vec<(PeriodKey, Totals)>> {
        let (column, (lo, hi)) = match period {
            Period::Month => (&self.month, self.month_range),
            Period::Week => (&self.week, self.week_range),
        };
        let slots = (hi - lo) as usize + 1;
        let totals = self.dense_totals(selection, slots, |i| (column[i] - lo) as usize);
        self.per_currency(&totals, slots, |k| {
            let v = lo + k as u32;
            match period {
                Period::Month => PeriodKey::Month((v / 12) as i32, v % 12 + 1),
                Period::Week => PeriodKey::Week((v / 53) as i32, v % 53),
            }
        })
    }

    /// Booked totals per currency and category (`None` = uncategorised), largest spending first.
    pub fn by_category(
        &self,
        selection: &Selection,
    ) -> BTreeMap<Currency, Vec<(Option<Category>, Totals)>> {
        let none = Category::ALL.len();
        let totals = self.dense_totals(selection, none + 1, |i| {
            (self.category[i] as usize).min(none)
        });
        let mut out = self.per_currency(&totals, none + 1, |k| Category::ALL.get(k).copied());
        for rows in out.values_mut() {
            rows.sort_by_key(|(k, t)| (t.debit, t.credit.wrapping_neg(), k.map(|c| c as u8)));
        }
        out
    }

    /// Booked totals per currency and vendor (`None` = no vendor), largest spending first.
    pub fn by_vendor(
        &self,
        selection: &Selection,
    ) -> BTreeMap<Currency, Vec<(Option<String>, Totals)>> {
        let none = self.vendors.len();
        let totals =
            self.dense_totals(selection, none + 1, |i| (self.vendor[i] as usize).min(none));
        let mut out = self.per_currency(&totals, none + 1, |k| self.vendors.get(k).cloned());
        for rows in out.values_mut() {
            rows.sort_by(|(ka, a), (kb, b)| (a.debit, b.credit, ka).cmp(&(b.debit, a.credit, kb)));
        }
        out
    }

    /// Booked totals per account in the selection.
    pub fn by_account(&self, selection: &Selection) -> Vec<(AccountId, String, Currency, Totals)> {
        let mut totals = vec![Totals::default(); self.accounts.len()];
        for &i in &selection.0 {
            let i = i as usize;
            if !self.pending[i] {
                totals[self.account[i] as usize].add(self.amount[i]);
            }
        }
        self.accounts
            .iter()
            .zip(totals)
            .filter(|(_, t)| t.count > 0)
            .map(|(a, t)| (a.id, a.name.clone(), a.currency, t))
            .collect()
    }

    /// Month-end booked balance per currency over the accounts the filter names (all when it
    /// names none), from the current balances walked back through the stored transactions.
    pub fn balance_history(
        &self,
        filter: &Filter,
    ) -> Result<BTreeMap<Currency, Vec<(NaiveDate, i64)>>, QueryError> {
        let include = self.account_mask(&filter.accounts)?;
        // Net booked change per currency per month.
        // Sums in i128: balances and changes of many accounts never wrap.
        let mut monthly: BTreeMap<Currency, BTreeMap<(i32, u32), i128>> = BTreeMap::new();
        let mut current: BTreeMap<Currency, i128> = BTreeMap::new();
        for (a, inc) in self.accounts.iter().zip(&include) {
            if *inc {
                *current.entry(a.currency).or_default() += i128::from(a.balance);
                monthly.entry(a.currency).or_default();
            }
        }
        for i in 0..self.id.len() {
            let acc = self.account[i] as usize;
            if !include[acc] || self.pending[i] {
                continue;
            }
            let d = date_of(self.day[i]);
            *monthly
                .entry(self.accounts[acc].currency)
                .or_default()
                .entry((d.year(), d.month()))
                .or_default() += i128::from(self.amount[i]);
        }
        let from = filter.from;
        let to = filter.to;
        // The running month ends today, not on its last calendar day.
        let latest = self.day.first().map(|&d| date_of(d));
        let mut out = BTreeMap::new();
        for (currency, months) in monthly {
            let mut balance = current.get(&currency).copied().unwrap_or(0);
            let mut points = Vec::new();
            // Walk back from the latest month: the balance at the end of month m is the current
            // balance minus everything booked after m.
            for (&(y, m), &change) in months.iter().rev() {
                let end = match latest {
                    Some(l) => {
                        month_end(y, m).min(l.max(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(l)))
                    }
                    None => month_end(y, m),
                };
                if from.is_none_or(|f| end >= f) && to.is_none_or(|t| end <= t) {
                    let shown = i64::try_from(balance).unwrap_or(if balance < 0 {
                        i64::MIN
                    } else {
                        i64::MAX
                    });
                    points.push((end, shown));
                }
                balance -= change;
            }
            points.reverse();
            out.insert(currency, points);
        }
        Ok(out)
    }

    pub fn vendor_names(&self) -> &[String] {
        &self.vendors
    }
}

/// A reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKey {
    Month(i32, u32),
    Week(i32, u32),
}

impl PeriodKey {
    /// The key the UI sends back to filter on this period: `2026-03` or `2026-W12`.
    pub fn key(&self) -> String {
        match self {
            PeriodKey::Month(y, m) => format!("{y}-{m:02}"),
            PeriodKey::Week(y, w) => format!("{y}-W{w:02}"),
        }
    }

    /// "Mar 2026", "W12 2026": the whole year, since "Mar 26" reads as the 26th of March.
    pub fn label(&self) -> String {
        self.label_in(crate::chart::ChartLocale::English)
    }

    /// [`PeriodKey::label`] with a locale's month names ("mar. 2026" under nb-NO).
    pub fn label_in(&self, months: crate::chart::ChartLocale) -> String {
        match self {
            PeriodKey::Month(y, m) => NaiveDate::from_ymd_opt(*y, *m, 1)
                .map_or_else(|| format!("{y}-{m:02}"), |d| months.month_year(d)),
            PeriodKey::Week(y, w) => format!("W{w} {y}"),
        }
    }

    /// First and last day of the period, for turning a clicked bar into a date filter.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        match *self {
            PeriodKey::Month(y, m) => (
                NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default(),
                month_end(y, m),
            ),
            PeriodKey::Week(y, w) => {
                let start =
                    NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).unwrap_or_default();
                (start, start + chrono::Days::new(6))
            }
        }
    }
}

fn month_end(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProviderAccount, ProviderTransaction};
    use crate::money::Money;
    use chrono::{TimeZone, Utc};

    fn store_with(rows: &[(&str, Option<&str>)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let conn = store.add_connection("built-in", "Built-in", now).unwrap();
        let account = store
            .upsert_account(
                conn.id,
                &ProviderAccount {
                    provider_account_id: "a".into(),
                    name: "A".into(),
                    number: None,
                    iban: None,
                    kind: crate::model::AccountKind::Current,
                    balance: Money::new(0, Currency::NOK),
                    available: None,
                    balance_at: now,
                    opening: None,
                },
            )
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let batch: Vec<ProviderTransaction> = rows
            .iter()
            .enumerate()
            .map(|(i, (d, cp))| ProviderTransaction {
                dedup_key: format!("k{i}"),
                provider_id: None,
                booking_date: day,
                value_date: None,
                amount: Money::new(-100, Currency::NOK),
                status: TransactionStatus::Booked,
                description: d.to_string(),
                counterparty: cp.map(str::to_string),
                provider_category: None,
            })
            .collect();
        store
            .upsert_transactions(account, &batch, None, day, now)
            .unwrap();
        (dir, store)
    }

    fn hits(snap: &Snapshot, text: &str) -> usize {
        let filter = Filter {
            search: Some(text.into()),
            ..Filter::default()
        };
        snap.select(&filter).unwrap().len()
    }

    #[test]
    fn search_is_case_insensitive_over_text_counterparty_and_vendor() {
        let (_dir, store) = store_with(&[
            ("VISA 422149...0052 27.03 REMA 1000 GRÜNERLØKKA OSLO", None),
            ("rema 1000 oslo 10 september", None),
            ("KAFFEBRENNERIET TORGGATA", None),
            ("Kaffe og Kake", None),
            ("kaffebar", None),
            ("Nettgiro", Some("Ølhallen AS")),
            ("Магазин Пятёрочка", None),
        ]);
        let snap = Snapshot::load(&store).unwrap();
        assert_eq!(hits(&snap, "rema"), 2, "ASCII text, either case");
        assert_eq!(hits(&snap, "REMA"), 2, "the needle's case does not matter");
        assert_eq!(hits(&snap, "grünerløkka"), 1, "non-ASCII text");
        assert_eq!(hits(&snap, "GRÜNER"), 1);
        assert_eq!(hits(&snap, "ølhallen"), 1, "the counterparty is searched");
        assert_eq!(hits(&snap, "пятёрочка"), 1, "Cyrillic folds too");
        assert_eq!(
            hits(&snap, "kaffe"),
            3,
            "upper, mixed and lower-case rows alike"
        );
        assert_eq!(hits(&snap, "KaFfE"), 3);
        assert_eq!(
            hits(&snap, "ø"),
            2,
            "a non-ASCII needle skips ASCII-only rows"
        );
        assert_eq!(hits(&snap, "zzz"), 0);
    }

    #[test]
    fn a_match_across_two_rows_counts_for_neither_and_hides_nothing() {
        let mut arena = Arena::default();
        for row in ["xa", "aab", "b", "aa"] {
            arena.push(row);
        }
        let mut found = Vec::new();
        arena.each_item_containing("aa", |i| found.push(i));
        assert_eq!(
            found,
            vec![1, 3],
            "'x a|a ab' spans rows 0-1; rows 1 and 3 really match"
        );
        let mut found = Vec::new();
        arena.each_item_containing("bb", |i| found.push(i));
        assert!(
            found.is_empty(),
            "'aab|b' must not match across the boundary"
        );
    }

    #[test]
    fn ascii_case_insensitive_contains() {
        assert!(contains_ascii_ci("VISA REMA 1000", b"rema"));
        assert!(contains_ascii_ci("visa rema", b"visa rema"));
        assert!(!contains_ascii_ci("REM", b"rema"));
        assert!(contains_ascii_ci("ABC", b""));
        assert!(
            contains_ascii_ci("xxRrema", b"rema"),
            "a false start is skipped"
        );
    }
}
