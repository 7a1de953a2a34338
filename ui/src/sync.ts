// Runs `sync_all`, feeding progress events into a ProgressView.

import type { Api } from './api';
import type { SyncSummary } from './generated/api';
import { showError } from './error-banner';
import { plural } from './format';
import { syncProblems, type ProgressView } from './sync-progress';

/**
 * Syncs every connection. Rejects when the call itself fails; problems inside a sync that
 * still finished (per-account errors, a failed connection among several) go to the banner.
 */
export async function runSync(api: Api, progress: ProgressView): Promise<SyncSummary[]> {
  let events = 0;
  const summaries = await api.syncAll((event) => {
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
