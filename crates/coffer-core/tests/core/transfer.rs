//! Transfers between the user's own accounts: found across banks, left out of reports, and the
//! user's unpairing and pairing kept across syncs.

use std::sync::Mutex;

use coffer_core::filter::Transfers;
use coffer_core::model::{AccountKind, ProviderAccount, ProviderTransaction};
use coffer_core::report;
use coffer_core::snapshot::{Period, Snapshot};
use coffer_core::store::Store;
use coffer_core::sync::sync_connection;
use coffer_core::views::TransactionView;
use coffer_core::{Currency, Filter, Money};

use crate::{at, date, tx, Scripted};

fn own(id: &str, name: &str, number: &str, currency: Currency) -> ProviderAccount {
    ProviderAccount {
        provider_account_id: id.into(),
        name: name.into(),
        number: Some(number.into()),
        iban: None,
        kind: AccountKind::Current,
        balance: Money::new(0, currency),
        available: None,
        balance_at: at(2026, 12, 4),
        opening: None,
    }
}

fn eur(key: &str, day: chrono::NaiveDate, minor: i64, text: &str) -> ProviderTransaction {
    let mut t = tx(key, day, minor, text);
    t.amount = Money::new(minor, Currency::EUR);
    t
}

/// Bank A holds the current account; bank B the savings and a euro account.
fn banks() -> (Scripted, Scripted) {
    let a = Scripted {
        accounts: vec![own("cur", "Brukskonto", "1503.42.17723", Currency::NOK)],
        transactions: vec![(
            "cur".into(),
            vec![
                tx(
                    "c1",
                    date(2026, 12, 1),
                    -1_000_000,
                    "Overføring 9710.05.12345",
                ),
                // The same amount as a deposit on savings, but paid to a stranger's account.
                tx(
                    "c2",
                    date(2026, 11, 10),
                    -50_000,
                    "Overføring til 1234.56.78903 Ola Nordmann",
                ),
                // Rent and an unrelated deposit of the same size: nothing links them.
                tx("c3", date(2026, 11, 15), -30_000, "Husleie november"),
                tx("c4", date(2026, 11, 20), -1_150_000, "Til Euro account"),
                tx("c5", date(2026, 11, 5), -20_000, "Til Sparekonto"),
                tx("c6", date(2026, 11, 25), -40_000, "REMA 1000 MAJORSTUEN"),
            ],
        )],
        ..Scripted::default()
    };
    let b = Scripted {
        accounts: vec![
            own("sav", "Sparekonto", "9710.05.12345", Currency::NOK),
            own("eur", "Euro account", "9710.05.99999", Currency::EUR),
        ],
        transactions: vec![
            (
                "sav".into(),
                vec![
                    tx("s1", date(2026, 12, 2), 1_000_000, "Innskudd"),
                    tx(
                        "s2",
                        date(2026, 11, 11),
                        50_000,
                        "Fra Kari Hansen 2222.33.44444",
                    ),
                    tx("s3", date(2026, 11, 15), 30_000, "Innbetaling"),
                    // Two candidates for c5: the same day wins, the later one stays income.
                    tx("s4", date(2026, 11, 7), 20_000, "Fra Brukskonto"),
                    tx("s5", date(2026, 11, 5), 20_000, "Fra Brukskonto"),
                ],
            ),
            (
                "eur".into(),
                vec![eur("e1", date(2026, 11, 21), 100_000, "From Brukskonto")],
            ),
        ],
        ..Scripted::default()
    };
    (a, b)
}

async fn sync_all(store: &Mutex<Store>, a: &Scripted, b: &Scripted) {
    let conns = store.lock().unwrap().connections().unwrap();
    for (conn, provider) in conns.iter().zip([a, b]) {
        sync_connection(store, conn, provider, || at(2026, 12, 4), &mut |_| {})
            .await
            .unwrap();
    }
}

fn rows(store: &Mutex<Store>) -> Vec<TransactionView> {
    let snap = Snapshot::load(&store.lock().unwrap()).unwrap();
    snap.rows(&snap.select_rows(&Filter::default()).unwrap())
}

fn by_text<'a>(rows: &'a [TransactionView], text: &str) -> &'a TransactionView {
    rows.iter().find(|r| r.description == text).unwrap()
}

fn partner(rows: &[TransactionView], text: &str) -> Option<String> {
    let me = by_text(rows, text);
    let t = me.transfer.as_ref()?;
    let other = rows.iter().find(|r| r.id == t.partner_id).unwrap();
    assert_eq!(
        other.transfer.as_ref().unwrap().partner_id,
        me.id,
        "pairs are mutual"
    );
    Some(other.description.clone())
}

#[tokio::test]
async fn transfers_pair_across_banks_and_the_users_choice_survives_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(&dir.path().join("coffer.sqlite3")).unwrap());
    let (a, b) = banks();
    {
        let mut s = store.lock().unwrap();
        s.add_connection("scripted", "Bank A", at(2026, 1, 1))
            .unwrap();
    }
    // Bank A alone: its money goes nowhere the user has, yet.
    let conn_a = store.lock().unwrap().connections().unwrap()[0].clone();
    sync_connection(&store, &conn_a, &a, || at(2026, 12, 4), &mut |_| {})
        .await
        .unwrap();
    assert!(rows(&store).iter().all(|r| r.transfer.is_none()));

    // Connecting bank B pairs across the two banks.
    store
        .lock()
        .unwrap()
        .add_connection("scripted", "Bank B", at(2026, 1, 2))
        .unwrap();
    sync_all(&store, &a, &b).await;
    let r = rows(&store);
    assert_eq!(
        partner(&r, "Overføring 9710.05.12345").as_deref(),
        Some("Innskudd")
    );
    assert_eq!(
        by_text(&r, "Innskudd")
            .transfer
            .as_ref()
            .unwrap()
            .explanation,
        "paired with \u{2212}10,000.00 NOK on Brukskonto, 1 Dec 2026: same amount, 1 day apart, \
         account number in the text"
    );
    // An identical amount between the user's account and a stranger's is not a transfer.
    assert_eq!(
        partner(&r, "Overføring til 1234.56.78903 Ola Nordmann"),
        None
    );
    assert_eq!(partner(&r, "Fra Kari Hansen 2222.33.44444"), None);
    assert_eq!(partner(&r, "Husleie november"), None);
    // Two currencies: paired on the account name, the amounts are not compared.
    assert_eq!(
        partner(&r, "Til Euro account").as_deref(),
        Some("From Brukskonto")
    );
    assert_eq!(
        by_text(&r, "From Brukskonto")
            .transfer
            .as_ref()
            .unwrap()
            .reason,
        "two currencies, 1 day apart, account name in the text"
    );
    // Of two candidates the closer one is chosen; the other stays a deposit.
    let c5 = by_text(&r, "Til Sparekonto");
    let s5 = r
        .iter()
        .find(|x| x.transfer.as_ref().is_some_and(|t| t.partner_id == c5.id))
        .unwrap();
    assert_eq!(s5.booking_date, "2026-11-05");
    assert_eq!(r.iter().filter(|x| x.transfer.is_some()).count(), 6);

    // Reports leave the pairs out; a filter brings them back or shows them alone.
    {
        let s = store.lock().unwrap();
        let snap = Snapshot::load(&s).unwrap();
        let flows = report::flows(&snap, &Filter::default(), Period::Month).unwrap();
        let nok = flows.iter().find(|f| f.currency == "NOK").unwrap();
        let non_transfer: i64 = r
            .iter()
            .filter(|x| x.currency == "NOK" && x.transfer.is_none())
            .map(|x| coffer_core::money::parse_minor(&x.amount, 2).unwrap())
            .sum();
        assert_eq!(
            coffer_core::money::parse_minor(&nok.total.net, 2).unwrap(),
            non_transfer
        );
        assert_eq!(nok.total.count, 6, "c2, c3, c6, s2, s3 and s4");
        let only = Filter {
            transfers: Some(Transfers::Only),
            ..Filter::default()
        };
        assert_eq!(snap.select(&only).unwrap().len(), 6);
        let include = Filter {
            transfers: Some(Transfers::Include),
            ..Filter::default()
        };
        assert_eq!(snap.select(&include).unwrap().len(), r.len());
        assert_eq!(
            snap.select_rows(&Filter::default()).unwrap().len(),
            r.len(),
            "the list shows transfers"
        );
    }

    // The user unpairs one and pairs two by hand; syncs and detection keep both choices.
    let c1 = by_text(&r, "Overføring 9710.05.12345").id;
    let s1 = by_text(&r, "Innskudd").id;
    let rent = by_text(&r, "Husleie november").id;
    let deposit = by_text(&r, "Innbetaling").id;
    {
        let mut s = store.lock().unwrap();
        s.unpair_transfer(s1).unwrap();
        assert!(s.unpair_transfer(s1).is_err(), "no pair left to unmake");
        s.pair_transfers(deposit, rent, at(2026, 12, 4)).unwrap();
        assert!(s.pair_transfers(rent, c1, at(2026, 12, 4)).is_err());
    }
    sync_all(&store, &a, &b).await;
    sync_all(&store, &a, &b).await;
    let r = rows(&store);
    assert_eq!(partner(&r, "Overføring 9710.05.12345"), None);
    assert_eq!(partner(&r, "Innskudd"), None);
    assert_eq!(
        partner(&r, "Husleie november").as_deref(),
        Some("Innbetaling")
    );
    let hand = by_text(&r, "Innbetaling").transfer.clone().unwrap();
    assert!(hand.by_user);
    assert_eq!(hand.reason, "paired by you");
    // Detection over unchanged data changes nothing.
    let again = store
        .lock()
        .unwrap()
        .detect_transfers(at(2026, 12, 5))
        .unwrap();
    assert_eq!((again.added, again.removed, again.pairs), (0, 0, 3));
}

/// A bank that books a currency exchange between the customer's own accounts writes the same
/// text, rate included, on both; neither names the other account. Those two rows pair (two
/// currencies, the same day); the same text a day later, or a different rate, does not.
#[tokio::test]
async fn a_currency_exchange_pairs_on_the_same_text_the_same_day() {
    let ron: Currency = "RON".parse().unwrap();
    let in_ron = |key: &str, day, minor, text: &str| {
        let mut t = tx(key, day, minor, text);
        t.amount = Money::new(minor, ron);
        t
    };
    let bank = Scripted {
        accounts: vec![
            own("ron", "Cont curent", "RO49AAAA1B31007593840000", ron),
            own("eur", "Cont EUR", "RO49AAAA1B31007593840001", Currency::EUR),
        ],
        transactions: vec![
            (
                "ron".into(),
                vec![
                    in_ron(
                        "r1",
                        date(2026, 11, 12),
                        -44_215,
                        "Schimb valutar RON-EUR la curs 4.9680",
                    ),
                    in_ron(
                        "r2",
                        date(2026, 10, 12),
                        -29_812,
                        "Schimb valutar RON-EUR la curs 4.9687",
                    ),
                    in_ron(
                        "r3",
                        date(2026, 9, 12),
                        -47_703,
                        "Schimb valutar RON-EUR la curs 4.9691",
                    ),
                ],
            ),
            (
                "eur".into(),
                vec![
                    eur(
                        "e1",
                        date(2026, 11, 12),
                        8_900,
                        "Schimb valutar RON-EUR la curs 4.9680",
                    ),
                    // A day late: not the same booking.
                    eur(
                        "e2",
                        date(2026, 10, 13),
                        6_000,
                        "Schimb valutar RON-EUR la curs 4.9687",
                    ),
                    // Another rate: another exchange.
                    eur(
                        "e3",
                        date(2026, 9, 12),
                        9_600,
                        "Schimb valutar RON-EUR la curs 4.9700",
                    ),
                ],
            ),
        ],
        ..Scripted::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(&dir.path().join("coffer.sqlite3")).unwrap());
    let conn = store
        .lock()
        .unwrap()
        .add_connection("scripted", "Banca", at(2026, 1, 1))
        .unwrap();
    sync_connection(&store, &conn, &bank, || at(2026, 12, 4), &mut |_| {})
        .await
        .unwrap();
    let r = rows(&store);
    let paired: Vec<_> = r.iter().filter(|x| x.transfer.is_some()).collect();
    assert_eq!(paired.len(), 2, "{paired:#?}");
    let e1 = paired.iter().find(|x| x.currency == "EUR").unwrap();
    assert_eq!(e1.amount, "89.00");
    assert_eq!(
        e1.transfer.as_ref().unwrap().reason,
        "two currencies, same day, the same currency exchange in both texts"
    );
}
