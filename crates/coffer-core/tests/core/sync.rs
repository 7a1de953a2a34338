use std::sync::Mutex;

use coffer_core::model::{ConnectionStatus, TransactionStatus};
use coffer_core::store::Store;
use coffer_core::sync::{sync_connection, SyncEvent, SyncSummary};
use coffer_core::{Currency, Filter};

use crate::{account, at, date, tx, Scripted};

fn open() -> (tempfile::TempDir, Mutex<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("coffer.sqlite3")).unwrap();
    (dir, Mutex::new(store))
}

async fn run(store: &Mutex<Store>, provider: &Scripted) -> (SyncSummary, Vec<SyncEvent>) {
    let conn = {
        let mut s = store.lock().unwrap();
        match s.connections().unwrap().into_iter().next() {
            Some(c) => c,
            None => s
                .add_connection("scripted", "Scripted Bank", at(2026, 1, 1))
                .unwrap(),
        }
    };
    let mut events = Vec::new();
    let summary = sync_connection(store, &conn, provider, || at(2026, 11, 21), &mut |e| {
        events.push(e)
    })
    .await
    .unwrap();
    (summary, events)
}

fn two_accounts() -> Scripted {
    Scripted {
        accounts: vec![
            account("a", Currency::NOK, 5_000),
            account("b", Currency::NOK, -250),
        ],
        transactions: vec![
            (
                "a".into(),
                vec![
                    tx(
                        "a1",
                        date(2026, 11, 1),
                        5_200_000,
                        "LØNN FRA NORDLYS TEKNOLOGI AS",
                    ),
                    // Two genuine, identical coffees on the same day: different provider keys.
                    tx(
                        "a2",
                        date(2026, 11, 3),
                        -4_500,
                        "ESPRESSO HOUSE MAJORSTUEN OSLO",
                    ),
                    tx(
                        "a3",
                        date(2026, 11, 3),
                        -4_500,
                        "ESPRESSO HOUSE MAJORSTUEN OSLO",
                    ),
                ],
            ),
            (
                "b".into(),
                vec![tx(
                    "b1",
                    date(2026, 11, 5),
                    -25_000,
                    "VISA 422149...0052 KIWI",
                )],
            ),
        ],
        ..Scripted::default()
    }
}

fn all_rows(store: &Mutex<Store>) -> Vec<coffer_core::model::Transaction> {
    let s = store.lock().unwrap();
    s.accounts()
        .unwrap()
        .iter()
        .flat_map(|a| s.account_transactions(a.id).unwrap())
        .collect()
}

#[tokio::test]
async fn a_second_sync_of_unchanged_data_changes_nothing() {
    let (_dir, store) = open();
    let provider = two_accounts();
    let (first, events) = run(&store, &provider).await;
    assert_eq!(
        (
            first.fetched,
            first.inserted,
            first.updated,
            first.unchanged
        ),
        (4, 4, 0, 0)
    );
    assert!(first.errors.is_empty());
    assert!(matches!(events.first(), Some(SyncEvent::Started { .. })));
    assert!(matches!(
        events.get(1),
        Some(SyncEvent::Accounts { total: 2, .. })
    ));
    assert!(matches!(events.last(), Some(SyncEvent::Finished { .. })));
    let rows_after_first = all_rows(&store);

    let (second, _) = run(&store, &provider).await;
    assert_eq!((second.fetched, second.inserted, second.updated), (4, 0, 0));
    assert_eq!(second.unchanged, 4);
    assert_eq!(
        all_rows(&store),
        rows_after_first,
        "rows must be identical, timestamps too"
    );

    let s = store.lock().unwrap();
    let runs = s.sync_runs(first.connection_id).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[1].inserted, runs[1].updated, runs[1].unchanged),
        (0, 0, 4)
    );
    let conn = s.connection(first.connection_id).unwrap();
    assert_eq!(conn.last_sync_at, Some(at(2026, 11, 21)));
}

#[tokio::test]
async fn identical_purchases_on_the_same_day_both_survive() {
    let (_dir, store) = open();
    run(&store, &two_accounts()).await;
    let coffees: Vec<_> = all_rows(&store)
        .into_iter()
        .filter(|t| t.description.starts_with("ESPRESSO HOUSE"))
        .collect();
    assert_eq!(
        coffees.len(),
        2,
        "both coffees are real and must both be stored"
    );
    assert_ne!(coffees[0].id, coffees[1].id);
}

#[tokio::test]
async fn pending_becomes_booked_in_place_and_stale_pending_expires() {
    let (_dir, store) = open();
    let mut provider = two_accounts();
    let mut pending = tx("a4", date(2026, 11, 20), -18_900, "FOODORA AS");
    pending.status = TransactionStatus::Pending;
    let mut cancelled = tx("a5", date(2026, 11, 20), -99_900, "HOTEL RESERVATION HOLD");
    cancelled.status = TransactionStatus::Pending;
    provider.transactions[0]
        .1
        .extend([pending.clone(), cancelled]);
    run(&store, &provider).await;
    assert_eq!(all_rows(&store).len(), 6);

    // Next day: the Foodora row is booked with its final amount; the hold is gone.
    let mut booked = pending;
    booked.status = TransactionStatus::Booked;
    booked.amount = coffer_core::Money::new(-19_900, Currency::NOK);
    provider.transactions[0].1.truncate(3);
    provider.transactions[0].1.push(booked);
    let (summary, _) = run(&store, &provider).await;
    assert_eq!(
        (summary.inserted, summary.updated, summary.expired),
        (0, 1, 1)
    );
    let rows = all_rows(&store);
    assert_eq!(rows.len(), 5, "never both the pending and the booked twin");
    let foodora: Vec<_> = rows
        .iter()
        .filter(|t| t.description == "FOODORA AS")
        .collect();
    assert_eq!(foodora.len(), 1);
    assert_eq!(foodora[0].status, TransactionStatus::Booked);
    assert_eq!(foodora[0].amount.minor, -19_900);
    assert!(rows
        .iter()
        .all(|t| t.description != "HOTEL RESERVATION HOLD"));
}

#[tokio::test]
async fn the_next_sync_starts_from_the_cursor_minus_the_overlap() {
    let (_dir, store) = open();
    let provider = two_accounts();
    run(&store, &provider).await;
    run(&store, &provider).await;
    let seen = provider.since_seen.lock().unwrap().clone();
    assert_eq!(
        seen[..2],
        [None, None],
        "the first sync fetches all history"
    );
    // The scripted batch covers through 2026-11-21; 10 days of overlap.
    assert_eq!(
        seen[2..],
        [Some(date(2026, 11, 11)), Some(date(2026, 11, 11))]
    );
}

#[tokio::test]
async fn a_broken_account_is_reported_and_the_others_still_sync() {
    let (_dir, store) = open();
    let mut provider = two_accounts();
    run(&store, &provider).await;
    let before = all_rows(&store);

    provider.broken = vec!["a".into()];
    provider.transactions[1]
        .1
        .push(tx("b2", date(2026, 11, 6), -1_000, "RUTER"));
    let (summary, events) = run(&store, &provider).await;
    assert_eq!(summary.errors.len(), 1);
    assert!(
        summary.errors[0].contains("Account a") && summary.errors[0].contains("'amount'"),
        "the message names the account and what was wrong: {}",
        summary.errors[0]
    );
    assert!(events.iter().any(|e| matches!(e, SyncEvent::Failed { .. })));
    assert_eq!(summary.inserted, 1, "account b still synced");

    let after = all_rows(&store);
    for row in &before {
        assert!(
            after.contains(row),
            "stored row {} was lost or changed",
            row.dedup_key
        );
    }
    let s = store.lock().unwrap();
    let conn = s.connection(summary.connection_id).unwrap();
    assert_eq!(conn.status, ConnectionStatus::Error);
    assert!(conn.last_error.unwrap_or_default().contains("'amount'"));
}

#[tokio::test]
async fn a_transaction_in_the_wrong_currency_fails_only_its_account() {
    let (_dir, store) = open();
    let mut provider = two_accounts();
    provider.transactions[0].1[0].amount = coffer_core::Money::new(100, Currency::EUR);
    let (summary, _) = run(&store, &provider).await;
    assert_eq!(summary.errors.len(), 1);
    assert!(summary.errors[0].contains("EUR"), "{}", summary.errors[0]);
    let s = store.lock().unwrap();
    assert_eq!(
        crate::shown(&s, &Filter::default()).len(),
        1,
        "only account b's row is stored"
    );
}

#[tokio::test]
async fn a_key_sent_twice_fails_only_its_account_with_a_clear_message() {
    let (_dir, store) = open();
    let mut provider = two_accounts();
    // Big enough for the bulk path, with one key repeated.
    let rows: Vec<_> = (0..300)
        .map(|n| tx(&format!("a-{n}"), date(2026, 10, 1), -100 - n, "KIWI"))
        .chain([tx("a-7", date(2026, 10, 2), -999, "KIWI AGAIN")])
        .collect();
    provider.transactions[0].1 = rows;
    let (summary, _) = run(&store, &provider).await;
    assert_eq!(summary.errors.len(), 1, "{:?}", summary.errors);
    assert!(
        summary.errors[0].contains("'a-7'") && summary.errors[0].contains("twice"),
        "{}",
        summary.errors[0]
    );
    assert_eq!(summary.inserted, 1, "account b still synced");
    assert_eq!(all_rows(&store).len(), 1, "nothing of account a was stored");
}
