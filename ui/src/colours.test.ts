// The UI's money-in / money-out colours (amounts in tables and totals) must be told apart by
// everyone, like the charts' pair (crates/coffer-core/src/chart.rs checks that one the same
// way): read from the stylesheet, for the light and the dark theme.
import { describe, expect, it } from 'vitest';
import css from './style.css?raw';

type Rgb = [number, number, number];

function hex(text: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text.trim());
  if (!m) throw new Error(`not a #rrggbb colour: ${text}`);
  return [1, 2, 3].map((i) => {
    const c = parseInt(m[i] ?? '0', 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
}

const luminance = ([r, g, b]: Rgb): number => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** WCAG 2 contrast ratio. */
function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Machado, Oliveira & Fernandes (2009) deuteranopia, severity 1, on linear RGB. */
function deuteranopia([r, g, b]: Rgb): Rgb {
  const m = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ];
  return m.map(([x, y, z]) => Math.min(1, Math.max(0, x! * r + y! * g + z! * b))) as Rgb;
}

function lab([r, g, b]: Rgb): Rgb {
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

const deltaE = (a: Rgb, b: Rgb): number => Math.hypot(...lab(a).map((v, i) => v - lab(b)[i]!));

/** The custom properties of the first block after `marker` in the stylesheet. */
function theme(marker: string): Record<string, string> {
  const start = css.indexOf(marker);
  const block = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries([...block.matchAll(/--([a-z0-9-]+):\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim()]));
}

describe('money in and out colours', () => {
  const light = theme(':root {');
  const dark = theme('@media (prefers-color-scheme: dark)');

  it.each([
    ['light', light],
    ['dark', dark],
  ])('%s: readable as text and told apart under deuteranopia and in greyscale', (_name, vars) => {
    const positive = hex(vars['positive'] ?? '');
    const negative = hex(vars['negative'] ?? '');
    for (const background of [vars['bg'], vars['surface']]) {
      const bg = hex(background ?? '');
      // They colour amounts, which are text: WCAG AA 4.5:1.
      expect(contrast(positive, bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(negative, bg)).toBeGreaterThanOrEqual(4.5);
    }
    // Thresholds as in chart.rs: ΔE76 ≥ 60 after simulation (two hues, not two shades), and a
    // lightness step of 1.2:1 so they differ in greyscale too.
    expect(deltaE(deuteranopia(positive), deuteranopia(negative))).toBeGreaterThanOrEqual(60);
    expect(contrast(positive, negative)).toBeGreaterThanOrEqual(1.2);
  });

  it('the check refuses the old green/red pair', () => {
    const [green, red] = [hex('#067647'), hex('#c4320a')];
    expect(contrast(green, red)).toBeLessThan(1.2);
    expect(deltaE(deuteranopia(hex('#1ca378')), deuteranopia(hex('#ef635b')))).toBeLessThan(60);
  });
});
