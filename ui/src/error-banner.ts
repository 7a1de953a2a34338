// The dismissible error banner `#error` (static markup in index.html).

import { toApiError } from './api';

function parts(): { banner: HTMLElement; message: HTMLElement } | null {
  const banner = document.getElementById('error');
  const message = banner?.querySelector<HTMLElement>('.error-message');
  return banner && message ? { banner, message } : null;
}

/**
 * Shows the `message` of an ApiError (or of anything thrown) to the user. `source` names what
 * failed (e.g. "filter"), so that a later success of the same thing can take the banner away
 * without hiding an unrelated error.
 */
export function showError(error: unknown, source = ''): void {
  const p = parts();
  const { message, code } = toApiError(error);
  if (!p) {
    console.error(code, message);
    return;
  }
  p.message.textContent = message;
  p.banner.dataset['code'] = code;
  p.banner.dataset['source'] = source;
  p.banner.hidden = false;
}

/** Hides the banner; with a `source`, only if that is what it is showing. */
export function hideError(source?: string): void {
  const p = parts();
  if (!p) return;
  if (source !== undefined && (p.banner.hidden || p.banner.dataset['source'] !== source)) return;
  p.banner.hidden = true;
}

export function installErrorBanner(): void {
  const banner = document.getElementById('error');
  banner?.querySelector('.error-dismiss')?.addEventListener('click', () => hideError());
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && banner && !banner.hidden) hideError();
  });
}
