use super::*;

const CURRENT: &str = "KEY-CURRENT";
const CARD: &str = "KEY-CARD";

fn known() -> HashMap<String, KnownAccount> {
    let mut m = HashMap::new();
    m.insert(
        CURRENT.to_string(),
        KnownAccount {
            label: "12345678903".into(),
            number: Some("12345678903".into()),
            currency: Currency::NOK,
            credit_card: false,
        },
    );
    m.insert(
        CARD.to_string(),
        KnownAccount {
            label: "K1234567890".into(),
            number: Some("K1234567890".into()),
            currency: Currency::NOK,
            credit_card: true,
        },
    );
    m
}

fn keys() -> Vec<String> {
    vec![CURRENT.to_string(), CARD.to_string()]
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// One classified row; `fields` are spliced into the transaction object.
fn item(key: &str, fields: &str) -> String {
    format!(
        r#"{{"transaction":{{"accountKey":"{key}",{fields}}},"categories":[{{"main":"GROCERIES","mainI18n":"Dagligvarer","sub":"SUPERMARKET","subI18n":"Matbutikk","confidence":96}}],"recurring":false,"subscription":false}}"#
    )
}

fn body(items: &[String], errors: &str) -> String {
    format!(
        r#"{{"transactions":[{}],"errors":{errors}}}"#,
        items.join(",")
    )
}

// 2026-03-29 is when Oslo moves to CEST: midnight is 23:00Z the day before (CET).
const MARCH_29_OSLO_MIDNIGHT: i64 = 1_774_738_800_000;
// 2026-03-30 00:00 Oslo is 22:00Z on the 29th (CEST).
const MARCH_30_OSLO_MIDNIGHT: i64 = 1_774_821_600_000;

fn booked(key: &str, date_ms: i64, amount: &str, nuid: &str, text: &str) -> String {
    item(
        key,
        &format!(
            r#""id":"id-{nuid}-{date_ms}","nonUniqueId":"{nuid}","description":"{text} RAW","cleanedDescription":"{text}","amount":{amount},"currencyCode":"NOK","date":{date_ms},"bookingStatus":"BOOKED","isConfidential":false"#
        ),
    )
}

fn batch(answer: &Answer, key: &str) -> Result<TransactionBatch, ProviderError> {
    answer.batch(key, "label", day("2026-01-01"), day("2026-04-01"))
}

#[test]
fn oslo_days_follow_daylight_saving() {
    let b = body(
        &[
            booked(
                CURRENT,
                MARCH_29_OSLO_MIDNIGHT,
                "-249.00",
                "1111111111",
                "Vy",
            ),
            booked(
                CURRENT,
                MARCH_30_OSLO_MIDNIGHT,
                "-59.90",
                "2222222222",
                "Rema 1000",
            ),
        ],
        "[]",
    );
    let got = answer(&b, &keys(), &known()).unwrap();
    let rows = batch(&got, CURRENT).unwrap().transactions;
    assert_eq!(rows[0].booking_date, day("2026-03-29"));
    assert_eq!(rows[1].booking_date, day("2026-03-30"));
    assert_eq!(rows[1].amount, Money::new(-5990, Currency::NOK));
    // The bank's own text: `cleanedDescription` changes when its merchant data arrives.
    assert_eq!(rows[1].description, "Rema 1000 RAW");
    assert_eq!(rows[1].provider_category.as_deref(), Some("GROCERIES"));
    assert_eq!(rows[1].dedup_key, "b|2026-03-30|-5990|2222222222#1");
    let card = batch(&got, CARD).unwrap();
    assert!(
        card.transactions.is_empty(),
        "no rows for the card is an empty batch"
    );
    assert_eq!(card.from, Some(day("2026-01-01")));
}

#[test]
fn identical_purchases_stay_two_rows_with_repeatable_keys() {
    let twin = booked(
        CURRENT,
        MARCH_30_OSLO_MIDNIGHT,
        "-34.90",
        "0000000000",
        "Kiwi",
    );
    let b = body(&[twin.clone(), twin], "[]");
    let first = batch(&answer(&b, &keys(), &known()).unwrap(), CURRENT).unwrap();
    let again = batch(&answer(&b, &keys(), &known()).unwrap(), CURRENT).unwrap();
    let keys_of = |b: &TransactionBatch| {
        b.transactions
            .iter()
            .map(|t| t.dedup_key.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys_of(&first),
        vec![
            "b|2026-03-30|-3490|Kiwi RAW#1".to_string(),
            "b|2026-03-30|-3490|Kiwi RAW#2".to_string()
        ]
    );
    assert_eq!(keys_of(&first), keys_of(&again));
}

#[test]
fn pending_rows_are_keyed_by_their_raw_text() {
    let pending = item(
        CURRENT,
        &format!(
            r#""id":"x","nonUniqueId":"0000000000","description":"*1234 30.03 NOK 312.40 REMA 1000","cleanedDescription":"REMA 1000","amount":-312.4,"date":{MARCH_30_OSLO_MIDNIGHT},"bookingStatus":"PENDING","confidential":false"#
        ),
    );
    let got = answer(&body(&[pending], "[]"), &keys(), &known()).unwrap();
    let row = &batch(&got, CURRENT).unwrap().transactions[0];
    assert_eq!(row.status, TransactionStatus::Pending);
    assert_eq!(
        row.dedup_key,
        "p|2026-03-30|-31240|*1234 30.03 NOK 312.40 REMA 1000#1"
    );
    assert_eq!(row.description, "*1234 30.03 NOK 312.40 REMA 1000");
}

#[test]
fn a_float_tail_fails_only_its_account_and_names_the_field() {
    let b = body(
        &[
            booked(
                CURRENT,
                MARCH_30_OSLO_MIDNIGHT,
                "-59.900000000000006",
                "1",
                "Rema",
            ),
            booked(
                CARD,
                MARCH_30_OSLO_MIDNIGHT,
                "-89.00",
                "2",
                "Espresso House",
            ),
        ],
        "[]",
    );
    let got = answer(&b, &keys(), &known()).unwrap();
    let err = batch(&got, CURRENT).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sparebank1 sent a response Coffer cannot read: the `amount` of transaction 1 of \
         account 12345678903 is -59.900000000000006, which has more decimals than NOK allows (2)"
    );
    assert_eq!(batch(&got, CARD).unwrap().transactions.len(), 1);
}

#[test]
fn missing_fields_are_named_with_the_row_and_account() {
    let no_amount = item(
        CARD,
        &format!(
            r#""id":"x","description":"A","date":{MARCH_30_OSLO_MIDNIGHT},"bookingStatus":"BOOKED""#
        ),
    );
    let fine = booked(CARD, MARCH_30_OSLO_MIDNIGHT, "-1.00", "3", "B");
    let got = answer(&body(&[fine, no_amount], "[]"), &keys(), &known()).unwrap();
    let err = batch(&got, CARD).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("transaction 2 of account K1234567890 has no `amount`"),
        "{err}"
    );
    assert!(batch(&got, CURRENT).is_ok());
}

#[test]
fn a_row_that_names_no_account_fails_every_account() {
    let orphan = format!(
        r#"{{"transaction":{{"id":"x","amount":-1.0,"date":{MARCH_30_OSLO_MIDNIGHT},"bookingStatus":"BOOKED","description":"?"}},"categories":[]}}"#
    );
    let got = answer(&body(&[orphan], "[]"), &keys(), &known()).unwrap();
    for key in [CURRENT, CARD] {
        let err = batch(&got, key).unwrap_err();
        assert!(err.to_string().contains("has no `accountKey`"), "{err}");
    }
}

#[test]
fn a_row_found_by_account_number_when_the_key_is_missing() {
    let row = format!(
        r#"{{"transaction":{{"accountNumber":{{"value":"12345678903","formatted":"1234.56.78903","unformatted":"12345678903"}},"nonUniqueId":"9","amount":-1.0,"date":{MARCH_30_OSLO_MIDNIGHT},"bookingStatus":"BOOKED","description":"A"}}}}"#
    );
    let got = answer(&body(&[row], "[]"), &keys(), &known()).unwrap();
    assert_eq!(batch(&got, CURRENT).unwrap().transactions.len(), 1);
}

#[test]
fn partial_failures_are_never_taken_as_complete() {
    let b = body(
        &[booked(CURRENT, MARCH_30_OSLO_MIDNIGHT, "-1.00", "1", "A")],
        r#"["RECENT_TRANSACTIONS_FAILED"]"#,
    );
    let got = answer(&b, &keys(), &known()).unwrap();
    for key in [CURRENT, CARD] {
        let err = batch(&got, key).unwrap_err();
        assert!(
            matches!(err, ProviderError::Other { .. })
                && err.to_string().contains("RECENT_TRANSACTIONS_FAILED"),
            "{err}"
        );
    }
    let b = body(
        &[booked(CURRENT, MARCH_30_OSLO_MIDNIGHT, "-1.00", "1", "A")],
        r#"["CREDIT_ACCOUNTS_FAILED"]"#,
    );
    let got = answer(&b, &keys(), &known()).unwrap();
    assert!(batch(&got, CARD).is_err());
    assert_eq!(batch(&got, CURRENT).unwrap().transactions.len(), 1);
}

#[test]
fn confidential_rows_may_lack_text_and_uncategorised_is_dropped() {
    let row = format!(
        r#"{{"transaction":{{"accountKey":"{CURRENT}","nonUniqueId":"0000000000","amount":-100,"date":{MARCH_30_OSLO_MIDNIGHT},"bookingStatus":"BOOKED","confidential":true,"remoteAccountName":null,"merchant":{{"name":"Kiosk"}}}},"categories":[{{"main":"UNCATEGORIZED","mainI18n":"Ukategorisert"}}]}}"#
    );
    let got = answer(&body(&[row], "[]"), &keys(), &known()).unwrap();
    let t = &batch(&got, CURRENT).unwrap().transactions[0];
    assert_eq!(t.description, "Confidential transaction");
    assert_eq!(t.provider_category, None);
    assert_eq!(t.counterparty.as_deref(), Some("Kiosk"));
    assert_eq!(t.amount.minor, -10_000);
}

#[test]
fn rows_before_the_asked_window_are_left_out() {
    let b = body(
        &[booked(CURRENT, MARCH_29_OSLO_MIDNIGHT, "-1.00", "1", "A")],
        "[]",
    );
    let got = answer(&b, &keys(), &known()).unwrap();
    let later = got
        .batch(CURRENT, "x", day("2026-03-30"), day("2026-04-01"))
        .unwrap();
    assert!(later.transactions.is_empty());
    assert_eq!(later.from, Some(day("2026-03-30")));
}

#[test]
fn truncated_bodies_fail_without_quoting_them() {
    let err = answer(
        r#"{"transactions":[{"transaction":{"description":"PRIVATE"#,
        &keys(),
        &known(),
    )
    .err()
    .unwrap();
    let text = err.to_string();
    assert!(
        text.contains("the transactions answer cannot be read: it ends in the middle"),
        "{text}"
    );
    assert!(!text.contains("PRIVATE"), "{text}");
}

#[test]
fn accounts_are_read_exactly_and_kinds_mapped() {
    let body = r#"{"accounts":[
      {"key":"A","accountNumber":"12345678903","iban":"NO9312345678903","name":"Brukskonto","balance":12345.67,"availableBalance":12000,"currencyCode":"NOK","type":"CURRENT","accountProperties":{"isSavingsAccount":false}},
      {"key":"B","accountNumber":"98765432109","name":"BSU","balance":250000.00,"availableBalance":250000.0,"currencyCode":"NOK","type":"BSU","accountProperties":{"isSavingsAccount":true}},
      {"key":"C","accountNumber":"K1234567890","name":"Kredittkort","balance":-4523.1,"availableBalance":45476.9,"currencyCode":"NOK","type":"CREDITCARD"}
    ],"errors":[]}"#;
    let now = Utc::now();
    let list = accounts(body, now).unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].balance, Money::new(1_234_567, Currency::NOK));
    assert_eq!(
        list[0].available,
        Some(Money::new(1_200_000, Currency::NOK))
    );
    assert_eq!(list[0].kind, AccountKind::Current);
    assert_eq!(list[0].iban.as_deref(), Some("NO9312345678903"));
    assert_eq!(list[1].kind, AccountKind::Savings);
    assert_eq!(list[2].kind, AccountKind::CreditCard);
    assert_eq!(list[2].balance.minor, -452_310);
    assert!(list
        .iter()
        .all(|a| a.opening.is_none() && a.balance_at == now));

    let err = accounts(
        r#"{"accounts":[{"key":"A","accountNumber":"1","balance":1.005,"currencyCode":"NOK"}]}"#,
        now,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sparebank1 sent a response Coffer cannot read: the `balance` of account 1 is 1.005, \
         which has more decimals than NOK allows (2)"
    );
    let err = accounts(r#"{"accounts":[{"accountNumber":"1"}]}"#, now).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("account 1 in the list has no `key`"),
        "{err}"
    );
}
