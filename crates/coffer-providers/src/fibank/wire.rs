//! Fibank's JSON as it arrives (providers.md §D): the customer, the account list, statements.
//!
//! Money fields are JSON floats printed like Java's `Double.toString` (`12.3`, `0.0`,
//! `1.23456789E7`); each is kept as its raw text and turned into minor units by moving the
//! decimal point in the text, so no amount ever passes through an `f64`.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, NaiveDate};
use coffer_core::model::{ProviderTransaction, TransactionStatus};
use coffer_core::money::{parse_minor, Currency, Money};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Summary rows of a statement (opening, closing, debit and credit turnover), not entries.
const SUMMARY_TYPES: [&str; 4] = ["OP", "CL", "DT", "CT"];

/// A JSON value kept as its text (numbers exactly as sent; strings without their quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Raw(pub(super) String);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let text = raw.get().trim();
        if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            return Ok(Raw(inner.to_string()));
        }
        Ok(Raw(text.to_string()))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CustQuery {
    #[serde(default)]
    pub(super) customer: Vec<Customer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Customer {
    pub(super) ib_customer_id: Option<Raw>,
}

/// An item of `getFilteredAccounts` (a top-level array) or of `GetCustBal`'s `acc`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccountItem {
    /// `getFilteredAccounts` names the IBAN `ibanAcNo`, `GetCustBal` names it `iban`.
    pub(super) iban_ac_no: Option<String>,
    pub(super) iban: Option<String>,
    pub(super) ccy: Option<String>,
    pub(super) ac_desc: Option<String>,
    pub(super) description: Option<String>,
    pub(super) category: Option<String>,
    pub(super) acy_curr_balance: Option<Raw>,
    pub(super) acy_avl_bal: Option<Raw>,
    pub(super) stmt: Option<Vec<StatementRow>>,
}

impl AccountItem {
    pub(super) fn iban(&self) -> Option<String> {
        self.iban_ac_no
            .as_deref()
            .or(self.iban.as_deref())
            .map(|i| i.split_whitespace().collect::<String>())
            .filter(|i| !i.is_empty())
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CustBal {
    #[serde(default)]
    pub(super) acc: Option<Vec<AccountItem>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StatementRow {
    pub(super) ac_entry_sr_no: Option<Raw>,
    pub(super) trn_type: Option<String>,
    pub(super) trname: Option<String>,
    pub(super) dtkt: Option<String>,
    pub(super) amount: Option<Raw>,
    pub(super) dr_amount: Option<Raw>,
    pub(super) cr_amount: Option<Raw>,
    pub(super) ac_bal: Option<Raw>,
    pub(super) date_time: Option<String>,
    pub(super) value_dt: Option<String>,
    pub(super) contragent: Option<String>,
    pub(super) ben_order_party: Option<String>,
    pub(super) trn_account: Option<String>,
    pub(super) rem_i: Option<String>,
}

impl StatementRow {
    /// A move between the customer's own accounts, which Fibank tells only in `trname`
    /// ("Превод между собствени сметки", "… към собствена сметка").
    pub(super) fn is_own_transfer(&self) -> bool {
        self.trname
            .as_deref()
            .is_some_and(|t| t.to_uppercase().contains("СОБСТВЕН"))
    }

    pub(super) fn is_summary(&self) -> bool {
        self.trn_type
            .as_deref()
            .is_some_and(|t| SUMMARY_TYPES.contains(&t.trim().to_ascii_uppercase().as_str()))
    }
}

/// A JSON number's text as plain decimal text: `1.23456789E7` → `12345678.9`. `None` for
/// anything that is not a number, or an exponent too large to be money.
pub(super) fn plain_decimal(text: &str) -> Option<String> {
    let text = text.trim();
    let Some(at) = text.find(['e', 'E']) else {
        return Some(text.to_string());
    };
    let (mantissa, exponent) = (&text[..at], &text[at + 1..]);
    let exponent: i32 = exponent.parse().ok()?;
    if !(-30..=30).contains(&exponent) {
        return None;
    }
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{int}{frac}");
    // Where the point goes, counted from the left of `digits`.
    let point = i32::try_from(int.len()).ok()? + exponent;
    let out = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(usize::try_from(-point).ok()?))
    } else {
        let point = usize::try_from(point).ok()?;
        if point >= digits.len() {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    Some(format!("{sign}{out}"))
}

/// A money field in minor units of `currency`.
pub(super) fn minor(raw: &Raw, currency: Currency) -> Result<i64, String> {
    let text = plain_decimal(&raw.0).ok_or_else(|| "an amount is not a number".to_string())?;
    parse_minor(&text, currency.exponent()).map_err(|_| "an amount is not exact money".to_string())
}

/// `2022-02-19T14:03:11+0200` (or with a colon offset, or RFC 3339).
pub(super) fn instant(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
}

/// The Sofia calendar day of a wire instant.
pub(super) fn sofia_day(text: &str) -> Option<NaiveDate> {
    instant(text).map(|t| t.with_timezone(&chrono_tz::Europe::Sofia).date_naive())
}

/// Direction of an entry by `dtkt` (Bulgarian Дт/Кт, or Latin letters).
fn debit_by_dtkt(dtkt: &str) -> Option<bool> {
    match dtkt.trim().to_uppercase().as_str() {
        "DT" | "D" | "DR" | "ДТ" | "Д" => Some(true),
        "KT" | "CT" | "C" | "K" | "CR" | "КТ" | "К" => Some(false),
        _ => None,
    }
}

fn text(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// What one statement held: its entries as Coffer rows, and whether its running balance adds
/// up.
#[derive(Debug, Default)]
pub(super) struct Statement {
    pub(super) rows: Vec<ProviderTransaction>,
    /// The first entry whose `acBal` does not follow from the one before, in words.
    pub(super) balance_gap: Option<String>,
}

/// The entries of one statement, summary rows dropped. A row Coffer cannot read exactly, or
/// whose `dtkt`, `amount` and `drAmount`/`crAmount` disagree, fails the whole statement: its
/// rows must not be stored half right.
pub(super) fn statement(rows: &[StatementRow], currency: Currency) -> Result<Statement, String> {
    let mut out = Statement::default();
    let mut running: Option<i64> = None;
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        let bad = |why: &str| format!("statement row {n}: {why}");
        let balance = row
            .ac_bal
            .as_ref()
            .map(|b| minor(b, currency))
            .transpose()
            .map_err(|e| bad(&e))?;
        if row.is_summary() {
            if row.trn_type.as_deref().map(str::trim) == Some("OP") {
                running = balance;
            }
            continue;
        }
        let id = row
            .ac_entry_sr_no
            .as_ref()
            .map(|r| r.0.trim().to_string())
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| bad("it has no entry number (acEntrySrNo)"))?;
        let amount = row
            .amount
            .as_ref()
            .ok_or_else(|| bad("it has no amount"))
            .and_then(|a| minor(a, currency).map_err(|e| bad(&e)))?;
        let dr = row
            .dr_amount
            .as_ref()
            .map(|a| minor(a, currency))
            .transpose()
            .map_err(|e| bad(&e))?;
        let cr = row
            .cr_amount
            .as_ref()
            .map(|a| minor(a, currency))
            .transpose()
            .map_err(|e| bad(&e))?;
        if amount < 0 {
            return Err(bad(
                "its amount is negative, but Fibank sends the direction in dtkt",
            ));
        }
        let by_columns = match (dr.unwrap_or(0), cr.unwrap_or(0)) {
            (0, 0) => None,
            (d, 0) => Some((true, d)),
            (0, c) => Some((false, c)),
            _ => return Err(bad("both drAmount and crAmount are set")),
        };
        let debit = match (row.dtkt.as_deref().and_then(debit_by_dtkt), by_columns) {
            (Some(debit), Some((col_debit, col_amount))) => {
                if debit != col_debit || col_amount != amount {
                    return Err(bad(
                        "dtkt, amount and drAmount/crAmount disagree about the entry",
                    ));
                }
                debit
            }
            (Some(debit), None) => debit,
            (None, Some((col_debit, col_amount))) if col_amount == amount => col_debit,
            _ => return Err(bad("its direction (dtkt) cannot be read")),
        };
        let signed = if debit { -amount } else { amount };
        let date = row
            .date_time
            .as_deref()
            .and_then(sofia_day)
            .ok_or_else(|| bad("its dateTime cannot be read"))?;
        let value_date = row.value_dt.as_deref().and_then(sofia_day);
        if let (Some(before), Some(after)) = (running, balance) {
            if out.balance_gap.is_none() && before.checked_add(signed) != Some(after) {
                out.balance_gap = Some(format!(
                    "entry {id} on {date}: the running balance (acBal) is {} where the entries \
                     add up to {}",
                    Money::new(after, currency).amount_text(),
                    Money::new(before.saturating_add(signed), currency).amount_text(),
                ));
            }
        }
        // Carry on from what the bank says, so one gap is reported once.
        running = balance.or_else(|| running.map(|r| r.saturating_add(signed)));
        if !seen.insert(id.clone()) {
            continue;
        }
        let description = text(row.rem_i.as_ref())
            .map(|_| row.rem_i.clone().unwrap_or_default())
            .or_else(|| row.trname.clone())
            .unwrap_or_default();
        out.rows.push(ProviderTransaction {
            dedup_key: id.clone(),
            provider_id: Some(id),
            booking_date: date,
            value_date,
            amount: Money::new(signed, currency),
            status: TransactionStatus::Booked,
            description,
            counterparty: counterparty(row),
            provider_category: text(row.trn_type.as_ref()),
        });
    }
    Ok(out)
}

/// Who is on the other side. For a move between the customer's own accounts the bank's
/// `contragent` is the customer, which tells nothing, and `remI` is their own memo (kept as the
/// description, as the e-bank shows it); what says "own accounts" and which one is only in
/// `trname` and `trnAccount`, so those are the counterparty: "Превод между собствени сметки
/// BG…". That is also the text Coffer's transfer detection reads to pair the two halves.
fn counterparty(row: &StatementRow) -> Option<String> {
    if row.is_own_transfer() {
        let parts: Vec<String> = [row.trname.as_ref(), row.trn_account.as_ref()]
            .into_iter()
            .filter_map(text)
            .collect();
        return Some(parts.join(" "));
    }
    text(row.contragent.as_ref()).or_else(|| text(row.ben_order_party.as_ref()))
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn bgn() -> Currency {
        "BGN".parse().unwrap()
    }

    #[test]
    fn java_doubles_become_exact_minor_units() {
        for (text, want) in [
            ("12.3", 1230),
            ("1050.05", 105_005),
            ("0.0", 0),
            ("-7.5", -750),
            ("1.23456789E7", 1_234_567_890),
            ("1.0E7", 1_000_000_000),
            ("1.2345678912E9", 123_456_789_120),
            ("5.0E-2", 5),
            ("\"12.30\"", 1230),
        ] {
            let raw: Raw = serde_json::from_str(text).unwrap();
            assert_eq!(minor(&raw, bgn()), Ok(want), "{text}");
        }
        assert!(minor(&Raw("1.234".into()), bgn()).is_err());
        assert!(minor(&Raw("1E400".into()), bgn()).is_err());
        assert!(minor(&Raw("abc".into()), bgn()).is_err());
    }

    #[test]
    fn the_day_is_sofias() {
        assert_eq!(
            sofia_day("2024-03-31T00:30:00+0200"),
            NaiveDate::from_ymd_opt(2024, 3, 31)
        );
        // Just after midnight in Sofia is the previous day in UTC: Sofia's day counts.
        assert_eq!(
            sofia_day("2024-07-01T00:10:00+0300"),
            NaiveDate::from_ymd_opt(2024, 7, 1)
        );
        assert_eq!(
            sofia_day("2024-07-01T00:10:00+03:00"),
            NaiveDate::from_ymd_opt(2024, 7, 1)
        );
    }

    fn rows(json: &str) -> Vec<StatementRow> {
        serde_json::from_str(json).unwrap()
    }

    const OK: &str = r#"[
      {"acEntrySrNo":null,"trnType":"OP","dtkt":"KT","amount":100.0,"drAmount":0.0,"crAmount":0.0,"acBal":100.0,"dateTime":"2024-01-01T00:00:00+0200"},
      {"acEntrySrNo":3100000001,"trnType":"POS","trname":"Плащане","dtkt":"DT","amount":12.3,"drAmount":12.3,"crAmount":0.0,"acBal":87.7,"dateTime":"2024-01-02T10:00:00+0200","valueDt":"2024-01-02T00:00:00+0200","contragent":null,"benOrderParty":null,"remI":""},
      {"acEntrySrNo":"4294967297","trnType":"TRI","trname":"Превод","dtkt":"KT","amount":1.0E7,"drAmount":0.0,"crAmount":1.0E7,"acBal":1.00000877E7,"dateTime":"2024-01-03T10:00:00+0200","contragent":"ИВАН","remI":"Заплата"},
      {"acEntrySrNo":null,"trnType":"CL","dtkt":"KT","amount":1.00000877E7,"drAmount":0.0,"crAmount":0.0,"acBal":1.00000877E7,"dateTime":"2024-01-31T23:59:59+0200"}
    ]"#;

    #[test]
    fn entries_are_signed_dated_and_described_and_summaries_dropped() {
        let s = statement(&rows(OK), bgn()).unwrap();
        assert_eq!(s.balance_gap, None);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].amount.minor, -1230);
        assert_eq!(s.rows[0].description, "Плащане");
        assert_eq!(s.rows[1].dedup_key, "4294967297");
        assert_eq!(s.rows[1].amount.minor, 1_000_000_000);
        assert_eq!(s.rows[1].description, "Заплата");
        assert_eq!(s.rows[1].counterparty.as_deref(), Some("ИВАН"));
    }

    #[test]
    fn a_disagreeing_row_fails_the_statement_and_a_balance_gap_is_reported() {
        let mismatch = OK.replace("\"amount\":12.3", "\"amount\":13.3");
        let e = statement(&rows(&mismatch), bgn()).unwrap_err();
        assert!(e.contains("disagree"), "{e}");
        let gap = OK.replace("\"acBal\":87.7", "\"acBal\":97.7");
        let s = statement(&rows(&gap), bgn()).unwrap();
        assert!(s.balance_gap.unwrap().contains("3100000001"));
    }
}
