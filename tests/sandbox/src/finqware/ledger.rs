//! One bank's ledger: its accounts and every row of its history, grown lazily up to "today"
//! and read at an instant. What a client sees at `now` (pending or booked, which amount, which
//! running balance) is computed from the rows' lives, never stored, so moving the clock in any
//! steps gives the same bank.

use chrono::{DateTime, NaiveDate, Utc};

use super::catalogue::{iban, AccountSpec, Bank};
use super::history::{self, Phase, Row};
use super::money;
use crate::oracle::{OracleAccount, OracleRow};

pub(crate) struct Ledger {
    pub bank: &'static Bank,
    seed: u64,
    /// The first day not generated yet (the openings are balances before the first day).
    next_day: NaiveDate,
    rows: Vec<Row>,
    opening: Vec<i64>,
    ibans: Vec<String>,
}

/// A row as it stands at some instant.
pub(crate) struct Seen<'a> {
    pub row: &'a Row,
    pub phase: Phase,
    /// Signed minor units.
    pub minor: i64,
    /// `booking_date_time`.
    pub time: DateTime<Utc>,
    pub info: &'a str,
    /// Running balance after this row in posting order; `None` while pending.
    pub balance: Option<i64>,
}

impl Seen<'_> {
    pub(crate) fn status(&self) -> &'static str {
        match self.phase {
            Phase::Pending => "pending",
            Phase::Booked => "booked",
        }
    }
}

impl Ledger {
    pub(crate) fn new(bank: &'static Bank, seed: u64, first_day: NaiveDate) -> Ledger {
        let count = bank.accounts.len();
        Ledger {
            bank,
            seed,
            next_day: first_day,
            rows: Vec::new(),
            opening: (0..count)
                .map(|i| history::opening(bank, seed, i))
                .collect(),
            ibans: bank
                .accounts
                .iter()
                .enumerate()
                .map(|(i, spec)| iban(bank, spec, &history::account_serial(bank, seed, i)))
                .collect(),
        }
    }

    /// Generates every day up to the bank's calendar day of `now`.
    pub(crate) fn catch_up(&mut self, now: DateTime<Utc>) {
        let today = now.with_timezone(&self.bank.zone).date_naive();
        while self.next_day <= today {
            self.rows
                .extend(history::day_rows(self.bank, self.seed, self.next_day));
            let Some(next) = self.next_day.succ_opt() else {
                break;
            };
            self.next_day = next;
        }
    }

    pub(crate) fn accounts(&self) -> impl Iterator<Item = (usize, &'static AccountSpec)> {
        self.bank.accounts.iter().enumerate()
    }

    pub(crate) fn iban(&self, account: usize) -> &str {
        self.ibans.get(account).map_or("", String::as_str)
    }

    /// What a faithful client shows as the account's name: `name`, else `nickname`, else the
    /// IBAN.
    pub(crate) fn display_name(&self, account: usize) -> String {
        let spec = self.bank.accounts.get(account);
        match spec {
            Some(s) if !s.name.is_empty() => s.name.to_owned(),
            Some(s) if !s.nickname.is_empty() => s.nickname.to_owned(),
            _ => self.iban(account).to_owned(),
        }
    }

    /// Every row visible at `now`, in generation order, with running balances.
    pub(crate) fn view(&self, now: DateTime<Utc>) -> Vec<Seen<'_>> {
        let mut seen: Vec<Seen<'_>> = self
            .rows
            .iter()
            .filter_map(|row| {
                let phase = row.phase_at(now)?;
                let (minor, time, info) = match phase {
                    Phase::Pending => (row.pending_minor, row.pending_time, &row.pending_info),
                    Phase::Booked => (row.booked_minor, row.booked_time, &row.booked_info),
                };
                Some(Seen {
                    row,
                    phase,
                    minor,
                    time,
                    info,
                    balance: None,
                })
            })
            .collect();
        let mut booked: Vec<usize> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| s.phase == Phase::Booked)
            .map(|(i, _)| i)
            .collect();
        booked.sort_by_key(|&i| {
            seen.get(i)
                .map(|s| (s.row.account, s.row.posted_at(), i))
                .unwrap_or_default()
        });
        let mut running = self.opening.clone();
        for i in booked {
            if let Some(s) = seen.get_mut(i) {
                if let Some(total) = running.get_mut(s.row.account) {
                    *total += s.minor;
                    s.balance = Some(*total);
                }
            }
        }
        seen
    }

    /// The booked balance of `account` at `at`.
    pub(crate) fn booked_total(&self, account: usize, at: DateTime<Utc>) -> i64 {
        let opening = self.opening.get(account).copied().unwrap_or(0);
        opening
            + self
                .rows
                .iter()
                .filter(|r| r.account == account && r.phase_at(at) == Some(Phase::Booked))
                .map(|r| r.booked_minor)
                .sum::<i64>()
    }

    /// The sum of pending rows of `account` at `at`.
    pub(crate) fn pending_total(&self, account: usize, at: DateTime<Utc>) -> i64 {
        self.rows
            .iter()
            .filter(|r| r.account == account && r.phase_at(at) == Some(Phase::Pending))
            .map(|r| r.pending_minor)
            .sum()
    }

    /// Midnight starting the bank's calendar day of `now`.
    pub(crate) fn start_of_day(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.with_timezone(&self.bank.zone).date_naive();
        history::local(self.bank.zone, today, 0)
    }

    /// The bank's calendar day of an instant.
    pub(crate) fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.bank.zone).date_naive()
    }

    /// The oracle's view of every row the bank holds at `now`, by account then time.
    pub(crate) fn oracle_rows(&self, now: DateTime<Utc>) -> Vec<OracleRow> {
        let mut seen = self.view(now);
        seen.sort_by(|a, b| {
            (a.row.account, a.time, &a.row.utx_id).cmp(&(b.row.account, b.time, &b.row.utx_id))
        });
        seen.iter()
            .map(|s| OracleRow {
                account: self.iban(s.row.account).to_owned(),
                account_name: self.display_name(s.row.account),
                date: self.day_of(s.time),
                amount: money::signed(s.minor, false),
                currency: self
                    .bank
                    .accounts
                    .get(s.row.account)
                    .map_or("", |a| a.currency)
                    .to_owned(),
                description: s.info.to_owned(),
                status: s.status().to_owned(),
                stable_id: Some(s.row.utx_id.clone()),
                own_transfer: (s.info.starts_with("Transfer între conturi proprii")
                    || s.info.starts_with("Schimb valutar RON-EUR"))
                .then(|| s.time.to_rfc3339()),
            })
            .collect()
    }

    pub(crate) fn oracle_accounts(&self, now: DateTime<Utc>) -> Vec<OracleAccount> {
        self.accounts()
            .map(|(i, spec)| {
                let booked = self.booked_total(i, now);
                OracleAccount {
                    account: self.iban(i).to_owned(),
                    name: self.display_name(i),
                    currency: spec.currency.to_owned(),
                    balance: money::signed(booked, false),
                    available: Some(money::signed(booked + self.pending_total(i, now), false)),
                }
            })
            .collect()
    }

    /// Counts what changed between two instants, for `/_sandbox/advance`.
    pub(crate) fn changes(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Changes {
        let mut changes = Changes::default();
        for row in &self.rows {
            let (before, after) = (row.phase_at(from), row.phase_at(to));
            match (before, after) {
                (None, Some(_)) if row.appears_at > from => {
                    changes.new_rows += 1;
                    if row.late {
                        changes.late += 1;
                    }
                }
                (Some(Phase::Pending), Some(Phase::Booked)) => {
                    changes.booked += 1;
                    if row.pending_minor != row.booked_minor {
                        changes.amount_changed += 1;
                    }
                }
                (Some(Phase::Pending), None) => changes.cancelled += 1,
                _ => {}
            }
        }
        changes
    }
}

/// What `/_sandbox/advance` reports per bank and in total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Changes {
    /// Rows that appeared (pending or booked), late ones included.
    pub new_rows: u64,
    /// Pending rows that booked.
    pub booked: u64,
    /// …of which with another amount than while pending.
    pub amount_changed: u64,
    /// Pending rows that were cancelled and disappeared.
    pub cancelled: u64,
    /// New rows dated in a day that had already passed when they appeared.
    pub late: u64,
}

impl Changes {
    pub(crate) fn add(&mut self, other: Changes) {
        self.new_rows += other.new_rows;
        self.booked += other.booked;
        self.amount_changed += other.amount_changed;
        self.cancelled += other.cancelled;
        self.late += other.late;
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalogue::{AccountKind, BANKS};
    use super::*;

    #[test]
    fn running_balances_follow_posting_order() {
        let bank = &BANKS[0];
        let now: DateTime<Utc> = "2026-03-20T12:00:00Z".parse().unwrap();
        let mut ledger = Ledger::new(bank, 11, "2025-12-01".parse().unwrap());
        ledger.catch_up(now);
        let view = ledger.view(now);
        assert!(view.len() > 300, "{}", view.len());
        for account in 0..bank.accounts.len() {
            let mut posted: Vec<&Seen<'_>> = view
                .iter()
                .filter(|s| s.row.account == account && s.phase == Phase::Booked)
                .collect();
            posted.sort_by_key(|s| s.row.posted_at());
            let last = posted.last().and_then(|s| s.balance);
            assert_eq!(last, Some(ledger.booked_total(account, now)));
        }
        assert!(view
            .iter()
            .filter(|s| s.phase == Phase::Pending)
            .all(|s| s.balance.is_none()));
        // Growing the same ledger in two steps gives the same rows.
        let mut stepwise = Ledger::new(bank, 11, "2025-12-01".parse().unwrap());
        stepwise.catch_up("2026-01-15T12:00:00Z".parse().unwrap());
        stepwise.catch_up(now);
        assert_eq!(stepwise.oracle_rows(now), ledger.oracle_rows(now));
    }

    #[test]
    fn two_years_keep_balances_plausible() {
        let now: DateTime<Utc> = "2026-06-30T12:00:00Z".parse().unwrap();
        for seed in 1..=4 {
            for bank in &BANKS {
                let mut ledger = Ledger::new(bank, seed, "2024-06-30".parse().unwrap());
                ledger.catch_up(now);
                for (i, spec) in ledger.accounts() {
                    let balance = ledger.booked_total(i, now);
                    if spec.kind == AccountKind::CreditCard {
                        assert!(
                            balance > -bank.card_limit_minor && balance <= 0,
                            "{} {i}: {balance}",
                            bank.skill
                        );
                    } else {
                        assert!(balance > 0, "{} {i} seed {seed}: {balance}", bank.skill);
                    }
                }
            }
        }
    }
}
