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

pub mod finsify;
pub mod sparebank1;

/// Binds 127.0.0.1 on `port` (0 = ephemeral). Sandboxes never listen beyond loopback.
pub async fn bind_loopback(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await
}
