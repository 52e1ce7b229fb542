// Rate limits (429 problem+json with Retry-After): writes per token per minute
// (CMS_RATE_LIMIT_WRITES) and failed authentications per client address per minute
// (CMS_RATE_LIMIT_AUTH_FAILURES). The windows are real time; these tests do not wait them out.
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { build, seedIds, type Built } from '../helper.ts';

const PROBLEM = 'application/problem+json; charset=utf-8';

interface Res {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): any;
}

function tooMany(t: Test, res: Res, what: string) {
  t.equal(res.statusCode, 429, `${what}: 429`);
  t.equal(res.headers['content-type'], PROBLEM, `${what}: problem+json`);
  const retryAfter = String(res.headers['retry-after']);
  t.match(retryAfter, /^[1-9][0-9]*$/, `${what}: Retry-After is a whole number of seconds (${retryAfter})`);
  t.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `${what}: Retry-After within the one-minute window`);
  if (res.headers['content-type'] === PROBLEM) {
    const body = res.json();
    t.equal(body.status, 429);
    t.equal(body.title, 'Too Many Requests');
    t.type(body.detail, 'string');
  }
}

async function createArticle(b: Built, headers: Record<string, string>, headline: string, remoteAddress?: string): Promise<Res> {
  const sectionId = (await seedIds(b.services)).sections.get('sports');
  return b.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...headers, 'content-type': 'application/json' },
    payload: JSON.stringify({ headline, sectionId }),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

// count(*) is a bigint on PostgreSQL (a string through node-postgres): Number() reads both engines.
const count = async (b: Built) => Number((await b.db.dialect.all<{ n: number | string }>(b.db.q, sql`select count(*) as n from articles`))[0]!.n);

t.test('writes: the 6th within a minute by one token is 429; another token still writes', async (t) => {
  const b = await build(t, { config: { CMS_RATE_LIMIT_WRITES: 5 } });
  const editor = b.auth('editor');
  const before = await count(b);
  const statuses: number[] = [];
  for (let i = 1; i <= 5; i++) statuses.push((await createArticle(b, editor, `Write ${i}`)).statusCode);
  t.strictSame(statuses, [201, 201, 201, 201, 201], 'five writes pass');

  const sixth = await createArticle(b, editor, 'Write 6');
  tooMany(t, sixth, 'the sixth write');
  t.equal(await count(b), before + 5, 'the refused write did nothing');

  // Any write route counts against the same token.
  const seedId = (await b.services.repositories.articles.findBySlug('south-korea-worries-putin-visit-could-tighten-military-bonds-between-north-and-russia'))!.id;
  tooMany(t, await b.app.inject({ method: 'POST', url: `/v1/articles/${seedId}/archive`, headers: editor }), 'archive by the same token');
  tooMany(
    t,
    await b.app.inject({ method: 'POST', url: '/v1/sections', headers: { ...editor, 'content-type': 'application/json' }, payload: '{"name":"Limited"}' }),
    'a section by the same token',
  );
  t.equal((await b.app.inject({ method: 'GET', url: `/v1/articles/${seedId}`, headers: editor })).json().status, 'published', 'not archived');

  const writer = b.auth('writer');
  t.equal((await createArticle(b, writer, 'Another token')).statusCode, 201, 'another token still succeeds');
  const read = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: editor });
  t.equal(read.statusCode, 200, 'reads are not write-limited');
  t.equal(await count(b), before + 6);
});

t.test('failed authentications: after 3 from one address, any Authorization header is 429', async (t) => {
  const b = await build(t, { config: { CMS_RATE_LIMIT_AUTH_FAILURES: 3 } });
  const good = b.auth('editor');
  t.equal((await createArticle(b, good, 'Before the flood')).statusCode, 201, 'a good token works');

  for (let i = 1; i <= 3; i++) {
    const res = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { authorization: `Bearer wrong-token-${i}` } });
    t.equal(res.statusCode, 401, `failure ${i}: 401`);
    t.match(res.headers['www-authenticate'], /^Bearer/);
  }
  tooMany(t, await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { authorization: 'Bearer wrong-token-4' } }), 'the 4th bad token');
  tooMany(t, await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 'a malformed header');
  tooMany(t, await createArticle(b, good, 'During the block'), 'even a valid token from that address');
  tooMany(t, await b.app.inject({ method: 'GET', url: '/v1/articles', headers: good }), 'a read with a valid token');

  const anon = await b.app.inject({ method: 'GET', url: '/v1/articles' });
  t.equal(anon.statusCode, 200, 'a request without an Authorization header is still served');
  t.equal(anon.json().data.length, 1, 'with public content');
  const anonWrite = await createArticle(b, {}, 'Anonymous');
  t.equal(anonWrite.statusCode, 401, 'an anonymous write is still a plain 401');

  const elsewhere = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: good, remoteAddress: '10.1.2.3' });
  t.equal(elsewhere.statusCode, 200, 'another address is not blocked');
  const elsewhereBad = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { authorization: 'Bearer nope' }, remoteAddress: '10.1.2.3' });
  t.equal(elsewhereBad.statusCode, 401, 'another address gets its own count');
  t.equal(await count(b), 2, 'only the article made before the block exists');
});

t.test('successful authentications do not count as failures', async (t) => {
  const b = await build(t, { config: { CMS_RATE_LIMIT_AUTH_FAILURES: 3 } });
  const good = b.auth('editor');
  for (let i = 0; i < 10; i++) {
    const res = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: good });
    t.equal(res.statusCode, 200, `good request ${i + 1}`);
  }
  for (let i = 1; i <= 2; i++) {
    t.equal((await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { authorization: `Bearer bad-${i}` } })).statusCode, 401);
  }
  t.equal((await b.app.inject({ method: 'GET', url: '/v1/articles', headers: good })).statusCode, 200, 'two failures: still under the limit');
});
