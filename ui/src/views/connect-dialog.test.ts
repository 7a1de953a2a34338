// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api, type ConnectionView, type LoginStarted } from '../api';
import { FakeTransport, deferred, settle, type Handler } from '../testing/fake-transport';
import { connection, finsify, sparebank1 } from '../testing/fixtures';
import { fillRedirectUri, openConnectDialog, validateLogin, type ConnectDialogOptions } from './connect-dialog';

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

function setup(handlers: Partial<Record<string, Handler>> = {}, options: Partial<ConnectDialogOptions> = {}, name: 'http' | 'tauri' = 'http') {
  const transport = new FakeTransport({ providers: () => [sparebank1, finsify], ...handlers }, name);
  const api = new Api(transport);
  const onConnected = vi.fn<(c: ConnectionView) => void>();
  const dialog = openConnectDialog({ api, onConnected, searchDelayMs: 0, ...options });
  return { transport, api, dialog, onConnected };
}

const started: LoginStarted = { login_id: 42, provider: 'sparebank1', redirect_uri: 'http://localhost:8321/callback' };

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

describe('connect dialog: providers', () => {
  it('is a modal dialog listing the providers and the Demo Bank, first one focused', async () => {
    setup();
    await settle();
    const panel = document.querySelector<HTMLElement>('[role="dialog"]')!;
    expect(panel.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(panel.getAttribute('aria-labelledby')!)?.textContent).toBe('Connect a bank');
    expect(byTestId('provider-sparebank1')).not.toBeNull();
    expect(byTestId('provider-finsify')).not.toBeNull();
    expect(byTestId('provider-demo')).not.toBeNull();
    expect(document.activeElement).toBe(byTestId('provider-sparebank1'));
    // The page behind cannot be reached.
    expect(document.getElementById('app')!.hasAttribute('inert')).toBe(true);
  });

  it('the Demo Bank connects with connect_demo and reports the new connection', async () => {
    const demo = connection({ id: 3, provider: 'demo', label: 'Demo Bank' });
    const { transport, onConnected } = setup({ connect_demo: () => demo });
    await settle();
    must('provider-demo').click();
    await settle();
    expect(transport.argsOf('connect_demo')).toHaveLength(1);
    expect(onConnected).toHaveBeenCalledWith(demo);
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    expect(document.getElementById('toast')?.textContent).toContain('Connected Demo Bank');
  });
});

describe('connect dialog: the form', () => {
  it('renders the fields of a ProviderInfo: labels, help, password for secrets, select for choices', async () => {
    setup();
    await settle();
    must('provider-sparebank1').click();

    const clientId = must<HTMLInputElement>('field-client_id');
    expect(clientId.tagName).toBe('INPUT');
    expect(clientId.type).toBe('text');
    expect(document.querySelector(`label[for="${clientId.id}"]`)?.textContent).toContain('Client ID');

    const secret = must<HTMLInputElement>('field-client_secret');
    expect(secret.tagName).toBe('INPUT');
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

    expect(must<HTMLInputElement>('field-redirect_port').value).toBe('8321');
    expect(document.activeElement).toBe(clientId);
  });

  it('shows the redirect URI to register, following the port field live', async () => {
    setup();
    await settle();
    must('provider-sparebank1').click();
    expect(must('redirect-uri').textContent).toBe('http://localhost:8321/callback');
    type('field-redirect_port', '9000');
    expect(must('redirect-uri').textContent).toBe('http://localhost:9000/callback');
    type('field-redirect_port', '');
    // Empty: the default port is what will be used.
    expect(must('redirect-uri').textContent).toBe('http://localhost:8321/callback');
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
    expect(writeText).toHaveBeenCalledWith('http://localhost:8400/callback');
    expect(must('copy-redirect-uri').textContent).toBe('Copied');
  });

  it('blocks submitting while a required field is empty and names the field', async () => {
    const { transport } = setup({ connect_begin: () => started });
    await settle();
    must('provider-sparebank1').click();
    type('field-client_secret', 's3cret');
    must('login-in-browser').click();
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

  it('rejects a port that is not a port', () => {
    const values = { client_id: 'a', client_secret: 'b', redirect_port: '70000' };
    expect(validateLogin(sparebank1.fields, values, false)).toEqual([
      { key: 'redirect_port', message: 'Redirect port must be a port number from 1 to 65535.' },
    ]);
    expect(validateLogin(sparebank1.fields, { ...values, redirect_port: '8321' }, false)).toEqual([]);
    expect(fillRedirectUri('http://localhost:{port}/cb', '8400')).toBe('http://localhost:8400/cb');
  });
});

describe('connect dialog: logging in', () => {
  it('sends the login request, then waits with the redirect URI and a Cancel that calls connect_cancel', async () => {
    const finish = deferred<ConnectionView>();
    const { transport, onConnected } = setup({
      connect_begin: () => started,
      connect_finish: () => finish.promise,
      connect_cancel: () => null,
    });
    await settle();
    await fillSpareBank1();
    must('login-in-browser').click();
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
    expect(waiting.textContent).toContain('http://localhost:8321/callback');
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
    must('login-in-browser').click();
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
    must('login-in-browser').click();
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
    must('login-in-browser').click();
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
    must('login-in-browser').click();
    await settle();
    expect(must('login-error').textContent).toContain('No Secret Service is running.');
    expect(must('login-error').textContent).toContain('Coffer cannot store the login');
  });
});

describe('connect dialog: Finsify', () => {
  const services = [
    { id: 123, name: 'DNB', country_code: 'NO', kind: 'bank', logo_url: '' },
    { id: 456, name: 'DNB Kort', country_code: 'NO', kind: 'card', logo_url: '' },
  ];

  async function openFinsify(name: 'http' | 'tauri') {
    const s = setup(
      {
        finsify_services: (args) => services.filter((x) => x.name.toLowerCase().includes(String(args['query'] ?? '').toLowerCase())),
        connect_begin: () => ({ login_id: 7, provider: 'finsify', redirect_uri: 'coffer://finsify/callback' }),
        connect_finish: () => deferred<ConnectionView>().promise,
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

  it('picks the bank from a search of finsify_services and sends its id', async () => {
    const { transport } = await openFinsify('http');
    type('field-service_id', 'kort');
    await settle();
    expect(transport.argsOf('finsify_services').at(-1)).toEqual({ query: 'kort' });
    const options = document.querySelectorAll<HTMLElement>('[data-testid="service-option"]');
    expect(Array.from(options).map((o) => o.textContent)).toEqual(['DNB KortNO']);
    options[0]!.click();
    expect(must('service-chosen').textContent).toContain('DNB Kort');

    must('login-in-browser').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toEqual([
      {
        request: {
          provider: 'finsify',
          fields: { client_id: 'app', service_secret: 'shh', service_id: '456' },
          connection: null,
          callback: 'loopback',
        },
      },
    ]);
  });

  it('asks for a deep link back in the desktop app', async () => {
    const { transport } = await openFinsify('tauri');
    type('field-service_id', '123');
    must('login-in-browser').click();
    await settle();
    const request = transport.argsOf('connect_begin')[0]!['request'] as { callback: string; fields: Record<string, string> };
    expect(request.callback).toBe('deep_link');
    expect(request.fields['service_id']).toBe('123');
  });

  it('does not accept text that names no bank', async () => {
    const { transport } = await openFinsify('http');
    type('field-service_id', 'nowhere');
    await settle();
    must('login-in-browser').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toHaveLength(0);
    expect(must('field-service_id').closest('.form-field')!.querySelector('.form-error')!.textContent).toBe('Bank is required.');
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

    must('login-in-browser').click();
    await settle();
    expect(transport.argsOf('connect_begin')).toEqual([
      { request: { provider: 'sparebank1', fields: {}, connection: 7, callback: 'loopback' } },
    ]);
  });
});
