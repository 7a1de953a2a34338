//! Money as integer minor units (hundredths) inside, decimal text on the wire. Integer
//! arithmetic only.

use std::cmp::Ordering;

/// `-427` → `"4.27"`: Finqware sends magnitudes; the sign travels in `credit_debit_indicator`.
pub(crate) fn magnitude(minor: i64, trim_zeros: bool) -> String {
    let abs = minor.unsigned_abs();
    let text = format!("{}.{:02}", abs / 100, abs % 100);
    if trim_zeros {
        trim(&text)
    } else {
        text
    }
}

/// Signed text for running balances (`"-1234.56"`): the row has no indicator of its own for
/// the balance, so an overdrawn balance keeps its minus.
pub(crate) fn signed(minor: i64, trim_zeros: bool) -> String {
    let text = magnitude(minor, trim_zeros);
    if minor < 0 {
        format!("-{text}")
    } else {
        text
    }
}

/// `"45.00"` → `"45"`, `"4.50"` → `"4.5"`.
fn trim(text: &str) -> String {
    match text.split_once('.') {
        Some((whole, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                whole.to_owned()
            } else {
                format!("{whole}.{fraction}")
            }
        }
        None => text.to_owned(),
    }
}

/// `credit` for ≥ 0, `debit` for < 0.
pub(crate) fn indicator(minor: i64) -> &'static str {
    if minor < 0 {
        "debit"
    } else {
        "credit"
    }
}

/// The FloatAmount fault: the exact text with a binary-float tail, `"4.27"` →
/// `"4.2700000000000005"` (what a server printing an `f64` sends).
pub(crate) fn float_tail(exact: &str) -> String {
    let (whole, fraction) = exact.split_once('.').unwrap_or((exact, ""));
    format!("{whole}.{fraction:0<15}5")
}

/// An exact decimal from a filter: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// Parses `"4.27"`, `"-3"`, `"0.000001"`; no exponents, separators or empty parts.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (unsigned, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) {
            return None;
        }
        if unsigned.contains('.') && fraction.is_empty() {
            return None;
        }
        if whole.len() + fraction.len() > 30 {
            return None;
        }
        let mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
        let scale = u32::try_from(fraction.len()).ok()?;
        Some(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        })
    }

    /// Compares `minor / 100` with this decimal exactly.
    pub(crate) fn cmp_minor(self, minor: i64) -> Ordering {
        // minor/100 vs m/10^s  ⇔  minor·10^s vs m·100.
        let left = i128::from(minor).saturating_mul(10_i128.saturating_pow(self.scale));
        let right = self.mantissa.saturating_mul(100);
        left.cmp(&right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_texts() {
        assert_eq!(magnitude(-427, false), "4.27");
        assert_eq!(magnitude(943_452, false), "9434.52");
        assert_eq!(magnitude(5, false), "0.05");
        assert_eq!(magnitude(-4500, true), "45");
        assert_eq!(magnitude(450, true), "4.5");
        assert_eq!(magnitude(0, true), "0");
        assert_eq!(signed(-123_456, false), "-1234.56");
        assert_eq!(signed(10, false), "0.10");
        assert_eq!(indicator(0), "credit");
        assert_eq!(indicator(-1), "debit");
        assert_eq!(float_tail("4.27"), "4.2700000000000005");
        assert_eq!(float_tail("45"), "45.0000000000000005");
    }

    #[test]
    fn decimals_compare_exactly() {
        let d = Decimal::parse("4.27").unwrap();
        assert_eq!(d.cmp_minor(427), Ordering::Equal);
        assert_eq!(d.cmp_minor(426), Ordering::Less);
        assert_eq!(
            Decimal::parse("4.2700001").unwrap().cmp_minor(427),
            Ordering::Less
        );
        assert_eq!(Decimal::parse("4").unwrap().cmp_minor(400), Ordering::Equal);
        assert_eq!(
            Decimal::parse("-1").unwrap().cmp_minor(0),
            Ordering::Greater
        );
        for bad in ["", "-", "1.", ".5", "1e3", "1,5", "abc", "--1"] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
    }
}
