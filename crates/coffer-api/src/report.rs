//! Reports and charts as the front ends read them; amounts are exact decimal text.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::category::Category;
use crate::filter::Filter;
use crate::mirror::{wire_enum, wire_struct};
use crate::model::AccountId;

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct Amounts from coffer_core::report::Amounts {
        /// Money in, `>= 0`.
        pub credit: String,
        /// Money out, `<= 0`.
        pub debit: String,
        /// credit + debit.
        pub net: String,
        pub count: i64,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct PeriodTotal from coffer_core::report::PeriodTotal {
        /// `2026-03` or `2026-W12`.
        pub key: String,
        pub label: String,
        /// First and last day, to turn a clicked bar into a date filter.
        pub from: String,
        pub to: String,
        pub amounts: Amounts,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct FlowReport from coffer_core::report::FlowReport {
        pub currency: String,
        pub periods: Vec<PeriodTotal>,
        pub total: Amounts,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct CategoryTotal from coffer_core::report::CategoryTotal {
        /// `None`: uncategorised.
        pub category: Option<Category>,
        pub amounts: Amounts,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct CategoryReport from coffer_core::report::CategoryReport {
        pub currency: String,
        pub rows: Vec<CategoryTotal>,
        pub total: Amounts,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct VendorTotal from coffer_core::report::VendorTotal {
        /// `None`: rows without a recognisable vendor.
        pub vendor: Option<String>,
        pub amounts: Amounts,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct VendorReport from coffer_core::report::VendorReport {
        pub currency: String,
        pub rows: Vec<VendorTotal>,
        pub total: Amounts,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct AccountTotal from coffer_core::report::AccountTotal {
        pub account_id: AccountId,
        pub account_name: String,
        pub currency: String,
        pub amounts: Amounts,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct BalancePoint from coffer_core::report::BalancePoint {
        pub date: String,
        pub balance: String,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct BalanceReport from coffer_core::report::BalanceReport {
        pub currency: String,
        pub points: Vec<BalancePoint>,
    }
}

wire_enum! {
    /// Which chart to draw.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum ChartKind from coffer_core::report::ChartKind {
        DebitCredit,
        Category,
        Vendor,
        Balance,
    }
}

wire_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum PeriodKind from coffer_core::report::PeriodKind {
        #[default]
        Month,
        Week,
    }
}

wire_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum ChartTheme from coffer_core::report::ChartTheme {
        #[default]
        Light,
        Dark,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(default)]
    pub struct ChartRequest from and into coffer_core::report::ChartRequest {
        pub kind: ChartKind,
        pub filter: Filter,
        pub width: u32,
        pub height: u32,
        pub theme: ChartTheme,
        pub period: PeriodKind,
        /// Which currency to draw when the filter spans several; default: the one with most rows.
        pub currency: Option<String>,
        /// The UI's locale (BCP 47, e.g. "nb-NO"), for the month names on date axes; `None`:
        /// English.
        pub locale: Option<String>,
    }
}

wire_enum! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(rename_all = "snake_case")]
    pub enum HitTarget from coffer_core::report::HitTarget {
        Period,
        Category,
        Vendor,
        Date,
    }
}

wire_struct! {
    /// A clickable area of a chart, in SVG pixels; `key` is the filter value it stands for.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct ChartRegion from coffer_core::report::ChartRegion {
        pub x: u32,
        pub y: u32,
        pub width: u32,
        pub height: u32,
        pub target: HitTarget,
        pub key: String,
        /// For period and date regions: the first and last day it stands for (ISO dates), so a
        /// click filters exactly that span without the front end decoding the key.
        pub from: Option<String>,
        pub to: Option<String>,
        /// What a tooltip shows, exact: a bar's amount (a category's or vendor's spending, a
        /// day's balance) as decimal text in the chart's currency; `None` where the region has
        /// two (a period: see `credit`/`debit`) or none.
        pub amount: Option<String>,
        /// A period's money in (`>= 0`) and out (`<= 0`), decimal text.
        pub credit: Option<String>,
        pub debit: Option<String>,
        /// How many transactions the region stands for; `None` for balances (a balance is not a
        /// sum of the selected rows).
        pub count: Option<u64>,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct ChartView from coffer_core::report::ChartView {
        pub kind: ChartKind,
        pub currency: Option<String>,
        /// Every currency the filter spans, for a switcher.
        pub currencies: Vec<String>,
        pub svg: String,
        pub regions: Vec<ChartRegion>,
    }
}

impl Default for ChartRequest {
    fn default() -> Self {
        use crate::mirror::IntoWire;
        coffer_core::report::ChartRequest::default().into_wire()
    }
}
