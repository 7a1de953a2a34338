//! Keeping the data fresh while the desktop app is open, and telling the user when a bank
//! needs them.
//!
//! The desktop shell calls [`Coffer::sync_scheduled`] at start and again at
//! [`Coffer::next_scheduled_sync`]; the decisions live here so they can be tested with a pinned
//! clock, and so the CLI or a future tray can use the same rules. Connections are synced one at
//! a time through the ordinary sync, which never syncs one connection twice at once (also across
//! processes) and keeps each bank's call budget.

use crate::sync::{SyncEvent, SyncSummary};
use chrono::{DateTime, Duration, Utc};
use coffer_core::model::{Connection, ConnectionStatus};
use coffer_providers::bank::{SettingKind, SettingSpec};

use crate::views::{Notice, NoticeKind};
use crate::{ApiError, Coffer};

/// Settings of the app itself (keys `app.<key>`), beside the banks' own.
pub(crate) static APP_SETTINGS: [SettingSpec; 2] = [
    SettingSpec {
        key: "sync_every_hours",
        default_value: "6",
        description: "While the desktop app is open, sync every bank this often (hours); 0 \
                      syncs only when asked.",
        kind: SettingKind::Count,
    },
    SettingSpec {
        key: "locale",
        default_value: "",
        description: "How amounts, dates and typed numbers are written (1 657 398,13 kr or \
                      1,657,398.13 NOK); empty follows the system's language and region.",
        kind: SettingKind::Locale,
    },
];

/// The locales the locale setting offers: the ones whose number and date conventions the UI
/// and the charts were checked in, plus the languages of the banks Coffer connects to. Empty:
/// the system's.
pub static LOCALES: [(&str, &str); 12] = [
    ("", "System default"),
    ("en-GB", "English (United Kingdom)"),
    ("en-US", "English (United States)"),
    ("nb-NO", "Norsk bokmål (Norge)"),
    ("nn-NO", "Norsk nynorsk (Noreg)"),
    ("sv-SE", "Svenska (Sverige)"),
    ("da-DK", "Dansk (Danmark)"),
    ("de-DE", "Deutsch (Deutschland)"),
    ("fr-FR", "Français (France)"),
    ("bg-BG", "Български (България)"),
    ("ro-RO", "Română (România)"),
    ("vi-VN", "Tiếng Việt (Việt Nam)"),
];

/// The setting prefix of [`APP_SETTINGS`].
pub(crate) const APP_PREFIX: &str = "app";

/// A consent that ends within this is told about, with time to renew it.
const CONSENT_WARNING: Duration = Duration::days(7);

/// Connections a scheduled sync may try: not disconnected, and not waiting for a new login
/// (syncing those only fails again; the user is told instead).
fn schedulable(c: &Connection) -> bool {
    !matches!(
        c.status,
        ConnectionStatus::Disabled | ConnectionStatus::NeedsReauth
    )
}

impl Coffer {
    /// How often the desktop app syncs on its own; `None` when the user turned it off.
    pub async fn sync_every(&self) -> Result<Option<Duration>, ApiError> {
        let key = format!("{APP_PREFIX}.{}", APP_SETTINGS[0].key);
        let hours = self
            .settings()
            .await?
            .into_iter()
            .find(|s| s.key == key)
            .and_then(|s| s.value.parse::<u32>().ok())
            .unwrap_or(6);
        Ok((hours > 0).then(|| Duration::hours(i64::from(hours))))
    }

    /// When the next scheduled sync is due (now or in the past when one is due already);
    /// `None` when scheduled syncing is off or there is nothing to sync.
    pub async fn next_scheduled_sync(&self) -> Result<Option<DateTime<Utc>>, ApiError> {
        let Some(every) = self.sync_every().await? else {
            return Ok(None);
        };
        let connections = self.with_store(|s| Ok(s.connections()?))?;
        let now = self.clock.now();
        Ok(connections
            .iter()
            .filter(|c| schedulable(c))
            .map(|c| c.last_sync_at.map_or(now, |at| at + every))
            .min())
    }

    /// Syncs, one at a time, every connection that is due — or, at the app's start, every
    /// connection that can sync. A connection another process is syncing right now is skipped
    /// (its summary says so). Returns one summary per connection tried.
    pub async fn sync_scheduled(
        &self,
        at_start: bool,
        mut progress: impl FnMut(SyncEvent) + Send,
    ) -> Result<Vec<SyncSummary>, ApiError> {
        let every = self.sync_every().await?;
        if every.is_none() && !at_start {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let due: Vec<Connection> = self
            .with_store(|s| Ok(s.connections()?))?
            .into_iter()
            .filter(schedulable)
            .filter(|c| {
                at_start
                    || match (c.last_sync_at, every) {
                        (None, _) => true,
                        (Some(at), Some(every)) => at + every <= now,
                        (Some(_), None) => false,
                    }
            })
            .collect();
        let mut summaries = Vec::with_capacity(due.len());
        for c in due {
            summaries.extend(self.sync(Some(c.id), &mut progress).await?);
        }
        Ok(summaries)
    }

    /// What needs the user now: connections that must log in again, consents that end within a
    /// week, and syncs that failed after their retries.
    pub async fn notices(&self) -> Result<Vec<Notice>, ApiError> {
        let now = self.clock.now();
        let connections = self.with_store(|s| Ok(s.connections()?))?;
        let mut out = Vec::new();
        for c in connections {
            let name = crate::registry::find(&c.provider)
                .map(|b| b.about().name)
                .unwrap_or("A bank");
            let who = if c.label.is_empty() || c.label == name {
                name.to_string()
            } else {
                format!("{name} ({})", c.label)
            };
            match c.status {
                ConnectionStatus::Disabled => continue,
                ConnectionStatus::NeedsReauth => out.push(Notice {
                    connection_id: c.id,
                    kind: NoticeKind::NeedsLogin,
                    title: format!("{who} needs you to log in again"),
                    body: c
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "The bank no longer accepts the saved login.".into()),
                }),
                ConnectionStatus::Error => out.push(Notice {
                    connection_id: c.id,
                    kind: NoticeKind::SyncFailed,
                    title: format!("{who} could not be synced"),
                    body: c
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "The last sync failed.".into()),
                }),
                ConnectionStatus::Active | ConnectionStatus::Expiring => {}
            }
            if let Some(ends) = c.consent_expires_at {
                if c.status != ConnectionStatus::NeedsReauth
                    && ends > now
                    && ends - now <= CONSENT_WARNING
                {
                    let days = (ends - now).num_days();
                    out.push(Notice {
                        connection_id: c.id,
                        kind: NoticeKind::ConsentExpiring,
                        title: format!("{who}: your consent ends {}", when(days)),
                        body: format!(
                            "Renew it before {} to keep syncing: Connections → Renew.",
                            ends.format("%Y-%m-%d")
                        ),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The [`Coffer::notices`] not told before, each told once: a condition that lasts over
    /// many syncs is one notification, and it is told again only after it cleared and came
    /// back.
    pub async fn new_notices(&self) -> Result<Vec<Notice>, ApiError> {
        let now = self.clock.now();
        let all = self.notices().await?;
        let current: Vec<_> = all
            .iter()
            .map(|n| (n.connection_id, n.kind.as_str().to_string()))
            .collect();
        let new = self.with_store(|s| Ok(s.tell_notices(&current, now)?))?;
        Ok(all
            .into_iter()
            .filter(|n| new.contains(&(n.connection_id, n.kind.as_str().to_string())))
            .collect())
    }
}

fn when(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "tomorrow".into(),
        n => format!("in {n} days"),
    }
}
