//! The oracle contract: every sandbox tells tests, in one shape, what the bank holds. End-to-end
//! tests compare what Coffer shows (its CSV export, the numbers in the window) with these rows
//! and balances, never with Coffer's own API.
//!
//! Each sandbox serves them at `GET /_sandbox/oracle/ledger` and `GET /_sandbox/oracle/accounts`
//! (and from Rust through its handle), as JSON arrays of [`OracleRow`] and [`OracleAccount`].

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One transaction as the bank holds it now, in the terms a faithful client shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleRow {
    /// The account, as the bank's own API identifies it (account key, id or IBAN).
    pub account: String,
    /// The account's display name as the bank's API names it.
    pub account_name: String,
    /// The bank's calendar day of the transaction (`YYYY-MM-DD`), in the bank's own time zone.
    pub date: chrono::NaiveDate,
    /// Signed exact decimal text, negative = money out, with the currency's decimals
    /// (`"-59.90"`, `"-61299.00"`).
    pub amount: String,
    pub currency: String,
    /// The text a faithful client shows as the description (each sandbox documents its rule).
    pub description: String,
    /// `booked` or `pending`.
    pub status: String,
    /// The bank's stable identity of the row where it has one (`utx_id`, `original_id`,
    /// `acEntrySrNo`), else `None`.
    pub stable_id: Option<String>,
    /// For one half of a move between two of the customer's own accounts: a key both halves
    /// share (the bank's reference), so a test can count the transfers a client must pair and
    /// check it paired the right rows. `None` for every other row, and in sandboxes whose
    /// ledgers do not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_transfer: Option<String>,
}

/// One account as the bank holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleAccount {
    pub account: String,
    pub name: String,
    pub currency: String,
    /// The booked balance, signed exact decimal text.
    pub balance: String,
    /// The available / expected balance where the bank reports one.
    pub available: Option<String>,
}

/// One request a sandbox received, for `GET /_sandbox/requests`. Secrets in headers and bodies
/// are kept as sent: the log is how tests prove where a token did (or did not) go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Position in the log, from 1.
    pub seq: u64,
    /// The sandbox clock when it arrived.
    pub at: chrono::DateTime<chrono::Utc>,
    pub method: String,
    /// Path and query exactly as received (still percent-encoded).
    pub target: String,
    /// Every header, lower-cased names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut at 64 KiB.
    pub body: String,
    pub status: u16,
}

/// One row as the user sees it: date, account, amount, currency, status and description.
type SeenRow = (String, String, Decimal, String, String, String);

/// `"-59.9"` and `"-59.90"` are the same money; text that is no amount compares as itself
/// (and so never equals a real one).
fn amount(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text.trim())
        .map(|d| d.normalize())
        .map_err(|_| format!("{text:?} is not an amount"))
}

/// How a CSV export (Coffer's column contract: `date`, `account`, `amount`, `currency`,
/// `status`, `description`) differs from the bank's ledger: `None` when every row is there
/// once, on the right day and account, with the right sign and amount; else what is wrong,
/// with the rows that differ.
pub fn export_differences(csv: &[u8], ledger: &[OracleRow]) -> Option<String> {
    let seen = match exported_rows(csv) {
        Ok(rows) => rows,
        Err(e) => return Some(format!("the export cannot be read: {e}")),
    };
    let held: Result<Vec<SeenRow>, String> = ledger
        .iter()
        .map(|r| {
            Ok((
                r.date.to_string(),
                r.account_name.clone(),
                amount(&r.amount)?,
                r.currency.clone(),
                r.status.clone(),
                r.description.clone(),
            ))
        })
        .collect();
    let held = match held {
        Ok(rows) => rows,
        Err(e) => return Some(format!("the oracle holds a bad row: {e}")),
    };
    if held.is_empty() {
        return Some("the bank holds no rows: nothing to compare".into());
    }
    let missing = multiset_minus(&held, &seen);
    let extra = multiset_minus(&seen, &held);
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    Some(format!(
        "{} rows exported, {} held by the bank; missing from the export ({}): {:?}; exported \
         but not held ({}): {:?}",
        seen.len(),
        held.len(),
        missing.len(),
        missing.iter().take(5).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(5).collect::<Vec<_>>(),
    ))
}

fn exported_rows(csv: &[u8]) -> Result<Vec<SeenRow>, String> {
    let mut reader = csv::Reader::from_reader(csv);
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no {name:?} column"))
    };
    let cols = [
        col("date")?,
        col("account")?,
        col("amount")?,
        col("currency")?,
        col("status")?,
        col("description")?,
    ];
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| e.to_string())?;
            let cell = |i: usize| record.get(cols[i]).unwrap_or_default().to_owned();
            Ok((
                cell(0),
                cell(1),
                amount(&cell(2))?,
                cell(3),
                cell(4),
                // A cell a spreadsheet would run gets a leading quote (CSV injection).
                cell(5).trim_start_matches('\'').to_owned(),
            ))
        })
        .collect()
}

/// The items of `a` not matched one for one in `b`.
fn multiset_minus<T: Ord + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut rest: Vec<T> = b.to_vec();
    rest.sort();
    let mut out = Vec::new();
    for item in a {
        match rest.binary_search(item) {
            Ok(i) => {
                rest.remove(i);
            }
            Err(_) => out.push(item.clone()),
        }
    }
    out
}

/// How the balances an app shows (`(account name, currency, balance text)`) differ from the
/// bank's: `None` when every account is there once with its exact booked balance.
pub fn balance_differences(
    shown: impl IntoIterator<Item = (String, String, String)>,
    accounts: &[OracleAccount],
) -> Option<String> {
    let normal = |(name, currency, balance): (String, String, String)| {
        amount(&balance).map(|b| (name, currency, b))
    };
    let shown: Result<Vec<_>, String> = shown.into_iter().map(normal).collect();
    let held: Result<Vec<_>, String> = accounts
        .iter()
        .map(|a| normal((a.name.clone(), a.currency.clone(), a.balance.clone())))
        .collect();
    match (shown, held) {
        (Ok(mut shown), Ok(mut held)) => {
            shown.sort();
            held.sort();
            (shown != held).then(|| format!("balances shown {shown:?}, held by the bank {held:?}"))
        }
        (Err(e), _) | (_, Err(e)) => Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(date: &str, amount: &str, description: &str) -> OracleRow {
        OracleRow {
            account: "1".into(),
            account_name: "Brukskonto".into(),
            date: date.parse().unwrap(),
            amount: amount.into(),
            currency: "NOK".into(),
            description: description.into(),
            status: "booked".into(),
            stable_id: None,
            own_transfer: None,
        }
    }

    const HEADER: &str = "date,account,description,vendor,category,amount,currency,direction,\
                          status,provider,transaction_id\n";

    #[test]
    fn an_export_equals_the_ledger_only_row_for_row() {
        let ledger = [
            row("2026-11-02", "-59.90", "KIWI"),
            row("2026-11-02", "-59.90", "KIWI"),
            row("2026-11-03", "1200.00", "=SUM(A1)"),
        ];
        let line = |date: &str, amount: &str, text: &str| {
            format!("{date},Brukskonto,{text},,,{amount},NOK,,booked,demo,1\n")
        };
        let good = format!(
            "{HEADER}{}{}{}",
            line("2026-11-02", "-59.9", "KIWI"),
            line("2026-11-03", "1200", "'=SUM(A1)"),
            line("2026-11-02", "-59.90", "KIWI"),
        );
        assert_eq!(export_differences(good.as_bytes(), &ledger), None);

        let lost = format!("{HEADER}{}", line("2026-11-03", "1200", "'=SUM(A1)"));
        let doubled = format!(
            "{HEADER}{}{}{}{}",
            line("2026-11-02", "-59.90", "KIWI"),
            line("2026-11-02", "-59.90", "KIWI"),
            line("2026-11-02", "-59.90", "KIWI"),
            line("2026-11-03", "1200", "'=SUM(A1)"),
        );
        let wrong_day = good.replace("2026-11-03", "2026-11-04");
        let wrong_sign = good.replace(",1200,", ",-1200,");
        for (what, csv) in [
            ("a lost row", lost),
            ("a doubled row", doubled),
            ("a row on the wrong day", wrong_day),
            ("a row with the wrong sign", wrong_sign),
        ] {
            assert!(
                export_differences(csv.as_bytes(), &ledger).is_some(),
                "{what} must differ"
            );
        }
        assert!(export_differences(HEADER.as_bytes(), &[]).is_some());
    }

    #[test]
    fn balances_equal_only_to_the_cent() {
        let held = [OracleAccount {
            account: "1".into(),
            name: "Brukskonto".into(),
            currency: "NOK".into(),
            balance: "-61299.00".into(),
            available: None,
        }];
        let shown = |b: &str| [("Brukskonto".into(), "NOK".into(), b.to_string())];
        assert_eq!(balance_differences(shown("-61299"), &held), None);
        assert!(balance_differences(shown("-61299.01"), &held).is_some());
        assert!(balance_differences([], &held).is_some());
    }
}
