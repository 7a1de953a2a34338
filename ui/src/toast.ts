// Short confirmations ("Also updated 12 other transactions from Kiwi") in `#toast`, a polite
// live region; each disappears after a few seconds or when dismissed.

import { el, icon } from './dom';

const SHOW_MS = 6000;

function region(): HTMLElement {
  let r = document.getElementById('toast');
  if (!r) {
    r = el('div', { id: 'toast', class: 'toast-region', attrs: { role: 'status', 'aria-live': 'polite' } });
    document.body.appendChild(r);
  }
  return r;
}

export function toast(message: string): void {
  const r = region();
  const close = el('button', {
    class: 'icon-button toast-close',
    attrs: { type: 'button', 'aria-label': 'Dismiss' },
  });
  close.appendChild(icon('close'));
  const item = el('div', { class: 'toast' }, el('span', { class: 'toast-message', text: message }), close);
  const remove = (): void => item.remove();
  close.addEventListener('click', remove);
  r.appendChild(item);
  while (r.childElementCount > 3) r.firstElementChild?.remove();
  window.setTimeout(remove, SHOW_MS);
}
