import { describe, expect, it } from 'vitest';
import { pagesFor, spacerHeights, visibleWindow } from './virtual';

const base = { rowHeight: 52, viewportHeight: 520, overscan: 10 };

describe('visibleWindow', () => {
  it('renders the visible rows plus the overscan', () => {
    // 520 px show rows 0..9; with 10 more below.
    expect(visibleWindow({ ...base, scrollTop: 0, total: 100_000 })).toEqual({ start: 0, end: 20 });
    // Scrolled to row 1,000 exactly: rows 1000..1009 visible.
    expect(visibleWindow({ ...base, scrollTop: 52_000, total: 100_000 })).toEqual({ start: 990, end: 1020 });
    // Half a row in: row 1000 partly and row 1010 partly visible.
    expect(visibleWindow({ ...base, scrollTop: 52_026, total: 100_000 })).toEqual({ start: 990, end: 1021 });
  });

  it('clamps at the end of the list', () => {
    const bottom = 100_000 * 52 - 520;
    expect(visibleWindow({ ...base, scrollTop: bottom, total: 100_000 })).toEqual({ start: 99_980, end: 100_000 });
    // An overscrolled (elastic) position is treated as the bottom.
    expect(visibleWindow({ ...base, scrollTop: bottom + 5000, total: 100_000 })).toEqual({ start: 99_980, end: 100_000 });
    expect(visibleWindow({ ...base, scrollTop: -300, total: 100_000 })).toEqual({ start: 0, end: 20 });
  });

  it('handles short and empty lists', () => {
    expect(visibleWindow({ ...base, scrollTop: 0, total: 0 })).toEqual({ start: 0, end: 0 });
    expect(visibleWindow({ ...base, scrollTop: 0, total: 7 })).toEqual({ start: 0, end: 7 });
    expect(visibleWindow({ ...base, scrollTop: 0, total: 250, renderAllUpTo: 300 })).toEqual({ start: 0, end: 250 });
    expect(visibleWindow({ ...base, scrollTop: 0, total: 301, renderAllUpTo: 300 })).toEqual({ start: 0, end: 20 });
  });

  it('renders at least one row in a zero-height viewport', () => {
    expect(visibleWindow({ ...base, viewportHeight: 0, overscan: 0, scrollTop: 104, total: 50 })).toEqual({ start: 2, end: 3 });
  });
});

describe('pagesFor', () => {
  it('lists the pages a window touches', () => {
    expect(pagesFor({ start: 0, end: 20 }, 200)).toEqual([0]);
    expect(pagesFor({ start: 190, end: 220 }, 200)).toEqual([0, 1]);
    expect(pagesFor({ start: 200, end: 400 }, 200)).toEqual([1]);
    expect(pagesFor({ start: 99_980, end: 100_000 }, 200)).toEqual([499]);
    expect(pagesFor({ start: 5, end: 5 }, 200)).toEqual([]);
  });
});

describe('spacerHeights', () => {
  it('keeps the full scroll height', () => {
    const w = { start: 990, end: 1020 };
    const s = spacerHeights(w, 100_000, 52);
    expect(s).toEqual({ top: 990 * 52, bottom: (100_000 - 1020) * 52 });
    expect(s.top + (w.end - w.start) * 52 + s.bottom).toBe(100_000 * 52);
  });
});
