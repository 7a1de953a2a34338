//! The user's rules and the vendor list as the front ends read them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::category::Category;
use crate::mirror::{wire_enum, wire_struct};

wire_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum RuleMatch from coffer_core::rules::RuleMatch {
        /// The transaction's vendor equals the pattern (case-insensitive).
        Vendor,
        /// The bank text contains the pattern (case-insensitive).
        Text,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct CategoryRuleView from coffer_core::rules::CategoryRuleView {
        pub id: i64,
        pub match_kind: RuleMatch,
        pub pattern: String,
        pub category: Category,
        /// Learned from re-categorising a transaction rather than written by hand.
        pub learned: bool,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct VendorRuleView from coffer_core::rules::VendorRuleView {
        pub id: i64,
        pub pattern: String,
        pub is_regex: bool,
        pub vendor: String,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct VendorView from coffer_core::rules::VendorView {
        pub name: String,
        pub transactions: i64,
        /// The rules that produced this vendor, in words, e.g. "Known merchant: Uber" or "Your rule
        /// #3".
        pub rules: Vec<String>,
        /// Normalised names shown as this vendor (renames and merges).
        pub aliases: Vec<String>,
    }
}
