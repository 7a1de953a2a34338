// The `#transactions` table. Rows are built off-document in DocumentFragments and inserted in
// chunks. (A virtualised table can replace this later; the row markup can stay.)

import type { TransactionView } from '../generated/api';
import { el } from '../dom';
import { formatDate, formatDecimal } from '../format';

const COLUMNS: Array<{ key: string; label: string }> = [
  { key: 'date', label: 'Date' },
  { key: 'account', label: 'Account' },
  { key: 'description', label: 'Description' },
  { key: 'category', label: 'Category' },
  { key: 'amount', label: 'Amount' },
  { key: 'status', label: 'Status' },
];

/** Rows inserted before the first yield: enough to fill the visible part of the table. */
const FIRST_CHUNK = 80;
/** Rows inserted per task after that. */
const CHUNK = 400;

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export class TransactionsTable {
  readonly element: HTMLTableElement;
  #body: HTMLTableSectionElement;
  #generation = 0;

  constructor() {
    const colgroup = el('colgroup', {}, ...COLUMNS.map((c) => el('col', { class: `col-${c.key}` })));
    const head = el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...COLUMNS.map((c) => el('th', { class: `col-${c.key}`, text: c.label, attrs: { scope: 'col' } })),
      ),
    );
    this.#body = el(
      'tbody',
      {},
      el('tr', { class: 'empty-row' }, el('td', { text: 'Loading transactions…', attrs: { colspan: COLUMNS.length } })),
    );
    this.element = el(
      'table',
      { id: 'transactions', class: 'transactions', attrs: { 'aria-busy': 'true' } },
      colgroup,
      head,
      this.#body,
    );
  }

  set busy(busy: boolean) {
    this.element.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  /**
   * Replaces the rows. The first screenful goes in at once; the rest follows in chunks, one
   * task each, so the window keeps responding while a few thousand rows are laid out.
   * Resolves `true` once every row is in, `false` if a newer render took over.
   */
  async render(rows: TransactionView[], emptyText: string): Promise<boolean> {
    const generation = ++this.#generation;
    const body = document.createElement('tbody');
    if (rows.length === 0) {
      body.appendChild(
        el('tr', { class: 'empty-row' }, el('td', { text: emptyText, attrs: { colspan: COLUMNS.length } })),
      );
    }
    let next = appendRows(body, rows, 0, FIRST_CHUNK);
    this.element.replaceChild(body, this.#body);
    this.#body = body;
    while (next < rows.length) {
      await nextTask();
      if (generation !== this.#generation) return false;
      next = appendRows(body, rows, next, CHUNK);
    }
    return true;
  }
}

/** Appends rows[start .. start+count) to `body` through one DocumentFragment. */
function appendRows(body: HTMLTableSectionElement, rows: TransactionView[], start: number, count: number): number {
  const end = Math.min(rows.length, start + count);
  const fragment = document.createDocumentFragment();
  for (let i = start; i < end; i++) fragment.appendChild(buildRow(rows[i]!));
  body.appendChild(fragment);
  return end;
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

export function buildRow(t: TransactionView): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const pending = t.status === 'pending';
  tr.className = pending ? 'txn pending' : 'txn';
  tr.dataset['transactionId'] = String(t.id);
  tr.dataset['accountId'] = String(t.account_id);
  tr.dataset['status'] = t.status;
  tr.dataset['direction'] = t.direction;

  const date = td('col-date', formatDate(t.booking_date));
  date.title = t.value_date && t.value_date !== t.booking_date
    ? `Booked ${t.booking_date}, value date ${t.value_date}`
    : t.booking_date;

  const account = td('col-account', t.account_name);
  account.title = t.account_name;

  // A cleaned-up name (vendor / counterparty) when the backend has one, above the bank's raw
  // text; otherwise the raw text alone.
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

  const category = t.category ? td('col-category') : td('col-category none', '—');
  if (t.category) category.appendChild(span('chip', t.category));

  const amount = td(`col-amount amount ${t.direction}`);
  amount.dataset['amount'] = t.amount;
  amount.dataset['currency'] = t.currency;
  amount.appendChild(span('num', formatDecimal(t.amount)));
  amount.appendChild(document.createTextNode(' '));
  amount.appendChild(span('ccy', t.currency));

  const status = pending ? td('col-status') : td('col-status booked', 'Booked');
  if (pending) status.appendChild(span('badge badge-pending', 'Pending'));

  tr.append(date, account, description, category, amount, status);
  return tr;
}
