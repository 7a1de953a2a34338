//! The one filter every view, report and export takes.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{AccountId, Direction};

/// Which transactions to show. Empty lists and `None` mean "no restriction".
///
/// `min`/`max` bound the size of a transaction (its absolute amount) in its own currency, so
/// "at least 500" means purchases and refunds of 500 or more alike; combine with `direction`
/// for one side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Filter {
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
    #[serde(with = "rust_decimal::serde::str_option")]
    pub min: Option<Decimal>,
    #[ts(type = "string | null")]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub max: Option<Decimal>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("the date range is empty: --from {from} is after --to {to}")]
    EmptyRange { from: NaiveDate, to: NaiveDate },
    #[error("the amount range is empty: --min {min} is above --max {max}")]
    EmptyAmountRange { min: Decimal, max: Decimal },
    #[error("amount bounds are sizes and cannot be negative: {0}")]
    NegativeBound(Decimal),
}

impl Filter {
    pub fn validate(&self) -> Result<(), FilterError> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                return Err(FilterError::EmptyRange { from, to });
            }
        }
        for bound in [self.min, self.max].into_iter().flatten() {
            if bound.is_sign_negative() && !bound.is_zero() {
                return Err(FilterError::NegativeBound(bound));
            }
        }
        if let (Some(min), Some(max)) = (self.min, self.max) {
            if min > max {
                return Err(FilterError::EmptyAmountRange { min, max });
            }
        }
        Ok(())
    }

    pub fn account(id: AccountId) -> Filter {
        Filter {
            accounts: vec![id],
            ..Filter::default()
        }
    }
}

/// A decimal bound expressed in minor units of a currency with `exponent` decimals. `round_up`
/// picks the side that keeps the comparison exact: a minimum of 0.005 NOK admits 0.01, not 0.00.
pub(crate) fn bound_minor(bound: Decimal, exponent: u32, round_up: bool) -> i64 {
    let scaled = bound * Decimal::from(10i64.pow(exponent));
    let rounded = if round_up {
        scaled.ceil()
    } else {
        scaled.floor()
    };
    i64::try_from(rounded).unwrap_or(if round_up { i64::MAX } else { i64::MIN })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_ranges() {
        let f = Filter {
            from: NaiveDate::from_ymd_opt(2026, 5, 1),
            to: NaiveDate::from_ymd_opt(2026, 4, 1),
            ..Filter::default()
        };
        assert!(matches!(f.validate(), Err(FilterError::EmptyRange { .. })));
        let f = Filter {
            min: Some(Decimal::new(500, 0)),
            max: Some(Decimal::new(100, 0)),
            ..Filter::default()
        };
        assert!(matches!(
            f.validate(),
            Err(FilterError::EmptyAmountRange { .. })
        ));
        assert_eq!(Filter::default().validate(), Ok(()));
    }

    #[test]
    fn bounds_round_towards_the_inside_of_the_range() {
        let half_ore = Decimal::new(5, 3);
        assert_eq!(bound_minor(half_ore, 2, true), 1);
        assert_eq!(bound_minor(half_ore, 2, false), 0);
        assert_eq!(bound_minor(Decimal::new(10000, 2), 2, true), 10000);
        assert_eq!(bound_minor(Decimal::new(1500, 0), 0, true), 1500);
    }

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
        assert!(serde_json::from_str::<Filter>(r#"{"min":"12,5"}"#).is_err());
    }
}
