//! Statements in windows the bank accepts.
//!
//! `GetCustBal` refuses a range longer than 31 Sofia calendar days (HTTP 500 with an HTML page),
//! so every request covers at most [`WINDOW_DAYS`] whole Sofia days: from local midnight to
//! 23:59:59, each bound with that day's own offset (`+0200` in winter, `+0300` in summer;
//! sending `+0200` all year would shift summer windows by an hour and lose the rows of the
//! first hour after midnight).
//!
//! A sync fetches, per account, what the engine asks again (from a little before the cursor up
//! to today: late-booked rows land inside days already synced), then walks back through older
//! history window by window until the bank has nothing more: [`QUIET_WINDOWS`] windows in a row
//! with no entry (a year: the account did not exist yet, or the bank's history ends), the
//! user's lookback limit, or the account has no statement at all (a card
//! account answers `"acc": []`). No fixed depth: the reference connector read back to 1993.
//!
//! Identity is `acEntrySrNo`, the bank's entry serial number (providers.md §D: unique, the
//! reference connector's primary key), kept as text because it is beyond 2^31.

use std::collections::HashSet;

use chrono::{Days, NaiveDate, NaiveTime, TimeZone};
use coffer_core::model::{ProviderAccount, ProviderTransaction};
use coffer_core::money::Currency;
use coffer_core::sync::{History, Need, TransactionBatch};

use super::wire::{self, CustBal};
use super::{Fibank, FibankError};

/// Sofia days per request: the bank's limit (31, inclusive).
pub(super) const WINDOW_DAYS: u64 = 31;
/// Windows in a row without an entry that end the walk back: about a year. The bank says
/// nothing about where its history starts; before it, statements are empty but still carry an
/// opening balance (the account's balance when the history begins), so the balance cannot be
/// the sign. A year without a single entry, not even interest or a fee, is taken as the start.
const QUIET_WINDOWS: u32 = 12;
/// The most windows one walk takes: forty years, far beyond any e-banking history, so a bank
/// that answered every window with something could never keep a sync going for ever.
const MAX_WINDOWS: u32 = 40 * 12;

/// A Sofia wall-clock time on `day` as the wire writes it.
fn bound(day: NaiveDate, time: NaiveTime, earliest: bool) -> Option<String> {
    let local = chrono_tz::Europe::Sofia.from_local_datetime(&day.and_time(time));
    let at = if earliest {
        local.earliest()
    } else {
        local.latest()
    }?;
    Some(at.format("%Y-%m-%dT%H:%M:%S%z").to_string())
}

/// What one window held.
struct Window {
    rows: Vec<ProviderTransaction>,
    /// No entry in it.
    quiet: bool,
    gap: Option<String>,
}

impl Fibank {
    /// One statement `from..=to` (at most [`WINDOW_DAYS`] days); `None` when the bank has no
    /// statement for this account.
    async fn window(
        &self,
        iban: &str,
        currency: Currency,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<Window>, FibankError> {
        let start = NaiveTime::MIN;
        let end = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        let (Some(from_text), Some(to_text)) = (bound(from, start, true), bound(to, end, false))
        else {
            return Err(FibankError::Malformed {
                what: "a statement".into(),
                detail: format!("the days {from}–{to} have no Sofia time"),
            });
        };
        let query = [
            ("FromDate", from_text),
            ("ToDate", to_text),
            ("Iban", iban.to_string()),
            ("StmtType", "T".to_string()),
            ("isAccountFromPSD2", "false".to_string()),
        ];
        self.call("sywsquery/sywsquery/GetCustBal", &query, |body| {
            let answer: CustBal =
                serde_json::from_str(body).map_err(|e| crate::wire::json_problem(&e))?;
            let accounts = answer.acc.unwrap_or_default();
            // The connector skips an answer that is not exactly this account (providers.md §D).
            let Some(account) = accounts.iter().find(|a| a.iban().is_none_or(|i| i == iban)) else {
                return Ok(None);
            };
            let rows = account.stmt.clone().unwrap_or_default();
            let statement = wire::statement(&rows, currency)
                .map_err(|e| format!("{e} (statement {from} to {to})"))?;
            Ok(Some(Window {
                quiet: statement.rows.is_empty(),
                gap: statement
                    .balance_gap
                    .map(|g| format!("the statement {from} to {to} does not add up at {g}")),
                rows: statement.rows,
            }))
        })
        .await
    }

    /// Everything one account needs this sync.
    pub(super) async fn fetch(
        &self,
        account: &ProviderAccount,
        need: &Need,
    ) -> Result<TransactionBatch, FibankError> {
        let iban = account.provider_account_id.as_str();
        let currency = account.balance.currency;
        let today = self.today;
        let mut rows: Vec<ProviderTransaction> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let mut from = need.since.map(|s| s.min(today));

        // 1. From a little before the cursor up to today, oldest window first.
        if let Some(since) = from {
            let mut start = since;
            while start <= today {
                let end = start
                    .checked_add_days(Days::new(WINDOW_DAYS - 1))
                    .unwrap_or(today)
                    .min(today);
                let Some(w) = self.window(iban, currency, start, end).await? else {
                    return Ok(TransactionBatch::complete(from, today, Vec::new()));
                };
                rows.extend(w.rows);
                notes.extend(w.gap);
                match end.succ_opt() {
                    Some(next) => start = next,
                    None => break,
                }
            }
        }

        // 2. Older history, newest window first.
        let walk_from = match need.history {
            History::Complete => None,
            History::Unfetched => Some(today),
            History::Before(day) => day.pred_opt(),
        };
        let mut history = History::Complete;
        if let Some(mut end) = walk_from {
            let limit = match self.options.max_lookback_days {
                0 => None,
                days => today.checked_sub_days(Days::new(u64::from(days))),
            };
            let mut quiet = 0;
            let mut windows = 0;
            loop {
                if limit.is_some_and(|l| end < l) || windows >= MAX_WINDOWS {
                    break;
                }
                let mut start = end
                    .checked_sub_days(Days::new(WINDOW_DAYS - 1))
                    .unwrap_or(end);
                if let Some(l) = limit {
                    start = start.max(l);
                }
                windows += 1;
                let w = match self.window(iban, currency, start, end).await {
                    Ok(Some(w)) => w,
                    Ok(None) => break,
                    // Newer history fetched in this walk is kept; the rest continues next time.
                    Err(e) if windows > 1 => {
                        if let Some(oldest) = end.succ_opt() {
                            history = History::Before(oldest);
                            notes.push(format!(
                                "history before {oldest} continues at the next sync ({e})"
                            ));
                        }
                        break;
                    }
                    Err(e) => return Err(e),
                };
                from = Some(from.map_or(start, |f| f.min(start)));
                rows.extend(w.rows);
                notes.extend(w.gap);
                quiet = if w.quiet { quiet + 1 } else { 0 };
                if quiet >= QUIET_WINDOWS {
                    break;
                }
                match start.pred_opt() {
                    Some(prev) => end = prev,
                    None => break,
                }
            }
        }

        // A row late-booked into a day both parts covered is the same entry: keep it once.
        let mut seen = HashSet::new();
        rows.retain(|r| seen.insert(r.dedup_key.clone()));
        let note = match notes.len() {
            0 => None,
            1 => notes.pop(),
            n => Some(format!("{} (and {} more)", notes[0], n - 1)),
        };
        Ok(TransactionBatch {
            from,
            through: today,
            transactions: rows,
            history,
            note,
            removes_missing: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn bounds_carry_each_days_own_offset() {
        assert_eq!(
            bound(day("2024-01-01"), NaiveTime::MIN, true).unwrap(),
            "2024-01-01T00:00:00+0200"
        );
        assert_eq!(
            bound(
                day("2024-07-31"),
                NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
                false
            )
            .unwrap(),
            "2024-07-31T23:59:59+0300"
        );
        // The autumn night: midnight is unambiguous, the day ends in winter time.
        assert_eq!(
            bound(
                day("2024-10-27"),
                NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
                false
            )
            .unwrap(),
            "2024-10-27T23:59:59+0200"
        );
    }
}
