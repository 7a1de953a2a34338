// A form field whose `input` is `catalogue`: a search box over `bank_catalogue(provider, field,
// query)` (debounced) with a list of matching entries to pick from. Its value is the picked
// entry's `value`; text typed into the box that is exactly an entry's value (a service id
// known from elsewhere) picks that entry.
//
// The catalogue can arrive late (a slow network, a held sandbox), after the user typed. So:
// - the value sent is always the selection shown under the box, never the raw text;
// - text typed before the catalogue arrived is kept, and resolved once it arrives (the whole
//   catalogue, asked for once, is what a typed value is looked up in); until then the picker is
//   `pending`, and the dialog waits for it before it sends anything;
// - only the answer to the newest search fills the list: an older, slower answer is dropped;
// - resolving never rewrites the text being typed (typing "264" must not stop at entry "2").

import { toApiError, type Api, type CatalogueEntry } from '../api';
import type { ApiError } from '../generated/api';
import { clear, el, icon } from '../dom';

/** How many matches are listed at most. */
const MAX_SHOWN = 50;

export interface CataloguePickerOptions {
  api: Api;
  /** The bank and the form field whose catalogue this is. */
  provider: string;
  field: string;
  /** What an entry is, for messages ("bank"). */
  noun: string;
  /** id of the text box (its `<label for>`). */
  id: string;
  placeholder: string;
  /** ids of the help / error texts. */
  describedBy: string;
  /** Milliseconds of quiet typing before searching. */
  delayMs: number;
  /** Called whenever the value (the selection) may have changed. */
  onChange: () => void;
}

/** The selection: an entry of the catalogue, or text sent unchecked when it could not load. */
export interface CatalogueSelection {
  entry: CatalogueEntry;
  /** True when the catalogue could not be read and the typed text is sent as it is. */
  unchecked: boolean;
}

/** The entry whose value is exactly `text` (trimmed), if any. */
export function entryForValue(entries: readonly CatalogueEntry[], text: string): CatalogueEntry | null {
  const wanted = text.trim();
  if (wanted === '') return null;
  return entries.find((e) => e.value === wanted) ?? null;
}

/** "Techcombank · VN · bank · 8": what the user is about to connect, unambiguously. */
export function describeSelection(selection: CatalogueSelection): string {
  const { entry } = selection;
  if (selection.unchecked) return `Will send “${entry.value}” as typed: the list could not be loaded to check it.`;
  const parts = [entry.label, entry.detail, entry.value].filter((p): p is string => p !== null && p !== '');
  return `Selected: ${parts.join(' · ')}`;
}

export class CataloguePicker {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  readonly #options: CataloguePickerOptions;
  readonly #list: HTMLElement;
  readonly #status: HTMLElement;
  readonly #chosen: HTMLElement;
  readonly #listId: string;
  #selection: CatalogueSelection | null = null;
  /** The list shown: the answer to the newest search. */
  #results: CatalogueEntry[] = [];
  #active = -1;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Numbers the searches; only the answer to `#newest` may fill the list. */
  #sequence = 0;
  #newest = 0;
  /** What the newest search found, for the status line. */
  #searchStatus = '';
  /** The whole catalogue, once it arrived; typed values are looked up in it. */
  #all: CatalogueEntry[] | null = null;
  #allFailed: ApiError | null = null;
  #allLoading: Promise<void> | null = null;
  #disposed = false;

  constructor(options: CataloguePickerOptions) {
    this.#options = options;
    this.#listId = `${options.id}-list`;
    this.input = el('input', {
      id: options.id,
      class: 'form-control catalogue-search',
      attrs: {
        type: 'search',
        name: options.field,
        autocomplete: 'off',
        spellcheck: 'false',
        role: 'combobox',
        'aria-autocomplete': 'list',
        'aria-expanded': 'false',
        'aria-controls': this.#listId,
        'aria-describedby': options.describedBy,
        placeholder: options.placeholder,
        'data-testid': `field-${options.field}`,
      },
    });
    this.#list = el('ul', {
      id: this.#listId,
      class: 'catalogue-list',
      attrs: { role: 'listbox', 'aria-label': `Matching ${options.noun}s`, hidden: true },
    });
    this.#status = el('p', { class: 'catalogue-status', attrs: { 'aria-live': 'polite', 'data-testid': 'catalogue-status' } });
    this.#chosen = el('p', {
      class: 'catalogue-chosen',
      attrs: { 'data-testid': 'catalogue-chosen', 'aria-live': 'polite', hidden: true },
    });
    this.element = el(
      'div',
      { class: 'catalogue-picker' },
      el('div', { class: 'catalogue-box' }, icon('search'), this.input),
      this.#list,
      this.#status,
      this.#chosen,
    );

    this.input.addEventListener('input', () => this.#typed());
    this.input.addEventListener('focus', () => {
      // The first visit lists the whole catalogue (and loads it to look typed values up in).
      if (this.#all === null && this.#allLoading === null) this.#loadAll();
      if (this.#newest === 0 && this.#selection === null && this.input.value.trim() === '') this.#schedule(0);
    });
    this.input.addEventListener('keydown', (event) => this.#onKey(event));
    // Keeps the focus in the box while an option is clicked.
    this.#list.addEventListener('mousedown', (event) => event.preventDefault());
    this.#list.addEventListener('click', (event) => {
      const item = (event.target as Element | null)?.closest<HTMLElement>('[data-value]');
      if (!item) return;
      const entry = this.#results.find((e) => e.value === item.dataset['value']);
      if (entry) this.select(entry);
    });
  }

  /** What is sent: the selection's value; "" when nothing is selected. */
  get value(): string {
    return this.#selection?.entry.value ?? '';
  }

  get selection(): CatalogueSelection | null {
    return this.#selection;
  }

  /** Text is typed but the catalogue has not arrived to tell what it names. */
  get pending(): boolean {
    return this.#selection === null && this.input.value.trim() !== '' && this.#all === null && this.#allFailed === null;
  }

  /** Something was typed that names no entry (and the catalogue is there to say so). */
  get hasUnmatchedText(): boolean {
    return this.#selection === null && this.input.value.trim() !== '' && !this.pending;
  }

  /** Resolves once a pending typed value is resolved (the catalogue arrived or failed). */
  async settled(): Promise<void> {
    if (!this.pending) return;
    await this.#loadAll();
  }

  /** Picks an entry from the list: the box shows its name. */
  select(entry: CatalogueEntry): void {
    this.#selection = { entry, unchecked: false };
    this.input.value = entry.label;
    this.#cancelSearch();
    this.#closeList();
    this.#render();
    this.#options.onChange();
  }

  /** Sets a starting text, resolved like typed text. */
  setText(text: string): void {
    this.input.value = text;
    this.#typed();
  }

  dispose(): void {
    this.#disposed = true;
    this.#cancelSearch();
  }

  // ------------------------------------------------------------ typing and resolving

  #typed(): void {
    this.#selection = null;
    this.#resolveTyped();
    if (this.#selection === null) {
      if (this.pending) void this.#loadAll();
      this.#schedule();
    } else {
      // The text names an entry: no list to pick from (it would only move the form around).
      this.#cancelSearch();
      this.#closeList();
    }
    this.#render();
    this.#options.onChange();
  }

  /** Selects the entry the typed text is the value of, once the catalogue is known. */
  #resolveTyped(): void {
    const text = this.input.value.trim();
    if (this.#selection !== null || text === '') return;
    if (this.#all !== null) {
      const entry = entryForValue(this.#all, text);
      if (entry) this.#selection = { entry, unchecked: false };
    } else if (this.#allFailed !== null) {
      // Nothing to check it against: send what was typed, and say so under the box.
      this.#selection = { entry: { value: text, label: text, detail: null, logo_url: null }, unchecked: true };
    }
  }

  /** Asks for the whole catalogue once (again after a failure); resolves when it is in. */
  #loadAll(): Promise<void> {
    if (this.#all !== null) return Promise.resolve();
    if (this.#allLoading !== null) return this.#allLoading;
    const { api, provider, field } = this.#options;
    this.#allFailed = null;
    this.#allLoading = api.bankCatalogue(provider, field, null).then(
      (entries) => this.#arrived(entries, null),
      (error: unknown) => this.#arrived(null, toApiError(error)),
    );
    return this.#allLoading;
  }

  /** The catalogue arrived (or failed): resolve what was typed meanwhile. */
  #arrived(entries: CatalogueEntry[] | null, failure: ApiError | null): void {
    this.#allLoading = null;
    this.#all = entries;
    this.#allFailed = failure;
    if (this.#disposed) return;
    const before = this.#selection;
    // Text sent unchecked after an earlier failure is checked now.
    if (this.#selection?.unchecked && entries !== null) this.#selection = null;
    this.#resolveTyped();
    if (this.#selection !== before) {
      this.#cancelSearch();
      this.#closeList();
      this.#options.onChange();
    }
    this.#render();
  }

  // ------------------------------------------------------------ searching

  #cancelSearch(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Answers to searches already sent are stale from now on.
    this.#newest = ++this.#sequence;
  }

  #schedule(delay = this.#options.delayMs): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#search();
    }, delay);
  }

  /** Lists what matches the text: the whole catalogue for none, else the bank's search. */
  async #search(): Promise<void> {
    const typed = this.input.value.trim();
    const query = typed === '' ? null : typed;
    const sequence = ++this.#sequence;
    this.#newest = sequence;
    this.#searchStatus = 'Searching…';
    this.#render();
    let entries: CatalogueEntry[];
    try {
      if (query === null) {
        await this.#loadAll();
        if (this.#all === null) throw this.#allFailed;
        entries = this.#all;
      } else {
        entries = await this.#options.api.bankCatalogue(this.#options.provider, this.#options.field, query);
      }
    } catch (error) {
      if (sequence !== this.#newest || this.#disposed) return;
      this.#results = [];
      this.#renderList();
      this.#searchStatus = `Could not load the list: ${toApiError(error).message}`;
      this.#render();
      return;
    }
    // A slower answer to an older search never replaces a newer one.
    if (sequence !== this.#newest || this.#disposed || this.#selection !== null) return;
    this.#results = entries.slice(0, MAX_SHOWN);
    this.#active = -1;
    this.#renderList();
    const noun = this.#options.noun;
    if (entries.length === 0) {
      this.#searchStatus = query ? `No ${noun} matches “${query}”.` : `The list of ${noun}s is empty.`;
    } else if (entries.length > MAX_SHOWN) {
      this.#searchStatus = `${entries.length} ${noun}s match; showing the first ${MAX_SHOWN}. Type more to narrow.`;
    } else {
      this.#searchStatus = entries.length === 1 ? `1 ${noun} matches.` : `${entries.length} ${noun}s match.`;
    }
    this.#render();
  }

  // ------------------------------------------------------------ rendering

  /** The status line and the selection under the box. */
  #render(): void {
    const s = this.#selection;
    let status = this.#searchStatus;
    if (s !== null) status = '';
    else if (this.pending) status = `Loading the list of ${this.#options.noun}s to look up “${this.input.value.trim()}”…`;
    this.#status.textContent = status;

    this.#chosen.hidden = s === null;
    this.#chosen.textContent = s ? describeSelection(s) : '';
    this.#chosen.classList.toggle('unchecked', s?.unchecked === true);
    if (s) this.#chosen.dataset['value'] = s.entry.value;
    else delete this.#chosen.dataset['value'];
  }

  #renderList(): void {
    clear(this.#list);
    this.#results.forEach((entry, i) => {
      this.#list.appendChild(
        el(
          'li',
          {
            id: `${this.#listId}-${i}`,
            class: 'catalogue-option',
            attrs: {
              role: 'option',
              'aria-selected': this.#selection?.entry.value === entry.value ? 'true' : 'false',
              'data-testid': 'catalogue-option',
            },
            data: { value: entry.value },
          },
          el('span', { class: 'catalogue-name', text: entry.label }),
          // Logos of catalogue entries are remote images: not loaded (the window's CSP allows
          // no remote images, and fetching one would tell a third party what is being connected).
          entry.detail !== null && el('span', { class: 'catalogue-detail', text: entry.detail }),
        ),
      );
    });
    const open = this.#results.length > 0;
    this.#list.hidden = !open;
    this.input.setAttribute('aria-expanded', open ? 'true' : 'false');
    this.#highlight();
  }

  #closeList(): void {
    this.#results = [];
    this.#active = -1;
    this.#searchStatus = '';
    this.#renderList();
  }

  #highlight(): void {
    const items = Array.from(this.#list.children) as HTMLElement[];
    items.forEach((item, i) => item.classList.toggle('active', i === this.#active));
    const active = items[this.#active];
    if (active) {
      this.input.setAttribute('aria-activedescendant', active.id);
      active.scrollIntoView?.({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  }

  #onKey(event: KeyboardEvent): void {
    const open = !this.#list.hidden && this.#results.length > 0;
    switch (event.key) {
      case 'ArrowDown':
        if (!open) {
          this.#schedule(0);
          return;
        }
        event.preventDefault();
        this.#active = Math.min(this.#active + 1, this.#results.length - 1);
        this.#highlight();
        return;
      case 'ArrowUp':
        if (!open) return;
        event.preventDefault();
        this.#active = Math.max(this.#active - 1, 0);
        this.#highlight();
        return;
      case 'Enter': {
        if (!open) return;
        // Enter picks an entry rather than submitting the form.
        event.preventDefault();
        const pick = this.#results[this.#active >= 0 ? this.#active : 0];
        if (pick) this.select(pick);
        return;
      }
      case 'Escape':
        if (!open) return;
        // Closes the list only, not the dialog.
        event.preventDefault();
        event.stopPropagation();
        this.#closeList();
        this.#render();
        return;
    }
  }
}
