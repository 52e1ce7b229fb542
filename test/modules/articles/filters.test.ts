// GET /v1/articles filters and sorts: section (id or path, with subsections and secondary
// sections), author (id or slug), tag, exclusive date bounds, the four sort orders, keyset
// pagination, and 400/422 for malformed or unknown values.
import t, { type Test } from 'tap';
import type { ArticleRecord } from '../../../src/modules/articles/service.ts';
import { addArticle, build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';

const HOUR = 3_600_000;
const PROBLEM = 'application/problem+json; charset=utf-8';

interface Res {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): any;
}

async function get(b: Built, url: string, headers: Record<string, string> = {}): Promise<Res> {
  return b.app.inject({ method: 'GET', url, headers });
}

async function slugsOf(t: Test, b: Built, url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await get(b, url, headers);
  t.equal(res.statusCode, 200, `GET ${url} is 200`);
  if (res.statusCode !== 200) t.comment(res.body);
  return ((res.json().data ?? []) as { slug: string }[]).map((a) => a.slug);
}

function assertProblem(t: Test, res: Res, status: number, what: string) {
  t.equal(res.statusCode, status, `${what}: status ${status}`);
  t.equal(res.headers['content-type'], PROBLEM, `${what}: problem+json`);
  const body = res.json();
  t.equal(body.status, status, `${what}: problem status`);
  t.notMatch(res.body, /select |sqlite|at [\w.]+ \(|FST_/i, `${what}: no SQL, stack trace or bare Fastify error`);
  return body as { status: number; errors?: { in: string; path: string; message: string }[] };
}

const iso = (ms: number) => new Date(ms).toISOString();

t.test('section filter by path and by id includes subsections', async (t) => {
  const b = await build(t);
  const ids = await seedIds(b.services);
  b.clock.advance(10 * HOUR);
  const T0 = b.clock.now();
  const economy = await addArticle(b, { slug: 'in-economy', sectionPath: 'business/economy', publishedAt: T0 - HOUR });
  const business = await addArticle(b, { slug: 'in-business', sectionPath: 'business', publishedAt: T0 - 2 * HOUR });
  await addArticle(b, { slug: 'in-defense', sectionPath: 'national/defense', publishedAt: T0 - 3 * HOUR });

  // newest first: seed was published at load (10 h ago), defense 3 h before now.
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national'), ['in-defense', SEED_SLUG], 'national: its subsections, not business');
  t.strictSame(await slugsOf(t, b, `/v1/articles?section=${ids.sections.get('national')}`), ['in-defense', SEED_SLUG], 'national by id');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national/north-korea'), [SEED_SLUG], 'a leaf by path');
  t.strictSame(await slugsOf(t, b, `/v1/articles?section=${ids.sections.get('national/north-korea')}`), [SEED_SLUG], 'a leaf by id');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=business'), [economy.slug, business.slug], 'business and its subsection');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=business/economy'), [economy.slug], 'the subsection alone');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=business/finance'), [], 'an existing but empty section is 200 and empty');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=culture'), []);
});

t.test('secondary sections count too', async (t) => {
  const b = await build(t);
  const ids = await seedIds(b.services);
  b.clock.advance(HOUR);
  const cross = await addArticle(b, {
    slug: 'cross-listed',
    sectionPath: 'business/economy',
    secondarySectionIds: [ids.sections.get('national/defense')!, ids.sections.get('culture/film')!],
  });
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national/defense'), [cross.slug], 'under its secondary section');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national'), [cross.slug, SEED_SLUG], 'and under that section’s ancestors');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=culture'), [cross.slug], 'under the other secondary’s parent');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=business'), [cross.slug], 'under its primary section’s parent');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national/politics'), [], 'not under a sibling');
  const read = (await get(b, `/v1/articles/${cross.id}`)).json();
  t.strictSame(
    read.secondarySections.map((s: { path: string }) => s.path),
    ['national/defense', 'culture/film'],
    'secondary sections come back in order',
  );
  t.strictSame(read.breadcrumbs.map((s: { path: string }) => s.path), ['business', 'business/economy'], 'breadcrumbs follow the primary section');
});

t.test('unknown section, author or tag is 422 naming the query field', async (t) => {
  const b = await build(t);
  const cases: [string, string][] = [
    ['section=national/nowhere', 'section'],
    ['section=0190b0b0-0000-7000-8000-000000000000', 'section'],
    ['section=north-korea', 'section'], // a slug is not a path
    ['author=nobody', 'author'],
    ['author=0190b0b0-0000-7000-8000-000000000000', 'author'],
    ['tag=no-such-tag', 'tag'],
    ['tag=North%20Korea', 'tag'], // a name is not a slug
  ];
  for (const [query, field] of cases) {
    for (const headers of [{}, b.auth('writer')]) {
      const res = await get(b, `/v1/articles?${query}`, headers);
      const p = assertProblem(t, res, 422, `?${query}${'authorization' in headers ? ' (token)' : ''}`);
      t.equal(p.errors?.[0]?.in, 'query');
      t.equal(p.errors?.[0]?.path, field);
    }
  }
});

t.test('author by id and by slug; tag by slug', async (t) => {
  const b = await build(t);
  const ids = await seedIds(b.services);
  b.clock.advance(HOUR);
  const park = await addArticle(b, { slug: 'by-park', authorSlugs: ['park-hyun-joo'], tagNames: ['Economy Watch'] });
  const lim = await addArticle(b, { slug: 'by-lim', authorSlugs: ['lim-jeong-won'], publishedAt: b.clock.now() - 1, tagNames: ['Russia'] });

  t.strictSame(await slugsOf(t, b, '/v1/articles?author=park-hyun-joo'), [park.slug, SEED_SLUG]);
  t.strictSame(await slugsOf(t, b, `/v1/articles?author=${ids.author('park-hyun-joo')}`), [park.slug, SEED_SLUG]);
  t.strictSame(await slugsOf(t, b, '/v1/articles?author=lim-jeong-won'), [lim.slug, SEED_SLUG]);
  t.strictSame(await slugsOf(t, b, `/v1/articles?author=${ids.author('lim-jeong-won')}`), [lim.slug, SEED_SLUG]);

  t.strictSame(await slugsOf(t, b, '/v1/articles?tag=economy-watch'), [park.slug]);
  t.strictSame(await slugsOf(t, b, '/v1/articles?tag=russia'), [lim.slug, SEED_SLUG]);
  t.strictSame(await slugsOf(t, b, '/v1/articles?tag=vladimir-putin'), [SEED_SLUG]);
});

t.test('publishedAfter and publishedBefore are exclusive bounds', async (t) => {
  const b = await build(t);
  const T0 = b.clock.now(); // the seed article's publishedAt
  b.clock.advance(10 * HOUR);
  const a1 = await addArticle(b, { slug: 'at-1h', publishedAt: T0 + HOUR });
  const a2 = await addArticle(b, { slug: 'at-2h', publishedAt: T0 + 2 * HOUR });
  const a3 = await addArticle(b, { slug: 'at-3h', publishedAt: T0 + 3 * HOUR });
  await addArticle(b, { slug: 'a-draft', status: 'draft' });

  const q = (s: string) => `/v1/articles?${s}`;
  t.strictSame(await slugsOf(t, b, q(`publishedAfter=${iso(T0 + HOUR)}`)), [a3.slug, a2.slug], 'after: the boundary article is excluded');
  t.strictSame(await slugsOf(t, b, q(`publishedBefore=${iso(T0 + 2 * HOUR)}`)), [a1.slug, SEED_SLUG], 'before: the boundary article is excluded');
  t.strictSame(
    await slugsOf(t, b, q(`publishedAfter=${iso(T0 + HOUR)}&publishedBefore=${iso(T0 + 3 * HOUR)}`)),
    [a2.slug],
    'both bounds: only what lies strictly between',
  );
  t.strictSame(await slugsOf(t, b, q(`publishedAfter=${iso(T0 + HOUR - 1)}&publishedBefore=${iso(T0 + HOUR + 1)}`)), [a1.slug], 'one millisecond either side');
  t.strictSame(await slugsOf(t, b, q(`publishedAfter=${iso(T0)}&publishedBefore=${iso(T0 + HOUR)}`)), [], 'adjacent bounds: nothing strictly between');
  t.strictSame(await slugsOf(t, b, q(`publishedAfter=${iso(T0 - 1)}`)), [a3.slug, a2.slug, a1.slug, SEED_SLUG], 'all of them');
  t.strictSame(
    await slugsOf(t, b, q(`publishedAfter=${encodeURIComponent(new Date(T0 + HOUR).toISOString().replace('Z', '+00:00'))}`)),
    [a3.slug, a2.slug],
    'an offset form of the same instant',
  );

  // With a token the same bounds apply, and an article with no publishedAt lies within no bounds.
  const tok = b.auth('writer');
  t.strictSame(await slugsOf(t, b, q(`publishedAfter=${iso(T0 + HOUR)}`), tok), [a3.slug, a2.slug], 'token: same result, no draft');
  t.strictSame(await slugsOf(t, b, q(`publishedBefore=${iso(T0 + 2 * HOUR)}`), tok), [a1.slug, SEED_SLUG]);
  t.strictSame(
    await slugsOf(t, b, q(`publishedBefore=${iso(T0 + 2 * HOUR)}&sort=publishedAt`)),
    [SEED_SLUG, a1.slug],
    'bounds combine with the ascending sort',
  );
});

/** Four more public articles with distinct publishedAt and a different updatedAt order. */
async function sortFixture(b: Built) {
  const T0 = b.clock.now(); // seed: publishedAt = updatedAt = T0
  b.clock.advance(10 * HOUR);
  const mk = (slug: string, p: number, u: number) => addArticle(b, { slug, publishedAt: T0 + p * HOUR, updatedAt: T0 + u * HOUR, createdAt: T0 });
  const a = await mk('a', 1, 5);
  const bb = await mk('b', 2, 3);
  const c = await mk('c', 3, 4);
  const d = await mk('d', 4, 1);
  return { T0, a, b: bb, c, d };
}

t.test('every sort order orders correctly', async (t) => {
  const b = await build(t);
  await sortFixture(b);
  const byPublished = ['d', 'c', 'b', 'a', SEED_SLUG];
  const byUpdated = ['a', 'c', 'b', 'd', SEED_SLUG];
  t.strictSame(await slugsOf(t, b, '/v1/articles'), byPublished, 'default: -publishedAt');
  t.strictSame(await slugsOf(t, b, '/v1/articles?sort=-publishedAt'), byPublished);
  t.strictSame(await slugsOf(t, b, '/v1/articles?sort=publishedAt'), [...byPublished].reverse());
  t.strictSame(await slugsOf(t, b, '/v1/articles?sort=-updatedAt'), byUpdated);
  t.strictSame(await slugsOf(t, b, '/v1/articles?sort=updatedAt'), [...byUpdated].reverse());

  const tok = b.auth('writer');
  t.strictSame(await slugsOf(t, b, '/v1/articles?sort=-updatedAt', tok), byUpdated, 'the same with a token');
  t.strictSame(await slugsOf(t, b, '/v1/articles?sort=publishedAt', tok), [...byPublished].reverse());

  // The values themselves agree with the order.
  const list = (await get(b, '/v1/articles?sort=updatedAt')).json().data as { updatedAt: string; publishedAt: string }[];
  const times = list.map((x) => Date.parse(x.updatedAt));
  t.strictSame(times, [...times].sort((x, y) => x - y), 'updatedAt ascending');
});

t.test('every sort order paginates by cursor without gaps or repeats, ties included', async (t) => {
  const b = await build(t);
  const { T0 } = await sortFixture(b);
  // Ties on both sort keys.
  await addArticle(b, { slug: 'tie-1', publishedAt: T0 + 2 * HOUR, updatedAt: T0 + 3 * HOUR, createdAt: T0 });
  await addArticle(b, { slug: 'tie-2', publishedAt: T0 + 2 * HOUR, updatedAt: T0 + 3 * HOUR, createdAt: T0 });
  for (const sort of ['-publishedAt', 'publishedAt', '-updatedAt', 'updatedAt']) {
    const all = await slugsOf(t, b, `/v1/articles?sort=${sort}&limit=100`);
    t.equal(all.length, 7, `${sort}: seven articles`);
    const walked: string[] = [];
    let url: string | null = `/v1/articles?sort=${encodeURIComponent(sort)}&limit=2`;
    let pages = 0;
    while (url !== null && pages < 10) {
      const res = await get(b, url);
      t.equal(res.statusCode, 200);
      const body = res.json();
      t.equal(body.page.limit, 2);
      walked.push(...(body.data as { slug: string }[]).map((x) => x.slug));
      pages++;
      if (body.page.nextCursor === null) {
        t.equal(res.headers.link, undefined, `${sort}: no Link on the last page`);
        url = null;
      } else {
        const link = res.headers.link as string;
        t.match(link, /^<http[^>]+>; rel="next"$/, `${sort}: Link rel=next`);
        const next = new URL(link.slice(1, link.indexOf('>')));
        t.equal(next.searchParams.get('cursor'), body.page.nextCursor, 'the Link carries the cursor');
        t.equal(next.searchParams.get('sort'), sort, 'and keeps the query');
        url = `${next.pathname}${next.search}`;
      }
    }
    t.equal(pages, 4, `${sort}: 7 items in 4 pages of 2`);
    t.strictSame(walked, all, `${sort}: the pages concatenate to the full list`);
    t.equal(new Set(walked).size, 7, `${sort}: no repeats`);
  }

  // A cursor from one order is refused by another, and a garbage cursor is a 400.
  const first = (await get(b, '/v1/articles?sort=-publishedAt&limit=2')).json();
  const wrong = await get(b, `/v1/articles?sort=-updatedAt&limit=2&cursor=${first.page.nextCursor}`);
  t.equal(assertProblem(t, wrong, 400, 'cursor of another order').errors?.[0]?.path, 'cursor');
  const garbage = await get(b, '/v1/articles?cursor=not-a-cursor');
  t.equal(assertProblem(t, garbage, 400, 'garbage cursor').errors?.[0]?.path, 'cursor');
});

t.test('malformed query values are 400 naming the field', async (t) => {
  const b = await build(t);
  const tok = b.auth('writer');
  const cases: [string, string, Record<string, string>][] = [
    ['limit=0', 'limit', {}],
    ['limit=101', 'limit', {}],
    ['limit=abc', 'limit', {}],
    ['limit=1.5', 'limit', {}],
    ['limit=-1', 'limit', {}],
    ['sort=bogus', 'sort', {}],
    ['sort=publishedat', 'sort', {}],
    ['publishedAfter=yesterday', 'publishedAfter', {}],
    ['publishedBefore=2024-06-17', 'publishedBefore', {}],
    ['publishedAfter=2024-13-45T99:00:00Z', 'publishedAfter', {}],
    ['status=bogus', 'status', tok],
    ['section=', 'section', {}],
    ['q=', 'q', {}],
  ];
  for (const [query, field, headers] of cases) {
    const res = await get(b, `/v1/articles?${query}`, headers);
    const p = assertProblem(t, res, 400, `?${query}`);
    t.ok(Array.isArray(p.errors) && p.errors.length >= 1, `?${query}: errors listed`);
    t.strictSame(p.errors?.map((e) => [e.in, e.path]), [['query', field]], `?${query}: names ${field}`);
  }

  // Every failing field is listed.
  const many = await get(b, '/v1/articles?limit=0&sort=bogus&publishedAfter=yesterday');
  const p = assertProblem(t, many, 400, 'three bad fields');
  t.strictSame(p.errors?.map((e) => e.path).sort(), ['limit', 'publishedAfter', 'sort']);

  // Boundaries that are valid.
  for (const limit of [1, 100]) {
    const res = await get(b, `/v1/articles?limit=${limit}`);
    t.equal(res.statusCode, 200, `limit=${limit} is fine`);
    t.equal(res.json().page.limit, limit);
  }
});

t.test('an unknown query parameter is 400 at its own path', async (t) => {
  const b = await build(t);
  for (const name of ['foo', 'Section', 'page', 'offset', 'authors']) {
    const res = await get(b, `/v1/articles?${name}=1`);
    const p = assertProblem(t, res, 400, `?${name}=1`);
    t.strictSame(p.errors?.map((e) => ({ in: e.in, path: e.path })), [{ in: 'query', path: name }], `names ${name}`);
  }
  const mixed = await get(b, '/v1/articles?section=national&bogus=1');
  t.strictSame(assertProblem(t, mixed, 400, 'known + unknown').errors?.map((e) => e.path), ['bogus']);
  const repeated = await get(b, '/v1/articles?section=national&section=business');
  t.equal(assertProblem(t, repeated, 400, 'a repeated parameter').errors?.[0]?.path, 'section');
});

t.test('combined filters intersect', async (t) => {
  const b = await build(t);
  b.clock.advance(HOUR);
  const at = b.clock.now();
  const make = (slug: string, over: Partial<ArticleRecord> & { sectionPath?: string; authorSlugs?: string[]; tagNames?: string[] }) =>
    addArticle(b, { slug, publishedAt: at, ...over });
  await make('x-all-three', { sectionPath: 'national/defense', authorSlugs: ['park-hyun-joo'], tagNames: ['Russia'] });
  await make('y-no-tag', { sectionPath: 'national/defense', authorSlugs: ['park-hyun-joo'], tagNames: [] });
  await make('z-other-section', { sectionPath: 'business/economy', authorSlugs: ['park-hyun-joo'], tagNames: ['Russia'] });
  await make('w-other-author', { sectionPath: 'national/politics', authorSlugs: ['lim-jeong-won'], tagNames: ['Russia'] });
  await make('v-draft', { status: 'draft', publishedAt: null, sectionPath: 'national/defense', authorSlugs: ['park-hyun-joo'], tagNames: ['Russia'] });

  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national&author=park-hyun-joo&tag=russia'), ['x-all-three', SEED_SLUG]);
  t.strictSame(await slugsOf(t, b, '/v1/articles?tag=russia&author=park-hyun-joo&section=national'), ['x-all-three', SEED_SLUG], 'order of parameters does not matter');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national/defense&author=park-hyun-joo&tag=russia'), ['x-all-three']);
  t.strictSame(
    (await slugsOf(t, b, '/v1/articles?section=national&author=park-hyun-joo')).sort(),
    ['x-all-three', 'y-no-tag', SEED_SLUG].sort(),
  );
  t.strictSame((await slugsOf(t, b, '/v1/articles?tag=russia&author=park-hyun-joo')).sort(), ['x-all-three', 'z-other-section', SEED_SLUG].sort());
  t.strictSame((await slugsOf(t, b, '/v1/articles?tag=russia&section=national')).sort(), ['w-other-author', 'x-all-three', SEED_SLUG].sort());
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=business&author=lim-jeong-won'), [], 'an empty intersection');
  t.strictSame(
    await slugsOf(t, b, `/v1/articles?section=national&author=park-hyun-joo&tag=russia&publishedAfter=${iso(at - 1)}`),
    ['x-all-three'],
    'with a date bound too',
  );
  t.strictSame(
    (await slugsOf(t, b, '/v1/articles?section=national&author=park-hyun-joo&tag=russia', b.auth('writer'))).sort(),
    ['v-draft', 'x-all-three', SEED_SLUG].sort(),
    'a token adds the draft',
  );
  t.strictSame(
    await slugsOf(t, b, '/v1/articles?section=national&author=park-hyun-joo&tag=russia&status=draft', b.auth('writer')),
    ['v-draft'],
    'and status narrows the intersection',
  );
});
