// Calls into the Rust backend. Every operation is declared once in crates/coffer-api/src/ops.rs;
// `generated/api.ts` turns that table into the types, the operation list and a `Client` with one
// method per operation. `Api` is that client plus what depends on how a call travels (Tauri IPC
// inside the desktop app, HTTP for `coffer serve`): saving files, and the way back from a login.

import { Channel, invoke } from '@tauri-apps/api/core';
import { Client, type Caller, type Operation } from './generated/api';
import type { ApiError, CallbackKind, ChartRequest, Filter, ProviderInfo, SavedFile, SyncEvent } from './generated/api';

// The bank-connection types, in one place: the rest of the UI imports them from here.
export type {
  CallbackKind,
  Capabilities,
  CatalogueEntry,
  ConnectionStatus,
  ConnectionView,
  CredentialField,
  DatabaseCheck,
  FieldChoice,
  FieldInput,
  LoginKind,
  LoginRequest,
  LoginStarted,
  ProviderInfo,
  RefreshAtBank,
  SavedFile,
  Setting,
  VaultStatus,
} from './generated/api';

export type { Operation };

/** How an export ended. */
export type ExportResult =
  | { kind: 'saved'; path: string; rows: number }
  | { kind: 'downloaded'; blob: Blob }
  | { kind: 'cancelled' };

export type Args = Record<string, unknown>;

/** How calls travel: the generated client's {@link Caller}, plus what differs per transport. */
export interface Transport extends Caller {
  /** `tauri` (native dialogs available) or `http` (downloads instead). */
  readonly name: string;
  /**
   * Runs an operation. `onEvent`, when given, receives its progress events if the transport
   * can deliver them (it is passed to the backend as the `events` argument). Rejects with an
   * {@link ApiError}.
   */
  call<T>(operation: Operation, args?: Args, onEvent?: (event: SyncEvent) => void): Promise<T>;
  /** Runs an operation whose answer is a file (HTTP only), e.g. `export_csv`. */
  callBlob?(operation: Operation, args?: Args): Promise<Blob>;
}

/** Turns whatever a failed call rejected with into an {@link ApiError}. */
export function toApiError(error: unknown, fallbackCode = 'internal'): ApiError {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && message !== '') {
      return { code: typeof code === 'string' ? code : fallbackCode, message };
    }
  }
  if (typeof error === 'string' && error !== '') return { code: fallbackCode, message: error };
  return { code: fallbackCode, message: 'Something went wrong.' };
}

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).code === 'string' &&
    typeof (value as ApiError).message === 'string'
  );
}

/**
 * Tauri IPC: `invoke`, with progress events on a `Channel`. An operation that streams events
 * (the syncs) declares a required `events` channel on the desktop, so callers pass `onEvent`.
 */
export class TauriTransport implements Transport {
  readonly name = 'tauri';

  async call<T>(operation: Operation, args: Args = {}, onEvent?: (event: SyncEvent) => void): Promise<T> {
    const payload: Args = { ...args };
    if (onEvent) payload['events'] = new Channel<SyncEvent>(onEvent);
    try {
      return await invoke<T>(operation, payload);
    } catch (error) {
      throw toApiError(error);
    }
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** URL the `api/<operation>` paths are resolved against, normally the page's own URL. */
  baseUrl: string;
  /** Bearer token; no `Authorization` header is sent without one. */
  token: string | null;
  fetch?: FetchLike;
}

/**
 * HTTP: `POST api/<operation>` (relative to the page) with the arguments as a JSON body and a
 * bearer token. Progress events are not streamed; the call just resolves when done.
 */
export class HttpTransport implements Transport {
  readonly name = 'http';
  readonly #baseUrl: string;
  readonly #token: string | null;
  readonly #fetch: FetchLike;

  constructor(options: HttpTransportOptions) {
    this.#baseUrl = options.baseUrl;
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The URL an operation is posted to. */
  urlFor(operation: Operation): string {
    return new URL(`./api/${operation}`, this.#baseUrl).toString();
  }

  async #post(operation: Operation, args: Args, accept: string): Promise<Response> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: accept,
    };
    if (this.#token) headers['Authorization'] = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await this.#fetch(this.urlFor(operation), {
        method: 'POST',
        headers,
        body: JSON.stringify(args),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      throw toApiError(error, 'network');
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let body: unknown = undefined;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (isApiError(body)) throw { code: body.code, message: body.message } satisfies ApiError;
      throw {
        code: `http_${response.status}`,
        message: `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
      } satisfies ApiError;
    }
    return response;
  }

  async call<T>(operation: Operation, args: Args = {}, _onEvent?: (event: SyncEvent) => void): Promise<T> {
    const response = await this.#post(operation, args, 'application/json');
    let body: unknown = undefined;
    const text = await response.text().catch(() => '');
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (body === undefined) {
      throw { code: 'bad_response', message: 'The server sent an unreadable answer.' } satisfies ApiError;
    }
    return body as T;
  }

  async callBlob(operation: Operation, args: Args = {}): Promise<Blob> {
    const response = await this.#post(operation, args, '*/*');
    try {
      return await response.blob();
    } catch (error) {
      throw toApiError(error, 'network');
    }
  }
}

/** The `?token=` of a page URL, if any. */
export function tokenFromUrl(url: string): string | null {
  try {
    const token = new URL(url).searchParams.get('token');
    return token === null || token === '' ? null : token;
  } catch {
    return null;
  }
}

/** Picks Tauri IPC inside the desktop app, HTTP otherwise. */
export function createTransport(win: Window = window): Transport {
  if ('__TAURI_INTERNALS__' in win) return new TauriTransport();
  const href = win.location.href;
  return new HttpTransport({ baseUrl: href, token: tokenFromUrl(href) });
}

export function emptyFilter(): Filter {
  return {
    from: null,
    to: null,
    accounts: [],
    direction: null,
    categories: [],
    vendors: [],
    search: null,
    min: null,
    max: null,
    // The view's default: totals and charts leave paired transfers out, the table shows them.
    transfers: null,
  };
}

/**
 * The backend: one method per operation from the generated {@link Client}, and by hand only
 * what depends on the transport.
 */
export class Api extends Client {
  constructor(readonly transport: Transport) {
    super(transport);
  }

  /** True when saving goes through the desktop's native dialog (else: a browser download). */
  get hasNativeDialogs(): boolean {
    return this.transport.name === 'tauri';
  }

  /** True inside the desktop app (Tauri IPC): deep links and native windows are available. */
  get isDesktop(): boolean {
    return this.transport.name === 'tauri';
  }

  /** Exports exactly the rows `filter` selects as CSV: a native save dialog, or a download. */
  async exportCsv(filter: Filter): Promise<ExportResult> {
    if (this.hasNativeDialogs) {
      const saved = await this.transport.call<SavedFile | null>('export_csv_dialog', { filter });
      return saved ? { kind: 'saved', path: saved.path, rows: saved.rows } : { kind: 'cancelled' };
    }
    if (!this.transport.callBlob) {
      throw { code: 'unsupported', message: 'Export is not available here.' } satisfies ApiError;
    }
    return { kind: 'downloaded', blob: await this.transport.callBlob('export_csv', { filter }) };
  }

  /** Desktop only: saves a chart as SVG or PNG through the native dialog; null when cancelled. */
  saveChartDialog(request: ChartRequest, format: 'svg' | 'png'): Promise<SavedFile | null> {
    return this.transport.call<SavedFile | null>('save_chart_dialog', { request, format });
  }

  /**
   * The way back this front end prefers after a login in the browser: a `coffer://` deep link
   * for hosted-page logins in the desktop app, else the loopback listener (over HTTP no deep
   * link can reach the page). Only a preference: the backend may insist on the loopback
   * listener (a callback that carries a secret never travels as a link), so what to wait for
   * is read from `LoginStarted.redirect_uri`, never from this.
   */
  callbackFor(provider: ProviderInfo): CallbackKind {
    return provider.login === 'hosted_page' && this.isDesktop ? 'deep_link' : 'loopback';
  }
}
