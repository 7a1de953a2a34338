// Test support: providers and connections shaped like the backend's.

import type { ConnectionView, ProviderInfo } from '../api';

const BANKS = [
  ['fid-smn', 'SpareBank 1 SMN'],
  ['fid-snn', 'SpareBank 1 Nord-Norge'],
  ['fid-sr-bank', 'SpareBank 1 Sør-Norge'],
] as const;

export const sparebank1: ProviderInfo = {
  id: 'sparebank1',
  name: 'SpareBank 1',
  summary: 'Norwegian savings banks in the SpareBank 1 alliance.',
  login: 'oauth_loopback',
  redirect_uri_template: 'http://localhost:{port}/callback',
  fields: [
    { key: 'client_id', label: 'Client ID', help: 'From your app at developer.sparebank1.no.', secret: false, required: true, default_value: null, choices: [] },
    { key: 'client_secret', label: 'Client secret', help: 'Shown once when you created the app.', secret: true, required: true, default_value: null, choices: [] },
    {
      key: 'fin_inst',
      label: 'Bank',
      help: 'Which SpareBank 1 bank you use.',
      secret: false,
      required: false,
      default_value: null,
      choices: BANKS.map(([value, label]) => ({ value, label })),
    },
    { key: 'redirect_port', label: 'Redirect port', help: 'The local port the bank redirects to.', secret: false, required: true, default_value: '8321', choices: [] },
  ],
};

export const finsify: ProviderInfo = {
  id: 'finsify',
  name: 'Finsify',
  summary: 'Banks across Europe and Asia through Finsify.',
  login: 'connect_page',
  redirect_uri_template: null,
  fields: [
    { key: 'client_id', label: 'Client ID', help: '', secret: false, required: true, default_value: null, choices: [] },
    { key: 'service_secret', label: 'Service secret', help: '', secret: true, required: true, default_value: null, choices: [] },
    { key: 'service_id', label: 'Bank', help: 'The bank to connect through Finsify.', secret: false, required: true, default_value: null, choices: [] },
  ],
};

export function connection(patch: Partial<ConnectionView> & Pick<ConnectionView, 'id'>): ConnectionView {
  return {
    provider: 'sparebank1',
    label: `Bank ${patch.id}`,
    status: 'active',
    last_sync_at: null,
    consent_expires_at: null,
    last_error: null,
    accounts: 2,
    ...patch,
  };
}
