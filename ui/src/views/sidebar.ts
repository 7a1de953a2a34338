// Left sidebar: per-currency totals (`#currency-totals`) and the account list. Choosing an
// account sets the shared filter to that account; "All accounts" clears it.

import type { AccountKind, AccountsOverview, AccountView, CurrencyTotal } from '../generated/api';
import { clear, el, icon, type IconName } from '../dom';
import { accountNumberLabel, currencyLabel, formatDecimal, isNegative, kindLabel, plural } from '../format';

const KIND_ICONS: Record<AccountKind, IconName> = {
  current: 'wallet',
  savings: 'piggy',
  credit_card: 'card',
  loan: 'loan',
  other: 'wallet',
};

/** "-61,299.00 NOK" as a number span and a currency span; its textContent is formatAmount(). */
export function moneyNode(amount: string, currency: string, className: string): HTMLElement {
  const ccy = currencyLabel(currency);
  return el(
    'span',
    { class: `${className} money${isNegative(amount) ? ' negative' : ''}`, data: { currency } },
    el('span', { class: 'num', text: formatDecimal(amount) }),
    ccy.gap,
    el('span', { class: 'ccy', text: ccy.text }),
  );
}

const NONE = -1;

export class Sidebar {
  readonly element: HTMLElement;
  readonly #totals: HTMLElement;
  readonly #list: HTMLElement;
  /** The highlighted entry: an account id, null for "All accounts", NONE for several accounts. */
  #selected: number | null = null;
  #onSelect: (account: AccountView | null) => void;
  #onRename: ((account: AccountView, name: string) => Promise<void>) | undefined;
  #onHide: ((account: AccountView, hidden: boolean) => Promise<void>) | undefined;
  #accounts: AccountView[] = [];

  /** `onRename` saves a name typed for an account (empty: back to the bank's name). */
  constructor(
    onSelect: (account: AccountView | null) => void,
    onRename?: (account: AccountView, name: string) => Promise<void>,
    onHide?: (account: AccountView, hidden: boolean) => Promise<void>,
  ) {
    this.#onSelect = onSelect;
    this.#onRename = onRename;
    this.#onHide = onHide;
    this.#totals = el('div', { id: 'currency-totals', class: 'currency-totals' });
    this.#list = el('div', {
      id: 'account-list',
      class: 'account-list',
      attrs: { role: 'listbox', 'aria-label': 'Accounts' },
    });
    this.#list.addEventListener('click', (event) => this.#handleActivate(event));
    this.#list.addEventListener('keydown', (event) => this.#handleKey(event));

    this.element = el(
      'aside',
      { class: 'sidebar', attrs: { 'aria-label': 'Balances and accounts' } },
      el(
        'section',
        { class: 'sidebar-section' },
        el('h2', { class: 'section-title', text: 'Balances' }),
        this.#totals,
      ),
      el(
        'section',
        { class: 'sidebar-section grow' },
        el('h2', { class: 'section-title', text: 'Accounts' }),
        this.#list,
      ),
    );
  }

  get selected(): AccountView | null {
    return this.#accounts.find((a) => a.id === this.#selected) ?? null;
  }

  get accounts(): AccountView[] {
    return this.#accounts;
  }

  /** Highlights what a filter's `accounts` selects, without notifying. */
  showSelection(accounts: number[]): void {
    this.#selected = accounts.length === 0 ? null : accounts.length === 1 ? (accounts[0] ?? null) : NONE;
    this.#syncSelection();
  }

  render(overview: AccountsOverview): void {
    this.#accounts = overview.accounts;
    this.#renderTotals(overview.totals);
    this.#renderAccounts(overview.accounts);
  }

  #renderTotals(totals: CurrencyTotal[]): void {
    const fragment = document.createDocumentFragment();
    for (const t of totals) {
      fragment.appendChild(
        el(
          'div',
          { class: 'currency-total', data: { currency: t.currency, balance: t.balance } },
          el(
            'div',
            { class: 'total-meta' },
            el('span', { class: 'total-currency', text: t.currency }),
            el('span', { class: 'total-accounts', text: plural(t.accounts, 'account', 'accounts') }),
          ),
          moneyNode(t.balance, t.currency, 'total-amount'),
        ),
      );
    }
    if (totals.length === 0) fragment.appendChild(el('p', { class: 'muted', text: 'No balances yet.' }));
    clear(this.#totals);
    this.#totals.appendChild(fragment);
  }

  #renderAccounts(accounts: AccountView[]): void {
    const fragment = document.createDocumentFragment();
    const all = el(
      'div',
      {
        id: 'all-accounts',
        class: 'nav-item account-all',
        attrs: { role: 'option', tabindex: 0 },
      },
      el('span', { class: 'nav-icon' }, icon('layers')),
      el(
        'span',
        { class: 'nav-body' },
        el('span', { class: 'nav-title', text: 'All accounts' }),
        el('span', { class: 'nav-sub', text: plural(accounts.length, 'account', 'accounts') }),
      ),
    );
    fragment.appendChild(all);

    // Grouped by the bank they came with, once there is more than one.
    const banks = new Set(accounts.map((a) => a.connection_id));
    let group: number | null = null;
    for (const a of accounts) {
      if (banks.size > 1 && a.connection_id !== group) {
        group = a.connection_id;
        fragment.appendChild(
          el('div', {
            class: 'account-group',
            text: a.connection_label,
            attrs: { role: 'presentation', 'data-testid': 'account-group' },
          }),
        );
      }
      const number = accountNumberLabel(a.number, a.iban);
      const kind = a.hidden ? `Hidden · ${kindLabel(a.kind)}` : kindLabel(a.kind);
      const sub = number ? `${kind} · ${number}` : kind;
      const item = el(
        'div',
        {
          class: `nav-item account${a.hidden ? ' hidden-account' : ''}`,
          title: `${a.name}\n${sub}`,
          attrs: { role: 'option', tabindex: -1 },
          data: { accountId: a.id, currency: a.currency, balance: a.balance, kind: a.kind },
        },
        el('span', { class: 'nav-icon' }, icon(KIND_ICONS[a.kind] ?? 'wallet')),
        el(
          'span',
          { class: 'nav-body' },
          el('span', {
            class: 'nav-title account-name',
            text: a.name,
            ...(a.renamed ? { title: `${a.name} (the bank calls it ${a.bank_name})` } : {}),
          }),
          el('span', { class: 'nav-sub account-meta', text: sub }),
        ),
        moneyNode(a.balance, a.currency, 'account-balance'),
      );
      if (this.#onRename) {
        const rename = el(
          'button',
          {
            class: 'account-rename',
            title: 'Rename (F2)',
            attrs: { type: 'button', tabindex: -1, 'aria-label': `Rename ${a.name}`, 'data-testid': 'rename-account' },
          },
          icon('pencil'),
        );
        rename.addEventListener('click', (event) => {
          event.stopPropagation();
          this.startRename(a.id);
        });
        item.appendChild(rename);
      }
      if (this.#onHide) {
        const label = a.hidden ? `Show ${a.name} in totals and charts` : `Hide ${a.name} from totals and charts`;
        const hide = el(
          'button',
          {
            class: 'account-hide',
            title: label,
            attrs: { type: 'button', tabindex: -1, 'aria-label': label, 'data-testid': 'hide-account' },
          },
          icon(a.hidden ? 'eye' : 'eye-off'),
        );
        hide.addEventListener('click', (event) => {
          event.stopPropagation();
          void this.#onHide?.(a, !a.hidden);
        });
        item.appendChild(hide);
      }
      fragment.appendChild(item);
    }
    clear(this.#list);
    this.#list.appendChild(fragment);
    this.#syncSelection();
  }

  /**
   * Turns an account's name into a text box: Enter saves (an empty name goes back to the bank's),
   * Escape or leaving the box keeps the old name.
   */
  startRename(id: number): void {
    const account = this.#accounts.find((a) => a.id === id);
    const item = this.#list.querySelector<HTMLElement>(`.nav-item[data-account-id="${id}"]`);
    const title = item?.querySelector<HTMLElement>('.account-name');
    if (!account || !item || !title || !this.#onRename) return;
    const input = el('input', {
      class: 'account-name-input',
      attrs: { type: 'text', maxlength: 80, 'aria-label': `New name for ${account.name}`, 'data-testid': 'account-name-input' },
    }) as HTMLInputElement;
    input.value = account.name;
    input.placeholder = account.bank_name;
    let done = false;
    item.classList.add('renaming');
    const finish = (save: boolean): void => {
      if (done) return;
      done = true;
      item.classList.remove('renaming');
      if (save && input.value.trim() !== account.name) {
        void this.#onRename?.(account, input.value.trim());
      } else {
        input.replaceWith(title);
        item.focus();
      }
    };
    input.addEventListener('keydown', (event) => {
      // The list's own keys (Enter selects, arrows move) must not act while typing.
      event.stopPropagation();
      if (event.key === 'Enter') finish(true);
      else if (event.key === 'Escape') finish(false);
    });
    input.addEventListener('click', (event) => event.stopPropagation());
    input.addEventListener('blur', () => finish(false));
    title.replaceWith(input);
    input.focus();
    input.select();
  }

  /** Marks the selected entry; `null` is "All accounts". */
  select(id: number | null, notify = true): void {
    this.#selected = id;
    this.#syncSelection();
    if (notify) this.#onSelect(this.selected);
  }

  #items(): HTMLElement[] {
    return Array.from(this.#list.querySelectorAll<HTMLElement>('.nav-item'));
  }

  #idOf(item: HTMLElement): number | null {
    const raw = item.dataset['accountId'];
    return raw === undefined ? null : Number(raw);
  }

  #syncSelection(): void {
    const items = this.#items();
    let any = false;
    for (const item of items) {
      const on = this.#idOf(item) === this.#selected;
      any ||= on;
      item.classList.toggle('selected', on);
      item.setAttribute('aria-selected', on ? 'true' : 'false');
      item.tabIndex = on ? 0 : -1;
    }
    // Several accounts chosen in the filter bar: nothing is highlighted, the list stays reachable.
    if (!any && items[0]) items[0].tabIndex = 0;
  }

  #handleActivate(event: Event): void {
    const item = (event.target as Element | null)?.closest<HTMLElement>('.nav-item');
    if (!item || !this.#list.contains(item)) return;
    const id = this.#idOf(item);
    if (id === this.#selected) return;
    this.select(id);
  }

  #handleKey(event: KeyboardEvent): void {
    const items = this.#items();
    const current = (event.target as Element | null)?.closest<HTMLElement>('.nav-item');
    if (!current) return;
    const index = items.indexOf(current);
    let next: HTMLElement | undefined;
    switch (event.key) {
      case 'Enter':
      case ' ':
        event.preventDefault();
        this.#handleActivate(event);
        return;
      case 'ArrowDown':
        next = items[Math.min(index + 1, items.length - 1)];
        break;
      case 'ArrowUp':
        next = items[Math.max(index - 1, 0)];
        break;
      case 'Home':
        next = items[0];
        break;
      case 'End':
        next = items[items.length - 1];
        break;
      case 'F2': {
        const id = this.#idOf(current);
        if (id !== null) {
          event.preventDefault();
          this.startRename(id);
        }
        return;
      }
      default:
        return;
    }
    event.preventDefault();
    if (next) {
      next.focus();
      const id = this.#idOf(next);
      if (id !== this.#selected) this.select(id);
    }
  }
}
