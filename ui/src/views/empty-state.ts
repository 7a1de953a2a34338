// First run: nothing connected yet. Each built-in bank offers its data to explore (its
// descriptor's `welcome_offer`, e.g. a button to look around with sample data); any bank can be
// connected from "Connect a bank".

import type { ProviderInfo } from '../api';
import { appMark } from '../brand';
import { bankLogo } from '../bank-logo';
import { el, icon } from '../dom';

export interface WelcomeOffer {
  provider: ProviderInfo;
  button: HTMLButtonElement;
}

export interface EmptyState {
  root: HTMLElement;
  /** One per built-in bank with an offer, in the backend's order. */
  offers: WelcomeOffer[];
  connect: HTMLButtonElement;
  /** Where `#sync-progress` goes while a built-in bank is being set up. */
  progressSlot: HTMLElement;
}

/** The built-in banks the welcome screen offers, with their offer's text. */
export function welcomeOffers(providers: ProviderInfo[]): Array<{ provider: ProviderInfo; text: string }> {
  return providers.flatMap((provider) =>
    provider.login === 'none' && provider.welcome_offer ? [{ provider, text: provider.welcome_offer }] : [],
  );
}

export function renderEmptyState(providers: ProviderInfo[]): EmptyState {
  const offers: WelcomeOffer[] = welcomeOffers(providers).map(({ provider, text }, i) => ({
    provider,
    button: el(
      'button',
      {
        id: `explore-${provider.id}`,
        class: `button ${i === 0 ? 'primary' : 'secondary'} large`,
        attrs: { type: 'button', 'data-testid': 'welcome-offer' },
        data: { provider: provider.id },
      },
      icon('sparkle'),
      el('span', { text }),
    ),
  }));
  const connect = el(
    'button',
    {
      id: 'connect-bank',
      class: `button ${offers.length === 0 ? 'primary' : 'secondary'} large`,
      attrs: { type: 'button', 'data-testid': 'connect-bank' },
    },
    icon('bank'),
    el('span', { text: 'Connect a bank' }),
  );
  const progressSlot = el('div', { class: 'empty-progress' });

  const points = el(
    'ul',
    { class: 'empty-points' },
    el('li', {}, icon('lock'), el('span', { text: 'Stored only on this computer — no cloud, no tracking.' })),
    el('li', {}, icon('layers'), el('span', { text: 'Every account and card, in every currency, side by side.' })),
    el('li', {}, icon('sync'), el('span', { text: 'Sync on your schedule; nothing runs behind your back.' })),
  );

  // What each offer brings, in the bank's own words.
  const footnotes = offers.map(({ provider }) =>
    el(
      'p',
      { class: 'empty-footnote', attrs: { 'data-testid': 'welcome-offer-note' } },
      bankLogo(provider, 'empty-footnote-mark'),
      el('span', { text: `${provider.name}: ${provider.summary}` }),
    ),
  );

  const card = el(
    'section',
    { class: 'card empty-card', attrs: { 'aria-labelledby': 'empty-title' } },
    appMark('empty-mark'),
    el('h1', { id: 'empty-title', class: 'empty-title', text: 'All your banks in one private place' }),
    el('p', {
      class: 'empty-lead',
      text: 'Coffer gathers your balances and transactions from every bank into one calm overview.',
    }),
    points,
    el('div', { class: 'empty-actions' }, ...offers.map((o) => o.button), connect),
    progressSlot,
    ...footnotes,
  );

  const root = el('main', { id: 'empty-state', class: 'empty-state' }, card);
  return { root, offers, connect, progressSlot };
}
