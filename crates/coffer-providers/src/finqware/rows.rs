//! Finqware's arrays read into Coffer's types. Amounts and balances are positive decimal
//! strings (a JSON number is taken from its raw text, never through `f64`) whose sign is
//! `credit_debit_indicator`; instants are ISO 8601 UTC, sometimes without the `Z`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use coffer_core::model::{AccountKind, ProviderAccount, ProviderTransaction, TransactionStatus};
use coffer_core::money::{Currency, Money, MoneyError, WireAmount};
use serde::Deserialize;

use super::FinqwareError;
use crate::wire::tidy;

#[derive(Deserialize)]
pub struct AccountWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    data: Option<AccountData>,
}

#[derive(Deserialize)]
struct AccountData {
    #[serde(default)]
    account_schemes: Vec<Scheme>,
    #[serde(default)]
    account_sub_type: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nickname: Option<String>,
}

#[derive(Deserialize)]
struct Scheme {
    #[serde(default)]
    identification: Option<String>,
    #[serde(default)]
    scheme_name: Option<String>,
}

#[derive(Deserialize)]
pub struct BalanceWire {
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    data: Option<BalanceData>,
}

#[derive(Deserialize)]
struct BalanceData {
    #[serde(default)]
    amount: Option<WireAmount>,
    #[serde(default)]
    credit_debit_indicator: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
pub struct TransactionWire {
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    utx_id: Option<String>,
    #[serde(default)]
    data: Option<TransactionData>,
}

#[derive(Deserialize)]
struct TransactionData {
    #[serde(default)]
    amount: Option<WireAmount>,
    #[serde(default)]
    booking_date_time: Option<String>,
    #[serde(default)]
    credit_debit_indicator: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    info: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    details: Option<Details>,
}

#[derive(Deserialize)]
struct Details {
    #[serde(default)]
    merchant: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

fn malformed(detail: String) -> FinqwareError {
    FinqwareError::Malformed { detail }
}

fn non_empty(text: Option<&String>) -> Option<&str> {
    text.map(|t| t.trim()).filter(|t| !t.is_empty())
}

/// An ISO 8601 instant: with an offset, or without one (then UTC, as Finqware's balance
/// timestamps are written).
pub(crate) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn currency(code: Option<&str>, at: &str) -> Result<Currency, FinqwareError> {
    let Some(code) = code else {
        return Err(malformed(format!("{at} has no `currency`")));
    };
    code.parse().map_err(|_| {
        malformed(format!(
            "{at} has `currency` '{}', which is not an ISO 4217 code",
            tidy(code)
        ))
    })
}

/// A positive amount signed by its indicator (`debit` = money out).
fn signed(
    amount: Option<&WireAmount>,
    indicator: Option<&str>,
    currency: Currency,
    what: &str,
) -> Result<Money, FinqwareError> {
    let Some(amount) = amount else {
        return Err(malformed(format!("{what} has no `amount`")));
    };
    let text = amount.0.trim();
    if text.starts_with('-') || text.starts_with('+') {
        return Err(malformed(format!(
            "the `amount` of {what} is {}, but Finqware sends amounts without a sign",
            tidy(text)
        )));
    }
    let money = amount.to_money(currency).map_err(|e| match e {
        MoneyError::TooPrecise { exponent, .. } => malformed(format!(
            "the `amount` of {what} is {}, which has more decimals than {currency} allows \
             ({exponent})",
            tidy(text)
        )),
        MoneyError::Overflow(_) => malformed(format!("the `amount` of {what} is too large")),
        _ => malformed(format!("the `amount` of {what} is not a decimal number")),
    })?;
    match indicator.map(str::to_ascii_lowercase).as_deref() {
        Some("credit" | "crdt") => Ok(money),
        Some("debit" | "dbit") => Ok(Money::new(-money.minor, currency)),
        Some(other) => Err(malformed(format!(
            "{what} has `credit_debit_indicator` '{}', neither credit nor debit",
            tidy(other)
        ))),
        None => Err(malformed(format!("{what} has no `credit_debit_indicator`"))),
    }
}

/// Whether some account has no `InterimBooked` balance, so its booked balance must be worked
/// out from `Expected` and the pending rows.
pub(crate) fn needs_pending_total(accounts: &[AccountWire], balances: &[BalanceWire]) -> bool {
    accounts.iter().any(|a| {
        !balances.iter().any(|b| {
            b.account_id.is_some() && b.account_id == a.id && kind_of(b) == Some("InterimBooked")
        })
    }) && balances.iter().any(|b| kind_of(b) == Some("Expected"))
}

fn kind_of(b: &BalanceWire) -> Option<&str> {
    b.data.as_ref().and_then(|d| d.kind.as_deref())
}

/// The accounts with their balances, each with its Finqware id (valid for this consent only).
pub(crate) fn accounts(
    accounts: &[AccountWire],
    balances: &[BalanceWire],
    pending: &[TransactionWire],
    now: DateTime<Utc>,
) -> Result<Vec<(String, ProviderAccount)>, FinqwareError> {
    let mut out = Vec::with_capacity(accounts.len());
    for (i, wire) in accounts.iter().enumerate() {
        let position = i + 1;
        let Some(id) = non_empty(wire.id.as_ref()) else {
            return Err(malformed(format!("account {position} has no `id`")));
        };
        let Some(data) = wire.data.as_ref() else {
            return Err(malformed(format!("account {position} has no `data`")));
        };
        let iban = data
            .account_schemes
            .iter()
            .find(|s| {
                s.scheme_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case("IBAN"))
            })
            .and_then(|s| non_empty(s.identification.as_ref()))
            .map(|s| s.replace(' ', ""));
        // The IBAN is what stays the same across consents; an account without one can only be
        // keyed on this consent's id, and would reappear as a new account after a renewal.
        let key = iban.clone().unwrap_or_else(|| id.to_string());
        let at = format!("account {key}");
        let currency = currency(non_empty(data.currency.as_ref()), &at)?;
        let name = non_empty(data.name.as_ref())
            .or_else(|| non_empty(data.nickname.as_ref()))
            .unwrap_or(&key)
            .to_string();
        let kind = match non_empty(data.account_sub_type.as_ref())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("creditcard" | "credit_card") => AccountKind::CreditCard,
            Some("savings" | "saving") => AccountKind::Savings,
            Some("loan" | "mortgage") => AccountKind::Loan,
            _ => AccountKind::Current,
        };

        let mut by_kind: HashMap<&str, (Money, DateTime<Utc>)> = HashMap::new();
        for (j, b) in balances
            .iter()
            .enumerate()
            .filter(|(_, b)| b.account_id.as_deref() == Some(id))
        {
            let what = format!("balance {} of {at}", j + 1);
            let Some(d) = b.data.as_ref() else {
                return Err(malformed(format!("{what} has no `data`")));
            };
            let Some(kind) = d.kind.as_deref() else {
                return Err(malformed(format!("{what} has no `type`")));
            };
            let money = signed(
                d.amount.as_ref(),
                d.credit_debit_indicator.as_deref(),
                self::currency(non_empty(d.currency.as_ref()), &what)?,
                &what,
            )?;
            if money.currency != currency {
                return Err(malformed(format!(
                    "{what} is in {} but the account is in {currency}",
                    money.currency
                )));
            }
            let at = b
                .timestamp
                .as_deref()
                .and_then(parse_instant)
                .unwrap_or(now);
            by_kind.insert(kind, (money, at));
        }
        let expected = by_kind.get("Expected").copied();
        let pending_total = pending_total(pending, id, currency)?;
        let booked = by_kind
            .get("InterimBooked")
            .copied()
            .or_else(|| expected.map(|(m, at)| (Money::new(m.minor - pending_total, currency), at)))
            .or_else(|| by_kind.get("ClosingBooked").copied())
            .or_else(|| by_kind.get("InterimAvailable").copied());
        let Some((balance, balance_at)) = booked else {
            return Err(malformed(format!("{at} has no booked or expected balance")));
        };
        out.push((
            id.to_string(),
            ProviderAccount {
                provider_account_id: key,
                name,
                number: None,
                iban,
                kind,
                balance,
                available: expected.map(|(m, _)| m),
                balance_at,
                opening: None,
            },
        ));
    }
    Ok(out)
}

/// The signed sum of the account's pending rows.
fn pending_total(
    pending: &[TransactionWire],
    account_id: &str,
    currency: Currency,
) -> Result<i64, FinqwareError> {
    let mut total: i64 = 0;
    for (i, t) in pending
        .iter()
        .enumerate()
        .filter(|(_, t)| t.account_id.as_deref() == Some(account_id))
    {
        let what = format!("pending transaction {}", i + 1);
        let Some(d) = t.data.as_ref() else {
            return Err(malformed(format!("{what} has no `data`")));
        };
        if d.status.as_deref() != Some("pending") {
            continue;
        }
        let money = signed(
            d.amount.as_ref(),
            d.credit_debit_indicator.as_deref(),
            currency,
            &what,
        )?;
        total = total
            .checked_add(money.minor)
            .ok_or_else(|| malformed(format!("the pending total of {account_id} overflows")))?;
    }
    Ok(total)
}

/// The rows of one account (`finqware_id` under this consent, `account` in messages), dated on
/// the bank's calendar (`zone`).
pub(crate) fn transactions(
    rows: &[TransactionWire],
    finqware_id: &str,
    account: &str,
    zone: Tz,
) -> Result<Vec<ProviderTransaction>, FinqwareError> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, wire) in rows.iter().enumerate() {
        let what = format!("transaction {} of account {account}", i + 1);
        if wire.account_id.as_deref().is_some_and(|a| a != finqware_id) {
            // Asked for by account_id: another account's row would be stored in the wrong place.
            return Err(malformed(format!(
                "{what} belongs to another account (its `account_id`)"
            )));
        }
        let Some(utx_id) = non_empty(wire.utx_id.as_ref()) else {
            return Err(malformed(format!("{what} has no `utx_id`")));
        };
        let Some(data) = wire.data.as_ref() else {
            return Err(malformed(format!("{what} has no `data`")));
        };
        let currency = currency(non_empty(data.currency.as_ref()), &what)?;
        let amount = signed(
            data.amount.as_ref(),
            data.credit_debit_indicator.as_deref(),
            currency,
            &what,
        )?;
        let Some(when) = non_empty(data.booking_date_time.as_ref()) else {
            return Err(malformed(format!("{what} has no `booking_date_time`")));
        };
        let Some(instant) = parse_instant(when) else {
            return Err(malformed(format!(
                "the `booking_date_time` of {what} is not an ISO 8601 time"
            )));
        };
        let status = match data
            .status
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("booked") => TransactionStatus::Booked,
            Some("pending") => TransactionStatus::Pending,
            Some(other) => {
                return Err(malformed(format!(
                    "{what} has the status '{}', neither booked nor pending",
                    tidy(other)
                )))
            }
            None => return Err(malformed(format!("{what} has no `status`"))),
        };
        let details = data.details.as_ref();
        out.push(ProviderTransaction {
            dedup_key: utx_id.to_string(),
            provider_id: non_empty(wire.id.as_ref()).map(str::to_string),
            booking_date: instant.with_timezone(&zone).date_naive(),
            value_date: None,
            amount,
            status,
            description: data.info.clone().unwrap_or_default(),
            counterparty: details
                .and_then(|d| non_empty(d.merchant.as_ref()))
                .map(str::to_string),
            provider_category: details
                .and_then(|d| non_empty(d.category.as_ref()))
                .map(str::to_string),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn ron() -> Currency {
        "RON".parse().unwrap()
    }

    fn rows(json: &str) -> Vec<TransactionWire> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn amounts_are_signed_by_the_indicator_and_dated_in_bucharest() {
        let wire = rows(
            r#"[{"account_id":"a","id":"x","utx_id":"u1","timestamp":"2026-03-29T00:00:00Z",
            "data":{"amount":"4.27","balance":"9434.52","booking_date_time":"2026-03-28T22:30:00Z",
            "credit_debit_indicator":"debit","currency":"RON","info":"Plată card ș ț",
            "status":"booked","details":{"merchant":"Lidl","category":"Groceries","location":"Iași"},
            "exchange_rate":null}},
            {"account_id":"a","id":"y","utx_id":"u2","data":{"amount":45,"booking_date_time":
            "2026-03-28T21:30:00Z","credit_debit_indicator":"credit","currency":"RON","info":"Salariu",
            "status":"pending","details":null}}]"#,
        );
        let got = transactions(&wire, "a", "RO49", chrono_tz::Europe::Bucharest).unwrap();
        assert_eq!(got[0].amount, Money::new(-427, ron()));
        assert_eq!(got[0].booking_date.to_string(), "2026-03-29");
        assert_eq!(got[0].description, "Plată card ș ț");
        assert_eq!(got[0].counterparty.as_deref(), Some("Lidl"));
        assert_eq!(got[0].provider_category.as_deref(), Some("Groceries"));
        assert_eq!(got[1].amount, Money::new(4500, ron()));
        assert_eq!(got[1].status, TransactionStatus::Pending);
        assert_eq!(got[1].booking_date.to_string(), "2026-03-28");
    }

    #[test]
    fn bad_rows_are_named_precisely() {
        let float = rows(
            r#"[{"account_id":"a","utx_id":"u","data":{"amount":"4.2700000000000005",
            "booking_date_time":"2026-03-28T22:30:00Z","credit_debit_indicator":"debit",
            "currency":"RON","status":"booked"}}]"#,
        );
        let e = transactions(&float, "a", "RO49", chrono_tz::Europe::Bucharest).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Finqware sent a response Coffer cannot read: the `amount` of transaction 1 of \
             account RO49 is 4.2700000000000005, which has more decimals than RON allows (2)"
        );
        let missing = rows(r#"[{"account_id":"a","data":{}}]"#);
        let e = transactions(&missing, "a", "RO49", chrono_tz::Europe::Bucharest).unwrap_err();
        assert!(e
            .to_string()
            .ends_with("transaction 1 of account RO49 has no `utx_id`"));
        let negative = rows(
            r#"[{"account_id":"a","utx_id":"u","data":{"amount":"-1.00",
            "booking_date_time":"2026-03-28T22:30:00Z","credit_debit_indicator":"debit",
            "currency":"RON","status":"booked"}}]"#,
        );
        assert!(transactions(&negative, "a", "RO49", chrono_tz::Europe::Bucharest).is_err());
    }

    #[test]
    fn balance_timestamps_without_a_zone_are_utc() {
        assert_eq!(
            parse_instant("2020-01-29T07:31:51.689168")
                .unwrap()
                .to_rfc3339(),
            "2020-01-29T07:31:51.689168+00:00"
        );
        assert!(parse_instant("yesterday").is_none());
    }
}
