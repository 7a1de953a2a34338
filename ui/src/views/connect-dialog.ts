// "Connect a bank": pick a provider (or the Demo Bank), fill in its credential form, then log
// in in the system browser while the dialog waits for the bank's redirect. Also "Log in
// again" for an existing connection (renew mode: every field optional, saved values kept).
//
// The backend opens the browser itself (`connect_begin`) and `connect_finish` resolves once
// the bank redirected back; the login URL never comes to the UI.

import {
  toApiError,
  type Api,
  type ConnectionView,
  type CredentialField,
  type LoginStarted,
  type ProviderInfo,
} from '../api';
import type { ApiError } from '../generated/api';
import { append, clear, el, icon } from '../dom';
import { toast } from '../toast';
import { Modal } from './modal';
import { ServicePicker } from './service-picker';

// ---------------------------------------------------------------- pure helpers (unit-tested)

/** The field holding the loopback port the redirect URI's `{port}` stands for. */
export function portField(fields: CredentialField[]): CredentialField | null {
  return fields.find((f) => f.key === 'redirect_port') ?? fields.find((f) => f.key === 'port' || f.key.endsWith('_port')) ?? null;
}

/** The port a form's values make: the typed one, else the field's default. */
export function portValue(fields: CredentialField[], values: Record<string, string>): string {
  const field = portField(fields);
  if (!field) return '';
  const typed = (values[field.key] ?? '').trim();
  return typed !== '' ? typed : (field.default_value ?? '');
}

/** The redirect URI to register at the bank: the template with `{port}` filled in. */
export function fillRedirectUri(template: string, port: string): string {
  return template.split('{port}').join(port === '' ? '{port}' : port);
}

/** True for Finsify's service field, which is picked from a search rather than typed. */
export function isServiceSearch(provider: ProviderInfo, field: CredentialField): boolean {
  return provider.id === 'finsify' && field.key === 'service_id';
}

export interface FieldProblem {
  key: string;
  message: string;
}

/**
 * What stops a form from being sent. A new connection needs every required field; a renewal
 * needs nothing (an empty field keeps the saved value). A port must be a port number.
 */
export function validateLogin(fields: CredentialField[], values: Record<string, string>, renew: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const port = portField(fields);
  for (const f of fields) {
    const value = (values[f.key] ?? '').trim();
    if (value === '') {
      if (f.required && !renew) problems.push({ key: f.key, message: `${f.label} is required.` });
      continue;
    }
    if (port && f.key === port.key) {
      const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
      if (!(n >= 1 && n <= 65535)) {
        problems.push({ key: f.key, message: `${f.label} must be a port number from 1 to 65535.` });
      }
    } else if (f.choices.length > 0 && !f.choices.some((c) => c.value === value)) {
      problems.push({ key: f.key, message: `Choose one of the listed options for ${f.label}.` });
    }
  }
  return problems;
}

/** The `fields` of a LoginRequest: every non-empty value, trimmed; empty ones are left out. */
export function loginFields(fields: CredentialField[], values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const value = (values[f.key] ?? '').trim();
    if (value !== '') out[f.key] = value;
  }
  return out;
}

/** Heading for a failed login, by error code. */
export function loginErrorTitle(error: ApiError): string {
  switch (error.code) {
    case 'login':
      return 'The login did not complete';
    case 'cancelled':
      return 'The login was cancelled';
    case 'keychain_unavailable':
      return 'Coffer cannot store the login';
    case 'vault_key_lost':
      return 'Saved logins cannot be read';
    case 'needs_reauth':
      return 'The bank wants you to log in again';
    default:
      return 'Could not connect';
  }
}

// ---------------------------------------------------------------- the dialog

export interface ConnectDialogOptions {
  api: Api;
  /** A login finished (or the Demo Bank was set up); the dialog is already closed. */
  onConnected: (connection: ConnectionView) => void | Promise<void>;
  /** The dialog closed, whatever the outcome. */
  onClosed?: () => void;
  /** Log in again to this connection with this provider (skips the provider step). */
  renew?: { connection: ConnectionView; provider: ProviderInfo };
  /** Offer the Demo Bank among the providers (default true). */
  demo?: boolean;
  /** Providers already loaded; asked from the backend otherwise. */
  providers?: ProviderInfo[];
  /** Quiet time before the Finsify bank search runs, ms. */
  searchDelayMs?: number;
}

type Step = 'providers' | 'form' | 'working' | 'waiting' | 'error';

interface FieldControl {
  field: CredentialField;
  /** The `.form-field` block: label, control, help, error. */
  wrapper: HTMLElement;
  control: HTMLInputElement | HTMLSelectElement;
  picker: ServicePicker | null;
  error: HTMLElement;
  read(): string;
}

let nextDialog = 0;

export class ConnectDialog {
  readonly modal: Modal;
  readonly #options: ConnectDialogOptions;
  readonly #api: Api;
  readonly #renew: ConnectDialogOptions['renew'];
  readonly #uid = `connect-${++nextDialog}`;
  readonly #steps: Record<Step, HTMLElement>;
  #step: Step = 'providers';
  #providers: ProviderInfo[] | null = null;
  #provider: ProviderInfo | null = null;
  #controls: FieldControl[] = [];
  #redirectUri: HTMLElement | null = null;
  #submit: HTMLButtonElement | null = null;
  /** Bumped whenever an attempt is abandoned, so its late answers are ignored. */
  #attempt = 0;
  #login: LoginStarted | null = null;
  #errorBack: Step = 'form';
  #closed = false;

  constructor(options: ConnectDialogOptions) {
    this.#options = options;
    this.#api = options.api;
    this.#renew = options.renew;
    this.modal = new Modal({
      title: options.renew ? `Log in again to ${options.renew.connection.label}` : 'Connect a bank',
      className: 'connect-dialog',
      testId: 'connect-dialog',
      onCancel: () => this.cancel(),
    });
    this.#steps = {
      providers: el('div', { class: 'connect-step step-providers' }),
      form: el('div', { class: 'connect-step step-form' }),
      working: el('div', { class: 'connect-step step-working' }),
      waiting: el('div', { class: 'connect-step step-waiting' }),
      error: el('div', { class: 'connect-step step-error' }),
    };
    for (const s of Object.values(this.#steps)) {
      s.hidden = true;
      this.modal.body.appendChild(s);
    }
  }

  get step(): Step {
    return this.#step;
  }

  get loginId(): number | null {
    return this.#login?.login_id ?? null;
  }

  /** Opens the dialog: the provider list, or straight to the form when renewing. */
  open(): void {
    this.modal.open();
    if (this.#renew) {
      this.#showForm(this.#renew.provider);
    } else {
      void this.#showProviders();
    }
  }

  /**
   * Escape, Close, Cancel: closes the dialog. A login in progress is cancelled at the backend
   * (`connect_cancel`), also one whose `connect_begin` has not answered yet.
   */
  cancel(): void {
    if (this.#closed) return;
    const login = this.#login;
    this.#attempt++;
    this.#login = null;
    if (login) void this.#api.connectCancel(login.login_id).catch(() => undefined);
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#controls) c.picker?.dispose();
    this.modal.close();
    this.#options.onClosed?.();
  }

  #show(step: Step): void {
    this.#step = step;
    for (const [name, node] of Object.entries(this.#steps)) node.hidden = name !== step;
    this.modal.panel.dataset['step'] = step;
    if (this.modal.isOpen) this.modal.focusFirst();
  }

  // ------------------------------------------------------------ step 1: providers

  async #showProviders(): Promise<void> {
    const root = this.#steps.providers;
    this.modal.setTitle('Connect a bank');
    clear(root);
    root.appendChild(el('div', { class: 'connect-loading' }, el('span', { class: 'spinner' }), el('span', { text: 'Loading banks…' })));
    this.#show('providers');
    if (this.#providers === null) {
      if (this.#options.providers) {
        this.#providers = this.#options.providers;
      } else {
        try {
          this.#providers = await this.#api.providers();
        } catch (error) {
          if (this.#closed) return;
          this.#renderProviders([], toApiError(error));
          return;
        }
      }
    }
    if (this.#closed) return;
    this.#renderProviders(this.#providers, null);
  }

  #renderProviders(providers: ProviderInfo[], failure: ApiError | null): void {
    const root = this.#steps.providers;
    clear(root);
    const list = el('ul', { class: 'provider-list', attrs: { 'aria-label': 'Banks' } });
    for (const p of providers) {
      if (p.id === 'demo') continue;
      const card = this.#providerCard(
        p.id,
        p.name,
        p.summary,
        p.login === 'none' ? 'No login needed' : 'Log in through your browser',
      );
      card.addEventListener('click', () => this.#showForm(p));
      list.appendChild(el('li', {}, card));
    }
    if (this.#options.demo !== false) {
      const demo = this.#providerCard(
        'demo',
        'Demo Bank',
        'Realistic sample accounts and transactions, invented on this computer.',
        'No login needed',
      );
      demo.addEventListener('click', () => void this.#connectDemo());
      list.appendChild(el('li', {}, demo));
    }
    append(
      root,
      el('p', { class: 'modal-text muted', text: 'Choose where your accounts are. Your logins stay on this computer.' }),
      failure && el('p', { class: 'inline-error', attrs: { role: 'alert' }, text: `Could not load the list of banks: ${failure.message}` }),
      list,
    );
    const first = list.querySelector<HTMLElement>('button');
    first?.setAttribute('data-autofocus', '');
    if (this.#step === 'providers') this.modal.focusFirst();
  }

  #providerCard(id: string, name: string, summary: string, hint: string): HTMLButtonElement {
    return el(
      'button',
      {
        class: 'provider-card',
        attrs: { type: 'button', 'data-testid': `provider-${id}` },
        data: { provider: id },
      },
      el('span', { class: 'provider-mark', attrs: { 'aria-hidden': 'true' } }, icon(id === 'demo' ? 'sparkle' : 'bank')),
      el(
        'span',
        { class: 'provider-text' },
        el('span', { class: 'provider-name', text: name }),
        el('span', { class: 'provider-summary', text: summary }),
        el('span', { class: 'provider-hint', text: hint }),
      ),
      icon('chevron', 'icon provider-go'),
    );
  }

  async #connectDemo(): Promise<void> {
    const attempt = ++this.#attempt;
    const root = this.#steps.working;
    clear(root);
    root.appendChild(
      el('div', { class: 'connect-waiting' }, el('span', { class: 'spinner large' }), el('p', { class: 'waiting-title', text: 'Setting up the Demo Bank…' })),
    );
    this.#show('working');
    try {
      const connection = await this.#api.connectDemo();
      if (attempt !== this.#attempt || this.#closed) return;
      this.#connected(connection);
    } catch (error) {
      if (attempt !== this.#attempt || this.#closed) return;
      this.#showError(toApiError(error), 'providers');
    }
  }

  // ------------------------------------------------------------ step 2: the form

  #showForm(provider: ProviderInfo): void {
    if (this.#provider !== provider || this.#controls.length === 0) this.#buildForm(provider);
    this.modal.setTitle(this.#renew ? `Log in again to ${this.#renew.connection.label}` : `Connect ${provider.name}`);
    this.#show('form');
  }

  #buildForm(provider: ProviderInfo): void {
    for (const c of this.#controls) c.picker?.dispose();
    this.#provider = provider;
    this.#controls = [];
    this.#redirectUri = null;
    const renew = this.#renew !== undefined;
    const root = this.#steps.form;
    clear(root);

    const form = el('form', { class: 'connect-form', attrs: { novalidate: true, 'data-provider': provider.id } });
    const intro = renew
      ? 'Log in at the bank again to renew Coffer’s access. Leave a field empty to keep the saved value.'
      : provider.summary;
    form.appendChild(el('p', { class: 'modal-text muted', text: intro }));

    for (const field of provider.fields) {
      const control = this.#fieldControl(provider, field, renew);
      this.#controls.push(control);
      form.appendChild(control.wrapper);
    }
    const first = this.#controls[0];
    if (first) (first.picker?.input ?? first.control).setAttribute('data-autofocus', '');

    if (provider.redirect_uri_template) form.appendChild(this.#redirectBox(provider.redirect_uri_template));

    const back = el('button', { class: 'button secondary', text: renew ? 'Cancel' : 'Back', attrs: { type: 'button' } });
    back.addEventListener('click', () => (renew ? this.cancel() : void this.#showProviders()));
    this.#submit = el(
      'button',
      { class: 'button primary', attrs: { type: 'submit', 'data-testid': 'login-in-browser' } },
      el('span', { text: 'Log in in browser' }),
    );
    form.appendChild(el('div', { class: 'modal-actions' }, back, this.#submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#begin();
    });
    root.appendChild(form);
    this.#updateRedirectUri();
  }

  #fieldControl(provider: ProviderInfo, field: CredentialField, renew: boolean): FieldControl {
    const id = `${this.#uid}-${field.key}`;
    const helpId = `${id}-help`;
    const errorId = `${id}-error`;
    const describedBy = field.help || (renew && field.secret) ? `${helpId} ${errorId}` : errorId;
    const required = field.required && !renew;
    const keepHint = renew ? (field.secret ? 'Leave empty to keep the saved one' : 'Leave empty to keep the saved value') : '';
    let control: HTMLInputElement | HTMLSelectElement;
    let picker: ServicePicker | null = null;
    let box: HTMLElement;

    if (isServiceSearch(provider, field)) {
      picker = new ServicePicker({
        api: this.#api,
        id,
        describedBy,
        delayMs: this.#options.searchDelayMs ?? 250,
        placeholder: keepHint || 'Search for your bank by name',
        onChange: () => this.#clearError(field.key),
      });
      if (!renew && field.default_value) picker.setText(field.default_value);
      control = picker.input;
      box = picker.element;
    } else if (field.choices.length > 0) {
      const select = el('select', {
        id,
        class: 'form-control',
        attrs: { 'aria-describedby': describedBy, 'data-testid': `field-${field.key}`, name: field.key },
      });
      // An empty choice: the bank is picked on its login page, or (renewing) the saved one kept.
      if (!field.required || renew) {
        select.appendChild(el('option', { attrs: { value: '' }, text: renew ? 'Keep the saved choice' : 'Choose on the login page' }));
      } else if (!field.default_value) {
        select.appendChild(el('option', { attrs: { value: '', disabled: true }, text: 'Choose…' }));
      }
      for (const c of field.choices) select.appendChild(el('option', { attrs: { value: c.value }, text: c.label }));
      select.value = !renew && field.default_value ? field.default_value : '';
      control = select;
      box = select;
    } else {
      const input = el('input', {
        id,
        class: 'form-control',
        attrs: {
          type: field.secret ? 'password' : 'text',
          name: field.key,
          autocomplete: field.secret ? 'new-password' : 'off',
          spellcheck: 'false',
          'aria-describedby': describedBy,
          'data-testid': `field-${field.key}`,
          placeholder: keepHint || null,
          inputmode: portField(provider.fields)?.key === field.key ? 'numeric' : null,
        },
      });
      if (!renew && field.default_value) input.value = field.default_value;
      control = input;
      box = input;
    }
    if (required) control.setAttribute('aria-required', 'true');
    control.addEventListener('input', () => {
      this.#clearError(field.key);
      if (portField(provider.fields)?.key === field.key) this.#updateRedirectUri();
    });
    control.addEventListener('change', () => this.#clearError(field.key));

    const error = el('p', { id: errorId, class: 'form-error', attrs: { hidden: true } });
    const label = el(
      'label',
      { class: 'form-label', attrs: { for: id } },
      field.label,
      required && el('span', { class: 'required-mark', text: ' *', attrs: { 'aria-hidden': 'true' } }),
      !required && !renew && el('span', { class: 'optional-mark', text: ' (optional)' }),
    );
    let help = field.help;
    if (renew && field.secret) help = `${help ? `${help} ` : ''}Leave empty to keep the saved one.`;
    const wrapper = el(
      'div',
      { class: `form-field${field.secret ? ' secret' : ''}`, data: { field: field.key } },
      label,
      box,
      help !== '' && el('p', { id: helpId, class: 'form-help', text: help }),
      error,
    );
    const read = (): string => (picker ? picker.value : control.value);
    return { field, wrapper, control, picker, error, read };
  }

  #redirectBox(template: string): HTMLElement {
    const code = el('code', { class: 'code-box', attrs: { 'data-testid': 'redirect-uri', id: `${this.#uid}-redirect` } });
    this.#redirectUri = code;
    const copyLabel = el('span', { text: 'Copy' });
    const copy = el(
      'button',
      { class: 'button secondary small', attrs: { type: 'button', 'data-testid': 'copy-redirect-uri', 'aria-label': 'Copy the redirect URI' } },
      copyLabel,
    );
    let reset: ReturnType<typeof setTimeout> | undefined;
    copy.addEventListener('click', async () => {
      const ok = await copyText(code.textContent ?? '', code);
      copyLabel.textContent = ok ? 'Copied' : 'Press Ctrl+C';
      copy.classList.toggle('copied', ok);
      if (reset !== undefined) clearTimeout(reset);
      reset = setTimeout(() => {
        copyLabel.textContent = 'Copy';
        copy.classList.remove('copied');
      }, 2000);
    });
    code.dataset['template'] = template;
    return el(
      'div',
      { class: 'redirect-box' },
      el('span', { class: 'form-label', text: 'Redirect URI to register' }),
      el('div', { class: 'code-row' }, code, copy),
      el('p', {
        class: 'form-help',
        text: 'Register exactly this address as a redirect URI of your app in the bank’s developer portal.',
      }),
    );
  }

  #values(): Record<string, string> {
    const values: Record<string, string> = {};
    for (const c of this.#controls) values[c.field.key] = c.read();
    return values;
  }

  #updateRedirectUri(): void {
    const provider = this.#provider;
    if (!provider?.redirect_uri_template || !this.#redirectUri) return;
    this.#redirectUri.textContent = fillRedirectUri(provider.redirect_uri_template, portValue(provider.fields, this.#values()));
  }

  #clearError(key: string): void {
    const c = this.#controls.find((x) => x.field.key === key);
    if (!c || c.error.hidden) return;
    c.error.hidden = true;
    c.error.textContent = '';
    c.control.removeAttribute('aria-invalid');
  }

  #showProblems(problems: FieldProblem[]): void {
    for (const c of this.#controls) this.#clearError(c.field.key);
    for (const p of problems) {
      const c = this.#controls.find((x) => x.field.key === p.key);
      if (!c) continue;
      c.error.textContent = p.message;
      c.error.hidden = false;
      c.control.setAttribute('aria-invalid', 'true');
    }
    const first = this.#controls.find((c) => problems.some((p) => p.key === c.field.key));
    first?.control.focus();
  }

  // ------------------------------------------------------------ step 3: log in, wait

  async #begin(): Promise<void> {
    const provider = this.#provider;
    if (!provider || this.#step !== 'form' || this.#submit?.disabled) return;
    const values = this.#values();
    const problems = validateLogin(provider.fields, values, this.#renew !== undefined);
    for (const c of this.#controls) {
      if (c.picker?.hasUnmatchedText && !problems.some((p) => p.key === c.field.key)) {
        problems.push({ key: c.field.key, message: `Pick your bank from the list for ${c.field.label}.` });
      }
    }
    if (problems.length > 0) {
      this.#showProblems(problems);
      return;
    }
    const attempt = ++this.#attempt;
    this.#setBusy(true);
    let started: LoginStarted;
    try {
      started = await this.#api.connectBegin({
        provider: provider.id,
        fields: loginFields(provider.fields, values),
        connection: this.#renew?.connection.id ?? null,
        callback: this.#api.callbackFor(provider),
      });
    } catch (error) {
      if (attempt !== this.#attempt || this.#closed) return;
      this.#setBusy(false);
      this.#showError(toApiError(error), 'form');
      return;
    }
    if (attempt !== this.#attempt || this.#closed) {
      // Cancelled while the login was being set up: stop it at the backend.
      void this.#api.connectCancel(started.login_id).catch(() => undefined);
      return;
    }
    this.#setBusy(false);
    this.#login = started;
    this.#showWaiting(provider, started);
    try {
      const connection = await this.#api.connectFinish(started.login_id);
      if (attempt !== this.#attempt || this.#closed) return;
      this.#login = null;
      this.#connected(connection);
    } catch (error) {
      if (attempt !== this.#attempt || this.#closed) return;
      this.#login = null;
      this.#showError(toApiError(error), 'form');
    }
  }

  #setBusy(busy: boolean): void {
    if (!this.#submit) return;
    this.#submit.disabled = busy;
    this.#submit.classList.toggle('busy', busy);
    const label = this.#submit.querySelector('span');
    if (label) label.textContent = busy ? 'Opening your browser…' : 'Log in in browser';
  }

  #showWaiting(provider: ProviderInfo, started: LoginStarted): void {
    const root = this.#steps.waiting;
    clear(root);
    const cancel = el('button', {
      class: 'button secondary',
      text: 'Cancel',
      attrs: { type: 'button', 'data-testid': 'login-cancel', 'data-autofocus': true },
    });
    cancel.addEventListener('click', () => this.cancel());
    const deepLink = this.#api.callbackFor(provider) === 'deep_link';
    root.appendChild(
      el(
        'div',
        { class: 'connect-waiting', attrs: { 'data-testid': 'login-waiting', role: 'status', 'aria-live': 'polite' } },
        el('span', { class: 'spinner large', attrs: { 'aria-hidden': 'true' } }),
        el('p', { class: 'waiting-title', text: 'Finish logging in in your browser…' }),
        el('p', {
          class: 'modal-text muted',
          text: `Coffer opened ${provider.name}’s login page in your web browser. When you have approved access there, the bank sends you back here.`,
        }),
        el(
          'div',
          { class: 'waiting-uri' },
          el('span', { class: 'form-label', text: deepLink ? 'Waiting for the bank to open' : 'Listening on' }),
          el('code', { class: 'code-box', attrs: { 'data-testid': 'login-redirect-uri' }, text: started.redirect_uri }),
        ),
        el('p', {
          class: 'form-help',
          text: 'No browser window? Check that a browser is installed and set as the default, then cancel and try again.',
        }),
        el('div', { class: 'modal-actions center' }, cancel),
      ),
    );
    this.#show('waiting');
  }

  #showError(error: ApiError, back: Step): void {
    this.#errorBack = back;
    const root = this.#steps.error;
    clear(root);
    const retry = el('button', {
      class: 'button primary',
      text: 'Try again',
      attrs: { type: 'button', 'data-testid': 'login-retry', 'data-autofocus': true },
    });
    retry.addEventListener('click', () => this.#retry());
    const close = el('button', { class: 'button secondary', text: 'Close', attrs: { type: 'button' } });
    close.addEventListener('click', () => this.cancel());
    root.append(
      el(
        'div',
        { class: 'login-error', attrs: { 'data-testid': 'login-error', role: 'alert' }, data: { code: error.code } },
        icon('alert', 'icon login-error-icon'),
        el(
          'div',
          { class: 'login-error-text' },
          el('p', { class: 'login-error-title', text: loginErrorTitle(error) }),
          el('p', { class: 'login-error-message', text: error.message }),
        ),
      ),
      el('div', { class: 'modal-actions' }, close, retry),
    );
    this.#show('error');
  }

  /** "Try again": back to the form with what was typed, except secrets. */
  #retry(): void {
    if (this.#errorBack === 'providers' || !this.#provider) {
      void this.#showProviders();
      return;
    }
    for (const c of this.#controls) {
      if (c.field.secret && c.control instanceof HTMLInputElement) c.control.value = '';
    }
    this.#showForm(this.#provider);
  }

  #connected(connection: ConnectionView): void {
    this.#close();
    toast(`Connected ${connection.label}`);
    void this.#options.onConnected(connection);
  }
}

/** Opens the "Connect a bank" (or "Log in again") dialog. */
export function openConnectDialog(options: ConnectDialogOptions): ConnectDialog {
  const dialog = new ConnectDialog(options);
  dialog.open();
  return dialog;
}

/** Copies text to the clipboard; falls back to selecting `node` for Ctrl+C. */
async function copyText(text: string, node: HTMLElement): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Not allowed here: select it instead.
  }
  const selection = window.getSelection();
  if (selection) {
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
  }
  return false;
}
