//! A data directory Coffer cannot write, a database replaced by garbage, and a disk that fills
//! up during a sync: each is one clear line on stderr, nothing half-written, and the documented
//! way back works.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

use crate::bank::{assert_sound, command, exported_rows, ok, Bank};

/// Every file under `dir` with its bytes, for "nothing changed".
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = if e.file_type().unwrap().is_dir() {
                Vec::new()
            } else {
                std::fs::read(e.path()).unwrap()
            };
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    out.sort();
    out
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Root bypasses file modes (CAP_DAC_OVERRIDE), and CI and this machine run tests as root. So
/// when the test runs as root, the `coffer` child runs without the capabilities that ignore
/// modes, as an ordinary user's process would; otherwise as it is.
fn as_ordinary_user(c: Command) -> Command {
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    if !root {
        return c;
    }
    let mut wrapped = Command::new("setpriv");
    wrapped
        .arg("--bounding-set=-dac_override,-dac_read_search,-fowner")
        .arg("--")
        .arg(c.get_program());
    wrapped.args(c.get_args());
    for (key, value) in c.get_envs() {
        match value {
            Some(v) => wrapped.env(key, v),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

#[test]
fn a_sync_into_a_read_only_data_dir_names_the_directory_and_changes_nothing() {
    let bank = Bank::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("profile");
    std::fs::create_dir(&data).unwrap();
    bank.connect(&data);
    let before = contents(&data);

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).unwrap();
    let out = as_ordinary_user(command(&data, &["sync"]))
        .output()
        .unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(&format!("folder {} is read-only", data.display())),
        "the error names the data directory: {stderr}"
    );
    assert_eq!(contents(&data), before, "nothing in the data dir changed");
    assert!(
        bank.sandbox
            .requests()
            .iter()
            .all(|r| !r.target.contains("/transactions")),
        "nothing was fetched for a store that cannot keep it"
    );

    // Writable again, the same profile syncs the whole ledger.
    ok(&data, &["sync"]);
    assert_sound(&data, "after the read-only attempt");
    assert!(exported_rows(&data) == bank.oracle_rows());
}

#[test]
fn a_database_replaced_by_garbage_is_named_and_a_backup_restores_it() {
    let bank = Bank::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("profile");
    std::fs::create_dir(&data).unwrap();
    bank.connect(&data);
    ok(&data, &["sync"]);
    let backup = dir.path().join("coffer-backup.sqlite3");
    ok(&data, &["backup", backup.to_str().unwrap()]);
    let want = exported_rows(&data);

    // Garbage of the database's own size, in place of the database.
    let db = data.join("coffer.sqlite3");
    let len = usize::try_from(std::fs::metadata(&db).unwrap().len()).unwrap();
    let garbage: Vec<u8> = (0..len)
        .map(|i| u8::try_from((i * 7919 + 13) % 251).unwrap())
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    for args in [&["sync"][..], &["accounts"], &["check"]] {
        let out = command(&data, args).output().unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
        assert!(
            stderr.contains(&db.display().to_string()) && stderr.contains("not a Coffer database"),
            "{args:?}: the error names the file and what is wrong: {stderr}"
        );
        assert!(
            std::fs::read(&db).unwrap() == garbage,
            "{args:?} left the file as it was"
        );
    }

    // The documented way back: the garbage moved aside, the backup copied in its place.
    std::fs::rename(&db, data.join("coffer.sqlite3.broken")).unwrap();
    std::fs::copy(&backup, &db).unwrap();
    assert_sound(&data, "restored from the backup");
    assert!(exported_rows(&data) == want, "the backup holds every row");
    // The sealed login came back with it: the restored profile still syncs.
    let report: serde_json::Value = serde_json::from_str(&ok(&data, &["sync", "--json"])).unwrap();
    assert_eq!(report["inserted"], 0, "{report}");

    // Or moved aside with no backup: Coffer starts an empty profile and says nothing is wrong.
    std::fs::rename(&db, data.join("coffer.sqlite3.old")).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("coffer.sqlite3{suffix}")));
    }
    assert_sound(&data, "a fresh profile after moving the database aside");
    assert!(exported_rows(&data).is_empty());
}

/// `plain` with every write of its process past byte `limit` of any file failing with EFBIG,
/// which SQLite reports exactly as a full disk (`SQLITE_FULL`). SIGXFSZ, which would otherwise
/// kill the process at the first such write, is ignored through the shell (an ignored signal
/// stays ignored across `exec`), and `prlimit` sets the limit.
fn with_file_size_limit(plain: Command, limit: u64) -> Command {
    let mut full = Command::new("sh");
    full.arg("-c")
        .arg(r#"trap '' XFSZ; exec prlimit --fsize="$0":"$0" -- "$@""#)
        .arg(limit.to_string())
        .arg(plain.get_program())
        .args(plain.get_args());
    for (key, value) in plain.get_envs() {
        if let Some(v) = value {
            full.env(key, v);
        } else {
            full.env_remove(key);
        }
    }
    full
}

/// A disk that fills up during a sync, made with `RLIMIT_FSIZE` on the `coffer` process alone:
/// every write past the limit fails with EFBIG, exactly as on a full disk for SQLite. SIGXFSZ,
/// which would otherwise kill the process at the first such write, is ignored through the shell
/// (an ignored signal stays ignored across `exec`), and `prlimit` sets the limit.
#[test]
fn a_disk_that_fills_up_during_a_sync_leaves_no_partial_state() {
    let bank = Bank::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("profile");
    std::fs::create_dir(&data).unwrap();
    bank.connect(&data);
    let db = data.join("coffer.sqlite3");
    // Room for the database as it is plus a few pages of WAL: the first large batch fills it.
    let limit = std::fs::metadata(&db).unwrap().len() + 64 * 1024;

    let out = with_file_size_limit(command(&data, &["sync"]), limit)
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed sync, not a crash: {stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("full"),
        "the error says the disk is full: {stderr}"
    );
    // No partial state: whatever committed did so whole (rows, balance and cursor together).
    assert_sound(&data, "after the disk filled up");

    // Room again: the next sync completes the history exactly.
    ok(&data, &["sync"]);
    assert_sound(&data, "after the sync that followed");
    assert!(exported_rows(&data) == bank.oracle_rows());
}

/// A disk that is full when the bank rotates the refresh token: the bank has already retired
/// the old refresh token, so the new pair is the only way back in without logging in again.
///
/// The limit is sized so that everything before the refresh fits (the run's bookkeeping and the
/// refresh lock, a few WAL frames) but the rotated pair does not: the bank sends tokens of
/// 24,000 characters each (the `long_tokens` fault), which take a dozen WAL pages of 4 KiB,
/// more than the 52 KiB every file may reach.
#[test]
fn a_disk_full_during_a_token_rotation_keeps_the_rotated_pair() {
    use coffer_sandbox::sparebank1::Sparebank1Fault;

    let bank = Bank::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("profile");
    std::fs::create_dir(&data).unwrap();
    bank.connect(&data);
    ok(&data, &["sync"]);
    // One refresh with room to spare, as any long-lived profile has had.
    bank.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    ok(&data, &["sync"]);
    let before = exported_rows(&data);
    assert!(before == bank.oracle_rows());
    let stats = bank.sandbox.stats();

    bank.sandbox.inject(Sparebank1Fault::LongTokens {
        requests: 1,
        chars: 24_000,
    });
    bank.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    let out = with_file_size_limit(command(&data, &["sync"]), 52 * 1024)
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "a failed sync: {stderr}");
    assert_eq!(
        bank.sandbox.stats().refreshes,
        stats.refreshes + 1,
        "the bank rotated the pair (the old refresh token is spent): {stderr}"
    );
    let said = stderr.to_lowercase();
    assert!(
        said.contains("disk") && said.contains("full") && said.contains("renewed login is kept"),
        "the error says the disk is full and that the new login was kept: {stderr}"
    );
    assert!(
        !said.contains("log in again"),
        "the login is not lost, so the user is not told to log in: {stderr}"
    );
    assert_sound(&data, "after the rotation the disk could not take");
    assert!(exported_rows(&data) == before, "nothing stored changed");

    // Room again: the next sync uses the rotated pair. No new login, and no second refresh
    // either (its access token is still good): the old refresh token would have been refused.
    let report: serde_json::Value = serde_json::from_str(&ok(&data, &["sync", "--json"])).unwrap();
    assert_eq!(report["inserted"], 0, "{report}");
    let after = bank.sandbox.stats();
    assert_eq!(after.codes_issued, stats.codes_issued, "no new login");
    assert_eq!(after.refreshes, stats.refreshes + 1);

    // And its refresh token, now in the database, renews the login once more.
    bank.sandbox.inject(Sparebank1Fault::ExpireAccessTokens);
    ok(&data, &["sync"]);
    assert_eq!(bank.sandbox.stats().refreshes, stats.refreshes + 2);
    assert_sound(&data, "after the rotated pair was used");
    assert!(exported_rows(&data) == bank.oracle_rows());
}
