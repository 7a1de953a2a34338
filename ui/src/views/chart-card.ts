// One dashboard chart. The backend draws it; the SVG is shown as an <img> from a data: URL —
// never parsed into this page, since bank text is inside it — and transparent buttons laid over
// it turn a click on a bar or point into a filter.

import type { Api } from '../api';
import type { ChartKind, ChartRegion, ChartRequest, ChartTheme, ChartView, HitTarget } from '../generated/api';
import { clear, el, icon } from '../dom';
import { CHART_HEIGHT, chartWidthFor, scaleRegion, svgDataUrl } from '../chart-geometry';
import { downloadBlob } from '../download';
import { showError } from '../error-banner';
import { categoryLabel } from '../filter';
import { currentLocale, formatAmount, formatDate, formatMonth, plural } from '../format';
import type { Store } from '../state';
import { toast } from '../toast';

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** What a click on a region does, in words: "Filter to Groceries", "Filter to March 2026". */
export function regionLabel(target: HitTarget, key: string): string {
  switch (target) {
    case 'category':
      return `Filter to ${categoryLabel(key)}`;
    case 'vendor':
      return `Filter to ${key}`;
    case 'period':
    case 'date': {
      const week = /^(\d{4})-W(\d{2})$/.exec(key);
      if (week) return `Filter to week ${Number(week[2])} of ${week[1]}`;
      const month = /^(\d{4})-(\d{2})$/.exec(key);
      if (month) return `Filter to ${MONTH_NAMES[Number(month[2]) - 1] ?? month[2]} ${month[1]}`;
      if (/^\d{4}$/.test(key)) return `Filter to ${key}`;
      return `Filter to ${formatDate(key)}`;
    }
  }
}

/** The period, category, vendor or day a region stands for, as a tooltip's heading. */
export function regionTitle(target: HitTarget, key: string): string {
  switch (target) {
    case 'category':
      return categoryLabel(key);
    case 'vendor':
      return key;
    case 'period':
    case 'date': {
      const week = /^(\d{4})-W(\d{2})$/.exec(key);
      if (week) return `Week ${Number(week[2])}, ${week[1]}`;
      if (/^\d{4}-\d{2}$/.test(key)) return formatMonth(key);
      if (/^\d{4}$/.test(key)) return key;
      return formatDate(key);
    }
  }
}

/**
 * What hovering or focusing a region shows: its exact value(s) in the user's locale and how
 * many transactions it stands for. Lines, first the heading.
 */
export function regionTooltip(
  region: Pick<ChartRegion, 'target' | 'key' | 'amount' | 'credit' | 'debit' | 'count'>,
  currency: string,
): string[] {
  const lines = [regionTitle(region.target, region.key)];
  if (region.credit !== null) lines.push(`Money in: ${formatAmount(region.credit, currency)}`);
  if (region.debit !== null) lines.push(`Money out: ${formatAmount(region.debit, currency)}`);
  if (region.amount !== null) {
    lines.push(region.target === 'date' ? `Balance: ${formatAmount(region.amount, currency)}` : formatAmount(region.amount, currency));
  }
  if (region.count !== null) lines.push(plural(region.count, 'transaction', 'transactions'));
  return lines;
}

export function currentTheme(): ChartTheme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export interface ChartCardOptions {
  kind: ChartKind;
  /** Element id, e.g. `chart-category`. */
  id: string;
  title: string;
  /** Show the Month / Week switch (the debit/credit chart). */
  periodSwitch?: boolean;
  wide?: boolean;
}

export class ChartCard {
  readonly element: HTMLElement;
  readonly kind: ChartKind;
  readonly #api: Api;
  readonly #store: Store;
  readonly #title: string;
  readonly #frame: HTMLElement;
  readonly #image: HTMLImageElement;
  readonly #hits: HTMLElement;
  readonly #tooltip: HTMLElement;
  readonly #currencySwitch: HTMLElement;
  readonly #periodSwitch: HTMLElement | null;
  readonly #saveMenu: HTMLElement | null;
  #view: ChartView | null = null;
  #request: ChartRequest | null = null;
  /** The currency the user picked; null: the backend's default (the one with most rows). */
  #currency: string | null = null;
  #generation = 0;
  #resizeTimer: number | undefined;

  constructor(api: Api, store: Store, options: ChartCardOptions) {
    this.#api = api;
    this.#store = store;
    this.kind = options.kind;
    this.#title = options.title;
    const titleId = `${options.id}-title`;

    this.#image = el('img', {
      class: 'chart-image',
      attrs: { alt: options.title, draggable: 'false', width: 800, height: CHART_HEIGHT },
    });
    this.#hits = el('div', { class: 'chart-hits', attrs: { role: 'group', 'aria-label': `${options.title}: filter by` } });
    this.#hits.addEventListener('click', (e) => this.#onHit(e));
    this.#hits.addEventListener('keydown', (e) => this.#onHitKey(e));
    // One tooltip per chart, shown for the region under the pointer or with the focus.
    this.#tooltip = el('div', { id: `${options.id}-tooltip`, class: 'chart-tooltip', attrs: { role: 'tooltip', hidden: true } });
    const hitOf = (e: Event): HTMLButtonElement | null =>
      (e.target as Element | null)?.closest<HTMLButtonElement>('button.chart-hit') ?? null;
    this.#hits.addEventListener('pointerover', (e) => this.#showTooltip(hitOf(e)));
    this.#hits.addEventListener('pointerleave', () => {
      if (!this.#hits.contains(document.activeElement)) this.#showTooltip(null);
    });
    this.#hits.addEventListener('focusin', (e) => this.#showTooltip(hitOf(e)));
    this.#hits.addEventListener('focusout', () => this.#showTooltip(null));
    this.#frame = el(
      'div',
      { class: 'chart-frame' },
      this.#image,
      this.#hits,
      this.#tooltip,
      el('div', { class: 'chart-loading', attrs: { 'aria-hidden': 'true' } }, el('span', { class: 'spinner' })),
    );

    this.#currencySwitch = el('div', {
      class: 'segmented currency-switch',
      attrs: { role: 'group', 'aria-label': 'Currency', hidden: true },
    });
    this.#currencySwitch.addEventListener('click', (e) => {
      const b = (e.target as Element | null)?.closest<HTMLButtonElement>('button[data-currency]');
      if (!b || b.getAttribute('aria-pressed') === 'true') return;
      this.#currency = b.dataset['currency'] ?? null;
      void this.load();
    });

    this.#periodSwitch = null;
    if (options.periodSwitch) {
      const month = el('button', { class: 'segment', text: 'Month', attrs: { type: 'button' }, data: { period: 'month' } });
      const week = el('button', { class: 'segment', text: 'Week', attrs: { type: 'button' }, data: { period: 'week' } });
      this.#periodSwitch = el(
        'div',
        { class: 'segmented period-switch', attrs: { role: 'group', 'aria-label': 'Group by' } },
        month,
        week,
      );
      this.#periodSwitch.addEventListener('click', (e) => {
        const b = (e.target as Element | null)?.closest<HTMLButtonElement>('button[data-period]');
        if (!b) return;
        this.#store.update({ period: b.dataset['period'] === 'week' ? 'week' : 'month' });
      });
    }

    this.#saveMenu = null;
    const save = el(
      'button',
      {
        class: 'button ghost small chart-save',
        attrs: { type: 'button', 'aria-haspopup': api.hasNativeDialogs ? 'menu' : null, 'aria-expanded': api.hasNativeDialogs ? 'false' : null },
      },
      icon('download'),
      el('span', { text: 'Save chart' }),
    );
    const saveWrap = el('div', { class: 'menu-anchor' }, save);
    if (api.hasNativeDialogs) {
      const svg = el('button', { class: 'menu-item', text: 'As SVG…', attrs: { type: 'button', role: 'menuitem' } });
      const png = el('button', { class: 'menu-item', text: 'As PNG…', attrs: { type: 'button', role: 'menuitem' } });
      const menu = el('div', { class: 'menu', attrs: { role: 'menu', hidden: true, 'aria-label': 'Save chart' } }, svg, png);
      this.#saveMenu = menu;
      saveWrap.appendChild(menu);
      const close = (): void => {
        menu.hidden = true;
        save.setAttribute('aria-expanded', 'false');
      };
      save.addEventListener('click', () => {
        const open = menu.hidden;
        menu.hidden = !open;
        save.setAttribute('aria-expanded', open ? 'true' : 'false');
        if (open) svg.focus();
      });
      menu.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
          save.focus();
        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          (document.activeElement === svg ? png : svg).focus();
        }
      });
      document.addEventListener('click', (e) => {
        if (!saveWrap.contains(e.target as Node)) close();
      });
      svg.addEventListener('click', () => {
        close();
        void this.#saveNative('svg');
      });
      png.addEventListener('click', () => {
        close();
        void this.#saveNative('png');
      });
    } else {
      save.title = 'Download as SVG';
      save.addEventListener('click', () => this.#download());
    }

    this.element = el(
      'section',
      {
        id: options.id,
        class: `card chart-card${options.wide ? ' wide' : ''}`,
        attrs: { 'aria-labelledby': titleId, 'aria-busy': 'true' },
        data: { kind: options.kind, state: 'idle' },
      },
      el(
        'div',
        { class: 'chart-toolbar' },
        // The SVG shows the title itself; the heading names the card for assistive tech.
        el('h2', { id: titleId, class: 'chart-title sr-only', text: options.title }),
        el('div', { class: 'chart-controls' }, this.#periodSwitch, this.#currencySwitch, saveWrap),
      ),
      this.#frame,
    );

    new ResizeObserver(() => this.#onResize()).observe(this.#frame);
  }

  /** Draws the chart for the current filter at the frame's width; stale answers are dropped. */
  async load(): Promise<void> {
    const width = this.#frame.clientWidth;
    if (width === 0) return; // hidden; the dashboard loads again when it is shown
    const state = this.#store.state;
    const request: ChartRequest = {
      kind: this.kind,
      filter: state.filter,
      width: chartWidthFor(width),
      height: CHART_HEIGHT,
      theme: currentTheme(),
      period: state.period,
      currency: this.#currency,
      locale: currentLocale(),
    };
    this.#renderPeriod();
    const generation = ++this.#generation;
    this.element.dataset['state'] = 'loading';
    this.element.setAttribute('aria-busy', 'true');
    try {
      const view = await this.#api.chart(request);
      if (generation !== this.#generation) return;
      const src = svgDataUrl(view.svg);
      const next = new Image(request.width, request.height);
      next.src = src;
      await next.decode().catch(() => undefined);
      if (generation !== this.#generation) return;
      this.#image.width = request.width;
      this.#image.height = request.height;
      this.#image.src = src;
      this.#image.alt = view.currency ? `${this.#title} (${view.currency})` : this.#title;
      this.#view = view;
      this.#request = request;
      this.element.dataset['currency'] = view.currency ?? '';
      this.element.dataset['width'] = String(request.width);
      this.element.dataset['regions'] = String(view.regions.length);
      this.#renderCurrencies(view);
      this.#renderHits();
      this.element.dataset['state'] = 'ready';
    } catch (error) {
      if (generation !== this.#generation) return;
      if (request.currency !== null) {
        // The chosen currency may be gone from the new filter: fall back to the default one.
        this.#currency = null;
        void this.load();
        return;
      }
      this.element.dataset['state'] = this.#view ? 'ready' : 'error';
      showError(error, 'filter');
    } finally {
      if (generation === this.#generation) this.element.setAttribute('aria-busy', 'false');
    }
  }

  #renderPeriod(): void {
    if (!this.#periodSwitch) return;
    const period = this.#store.state.period;
    for (const b of Array.from(this.#periodSwitch.querySelectorAll<HTMLButtonElement>('button'))) {
      b.setAttribute('aria-pressed', b.dataset['period'] === period ? 'true' : 'false');
    }
  }

  #renderCurrencies(view: ChartView): void {
    clear(this.#currencySwitch);
    this.#currencySwitch.hidden = view.currencies.length < 2;
    for (const c of view.currencies) {
      this.#currencySwitch.appendChild(
        el('button', {
          class: 'segment',
          text: c,
          attrs: { type: 'button', 'aria-pressed': c === view.currency ? 'true' : 'false' },
          data: { currency: c },
        }),
      );
    }
  }

  /** Lays the hit buttons over the image at its rendered size. */
  #renderHits(): void {
    const view = this.#view;
    const request = this.#request;
    clear(this.#hits);
    this.#showTooltip(null);
    if (!view || !request) return;
    const shownWidth = this.#image.clientWidth || request.width;
    const shownHeight = this.#image.clientHeight || request.height;
    const fragment = document.createDocumentFragment();
    let first = true;
    for (const region of view.regions) {
      if (region.key === '') continue;
      const box = scaleRegion(region, request.width, request.height, shownWidth, shownHeight);
      const label = regionLabel(region.target, region.key);
      const tip = regionTooltip(region, view.currency ?? '');
      const b = el('button', {
        class: 'chart-hit',
        attrs: { type: 'button', 'aria-label': label, 'aria-describedby': this.#tooltip.id, tabindex: first ? 0 : -1 },
        data: { target: region.target, key: region.key, from: region.from ?? '', to: region.to ?? '', tooltip: tip.join('\n') },
      });
      b.style.left = `${box.left}px`;
      b.style.top = `${box.top}px`;
      b.style.width = `${box.width}px`;
      b.style.height = `${box.height}px`;
      fragment.appendChild(b);
      first = false;
    }
    this.#hits.appendChild(fragment);
  }

  /** Shows the tooltip of `hit` above it (below when there is no room), or hides it. */
  #showTooltip(hit: HTMLButtonElement | null): void {
    const lines = hit?.dataset['tooltip']?.split('\n') ?? [];
    if (!hit || lines.length === 0) {
      this.#tooltip.hidden = true;
      delete this.element.dataset['tooltipKey'];
      return;
    }
    clear(this.#tooltip);
    const [heading, ...rest] = lines;
    this.#tooltip.appendChild(el('strong', { text: heading ?? '' }));
    for (const line of rest) this.#tooltip.appendChild(el('span', { text: line }));
    this.#tooltip.hidden = false;
    this.element.dataset['tooltipKey'] = hit.dataset['key'] ?? '';
    const frame = this.#frame.getBoundingClientRect();
    const box = hit.getBoundingClientRect();
    const tip = this.#tooltip.getBoundingClientRect();
    const centre = box.left - frame.left + box.width / 2;
    const left = Math.max(4, Math.min(frame.width - tip.width - 4, centre - tip.width / 2));
    const above = box.top - frame.top - tip.height - 8;
    const top = above >= 0 ? above : Math.min(frame.height - tip.height, box.top - frame.top + 8);
    this.#tooltip.style.left = `${Math.round(left)}px`;
    this.#tooltip.style.top = `${Math.round(Math.max(0, top))}px`;
  }

  #onResize(): void {
    this.#renderHits();
    window.clearTimeout(this.#resizeTimer);
    this.#resizeTimer = window.setTimeout(() => {
      const width = this.#frame.clientWidth;
      if (width > 0 && this.#request && chartWidthFor(width) !== this.#request.width) void this.load();
    }, 200);
  }

  #onHit(event: Event): void {
    const b = (event.target as Element | null)?.closest<HTMLButtonElement>('button.chart-hit');
    if (!b) return;
    applyRegion(this.#store, {
      target: b.dataset['target'] as ChartRegion['target'],
      key: b.dataset['key'] ?? '',
      from: b.dataset['from'] || null,
      to: b.dataset['to'] || null,
    });
  }

  /** Arrow keys move between the regions (one tab stop per chart). */
  #onHitKey(event: KeyboardEvent): void {
    const buttons = Array.from(this.#hits.querySelectorAll<HTMLButtonElement>('button.chart-hit'));
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    let next = i;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = Math.min(buttons.length - 1, i + 1);
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = Math.max(0, i - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = buttons.length - 1;
    else return;
    event.preventDefault();
    buttons[i]!.tabIndex = -1;
    buttons[next]!.tabIndex = 0;
    buttons[next]!.focus();
  }

  #saveRequest(): ChartRequest | null {
    if (!this.#request) return null;
    // A file to keep: at least 960 px wide, in what is on screen otherwise.
    return { ...this.#request, width: Math.max(this.#request.width, 960), currency: this.#view?.currency ?? null };
  }

  async #saveNative(format: 'svg' | 'png'): Promise<void> {
    const request = this.#saveRequest();
    if (!request) return;
    try {
      const saved = await this.#api.saveChartDialog(request, format);
      if (saved) toast(`Saved the chart to ${saved.path}`);
    } catch (error) {
      showError(error);
    }
  }

  #download(): void {
    if (!this.#view) return;
    downloadBlob(new Blob([this.#view.svg], { type: 'image/svg+xml' }), 'coffer-chart.svg');
    toast('Downloaded coffer-chart.svg');
  }

  /** Closes the save menu (e.g. when the view is left). */
  closeMenus(): void {
    if (this.#saveMenu) this.#saveMenu.hidden = true;
  }
}

/**
 * Applies a clicked region to the shared filter. Period and date regions carry the exact days
 * they stand for, computed by the backend (ISO weeks, month ends and leap years included).
 */
export function applyRegion(store: Store, region: Pick<ChartRegion, 'target' | 'key' | 'from' | 'to'>): void {
  switch (region.target) {
    case 'category':
      store.setFilter({ categories: [region.key] });
      return;
    case 'vendor':
      store.setFilter({ vendors: [region.key] });
      return;
    case 'period':
    case 'date':
      if (region.from && region.to) store.setFilter({ from: region.from, to: region.to }, 'custom');
      return;
  }
}
