//! A hostile bank: the SpareBank 1 sandbox's opt-in hostile faults (a 100 MB body, an endless
//! chunked body, a date in year 10000, an amount near `i64::MAX`). Each time `coffer sync` gives
//! up with a message saying what was wrong, well within its 60 s request timeout and with its
//! memory bounded, stores nothing from the bad answer, and the next honest sync is exact.

use std::process::Stdio;
use std::time::{Duration, Instant};

use coffer_sandbox::sparebank1::Sparebank1Fault;

use crate::bank::{assert_sound, command, exported_rows, ok, Bank};

/// The answer timeout the hostile syncs run with (`COFFER_HTTP_TIMEOUT_SECS`).
const TIMEOUT_SECS: u64 = 2;

/// What one hostile sync cost: its wall time and the process's peak resident memory.
pub struct Cost {
    pub took: Duration,
    pub peak_kib: u64,
    pub code: Option<i32>,
    pub stderr: String,
}

/// The high-water mark of a running process's resident memory, from `/proc`.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Runs `coffer sync`, reading its peak memory from `/proc` while it runs (VmHWM only grows, so
/// the last reading is within one interval of the true peak).
fn measured_sync(dir: &std::path::Path) -> Cost {
    measured_sync_with(dir, TIMEOUT_SECS)
}

/// [`measured_sync`] with an answer timeout of `timeout_secs`.
pub fn measured_sync_with(dir: &std::path::Path, timeout_secs: u64) -> Cost {
    let started = Instant::now();
    let mut child = command(dir, &["sync"])
        // Each answer may take seconds instead of 60, so a stalled bank is given up on quickly.
        .env("COFFER_HTTP_TIMEOUT_SECS", timeout_secs.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        // The sampling interval of the memory reading, not a wait for an outcome.
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    Cost {
        took: started.elapsed(),
        peak_kib: peak,
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_hostile_bank_is_cut_off_with_a_clear_message_and_nothing_is_stored() {
    let bank = Bank::start();
    let want = bank.oracle_rows();
    let cases: [(&str, Sparebank1Fault, &[&str]); 5] = [
        (
            "stall for ten minutes",
            Sparebank1Fault::Stall {
                requests: 1000,
                secs: 600,
            },
            &["did not answer in time"],
        ),
        (
            "100 MB body",
            Sparebank1Fault::HugeBody {
                requests: 1000,
                bytes: 100 * 1024 * 1024,
            },
            &["larger than"],
        ),
        (
            "endless chunked body",
            Sparebank1Fault::EndlessBody { requests: 1000 },
            &["larger than"],
        ),
        (
            "date in year 10000",
            Sparebank1Fault::FarFutureDate { requests: 1000 },
            &["date"],
        ),
        (
            "amount near i64::MAX",
            Sparebank1Fault::HugeAmount { requests: 1000 },
            &["amount"],
        ),
    ];
    let root = tempfile::tempdir().unwrap();
    for (i, (name, fault, needles)) in cases.into_iter().enumerate() {
        let dir = root.path().join(format!("case-{i}"));
        std::fs::create_dir(&dir).unwrap();
        bank.connect(&dir);
        ok(&dir, &["sync"]);
        let before = exported_rows(&dir);
        assert!(before == want, "{name}: the honest sync is exact");

        bank.sandbox.inject(fault);
        let cost = measured_sync(&dir);
        bank.sandbox.clear_faults();
        assert_eq!(cost.code, Some(1), "{name}: {}", cost.stderr);
        let said = cost.stderr.to_lowercase();
        for needle in needles {
            assert!(
                said.contains(needle),
                "{name}: {:?} lacks {needle:?}",
                cost.stderr
            );
        }
        assert!(
            said.contains("sparebank"),
            "{name}: the bank is named: {}",
            cost.stderr
        );
        // Cut off by the body cap or refused at ingest at once; a stalled call after one
        // timeout (a call that ran past it is not retried). The bound leaves room for retries.
        assert!(
            cost.took < Duration::from_secs(4 * TIMEOUT_SECS + 10),
            "{name}: took {:?}",
            cost.took
        );
        // A 100 MB or endless body is never held whole: the cap is 32 MiB per answer.
        assert!(
            cost.peak_kib < 200 * 1024,
            "{name}: peak {} KiB",
            cost.peak_kib
        );
        assert_sound(&dir, name);
        assert!(
            exported_rows(&dir) == before,
            "{name}: the hostile answer changed what is stored"
        );

        ok(&dir, &["sync"]);
        assert!(
            exported_rows(&dir) == want,
            "{name}: the next sync is exact"
        );
        eprintln!(
            "hostile bank, {name}: gave up after {:?}, peak {} MiB: {}",
            cost.took,
            cost.peak_kib / 1024,
            cost.stderr.trim().lines().last().unwrap_or("")
        );
    }
}

/// A token answer with lifetimes of 10^13 s, to a refresh after which the bank has already
/// rotated the pair: the absurd lifetime neither panics nor loses the rotated pair (issue 13's
/// first finding: an unchecked `now + expires_in` killed the refresh and lost the connection),
/// so a later process can refresh again.
#[test]
fn an_absurd_token_lifetime_is_clamped_and_the_rotated_pair_kept() {
    let bank = Bank::start();
    let dir = tempfile::tempdir().unwrap();
    bank.connect(dir.path());
    ok(dir.path(), &["sync"]);
    let refreshes = bank.sandbox.stats().refreshes;

    bank.sandbox
        .inject(Sparebank1Fault::AbsurdTokenLifetime { requests: 1 });
    bank.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    let report: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["sync", "--json"])).unwrap();
    assert_eq!(report["inserted"], 0, "{report}");
    assert_eq!(bank.sandbox.stats().refreshes, refreshes + 1);

    // A new process, the access token dead again: the refresh token saved from the absurd
    // answer still works.
    bank.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    ok(dir.path(), &["sync"]);
    assert_eq!(bank.sandbox.stats().refreshes, refreshes + 2);
    assert_sound(dir.path(), "after the absurd token lifetime");
    assert!(exported_rows(dir.path()) == bank.oracle_rows());
}
