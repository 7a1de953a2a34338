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

/// What a field is called where a person reads it: "Min amount", not `min` or `--min`.
pub fn field_label(field: &str) -> &str {
    match field {
        "from" => "From date",
        "to" => "To date",
        "min" => "Min amount",
        "max" => "Max amount",
        "account" => "Account",
        "direction" => "Direction",
        "category" => "Category",
        "vendor" => "Vendor",
        "search" => "Search",
        "transfers" => "Transfers",
        other => other,
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    #[error("the date range is empty: from {from} is after to {to}")]
    EmptyRange { from: NaiveDate, to: NaiveDate },
    #[error("the amount range is empty: the minimum {min} is above the maximum {max}")]
    EmptyAmountRange { min: Decimal, max: Decimal },
    #[error("amount bounds are sizes and cannot be negative: {0}")]
    NegativeBound(Decimal),
    #[error(
        "{}: '{text}' is not a date; use YYYY-MM-DD, e.g. 2026-03-27",
        field_label(field)
    )]
    BadDate { field: &'static str, text: String },
    #[error(
        "{}: '{text}' is not an amount; use digits with one '.' or ',' before the decimals, \
         e.g. 99.50 or 99,50",
        field_label(field)
    )]
    BadAmount { field: &'static str, text: String },
    #[error(
        "{}: '{text}' could mean a thousand or one; type it without the separator (1000) or \
         with decimals (1,000.00 or 1.000,00)",
        field_label(field)
    )]
    AmbiguousAmount { field: &'static str, text: String },
    #[error("{}: '{text}' is not valid; {expected}", field_label(field))]
    BadValue {
        field: &'static str,
        text: String,
        expected: &'static str,
    },
    #[error("{} is longer than {MAX_TEXT} characters", field_label(field))]
    TooLong { field: &'static str },
    #[error("unknown filter field '{0}'; the fields are from, to, account, direction, category, vendor, search, min, max, transfers")]
    UnknownField(String),
}

impl FilterError {
    /// The field the error is about, when it is about one (for a form to mark it).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            FilterError::BadDate { field, .. }
            | FilterError::BadAmount { field, .. }
            | FilterError::AmbiguousAmount { field, .. }
            | FilterError::BadValue { field, .. }
            | FilterError::TooLong { field } => Some(field),
            FilterError::EmptyRange { .. } => Some("from"),
            FilterError::EmptyAmountRange { .. } | FilterError::NegativeBound(_) => Some("min"),
            FilterError::UnknownField(_) => None,
        }
    }
}

/// Which mark separates the decimals in the writer's convention: `99.50` (en) or `99,50` (nb,
/// de, fr…). Only needed for the one shape that is ambiguous without it, `1,000`/`1.000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    /// The decimal mark of a BCP 47 locale by its language ("nb-NO" → comma, "en-GB" →
    /// point); `None` for a language not listed, which leaves `1,000` refused as ambiguous.
    pub fn of_locale(locale: &str) -> Option<DecimalMark> {
        let language = locale.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match language.as_str() {
            "en" | "ja" | "zh" | "ko" | "th" | "he" | "hi" | "ga" | "mt" => {
                Some(DecimalMark::Point)
            }
            "nb" | "nn" | "no" | "da" | "sv" | "fi" | "is" | "de" | "fr" | "es" | "it" | "pt"
            | "nl" | "bg" | "ro" | "vi" | "ru" | "uk" | "pl" | "cs" | "sk" | "sl" | "hr" | "hu"
            | "et" | "lv" | "lt" | "el" | "tr" => Some(DecimalMark::Comma),
            _ => None,
        }
    }

    fn char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }
}

/// Longest amount text taken, separators included; 28 digits is what a decimal holds.
const MAX_AMOUNT_TEXT: usize = 40;

/// Spaces a thousands separator may be typed or pasted as: space, no-break space (what
/// `Intl.NumberFormat` writes for nb-NO is U+00A0), narrow no-break space, and the Swiss `'`.
fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'')
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

    /// An amount bound as a person types it, in either convention, with no locale known:
    /// see [`Filter::parse_amount_in`]. The CLI and the server's query string call this.
    pub fn parse_amount(field: &'static str, text: &str) -> Result<Decimal, FilterError> {
        Filter::parse_amount_in(field, text, None)
    }

    /// An amount bound: the one parser every front end uses. Never a float. The rule:
    ///
    /// - digits, with `.` or `,` before the decimals: `99.50`, `99,50`, `.5`, `5.`;
    /// - thousands may be grouped in threes by a space (also no-break), `'`, or the mark that is
    ///   not the decimal one: `1 000,50`, `1,000.50`, `1.000.000`, `1'000`;
    /// - with both `.` and `,`, the last one is the decimal mark (`1.000,5` is 1000.5);
    /// - one mark that occurs twice or more groups thousands (`1,000,000`);
    /// - one mark once is the decimal mark, except when it could be a thousands separator too:
    ///   one to three digits (not starting with 0), the mark, exactly three digits (`1,000`,
    ///   `12.500`). That shape means a thousand in one convention and one in the other, so it
    ///   follows `mark` (the user's locale) when known and is refused as ambiguous when not.
    pub fn parse_amount_in(
        field: &'static str,
        text: &str,
        mark: Option<DecimalMark>,
    ) -> Result<Decimal, FilterError> {
        let bad = || FilterError::BadAmount {
            field,
            text: quoted(text),
        };
        let t = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{202f}');
        if t.is_empty()
            || t.chars().count() > MAX_AMOUNT_TEXT
            || !t
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || is_group_space(c))
        {
            return Err(bad());
        }
        let dots = t.matches('.').count();
        let commas = t.matches(',').count();
        let decimal: Option<char> = match (dots, commas) {
            (0, 0) => None,
            (n, 0) | (0, n) if n > 1 => None,
            (_, 0) | (0, _) => {
                let c = if dots > 0 { '.' } else { ',' };
                let (before, after) = t.split_once(c).ok_or_else(bad)?;
                let could_group = after.len() == 3
                    && after.bytes().all(|b| b.is_ascii_digit())
                    && (1..=3).contains(&before.len())
                    && before.bytes().all(|b| b.is_ascii_digit())
                    && !before.starts_with('0');
                match (could_group, mark) {
                    (false, _) => Some(c),
                    (true, Some(m)) => (m.char() == c).then_some(c),
                    (true, None) => {
                        return Err(FilterError::AmbiguousAmount {
                            field,
                            text: quoted(text),
                        })
                    }
                }
            }
            _ => t.chars().rev().find(|c| *c == '.' || *c == ','),
        };
        let (whole, fraction) = match decimal {
            Some(c) => t.rsplit_once(c).ok_or_else(bad)?,
            None => (t, ""),
        };
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // The whole part: plain digits, or groups of three after a first group of one to three.
        let groups: Vec<&str> = whole
            .split(|c: char| is_group_space(c) || ((c == '.' || c == ',') && Some(c) != decimal))
            .collect();
        let grouped = groups.len() > 1;
        let groups_ok = groups.iter().enumerate().all(|(i, g)| {
            g.bytes().all(|b| b.is_ascii_digit())
                && if !grouped {
                    true
                } else if i == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                }
        });
        let digits: String = groups.concat();
        if !groups_ok || (digits.is_empty() && fraction.is_empty()) {
            return Err(bad());
        }
        let whole = if digits.is_empty() { "0" } else { &digits };
        // Keeps the scale typed ("99.50" stays 99.50, "500" stays 500) for messages.
        let canonical = if fraction.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{fraction}")
        };
        canonical.parse::<Decimal>().map_err(|_| bad())
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
        let err = Filter::from_pairs([("min", "12,5,0")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Min amount: '12,5,0' is not an amount; use digits with one '.' or ',' before the \
             decimals, e.g. 99.50 or 99,50"
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

    fn amount(text: &str, mark: Option<DecimalMark>) -> Result<Decimal, FilterError> {
        Filter::parse_amount_in("min", text, mark)
    }

    #[test]
    fn amounts_take_either_decimal_mark() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (text, value) in [
            ("99.50", "99.50"),
            ("99,50", "99.50"),
            (" 250 ", "250"),
            (".5", "0.5"),
            (",5", "0.5"),
            ("5.", "5"),
            ("0,125", "0.125"),
            ("1 000,50", "1000.50"),
            ("1\u{a0}000,50", "1000.50"),
            ("1\u{202f}657\u{202f}398,13", "1657398.13"),
            ("1,000.50", "1000.50"),
            ("1.000,50", "1000.50"),
            ("1,000,000", "1000000"),
            ("1.000.000", "1000000"),
            ("1'000", "1000"),
            ("1000,500", "1000.500"),
            ("1 000", "1000"),
        ] {
            assert_eq!(amount(text, None), Ok(d(value)), "{text}");
        }
        for text in [
            "",
            ".",
            ",",
            "1,2,3",
            "1.000,5,5",
            "1  000",
            "12 34",
            "-5",
            "1e9",
            "½",
            "1,00,000",
        ] {
            assert!(
                matches!(amount(text, None), Err(FilterError::BadAmount { .. })),
                "{text}: {:?}",
                amount(text, None)
            );
        }
    }

    /// `1,000` is a thousand to an English reader and one to a Norwegian: without a locale
    /// it is refused, with one it follows the locale.
    #[test]
    fn the_ambiguous_shape_follows_the_locale_or_is_refused() {
        let err = amount("1,000", None).unwrap_err();
        assert!(matches!(err, FilterError::AmbiguousAmount { .. }));
        assert!(
            err.to_string()
                .starts_with("Min amount: '1,000' could mean"),
            "{err}"
        );
        assert!(matches!(
            amount("12.500", None),
            Err(FilterError::AmbiguousAmount { .. })
        ));
        let en = DecimalMark::of_locale("en-GB");
        let nb = DecimalMark::of_locale("nb-NO");
        assert_eq!(en, Some(DecimalMark::Point));
        assert_eq!(nb, Some(DecimalMark::Comma));
        assert_eq!(DecimalMark::of_locale("xx"), None);
        assert_eq!(amount("1,000", en), Ok(Decimal::new(1000, 0)));
        assert_eq!(amount("1,000", nb), Ok(Decimal::new(1000, 3)));
        assert_eq!(amount("1.000", en), Ok(Decimal::new(1000, 3)));
        assert_eq!(amount("1.000", nb), Ok(Decimal::new(1000, 0)));
        // Unambiguous shapes do not depend on the locale.
        assert_eq!(amount("99,50", en), Ok(Decimal::new(9950, 2)));
        assert_eq!(amount("99.50", nb), Ok(Decimal::new(9950, 2)));
    }
}
