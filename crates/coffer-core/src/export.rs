//! CSV export: the column contract (design.md §6) and formula neutralising. The rows come from
//! `Snapshot::write_csv`, the same selection the table shows.

pub const CSV_COLUMNS: [&str; 11] = [
    "date",
    "account",
    "description",
    "vendor",
    "category",
    "amount",
    "currency",
    "direction",
    "status",
    "provider",
    "transaction_id",
];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the CSV failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Bank text is untrusted: a cell that a spreadsheet would read as a formula gets a leading `'`
/// (OWASP "CSV injection"). Amounts are written separately and keep their minus sign.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    // Spreadsheets skip leading NULs (and other control characters) before deciding whether
    // a cell is a formula, so they are looked through too.
    let first = text
        .chars()
        .find(|c| !matches!(c, '\0' | '\u{1}'..='\u{8}'));
    match first {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starters_are_neutralised_and_nothing_else() {
        for risky in [
            "=SUM(A1)",
            "+47 123",
            "-1+1",
            "@cmd",
            "\tx",
            "\rx",
            "\0=HYPERLINK(\"x\")",
            "\0\0+1",
        ] {
            assert!(
                neutralise(risky).starts_with('\''),
                "{risky:?} must be neutralised"
            );
        }
        for plain in ["REMA 1000", "Grünerløkka", "", "'quoted", "1-2"] {
            assert_eq!(neutralise(plain), plain);
        }
    }
}
