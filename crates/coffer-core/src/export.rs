//! CSV export of exactly the filtered view (column contract in design.md §6).

use std::io::Write;

use crate::filter::Filter;
use crate::store::{Store, StoreError};
use crate::views::TransactionView;

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
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the CSV failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Bank text is untrusted: a cell that a spreadsheet would read as a formula gets a leading `'`
/// (OWASP "CSV injection"). Amounts are written separately and keep their minus sign.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Writes the header and every row of the filtered view; returns the row count.
pub fn write_csv<W: Write>(store: &Store, filter: &Filter, out: W) -> Result<u64, ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    let mut rows = 0u64;
    let mut failure: Option<csv::Error> = None;
    store
        .for_each_transaction(filter, |t| {
            if let Err(e) = write_row(&mut writer, &t) {
                failure = Some(e);
                // Stop the scan; the error is reported below.
                return Err(StoreError::BadRow("export interrupted".into()));
            }
            rows += 1;
            Ok(())
        })
        .map_err(|e| match failure.take() {
            Some(csv) => ExportError::Csv(csv),
            None => ExportError::Store(e),
        })?;
    writer.flush()?;
    Ok(rows)
}

fn write_row<W: Write>(writer: &mut csv::Writer<W>, t: &TransactionView) -> Result<(), csv::Error> {
    let id = t.id.to_string();
    writer.write_record([
        t.booking_date.as_str(),
        &neutralise(&t.account_name),
        &neutralise(&t.description),
        &neutralise(t.vendor.as_deref().unwrap_or("")),
        &neutralise(t.category.as_deref().unwrap_or("")),
        t.amount.as_str(),
        t.currency.as_str(),
        t.direction.as_str(),
        t.status.as_str(),
        &neutralise(&t.provider),
        id.as_str(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starters_are_neutralised_and_nothing_else() {
        for risky in ["=SUM(A1)", "+47 123", "-1+1", "@cmd", "\tx", "\rx"] {
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
