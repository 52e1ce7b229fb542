// Publishing: publish now, at a past date or scheduled (public when its time comes, with no
// write), unpublish, re-publish (firstPublishedAt is set once), archive; the bodies these
// routes take (none, `{}`, an empty JSON body) and the ones they refuse.
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { send, problem, paths } from '../../requests.ts';

const HOUR = 3_600_000;
const MISSING_ID = '0190b0b0-0000-7000-8000-000000000000';

const iso = (ms: number) => new Date(ms).toISOString();

async function draft(t: Test, b: Built, headline: string, sectionPath = 'national/politics'): Promise<any> {
  const res = await send(b, 'POST', '/v1/articles', {
    body: { headline, sectionId: (await seedIds(b.services)).sections.get(sectionPath), body: [{ type: 'paragraph', text: `${headline}.` }] },
  });
  t.equal(res.statusCode, 201, `draft “${headline}” created`);
  return res.json();
}

async function publicSlugs(t: Test, b: Built, url: string): Promise<string[]> {
  const res = await send(b, 'GET', url, { role: null });
  t.equal(res.statusCode, 200, `GET ${url} (public) is 200`);
  return (res.json().data as { slug: string }[]).map((a) => a.slug);
}

async function revisionNumbers(b: Built, id: string): Promise<number[]> {
  const res = await send(b, 'GET', `/v1/articles/${id}/revisions?limit=100`);
  return (res.json().data as { revision: number }[]).map((r) => r.revision);
}

t.test('publish now: published, publishedAt = firstPublishedAt = now, public, version bumped, revision stored', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Published now');
  b.clock.advance(5000);
  const at = b.clock.now();
  const res = await send(b, 'POST', `/v1/articles/${a.id}/publish`);
  t.equal(res.statusCode, 200);
  const p = res.json();
  t.equal(p.status, 'published');
  t.equal(p.publishedAt, iso(at));
  t.equal(p.firstPublishedAt, iso(at));
  t.equal(p.updatedAt, iso(at));
  t.equal(p.createdAt, a.createdAt);
  t.equal(p.version, 2, 'publishing bumps the version');
  t.match(res.headers.etag, /^"[^"]+"$/, 'the answer carries the ETag');
  t.strictSame(await revisionNumbers(b, a.id), [2, 1], 'a revision was stored');

  const pub = await send(b, 'GET', `/v1/articles/${a.id}`, { role: null });
  t.equal(pub.statusCode, 200, 'the public can read it');
  t.equal(pub.json().status, 'published');
  t.equal(pub.json().headline, 'Published now');
  t.equal((await send(b, 'GET', `/v1/articles/slug/${a.slug}`, { role: null })).statusCode, 200, 'and by slug');
  t.strictSame(await publicSlugs(t, b, '/v1/articles'), [a.slug, SEED_SLUG], 'newest first in the public list');
});

t.test('publish with a past publishAt: published with that date', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Backdated');
  const res = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: { publishAt: '2024-06-17T09:00:00Z' } });
  t.equal(res.statusCode, 200);
  t.equal(res.json().status, 'published');
  t.equal(res.json().publishedAt, '2024-06-17T09:00:00.000Z');
  t.equal(res.json().firstPublishedAt, '2024-06-17T09:00:00.000Z');
  t.equal(res.json().version, 2);
  const offset = await send(b, 'POST', `/v1/articles/${(await draft(t, b, 'Offset date')).id}/publish`, {
    body: { publishAt: '2024-06-18T18:00:00+09:00' },
  });
  t.equal(offset.json().publishedAt, '2024-06-18T09:00:00.000Z', 'an offset is normalised to UTC');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`, { role: null })).statusCode, 200, 'public');
  t.strictSame(await publicSlugs(t, b, '/v1/articles'), [SEED_SLUG, 'offset-date', 'backdated'], 'listed by their publication dates');
  t.strictSame(await publicSlugs(t, b, '/v1/articles?sort=publishedAt'), ['backdated', 'offset-date', SEED_SLUG]);
});

t.test('publish with a future publishAt: scheduled, then public at its time with no write', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Scheduled story', 'national/politics');
  const when = b.clock.now() + 2 * HOUR;
  const res = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: { publishAt: iso(when) } });
  t.equal(res.statusCode, 200);
  t.equal(res.json().status, 'scheduled');
  t.equal(res.json().publishedAt, iso(when));
  t.equal(res.json().firstPublishedAt, null, 'not yet first published: that happens at its time');
  t.equal(res.json().version, 2);

  // Not yet: the public sees nothing (and these answers may be cached).
  problem(t, await send(b, 'GET', `/v1/articles/${a.id}`, { role: null }), 404, 'scheduled, by id');
  problem(t, await send(b, 'GET', `/v1/articles/slug/${a.slug}`, { role: null }), 404, 'scheduled, by slug');
  t.strictSame(await publicSlugs(t, b, '/v1/articles'), [SEED_SLUG]);
  t.strictSame(await publicSlugs(t, b, '/v1/articles?section=national/politics'), []);
  t.strictSame(await publicSlugs(t, b, '/v1/articles?section=national'), [SEED_SLUG]);
  const tokenView = await send(b, 'GET', `/v1/articles/${a.id}`);
  t.equal(tokenView.json().status, 'scheduled', 'a token sees it as scheduled');
  const byStatus = async (status: string) =>
    ((await send(b, 'GET', `/v1/articles?status=${status}`)).json().data as { slug: string }[]).map((x) => x.slug);
  t.strictSame(await byStatus('scheduled'), [a.slug], '?status=scheduled lists it');
  t.strictSame(await byStatus('published'), [SEED_SLUG], '?status=published does not, yet');

  b.clock.advance(HOUR);
  problem(t, await send(b, 'GET', `/v1/articles/${a.id}`, { role: null }), 404, 'an hour before');

  // count(*) is a bigint on PostgreSQL (a string): Number() on both engines.
  const count = async () => Number((await b.db.dialect.all<{ n: number | string }>(b.db.q, sql`select count(*) as n from article_revisions`))[0]!.n);
  const revisionsBefore = await count();
  b.clock.advance(HOUR + 1000); // one second past publishAt; no request in between
  const now = await send(b, 'GET', `/v1/articles/${a.id}`, { role: null });
  t.equal(now.statusCode, 200, 'public once its time has come');
  t.equal(now.json().status, 'published', 'it reads as published');
  t.equal(now.json().publishedAt, iso(when));
  t.equal(now.json().firstPublishedAt, iso(when), 'first published at its scheduled time');
  t.equal(now.json().version, 2, 'no write happened');
  t.equal((await send(b, 'GET', `/v1/articles/slug/${a.slug}`, { role: null })).statusCode, 200, 'by slug too');
  t.strictSame(await publicSlugs(t, b, '/v1/articles'), [a.slug, SEED_SLUG], 'in the public list');
  t.strictSame(await publicSlugs(t, b, '/v1/articles?section=national/politics'), [a.slug], 'in its section');
  t.strictSame(await publicSlugs(t, b, '/v1/articles?section=national'), [a.slug, SEED_SLUG], 'in the parent section');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`)).json().status, 'published', 'a token sees it as published too');
  t.equal(await count(), revisionsBefore, 'no revision was written by the flip');
  t.strictSame(await byStatus('scheduled'), [], '?status=scheduled no longer lists it');
  t.strictSame(await byStatus('published'), [a.slug, SEED_SLUG], '?status=published does');
});

t.test('unpublish → draft; re-publish keeps firstPublishedAt; archive', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Back and forth');
  const first = b.clock.now();
  t.equal((await send(b, 'POST', `/v1/articles/${a.id}/publish`)).statusCode, 200);

  b.clock.advance(HOUR);
  const un = await send(b, 'POST', `/v1/articles/${a.id}/unpublish`);
  t.equal(un.statusCode, 200);
  t.equal(un.json().status, 'draft');
  t.equal(un.json().publishedAt, null);
  t.equal(un.json().firstPublishedAt, iso(first), 'firstPublishedAt unchanged');
  t.equal(un.json().version, 3);
  problem(t, await send(b, 'GET', `/v1/articles/${a.id}`, { role: null }), 404, 'unpublished, public');
  t.strictSame(await publicSlugs(t, b, '/v1/articles'), [SEED_SLUG]);

  b.clock.advance(HOUR);
  const again = await send(b, 'POST', `/v1/articles/${a.id}/publish`);
  t.equal(again.json().status, 'published');
  t.equal(again.json().publishedAt, iso(b.clock.now()), 'publishedAt is the new date');
  t.equal(again.json().firstPublishedAt, iso(first), 're-publishing keeps the original firstPublishedAt');
  t.equal(again.json().version, 4);

  const backdated = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: { publishAt: '2020-01-01T00:00:00Z' } });
  t.equal(backdated.json().publishedAt, '2020-01-01T00:00:00.000Z');
  t.equal(backdated.json().firstPublishedAt, iso(first), 'firstPublishedAt never changes, even when backdated');

  b.clock.advance(HOUR);
  const ar = await send(b, 'POST', `/v1/articles/${a.id}/archive`);
  t.equal(ar.statusCode, 200);
  t.equal(ar.json().status, 'archived');
  t.equal(ar.json().firstPublishedAt, iso(first));
  t.equal(ar.json().version, 6);
  problem(t, await send(b, 'GET', `/v1/articles/${a.id}`, { role: null }), 404, 'archived, public');
  problem(t, await send(b, 'GET', `/v1/articles/slug/${a.slug}`, { role: null }), 404, 'archived, public by slug');
  t.strictSame(await publicSlugs(t, b, '/v1/articles'), [SEED_SLUG]);
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`)).json().status, 'archived', 'a token still sees it');
  t.strictSame(await revisionNumbers(b, a.id), [6, 5, 4, 3, 2, 1], 'each status change stored a revision');

  problem(t, await send(b, 'POST', `/v1/articles/${MISSING_ID}/publish`), 404, 'publish a missing article');
  problem(t, await send(b, 'POST', `/v1/articles/${MISSING_ID}/unpublish`), 404, 'unpublish a missing article');
  problem(t, await send(b, 'POST', `/v1/articles/${MISSING_ID}/archive`), 404, 'archive a missing article');
});

t.test('a schedule cancelled before its time is not a publication: firstPublishedAt is the real first one', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Cancelled schedule');
  const scheduled = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: { publishAt: iso(b.clock.now() + 2 * HOUR) } });
  t.equal(scheduled.json().status, 'scheduled');
  b.clock.advance(HOUR);
  const un = await send(b, 'POST', `/v1/articles/${a.id}/unpublish`);
  t.equal(un.json().status, 'draft', 'unscheduled before its time: never public');
  b.clock.advance(10 * 60_000);
  const now = b.clock.now();
  const pub = await send(b, 'POST', `/v1/articles/${a.id}/publish`);
  t.equal(pub.json().status, 'published');
  t.equal(pub.json().publishedAt, iso(now));
  t.ok(Date.parse(pub.json().firstPublishedAt) <= Date.parse(pub.json().publishedAt), `firstPublishedAt ≤ publishedAt (${pub.json().firstPublishedAt} vs ${pub.json().publishedAt})`);
  t.equal(pub.json().firstPublishedAt, iso(now), 'firstPublishedAt is when it was first actually published');
});

t.test('publish, unpublish and archive take no body, `{}` or an empty JSON body', async (t) => {
  const b = await build(t);
  const variants: [string, Record<string, string>, string | undefined][] = [
    ['no body', {}, undefined],
    ['{}', { 'content-type': 'application/json' }, '{}'],
    ['empty JSON body', { 'content-type': 'application/json' }, ''],
  ];
  for (const [name, headers, payload] of variants) {
    const a = await draft(t, b, `Variant ${name}`);
    const expected: [string, string][] = [
      ['publish', 'published'],
      ['unpublish', 'draft'],
      ['archive', 'archived'],
    ];
    for (const [action, status] of expected) {
      const res = await b.app.inject({
        method: 'POST',
        url: `/v1/articles/${a.id}/${action}`,
        headers: { ...b.auth('editor'), ...headers },
        ...(payload === undefined ? {} : { payload }),
      });
      t.equal(res.statusCode, 200, `${action} with ${name}: 200`);
      t.equal(res.json().status, status, `${action} with ${name}: ${status}`);
    }
  }
});

t.test('publish refuses unknown fields, bad dates and non-JSON bodies; unpublish/archive refuse any field', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Strict bodies');
  const unknown = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: { publishAt: '2024-06-17T09:00:00Z', when: 'now' } });
  t.strictSame(paths(problem(t, unknown, 400, 'unknown publish field')), ['body:when']);
  const typo = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: { publishAT: '2024-06-17T09:00:00Z' } });
  t.strictSame(paths(problem(t, typo, 400, 'typo in publishAt')), ['body:publishAT']);

  for (const bad of ['tomorrow', '2024-13-45T00:00:00Z', '2024-06-17', '2024-06-17 09:00:00', '', 1718614800000, null]) {
    const res = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: { publishAt: bad } });
    t.strictSame(paths(problem(t, res, 400, `publishAt ${JSON.stringify(bad)}`)), ['body:publishAt']);
  }
  const arr = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { body: [] });
  problem(t, arr, 400, 'an array body');

  const unField = await send(b, 'POST', `/v1/articles/${a.id}/unpublish`, { body: { reason: 'x' } });
  t.strictSame(paths(problem(t, unField, 400, 'unpublish with a field')), ['body:reason']);
  const arField = await send(b, 'POST', `/v1/articles/${a.id}/archive`, { body: { publishAt: '2024-06-17T09:00:00Z' } });
  t.strictSame(paths(problem(t, arField, 400, 'archive with a field')), ['body:publishAt']);

  const text = await b.app.inject({
    method: 'POST',
    url: `/v1/articles/${a.id}/publish`,
    headers: { ...b.auth('editor'), 'content-type': 'text/plain' },
    payload: 'now',
  });
  problem(t, text, 415, 'publish with text/plain');

  const after = (await send(b, 'GET', `/v1/articles/${a.id}`)).json();
  t.equal(after.status, 'draft', 'none of these changed anything');
  t.equal(after.version, 1);
  t.strictSame(await revisionNumbers(b, a.id), [1]);
});

t.test('publish honours If-Match', async (t) => {
  const b = await build(t);
  const a = await draft(t, b, 'Guarded publish');
  const etag = (await send(b, 'GET', `/v1/articles/${a.id}`)).headers.etag as string;
  t.equal((await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Changed meanwhile' } })).statusCode, 200);
  problem(t, await send(b, 'POST', `/v1/articles/${a.id}/publish`, { headers: { 'if-match': etag } }), 412, 'stale If-Match on publish');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`)).json().status, 'draft', 'not published');
  const current = (await send(b, 'GET', `/v1/articles/${a.id}`)).headers.etag as string;
  const ok = await send(b, 'POST', `/v1/articles/${a.id}/publish`, { headers: { 'if-match': current } });
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().status, 'published');
});
