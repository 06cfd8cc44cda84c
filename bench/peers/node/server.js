'use strict';
// The Node peer of bench/run: the backend-for-frontend a JavaScript team writes by hand, with the
// same routes and session behaviour as intercom-gateway. One process, TLS terminated here.
//
// Settings come from the environment (bench/run sets them all):
//   BFF_LISTEN_PORT, BFF_CERT_FILE, BFF_KEY_FILE, BFF_CA_FILE (trusted for upstream TLS),
//   BFF_PUBLIC_URL, BFF_REDIS_URL, BFF_SESSION_SECRET, BFF_CLIENT_ID, BFF_CLIENT_SECRET,
//   BFF_AUTHORIZE_URL, BFF_TOKEN_URL, BFF_API_BASE
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');

const express = require('express');
const session = require('express-session');
const { RedisStore } = require('connect-redis');
const { createClient } = require('redis');
const { createProxyMiddleware } = require('http-proxy-middleware');

function setting(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`node-bff: ${name} is required`);
    process.exit(2);
  }
  return value;
}

const config = {
  port: Number(setting('BFF_LISTEN_PORT')),
  certFile: setting('BFF_CERT_FILE'),
  keyFile: setting('BFF_KEY_FILE'),
  caFile: setting('BFF_CA_FILE'),
  publicUrl: setting('BFF_PUBLIC_URL'),
  redisUrl: setting('BFF_REDIS_URL'),
  sessionSecret: setting('BFF_SESSION_SECRET'),
  clientId: setting('BFF_CLIENT_ID'),
  clientSecret: setting('BFF_CLIENT_SECRET'),
  authorizeUrl: setting('BFF_AUTHORIZE_URL'),
  tokenUrl: setting('BFF_TOKEN_URL'),
  apiBase: setting('BFF_API_BASE'),
};

const idleTimeoutMs = 8 * 3600 * 1000;

// One keep-alive agent for every call to Intercom; it verifies the upstream against the bench CA.
const upstreamAgent = new https.Agent({
  keepAlive: true,
  maxSockets: 64,
  maxFreeSockets: 64,
  ca: fs.readFileSync(config.caFile),
});

// A JSON request to Intercom over the shared agent, with a deadline.
function callIntercom(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, headers, agent: upstreamAgent, timeout: 10000 }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode < 200 || response.statusCode > 299) {
          reject(new Error(`${method} ${new URL(url).pathname}: status ${response.statusCode}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`${method} ${new URL(url).pathname}: malformed JSON`));
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('upstream timeout')));
    request.on('error', reject);
    request.end(body);
  });
}

function safeReturnTo(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return /[\x00-\x1f\x7f]/.test(value) ? '/' : value;
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

async function main() {
  const redis = createClient({ url: config.redisUrl });
  redis.on('error', (error) => console.error(`node-bff: redis: ${error.message}`));
  await redis.connect();

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(
    session({
      store: new RedisStore({ client: redis, prefix: 'bff:sess:' }),
      name: '__Host-bff-session',
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: { secure: true, httpOnly: true, sameSite: 'lax', path: '/', maxAge: idleTimeoutMs },
    }),
  );

  app.get('/auth/login', (req, res, next) => {
    const state = crypto.randomBytes(32).toString('base64url');
    req.session.oauthState = state;
    req.session.returnTo = safeReturnTo(req.query.return_to);
    const location = new URL(config.authorizeUrl);
    location.searchParams.append('client_id', config.clientId);
    location.searchParams.append('state', state);
    location.searchParams.append('redirect_uri', `${config.publicUrl}/auth/callback`);
    req.session.save((error) => (error ? next(error) : res.redirect(302, location.toString())));
  });

  app.get('/auth/callback', async (req, res, next) => {
    const { code, state } = req.query;
    const expected = req.session.oauthState;
    const returnTo = req.session.returnTo || '/';
    if (typeof code !== 'string' || typeof state !== 'string' || !expected || !sameSecret(state, expected)) {
      res.status(400).type('text/plain').send('Sign-in link not valid');
      return;
    }
    delete req.session.oauthState;
    let token;
    let admin;
    try {
      const body = JSON.stringify({ code, client_id: config.clientId, client_secret: config.clientSecret });
      const answer = await callIntercom('POST', config.tokenUrl,
        { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) }, body);
      token = answer.access_token || answer.token;
      if (!token) throw new Error('token exchange: no token');
      admin = await callIntercom('GET', `${config.apiBase}/me`, { Authorization: `Bearer ${token}`, Accept: 'application/json' });
      if (!admin.id || !admin.app || !admin.app.id_code) throw new Error('/me: malformed');
    } catch (error) {
      console.error(`node-bff: sign-in failed: ${error.message}`);
      res.status(502).type('text/plain').send('Sign-in failed');
      return;
    }
    // A new session id on login (no fixation).
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.token = token;
      req.session.admin = { id: admin.id, name: admin.name, email: admin.email };
      req.session.workspace = { id: admin.app.id_code, name: admin.app.name };
      req.session.save((saveError) => (saveError ? next(saveError) : res.redirect(302, returnTo)));
    });
  });

  app.get('/auth/session', (req, res) => {
    if (!req.session.token) {
      res.status(401).json({ authenticated: false });
      return;
    }
    res.json({ authenticated: true, admin: { name: req.session.admin.name, email: req.session.admin.email }, workspace: req.session.workspace });
  });

  app.post('/auth/logout', (req, res, next) => {
    req.session.destroy((error) => {
      if (error) return next(error);
      res.clearCookie('__Host-bff-session', { secure: true, httpOnly: true, sameSite: 'lax', path: '/' });
      res.status(204).end();
    });
  });

  const proxy = createProxyMiddleware({
    target: config.apiBase,
    changeOrigin: true,
    secure: true,
    agent: upstreamAgent,
    proxyTimeout: 30000,
    on: {
      proxyRes: (proxyRes, req) => {
        delete proxyRes.headers['set-cookie'];
        // Intercom no longer accepts the token: end the session.
        if (proxyRes.statusCode === 401) req.session.destroy(() => {});
      },
      error: (error, req, res) => {
        console.error(`node-bff: proxy: ${error.message}`);
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end('{"error":"upstream_unavailable"}');
      },
    },
  });
  app.use('/intercom', (req, res, next) => {
    if (!req.session.token) {
      res.status(401).json({ error: 'not_authenticated' });
      return;
    }
    // Set on the incoming request: http-proxy copies these headers, and its proxyReq event can
    // come after a reused keep-alive socket has already flushed them.
    req.headers.authorization = `Bearer ${req.session.token}`;
    delete req.headers.cookie;
    if (!req.headers['intercom-version']) req.headers['intercom-version'] = '2.11';
    next();
  }, proxy);

  const server = https.createServer(
    { cert: fs.readFileSync(config.certFile), key: fs.readFileSync(config.keyFile), minVersion: 'TLSv1.2' },
    app,
  );
  server.keepAliveTimeout = 60000;
  server.headersTimeout = 30000;
  server.listen(config.port, '127.0.0.1', () => console.log(`node-bff listening on 127.0.0.1:${config.port}`));

  const stop = () => {
    server.close(() => redis.quit().finally(() => process.exit(0)));
    server.closeIdleConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(`node-bff: ${error.message}`);
  process.exit(1);
});
