// `#filter-bar`: the one filter every view shares. Controls write into the Store; the bar
// re-renders from the Store (chips, inputs) whenever anything else changes the filter (a chart
// click, the sidebar, the URL).

import type { AccountView, AmountBounds, Category, Direction, Transfers } from '../generated/api';
import { toApiError } from '../api';
import { clear, el, icon } from '../dom';
import { isIsoDate, localToday, PRESETS, type RangePreset } from '../dates';
import { formatDecimal } from '../format';
import { categoryLabel, emptyFilter, filterChips, isFilterEmpty, UNCATEGORISED, withoutChip } from '../filter';
import type { Store, UiState } from '../state';

const SEARCH_DEBOUNCE_MS = 250;
const AMOUNT_DEBOUNCE_MS = 500;

let fieldIds = 0;

/** A compact bordered control with its visible label inside: [Label  control]. */
function field(labelText: string, control: HTMLElement, className = ''): HTMLLabelElement {
  if (!control.id) control.id = `field-${++fieldIds}`;
  return el(
    'label',
    { class: `field ${className}`.trim(), attrs: { for: control.id } },
    el('span', { class: 'field-label', text: labelText }),
    control,
  );
}

/**
 * Reads what was typed into the amount fields (raw text, empty as null) with the backend's one
 * amount parser, in the user's locale, and answers plain decimals or rejects with an
 * `{code, message}` whose message names the field ("Min amount: …").
 */
export type AmountReader = (min: string | null, max: string | null) => Promise<AmountBounds>;

export class FilterBar {
  readonly element: HTMLElement;
  readonly #store: Store;
  readonly #search: HTMLInputElement;
  readonly #range: HTMLSelectElement;
  readonly #from: HTMLInputElement;
  readonly #to: HTMLInputElement;
  readonly #direction: HTMLSelectElement;
  readonly #transfers: HTMLSelectElement;
  readonly #account: HTMLSelectElement;
  readonly #category: HTMLSelectElement;
  readonly #vendor: HTMLInputElement;
  readonly #vendorOptions: HTMLDataListElement;
  readonly #min: HTMLInputElement;
  readonly #max: HTMLInputElement;
  readonly #amountError: HTMLElement;
  readonly #vendorError: HTMLElement;
  readonly #chips: HTMLElement;
  readonly #clearAll: HTMLButtonElement;
  #accounts: AccountView[] = [];
  #categories: string[] = [];
  #vendors: string[] = [];
  #searchTimer: number | undefined;
  #amountTimer: number | undefined;
  readonly #readAmounts: AmountReader;
  /** Answers of older amount checks are dropped. */
  #amountTicket = 0;

  constructor(store: Store, readAmounts: AmountReader) {
    this.#store = store;
    this.#readAmounts = readAmounts;

    this.#search = el('input', {
      id: 'filter-search',
      class: 'control',
      attrs: { type: 'search', placeholder: 'Search transactions', autocomplete: 'off', spellcheck: 'false' },
    });
    this.#search.addEventListener('input', () => this.#debounceSearch());
    this.#search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.#applySearch();
    });

    this.#range = el(
      'select',
      { id: 'filter-range', class: 'control' },
      ...PRESETS.map((p) => el('option', { text: p.label, attrs: { value: p.id } })),
      el('option', { text: 'Custom', attrs: { value: 'custom' } }),
    );
    this.#range.addEventListener('change', () => {
      const preset = this.#range.value as RangePreset;
      if (preset === 'custom') {
        this.#from.focus();
        return;
      }
      this.#store.setRange(preset, localToday());
    });

    // Plain text, not <input type="date">: WebKitGTK draws an empty date input with today's
    // date, which reads as an active filter. ISO dates are what the backend takes anyway.
    const dateInput = (id: string, label: string) =>
      el('input', {
        id,
        class: 'control',
        attrs: { type: 'text', inputmode: 'numeric', placeholder: 'YYYY-MM-DD', autocomplete: 'off', maxlength: '10', 'aria-label': label },
      });
    this.#from = dateInput('filter-from', 'From date');
    this.#to = dateInput('filter-to', 'To date');
    for (const [input, key] of [
      [this.#from, 'from'],
      [this.#to, 'to'],
    ] as const) {
      // A malformed date is marked and not sent. A range that ends before it starts is the
      // backend's to refuse (its message goes to the banner).
      // Applied as soon as what is typed is a whole date (or nothing); judged on leaving.
      const apply = (final: boolean) => {
        const value = input.value.trim();
        const ok = value === '' || isIsoDate(value);
        if (ok || final) {
          input.setAttribute('aria-invalid', ok ? 'false' : 'true');
          input.title = ok ? '' : `'${value}' is not a date; use YYYY-MM-DD`;
        }
        const current = this.#store.filter[key] ?? '';
        if (ok && value !== current) this.#store.setFilter({ [key]: value === '' ? null : value });
      };
      input.addEventListener('input', () => apply(false));
      input.addEventListener('change', () => apply(true));
    }

    this.#direction = el(
      'select',
      { id: 'filter-direction', class: 'control' },
      el('option', { text: 'All', attrs: { value: '' } }),
      el('option', { text: 'Money out', attrs: { value: 'debit' } }),
      el('option', { text: 'Money in', attrs: { value: 'credit' } }),
    );
    this.#direction.addEventListener('change', () => {
      const v = this.#direction.value;
      this.#store.setFilter({ direction: v === '' ? null : (v as Direction) });
    });

    // Transfers between the user's own accounts: by default totals and charts leave them out
    // and the table shows them marked ('' = that default).
    this.#transfers = el(
      'select',
      { id: 'filter-transfers', class: 'control' },
      el('option', { text: 'Not in totals', attrs: { value: '' } }),
      el('option', { text: 'Counted in totals', attrs: { value: 'include' } }),
      el('option', { text: 'Hidden', attrs: { value: 'exclude' } }),
      el('option', { text: 'Only transfers', attrs: { value: 'only' } }),
    );
    this.#transfers.title = 'Money moved between your own accounts';
    this.#transfers.addEventListener('change', () => {
      const v = this.#transfers.value;
      this.#store.setFilter({ transfers: v === '' ? null : (v as Transfers) });
    });

    this.#account = el('select', { id: 'filter-account', class: 'control' });
    this.#account.addEventListener('change', () => {
      const id = Number(this.#account.value);
      this.#account.value = '';
      if (!Number.isInteger(id) || id <= 0) return;
      const accounts = this.#store.filter.accounts;
      this.#store.setFilter({
        accounts: accounts.includes(id) ? accounts.filter((a) => a !== id) : [...accounts, id],
      });
    });

    this.#category = el('select', { id: 'filter-category', class: 'control' });
    this.#category.addEventListener('change', () => {
      const c = this.#category.value;
      this.#category.value = '';
      if (c === '') return;
      const categories = this.#store.filter.categories;
      this.#store.setFilter({
        categories: categories.includes(c) ? categories.filter((x) => x !== c) : [...categories, c],
      });
    });

    this.#vendorOptions = el('datalist', { id: 'filter-vendor-options' });
    this.#vendor = el('input', {
      id: 'filter-vendor',
      class: 'control',
      attrs: {
        type: 'text',
        list: 'filter-vendor-options',
        placeholder: 'Any vendor',
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'filter-vendor-error',
      },
    });
    this.#vendor.addEventListener('change', () => this.#applyVendor());
    this.#vendor.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.#applyVendor();
    });
    this.#vendor.addEventListener('input', () => this.#setVendorError(null));

    this.#min = el('input', {
      id: 'filter-min',
      class: 'control amount-input',
      attrs: { type: 'text', inputmode: 'decimal', placeholder: 'Min', autocomplete: 'off', 'aria-label': 'Minimum amount', 'aria-describedby': 'filter-amount-error' },
    });
    this.#max = el('input', {
      id: 'filter-max',
      class: 'control amount-input',
      attrs: { type: 'text', inputmode: 'decimal', placeholder: 'Max', autocomplete: 'off', 'aria-label': 'Maximum amount', 'aria-describedby': 'filter-amount-error' },
    });
    for (const input of [this.#min, this.#max]) {
      input.addEventListener('input', () => this.#onAmountInput(false));
      input.addEventListener('change', () => this.#onAmountInput(true));
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') this.#onAmountInput(true);
      });
    }
    this.#amountError = el('p', { id: 'filter-amount-error', class: 'field-error', attrs: { hidden: true, 'aria-live': 'polite' } });
    this.#vendorError = el('p', { id: 'filter-vendor-error', class: 'field-error', attrs: { hidden: true, 'aria-live': 'polite' } });

    this.#chips = el('ul', { id: 'filter-chips', class: 'filter-chips', attrs: { 'aria-label': 'Active filters' } });
    this.#chips.addEventListener('click', (e) => {
      const button = (e.target as Element | null)?.closest<HTMLButtonElement>('button[data-chip]');
      if (!button) return;
      const key = button.dataset['chip'] ?? '';
      const f = withoutChip(this.#store.filter, key);
      const nextKey = this.#neighbourKey(button);
      this.#store.update({ filter: f, range: key === 'range' ? 'all' : this.#store.state.range });
      // The chips were rebuilt; focus the same neighbour in the new list.
      const next =
        nextKey === null
          ? null
          : this.#chips.querySelector<HTMLButtonElement>(`button[data-chip="${CSS.escape(nextKey)}"]`);
      (next ?? this.#search).focus();
    });
    this.#clearAll = el('button', {
      id: 'filter-clear',
      class: 'link-button',
      text: 'Clear all',
      attrs: { type: 'button' },
    });
    this.#clearAll.addEventListener('click', () => {
      this.#store.update({ filter: emptyFilter(), range: 'all' });
      this.#search.focus();
    });

    const searchBox = el(
      'label',
      { class: 'field field-search', attrs: { for: 'filter-search' } },
      icon('search'),
      el('span', { class: 'sr-only', text: 'Search' }),
      this.#search,
    );
    const amount = el(
      'div',
      { class: 'field field-amount', attrs: { role: 'group', 'aria-labelledby': 'filter-amount-label' } },
      el('span', { id: 'filter-amount-label', class: 'field-label', text: 'Amount' }),
      this.#min,
      el('span', { class: 'field-sep', text: '–', attrs: { 'aria-hidden': 'true' } }),
      this.#max,
    );

    this.element = el(
      'section',
      { id: 'filter-bar', class: 'filter-bar', attrs: { 'aria-label': 'Filter' } },
      el(
        'div',
        { class: 'filter-row' },
        searchBox,
        field('Dates', this.#range, 'field-range'),
        field('From', this.#from, 'field-date'),
        field('To', this.#to, 'field-date'),
        field('Show', this.#direction, 'field-direction'),
        field('Transfers', this.#transfers, 'field-transfers'),
      ),
      el(
        'div',
        { class: 'filter-row' },
        field('Account', this.#account, 'field-account'),
        field('Category', this.#category, 'field-category'),
        field('Vendor', this.#vendor, 'field-vendor'),
        this.#vendorOptions,
        amount,
      ),
      el('div', { class: 'filter-errors' }, this.#amountError, this.#vendorError),
      el('div', { class: 'filter-chips-row' }, this.#chips, this.#clearAll),
    );

    this.#renderAccountOptions();
    this.#renderCategoryOptions();
    store.subscribe(({ state }) => this.render(state));
    this.render(store.state);
  }

  setAccounts(accounts: AccountView[]): void {
    this.#accounts = accounts;
    this.#renderAccountOptions();
    this.#renderChips(this.#store.state);
  }

  setCategories(categories: Category[]): void {
    this.#categories = [...categories, UNCATEGORISED];
    this.#renderCategoryOptions();
  }

  setVendors(names: string[]): void {
    this.#vendors = names;
    const fragment = document.createDocumentFragment();
    for (const name of names) fragment.appendChild(el('option', { attrs: { value: name } }));
    clear(this.#vendorOptions);
    this.#vendorOptions.appendChild(fragment);
  }

  accountName(id: number): string {
    return this.#accounts.find((a) => a.id === id)?.name ?? `Account ${id}`;
  }

  /** Puts the controls in line with the state (leaving alone whatever is being typed). */
  render(state: UiState): void {
    const f = state.filter;
    const editing = document.activeElement;
    if (editing !== this.#search) this.#search.value = f.search ?? '';
    this.#range.value = state.range === 'all' && (f.from || f.to) ? 'custom' : state.range;
    this.#range.classList.toggle('active', state.range !== 'all');
    if (editing !== this.#from) this.#from.value = f.from ?? '';
    if (editing !== this.#to) this.#to.value = f.to ?? '';
    this.#direction.value = f.direction ?? '';
    this.#transfers.value = f.transfers ?? '';
    this.#transfers.classList.toggle('active', f.transfers !== null);
    if (editing !== this.#min && editing !== this.#max) {
      // Shown in the user's convention ("99,5" under nb-NO); the parser reads it back.
      this.#min.value = f.min === null ? '' : formatDecimal(f.min);
      this.#max.value = f.max === null ? '' : formatDecimal(f.max);
      this.#showAmountError(null);
    }
    this.#markOptions(this.#account, f.accounts.map(String));
    this.#markOptions(this.#category, f.categories);
    this.#renderChips(state);
  }

  #debounceSearch(): void {
    window.clearTimeout(this.#searchTimer);
    this.#searchTimer = window.setTimeout(() => this.#applySearch(), SEARCH_DEBOUNCE_MS);
  }

  #applySearch(): void {
    window.clearTimeout(this.#searchTimer);
    const text = this.#search.value.trim();
    this.#store.setFilter({ search: text === '' ? null : text });
  }

  #onAmountInput(now: boolean): void {
    window.clearTimeout(this.#amountTimer);
    const typed = (input: HTMLInputElement): string | null => (input.value.trim() === '' ? null : input.value);
    const min = typed(this.#min);
    const max = typed(this.#max);
    const apply = async (): Promise<void> => {
      const ticket = ++this.#amountTicket;
      let bounds: AmountBounds;
      try {
        bounds = await this.#readAmounts(min, max);
      } catch (error) {
        if (ticket !== this.#amountTicket) return;
        const message = toApiError(error).message;
        this.#showAmountError(message); // nothing invalid is ever sent as a filter
        const onMax = message.startsWith('Max amount');
        (onMax ? this.#max : this.#min).setAttribute('aria-invalid', 'true');
        return;
      }
      if (ticket !== this.#amountTicket) return;
      this.#showAmountError(null);
      this.#store.setFilter({ min: bounds.min, max: bounds.max });
    };
    if (now) void apply();
    else this.#amountTimer = window.setTimeout(() => void apply(), AMOUNT_DEBOUNCE_MS);
  }

  #showAmountError(message: string | null): void {
    this.#amountError.textContent = message ?? '';
    this.#amountError.hidden = message === null;
    if (message === null) {
      this.#min.setAttribute('aria-invalid', 'false');
      this.#max.setAttribute('aria-invalid', 'false');
    }
    this.element.classList.toggle('has-errors', !this.#amountError.hidden || !this.#vendorError.hidden);
  }

  #setVendorError(message: string | null): void {
    this.#vendorError.textContent = message ?? '';
    this.#vendorError.hidden = message === null;
    this.#vendor.setAttribute('aria-invalid', message === null ? 'false' : 'true');
    this.element.classList.toggle('has-errors', !this.#amountError.hidden || !this.#vendorError.hidden);
  }

  #applyVendor(): void {
    const typed = this.#vendor.value.trim();
    if (typed === '') {
      this.#setVendorError(null);
      return;
    }
    const lower = typed.toLocaleLowerCase();
    const name = this.#vendors.find((v) => v.toLocaleLowerCase() === lower);
    if (!name) {
      this.#setVendorError(`No vendor called “${typed}”`);
      return;
    }
    this.#setVendorError(null);
    this.#vendor.value = '';
    const vendors = this.#store.filter.vendors;
    if (!vendors.includes(name)) this.#store.setFilter({ vendors: [...vendors, name] });
  }

  #renderAccountOptions(): void {
    const fragment = document.createDocumentFragment();
    fragment.appendChild(el('option', { text: 'Any', attrs: { value: '' } }));
    for (const a of this.#accounts) {
      fragment.appendChild(el('option', { text: a.name, attrs: { value: String(a.id) }, data: { label: a.name } }));
    }
    clear(this.#account);
    this.#account.appendChild(fragment);
    this.#markOptions(this.#account, this.#store.filter.accounts.map(String));
  }

  #renderCategoryOptions(): void {
    const fragment = document.createDocumentFragment();
    fragment.appendChild(el('option', { text: 'Any', attrs: { value: '' } }));
    for (const c of this.#categories) {
      const label = categoryLabel(c);
      fragment.appendChild(el('option', { text: label, attrs: { value: c }, data: { label } }));
    }
    clear(this.#category);
    this.#category.appendChild(fragment);
    this.#markOptions(this.#category, this.#store.filter.categories);
  }

  /**
   * A select that adds to a list: chosen options get a check mark (choosing one again takes it
   * out) and the closed select summarises the choice ("Any", the one name, or "3 chosen").
   */
  #markOptions(select: HTMLSelectElement, chosen: string[]): void {
    const placeholder = select.options[0];
    for (const option of Array.from(select.options)) {
      if (option.value === '') continue;
      const on = chosen.includes(option.value);
      option.textContent = `${on ? '✓ ' : ''}${option.dataset['label'] ?? option.value}`;
    }
    if (placeholder) {
      const first = select.querySelector<HTMLOptionElement>(`option[value="${CSS.escape(chosen[0] ?? '')}"]`);
      placeholder.textContent =
        chosen.length === 0 ? 'Any' : chosen.length === 1 ? (first?.dataset['label'] ?? chosen[0] ?? '') : `${chosen.length} chosen`;
    }
    select.value = '';
    select.classList.toggle('active', chosen.length > 0);
  }

  #renderChips(state: UiState): void {
    const chips = filterChips(state.filter, state.range, (id) => this.accountName(id));
    const fragment = document.createDocumentFragment();
    for (const chip of chips) {
      fragment.appendChild(
        el(
          'li',
          { class: 'filter-chip', data: { chip: chip.key } },
          el('span', { class: 'chip-kind', text: chip.kind }),
          el('span', { class: 'chip-label', text: chip.label }),
          el(
            'button',
            {
              class: 'chip-remove',
              attrs: { type: 'button', 'aria-label': `Remove ${chip.kind}: ${chip.label}` },
              data: { chip: chip.key },
            },
            icon('close'),
          ),
        ),
      );
    }
    if (chips.length === 0) {
      fragment.appendChild(el('li', { class: 'filter-none', text: 'No filters — showing everything' }));
    }
    clear(this.#chips);
    this.#chips.appendChild(fragment);
    this.#clearAll.hidden = isFilterEmpty(state.filter);
  }

  /** The chip to focus after removing one: the next, else the previous. */
  #neighbourKey(button: HTMLButtonElement): string | null {
    const buttons = Array.from(this.#chips.querySelectorAll<HTMLButtonElement>('button[data-chip]'));
    const i = buttons.indexOf(button);
    return (buttons[i + 1] ?? buttons[i - 1])?.dataset['chip'] ?? null;
  }
}
