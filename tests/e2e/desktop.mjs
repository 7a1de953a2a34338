// End-to-end test of the real Coffer desktop window (Tauri 2 + WebKitGTK) through tauri-driver
// and WebKitWebDriver. Run under a display and a session bus:
//   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- node tests/e2e/desktop.mjs
// It speaks W3C WebDriver over fetch, so it needs no npm packages.
//
// First run: empty state → "Explore with demo data" (the built-in bank's offer, from the backend)
// → the accounts appear with exactly the balances the store holds (read back through the `coffer`
// CLI on the same data directory). Then SpareBank 1 and Finsify are connected through their
// sandboxes and a scripted user in the "system browser"; Finsify's catalogue is held while its
// bank id is typed, on purpose. A coffer:// link handed over by the OS reaches the running app.
// Second launch: the window opens straight onto the stored data.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = process.env.COFFER_APP ?? join(root, 'target/debug/coffer-desktop');
const cli = process.env.COFFER_CLI ?? join(root, 'target/debug/coffer');
const driverBin = process.env.TAURI_DRIVER ?? join(root, '.tools/bin/tauri-driver');
const artifacts = join(root, 'target/e2e');
// tauri-driver's ports are picked when it starts (see startDriver): no fixed 4444/4445.
let base = '';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

const dataDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-'));
mkdirSync(artifacts, { recursive: true });

let passed = 0;
let failed = 0;
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(e?.stack ?? e).replaceAll('\n', '\n  ')}`);
  }
}

async function wd(method, path, body) {
  const res = await fetch(base + path, {
    method,
    // A driver call that hangs (a window that never appears) fails the run instead of stalling CI.
    signal: AbortSignal.timeout(120_000),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(json.value ?? json)}`);
  }
  return json.value;
}

/** Polls `probe` until it returns a truthy value; the deadline is a failure, not a wait. */
async function until(what, probe, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

const exec = (session, script, args = []) =>
  wd('POST', `/session/${session}/execute/sync`, { script, args });
const find = async (session, css) =>
  (await wd('POST', `/session/${session}/element`, { using: 'css selector', value: css }))[ELEMENT];
const click = async (session, css) =>
  wd('POST', `/session/${session}/element/${await find(session, css)}/click`, {});

/** Decimals of the currencies the sandboxes use (ISO 4217); the rest have two. */
const DECIMALS = { VND: 0, JPY: 0, KWD: 3 };

/**
 * A balance as a person writes it for an en-GB reader: thousands grouped by commas and the
 * currency's own number of decimals ("-61299.5" NOK → "-61,299.50", "1833804.00" VND →
 * "1,833,804"). Written here, not taken from the UI's formatter. Digits that would be dropped
 * must be zeros, or the amount is left as it is (and will not match).
 */
function written(decimal, currency) {
  const [, sign, whole, fraction = ''] = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  const places = DECIMALS[currency] ?? 2;
  if (/[1-9]/.test(fraction.slice(places))) return decimal;
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+$)/g, ',');
  const digits = fraction.padEnd(places, '0').slice(0, places);
  return `${sign}${grouped}${places > 0 ? `.${digits}` : ''}`;
}

/** The balances the sidebar shows under a bank's heading, as text: [formatted amount, currency]. */
const sidebarGroup = (s, heading) =>
  exec(
    s,
    `const out = []; let inside = false;
     for (const node of document.querySelector('#account-list').children) {
       if (node.matches('[data-testid="account-group"]')) { inside = node.textContent === ${JSON.stringify(heading)}; continue; }
       if (inside && node.matches('.nav-item.account')) {
         out.push([node.querySelector('.account-balance .num').textContent, node.querySelector('.account-balance .ccy').textContent]);
       }
     }
     return out;`,
  );

/**
 * What the user reads under the bank's heading equals what the sandbox bank holds: every
 * account's balance and currency, from the sandbox's own oracle (not from Coffer).
 */
async function assertSidebarShowsTheBank(s, heading, oracleUrl) {
  const oracle = await (await fetch(oracleUrl)).json();
  const want = oracle.map((a) => [written(a.balance, a.currency), a.currency]).sort();
  const shown = await until(`${heading}'s accounts in the sidebar`, async () => {
    const got = await sidebarGroup(s, heading);
    return got.length === want.length ? got : null;
  }).catch((e) => {
    throw new Error(`${e.message}; the sandbox holds ${JSON.stringify(want)}`);
  });
  assert.deepEqual(shown.sort(), want);
}

/** Pids of running copies of the app binary. */
function appPids() {
  const target = resolve(app);
  const pids = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === target) pids.push(pid);
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return pids;
}

/**
 * Ends a session and waits until its app has really exited and let go of its single-instance
 * D-Bus name. The driver answers DELETE while the app may still be shutting down; an app started
 * in that moment finds the old one still holding the name, hands it its arguments and exits (or
 * fails when the old one is gone before it answers), and no window comes.
 */
async function endSession(s) {
  await wd('DELETE', `/session/${s}`);
  await until('the previous app to exit', async () => appPids().length === 0, 30_000);
  // The bus releases a dead process's names on its own time: an app started before that still
  // finds the name taken, forwards its start to nobody and fails ("NoReply").
  await until('the single-instance name to be released', async () => {
    const names = execFileSync(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.ListNames'],
      { encoding: 'utf8' },
    );
    return !names.includes('app.coffer.desktop.SingleInstance');
  }, 30_000);
}

async function newSession() {
  // After a session ends the driver can take a moment before it accepts the next one.
  await until('tauri-driver to be ready', async () => (await fetch(`${base}/status`)).ok, 20_000);
  const value = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } },
  });
  return value.sessionId;
}

function storeAccounts() {
  const out = execFileSync(cli, ['--data-dir', dataDir, 'accounts', '--json'], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** The size of a file, 0 when there is none yet (to read only what is appended after). */
function readSize(file) {
  try {
    return readFileSync(file, 'utf8').length;
  } catch {
    return 0;
  }
}

const readAccounts = (s) =>
  exec(
    s,
    `return [...document.querySelectorAll('.account[data-account-id]')].map(e => ({
       id: Number(e.dataset.accountId), currency: e.dataset.currency,
       balance: e.dataset.balance, text: e.textContent }));`,
  );

const readTotals = (s) =>
  exec(
    s,
    `return [...document.querySelectorAll('.currency-total')].map(e => ({
       currency: e.dataset.currency, balance: e.dataset.balance }));`,
  );

async function screenshot(s, name) {
  // Let WebKit paint what the DOM already holds before capturing it.
  await wd('POST', `/session/${s}/execute/async`, {
    script: 'const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
    args: [],
  });
  const png = await wd('GET', `/session/${s}/screenshot`);
  const file = join(artifacts, name);
  writeFileSync(file, Buffer.from(png, 'base64'));
  return file;
}

const sandboxBin = process.env.COFFER_SANDBOX ?? join(root, 'target/debug/coffer-sandbox');
const passphrase = 'e2e marble canyon tulip';
const sandboxProcs = [];
function startSandbox(provider) {
  const p = spawn(sandboxBin, ['--provider', provider, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  sandboxProcs.push(p);
  return new Promise((resolveUrl, reject) => {
    p.stdout.once('data', (d) => resolveUrl(String(d).trim()));
    p.once('exit', (code) => reject(new Error(`${provider} sandbox exited ${code}`)));
  });
}
const sandboxes = {
  sparebank1: startSandbox('sparebank1'),
  finsify: startSandbox('finsify'),
  finqware: startSandbox('finqware'),
  fibank: startSandbox('fibank'),
};

function cliOk(args) {
  return execFileSync(cli, ['--data-dir', dataDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, COFFER_PASSPHRASE: passphrase },
  });
}

// ---------------------------------------------------------------- ports
// A port is picked by binding port 0 and closing the socket again, so another program can take it
// before the process it is meant for binds it. Nothing here assumes it did not: tauri-driver and
// WebKitWebDriver must be seen listening on their ports themselves (checked through /proc), and
// the app's loopback listener reports a taken port, after which the test tries fresh ports.

/** A port the kernel has just handed out on 127.0.0.1. */
function ephemeralPort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Socket inodes listening on `port` (any local address), from /proc/net/tcp and tcp6. */
function listeningInodes(port) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':').pop(), 16) === port) {
        inodes.add(cols[9]);
      }
    }
  }
  return inodes;
}

/** Whether a process of process group `pgid` is listening on `port`. */
function groupListensOn(pgid, port) {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // Field 5 of /proc/PID/stat is the process group; the command name before it may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return true;
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

/** Types into inputs by data-testid the way a user would, so the form's own handlers run. */
async function fill(s, values) {
  for (const [testid, text] of Object.entries(values)) {
    const el = await until(testid, () => find(s, `[data-testid="${testid}"]`));
    await wd('POST', `/session/${s}/element/${el}/clear`, {});
    await wd('POST', `/session/${s}/element/${el}/value`, { text });
  }
}

/**
 * Waits until the provider's connection card is active and its first sync has finished. A login
 * error shown in the dialog ends the wait at once: the error is thrown, its text in `loginError`.
 */
async function waitForCard(s, provider) {
  const result = await until(`${provider} connection to be active`, async () => {
    lastCards = await exec(
      s,
      `return [...document.querySelectorAll('[data-testid="connection-card"]')].map(c => c.textContent).join(' | ') + ' || ' + (document.querySelector('[data-testid="login-error"]')?.textContent ?? '') + (document.querySelector('[role="dialog"]')?.textContent ?? '');`,
    );
    return exec(
      s,
      `const error = [...document.querySelectorAll('[data-testid="login-error"]')].find(e => e.getClientRects().length > 0);
       if (error) return { loginError: error.textContent };
       const cards = [...document.querySelectorAll('[data-testid="connection-card"]')];
       const c = cards.find(c => c.dataset.provider === ${JSON.stringify(provider)});
       const badge = c?.querySelector('[data-testid="connection-status"]')?.textContent ?? '';
       return c && /active/i.test(badge) && !/Last sync\s*never/i.test(c.textContent) && !/Syncing/.test(c.textContent)
         ? { id: Number(c.dataset.connectionId), text: c.textContent,
             label: c.querySelector('[data-testid="connection-label"]')?.textContent ?? '' } : null;`,
    );
  }, 90_000).catch((e) => {
    throw new Error(`${e.message}; the page shows: ${lastCards}`);
  });
  if (result.loginError !== undefined) {
    throw Object.assign(new Error(`the login failed: ${result.loginError}`), { loginError: result.loginError });
  }
  return result;
}
let lastCards = '';

const driverEnv = {
  ...process.env,
  COFFER_DATA_DIR: dataDir,
  COFFER_PASSPHRASE: passphrase,
  COFFER_APP: app,
  COFFER_BROWSER: join(root, 'tests/e2e/browser-user.mjs'),
  COFFER_BROWSER_LOG: join(artifacts, 'browser-user.log'),
};
let driver = null;
let driverLog = '';

/** Ends tauri-driver and WebKitWebDriver: the whole process group the driver was started in. */
function stopDriver(d) {
  try {
    process.kill(-d.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/**
 * Starts tauri-driver on two freshly picked ports and waits until tauri-driver listens on the
 * first and its WebKitWebDriver on the second. A port that another program took in between makes
 * one of them fail to listen; then both are stopped and the ports are picked again.
 */
async function startDriver(attempts = 5) {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await ephemeralPort();
    let nativePort = await ephemeralPort();
    while (nativePort === port) nativePort = await ephemeralPort();
    // Its own process group, so that a WebKitWebDriver left behind by a failed start goes too.
    const d = spawn(driverBin, ['--port', String(port), '--native-port', String(nativePort)], {
      env: driverEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let exited = null;
    d.once('exit', (code, signal) => (exited = signal ?? code));
    d.stdout.on('data', (x) => (driverLog += x));
    d.stderr.on('data', (x) => (driverLog += x));
    const deadline = Date.now() + 20_000;
    while (exited === null && Date.now() < deadline) {
      if (groupListensOn(d.pid, port) && groupListensOn(d.pid, nativePort)) {
        try {
          if ((await fetch(`http://127.0.0.1:${port}/status`)).ok) return { d, port, nativePort };
        } catch {
          // Not answering yet.
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    stopDriver(d);
    const why = exited === null ? 'did not listen within 20 s' : `exited (${exited})`;
    console.log(`# tauri-driver on ports ${port}/${nativePort} ${why}; attempt ${attempt} of ${attempts}`);
  }
  throw new Error(`tauri-driver did not start in ${attempts} attempts`);
}

try {
  const started = await startDriver();
  driver = started.d;
  base = `http://127.0.0.1:${started.port}`;

  let s = await newSession();
  await check('the window is titled Coffer', async () => {
    assert.equal(await wd('GET', `/session/${s}/title`), 'Coffer');
  });

  await check('first run shows the empty state with demo and connect a bank', async () => {
    await until('#explore-demo', () => find(s, '#explore-demo'));
    const state = await exec(
      s,
      `const c = document.querySelector('#connect-bank');
       return { accounts: document.querySelectorAll('.account').length,
                connectEnabled: !!c && !c.disabled };`,
    );
    assert.deepEqual(state, { accounts: 0, connectEnabled: true });
    // The offer's words are the built-in bank's, from the backend.
    assert.equal(await exec(s, `return document.querySelector('#explore-demo').textContent;`), 'Explore with demo data');
    await screenshot(s, 'empty-state.png');
  });

  await check('Explore with demo data shows the balances the store holds', async () => {
    await click(s, '#explore-demo');
    const shown = await until('accounts to appear', async () => {
      const a = await readAccounts(s);
      return a.length >= 3 ? a : null;
    });
    const store = storeAccounts();
    assert.equal(shown.length, store.accounts.length, 'one entry per stored account');
    for (const a of store.accounts) {
      const ui = shown.find((x) => x.id === a.id);
      assert.ok(ui, `account ${a.id} (${a.name}) is shown`);
      assert.equal(ui.balance, a.balance, `${a.name}: balance`);
      assert.equal(ui.currency, a.currency, `${a.name}: currency`);
      assert.ok(ui.text.includes(a.name), `${a.name}: name is visible`);
    }
    const totals = await readTotals(s);
    assert.deepEqual(
      totals.map((t) => [t.currency, t.balance]).sort(),
      store.totals.map((t) => [t.currency, t.balance]).sort(),
      'per-currency totals match the store',
    );
  });

  await check('the dashboard draws its four charts and totals equal the report', async () => {
    await click(s, '#tab-dashboard');
    const state = await until('charts and totals to load', async () => {
      const r = await exec(
        s,
        `const cards = [...document.querySelectorAll('#dashboard .chart-card')];
         const imgs = cards.map(c => c.querySelector('img.chart-image'));
         const totals = document.querySelector('#totals');
         if (cards.length !== 4 || totals?.getAttribute('aria-busy') !== 'false') return null;
         if (!cards.every(c => c.dataset.state === 'ready')) return null;
         if (!imgs.every(i => i && i.complete && i.naturalWidth > 0)) return null;
         return {
           ids: cards.map(c => c.id),
           hits: cards.map(c => c.querySelectorAll('.chart-hit').length),
           totals: [...totals.querySelectorAll('.total-card')].map(t => ({
             currency: t.dataset.currency, credit: t.dataset.credit, debit: t.dataset.debit, net: t.dataset.net })),
         };`,
      );
      return r;
    });
    assert.deepEqual(
      state.ids.sort(),
      ['chart-balance', 'chart-category', 'chart-debit-credit', 'chart-vendor'],
    );
    assert.ok(state.hits.every((n) => n > 0), `every chart has click targets: ${state.hits}`);
    const report = JSON.parse(
      execFileSync(cli, ['--data-dir', dataDir, 'report', 'month', '--json'], { encoding: 'utf8' }),
    );
    assert.deepEqual(
      state.totals.map((t) => [t.currency, t.credit, t.debit, t.net]).sort(),
      report.map((r) => [r.currency, r.total.credit, r.total.debit, r.total.net]).sort(),
      'dashboard totals are the CLI report totals',
    );
    await screenshot(s, 'dashboard.png');
  });

  await check('selecting an account shows only its transactions', async () => {
    const store = storeAccounts();
    const card = store.accounts.find((a) => a.kind === 'credit_card') ?? store.accounts[0];
    await click(s, `.account[data-account-id="${card.id}"]`);
    const expected = JSON.parse(
      execFileSync(cli, ['--data-dir', dataDir, 'transactions', '--account', String(card.id), '--json'], {
        encoding: 'utf8',
      }),
    );
    // Rows arrive in chunks; the table says when it is done.
    const rows = await until('the account rows', async () => {
      const r = await exec(
        s,
        `const t = document.querySelector('#transactions');
         if (!t || t.getAttribute('aria-busy') !== 'false') return null;
         return [...t.querySelectorAll('tr[data-transaction-id]')]
           .map(e => ({ id: Number(e.dataset.transactionId), account: Number(e.dataset.accountId) }));`,
      );
      return r && r.length === expected.total ? r : null;
    });
    assert.deepEqual(rows.map((r) => r.id), expected.rows.map((t) => t.id), 'same rows, same order');
    assert.ok(rows.every((r) => r.account === card.id), 'only the selected account');
    await click(s, '#all-accounts');
    await until('all accounts again', () =>
      exec(
        s,
        `const t = document.querySelector('#transactions');
         return t?.getAttribute('aria-busy') === 'false' &&
           Number(document.querySelector('#transaction-count')?.dataset.total) > ${expected.total};`,
      ),
    );
    await screenshot(s, 'main-view.png');
  });

  await check('connect the SpareBank 1 sandbox: form, system browser, loopback, sync', async () => {
    const sb1 = await sandboxes.sparebank1;
    cliOk(['settings', 'set', 'sparebank1.api_url', sb1]);
    cliOk(['settings', 'set', 'sparebank1.auth_url', sb1]);
    await click(s, '[data-testid="nav-connections"]');
    await click(s, '[data-testid="connect-bank"]');
    await click(s, '[data-testid="provider-sparebank1"]');
    let card = null;
    for (let attempt = 1; !card; attempt++) {
      // The app binds the redirect port itself when the login starts. If another program took
      // it after it was picked, the dialog says the port is in use: pick again and retry.
      const redirectPort = await ephemeralPort();
      await fetch(`${sb1}/_sandbox/redirect-uris`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uri: `http://127.0.0.1:${redirectPort}/callback/sparebank1` }),
      });
      await fill(s, {
        'field-client_id': 'sandbox-client',
        'field-client_secret': 'sandbox-secret',
        'field-redirect_port': String(redirectPort),
      });
      const shownUri = await exec(s, `return document.querySelector('[data-testid="redirect-uri"]')?.textContent ?? document.querySelector('[data-testid="redirect-uri"]')?.value;`);
      assert.ok(String(shownUri).includes(`127.0.0.1:${redirectPort}/callback/sparebank1`), `shown: ${shownUri}`);
      await click(s, '[data-testid="login-submit"]');
      try {
        card = await waitForCard(s, 'sparebank1');
      } catch (e) {
        if (!/already in use/.test(e.loginError ?? '') || attempt >= 3) throw e;
        console.log(`# redirect port ${redirectPort} was taken before the app bound it; attempt ${attempt} of 3`);
        await click(s, '[data-testid="login-retry"]');
      }
    }
    await assertSidebarShowsTheBank(s, card.label, `${sb1}/_sandbox/oracle/accounts`);
    const store = storeAccounts().accounts.filter((a) => a.provider === 'sparebank1');
    assert.equal(store.length, 3, 'the sandbox bank has three accounts');
    assert.ok(card.text.includes('3'), `card shows the account count: ${card.text}`);
    const shown = await until('sandbox accounts in the sidebar', async () => {
      const a = (await readAccounts(s)).filter((x) => store.some((y) => y.id === x.id));
      return a.length === 3 ? a : null;
    });
    assert.deepEqual(
      shown.map((a) => [a.id, a.balance]).sort(),
      store.map((a) => [a.id, a.balance]).sort(),
    );
    await screenshot(s, 'connections.png');
  });

  await check('the first real bank: the offer to remove the sample data removes only it', async () => {
    await until('the sample-data offer', async () =>
      exec(s, `return !!document.querySelector('[data-testid="sample-data-offer"]');`), 30_000);
    await screenshot(s, 'sample-data-offer.png');
    const before = storeAccounts();
    const real = before.accounts.filter((a) => a.provider !== 'demo');
    assert.ok(before.accounts.some((a) => a.provider === 'demo'), 'the sample data is there before');
    await click(s, '[data-testid="remove-sample-data"]');
    await until('the sample data gone', async () =>
      storeAccounts().accounts.every((a) => a.provider !== 'demo'), 30_000);
    assert.deepEqual(storeAccounts().accounts, real, "the real bank's accounts and balances are untouched");
    const shown = await until('the sidebar without the sample accounts', async () => {
      const a = await readAccounts(s);
      return a.length === real.length ? a : null;
    });
    assert.deepEqual(shown.map((a) => [a.id, a.balance]).sort(), real.map((a) => [a.id, a.balance]).sort());
  });

  await check('connect Finsify: the bank id typed while the catalogue is held is the bank connected', async () => {
    const fin = await sandboxes.finsify;
    // The sandbox prints its API base, which ends in /v2; the catalogue is beside it.
    const origin = fin.replace(/\/v2$/, '');
    cliOk(['settings', 'set', 'finsify.api_url', fin]);
    cliOk(['settings', 'set', 'finsify.catalogue_url', `${origin}/service.json`]);
    const control = async (path, body) => {
      const res = await fetch(`${origin}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.ok(res.ok, `${path}: ${res.status}`);
      return res.json();
    };
    // The slow path on purpose: every catalogue answer waits until released.
    await control('/_sandbox/catalogue/delay', { delayed: true });
    const logStart = readSize(driverEnv.COFFER_BROWSER_LOG);
    await click(s, '[data-testid="connect-bank"]');
    await click(s, '[data-testid="provider-finsify"]');
    await fill(s, {
      'field-client_id': 'sandbox-client-id',
      'field-service_secret': 'sandbox-service-secret',
      'field-service_id': '8',
    });
    // The whole catalogue (to look "8" up in) and the search for "8" are both held.
    await until('two held catalogue requests', async () => (await control('/_sandbox/catalogue')).waiting >= 2, 20_000);
    const before = await exec(
      s,
      `const chosen = document.querySelector('[data-testid="catalogue-chosen"]');
       return { status: document.querySelector('[data-testid="catalogue-status"]')?.textContent ?? '',
                chosen: chosen && !chosen.hidden ? chosen.textContent : null };`,
    );
    assert.equal(before.chosen, null, 'nothing is selected before the catalogue arrives');
    assert.match(before.status, /look up “8”/);
    await screenshot(s, 'connect-catalogue-held.png');

    await control('/_sandbox/catalogue/release', {});
    const chosen = await until('the typed bank to be selected', () =>
      exec(
        s,
        `const c = document.querySelector('[data-testid="catalogue-chosen"]');
         return c && !c.hidden ? { text: c.textContent, value: c.dataset.value,
           typed: document.querySelector('[data-testid="field-service_id"]').value,
           options: document.querySelectorAll('[data-testid="catalogue-option"]').length } : null;`,
      ),
    );
    assert.deepEqual(chosen, { text: 'Selected: Techcombank · VN · bank · 8', value: '8', typed: '8', options: 0 });
    // The login itself reads the catalogue again: stop holding it.
    await control('/_sandbox/catalogue/delay', { delayed: false });
    await screenshot(s, 'connect-catalogue.png');

    await click(s, '[data-testid="login-submit"]');
    const card = await waitForCard(s, 'finsify');
    assert.equal(card.label, 'Techcombank via Finsify', 'the connection is the typed bank');
    const connections = JSON.parse(cliOk(['connections', '--json']));
    const made = connections.filter((c) => c.provider === 'finsify');
    assert.deepEqual(made.map((c) => c.label), ['Techcombank via Finsify']);
    await assertSidebarShowsTheBank(s, card.label, `${origin}/_sandbox/oracle/accounts`);
    const store = storeAccounts().accounts.filter((a) => a.provider === 'finsify');
    assert.equal(store.length, 2, 'the Finsify sandbox login has two accounts');
    // The app asked for a coffer:// link, but a callback carrying a login secret always comes
    // back through the loopback listener: the scripted browser fetched it there.
    const log = readFileSync(driverEnv.COFFER_BROWSER_LOG, 'utf8').slice(logStart);
    assert.match(log, /redirect to http:…\nloopback answered 200/);
    assert.doesNotMatch(log, /deep link handed/);
    await screenshot(s, 'connections.png');
  });

  await check('connect Finqware: the consent page in the system browser, back through a coffer:// link', async () => {
    const api = await sandboxes.finqware;
    const origin = new URL(api).origin;
    cliOk(['settings', 'set', 'finqware.api_url', api]);
    const logStart = readSize(driverEnv.COFFER_BROWSER_LOG);
    await click(s, '[data-testid="connect-bank"]');
    await click(s, '[data-testid="provider-finqware"]');
    await fill(s, {
      'field-client_id': 'sandbox-client-id',
      'field-client_secret': 'sandbox-client-secret',
      'field-client_app_key': 'sandbox-client-app-key',
      'field-skill': 'bt_ro_aisp_sbx_#2.0',
    });
    await until('the skill to be selected', () =>
      exec(s, `const c = document.querySelector('[data-testid="catalogue-chosen"]'); return c && !c.hidden ? c.dataset.value : null;`));
    await click(s, '[data-testid="login-submit"]');
    const fqCard = await waitForCard(s, 'finqware');
    await assertSidebarShowsTheBank(
      s,
      fqCard.label,
      `${origin}/_sandbox/oracle/accounts?skill=${encodeURIComponent('bt_ro_aisp_sbx_#2.0')}`,
    );
    const oracle = await (await fetch(`${origin}/_sandbox/oracle/accounts`)).json();
    const stored = storeAccounts().accounts.filter((a) => a.provider === 'finqware');
    // The bank behind the skill (Banca Transilvania, BTRL), every account with the bank's balance.
    const bt = oracle.filter((a) => a.account.includes('BTRL'));
    assert.deepEqual(
      stored.map((a) => [a.iban, a.currency, a.balance]).sort(),
      bt.map((a) => [a.account, a.currency, a.balance]).sort(),
    );
    const log = readFileSync(driverEnv.COFFER_BROWSER_LOG, 'utf8').slice(logStart);
    assert.match(log, /consent page approved/);
    await screenshot(s, 'connect-finqware.png');
  });

  await check('connect Fibank: username and password typed in the window, checked at the bank', async () => {
    const base = await sandboxes.fibank;
    cliOk(['settings', 'set', 'fibank.base_url', base]);
    await click(s, '[data-testid="connect-bank"]');
    await click(s, '[data-testid="provider-fibank"]');
    await fill(s, { 'field-username': 'ivan.petrov', 'field-password': 'Sofia-2024!' });
    await click(s, '[data-testid="storage-consent"]');
    await click(s, '[data-testid="login-submit"]');
    const fbCard = await waitForCard(s, 'fibank');
    await assertSidebarShowsTheBank(s, fbCard.label, `${base}/_sandbox/oracle/accounts`);
    const stored = storeAccounts().accounts.filter((a) => a.provider === 'fibank');
    assert.ok(stored.length >= 3, `Fibank accounts stored: ${stored.length}`);
    const shown = await until('the Fibank accounts in the sidebar', async () => {
      const a = (await readAccounts(s)).filter((x) => stored.some((y) => y.id === x.id));
      return a.length === stored.length ? a : null;
    });
    assert.deepEqual(shown.map((a) => [a.id, a.balance]).sort(), stored.map((a) => [a.id, a.balance]).sort());
    await screenshot(s, 'connect-fibank.png');
  });

  await check('a coffer:// link handed to the running app by the OS reaches it (refused: no login waits)', async () => {
    // The window records its toasts, so none is missed however briefly it shows.
    await exec(
      s,
      `window.__toasts = [];
       const region = document.getElementById('toast') ?? document.body;
       new MutationObserver(() => {
         for (const m of document.querySelectorAll('#toast .toast-message')) {
           if (!window.__toasts.includes(m.textContent)) window.__toasts.push(m.textContent);
         }
       }).observe(document.body, { childList: true, subtree: true });`,
    );
    // Exactly how the OS hands a link over: a second launch with the URL as its argument, which
    // the single-instance plugin forwards to this window's process and then exits.
    const link = 'coffer://callback/finsify/00000000000000000000000000000000/%7B%22login_id%22%3A1%7D';
    const second = spawn(app, [link], { env: driverEnv, stdio: 'ignore' });
    const code = await new Promise((r) => second.once('exit', (c) => r(c)));
    assert.equal(code, 0, 'the second launch handed the link over and exited');
    const toasts = await until('the refusal toast', async () => {
      const t = await exec(s, 'return window.__toasts;');
      return t.length > 0 ? t : null;
    }, 20_000);
    assert.ok(
      toasts.some((t) => /no login is waiting for this link/.test(t)),
      `the app says why it refused the link: ${JSON.stringify(toasts)}`,
    );
    // Still one window, on the same data.
    assert.equal(await wd('GET', `/session/${s}/title`), 'Coffer');
  });

  await endSession(s);

  s = await newSession();
  await check('a later launch opens straight onto the stored data', async () => {
    const shown = await until('accounts on relaunch', async () => {
      const a = await readAccounts(s);
      return a.length >= 3 ? a : null;
    }, 30_000);
    const store = storeAccounts();
    assert.deepEqual(
      shown.map((a) => [a.id, a.balance]).sort(),
      store.accounts.map((a) => [a.id, a.balance]).sort(),
    );
    const empty = await exec(s, `return !!document.querySelector('#explore-demo')?.offsetParent;`);
    assert.equal(empty, false, 'no empty state once data exists');
    await screenshot(s, 'relaunch.png');
  });
  await endSession(s);
} catch (e) {
  failed += 1;
  console.log(`not ok - desktop session\n  ${e?.stack ?? e}`);
} finally {
  if (driver) stopDriver(driver);
  for (const p of sandboxProcs) p.kill();
  rmSync(dataDir, { recursive: true, force: true });
}

if (failed > 0) {
  console.log(`--- tauri-driver log ---\n${driverLog.slice(-4000)}`);
}
console.log(`desktop: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
