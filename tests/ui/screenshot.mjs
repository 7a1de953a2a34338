// Takes the README's dashboard screenshot: the Demo Bank on a fresh profile, served by
// `coffer serve`, shown in headless Chromium (the system one; no browser download) under a
// locale, with the clock pinned so the picture only changes when the UI does.
//
//   npm --prefix ui run build && cargo build -p coffer-cli
//   node tests/ui/screenshot.mjs [locale] [output]
//
// Defaults: nb-NO, assets/screenshots/dashboard-<locale>.png. Environment: COFFER_CLI (default
// target/debug/coffer), CHROMIUM (/usr/bin/chromium), COFFER_CLOCK (2026-12-04T10:00:00Z).

import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = process.env.COFFER_CLI ?? join(root, 'target/debug/coffer');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const locale = process.argv[2] ?? 'nb-NO';
const output = resolve(process.argv[3] ?? join(root, `assets/screenshots/dashboard-${locale}.png`));
const env = { ...process.env, COFFER_CLOCK: process.env.COFFER_CLOCK ?? '2026-12-04T10:00:00Z' };
const require = createRequire(join(root, 'ui/package.json'));
const { chromium } = require('playwright-core');

const dataDir = mkdtempSync(join(tmpdir(), 'coffer-screenshot-'));
let server = null;
let browser = null;
try {
  execFileSync(cli, ['--data-dir', dataDir, 'connect', 'demo'], { stdio: 'pipe', env });
  execFileSync(cli, ['--data-dir', dataDir, 'sync'], { stdio: 'pipe', env });
  server = spawn(cli, ['--data-dir', dataDir, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    server.on('exit', (code) => reject(new Error(`coffer serve exited with ${code}`)));
    server.stdout.on('data', (d) => {
      out += d;
      const m = /Coffer is serving at (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
  });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light', locale });
  const page = await context.newPage();
  await page.goto(url);
  // Settled: totals loaded and all four charts drawn.
  await page.waitForFunction(() => {
    const charts = [...document.querySelectorAll('#dashboard .chart-card')];
    return (
      document.querySelector('#totals')?.getAttribute('aria-busy') === 'false' &&
      charts.length === 4 &&
      charts.every((c) => c.dataset.state === 'ready' && c.querySelector('img.chart-image')?.complete)
    );
  });
  // A tooltip on the last full month shows what hovering does.
  const hits = await page.$$('#chart-debit-credit .chart-hit');
  if (hits.length > 1) await hits[hits.length - 2].hover();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  mkdirSync(dirname(output), { recursive: true });
  await page.screenshot({ path: output });
  console.log(`${output} (${Math.round(statSync(output).size / 1024)} KiB)`);
} finally {
  await browser?.close();
  if (server && server.exitCode === null) server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
