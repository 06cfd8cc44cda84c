// The demo SPA in a real browser: its stand-in notice and favicon; log in through the mock
// Intercom, call /intercom/me through the gateway, lose the token, log in again, log out after a
// confirm step; disconnect the workspace (every browser of it is logged out), and see a disconnect
// Intercom refuses leave the user logged in; the callback's error pages in the demo's look and
// words. Debian's Chromium, driven by playwright-core.
//
// Starts its own redis-server, mock-intercom and intercom-gateway on free loopback ports and stops
// each by PID afterwards, pass or fail. Set by CTest (tests/CMakeLists.txt):
//   ICG_GATEWAY_BIN  the intercom-gateway binary
//   ICG_MOCK_BIN     the mock-intercom binary
//   ICG_SOURCE_DIR   the repository (for deploy/make-dev-certs and gateway/static)
// Optional: ICG_CHROMIUM (default /usr/bin/chromium), ICG_REDIS_SERVER (default redis-server).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// Installed by `npm ci` in this directory (tests/run does it); say so rather than fail obscurely.
const { chromium } = await import('playwright-core').catch((error) => {
  throw new Error(`playwright-core is not installed: run \`npm ci\` in tests/browser (${error.message})`);
});

const required = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through CTest (ctest -R browser_demo)`);
  return value;
};

const gatewayBin = required('ICG_GATEWAY_BIN');
const mockBin = required('ICG_MOCK_BIN');
const sourceDir = required('ICG_SOURCE_DIR');
const chromiumBin = process.env.ICG_CHROMIUM || '/usr/bin/chromium';
const redisBin = process.env.ICG_REDIS_SERVER || 'redis-server';

// The mock's admin; the name carries markup so that the test sees it shown as text, not as HTML.
const ADMIN_NAME = 'Ada <i>Lovelace</i>';
const ADMIN_EMAIL = 'ada@example.com';
const CLIENT_ID = 'demo-client';
const SESSION_COOKIE = '__Host-icg-session';
// Sanitizer builds start slowly and answer slowly; every wait is for a condition, bounded by this.
const WAIT_MS = 30_000;
// A test that hangs fails with the children's output, inside CTest's 180 s for the whole file.
const TEST_OPTIONS = { timeout: 90_000 };

// ---- Processes ------------------------------------------------------------------------------------

// A child process whose output (stdout and stderr together) is kept for readiness checks and for
// the report when the test fails.
class Child {
  constructor(name, command, args, env) {
    this.name = name;
    this.output = '';
    this.exit = null;
    this.proc = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.proc.pid;
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.proc.on('error', (error) => {
        this.output += `\n[${name}: ${error.message}]\n`;
        this.exit = { code: null, signal: null, error };
        resolve(this.exit);
      });
    });
    this.waiters = new Set();
    const append = (chunk) => {
      this.output += chunk.toString('utf8');
      for (const waiter of this.waiters) waiter();
    };
    this.proc.stdout.on('data', append);
    this.proc.stderr.on('data', append);
  }

  // Resolves with the first match of `pattern` in the output; rejects if the process ends first.
  waitForOutput(pattern, timeoutMs) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = (fn, value) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        fn(value);
      };
      const check = () => {
        const match = this.output.match(pattern);
        if (match) done(resolve, match);
      };
      timer = setTimeout(
        () => done(reject, new Error(`${this.name} printed no ${pattern} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.add(check);
      this.exited.then((exit) => {
        check();
        if (this.waiters.has(check)) {
          done(reject, new Error(`${this.name} exited (${describeExit(exit)}) before printing ${pattern}`));
        }
      });
      check();
    });
  }

  // TERM, then KILL after 10 s; resolves with how it ended. Only ever signals its own PID.
  async stop() {
    if (this.exit) return this.exit;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 10_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

function describeExit(exit) {
  if (exit.error) return exit.error.message;
  return exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`;
}

// A port free right now; the caller retries if something takes it before the bind.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// One HTTPS request that trusts only the test CA; resolves with { status, body }.
function httpsRequest(url, { method = 'GET', ca, headers = {} }) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca, headers, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

// Polls `probe` until it returns true; for conditions outside the page (the gateway's /readyz).
async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tomlString(value) {
  return JSON.stringify(value); // A JSON string is a valid TOML basic string for these values.
}

// ---- The system under test ----------------------------------------------------------------------

const children = [];
let workDir = null;
let browser = null;
// `after` prints the children's output unless every test passed (a failed `before` passes none).
let testsDefined = 0;
let testsPassed = 0;
let ca = null;
let mockUrl = null;
let gatewayUrl = null;
let leafSpkiHash = null;

async function startRedis() {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const redis = new Child('redis-server', redisBin, [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--dir', workDir,
    ]);
    children.push(redis);
    try {
      await redis.waitForOutput(/Ready to accept connections/, WAIT_MS);
      return port;
    } catch (error) {
      await redis.stop();
      if (attempt >= 3) throw error;
    }
  }
}

async function startMock(certs, clientSecret) {
  const mock = new Child('mock-intercom', mockBin, [
    '--listen', '127.0.0.1:0',
    '--cert', path.join(certs, 'localhost.pem'),
    '--key', path.join(certs, 'localhost.key'),
    '--client-id', CLIENT_ID,
    '--admin-name', ADMIN_NAME,
    '--admin-email', ADMIN_EMAIL,
  ], { MOCK_INTERCOM_CLIENT_SECRET: clientSecret });
  children.push(mock);
  const match = await mock.waitForOutput(/mock-intercom listening on 127\.0\.0\.1:(\d+)/, WAIT_MS);
  return Number(match[1]);
}

async function startGateway(certs, redisPort, mockPort, clientSecret) {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const mock = `https://localhost:${mockPort}`;
    const config = path.join(workDir, 'gateway.toml');
    // Like conf/gateway.example.toml as deploy/local/run uses it, with this run's ports and files.
    writeFileSync(config, [
      '[server]',
      `listen = ${tomlString(`127.0.0.1:${port}`)}`,
      `public_url = ${tomlString(`https://localhost:${port}`)}`,
      `static_dir = ${tomlString(path.join(sourceDir, 'gateway', 'static'))}`,
      'threads = 2',
      'drain_delay = "0s"', // no load balancer to wait for when the test stops it
      '[tls]',
      `cert_file = ${tomlString(path.join(certs, 'localhost.pem'))}`,
      `key_file = ${tomlString(path.join(certs, 'localhost.key'))}`,
      '[redis]',
      `url = ${tomlString(`redis://127.0.0.1:${redisPort}/0`)}`,
      '[intercom]',
      `client_id = ${tomlString(CLIENT_ID)}`,
      `authorize_url = ${tomlString(`${mock}/oauth`)}`,
      `token_url = ${tomlString(`${mock}/auth/eagle/token`)}`,
      `api_base = ${tomlString(mock)}`,
      `ca_file = ${tomlString(path.join(certs, 'ca.pem'))}`,
      '[admin]',
      'listen = "127.0.0.1:0"', // a free port: 9090 may be taken by another test
      '',
    ].join('\n'));
    // Secrets through the environment, as in production.
    const gateway = new Child('intercom-gateway', gatewayBin, ['--config', config], {
      GATEWAY_INTERCOM_CLIENT_SECRET: clientSecret,
      GATEWAY_SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    children.push(gateway);
    try {
      await gateway.waitForOutput(/listening on 127\.0\.0\.1:\d+/, WAIT_MS);
      return { gateway, port };
    } catch (error) {
      await gateway.stop();
      // Another process took the port between freePort() and the gateway's bind: pick another.
      if (attempt >= 3 || !gateway.output.includes('cannot listen')) throw error;
    }
  }
}

// A test body counted for `after`'s report.
function counted(fn) {
  testsDefined += 1;
  return async (...args) => {
    await fn(...args);
    testsPassed += 1;
  };
}

// A page that records its script errors: uncaught exceptions and console errors, CSP violations
// included, but not Chromium's report of every 4xx/5xx answer to fetch(), which the tests expect.
async function openPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(message.text());
    }
  });
  return { page, errors };
}

async function mockStats() {
  const response = await httpsRequest(`${mockUrl}/__mock/stats`, { ca });
  assert.equal(response.status, 200, `GET /__mock/stats answered ${response.status}`);
  return JSON.parse(response.body);
}

// Every Intercom call past `limit` in the mock's window answers 429; 0 refuses them all.
async function setMockRateLimit(limit) {
  const response = await httpsRequest(`${mockUrl}/__mock/rate-limit?limit=${limit}`, { method: 'POST', ca });
  assert.equal(response.status, 204, `POST /__mock/rate-limit answered ${response.status}`);
}

// What GET /auth/session answers the page, with the cookies its browser holds.
async function sessionStatus(page) {
  return page.evaluate(async () => {
    const response = await fetch('/auth/session', { credentials: 'same-origin', cache: 'no-store' });
    return response.status;
  });
}

async function sessionCookie(context) {
  return (await context.cookies(gatewayUrl)).find((c) => c.name === SESSION_COOKIE);
}

// Opens the confirm step, confirms, and resolves with the answer to the page's POST /auth/disconnect.
async function disconnectWorkspace(page) {
  await page.getByRole('button', { name: 'Disconnect workspace' }).click();
  await page.locator('#confirm-disconnect').waitFor({ state: 'visible' });
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/disconnect'),
    page.getByRole('button', { name: 'Yes, disconnect' }).click(),
  ]);
  return response;
}

// The page's own view: what a user sees, read through stable ids and data-state hooks.
async function sessionState(page) {
  return page.locator('#status').getAttribute('data-state');
}

async function waitForSession(page, state) {
  await page.locator(`#status[data-state="${state}"]`).waitFor({ timeout: WAIT_MS });
}

async function logIn(page, buttonName) {
  await page.getByRole('button', { name: buttonName }).click();
  // /auth/login → the mock's /oauth (approves at once) → /auth/callback → back to the SPA.
  await waitForSession(page, 'authenticated');
  assert.equal(new URL(page.url()).origin, gatewayUrl, 'the login ends back on the SPA');
  await page.locator('#admin-name').waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator('#admin-name').textContent(), ADMIN_NAME);
  assert.equal(await page.locator('#admin-email').textContent(), ADMIN_EMAIL);
  assert.equal(await page.locator('#admin-name > *').count(), 0, 'the admin name is shown as text');
}

// Clicks the button and waits until the call has an outcome. The click handler marks the call
// "calling" before the click returns, so an earlier outcome cannot be mistaken for this one's.
async function callMe(page) {
  await page.getByRole('button', { name: 'Call /intercom/me' }).click();
  await page.waitForFunction(() => document.getElementById('api-status').dataset.state !== 'calling', null, {
    timeout: WAIT_MS,
  });
}

describe('demo SPA through the gateway', () => {
  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'icg-browser-'));
    const certs = path.join(workDir, 'certs');
    const made = spawnSync(path.join(sourceDir, 'deploy', 'make-dev-certs'), [certs], { encoding: 'utf8' });
    assert.equal(made.status, 0, `deploy/make-dev-certs failed: ${made.stderr}`);
    ca = readFileSync(path.join(certs, 'ca.pem'));

    // Chromium is told to accept exactly the test server's key (both servers use this leaf), which
    // is narrower than ignoring HTTPS errors; trusting the CA itself would need an NSS database.
    const leaf = new X509Certificate(readFileSync(path.join(certs, 'localhost.pem')));
    const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
    leafSpkiHash = createHash('sha256').update(spki).digest('base64');

    const clientSecret = randomBytes(32).toString('hex');
    const redisPort = await startRedis();
    const mockPort = await startMock(certs, clientSecret);
    mockUrl = `https://localhost:${mockPort}`;
    const { port } = await startGateway(certs, redisPort, mockPort, clientSecret);
    gatewayUrl = `https://localhost:${port}`;
    // Ready once it reaches Redis, not just once it listens.
    await until('GET /readyz to answer 200', async () => {
      const response = await httpsRequest(`${gatewayUrl}/readyz`, { ca });
      return response.status === 200;
    }, WAIT_MS);

    browser = await chromium.launch({
      executablePath: chromiumBin,
      headless: true,
      timeout: WAIT_MS,
      args: [
        '--no-sandbox', // the tests run as root
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking', // this machine's network is closed
        '--disable-component-update',
        '--disable-sync',
        `--ignore-certificate-errors-spki-list=${leafSpkiHash}`,
      ],
    });
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    // The gateway first, so it does not log the others' going away as failures.
    for (const child of [...children].reverse()) await child.stop();
    if (testsPassed !== testsDefined) {
      for (const child of children) {
        const tail = child.output.split('\n').slice(-40).join('\n');
        process.stderr.write(`\n---- ${child.name} (pid ${child.pid}, ${describeExit(child.exit)}), last lines:\n${tail}\n`);
      }
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('logs in, calls /intercom/me, survives a revoked token, logs out', TEST_OPTIONS, counted(async () => {
    const context = await browser.newContext();
    const { page, errors: pageErrors } = await openPage(context);

    // 1. Logged out at first. The page says its login is a stand-in, and has a favicon.
    await page.goto(`${gatewayUrl}/`);
    await waitForSession(page, 'anonymous');
    assert.equal(await page.locator('#api').isHidden(), true, 'no API card without a session');
    const standIn = page.locator('#stand-in');
    assert.equal(await standIn.isVisible(), true, 'the stand-in notice is shown');
    const standInText = (await standIn.textContent()).replace(/\s+/g, ' ');
    assert.ok(standInText.includes('stand-in for Intercom'), standInText);
    assert.ok(standInText.includes('approves at once'), standInText);
    assert.ok(standInText.includes("Intercom's own log-in and consent screen"), standInText);
    const icon = await page.evaluate(async () => {
      const link = document.querySelector('link[rel="icon"]');
      if (!link) return null;
      const response = await fetch(link.href, { cache: 'no-store' });
      const svg = new DOMParser().parseFromString(await response.text(), 'image/svg+xml');
      return {
        path: new URL(link.href).pathname,
        status: response.status,
        type: response.headers.get('content-type'),
        root: svg.documentElement.localName,
      };
    });
    assert.deepEqual(icon, { path: '/favicon.svg', status: 200, type: 'image/svg+xml', root: 'svg' });

    // 2. Log in through the mock's consent screen, which approves at once.
    await logIn(page, 'Log in with Intercom');

    // 3. Call /intercom/me through the gateway; the JSON is shown as text.
    await callMe(page);
    assert.equal(await page.locator('#api-status').getAttribute('data-state'), 'done');
    const shown = await page.locator('#api-result').textContent();
    const me = JSON.parse(shown);
    assert.equal(me.email, ADMIN_EMAIL);
    assert.equal(me.name, ADMIN_NAME);
    assert.match(shown, /\n {2}"/, 'the JSON is pretty-printed');
    assert.equal(await page.locator('#api-result > *').count(), 0, 'the JSON is shown as text');

    // 4. The session cookie is HttpOnly: the page's script sees neither it nor the token.
    const tokens = JSON.parse((await httpsRequest(`${mockUrl}/__mock/issued-tokens`, { ca })).body).tokens;
    assert.equal(tokens.length, 1);
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    }));
    assert.ok(!visible.cookie.includes(SESSION_COOKIE), `document.cookie shows the session: ${visible.cookie}`);
    for (const token of tokens) {
      assert.ok(!visible.cookie.includes(token), 'document.cookie holds the token');
      assert.ok(!visible.storage.includes(token), 'web storage holds the token');
      assert.ok(!(await page.content()).includes(token), 'the page holds the token');
    }
    const sessionCookie = (await context.cookies(gatewayUrl)).find((c) => c.name === SESSION_COOKIE);
    assert.ok(sessionCookie, 'the browser holds the session cookie');
    assert.equal(sessionCookie.httpOnly, true);
    assert.equal(sessionCookie.secure, true);

    // 5. Intercom revokes the token; the next call tells the user and offers to log in again.
    const revoked = await httpsRequest(`${mockUrl}/__mock/revoke`, { method: 'POST', ca });
    assert.equal(revoked.status, 204);
    await callMe(page);
    await waitForSession(page, 'anonymous');
    const ended = page.locator('#ended');
    await ended.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal((await ended.textContent()).includes('Your Intercom access ended — log in again.'), true);
    assert.equal(await page.locator('#who').isHidden(), true, 'nobody is shown as logged in');
    assert.equal(await page.locator('#api').isHidden(), true, 'no API card without a session');
    assert.equal(
      (await context.cookies(gatewayUrl)).some((c) => c.name === SESSION_COOKIE),
      false,
      'the gateway cleared the session cookie',
    );

    // 6. Log in again from the notice; the API works again with the new token.
    await logIn(page, 'Log in again');
    assert.equal(await ended.isHidden(), true, 'the notice goes once logged in again');
    await callMe(page);
    assert.equal(await page.locator('#api-status').getAttribute('data-state'), 'done');
    assert.equal(JSON.parse(await page.locator('#api-result').textContent()).email, ADMIN_EMAIL);

    // 7. Log out asks first; Cancel keeps the session and sends nothing.
    const logouts = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth/logout') logouts.push(request.method());
    });
    const logoutButton = page.getByRole('button', { name: 'Log out', exact: true });
    const confirmLogout = page.locator('#confirm-logout');
    await logoutButton.click();
    await confirmLogout.waitFor({ state: 'visible' });
    assert.equal(await logoutButton.getAttribute('aria-expanded'), 'true');
    assert.ok((await confirmLogout.textContent()).includes('Log out?'));
    await confirmLogout.getByRole('button', { name: 'Cancel' }).click();
    await confirmLogout.waitFor({ state: 'hidden' });
    assert.equal(await logoutButton.getAttribute('aria-expanded'), 'false');
    assert.equal(await sessionState(page), 'authenticated');
    assert.equal(await sessionStatus(page), 200, 'still logged in at the gateway');
    assert.deepEqual(logouts, [], 'Cancel sent no logout');

    // 8. Log out, confirmed: one POST, back to the logged-out view, and the cookie is gone.
    await logoutButton.click();
    await confirmLogout.waitFor({ state: 'visible' });
    const [logoutResponse] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/logout'),
      page.getByRole('button', { name: 'Yes, log out' }).click(),
    ]);
    assert.equal(logoutResponse.status(), 204);
    await waitForSession(page, 'anonymous');
    assert.deepEqual(logouts, ['POST']);
    assert.equal(await confirmLogout.isHidden(), true);
    await page.getByRole('button', { name: 'Log in with Intercom' }).waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who').isHidden(), true);
    assert.equal(await page.locator('#api').isHidden(), true);
    assert.equal(await page.locator('#ended').isHidden(), true);
    assert.equal(await sessionState(page), 'anonymous');
    assert.equal((await context.cookies(gatewayUrl)).some((c) => c.name === SESSION_COOKIE), false);

    assert.deepEqual(pageErrors, [], 'the page logged no errors (CSP violations included)');
    await context.close();
  }));

  it('disconnects the workspace after a confirm step, logging out all its browsers', TEST_OPTIONS, counted(async () => {
    // 1. Two browsers log in to the same workspace (the mock approves its default one).
    const context = await browser.newContext();
    const { page, errors: pageErrors } = await openPage(context);
    const otherContext = await browser.newContext();
    const { page: otherPage, errors: otherErrors } = await openPage(otherContext);
    for (const p of [page, otherPage]) {
      await p.goto(`${gatewayUrl}/`);
      await waitForSession(p, 'anonymous');
      await logIn(p, 'Log in with Intercom');
    }
    const workspaceName = await page.locator('#workspace-name').textContent();
    assert.equal(await otherPage.locator('#workspace-name').textContent(), workspaceName);
    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'the browser holds the session cookie');
    assert.equal((await mockStats()).uninstall_calls, 0, 'nothing uninstalled the app yet');
    const disconnects = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth/disconnect') disconnects.push(request.method());
    });

    // 2. The button sits beside "Log out" and only asks; Cancel closes the question, still logged in.
    const disconnectButton = page.getByRole('button', { name: 'Disconnect workspace' });
    await disconnectButton.waitFor({ state: 'visible' });
    assert.equal(await page.getByRole('button', { name: 'Log out' }).isVisible(), true);
    await disconnectButton.click();
    const confirm = page.locator('#confirm-disconnect');
    await confirm.waitFor({ state: 'visible' });
    assert.equal(await disconnectButton.getAttribute('aria-expanded'), 'true');
    assert.ok((await confirm.textContent()).includes(`Disconnect the workspace “${workspaceName}”?`));
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(await sessionState(page), 'authenticated');

    // 3. Confirm: one POST from the page's own origin, answered 204.
    const response = await disconnectWorkspace(page);
    assert.equal(response.status(), 204);
    assert.equal(response.request().method(), 'POST');
    assert.equal(await response.request().headerValue('origin'), gatewayUrl);

    // (a) The page shows the logged-out state and says the workspace was disconnected.
    await waitForSession(page, 'anonymous');
    const ended = page.locator('#ended[data-reason="disconnected"]');
    await ended.waitFor({ state: 'visible' });
    const notice = await page.locator('#ended-message').textContent();
    assert.ok(notice.startsWith(`The workspace “${workspaceName}” was disconnected`), notice);
    await page.getByRole('button', { name: 'Log in again' }).waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who').isHidden(), true, 'nobody is shown as logged in');
    assert.equal(await page.locator('#api').isHidden(), true, 'no API card without a session');
    assert.equal(await disconnectButton.isHidden(), true);
    assert.equal(await page.getByRole('button', { name: 'Log out' }).isHidden(), true);
    assert.equal(await confirm.isHidden(), true);
    assert.equal(await page.locator('#error').isHidden(), true);
    assert.equal(await sessionCookie(context), undefined, 'the gateway cleared the session cookie');

    // (b) The session is over at the gateway, not only forgotten by the browser.
    assert.equal(await sessionStatus(page), 401);
    const replayed = await httpsRequest(`${gatewayUrl}/auth/session`, {
      ca,
      headers: { Cookie: `${SESSION_COOKIE}=${cookie.value}` },
    });
    assert.equal(replayed.status, 401, 'the old session cookie no longer works');

    // (c) Intercom was asked to uninstall the app once: the Cancel sent nothing.
    assert.equal((await mockStats()).uninstall_calls, 1);
    assert.deepEqual(disconnects, ['POST']);

    // (d) The other browser, which did nothing, is logged out too.
    assert.ok(await sessionCookie(otherContext), 'the other browser still holds its cookie');
    assert.equal(await sessionStatus(otherPage), 401);
    await otherPage.reload();
    await waitForSession(otherPage, 'anonymous');

    assert.deepEqual(pageErrors, [], 'the page logged no errors (CSP violations included)');
    assert.deepEqual(otherErrors, [], 'the other page logged no errors');
    await otherContext.close();
    await context.close();
  }));

  it('a disconnect Intercom refuses leaves the user logged in, with an error', TEST_OPTIONS, counted(async () => {
    const context = await browser.newContext();
    const { page, errors: pageErrors } = await openPage(context);
    await page.goto(`${gatewayUrl}/`);
    await waitForSession(page, 'anonymous');
    await logIn(page, 'Log in with Intercom');
    const uninstallsBefore = (await mockStats()).uninstall_calls;

    // 1. Intercom answers 429 to everything, the uninstall included: the gateway answers 502.
    await setMockRateLimit(0);
    try {
      const response = await disconnectWorkspace(page);
      // Only the status: Playwright's response.json() waits forever for a fetch() body the page
      // leaves unread (the integration tests check this one).
      assert.equal(response.status(), 502);
      const error = page.locator('#error');
      await error.waitFor({ state: 'visible' });
      const message = await error.textContent();
      assert.ok(message.includes('Intercom did not confirm the uninstall'), message);
      assert.ok(message.includes('still logged in'), message);
    } finally {
      await setMockRateLimit(100000);
    }
    assert.equal((await mockStats()).uninstall_calls, uninstallsBefore + 1, 'Intercom was asked, and refused');

    // 2. Still logged in, in the page and at the gateway; the confirm step is closed, the buttons work.
    assert.equal(await sessionState(page), 'authenticated');
    assert.equal(await page.locator('#who').isVisible(), true);
    assert.equal(await page.locator('#ended').isHidden(), true);
    assert.equal(await page.locator('#confirm-disconnect').isHidden(), true);
    const disconnectButton = page.getByRole('button', { name: 'Disconnect workspace' });
    assert.equal(await disconnectButton.isEnabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Log out' }).isEnabled(), true);
    assert.ok(await sessionCookie(context), 'the browser keeps its session cookie');
    assert.equal(await sessionStatus(page), 200);

    // 3. Once Intercom answers again, trying again from the same page disconnects.
    const response = await disconnectWorkspace(page);
    assert.equal(response.status(), 204);
    await waitForSession(page, 'anonymous');
    await page.locator('#ended[data-reason="disconnected"]').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#error').isHidden(), true, 'the earlier error is gone');
    assert.equal(await sessionStatus(page), 401);
    assert.equal((await mockStats()).uninstall_calls, uninstallsBefore + 2);

    assert.deepEqual(pageErrors, [], 'the page logged no errors (CSP violations included)');
    await context.close();
  }));

  it('the callback error pages have the demo\'s look and words', TEST_OPTIONS, counted(async () => {
    // What the demo page and an error page look like, read from the styles the browser applied.
    const look = (page) => page.evaluate(() => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      const body = style('body');
      const h1 = style('h1');
      const card = style('.card');
      const button = style(document.querySelector('a') ? 'a' : 'button.primary');
      return {
        background: body.backgroundColor,
        text: body.color,
        font: body.fontFamily,
        heading: h1.fontSize,
        card: [card.backgroundColor, card.borderTopColor, card.borderTopLeftRadius],
        button: [button.backgroundColor, button.color, button.borderTopLeftRadius],
      };
    });
    const pages = [
      { path: '/auth/callback?code=not-a-code&state=not-a-state', status: 400, title: 'Log-in link not valid',
        says: 'This log-in link is invalid, expired or was already used' },
      { path: '/auth/callback?error=access_denied', status: 403, title: 'Access was denied',
        says: 'so you are not logged in' },
      { path: '/auth/callback?error=server_error', status: 400, title: 'Log-in failed',
        says: 'Intercom reported an error during the log-in.' },
      { path: '/auth/login?return_to=/', status: 429, title: 'Too many log-in attempts',
        says: 'Too many log-ins were started from this browser' },
    ];
    for (const colorScheme of ['light', 'dark']) {
      const context = await browser.newContext({ colorScheme });
      const { page, errors: pageErrors } = await openPage(context);
      await page.goto(`${gatewayUrl}/`);
      await waitForSession(page, 'anonymous');
      const demoLook = await look(page);
      // The 429 page: this browser starts as many logins as it may (10 by default) without finishing them.
      const started = await page.evaluate(async () => {
        const types = [];
        for (let i = 0; i < 10; i += 1) {
          types.push((await fetch('/auth/login?return_to=/', { redirect: 'manual' })).type);
        }
        return types;
      });
      assert.deepEqual(started, Array(10).fill('opaqueredirect'), 'ten logins started');

      for (const expected of pages) {
        const response = await page.goto(`${gatewayUrl}${expected.path}`);
        const where = `${colorScheme}: ${expected.path}`;
        assert.equal(response.status(), expected.status, where);
        assert.equal(await page.title(), expected.title, where);
        assert.equal(await page.locator('h1').textContent(), expected.title, where);
        const shown = await page.locator('body').innerText();
        assert.ok(shown.includes(expected.says), `${where}: ${shown}`);
        assert.doesNotMatch(shown, /sign(ed)?[- ]?in/i, `${where}: the demo says "log in"`);
        const back = page.getByRole('link', { name: 'Back to the application' });
        assert.equal(new URL(await back.getAttribute('href'), gatewayUrl).pathname, '/', where);
        assert.deepEqual(await look(page), demoLook, `${where}: the demo's colours, font and shapes`);
      }
      assert.deepEqual(pageErrors, [], `${colorScheme}: no errors (CSP violations included)`);
      await context.close();
    }
  }));

  // Last: the others need the gateway running.
  it('a logout while Redis does not answer still logs this browser out, and says so', TEST_OPTIONS, counted(async () => {
    const context = await browser.newContext();
    const { page, errors: pageErrors } = await openPage(context);
    await page.goto(`${gatewayUrl}/`);
    await waitForSession(page, 'anonymous');
    await logIn(page, 'Log in with Intercom');
    const redis = children.find((child) => child.name === 'redis-server');
    assert.ok(redis, 'the test started a redis-server');

    // Redis stops answering (paused, as in a stall): the record cannot be ended now.
    process.kill(redis.pid, 'SIGSTOP');
    try {
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.locator('#confirm-logout').waitFor({ state: 'visible' });
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/logout'),
        page.getByRole('button', { name: 'Yes, log out' }).click(),
      ]);
      assert.equal(response.status(), 503);
      await waitForSession(page, 'anonymous');
      const error = page.locator('#error');
      await error.waitFor({ state: 'visible' });
      const message = await error.textContent();
      assert.ok(message.includes('Logged out on this browser'), message);
      assert.ok(message.includes('idle timeout'), message);
      assert.equal((await context.cookies(gatewayUrl)).some((c) => c.name === SESSION_COOKIE), false,
        'the gateway cleared the cookie although Redis did not answer');
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    await until('GET /readyz to answer 200 again', async () => {
      const response = await httpsRequest(`${gatewayUrl}/readyz`, { ca });
      return response.status === 200;
    }, WAIT_MS);
    assert.deepEqual(pageErrors, [], 'the page logged no errors (CSP violations included)');
    await context.close();
  }));

  it('the gateway shuts down cleanly', TEST_OPTIONS, counted(async () => {
    // Under the sanitizers: no leak, no error report.
    const gateway = children.find((c) => c.name === 'intercom-gateway' && !c.exit);
    assert.ok(gateway, 'the gateway is running');
    const exit = await gateway.stop();
    assert.equal(describeExit(exit), 'status 0', `the gateway ended with ${describeExit(exit)}`);
  }));
});
