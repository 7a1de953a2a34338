import { describe, expect, it } from 'vitest';
import { chartWidthFor, scaleRegion, svgDataUrl } from './chart-geometry';
import { regionLabel } from './views/chart-card';

describe('chartWidthFor', () => {
  it('is the rendered width, clamped to 400–1600', () => {
    expect(chartWidthFor(912.6)).toBe(913);
    expect(chartWidthFor(200)).toBe(400);
    expect(chartWidthFor(2400)).toBe(1600);
    expect(chartWidthFor(Number.NaN)).toBe(400);
  });
});

describe('scaleRegion', () => {
  const region = { x: 54, y: 66, width: 6, height: 238 };

  it('is the identity at the requested size', () => {
    expect(scaleRegion(region, 800, 320, 800, 320)).toEqual({ left: 54, top: 66, width: 6, height: 238 });
  });

  it('scales to a smaller or larger box', () => {
    expect(scaleRegion(region, 800, 320, 400, 160)).toEqual({ left: 27, top: 33, width: 3, height: 119 });
    expect(scaleRegion({ x: 16, y: 62, width: 768, height: 22 }, 800, 320, 1200, 480)).toEqual({
      left: 24,
      top: 93,
      width: 1152,
      height: 33,
    });
  });

  it('scales each axis on its own and rounds to 1/100 px', () => {
    expect(scaleRegion({ x: 10, y: 10, width: 10, height: 10 }, 300, 300, 100, 200)).toEqual({
      left: 3.33,
      top: 6.67,
      width: 3.33,
      height: 6.67,
    });
  });

  it('survives an empty SVG', () => {
    expect(scaleRegion(region, 0, 0, 400, 160)).toEqual({ left: 0, top: 0, width: 0, height: 0 });
  });
});

describe('svgDataUrl', () => {
  it('percent-encodes the document, markup and all', () => {
    const url = svgDataUrl('<svg><text>Kaffe & "kake" #1 100%</text></svg>');
    expect(url.startsWith('data:image/svg+xml;charset=utf-8,')).toBe(true);
    expect(url).not.toMatch(/[<>"#& ]/);
    expect(decodeURIComponent(url.slice(url.indexOf(',') + 1))).toBe('<svg><text>Kaffe & "kake" #1 100%</text></svg>');
  });
});

describe('regionLabel', () => {
  it('says what a click filters to', () => {
    expect(regionLabel('category', 'groceries')).toBe('Filter to Groceries');
    expect(regionLabel('category', 'uncategorised')).toBe('Filter to Uncategorised');
    expect(regionLabel('vendor', 'Rema 1000')).toBe('Filter to Rema 1000');
    expect(regionLabel('period', '2026-03')).toBe('Filter to March 2026');
    expect(regionLabel('period', '2026-W01')).toBe('Filter to week 1 of 2026');
    expect(regionLabel('date', '2026-03-14')).toBe('Filter to 14 Mar 2026');
    expect(regionLabel('date', '2026')).toBe('Filter to 2026');
  });
});
