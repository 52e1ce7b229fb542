// Every request has an id: the caller's X-Request-Id when it is 1–128 visible ASCII
// characters, else a new UUID. It is echoed in X-Request-Id on every response, named in every
// problem body (`requestId`) and carried by every log line of the request (`reqId`).
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { closeDatabase, openDatabase } from '../../src/db/database.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { ServiceUnavailableError } from '../../src/http/errors.ts';
import { build, type Built, ENGINE, SEED_SLUG, tempDir } from '../helper.ts';
import { testDatabase } from '../engine.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Res = { statusCode: number; headers: Record<string, unknown>; json(): any };

/** The response is a problem of this status whose body names the id the header carries. */
function problemWithId(t: Test, res: Res, status: number, id?: string | RegExp) {
  t.equal(res.statusCode, status, `status ${status}`);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  const header = res.headers['x-request-id'] as string;
  t.equal(res.json().requestId, header, `${status}: the body names the id the header carries`);
  if (id !== undefined) t.match(header, id);
}

t.test('the caller’s X-Request-Id is echoed on a success and on a problem', async (t) => {
  const b = await build(t);
  const ok = await b.app.inject({ url: '/v1/sections', headers: { 'x-request-id': 'edge-7f3a.1' } });
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers['x-request-id'], 'edge-7f3a.1');
  const longest = 'r'.repeat(127) + '~';
  const missing = await b.app.inject({ url: '/v1/articles/slug/no-such-article', headers: { 'x-request-id': longest } });
  problemWithId(t, missing, 404, longest);
  t.equal(missing.json().requestId, longest, '128 visible characters are kept');
});

t.test('without one, each request gets a new UUID', async (t) => {
  const b = await build(t);
  const one = await b.app.inject({ url: '/v1/tags' });
  const two = await b.app.inject({ url: '/v1/tags' });
  t.match(one.headers['x-request-id'], UUID);
  t.match(two.headers['x-request-id'], UUID);
  t.not(one.headers['x-request-id'], two.headers['x-request-id']);
});

t.test('an invalid incoming id is replaced by a new one', async (t) => {
  const b = await build(t);
  const invalid = ['r'.repeat(129), 'has space', 'tab\there', 'ünïcode', 'a\u0001b', ''];
  for (const given of invalid) {
    const res = await b.app.inject({ url: '/v1/sections', headers: { 'x-request-id': given } });
    t.equal(res.statusCode, 200);
    t.match(res.headers['x-request-id'], UUID, `${JSON.stringify(given.slice(0, 20))} replaced`);
  }
  const twice = await b.app.inject({ url: '/v1/nope', headers: { 'x-request-id': ['a', 'b'] } });
  problemWithId(t, twice, 404, UUID);
});

t.test('404, 400, 401, 403, 413, 415, 503 and 500 problems all carry the id', async (t) => {
  const b = await build(t);
  // A route outside the spec that fails unexpectedly, for the 500 (the contract declares none).
  b.app.get('/test/crash', async () => {
    throw new Error('an unexpected failure');
  });
  b.app.get('/test/unavailable', async () => {
    throw new ServiceUnavailableError(2);
  });
  const id = (n: string) => ({ 'x-request-id': `test-${n}` });

  problemWithId(t, await b.app.inject({ url: '/v1/no-such-route', headers: id('404') }), 404, 'test-404');
  problemWithId(t, await b.app.inject({ url: '/v1/articles/0190b0b0-0000-7000-8000-000000000000', headers: id('404r') }), 404, 'test-404r');
  const invalid = await b.app.inject({ url: '/v1/articles?limit=0&nope=1', headers: id('400') });
  problemWithId(t, invalid, 400, 'test-400');
  t.ok(invalid.json().errors.length >= 2, 'a validation problem still names its fields');
  problemWithId(t, await b.app.inject({ url: '/v1/articles/%E0%A4%A', headers: id('400u') }), 400, 'test-400u');
  const noToken = await b.app.inject({ method: 'POST', url: '/v1/articles', headers: id('401') });
  problemWithId(t, noToken, 401, 'test-401');
  t.equal(noToken.headers['www-authenticate'], 'Bearer realm="cms"');
  problemWithId(t, await b.app.inject({ method: 'POST', url: '/v1/tokens', headers: { ...b.auth('writer'), ...id('403') }, payload: { name: 'x', role: 'admin' } }), 403, 'test-403');
  problemWithId(
    t,
    await b.app.inject({ method: 'POST', url: '/v1/sections', headers: { ...b.auth('editor'), 'content-type': 'text/plain', ...id('415') }, payload: 'x' }),
    415,
    'test-415',
  );
  const tooBig = await b.app.inject({
    method: 'POST',
    url: '/v1/sections',
    headers: { ...b.auth('editor'), 'content-type': 'application/json', ...id('413') },
    payload: JSON.stringify({ name: 'x'.repeat(b.config.CMS_MAX_BODY_BYTES) }),
  });
  problemWithId(t, tooBig, 413, 'test-413');

  const crash = await b.app.inject({ url: '/test/crash', headers: id('500') });
  problemWithId(t, crash, 500, 'test-500');
  t.equal(crash.json().detail, 'An unexpected error occurred.', 'still no detail on a 500');
  const unavailable = await b.app.inject({ url: '/test/unavailable', headers: id('503') });
  problemWithId(t, unavailable, 503, 'test-503');
  t.equal(unavailable.headers['retry-after'], '2');
});

t.test('a 503 for an unreachable database carries the id', async (t) => {
  const b: Built = await build(t);
  // The database goes away: its driver's error is one the dialect calls "unreachable".
  const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  b.db.ping = async () => {
    throw unreachable;
  };
  b.db.dialect = { ...b.db.dialect, isUnavailable: (error) => error === unreachable };
  const res = await b.app.inject({ url: '/health', headers: { 'x-request-id': 'lb-health-1' } });
  problemWithId(t, res, 503, 'lb-health-1');
  t.equal(res.headers['retry-after'], '5');
});

t.test('over a real socket: cache hits answered before Fastify carry the id too', async (t) => {
  const b = await build(t);
  await b.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}/v1/articles/slug/${SEED_SLUG}`;
  await (await fetch(url)).text();
  const hit = await fetch(url, { headers: { 'x-request-id': 'cdn-abc' } });
  await hit.text();
  t.equal(hit.headers.get('x-cache'), 'hit');
  t.equal(hit.headers.get('x-request-id'), 'cdn-abc');
  const generated = await fetch(url);
  await generated.text();
  t.match(generated.headers.get('x-request-id'), UUID);
  const problem = await fetch(`${url}-nope`, { headers: { 'x-request-id': 'cdn-def' } });
  t.equal(problem.headers.get('x-request-id'), 'cdn-def');
  t.equal(((await problem.json()) as { requestId: string }).requestId, 'cdn-def');
});

t.test('every log line of a request carries its id', async (t) => {
  const dir = tempDir(t);
  const config = loadConfig({}, { CMS_DB: await testDatabase(t, dir), CMS_MEDIA_DIR: path.join(dir, 'media'), LOG_LEVEL: 'info' });
  const db = await openDatabase(config.CMS_DB, { pool: 2 });
  if (ENGINE === 'sqlite') await migrateDatabase(db);
  const lines: Record<string, any>[] = [];
  const app = await buildApp({ config, db, logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } });
  app.get('/test/crash', async () => {
    throw new Error('an unexpected failure');
  });
  t.teardown(async () => {
    await app.close();
    await closeDatabase(db);
  });
  await app.inject({ url: '/v1/sections', headers: { 'x-request-id': 'trace-ok' } });
  await app.inject({ url: '/test/crash', headers: { 'x-request-id': 'trace-500' } });
  await app.inject({ url: '/v1/nope' });

  const of = (id: string) => lines.filter((l) => l.reqId === id);
  t.strictSame(of('trace-ok').map((l) => l.msg), ['incoming request', 'request completed']);
  t.strictSame(of('trace-500').map((l) => l.msg), ['incoming request', 'request failed', 'request completed']);
  t.equal(of('trace-500')[1]!.err.message, 'an unexpected failure', 'the error logged with the id the client was given');
  t.equal(lines.length, 7, 'nothing logged but these requests');
  for (const line of lines) t.type(line.reqId, 'string', `"${line.msg}" has reqId`);
  t.match(of(lines.at(-1)!.reqId)[0], { req: { url: '/v1/nope' } });
  t.match(lines.at(-1)!.reqId, UUID, 'a generated id when none was given');
});
