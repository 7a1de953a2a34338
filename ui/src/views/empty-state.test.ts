// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demo, finsify, nordlys, sparebank1 } from '../testing/fixtures';
import { renderEmptyState, welcomeOffers } from './empty-state';

// The app's mark is an asset outside ui/ (assets/icon.svg), which the test server may not read.
vi.mock('../brand', () => ({ appMark: (className: string) => Object.assign(document.createElement('img'), { className }) }));

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the welcome screen', () => {
  it('offers each built-in bank with the text its descriptor gives, and Connect a bank', () => {
    const view = renderEmptyState([sparebank1, finsify, demo, nordlys]);
    document.body.appendChild(view.root);
    expect(view.offers.map((o) => o.provider.id)).toEqual(['demo']);
    const button = view.offers[0]!.button;
    expect(button.textContent).toBe('Explore with demo data');
    expect(button.id).toBe('explore-demo');
    expect(button.classList.contains('primary')).toBe(true);
    expect(view.connect.textContent).toBe('Connect a bank');
    expect(view.connect.classList.contains('secondary')).toBe(true);
    // What the offer brings, in the bank's words, with its logo as an image.
    const note = document.querySelector('[data-testid="welcome-offer-note"]')!;
    expect(note.textContent).toBe(`Demo Bank: ${demo.summary}`);
    expect(note.querySelector('img')!.getAttribute('src')!.startsWith('data:image/svg+xml')).toBe(true);
  });

  it('without built-in banks (or providers), Connect a bank is the one primary action', () => {
    const view = renderEmptyState([]);
    expect(view.offers).toEqual([]);
    expect(view.connect.classList.contains('primary')).toBe(true);
    expect(welcomeOffers([{ ...demo, welcome_offer: null }, sparebank1])).toEqual([]);
  });
});
