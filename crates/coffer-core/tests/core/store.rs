use std::time::Duration;

use coffer_core::model::{AccountKind, ConnectionStatus, TransactionStatus};
use coffer_core::store::{migrations, schema_version, Store, StoreError};
use coffer_core::{Currency, Filter, Money};
use rusqlite_migration::{Migrations, M};

use crate::{account, at, date, shown, tx};

#[test]
fn migrations_are_valid() {
    migrations().validate().unwrap();
}

#[test]
fn round_trips_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coffer.sqlite3");
    let (conn_id, account_id) = {
        let mut store = Store::open(&path).unwrap();
        let conn = store
            .add_connection("demo", "Demo Bank", at(2026, 1, 2))
            .unwrap();
        let mut a = account("17729", Currency::EUR, -123_456);
        a.kind = AccountKind::CreditCard;
        let account_id = store.upsert_account(conn.id, &a).unwrap();
        let mut t = tx(
            "k1",
            date(2026, 3, 27),
            -45_050,
            "VISA 422149...0052 27.03 REMA 1000",
        );
        t.amount = Money::new(-45_050, Currency::EUR);
        t.value_date = Some(date(2026, 3, 25));
        t.status = TransactionStatus::Pending;
        t.counterparty = Some("Rema 1000 Grünerløkka".into());
        t.provider_category = Some("groceries".into());
        store
            .upsert_transactions(account_id, &[t], None, date(2026, 3, 27), at(2026, 3, 27))
            .unwrap();
        (conn.id, account_id)
    };
    // Reopen: everything must come back from disk, not from memory.
    let store = Store::open(&path).unwrap();
    let conn = store.connection(conn_id).unwrap();
    assert_eq!(conn.provider, "demo");
    assert_eq!(conn.label, "Demo Bank");
    assert_eq!(conn.status, ConnectionStatus::Active);
    assert_eq!(conn.created_at, at(2026, 1, 2));
    assert_eq!(conn.last_sync_at, None);

    let a = store.account(account_id).unwrap();
    assert_eq!(a.connection_id, conn_id);
    assert_eq!(a.provider_account_id, "17729");
    assert_eq!(a.name, "Account 17729");
    assert_eq!(a.number.as_deref(), Some("1503.42.17729"));
    assert_eq!(a.iban.as_deref(), Some("NO93 1503 4217729"));
    assert_eq!(a.kind, AccountKind::CreditCard);
    assert_eq!(a.balance, Money::new(-123_456, Currency::EUR));
    assert_eq!(a.available, Some(Money::new(-123_556, Currency::EUR)));
    assert_eq!(a.balance_at, at(2026, 11, 21));
    assert_eq!(
        a.opening,
        Some((date(2024, 11, 21), Money::new(1_000, Currency::EUR)))
    );
    assert_eq!(
        store.sync_cursor(account_id).unwrap(),
        Some(date(2026, 3, 27))
    );

    let rows = store.account_transactions(account_id).unwrap();
    assert_eq!(rows.len(), 1);
    let t = &rows[0];
    assert_eq!(t.dedup_key, "k1");
    assert_eq!(t.provider_id.as_deref(), Some("p-k1"));
    assert_eq!(t.booking_date, date(2026, 3, 27));
    assert_eq!(t.value_date, Some(date(2026, 3, 25)));
    assert_eq!(t.amount, Money::new(-45_050, Currency::EUR));
    assert_eq!(t.status, TransactionStatus::Pending);
    assert_eq!(t.description, "VISA 422149...0052 27.03 REMA 1000");
    assert_eq!(t.counterparty.as_deref(), Some("Rema 1000 Grünerløkka"));
    assert_eq!(t.provider_category.as_deref(), Some("groceries"));
    assert_eq!(t.created_at, at(2026, 3, 27));
    assert_eq!(t.updated_at, at(2026, 3, 27));

    let view = shown(&store, &Filter::default());
    assert_eq!(view.len(), 1);
    assert_eq!(view[0].amount, "-450.50");
    assert_eq!(view[0].currency, "EUR");
    assert_eq!(view[0].provider, "demo");
    assert_eq!(view[0].account_name, "Account 17729");
    assert_eq!(view[0].value_date.as_deref(), Some("2026-03-25"));
    assert_eq!(
        view[0].counterparty.as_deref(),
        Some("Rema 1000 Grünerløkka")
    );
}

#[test]
fn a_newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coffer.sqlite3");
    drop(Store::open(&path).unwrap());
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.pragma_update(None, "journal_mode", "DELETE").unwrap();
        db.pragma_update(None, "user_version", schema_version() + 5)
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, .. } if found == schema_version() + 5),
        "got {err:?}"
    );
    assert!(
        err.to_string().contains("newer Coffer"),
        "message must say why: {err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file must not change"
    );
    assert!(
        !dir.path().join("coffer.sqlite3-wal").exists(),
        "no WAL may be created"
    );
}

#[test]
fn files_that_are_not_coffer_databases_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(
        &junk,
        b"this is a spreadsheet, not a database; ".repeat(200),
    )
    .unwrap();
    let before = std::fs::read(&junk).unwrap();
    let err = Store::open(&junk).unwrap_err();
    assert!(matches!(err, StoreError::NotCoffer { .. }), "got {err:?}");
    assert_eq!(std::fs::read(&junk).unwrap(), before);

    let foreign = dir.path().join("other-app.sqlite3");
    {
        let db = rusqlite::Connection::open(&foreign).unwrap();
        db.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    let err = Store::open(&foreign).unwrap_err();
    assert!(matches!(err, StoreError::NotCoffer { .. }), "got {err:?}");
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
}

#[test]
fn a_locked_database_is_reported_as_locked_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coffer.sqlite3");
    drop(Store::open(&path).unwrap());
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let mut store = Store::open_with_busy_timeout(&path, Duration::from_millis(100)).unwrap();
    let err = store
        .add_connection("demo", "Demo Bank", at(2026, 1, 1))
        .unwrap_err();
    assert!(matches!(err, StoreError::Locked), "got {err:?}");
    assert!(
        err.to_string().contains("locked by another process"),
        "{err}"
    );
    holder.execute_batch("COMMIT").unwrap();
    assert!(
        store.connections().unwrap().is_empty(),
        "the refused write must not land"
    );
    store
        .add_connection("demo", "Demo Bank", at(2026, 1, 1))
        .unwrap();
}

#[test]
fn a_failing_migration_changes_nothing() {
    let mut sql: Vec<M> = vec![M::up(include_str!("../../migrations/0001_initial.sql"))];
    sql.push(M::up(
        "CREATE TABLE extra (x INTEGER); INSERT INTO nowhere VALUES (1);",
    ));
    let broken = Migrations::new(sql);
    let mut db = rusqlite::Connection::open_in_memory().unwrap();
    assert!(broken.to_latest(&mut db).is_err());
    let version: i64 = db
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let tables: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        (version, tables),
        (0, 0),
        "all-or-nothing: not even migration 1 may stick"
    );
}

#[test]
fn an_unknown_account_in_the_filter_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.sqlite3")).unwrap();
    let snap = coffer_core::snapshot::Snapshot::load(&store).unwrap();
    let err = snap.select(&Filter::account(42)).unwrap_err();
    assert_eq!(err.to_string(), "no account with id 42");
}
