// GET /metrics: Prometheus text from a registry of the app's own. Counts move with requests,
// labelled by route pattern (never the raw URL); the response cache and the PostgreSQL pool
// are reported; the route needs an admin token, or, with CMS_METRICS_ADDRESS, answers on a
// listener of its own without one and not on the main port.
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import t from 'tap';
import { loadConfig, parseHostPort } from '../../src/config.ts';
import { listenMetrics, poolStatsOf, UNMATCHED_ROUTE } from '../../src/http/metrics.ts';
import { addArticle, build, type Built, ENGINE, SEED_SLUG, tempDir } from '../helper.ts';
import { testDatabase } from '../engine.ts';
import { freePort, startServer } from '../process.ts';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The value of one sample (exactly these labels), or undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(got).length && wanted.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(b: Built): Promise<string> {
  const res = await b.app.inject({ url: '/metrics', headers: b.auth('admin') });
  if (res.statusCode !== 200) throw new Error(`GET /metrics: ${res.statusCode} ${res.body}`);
  return res.body;
}

const reqs = (text: string, route: string, status: number, method = 'GET') =>
  sample(text, 'cms_http_requests_total', { method, route, status_code: String(status) }) ?? 0;
const timed = (text: string, route: string, status: number, method = 'GET') =>
  sample(text, 'cms_http_request_duration_seconds_count', { method, route, status_code: String(status) }) ?? 0;

t.test('GET /metrics needs an admin token: 401 without one, 403 for writer and editor, 200 for admin', async (t) => {
  const b = await build(t);
  const none = await b.app.inject({ url: '/metrics' });
  t.equal(none.statusCode, 401);
  t.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(none.headers['www-authenticate'], 'Bearer realm="cms"');
  for (const role of ['writer', 'editor'] as const) {
    const res = await b.app.inject({ url: '/metrics', headers: b.auth(role) });
    t.equal(res.statusCode, 403, role);
    t.equal(res.json().title, 'Forbidden');
  }
  const ok = await b.app.inject({ url: '/metrics', headers: b.auth('admin') });
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['content-type'], CONTENT_TYPE);
  t.equal(ok.headers['cache-control'], 'private, no-store', 'never kept by a cache');
  t.match(ok.body, /^# HELP cms_http_requests_total /m);
  t.match(ok.body, /^# TYPE cms_http_request_duration_seconds histogram$/m);
  t.equal((await b.app.inject({ url: '/metrics?x=1', headers: b.auth('admin') })).statusCode, 400, 'no query parameters');
});

t.test('request counts and latencies move by route pattern, method and status; unknown paths share one label', async (t) => {
  const b = await build(t);
  const before = await scrape(b);
  for (let i = 0; i < 3; i++) t.equal((await b.app.inject({ url: '/v1/sections' })).statusCode, 200);
  const missingId = '0190b0b0-0000-7000-8000-00000000beef';
  for (let i = 0; i < 2; i++) t.equal((await b.app.inject({ url: `/v1/articles/${missingId}` })).statusCode, 404);
  t.equal((await b.app.inject({ url: '/no/such/path/4711' })).statusCode, 404);
  t.equal((await b.app.inject({ url: '/v1/sections/also-not-here/x' })).statusCode, 404);
  t.equal((await b.app.inject({ method: 'DELETE', url: '/v1/sections' })).statusCode, 404, 'no such method on a known path');
  t.equal((await b.app.inject({ method: 'HEAD', url: '/v1/tags' })).statusCode, 200);
  const after = await scrape(b);

  t.equal(reqs(after, '/v1/sections', 200) - reqs(before, '/v1/sections', 200), 3, '3 section lists');
  t.equal(timed(after, '/v1/sections', 200) - timed(before, '/v1/sections', 200), 3, 'and 3 timings');
  t.equal(reqs(after, '/v1/articles/:id', 404) - reqs(before, '/v1/articles/:id', 404), 2, 'a 404 from a route keeps the route');
  t.equal(reqs(after, UNMATCHED_ROUTE, 404) - reqs(before, UNMATCHED_ROUTE, 404), 2, 'unknown paths share one label');
  t.equal(reqs(after, UNMATCHED_ROUTE, 404, 'DELETE'), 1);
  t.equal(reqs(after, '/v1/tags', 200, 'HEAD'), 1, 'HEAD counted as HEAD');
  t.equal(reqs(before, '/metrics', 200), 0, 'a scrape is counted once answered');
  t.equal(reqs(after, '/metrics', 200), 1);
  // Labels only: a sample's value (a memory size, say) may hold these digits by chance.
  const labels = [...after.matchAll(/\{[^}]*\}/g)].map((m) => m[0]).join('\n');
  t.ok(labels.includes('route="/v1/sections"'), 'labels were found');
  t.notMatch(labels, /beef|4711|also-not-here/, 'no raw URL in any label');

  // The histogram's buckets are cumulative and end in +Inf = count.
  const inf = sample(after, 'cms_http_request_duration_seconds_bucket', { method: 'GET', route: '/v1/sections', status_code: '200', le: '+Inf' });
  t.equal(inf, 3);
  const sum = sample(after, 'cms_http_request_duration_seconds_sum', { method: 'GET', route: '/v1/sections', status_code: '200' })!;
  t.ok(sum > 0 && sum < 30, `latency sum in seconds (${sum})`);
});

t.test('response cache: hits, misses, evictions by reason, size', async (t) => {
  const b = await build(t);
  const url = `/v1/articles/slug/${SEED_SLUG}`;
  const first = await b.app.inject({ url });
  const second = await b.app.inject({ url });
  t.equal(second.headers['x-cache'], 'hit');
  await b.app.inject({ url, headers: b.auth('editor') }); // with a token: neither hit nor miss
  await b.app.inject({ url: '/v1/articles' });
  let text = await scrape(b);
  t.equal(sample(text, 'cms_response_cache_hits_total'), 1);
  t.equal(sample(text, 'cms_response_cache_misses_total'), 2);
  t.equal(sample(text, 'cms_response_cache_entries'), 2);
  const list = await b.app.inject({ url: '/v1/articles' });
  t.equal(sample(text, 'cms_response_cache_bytes'), Buffer.byteLength(first.body) + 200 + Buffer.byteLength(list.body) + 200, 'bytes as counted against the limit');
  t.equal(sample(text, 'cms_response_cache_max_bytes'), b.config.CMS_RESPONSE_CACHE_BYTES);
  t.equal(sample(text, 'cms_response_cache_evictions_total', { reason: 'invalidated' }) ?? 0, 0);
  t.equal(reqs(text, '/v1/articles/slug/:slug', 200), 3, 'made, a hit, and one with a token: each a request of its route');

  await addArticle(b, { headline: 'A new one on the front page' });
  text = await scrape(b);
  t.equal(sample(text, 'cms_response_cache_evictions_total', { reason: 'invalidated' }), 1, 'the list made stale by a publication');
  t.equal(sample(text, 'cms_response_cache_entries'), 1, 'the seed article stays');
  t.equal(sample(text, 'cms_response_cache_evictions_total', { reason: 'capacity' }) ?? 0, 0);
});

t.test('response cache: entries evicted to make room are counted as capacity', async (t) => {
  const probe = await build(t);
  const a = (await probe.app.inject({ url: `/v1/articles/slug/${SEED_SLUG}` })).body;
  const bSize = (await probe.app.inject({ url: '/v1/articles' })).body;
  // Room for either response, not both.
  const room = Math.max(Buffer.byteLength(a), Buffer.byteLength(bSize)) + 200 + 10;
  const b = await build(t, { config: { CMS_RESPONSE_CACHE_BYTES: room } });
  await b.app.inject({ url: `/v1/articles/slug/${SEED_SLUG}` });
  await b.app.inject({ url: '/v1/articles' });
  const text = await scrape(b);
  t.equal(sample(text, 'cms_response_cache_evictions_total', { reason: 'capacity' }), 1);
  t.equal(sample(text, 'cms_response_cache_entries'), 1);
});

t.test('no response cache: no cache metrics', async (t) => {
  const b = await build(t, { config: { CMS_RESPONSE_CACHE_BYTES: 0 } });
  await b.app.inject({ url: '/v1/sections' });
  const text = await scrape(b);
  t.notMatch(text, /cms_response_cache_/);
  t.equal(reqs(text, '/v1/sections', 200), 1);
});

t.test('hits answered on the Node server, before Fastify, are counted and timed too (real socket)', async (t) => {
  const b = await build(t);
  await b.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  const url = `${base}/v1/sections`;
  const first = await fetch(url);
  await first.text();
  const hit = await fetch(url);
  await hit.text();
  t.equal(hit.headers.get('x-cache'), 'hit');
  const revalidated = await fetch(url, { headers: { 'if-none-match': first.headers.get('etag')! } });
  t.equal(revalidated.status, 304);
  const head = await fetch(url, { method: 'HEAD' });
  t.equal(head.headers.get('x-cache'), 'hit');
  const text = await (await fetch(`${base}/metrics`, { headers: b.auth('admin') })).text();
  t.equal(reqs(text, '/v1/sections', 200), 2, 'made once, then one hit');
  t.equal(reqs(text, '/v1/sections', 304), 1, 'the revalidation');
  t.equal(reqs(text, '/v1/sections', 200, 'HEAD'), 1);
  t.equal(timed(text, '/v1/sections', 304), 1);
  t.equal(sample(text, 'cms_response_cache_hits_total'), 3);
  t.equal(sample(text, 'cms_response_cache_misses_total'), 1);
});

t.test('database pool gauges: PostgreSQL reports its pool; SQLite has none', async (t) => {
  const b = await build(t);
  await b.app.inject({ url: '/v1/sections' });
  const text = await scrape(b);
  if (ENGINE === 'postgres') {
    const total = sample(text, 'cms_db_pool_connections')!;
    t.ok(total >= 1 && total <= b.config.CMS_DB_POOL, `connections within the pool size (${total})`);
    const idle = sample(text, 'cms_db_pool_idle_connections')!;
    t.ok(idle >= 0 && idle <= total, `idle connections (${idle})`);
    t.equal(sample(text, 'cms_db_pool_waiting_queries'), 0);
  } else {
    t.notMatch(text, /cms_db_pool_/);
  }
  t.strictSame(poolStatsOf({ pool: { totalCount: 3, idleCount: 2, waitingCount: 1 } })?.(), { total: 3, idle: 2, waiting: 1 });
  t.equal(poolStatsOf({}), undefined);
});

t.test('process metrics are there; apps in one process keep their own counts', async (t) => {
  const one = await build(t);
  const two = await build(t);
  for (let i = 0; i < 2; i++) await one.app.inject({ url: '/v1/tags' });
  const first = await scrape(one);
  const second = await scrape(two);
  for (const text of [first, second]) {
    t.ok(sample(text, 'process_cpu_user_seconds_total')! > 0, 'process CPU');
    t.ok(sample(text, 'nodejs_heap_size_used_bytes')! > 0, 'heap');
    t.equal(text.match(/^# TYPE process_cpu_user_seconds_total /gm)?.length, 1, 'once');
  }
  t.equal(reqs(first, '/v1/tags', 200), 2);
  t.equal(reqs(second, '/v1/tags', 200), 0, 'the other app counted nothing');
});

t.test('CMS_METRICS_ADDRESS: host:port, IPv6 in brackets', async (t) => {
  t.strictSame(parseHostPort('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  t.strictSame(parseHostPort('[::1]:0'), { host: '::1', port: 0 });
  t.strictSame(parseHostPort('metrics.internal:9100'), { host: 'metrics.internal', port: 9100 });
  for (const bad of ['9464', '127.0.0.1', '127.0.0.1:99999', ':9464', 'a b:1', '::1:9464', '127.0.0.1:x']) {
    t.equal(parseHostPort(bad), null, bad);
    t.throws(() => loadConfig({ CMS_METRICS_ADDRESS: bad }), /CMS_METRICS_ADDRESS: must be host:port/, `${bad} refused at start`);
  }
  t.equal(loadConfig({ CMS_METRICS_ADDRESS: '0.0.0.0:9464' }).CMS_METRICS_ADDRESS, '0.0.0.0:9464');
  t.equal(loadConfig({}).CMS_METRICS_ADDRESS, undefined);
});

t.test('with CMS_METRICS_ADDRESS: served there without a token, not on the main port (real socket)', async (t) => {
  const b = await build(t, { config: { CMS_METRICS_ADDRESS: '127.0.0.1:0' } });
  const main = await b.app.inject({ url: '/metrics', headers: b.auth('admin') });
  t.equal(main.statusCode, 404, 'not on the main port, even for an admin');
  t.equal(main.headers['content-type'], 'application/problem+json; charset=utf-8');

  const listener = await listenMetrics(b.app, '127.0.0.1:0');
  t.teardown(listener.close);
  const base = `http://127.0.0.1:${listener.address.port}`;
  for (let i = 0; i < 4; i++) await b.app.inject({ url: '/v1/tags' });
  const res = await fetch(`${base}/metrics`);
  t.equal(res.status, 200, 'no token needed');
  t.equal(res.headers.get('content-type'), CONTENT_TYPE);
  t.equal(res.headers.get('cache-control'), 'no-store');
  const text = await res.text();
  t.equal(reqs(text, '/v1/tags', 200), 4);
  t.equal(reqs(text, UNMATCHED_ROUTE, 404), 1, 'the refused main-port request');
  t.ok(sample(text, 'process_resident_memory_bytes')! > 0);

  const head = await fetch(`${base}/metrics?fresh=1`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(await head.text(), '');
  const post = await fetch(`${base}/metrics`, { method: 'POST' });
  t.equal(post.status, 405);
  t.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.text();
  const other = await fetch(`${base}/v1/articles`);
  t.equal(other.status, 404, 'nothing else is served there');
  await other.text();

  new Gauge({
    name: 'test_broken',
    help: 'fails when read',
    registers: [b.app.metrics.registry],
    collect() {
      throw new Error('broken collector');
    },
  });
  const broken = await fetch(`${base}/metrics`);
  t.equal(broken.status, 500);
  t.equal(await broken.text(), 'Metrics could not be collected.\n');

  await t.rejects(listenMetrics(b.app, `127.0.0.1:${listener.address.port}`), { code: 'EADDRINUSE' }, 'a taken address fails the start');
});

t.test('npm start with CMS_METRICS_ADDRESS serves metrics on that address only', async (t) => {
  const dir = tempDir(t);
  const metricsPort = await freePort();
  const server = await startServer({
    CMS_DB: await testDatabase(t, dir),
    CMS_MEDIA_DIR: path.join(dir, 'media'),
    CMS_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
  });
  t.teardown(server.stop);
  t.equal((await fetch(`${server.base}/metrics`)).status, 404, 'not on the main port');
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  t.equal(res.status, 200);
  const text = await res.text();
  t.ok(reqs(text, '/health', 200) >= 1, 'the start-up probes of /health are counted');
  t.equal(reqs(text, UNMATCHED_ROUTE, 404), 1);
});

t.test('webhook backlog: deliveries not yet made, read at each scrape', async (t) => {
  // A receiver that refuses connections: the ping stays pending (a retry scheduled an hour on).
  const b = await build(t, { config: { CMS_WEBHOOK_ALLOW_PRIVATE: true, CMS_WEBHOOK_RETRY_SECONDS: [3600] } as never });
  t.equal(sample(await scrape(b), 'cms_webhook_backlog'), 0, 'none at first');
  const port = await freePort();
  const hook = await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: b.auth('admin'), payload: { url: `http://127.0.0.1:${port}/hook`, events: ['*'] } });
  t.equal(hook.statusCode, 201);
  const ping = await b.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.json().id}/test`, headers: b.auth('admin') });
  t.equal(ping.statusCode, 202);
  const text = await scrape(b);
  t.equal(sample(text, 'cms_webhook_backlog'), 1, 'the ping is counted until delivered');
  t.ok((sample(text, 'cms_webhook_oldest_due_seconds') ?? -1) >= 0, 'the oldest due delivery’s wait is reported');
});
