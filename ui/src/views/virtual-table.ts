// `table#transactions`, virtualised: every row is ROW_HEIGHT tall, spacer rows above and below
// keep the scroll height of the whole list, and only the rows in view (plus a margin) exist in
// the DOM. Rows arrive in pages of PAGE_SIZE from `transaction_page` as they scroll into view;
// pages are cached per query and answers for an older query are dropped.

import type { Api } from '../api';
import type { Category, TransactionQuery, TransactionView } from '../generated/api';
import { el } from '../dom';
import { categoryLabel } from '../filter';
import { currencyLabel, formatDate, formatDecimal } from '../format';
import { defaultDescending, type SortKey } from '../state';
import { pagesFor, spacerHeights, visibleWindow, type RowWindow } from '../virtual';

export const ROW_HEIGHT = 52;
export const PAGE_SIZE = 200;
/** Rows built above and below the visible ones. */
const OVERSCAN = 10;
/** Lists up to this long are built whole (a few hundred rows need no windowing). */
export const RENDER_ALL_UP_TO = 300;
/** Pages kept per query; the ones farthest from the view go first. */
const MAX_CACHED_PAGES = 150;
/** Used while the table is hidden (another tab is open) and has no height of its own. */
const FALLBACK_VIEWPORT = 720;

const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: 'date', label: 'Date' },
  { key: 'account', label: 'Account' },
  { key: 'description', label: 'Description' },
  { key: 'vendor', label: 'Vendor' },
  { key: 'category', label: 'Category' },
  { key: 'amount', label: 'Amount' },
  { key: 'status', label: 'Status' },
];

export type RowQuery = Omit<TransactionQuery, 'offset' | 'limit'>;

export interface CategoryChange {
  transaction: TransactionView;
  category: Category | null;
  /** Puts the row's select back (when the change failed). */
  revert: () => void;
}

const queryKey = (q: RowQuery): string => JSON.stringify([q.filter, q.sort, q.descending]);

export class VirtualTable {
  readonly element: HTMLTableElement;
  /** The scroll container holding the table. */
  readonly scroller: HTMLElement;
  readonly #api: Api;
  readonly #body: HTMLTableSectionElement;
  readonly #topSpacer: HTMLTableRowElement;
  readonly #bottomSpacer: HTMLTableRowElement;
  readonly #headers = new Map<SortKey, HTMLTableCellElement>();
  #query: RowQuery | null = null;
  #total = 0;
  #pages = new Map<number, TransactionView[]>();
  #inflight = new Set<number>();
  /** Bumped when the shown query changes; page answers carry it and are dropped when stale. */
  #epoch = 0;
  /** Bumped per `show` call; only the latest call may take over. */
  #pending = 0;
  #loadingQuery = false;
  #rows = new Map<number, HTMLTableRowElement>();
  #window: RowWindow = { start: 0, end: 0 };
  #frame = 0;
  #fetchTimer: number | undefined;
  #categories: Category[] = [];
  #emptyText = 'No transactions match the filter.';
  onSort: (sort: SortKey, descending: boolean) => void = () => {};
  onCategory: (change: CategoryChange) => void = () => {};
  /** The user asked to unpair the transfer `transaction` is half of. */
  onUnpair: (transaction: TransactionView) => void = () => {};
  /** The user asked to pair `transaction` by hand with the other half of a transfer. */
  onPair: (transaction: TransactionView) => void = () => {};
  onError: (error: unknown) => void = () => {};

  constructor(api: Api) {
    this.#api = api;
    const colgroup = el('colgroup', {}, ...COLUMNS.map((c) => el('col', { class: `col-${c.key}` })));
    const headRow = el('tr', { attrs: { 'aria-rowindex': 1 } });
    for (const c of COLUMNS) {
      const button = el(
        'button',
        { class: 'sort-button', attrs: { type: 'button' }, data: { sort: c.key } },
        el('span', { text: c.label }),
        el('span', { class: 'sort-arrow', attrs: { 'aria-hidden': 'true' } }),
      );
      button.addEventListener('click', () => this.#toggleSort(c.key));
      const th = el('th', { class: `col-${c.key}`, attrs: { scope: 'col' } }, button);
      this.#headers.set(c.key, th);
      headRow.appendChild(th);
    }
    this.#topSpacer = spacerRow();
    this.#bottomSpacer = spacerRow();
    this.#body = el(
      'tbody',
      {},
      this.#topSpacer,
      el('tr', { class: 'empty-row' }, el('td', { text: 'Loading transactions…', attrs: { colspan: COLUMNS.length } })),
      this.#bottomSpacer,
    );
    this.#body.addEventListener('change', (e) => this.#onSelectChange(e));
    this.#body.addEventListener('click', (e) => this.#onClick(e));
    this.element = el(
      'table',
      {
        id: 'transactions',
        class: 'transactions',
        attrs: { 'aria-busy': 'true', 'aria-rowcount': -1 },
      },
      colgroup,
      el('thead', {}, headRow),
      this.#body,
    );
    // Focusable, so the keyboard can scroll the list (arrow keys, Page Up/Down, Home/End).
    this.scroller = el(
      'div',
      { class: 'table-scroll', attrs: { tabindex: 0, role: 'region', 'aria-label': 'Transactions' } },
      this.element,
    );
    this.scroller.addEventListener('scroll', () => this.#schedule(), { passive: true });
    new ResizeObserver(() => this.#schedule()).observe(this.scroller);
  }

  get total(): number {
    return this.#total;
  }

  get query(): RowQuery | null {
    return this.#query;
  }

  /** The rows currently built (for tests and diagnostics). */
  get window(): RowWindow {
    return { ...this.#window };
  }

  setCategories(categories: Category[]): void {
    this.#categories = categories;
  }

  set emptyText(text: string) {
    this.#emptyText = text;
  }

  /**
   * Shows `query`. The old rows stay until the first rows of the new query are in; if the
   * backend refuses the query, they simply remain. A new query scrolls to the top; the same
   * query again (fresh data) keeps the scroll position. Resolves with the total, or null when
   * the call failed or a newer call took over.
   */
  async show(query: RowQuery): Promise<number | null> {
    const call = ++this.#pending;
    const sameQuery = this.#query !== null && queryKey(this.#query) === queryKey(query);
    const scrollTop = sameQuery ? this.scroller.scrollTop : 0;
    const window = visibleWindow({
      scrollTop,
      viewportHeight: this.#viewportHeight(),
      rowHeight: ROW_HEIGHT,
      total: sameQuery ? this.#total : Number.MAX_SAFE_INTEGER,
      overscan: OVERSCAN,
      renderAllUpTo: RENDER_ALL_UP_TO,
    });
    // The pages in view, and always the first: its answer tells the total.
    const wanted = new Set([0, ...pagesFor(window, PAGE_SIZE)]);
    this.#loadingQuery = true;
    this.#setBusy(true);
    try {
      const answers = await Promise.all(
        [...wanted].map(async (page) => [page, await this.#fetchPage(query, page)] as const),
      );
      if (call !== this.#pending) return null;
      const total = answers[0]?.[1].total ?? 0;
      this.#epoch++;
      this.#query = query;
      this.#total = total;
      this.#pages = new Map(answers.map(([page, answer]) => [page, answer.rows]));
      this.#inflight.clear();
      this.#clearRows();
      this.element.setAttribute('aria-rowcount', String(total + 1));
      this.#renderSort();
      this.#loadingQuery = false;
      if (!sameQuery) this.scroller.scrollTop = 0;
      this.render();
      return total;
    } catch (error) {
      if (call === this.#pending) {
        this.#loadingQuery = false;
        this.#updateBusy();
        this.onError(error);
      }
      return null;
    }
  }

  /** Builds the rows in view now, and asks for the pages they need. */
  render(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    if (!this.#query) return;
    const total = this.#total;
    const window = visibleWindow({
      scrollTop: this.scroller.scrollTop,
      viewportHeight: this.#viewportHeight(),
      rowHeight: ROW_HEIGHT,
      total,
      overscan: OVERSCAN,
      renderAllUpTo: RENDER_ALL_UP_TO,
    });
    this.#window = window;
    const spacers = spacerHeights(window, total, ROW_HEIGHT);
    setSpacer(this.#topSpacer, spacers.top);
    setSpacer(this.#bottomSpacer, spacers.bottom);

    if (total === 0) {
      this.#clearRows();
      const empty = el('tr', { class: 'empty-row' }, el('td', { text: this.#emptyText, attrs: { colspan: COLUMNS.length } }));
      this.#rows.set(-1, empty);
      this.#body.insertBefore(empty, this.#bottomSpacer);
      this.#updateBusy();
      return;
    }
    const emptyRow = this.#rows.get(-1);
    if (emptyRow) {
      emptyRow.remove();
      this.#rows.delete(-1);
    }

    // Drop rows that left the window; fill placeholders whose page has arrived.
    for (const [i, tr] of this.#rows) {
      if (i < window.start || i >= window.end) {
        tr.remove();
        this.#rows.delete(i);
      } else if (tr.classList.contains('placeholder')) {
        const row = this.#rowAt(i);
        if (row) {
          const built = this.#build(i, row);
          tr.replaceWith(built);
          this.#rows.set(i, built);
        }
      }
    }
    // The kept rows are contiguous; add the missing ones before and after them without moving
    // any existing row (a focused category select keeps its focus while scrolling).
    const kept = [...this.#rows.keys()];
    const first = kept.length ? Math.min(...kept) : window.end;
    const last = kept.length ? Math.max(...kept) + 1 : window.end;
    const before = document.createDocumentFragment();
    for (let i = window.start; i < Math.min(first, window.end); i++) before.appendChild(this.#buildOrPlaceholder(i));
    const firstRow = this.#rows.get(first);
    this.#body.insertBefore(before, kept.length && firstRow ? firstRow : this.#bottomSpacer);
    const after = document.createDocumentFragment();
    for (let i = Math.max(last, window.start); i < window.end; i++) after.appendChild(this.#buildOrPlaceholder(i));
    this.#body.insertBefore(after, this.#bottomSpacer);

    this.#requestMissing();
    this.#updateBusy();
  }

  #viewportHeight(): number {
    return this.scroller.clientHeight || FALLBACK_VIEWPORT;
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.render();
    });
  }

  #rowAt(i: number): TransactionView | undefined {
    return this.#pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
  }

  #buildOrPlaceholder(i: number): HTMLTableRowElement {
    const row = this.#rowAt(i);
    const tr = row ? this.#build(i, row) : placeholderRow();
    this.#rows.set(i, tr);
    return tr;
  }

  #build(i: number, t: TransactionView): HTMLTableRowElement {
    const tr = buildRow(t, this.#categories);
    tr.setAttribute('aria-rowindex', String(i + 2));
    return tr;
  }

  #clearRows(): void {
    for (const tr of this.#rows.values()) tr.remove();
    this.#rows.clear();
    for (const tr of Array.from(this.#body.querySelectorAll('tr:not(.spacer)'))) tr.remove();
  }

  #missingPages(): number[] {
    return pagesFor(this.#window, PAGE_SIZE).filter((p) => !this.#pages.has(p));
  }

  /** Fetches the window's missing pages once scrolling pauses (a fling skips the pages between). */
  #requestMissing(): void {
    window.clearTimeout(this.#fetchTimer);
    if (this.#missingPages().length === 0) return;
    this.#fetchTimer = window.setTimeout(() => {
      const query = this.#query;
      if (!query) return;
      const epoch = this.#epoch;
      for (const page of this.#missingPages()) {
        if (this.#inflight.has(page)) continue;
        this.#inflight.add(page);
        this.#fetchPage(query, page)
          .then((answer) => {
            if (epoch !== this.#epoch) return; // an answer for an older query
            this.#inflight.delete(page);
            this.#pages.set(page, answer.rows);
            this.#evict();
            this.#schedule();
          })
          .catch((error: unknown) => {
            if (epoch !== this.#epoch) return;
            this.#inflight.delete(page);
            this.onError(error);
            this.#updateBusy();
          });
      }
    }, 60);
  }

  #fetchPage(query: RowQuery, page: number): ReturnType<Api['transactionPage']> {
    return this.#api.transactionPage({ ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
  }

  #evict(): void {
    if (this.#pages.size <= MAX_CACHED_PAGES) return;
    const centre = Math.floor(this.#window.start / PAGE_SIZE);
    const byDistance = [...this.#pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const page of byDistance.slice(0, this.#pages.size - MAX_CACHED_PAGES)) this.#pages.delete(page);
  }

  #setBusy(busy: boolean): void {
    this.element.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  /** Busy while a new query loads or a row in the window still waits for its page. */
  #updateBusy(): void {
    this.#setBusy(this.#loadingQuery || (this.#query !== null && this.#missingPages().length > 0));
  }

  #toggleSort(key: SortKey): void {
    const current = this.#query;
    const descending = current && current.sort === key ? !current.descending : defaultDescending(key);
    this.onSort(key, descending);
  }

  #renderSort(): void {
    const q = this.#query;
    for (const [key, th] of this.#headers) {
      const on = q !== null && q.sort === key;
      if (on) th.setAttribute('aria-sort', q.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      th.classList.toggle('sorted', on);
      const arrow = th.querySelector('.sort-arrow');
      if (arrow) arrow.textContent = on ? (q.descending ? '↓' : '↑') : '';
    }
  }

  #onClick(event: Event): void {
    const button = (event.target as Element | null)?.closest?.('button.unpair-transfer, button.pair-transfer');
    if (!button) return;
    const tr = button.closest<HTMLTableRowElement>('tr[data-transaction-id]');
    const row = this.#rowAt(Number(tr?.getAttribute('aria-rowindex')) - 2);
    if (!row || String(row.id) !== tr?.dataset['transactionId']) return;
    if (button.classList.contains('unpair-transfer')) {
      if (row.transfer) this.onUnpair(row);
    } else if (!row.transfer) {
      this.onPair(row);
    }
  }

  #onSelectChange(event: Event): void {
    const select = event.target as HTMLSelectElement | null;
    if (!select?.classList.contains('category-select')) return;
    const tr = select.closest<HTMLTableRowElement>('tr[data-transaction-id]');
    const index = Number(tr?.getAttribute('aria-rowindex')) - 2;
    const row = this.#rowAt(index);
    if (!row || String(row.id) !== tr?.dataset['transactionId']) return;
    const previous = row.category ?? '';
    const value = select.value;
    this.onCategory({
      transaction: row,
      category: value === '' ? null : (value as Category),
      revert: () => {
        select.value = previous;
      },
    });
  }
}

function spacerRow(): HTMLTableRowElement {
  return el('tr', { class: 'spacer', attrs: { 'aria-hidden': 'true' } }, el('td', { attrs: { colspan: COLUMNS.length } }));
}

function setSpacer(tr: HTMLTableRowElement, height: number): void {
  const td = tr.firstElementChild as HTMLTableCellElement | null;
  if (td) td.style.height = `${height}px`;
  tr.hidden = height === 0;
}

function placeholderRow(): HTMLTableRowElement {
  const tr = el('tr', { class: 'txn placeholder', attrs: { 'aria-hidden': 'true' } });
  for (const c of COLUMNS) tr.appendChild(el('td', { class: `col-${c.key}` }, el('span', { class: 'skeleton' })));
  return tr;
}

function td(className: string, text?: string): HTMLTableCellElement {
  const cell = document.createElement('td');
  cell.className = className;
  if (text !== undefined) cell.textContent = text;
  return cell;
}

function span(className: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

function categorySelect(t: TransactionView, categories: Category[]): HTMLSelectElement {
  const select = document.createElement('select');
  select.className = `category-select${t.category ? '' : ' none'}`;
  select.setAttribute('aria-label', `Category of ${t.vendor ?? t.description}`);
  const none = document.createElement('option');
  none.value = '';
  none.textContent = 'Uncategorised';
  select.appendChild(none);
  const list: string[] = t.category && !(categories as string[]).includes(t.category) ? [...categories, t.category] : categories;
  for (const c of list) {
    const option = document.createElement('option');
    option.value = c;
    option.textContent = categoryLabel(c);
    select.appendChild(option);
  }
  select.value = t.category ?? '';
  return select;
}

/** One transaction row. Every piece of bank text goes in as text. */
export function buildRow(t: TransactionView, categories: Category[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const pending = t.status === 'pending';
  tr.className = pending ? 'txn pending' : 'txn';
  tr.dataset['transactionId'] = String(t.id);
  tr.dataset['accountId'] = String(t.account_id);
  tr.dataset['status'] = t.status;
  tr.dataset['direction'] = t.direction;

  const date = td('col-date', formatDate(t.booking_date));
  date.title =
    t.value_date && t.value_date !== t.booking_date ? `Booked ${t.booking_date}, value date ${t.value_date}` : t.booking_date;

  const account = td('col-account', t.account_name);
  account.title = t.account_name;

  // The vendor (or counterparty) in bold above the bank's own text, when there is one.
  const description = td('col-description');
  const name = t.vendor ?? t.counterparty;
  if (name && name !== t.description) {
    description.appendChild(span('payee', name));
    description.appendChild(span('description secondary', t.description));
    description.title = `${name}\n${t.description}`;
  } else {
    description.appendChild(span('description', t.description));
    description.title = t.description;
  }

  if (t.transfer) {
    // One half of a transfer between the user's own accounts: marked, explained on hover and
    // to screen readers, and undoable. Totals leave it out unless the filter asks.
    tr.classList.add('transfer');
    tr.dataset['transferPartner'] = String(t.transfer.partner_id);
    const mark = span('badge badge-transfer', 'Transfer');
    mark.title = t.transfer.explanation;
    const unpair = document.createElement('button');
    unpair.type = 'button';
    unpair.className = 'unpair-transfer link-button';
    unpair.textContent = 'Unpair';
    unpair.setAttribute('aria-label', `Unpair transfer (${t.transfer.explanation})`);
    description.prepend(mark);
    description.append(unpair);
    description.title = `${description.title}\n${t.transfer.explanation}`;
  } else if (!pending) {
    // Detection missed a move between two of the user's accounts (a fee taken on the way, a
    // text that names neither account): the user pairs it by hand.
    const pair = document.createElement('button');
    pair.type = 'button';
    pair.className = 'pair-transfer link-button';
    pair.textContent = 'Pair…';
    pair.title = 'Pair as a transfer between your own accounts';
    pair.setAttribute('aria-label', 'Pair as transfer…');
    description.append(pair);
  }

  const vendor = t.vendor ? td('col-vendor', t.vendor) : td('col-vendor none', '—');
  if (t.vendor) vendor.title = t.vendor;

  const category = td('col-category');
  category.appendChild(categorySelect(t, categories));

  const amount = td(`col-amount amount ${t.direction}`);
  amount.dataset['amount'] = t.amount;
  amount.dataset['currency'] = t.currency;
  const ccy = currencyLabel(t.currency);
  amount.appendChild(span('num', formatDecimal(t.amount)));
  amount.appendChild(document.createTextNode(ccy.gap));
  amount.appendChild(span('ccy', ccy.text));

  const status = pending ? td('col-status') : td('col-status booked', 'Booked');
  if (pending) status.appendChild(span('badge badge-pending', 'Pending'));

  tr.append(date, account, description, vendor, category, amount, status);
  return tr;
}
