import { describe, expect, it } from 'vitest';
import type { AppStatus, ConnectionStatus, ConnectionView } from '../generated/api';
import { lastSyncAt, needsAttention } from './main-view';

const connection = (id: number, last_sync_at: string | null, status: ConnectionStatus = 'active'): ConnectionView => {
  return {
    id,
    provider: 'demo',
    provider_name: 'Demo Bank',
    label: `Bank ${id}`,
    status,
    last_sync_at,
    consent_expires_at: null,
    last_error: null,
    accounts: 1,
  };
};

describe('lastSyncAt', () => {
  it('is the latest sync over all connections', () => {
    const status: AppStatus = {
      connections: [
        connection(1, '2026-03-27T08:00:00Z'),
        connection(2, null),
        connection(3, '2026-03-27T10:30:00+02:00'),
        connection(4, '2026-03-27T09:00:00Z'),
      ],
      accounts: 4,
      transactions: 10,
    };
    // 10:30+02:00 is 08:30Z, before 09:00Z: compared as instants, not as strings.
    expect(lastSyncAt(status)).toBe('2026-03-27T09:00:00Z');
  });

  it('is null before any sync', () => {
    expect(lastSyncAt({ connections: [connection(1, null)], accounts: 0, transactions: 0 })).toBeNull();
  });
});

describe('needsAttention', () => {
  it('counts connections that need a login, failed, or whose consent runs out', () => {
    const status: AppStatus = {
      connections: [
        connection(1, null, 'active'),
        connection(2, null, 'needs_reauth'),
        connection(3, null, 'error'),
        connection(4, null, 'expiring'),
        connection(5, null, 'disabled'),
      ],
      accounts: 5,
      transactions: 0,
    };
    expect(needsAttention(status)).toBe(3);
  });
});
