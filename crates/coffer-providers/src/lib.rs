//! Coffer's bank connectors: each implements `coffer_core::sync::Provider`.

pub mod demo;
pub mod finsify;
pub mod sparebank1;

mod wire;
