// Webhook administration: CRUD, validation, the secret shown once, admin only, the SSRF guard
// at create and update (literal addresses, IPv6 forms, a hostname resolving to 127.0.0.1).
import t from 'tap';
import { build } from '../../helper.ts';

const PUBLIC_URL = 'https://93.184.215.14/hooks/cms';

t.test('create, read, list, update, delete; the secret only at creation', async (t) => {
  const b = await build(t);
  const admin = b.auth('admin');
  const created = await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: { url: PUBLIC_URL, events: ['article.published', 'article.updated'], description: 'Front end' } });
  t.equal(created.statusCode, 201);
  t.equal(created.headers['cache-control'], 'no-store');
  const hook = created.json();
  t.strictSame(Object.keys(hook).sort(), ['createdAt', 'description', 'events', 'id', 'secret', 'status', 'url']);
  t.match(hook, { url: PUBLIC_URL, events: ['article.published', 'article.updated'], description: 'Front end', status: 'active' });
  t.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  t.equal(Buffer.from(hook.secret.slice(6), 'base64').length, 32);
  t.equal(hook.createdAt, new Date(b.clock.now()).toISOString());

  const other = (await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: { url: 'http://93.184.215.15/x', events: ['*'] } })).json();
  t.not(other.secret, hook.secret, 'each webhook its own secret');
  t.equal(other.description, null);

  const read = await b.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: admin });
  t.equal(read.statusCode, 200);
  const { secret: _secret, ...withoutSecret } = hook;
  t.strictSame(read.json(), withoutSecret);
  t.notOk(read.body.includes(hook.secret));

  const list = await b.app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin });
  t.equal(list.statusCode, 200);
  t.strictSame(list.json().data.map((w: { id: string }) => w.id), [hook.id, other.id]);
  t.notOk(list.body.includes('whsec_'));

  const patched = await b.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: admin, payload: { events: ['*'], description: null, status: 'disabled', url: 'https://93.184.215.16/new' } });
  t.equal(patched.statusCode, 200);
  t.strictSame(patched.json(), { ...withoutSecret, events: ['*'], description: null, status: 'disabled', url: 'https://93.184.215.16/new' });
  t.notOk(patched.body.includes('whsec_'));

  const ping = await b.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: admin });
  t.equal(ping.statusCode, 409, 'no ping to a disabled webhook');

  const del = await b.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: admin });
  t.equal(del.statusCode, 204);
  t.equal((await b.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: admin })).statusCode, 404);
  t.equal((await b.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: admin })).statusCode, 404);
  t.equal((await b.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: admin, payload: {} })).statusCode, 404);
  t.equal((await b.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: admin })).statusCode, 404);
  t.equal((await b.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries`, headers: admin })).statusCode, 404);
});

t.test('every route is admin: 401 without a token (before validation), 403 for an editor', async (t) => {
  const b = await build(t);
  const hook = (await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: b.auth('admin'), payload: { url: PUBLIC_URL, events: ['*'] } })).json();
  const routes = [
    ['POST', '/v1/webhooks'],
    ['GET', '/v1/webhooks'],
    ['GET', `/v1/webhooks/${hook.id}`],
    ['PATCH', `/v1/webhooks/${hook.id}`],
    ['DELETE', `/v1/webhooks/${hook.id}`],
    ['POST', `/v1/webhooks/${hook.id}/test`],
    ['GET', `/v1/webhooks/${hook.id}/deliveries`],
  ] as const;
  for (const [method, url] of routes) {
    const anon = await b.app.inject({ method, url, payload: method === 'POST' || method === 'PATCH' ? { url: 'ftp://x' } : undefined });
    t.equal(anon.statusCode, 401, `${method} ${url} anonymous`);
    t.match(anon.headers['content-type'], /^application\/problem\+json/);
    for (const role of ['writer', 'editor'] as const) {
      const res = await b.app.inject({ method, url, headers: b.auth(role), payload: method === 'POST' || method === 'PATCH' ? {} : undefined });
      t.equal(res.statusCode, 403, `${method} ${url} as ${role}`);
    }
  }
  t.equal((await b.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: b.auth('admin') })).statusCode, 200, 'still there');
});

t.test('validation: 400 naming the field', async (t) => {
  const b = await build(t);
  const admin = b.auth('admin');
  const cases: [unknown, string][] = [
    [{ url: 'ftp://93.184.215.14/x', events: ['*'] }, 'url'],
    [{ url: 'not a url', events: ['*'] }, 'url'],
    [{ url: 'javascript:alert(1)', events: ['*'] }, 'url'],
    [{ url: 'file:///etc/passwd', events: ['*'] }, 'url'],
    [{ events: ['*'] }, 'url'],
    [{ url: PUBLIC_URL, events: [] }, 'events'],
    [{ url: PUBLIC_URL }, 'events'],
    [{ url: PUBLIC_URL, events: ['article.exploded'] }, 'events.0'],
    [{ url: PUBLIC_URL, events: ['*', 'article.published'] }, 'events'],
    [{ url: PUBLIC_URL, events: ['ping'] }, 'events.0'],
    [{ url: PUBLIC_URL, events: ['*'], description: 'x'.repeat(501) }, 'description'],
    [{ url: PUBLIC_URL, events: ['*'], secret: 'mine' }, 'secret'],
  ];
  for (const [payload, path] of cases) {
    const res = await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: payload as object });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    const problem = res.json();
    t.ok(problem.errors.some((e: { in: string; path: string }) => e.in === 'body' && e.path === path), `names body.${path}: ${JSON.stringify(problem.errors)}`);
  }
  const none = await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin });
  t.equal(none.statusCode, 400);
  t.same(none.json().errors.map((e: { path: string }) => e.path).sort(), ['events', 'url']);
  t.equal((await b.app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin })).json().data.length, 0, 'nothing stored');

  const hook = (await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: { url: PUBLIC_URL, events: ['*'] } })).json();
  for (const [payload, path] of [[{ url: 'gopher://x' }, 'url'], [{ status: 'paused' }, 'status'], [{ events: [] }, 'events'], [{ secret: 'x' }, 'secret']] as const) {
    const res = await b.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: admin, payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.ok(res.json().errors.some((e: { path: string }) => e.path === path), `names body.${path}`);
  }
  const bad = await b.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries?cursor=nope`, headers: admin });
  t.equal(bad.statusCode, 400);
});

const REFUSED = [
  'http://127.0.0.1/x',
  'http://127.8.9.10:8080/x',
  'http://10.1.2.3/x',
  'http://172.16.0.1/x',
  'http://192.168.1.1/x',
  'http://169.254.169.254/latest/meta-data',
  'http://100.64.0.1/x',
  'http://0.0.0.0/x',
  'http://224.0.0.1/x',
  'http://255.255.255.255/x',
  'http://2130706433/x', // 127.0.0.1 as one number (the URL parser normalizes it)
  'http://0x7f.1/x',
  'http://[::1]/x',
  'http://[::]/x',
  'http://[::ffff:127.0.0.1]/x',
  'http://[::ffff:a00:1]/x',
  'http://[fc00::1]/x',
  'http://[fd12:3456::1]/x',
  'http://[fe80::1]/x',
  'http://[ff02::1]/x',
  'http://[64:ff9b::7f00:1]/x', // NAT64 of 127.0.0.1
  'http://localhost:8080/x', // a hostname resolving to loopback
];

t.test('SSRF guard at create and update: 422 naming body.url', async (t) => {
  const b = await build(t);
  const admin = b.auth('admin');
  for (const url of REFUSED) {
    const res = await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: { url, events: ['*'] } });
    t.equal(res.statusCode, 422, url);
    t.strictSame(res.json().errors.map((e: { in: string; path: string }) => `${e.in}.${e.path}`), ['body.url'], url);
  }
  t.equal((await b.app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin })).json().data.length, 0);
  const hook = (await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: { url: 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x', events: ['*'] } })).json();
  t.ok(hook.id, 'a public IPv6 address is accepted');
  const res = await b.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: admin, payload: { url: 'http://[::ffff:10.0.0.1]/x' } });
  t.equal(res.statusCode, 422);
  t.equal((await b.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: admin })).json().url, 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x', 'unchanged');
});

t.test('CMS_WEBHOOK_ALLOW_PRIVATE=1 accepts private targets', async (t) => {
  const b = await build(t, { config: { CMS_WEBHOOK_ALLOW_PRIVATE: true } });
  for (const url of ['http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]:9/x', 'http://10.0.0.1/x']) {
    const res = await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: b.auth('admin'), payload: { url, events: ['*'] } });
    t.equal(res.statusCode, 201, url);
  }
});
