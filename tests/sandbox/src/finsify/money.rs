//! Decimal strings with two decimals ⇄ integer hundredths. Integer arithmetic only.

/// `-6129900` → `"-61299.00"`.
pub(crate) fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Parses `"-61299"`, `"-61299.5"`, `"+61299.00"`… into hundredths. More than two decimals,
/// exponents, separators or empty parts are refused.
pub(crate) fn parse_decimal(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return None,
        None => (unsigned, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 2 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()?.checked_mul(10)?,
        _ => fraction.parse().ok()?,
    };
    let value = whole.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -value } else { value })
}

/// The FloatAmount fault's rendering: the exact amount with seven more digits, the last a 1
/// (`"-61299.00"` → `-61299.000000001`), i.e. what a float-printing server would send.
pub(crate) fn float_noise(exact: &str) -> String {
    format!("{exact}0000001")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_exactly() {
        assert_eq!(format_minor(-6_129_900), "-61299.00");
        assert_eq!(format_minor(5), "0.05");
        assert_eq!(format_minor(-5), "-0.05");
        assert_eq!(format_minor(0), "0.00");
        assert_eq!(parse_decimal("-61299.00"), Some(-6_129_900));
        assert_eq!(parse_decimal("61299"), Some(6_129_900));
        assert_eq!(parse_decimal("+1.5"), Some(150));
        for bad in [
            "", "-", "1.", ".5", "1.234", "1e3", "1,000.00", "abc", "--1",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(float_noise("-61299.00"), "-61299.000000001");
    }
}
