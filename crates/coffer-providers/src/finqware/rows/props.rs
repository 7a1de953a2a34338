//! Property test: any mutation of a realistic `/transactions/get` answer (fields removed,
//! retyped, oversized, absurd dates and amounts, the text cut short) is read without a panic,
//! into rows inside the ingest bounds (or refused at the door by field), or refused with a
//! message that says what. See `crate::props`.

use serde_json::{json, Value};

use super::*;
use crate::props::{assert_bounded_or_refused, assert_says_what, keys_of, mutated, runner};

fn answer_doc() -> Value {
    json!([
        {"account_id": "a", "id": "x", "utx_id": "u1", "timestamp": "2026-03-29T00:00:00Z",
         "data": {"amount": "4.27", "balance": "9434.52",
            "booking_date_time": "2026-03-28T22:30:00Z", "credit_debit_indicator": "debit",
            "currency": "RON", "info": "Plată card ș ț", "status": "booked",
            "details": {"merchant": "Lidl", "category": "Groceries", "location": "Iași"},
            "exchange_rate": null}},
        {"account_id": "a", "id": "y", "utx_id": "u2", "timestamp": "2026-03-29T00:00:00Z",
         "data": {"amount": 45, "booking_date_time": "2026-03-28T21:30:00Z",
            "credit_debit_indicator": "credit", "currency": "RON", "info": "Salariu",
            "status": "pending", "details": null}}
    ])
}

#[test]
fn the_realistic_answer_itself_is_read() {
    let wire: Vec<TransactionWire> = serde_json::from_value(answer_doc()).unwrap();
    let rows = transactions(&wire, "a", "RO49", chrono_tz::Europe::Bucharest).unwrap();
    assert_eq!(rows.len(), 2);
}

#[test]
fn any_mutated_answer_is_read_within_bounds_or_refused_by_field() {
    let doc = answer_doc();
    let fields = keys_of(&doc);
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    runner()
        .run(&mutated(doc), |text| {
            // `api.rs` reads the body into these types first; what does not fit stops there,
            // named by its position.
            let wire: Vec<TransactionWire> = match serde_json::from_str(&text) {
                Ok(w) => w,
                Err(e) => return assert_says_what(&crate::wire::json_problem(&e), &fields),
            };
            match transactions(&wire, "a", "RO49", chrono_tz::Europe::Bucharest) {
                Ok(rows) => assert_bounded_or_refused(&rows)?,
                Err(e) => assert_says_what(&e.to_string(), &fields)?,
            }
            Ok(())
        })
        .unwrap();
}
