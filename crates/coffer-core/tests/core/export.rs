use coffer_core::export::CSV_COLUMNS;
use coffer_core::model::TransactionStatus;
use coffer_core::snapshot::Snapshot;
use coffer_core::store::Store;
use coffer_core::{Currency, Filter};

use crate::{account, at, date, shown, tx};

const HOSTILE: &[&str] = &[
    "REMA 1000, GRUNERLOKKA, OSLO",
    "He said \"two coffees\"",
    "line one\nline two\r\nline three",
    "Kaffebrenneriet Grünerløkka æøå ÆØÅ",
    "Магазин «Пятёрочка» Москва",
    "=HYPERLINK(\"http://evil\",\"click\")",
    "+47 22 00 00 00",
    "-SUM(A1:A9)",
    "@SUM(1+1)",
    "\tTAB START",
    "\rCR START",
    "",
];

fn stored() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("coffer.sqlite3")).unwrap();
    let conn = store
        .add_connection("demo", "Demo Bank", at(2026, 1, 1))
        .unwrap();
    let a = store
        .upsert_account(conn.id, &account("a", Currency::NOK, 0))
        .unwrap();
    let rows: Vec<_> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut t = tx(
                &format!("k{i}"),
                date(2026, 3, 1 + i as u32),
                -(i as i64) * 1_001 + 7,
                d,
            );
            if i % 3 == 0 {
                t.status = TransactionStatus::Pending;
            }
            t
        })
        .collect();
    store
        .upsert_transactions(a, &rows, None, date(2026, 3, 31), at(2026, 3, 31))
        .unwrap();
    (dir, store)
}

#[test]
fn export_reads_back_with_the_same_rows_and_amounts() {
    let (_dir, store) = stored();
    let filter = Filter::default();
    let mut bytes = Vec::new();
    let snap = Snapshot::load(&store).unwrap();
    let written = snap
        .write_csv(&snap.select(&filter).unwrap(), &mut bytes)
        .unwrap();
    let rows = shown(&store, &filter);
    assert_eq!(written, rows.len() as u64);

    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        CSV_COLUMNS
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(&rows) {
        assert_eq!(&record[0], row.booking_date);
        assert_eq!(&record[5], row.amount, "amounts are plain signed numbers");
        assert_eq!(&record[6], "NOK");
        assert_eq!(&record[7], row.direction.as_str());
        assert_eq!(&record[8], row.status.as_str());
        assert_eq!(&record[10], row.id.to_string());
        let description = &record[2];
        let original = row.description.as_str();
        match original.chars().next() {
            Some('=' | '+' | '-' | '@' | '\t' | '\r') => {
                assert_eq!(
                    description,
                    format!("'{original}"),
                    "formula starter neutralised"
                );
            }
            _ => assert_eq!(description, original, "text survives byte for byte"),
        }
    }
    // Every hostile description came back, in some row.
    for d in HOSTILE {
        assert!(
            records.iter().any(|r| r[2].trim_start_matches('\'') == *d),
            "{d:?} did not survive"
        );
    }
}

#[test]
fn export_follows_the_filter_exactly() {
    let (_dir, store) = stored();
    let filter = Filter {
        from: Some(date(2026, 3, 3)),
        to: Some(date(2026, 3, 8)),
        search: Some("o".into()),
        ..Filter::default()
    };
    let mut bytes = Vec::new();
    let snap = Snapshot::load(&store).unwrap();
    snap.write_csv(&snap.select(&filter).unwrap(), &mut bytes)
        .unwrap();
    let ids: Vec<String> = csv::Reader::from_reader(bytes.as_slice())
        .records()
        .map(|r| r.unwrap()[10].to_string())
        .collect();
    let on_screen: Vec<String> = shown(&store, &filter)
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert!(
        !on_screen.is_empty() && on_screen.len() < HOSTILE.len(),
        "the filter must bite"
    );
    assert_eq!(ids, on_screen);
}
