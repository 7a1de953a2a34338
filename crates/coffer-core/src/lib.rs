//! # coffer-core
//!
//! Coffer's domain and everything that does not talk to the outside world: exact money, the
//! domain model, the filter, the SQLite store, the sync engine (against the [`sync::Provider`]
//! trait) and CSV export. No Tauri, no HTTP: every front end reaches this through `coffer-api`.

pub mod export;
pub mod filter;
pub mod model;
pub mod money;
pub mod store;
pub mod sync;
pub mod views;

pub use filter::Filter;
pub use money::{Currency, Money};
pub use store::{Store, StoreError};
