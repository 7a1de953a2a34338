//! Exact money: integer minor units tagged with an ISO 4217 currency.
//!
//! Every amount that enters Coffer (provider JSON, CLI arguments, CSV) is parsed from its decimal
//! text straight into minor units. Nothing passes through binary floating point, so sums over a
//! million rows come out to the last øre.

use std::fmt;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("'{0}' is not an ISO 4217 currency code (three letters A–Z)")]
    BadCurrency(String),
    #[error("'{text}' is not an amount: {why}")]
    BadAmount { text: String, why: &'static str },
    #[error("'{text}' has more decimals than {currency} allows ({exponent})")]
    TooPrecise {
        text: String,
        currency: Currency,
        exponent: u32,
    },
    #[error("amount '{0}' is too large")]
    Overflow(String),
    #[error("cannot combine {0} and {1}: different currencies")]
    CurrencyMismatch(Currency, Currency),
}

/// An ISO 4217 alphabetic code, e.g. `NOK`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const NOK: Currency = Currency(*b"NOK");
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn as_str(&self) -> &str {
        // Construction guarantees three ASCII capitals, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of decimal digits in the minor unit (ISO 4217 "E" column).
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG"
            | b"RWF" | b"UGX" | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(|x| x.is_ascii_alphabetic()) => Ok(Currency([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(MoneyError::BadCurrency(s.to_string())),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(D::Error::custom)
    }
}

/// An exact amount: integer minor units of one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    /// Parses decimal text (`"-61299.00"`, `"4.27"`, `"291087"`, `"1 234,50"` is refused) exactly.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        parse_minor(text, currency.exponent())
            .map_err(|e| e.with_currency(currency))
            .map(|minor| Money { minor, currency })
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money {
                minor,
                currency: self.currency,
            })
            .ok_or_else(|| MoneyError::Overflow(format!("{self} + {other}")))
    }

    /// Plain decimal text with a `.` point and no grouping: `-1234.50`.
    pub fn amount_text(&self) -> String {
        format_minor(self.minor, self.currency.exponent())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency)
    }
}

/// Formats minor units as plain decimal text.
pub fn format_minor(minor: i64, exponent: u32) -> String {
    format_total(i128::from(minor), exponent)
}

/// Like [`format_minor`] for a total, which is summed in `i128` so that no number of rows can
/// wrap it.
pub fn format_total(minor: i128, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u128.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

impl MoneyError {
    fn with_currency(self, currency: Currency) -> Self {
        match self {
            MoneyError::TooPrecise { text, exponent, .. } => MoneyError::TooPrecise {
                text,
                currency,
                exponent,
            },
            other => other,
        }
    }
}

/// Parses decimal text into minor units with `exponent` decimals. Extra decimals are accepted
/// only when they are zeros; anything else would silently round.
pub fn parse_minor(text: &str, exponent: u32) -> Result<i64, MoneyError> {
    let bad = |why| MoneyError::BadAmount {
        text: text.to_string(),
        why,
    };
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        Some(_) => (false, t),
        None => return Err(bad("it is empty")),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad("it has no digits"));
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad("only digits, one '.' and a leading sign are allowed"));
    }
    let exp = exponent as usize;
    let (kept, dropped) = if frac_part.len() > exp {
        frac_part.split_at(exp)
    } else {
        (frac_part, "")
    };
    if dropped.bytes().any(|b| b != b'0') {
        return Err(MoneyError::TooPrecise {
            text: text.to_string(),
            currency: Currency(*b"XXX"),
            exponent,
        });
    }
    let overflow = || MoneyError::Overflow(text.to_string());
    let mut value: i64 = 0;
    for b in int_part.bytes().chain(kept.bytes()) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    for _ in kept.len()..exp {
        value = value.checked_mul(10).ok_or_else(overflow)?;
    }
    Ok(if negative { -value } else { value })
}

/// Parses a JSON number or string amount from its raw text, so a JSON float such as `-123.45`
/// never becomes an `f64` on its way in.
pub fn parse_json_minor(
    raw: &serde_json::value::RawValue,
    exponent: u32,
) -> Result<i64, MoneyError> {
    let text = raw.get().trim();
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return parse_minor(inner, exponent);
    }
    // JSON allows exponents (`1e3`); banks do not send them, and accepting them would invite
    // rounding surprises, so they are refused by `parse_minor`'s digit check.
    parse_minor(text, exponent)
}

/// A provider amount as it arrived on the wire: a JSON number or a decimal string, kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireAmount(pub String);

impl WireAmount {
    pub fn to_money(&self, currency: Currency) -> Result<Money, MoneyError> {
        Money::parse(&self.0, currency)
    }
}

impl<'de> Deserialize<'de> for WireAmount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        let text = raw.get().trim();
        let inner = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        Ok(WireAmount(inner.to_string()))
    }
}

impl Serialize for WireAmount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn parses_the_spec_examples_exactly() {
        assert_eq!(parse_minor("-61299.00", 2), Ok(-6_129_900));
        assert_eq!(parse_minor("291087", 2), Ok(29_108_700));
        assert_eq!(parse_minor("4.27", 2), Ok(427));
        assert_eq!(parse_minor("+0.5", 2), Ok(50));
        assert_eq!(parse_minor(".5", 2), Ok(50));
        assert_eq!(
            parse_minor("12.300", 2),
            Ok(1230),
            "trailing zeros are not precision"
        );
        assert_eq!(parse_minor("1500", 0), Ok(1500));
        assert_eq!(parse_minor("1.234", 3), Ok(1234));
    }

    #[test]
    fn json_numbers_land_on_exact_minor_units() {
        #[derive(Deserialize)]
        struct Row {
            amount: WireAmount,
        }
        for (json, want) in [
            (r#"{"amount": -123.45}"#, -12_345),
            (r#"{"amount": 291087}"#, 29_108_700),
            (r#"{"amount": "4.27"}"#, 427),
            (r#"{"amount": "-61299.00"}"#, -6_129_900),
            // 0.1 + 0.2 style values that a float would mangle on the way through.
            (r#"{"amount": 0.30}"#, 30),
            (r#"{"amount": 90071992547409.93}"#, 9_007_199_254_740_993),
        ] {
            let row: Row = serde_json::from_str(json).unwrap();
            let money = row.amount.to_money(Currency::NOK).unwrap();
            assert_eq!(money.minor, want, "{json} must parse exactly");
        }
        let raw = serde_json::value::RawValue::from_string("-123.45".into()).unwrap();
        assert_eq!(parse_json_minor(&raw, 2), Ok(-12_345));
    }

    #[test]
    fn refuses_what_would_round_or_is_not_a_number() {
        assert!(matches!(
            parse_minor("4.271", 2),
            Err(MoneyError::TooPrecise { .. })
        ));
        for bad in [
            "", "-", "12,50", "1 000", "1e3", "abc", "1.2.3", "NaN", "--5",
        ] {
            assert!(parse_minor(bad, 2).is_err(), "{bad:?} must be refused");
        }
        assert!(matches!(
            parse_minor("99999999999999999999", 2),
            Err(MoneyError::Overflow(_))
        ));
        let err = Money::parse("1.234", Currency::NOK).unwrap_err();
        assert_eq!(
            err.to_string(),
            "'1.234' has more decimals than NOK allows (2)"
        );
    }

    #[test]
    fn formats_and_round_trips() {
        for minor in [0, 5, -5, 100, -100, 123_456_789, -1, i64::MIN + 1, i64::MAX] {
            let text = format_minor(minor, 2);
            assert_eq!(parse_minor(&text, 2), Ok(minor), "{text} must round trip");
        }
        assert_eq!(format_minor(-6_129_900, 2), "-61299.00");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(1234, 3), "1.234");
        assert_eq!(format_minor(1500, 0), "1500");
    }

    #[test]
    fn summing_a_million_random_amounts_is_exact() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0xC0FFEE);
        let mut total = Money::zero(Currency::NOK);
        let mut reference: i128 = 0;
        let mut text_total: i128 = 0;
        for _ in 0..1_000_000 {
            let minor: i64 = rng.random_range(-10_000_000..10_000_000);
            // Go through text too, as every provider amount does.
            let parsed = Money::parse(&format_minor(minor, 2), Currency::NOK).unwrap();
            total = total.checked_add(parsed).unwrap();
            reference += i128::from(minor);
            text_total += i128::from(parsed.minor);
        }
        assert_eq!(
            i128::from(total.minor),
            reference,
            "integer sum drifts from the reference"
        );
        assert_eq!(text_total, reference, "text round trip changed some amount");
    }

    #[test]
    fn refuses_to_add_different_currencies() {
        let a = Money::new(100, Currency::NOK);
        let b = Money::new(100, Currency::EUR);
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(_, _))
        ));
    }

    #[test]
    fn currency_codes() {
        assert_eq!("nok".parse::<Currency>().unwrap(), Currency::NOK);
        assert_eq!("JPY".parse::<Currency>().unwrap().exponent(), 0);
        assert!("NO".parse::<Currency>().is_err());
        assert!("N0K".parse::<Currency>().is_err());
    }
}
