//! How a sync spends SpareBank 1's calls without losing a row.
//!
//! The transactions API has no paging: an answer holds at most `rowLimit` rows for all the
//! account keys asked, newest first, and says nothing when it was cut (providers.md §A). So
//! every call sends `rowLimit = ROW_CAP` and an answer with that many rows is taken as cut:
//! its oldest day may be incomplete, so only the days after it are kept and the next call asks
//! again up to and including that day ("peeling"). Each call thus brings up to `ROW_CAP` rows,
//! and a day is always taken whole, which the content-plus-occurrence dedup keys need.
//!
//! A sync first fetches what synced accounts need again (from a little before their cursors
//! up to today, usually one call for all of them), then walks back through older history for
//! accounts whose history is not complete, one year-window at a time, until the bank refuses
//! the range (its lookback limit; the edge is found by probing), a long stretch holds nothing,
//! or the optional lookback setting is reached. The bank allows about 60 calls an hour per
//! client: every call is counted in a log shared by every Coffer process on the profile
//! ([`CallBudget`]), and a walk cut short by the budget is resumed by the next sync from where
//! it stopped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use coffer_core::model::ProviderTransaction;
use coffer_core::sync::{History, Need, ProviderError};
use coffer_login::BankMemory;

use super::rows::{self, Answer};
use super::{KnownAccount, Sparebank1, PROVIDER_ID};

/// The `rowLimit` sent with every call; an answer of exactly this many rows was cut.
pub(super) const ROW_CAP: usize = 1000;
/// One step of the walk back through history.
const WINDOW_DAYS: i64 = 365;
/// A stretch this long without a row of an account ends its walk (the bank's older history
/// is empty, or the account did not exist).
const EMPTY_STRETCH_DAYS: i64 = 730;
/// Answers that report a partial failure in a 200 are asked again this many times.
const PARTIAL_RETRIES: u32 = 3;

/// Calls made with one client id within the last hour, kept in the profile so that the app
/// and the `coffer` command (and a restart) share one count.
pub(super) struct CallBudget {
    memory: Arc<dyn BankMemory>,
    key: String,
    per_hour: u32,
    now: DateTime<Utc>,
}

impl CallBudget {
    pub(super) fn new(
        memory: Arc<dyn BankMemory>,
        client_id: &str,
        per_hour: u32,
        now: DateTime<Utc>,
    ) -> CallBudget {
        CallBudget {
            memory,
            key: format!("calls.{client_id}"),
            per_hour,
            now,
        }
    }

    fn log(&self) -> Vec<i64> {
        let hour_ago = (self.now - Duration::hours(1)).timestamp();
        self.memory
            .recall(&self.key)
            .ok()
            .flatten()
            .and_then(|text| serde_json::from_str::<Vec<i64>>(&text).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|t| *t > hour_ago)
            .collect()
    }

    /// Counts one call, or says (as a rate limit) when the next one is free. 0 = no budget.
    pub(super) fn take(&self) -> Result<(), ProviderError> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let mut log = self.log();
        if log.len() >= self.per_hour as usize {
            let oldest = log.iter().min().copied().unwrap_or(self.now.timestamp());
            let free_at = oldest + 3600;
            return Err(ProviderError::RateLimited {
                provider: PROVIDER_ID,
                retry_after_secs: u64::try_from(free_at - self.now.timestamp()).unwrap_or(0),
            });
        }
        log.push(self.now.timestamp());
        let text = serde_json::to_string(&log).unwrap_or_else(|_| "[]".into());
        self.memory
            .remember(&self.key, &text)
            .map_err(|e| ProviderError::Other {
                provider: PROVIDER_ID,
                message: format!("cannot count the call against the hourly budget: {e}"),
            })
    }
}

/// What one sync fetched for one account.
pub(super) struct Prepared {
    pub(super) rows: Vec<(String, ProviderTransaction)>,
    pub(super) from: Option<NaiveDate>,
    pub(super) history: History,
    pub(super) note: Option<String>,
    pub(super) error: Option<ProviderError>,
}

/// Rows per account key from one range, and the keys whose rows could not be used.
#[derive(Default)]
struct Range {
    rows: HashMap<String, Vec<(String, ProviderTransaction)>>,
    failed: HashMap<String, ProviderError>,
}

fn other(message: String) -> ProviderError {
    ProviderError::Other {
        provider: PROVIDER_ID,
        message,
    }
}

/// When the budget frees up again, in words.
pub(super) fn budget_note(e: &ProviderError, now: DateTime<Utc>) -> String {
    let wait = match e {
        ProviderError::RateLimited {
            retry_after_secs, ..
        } => *retry_after_secs,
        _ => 3600,
    };
    let at = now + Duration::seconds(i64::try_from(wait).unwrap_or(3600));
    format!(
        "SpareBank 1 allows only so many calls an hour; older history continues at the next \
         sync after {} UTC, from where this one stopped",
        at.format("%H:%M")
    )
}

impl Sparebank1 {
    /// Every account's fetch for this sync, planned together.
    pub(super) async fn plan(
        &self,
        needs: &[(String, Need)],
        known: &HashMap<String, KnownAccount>,
    ) -> HashMap<String, Prepared> {
        let today = self.today;
        let mut out: HashMap<String, Prepared> = needs
            .iter()
            .map(|(key, need)| {
                (
                    key.clone(),
                    Prepared {
                        rows: Vec::new(),
                        from: need.since,
                        history: need.history,
                        note: None,
                        error: None,
                    },
                )
            })
            .collect();

        // 1. What synced accounts need again: one range for all of them.
        let recent: Vec<(String, NaiveDate)> = needs
            .iter()
            .filter_map(|(k, n)| n.since.map(|s| (k.clone(), s.min(today))))
            .collect();
        if let Some(from) = recent.iter().map(|(_, s)| *s).min() {
            let keys: Vec<String> = recent.iter().map(|(k, _)| k.clone()).collect();
            match self.fetch_range(&keys, from, today, known).await {
                Ok(mut range) => {
                    for (key, since) in &recent {
                        let slot = out.get_mut(key);
                        if let Some(slot) = slot {
                            if let Some(e) = range.failed.remove(key) {
                                slot.error = Some(e);
                                continue;
                            }
                            slot.rows = range
                                .rows
                                .remove(key)
                                .unwrap_or_default()
                                .into_iter()
                                .filter(|(_, t)| t.booking_date >= *since)
                                .collect();
                        }
                    }
                }
                Err(e) => {
                    let e = match e {
                        e @ ProviderError::RateLimited { .. } => other(format!(
                            "{}; nothing new was stored for this account",
                            budget_note(&e, self.now)
                                .replace("older history continues", "syncing continues")
                        )),
                        e => e,
                    };
                    for (key, _) in &recent {
                        if let Some(slot) = out.get_mut(key) {
                            slot.error = Some(super::replay(&e));
                        }
                    }
                }
            }
        }

        // 2. Older history, newest first, for accounts whose history is not complete.
        let mut walking: BTreeMap<String, Walk> = BTreeMap::new();
        for (key, need) in needs {
            if out.get(key).is_some_and(|p| p.error.is_some()) {
                continue;
            }
            let upper = match (need.history, need.since) {
                (History::Complete, _) => continue,
                (History::Unfetched, _) => today,
                // Never again a day the recent range already brought.
                (History::Before(d), since) => {
                    let before = d.pred_opt().unwrap_or(d);
                    since.map_or(before, |s| before.min(s.pred_opt().unwrap_or(s)))
                }
            };
            walking.insert(
                key.clone(),
                Walk {
                    upper,
                    covered_from: upper.succ_opt().unwrap_or(upper),
                    newest_empty_edge: upper.succ_opt().unwrap_or(upper),
                    reached_end: false,
                    done: false,
                },
            );
        }
        let limit = self.lookback_limit();
        let mut stop_note: Option<String> = None;
        let mut window_end = walking.values().map(|w| w.upper).max();
        while let Some(end) = window_end {
            let mut start = end - Duration::days(WINDOW_DAYS - 1);
            if let Some(limit) = limit {
                start = start.max(limit);
            }
            let keys: Vec<String> = walking
                .iter()
                .filter(|(_, w)| !w.done && w.upper >= start)
                .map(|(k, _)| k.clone())
                .collect();
            if keys.is_empty() || start > end {
                break;
            }
            let fetched = match self.fetch_range(&keys, start, end, known).await {
                Err(ProviderError::Http { status: 400, .. }) => {
                    // The bank refuses the range: its lookback ends inside this window.
                    match self.find_edge(&keys, start, end, known).await {
                        Ok(Some(edge)) => {
                            for key in &keys {
                                if let Some(w) = walking.get_mut(key) {
                                    w.reached_end = true;
                                }
                            }
                            start = edge;
                            self.fetch_range(&keys, edge, end, known).await
                        }
                        Ok(None) => {
                            for key in &keys {
                                if let Some(w) = walking.get_mut(key) {
                                    w.done = true;
                                }
                            }
                            window_end = start.pred_opt();
                            continue;
                        }
                        Err(e) => Err(e),
                    }
                }
                other => other,
            };
            match fetched {
                Ok(mut range) => {
                    for key in &keys {
                        let (Some(w), Some(slot)) = (walking.get_mut(key), out.get_mut(key)) else {
                            continue;
                        };
                        if let Some(e) = range.failed.remove(key) {
                            slot.error = Some(e);
                            w.done = true;
                            continue;
                        }
                        let rows: Vec<_> = range
                            .rows
                            .remove(key)
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|(_, t)| t.booking_date <= w.upper)
                            .collect();
                        if let Some(oldest) = rows.iter().map(|(_, t)| t.booking_date).min() {
                            w.newest_empty_edge = oldest;
                        }
                        slot.rows.extend(rows);
                        w.covered_from = start;
                        let empty_for = (w.newest_empty_edge - start).num_days();
                        if w.reached_end
                            || empty_for >= EMPTY_STRETCH_DAYS
                            || limit.is_some_and(|l| start <= l)
                        {
                            w.done = true;
                        }
                    }
                }
                Err(e @ ProviderError::RateLimited { .. }) => {
                    stop_note = Some(budget_note(&e, self.now));
                    break;
                }
                Err(e) => {
                    for key in &keys {
                        if let (Some(w), Some(slot)) = (walking.get_mut(key), out.get_mut(key)) {
                            slot.error = Some(super::replay(&e));
                            w.done = true;
                        }
                    }
                }
            }
            window_end = start.pred_opt();
        }

        for (key, w) in walking {
            let Some(slot) = out.get_mut(&key) else {
                continue;
            };
            if slot.error.is_some() {
                continue;
            }
            if slot.from.is_none() {
                // A first sync: everything from its oldest walked day on is there.
                slot.from = Some(w.covered_from);
            }
            slot.history = if w.done {
                History::Complete
            } else {
                slot.note = stop_note.clone();
                History::Before(w.covered_from)
            };
        }
        out
    }

    /// The oldest day the lookback setting allows, if one is set.
    fn lookback_limit(&self) -> Option<NaiveDate> {
        (self.max_lookback_days > 0)
            .then(|| self.today - Duration::days(i64::from(self.max_lookback_days)))
    }

    /// All rows of `keys` dated `from..=to`, whole days only, peeling cut answers.
    async fn fetch_range(
        &self,
        keys: &[String],
        from: NaiveDate,
        to: NaiveDate,
        known: &HashMap<String, KnownAccount>,
    ) -> Result<Range, ProviderError> {
        let mut range = Range::default();
        let mut active: Vec<String> = keys.to_vec();
        let mut upper = to;
        loop {
            if active.is_empty() {
                return Ok(range);
            }
            let mut answer = self.call(&active, from, upper, known).await?;
            for key in active.clone() {
                if let Some(problem) = answer.problem(&key) {
                    range.failed.insert(
                        key.clone(),
                        ProviderError::Malformed {
                            provider: PROVIDER_ID,
                            detail: problem,
                        },
                    );
                    active.retain(|k| *k != key);
                }
            }
            // A full answer was cut somewhere in its oldest day: keep the days after it and
            // ask again up to and including that day.
            let again = if answer.items >= ROW_CAP {
                let oldest = answer.oldest_day().unwrap_or(from);
                if oldest >= upper {
                    if active.len() <= 1 {
                        return Err(other(format!(
                            "the bank holds more than {ROW_CAP} rows on {oldest} and cannot send \
                             them in one answer"
                        )));
                    }
                    // One day fills a whole answer across accounts: one account at a time.
                    for key in active {
                        let one = Box::pin(self.fetch_range(
                            std::slice::from_ref(&key),
                            from,
                            upper,
                            known,
                        ))
                        .await?;
                        merge(&mut range, one);
                    }
                    return Ok(range);
                }
                Some(oldest)
            } else {
                None
            };
            let keep_from = again.and_then(|d| d.succ_opt()).unwrap_or(from);
            for key in &active {
                range
                    .rows
                    .entry(key.clone())
                    .or_default()
                    .extend(answer.take_rows(key, keep_from, upper));
            }
            match again {
                None => return Ok(range),
                Some(day) => upper = day,
            }
        }
    }

    /// The first day of `from..=to` the bank still serves, by probing (one row each), or
    /// `None` when it serves none of them. The search is a bisection whose bounds are kept
    /// in the bank's memory, so a search cut short by the call budget resumes next time.
    async fn find_edge(
        &self,
        keys: &[String],
        from: NaiveDate,
        to: NaiveDate,
        known: &HashMap<String, KnownAccount>,
    ) -> Result<Option<NaiveDate>, ProviderError> {
        let probe = keys.first().cloned().into_iter().collect::<Vec<_>>();
        // `lo` is refused; the first accepted day is in (lo, hi], and `hi` is accepted.
        let (mut lo, mut hi) = match self.edge_bounds() {
            Some((lo, hi)) if lo >= from && hi <= to && lo < hi => (lo, hi),
            _ => {
                if !self.probe(&probe, to, to, known).await? {
                    return Ok(None);
                }
                (from, to)
            }
        };
        while (hi - lo).num_days() > 1 {
            let mid = lo + Duration::days((hi - lo).num_days() / 2);
            if self.probe(&probe, mid, to, known).await? {
                hi = mid;
            } else {
                lo = mid;
            }
            self.remember_edge_bounds(lo, hi);
        }
        Ok(Some(hi))
    }

    fn edge_bounds(&self) -> Option<(NaiveDate, NaiveDate)> {
        let text = self.memory.recall(&self.edge_key).ok().flatten()?;
        let (lo, hi) = text.split_once(',')?;
        Some((lo.parse().ok()?, hi.parse().ok()?))
    }

    fn remember_edge_bounds(&self, lo: NaiveDate, hi: NaiveDate) {
        if let Err(e) = self.memory.remember(&self.edge_key, &format!("{lo},{hi}")) {
            tracing::warn!("cannot remember how far the lookback search got: {e}");
        }
    }

    /// Whether the bank accepts `from..=to` (true) or refuses it as a range (false).
    async fn probe(
        &self,
        keys: &[String],
        from: NaiveDate,
        to: NaiveDate,
        _known: &HashMap<String, KnownAccount>,
    ) -> Result<bool, ProviderError> {
        match self.request(keys, from, to, 1).await {
            Ok(_) => Ok(true),
            Err(ProviderError::Http { status: 400, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// One capped call; a 200 that reports a partial failure is asked again a few times
    /// before its accounts are given up for this sync.
    async fn call(
        &self,
        keys: &[String],
        from: NaiveDate,
        to: NaiveDate,
        known: &HashMap<String, KnownAccount>,
    ) -> Result<Answer, ProviderError> {
        let mut backoff = crate::wire::server_backoff();
        let mut attempt = 0;
        loop {
            let body = self.request(keys, from, to, ROW_CAP).await?;
            let answer = rows::answer(&body, keys, known)?;
            attempt += 1;
            if answer.partial.is_empty() || attempt > PARTIAL_RETRIES {
                return Ok(answer);
            }
            match backoff.next() {
                Some(delay) => {
                    tracing::info!(codes = ?answer.partial, "SpareBank 1 answered in part; asking again");
                    tokio::time::sleep(delay).await;
                }
                None => return Ok(answer),
            }
        }
    }

    async fn request(
        &self,
        keys: &[String],
        from: NaiveDate,
        to: NaiveDate,
        row_limit: usize,
    ) -> Result<String, ProviderError> {
        let mut query: Vec<(&str, String)> =
            keys.iter().map(|k| ("accountKey", k.clone())).collect();
        query.push(("fromDate", from.format("%Y-%m-%d").to_string()));
        query.push(("toDate", to.format("%Y-%m-%d").to_string()));
        query.push(("source", "ALL".to_string()));
        query.push(("rowLimit", row_limit.to_string()));
        self.api
            .get("personal/banking/transactions/classified", &query)
            .await
    }
}

fn merge(into: &mut Range, from: Range) {
    for (k, rows) in from.rows {
        into.rows.entry(k).or_default().extend(rows);
    }
    into.failed.extend(from.failed);
}

/// One account's walk back through history.
struct Walk {
    /// The newest day it still needs.
    upper: NaiveDate,
    /// Everything from this day to `upper` has been fetched.
    covered_from: NaiveDate,
    /// The oldest day seen with a row (or where the walk began).
    newest_empty_edge: NaiveDate,
    /// The bank refused older ranges: nothing older exists to fetch.
    reached_end: bool,
    done: bool,
}
