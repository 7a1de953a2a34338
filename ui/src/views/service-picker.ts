// Finsify's `service_id` field: a search box over `finsify_services(query)` (debounced) with a
// list of matching banks to pick from. Its value is the picked service's id; a number typed
// into the box is taken as an id as it is (for when the catalogue cannot be searched).

import { toApiError, type Api, type FinsifyService } from '../api';
import { clear, el, icon } from '../dom';

/** How many matches are listed at most. */
const MAX_SHOWN = 50;

export interface ServicePickerOptions {
  api: Api;
  /** id of the text box (its `<label for>`). */
  id: string;
  placeholder: string;
  /** ids of the help / error texts. */
  describedBy: string;
  /** Milliseconds of quiet typing before searching. */
  delayMs: number;
  /** Called whenever the value changes. */
  onChange: () => void;
}

export class ServicePicker {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  readonly #api: Api;
  readonly #list: HTMLElement;
  readonly #status: HTMLElement;
  readonly #chosen: HTMLElement;
  readonly #delayMs: number;
  readonly #onChange: () => void;
  readonly #listId: string;
  #selected: FinsifyService | null = null;
  #results: FinsifyService[] = [];
  #active = -1;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;
  #loadedQuery: string | null | undefined = undefined;

  constructor(options: ServicePickerOptions) {
    this.#api = options.api;
    this.#delayMs = options.delayMs;
    this.#onChange = options.onChange;
    this.#listId = `${options.id}-list`;
    this.input = el('input', {
      id: options.id,
      class: 'form-control service-search',
      attrs: {
        type: 'search',
        autocomplete: 'off',
        spellcheck: 'false',
        role: 'combobox',
        'aria-autocomplete': 'list',
        'aria-expanded': 'false',
        'aria-controls': this.#listId,
        'aria-describedby': options.describedBy,
        placeholder: options.placeholder,
        'data-testid': 'field-service_id',
      },
    });
    this.#list = el('ul', {
      id: this.#listId,
      class: 'service-list',
      attrs: { role: 'listbox', 'aria-label': 'Matching banks', hidden: true },
    });
    this.#status = el('p', { class: 'service-status', attrs: { 'aria-live': 'polite' } });
    this.#chosen = el('p', { class: 'service-chosen', attrs: { 'data-testid': 'service-chosen', hidden: true } });
    this.element = el(
      'div',
      { class: 'service-picker' },
      el('div', { class: 'service-box' }, icon('search'), this.input),
      this.#list,
      this.#status,
      this.#chosen,
    );

    this.input.addEventListener('input', () => {
      if (this.#selected) {
        // Typing again replaces the choice.
        this.#selected = null;
        this.#renderChosen();
      }
      this.#onChange();
      this.#schedule();
    });
    this.input.addEventListener('focus', () => {
      if (this.#loadedQuery === undefined && !this.#selected) this.#schedule(0);
    });
    this.input.addEventListener('keydown', (event) => this.#onKey(event));
    this.#list.addEventListener('mousedown', (event) => event.preventDefault());
    this.#list.addEventListener('click', (event) => {
      const item = (event.target as Element | null)?.closest<HTMLElement>('[data-service-id]');
      if (!item) return;
      const service = this.#results.find((s) => String(s.id) === item.dataset['serviceId']);
      if (service) this.select(service);
    });
  }

  /** The service id to send: the picked one, or a number typed into the box; else "". */
  get value(): string {
    if (this.#selected) return String(this.#selected.id);
    const typed = this.input.value.trim();
    return /^\d+$/.test(typed) ? typed : '';
  }

  get selected(): FinsifyService | null {
    return this.#selected;
  }

  /** Something was typed that is neither picked from the list nor an id. */
  get hasUnmatchedText(): boolean {
    return this.value === '' && this.input.value.trim() !== '';
  }

  select(service: FinsifyService): void {
    this.#selected = service;
    this.input.value = `${service.name} (${service.country_code})`;
    this.#close();
    this.#renderChosen();
    this.#onChange();
  }

  /** Sets a starting value: an id typed as text. */
  setText(text: string): void {
    this.input.value = text;
    this.#selected = null;
    this.#renderChosen();
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#generation++;
  }

  #schedule(delay = this.#delayMs): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#search();
    }, delay);
  }

  async #search(): Promise<void> {
    const typed = this.input.value.trim();
    const query = typed === '' ? null : typed;
    const generation = ++this.#generation;
    this.#status.textContent = 'Searching…';
    try {
      const services = await this.#api.finsifyServices(query);
      if (generation !== this.#generation) return;
      this.#loadedQuery = query;
      this.#results = services.slice(0, MAX_SHOWN);
      this.#active = -1;
      this.#renderList();
      if (services.length === 0) {
        this.#status.textContent = query ? `No bank matches “${query}”.` : 'No banks found.';
      } else if (services.length > MAX_SHOWN) {
        this.#status.textContent = `${services.length} banks match; showing the first ${MAX_SHOWN}. Type more to narrow.`;
      } else {
        this.#status.textContent = services.length === 1 ? '1 bank matches.' : `${services.length} banks match.`;
      }
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#results = [];
      this.#renderList();
      this.#status.textContent = `Could not search the banks: ${toApiError(error).message} You can type the service id instead.`;
    }
  }

  #renderList(): void {
    clear(this.#list);
    this.#results.forEach((s, i) => {
      const item = el(
        'li',
        {
          id: `${this.#listId}-${i}`,
          class: 'service-option',
          attrs: {
            role: 'option',
            'aria-selected': this.#selected?.id === s.id ? 'true' : 'false',
            'data-testid': 'service-option',
          },
          data: { serviceId: s.id },
        },
        el('span', { class: 'service-name', text: s.name }),
        el('span', { class: 'service-country', text: s.country_code }),
      );
      this.#list.appendChild(item);
    });
    const open = this.#results.length > 0;
    this.#list.hidden = !open;
    this.input.setAttribute('aria-expanded', open ? 'true' : 'false');
    this.#highlight();
  }

  #renderChosen(): void {
    const s = this.#selected;
    this.#chosen.hidden = s === null;
    this.#chosen.textContent = s ? `Selected: ${s.name} · ${s.country_code} · service ${s.id}` : '';
  }

  #close(): void {
    this.#results = [];
    this.#active = -1;
    this.#status.textContent = '';
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
        // Enter picks a bank rather than submitting the form.
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
        this.#close();
        return;
    }
  }
}
