//! Coffer's categories as the front ends name them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mirror::wire_enum;

wire_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum Category from coffer_core::category::Category {
        Groceries,
        Restaurants,
        Transport,
        Housing,
        Utilities,
        Subscriptions,
        Shopping,
        Travel,
        Health,
        Fees,
        Income,
        Transfers,
        Other,
    }
}

wire_enum! {
    /// Why a transaction has its category.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum CategorySource from coffer_core::category::CategorySource {
        /// Set on this transaction by the user.
        User,
        /// A user rule (or a rule learned from the user re-categorising a vendor).
        Rule,
        /// The bank's own category, mapped.
        Provider,
        /// Coffer's built-in vendor and keyword knowledge.
        Builtin,
    }
}

impl Category {
    /// Every category, in the order the front ends list them.
    pub fn all() -> Vec<Category> {
        use crate::mirror::IntoWire;
        coffer_core::category::Category::ALL
            .into_iter()
            .map(IntoWire::into_wire)
            .collect()
    }

    pub fn as_str(self) -> &'static str {
        coffer_core::category::Category::from(self).as_str()
    }
}

impl Category {
    /// A category by its name, e.g. `groceries`; the error lists every name.
    pub fn parse(name: &str) -> Result<Category, coffer_core::category::UnknownCategory> {
        use crate::mirror::IntoWire;
        coffer_core::category::Category::parse(name).map(IntoWire::into_wire)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}
