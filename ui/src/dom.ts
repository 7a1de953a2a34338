// Tiny DOM helpers. Text only ever goes in through text nodes / textContent: bank data is
// untrusted and never touches innerHTML.

export type AttrValue = string | number | boolean | null | undefined;

export interface ElOptions {
  id?: string;
  class?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, AttrValue>;
  data?: Record<string, string | number>;
}

export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.id) node.id = options.id;
  if (options.class) node.className = options.class;
  if (options.title) node.title = options.title;
  if (options.attrs) {
    for (const [name, value] of Object.entries(options.attrs)) {
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  if (options.data) {
    for (const [name, value] of Object.entries(options.data)) node.dataset[name] = String(value);
  }
  if (options.text !== undefined) node.textContent = options.text;
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Static icon paths (24×24, stroked). Never built from data. */
const ICONS = {
  sync: ['M20 11a8 8 0 0 0-14.6-4.5L4 8', 'M4 4v4h4', 'M4 13a8 8 0 0 0 14.6 4.5L20 16', 'M20 20v-4h-4'],
  wallet: ['M4 7.5A2.5 2.5 0 0 1 6.5 5H18v3', 'M4 7.5v10A2.5 2.5 0 0 0 6.5 20H20V8H6.5A2.5 2.5 0 0 1 4 5.5', 'M16 14h.01'],
  card: ['M3 6.5A1.5 1.5 0 0 1 4.5 5h15A1.5 1.5 0 0 1 21 6.5v11a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z', 'M3 10h18', 'M7 15h3'],
  piggy: ['M5 11a7 6 0 0 1 13-2.5h1.5v3l1.5.5v3h-2a7 6 0 0 1-3 2.5V20h-3v-2h-2v2H8v-2.8A6 6 0 0 1 5 11z', 'M3 9.5c0 1 .8 1.5 2 1.5', 'M15 11h.01'],
  loan: ['M12 3v18', 'M16.5 7.5c0-1.7-2-3-4.5-3s-4.5 1.3-4.5 3 2 2.6 4.5 3 4.5 1.3 4.5 3-2 3-4.5 3-4.5-1.3-4.5-3'],
  layers: ['M12 4 3 8.5l9 4.5 9-4.5z', 'M3 12.5 12 17l9-4.5', 'M3 16.5 12 21l9-4.5'],
  close: ['M6 6l12 12', 'M18 6 6 18'],
  alert: ['M12 8v5', 'M12 16.5h.01', 'M10.3 3.9 2.6 17.5A2 2 0 0 0 4.3 20.5h15.4a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z'],
  lock: ['M6 11h12v9H6z', 'M8.5 11V8a3.5 3.5 0 0 1 7 0v3'],
  sparkle: ['M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8z', 'M19 15l.7 2 2 .7-2 .7-.7 2-.7-2-2-.7 2-.7z'],
  bank: ['M3 10 12 4l9 6', 'M5 10v8', 'M19 10v8', 'M9 10v8', 'M15 10v8', 'M3 20h18'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-4-4'],
  download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
  chevron: ['M6 9l6 6 6-6'],
  pencil: ['M4 20h4L19 9l-4-4L4 16z', 'M13.5 6.5l4 4'],
  trash: ['M4 7h16', 'M9 7V4h6v3', 'M6 7l1 13h10l1-13'],
  merge: ['M7 4v5a5 5 0 0 0 5 5h0a5 5 0 0 1 5 5v1', 'M17 4v5a5 5 0 0 1-5 5', 'M4 7l3-3 3 3'],
  plus: ['M12 5v14', 'M5 12h14'],
  chart: ['M4 20h16', 'M7 16v-5', 'M12 16V7', 'M17 16v-8'],
  list: ['M8 6h12', 'M8 12h12', 'M8 18h12', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'],
  eye: ['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z', 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'],
  'eye-off': ['M3 3l18 18', 'M10.6 5.1A10.6 10.6 0 0 1 12 5c6.5 0 10 7 10 7a17.6 17.6 0 0 1-3.2 4.2', 'M6.6 6.6C3.9 8.4 2 12 2 12s3.5 7 10 7c1.9 0 3.5-.6 4.9-1.4', 'M9.9 9.9a3 3 0 0 0 4.2 4.2'],
  tag: ['M3 12V4h8l10 10-8 8z', 'M7.5 7.5h.01'],
} as const;

export type IconName = keyof typeof ICONS;

export function icon(name: IconName, className = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name]) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}
