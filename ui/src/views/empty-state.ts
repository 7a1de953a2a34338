// First run: nothing connected yet.

import { appMark } from '../brand';
import { el, icon } from '../dom';

export interface EmptyState {
  root: HTMLElement;
  explore: HTMLButtonElement;
  connect: HTMLButtonElement;
  /** Where `#sync-progress` goes while the demo is being set up. */
  progressSlot: HTMLElement;
}

export function renderEmptyState(): EmptyState {
  const explore = el(
    'button',
    { id: 'explore-demo', class: 'button primary large', attrs: { type: 'button' } },
    icon('sparkle'),
    el('span', { text: 'Explore with demo data' }),
  );
  const connect = el(
    'button',
    {
      id: 'connect-bank',
      class: 'button secondary large',
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
    el('div', { class: 'empty-actions' }, explore, connect),
    progressSlot,
    el('p', {
      class: 'empty-footnote',
      text: 'The demo bank invents a few realistic accounts locally. No bank login needed. Real banks log in through your browser.',
    }),
  );

  const root = el('main', { id: 'empty-state', class: 'empty-state' }, card);
  return { root, explore, connect, progressSlot };
}
