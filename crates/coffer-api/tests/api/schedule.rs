//! The desktop app's own syncing, with pinned clocks: each "process" below is a `Coffer` opened
//! on the same profile at a later instant, as the app would be after hours open.

use chrono::{DateTime, Duration, Utc};
use coffer_api::{Clock, Coffer};

fn t0() -> DateTime<Utc> {
    "2026-06-15T08:00:00Z".parse().unwrap()
}

fn at(dir: &std::path::Path, t: DateTime<Utc>) -> Coffer {
    Coffer::open_with_clock(dir, Clock::Fixed(t)).unwrap()
}

#[tokio::test]
async fn syncs_everything_at_start_then_each_bank_when_due_and_never_when_off() {
    let dir = tempfile::tempdir().unwrap();
    let first = at(dir.path(), t0());
    assert_eq!(
        first.next_scheduled_sync().await.unwrap(),
        None,
        "nothing to sync"
    );
    assert!(first.sync_scheduled(true, |_| {}).await.unwrap().is_empty());
    first.connect_builtin().await.unwrap();
    let started = first.sync_scheduled(true, |_| {}).await.unwrap();
    assert_eq!(started.len(), 1);
    assert!(started[0].inserted > 0, "{started:?}");
    assert_eq!(
        first.next_scheduled_sync().await.unwrap(),
        Some(t0() + Duration::hours(6)),
        "the default is every 6 hours"
    );

    let later = at(
        dir.path(),
        t0() + Duration::hours(5) + Duration::minutes(59),
    );
    assert!(
        later
            .sync_scheduled(false, |_| {})
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );

    let due = at(dir.path(), t0() + Duration::hours(6));
    let ran = due.sync_scheduled(false, |_| {}).await.unwrap();
    assert_eq!(ran.len(), 1, "due at 6 hours");
    assert_eq!(ran[0].inserted, 0, "nothing new in the built-in bank");
    assert_eq!(
        due.next_scheduled_sync().await.unwrap(),
        Some(t0() + Duration::hours(12))
    );

    due.set_setting("app.sync_every_hours", Some("0"))
        .await
        .unwrap();
    let off = at(dir.path(), t0() + Duration::days(3));
    assert_eq!(off.next_scheduled_sync().await.unwrap(), None);
    assert!(
        off.sync_scheduled(false, |_| {}).await.unwrap().is_empty(),
        "off means off"
    );
    let err = off
        .set_setting("app.sync_every_hours", Some("often"))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("app.sync_every_hours"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_bank_another_process_is_syncing_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let app = at(dir.path(), t0());
    app.connect_builtin().await.unwrap();
    let id = app.connections().await.unwrap()[0].id;
    // Another live process (this one, as far as the store can tell) holds a sync run.
    let mut other = coffer_core::Store::open(&dir.path().join(coffer_api::DATABASE_FILE)).unwrap();
    let run = other.try_start_sync_run(id, t0()).unwrap();
    assert!(run.is_some());
    let ran = app.sync_scheduled(true, |_| {}).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert!(ran[0].skipped, "{ran:?}");
    assert_eq!(ran[0].inserted, 0);
}
