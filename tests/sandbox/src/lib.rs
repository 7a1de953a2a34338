//! # coffer-sandbox
//!
//! Local emulations of the provider APIs, faithful to the wire as `../shared/providers.md`
//! describes it: paths, methods, headers, media types, status codes, envelopes, field names,
//! number and date formats, and the login dance. Each sandbox binds 127.0.0.1 only, serves a
//! seeded data set, and has switchable faults, from Rust (tests) or over HTTP under
//! `/_sandbox/…` (standalone use).
//!
//! Coffer's connectors run the same code against a sandbox and against the real API: only the
//! base URLs differ.
//!
//! ## The control contract every sandbox keeps
//!
//! Tests and people drive every sandbox the same way, under `/_sandbox/` (no auth, loopback):
//!
//! - `GET|POST /_sandbox/clock` ([`clock::ClockCommand`]): the sandbox's own time. Expiries,
//!   throttles and "today" read it; tests move it instead of sleeping.
//! - `POST /_sandbox/advance {"days": N}`: the bank lives N more days (the clock moves with it):
//!   new rows for each new day, pending rows book (some with another amount), some cancel, and a
//!   few rows appear late, dated inside days a client has already synced.
//! - `GET /_sandbox/oracle/ledger` and `GET /_sandbox/oracle/accounts` ([`oracle`]): what the
//!   bank holds now, in one shape for every bank; end-to-end tests compare Coffer's output
//!   with these.
//! - `GET /_sandbox/requests` ([`oracle::RecordedRequest`]): every API request received, so a
//!   test proves that something was *not* sent by reading the log, never by waiting.
//!   `DELETE /_sandbox/requests` empties the log. Control calls under `/_sandbox` are not logged.
//! - `POST /_sandbox/faults` (one fault or an array) and `DELETE /_sandbox/faults`. Every fault
//!   is a budget of requests (`"requests": N`), never of time.
//!
//! From Rust, each sandbox handle offers the same: `clock()` (a clone that moves the sandbox's
//! time), `today()`, `advance(days)`, `oracle_ledger()`, `oracle_accounts()`, `requests()`,
//! `clear_requests()`, `inject(..)`, `clear_faults()`, and `shutdown()` + `stopped().await`.
//! A sandbox's config carries its [`SandboxClock`] (default: the wall clock); tests pass
//! [`SandboxClock::fixed`] and move it.
//!
//! Each sandbox's module docs list every assumption it makes where the documentation is
//! silent, marked [inference]: the harsher plausible behaviour each time, so that a connector
//! that passes its sandbox does not lose data against the real bank.

mod browser;
pub mod clock;
mod contract;
pub mod fibank;
pub mod finqware;
pub mod finsify;
mod hostile;
pub mod oracle;
pub mod sparebank1;

pub use clock::SandboxClock;
pub use oracle::{OracleAccount, OracleRow};

/// Binds 127.0.0.1 on `port` (0 = ephemeral). Sandboxes never listen beyond loopback.
pub async fn bind_loopback(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await
}
