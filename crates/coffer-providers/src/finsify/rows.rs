//! Finsify's `data` arrays, read into Coffer's types. Balances and amounts are decimal strings
//! (a JSON number is taken from its raw text, never through `f64`), dates `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::model::{AccountKind, ProviderAccount, ProviderTransaction, TransactionStatus};
use coffer_core::money::{Currency, MoneyError, WireAmount};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::FinsifyError;
use crate::wire::{json_problem, tidy};

/// Ids are integers on the wire; text is tolerated because nothing is computed with them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Number(i64),
    Text(String),
}

impl Id {
    fn text(&self) -> Option<String> {
        match self {
            Id::Number(n) => Some(n.to_string()),
            Id::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            Id::Text(_) => None,
        }
    }
}

#[derive(Deserialize)]
struct AccountWire {
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    balance: Option<WireAmount>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct TransactionWire {
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    original_id: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    amount: Option<WireAmount>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

fn malformed(detail: String) -> FinsifyError {
    FinsifyError::Malformed { detail }
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

fn items<'a>(data: &'a RawValue, what: &str) -> Result<Vec<&'a RawValue>, FinsifyError> {
    serde_json::from_str::<Vec<&RawValue>>(data.get())
        .map_err(|e| malformed(format!("the {what} are not a list: {}", json_problem(&e))))
}

fn currency(code: Option<&str>, at: &str) -> Result<Currency, FinsifyError> {
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

fn money_problem(e: &MoneyError, what: &str) -> FinsifyError {
    malformed(match e {
        MoneyError::TooPrecise {
            text,
            currency,
            exponent,
        } => format!(
            "{what} is {}, which has more decimals than {currency} allows ({exponent})",
            tidy(text)
        ),
        MoneyError::Overflow(_) => format!("{what} is too large"),
        _ => format!("{what} is not a decimal number"),
    })
}

pub(super) fn accounts(
    data: &RawValue,
    now: DateTime<Utc>,
) -> Result<Vec<ProviderAccount>, FinsifyError> {
    items(data, "accounts")?
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let position = i + 1;
            let wire: AccountWire = serde_json::from_str(raw.get()).map_err(|e| {
                malformed(format!(
                    "account {position} of the login cannot be read: {}",
                    json_problem(&e)
                ))
            })?;
            let Some(id) = wire.id.as_ref().and_then(Id::text) else {
                return Err(malformed(format!(
                    "account {position} of the login has no `id`"
                )));
            };
            let at = format!("account {id}");
            let currency = currency(non_empty(&wire.currency), &at)?;
            let Some(balance) = wire.balance.as_ref() else {
                return Err(malformed(format!("{at} has no `balance`")));
            };
            let balance = balance
                .to_money(currency)
                .map_err(|e| money_problem(&e, &format!("the `balance` of {at}")))?;
            let kind = match non_empty(&wire.kind)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("credit") => AccountKind::CreditCard,
                Some("saving" | "savings") => AccountKind::Savings,
                Some("loan") => AccountKind::Loan,
                _ => AccountKind::Current,
            };
            Ok(ProviderAccount {
                name: non_empty(&wire.name).map_or_else(|| format!("Account {id}"), str::to_string),
                provider_account_id: id,
                number: None,
                iban: None,
                kind,
                balance,
                available: None,
                balance_at: now,
                opening: None,
            })
        })
        .collect()
}

pub(super) fn transactions(
    data: &RawValue,
    account_id: &str,
) -> Result<Vec<ProviderTransaction>, FinsifyError> {
    items(data, &format!("transactions of account {account_id}"))?
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let at = format!("transaction {} of account {account_id}", i + 1);
            let wire: TransactionWire = serde_json::from_str(raw.get())
                .map_err(|e| malformed(format!("{at} cannot be read: {}", json_problem(&e))))?;
            let Some(original_id) = non_empty(&wire.original_id) else {
                return Err(malformed(format!("{at} has no `original_id`")));
            };
            let Some(date) = non_empty(&wire.date) else {
                return Err(malformed(format!("{at} has no `date`")));
            };
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| malformed(format!("{at} has a `date` that is not YYYY-MM-DD")))?;
            let currency = currency(non_empty(&wire.currency), &at)?;
            let Some(amount) = wire.amount.as_ref() else {
                return Err(malformed(format!("{at} has no `amount`")));
            };
            let amount = amount
                .to_money(currency)
                .map_err(|e| money_problem(&e, &format!("the `amount` of {at}")))?;
            let Some(description) = wire.description.as_deref() else {
                return Err(malformed(format!("{at} has no `description`")));
            };
            Ok(ProviderTransaction {
                dedup_key: original_id.to_string(),
                provider_id: wire.id.as_ref().and_then(Id::text),
                booking_date: date,
                value_date: None,
                amount,
                // Finsify reports what the bank has booked; it has no pending state.
                status: TransactionStatus::Booked,
                description: description.trim().to_string(),
                counterparty: None,
                provider_category: non_empty(&wire.category)
                    .filter(|c| !c.eq_ignore_ascii_case("uncategorized"))
                    .map(str::to_string),
            })
        })
        .collect()
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_string()).unwrap()
    }

    #[test]
    fn decimal_strings_and_numbers_are_exact() {
        let data = raw(
            r#"[{"id":1,"original_id":"techcombank-a","date":"2017-03-27","amount":"-61299.00",
                 "currency":"VND","description":"GRAB","category":"auto_and_transport","meta":null},
                {"id":2,"original_id":"techcombank-b","date":"2017-03-26","amount":"12.34",
                 "currency":"USD","description":"x","category":"uncategorized"},
                {"id":3,"original_id":"techcombank-c","date":"2017-03-26","amount":0.30,
                 "currency":"USD","description":"y","category":null}]"#,
        );
        let rows = transactions(&data, "14010").unwrap();
        assert_eq!(rows[0].amount.minor, -61_299);
        assert_eq!(rows[0].dedup_key, "techcombank-a");
        assert_eq!(rows[0].provider_id.as_deref(), Some("1"));
        assert_eq!(
            rows[0].provider_category.as_deref(),
            Some("auto_and_transport")
        );
        assert_eq!(rows[1].amount.minor, 1234);
        assert_eq!(rows[1].provider_category, None);
        assert_eq!(rows[2].amount.minor, 30);
    }

    #[test]
    fn float_tails_and_missing_fields_are_named() {
        let data = raw(
            r#"[{"id":1,"original_id":"a","date":"2017-03-27","amount":-61299.000000001,
                 "currency":"VND","description":"GRAB"}]"#,
        );
        let e = transactions(&data, "14010").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Finsify sent a response Coffer cannot read: the `amount` of transaction 1 of \
             account 14010 is -61299.000000001, which has more decimals than VND allows (0)"
        );
        let data = raw(
            r#"[{"id":1,"date":"2017-03-27","amount":"1.00","currency":"VND","description":""}]"#,
        );
        let e = transactions(&data, "14010").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("transaction 1 of account 14010 has no `original_id`"),
            "{e}"
        );
        let data = raw(
            r#"[{"id":1,"original_id":"a","date":"27/03/2017","amount":"1","currency":"VND","description":""}]"#,
        );
        let e = transactions(&data, "9").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("has a `date` that is not YYYY-MM-DD"),
            "{e}"
        );
    }

    #[test]
    fn accounts_map_kinds_and_balances() {
        let data = raw(
            r#"[{"id":14010,"original_id":"x","login_id":1,"name":"Techcombank","balance":"291087.00","currency":"VND","type":"current"},
                {"id":14011,"name":"Visa","balance":"-18950684.00","currency":"VND","type":"credit"},
                {"id":14012,"name":"Save","balance":"5.00","currency":"USD","type":"saving"}]"#,
        );
        let list = accounts(&data, Utc::now()).unwrap();
        assert_eq!(list[0].provider_account_id, "14010");
        assert_eq!(list[0].balance.minor, 291_087);
        assert_eq!(list[0].kind, AccountKind::Current);
        assert_eq!(list[1].balance.minor, -18_950_684);
        assert_eq!(list[1].kind, AccountKind::CreditCard);
        assert_eq!(list[2].kind, AccountKind::Savings);
        assert_eq!(list[2].balance.minor, 500);
        let e = accounts(&raw(r#"{"id":1}"#), Utc::now()).unwrap_err();
        assert!(e.to_string().contains("the accounts are not a list"), "{e}");
    }
}
