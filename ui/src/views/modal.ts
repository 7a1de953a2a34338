// A modal dialog: a backdrop and a `role="dialog"` panel with `aria-modal`, focus kept inside
// (Tab wraps, focus that escapes is brought back), Escape cancels, the page behind is inert,
// and focus returns to where it was when the dialog closes. Plus `choose()`, a small
// question with a few answer buttons.

import { append, el, icon } from '../dom';

let nextId = 0;

/** Elements that can take focus with Tab. */
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusable(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((e) => !e.closest('[hidden]'));
}

export interface ModalOptions {
  /** Escape, the close button or the backdrop: the dialog decides what cancelling means. */
  onCancel: () => void;
  /** Extra class on the panel, e.g. `connect-dialog`. */
  className?: string;
  /** Accessible name (the title is shown in the panel's header). */
  title: string;
  /** `data-testid` of the panel. */
  testId?: string;
  /** Shows a close (×) button in the header. */
  closeButton?: boolean;
}

export class Modal {
  /** The backdrop, appended to `<body>` while open. */
  readonly element: HTMLElement;
  /** The `role="dialog"` panel. */
  readonly panel: HTMLElement;
  /** Where the dialog's content goes. */
  readonly body: HTMLElement;
  readonly #title: HTMLElement;
  readonly #onCancel: () => void;
  #returnFocus: HTMLElement | null = null;
  #inerted: HTMLElement[] = [];
  #open = false;
  readonly #onFocusIn = (event: FocusEvent): void => {
    const target = event.target as Node | null;
    if (this.#open && target && !this.panel.contains(target)) this.focusFirst();
  };

  constructor(options: ModalOptions) {
    const id = `modal-${++nextId}`;
    this.#onCancel = options.onCancel;
    this.#title = el('h2', { id: `${id}-title`, class: 'modal-title', text: options.title });
    const header = el('div', { class: 'modal-header' }, this.#title);
    if (options.closeButton !== false) {
      const close = el('button', {
        class: 'icon-button modal-close',
        title: 'Close',
        attrs: { type: 'button', 'aria-label': 'Close' },
      });
      close.appendChild(icon('close'));
      close.addEventListener('click', () => this.#onCancel());
      header.appendChild(close);
    }
    this.body = el('div', { class: 'modal-body' });
    this.panel = el(
      'div',
      {
        id,
        class: `modal${options.className ? ` ${options.className}` : ''}`,
        attrs: {
          role: 'dialog',
          'aria-modal': 'true',
          'aria-labelledby': `${id}-title`,
          tabindex: -1,
          'data-testid': options.testId,
        },
      },
      header,
      this.body,
    );
    this.element = el('div', { class: 'modal-backdrop' }, this.panel);
    this.element.addEventListener('mousedown', (event) => {
      if (event.target === this.element) this.#onCancel();
    });
    this.panel.addEventListener('keydown', (event) => this.#onKey(event));
  }

  get isOpen(): boolean {
    return this.#open;
  }

  setTitle(text: string): void {
    this.#title.textContent = text;
  }

  open(): void {
    if (this.#open) return;
    this.#open = true;
    const active = document.activeElement;
    this.#returnFocus = active instanceof HTMLElement && active !== document.body ? active : null;
    // Everything else on the page is out of reach while the dialog is open.
    this.#inerted = Array.from(document.body.children).filter(
      (c): c is HTMLElement => c instanceof HTMLElement && !c.hasAttribute('inert') && c.id !== 'toast' && c.id !== 'error',
    );
    for (const c of this.#inerted) c.setAttribute('inert', '');
    document.body.appendChild(this.element);
    document.addEventListener('focusin', this.#onFocusIn);
    this.focusFirst();
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    document.removeEventListener('focusin', this.#onFocusIn);
    for (const c of this.#inerted) c.removeAttribute('inert');
    this.#inerted = [];
    this.element.remove();
    const back = this.#returnFocus;
    this.#returnFocus = null;
    if (back && back.isConnected) back.focus();
  }

  /** Focuses `[data-autofocus]` if there is one, else the first focusable element. */
  focusFirst(): void {
    const preferred = this.body.querySelector<HTMLElement>('[data-autofocus]');
    const target = preferred && !preferred.closest('[hidden]') ? preferred : focusable(this.body)[0];
    (target ?? this.panel).focus();
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      if (event.defaultPrevented) return;
      event.preventDefault();
      event.stopPropagation();
      this.#onCancel();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = focusable(this.panel);
    if (items.length === 0) {
      event.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === this.panel)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  }
}

export interface Choice<T> {
  value: T;
  label: string;
  tone?: 'primary' | 'secondary' | 'danger';
  testId?: string;
  /** Focused when the dialog opens. */
  autofocus?: boolean;
}

export interface ChooseOptions<T> {
  title: string;
  message: string;
  /** A second paragraph, e.g. what each answer does. */
  detail?: string;
  choices: Array<Choice<T>>;
  cancelLabel?: string;
  testId?: string;
}

/** Asks a question; resolves to the chosen value, or null for Cancel / Escape. */
export function choose<T>(options: ChooseOptions<T>): Promise<T | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: T | null): void => {
      if (done) return;
      done = true;
      modal.close();
      resolve(value);
    };
    const modal = new Modal({
      title: options.title,
      className: 'confirm-dialog',
      onCancel: () => finish(null),
      ...(options.testId ? { testId: options.testId } : {}),
    });
    const cancel = el('button', {
      class: 'button secondary',
      text: options.cancelLabel ?? 'Cancel',
      attrs: { type: 'button', 'data-testid': 'dialog-cancel' },
    });
    cancel.addEventListener('click', () => finish(null));
    const buttons = options.choices.map((c) => {
      const b = el('button', {
        class: `button ${c.tone ?? 'secondary'}`,
        text: c.label,
        attrs: { type: 'button', 'data-testid': c.testId, 'data-autofocus': c.autofocus ?? false },
      });
      b.addEventListener('click', () => finish(c.value));
      return b;
    });
    append(
      modal.body,
      el('p', { class: 'modal-text', text: options.message }),
      options.detail !== undefined && el('p', { class: 'modal-text muted', text: options.detail }),
      el('div', { class: 'modal-actions' }, cancel, ...buttons),
    );
    modal.open();
  });
}
