//! Property test: any mutation of a realistic `/transactions/classified` answer (fields removed,
//! retyped, oversized, absurd dates and amounts, the text cut short) is read without a panic,
//! into rows inside the ingest bounds (or refused at the door by field), or refused with a
//! message that says what; the same for its account list. See `crate::props`.

use serde_json::{json, Value};

use super::*;
use crate::props::{assert_bounded_or_refused, assert_says_what, keys_of, mutated, runner};

const CURRENT: &str = "KEY-CURRENT";
const CARD: &str = "KEY-CARD";

fn known() -> HashMap<String, KnownAccount> {
    let account = |label: &str, credit_card| KnownAccount {
        label: label.into(),
        number: Some(label.into()),
        currency: Currency::NOK,
        credit_card,
    };
    HashMap::from([
        (CURRENT.to_string(), account("12345678903", false)),
        (CARD.to_string(), account("K1234567890", true)),
    ])
}

/// Three rows as the bank sends them: a booked card purchase, a pending one on the credit card
/// and an incoming transfer with its counterparty.
fn answer_doc() -> Value {
    let categories = json!([{"main": "GROCERIES", "mainI18n": "Dagligvarer", "sub": "SUPERMARKET",
        "subI18n": "Matbutikk", "confidence": 96}]);
    json!({
        "transactions": [
            {"transaction": {"accountKey": CURRENT, "id": "id-1", "nonUniqueId": "1111111111",
                "description": "*1234 30.03 NOK 312.40 REMA 1000 GRUNERLOKKA",
                "cleanedDescription": "Rema 1000 Grunerlokka", "amount": -312.4,
                "currencyCode": "NOK", "date": 1_774_821_600_000_i64, "bookingStatus": "BOOKED",
                "isConfidential": false, "merchant": {"name": "Rema 1000"}},
             "categories": categories, "recurring": false, "subscription": false},
            {"transaction": {"accountKey": CARD, "id": "id-2", "nonUniqueId": "0000000000",
                "description": "VIPPS *KIOSK", "cleanedDescription": "Vipps Kiosk",
                "amount": -59.9, "currencyCode": "NOK", "date": 1_774_738_800_000_i64,
                "bookingStatus": "PENDING", "isConfidential": false},
             "categories": [{"main": "UNCATEGORIZED", "mainI18n": "Ukategorisert"}]},
            {"transaction": {"accountKey": CURRENT, "id": "id-3", "nonUniqueId": "2222222222",
                "description": "Lønn", "amount": 45210, "currencyCode": "NOK",
                "date": 1_774_738_800_000_i64, "bookingStatus": "BOOKED",
                "remoteAccountNumber": "12340000000", "remoteAccountName": "Arbeidsgiver AS"},
             "categories": []}
        ],
        "errors": []
    })
}

#[test]
fn the_realistic_answer_itself_is_read() {
    let keys = vec![CURRENT.to_string(), CARD.to_string()];
    let answer = answer(&answer_doc().to_string(), &keys, &known()).unwrap();
    let from = NaiveDate::MIN;
    let rows = answer
        .batch(CURRENT, "label", from, NaiveDate::MAX)
        .unwrap()
        .transactions;
    assert_eq!(rows.len(), 2);
}

#[test]
fn any_mutated_answer_is_read_within_bounds_or_refused_by_field() {
    let doc = answer_doc();
    let fields = keys_of(&doc);
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let keys = vec![CURRENT.to_string(), CARD.to_string()];
    runner()
        .run(&mutated(doc), |text| {
            match answer(&text, &keys, &known()) {
                Err(e) => assert_says_what(&e.to_string(), &fields)?,
                Ok(a) => {
                    for key in &keys {
                        if let Some(problem) = a.problem(key) {
                            // A partial-failure code the bank put in `errors` is its own words.
                            if !problem.contains("answered only in part") {
                                assert_says_what(&problem, &fields)?;
                            }
                            continue;
                        }
                        match a.batch(key, "label", NaiveDate::MIN, NaiveDate::MAX) {
                            Ok(batch) => assert_bounded_or_refused(&batch.transactions)?,
                            Err(e) => assert_says_what(&e.to_string(), &fields)?,
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

fn accounts_doc() -> Value {
    json!({"accounts": [
        {"key": "A", "accountNumber": "12345678903", "iban": "NO9312345678903",
         "name": "Brukskonto", "balance": 12345.67, "availableBalance": 12000,
         "currencyCode": "NOK", "type": "CURRENT",
         "accountProperties": {"isSavingsAccount": false}},
        {"key": "B", "accountNumber": "98765432109", "name": "BSU", "balance": 250000.00,
         "availableBalance": 250000.0, "currencyCode": "NOK", "type": "BSU",
         "accountProperties": {"isSavingsAccount": true}},
        {"key": "C", "accountNumber": "K1234567890", "name": "Kredittkort", "balance": -4523.1,
         "availableBalance": 45476.9, "currencyCode": "NOK", "type": "CREDITCARD"}
    ], "errors": []})
}

#[test]
fn any_mutated_account_list_is_read_or_refused_by_field() {
    let doc = accounts_doc();
    let fields = keys_of(&doc);
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let now = chrono::Utc::now();
    assert_eq!(accounts(&doc.to_string(), now).unwrap().len(), 3);
    runner()
        .run(&mutated(doc), |text| {
            match accounts_with_errors(&text, now) {
                Ok((list, _)) => crate::props::assert_balances_bounded_or_refused(&list)?,
                Err(e) => assert_says_what(&e.to_string(), &fields)?,
            }
            Ok(())
        })
        .unwrap();
}
