// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { Api } from '../api';
import type { TransactionView, TransferView } from '../generated/api';
import { filterChips, filterKey, withoutChip } from '../filter';
import { emptyFilter } from '../api';
import { Store, decodeHash, encodeHash, defaultState } from '../state';
import { FilterBar } from './filter-bar';
import { FakeTransport } from '../testing/fake-transport';
import { unpairTransfer } from './transactions-view';
import { buildRow } from './virtual-table';

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
