// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api, type CatalogueEntry, type ConnectionView, type LoginStarted, type Operation } from '../api';
import { FakeTransport, deferred, settle, type Deferred, type Handler } from '../testing/fake-transport';
import { connection, demo, finsify, nordlys, sparebank1 } from '../testing/fixtures';
import { fillRedirectUri, loginHint, openConnectDialog, validateLogin, wayBack, type ConnectDialogOptions } from './connect-dialog';

const byTestId = <T extends HTMLElement = HTMLElement>(id: string): T | null =>
  document.querySelector<T>(`[data-testid="${id}"]`);

function must<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = byTestId<T>(id);
  if (!node) throw new Error(`no [data-testid="${id}"]`);
  return node;
}

function type(id: string, value: string): void {
  const control = must<HTMLInputElement | HTMLSelectElement>(id);
  control.value = value;
  control.dispatchEvent(new Event('input', { bubbles: true }));
  control.dispatchEvent(new Event('change', { bubbles: true }));
}

function visible(node: HTMLElement | null): boolean {
  return node !== null && node.isConnected && node.closest('[hidden]') === null;
}

type Handlers = Partial<Record<Operation, Handler>>;

function setup(handlers: Handlers = {}, options: Partial<ConnectDialogOptions> = {}, name: 'http' | 'tauri' = 'http') {
  const transport = new FakeTransport({ providers: () => [sparebank1, finsify, nordlys, demo], ...handlers }, name);
  const api = new Api(transport);
  const onConnected = vi.fn<(c: ConnectionView) => void>();
  const dialog = openConnectDialog({ api, onConnected, searchDelayMs: 0, ...options });
  return { transport, api, dialog, onConnected };
}

const started: LoginStarted = {
  login_id: 42,
  provider: 'sparebank1',
  redirect_uri: 'http://127.0.0.1:8321/callback/sparebank1',
  opens_browser: true,
};

async function fillSpareBank1(): Promise<void> {
  must('provider-sparebank1').click();
  type('field-client_id', 'my-app');
  type('field-client_secret', 's3cret');
  type('field-fin_inst', 'fid-snn');
}

beforeEach(() => {
  document.body.innerHTML = '<div id="app"><button id="opener">Open</button></div>';
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('connect dialog: the list of banks', () => {
  it('is a modal dialog listing every bank the backend knows, first one focused', async () => {
    setup();
    await settle();
    const panel = document.querySelector<HTMLElement>('[role="dialog"]')!;
    expect(panel.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(panel.getAttribute('aria-labelledby')!)?.textContent).toBe('Connect a bank');
    const cards = Array.from(document.querySelectorAll<HTMLElement>('.provider-card'));
    expect(cards.map((c) => c.dataset['provider'])).toEqual(['sparebank1', 'finsify', 'nordlys', 'demo']);
    expect(cards.map((c) => c.querySelector('.provider-name')!.textContent)).toEqual([
      'SpareBank 1',
      'Finsify',
      'Nordlys Sparebank',
      'Demo Bank',
    ]);
    expect(cards.map((c) => c.querySelector('.provider-hint')!.textContent)).toEqual([
      'Log in through your browser',
      'Log in through your browser',
      'Log in here with your bank username and password',
      'No login needed',
    ]);
    expect(document.activeElement).toBe(byTestId('provider-sparebank1'));
    // The page behind cannot be reached.
    expect(document.getElementById('app')!.hasAttribute('inert')).toBe(true);
  });

  it('shows each bank’s logo as an image, never as parsed markup', async () => {
    const hostile = { ...sparebank1, logo_svg: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' };
    setup({ providers: () => [hostile] });
    await settle();
    const mark = must('provider-sparebank1').querySelector('.provider-mark')!;
    const img = mark.querySelector('img')!;
    expect(img.getAttribute('src')!.startsWith('data:image/svg+xml;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(img.getAttribute('src')!.split(',')[1]!)).toBe(hostile.logo_svg);
    expect(img.getAttribute('alt')).toBe('');
    expect(mark.querySelector('svg, script')).toBeNull();
  });

  it('connects a built-in bank like any other: connect_begin, then connect_finish', async () => {
    const made = connection({ id: 3, provider: 'demo', provider_name: 'Demo Bank', label: 'Demo Bank' });
    const { transport, onConnected } = setup({
      connect_begin: () => ({ login_id: 11, provider: 'demo', redirect_uri: '', opens_browser: false }),
      connect_finish: () => made,
    });
    await settle();
    must('provider-demo').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toEqual([
      { request: { provider: 'demo', fields: {}, connection: null, callback: 'loopback' } },
    ]);
    expect(transport.argsOf('connect_finish')).toEqual([{ login_id: 11 }]);
    expect(onConnected).toHaveBeenCalledWith(made);
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    expect(document.getElementById('toast')?.textContent).toContain('Connected Demo Bank');
  });

  it('does not offer a built-in bank that is already connected', async () => {
    setup({}, { connections: [connection({ id: 1, provider: 'demo', provider_name: 'Demo Bank', label: 'Demo Bank' })] });
    await settle();
    expect(byTestId('provider-demo')).toBeNull();
    expect(byTestId('provider-sparebank1')).not.toBeNull();
  });

  it('says why the list is empty when providers() fails', async () => {
    setup({
      providers: () => {
        throw { code: 'internal', message: 'the registry is gone' };
      },
    });
    await settle();
    expect(document.querySelector('[role="alert"]')!.textContent).toContain('the registry is gone');
  });

  it('words each kind of login', () => {
    expect(loginHint({ ...finsify, login: 'hosted_page' })).toBe('Log in through your browser');
    expect(loginHint(nordlys)).toContain('username and password');
  });
});

describe('connect dialog: the form', () => {
  it('renders each field by its input kind: text, secret as password, choice as select, port with the redirect URI', async () => {
    setup();
    await settle();
    must('provider-sparebank1').click();

    const clientId = must<HTMLInputElement>('field-client_id');
    expect(clientId.tagName).toBe('INPUT');
    expect(clientId.type).toBe('text');
    expect(document.querySelector(`label[for="${clientId.id}"]`)?.textContent).toContain('Client ID');

    const secret = must<HTMLInputElement>('field-client_secret');
    expect(secret.type).toBe('password');

    const bank = must<HTMLSelectElement>('field-fin_inst');
    expect(bank.tagName).toBe('SELECT');
    expect(Array.from(bank.options).map((o) => o.value)).toEqual(['', 'fid-smn', 'fid-snn', 'fid-sr-bank']);
    // Not required: the empty choice leaves it to the bank's login page.
    expect(bank.options[0]!.textContent).toBe('Choose on the login page');

    // Each field's help is under it and describes the control.
    const help = bank.closest('.form-field')!.querySelector('.form-help')!;
    expect(help.textContent).toBe('Which SpareBank 1 bank you use.');
    expect(bank.getAttribute('aria-describedby')).toContain(help.id);

    const port = must<HTMLInputElement>('field-redirect_port');
    expect(port.value).toBe('8321');
    expect(port.inputMode).toBe('numeric');
    expect(must('redirect-uri').textContent).toBe('http://127.0.0.1:8321/callback/sparebank1');
    expect(document.activeElement).toBe(clientId);
    expect(must('login-submit').textContent).toBe('Log in in browser');
  });

  it('shows the redirect URI to register, following the port field live', async () => {
    setup();
    await settle();
    must('provider-sparebank1').click();
    type('field-redirect_port', '9000');
    expect(must('redirect-uri').textContent).toBe('http://127.0.0.1:9000/callback/sparebank1');
    type('field-redirect_port', '');
    // Empty: the default port is what will be used.
    expect(must('redirect-uri').textContent).toBe('http://127.0.0.1:8321/callback/sparebank1');
  });

  it('copies the redirect URI and says so', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    setup();
    await settle();
    must('provider-sparebank1').click();
    type('field-redirect_port', '8400');
    must('copy-redirect-uri').click();
    await settle();
    expect(writeText).toHaveBeenCalledWith('http://127.0.0.1:8400/callback/sparebank1');
    expect(must('copy-redirect-uri').textContent).toBe('Copied');
  });

  it('blocks submitting while a required field is empty and names the field', async () => {
    const { transport } = setup({ connect_begin: () => started });
    await settle();
    must('provider-sparebank1').click();
    type('field-client_secret', 's3cret');
    must('login-submit').click();
    await settle();

    expect(transport.argsOf('connect_begin')).toHaveLength(0);
    const clientId = must<HTMLInputElement>('field-client_id');
    const error = clientId.closest('.form-field')!.querySelector<HTMLElement>('.form-error')!;
    expect(visible(error)).toBe(true);
    expect(error.textContent).toBe('Client ID is required.');
    expect(clientId.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(clientId);
    // The secret was given: no message there.
    expect(visible(must('field-client_secret').closest('.form-field')!.querySelector<HTMLElement>('.form-error'))).toBe(false);

    // Typing clears the message.
    type('field-client_id', 'my-app');
    expect(visible(error)).toBe(false);
  });

  it('checks ports by the field’s kind and choices against their list', () => {
    const values = { client_id: 'a', client_secret: 'b', redirect_port: '70000' };
    expect(validateLogin(sparebank1.fields, values, false)).toEqual([
      { key: 'redirect_port', message: 'Redirect port must be a port number from 1 to 65535.' },
    ]);
    expect(validateLogin(sparebank1.fields, { ...values, redirect_port: '8321' }, false)).toEqual([]);
    expect(validateLogin(sparebank1.fields, { ...values, redirect_port: '8321', fin_inst: 'fid-nowhere' }, false)).toEqual([
      { key: 'fin_inst', message: 'Choose one of the listed options for Bank.' },
    ]);
    // Renewing: nothing is required.
    expect(validateLogin(sparebank1.fields, {}, true)).toEqual([]);
    expect(fillRedirectUri('http://127.0.0.1:{port}/cb', '8400')).toBe('http://127.0.0.1:8400/cb');
  });
});

describe('connect dialog: logging in in the browser', () => {
  it('sends the login request, then waits with the redirect URI and a Cancel that calls connect_cancel', async () => {
    const finish = deferred<ConnectionView>();
    const { transport, onConnected } = setup({
      connect_begin: () => started,
      connect_finish: () => finish.promise,
      connect_cancel: () => null,
    });
    await settle();
    await fillSpareBank1();
    must('login-submit').click();
    await settle();

    expect(transport.argsOf('connect_begin')).toEqual([
      {
        request: {
          provider: 'sparebank1',
          fields: { client_id: 'my-app', client_secret: 's3cret', fin_inst: 'fid-snn', redirect_port: '8321' },
          connection: null,
          callback: 'loopback',
        },
      },
    ]);
    expect(transport.argsOf('connect_finish')).toEqual([{ login_id: 42 }]);
    const waiting = must('login-waiting');
    expect(visible(waiting)).toBe(true);
    expect(waiting.textContent).toContain('Finish logging in in your browser');
    expect(must('login-redirect-uri').textContent).toBe('http://127.0.0.1:8321/callback/sparebank1');
    expect(document.activeElement).toBe(byTestId('login-cancel'));

    must('login-cancel').click();
    await settle();
    expect(transport.argsOf('connect_cancel')).toEqual([{ login_id: 42 }]);
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    // Focus goes back to where it was.
    expect(document.activeElement).toBe(document.body);

    // The backend then ends the pending finish: nothing more happens.
    finish.reject({ code: 'cancelled', message: 'The login was cancelled.' });
    await settle();
    expect(onConnected).not.toHaveBeenCalled();
  });

  it('Escape while waiting cancels the login too', async () => {
    const { transport } = setup({
      connect_begin: () => started,
      connect_finish: () => deferred<ConnectionView>().promise,
      connect_cancel: () => null,
    });
    await settle();
    await fillSpareBank1();
    must('login-submit').click();
    await settle();
    must('login-waiting').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();
    expect(transport.argsOf('connect_cancel')).toEqual([{ login_id: 42 }]);
    expect(document.querySelector('[role="dialog"]')).toBeNull();
  });

  it('closes with a toast and reports the connection when the bank redirected back', async () => {
    const made = connection({ id: 9, label: 'SpareBank 1 Nord-Norge' });
    const { onConnected } = setup({ connect_begin: () => started, connect_finish: () => made });
    await settle();
    await fillSpareBank1();
    must('login-submit').click();
    await settle();
    expect(onConnected).toHaveBeenCalledWith(made);
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    expect(document.getElementById('toast')?.textContent).toContain('Connected SpareBank 1 Nord-Norge');
  });

  it('shows a failed login in the dialog; Try again keeps the values except secrets', async () => {
    const { transport, onConnected } = setup({
      connect_begin: () => started,
      connect_finish: () => {
        throw { code: 'login', message: 'The bank refused the login: invalid_client.' };
      },
    });
    await settle();
    await fillSpareBank1();
    must('login-submit').click();
    await settle();

    const error = must('login-error');
    expect(visible(error)).toBe(true);
    expect(error.textContent).toContain('The bank refused the login: invalid_client.');
    expect(onConnected).not.toHaveBeenCalled();

    must('login-retry').click();
    expect(visible(must('field-client_id'))).toBe(true);
    expect(must<HTMLInputElement>('field-client_id').value).toBe('my-app');
    expect(must<HTMLSelectElement>('field-fin_inst').value).toBe('fid-snn');
    expect(must<HTMLInputElement>('field-client_secret').value).toBe('');
    expect(transport.argsOf('connect_cancel')).toHaveLength(0);
  });

  it('shows an error of connect_begin the same way', async () => {
    setup({
      connect_begin: () => {
        throw { code: 'keychain_unavailable', message: 'No Secret Service is running.' };
      },
    });
    await settle();
    await fillSpareBank1();
    must('login-submit').click();
    await settle();
    expect(must('login-error').textContent).toContain('No Secret Service is running.');
    expect(must('login-error').textContent).toContain('Coffer cannot store the login');
  });

  it('says how the bank comes back from what the backend answered, not from what was asked', () => {
    const asked = { login_id: 1, provider: 'finsify', opens_browser: true };
    expect(wayBack({ ...asked, redirect_uri: 'http://127.0.0.1:40123/callback/finsify' })).toEqual({
      label: 'Listening on',
      uri: 'http://127.0.0.1:40123/callback/finsify',
    });
    expect(wayBack({ ...asked, redirect_uri: 'coffer://callback/finsify' })?.label).toBe('Waiting for the bank to open');
    expect(wayBack({ ...asked, redirect_uri: '' })).toBeNull();
  });
});

describe('connect dialog: a username-and-password login', () => {
  async function openNordlys(handlers: Handlers = {}) {
    const s = setup(handlers);
    await settle();
    must('provider-nordlys').click();
    return s;
  }

  it('shows what is stored and why, and enables Connect only once that is understood', async () => {
    await openNordlys();
    const warning = must('storage-warning');
    expect(visible(warning)).toBe(true);
    expect(warning.textContent).toContain(nordlys.storage_warning!);
    const consent = must<HTMLInputElement>('storage-consent');
    expect(consent.type).toBe('checkbox');
    expect(document.querySelector(`label[for="${consent.id}"]`)?.textContent).toContain('I understand');
    const submit = must<HTMLButtonElement>('login-submit');
    expect(submit.textContent).toBe('Connect');
    expect(submit.disabled).toBe(true);
    consent.click();
    expect(submit.disabled).toBe(false);
    consent.click();
    expect(submit.disabled).toBe(true);
    // A sealed username is shown in the clear; the password is masked.
    expect(must<HTMLInputElement>('field-username').type).toBe('text');
    expect(must<HTMLInputElement>('field-password').type).toBe('password');
  });

  it('logs in without a browser: “Logging in…”, then connected', async () => {
    const finish = deferred<ConnectionView>();
    const { transport, onConnected } = await openNordlys({
      connect_begin: () => ({ login_id: 5, provider: 'nordlys', redirect_uri: '', opens_browser: false }),
      connect_finish: () => finish.promise,
    });
    type('field-username', 'kari');
    type('field-password', 'hunter2');
    must<HTMLInputElement>('storage-consent').click();
    must('login-submit').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toEqual([
      { request: { provider: 'nordlys', fields: { username: 'kari', password: 'hunter2' }, connection: null, callback: 'loopback' } },
    ]);
    expect(byTestId('login-waiting')).toBeNull();
    const working = must('login-working');
    expect(visible(working)).toBe(true);
    expect(working.textContent).toContain('Logging in to Nordlys Sparebank…');
    expect(working.textContent).not.toContain('browser');

    const made = connection({ id: 4, provider: 'nordlys', provider_name: 'Nordlys Sparebank', label: 'Nordlys Sparebank' });
    finish.resolve(made);
    await settle();
    expect(onConnected).toHaveBeenCalledWith(made);
  });

  it('shows a refused login inline in the form, keeping the username and clearing the password', async () => {
    const { onConnected } = await openNordlys({
      connect_begin: () => ({ login_id: 5, provider: 'nordlys', redirect_uri: '', opens_browser: false }),
      connect_finish: () => {
        throw { code: 'login', message: 'Wrong username or password.' };
      },
    });
    type('field-username', 'kari');
    type('field-password', 'wrong');
    must<HTMLInputElement>('storage-consent').click();
    must('login-submit').click();
    await settle();

    const form = document.querySelector<HTMLElement>('form.connect-form')!;
    expect(visible(form)).toBe(true);
    const error = must('login-error');
    expect(form.contains(error)).toBe(true);
    expect(visible(error)).toBe(true);
    expect(error.textContent).toContain('Wrong username or password.');
    expect(must<HTMLInputElement>('field-username').value).toBe('kari');
    expect(must<HTMLInputElement>('field-password').value).toBe('');
    expect(document.activeElement).toBe(byTestId('field-password'));
    expect(onConnected).not.toHaveBeenCalled();
    // Still agreed: typing the password again is enough.
    expect(must<HTMLButtonElement>('login-submit').disabled).toBe(false);
  });
});

describe('connect dialog: a catalogue field', () => {
  const catalogue: CatalogueEntry[] = [
    { value: '2', label: 'ACB', detail: 'VN · bank', logo_url: null },
    { value: '8', label: 'Techcombank', detail: 'VN · bank', logo_url: 'https://assets.example/tcb.png' },
    { value: '10', label: 'Vietcombank', detail: 'VN · bank', logo_url: null },
    { value: '26', label: 'TPBank', detail: 'VN · bank', logo_url: null },
    { value: '264', label: 'Timo Plus', detail: 'VN · bank', logo_url: null },
  ];
  const matching = (query: unknown) =>
    catalogue.filter((e) => query === null || e.label.toLowerCase().includes(String(query).toLowerCase()));

  /** bank_catalogue answers held until the test releases them, one deferred per call. */
  function heldCatalogue() {
    const calls: Array<{ query: string | null; answer: Deferred<CatalogueEntry[]> }> = [];
    const handler: Handler = (args) => {
      const answer = deferred<CatalogueEntry[]>();
      calls.push({ query: (args['query'] as string | null) ?? null, answer });
      return answer.promise;
    };
    const release = (query: string | null) => {
      for (const c of calls.filter((x) => x.query === query)) c.answer.resolve(matching(query));
    };
    return { calls, handler, release };
  }

  async function openFinsify(handlers: Handlers, name: 'http' | 'tauri' = 'http') {
    const s = setup(
      {
        connect_begin: () => ({ login_id: 7, provider: 'finsify', redirect_uri: 'http://127.0.0.1:40123/callback/finsify', opens_browser: true }),
        connect_finish: () => deferred<ConnectionView>().promise,
        ...handlers,
      },
      {},
      name,
    );
    await settle();
    must('provider-finsify').click();
    type('field-client_id', 'app');
    type('field-service_secret', 'shh');
    return s;
  }

  const chosen = () => must('catalogue-chosen');
  const options = () => Array.from(document.querySelectorAll<HTMLElement>('[data-testid="catalogue-option"]'));
  const sentServiceIds = (transport: FakeTransport) =>
    transport.argsOf('connect_begin').map((a) => (a['request'] as { fields: Record<string, string> }).fields['service_id']);

  it('picks the bank from a search of bank_catalogue and sends its value', async () => {
    const { transport } = await openFinsify({ bank_catalogue: (args) => matching(args['query']) });
    must('field-service_id').focus();
    type('field-service_id', 'vietcom');
    await settle();
    expect(transport.argsOf('bank_catalogue').at(-1)).toEqual({ provider: 'finsify', field: 'service_id', query: 'vietcom' });
    expect(options().map((o) => o.textContent)).toEqual(['VietcombankVN · bank']);
    // Remote logos of catalogue entries are not loaded.
    expect(document.querySelector('[data-testid="catalogue-option"] img')).toBeNull();
    options()[0]!.click();
    expect(chosen().textContent).toBe('Selected: Vietcombank · VN · bank · 10');
    expect(must<HTMLInputElement>('field-service_id').value).toBe('Vietcombank');

    must('login-submit').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toEqual([
      {
        request: {
          provider: 'finsify',
          fields: { client_id: 'app', service_secret: 'shh', service_id: '10' },
          connection: null,
          callback: 'loopback',
        },
      },
    ]);
  });

  it('a value typed before the catalogue arrives is kept, resolved when it arrives, and is what is sent', async () => {
    const held = heldCatalogue();
    const { transport } = await openFinsify({ bank_catalogue: held.handler });
    const box = must<HTMLInputElement>('field-service_id');
    box.focus();
    await settle();
    type('field-service_id', '8');
    await settle();
    // Nothing is selected yet, and the field says it is looking the value up.
    expect(visible(chosen())).toBe(false);
    expect(must('catalogue-status').textContent).toContain('Loading the list of banks to look up “8”');

    // Connect before the catalogue is there: the dialog waits, sending nothing yet.
    must('login-submit').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toHaveLength(0);
    expect(must('login-submit').textContent).toBe('Looking up the bank…');

    // The search for "8" answers first (no name has an 8 in it), then the whole catalogue.
    held.release('8');
    await settle();
    expect(transport.argsOf('connect_begin')).toHaveLength(0);
    held.release(null);
    await settle();
    expect(chosen().textContent).toBe('Selected: Techcombank · VN · bank · 8');
    expect(chosen().dataset['value']).toBe('8');
    // The typed text is left as typed, and no list covers the form.
    expect(box.value).toBe('8');
    expect(options()).toHaveLength(0);
    expect(sentServiceIds(transport)).toEqual(['8']);
  });

  it('a catalogue that lands while the value is typed never selects another bank', async () => {
    // What happened on a fresh clone: the whole catalogue arrived while "8" was being typed.
    const held = heldCatalogue();
    const { transport } = await openFinsify({ bank_catalogue: held.handler });
    must<HTMLInputElement>('field-service_id').focus();
    await settle();
    // The list of every bank opens, then the value is typed.
    held.release(null);
    await settle();
    expect(options().length).toBe(catalogue.length);
    type('field-service_id', '8');
    await settle();
    expect(chosen().textContent).toBe('Selected: Techcombank · VN · bank · 8');
    expect(options()).toHaveLength(0);
    must('login-submit').click();
    await settle();
    expect(sentServiceIds(transport)).toEqual(['8']);
  });

  it('resolving while typing never stops at a shorter value (2 → 26 → 264)', async () => {
    const held = heldCatalogue();
    const { transport } = await openFinsify({ bank_catalogue: held.handler });
    must<HTMLInputElement>('field-service_id').focus();
    for (const text of ['2', '26', '264']) type('field-service_id', text);
    await settle();
    held.release(null);
    await settle();
    expect(chosen().textContent).toBe('Selected: Timo Plus · VN · bank · 264');
    expect(must<HTMLInputElement>('field-service_id').value).toBe('264');

    // Typed on after it resolved: the selection follows the text.
    type('field-service_id', '26');
    expect(chosen().textContent).toBe('Selected: TPBank · VN · bank · 26');
    must('login-submit').click();
    await settle();
    expect(sentServiceIds(transport)).toEqual(['26']);
  });

  it('an older search answering late never replaces the newer one', async () => {
    const held = heldCatalogue();
    await openFinsify({ bank_catalogue: held.handler });
    must<HTMLInputElement>('field-service_id').focus();
    held.release(null);
    await settle();
    type('field-service_id', 'tech');
    await settle();
    type('field-service_id', 'viet');
    await settle();
    held.release('viet');
    await settle();
    expect(options().map((o) => o.dataset['value'])).toEqual(['10']);
    held.release('tech');
    await settle();
    expect(options().map((o) => o.dataset['value'])).toEqual(['10']);
    expect(must('catalogue-status').textContent).toBe('1 bank matches.');
  });

  it('does not accept text that names no bank', async () => {
    const { transport } = await openFinsify({ bank_catalogue: (args) => matching(args['query']) });
    must('field-service_id').focus();
    type('field-service_id', 'nowhere');
    await settle();
    expect(must('catalogue-status').textContent).toBe('No bank matches “nowhere”.');
    must('login-submit').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toHaveLength(0);
    const error = must('field-service_id').closest('.form-field')!.querySelector('.form-error')!;
    expect(error.textContent).toBe('Choose one of the listed options for Bank.');
  });

  it('when the catalogue cannot be read, sends the typed value and says it is unchecked', async () => {
    const { transport } = await openFinsify({
      bank_catalogue: () => {
        throw { code: 'provider', message: 'the catalogue host is down' };
      },
    });
    must('field-service_id').focus();
    await settle();
    expect(must('catalogue-status').textContent).toContain('the catalogue host is down');
    type('field-service_id', '8');
    await settle();
    expect(chosen().textContent).toContain('Will send “8” as typed');
    must('login-submit').click();
    await settle();
    expect(sentServiceIds(transport)).toEqual(['8']);
  });

  it('asks for a deep link back in the desktop app, and the waiting text follows the backend’s answer', async () => {
    const { transport } = await openFinsify({ bank_catalogue: (args) => matching(args['query']) }, 'tauri');
    type('field-service_id', '8');
    must('login-submit').click();
    await settle();
    const request = transport.argsOf('connect_begin')[0]!['request'] as { callback: string; fields: Record<string, string> };
    expect(request.callback).toBe('deep_link');
    expect(request.fields['service_id']).toBe('8');
    // The backend insisted on its loopback listener: no coffer:// link is promised.
    const waiting = must('login-waiting');
    expect(waiting.textContent).toContain('Listening on');
    expect(waiting.textContent).not.toContain('coffer:');
    expect(must('login-redirect-uri').textContent).toBe('http://127.0.0.1:40123/callback/finsify');
  });
});

describe('connect dialog: log in again', () => {
  it('makes every field optional, keeps empty secrets and sends the connection id', async () => {
    const existing = connection({ id: 7, label: 'My SpareBank', status: 'needs_reauth' });
    const transport = new FakeTransport({
      connect_begin: () => started,
      connect_finish: () => deferred<ConnectionView>().promise,
    });
    openConnectDialog({ api: new Api(transport), onConnected: () => undefined, renew: { connection: existing, provider: sparebank1 } });
    await settle();

    expect(byTestId('provider-sparebank1')).toBeNull();
    expect(document.querySelector('.modal-title')?.textContent).toBe('Log in again to My SpareBank');
    const secret = must<HTMLInputElement>('field-client_secret');
    expect(secret.type).toBe('password');
    expect(secret.placeholder).toBe('Leave empty to keep the saved one');
    expect(secret.closest('.form-field')!.textContent).toContain('Leave empty to keep the saved one');
    expect(must<HTMLInputElement>('field-client_id').hasAttribute('aria-required')).toBe(false);

    must('login-submit').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toEqual([
      { request: { provider: 'sparebank1', fields: {}, connection: 7, callback: 'loopback' } },
    ]);
  });
});
