//! The kill test: `coffer sync` SIGKILLed at many moments of a large sync loses nothing, doubles
//! nothing and leaves a sound store.
//!
//! The kill points are the variable: they are drawn from a seeded generator over the measured
//! length of an unkilled sync, and every assertion must hold whatever moment was hit (before the
//! first request, mid-batch, between an account's batch and the next, during the final
//! bookkeeping). CI runs `COFFER_KILL_POINTS` (default 12) points; the README's developer section
//! documents the long run.

use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use crate::bank::{assert_sound, command, copy_dir, exported_rows, ok, Bank};

/// SIGKILL's number, the same on every Unix Coffer builds for.
const SIGKILL: i32 = 9;

/// A small deterministic generator (SplitMix64): the same seed gives the same kill points, so a
/// failure names the point that found it and can be replayed with `COFFER_KILL_SEED`.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

#[test]
fn a_sync_killed_at_any_moment_loses_nothing_and_doubles_nothing() {
    let points = env_number("COFFER_KILL_POINTS", 12);
    let seed = env_number("COFFER_KILL_SEED", 20_261_205);
    let bank = Bank::start();
    let want = bank.oracle_rows();
    let accounts: std::collections::BTreeSet<&str> = want.iter().map(|r| r.1.as_str()).collect();
    assert!(
        want.len() >= 2000 && accounts.len() >= 3,
        "the test needs a large ledger over several accounts: {} rows, {} accounts",
        want.len(),
        accounts.len()
    );

    // One connected, never-synced profile; every kill point starts from a copy of it, so each
    // point lands at its own place in a whole first sync.
    let root = tempfile::tempdir().unwrap();
    let connected = root.path().join("connected");
    std::fs::create_dir(&connected).unwrap();
    bank.connect(&connected);

    // The unkilled sync: its length spans the kill points, and its export is the baseline.
    let reference = root.path().join("reference");
    copy_dir(&connected, &reference);
    let started = Instant::now();
    ok(&reference, &["sync"]);
    let full = started.elapsed();
    assert_sound(&reference, "unkilled sync");
    assert!(
        exported_rows(&reference) == want,
        "an unkilled sync's export differs from the bank's ledger"
    );

    let mut rng = SplitMix(seed);
    let mut killed = 0;
    let mut finished_first = 0;
    let run_started = Instant::now();
    for point in 0..points {
        // A moment in [0, 1.1 × full): a little past the measured end too, so the kill also
        // lands during the last writes and the run's bookkeeping on a slower run.
        let micros = u64::try_from(full.as_micros()).unwrap();
        let at = Duration::from_micros(rng.next() % (micros + micros / 10).max(1));
        let context = format!("kill point {point} at {at:?} of {full:?} (seed {seed})");
        let dir = root.path().join(format!("point-{point}"));
        copy_dir(&connected, &dir);

        let mut child = command(&dir, &["sync"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let spawned = Instant::now();
        // The kill point is the variable being explored, not a wait for something to happen.
        std::thread::sleep(at.saturating_sub(spawned.elapsed()));
        // `Child::kill` is SIGKILL on Unix: no handler, no cleanup, as with a power cut to
        // the process (not to the disk).
        child.kill().unwrap();
        let status = child.wait().unwrap();
        if status.signal() == Some(SIGKILL) {
            killed += 1;
        } else {
            assert!(status.success(), "{context}: the sync failed: {status}");
            finished_first += 1;
        }

        // A fresh process finds a sound store whatever the moment was.
        assert_sound(&dir, &context);
        // And one more sync completes the history exactly: nothing lost, nothing doubled.
        ok(&dir, &["sync"]);
        assert_sound(&dir, &context);
        let got = exported_rows(&dir);
        assert_eq!(got.len(), want.len(), "{context}");
        assert!(got == want, "{context}: the export differs from the ledger");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A machine so fast that every sync ends before its kill point would prove nothing.
    assert!(
        killed * 2 >= points,
        "only {killed} of {points} syncs were killed before they finished"
    );
    eprintln!(
        "kill test: {points} points (seed {seed}), {killed} killed mid-sync, {finished_first} \
         finished first; unkilled sync {full:?}, {} rows; took {:?}",
        want.len(),
        run_started.elapsed()
    );
}
