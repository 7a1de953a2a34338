// The arithmetic of the virtualised transactions table: which rows to build for a scroll
// position, and which pages of rows that needs. Pure, so it is unit-tested.

export interface RowWindow {
  /** First row to render (inclusive). */
  start: number;
  /** One past the last row to render. */
  end: number;
}

export interface WindowInput {
  /** Pixels scrolled into the rows (the scroll container's scrollTop). */
  scrollTop: number;
  /** Height of the visible area in pixels. */
  viewportHeight: number;
  /** Every row is exactly this tall. */
  rowHeight: number;
  /** Rows in all. */
  total: number;
  /** Extra rows rendered above and below the visible ones, so a small scroll shows built rows. */
  overscan: number;
  /** Up to this many rows, all of them are rendered (a short list needs no windowing). */
  renderAllUpTo?: number;
}

/** The rows to render: the visible ones plus `overscan` on each side, clamped to the list. */
export function visibleWindow(input: WindowInput): RowWindow {
  const total = Math.max(0, Math.floor(input.total));
  if (total === 0) return { start: 0, end: 0 };
  if (total <= (input.renderAllUpTo ?? 0)) return { start: 0, end: total };
  const rowHeight = Math.max(1, input.rowHeight);
  const maxScroll = Math.max(0, total * rowHeight - input.viewportHeight);
  const top = Math.min(Math.max(0, input.scrollTop), maxScroll);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, input.viewportHeight)) / rowHeight); // exclusive
  const start = Math.max(0, first - input.overscan);
  const end = Math.min(total, Math.max(last, first + 1) + input.overscan);
  return { start, end };
}

/** Indexes of the pages (of `pageSize` rows) that hold rows `start .. end`. */
export function pagesFor(window: RowWindow, pageSize: number): number[] {
  if (window.end <= window.start) return [];
  const first = Math.floor(window.start / pageSize);
  const last = Math.floor((window.end - 1) / pageSize);
  const pages: number[] = [];
  for (let p = first; p <= last; p++) pages.push(p);
  return pages;
}

/** Heights of the spacers above and below the rendered rows, keeping the scroll height exact. */
export function spacerHeights(window: RowWindow, total: number, rowHeight: number): { top: number; bottom: number } {
  return { top: window.start * rowHeight, bottom: Math.max(0, total - window.end) * rowHeight };
}
