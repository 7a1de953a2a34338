#!/usr/bin/env node
// A scripted "user in the system browser" for the desktop end-to-end test: Coffer runs it as
// COFFER_BROWSER with the login URL. It presses "Log in" on the sandbox's BankID page or
// "Connect" on the sandbox's Finsify page, then goes where the bank redirects: an http://127.0.0.1
// redirect is fetched (Coffer's loopback listener); a coffer:// link is handed to the app binary
// exactly as the OS would, as argv of a second launch (single-instance forwards it).
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const url = new URL(process.argv[2]);
const log = (m) => process.env.COFFER_BROWSER_LOG && appendFileSync(process.env.COFFER_BROWSER_LOG, `${m}\n`);

async function follow(location) {
  log(`redirect to ${location.split(':')[0]}:…`);
  if (location.startsWith('http://127.0.0.1')) {
    const res = await fetch(location);
    log(`loopback answered ${res.status}`);
  } else if (location.startsWith('coffer:')) {
    const child = spawn(process.env.COFFER_APP, [location], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    log('deep link handed to the app');
  }
}

try {
  if (url.pathname.endsWith('/oauth/authorize')) {
    const res = await fetch(
      `${url.origin}/_sandbox/approve?authorize_url=${encodeURIComponent(url.href)}&approve=true`,
      { method: 'POST' },
    );
    await follow((await res.text()).trim());
  } else if (url.pathname.includes('/connect/term/')) {
    const token = url.pathname.split('/').pop();
    const res = await fetch(url.href, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, username: 'demo', password: 'demo', decision: 'connect' }),
    });
    await follow(res.headers.get('location') ?? '');
  } else {
    log(`unexpected URL ${url.pathname}`);
  }
} catch (e) {
  log(`failed: ${e}`);
}
