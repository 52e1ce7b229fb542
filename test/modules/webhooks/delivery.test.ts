// Webhook delivery against a real receiver on 127.0.0.1: Standard Webhooks signatures verified
// on every request, retries with the same webhook-id and an attempt row each, the last retry
// failing the delivery, no redirect followed, the timeout, the SSRF guard at delivery time,
// order per article, a dead receiver not holding up another webhook, and two apps on one
// database delivering each event once.
import t, { type Test } from 'tap';
import { buildApp } from '../../../src/app.ts';
import { closeDatabase, openDatabase } from '../../../src/db/database.ts';
import { enqueueEvent, type EventType } from '../../../src/modules/events/outbox.ts';
import { deliver } from '../../../src/modules/webhooks/delivery.ts';
import { createDispatcher } from '../../../src/modules/webhooks/dispatcher.ts';
import { webhookRepository } from '../../../src/modules/webhooks/repository.ts';
import { newSecret } from '../../../src/modules/webhooks/signature.ts';
import { build, type Built, type Clock } from '../../helper.ts';
import { type Receiver, receiver } from './receiver.ts';

// Deliveries are timed by the real clock (retries come due by themselves).
const realClock = (): Clock => ({ now: () => Date.now(), set() {}, advance() {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function app(t: Test, config: Partial<Built['config']> = {}) {
  return build(t, { clock: realClock(), config: { CMS_WEBHOOK_ALLOW_PRIVATE: true, CMS_WEBHOOK_RETRY_SECONDS: [1, 1, 1], ...config } });
}

async function createHook(t: Test, b: Built, r: Receiver, path: string, events: string[] = ['*']) {
  const res = await b.app.inject({ method: 'POST', url: '/v1/webhooks', headers: b.auth('admin'), payload: { url: r.url(path), events } });
  t.equal(res.statusCode, 201);
  const hook = res.json() as { id: string; secret: string };
  r.secrets.set(path, hook.secret);
  return hook;
}

async function emit(b: Built, type: EventType, articleId: string | null, data: Record<string, unknown>) {
  return (await b.db.transaction(() => enqueueEvent(b.db, { type, articleId, data }, Date.now())))!.eventId;
}

type Delivery = { id: string; eventId: string; type: string; attempt: number; status: string; responseStatus: number | null; error: string | null; durationMs: number | null; createdAt: string; nextAttemptAt: string | null };
async function deliveries(b: Built, id: string, query = ''): Promise<Delivery[]> {
  const res = await b.app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries${query}`, headers: b.auth('admin') });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json().data;
}

async function untilDeliveries(b: Built, id: string, check: (d: Delivery[]) => boolean, ms = 10_000): Promise<Delivery[]> {
  const start = Date.now();
  for (;;) {
    const d = await deliveries(b, id);
    if (check(d)) return d;
    if (Date.now() - start > ms) throw new Error(`deliveries: ${JSON.stringify(d)}`);
    await sleep(50);
  }
}

t.test('a ping: POSTed JSON with Standard Webhooks headers and a valid signature, logged', async (t) => {
  const b = await app(t);
  const r = await receiver(t);
  const hook = await createHook(t, b, r, '/ping');
  const res = await b.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: b.auth('admin') });
  t.equal(res.statusCode, 202);
  const { eventId } = res.json();
  t.match(eventId, /^msg_[0-9a-f]{32}$/);
  await r.until(() => r.received.length === 1);
  const got = r.received[0]!;
  t.ok(got.verified, 'signature verified by the reference library');
  t.equal(got.headers['content-type'], 'application/json');
  t.equal(got.headers['webhook-id'], eventId);
  t.match(got.headers['webhook-timestamp'], /^\d{10}$/);
  t.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 5, 'timestamp is now, in seconds');
  t.match(got.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/);
  t.strictSame(Object.keys(got.json).sort(), ['data', 'id', 'occurredAt', 'type']);
  t.match(got.json, { id: eventId, type: 'ping', data: { webhookId: hook.id } });
  t.equal(new Date(got.json.occurredAt).toISOString(), got.json.occurredAt);
  const log = await untilDeliveries(b, hook.id, (d) => d.length === 1);
  t.match(log[0], { eventId, type: 'ping', attempt: 1, status: 'succeeded', responseStatus: 200, error: null, nextAttemptAt: null });
  t.type(log[0]!.durationMs, 'number');
  await sleep(600);
  t.equal(r.received.length, 1, 'delivered once');
});

t.test('retries 500, 500, 200: the same webhook-id and body, an attempt row each; the article’s next event waits', async (t) => {
  const b = await app(t);
  const r = await receiver(t);
  r.answer = (req, nth) => (req.json.data.n === 1 && nth <= 2 ? { status: 500 } : { status: 200 });
  const hook = await createHook(t, b, r, '/flaky');
  const first = await emit(b, 'article.updated', 'art-1', { n: 1 });
  const second = await emit(b, 'article.updated', 'art-1', { n: 2 });
  await r.until(() => r.received.length === 4);
  t.ok(r.received.every((x) => x.verified), 'every request verified');
  t.strictSame(r.received.map((x) => x.headers['webhook-id']), [first, first, first, second], 'in order: the second after the first succeeded');
  t.equal(new Set(r.received.slice(0, 3).map((x) => x.body)).size, 1, 'the same body each time');
  t.ok(r.received[1]!.at - r.received[0]!.at >= 900, 'the retry after CMS_WEBHOOK_RETRY_SECONDS[0]');
  t.ok(r.received[2]!.at - r.received[1]!.at >= 900, 'the next after [1]');
  const log = await untilDeliveries(b, hook.id, (d) => d.length === 4);
  t.strictSame(
    log.map((d) => [d.eventId, d.attempt, d.status, d.responseStatus]),
    [
      [second, 1, 'succeeded', 200],
      [first, 3, 'succeeded', 200],
      [first, 2, 'pending', 500],
      [first, 1, 'pending', 500],
    ],
    'newest first',
  );
  t.equal(log[3]!.error, 'HTTP 500');
  t.ok(log[3]!.nextAttemptAt! > log[3]!.createdAt, 'a pending attempt says when the next one comes');
  const page = await b.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries?limit=3`, headers: b.auth('admin') });
  t.equal(page.json().data.length, 3);
  t.match(page.headers.link, /rel="next"/);
  const rest = await deliveries(b, hook.id, `?limit=3&cursor=${page.json().page.nextCursor}`);
  t.strictSame(rest.map((d) => d.attempt), [1]);
  t.equal(rest[0]!.id, log[3]!.id);
});

t.test('after the last retry the delivery is failed; a redirect is not followed', async (t) => {
  const b = await app(t, { CMS_WEBHOOK_RETRY_SECONDS: [1] });
  const r = await receiver(t);
  r.answer = (req) => (req.path === '/moved' ? { status: 302, headers: { location: r.url('/target') } } : req.path === '/target' ? { status: 200 } : { status: 503 });
  const down = await createHook(t, b, r, '/down');
  const moved = await createHook(t, b, r, '/moved');
  await emit(b, 'article.published', 'art-1', {});
  const downLog = await untilDeliveries(b, down.id, (d) => d.length === 2);
  const movedLog = await untilDeliveries(b, moved.id, (d) => d.length === 2);
  t.strictSame(downLog.map((d) => [d.attempt, d.status, d.responseStatus, d.nextAttemptAt === null]), [[2, 'failed', 503, true], [1, 'pending', 503, false]]);
  t.strictSame(movedLog.map((d) => [d.attempt, d.status, d.responseStatus]), [[2, 'failed', 302], [1, 'pending', 302]]);
  t.match(movedLog[0]!.error, /redirect not followed/i);
  await sleep(1500);
  t.equal(r.received.filter((x) => x.path === '/target').length, 0, 'the Location was never requested');
  t.equal(r.received.filter((x) => x.path === '/down').length, 2, 'no attempt after the last');
  t.equal(r.received.filter((x) => x.path === '/moved').length, 2);
  t.ok(r.received.every((x) => x.verified));
});

t.test('the timeout: no answer within the limit is a failed attempt, retried', async (t) => {
  // A dispatcher of its own with a short timeout (the app's, 10 s, is not started: no request
  // is made to the app).
  const b = await build(t, { clock: realClock() });
  const r = await receiver(t);
  r.answer = (_req, nth) => (nth === 1 ? 'hang' : { status: 204 });
  const repo = webhookRepository(b.db);
  const secret = newSecret();
  const hook = await repo.create({ url: r.url('/slow'), events: ['*'], description: null, secret }, Date.now());
  r.secrets.set('/slow', secret);
  const eventId = await emit(b, 'article.deleted', 'art-1', {});
  const dispatcher = createDispatcher({ db: b.db, now: Date.now, log: b.app.log, allowPrivate: true, retrySeconds: [0], timeoutMs: 300 });
  t.teardown(() => dispatcher.stop());
  await dispatcher.tick();
  await dispatcher.idle();
  let log = await repo.attempts(hook.id, 10, null);
  t.equal(log.length, 1);
  t.match(log[0], { eventId, attempt: 1, status: 'pending', responseStatus: null, error: 'No answer within 0.3 s.' });
  t.ok(log[0]!.durationMs! >= 290 && log[0]!.durationMs! < 3000, `took ${log[0]!.durationMs} ms`);
  await dispatcher.tick();
  await dispatcher.idle();
  log = await repo.attempts(hook.id, 10, null);
  t.match(log[0], { attempt: 2, status: 'succeeded', responseStatus: 204 });
  t.equal(r.received.length, 2);
  t.ok(r.received.every((x) => x.verified && x.headers['webhook-id'] === eventId));
});

t.test('SSRF guard at delivery: a URL that is or now resolves to a private address fails at once', async (t) => {
  const b = await build(t, { clock: realClock(), config: { CMS_WEBHOOK_ALLOW_PRIVATE: false, CMS_WEBHOOK_RETRY_SECONDS: [1, 1] } });
  const r = await receiver(t);
  const repo = webhookRepository(b.db);
  // Stored directly: created while allowed, or before its host's DNS changed.
  const literal = await repo.create({ url: r.url('/literal'), events: ['*'], description: null, secret: newSecret() }, Date.now());
  const named = await repo.create({ url: `http://localhost:${r.port}/named`, events: ['*'], description: null, secret: newSecret() }, Date.now());
  const ping = await b.app.inject({ method: 'POST', url: `/v1/webhooks/${literal.id}/test`, headers: b.auth('admin') });
  t.equal(ping.statusCode, 202);
  await emit(b, 'article.published', 'art-1', {});
  const literalLog = await untilDeliveries(b, literal.id, (d) => d.length === 2);
  const namedLog = await untilDeliveries(b, named.id, (d) => d.length === 1);
  for (const d of [...literalLog, ...namedLog]) {
    t.match(d, { attempt: 1, status: 'failed', responseStatus: null, nextAttemptAt: null });
    t.match(d.error, /not a public address/);
  }
  t.match(namedLog[0]!.error, /localhost/);

  await sleep(1500);
  t.equal(r.received.length, 0, 'the receiver was never contacted');
});

t.test('SSRF guard at delivery: DNS that now answers a private address (rebinding) fails the delivery; no answer is retried', async (t) => {
  // A dispatcher of its own with a stand-in resolver (the app's is not started: no request is
  // made to the app).
  const b = await build(t, { clock: realClock() });
  const repo = webhookRepository(b.db);
  const rebound = await repo.create({ url: 'https://hooks.example.test/x', events: ['*'], description: null, secret: newSecret() }, Date.now());
  const unknown = await repo.create({ url: 'https://nowhere.example.test/x', events: ['*'], description: null, secret: newSecret() }, Date.now());
  await emit(b, 'article.updated', 'art-2', {});
  const lookup = async (host: string) => {
    if (host === 'hooks.example.test') return [{ address: '93.184.215.14', family: 4 as const }, { address: '10.0.0.7', family: 4 as const }];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  const dispatcher = createDispatcher({ db: b.db, now: Date.now, log: b.app.log, allowPrivate: false, retrySeconds: [1], lookup });
  t.teardown(() => dispatcher.stop());
  await dispatcher.tick();
  await dispatcher.idle();
  const [refused] = await repo.attempts(rebound.id, 10, null);
  t.match(refused, { attempt: 1, status: 'failed', responseStatus: null, nextAttemptAt: null });
  t.match(refused!.error, /10\.0\.0\.7.*not a public address/);
  const [unresolved] = await repo.attempts(unknown.id, 10, null);
  t.match(unresolved, { attempt: 1, status: 'pending', responseStatus: null });
  t.match(unresolved!.error, /does not resolve \(ENOTFOUND\)/);
  t.ok(unresolved!.nextAttemptAt! > unresolved!.createdAt, 'retried later');
});

t.test('in order per article, one request at a time per webhook and article; a dead receiver holds up no other webhook', async (t) => {
  const b = await app(t);
  const r = await receiver(t);
  r.answer = (req) => (req.path === '/dead' ? 'hang' : { status: 200 });
  await createHook(t, b, r, '/dead');
  const live = await createHook(t, b, r, '/live');
  const sent: [string, number][] = [['x', 1], ['x', 2], ['y', 1], ['x', 3], ['y', 2], ['z', 1]];
  const ids: string[] = [];
  for (const [article, n] of sent) ids.push(await emit(b, 'article.updated', `art-${article}`, { article, n }));
  const started = Date.now();
  // Well within the 10 s the dead receiver's requests are held open.
  await r.until(() => r.received.filter((x) => x.path === '/live').length === sent.length, 8_000);
  t.comment(`the live webhook got everything in ${Date.now() - started} ms while the other hangs`);
  const live_ = r.received.filter((x) => x.path === '/live');
  t.ok(live_.every((x) => x.verified));
  for (const article of ['x', 'y', 'z']) {
    const order = live_.filter((x) => x.json.data.article === article).map((x) => x.json.data.n);
    t.strictSame(order, sent.filter(([a]) => a === article).map(([, n]) => n), `article ${article} in order`);
  }
  t.strictSame(new Set(live_.map((x) => x.headers['webhook-id'])), new Set(ids));
  const dead = r.received.filter((x) => x.path === '/dead');
  t.strictSame(dead.map((x) => `${x.json.data.article}${x.json.data.n}`).sort(), ['x1', 'y1', 'z1'], 'the dead receiver has the first of each article only');
  // The receiver may have the last request before its attempt is recorded.
  const log = await untilDeliveries(b, live.id, (d) => d.length === sent.length);
  t.ok(log.every((d) => d.status === 'succeeded'));
  // The API answers while deliveries hang.
  const t0 = performance.now();
  t.equal((await b.app.inject({ method: 'GET', url: '/v1/articles' })).statusCode, 200);
  t.ok(performance.now() - t0 < 1000);
});

t.test('a hanging receiver with a backlog on many articles does not take every delivery slot', async (t) => {
  const b = await app(t);
  const r = await receiver(t);
  r.answer = (req) => (req.path === '/dead' ? 'hang' : { status: 200 });
  await createHook(t, b, r, '/dead', ['article.updated']);
  await createHook(t, b, r, '/live', ['article.published']);
  for (let i = 0; i < 60; i++) await emit(b, 'article.updated', `art-${i}`, { i });
  await r.until(() => r.received.length >= 4);
  const published = await emit(b, 'article.published', 'art-x', {});
  const started = Date.now();
  // Within well under the 10 s the dead receiver's requests are held open.
  await r.until(() => r.received.some((x) => x.path === '/live'), 5_000);
  t.comment(`the live webhook's event arrived after ${Date.now() - started} ms`);
  t.equal(r.received.find((x) => x.path === '/live')!.headers['webhook-id'], published);
  t.ok(r.received.filter((x) => x.path === '/dead').length <= 4, 'at most 4 deliveries in flight to one webhook');
});

t.test('a disabled or deleted webhook receives nothing; only subscribed types are sent', async (t) => {
  const b = await app(t);
  const r = await receiver(t);
  const paused = await createHook(t, b, r, '/paused');
  const gone = await createHook(t, b, r, '/gone');
  t.equal((await b.app.inject({ method: 'PATCH', url: `/v1/webhooks/${paused.id}`, headers: b.auth('admin'), payload: { status: 'disabled' } })).statusCode, 200);
  t.equal((await b.app.inject({ method: 'DELETE', url: `/v1/webhooks/${gone.id}`, headers: b.auth('admin') })).statusCode, 204);
  await emit(b, 'article.published', 'art-1', {});
  await sleep(800);
  t.equal(r.received.length, 0);
  // Subscriptions count when the event is stored: a disabled webhook gets no job for it.
  const only = await createHook(t, b, r, '/only-deleted', ['article.deleted']);
  await emit(b, 'article.updated', 'art-1', {});
  const deletedEvent = await emit(b, 'article.deleted', 'art-1', {});
  await r.until(() => r.received.length === 1);
  t.equal(r.received[0]!.path, '/only-deleted');
  t.equal(r.received[0]!.headers['webhook-id'], deletedEvent);
  t.equal((await untilDeliveries(b, only.id, (d) => d.length > 0)).length, 1);
  await sleep(500);
  t.equal(r.received.length, 1, 'the article.updated event was not sent to a webhook not subscribed to it');
});

t.test('two apps on one database deliver each event exactly once', async (t) => {
  const b = await app(t);
  const r = await receiver(t);
  await createHook(t, b, r, '/once');
  await createHook(t, b, r, '/twice');
  const db2 = await openDatabase(b.config.CMS_DB, { pool: 4 });
  const app2 = await buildApp({ config: b.config, db: db2, now: Date.now, logger: false });
  t.teardown(async () => {
    await app2.close();
    await closeDatabase(db2);
  });
  await app2.ready();
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) ids.push(await emit(b, 'article.updated', `art-${i % 8}`, { i }));
  await r.until(() => r.received.length >= 80, 15_000);
  await sleep(1000);
  for (const path of ['/once', '/twice']) {
    const got = r.received.filter((x) => x.path === path).map((x) => x.headers['webhook-id']);
    t.equal(got.length, 40, `${path}: 40 requests`);
    t.strictSame(new Set(got), new Set(ids), `${path}: each event once`);
    for (let a = 0; a < 8; a++) {
      const order = r.received.filter((x) => x.path === path && (x.json.data.i as number) % 8 === a).map((x) => x.json.data.i as number);
      t.strictSame(order, [...order].sort((p, q) => p - q), `${path}: art-${a} in order`);
    }
  }
  t.ok(r.received.every((x) => x.verified));
});

t.test('the connection goes to the address vetted, not to a second DNS answer', async (t) => {
  const r = await receiver(t);
  // The vetting lookup says a public address; the system resolver would say 127.0.0.1 (the
  // receiver). A request reaching the receiver would mean the host was resolved again.
  const result = await deliver({
    url: `http://localhost:${r.port}/pinned`,
    body: '{}',
    headers: {},
    timeoutMs: 1000,
    allowPrivate: false,
    lookup: async () => [{ address: '93.184.215.14', family: 4 }],
  });
  t.equal(result.ok, false);
  t.equal(result.responseStatus, null);
  if (result.error && /\d+\.\d+\.\d+\.\d+/.test(result.error)) t.match(result.error, /93\.184\.215\.14/);
  await sleep(200);
  t.equal(r.received.length, 0, 'the receiver on 127.0.0.1 was not contacted');
});
