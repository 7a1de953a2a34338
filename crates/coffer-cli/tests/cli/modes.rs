//! Everything Coffer creates is its owner's alone, whatever the user's umask: the data directory
//! (and any folder in it) 0700; the database, its WAL and shared-memory files, backups and
//! exports 0600. Exports are private too, wherever the user writes them (Coffer writes them
//! through a private temporary file and a rename): sharing one is a deliberate `chmod`.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::bank::{command, Bank};

/// `coffer ARGS` under `umask 000`, so that any file Coffer leaves to the default mode shows up
/// as world-readable (0666 / 0777) instead of passing by the test runner's umask.
fn wide_open(dir: &Path, args: &[&str]) -> Command {
    let plain = command(dir, args);
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(r#"umask 000; exec "$@""#)
        .arg("sh")
        .arg(plain.get_program())
        .args(plain.get_args());
    for (key, value) in plain.get_envs() {
        if let Some(v) = value {
            c.env(key, v);
        } else {
            c.env_remove(key);
        }
    }
    c
}

fn run(dir: &Path, args: &[&str]) {
    let out = wide_open(dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "coffer {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every path under `root` (itself included) with its permission bits.
fn modes(root: &Path) -> Vec<(PathBuf, bool, u32)> {
    let meta = std::fs::symlink_metadata(root).unwrap();
    let mut out = vec![(
        root.to_owned(),
        meta.is_dir(),
        meta.permissions().mode() & 0o7777,
    )];
    if meta.is_dir() {
        for entry in std::fs::read_dir(root).unwrap() {
            out.extend(modes(&entry.unwrap().path()));
        }
    }
    out
}

fn assert_private(paths: &[(PathBuf, bool, u32)]) {
    for (path, is_dir, mode) in paths {
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(
            *mode,
            want,
            "{} is {mode:o}, should be {want:o}",
            path.display()
        );
    }
}

#[test]
fn everything_coffer_creates_is_private_whatever_the_umask() {
    let bank = Bank::start();
    let dir = tempfile::tempdir().unwrap();
    // A data dir Coffer creates itself (not the test's tempdir), two levels deep.
    let data = dir.path().join("home").join("coffer");
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();

    run(&data, &["settings", "list"]);
    bank.connect(&data);
    run(&data, &["sync"]);
    let export = shared.join("ledger.csv");
    run(&data, &["export", "csv", "-o", export.to_str().unwrap()]);
    let chart = shared.join("months.svg");
    run(
        &data,
        &["chart", "debit-credit", "-o", chart.to_str().unwrap()],
    );
    let backup = shared.join("coffer-backup.sqlite3");
    run(&data, &["backup", backup.to_str().unwrap()]);
    assert!(std::fs::metadata(&export).unwrap().len() > 100_000);

    // While a Coffer runs, its WAL and shared-memory files exist: read their modes then.
    let mut serve = wide_open(&data, &["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("serving at"), "{first}");
    let live = modes(&data);
    serve.kill().unwrap();
    serve.wait().unwrap();
    let names: Vec<String> = live
        .iter()
        .map(|(p, _, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for file in ["coffer.sqlite3", "coffer.sqlite3-wal", "coffer.sqlite3-shm"] {
        assert!(names.iter().any(|n| n == file), "{file} missing: {names:?}");
    }
    assert_private(&live);
    assert_private(&modes(&data));
    // The files the user asked for, in a folder others may read: still private.
    for file in [&export, &chart, &backup] {
        assert_private(&modes(file));
    }
    // No temporary file was left next to them.
    let mut left: Vec<String> = std::fs::read_dir(&shared)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["coffer-backup.sqlite3", "ledger.csv", "months.svg"]);
}
