// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventCallback } from '@tauri-apps/api/event';
import type { ApiError } from './generated/api';
import { DEEP_LINK_REFUSED, listenForRefusedDeepLinks, type ListenFn } from './deep-link';

afterEach(() => {
  document.body.innerHTML = '';
});

describe('deep-link-refused', () => {
  it('is not listened for outside the desktop app', async () => {
    const listen = vi.fn<ListenFn>(async () => () => undefined);
    expect(await listenForRefusedDeepLinks({} as Window, listen)).toBeNull();
    expect(listen).not.toHaveBeenCalled();
  });

  it('shows the refusal’s message in a toast under Tauri', async () => {
    let handler: EventCallback<ApiError> | null = null;
    const unlisten = vi.fn();
    const listen = vi.fn<ListenFn>(async (_event, h) => {
      handler = h;
      return unlisten;
    });
    const win = { __TAURI_INTERNALS__: {} } as unknown as Window;
    expect(await listenForRefusedDeepLinks(win, listen)).toBe(unlisten);
    expect(listen.mock.calls[0]![0]).toBe(DEEP_LINK_REFUSED);
    expect(DEEP_LINK_REFUSED).toBe('deep-link-refused');

    handler!({ event: DEEP_LINK_REFUSED, id: 1, payload: { code: 'login', message: 'That login link has expired.' } });
    expect(document.getElementById('toast')?.textContent).toContain('That login link has expired.');
  });
});
