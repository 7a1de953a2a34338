import { describe, expect, it, vi } from 'vitest';
import { Api, HttpTransport, emptyFilter, toApiError, tokenFromUrl, type FetchLike, type LoginKind, type ProviderInfo } from './api';
import { OPERATIONS, type Operation } from './generated/api';
import { finsify } from './testing/fixtures';
import type { SyncSummary } from './generated/api';

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function stubFetch(response: () => Response) {
  return vi.fn<FetchLike>(async () => response());
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  return (init?.headers ?? {}) as Record<string, string>;
}

describe('tokenFromUrl', () => {
  it('reads ?token=', () => {
    expect(tokenFromUrl('http://127.0.0.1:7777/?token=s3cr%2Bt')).toBe('s3cr+t');
    expect(tokenFromUrl('http://127.0.0.1:7777/index.html?x=1&token=abc#top')).toBe('abc');
  });
  it('is null when absent or empty', () => {
    expect(tokenFromUrl('http://127.0.0.1:7777/')).toBeNull();
    expect(tokenFromUrl('http://127.0.0.1:7777/?token=')).toBeNull();
    expect(tokenFromUrl('not a url')).toBeNull();
  });
});

describe('HttpTransport', () => {
  it('POSTs JSON to api/<command> relative to the page, with the bearer token', async () => {
    const fetch = stubFetch(() => jsonResponse({ connections: [], accounts: 0, transactions: 0 }));
    const http = new HttpTransport({ baseUrl: 'http://127.0.0.1:7777/?token=abc123', token: 'abc123', fetch });
    const status = await new Api(http).appStatus();

    expect(status).toEqual({ connections: [], accounts: 0, transactions: 0 });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('http://127.0.0.1:7777/api/app_status');
    expect(init.method).toBe('POST');
    expect(headersOf(init)['Authorization']).toBe('Bearer abc123');
    expect(headersOf(init)['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{}');
  });

  it('resolves against a page in a sub-directory', () => {
    const http = new HttpTransport({ baseUrl: 'https://host.example/coffer/index.html?token=t', token: 't' });
    expect(http.urlFor('accounts')).toBe('https://host.example/coffer/api/accounts');
  });

  it('sends the filter as the body of transactions', async () => {
    const fetch = stubFetch(() => jsonResponse({ rows: [], total: 0 }));
    const api = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: 'tok', fetch }));
    const filter = { ...emptyFilter(), accounts: [3], search: 'rema' };
    await api.transactions(filter);

    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('http://localhost:1420/api/transactions');
    expect(JSON.parse(String(init.body))).toEqual({
      filter: {
        from: null,
        to: null,
        accounts: [3],
        direction: null,
        categories: [],
        vendors: [],
        search: 'rema',
        min: null,
        max: null,
        transfers: null,
      },
    });
  });

  it('sync_all sends no channel and just returns the summaries', async () => {
    const summary: SyncSummary = {
      connection_id: 1,
      provider: 'demo',
      label: 'Demo Bank',
      accounts: 3,
      fetched: 2000,
      inserted: 2000,
      updated: 0,
      unchanged: 0,
      expired: 0,
      errors: [],
      notes: [],
      skipped: false,
    };
    const fetch = stubFetch(() => jsonResponse([summary]));
    const onEvent = vi.fn();
    const api = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: 'tok', fetch }));
    const summaries = await api.syncAll(onEvent);

    expect(summaries).toEqual([summary]);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('http://localhost:1420/api/sync_all');
    expect(init.body).toBe('{}');
    expect(onEvent).not.toHaveBeenCalled();
  });

  it('omits Authorization without a token', async () => {
    const fetch = stubFetch(() => jsonResponse({ accounts: [], totals: [] }));
    await new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: null, fetch })).accounts();
    expect(headersOf(fetch.mock.calls[0]![1])['Authorization']).toBeUndefined();
  });

  it('rejects with the ApiError body of a non-2xx answer', async () => {
    const fetch = stubFetch(() => jsonResponse({ code: 'unauthorized', message: 'Bad token' }, 401));
    const api = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: 'x', fetch }));
    await expect(api.appStatus()).rejects.toEqual({ code: 'unauthorized', message: 'Bad token' });
  });

  it('rejects with a readable error when the body is not an ApiError', async () => {
    const fetch = stubFetch(() => new Response('<html>oops</html>', { status: 502, statusText: 'Bad Gateway' }));
    const api = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: 'x', fetch }));
    await expect(api.appStatus()).rejects.toEqual({
      code: 'http_502',
      message: 'The server answered 502 Bad Gateway.',
    });
  });

  it('rejects with a network error when fetch throws', async () => {
    const fetch = vi.fn<FetchLike>(async () => {
      throw new TypeError('Failed to fetch');
    });
    const api = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: 'x', fetch }));
    await expect(api.accounts()).rejects.toEqual({ code: 'network', message: 'Failed to fetch' });
  });
});

describe('Api commands', () => {
  function api(body: unknown = 0) {
    const fetch = stubFetch(() => jsonResponse(body));
    return { api: new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: 'tok', fetch })), fetch };
  }
  const sent = (fetch: ReturnType<typeof stubFetch>) => {
    const [url, init] = fetch.mock.calls[0]!;
    return { command: String(url).replace('http://localhost:1420/api/', ''), args: JSON.parse(String(init.body)) };
  };

  it('use snake_case argument objects', async () => {
    const filter = { ...emptyFilter(), search: 'rema' };
    const cases: Array<[(a: Api) => Promise<unknown>, string, unknown]> = [
      [(a) => a.transactionPage({ filter, sort: 'amount', descending: false, offset: 200, limit: 200 }), 'transaction_page',
        { query: { filter, sort: 'amount', descending: false, offset: 200, limit: 200 } }],
      [(a) => a.reportFlows(filter, 'week'), 'report_flows', { filter, period: 'week' }],
      [(a) => a.reportVendors(filter, 10), 'report_vendors', { filter, limit: 10 }],
      [(a) => a.renameVendor('Kiwi', 'Kiwi Minipris'), 'rename_vendor', { from: 'Kiwi', to: 'Kiwi Minipris' }],
      [(a) => a.mergeVendors(['A', 'B'], 'A'), 'merge_vendors', { names: ['A', 'B'], into: 'A' }],
      [(a) => a.addVendorRule('REMA', true, 'Rema 1000'), 'add_vendor_rule', { pattern: 'REMA', is_regex: true, vendor: 'Rema 1000' }],
      [(a) => a.deleteVendorRule(3), 'delete_vendor_rule', { id: 3 }],
      [(a) => a.addCategoryRule('vendor', 'Kiwi', 'groceries'), 'add_category_rule', { match_kind: 'vendor', pattern: 'Kiwi', category: 'groceries' }],
      [(a) => a.setCategory(42, null), 'set_category', { transaction: 42, category: null }],
    ];
    for (const [call, command, args] of cases) {
      const { api: a, fetch } = api();
      await call(a);
      expect(sent(fetch)).toEqual({ command, args });
    }
  });

  it('send the bank-connection commands with snake_case arguments', async () => {
    const request = {
      provider: 'sparebank1',
      fields: { client_id: 'app', redirect_port: '8321' },
      connection: null,
      callback: 'loopback' as const,
    };
    const cases: Array<[(a: Api) => Promise<unknown>, string, unknown]> = [
      [(a) => a.connections(), 'connections', {}],
      [(a) => a.providers(), 'providers', {}],
      [(a) => a.bankCatalogue('finsify', 'service_id', 'tech'), 'bank_catalogue', { provider: 'finsify', field: 'service_id', query: 'tech' }],
      [(a) => a.bankCatalogue('finsify', 'service_id', null), 'bank_catalogue', { provider: 'finsify', field: 'service_id', query: null }],
      [(a) => a.connectBegin(request), 'connect_begin', { request }],
      [(a) => a.connectFinish(42), 'connect_finish', { login_id: 42 }],
      [(a) => a.connectCancel(42), 'connect_cancel', { login_id: 42 }],
      [(a) => a.syncConnection(7, () => undefined), 'sync_connection', { connection: 7 }],
      [(a) => a.disconnect(7, true), 'disconnect', { connection: 7, keep_history: true }],
      [(a) => a.disconnect(7, false), 'disconnect', { connection: 7, keep_history: false }],
      [(a) => a.refreshAtBank(7), 'refresh_at_bank', { connection: 7 }],
      [(a) => a.settings(), 'settings', {}],
      [(a) => a.setSetting('sync.days', '90'), 'set_setting', { key: 'sync.days', value: '90' }],
      [(a) => a.setSetting('sync.days', null), 'set_setting', { key: 'sync.days', value: null }],
      [(a) => a.vaultStatus(), 'vault_status', {}],
      [(a) => a.resetVault(), 'reset_vault', {}],
    ];
    for (const [call, command, args] of cases) {
      const { api: a, fetch } = api();
      await call(a);
      expect(sent(fetch)).toEqual({ command, args });
    }
  });

  it('asks for a deep link back only for hosted-page logins in the desktop app', () => {
    const provider = (login: LoginKind): ProviderInfo => ({ ...finsify, login });
    const http = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: null }));
    const desktop = new Api({ name: 'tauri', call: async <T,>() => null as T });
    expect(desktop.callbackFor(provider('hosted_page'))).toBe('deep_link');
    expect(desktop.callbackFor(provider('oauth_loopback'))).toBe('loopback');
    expect(desktop.callbackFor(provider('credentials'))).toBe('loopback');
    expect(http.callbackFor(provider('hosted_page'))).toBe('loopback');
    expect(http.callbackFor(provider('oauth_loopback'))).toBe('loopback');
  });

  it('has a method for every operation a transport can call directly, and none for the rest', () => {
    const a = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: null }));
    const camel = (name: string) => name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    for (const [name, access] of Object.entries(OPERATIONS) as Array<[Operation, string]>) {
      const method = (a as unknown as Record<string, unknown>)[camel(name)];
      if (access === 'read' || access === 'write' || access === 'admin') {
        expect(typeof method, name).toBe('function');
      }
    }
    // Transport-specific operations go through Api's own methods.
    expect(OPERATIONS.export_csv).toBe('http');
    expect(OPERATIONS.export_csv_dialog).toBe('desktop');
    expect(OPERATIONS.set_setting).toBe('admin');
  });

  it('exports CSV over HTTP as a download of exactly the filter', async () => {
    const fetch = vi.fn<FetchLike>(async () => new Response('date,amount\n2026-03-01,-5.00\n', { headers: { 'Content-Type': 'text/csv' } }));
    const a = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/?token=tok', token: 'tok', fetch }));
    const filter = { ...emptyFilter(), direction: 'debit' as const };
    const result = await a.exportCsv(filter);
    expect(result.kind).toBe('downloaded');
    if (result.kind === 'downloaded') expect(await result.blob.text()).toBe('date,amount\n2026-03-01,-5.00\n');
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('http://localhost:1420/api/export_csv');
    expect(JSON.parse(String(init.body))).toEqual({ filter });
    expect(headersOf(init)['Authorization']).toBe('Bearer tok');
  });

  it('passes the read-only refusal on as an ApiError', async () => {
    const fetch = stubFetch(() => jsonResponse({ code: 'forbidden', message: 'this server is read-only' }, 403));
    const a = new Api(new HttpTransport({ baseUrl: 'http://localhost:1420/', token: 'tok', fetch }));
    await expect(a.setCategory(1, 'groceries')).rejects.toEqual({ code: 'forbidden', message: 'this server is read-only' });
    await expect(a.exportCsv(emptyFilter())).rejects.toEqual({ code: 'forbidden', message: 'this server is read-only' });
  });
});

describe('toApiError', () => {
  it('keeps an ApiError, wraps strings and Errors', () => {
    expect(toApiError({ code: 'demo_exists', message: 'Already connected' })).toEqual({
      code: 'demo_exists',
      message: 'Already connected',
    });
    expect(toApiError('command not found')).toEqual({ code: 'internal', message: 'command not found' });
    expect(toApiError(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
    expect(toApiError(undefined).message).toBe('Something went wrong.');
  });
});
