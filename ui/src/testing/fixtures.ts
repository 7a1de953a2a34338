// Test support: providers and connections shaped like the backend's (the descriptors of
// crates/coffer-providers, as `providers()` answers them), one per kind of login, plus a
// fictional credentials bank (no real one has that login yet).

import type { Capabilities, ConnectionView, CredentialField, ProviderInfo } from '../api';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#002776"/></svg>';

const NO_CAPABILITIES: Capabilities = { refresh_at_bank: false, reconnect: false, consent_expiry: false, revoke_at_bank: false };

function field(key: string, label: string, patch: Partial<CredentialField> = {}): CredentialField {
  return { key, label, help: '', input: 'text', secret: false, required: true, default_value: null, choices: [], ...patch };
}

const BANKS = [
  ['fid-smn', 'SpareBank 1 SMN'],
  ['fid-snn', 'SpareBank 1 Nord-Norge'],
  ['fid-sr-bank', 'SpareBank 1 Sør-Norge'],
] as const;

/** OAuth in the browser, back to a loopback port the user registered. */
export const sparebank1: ProviderInfo = {
  id: 'sparebank1',
  name: 'SpareBank 1',
  summary: 'Norwegian savings banks. Log in with BankID in your browser.',
  countries: ['NO'],
  logo_svg: LOGO,
  developer_portal: 'https://developer.sparebank1.no',
  welcome_offer: null,
  login: 'oauth_loopback',
  fields: [
    field('client_id', 'Client ID', { help: 'From your app at developer.sparebank1.no.' }),
    field('client_secret', 'Client secret', { input: 'secret', secret: true, help: 'Shown once when you created the app.' }),
    field('fin_inst', 'Bank', {
      input: 'choice',
      required: false,
      help: 'Which SpareBank 1 bank you use.',
      choices: BANKS.map(([value, label]) => ({ value, label, detail: null })),
    }),
    field('redirect_port', 'Redirect port', { input: 'port', default_value: '8321', help: 'The local port the bank redirects to.' }),
  ],
  capabilities: { ...NO_CAPABILITIES, reconnect: true, consent_expiry: true },
  redirect_uri_template: 'http://127.0.0.1:{port}/callback/sparebank1',
  storage_warning: null,
};

/** A hosted connect page, with the bank picked from a catalogue. */
export const finsify: ProviderInfo = {
  id: 'finsify',
  name: 'Finsify',
  summary: 'Banks and wallets in Vietnam and South-East Asia through Finsify Hub.',
  countries: ['VN', 'ID'],
  logo_svg: LOGO,
  developer_portal: 'https://docs.finsify.com',
  welcome_offer: null,
  login: 'hosted_page',
  fields: [
    field('client_id', 'Client-Id'),
    field('service_secret', 'Service-secret', { input: 'secret', secret: true }),
    field('service_id', 'Bank', { input: 'catalogue', help: 'Pick your bank from Finsify’s catalogue.' }),
  ],
  capabilities: { refresh_at_bank: true, reconnect: true, consent_expiry: false, revoke_at_bank: true },
  redirect_uri_template: null,
  storage_warning: null,
};

/** Built in: no login, offered on the welcome screen. */
export const demo: ProviderInfo = {
  id: 'demo',
  name: 'Demo Bank',
  summary: 'A realistic Oslo household, invented on this machine. No login.',
  countries: ['NO'],
  logo_svg: LOGO,
  developer_portal: null,
  welcome_offer: 'Explore with demo data',
  login: 'none',
  fields: [],
  capabilities: NO_CAPABILITIES,
  redirect_uri_template: null,
  storage_warning: null,
};

/** Username and password, sealed in the vault (a fictional bank). */
export const nordlys: ProviderInfo = {
  id: 'nordlys',
  name: 'Nordlys Sparebank',
  summary: 'A savings bank that only offers its customers their own username and password.',
  countries: ['NO'],
  logo_svg: LOGO,
  developer_portal: null,
  welcome_offer: null,
  login: 'credentials',
  fields: [
    field('username', 'Username', { secret: true }),
    field('password', 'Password', { input: 'secret', secret: true }),
  ],
  capabilities: { ...NO_CAPABILITIES, reconnect: true },
  redirect_uri_template: null,
  storage_warning:
    'Coffer stores your Nordlys username and password on this computer, sealed in its vault, because the bank offers no other way to read your accounts. Anyone who can unlock the vault can log in to your bank.',
};

export function connection(patch: Partial<ConnectionView> & Pick<ConnectionView, 'id'>): ConnectionView {
  return {
    provider: 'sparebank1',
    provider_name: 'SpareBank 1',
    label: `Bank ${patch.id}`,
    status: 'active',
    last_sync_at: null,
    consent_expires_at: null,
    last_error: null,
    accounts: 2,
    ...patch,
  };
}
