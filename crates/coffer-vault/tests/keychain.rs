//! The vault against the real OS keychain: a Secret Service (gnome-keyring) on a private D-Bus
//! session, and no session bus at all.
//!
//! Each test runs twice. Started by `cargo test`, the *outer* run builds a private environment
//! (a fresh `HOME`, XDG dirs in a tempdir, no inherited bus or display) and re-executes this
//! test binary for just that test, with a marker variable set. The *inner* run sees the marker
//! and does the real work. The outer run checks that the child succeeded, prints its output,
//! and makes sure nothing it started (the gnome-keyring daemon in particular) is left running.
//!
//! Requirements (Debian): `dbus` (`dbus-run-session`), `gnome-keyring`, and optionally
//! `libsecret-tools` (`secret-tool`, used to cross-check what landed in the store). Install
//! them with `scripts/install-deps test`.

// A test binary: clippy's `allow-expect-in-tests` covers `#[test]` functions only, not the
// helpers they share, and panicking with a message is how those helpers report.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use coffer_vault::{KeySource, KeySourceKind, Keychain, SecretSlot, Vault, VaultError};
use secrecy::{ExposeSecret, SecretString};

/// Set in the child that runs against the private Secret Service.
const INNER: &str = "COFFER_KEYCHAIN_TEST_INNER";
/// Set in the child that runs with no session bus.
const NO_BUS: &str = "COFFER_KEYCHAIN_TEST_NOBUS";
/// A per-run value every process of one child session inherits; finds leftovers precisely.
const SESSION_MARKER: &str = "COFFER_KEYCHAIN_TEST_SESSION";
/// Starts and unlocks gnome-keyring on the private bus, then becomes the test binary.
const UNLOCK_AND_EXEC: &str = "printf %s coffer-ci | gnome-keyring-daemon --unlock \
                               --components=secrets >/dev/null && exec \"$@\"";
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn real_secret_service() {
    if std::env::var_os(INNER).is_some() {
        inside_secret_service_session();
        return;
    }
    for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
        assert!(
            on_path(tool),
            "`{tool}` is not installed; this test needs a real Secret Service. \
             Run `scripts/install-deps test` (it installs dbus and gnome-keyring)."
        );
    }

    let sandbox = Sandbox::new();
    let mut command = Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", UNLOCK_AND_EXEC, "sh"])
        .arg(current_exe())
        .args(["--exact", "real_secret_service", "--nocapture"]);
    sandbox.apply(&mut command, INNER);
    for inherited in [
        "DBUS_SESSION_BUS_ADDRESS",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "COFFER_PASSPHRASE",
        "GNOME_KEYRING_CONTROL",
    ] {
        command.env_remove(inherited);
    }
    sandbox.run(command);
}

#[test]
fn no_session_bus_means_keychain_unavailable() {
    if std::env::var_os(NO_BUS).is_some() {
        without_session_bus();
        return;
    }

    let sandbox = Sandbox::new();
    let mut command = Command::new(current_exe());
    command
        .args([
            "--exact",
            "no_session_bus_means_keychain_unavailable",
            "--nocapture",
        ])
        .env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    // `XDG_RUNTIME_DIR` points at an empty directory, so libdbus cannot find a bus socket
    // there either.
    sandbox.apply(&mut command, NO_BUS);
    sandbox.run(command);
}

/// Inner half of [`real_secret_service`]: runs on the private bus with gnome-keyring unlocked.
fn inside_secret_service_session() {
    let service = unique_service();
    let keychain = Keychain::new(&service);
    println!("inner: Secret Service session, service {service}");

    keychain
        .self_test()
        .expect("the self-test passes against a real, unlocked gnome-keyring");
    assert_nothing_stored(&service);

    let (vault, header) =
        Vault::create(&KeySource::Keychain(keychain.clone())).expect("create with the keychain");
    assert_eq!(header.key_source, KeySourceKind::Keychain);
    assert_eq!(header.salt, None, "keychain profiles have no salt");
    let stored = keychain
        .load_key(&header.profile)
        .expect("the keychain answers")
        .expect("create stored the key under the profile id");
    if let Some(looked_up) = secret_tool_lookup(&service, &header.profile) {
        assert_eq!(
            looked_up.as_deref(),
            Some(&stored[..]),
            "secret-tool sees the same 32 raw bytes in the Secret Service"
        );
        println!("inner: secret-tool found the key under service={service}");
    }

    // A later run: a new Keychain value, only the header from SQLite.
    let later = KeySource::Keychain(Keychain::new(&service));
    let unlocked = Vault::unlock(&later, &header).expect("unlock with the stored key");
    let slot = SecretSlot {
        table: "connections",
        row: 1,
        kind: "refresh_token",
    };
    let sealed = vault
        .seal_secret(&SecretString::from("rt-keychain-test"), &slot)
        .expect("seal");
    assert_eq!(
        unlocked
            .open_secret(&sealed, &slot)
            .expect("open after unlock")
            .expose_secret(),
        "rt-keychain-test",
        "a vault unlocked from the keychain opens what the created vault sealed"
    );
    let sealed_later = unlocked.seal(b"client-secret", &slot).expect("seal");
    assert_eq!(
        vault.open(&sealed_later, &slot).expect("open").as_slice(),
        b"client-secret"
    );

    // A replaced entry holding something that is not a key at all.
    keyring::Entry::new(&service, &header.profile)
        .and_then(|entry| entry.set_secret(b"not a key"))
        .expect("overwrite the entry through keyring");
    let err = Vault::unlock(&later, &header).expect_err("a non-key entry must not unlock");
    assert!(
        matches!(
            err,
            VaultError::WrongKey {
                source: KeySourceKind::Keychain
            }
        ),
        "an entry that is not a 32-byte key counts as replaced: {err:?}"
    );

    // Wiped keychain, from outside Coffer when secret-tool is there (a user clearing their
    // keyring), through the vault's own delete otherwise.
    let wiped_externally = secret_tool(["clear", "service", &service, "username", &header.profile])
        .map(|output| assert!(output.status.success(), "secret-tool clear: {output:?}"))
        .is_some();
    if !wiped_externally {
        keychain.delete_key(&header.profile).expect("delete");
    }
    let err = Vault::unlock(&later, &header).expect_err("no key, no vault");
    assert!(
        matches!(err, VaultError::KeyMissing),
        "a wiped keychain is reported as a missing key: {err:?}"
    );
    assert!(err.to_string().contains("reconnect your banks"), "{err}");
    keychain
        .delete_key(&header.profile)
        .expect("deleting a missing entry is fine");

    // Replaced keychain: another random key under the same profile.
    keychain
        .store_key(&header.profile, &rand::random::<[u8; 32]>())
        .expect("store a different key");
    let err = Vault::unlock(&later, &header).expect_err("another key must not unlock");
    assert!(
        matches!(
            err,
            VaultError::WrongKey {
                source: KeySourceKind::Keychain
            }
        ),
        "a replaced key is caught by the canary: {err:?}"
    );

    // The vault's own delete removes the entry from the Secret Service.
    keychain.delete_key(&header.profile).expect("delete");
    if let Some(looked_up) = secret_tool_lookup(&service, &header.profile) {
        assert_eq!(looked_up, None, "the entry is gone from the Secret Service");
    }
    let err = Vault::unlock(&later, &header).expect_err("deleted key, no vault");
    assert!(matches!(err, VaultError::KeyMissing), "{err:?}");
    assert_nothing_stored(&service);
    println!("inner: all Secret Service checks passed");
}

/// Inner half of [`no_session_bus_means_keychain_unavailable`].
fn without_session_bus() {
    for var in ["DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"] {
        assert!(
            std::env::var_os(var).is_none(),
            "{var} must be absent in this child"
        );
    }
    let keychain = Keychain::new(&unique_service());

    let err = keychain
        .self_test()
        .expect_err("there is no keychain without a session bus");
    println!("inner: self_test -> {err}");
    assert!(
        matches!(err, VaultError::KeychainUnavailable { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("COFFER_PASSPHRASE"),
        "the message names the passphrase way out: {message}"
    );
    assert!(
        message.contains("Secret Service"),
        "the message names the keychain way out: {message}"
    );

    let err = Vault::create(&KeySource::Keychain(keychain.clone()))
        .expect_err("create runs the self-test first");
    assert!(
        matches!(err, VaultError::KeychainUnavailable { .. }),
        "{err:?}"
    );
    let err = keychain
        .load_key("0123456789abcdef0123456789abcdef")
        .expect_err("loading needs the bus too");
    assert!(
        matches!(err, VaultError::KeychainUnavailable { .. }),
        "a platform failure while loading is also 'unavailable': {err:?}"
    );
    println!("inner: no-bus checks passed");
}

/// A private home for one child run, and the bookkeeping to run it and clean up after it.
struct Sandbox {
    dir: tempfile::TempDir,
    marker: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "data", "config", "cache", "runtime"] {
            fs::create_dir(dir.path().join(sub)).expect("create sandbox dir");
        }
        set_private(&dir.path().join("runtime"));
        let marker = dir.path().display().to_string();
        Sandbox { dir, marker }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    fn apply(&self, command: &mut Command, role: &str) {
        command
            .env("HOME", self.path("home"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_RUNTIME_DIR", self.path("runtime"))
            .env(role, "1")
            .env(SESSION_MARKER, &self.marker)
            .stdin(Stdio::null())
            // Files rather than pipes: a daemon that inherits stderr cannot hold up the read.
            .stdout(File::create(self.path("stdout.log")).expect("stdout log"))
            .stderr(File::create(self.path("stderr.log")).expect("stderr log"));
    }

    /// Runs the child to completion (or timeout), removes anything of its session that is
    /// still running, prints its output and asserts it succeeded.
    fn run(&self, mut command: Command) {
        let started = Instant::now();
        let mut child = command.spawn().expect("start the child test process");
        let status: Option<ExitStatus> = loop {
            match child.try_wait().expect("wait for the child") {
                Some(status) => break Some(status),
                None if started.elapsed() > CHILD_TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                None => sleep(Duration::from_millis(50)),
            }
        };
        let elapsed = started.elapsed();
        let leftovers = self.stop_leftovers();

        let stdout = fs::read_to_string(self.path("stdout.log")).unwrap_or_default();
        let stderr = fs::read_to_string(self.path("stderr.log")).unwrap_or_default();
        println!("--- child stdout ---\n{stdout}--- child stderr ---\n{stderr}---");
        println!("child finished in {elapsed:.1?} with {status:?}");
        if !leftovers.is_empty() {
            println!("stopped leftover processes of the child session: {leftovers:?}");
        }
        let status = status.unwrap_or_else(|| panic!("child timed out after {CHILD_TIMEOUT:?}"));
        assert!(
            status.success(),
            "the child test failed ({status}); see its output above"
        );
    }

    /// Processes still alive that carry this sandbox's marker. Gives them a moment to exit on
    /// their own (gnome-keyring leaves when its bus goes), then ends them by pid.
    fn stop_leftovers(&self) -> Vec<(u32, String)> {
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && !self.session_processes().is_empty() {
            sleep(Duration::from_millis(100));
        }
        let leftovers = self.session_processes();
        for (pid, _) in &leftovers {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        sleep(Duration::from_millis(300));
        for (pid, _) in self.session_processes() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        leftovers
    }

    /// Live (non-zombie) processes whose initial environment has this sandbox's marker.
    fn session_processes(&self) -> Vec<(u32, String)> {
        let wanted = format!("{SESSION_MARKER}={}", self.marker).into_bytes();
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(environ) = fs::read(entry.path().join("environ")) else {
                continue;
            };
            if !environ
                .split(|b| *b == 0)
                .any(|var| var == wanted.as_slice())
            {
                continue;
            }
            let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // `pid (comm) S …`: the state letter follows the last ')'.
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next());
            if matches!(state, Some('Z' | 'X') | None) {
                continue;
            }
            let comm = fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            found.push((pid, comm.trim().to_owned()));
        }
        found
    }
}

fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // gnome-keyring and D-Bus refuse a runtime dir others can read.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).expect("chmod 700 runtime dir");
}

fn current_exe() -> PathBuf {
    std::env::current_exe().expect("path of this test binary")
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false)
}

fn unique_service() -> String {
    format!(
        "coffer-vault-test-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    )
}

/// `secret-tool lookup`: `Some(Some(bytes))` if found, `Some(None)` if not, `None` if
/// secret-tool is not installed.
fn secret_tool_lookup(service: &str, profile: &str) -> Option<Option<Vec<u8>>> {
    let output = secret_tool(["lookup", "service", service, "username", profile])?;
    Some(output.status.success().then_some(output.stdout))
}

/// `secret-tool search --all service <service>`, reduced to the attribute lines (the raw
/// listing also prints secrets): `Some("")` when nothing matches.
fn secret_tool_search(service: &str) -> Option<String> {
    let output = secret_tool(["search", "--all", "service", service])?;
    let listing = String::from_utf8_lossy(&output.stdout);
    Some(
        listing
            .lines()
            .filter(|line| line.starts_with("attribute."))
            .map(|line| format!("{line}\n"))
            .collect(),
    )
}

/// With secret-tool installed, checks that no item is stored under `service`.
fn assert_nothing_stored(service: &str) {
    if let Some(listing) = secret_tool_search(service) {
        assert_eq!(listing, "", "no item is left under service={service}");
    }
}

fn secret_tool<const N: usize>(args: [&str; N]) -> Option<std::process::Output> {
    if !on_path("secret-tool") {
        return None;
    }
    let output = Command::new("secret-tool")
        .args(args.iter().map(OsStr::new))
        .stdin(Stdio::null())
        .output()
        .expect("run secret-tool");
    Some(output)
}
