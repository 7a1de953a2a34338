// A bank's mark, from the SVG its descriptor carries (`ProviderInfo.logo_svg`).
//
// The SVG is shown as an <img> with a data: URL and never parsed into the page: an image
// document runs no script and reaches nothing outside itself, whatever the markup holds
// (the CSPs of the desktop window and of `coffer serve` allow `img-src data:` for this).

import type { ProviderInfo } from './api';
import { el, icon } from './dom';

/** `data:image/svg+xml,…` for an SVG document. */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/**
 * The bank's logo, decorative (the bank's name is always written next to it), or the generic
 * bank icon when the bank is unknown or has no logo.
 */
export function bankLogo(provider: ProviderInfo | undefined, className: string): HTMLElement {
  const svg = provider?.logo_svg.trim() ?? '';
  const frame = el('span', { class: className, attrs: { 'aria-hidden': 'true' } });
  if (svg !== '') {
    frame.classList.add('has-logo');
    frame.appendChild(
      el('img', {
        class: 'bank-logo',
        attrs: { src: svgDataUrl(svg), alt: '', draggable: 'false', 'data-testid': 'bank-logo' },
      }),
    );
  } else {
    frame.appendChild(icon('bank'));
  }
  return frame;
}
