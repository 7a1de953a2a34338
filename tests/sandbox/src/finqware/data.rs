//! The data endpoints: `/accounts/get`, `/balances/get`, `/transactions/get`, their filters,
//! and the payload faults that bend their answers.

use std::cmp::{Ordering, Reverse};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::api::{self, invalid, ApiError, App, Fields, Granted};
use super::catalogue::AccountKind;
use super::ledger::{Ledger, Seen};
use super::money::{self, Decimal};
use super::state::{is_uuid, iso_naive_micros, iso_z, uuid_from, FaultSite, Inner};
use super::FinqwareFault;

const DATA_FIELDS: [&str; 5] = [
    "client_id",
    "client_secret",
    "credentials_id",
    "access_token",
    "tenant_user_id",
];

/// The Finqware id of an account under one consent (new for every consent).
fn account_id(credentials_id: &str, iban: &str) -> String {
    uuid_from(&format!("account/{credentials_id}/{iban}"))
}

/// Parses the body, checks tenant and consent, and fires upstream faults.
fn open(
    app: &App,
    inner: &Inner,
    headers: &HeaderMap,
    body: &Bytes,
    with_filter: bool,
    now: DateTime<Utc>,
) -> Result<(Fields, Granted), ApiError> {
    let mut allowed = DATA_FIELDS.to_vec();
    if with_filter {
        allowed.push("filter");
    }
    let fields = api::fields(headers, body, &allowed, &DATA_FIELDS)?;
    api::check_tenant(app, &fields)?;
    let granted = api::grant(inner, &fields, now, true)?;
    Ok((fields, granted))
}

/// Serialises a success body and applies any queued payload fault.
fn render(inner: &mut Inner, mut body: Value, transaction_rows: bool) -> Response {
    inner.stats.data_calls += 1;
    if transaction_rows {
        let first = body
            .as_array_mut()
            .and_then(|rows| rows.first_mut())
            .and_then(Value::as_object_mut);
        if let Some(first) = first {
            match inner.take_fault(FaultSite::TransactionRows) {
                Some(FinqwareFault::MissingField { field, .. }) => remove_path(first, &field),
                Some(FinqwareFault::FloatAmount { .. }) => {
                    if let Some(amount) = first.get_mut("data").and_then(|d| d.get_mut("amount")) {
                        if let Some(exact) = amount.as_str() {
                            *amount = Value::String(money::float_tail(exact));
                        }
                    }
                }
                Some(FinqwareFault::FarFutureDate { .. }) => {
                    if let Some(data) = first.get_mut("data").and_then(Value::as_object_mut) {
                        data.insert(
                            "booking_date_time".into(),
                            Value::from("+10000-01-01T00:00:00Z"),
                        );
                    }
                }
                Some(FinqwareFault::HugeAmount { .. }) => {
                    if let Some(data) = first.get_mut("data").and_then(Value::as_object_mut) {
                        data.insert("amount".into(), Value::from(crate::hostile::NEAR_I64_MAX));
                    }
                }
                _ => {}
            }
        }
    }
    let mut text = body.to_string();
    if let Some(FinqwareFault::MalformedJson { .. }) = inner.take_fault(FaultSite::DataBody) {
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Removes `a` or `a.b` from a row.
fn remove_path(row: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        Some((head, rest)) => {
            if let Some(Value::Object(inner)) = row.get_mut(head) {
                remove_path(inner, rest);
            }
        }
        None => {
            row.remove(path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts and balances

/// One balance of one account, as numbers.
struct Balance {
    kind: &'static str,
    minor: i64,
    limit_included: bool,
    native_date: Option<chrono::NaiveDate>,
    native_timestamp: Option<DateTime<Utc>>,
}

fn balances_of(ledger: &Ledger, account: usize, now: DateTime<Utc>) -> Vec<Balance> {
    let bank = ledger.bank;
    let start = ledger.start_of_day(now);
    let today = ledger.day_of(now);
    let booked = ledger.booked_total(account, now);
    let pending = ledger.pending_total(account, now);
    let is_card = bank
        .accounts
        .get(account)
        .is_some_and(|a| a.kind == AccountKind::CreditCard);
    bank.balance_types()
        .iter()
        .map(|&kind| match kind {
            "ClosingBooked" => Balance {
                kind,
                minor: ledger.booked_total(account, start - Duration::seconds(1)),
                limit_included: false,
                native_date: today.pred_opt(),
                native_timestamp: None,
            },
            "InterimBooked" => Balance {
                kind,
                minor: booked,
                limit_included: false,
                native_date: None,
                native_timestamp: Some(now),
            },
            "InterimAvailable" => Balance {
                kind,
                minor: booked + pending + if is_card { bank.card_limit_minor } else { 0 },
                limit_included: is_card,
                native_date: None,
                native_timestamp: Some(now),
            },
            _ => Balance {
                kind,
                minor: booked + pending,
                limit_included: false,
                native_date: (bank.style == super::catalogue::Style::Ing).then_some(today),
                native_timestamp: Some(now),
            },
        })
        .collect()
}

pub(crate) async fn accounts(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    api::begin(&app)?;
    let now = app.now();
    let mut inner = app.lock();
    let (_, granted) = open(&app, &inner, &headers, &body, false, now)?;
    api::reach_bank(&mut inner, granted.bank)?;
    let rows = if granted.purged {
        Vec::new()
    } else {
        let ledger = inner.ledger(&app, granted.bank, now);
        let trim = ledger.bank.trims_zeros();
        ledger
            .accounts()
            .map(|(i, spec)| {
                let iban = ledger.iban(i);
                let expected = balances_of(ledger, i, now)
                    .into_iter()
                    .filter(|b| b.kind == "Expected")
                    .map(|b| {
                        json!({
                            "balance_amount": money::magnitude(b.minor, trim),
                            "balance_currency": spec.currency,
                            "balance_type": b.kind,
                            "credit_limit_included": b.limit_included,
                            "credit_debit_indicator": money::indicator(b.minor),
                        })
                    })
                    .collect::<Vec<_>>();
                json!({
                    "data": {
                        "account_schemes": [
                            { "identification": iban, "scheme_name": "IBAN" },
                            { "identification": ledger.bank.bic, "scheme_name": "BICFI" },
                        ],
                        "balances": expected,
                        "account_sub_type": spec.kind.account_sub_type(),
                        "account_type": spec.kind.account_type(),
                        "currency": spec.currency,
                        "name": spec.name,
                        "nickname": spec.nickname,
                    },
                    "id": account_id(&granted.credentials_id, iban),
                    "servicer_id": ledger.bank.servicer_id(),
                    "servicer_name": ledger.bank.servicer,
                    "timestamp": iso_z(granted.cached),
                })
            })
            .collect()
    };
    Ok(render(&mut inner, Value::Array(rows), false))
}

pub(crate) async fn balances(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    api::begin(&app)?;
    let now = app.now();
    let mut inner = app.lock();
    let (fields, granted) = open(&app, &inner, &headers, &body, true, now)?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    match fields.get("filter") {
        None => {}
        Some(Value::Object(filter)) => {
            for (key, value) in filter {
                if !["account_id", "type", "currency"].contains(&key.as_str()) {
                    return Err(invalid(
                        "unknown_fields",
                        format!("Unknown filter element: {key}."),
                    ));
                }
                match value {
                    Value::Null => {}
                    Value::String(s) => wanted.push((key.clone(), s.clone())),
                    _ => {
                        return Err(invalid(
                            "invalid_field",
                            format!("Filter element '{key}' must be a string."),
                        ))
                    }
                }
            }
        }
        Some(_) => {
            return Err(invalid(
                "invalid_field",
                "Field 'filter' must be an object.",
            ))
        }
    }
    api::reach_bank(&mut inner, granted.bank)?;
    let mut rows = Vec::new();
    if !granted.purged {
        let ledger = inner.ledger(&app, granted.bank, now);
        let trim = ledger.bank.trims_zeros();
        let stamp = if ledger.bank.naive_balance_timestamps() {
            // The documentation's example keeps the microseconds of the query.
            iso_naive_micros(app.config.clock.now())
        } else {
            iso_z(now)
        };
        for (i, spec) in ledger.accounts() {
            let account = account_id(&granted.credentials_id, ledger.iban(i));
            for b in balances_of(ledger, i, now) {
                let keep = wanted.iter().all(|(key, value)| match key.as_str() {
                    "account_id" => *value == account,
                    "type" => value == b.kind,
                    _ => value == spec.currency,
                });
                if !keep {
                    continue;
                }
                rows.push(json!({
                    "account_id": account,
                    "data": {
                        "amount": money::magnitude(b.minor, trim),
                        "credit_debit_indicator": money::indicator(b.minor),
                        "credit_limit_included": b.limit_included,
                        "credit_line": null,
                        "currency": spec.currency,
                        "native_date": b.native_date.map(|d| d.format("%Y-%m-%d").to_string()),
                        "native_timestamp": b.native_timestamp.map(iso_z),
                        "type": b.kind,
                    },
                    "id": uuid_from(&format!(
                        "balance/{}/{account}/{}/{}",
                        granted.credentials_id,
                        b.kind,
                        now.timestamp()
                    )),
                    "timestamp": stamp,
                }));
            }
        }
    }
    Ok(render(&mut inner, Value::Array(rows), false))
}

// ---------------------------------------------------------------------------------------------
// Transactions

#[derive(Debug, Clone, Copy)]
enum Bound {
    Eq,
    Gte,
    Gt,
    Lte,
    Lt,
}

impl Bound {
    fn parse(suffix: &str) -> Option<Bound> {
        Some(match suffix {
            "eq" => Bound::Eq,
            "gte" => Bound::Gte,
            "gt" => Bound::Gt,
            "lte" => Bound::Lte,
            "lt" => Bound::Lt,
            _ => return None,
        })
    }

    /// Whether `value` (compared with the bound's operand as `order`) passes.
    fn admits(self, order: Ordering) -> bool {
        match self {
            Bound::Eq => order == Ordering::Equal,
            Bound::Gte => order != Ordering::Less,
            Bound::Gt => order == Ordering::Greater,
            Bound::Lte => order != Ordering::Greater,
            Bound::Lt => order == Ordering::Less,
        }
    }
}

#[derive(Default)]
struct Filter {
    texts: Vec<(String, String)>,
    tag: bool,
    amounts: Vec<(Bound, Decimal)>,
    booking: Vec<(Bound, DateTime<Utc>)>,
    stamps: Vec<(Bound, DateTime<Utc>)>,
}

fn bare(message: String) -> ApiError {
    ApiError::Bare(message)
}

fn instant(key: &str, value: &Value) -> Result<DateTime<Utc>, ApiError> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            bare(format!(
                "filter.{key} must be a UTC datetime such as 2019-05-11T00:00:00Z"
            ))
        })
}

fn decimal(key: &str, value: &Value) -> Result<Decimal, ApiError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    };
    Decimal::parse(&text).ok_or_else(|| bare(format!("filter.{key} must be a decimal amount")))
}

fn parse_filter(value: Option<&Value>) -> Result<Filter, ApiError> {
    let mut filter = Filter::default();
    let map = match value {
        None => return Ok(filter),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(bare("filter must be an object".to_owned())),
    };
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        let key = key.as_str();
        if let Some(bound) = Bound::parse(key) {
            filter.amounts.push((bound, decimal(key, value)?));
            continue;
        }
        if let Some(bound) = key.strip_prefix("booking_date_").and_then(Bound::parse) {
            filter.booking.push((bound, instant(key, value)?));
            continue;
        }
        if let Some(bound) = key.strip_prefix("timestamp_").and_then(Bound::parse) {
            filter.stamps.push((bound, instant(key, value)?));
            continue;
        }
        let known = [
            "account_id",
            "currency",
            "status",
            "credit_debit_indicator",
            "category",
            "merchant",
            "location",
            "tag",
        ];
        if !known.contains(&key) {
            return Err(bare(format!("Unknown filter element '{key}'")));
        }
        let Some(text) = value.as_str() else {
            return Err(bare(format!("filter.{key} must be a string")));
        };
        let valid = match key {
            "account_id" => is_uuid(text),
            "status" => ["booked", "pending"].contains(&text),
            "credit_debit_indicator" => ["debit", "credit"].contains(&text),
            _ => true,
        };
        if !valid {
            return Err(bare(format!("filter.{key} has an invalid value '{text}'")));
        }
        if key == "tag" {
            filter.tag = true;
        } else {
            filter.texts.push((key.to_owned(), text.to_owned()));
        }
    }
    Ok(filter)
}

/// One row under one consent, with what the filter looks at.
struct Wire<'a> {
    seen: Seen<'a>,
    account_id: String,
    currency: &'static str,
    timestamp: DateTime<Utc>,
}

impl Wire<'_> {
    fn text(&self, key: &str) -> Option<&str> {
        let details = self.seen.row.details.as_ref();
        match key {
            "account_id" => Some(&self.account_id),
            "currency" => Some(self.currency),
            "status" => Some(self.seen.status()),
            "credit_debit_indicator" => Some(money::indicator(self.seen.minor)),
            "category" => details.map(|d| d.category.as_str()),
            "merchant" => details.map(|d| d.merchant.as_str()),
            "location" => details.map(|d| d.location.as_str()),
            _ => None,
        }
    }

    fn passes(&self, filter: &Filter) -> bool {
        if filter.tag {
            return false;
        }
        let magnitude = self.seen.minor.abs();
        filter
            .texts
            .iter()
            .all(|(key, value)| self.text(key) == Some(value.as_str()))
            && filter
                .amounts
                .iter()
                .all(|(bound, d)| bound.admits(d.cmp_minor(magnitude)))
            && filter
                .booking
                .iter()
                .all(|(bound, t)| bound.admits(same_second(self.seen.time, *t, *bound)))
            && filter
                .stamps
                .iter()
                .all(|(bound, t)| bound.admits(same_second(self.timestamp, *t, *bound)))
    }
}

/// Orders `value` against `operand`; `eq` compares whole seconds.
fn same_second(value: DateTime<Utc>, operand: DateTime<Utc>, bound: Bound) -> Ordering {
    match bound {
        Bound::Eq => value.timestamp().cmp(&operand.timestamp()),
        _ => value.cmp(&operand),
    }
}

fn transaction_json(wire: &Wire<'_>, credentials_id: &str, trim: bool) -> Value {
    let row = wire.seen.row;
    let details = row
        .details
        .as_ref()
        .map(|d| json!({ "merchant": d.merchant, "category": d.category, "location": d.location }));
    json!({
        "account_id": wire.account_id,
        "timestamp": iso_z(wire.timestamp),
        "id": uuid_from(&format!("transaction/{credentials_id}/{}", row.utx_id)),
        "utx_id": row.utx_id,
        "data": {
            "amount": money::magnitude(wire.seen.minor, trim),
            "balance": wire.seen.balance.map(|b| money::signed(b, trim)),
            "booking_date_time": iso_z(wire.seen.time),
            "credit_debit_indicator": money::indicator(wire.seen.minor),
            "currency": wire.currency,
            "info": wire.seen.info,
            "status": wire.seen.status(),
            "details": details,
            "exchange_rate": row.exchange_rate,
        },
    })
}

pub(crate) async fn transactions(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    api::begin(&app)?;
    // A hostile fault, taken before the checks; a stall holds no lock while it waits.
    let hostile = app.lock().take_fault(FaultSite::TransactionCall);
    if let Some(FinqwareFault::Stall { secs, .. }) = hostile {
        crate::hostile::stall(secs).await;
    }
    let now = app.now();
    let mut inner = app.lock();
    let (fields, granted) = open(&app, &inner, &headers, &body, true, now)?;
    let filter = parse_filter(fields.get("filter"))?;
    api::reach_bank(&mut inner, granted.bank)?;
    let window = app.window_start(now);
    let mut rows: Vec<Value> = Vec::new();
    if !granted.purged {
        let ledger = inner.ledger(&app, granted.bank, now);
        let trim = ledger.bank.trims_zeros();
        let ids: Vec<String> = ledger
            .accounts()
            .map(|(i, _)| account_id(&granted.credentials_id, ledger.iban(i)))
            .collect();
        let mut wires: Vec<Wire<'_>> = ledger
            .view(now)
            .into_iter()
            .filter(|s| s.time >= window)
            .map(|seen| Wire {
                account_id: ids.get(seen.row.account).cloned().unwrap_or_default(),
                currency: ledger
                    .bank
                    .accounts
                    .get(seen.row.account)
                    .map_or("", |a| a.currency),
                timestamp: seen.row.appears_at.max(granted.cached),
                seen,
            })
            .filter(|w| w.passes(&filter))
            .collect();
        // Cache order: insertion time, then account, newest booking first.
        wires.sort_by_key(|w| {
            (
                w.timestamp,
                w.seen.row.account,
                Reverse(w.seen.time),
                w.seen.row.utx_id.clone(),
            )
        });
        rows = wires
            .iter()
            .map(|w| transaction_json(w, &granted.credentials_id, trim))
            .collect();
    }
    Ok(match hostile {
        Some(FinqwareFault::HugeBody { bytes, .. }) => {
            inner.stats.data_calls += 1;
            // An array: the padding goes before its closing bracket.
            let text = Value::Array(rows).to_string();
            let open = text.strip_suffix(']').unwrap_or(&text).to_owned();
            crate::hostile::flood_response(
                "application/json; charset=utf-8",
                crate::hostile::Flood::sized_with(open, bytes, b"]"),
            )
        }
        Some(FinqwareFault::EndlessBody { .. }) => {
            inner.stats.data_calls += 1;
            crate::hostile::flood_response(
                "application/json; charset=utf-8",
                crate::hostile::Flood::endless(b"["),
            )
        }
        _ => render(&mut inner, Value::Array(rows), true),
    })
}
