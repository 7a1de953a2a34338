//! # coffer-core
//!
//! Coffer's domain and everything that does not talk to the outside world: exact money, the
//! domain model, the filter, the SQLite store, the sync engine (against the [`sync::Provider`]
//! trait) and CSV export. No Tauri, no HTTP: every front end reaches this through `coffer-api`.

pub mod category;
pub mod chart;
pub mod enrich;
pub mod export;
pub mod filter;
pub mod model;
pub mod money;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod transfer;
pub mod vendor;
pub mod views;

pub use filter::Filter;
pub use money::{Currency, Money};
pub use store::{Store, StoreError};
