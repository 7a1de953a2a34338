import { describe, expect, it } from 'vitest';
import type { SyncEvent, SyncSummary } from './generated/api';
import { initialProgress, progressText, reduceProgress, syncProblems, type ProgressState } from './sync-progress';

function run(events: SyncEvent[]): ProgressState {
  return events.reduce(reduceProgress, initialProgress());
}

const summary: SyncSummary = {
  connection_id: 1,
  provider: 'demo',
  label: 'Demo Bank',
  accounts: 3,
  fetched: 2034,
  inserted: 2034,
  updated: 0,
  unchanged: 0,
  expired: 0,
  errors: [],
  notes: [],
  skipped: false,
};

const started: SyncEvent = { kind: 'started', connection_id: 1, label: 'Demo Bank' };
const accounts: SyncEvent = { kind: 'accounts', connection_id: 1, total: 3 };

describe('sync progress', () => {
  it('is indeterminate until the account total is known', () => {
    const s = run([started]);
    expect(s.total).toBeNull();
    expect(progressText(s)).toBe('Syncing Demo Bank…');
  });

  it('counts accounts once the total is known', () => {
    const s = run([started, accounts]);
    expect(s.total).toBe(3);
    expect(s.done).toBe(0);
    expect(progressText(s)).toBe('Syncing Demo Bank… 3 accounts');
  });

  it('reports the account just stored (1-based index, cumulative fetched)', () => {
    const s = run([
      started,
      accounts,
      { kind: 'account', connection_id: 1, account_name: 'Brukskonto', index: 1, total: 3, fetched: 400 },
      { kind: 'account', connection_id: 1, account_name: 'Sparekonto', index: 2, total: 3, fetched: 812 },
    ]);
    expect(s.done).toBe(2);
    expect(s.fetched).toBe(812);
    expect(progressText(s)).toBe('Syncing Demo Bank… account 2 of 3 — 812 transactions');
  });

  it('never overshoots the total', () => {
    const s = run([started, { kind: 'account', connection_id: 1, account_name: 'Visa', index: 4, total: 3, fetched: 1 }]);
    expect(s.done).toBe(3);
    expect(progressText(s)).toBe('Syncing Demo Bank… account 3 of 3 — 1 transaction');
  });

  it('says when another process is already syncing the bank', () => {
    const s = run([started, { kind: 'finished', summary: { ...summary, accounts: 0, inserted: 0, skipped: true } }]);
    expect(progressText(s)).toBe('Demo Bank is already being synced elsewhere on this computer');
  });

  it('adds the notes of a sync that is not complete yet', () => {
    const note = 'Brukskonto: older history is fetched over the next syncs (hourly call limit)';
    const s = run([started, accounts, { kind: 'finished', summary: { ...summary, notes: [note] } }]);
    expect(progressText(s)).toBe(`Demo Bank is up to date — 2,034 new transactions. ${note}`);
  });

  it('finishes with a summary line', () => {
    const s = run([started, accounts, { kind: 'finished', summary }]);
    expect(s.finished).toBe(true);
    expect(s.done).toBe(3);
    expect(progressText(s)).toBe('Demo Bank is up to date — 2,034 new transactions');
  });

  it('keeps going after a failed account and reports it at the end', () => {
    const s = run([
      started,
      accounts,
      { kind: 'account', connection_id: 1, account_name: 'Brukskonto', index: 1, total: 3, fetched: 400 },
      { kind: 'failed', connection_id: 1, message: 'Sparekonto: timeout' },
      { kind: 'account', connection_id: 1, account_name: 'Visa', index: 3, total: 3, fetched: 460 },
    ]);
    expect(s.finished).toBe(false);
    expect(progressText(s)).toBe('Syncing Demo Bank… account 3 of 3 — 460 transactions');
    const done = reduceProgress(s, { kind: 'finished', summary: { ...summary, errors: ['Sparekonto: timeout'] } });
    expect(progressText(done)).toBe('Demo Bank synced with problems — 2,034 new transactions');
    // The same problem arrives as an event and in the summary: reported once.
    expect(syncProblems(done, done.summaries)).toEqual(['Demo Bank: Sparekonto: timeout']);
  });

  it('says so when a connection could not be synced at all', () => {
    const s = run([
      { kind: 'started', connection_id: 2, label: 'Sbanken' },
      { kind: 'failed', connection_id: 2, message: 'Consent expired' },
      {
        kind: 'finished',
        summary: { ...summary, connection_id: 2, label: 'Sbanken', accounts: 0, fetched: 0, inserted: 0, errors: ['Consent expired'] },
      },
    ]);
    expect(progressText(s)).toBe('Could not sync Sbanken');
    expect(syncProblems(s, s.summaries)).toEqual(['Sbanken: Consent expired']);
  });
});
