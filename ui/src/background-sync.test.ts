import { describe, expect, it, vi } from 'vitest';
import type { SyncEvent } from './generated/api';
import { DATA_CHANGED, listenForBackgroundSync, SYNC_EVENT, type ListenFn } from './background-sync';

describe('background sync events', () => {
  function fakeBus() {
    const handlers = new Map<string, (e: { payload: unknown }) => void>();
    const listenTo = (async (event: string, handler: (e: { payload: unknown }) => void) => {
      handlers.set(event, handler);
      return () => handlers.delete(event);
    }) as ListenFn;
    return { handlers, listenTo };
  }

  it('are not listened for outside the desktop app', async () => {
    const bus = fakeBus();
    const stop = await listenForBackgroundSync(() => ({ backgroundEvent: vi.fn(), dataChanged: vi.fn() }), {} as Window, bus.listenTo);
    expect(stop).toBeNull();
    expect(bus.handlers.size).toBe(0);
  });

  it('reach whatever the window shows now, and stop together', async () => {
    const bus = fakeBus();
    const first = { backgroundEvent: vi.fn(), dataChanged: vi.fn() };
    const second = { backgroundEvent: vi.fn(), dataChanged: vi.fn() };
    let shown = first;
    const stop = await listenForBackgroundSync(() => shown, { __TAURI_INTERNALS__: {} } as unknown as Window, bus.listenTo);
    const event: SyncEvent = { kind: 'started', connection_id: 1, label: 'Demo Bank' };
    bus.handlers.get(SYNC_EVENT)!({ payload: event });
    shown = second;
    bus.handlers.get(DATA_CHANGED)!({ payload: null });
    expect(first.backgroundEvent).toHaveBeenCalledWith(event);
    expect(first.dataChanged).not.toHaveBeenCalled();
    expect(second.dataChanged).toHaveBeenCalledOnce();
    stop!();
    expect(bus.handlers.size).toBe(0);
  });
});
