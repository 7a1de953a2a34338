// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../testing/fake-transport';
import { choose } from './modal';

const key = (target: Element, k: string, shiftKey = false): void => {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true }));
};

beforeEach(() => {
  document.body.innerHTML = '<div id="app"><button id="opener">Open</button></div>';
  document.getElementById('opener')!.focus();
});

afterEach(() => {
  document.body.innerHTML = '';
});

function ask() {
  return choose<'a' | 'b'>({
    title: 'Pick one',
    message: 'Which?',
    choices: [
      { value: 'a', label: 'First', testId: 'first', autofocus: true },
      { value: 'b', label: 'Second', testId: 'second' },
    ],
  });
}

describe('choose', () => {
  it('is a labelled modal dialog that focuses the preferred answer and keeps Tab inside', async () => {
    void ask();
    const dialog = document.querySelector<HTMLElement>('[role="dialog"]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)!.textContent).toBe('Pick one');
    const first = document.querySelector<HTMLElement>('[data-testid="first"]')!;
    const second = document.querySelector<HTMLElement>('[data-testid="second"]')!;
    expect(document.activeElement).toBe(first);

    // The close button comes first, the last answer last; Tab wraps around both ways.
    const close = dialog.querySelector<HTMLElement>('.modal-close')!;
    second.focus();
    key(second, 'Tab');
    expect(document.activeElement).toBe(close);
    key(close, 'Tab', true);
    expect(document.activeElement).toBe(second);
    expect(document.getElementById('app')!.hasAttribute('inert')).toBe(true);
  });

  it('resolves to the answer clicked and gives the focus back', async () => {
    const answer = ask();
    document.querySelector<HTMLElement>('[data-testid="second"]')!.click();
    expect(await answer).toBe('b');
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    expect(document.getElementById('app')!.hasAttribute('inert')).toBe(false);
    expect(document.activeElement).toBe(document.getElementById('opener'));
  });

  it('Escape cancels', async () => {
    const answer = ask();
    key(document.activeElement!, 'Escape');
    await settle();
    expect(await answer).toBeNull();
    expect(document.querySelector('[role="dialog"]')).toBeNull();
  });
});
