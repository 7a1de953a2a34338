//! The vocabulary answers and requests share, as the front ends spell it (`snake_case`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mirror::wire_enum;

pub use coffer_core::model::{AccountId, ConnectionId, TransactionId};

wire_enum! {
    /// Where a connection stands with its bank.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum ConnectionStatus from coffer_core::model::ConnectionStatus {
        Active,
        NeedsReauth,
        Expiring,
        Error,
        Disabled,
    }
}

wire_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum AccountKind from coffer_core::model::AccountKind {
        Current,
        Savings,
        CreditCard,
        Loan,
        Other,
    }
}

wire_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum TransactionStatus from coffer_core::model::TransactionStatus {
        Pending,
        Booked,
    }
}

wire_enum! {
    /// Money out of the account (debit) or into it (credit), from the account holder's side.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum Direction from coffer_core::model::Direction {
        Debit,
        Credit,
    }
}

/// The words the CLI and logs print, the same as core's.
macro_rules! shown_as_in_core {
    ($($name:ident),*) => {$(
        impl $name {
            pub fn as_str(self) -> &'static str {
                coffer_core::model::$name::from(self).as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&coffer_core::model::$name::from(*self), f)
            }
        }
    )*};
}
shown_as_in_core!(ConnectionStatus, AccountKind, TransactionStatus, Direction);
