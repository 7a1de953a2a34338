// "Connect a bank": pick a bank, fill in the form its descriptor declares, then log in the way
// its `login` says: in the system browser while the dialog waits for the bank's redirect
// (`oauth_loopback`, `hosted_page`), right here without a browser (`credentials`), or not at all
// (`none`, the built-in banks). Also "Log in again" for an existing connection (renew mode:
// every field optional, saved values kept).
//
// Nothing here knows a bank: the list, the form, the way back and what each bank needs all come
// from `providers()`. The backend opens the browser itself (`connect_begin`) and
// `connect_finish` resolves once the login completed; the login URL never comes to the UI.

import {
  toApiError,
  type Api,
  type ConnectionView,
  type CredentialField,
  type LoginStarted,
  type ProviderInfo,
} from '../api';
import type { ApiError } from '../generated/api';
import { bankLogo } from '../bank-logo';
import { append, clear, el, icon } from '../dom';
import { toast } from '../toast';
import { CataloguePicker } from './catalogue-picker';
import { Modal } from './modal';

// ---------------------------------------------------------------- pure helpers (unit-tested)

/** The field holding the loopback port the redirect URI's `{port}` stands for. */
export function portField(fields: CredentialField[]): CredentialField | null {
  return fields.find((f) => f.input === 'port') ?? null;
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

/** A bank built into Coffer: no login, nothing to fill in. */
export function isBuiltIn(provider: ProviderInfo): boolean {
  return provider.login === 'none';
}

/** The line under a bank's name in the list: how connecting it goes. */
export function loginHint(provider: ProviderInfo): string {
  switch (provider.login) {
    case 'none':
      return 'No login needed';
    case 'credentials':
      return 'Log in here with your bank username and password';
    case 'oauth_loopback':
    case 'hosted_page':
      return 'Log in through your browser';
  }
}

/** What the form's button says, and what it says while the login starts. */
export function submitLabels(provider: ProviderInfo): { idle: string; busy: string } {
  return provider.login === 'credentials'
    ? { idle: 'Connect', busy: 'Logging in…' }
    : { idle: 'Log in in browser', busy: 'Opening your browser…' };
}

export interface FieldProblem {
  key: string;
  message: string;
}

/**
 * What stops a form from being sent. A new connection needs every required field; a renewal
 * needs nothing (an empty field keeps the saved value). A port must be a port number, a choice
 * one of its choices.
 */
export function validateLogin(fields: CredentialField[], values: Record<string, string>, renew: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const f of fields) {
    const value = (values[f.key] ?? '').trim();
    if (value === '') {
      if (f.required && !renew) problems.push({ key: f.key, message: `${f.label} is required.` });
      continue;
    }
    if (f.input === 'port') {
      const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
      if (!(n >= 1 && n <= 65535)) {
        problems.push({ key: f.key, message: `${f.label} must be a port number from 1 to 65535.` });
      }
    } else if (f.input === 'choice' && !f.choices.some((c) => c.value === value)) {
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

/**
 * How the browser comes back, from what the backend answered (not from what was asked: a bank
 * whose callback carries a secret always comes back through the loopback listener).
 */
export function wayBack(started: LoginStarted): { label: string; uri: string } | null {
  const uri = started.redirect_uri;
  if (uri === '') return null;
  if (/^https?:/i.test(uri)) return { label: 'Listening on', uri };
  return { label: 'Waiting for the bank to open', uri };
}

/** Connects a built-in bank: a login with nothing to fill in, finished at once. */
export async function connectBuiltIn(api: Api, provider: ProviderInfo): Promise<ConnectionView> {
  const started = await api.connectBegin({ provider: provider.id, fields: {}, connection: null, callback: 'loopback' });
  return api.connectFinish(started.login_id);
}

// ---------------------------------------------------------------- the dialog

export interface ConnectDialogOptions {
  api: Api;
  /** A login finished (or a built-in bank was set up); the dialog is already closed. */
  onConnected: (connection: ConnectionView) => void | Promise<void>;
  /** The dialog closed, whatever the outcome. */
  onClosed?: () => void;
  /** Log in again to this connection with this provider (skips the provider step). */
  renew?: { connection: ConnectionView; provider: ProviderInfo };
  /** The connections there are: a built-in bank already connected is not offered again. */
  connections?: ConnectionView[];
  /** Providers already loaded; asked from the backend otherwise. */
  providers?: ProviderInfo[];
  /** Quiet time before a catalogue search runs, ms. */
  searchDelayMs?: number;
}

type Step = 'providers' | 'form' | 'working' | 'waiting' | 'error';

interface FieldControl {
  field: CredentialField;
  /** The `.form-field` block: label, control, help, error. */
  wrapper: HTMLElement;
  control: HTMLInputElement | HTMLSelectElement;
  picker: CataloguePicker | null;
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
  /** Credentials logins: the "I understand" box that must be ticked first. */
  #consent: HTMLInputElement | null = null;
  /** Credentials logins: where a failed login is told, inside the form. */
  #formError: HTMLElement | null = null;
  #busy = false;
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
    const connected = this.#options.connections ?? [];
    const list = el('ul', { class: 'provider-list', attrs: { 'aria-label': 'Banks' } });
    for (const p of providers) {
      // A built-in bank has one connection at most: once there, it is not offered again.
      if (isBuiltIn(p) && connected.some((c) => c.provider === p.id && c.status !== 'disabled')) continue;
      const card = this.#providerCard(p);
      card.addEventListener('click', () => (isBuiltIn(p) ? void this.#connectBuiltIn(p) : this.#showForm(p)));
      list.appendChild(el('li', {}, card));
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

  #providerCard(p: ProviderInfo): HTMLButtonElement {
    return el(
      'button',
      {
        class: 'provider-card',
        attrs: { type: 'button', 'data-testid': `provider-${p.id}` },
        data: { provider: p.id, login: p.login },
      },
      bankLogo(p, 'provider-mark'),
      el(
        'span',
        { class: 'provider-text' },
        el('span', { class: 'provider-name', text: p.name }),
        el('span', { class: 'provider-summary', text: p.summary }),
        el('span', { class: 'provider-hint', text: loginHint(p) }),
      ),
      icon('chevron', 'icon provider-go'),
    );
  }

  async #connectBuiltIn(provider: ProviderInfo): Promise<void> {
    const attempt = ++this.#attempt;
    this.#provider = provider;
    this.#showWorking(`Setting up ${provider.name}…`, false);
    try {
      const connection = await connectBuiltIn(this.#api, provider);
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
    this.#consent = null;
    const renew = this.#renew !== undefined;
    const root = this.#steps.form;
    clear(root);

    const form = el('form', {
      class: 'connect-form',
      attrs: { novalidate: true, 'data-provider': provider.id, 'data-login': provider.login },
    });
    const intro = renew
      ? 'Log in at the bank again to renew Coffer’s access. Leave a field empty to keep the saved value.'
      : provider.summary;
    form.appendChild(
      el(
        'div',
        { class: 'connect-form-head' },
        bankLogo(provider, 'provider-mark'),
        el('p', { class: 'modal-text muted', text: intro }),
      ),
    );

    for (const field of provider.fields) {
      const control = this.#fieldControl(provider, field, renew);
      this.#controls.push(control);
      form.appendChild(control.wrapper);
      if (field.input === 'port' && provider.redirect_uri_template) {
        form.appendChild(this.#redirectBox(provider.redirect_uri_template));
      }
    }
    const first = this.#controls[0];
    if (first) (first.picker?.input ?? first.control).setAttribute('data-autofocus', '');
    // A redirect URI with no port field to fill in: shown as it is.
    if (provider.redirect_uri_template && !portField(provider.fields)) {
      form.appendChild(this.#redirectBox(provider.redirect_uri_template));
    }

    if (provider.login === 'credentials') form.appendChild(this.#storageConsent(provider));

    this.#formError = el('div', { class: 'form-login-error', attrs: { hidden: true } });
    form.appendChild(this.#formError);

    const back = el('button', {
      class: 'button secondary',
      text: renew ? 'Cancel' : 'Back',
      attrs: { type: 'button', 'data-testid': renew ? 'connect-cancel' : 'connect-back' },
    });
    back.addEventListener('click', () => (renew ? this.cancel() : void this.#showProviders()));
    this.#submit = el(
      'button',
      { class: 'button primary', attrs: { type: 'submit', 'data-testid': 'login-submit' } },
      el('span', { text: submitLabels(provider).idle }),
    );
    form.appendChild(el('div', { class: 'modal-actions' }, back, this.#submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#begin();
    });
    root.appendChild(form);
    this.#updateRedirectUri();
    this.#updateSubmit();
  }

  /** What a credentials login stores and why, and the box that says the user agrees. */
  #storageConsent(provider: ProviderInfo): HTMLElement {
    const id = `${this.#uid}-consent`;
    const warningId = `${id}-warning`;
    this.#consent = el('input', {
      id,
      attrs: { type: 'checkbox', 'data-testid': 'storage-consent', 'aria-describedby': warningId },
    });
    this.#consent.addEventListener('change', () => this.#updateSubmit());
    return el(
      'div',
      { class: 'storage-warning', attrs: { 'data-testid': 'storage-warning' } },
      el(
        'div',
        { class: 'storage-warning-text' },
        icon('lock', 'icon storage-warning-icon'),
        el('p', {
          id: warningId,
          text: provider.storage_warning ?? `Coffer stores your ${provider.name} login on this computer, sealed in its vault.`,
        }),
      ),
      el('label', { class: 'check-label', attrs: { for: id } }, this.#consent, el('span', { text: 'I understand what Coffer stores and why' })),
    );
  }

  #fieldControl(provider: ProviderInfo, field: CredentialField, renew: boolean): FieldControl {
    const id = `${this.#uid}-${field.key}`;
    const helpId = `${id}-help`;
    const errorId = `${id}-error`;
    const describedBy = field.help || (renew && field.secret) ? `${helpId} ${errorId}` : errorId;
    const required = field.required && !renew;
    const keepHint = renew ? (field.secret ? 'Leave empty to keep the saved one' : 'Leave empty to keep the saved value') : '';
    let control: HTMLInputElement | HTMLSelectElement;
    let picker: CataloguePicker | null = null;
    let box: HTMLElement;

    switch (field.input) {
      case 'catalogue': {
        const noun = field.label.toLowerCase();
        picker = new CataloguePicker({
          api: this.#api,
          provider: provider.id,
          field: field.key,
          noun,
          id,
          describedBy,
          delayMs: this.#options.searchDelayMs ?? 250,
          placeholder: keepHint || `Search for your ${noun} by name`,
          onChange: () => this.#clearError(field.key),
        });
        if (!renew && field.default_value) picker.setText(field.default_value);
        control = picker.input;
        box = picker.element;
        break;
      }
      case 'choice': {
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
        for (const c of field.choices) {
          select.appendChild(el('option', { attrs: { value: c.value }, text: c.detail ? `${c.label} — ${c.detail}` : c.label }));
        }
        select.value = !renew && field.default_value ? field.default_value : '';
        control = select;
        box = select;
        break;
      }
      case 'text':
      case 'secret':
      case 'port': {
        const masked = field.input === 'secret';
        const input = el('input', {
          id,
          class: 'form-control',
          attrs: {
            type: masked ? 'password' : 'text',
            name: field.key,
            autocomplete: masked ? 'new-password' : 'off',
            spellcheck: 'false',
            'aria-describedby': describedBy,
            'data-testid': `field-${field.key}`,
            placeholder: keepHint || null,
            inputmode: field.input === 'port' ? 'numeric' : null,
          },
        });
        if (!renew && field.default_value) input.value = field.default_value;
        control = input;
        box = input;
        break;
      }
    }
    if (required) control.setAttribute('aria-required', 'true');
    control.addEventListener('input', () => {
      this.#clearError(field.key);
      if (field.input === 'port') this.#updateRedirectUri();
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
      { class: `form-field${field.secret ? ' secret' : ''}`, data: { field: field.key, input: field.input } },
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

  /** The button: disabled while busy, and for credentials until the storage is agreed to. */
  #updateSubmit(): void {
    if (!this.#submit || !this.#provider) return;
    const agreed = this.#consent === null || this.#consent.checked;
    this.#submit.disabled = this.#busy || !agreed;
    this.#submit.classList.toggle('busy', this.#busy);
  }

  #setBusy(busy: boolean, text?: string): void {
    this.#busy = busy;
    this.#updateSubmit();
    const label = this.#submit?.querySelector('span');
    if (label && this.#provider) label.textContent = busy ? (text ?? submitLabels(this.#provider).busy) : submitLabels(this.#provider).idle;
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

  #showFormError(error: ApiError | null): void {
    const box = this.#formError;
    if (!box) return;
    clear(box);
    box.hidden = error === null;
    if (error) box.appendChild(loginErrorNode(error));
  }

  // ------------------------------------------------------------ step 3: log in

  async #begin(): Promise<void> {
    const provider = this.#provider;
    if (!provider || this.#step !== 'form' || this.#busy || this.#submit?.disabled) return;
    const attempt = ++this.#attempt;
    this.#showFormError(null);

    // Text typed into a catalogue field before the catalogue arrived is resolved first: what
    // is sent is what the field then shows as selected.
    const pending = this.#controls.filter((c) => c.picker?.pending);
    if (pending.length > 0) {
      this.#setBusy(true, `Looking up the ${pending[0]!.field.label.toLowerCase()}…`);
      await Promise.all(pending.map((c) => c.picker?.settled()));
      if (attempt !== this.#attempt || this.#closed) return;
      this.#setBusy(false);
    }

    const values = this.#values();
    // Text in a catalogue field that names no entry: say that, rather than "required".
    const unmatched = new Set(this.#controls.filter((c) => c.picker?.hasUnmatchedText).map((c) => c.field.key));
    const problems = validateLogin(provider.fields, values, this.#renew !== undefined).filter((p) => !unmatched.has(p.key));
    for (const c of this.#controls) {
      if (unmatched.has(c.field.key)) {
        problems.push({ key: c.field.key, message: `Choose one of the listed options for ${c.field.label}.` });
      }
    }
    if (problems.length > 0) {
      this.#showProblems(problems);
      return;
    }
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
      this.#failed(provider, toApiError(error));
      return;
    }
    if (attempt !== this.#attempt || this.#closed) {
      // Cancelled while the login was being set up: stop it at the backend.
      void this.#api.connectCancel(started.login_id).catch(() => undefined);
      return;
    }
    this.#setBusy(false);
    this.#login = started;
    if (started.opens_browser) this.#showWaiting(provider, started);
    else this.#showWorking(`Logging in to ${provider.name}…`, true);
    try {
      const connection = await this.#api.connectFinish(started.login_id);
      if (attempt !== this.#attempt || this.#closed) return;
      this.#login = null;
      this.#connected(connection);
    } catch (error) {
      if (attempt !== this.#attempt || this.#closed) return;
      this.#login = null;
      this.#failed(provider, toApiError(error));
    }
  }

  /**
   * A login that failed: a credentials login says so inside the form (the user fixes a typo
   * and tries again), a browser login on its own page.
   */
  #failed(provider: ProviderInfo, error: ApiError): void {
    if (provider.login === 'credentials') {
      this.#clearSecrets();
      this.#showForm(provider);
      this.#showFormError(error);
      // What must be typed again: the (cleared) password.
      this.#controls.find((c) => c.field.input === 'secret')?.control.focus();
      return;
    }
    this.#showError(error, 'form');
  }

  /** A spinner and what is happening; with a Cancel button when a login can be cancelled. */
  #showWorking(title: string, cancellable: boolean): void {
    const root = this.#steps.working;
    clear(root);
    let cancel: HTMLButtonElement | null = null;
    if (cancellable) {
      cancel = el('button', {
        class: 'button secondary',
        text: 'Cancel',
        attrs: { type: 'button', 'data-testid': 'login-cancel', 'data-autofocus': true },
      });
      cancel.addEventListener('click', () => this.cancel());
    }
    root.appendChild(
      el(
        'div',
        { class: 'connect-waiting', attrs: { 'data-testid': 'login-working', role: 'status', 'aria-live': 'polite' } },
        el('span', { class: 'spinner large', attrs: { 'aria-hidden': 'true' } }),
        el('p', { class: 'waiting-title', text: title }),
        cancel && el('div', { class: 'modal-actions center' }, cancel),
      ),
    );
    this.#show('working');
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
    const back = wayBack(started);
    root.appendChild(
      el(
        'div',
        { class: 'connect-waiting', attrs: { 'data-testid': 'login-waiting', role: 'status', 'aria-live': 'polite' } },
        el('span', { class: 'spinner large', attrs: { 'aria-hidden': 'true' } }),
        el('p', { class: 'waiting-title', text: 'Finish logging in in your browser…' }),
        el('p', {
          class: 'modal-text muted',
          text: `Coffer opened ${provider.name}’s login page in your web browser. When you have approved access there, the bank sends you back to Coffer.`,
        }),
        back &&
          el(
            'div',
            { class: 'waiting-uri' },
            el('span', { class: 'form-label', text: back.label }),
            el('code', { class: 'code-box', attrs: { 'data-testid': 'login-redirect-uri' }, text: back.uri }),
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
    root.append(loginErrorNode(error), el('div', { class: 'modal-actions' }, close, retry));
    this.#show('error');
  }

  #clearSecrets(): void {
    for (const c of this.#controls) {
      if (c.field.input === 'secret' && c.control instanceof HTMLInputElement) c.control.value = '';
    }
  }

  /** "Try again": back to the form with what was typed, except masked secrets. */
  #retry(): void {
    if (this.#errorBack === 'providers' || !this.#provider) {
      void this.#showProviders();
      return;
    }
    this.#clearSecrets();
    this.#showForm(this.#provider);
  }

  #connected(connection: ConnectionView): void {
    this.#close();
    toast(`Connected ${connection.label}`);
    void this.#options.onConnected(connection);
  }
}

/** A failed login: a heading by its code and the backend's own message, in full. */
function loginErrorNode(error: ApiError): HTMLElement {
  return el(
    'div',
    { class: 'login-error', attrs: { 'data-testid': 'login-error', role: 'alert' }, data: { code: error.code } },
    icon('alert', 'icon login-error-icon'),
    el(
      'div',
      { class: 'login-error-text' },
      el('p', { class: 'login-error-title', text: loginErrorTitle(error) }),
      el('p', { class: 'login-error-message', text: error.message }),
    ),
  );
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
