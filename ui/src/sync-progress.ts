// Sync progress: a pure reducer over SyncEvents (unit-tested) and the small DOM block
// `#sync-progress` that shows it.

import type { SyncEvent, SyncSummary } from './generated/api';
import { el } from './dom';
import { formatCount, plural } from './format';

export interface ProgressState {
  /** Label of the connection being synced, once known. */
  label: string | null;
  /** Accounts of the current connection; null while unknown (indeterminate bar). */
  total: number | null;
  /** Accounts done in the current connection. */
  done: number;
  /** Transactions fetched so far for the current connection (cumulative, from the backend). */
  fetched: number | null;
  /** Name of the account last reported. */
  accountName: string | null;
  finished: boolean;
  /** The last finished connection reported errors and synced no account. */
  failed: boolean;
  summaries: SyncSummary[];
  failures: string[];
  labels: Record<number, string>;
}

export function initialProgress(): ProgressState {
  return {
    label: null,
    total: null,
    done: 0,
    fetched: null,
    accountName: null,
    finished: false,
    failed: false,
    summaries: [],
    failures: [],
    labels: {},
  };
}

/**
 * Applies one event. Per connection the backend sends `started`, `accounts`, one `account`
 * after each account is stored (`index` 1-based, `fetched` cumulative), `failed` for each
 * step that went wrong (the sync goes on), and `finished` with the summary.
 */
export function reduceProgress(state: ProgressState, event: SyncEvent): ProgressState {
  switch (event.kind) {
    case 'started':
      return {
        ...state,
        label: event.label,
        labels: { ...state.labels, [event.connection_id]: event.label },
        total: null,
        done: 0,
        fetched: null,
        accountName: null,
        finished: false,
        failed: false,
      };
    case 'accounts':
      return {
        ...state,
        label: state.labels[event.connection_id] ?? state.label,
        total: event.total,
        done: 0,
      };
    case 'account': {
      const total = Math.max(event.total, 0);
      const done = Math.min(Math.max(event.index, 0), total);
      return {
        ...state,
        label: state.labels[event.connection_id] ?? state.label,
        total,
        done,
        fetched: event.fetched,
        accountName: event.account_name,
      };
    }
    case 'finished':
      return {
        ...state,
        label: event.summary.label,
        total: state.total ?? event.summary.accounts,
        done: state.total ?? event.summary.accounts,
        finished: true,
        failed: event.summary.errors.length > 0 && event.summary.accounts === 0,
        summaries: [...state.summaries, event.summary],
      };
    case 'failed': {
      const label = state.labels[event.connection_id];
      return {
        ...state,
        label: label ?? state.label,
        failures: [...state.failures, label ? `${label}: ${event.message}` : event.message],
      };
    }
  }
}

/** The line under the bar, e.g. "Syncing Household… account 2 of 3 — 812 transactions". */
export function progressText(state: ProgressState): string {
  const who = state.label ?? 'your accounts';
  const last = state.summaries[state.summaries.length - 1];
  if (state.finished && state.failed) return `Could not sync ${who}`;
  if (state.finished && last) {
    // Another window or a `coffer sync` on this profile is syncing this bank right now; the
    // engine never syncs one connection twice at once, so nothing was fetched here.
    if (last.skipped) return `${last.label} is already being synced elsewhere on this computer`;
    const news = plural(last.inserted, 'new transaction', 'new transactions');
    const line = last.errors.length > 0 ? `${last.label} synced with problems — ${news}` : `${last.label} is up to date — ${news}`;
    // Notes are not failures: e.g. older history that is fetched over the next syncs because
    // the bank allows only so many calls an hour.
    return last.notes.length > 0 ? `${line}. ${last.notes.join(' · ')}` : line;
  }
  let text = `Syncing ${who}…`;
  if (state.total !== null && state.total > 0) {
    if (state.done > 0) {
      text += ` account ${formatCount(state.done)} of ${formatCount(state.total)}`;
    } else {
      text += ` ${plural(state.total, 'account', 'accounts')}`;
    }
    if (state.fetched !== null) text += ` — ${plural(state.fetched, 'transaction', 'transactions')}`;
  }
  return text;
}

/** Problems worth telling the user about once a sync is over. */
export function syncProblems(state: ProgressState, summaries: SyncSummary[]): string[] {
  const out: string[] = [];
  for (const s of summaries) for (const e of s.errors) out.push(`${s.label}: ${e}`);
  for (const f of state.failures) if (!out.includes(f)) out.push(f);
  return out;
}

/** The `#sync-progress` block: a `<progress>` bar and a status line. */
export class ProgressView {
  readonly element: HTMLElement;
  readonly #bar: HTMLProgressElement;
  readonly #text: HTMLElement;
  #state = initialProgress();

  constructor() {
    this.#bar = el('progress', { class: 'sync-progress-bar', attrs: { 'aria-label': 'Sync progress' } });
    this.#text = el('p', { class: 'sync-progress-text', attrs: { 'aria-live': 'polite' } });
    this.element = el('div', { id: 'sync-progress', class: 'sync-progress', attrs: { role: 'status' } }, this.#bar, this.#text);
    this.#render();
  }

  get state(): ProgressState {
    return this.#state;
  }

  apply(event: SyncEvent): void {
    this.#state = reduceProgress(this.#state, event);
    this.#render();
  }

  /** A status line before the first event, e.g. while a built-in bank is set up. */
  say(text: string): void {
    this.#text.textContent = text;
  }

  /** Shows a completed bar (used when the transport gave no events). */
  complete(text: string): void {
    this.#bar.max = 1;
    this.#bar.value = 1;
    this.#text.textContent = text;
  }

  #render(): void {
    const s = this.#state;
    if (s.total === null || s.total <= 0) {
      // No value attribute: an indeterminate bar.
      this.#bar.removeAttribute('value');
      this.#bar.removeAttribute('max');
    } else {
      this.#bar.max = s.total;
      this.#bar.value = Math.min(s.done, s.total);
    }
    this.#text.textContent = progressText(s);
  }
}
