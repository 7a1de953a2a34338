// The dismissible error banner `#error` (static markup in index.html).

import { toApiError } from './api';

function parts(): { banner: HTMLElement; message: HTMLElement } | null {
  const banner = document.getElementById('error');
  const message = banner?.querySelector<HTMLElement>('.error-message');
  return banner && message ? { banner, message } : null;
}

/** Shows the `message` of an ApiError (or of anything thrown) to the user. */
export function showError(error: unknown): void {
  const p = parts();
  const { message, code } = toApiError(error);
  if (!p) {
    console.error(code, message);
    return;
  }
  p.message.textContent = message;
  p.banner.dataset['code'] = code;
  p.banner.hidden = false;
}

export function hideError(): void {
  const p = parts();
  if (p) p.banner.hidden = true;
}

export function installErrorBanner(): void {
  const banner = document.getElementById('error');
  banner?.querySelector('.error-dismiss')?.addEventListener('click', hideError);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && banner && !banner.hidden) hideError();
  });
}
