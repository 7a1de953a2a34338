// The desktop app refuses a `coffer://` deep link it cannot use (unknown, stale, malformed)
// and tells the UI with the `deep-link-refused` event; the UI says so in a toast. Only under
// Tauri: over HTTP there is no event bus.

import { listen, type EventCallback, type UnlistenFn } from '@tauri-apps/api/event';
import { toApiError } from './api';
import type { ApiError } from './generated/api';
import { toast } from './toast';

export const DEEP_LINK_REFUSED = 'deep-link-refused';

export type ListenFn = (event: string, handler: EventCallback<ApiError>) => Promise<UnlistenFn>;

/** Starts listening when running inside the desktop app; resolves to the unlisten function. */
export async function listenForRefusedDeepLinks(
  win: Window = window,
  listenTo: ListenFn = (event, handler) => listen<ApiError>(event, handler),
): Promise<UnlistenFn | null> {
  if (!('__TAURI_INTERNALS__' in win)) return null;
  try {
    return await listenTo(DEEP_LINK_REFUSED, (event) => {
      toast(toApiError(event.payload).message);
    });
  } catch (error) {
    console.error('deep-link-refused: cannot listen', error);
    return null;
  }
}
