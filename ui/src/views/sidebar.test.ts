// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountView } from '../generated/api';
import { Sidebar } from './sidebar';

function account(id: number, connection: number, patch: Partial<AccountView> = {}): AccountView {
  return {
    id,
    connection_id: connection,
    provider: connection === 1 ? 'demo' : 'sparebank1',
    name: `Account ${id}`,
    number: null,
    iban: null,
    currency: 'NOK',
    kind: 'current',
    balance: '100.00',
    available: null,
    balance_at: '2026-12-01T00:00:00Z',
    transaction_count: 3,
    connection_label: connection === 1 ? 'Demo Bank' : 'SpareBank 1',
    bank_name: `Account ${id}`,
    renamed: false,
    hidden: false,
    ...patch,
  };
}

function show(accounts: AccountView[], onRename = vi.fn(async () => {})) {
  const sidebar = new Sidebar(vi.fn(), onRename);
  document.body.appendChild(sidebar.element);
  sidebar.render({ accounts, totals: [] });
  return { sidebar, onRename };
}

const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('the account list', () => {
  it('groups accounts by the bank they came with, once there are two banks', () => {
    show([account(1, 1), account(2, 1), account(3, 2)]);
    const groups = [...document.querySelectorAll('[data-testid="account-group"]')].map((g) => g.textContent);
    expect(groups).toEqual(['Demo Bank', 'SpareBank 1']);
    document.body.innerHTML = '';
    show([account(1, 1), account(2, 1)]);
    expect(document.querySelectorAll('[data-testid="account-group"]')).toHaveLength(0);
  });

  it('renames with F2 and Enter; the list’s own keys do not fire while typing', () => {
    const { onRename } = show([account(1, 1), account(2, 1)]);
    const item = document.querySelector<HTMLElement>('.nav-item[data-account-id="2"]')!;
    key(item, 'F2');
    const input = document.querySelector<HTMLInputElement>('[data-testid="account-name-input"]')!;
    expect(input.value).toBe('Account 2');
    input.value = '  Holiday fund ';
    key(input, 'ArrowUp');
    expect(document.activeElement).toBe(input);
    key(input, 'Enter');
    expect(onRename).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }), 'Holiday fund');
  });

  it('Escape keeps the old name and saves nothing', () => {
    const { onRename } = show([account(1, 1)]);
    document.querySelector<HTMLButtonElement>('[data-testid="rename-account"]')!.click();
    const input = document.querySelector<HTMLInputElement>('[data-testid="account-name-input"]')!;
    input.value = 'Something else';
    key(input, 'Escape');
    expect(onRename).not.toHaveBeenCalled();
    expect(document.querySelector('.account-name')?.textContent).toBe('Account 1');
  });

  it('says what the bank calls a renamed account', () => {
    show([account(1, 1, { name: 'Household', bank_name: 'Brukskonto', renamed: true })]);
    expect(document.querySelector<HTMLElement>('.account-name')!.title).toContain('Brukskonto');
  });
});

describe('hiding an account', () => {
  it('asks to hide a shown account and to show a hidden one, and marks it', () => {
    const onHide = vi.fn(async (_account: AccountView, _hidden: boolean) => {});
    const sidebar = new Sidebar(vi.fn(), undefined, onHide);
    document.body.appendChild(sidebar.element);
    sidebar.render({ accounts: [account(1, 1), account(2, 1, { hidden: true })], totals: [] });
    const buttons = [...document.querySelectorAll<HTMLButtonElement>('[data-testid="hide-account"]')];
    buttons[0]!.click();
    buttons[1]!.click();
    expect(onHide.mock.calls.map(([a, hidden]) => [a.id, hidden])).toEqual([[1, true], [2, false]]);
    const hidden = document.querySelector<HTMLElement>('.nav-item[data-account-id="2"]')!;
    expect(hidden.classList.contains('hidden-account')).toBe(true);
    expect(hidden.querySelector('.account-meta')?.textContent).toMatch(/^Hidden/);
  });
});

const shownAccount = (id: number, name: string, currency: string, balance: string): AccountView => ({
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
  connection_label: 'Demo Bank',
  bank_name: name,
  renamed: false,
  hidden: false,
});

// The end-to-end tests compare the `data-balance` attribute with the store; this is what the
// user reads. The expected texts are written out by hand, not produced by format.ts.
describe('the sidebar shows balances as the user reads them', () => {
  it('formats every account balance and currency total with separators, sign and code', () => {
    const sidebar = new Sidebar(() => {});
    document.body.appendChild(sidebar.element);
    sidebar.render({
      accounts: [
        shownAccount(1, 'Brukskonto', 'NOK', '-61299.00'),
        shownAccount(2, 'Sparekonto', 'NOK', '1250000.50'),
        shownAccount(3, 'Kredittkort', 'EUR', '-0.05'),
        shownAccount(4, 'Yen', 'JPY', '1500'),
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
