// Test support: a Transport that answers from handlers and records every call.

import type { Args, Operation, Transport } from '../api';
import type { SyncEvent } from '../generated/api';

export type Handler = (args: Args, onEvent?: (event: SyncEvent) => void) => unknown;

export interface RecordedCall {
  operation: Operation;
  args: Args;
}

export class FakeTransport implements Transport {
  readonly calls: RecordedCall[] = [];
  readonly handlers: Partial<Record<Operation, Handler>>;

  constructor(handlers: Partial<Record<Operation, Handler>> = {}, readonly name: 'http' | 'tauri' = 'http') {
    this.handlers = handlers;
  }

  async call<T>(operation: Operation, args: Args = {}, onEvent?: (event: SyncEvent) => void): Promise<T> {
    this.calls.push({ operation, args });
    const handler = this.handlers[operation];
    if (!handler) throw { code: 'unexpected', message: `no handler for ${operation}` };
    return (await handler(args, onEvent)) as T;
  }

  /** The arguments of every call to `operation`, in order. */
  argsOf(operation: Operation): Args[] {
    return this.calls.filter((c) => c.operation === operation).map((c) => c.args);
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks and zero-delay timers run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}
