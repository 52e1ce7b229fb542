// Idempotency-Key on POST (per token, 24 h): the same key and body replay the first response
// (same status and body, `Idempotency-Replayed: true`) instead of acting twice; the same key
// with another body is 422; failures are not stored; keys expire.
import { sql } from 'drizzle-orm';
import t from 'tap';
import { build, seedIds, type Built } from '../../helper.ts';
import { problem, type Res } from '../../requests.ts';

const HOUR = 3_600_000;
const MISSING_ID = '0190b0b0-0000-7000-8000-000000000000';

async function post(b: Built, url: string, body: unknown, key: string | undefined, auth: { authorization: string } = b.auth('editor')): Promise<Res> {
  return b.app.inject({
    method: 'POST',
    url,
    headers: { ...auth, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: JSON.stringify(body),
  });
}

/** Rows in a table (count(*) is a bigint on PostgreSQL, read as a string: Number() on both engines). */
const count = async (b: Built, table: string) =>
  Number((await b.db.dialect.all<{ n: number | string }>(b.db.q, sql.raw(`select count(*) as n from ${table}`)))[0]!.n);

async function article(b: Built, headline = 'Idempotent story') {
  return { headline, sectionId: (await seedIds(b.services)).sections.get('national/defense'), body: [{ type: 'paragraph', text: 'Once.' }] };
}

t.test('the same key and body twice: one article, the first response replayed', async (t) => {
  const b = await build(t);
  const before = await count(b, 'articles');
  const revisionsBefore = await count(b, 'article_revisions');
  const body = await article(b);
  const first = await post(b, '/v1/articles', body, 'key-001');
  t.equal(first.statusCode, 201);
  t.equal(first.headers['idempotency-replayed'], undefined, 'the first is not a replay');
  b.clock.advance(60_000);
  const second = await post(b, '/v1/articles', body, 'key-001');
  t.equal(second.statusCode, 201, 'the same status');
  t.equal(second.body, first.body, 'the identical body');
  t.equal(second.headers['idempotency-replayed'], 'true');
  t.equal(second.headers.location, first.headers.location, 'the same Location');
  t.equal(second.headers['content-type'], first.headers['content-type']);
  t.equal(await count(b, 'articles'), before + 1, 'only one article exists');
  t.equal(await count(b, 'article_revisions'), revisionsBefore + 1, 'one revision for it');
  const third = await post(b, '/v1/articles', body, 'key-001');
  t.equal(third.body, first.body, 'replayed again');
  t.equal(await count(b, 'articles'), before + 1);

  // Without a key, the same body creates another article (with another slug).
  const unkeyed = await post(b, '/v1/articles', body, undefined);
  t.equal(unkeyed.statusCode, 201);
  t.not(unkeyed.json().id, first.json().id);
  t.equal(unkeyed.json().slug, 'idempotent-story-2');
  t.equal(await count(b, 'articles'), before + 2);
});

t.test('the same key with another body is 422 naming the header', async (t) => {
  const b = await build(t);
  const first = await post(b, '/v1/articles', await article(b, 'First body'), 'key-002');
  t.equal(first.statusCode, 201);
  const before = await count(b, 'articles');
  const other = await post(b, '/v1/articles', await article(b, 'Another body'), 'key-002');
  const p = problem(t, other, 422, 'same key, other body');
  t.strictSame(p.errors.map((e: { in: string; path: string }) => `${e.in}:${e.path}`), ['header:idempotency-key']);
  t.equal(other.headers['idempotency-replayed'], undefined);
  t.equal(await count(b, 'articles'), before, 'nothing created');

  // The key is bound to the request, not only the body: another route with it is 422 too.
  const section = await post(b, '/v1/sections', { name: 'Keyed' }, 'key-002');
  problem(t, section, 422, 'same key on another route');

  const bad = await post(b, '/v1/articles', await article(b, 'Bad key'), 'has spaces in it');
  t.strictSame(problem(t, bad, 400, 'an invalid key').errors.map((e: { in: string; path: string }) => `${e.in}:${e.path}`), ['header:idempotency-key']);
});

t.test('keys are per token', async (t) => {
  const b = await build(t);
  const body = await article(b, 'Per token');
  const editor = await post(b, '/v1/articles', body, 'shared-key', b.auth('editor'));
  const writer = await post(b, '/v1/articles', body, 'shared-key', b.auth('writer'));
  t.equal(editor.statusCode, 201);
  t.equal(writer.statusCode, 201, 'another token acts independently');
  t.equal(writer.headers['idempotency-replayed'], undefined, 'not a replay');
  t.not(writer.json().id, editor.json().id, 'two articles');
  t.equal(writer.json().slug, 'per-token-2');

  const otherBody = await post(b, '/v1/articles', await article(b, 'Other body'), 'shared-key', b.auth('admin'));
  t.equal(otherBody.statusCode, 201, 'a third token with another body is not a conflict');

  const replay = await post(b, '/v1/articles', body, 'shared-key', b.auth('writer'));
  t.equal(replay.headers['idempotency-replayed'], 'true');
  t.equal(replay.body, writer.body, 'each token replays its own response');
});

t.test('a failed first request is not stored', async (t) => {
  const b = await build(t);
  const before = await count(b, 'articles');
  const broken = { ...await article(b, 'Retry me'), sectionId: MISSING_ID };
  const failed = await post(b, '/v1/articles', broken, 'key-retry');
  problem(t, failed, 422, 'first attempt: missing section');
  const failedAgain = await post(b, '/v1/articles', broken, 'key-retry');
  problem(t, failedAgain, 422, 'the same failing request again');
  t.equal(failedAgain.headers['idempotency-replayed'], undefined, 'a failure is not replayed');

  const invalid = await post(b, '/v1/articles', { headline: '' }, 'key-retry');
  problem(t, invalid, 400, 'an invalid body with the key');

  const fixed = await post(b, '/v1/articles', await article(b, 'Retry me'), 'key-retry');
  t.equal(fixed.statusCode, 201, 'retrying with the same key after fixing the body succeeds');
  t.equal(fixed.headers['idempotency-replayed'], undefined);
  t.equal(await count(b, 'articles'), before + 1);
  const replay = await post(b, '/v1/articles', await article(b, 'Retry me'), 'key-retry');
  t.equal(replay.headers['idempotency-replayed'], 'true');
  t.equal(replay.body, fixed.body);
  t.equal(await count(b, 'articles'), before + 1);
});

t.test('after 24 hours the key is forgotten', async (t) => {
  const b = await build(t);
  const body = await article(b, 'Daily');
  const first = await post(b, '/v1/articles', body, 'key-daily');
  t.equal(first.statusCode, 201);
  b.clock.advance(23 * HOUR);
  const within = await post(b, '/v1/articles', body, 'key-daily');
  t.equal(within.headers['idempotency-replayed'], 'true', 'still replayed after 23 h');
  t.equal(within.body, first.body);
  b.clock.advance(2 * HOUR);
  const later = await post(b, '/v1/articles', body, 'key-daily');
  t.equal(later.statusCode, 201);
  t.equal(later.headers['idempotency-replayed'], undefined, 'not replayed after 25 h');
  t.not(later.json().id, first.json().id, 'a new article');
  t.equal(later.json().slug, 'daily-2');
  const otherBody = await post(b, '/v1/articles', await article(b, 'Daily, other'), 'key-daily');
  problem(t, otherBody, 422, 'the key is now bound to the new request');
});

t.test('POST /v1/sections honours Idempotency-Key too', async (t) => {
  const b = await build(t);
  const before = await count(b, 'sections');
  const first = await post(b, '/v1/sections', { name: 'Keyed Section' }, 'section-key');
  t.equal(first.statusCode, 201);
  const second = await post(b, '/v1/sections', { name: 'Keyed Section' }, 'section-key');
  t.equal(second.statusCode, 201);
  t.equal(second.body, first.body);
  t.equal(second.headers['idempotency-replayed'], 'true');
  t.equal(second.headers.location, first.headers.location);
  t.equal(await count(b, 'sections'), before + 1, 'one section');
  problem(t, await post(b, '/v1/sections', { name: 'Other Section' }, 'section-key'), 422, 'other body');
  // Without a key the same body is a sibling-slug conflict: proof that the replay did not act.
  problem(t, await post(b, '/v1/sections', { name: 'Keyed Section' }, undefined), 409, 'no key: acts, and conflicts');

  const author = await post(b, '/v1/authors', { name: 'Keyed Author' }, 'author-key');
  const authorAgain = await post(b, '/v1/authors', { name: 'Keyed Author' }, 'author-key');
  t.equal(author.statusCode, 201);
  t.equal(authorAgain.body, author.body);
  t.equal(authorAgain.headers['idempotency-replayed'], 'true', 'authors too');
});
