// Keyset pagination of every list: walking a list page by page (by `page.nextCursor` and by
// the `Link: <…>; rel="next"` header) yields every item exactly once, in the order asked
// for, ties broken by id; writes between pages never duplicate or drop an item; bad
// cursors and limits are 400 problem+json.
import t, { type Test } from 'tap';
import { uuidv7 } from 'uuidv7';
import { readSeed } from '../../../src/seed/load.ts';
import { addArticle, build, type Built, SEED_SLUG } from '../../helper.ts';

const LIMIT = 7;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** Sort key of unpublished articles for token lists (the API's documented "drafts first"). */
const UNPUBLISHED = Number.MAX_SAFE_INTEGER;

type Status = 'draft' | 'scheduled' | 'published' | 'archived';

/** What the test knows about an article, to compute the expected list. */
interface Model {
  id: string;
  status: Status;
  publishedAt: number | null;
  updatedAt: number;
  section: string;
  authors: string[];
  tags: string[];
}

interface Item {
  id: string;
  publishedAt: string | null;
  updatedAt: string;
}

type Sort = '-publishedAt' | 'publishedAt' | '-updatedAt' | 'updatedAt';

/** A small deterministic PRNG (mulberry32), so every run sees the same data. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const isPublic = (m: Model, now: number) =>
  (m.status === 'published' || m.status === 'scheduled') && m.publishedAt !== null && m.publishedAt <= now;

function keyOf(m: Pick<Model, 'publishedAt' | 'updatedAt'>, sort: Sort): number {
  return sort.endsWith('publishedAt') ? (m.publishedAt ?? UNPUBLISHED) : m.updatedAt;
}

/** Compares two articles in the list order of `sort` (key, then id, same direction). */
function compare(a: Pick<Model, 'id' | 'publishedAt' | 'updatedAt'>, b: Pick<Model, 'id' | 'publishedAt' | 'updatedAt'>, sort: Sort): number {
  const ka = keyOf(a, sort);
  const kb = keyOf(b, sort);
  const asc = ka !== kb ? (ka < kb ? -1 : 1) : a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
  return sort.startsWith('-') ? -asc : asc;
}

function expectedIds(models: Model[], opts: { sort: Sort; token: boolean; now: number; filter?: (m: Model) => boolean }): string[] {
  return models
    .filter((m) => (opts.token || isPublic(m, opts.now)) && (opts.filter?.(m) ?? true))
    .sort((a, b) => compare(a, b, opts.sort))
    .map((m) => m.id);
}

const itemModel = (i: Item) => ({
  id: i.id,
  publishedAt: i.publishedAt === null ? null : Date.parse(i.publishedAt),
  updatedAt: Date.parse(i.updatedAt),
});

interface Walk<T> {
  items: T[];
  pages: string[][];
  cursors: (string | null)[];
  /** Everything wrong with the pages' shape (empty when all is well). */
  problems: string[];
}

function parseLink(header: unknown): URL | null {
  if (header === undefined) return null;
  const m = /^<([^>]+)>;\s*rel="next"$/.exec(String(header));
  if (!m) throw new Error(`Malformed Link header: ${String(header)}`);
  return new URL(m[1]!);
}

/**
 * Walks a list from `url` to its end, following `page.nextCursor` or the Link header, and
 * checks each page: 200, `page.limit`, full pages but the last, Link present exactly while
 * there is a next page, pointing to the same query with `cursor` = nextCursor.
 */
async function walk<T extends { id: string }>(
  b: Built,
  url: string,
  opts: { headers?: Record<string, string>; via?: 'cursor' | 'link'; limit?: number; between?: (page: T[], nextCursor: string | null) => void | Promise<void> } = {},
): Promise<Walk<T>> {
  const limit = opts.limit ?? LIMIT;
  const start = new URL(url, 'http://x');
  const out: Walk<T> = { items: [], pages: [], cursors: [], problems: [] };
  let next: string | null = url;
  for (let n = 0; next !== null; n++) {
    if (n > 500) {
      out.problems.push('more than 500 pages: the walk does not end');
      break;
    }
    const res = await b.app.inject({ method: 'GET', url: next, headers: opts.headers });
    if (res.statusCode !== 200) {
      out.problems.push(`page ${n}: status ${res.statusCode} ${res.body}`);
      break;
    }
    const body = res.json() as { data: T[]; page: { limit: number; nextCursor: string | null } };
    const cursor = body.page.nextCursor;
    const link = parseLink(res.headers.link);
    if (body.page.limit !== limit) out.problems.push(`page ${n}: page.limit ${body.page.limit}, expected ${limit}`);
    if (cursor !== null && body.data.length !== limit) out.problems.push(`page ${n}: ${body.data.length} items on a page that is not the last`);
    if (body.data.length > limit) out.problems.push(`page ${n}: ${body.data.length} items > limit`);
    if (cursor === null && link !== null) out.problems.push(`page ${n}: Link header on the last page`);
    if (cursor !== null && link === null) out.problems.push(`page ${n}: no Link header although nextCursor is set`);
    if (link) {
      if (link.pathname !== start.pathname) out.problems.push(`page ${n}: Link path ${link.pathname}`);
      if (link.searchParams.get('cursor') !== cursor) out.problems.push(`page ${n}: Link cursor differs from nextCursor`);
      for (const [k, v] of start.searchParams) {
        if (k !== 'cursor' && link.searchParams.get(k) !== v) out.problems.push(`page ${n}: Link lost ${k}=${v}`);
      }
      if (!/^https?:$/.test(link.protocol) || !link.host) out.problems.push(`page ${n}: Link is not absolute`);
    }
    out.items.push(...body.data);
    out.pages.push(body.data.map((i) => i.id));
    out.cursors.push(cursor);
    await opts.between?.(body.data, cursor);
    if (cursor === null) next = null;
    else if (opts.via === 'link') next = link ? link.pathname + link.search : null;
    else {
      const u = new URL(url, 'http://x');
      u.searchParams.set('cursor', cursor);
      next = u.pathname + u.search;
    }
  }
  return out;
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);
const dupes = (list: string[]) => list.filter((id, i) => list.indexOf(id) !== i);

/** Walks by nextCursor and by Link, and checks both against the expected ids. */
async function checkList(t: Test, b: Built, url: string, expected: string[], headers?: Record<string, string>) {
  const byCursor = await walk<Item>(b, url, { headers });
  t.same(byCursor.problems, [], `${url}: every page well-formed`);
  t.same(dupes(ids(byCursor.items)), [], `${url}: no article twice`);
  t.equal(byCursor.items.length, expected.length, `${url}: ${expected.length} articles`);
  t.same(ids(byCursor.items), expected, `${url}: every article once, in order`);
  t.equal(byCursor.pages.length, Math.max(1, Math.ceil(expected.length / LIMIT)), `${url}: pages of ${LIMIT}`);
  t.equal(byCursor.cursors.at(-1), null, `${url}: last page has nextCursor null`);
  const byLink = await walk<Item>(b, url, { headers, via: 'link' });
  t.same(byLink.problems, [], `${url} (Link): every page well-formed`);
  t.same(byLink.pages, byCursor.pages, `${url}: following Link gives the same pages as nextCursor`);
  t.same(byLink.cursors, byCursor.cursors, `${url}: and the same cursors`);
}

interface Fixture {
  b: Built;
  models: Model[];
  token: Record<string, string>;
}

const SECTIONS = ['national/north-korea', 'national/politics', 'business/economy'];
const AUTHORS = [['lim-jeong-won'], ['park-hyun-joo'], ['lim-jeong-won', 'park-hyun-joo']];
const TAGS = [['North Korea'], ['Economy'], ['North Korea', 'Economy'], [], []];

async function seedModel(b: Built): Promise<Model> {
  const res = await b.app.inject({ url: `/v1/articles/slug/${SEED_SLUG}`, headers: b.auth() });
  const a = res.json();
  return {
    id: a.id,
    status: a.status,
    publishedAt: a.publishedAt === null ? null : Date.parse(a.publishedAt),
    updatedAt: Date.parse(a.updatedAt),
    section: a.section.path,
    authors: a.authors.map((x: { slug: string }) => x.slug),
    tags: a.tags.map((x: { slug: string }) => x.slug),
  };
}

async function add(b: Built, models: Model[], m: Omit<Model, 'id' | 'tags'> & { tags: string[] }): Promise<Model> {
  const rec = await addArticle(b, {
    status: m.status,
    publishedAt: m.publishedAt,
    firstPublishedAt: m.publishedAt,
    updatedAt: m.updatedAt,
    createdAt: Math.min(m.updatedAt, m.publishedAt ?? m.updatedAt),
    sectionPath: m.section,
    authorSlugs: m.authors,
    tagNames: m.tags,
  });
  const model: Model = { ...m, id: rec.id, tags: m.tags.map((n) => n.toLowerCase().replace(/[^a-z0-9]+/g, '-')) };
  models.push(model);
  return model;
}

/** 250 published articles with many equal publishedAt and updatedAt values, plus drafts, scheduled and archived ones. */
async function fixture(t: Test): Promise<Fixture> {
  const b = await build(t);
  const rand = prng(20240617);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const now = b.clock.now();
  const base = now - 30 * DAY;
  const models: Model[] = [await seedModel(b)];
  const started = Date.now();
  for (let i = 0; i < 250; i++) {
    // 250 articles over 120 distinct minutes: most share their publishedAt with others.
    const publishedAt = base + Math.floor(rand() * 120) * MINUTE;
    await add(b, models, {
      status: 'published',
      publishedAt,
      updatedAt: publishedAt + Math.floor(rand() * 60) * MINUTE,
      section: pick(SECTIONS),
      authors: pick(AUTHORS),
      tags: pick(TAGS),
    });
  }
  for (let i = 0; i < 12; i++) {
    await add(b, models, { status: 'draft', publishedAt: null, updatedAt: base + Math.floor(rand() * 40) * MINUTE, section: pick(SECTIONS), authors: pick(AUTHORS), tags: pick(TAGS) });
  }
  for (let i = 0; i < 3; i++) {
    const publishedAt = now + DAY + i * MINUTE;
    await add(b, models, { status: 'scheduled', publishedAt, updatedAt: base + i * MINUTE, section: pick(SECTIONS), authors: pick(AUTHORS), tags: pick(TAGS) });
    await add(b, models, { status: 'archived', publishedAt: base + i * MINUTE, updatedAt: base + 2 * DAY, section: pick(SECTIONS), authors: pick(AUTHORS), tags: pick(TAGS) });
  }
  t.comment(`inserted ${models.length - 1} articles in ${Date.now() - started} ms`);
  return { b, models, token: b.auth('editor') };
}

function ties(models: Model[], key: (m: Model) => number | null): number {
  const seen = new Map<number | null, number>();
  for (const m of models) seen.set(key(m), (seen.get(key(m)) ?? 0) + 1);
  return [...seen.values()].filter((n) => n > 1).length;
}

t.test('article lists walk completely, in order, by nextCursor and by Link', async (t) => {
  const { b, models, token } = await fixture(t);
  const now = b.clock.now();
  const published = models.filter((m) => isPublic(m, now));
  t.equal(published.length, 251, 'fixture: 250 published articles plus the seed article');
  t.ok(ties(published, (m) => m.publishedAt) >= 20, 'fixture: many publishedAt values are shared by several articles');
  t.ok(ties(published, (m) => m.updatedAt) >= 20, 'fixture: many updatedAt values are shared by several articles');

  t.test('public, every sort', async (t) => {
    for (const sort of ['-publishedAt', 'publishedAt', '-updatedAt', 'updatedAt'] as const) {
      const url = sort === '-publishedAt' ? `/v1/articles?limit=${LIMIT}` : `/v1/articles?sort=${sort}&limit=${LIMIT}`;
      await checkList(t, b, url, expectedIds(models, { sort, token: false, now }));
    }
    // The default order is -publishedAt, then id descending.
    const first = await b.app.inject({ url: `/v1/articles?limit=100` });
    const items = (first.json().data as Item[]).map(itemModel);
    t.ok(
      items.every((m, i) => i === 0 || compare(items[i - 1]!, m, '-publishedAt') < 0),
      'default order: publishedAt descending, then id descending',
    );
  });

  t.test('public, filtered by section (with subsections), author and tag', async (t) => {
    const national = (m: Model) => m.section === 'national' || m.section.startsWith('national/');
    t.ok(published.some((m) => m.section === 'business/economy'), 'fixture: some articles are in business/economy');
    t.ok(published.some((m) => m.section === 'national/politics') && published.some((m) => m.section === 'national/north-korea'), 'fixture: in both national subsections');
    const sectionUrl = `/v1/articles?section=national&limit=${LIMIT}`;
    await checkList(t, b, sectionUrl, expectedIds(models, { sort: '-publishedAt', token: false, now, filter: national }));
    const listed = await walk<Item & { section: { path: string } }>(b, sectionUrl);
    t.same(
      listed.items.filter((i) => !i.section.path.startsWith('national/')).map((i) => i.section.path),
      [],
      'only national articles are listed under section=national',
    );
    await checkList(t, b, `/v1/articles?section=national&sort=updatedAt&limit=${LIMIT}`, expectedIds(models, { sort: 'updatedAt', token: false, now, filter: national }));
    await checkList(t, b, `/v1/articles?section=business%2Feconomy&limit=${LIMIT}`, expectedIds(models, { sort: '-publishedAt', token: false, now, filter: (m) => m.section === 'business/economy' }));

    await checkList(t, b, `/v1/articles?author=lim-jeong-won&limit=${LIMIT}`, expectedIds(models, { sort: '-publishedAt', token: false, now, filter: (m) => m.authors.includes('lim-jeong-won') }));
    const park = (await b.app.inject({ url: '/v1/authors/slug/park-hyun-joo' })).json().id as string;
    await checkList(t, b, `/v1/articles?author=${park}&sort=-updatedAt&limit=${LIMIT}`, expectedIds(models, { sort: '-updatedAt', token: false, now, filter: (m) => m.authors.includes('park-hyun-joo') }));

    await checkList(t, b, `/v1/articles?tag=north-korea&limit=${LIMIT}`, expectedIds(models, { sort: '-publishedAt', token: false, now, filter: (m) => m.tags.includes('north-korea') }));
    await checkList(t, b, `/v1/articles?tag=economy&sort=publishedAt&limit=${LIMIT}`, expectedIds(models, { sort: 'publishedAt', token: false, now, filter: (m) => m.tags.includes('economy') }));
    await checkList(
      t,
      b,
      `/v1/articles?section=national&author=lim-jeong-won&tag=north-korea&limit=${LIMIT}`,
      expectedIds(models, { sort: '-publishedAt', token: false, now, filter: (m) => national(m) && m.authors.includes('lim-jeong-won') && m.tags.includes('north-korea') }),
    );
  });

  t.test('with a token: drafts, scheduled and archived articles too, drafts first', async (t) => {
    const all = expectedIds(models, { sort: '-publishedAt', token: true, now });
    t.equal(all.length, models.length, 'the token list has every article');
    await checkList(t, b, `/v1/articles?limit=${LIMIT}`, all, token);
    const walked = await walk<Item & { status: Status }>(b, `/v1/articles?limit=${LIMIT}`, { headers: token });
    const drafts = models.filter((m) => m.status === 'draft').length;
    t.same(walked.items.slice(0, drafts).map((i) => i.status), Array(drafts).fill('draft'), `the ${drafts} drafts come first under -publishedAt`);
    t.notOk(walked.items.slice(drafts).some((i) => i.status === 'draft'), 'and no draft after them');
    t.equal(new Set(ids(walked.items)).size, models.length, 'drafts and published articles each appear once');

    await checkList(t, b, `/v1/articles?sort=publishedAt&limit=${LIMIT}`, expectedIds(models, { sort: 'publishedAt', token: true, now }), token);
    await checkList(t, b, `/v1/articles?sort=-updatedAt&limit=${LIMIT}`, expectedIds(models, { sort: '-updatedAt', token: true, now }), token);
    await checkList(t, b, `/v1/articles?status=draft&limit=${LIMIT}`, expectedIds(models, { sort: '-publishedAt', token: true, now, filter: (m) => m.status === 'draft' }), token);
    await checkList(t, b, `/v1/articles?status=published&sort=updatedAt&limit=${LIMIT}`, expectedIds(models, { sort: 'updatedAt', token: true, now, filter: (m) => isPublic(m, now) }), token);
    await checkList(t, b, `/v1/articles?section=national&limit=${LIMIT}`, expectedIds(models, { sort: '-publishedAt', token: true, now, filter: (m) => m.section.startsWith('national/') }), token);
  });

  t.test('invalid cursors are 400 problem+json at query.cursor', async (t) => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
    const updated = (await b.app.inject({ url: `/v1/articles?sort=-updatedAt&limit=2` })).json().page.nextCursor as string;
    const published = (await b.app.inject({ url: `/v1/articles?limit=2` })).json().page.nextCursor as string;
    const search = await b.app.inject({ url: `/v1/articles?q=test&limit=2` });
    t.equal(search.statusCode, 200, 'a search answers');
    const relevance = search.json().page.nextCursor as string | null;
    t.type(updated, 'string', 'sort=-updatedAt has a next page');
    t.type(relevance, 'string', 'q=test has a next page');

    const bad: [string, string][] = [
      ['garbage', '/v1/articles?cursor=garbage'],
      ['not base64 at all', '/v1/articles?cursor=%25%25%25%25'],
      ['truncated base64', `/v1/articles?cursor=${published.slice(0, 10)}`],
      ['base64 of a JSON object of another shape', `/v1/articles?cursor=${enc({ hello: 'world' })}`],
      ['base64 of a JSON array', `/v1/articles?cursor=${enc([1, 2, 3])}`],
      ['base64 of a cursor with a non-integer key', `/v1/articles?cursor=${enc({ k: 'p', v: 'soon', id: 'x' })}`],
      ['base64 of a cursor of an unknown kind', `/v1/articles?cursor=${enc({ k: 'z', v: 1, id: 'x' })}`],
      ['a -updatedAt cursor with the default sort', `/v1/articles?cursor=${updated}`],
      ['a -updatedAt cursor with sort=-publishedAt', `/v1/articles?sort=-publishedAt&cursor=${updated}`],
      ['a -updatedAt cursor with sort=publishedAt', `/v1/articles?sort=publishedAt&cursor=${updated}`],
      ['a -publishedAt cursor with sort=updatedAt', `/v1/articles?sort=updatedAt&cursor=${published}`],
      ['a relevance cursor (from ?q=) without q', `/v1/articles?cursor=${relevance}`],
      ['a relevance cursor with q and a sort', `/v1/articles?q=test&sort=-publishedAt&cursor=${relevance}`],
      ['a -publishedAt cursor with q (relevance order)', `/v1/articles?q=test&cursor=${published}`],
      ['an empty cursor', '/v1/articles?cursor='],
      ['a cursor over 1024 characters', `/v1/articles?cursor=${'A'.repeat(1100)}`],
      ['sections: garbage', '/v1/sections?cursor=garbage'],
      ['authors: garbage', '/v1/authors?cursor=garbage'],
      ['tags: garbage', '/v1/tags?cursor=garbage'],
      ['images: garbage', '/v1/images?cursor=garbage'],
      ['images: an article cursor', `/v1/images?cursor=${published}`],
    ];
    for (const [what, url] of bad) {
      const res = await b.app.inject({ url });
      const body = res.json();
      t.equal(res.statusCode, 400, `${what}: 400`);
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`);
      t.match(body, { type: String, title: String, status: 400 }, `${what}: a problem document`);
      t.same(
        (body.errors ?? []).map((e: { in: string; path: string }) => ({ in: e.in, path: e.path })),
        [{ in: 'query', path: 'cursor' }],
        `${what}: errors [{ in: query, path: cursor }]`,
      );
    }

    // The same cursor keeps working where it belongs (so the 400s above are about the cursor).
    t.equal((await b.app.inject({ url: `/v1/articles?sort=-updatedAt&limit=2&cursor=${updated}` })).statusCode, 200, 'the -updatedAt cursor works with sort=-updatedAt');
    t.equal((await b.app.inject({ url: `/v1/articles?q=test&limit=2&cursor=${relevance}` })).statusCode, 200, 'the relevance cursor works with the same q');
  });

  t.test('limit is 1–100, default 20', async (t) => {
    for (const limit of ['0', '101', '-1', '1.5', 'abc', '']) {
      const res = await b.app.inject({ url: `/v1/articles?limit=${limit}` });
      t.equal(res.statusCode, 400, `limit=${limit}: 400`);
      t.match(res.headers['content-type'], /^application\/problem\+json/, `limit=${limit}: problem+json`);
      t.same(
        (res.json().errors ?? []).map((e: { in: string; path: string }) => ({ in: e.in, path: e.path })),
        [{ in: 'query', path: 'limit' }],
        `limit=${limit}: errors at query.limit`,
      );
    }
    const hundred = await b.app.inject({ url: '/v1/articles?limit=100' });
    t.equal(hundred.statusCode, 200, 'limit=100 is fine');
    t.equal(hundred.json().data.length, 100, 'limit=100: 100 articles');
    t.equal(hundred.json().page.limit, 100, 'limit=100: page.limit 100');
    const one = await b.app.inject({ url: '/v1/articles?limit=1' });
    t.equal(one.json().data.length, 1, 'limit=1: one article');
    const dflt = await b.app.inject({ url: '/v1/articles' });
    t.equal(dflt.json().data.length, 20, 'no limit: 20 articles');
    t.equal(dflt.json().page.limit, 20, 'no limit: page.limit 20');
    for (const list of ['sections', 'authors', 'tags', 'images']) {
      t.equal((await b.app.inject({ url: `/v1/${list}?limit=0` })).statusCode, 400, `/v1/${list}?limit=0: 400`);
      t.equal((await b.app.inject({ url: `/v1/${list}?limit=101` })).statusCode, 400, `/v1/${list}?limit=101: 400`);
      t.equal((await b.app.inject({ url: `/v1/${list}?limit=100` })).statusCode, 200, `/v1/${list}?limit=100: 200`);
    }
  });

  // Last: it writes.
  t.test('articles written between pages: nothing missed, nothing twice', async (t) => {
    for (const [sort, headers] of [
      ['-publishedAt', undefined],
      ['publishedAt', token],
      ['-updatedAt', undefined],
    ] as const) {
      const original = expectedIds(models, { sort, token: headers !== undefined, now: b.clock.now() });
      const ahead: string[] = [];
      const behind: string[] = [];
      let pages = 0;
      const url = `/v1/articles?sort=${sort}&limit=${LIMIT}`;
      const walked = await walk<Item>(b, url, {
        headers,
        async between(page, nextCursor) {
          // Not after the last page: the walk is over, nothing written then can appear.
          if (pages++ % 3 !== 0 || nextCursor === null || page.length === 0) return;
          const last = itemModel(page.at(-1)!);
          const lastKey = keyOf(last, sort);
          if (last.publishedAt === null || last.publishedAt > b.clock.now()) return; // among drafts or scheduled ones: nothing to publish next to
          const step = sort.startsWith('-') ? -1 : 1; // +step moves further along the walk
          const newArticles: Model[] = [];
          const common = { section: 'national/politics', authors: ['park-hyun-joo'], tags: [] as string[] };
          b.clock.advance(MINUTE);
          const fresh = b.clock.now();
          // Newer than everything (published now, updated now).
          newArticles.push(await add(b, models, { ...common, status: 'published', publishedAt: fresh, updatedAt: fresh }));
          // Just past the current position, and just before it.
          const near = (delta: number) =>
            sort.endsWith('publishedAt')
              ? { publishedAt: lastKey + delta, updatedAt: fresh }
              : { publishedAt: oldest(models), updatedAt: lastKey + delta };
          newArticles.push(await add(b, models, { ...common, status: 'published', ...near(step) }));
          newArticles.push(await add(b, models, { ...common, status: 'published', ...near(-step) }));
          // The same key as the last item seen (which side it lands on depends on its id).
          newArticles.push(await add(b, models, { ...common, status: 'published', ...near(0) }));
          // Older than everything.
          newArticles.push(await add(b, models, { ...common, status: 'published', publishedAt: oldest(models) - DAY, updatedAt: oldest(models) - DAY }));
          for (const m of newArticles) (compare(m, last, sort) > 0 ? ahead : behind).push(m.id);
        },
      });
      const seen = ids(walked.items);
      t.same(walked.problems, [], `${sort}: every page well-formed`);
      t.same(dupes(seen), [], `${sort}: no article twice`);
      t.same(original.filter((id) => !seen.includes(id)), [], `${sort}: every article of the original list appears`);
      t.same(ahead.filter((id) => !seen.includes(id)), [], `${sort}: articles written ahead of the cursor appear (${ahead.length})`);
      t.same(behind.filter((id) => seen.includes(id)), [], `${sort}: articles written behind the cursor do not (${behind.length})`);
      const walkedModels = walked.items.map(itemModel);
      t.ok(walkedModels.every((m, i) => i === 0 || compare(walkedModels[i - 1]!, m, sort) < 0), `${sort}: the walk stays in order`);
      t.ok(ahead.length > 0 && behind.length > 0, `${sort}: some writes landed on each side`);
    }
  });
});

const oldest = (models: Model[]) => Math.min(...models.map((m) => m.publishedAt ?? Infinity));

t.test('sections, authors, tags and images walk completely', async (t) => {
  const b = await build(t);
  const token = b.auth('editor');
  const now = b.clock.now();

  t.test('sections: the 14 seed sections by path', async (t) => {
    const paths = readSeed().sections.map((s) => s.path).sort();
    t.equal(paths.length, 14, 'the seed has 14 sections');
    for (const limit of [1, 2]) {
      const w = await walk<{ id: string; path: string }>(b, `/v1/sections?limit=${limit}`, { limit });
      t.same(w.problems, [], `limit=${limit}: every page well-formed`);
      t.same(dupes(ids(w.items)), [], `limit=${limit}: no section twice`);
      t.same(w.items.map((s) => s.path), paths, `limit=${limit}: all 14, ordered by path`);
      const l = await walk<{ id: string }>(b, `/v1/sections?limit=${limit}`, { limit, via: 'link' });
      t.same(l.pages, w.pages, `limit=${limit}: Link walk equals nextCursor walk`);
    }
  });

  t.test('authors by slug', async (t) => {
    for (const slug of ['zoe-kim', 'ahn-ji-ho', 'moon-se-ra', 'lim-jeong-woo', 'park-a']) {
      await b.services.repositories.authors.insert({ id: uuidv7(), slug, name: slug, email: null, title: null, bio: null, createdAt: now, updatedAt: now });
    }
    const slugs = [...readSeed().authors.map((a) => a.slug), 'zoe-kim', 'ahn-ji-ho', 'moon-se-ra', 'lim-jeong-woo', 'park-a'].sort();
    for (const limit of [1, 2]) {
      const w = await walk<{ id: string; slug: string }>(b, `/v1/authors?limit=${limit}`, { limit });
      t.same(w.problems, [], `limit=${limit}: every page well-formed`);
      t.same(dupes(ids(w.items)), [], `limit=${limit}: no author twice`);
      t.same(w.items.map((a) => a.slug), slugs, `limit=${limit}: all ${slugs.length}, ordered by slug`);
      const l = await walk<{ id: string }>(b, `/v1/authors?limit=${limit}`, { limit, via: 'link' });
      t.same(l.pages, w.pages, `limit=${limit}: Link walk equals nextCursor walk`);
    }
  });

  t.test('tags by slug (the public sees tags of public articles only)', async (t) => {
    await addArticle(b, { tagNames: ['Alpha', 'Economy', 'Zeta'] });
    await addArticle(b, { tagNames: ['Beta', 'Alpha'] });
    await addArticle(b, { status: 'draft', tagNames: ['Draft Only', 'Beta'] });
    const seedTags = readSeed().articles[0]!.tags.map((n) => n.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
    const publicSlugs = [...seedTags, 'alpha', 'economy', 'zeta', 'beta'].sort();
    const allSlugs = [...publicSlugs, 'draft-only'].sort();
    for (const [who, headers, expected] of [
      ['public', undefined, publicSlugs],
      ['token', token, allSlugs],
    ] as const) {
      const w = await walk<{ slug: string; id: string }>(b, `/v1/tags?limit=2`, { limit: 2, headers });
      const slugs = w.items.map((x) => x.slug);
      t.same(w.problems, [], `${who}: every page well-formed`);
      t.same(dupes(slugs), [], `${who}: no tag twice`);
      t.same(slugs, expected, `${who}: ${expected.length} tags, ordered by slug`);
    }
  });

  t.test('images newest first (ties by id); the public sees used images only', async (t) => {
    const { images } = b.db.tables;
    const seedImage: { id: string; createdAt: number }[] = await b.db.q.select({ id: images.id, createdAt: images.createdAt }).from(images);
    t.equal(seedImage.length, 1, 'the seed has one image');
    const rows = [...seedImage];
    for (let i = 0; i < 7; i++) {
      const id = uuidv7();
      const createdAt = now - 3_600_000 + Math.floor(i / 3) * 1000; // groups of 3 created in the same ms
      await b.services.repositories.images.insert({ id, sha256: `${i}`.padStart(64, '0'), filename: `i${i}.jpg`, mimeType: 'image/jpeg', bytes: 1, width: 10, height: 10, alt: null, caption: null, credit: null, createdAt, updatedAt: createdAt });
      rows.push({ id, createdAt });
    }
    const lead = (i: number) => ({ imageId: rows[i]!.id, caption: null, credit: null });
    await addArticle(b, { leadImage: lead(1) });
    await addArticle(b, { leadImage: lead(2) });
    await addArticle(b, { leadImage: lead(5) });
    await addArticle(b, { status: 'draft', leadImage: lead(3) });
    const order = (list: typeof rows) =>
      [...list].sort((x, y) => (x.createdAt !== y.createdAt ? y.createdAt - x.createdAt : x.id < y.id ? 1 : -1)).map((r) => r.id);
    const publicIds = new Set([rows[0]!.id, rows[1]!.id, rows[2]!.id, rows[5]!.id]);
    for (const [who, headers, expected] of [
      ['token', token, order(rows)],
      ['public', undefined, order(rows.filter((r) => publicIds.has(r.id)))],
    ] as const) {
      const w = await walk<{ id: string }>(b, `/v1/images?limit=1`, { limit: 1, headers });
      t.same(w.problems, [], `${who}: every page well-formed`);
      t.same(dupes(ids(w.items)), [], `${who}: no image twice`);
      t.same(ids(w.items), expected, `${who}: ${expected.length} images, newest first, ties by id`);
      const l = await walk<{ id: string }>(b, `/v1/images?limit=1`, { limit: 1, headers, via: 'link' });
      t.same(l.pages, w.pages, `${who}: Link walk equals nextCursor walk`);
    }
  });
});
