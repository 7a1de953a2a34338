// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api, type ConnectionStatus, type ConnectionView, type Operation, type VaultStatus } from '../api';
import type { SyncSummary } from '../generated/api';
import { FakeTransport, deferred, settle, type Handler } from '../testing/fake-transport';
import { connection, demo, finsify, sparebank1 } from '../testing/fixtures';
import { ConnectionsView, bankLine, renderVaultBanner, statusBadge } from './connections-view';

const ready: VaultStatus = { state: 'ready', key_source: 'keychain', message: null };

function summary(id: number, label: string, inserted = 12): SyncSummary {
  return {
    connection_id: id,
    provider: 'sparebank1',
    label,
    accounts: 2,
    fetched: inserted,
    inserted,
    updated: 0,
    unchanged: 0,
    expired: 0,
    errors: [],
    notes: [],
    skipped: false,
  };
}

async function setup(connections: ConnectionView[], handlers: Partial<Record<Operation, Handler>> = {}, vault: VaultStatus = ready) {
  let current = connections;
  const transport = new FakeTransport({
    connections: () => current,
    providers: () => [sparebank1, finsify, demo],
    vault_status: () => vault,
    ...handlers,
  });
  const onDataChanged = vi.fn();
  const onShow = vi.fn();
  const view = new ConnectionsView({ api: new Api(transport), onDataChanged, onShow, searchDelayMs: 0 });
  document.getElementById('app')!.appendChild(view.element);
  await view.reload();
  return {
    transport,
    view,
    onDataChanged,
    onShow,
    setConnections: (c: ConnectionView[]) => {
      current = c;
    },
  };
}

function card(id: number): HTMLElement {
  const node = document.querySelector<HTMLElement>(`[data-testid="connection-card"][data-connection-id="${id}"]`);
  if (!node) throw new Error(`no card ${id}`);
  return node;
}

function inCard(id: number, testId: string): HTMLElement | null {
  return card(id).querySelector<HTMLElement>(`[data-testid="${testId}"]`);
}

function must(testId: string): HTMLElement {
  const node = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!node) throw new Error(`no [data-testid="${testId}"]`);
  return node;
}

beforeEach(() => {
  document.body.innerHTML = '<div id="app"></div>';
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('status badges', () => {
  const expected: Array<[ConnectionStatus, string, string]> = [
    ['active', 'Active', 'ok'],
    ['expiring', 'Expiring', 'warn'],
    ['needs_reauth', 'Needs re-login', 'danger'],
    ['error', 'Error', 'danger'],
    ['disabled', 'Disconnected', 'muted'],
  ];

  it('map every status to a word and a tone', () => {
    for (const [status, text, tone] of expected) expect(statusBadge(status)).toEqual({ text, tone });
    expect(statusBadge('active', true)).toEqual({ text: 'Syncing…', tone: 'busy' });
    expect(statusBadge('needs_reauth', true).text).toBe('Syncing…');
  });

  it('show that word on each card', async () => {
    await setup(expected.map(([status], i) => connection({ id: i + 1, status })));
    expected.forEach(([status, text], i) => {
      const badge = inCard(i + 1, 'connection-status')!;
      expect(badge.textContent).toBe(text);
      expect(badge.dataset['status']).toBe(status);
    });
  });
});

describe('connection cards', () => {
  it('show the label, the bank’s name, its logo, accounts and last sync', async () => {
    await setup([
      connection({ id: 1, label: 'Household', accounts: 3, last_sync_at: null }),
      connection({ id: 2, provider: 'finsify', provider_name: 'Finsify', label: 'Techcombank', accounts: 1, last_sync_at: '2020-01-05T10:00:00Z' }),
    ]);
    expect(inCard(1, 'connection-label')!.textContent).toBe('Household');
    expect(inCard(1, 'connection-bank')!.textContent).toBe('SpareBank 1');
    expect(card(1).querySelector('.connection-accounts')!.textContent).toBe('3');
    expect(card(1).querySelector('.connection-last-sync')!.textContent).toBe('never');
    expect(inCard(2, 'connection-bank')!.textContent).toBe('Finsify');
    expect(card(2).querySelector('.connection-last-sync')!.textContent).toBe('5 Jan 2020');
    const logo = inCard(1, 'bank-logo') as HTMLImageElement;
    expect(logo.tagName).toBe('IMG');
    expect(logo.getAttribute('src')!.startsWith('data:image/svg+xml')).toBe(true);
  });

  it('never repeat the bank’s name under a label that already says it', async () => {
    await setup([
      connection({ id: 1, label: 'SpareBank 1' }),
      connection({ id: 2, provider: 'demo', provider_name: 'Demo Bank', label: 'Demo Bank' }),
      connection({ id: 3, label: 'SpareBank 1 SMN' }),
      connection({ id: 4, provider: 'finsify', provider_name: 'Finsify', label: 'Techcombank via Finsify' }),
      connection({ id: 5, label: 'Household' }),
    ]);
    for (const id of [1, 2, 3, 4]) {
      expect(inCard(id, 'connection-bank')).toBeNull();
    }
    expect(card(1).textContent!.match(/SpareBank 1/g)).toHaveLength(1);
    expect(inCard(5, 'connection-bank')!.textContent).toBe('SpareBank 1');
    expect(bankLine(connection({ id: 6, label: ' spareBank 1 ' }))).toBeNull();
    expect(bankLine(connection({ id: 7, label: 'Joint account' }))).toBe('SpareBank 1');
  });

  it('offer the actions each bank’s capabilities allow', async () => {
    await setup([
      connection({ id: 1, provider: 'demo', provider_name: 'Demo Bank', label: 'Demo Bank' }),
      connection({ id: 2, provider: 'sparebank1' }),
      connection({ id: 3, provider: 'finsify', provider_name: 'Finsify' }),
      connection({ id: 4, provider: 'finsify', provider_name: 'Finsify', status: 'disabled' }),
      connection({ id: 5, provider: 'gone', provider_name: 'gone' }),
    ]);
    const actions = (id: number) =>
      Array.from(card(id).querySelectorAll<HTMLElement>('.connection-actions button')).map((b) => b.dataset['testid']);
    expect(actions(1)).toEqual(['sync-now', 'disconnect']);
    expect(actions(2)).toEqual(['sync-now', 'log-in-again', 'disconnect']);
    expect(actions(3)).toEqual(['sync-now', 'log-in-again', 'refresh-at-bank', 'disconnect']);
    expect(actions(4)).toEqual(['log-in-again', 'disconnect']);
    // A bank this build does not know: what every connection can do.
    expect(actions(5)).toEqual(['sync-now', 'disconnect']);
  });

  it('show the consent’s end only for banks whose login is a consent', async () => {
    await setup([
      connection({ id: 1, provider: 'sparebank1', consent_expires_at: '2026-09-01T00:00:00Z' }),
      connection({ id: 2, provider: 'finsify', provider_name: 'Finsify', consent_expires_at: '2026-09-01T00:00:00Z' }),
    ]);
    expect(inCard(1, 'connection-consent')!.textContent).toContain('until 1 Sept 2026');
    expect(inCard(2, 'connection-consent')).toBeNull();
  });

  it('give the provider’s reason for an error in full, and the consent end when expiring', async () => {
    const reason = 'SpareBank 1 answered 503: the service is down for maintenance until 06:00. '.repeat(4).trim();
    await setup([
      connection({ id: 1, status: 'error', last_error: reason }),
      connection({ id: 2, status: 'expiring', consent_expires_at: '2026-04-02T00:00:00Z' }),
      connection({ id: 3, status: 'needs_reauth', last_error: 'consent revoked' }),
    ]);
    expect(inCard(1, 'connection-error')!.textContent).toBe(reason);
    expect(inCard(2, 'connection-notice')!.textContent).toContain('Consent ends 2 Apr 2026');
    expect(inCard(3, 'connection-error')!.textContent).toBe('consent revoked');
    expect(inCard(3, 'log-in-again')).not.toBeNull();
    // A consent about to end is renewed; a login the bank refused is logged in again.
    expect(inCard(2, 'log-in-again')!.textContent).toBe('Renew');
    expect(inCard(2, 'connection-notice')!.textContent).toContain('Renew it to keep syncing');
    expect(inCard(3, 'log-in-again')!.textContent).toBe('Log in again');
  });

  it('with none connected, name the banks that can be', async () => {
    await setup([]);
    expect(document.querySelector('.connections-empty')!.textContent).toContain(
      'Use “Connect a bank” to add SpareBank 1, Finsify, or Demo Bank.',
    );
  });

  it('the connect dialog no longer offers a built-in bank that is connected', async () => {
    const { view } = await setup([connection({ id: 1, provider: 'demo', provider_name: 'Demo Bank', label: 'Demo Bank' })]);
    view.openConnect();
    await settle();
    expect(document.querySelector('[data-testid="provider-demo"]')).toBeNull();
    expect(document.querySelector('[data-testid="provider-finsify"]')).not.toBeNull();
  });
});

describe('sync now', () => {
  it('shows Syncing… and a progress bar, then reloads and refreshes the data views', async () => {
    const done = deferred<SyncSummary[]>();
    const { transport, onDataChanged } = await setup([connection({ id: 4, label: 'Household' })], {
      sync_connection: () => done.promise,
    });
    inCard(4, 'sync-now')!.click();
    await settle();

    expect(transport.argsOf('sync_connection')).toEqual([{ connection: 4 }]);
    expect(inCard(4, 'connection-status')!.textContent).toBe('Syncing…');
    expect(card(4).querySelector('.sync-progress')).not.toBeNull();
    expect((inCard(4, 'sync-now') as HTMLButtonElement).disabled).toBe(true);
    expect(onDataChanged).not.toHaveBeenCalled();

    const reloads = transport.argsOf('connections').length;
    done.resolve([summary(4, 'Household', 12)]);
    await settle();
    expect(inCard(4, 'connection-status')!.textContent).toBe('Active');
    expect(card(4).querySelector('.sync-progress')).toBeNull();
    expect(transport.argsOf('connections').length).toBe(reloads + 1);
    expect(onDataChanged).toHaveBeenCalledTimes(1);
    expect(document.getElementById('toast')?.textContent).toContain('Household is up to date — 12 new transactions');
  });

  it('feeds streamed events into the progress bar', async () => {
    const done = deferred<SyncSummary[]>();
    await setup([connection({ id: 4, label: 'Household' })], {
      sync_connection: (_args, onEvent) => {
        onEvent?.({ kind: 'started', connection_id: 4, label: 'Household' });
        onEvent?.({ kind: 'account', connection_id: 4, account_name: 'Brukskonto', index: 1, total: 2, fetched: 40 });
        return done.promise;
      },
    });
    inCard(4, 'sync-now')!.click();
    await settle();
    expect(card(4).querySelector('.sync-progress-text')!.textContent).toBe('Syncing Household… account 1 of 2 — 40 transactions');
    done.resolve([summary(4, 'Household')]);
    await settle();
  });
});

describe('a finished login', () => {
  it('shows this view and syncs the new connection at once', async () => {
    const made = connection({ id: 9, label: 'SpareBank 1 SMN' });
    const { transport, view, onShow, onDataChanged, setConnections } = await setup([], {
      connect_begin: () => ({ login_id: 5, provider: 'sparebank1', redirect_uri: 'http://127.0.0.1:8321/callback/sparebank1', opens_browser: true }),
      connect_finish: () => {
        setConnections([made]);
        return made;
      },
      sync_connection: () => [summary(9, 'SpareBank 1 SMN')],
    });
    view.openConnect();
    await settle();
    must('provider-sparebank1').click();
    for (const [key, value] of [['client_id', 'app'], ['client_secret', 'shh']]) {
      const input = must(`field-${key}`) as HTMLInputElement;
      input.value = value!;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    must('login-submit').click();
    await settle(10);

    expect(transport.argsOf('connect_finish')).toEqual([{ login_id: 5 }]);
    expect(transport.argsOf('sync_connection')).toEqual([{ connection: 9 }]);
    expect(onShow).toHaveBeenCalled();
    expect(onDataChanged).toHaveBeenCalled();
    expect(card(9)).toBeTruthy();
  });

  it('after Log in again, syncs that connection', async () => {
    const existing = connection({ id: 2, status: 'needs_reauth', label: 'Old login' });
    const { transport } = await setup([existing], {
      connect_begin: () => ({ login_id: 6, provider: 'sparebank1', redirect_uri: 'http://127.0.0.1:8321/callback/sparebank1', opens_browser: true }),
      connect_finish: () => ({ ...existing, status: 'active' }),
      sync_connection: () => [summary(2, 'Old login')],
    });
    inCard(2, 'log-in-again')!.click();
    await settle();
    must('login-submit').click();
    await settle(10);
    expect((transport.argsOf('connect_begin')[0]!['request'] as { connection: number }).connection).toBe(2);
    expect(transport.argsOf('sync_connection')).toEqual([{ connection: 2 }]);
  });
});

describe('disconnect', () => {
  async function disconnectWith(button: 'disconnect-keep' | 'disconnect-delete' | 'dialog-cancel') {
    const s = await setup([connection({ id: 5, label: 'Household' })], { disconnect: () => null });
    inCard(5, 'disconnect')!.click();
    await settle();
    const dialog = document.querySelector<HTMLElement>('[role="dialog"]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.textContent).toContain('Disconnect Household?');
    must(button).click();
    await settle();
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    return s;
  }

  it('“Keep transactions” passes keep_history: true', async () => {
    const { transport, onDataChanged } = await disconnectWith('disconnect-keep');
    expect(transport.argsOf('disconnect')).toEqual([{ connection: 5, keep_history: true }]);
    expect(onDataChanged).toHaveBeenCalled();
  });

  it('“Delete everything” passes keep_history: false', async () => {
    const { transport } = await disconnectWith('disconnect-delete');
    expect(transport.argsOf('disconnect')).toEqual([{ connection: 5, keep_history: false }]);
  });

  it('says the access is ended at the bank too when the bank revokes it', async () => {
    await setup([connection({ id: 6, provider: 'finsify', provider_name: 'Finsify', label: 'TCB' }), connection({ id: 7 })]);
    inCard(6, 'disconnect')!.click();
    await settle();
    expect(document.querySelector('[role="dialog"]')!.textContent).toContain('ends its access at the bank');
    must('dialog-cancel').click();
    await settle();
    inCard(7, 'disconnect')!.click();
    await settle();
    expect(document.querySelector('[role="dialog"]')!.textContent).not.toContain('at the bank');
    must('dialog-cancel').click();
    await settle();
  });

  it('Cancel disconnects nothing', async () => {
    const { transport, onDataChanged } = await disconnectWith('dialog-cancel');
    expect(transport.argsOf('disconnect')).toEqual([]);
    expect(onDataChanged).not.toHaveBeenCalled();
  });
});

describe('refresh at bank', () => {
  it('tells the next possible time, or the error', async () => {
    let answer: Handler = () => ({ next_refresh_possible_at: '2026-03-27T14:05:00Z' });
    const { transport } = await setup([connection({ id: 3, provider: 'finsify', provider_name: 'Finsify', label: 'DNB' })], {
      refresh_at_bank: (args) => answer(args),
    });
    inCard(3, 'refresh-at-bank')!.click();
    await settle();
    expect(transport.argsOf('refresh_at_bank')).toEqual([{ connection: 3 }]);
    expect(document.getElementById('toast')!.textContent).toContain('Next refresh possible 27 Mar 2026');

    answer = () => {
      throw { code: 'provider', message: 'Refreshed too recently; wait 10 minutes.' };
    };
    inCard(3, 'refresh-at-bank')!.click();
    await settle();
    expect(document.getElementById('toast')!.textContent).toContain('DNB: Refreshed too recently; wait 10 minutes.');
  });
});

describe('vault banner', () => {
  it('is absent when the vault is ready', async () => {
    await setup([connection({ id: 1 })]);
    expect(document.querySelector('[data-testid="vault-banner"]')).toBeNull();
    expect(renderVaultBanner({ state: 'not_created', key_source: 'none', message: null }, () => undefined)).toBeNull();
  });

  it('explains an unavailable vault with the backend’s message', async () => {
    const message = 'No Secret Service is running. Start one (e.g. gnome-keyring) or set COFFER_PASSPHRASE.';
    await setup([connection({ id: 1 })], {}, { state: 'unavailable', key_source: 'none', message });
    const banner = must('vault-banner');
    expect(banner.textContent).toContain(message);
    expect(banner.querySelector('[data-testid="vault-reset"]')).toBeNull();
  });

  it('offers to reset a lost key, after a confirmation', async () => {
    let vault: VaultStatus = { state: 'key_lost', key_source: 'keychain', message: 'The vault key is gone from the keychain.' };
    const { transport } = await setup([connection({ id: 1 })], {
      vault_status: () => vault,
      reset_vault: () => {
        vault = ready;
        return vault;
      },
    });
    const banner = must('vault-banner');
    expect(banner.textContent).toContain('The vault key is gone from the keychain.');
    // Cancelled: nothing is reset.
    (banner.querySelector('[data-testid="vault-reset"]') as HTMLElement).click();
    await settle();
    expect(must('vault-reset-dialog').getAttribute('role')).toBe('dialog');
    must('dialog-cancel').click();
    await settle();
    expect(transport.argsOf('reset_vault')).toEqual([]);
    expect(must('vault-banner')).toBeTruthy();

    must('vault-reset').click();
    await settle();
    must('vault-reset-confirm').click();
    await settle();
    expect(transport.argsOf('reset_vault')).toEqual([{}]);
    expect(document.querySelector('[data-testid="vault-banner"]')).toBeNull();
  });
});

describe('sample data steps aside', () => {
  const sample = connection({ id: 1, provider: 'demo', provider_name: 'Demo Bank', label: 'Demo Bank' });
  const real = connection({ id: 9, label: 'SpareBank 1 SMN' });

  beforeEach(() => localStorage.clear());

  async function connectRealBank() {
    const s = await setup([sample, real], { disconnect: () => null, sync_connection: () => [summary(9, 'SpareBank 1 SMN')] });
    const done = s.view.offerToRemoveSampleData(real);
    await settle();
    return { ...s, done };
  }

  it('offers to remove the built-in bank’s data once a real bank is connected, and removes only it', async () => {
    const { transport, done, onDataChanged } = await connectRealBank();
    expect(must('sample-data-offer').textContent).toContain('Remove Demo Bank');
    must('remove-sample-data').click();
    await done;
    expect(transport.argsOf('disconnect')).toEqual([{ connection: 1, keep_history: false }]);
    expect(onDataChanged).toHaveBeenCalled();
  });

  it('“Keep it” removes nothing and is not asked again', async () => {
    const first = await connectRealBank();
    must('dialog-cancel').click();
    await first.done;
    expect(first.transport.argsOf('disconnect')).toEqual([]);
    document.body.innerHTML = '<div id="app"></div>';
    const second = await connectRealBank();
    await second.done;
    expect(document.querySelector('[data-testid="sample-data-offer"]')).toBeNull();
  });

  it('is not offered when the bank connected is itself built in', async () => {
    const { view } = await setup([sample]);
    await view.offerToRemoveSampleData(sample);
    expect(document.querySelector('[data-testid="sample-data-offer"]')).toBeNull();
  });
});

describe('copy diagnostics', () => {
  it('puts the backend’s report on the clipboard', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { transport } = await setup([], { diagnostics: () => 'Coffer 0.1.0 diagnostics' });
    must('copy-diagnostics').click();
    await settle();
    expect(transport.argsOf('diagnostics')).toEqual([{}]);
    expect(writeText).toHaveBeenCalledWith('Coffer 0.1.0 diagnostics');
  });

  it('shows the report to copy by hand when the clipboard is refused', async () => {
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText: async () => Promise.reject(new Error('denied')) },
      configurable: true,
    });
    await setup([], { diagnostics: () => 'Coffer 0.1.0 diagnostics' });
    must('copy-diagnostics').click();
    await settle();
    expect(must('diagnostics-text').textContent).toContain('Coffer 0.1.0 diagnostics');
  });
});

describe('check database', () => {
  it('says so when the database is sound', async () => {
    const { transport } = await setup([], {
      check_database: () => ({ ok: true, integrity: ['ok'], foreign_key_problems: 0, balance_problems: [] }),
    });
    must('check-database').click();
    await settle();
    expect(transport.argsOf('check_database')).toEqual([{}]);
    expect(document.getElementById('toast')!.textContent).toContain('Database checked: no problems found');
    expect(document.querySelector('[data-testid="database-check-problems"]')).toBeNull();
  });

  it('lists every problem with what to do', async () => {
    await setup([], {
      check_database: () => ({
        ok: false,
        integrity: ['row 7 missing from index idx_tx_date'],
        foreign_key_problems: 2,
        balance_problems: ['Brukskonto: opening 100.00 + booked rows 5.00 = 105.00, but the balance is 99.00 NOK'],
      }),
    });
    must('check-database').click();
    await settle();
    const dialog = must('database-check-problems').textContent ?? '';
    expect(dialog).toContain('Integrity: row 7 missing from index idx_tx_date');
    expect(dialog).toContain('2 rows point at something that is not there');
    expect(dialog).toContain('Brukskonto: opening 100.00');
    expect(dialog).toContain('Restore a backup');
  });
});
