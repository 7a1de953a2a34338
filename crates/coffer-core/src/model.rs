//! Domain types shared by the store, the sync engine and the providers.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

use crate::money::Money;

/// Row ids as SQLite hands them out.
pub type ConnectionId = i64;
pub type AccountId = i64;
pub type TransactionId = i64;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownValue { what: stringify!($name), value: other.to_string() }),
                }
            }
        }
    };
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {what} '{value}'")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

text_enum!(
    /// Where a connection stands with its provider.
    ConnectionStatus {
        Active => "active",
        NeedsReauth => "needs_reauth",
        Expiring => "expiring",
        Error => "error",
        Disabled => "disabled",
    }
);

text_enum!(AccountKind {
    Current => "current",
    Savings => "savings",
    CreditCard => "credit_card",
    Loan => "loan",
    Other => "other",
});

text_enum!(TransactionStatus {
    Pending => "pending",
    Booked => "booked",
});

text_enum!(
    /// Money out of the account (debit) or into it (credit), from the account holder's side.
    Direction {
        Debit => "debit",
        Credit => "credit",
    }
);

impl Direction {
    pub fn of(minor: i64) -> Direction {
        if minor < 0 {
            Direction::Debit
        } else {
            Direction::Credit
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: ConnectionId,
    pub provider: String,
    pub label: String,
    pub status: ConnectionStatus,
    pub consent_expires_at: Option<DateTime<Utc>>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An account as a provider reports it, before it has a row id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAccount {
    pub provider_account_id: String,
    pub name: String,
    pub number: Option<String>,
    pub iban: Option<String>,
    pub kind: AccountKind,
    pub balance: Money,
    pub available: Option<Money>,
    pub balance_at: DateTime<Utc>,
    /// Balance at the start of `opening_date`, when the provider knows it (a generated ledger does;
    /// most real banks only report today's balance).
    pub opening: Option<(NaiveDate, Money)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub connection_id: ConnectionId,
    pub provider_account_id: String,
    pub name: String,
    pub number: Option<String>,
    pub iban: Option<String>,
    pub kind: AccountKind,
    pub balance: Money,
    pub available: Option<Money>,
    pub balance_at: DateTime<Utc>,
    pub opening: Option<(NaiveDate, Money)>,
}

/// A transaction as a provider reports it. `dedup_key` identifies the same real-world event
/// across syncs; how it is built is each provider's business (see providers.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderTransaction {
    pub dedup_key: String,
    pub provider_id: Option<String>,
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub amount: Money,
    pub status: TransactionStatus,
    pub description: String,
    pub counterparty: Option<String>,
    pub provider_category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub id: TransactionId,
    pub account_id: AccountId,
    pub dedup_key: String,
    pub provider_id: Option<String>,
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub amount: Money,
    pub status: TransactionStatus,
    pub description: String,
    pub counterparty: Option<String>,
    pub provider_category: Option<String>,
    pub vendor: Option<String>,
    pub category: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Transaction {
    pub fn direction(&self) -> Direction {
        Direction::of(self.amount.minor)
    }
}

/// Builds dedup keys for providers whose transaction ids are not stable: the key is the
/// transaction's content plus its occurrence number among identical rows in the same fetch, so
/// two genuine identical purchases on one day stay two rows while a re-fetch maps onto the same
/// keys.
#[derive(Debug, Default)]
pub struct OccurrenceKeys {
    seen: std::collections::HashMap<String, u32>,
}

impl OccurrenceKeys {
    pub fn key(&mut self, content: &str) -> String {
        let n = self.seen.entry(content.to_string()).or_insert(0);
        *n += 1;
        format!("{content}#{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_rows_get_distinct_but_repeatable_keys() {
        let content = "2026-03-27|-4500|NOK|ESPRESSO HOUSE";
        let mut first = OccurrenceKeys::default();
        let a = [first.key(content), first.key(content)];
        let mut second = OccurrenceKeys::default();
        let b = [second.key(content), second.key(content)];
        assert_ne!(a[0], a[1], "two identical purchases must keep two keys");
        assert_eq!(a, b, "a re-fetch must produce the same keys");
    }

    #[test]
    fn text_enums_round_trip() {
        for s in ConnectionStatus::ALL {
            assert_eq!(s.as_str().parse::<ConnectionStatus>().unwrap(), *s);
        }
        assert!("bogus".parse::<AccountKind>().is_err());
        assert_eq!(Direction::of(-1), Direction::Debit);
        assert_eq!(Direction::of(0), Direction::Credit);
    }
}
