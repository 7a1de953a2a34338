//! Hand-built JSON text and exact money formatting.
//!
//! The bank sends amounts as JSON *numbers*. The sandbox never holds an `f64`: amounts live in
//! integer øre and are written straight into the JSON text, so the emitted digits are exactly
//! the ones chosen (and a fault can emit a binary-float tail on purpose).

/// A JSON object kept as ordered `(key, raw JSON text)` pairs, so that a field can be dropped or
/// its raw text replaced before the object is written out.
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

    pub(crate) fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    pub(crate) fn int(self, key: &str, value: i64) -> Self {
        self.raw(key, value.to_string())
    }

    pub(crate) fn bool(self, key: &str, value: bool) -> Self {
        self.raw(key, value.to_string())
    }

    pub(crate) fn null(self, key: &str) -> Self {
        self.raw(key, "null".to_owned())
    }

    pub(crate) fn obj(self, key: &str, value: Obj) -> Self {
        self.raw(key, value.to_json())
    }

    /// Removes `key`; returns whether it was present.
    pub(crate) fn remove(&mut self, key: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|(k, _)| k != key);
        self.0.len() != before
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

/// A JSON string literal.
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

/// Øre → exact decimal text with two decimals: `-5990` → `"-59.90"`.
pub(crate) fn ore_text(ore: i64) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Øre → the JSON number text a Java `double` serialiser produces for that value (at least one
/// decimal digit, no trailing zeros beyond it): `-5990` → `-59.9`, `-15000` → `-150.0`.
pub(crate) fn wire_number(ore: i64) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    let kroner = abs / 100;
    let cents = abs % 100;
    if cents.is_multiple_of(10) {
        format!("{sign}{kroner}.{}", cents / 10)
    } else {
        format!("{sign}{kroner}.{cents:02}")
    }
}

/// The same amount with a binary-float tail, as a careless double formatter would print it:
/// `-5990` → `-59.900000000000006`.
pub(crate) fn float_tail_number(ore: i64) -> String {
    format!("{}0000000000006", ore_text(ore))
}

/// Parses exact decimal text (`"-59.90"`, `"12"`, `"+3.5"`) into øre. At most two decimals.
pub(crate) fn parse_ore(text: &str) -> Option<i64> {
    let t = text.trim();
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac_part.len() > 2 || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if body.contains('.') && frac_part.is_empty() {
        return None;
    }
    let kroner: i64 = int_part.parse().ok()?;
    let mut cents: i64 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().ok()?
    };
    if frac_part.len() == 1 {
        cents *= 10;
    }
    let abs = kroner.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -abs } else { abs })
}

/// Minimal HTML escaping for text and attribute values.
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
    fn money_text_round_trips() {
        assert_eq!(ore_text(-5990), "-59.90");
        assert_eq!(ore_text(-5), "-0.05");
        assert_eq!(ore_text(0), "0.00");
        assert_eq!(ore_text(123_450), "1234.50");
        assert_eq!(parse_ore("-59.90"), Some(-5990));
        assert_eq!(parse_ore("-59.9"), Some(-5990));
        assert_eq!(parse_ore("12"), Some(1200));
        assert_eq!(parse_ore("+0.05"), Some(5));
        assert_eq!(parse_ore("1.234"), None);
        assert_eq!(parse_ore("abc"), None);
        assert_eq!(parse_ore("1."), None);
        assert_eq!(parse_ore(""), None);
    }

    #[test]
    fn wire_numbers_look_like_java_doubles() {
        assert_eq!(wire_number(-5990), "-59.9");
        assert_eq!(wire_number(-15000), "-150.0");
        assert_eq!(wire_number(-123_450), "-1234.5");
        assert_eq!(wire_number(1), "0.01");
        assert_eq!(wire_number(0), "0.0");
        assert_eq!(float_tail_number(-5990), "-59.900000000000006");
    }

    #[test]
    fn objects_serialise_in_order_and_escape() {
        let mut o = Obj::new().str("a", "x\"y\u{1}").int("b", -1).null("c");
        assert_eq!(o.to_json(), r#"{"a":"x\"y\u0001","b":-1,"c":null}"#);
        assert!(o.remove("b"));
        assert!(!o.remove("b"));
        assert_eq!(o.to_json(), r#"{"a":"x\"y\u0001","c":null}"#);
    }
}
