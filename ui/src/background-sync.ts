// The desktop app syncs on its own (at start, then every few hours; `app.sync_every_hours`).
// Rust tells the window with two events: `sync-event` (the same progress events a "Sync now"
// streams) and `data-changed` (stored data changed; reload what is shown). Only under Tauri:
// `coffer serve` has no event bus and no schedule.

import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { SyncEvent } from './generated/api';

export const SYNC_EVENT = 'sync-event';
export const DATA_CHANGED = 'data-changed';

/** What the window does with a background sync. */
export interface BackgroundSyncTarget {
  /** One progress event of a sync the app started on its own. */
  backgroundEvent(event: SyncEvent): void;
  /** Stored data changed: reload balances, lists and charts. */
  dataChanged(): Promise<void> | void;
}

export type ListenFn = <T>(event: string, handler: (event: { payload: T }) => void) => Promise<UnlistenFn>;

/** Starts listening inside the desktop app; `target()` is whatever the window shows now. */
export async function listenForBackgroundSync(
  target: () => BackgroundSyncTarget,
  win: Window = window,
  listenTo: ListenFn = (event, handler) => listen(event, handler),
): Promise<UnlistenFn | null> {
  if (!('__TAURI_INTERNALS__' in win)) return null;
  try {
    const stops = await Promise.all([
      listenTo<SyncEvent>(SYNC_EVENT, (e) => target().backgroundEvent(e.payload)),
      listenTo<null>(DATA_CHANGED, () => void target().dataChanged()),
    ]);
    return () => stops.forEach((stop) => stop());
  } catch (error) {
    console.error('background sync: cannot listen', error);
    return null;
  }
}
