// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { Api } from '../api';
import type { AccountView, TransactionView, TransferView } from '../generated/api';
import { filterChips, filterKey, withoutChip } from '../filter';
import { emptyFilter } from '../api';
import { Store, decodeHash, encodeHash, defaultState } from '../state';
import { FilterBar } from './filter-bar';
import { FakeTransport } from '../testing/fake-transport';
import { candidateLabel, pairTransfer, transferCandidates, unpairTransfer } from './transactions-view';
import { buildRow } from './virtual-table';
import { formatDate as formatDateFor } from '../format';

const pairedWith: TransferView = {
  partner_id: 8,
  partner_account_id: 2,
  partner_account_name: 'Sparekonto',
  partner_amount: '10000.00',
  partner_currency: 'NOK',
  partner_date: '2026-12-02',
  reason: 'same amount, 1 day apart, account number in the text',
  by_user: false,
  explanation: 'paired with 10,000.00 NOK on Sparekonto, 2 Dec 2026: same amount, 1 day apart, account number in the text',
};

function row(transfer: TransferView | null): TransactionView {
  return {
    id: 7,
    account_id: 1,
    account_name: 'Brukskonto',
    booking_date: '2026-12-01',
    value_date: null,
    amount: '-10000.00',
    currency: 'NOK',
    direction: 'debit',
    status: 'booked',
    description: 'Overføring til sparekonto',
    counterparty: 'Sparekonto',
    vendor: null,
    category: 'transfers',
    provider: 'demo',
    transfer,
  };
}

describe('a paired transfer in the table', () => {
  it('is marked, explained and offers Unpair', () => {
    const tr = buildRow(row(pairedWith), []);
    expect(tr.classList.contains('transfer')).toBe(true);
    expect(tr.dataset['transferPartner']).toBe('8');
    const mark = tr.querySelector('.badge-transfer');
    expect(mark?.textContent).toBe('Transfer');
    expect(mark?.getAttribute('title')).toBe(pairedWith.explanation);
    const unpair = tr.querySelector<HTMLButtonElement>('button.unpair-transfer');
    expect(unpair?.textContent).toBe('Unpair');
    expect(unpair?.getAttribute('aria-label')).toContain('on Sparekonto, 2 Dec 2026');
    expect(tr.querySelector('.col-description')?.getAttribute('title')).toContain(pairedWith.explanation);
  });

  it('is an ordinary row when not paired', () => {
    const tr = buildRow(row(null), []);
    expect(tr.classList.contains('transfer')).toBe(false);
    expect(tr.querySelector('.badge-transfer')).toBeNull();
    expect(tr.querySelector('button.unpair-transfer')).toBeNull();
  });

  it('unpairs through the API and says what changed', async () => {
    const transport = new FakeTransport({ unpair_transfer: () => null });
    const message = await unpairTransfer(new Api(transport), row(pairedWith));
    expect(transport.argsOf('unpair_transfer')).toEqual([{ transaction: 7 }]);
    expect(message).toContain('Sparekonto');
  });

  it('does not call the API for a row that is not paired', async () => {
    const transport = new FakeTransport({});
    await unpairTransfer(new Api(transport), row(null));
    expect(transport.calls).toEqual([]);
  });
});

describe('the transfers filter field', () => {
  it('is a chip, part of the filter key, removable and kept in the URL', () => {
    const f = { ...emptyFilter(), transfers: 'only' as const };
    expect(filterChips(f, 'all', String)).toEqual([{ key: 'transfers', kind: 'Transfers', label: 'Only transfers' }]);
    expect(filterKey(f)).not.toBe(filterKey(emptyFilter()));
    expect(withoutChip(f, 'transfers').transfers).toBeNull();
    const state = { ...defaultState(), filter: f };
    const hash = encodeHash(state);
    expect(hash).toContain('transfers=only');
    expect(decodeHash(hash, '2026-12-04').filter.transfers).toBe('only');
    expect(decodeHash('transfers=bogus', '2026-12-04').filter.transfers).toBeNull();
  });
});

describe('the filter bar', () => {
  it('sets and shows the transfers field', () => {
    // jsdom has no CSS.escape; the bar uses it for option lookups.
    vi.stubGlobal('CSS', { escape: (s: string) => s.replace(/["\\]/g, '\\$&') });
    const store = new Store();
    const bar = new FilterBar(store, () => Promise.reject(new Error('no backend in this test')));
    const select = bar.element.querySelector<HTMLSelectElement>('#filter-transfers')!;
    expect(select.value).toBe('');
    select.value = 'include';
    select.dispatchEvent(new Event('change'));
    expect(store.filter.transfers).toBe('include');
    store.setFilter({ transfers: 'only' });
    bar.render(store.state);
    expect(select.value).toBe('only');
    store.setFilter({ transfers: null });
    bar.render(store.state);
    expect(select.value).toBe('');
    vi.unstubAllGlobals();
  });
});

describe('pairing two rows by hand', () => {
  const accounts = [1, 2, 3].map((id) => ({ id }) as AccountView);
  const out = row(null);
  function other(id: number, patch: Partial<TransactionView>): TransactionView {
    return { ...row(null), id, account_id: 2, account_name: 'Sparekonto', amount: '10000.00', direction: 'credit', ...patch };
  }

  it('offers "Pair…" on a booked row that is not paired, and only there', () => {
    const button = buildRow(out, []).querySelector<HTMLButtonElement>('button.pair-transfer');
    expect(button?.textContent).toBe('Pair…');
    expect(button?.getAttribute('aria-label')).toBe('Pair as transfer…');
    expect(buildRow(row(pairedWith), []).querySelector('button.pair-transfer')).toBeNull();
    expect(buildRow({ ...out, status: 'pending' }, []).querySelector('button.pair-transfer')).toBeNull();
  });

  it('offers the plausible other halves: the other way, other accounts, near in date, best first', async () => {
    const rows = [
      other(20, { booking_date: '2026-12-06', amount: '250.00' }),
      other(21, { booking_date: '2026-12-05' }),
      other(22, { booking_date: '2026-12-01', account_id: 3, account_name: 'Euro account', amount: '900.00', currency: 'EUR' }),
      other(23, { booking_date: '2026-12-02', transfer: { ...pairedWith, partner_id: 99 } }),
      other(24, { booking_date: '2026-12-03', status: 'pending' }),
      other(25, { booking_date: '2026-12-01', transfer: { ...pairedWith, partner_id: 98, by_user: true, reason: 'paired by you' } }),
      other(26, { booking_date: '2026-12-04' }),
    ];
    const transport = new FakeTransport({ transactions: () => ({ rows, total: rows.length }) });
    const found = await transferCandidates(new Api(transport), out, accounts);
    const [args] = transport.argsOf('transactions');
    expect(args).toEqual({
      filter: { ...emptyFilter(), from: '2026-11-24', to: '2026-12-08', accounts: [2, 3], direction: 'credit', transfers: 'include' },
    });
    // The same amount first (the closest day first), then a row detection already paired,
    // then other amounts; never a pending row or one in a pair the user made.
    expect(found.map((r) => r.id)).toEqual([26, 21, 23, 22, 20]);
    expect(candidateLabel(found[2]!, out)).toContain('now paired with Sparekonto');
    expect(candidateLabel(found[0]!, out)).toBe('10,000.00 NOK · Sparekonto · ' + formatDateFor('2026-12-04') + ' · 3 days apart · Overføring til sparekonto');
    expect((await transferCandidates(new Api(transport), out, accounts, 2)).length).toBe(2);
  });

  it('asks nothing for a row already paired or with no other account', async () => {
    const transport = new FakeTransport({});
    expect(await transferCandidates(new Api(transport), row(pairedWith), accounts)).toEqual([]);
    expect(await transferCandidates(new Api(transport), out, [{ id: 1 } as AccountView])).toEqual([]);
    expect(transport.calls).toEqual([]);
  });

  it('pairs through the API and says it was the user', async () => {
    const transport = new FakeTransport({ pair_transfers: () => null });
    const message = await pairTransfer(new Api(transport), out, other(21, {}));
    expect(transport.argsOf('pair_transfers')).toEqual([{ first: 7, second: 21 }]);
    expect(message).toContain('paired by you');
    expect(message).toContain('Sparekonto');
  });
});
