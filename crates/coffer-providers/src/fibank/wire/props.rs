//! Property test: any mutation of a realistic `GetCustBal` statement (fields removed, retyped,
//! oversized, absurd dates and amounts, the text cut short) is read without a panic, into rows
//! inside the ingest bounds (or refused at the door by field), or refused with a message that
//! says what. See `crate::props`.

use serde_json::{json, Value};

use super::*;
use crate::props::{assert_bounded_or_refused, assert_says_what, keys_of, mutated, runner};

fn summary(trn_type: &str, at: &str, balance: f64) -> Value {
    json!({"acEntrySrNo": null, "trnType": trn_type, "trname": "Салдо", "dtkt": "Кт",
        "amount": balance, "drAmount": 0.0, "crAmount": 0.0, "acBal": balance,
        "dateTime": at, "valueDt": at})
}

fn statement_doc() -> Value {
    json!({"acc": [{
        "iban": "BG80FINV91501017339942", "ccy": "BGN", "acDesc": "Разплащателна сметка",
        "description": "Разплащателна сметка", "category": "CURRENT",
        "acyCurrBalance": 1188.15, "acyAvlBal": 1188.15,
        "stmt": [
            summary("OP", "2026-06-01T00:00:00+0300", 1250.5),
            {"acEntrySrNo": 90_001, "reference": "FT26152ABCD", "trnType": "POS",
             "trnCode": "617", "trname": "Плащане с карта", "dtkt": "Дт", "amount": 62.35,
             "drAmount": 62.35, "crAmount": 0.0, "acBal": 1188.15,
             "dateTime": "2026-06-02T18:45:12+0300", "valueDt": "2026-06-02T00:00:00+0300",
             "contragent": "LIDL BULGARIA", "benOrderParty": null, "trnAccount": null,
             "remI": "LIDL SOFIA 17", "remIi": null, "remIii": null,
             "isEbankOper": "N", "isPayment": "N", "loadAsNew": "N"},
            {"acEntrySrNo": "90002", "reference": "FT26153WXYZ", "trnType": "TRF",
             "trnCode": "200", "trname": "Получен превод", "dtkt": "Кт", "amount": "1.23456E3",
             "drAmount": 0.0, "crAmount": 1234.56, "acBal": 2422.71,
             "dateTime": "2026-06-03T09:00:00+0300", "valueDt": "2026-06-03T00:00:00+0300",
             "contragent": null, "benOrderParty": "ИВАН ПЕТРОВ", "trnAccount": "BG11UNCR70001512345678",
             "remI": "Наем юни", "isEbankOper": "Y", "isPayment": "Y", "loadAsNew": "N"},
            summary("CL", "2026-06-30T00:00:00+0300", 2422.71)
        ]
    }]})
}

/// What `mod.rs` does with a statement answer: each account's entries, in its currency.
fn read(cust_bal: &CustBal) -> Vec<Result<Statement, String>> {
    cust_bal
        .acc
        .iter()
        .flatten()
        .map(|item| {
            let currency = item
                .ccy
                .as_deref()
                .unwrap_or("BGN")
                .parse::<Currency>()
                .map_err(|e| format!("ccy: {e}"))?;
            statement(item.stmt.as_deref().unwrap_or_default(), currency)
        })
        .collect()
}

#[test]
fn the_realistic_statement_itself_is_read() {
    let cust_bal: CustBal = serde_json::from_value(statement_doc()).unwrap();
    let read = read(&cust_bal);
    assert!(read.iter().all(Result::is_ok), "{read:?}");
}

#[test]
fn any_mutated_statement_is_read_within_bounds_or_refused_by_field() {
    let doc = statement_doc();
    let fields = keys_of(&doc);
    let mut fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    // The statement names its columns with their Bulgarian-bank words.
    fields.extend(["entry number", "direction"]);
    runner()
        .run(&mutated(doc), |text| {
            let cust_bal: CustBal = match serde_json::from_str(&text) {
                Ok(c) => c,
                Err(e) => return assert_says_what(&crate::wire::json_problem(&e), &fields),
            };
            for statement in read(&cust_bal) {
                match statement {
                    Ok(s) => assert_bounded_or_refused(&s.rows)?,
                    Err(e) => assert_says_what(&e, &fields)?,
                }
            }
            Ok(())
        })
        .unwrap();
}
