// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountView } from '../generated/api';
import { Sidebar } from './sidebar';

afterEach(() => {
  document.body.innerHTML = '';
});

const account = (id: number, name: string, currency: string, balance: string): AccountView => ({
  id,
  connection_id: 1,
  provider: 'demo',
  name,
  number: null,
  iban: null,
  currency,
  kind: 'current',
  balance,
  available: null,
  balance_at: '2026-03-27T08:00:00Z',
  transaction_count: 0,
});

// The end-to-end tests compare the `data-balance` attribute with the store; this is what the
// user reads. The expected texts are written out by hand, not produced by format.ts.
describe('the sidebar shows balances as the user reads them', () => {
  it('formats every account balance and currency total with separators, sign and code', () => {
    const sidebar = new Sidebar(() => {});
    document.body.appendChild(sidebar.element);
    sidebar.render({
      accounts: [
        account(1, 'Brukskonto', 'NOK', '-61299.00'),
        account(2, 'Sparekonto', 'NOK', '1250000.50'),
        account(3, 'Kredittkort', 'EUR', '-0.05'),
        account(4, 'Yen', 'JPY', '1500'),
      ],
      totals: [
        { currency: 'EUR', balance: '-0.05', accounts: 1 },
        { currency: 'JPY', balance: '1500', accounts: 1 },
        { currency: 'NOK', balance: '1188701.50', accounts: 2 },
      ],
    });
    const shown = [...document.querySelectorAll<HTMLElement>('.account[data-account-id]')].map((e) => [
      e.querySelector('.account-name')!.textContent,
      e.querySelector('.account-balance')!.textContent,
    ]);
    expect(shown).toEqual([
      ['Brukskonto', '-61,299.00 NOK'],
      ['Sparekonto', '1,250,000.50 NOK'],
      ['Kredittkort', '-0.05 EUR'],
      ['Yen', '1,500 JPY'],
    ]);
    const totals = [...document.querySelectorAll<HTMLElement>('.currency-total')].map((e) => [
      e.querySelector('.total-accounts')!.textContent,
      e.querySelector('.total-amount')!.textContent,
    ]);
    expect(totals).toEqual([
      ['1 account', '-0.05 EUR'],
      ['1 account', '1,500 JPY'],
      ['2 accounts', '1,188,701.50 NOK'],
    ]);
    // Money out is marked as such; a balance of money in is not.
    const negative = [...document.querySelectorAll('.account-balance')].map((e) => e.classList.contains('negative'));
    expect(negative).toEqual([true, false, true, false]);
  });
});
