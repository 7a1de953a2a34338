//! "Copy diagnostics" and `coffer diagnostics`: what a person helping with a problem needs —
//! versions, the system, each connection's state, its last errors and sync runs — as plain
//! text the user can read before sharing it.
//!
//! Built only from what the store says about connections and runs and from the settings; the
//! vault is not opened, so no secret can be in it (the test in `tests/api/login.rs` searches it
//! for every secret a sandbox issued).

use std::fmt::Write as _;

use crate::{ApiError, Coffer};

/// Sync runs listed per connection, newest last.
const RUNS_SHOWN: usize = 5;

impl Coffer {
    pub async fn diagnostics(&self) -> Result<String, ApiError> {
        let mut out = String::new();
        let now = self.clock.now();
        // `write!` to a String cannot fail; the results are ignored for that reason.
        let _ = writeln!(
            out,
            "Coffer {} diagnostics, {}",
            env!("CARGO_PKG_VERSION"),
            now.to_rfc3339()
        );
        let _ = writeln!(
            out,
            "system: {} {} ({})",
            std::env::consts::OS,
            std::env::consts::ARCH,
            os_release().unwrap_or_else(|| "unknown release".into())
        );
        let vault = self.vault_status().await?;
        let _ = writeln!(
            out,
            "vault: {} (key from {}){}",
            vault.state,
            vault.key_source,
            vault.message.map(|m| format!(": {m}")).unwrap_or_default()
        );
        let status = self.app_status().await?;
        let _ = writeln!(
            out,
            "data: {} accounts, {} transactions",
            status.accounts, status.transactions
        );

        let _ = writeln!(out, "\nsettings changed from their defaults:");
        let mut any = false;
        for s in self.settings().await? {
            if s.value != s.default_value {
                any = true;
                let _ = writeln!(out, "  {} = {}", s.key, s.value);
            }
        }
        if !any {
            let _ = writeln!(out, "  none");
        }

        let _ = writeln!(out, "\nconnections:");
        if status.connections.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for c in &status.connections {
            let _ = writeln!(
                out,
                "  #{} {} ({}): {}, {} accounts, last sync {}, consent until {}",
                c.id,
                c.provider,
                c.label,
                coffer_core::model::ConnectionStatus::from(c.status),
                c.accounts,
                c.last_sync_at.as_deref().unwrap_or("never"),
                c.consent_expires_at.as_deref().unwrap_or("—"),
            );
            if let Some(e) = &c.last_error {
                let _ = writeln!(out, "    last error: {e}");
            }
            let runs = self.with_store(|s| Ok(s.sync_runs(c.id)?))?;
            for r in runs.iter().rev().take(RUNS_SHOWN).rev() {
                let _ = writeln!(
                    out,
                    "    run {}: fetched {}, new {}, updated {}, unchanged {}{}",
                    r.finished_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "unfinished".into()),
                    r.fetched,
                    r.inserted,
                    r.updated,
                    r.unchanged,
                    if r.errors.is_empty() {
                        String::new()
                    } else {
                        format!("; errors: {}", r.errors.join(" | "))
                    }
                );
            }
        }
        Ok(out)
    }
}

/// The distribution's name, from `/etc/os-release` where there is one.
fn os_release() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
}
