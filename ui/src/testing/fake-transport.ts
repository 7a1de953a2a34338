// Test support: a Transport that answers from handlers and records every call.

import type { Args, Command, Transport } from '../api';
import type { SyncEvent } from '../generated/api';

export type Handler = (args: Args, onEvent?: (event: SyncEvent) => void) => unknown;

export interface RecordedCall {
  command: Command;
  args: Args;
}

export class FakeTransport implements Transport {
  readonly calls: RecordedCall[] = [];
  readonly handlers: Partial<Record<Command, Handler>>;

  constructor(handlers: Partial<Record<Command, Handler>> = {}, readonly name: 'http' | 'tauri' = 'http') {
    this.handlers = handlers;
  }

  async call<T>(command: Command, args: Args = {}, onEvent?: (event: SyncEvent) => void): Promise<T> {
    this.calls.push({ command, args });
    const handler = this.handlers[command];
    if (!handler) throw { code: 'unexpected', message: `no handler for ${command}` };
    return (await handler(args, onEvent)) as T;
  }

  /** The arguments of every call to `command`, in order. */
  argsOf(command: Command): Args[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
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
