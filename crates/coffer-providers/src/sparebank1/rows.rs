//! SpareBank 1's JSON, read into Coffer's types.
//!
//! Amounts arrive as JSON numbers and are taken from their raw text, never through `f64`; a
//! number with more decimals than the currency has (a float printed by the bank's serializer,
//! `-59.900000000000006`) is refused rather than rounded.
//!
//! Dedup keys: the wire `id` changes every session, so a row is recognised by what it says.
//! - booked: `b|<Oslo day>|<amount in minor units>|<nonUniqueId>`, or the description as sent
//!   when the bank sends the all-zeros nonUniqueId (never `cleanedDescription`, which the bank
//!   revises when its merchant data arrives);
//! - pending: `p|<Oslo day>|<amount>|<description as sent>`;
//!
//! each numbered by [`OccurrenceKeys`] so that two identical purchases on one day stay two rows
//! while the next fetch maps onto the same keys. A pending row that gets booked comes back with
//! other text, another nonUniqueId and perhaps another day: it gets a booked key, and its pending
//! key is simply absent from the next batch, whose `from` tells the sync engine that absence
//! inside the window means expiry. So a purchase is never counted twice.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::model::{
    AccountKind, OccurrenceKeys, ProviderAccount, ProviderTransaction, TransactionStatus,
};
use coffer_core::money::{Currency, Money, MoneyError, WireAmount};
use coffer_core::sync::ProviderError;
#[cfg(test)]
use coffer_core::sync::TransactionBatch;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{KnownAccount, PROVIDER_ID};
use crate::wire::{json_problem, tidy};

fn malformed(detail: String) -> ProviderError {
    ProviderError::Malformed {
        provider: PROVIDER_ID,
        detail,
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts

#[derive(Deserialize)]
struct AccountList {
    #[serde(default)]
    accounts: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    errors: Option<Vec<Box<RawValue>>>,
}

/// `accountNumber` is plain text in account lists and `{value, formatted, unformatted}` in
/// transactions.
#[derive(Deserialize)]
#[serde(untagged)]
enum AccountNumber {
    Text(String),
    Parts {
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        unformatted: Option<String>,
    },
}

impl AccountNumber {
    fn digits(&self) -> Option<&str> {
        match self {
            AccountNumber::Text(t) => Some(t.as_str()),
            AccountNumber::Parts { value, unformatted } => {
                unformatted.as_deref().or(value.as_deref())
            }
        }
        .filter(|n| !n.is_empty())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountWire {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    account_number: Option<AccountNumber>,
    #[serde(default)]
    iban: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    balance: Option<WireAmount>,
    #[serde(default)]
    available_balance: Option<WireAmount>,
    #[serde(default)]
    currency_code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    account_properties: Option<AccountProperties>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountProperties {
    #[serde(default)]
    is_savings_account: Option<bool>,
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Codes of a 200's partial-failure list, which holds bare codes or error objects.
fn error_codes(errors: &[Box<RawValue>]) -> Vec<String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        Code(String),
        Full {
            #[serde(default)]
            code: Option<String>,
        },
    }
    errors
        .iter()
        .map(|raw| match serde_json::from_str::<Item>(raw.get()) {
            Ok(Item::Code(c)) | Ok(Item::Full { code: Some(c) }) => tidy(&c),
            _ => "an error without a code".to_string(),
        })
        .collect()
}

fn money_problem(e: &MoneyError, what: &str) -> String {
    match e {
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
    }
}

#[cfg(test)]
pub(super) fn accounts(
    body: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ProviderAccount>, ProviderError> {
    accounts_with_errors(body, now).map(|(a, _)| a)
}

/// The accounts of the list, and the partial-failure codes of its 200 (accounts the bank could
/// not list are missing from this sync only; nothing stored is removed).
pub(super) fn accounts_with_errors(
    body: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<ProviderAccount>, Vec<String>), ProviderError> {
    let list: AccountList = serde_json::from_str(body).map_err(|e| {
        malformed(format!(
            "the account list cannot be read: {}",
            json_problem(&e)
        ))
    })?;
    let partial = error_codes(list.errors.as_deref().unwrap_or_default());
    let Some(items) = list.accounts else {
        return Err(malformed("the account list has no `accounts`".into()));
    };
    let accounts = items
        .iter()
        .enumerate()
        .map(|(i, raw)| account(raw, i + 1, now))
        .collect::<Result<_, _>>()?;
    Ok((accounts, partial))
}

fn account(
    raw: &RawValue,
    position: usize,
    now: DateTime<Utc>,
) -> Result<ProviderAccount, ProviderError> {
    let wire: AccountWire = serde_json::from_str(raw.get()).map_err(|e| {
        malformed(format!(
            "account {position} in the list cannot be read: {}",
            json_problem(&e)
        ))
    })?;
    let Some(key) = non_empty(&wire.key) else {
        return Err(malformed(format!(
            "account {position} in the list has no `key`"
        )));
    };
    let number = wire
        .account_number
        .as_ref()
        .and_then(AccountNumber::digits)
        .map(str::to_string);
    let label = number
        .clone()
        .or_else(|| non_empty(&wire.name).map(str::to_string))
        .unwrap_or_else(|| format!("{position} in the list"));
    let Some(code) = non_empty(&wire.currency_code) else {
        return Err(malformed(format!("account {label} has no `currencyCode`")));
    };
    let currency: Currency = code.parse().map_err(|_| {
        malformed(format!(
            "account {label} has `currencyCode` '{}', which is not an ISO 4217 code",
            tidy(code)
        ))
    })?;
    let Some(balance) = wire.balance.as_ref() else {
        return Err(malformed(format!("account {label} has no `balance`")));
    };
    let balance = balance.to_money(currency).map_err(|e| {
        malformed(money_problem(
            &e,
            &format!("the `balance` of account {label}"),
        ))
    })?;
    let available = wire
        .available_balance
        .as_ref()
        .map(|a| a.to_money(currency))
        .transpose()
        .map_err(|e| {
            malformed(money_problem(
                &e,
                &format!("the `availableBalance` of account {label}"),
            ))
        })?;
    let wire_type = non_empty(&wire.kind)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let savings = wire
        .account_properties
        .as_ref()
        .and_then(|p| p.is_savings_account)
        .unwrap_or(false);
    let kind = if wire_type == "CREDITCARD" {
        AccountKind::CreditCard
    } else if savings || wire_type == "BSU" {
        AccountKind::Savings
    } else {
        AccountKind::Current
    };
    Ok(ProviderAccount {
        provider_account_id: key.to_string(),
        name: non_empty(&wire.name)
            .or(non_empty(&wire.description))
            .map_or_else(|| label.clone(), str::to_string),
        number,
        iban: non_empty(&wire.iban).map(str::to_string),
        kind,
        balance,
        available,
        balance_at: now,
        opening: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Transactions

/// A fetch's rows, sorted per account.
pub(super) struct Answer {
    accounts: HashMap<String, AccountRows>,
    /// How many rows the answer carried in all (to tell a capped answer).
    pub(super) items: usize,
    /// The partial-failure codes of the 200, if any.
    pub(super) partial: Vec<String>,
}

enum AccountRows {
    Rows(Vec<Row>),
    /// A row of this account could not be read: nothing of the account is used.
    Malformed(String),
    /// The bank said (in a 200) that part of the data is missing, e.g. `RECENT_TRANSACTIONS_FAILED`.
    Incomplete(String),
}

/// A row without its occurrence number, which depends on the window asked for.
struct Row {
    content: String,
    transaction: ProviderTransaction,
}

impl Answer {
    /// The oldest day any row of the answer is dated (rows of every account).
    pub(super) fn oldest_day(&self) -> Option<NaiveDate> {
        self.accounts
            .values()
            .filter_map(|a| match a {
                AccountRows::Rows(rows) => rows.iter().map(|r| r.transaction.booking_date).min(),
                _ => None,
            })
            .min()
    }

    /// Why this account's rows cannot be used, if they cannot.
    pub(super) fn problem(&self, key: &str) -> Option<String> {
        match self.accounts.get(key) {
            Some(AccountRows::Malformed(detail)) => Some(detail.clone()),
            Some(AccountRows::Incomplete(code)) => Some(format!(
                "the bank answered only in part ({code}), so nothing was stored for this \
                 account; sync again later"
            )),
            _ => None,
        }
    }

    /// This account's readable rows dated `from..=through`, moved out with their identity
    /// (occurrence numbers are added later, over the whole fetch).
    pub(super) fn take_rows(
        &mut self,
        key: &str,
        from: NaiveDate,
        through: NaiveDate,
    ) -> Vec<(String, ProviderTransaction)> {
        match self.accounts.get_mut(key) {
            Some(AccountRows::Rows(rows)) => std::mem::take(rows)
                .into_iter()
                .filter(|r| {
                    r.transaction.booking_date >= from && r.transaction.booking_date <= through
                })
                .map(|r| (r.content, r.transaction))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The batch of one account from `from` on. Partial failures become an error rather than a
    /// short batch: a batch with `from` would expire pending rows that are merely missing, and
    /// any batch would move the sync cursor past rows that were never delivered.
    #[cfg(test)]
    pub(super) fn batch(
        &self,
        key: &str,
        label: &str,
        from: NaiveDate,
        through: NaiveDate,
    ) -> Result<TransactionBatch, ProviderError> {
        let rows = match self.accounts.get(key) {
            None => &[][..],
            Some(AccountRows::Rows(rows)) => rows.as_slice(),
            Some(AccountRows::Malformed(detail)) => return Err(malformed(detail.clone())),
            Some(AccountRows::Incomplete(code)) => {
                return Err(ProviderError::Other {
                    provider: PROVIDER_ID,
                    message: format!(
                        "the bank answered only in part ({code}), so nothing was stored for \
                         account {label}; sync again later"
                    ),
                })
            }
        };
        let mut occurrences = OccurrenceKeys::default();
        let transactions = rows
            .iter()
            .filter(|r| r.transaction.booking_date >= from)
            .map(|r| {
                let mut t = r.transaction.clone();
                t.dedup_key = occurrences.key(&r.content);
                t
            })
            .collect();
        Ok(TransactionBatch::complete(
            Some(from),
            through,
            transactions,
        ))
    }
}

/// Numbers identical rows of one account so that two genuine identical purchases on a day
/// keep two keys while a later fetch of the same days maps onto the same keys. `rows` must
/// hold whole days.
pub(super) fn keyed(rows: Vec<(String, ProviderTransaction)>) -> Vec<ProviderTransaction> {
    let mut occurrences = OccurrenceKeys::default();
    rows.into_iter()
        .map(|(content, mut t)| {
            t.dedup_key = occurrences.key(&content);
            t
        })
        .collect()
}

#[derive(Deserialize)]
struct TransactionList {
    #[serde(default)]
    transactions: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    errors: Option<Vec<Box<RawValue>>>,
}

#[derive(Deserialize)]
struct Classified {
    #[serde(default)]
    transaction: Option<Box<RawValue>>,
    #[serde(default)]
    categories: Option<Vec<CategoryWire>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CategoryWire {
    #[serde(default)]
    main: Option<String>,
    #[serde(default)]
    main_i18n: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    non_unique_id: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    cleaned_description: Option<String>,
    #[serde(default)]
    amount: Option<WireAmount>,
    #[serde(default)]
    currency_code: Option<String>,
    #[serde(default)]
    account_currency: Option<String>,
    #[serde(default)]
    date: Option<Box<RawValue>>,
    #[serde(default)]
    interest_date: Option<Box<RawValue>>,
    #[serde(default)]
    booking_status: Option<String>,
    #[serde(default)]
    remote_account_name: Option<String>,
    #[serde(default)]
    merchant: Option<MerchantWire>,
    // Real payloads say `isConfidential`, the OpenAPI `confidential`; either may come.
    #[serde(default)]
    is_confidential: Option<bool>,
    #[serde(default)]
    confidential: Option<bool>,
}

#[derive(Deserialize)]
struct MerchantWire {
    #[serde(default)]
    name: Option<String>,
}

/// Just enough of a row to tell whose it is, for rows that cannot be read in full.
#[derive(Deserialize)]
struct OwnerProbe {
    #[serde(default)]
    transaction: Option<OwnerFields>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnerFields {
    #[serde(default)]
    account_key: Option<String>,
    #[serde(default)]
    account_number: Option<AccountNumber>,
}

/// Reads the classified answer for `keys`. Only an unreadable body fails the whole fetch; a bad
/// row fails the account it belongs to (every account, when even that cannot be told).
pub(super) fn answer(
    body: &str,
    keys: &[String],
    known: &HashMap<String, KnownAccount>,
) -> Result<Answer, ProviderError> {
    let list: TransactionList = serde_json::from_str(body).map_err(|e| {
        malformed(format!(
            "the transactions answer cannot be read: {}",
            json_problem(&e)
        ))
    })?;
    let mut accounts: HashMap<String, AccountRows> = HashMap::new();
    let partial = error_codes(list.errors.as_deref().unwrap_or_default());
    let items_count = list.transactions.as_ref().map_or(0, Vec::len);
    let label = |key: &str| {
        known
            .get(key)
            .map_or_else(|| key.to_string(), |a| a.label.clone())
    };

    for code in partial.clone() {
        let credit_only = code == "CREDIT_ACCOUNTS_FAILED";
        for key in keys {
            let affected = !credit_only || known.get(key).is_some_and(|a| a.credit_card);
            if affected && !accounts.contains_key(key) {
                accounts.insert(key.clone(), AccountRows::Incomplete(code.clone()));
            }
        }
    }
    let Some(items) = list.transactions else {
        if accounts.is_empty() {
            return Err(malformed(
                "the transactions answer has no `transactions`".into(),
            ));
        }
        return Ok(Answer {
            accounts,
            items: items_count,
            partial,
        });
    };

    let mut positions: HashMap<String, usize> = HashMap::new();
    let mut unowned: Option<String> = None;
    for (index, raw) in items.iter().enumerate() {
        let Some(key) = owner(raw, keys, known) else {
            unowned.get_or_insert_with(|| {
                format!(
                    "transaction {} of the answer has no `accountKey`, so Coffer cannot tell \
                     which account it belongs to",
                    index + 1
                )
            });
            continue;
        };
        let position = positions.entry(key.clone()).or_insert(0);
        *position += 1;
        let at = format!("transaction {position} of account {}", label(&key));
        let slot = accounts
            .entry(key.clone())
            .or_insert_with(|| AccountRows::Rows(Vec::new()));
        let AccountRows::Rows(rows) = slot else {
            continue;
        };
        let currency = known.get(&key).map(|a| a.currency);
        match row(raw, currency, &at) {
            Ok(r) => rows.push(r),
            Err(detail) => *slot = AccountRows::Malformed(detail.0),
        }
    }
    if let Some(detail) = unowned {
        for key in keys {
            let slot = accounts
                .entry(key.clone())
                .or_insert_with(|| AccountRows::Rows(Vec::new()));
            if matches!(slot, AccountRows::Rows(_)) {
                *slot = AccountRows::Malformed(detail.clone());
            }
        }
    }
    Ok(Answer {
        accounts,
        items: items_count,
        partial,
    })
}

/// The requested account a row belongs to: by `accountKey`, else by account number.
fn owner(raw: &RawValue, keys: &[String], known: &HashMap<String, KnownAccount>) -> Option<String> {
    let probe: OwnerProbe = serde_json::from_str(raw.get()).ok()?;
    let fields = probe.transaction?;
    if let Some(key) = fields.account_key.filter(|k| keys.contains(k)) {
        return Some(key);
    }
    let number = fields.account_number.as_ref()?.digits()?;
    keys.iter()
        .find(|key| {
            known
                .get(key.as_str())
                .is_some_and(|a| a.number.as_deref() == Some(number))
        })
        .cloned()
}

/// Why a row was refused, already phrased for the user.
struct Problem(String);

fn oslo_day(raw: &RawValue) -> Option<NaiveDate> {
    let text = raw.get().trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let millis: i64 = text.parse().ok()?;
    let instant = DateTime::<Utc>::from_timestamp_millis(millis)?;
    Some(instant.with_timezone(&chrono_tz::Europe::Oslo).date_naive())
}

fn row(raw: &RawValue, account_currency: Option<Currency>, at: &str) -> Result<Row, Problem> {
    let problem = |what: String| Problem(format!("{at} {what}"));
    let item: Classified = serde_json::from_str(raw.get())
        .map_err(|e| problem(format!("cannot be read: {}", json_problem(&e))))?;
    let Some(inner) = item.transaction else {
        return Err(problem("has no `transaction`".into()));
    };
    let tx: TransactionWire = serde_json::from_str(inner.get())
        .map_err(|e| problem(format!("cannot be read: {}", json_problem(&e))))?;

    let status = match non_empty(&tx.booking_status).map(str::to_ascii_uppercase) {
        Some(s) if s == "BOOKED" => TransactionStatus::Booked,
        Some(s) if s == "PENDING" => TransactionStatus::Pending,
        Some(other) => {
            return Err(problem(format!(
                "has `bookingStatus` '{}', which is neither BOOKED nor PENDING",
                tidy(&other)
            )))
        }
        None => return Err(problem("has no `bookingStatus`".into())),
    };
    let Some(date) = tx.date.as_deref() else {
        return Err(problem("has no `date`".into()));
    };
    let date = oslo_day(date)
        .ok_or_else(|| problem("has a `date` that is not epoch milliseconds".into()))?;
    // Refused here, not later: a row outside the asked window is dropped by the window filter,
    // so an absurd date (year 10000) would otherwise vanish silently and take the row's
    // stored twin with it (a pending row "no longer reported" expires).
    if !coffer_core::sync::bounds::date_ok(date) {
        return Err(problem(format!("has the `date` {date}, outside 1900–2200")));
    }
    let currency = match account_currency {
        Some(c) => c,
        None => {
            let Some(code) = non_empty(&tx.account_currency).or(non_empty(&tx.currency_code))
            else {
                return Err(problem("has no `currencyCode`".into()));
            };
            code.parse().map_err(|_| {
                problem(format!(
                    "has `currencyCode` '{}', which is not an ISO 4217 code",
                    tidy(code)
                ))
            })?
        }
    };
    let Some(amount) = tx.amount.as_ref() else {
        return Err(problem("has no `amount`".into()));
    };
    let amount: Money = amount
        .to_money(currency)
        .map_err(|e| Problem(money_problem(&e, &format!("the `amount` of {at}"))))?;

    // The raw text is the bank's record and never changes; `cleanedDescription` is an
    // enrichment the bank revises days later (merchant data arriving), so it is neither shown
    // as the description nor part of a row's identity.
    let raw_text = non_empty(&tx.description);
    let cleaned = non_empty(&tx.cleaned_description);
    let confidential = tx.is_confidential.or(tx.confidential).unwrap_or(false);
    let description = match raw_text.or(cleaned) {
        Some(d) => d.to_string(),
        // Confidential rows may come without text; that is the bank's choice, not an error.
        None if confidential => "Confidential transaction".to_string(),
        None => return Err(problem("has no `description`".into())),
    };
    let content = match status {
        TransactionStatus::Booked => {
            let text = non_empty(&tx.non_unique_id)
                .filter(|id| id.bytes().any(|b| b != b'0'))
                .or(raw_text)
                .unwrap_or(description.as_str());
            format!("b|{date}|{}|{text}", amount.minor)
        }
        TransactionStatus::Pending => {
            let text = raw_text.or(cleaned).unwrap_or(description.as_str());
            format!("p|{date}|{}|{text}", amount.minor)
        }
    };
    let provider_category = item
        .categories
        .as_deref()
        .and_then(|c| c.first())
        .filter(|c| !uncategorised(c))
        .and_then(|c| non_empty(&c.main))
        .map(str::to_string);
    let counterparty = non_empty(&tx.remote_account_name)
        .or_else(|| tx.merchant.as_ref().and_then(|m| non_empty(&m.name)))
        .map(str::to_string);
    Ok(Row {
        content,
        transaction: ProviderTransaction {
            dedup_key: String::new(),
            provider_id: non_empty(&tx.id).map(str::to_string),
            booking_date: date,
            value_date: tx.interest_date.as_deref().and_then(oslo_day),
            amount,
            status,
            description,
            counterparty,
            provider_category,
        },
    })
}

fn uncategorised(c: &CategoryWire) -> bool {
    let says = |t: &Option<String>, word: &str| {
        t.as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(word))
    };
    says(&c.main, "Ukategorisert")
        || says(&c.main_i18n, "Ukategorisert")
        || says(&c.main, "UNCATEGORIZED")
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
