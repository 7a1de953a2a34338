//! Hand-built JSON text and exact money formatting.
//!
//! The e-bank sends every amount and balance as a JSON *number* the way a Java `double` prints
//! (`12.3`, `1050.05`, `1200.0`, and `1.23456789E7` from ten million up). The sandbox never
//! holds a float: money lives in integer minor units (stotinki, euro cents) and the digits are
//! written straight into the JSON text.

/// A JSON object kept as ordered `(key, raw JSON text)` pairs, so that a fault can replace one
/// field's raw text before the object is written out.
#[derive(Debug, Clone, Default)]
pub(crate) struct Obj(Vec<(String, String)>);

impl Obj {
    pub(crate) fn new() -> Self {
        Self(Vec::new())
    }

    pub(crate) fn raw(mut self, key: &str, raw_json: String) -> Self {
        self.0.push((key.to_owned(), raw_json));
        self
    }

    pub(crate) fn str(self, key: &str, value: &str) -> Self {
        self.raw(key, quote(value))
    }

    /// `null` for `None`: the e-bank's Java side serialises absent strings as `null`.
    pub(crate) fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    pub(crate) fn int(self, key: &str, value: i64) -> Self {
        self.raw(key, value.to_string())
    }

    /// An amount in minor units, written as a Java `double` prints it.
    pub(crate) fn money(self, key: &str, minor: i64) -> Self {
        self.raw(key, java_double(minor))
    }

    pub(crate) fn null(self, key: &str) -> Self {
        self.raw(key, "null".to_owned())
    }

    /// Replaces the raw text of `key` if present.
    pub(crate) fn replace(&mut self, key: &str, raw_json: String) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key) {
            slot.1 = raw_json;
        }
    }

    pub(crate) fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&quote(k));
            out.push(':');
            out.push_str(v);
        }
        out.push('}');
        out
    }
}

/// A JSON array from already-serialised elements.
pub(crate) fn array<I: IntoIterator<Item = String>>(items: I) -> String {
    let mut out = String::from("[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
    out
}

/// A JSON string literal. Cyrillic stays as UTF-8 (Jackson does not escape it).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Minor units → exact decimal text with two decimals: `-1230` → `"-12.30"` (the oracle's form).
pub(crate) fn decimal_text(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Minor units → the text `Double.toString` gives for that value, which is what Jackson
/// writes: at least one decimal digit and no trailing zeros beyond it (`1230` → `12.3`,
/// `120000` → `1200.0`, `105005` → `1050.05`), and computerised scientific notation from
/// 10 000 000 up (`1234567890` → `1.23456789E7`).
pub(crate) fn java_double(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = abs / 100;
    let cents = abs % 100;
    if whole >= 10_000_000 {
        // d.ddddE<n>: every significant digit, trailing zeros trimmed but one kept.
        let digits = format!("{whole}{cents:02}");
        let exponent = whole.to_string().len() - 1;
        let (lead, rest) = digits.split_at(1);
        let mut rest = rest.trim_end_matches('0').to_owned();
        if rest.is_empty() {
            rest.push('0');
        }
        return format!("{sign}{lead}.{rest}E{exponent}");
    }
    let fraction = match cents {
        0 => "0".to_owned(),
        c if c % 10 == 0 => (c / 10).to_string(),
        c => format!("{c:02}"),
    };
    format!("{sign}{whole}.{fraction}")
}

/// Parses `"-12.30"`, `"12.3"`, `"+12"` into minor units. More than two decimals, exponents,
/// separators or empty parts are refused.
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

/// Minimal HTML escaping for text put into the sandbox's pages.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_like_java_doubles() {
        assert_eq!(java_double(1230), "12.3");
        assert_eq!(java_double(105_005), "1050.05");
        assert_eq!(java_double(120_000), "1200.0");
        assert_eq!(java_double(0), "0.0");
        assert_eq!(java_double(1), "0.01");
        assert_eq!(java_double(-5), "-0.05");
        assert_eq!(java_double(-123_456), "-1234.56");
        assert_eq!(java_double(999_999_999), "9999999.99");
        assert_eq!(java_double(1_000_000_000), "1.0E7");
        assert_eq!(java_double(1_234_567_890), "1.23456789E7");
        assert_eq!(java_double(-1_234_567_891), "-1.234567891E7");
        assert_eq!(java_double(120_000_000_000), "1.2E9");
    }

    #[test]
    fn decimals_round_trip() {
        assert_eq!(decimal_text(-1230), "-12.30");
        assert_eq!(decimal_text(5), "0.05");
        assert_eq!(parse_decimal("-12.30"), Some(-1230));
        assert_eq!(parse_decimal("12.3"), Some(1230));
        assert_eq!(parse_decimal("+12"), Some(1200));
        for bad in ["", "-", "1.", ".5", "1.234", "1e3", "1,000.00", "abc"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn objects_serialise_in_order() {
        let mut o = Obj::new()
            .str("remI", "Такса \"x\"")
            .money("amount", 1230)
            .opt_str("remIi", None);
        assert_eq!(
            o.to_json(),
            r#"{"remI":"Такса \"x\"","amount":12.3,"remIi":null}"#
        );
        o.replace("amount", "13.3".to_owned());
        assert!(o.to_json().contains(r#""amount":13.3"#));
    }
}
