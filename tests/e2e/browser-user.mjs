#!/usr/bin/env node
// A scripted "user in the system browser" for the desktop end-to-end test: Coffer runs it as
// COFFER_BROWSER with the login URL. It presses "Log in" on the sandbox's BankID page,
// "Connect" on the sandbox's Finsify page or "Approve" on a Finqware bank's consent page, then
// goes where the bank redirects: an http://127.0.0.1
// redirect is fetched (Coffer's loopback listener); a coffer:// link is handed to the app binary
// exactly as the OS would, as argv of a second launch (single-instance forwards it).
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const url = new URL(process.argv[2]);
const log = (m) => process.env.COFFER_BROWSER_LOG && appendFileSync(process.env.COFFER_BROWSER_LOG, `${m}\n`);

async function follow(location) {
  // Hop by hop, as a browser would: the bank's own redirects first, then Coffer.
  for (let hops = 0; location && hops < 10; hops++) {
    log(`redirect to ${location.split(':')[0]}:…`);
    if (location.startsWith('coffer:')) {
      const child = spawn(process.env.COFFER_APP, [location], { stdio: 'ignore' });
      await new Promise((r) => child.on('exit', r));
      log('deep link handed to the app');
      return;
    }
    if (!location.startsWith('http://127.0.0.1')) return;
    const res = await fetch(location, { redirect: 'manual' });
    const next = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && next) {
      location = new URL(next, location).href;
      continue;
    }
    log(`loopback answered ${res.status}`);
    return;
  }
}

const unescape = (v) =>
  v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

try {
  if (url.pathname === '/oauth/authorize') {
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
    // A bank's consent page (Finqware's sandbox banks): read its form and press Approve.
    const page = await fetch(url.href);
    const html = await page.text();
    const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html);
    if (!form) {
      log(`unexpected URL ${url.pathname}`);
    } else {
      const body = new URLSearchParams();
      for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) body.set(m[1], unescape(m[2]));
      body.set('decision', 'approve');
      const res = await fetch(new URL(unescape(form[1]), page.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      log('consent page approved');
      await follow(new URL(res.headers.get('location') ?? '', page.url).href);
    }
  }
} catch (e) {
  log(`failed: ${e}`);
}
