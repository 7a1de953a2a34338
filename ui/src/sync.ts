// Runs `sync_all` or `sync_connection`, feeding progress events into a ProgressView.

import type { Api } from './api';
import type { SyncEvent, SyncSummary } from './generated/api';
import { showError } from './error-banner';
import { plural } from './format';
import { syncProblems, type ProgressView } from './sync-progress';

async function drive(
  progress: ProgressView,
  call: (onEvent: (event: SyncEvent) => void) => Promise<SyncSummary[]>,
): Promise<SyncSummary[]> {
  let events = 0;
  const summaries = await call((event) => {
    events++;
    progress.apply(event);
  });
  if (events === 0) {
    // The transport streamed nothing (HTTP): just show the outcome.
    const fetched = summaries.reduce((n, s) => n + s.fetched, 0);
    progress.complete(`Synced — ${plural(fetched, 'transaction', 'transactions')}`);
  }
  const problems = syncProblems(progress.state, summaries);
  if (problems.length > 0) showError({ code: 'sync', message: problems.join(' · ') });
  return summaries;
}

/**
 * Syncs every connection. Rejects when the call itself fails; problems inside a sync that
 * still finished (per-account errors, a failed connection among several) go to the banner.
 */
export function runSync(api: Api, progress: ProgressView): Promise<SyncSummary[]> {
  return drive(progress, (onEvent) => api.syncAll(onEvent));
}

/** Syncs one connection, like {@link runSync}. */
export function runConnectionSync(api: Api, progress: ProgressView, connection: number): Promise<SyncSummary[]> {
  return drive(progress, (onEvent) => api.syncConnection(connection, onEvent));
}
