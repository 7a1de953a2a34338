//! A sync's progress and outcome as the front ends read them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mirror::{wire_struct, FromCore, IntoWire};
use crate::model::ConnectionId;

/// Progress, as the UI progress bar and the CLI progress bar consume it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncEvent {
    Started {
        connection_id: ConnectionId,
        label: String,
    },
    Accounts {
        connection_id: ConnectionId,
        total: u32,
    },
    Account {
        connection_id: ConnectionId,
        account_name: String,
        index: u32,
        total: u32,
        fetched: u32,
    },
    Finished {
        summary: SyncSummary,
    },
    Failed {
        connection_id: ConnectionId,
        message: String,
    },
}

impl FromCore<coffer_core::sync::SyncEvent> for SyncEvent {
    fn from_core(value: coffer_core::sync::SyncEvent) -> Self {
        use coffer_core::sync::SyncEvent as Core;
        match value {
            Core::Started {
                connection_id,
                label,
            } => SyncEvent::Started {
                connection_id,
                label,
            },
            Core::Accounts {
                connection_id,
                total,
            } => SyncEvent::Accounts {
                connection_id,
                total,
            },
            Core::Account {
                connection_id,
                account_name,
                index,
                total,
                fetched,
            } => SyncEvent::Account {
                connection_id,
                account_name,
                index,
                total,
                fetched,
            },
            Core::Finished { summary } => SyncEvent::Finished {
                summary: summary.into_wire(),
            },
            Core::Failed {
                connection_id,
                message,
            } => SyncEvent::Failed {
                connection_id,
                message,
            },
        }
    }
}

wire_struct! {
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct SyncSummary from coffer_core::sync::SyncSummary {
        pub connection_id: ConnectionId,
        pub provider: String,
        pub label: String,
        pub accounts: u32,
        pub fetched: u32,
        pub inserted: u32,
        pub updated: u32,
        pub unchanged: u32,
        /// Pending rows that the provider dropped (cancelled authorisations).
        pub expired: u32,
        /// One line per account or step that failed, naming what was wrong.
        pub errors: Vec<String>,
        /// Things to know that are not failures (a long first sync continuing next time).
        pub notes: Vec<String>,
        /// The connection was being synced already, so this sync did nothing.
        pub skipped: bool,
    }
}
