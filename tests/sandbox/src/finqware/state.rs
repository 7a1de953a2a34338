//! Everything the sandbox remembers: the bank ledgers, sessions and their nonces, the banks'
//! consent requests, temp tokens, consents (credentials), queued faults, counters and the
//! request log.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::catalogue::{Bank, BANKS};
use super::ledger::{Changes, Ledger};
use super::{ConsentRow, FinqwareConfig, FinqwareFault, FinqwareStats};
use crate::oracle::{OracleAccount, OracleRow, RecordedRequest};

/// State shared by the server task and every handle.
pub(crate) struct Shared {
    pub config: FinqwareConfig,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The clock's reading when the sandbox started: the ledgers' history ends here.
    pub started: DateTime<Utc>,
    pub stop: watch::Sender<bool>,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(config: FinqwareConfig, origin: String) -> (Self, watch::Receiver<bool>) {
        let (stop, stopped) = watch::channel(false);
        let started = seconds(config.clock.now());
        (
            Self {
                config,
                origin,
                started,
                stop,
                inner: Mutex::new(Inner::default()),
            },
            stopped,
        )
    }

    /// The state lock. A panic while holding it cannot leave the maps half-updated in a way that
    /// matters to a test sandbox, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The sandbox clock, to the second (every instant on the wire has whole seconds).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        seconds(self.config.clock.now())
    }

    /// The first day of `bank`'s history.
    pub(crate) fn first_day(&self, bank: &Bank) -> NaiveDate {
        let start = self.started.with_timezone(&bank.zone).date_naive();
        start - Duration::days(i64::from(self.config.history_days))
    }

    pub(crate) fn duration(d: std::time::Duration) -> Duration {
        Duration::from_std(d).unwrap_or_else(|_| Duration::days(365 * 100))
    }

    /// The oldest booking instant the cache still serves at `now`.
    pub(crate) fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Self::duration(self.config.cache_max_data_retention)
    }
}

/// Drops the sub-second part.
pub(crate) fn seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// `2021-02-01T13:14:52Z`.
pub(crate) fn iso_z(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2020-01-29T07:31:51.689168`: the documentation's balance timestamp, without a zone.
pub(crate) fn iso_naive_micros(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// A random (v4) UUID in its canonical text form.
pub(crate) fn uuid_v4() -> String {
    uuid_text(rand::random())
}

/// A UUID-shaped digest of `material` (stable for the same material).
pub(crate) fn uuid_from(material: &str) -> String {
    let digest = Sha256::digest(material.as_bytes());
    let mut bytes = [0u8; 16];
    for (slot, b) in bytes.iter_mut().zip(digest.iter()) {
        *slot = *b;
    }
    uuid_text(bytes)
}

fn uuid_text(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

pub(crate) fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A macaroon-shaped opaque token, as Finqware's nonces, temp tokens and access tokens are:
/// v1 packets (`0016location finqware\n`, `identifier`, `cid` caveats, a binary `signature`)
/// in URL-safe base64 without padding, so it always starts with `MDAx` and travels in a
/// query string as is.
pub(crate) fn macaroon(kind: &str, caveats: &[String]) -> String {
    fn packet(out: &mut Vec<u8>, key: &str, value: &[u8]) {
        let len = 4 + key.len() + 1 + value.len() + 1;
        out.extend_from_slice(format!("{len:04x}").as_bytes());
        out.extend_from_slice(key.as_bytes());
        out.push(b' ');
        out.extend_from_slice(value);
        out.push(b'\n');
    }
    let nonce: [u8; 16] = rand::random();
    let nonce_hex: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = Vec::new();
    packet(&mut out, "location", b"finqware");
    packet(
        &mut out,
        "identifier",
        format!("{kind} {nonce_hex}").as_bytes(),
    );
    for caveat in caveats {
        packet(&mut out, "cid", caveat.as_bytes());
    }
    let signature = Sha256::digest(&out);
    packet(&mut out, "signature", &signature);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
}

/// Whether `text` could be one of our macaroons (decodes and starts with a location packet).
pub(crate) fn looks_like_macaroon(text: &str) -> bool {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .is_ok_and(|bytes| bytes.starts_with(b"0016location finqware\n"))
}

pub(crate) struct Session {
    pub bank: &'static Bank,
    pub tenant_user_id: Option<String>,
    /// The nonce that authorises the next step, and until when.
    pub nonce: Option<String>,
    pub nonce_expires: DateTime<Utc>,
    /// Set once the (single) AISP step was submitted.
    pub step_id: Option<String>,
}

/// A consent request at the bank: the page a PSU approves or denies.
pub(crate) struct Authorization {
    pub session_id: String,
    pub bank: &'static Bank,
    pub psu_redirect_link: String,
    pub expires: DateTime<Utc>,
    pub decided: bool,
    /// The bank's authorisation code, until Finqware's redirect endpoint spends it.
    pub code: Option<String>,
    /// Finqware's redirect endpoint has sent the browser on (the request is finished).
    pub redirected: bool,
}

pub(crate) struct TempToken {
    pub bank: &'static Bank,
    pub tenant_user_id: Option<String>,
    pub approved: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub spent: bool,
}

pub(crate) struct Consent {
    pub credentials_id: String,
    pub access_token: String,
    pub bank: &'static Bank,
    pub tenant_user_id: Option<String>,
    /// When the PSU approved (`utc_created`).
    pub created: DateTime<Utc>,
    /// When the token exchange created the credentials and filled their cache.
    pub cached: DateTime<Utc>,
    pub last_update: DateTime<Utc>,
    pub consent_exp: DateTime<Utc>,
    pub max_data_retention: DateTime<Utc>,
    pub deleted: bool,
}

impl Consent {
    pub(crate) fn status(&self, now: DateTime<Utc>) -> &'static str {
        if self.deleted {
            "DELETED"
        } else if now >= self.consent_exp {
            "EXPIRED"
        } else {
            "ACTIVE"
        }
    }
}

/// Which requests a fault can hit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FaultSite {
    /// Any `/v1` API call, before anything else happens.
    AnyCall,
    /// A valid call that reaches the bank: a step or a data call, after its checks.
    Bank,
    /// A successful data call's body (accounts, balances, transactions).
    DataBody,
    /// A successful `/transactions/get` with at least one row.
    TransactionRows,
    /// Any `/transactions/get`, before its checks (a hostile fault).
    TransactionCall,
}

fn applies(fault: &FinqwareFault, site: FaultSite) -> bool {
    match fault {
        FinqwareFault::ServerError { .. } | FinqwareFault::HtmlErrorPage { .. } => {
            site == FaultSite::AnyCall
        }
        FinqwareFault::RateLimit { .. } | FinqwareFault::ConnectionError { .. } => {
            site == FaultSite::Bank
        }
        FinqwareFault::MalformedJson { .. } => site == FaultSite::DataBody,
        FinqwareFault::MissingField { .. } | FinqwareFault::FloatAmount { .. } => {
            site == FaultSite::TransactionRows
        }
        FinqwareFault::ExpireConsents => false,
        FinqwareFault::Stall { .. }
        | FinqwareFault::HugeBody { .. }
        | FinqwareFault::EndlessBody { .. } => site == FaultSite::TransactionCall,
        FinqwareFault::FarFutureDate { .. } | FinqwareFault::HugeAmount { .. } => {
            site == FaultSite::TransactionRows
        }
    }
}

fn budget(fault: &mut FinqwareFault) -> Option<&mut u32> {
    match fault {
        FinqwareFault::RateLimit { requests }
        | FinqwareFault::ConnectionError { requests }
        | FinqwareFault::ServerError { requests }
        | FinqwareFault::HtmlErrorPage { requests, .. }
        | FinqwareFault::MalformedJson { requests }
        | FinqwareFault::MissingField { requests, .. }
        | FinqwareFault::FloatAmount { requests }
        | FinqwareFault::Stall { requests, .. }
        | FinqwareFault::HugeBody { requests, .. }
        | FinqwareFault::EndlessBody { requests }
        | FinqwareFault::FarFutureDate { requests }
        | FinqwareFault::HugeAmount { requests } => Some(requests),
        FinqwareFault::ExpireConsents => None,
    }
}

#[derive(Default)]
pub(crate) struct Inner {
    ledgers: BTreeMap<&'static str, Ledger>,
    pub sessions: HashMap<String, Session>,
    /// By `state` (the consent request id).
    pub authorizations: HashMap<String, Authorization>,
    pub temp_tokens: HashMap<String, TempToken>,
    /// By credentials_id, in creation order of their ids' text (a map for stable listing).
    pub consents: BTreeMap<String, Consent>,
    /// Creation order of consents.
    pub consent_order: Vec<String>,
    pub faults: Vec<FinqwareFault>,
    pub stats: FinqwareStats,
    pub requests: Vec<RecordedRequest>,
}

impl Inner {
    /// `bank`'s ledger, generated up to `now`.
    pub(crate) fn ledger(
        &mut self,
        shared: &Shared,
        bank: &'static Bank,
        now: DateTime<Utc>,
    ) -> &Ledger {
        let ledger = self
            .ledgers
            .entry(bank.skill)
            .or_insert_with(|| Ledger::new(bank, shared.config.seed, shared.first_day(bank)));
        ledger.catch_up(now);
        ledger
    }

    /// Takes one use of the first queued fault that applies to `site`.
    pub(crate) fn take_fault(&mut self, site: FaultSite) -> Option<FinqwareFault> {
        let index = self.faults.iter().position(|f| applies(f, site))?;
        let fault = self.faults.get_mut(index)?;
        let taken = fault.clone();
        let exhausted = budget(fault).is_none_or(|requests| {
            *requests = requests.saturating_sub(1);
            *requests == 0
        });
        if exhausted {
            self.faults.remove(index);
        }
        self.stats.faults_fired += 1;
        Some(taken)
    }

    /// Queues a fault, or applies it at once if it is a state change.
    pub(crate) fn inject(&mut self, fault: FinqwareFault, now: DateTime<Utc>) {
        match fault {
            FinqwareFault::ExpireConsents => {
                for consent in self.consents.values_mut() {
                    if !consent.deleted && consent.consent_exp > now {
                        consent.consent_exp = now;
                        consent.last_update = now;
                    }
                }
            }
            // A fault with `requests: 0` would do nothing; it is not queued.
            mut other => {
                if budget(&mut other).is_none_or(|requests| *requests > 0) {
                    self.faults.push(other);
                }
            }
        }
    }

    pub(crate) fn consent_rows(&self, now: DateTime<Utc>) -> Vec<ConsentRow> {
        self.consent_order
            .iter()
            .filter_map(|id| self.consents.get(id))
            .map(|c| ConsentRow {
                credentials_id: c.credentials_id.clone(),
                access_token: c.access_token.clone(),
                skill: c.bank.skill.to_owned(),
                tenant_user_id: c.tenant_user_id.clone(),
                status: c.status(now).to_owned(),
                created: c.created,
                consent_exp: c.consent_exp,
                max_data_retention: c.max_data_retention,
            })
            .collect()
    }

    fn selected(skill: Option<&str>) -> impl Iterator<Item = &'static Bank> + '_ {
        BANKS
            .iter()
            .filter(move |b| skill.is_none_or(|s| s == b.skill))
    }

    pub(crate) fn oracle_rows(
        &mut self,
        shared: &Shared,
        skill: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<OracleRow> {
        let mut out = Vec::new();
        for bank in Self::selected(skill) {
            out.extend(self.ledger(shared, bank, now).oracle_rows(now));
        }
        out
    }

    pub(crate) fn oracle_accounts(
        &mut self,
        shared: &Shared,
        skill: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<OracleAccount> {
        let mut out = Vec::new();
        for bank in Self::selected(skill) {
            out.extend(self.ledger(shared, bank, now).oracle_accounts(now));
        }
        out
    }

    /// What changed at every bank between two instants (generating what is needed).
    pub(crate) fn changes(
        &mut self,
        shared: &Shared,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Changes {
        let mut total = Changes::default();
        for bank in &BANKS {
            let later = from.max(to);
            total.add(self.ledger(shared, bank, later).changes(from, to));
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_like_finqware_macaroons() {
        let token = macaroon("access_token", &["credentials_id = x".to_owned()]);
        assert!(token.starts_with("MDAxNmxvY2F0aW9uIGZpbnF3YXJl"), "{token}");
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(looks_like_macaroon(&token));
        assert!(!looks_like_macaroon("sandbox-token"));
        assert_ne!(
            token,
            macaroon("access_token", &["credentials_id = x".to_owned()])
        );
        assert!(is_uuid(&uuid_v4()));
        assert_eq!(uuid_from("a"), uuid_from("a"));
        assert!(is_uuid(&uuid_from("a")));
        assert_eq!(
            iso_naive_micros("2020-01-29T07:31:51Z".parse().unwrap()),
            "2020-01-29T07:31:51.000000"
        );
    }
}
