// Calls into the Rust backend. The commands are typed here once; how a call travels (Tauri IPC
// inside the desktop app, HTTP for a future `coffer serve`) is a Transport.

import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AccountsOverview,
  ApiError,
  AppStatus,
  ConnectionView,
  Filter,
  SyncEvent,
  SyncSummary,
  TransactionList,
} from './generated/api';

export type Command = 'app_status' | 'connect_demo' | 'sync_all' | 'accounts' | 'transactions';

export type Args = Record<string, unknown>;

export interface Transport {
  /** Human-readable name, for diagnostics. */
  readonly name: string;
  /**
   * Runs a backend command. `onEvent`, when given, receives the command's progress events
   * if the transport can deliver them (it is passed to the backend as the `events` argument).
   * Rejects with an {@link ApiError}.
   */
  call<T>(command: Command, args?: Args, onEvent?: (event: SyncEvent) => void): Promise<T>;
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

/** Tauri IPC: `invoke`, with progress events on a `Channel`. */
export class TauriTransport implements Transport {
  readonly name = 'tauri';

  async call<T>(command: Command, args: Args = {}, onEvent?: (event: SyncEvent) => void): Promise<T> {
    const payload: Args = { ...args };
    if (onEvent) payload['events'] = new Channel<SyncEvent>(onEvent);
    try {
      return await invoke<T>(command, payload);
    } catch (error) {
      throw toApiError(error);
    }
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** URL the `api/<command>` paths are resolved against, normally the page's own URL. */
  baseUrl: string;
  /** Bearer token; no `Authorization` header is sent without one. */
  token: string | null;
  fetch?: FetchLike;
}

/**
 * HTTP: `POST api/<command>` (relative to the page) with the arguments as a JSON body and a
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

  /** The URL a command is posted to. */
  urlFor(command: Command): string {
    return new URL(`./api/${command}`, this.#baseUrl).toString();
  }

  async call<T>(command: Command, args: Args = {}, _onEvent?: (event: SyncEvent) => void): Promise<T> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
    };
    if (this.#token) headers['Authorization'] = `Bearer ${this.#token}`;

    let response: Response;
    try {
      response = await this.#fetch(this.urlFor(command), {
        method: 'POST',
        headers,
        body: JSON.stringify(args),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      throw toApiError(error, 'network');
    }

    let body: unknown = undefined;
    const text = await response.text().catch(() => '');
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }

    if (!response.ok) {
      if (isApiError(body)) throw { code: body.code, message: body.message } satisfies ApiError;
      throw {
        code: `http_${response.status}`,
        message: `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
      } satisfies ApiError;
    }
    if (body === undefined) {
      throw { code: 'bad_response', message: 'The server sent an unreadable answer.' } satisfies ApiError;
    }
    return body as T;
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
  };
}

export class Api {
  constructor(readonly transport: Transport) {}

  appStatus(): Promise<AppStatus> {
    return this.transport.call<AppStatus>('app_status');
  }

  connectDemo(): Promise<ConnectionView> {
    return this.transport.call<ConnectionView>('connect_demo');
  }

  /** Syncs every connection; `onEvent` gets progress when the transport can stream it. */
  syncAll(onEvent: (event: SyncEvent) => void): Promise<SyncSummary[]> {
    return this.transport.call<SyncSummary[]>('sync_all', {}, onEvent);
  }

  accounts(): Promise<AccountsOverview> {
    return this.transport.call<AccountsOverview>('accounts');
  }

  transactions(filter: Filter): Promise<TransactionList> {
    return this.transport.call<TransactionList>('transactions', { filter });
  }
}
