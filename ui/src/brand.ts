// The app's own icon (assets/icon.svg), bundled by Vite so the window shows our mark.
import iconUrl from '../../assets/icon.svg?url';

import { el } from './dom';

export function appMark(className: string): HTMLImageElement {
  return el('img', { class: className, attrs: { src: iconUrl, alt: '', draggable: 'false' } });
}
