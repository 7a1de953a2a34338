// Chart sizing and hit regions. The backend draws a chart as an SVG of exactly the requested
// width × height and reports clickable regions in that coordinate space; the image is shown
// scaled to its box, so the regions are scaled the same way.

import type { ChartRegion } from './generated/api';

export const CHART_MIN_WIDTH = 400;
export const CHART_MAX_WIDTH = 1600;
export const CHART_HEIGHT = 320;

/** The width to request for a box `rendered` pixels wide: whole pixels, 400–1600. */
export function chartWidthFor(rendered: number): number {
  if (!Number.isFinite(rendered)) return CHART_MIN_WIDTH;
  return Math.min(CHART_MAX_WIDTH, Math.max(CHART_MIN_WIDTH, Math.round(rendered)));
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where a region lands on an image `shownWidth` × `shownHeight` pixels big that shows an SVG
 * of `svgWidth` × `svgHeight`. Rounded to 1/100 px.
 */
export function scaleRegion(
  region: Pick<ChartRegion, 'x' | 'y' | 'width' | 'height'>,
  svgWidth: number,
  svgHeight: number,
  shownWidth: number,
  shownHeight: number,
): Box {
  const sx = svgWidth > 0 ? shownWidth / svgWidth : 0;
  const sy = svgHeight > 0 ? shownHeight / svgHeight : 0;
  const r = (n: number): number => Math.round(n * 100) / 100;
  return { left: r(region.x * sx), top: r(region.y * sy), width: r(region.width * sx), height: r(region.height * sy) };
}

/** The `src` of an `<img>` showing an SVG document (never parsed into this page's DOM). */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
