//! Property test: any mutation of a realistic `GET /transaction` `data` list (fields removed,
//! retyped, oversized, absurd dates and amounts, the text cut short) is read without a panic,
//! into rows inside the ingest bounds (or refused at the door by field), or refused with a
//! message that says what; the same for its account list. See `crate::props`.

use serde_json::{json, Value};

use super::*;
use crate::props::{assert_bounded_or_refused, assert_says_what, keys_of, mutated, runner};

fn data_doc() -> Value {
    json!([
        {"id": 4_116_357, "original_id": "techcombank-a", "date": "2026-06-14",
         "amount": "-61299.00", "currency": "VND", "description": "GRAB*RIDE HCM",
         "category": "auto_and_transport", "meta": {"mcc": "4121"}},
        {"id": 4_116_358, "original_id": "techcombank-b", "date": "2026-06-13",
         "amount": "12.34", "currency": "USD", "description": "Refund",
         "category": "uncategorized", "meta": null},
        {"id": 4_116_359, "original_id": "techcombank-c", "date": "2026-06-12",
         "amount": 0.30, "currency": "USD", "description": "Interest", "category": null}
    ])
}

#[test]
fn the_realistic_list_itself_is_read() {
    let raw = RawValue::from_string(data_doc().to_string()).unwrap();
    assert_eq!(transactions(&raw, "14010").unwrap().len(), 3);
}

#[test]
fn any_mutated_list_is_read_within_bounds_or_refused_by_field() {
    let doc = data_doc();
    let fields = keys_of(&doc);
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    runner()
        .run(&mutated(doc), |text| {
            // The envelope is parsed first (`api.rs`): text that is not JSON stops there.
            let Ok(raw) = RawValue::from_string(text) else {
                return Ok(());
            };
            match transactions(&raw, "14010") {
                Ok(rows) => assert_bounded_or_refused(&rows)?,
                Err(e) => assert_says_what(&e.to_string(), &fields)?,
            }
            Ok(())
        })
        .unwrap();
}

fn accounts_doc() -> Value {
    json!([
        {"id": 14_010, "original_id": "x", "login_id": 1, "name": "Techcombank",
         "balance": "291087.00", "currency": "VND", "type": "current"},
        {"id": 14_011, "original_id": "y", "login_id": 1, "name": "Visa Platinum",
         "balance": -1520.5, "currency": "USD", "type": "credit_card"}
    ])
}

#[test]
fn any_mutated_account_list_is_read_or_refused_by_field() {
    let doc = accounts_doc();
    let fields = keys_of(&doc);
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let now = chrono::Utc::now();
    let raw = RawValue::from_string(doc.to_string()).unwrap();
    assert_eq!(accounts(&raw, now).unwrap().len(), 2);
    runner()
        .run(&mutated(doc), |text| {
            let Ok(raw) = RawValue::from_string(text) else {
                return Ok(());
            };
            match accounts(&raw, now) {
                Ok(list) => crate::props::assert_balances_bounded_or_refused(&list)?,
                Err(e) => assert_says_what(&e.to_string(), &fields)?,
            }
            Ok(())
        })
        .unwrap();
}
