//! The one filter every view, report and export takes.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::{AccountId, Direction};

/// Which transactions to show. Empty lists and `None` mean "no restriction".
///
/// `min`/`max` bound the size of a transaction (its absolute amount) in its own currency, so
/// "at least 500" means purchases and refunds of 500 or more alike; combine with `direction`
/// for one side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub accounts: Vec<AccountId>,
    pub direction: Option<Direction>,
    pub categories: Vec<String>,
    pub vendors: Vec<String>,
    pub search: Option<String>,
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    /// Paired transfers between the user's own accounts (see [`crate::transfer`]). `None`
    /// means the view's default: reports and charts leave them out (moving money between
    /// one's own accounts is neither income nor spending), the transaction list and the CSV
    /// export show them, marked.
    pub transfers: Option<Transfers>,
}

/// What a filter does with paired transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfers {
    Include,
    Exclude,
    Only,
}

/// Longest text a filter field takes (a search, a vendor or category name).
const MAX_TEXT: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("the date range is empty: from {from} is after to {to}")]
    EmptyRange { from: NaiveDate, to: NaiveDate },
    #[error("the amount range is empty: the minimum {min} is above the maximum {max}")]
    EmptyAmountRange { min: Decimal, max: Decimal },
    #[error("amount bounds are sizes and cannot be negative: {0}")]
    NegativeBound(Decimal),
    #[error("'{text}' is not a date for {field}; use YYYY-MM-DD, e.g. 2026-03-27")]
    BadDate { field: &'static str, text: String },
    #[error(
        "'{text}' is not an amount for {field}; use digits with an optional '.' decimal point, \
         e.g. 99.50"
    )]
    BadAmount { field: &'static str, text: String },
    #[error("'{text}' is not a valid {field}: {expected}")]
    BadValue {
        field: &'static str,
        text: String,
        expected: &'static str,
    },
    #[error("the {field} is longer than {MAX_TEXT} characters")]
    TooLong { field: &'static str },
    #[error("unknown filter field '{0}'; the fields are from, to, account, direction, category, vendor, search, min, max, transfers")]
    UnknownField(String),
}

/// Outside text quoted in an error: printable and short.
fn quoted(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(60)
        .collect()
}

impl Filter {
    /// A calendar day as every front end types it: `YYYY-MM-DD`.
    pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, FilterError> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| FilterError::BadDate {
            field,
            text: quoted(text),
        })
    }

    /// An amount bound: digits with at most one `.` decimal point, as the CLI, the server's
    /// query string and the UI's form all type it. Never a float.
    pub fn parse_amount(field: &'static str, text: &str) -> Result<Decimal, FilterError> {
        let t = text.trim();
        let valid = !t.is_empty()
            && t.len() <= 30
            && t.bytes().filter(|b| *b == b'.').count() <= 1
            && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && t.bytes().any(|b| b.is_ascii_digit());
        valid
            .then(|| t.parse::<Decimal>().ok())
            .flatten()
            .ok_or_else(|| FilterError::BadAmount {
                field,
                text: quoted(text),
            })
    }

    pub fn parse_transfers(field: &'static str, text: &str) -> Result<Transfers, FilterError> {
        match text.trim() {
            "include" => Ok(Transfers::Include),
            "exclude" => Ok(Transfers::Exclude),
            "only" => Ok(Transfers::Only),
            other => Err(FilterError::BadValue {
                field,
                text: quoted(other),
                expected: "use include, exclude or only",
            }),
        }
    }

    pub fn parse_direction(field: &'static str, text: &str) -> Result<Direction, FilterError> {
        match text.trim() {
            "debit" => Ok(Direction::Debit),
            "credit" => Ok(Direction::Credit),
            other => Err(FilterError::BadValue {
                field,
                text: quoted(other),
                expected: "use debit or credit",
            }),
        }
    }

    fn text(field: &'static str, text: &str) -> Result<String, FilterError> {
        if text.chars().count() > MAX_TEXT {
            return Err(FilterError::TooLong { field });
        }
        Ok(text.to_string())
    }

    /// A filter from `name=value` pairs named as the CLI's flags (`from`, `to`, `account`,
    /// `direction`, `category`, `vendor`, `search`, `min`, `max`, `transfers`); a repeated name adds values.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Filter, FilterError> {
        let mut f = Filter::default();
        for (key, value) in pairs {
            match key {
                "from" => f.from = Some(Filter::parse_date("from", value)?),
                "to" => f.to = Some(Filter::parse_date("to", value)?),
                "account" => {
                    f.accounts
                        .push(value.trim().parse().map_err(|_| FilterError::BadValue {
                            field: "account",
                            text: quoted(value),
                            expected: "use the account id",
                        })?)
                }
                "direction" => f.direction = Some(Filter::parse_direction("direction", value)?),
                "category" => f.categories.push(Filter::text("category", value)?),
                "vendor" => f.vendors.push(Filter::text("vendor", value)?),
                "search" => f.search = Some(Filter::text("search", value)?),
                "min" => f.min = Some(Filter::parse_amount("min", value)?),
                "max" => f.max = Some(Filter::parse_amount("max", value)?),
                "transfers" => f.transfers = Some(Filter::parse_transfers("transfers", value)?),
                other => return Err(FilterError::UnknownField(quoted(other))),
            }
        }
        f.validate()?;
        Ok(f)
    }

    pub fn validate(&self) -> Result<(), FilterError> {
        for (field, text) in [("search", self.search.as_deref())]
            .into_iter()
            .chain(
                self.categories
                    .iter()
                    .map(|c| ("category", Some(c.as_str()))),
            )
            .chain(self.vendors.iter().map(|v| ("vendor", Some(v.as_str()))))
        {
            if text.is_some_and(|t| t.chars().count() > MAX_TEXT) {
                return Err(FilterError::TooLong { field });
            }
        }
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
    // A bound typed near the top of what a decimal holds (`--min 79228162514264337593543950335`)
    // overflows when scaled; it is beyond every amount either way, so it saturates.
    let saturated = if bound.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    };
    let Some(scaled) = bound.checked_mul(Decimal::from(10i64.pow(exponent))) else {
        return saturated;
    };
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
        // The largest decimal a filter accepts does not overflow when scaled to øre.
        assert_eq!(bound_minor(Decimal::MAX, 2, true), i64::MAX);
        assert_eq!(bound_minor(Decimal::MAX, 4, false), i64::MAX);
    }

    #[test]
    fn parsing_names_the_field_not_a_flag() {
        let err = Filter::from_pairs([("min", "12,50")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "'12,50' is not an amount for min; use digits with an optional '.' decimal point, \
             e.g. 99.50"
        );
        let err = Filter::from_pairs([("from", "2026-05-01"), ("to", "2026-04-01")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "the date range is empty: from 2026-05-01 is after to 2026-04-01"
        );
        assert!(!err.contains("--"));
        let f = Filter::from_pairs([
            ("account", "3"),
            ("account", "4"),
            ("direction", "debit"),
            ("min", "99.5"),
        ])
        .unwrap();
        assert_eq!(f.accounts, vec![3, 4]);
        assert_eq!(f.min, Some(Decimal::new(995, 1)));
        assert!(matches!(
            Filter::from_pairs([("colour", "red")]),
            Err(FilterError::UnknownField(_))
        ));
        let long = "x".repeat(MAX_TEXT + 1);
        assert!(matches!(
            Filter::from_pairs([("search", long.as_str())]),
            Err(FilterError::TooLong { field: "search" })
        ));
    }
}
