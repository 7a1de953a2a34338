//! Coffer's bank connectors. Each bank is one module that implements [`bank::Bank`] (what the
//! bank is: its form, login plan, settings, capabilities, categories, calendar) and
//! `coffer_core::sync::Provider` (how it syncs), listed once in [`registry`].

pub mod bank;
pub mod demo;
pub mod fibank;
pub mod finqware;
pub mod finsify;
pub mod registry;
pub mod sparebank1;

mod wire;

#[cfg(test)]
mod props;
