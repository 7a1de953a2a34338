//! The one filter, as the front ends send it. Its text fields are parsed by core's
//! [`coffer_core::Filter`] parsers, the same ones the CLI's flags and the server's query string
//! go through, so every front end gets the same errors, naming the field.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mirror::{wire_enum, wire_struct, IntoWire};
use crate::model::{AccountId, Direction};

pub use coffer_core::filter::FilterError;

wire_struct! {
    /// Which transactions to show. Empty lists and `None` mean "no restriction".
    ///
    /// `min`/`max` bound the size of a transaction (its absolute amount) in its own currency, so
    /// "at least 500" means purchases and refunds of 500 or more alike; combine with `direction`
    /// for one side.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(default)]
    pub struct Filter from and into coffer_core::filter::Filter {
        #[ts(type = "string | null")]
        pub from: Option<NaiveDate>,
        #[ts(type = "string | null")]
        pub to: Option<NaiveDate>,
        pub accounts: Vec<AccountId>,
        pub direction: Option<Direction>,
        pub categories: Vec<String>,
        pub vendors: Vec<String>,
        pub search: Option<String>,
        #[ts(type = "string | null")]
        #[serde(
            serialize_with = "rust_decimal::serde::str_option::serialize",
            deserialize_with = "min_from_text"
        )]
        pub min: Option<Decimal>,
        #[ts(type = "string | null")]
        #[serde(
            serialize_with = "rust_decimal::serde::str_option::serialize",
            deserialize_with = "max_from_text"
        )]
        pub max: Option<Decimal>,
        /// Paired transfers between the user's own accounts (see `coffer_core::transfer`). `None`
        /// means the view's default: reports and charts leave them out (moving money between
        /// one's own accounts is neither income nor spending), the transaction list and the CSV
        /// export show them, marked.
        pub transfers: Option<Transfers>,
    }
}

wire_enum! {
    /// What a filter does with paired transfers.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum Transfers from coffer_core::filter::Transfers {
        Include,
        Exclude,
        Only,
    }
}

fn min_from_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    bound_from_text(d, "min")
}

fn max_from_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    bound_from_text(d, "max")
}

fn bound_from_text<'de, D: serde::Deserializer<'de>>(
    d: D,
    field: &'static str,
) -> Result<Option<Decimal>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    text.map(|t| coffer_core::Filter::parse_amount(field, &t))
        .transpose()
        .map_err(serde::de::Error::custom)
}

impl Filter {
    /// A filter from `name=value` pairs (see [`coffer_core::Filter::from_pairs`]).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Filter, FilterError> {
        coffer_core::Filter::from_pairs(pairs).map(IntoWire::into_wire)
    }

    /// A date as every front end types it (core's parser: the one there is).
    pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, FilterError> {
        coffer_core::Filter::parse_date(field, text)
    }

    /// An amount bound as every front end types it (core's parser: the one there is).
    pub fn parse_amount(field: &'static str, text: &str) -> Result<Decimal, FilterError> {
        coffer_core::Filter::parse_amount(field, text)
    }

    /// Only the transactions of one account.
    pub fn account(id: AccountId) -> Filter {
        coffer_core::Filter::account(id).into_wire()
    }

    /// The core filter this stands for, checked (empty ranges, negative bounds, long texts).
    pub fn to_core(&self) -> Result<coffer_core::Filter, FilterError> {
        let filter = coffer_core::Filter::from(self.clone());
        filter.validate()?;
        Ok(filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserialises_from_the_ui_shape() {
        let f: Filter = serde_json::from_str(
            r#"{"from":"2026-01-01","to":null,"accounts":[3],"direction":"debit",
                "categories":[],"vendors":[],"search":"rema","min":"100.50","max":null}"#,
        )
        .unwrap();
        assert_eq!(f.min, Some(Decimal::new(10050, 2)));
        assert_eq!(f.direction, Some(Direction::Debit));
        let partial: Filter = serde_json::from_str(r#"{"accounts":[1]}"#).unwrap();
        assert_eq!(partial, Filter::account(1));
        // The UI may send what was typed, in either convention.
        let typed: Filter = serde_json::from_str(r#"{"min":"12,5"}"#).unwrap();
        assert_eq!(typed.min, Some(Decimal::new(125, 1)));
        assert!(serde_json::from_str::<Filter>(r#"{"min":"12,5,0"}"#).is_err());
    }
}
