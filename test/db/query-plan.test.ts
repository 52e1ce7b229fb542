// Query plans of every list the API serves: the real SQL (recorded from the better-sqlite3
// connection while a request runs) must never read all of `articles` or `article_feed`, so a
// page costs the same at row 10 as at row 1,000,000 (API.md). No ANALYZE: production never
// runs it, so the plans must be right on the planner's defaults.
import type Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { uuidv7 } from 'uuidv7';
import { addArticle, build, type Built, SEED_SLUG } from '../helper.ts';

interface Recorded {
  sql: string;
  params: unknown[];
}

/** Records every statement prepared on the connection, with the values it ran with. */
function recorder(t: Test, client: Database.Database) {
  const original = client.prepare;
  let log: Recorded[] | null = null;
  const patched = function (this: Database.Database, source: string) {
    const stmt = original.call(this, source) as Database.Statement;
    if (log === null) return stmt;
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const run = (stmt[method] as (...a: unknown[]) => unknown).bind(stmt);
      Object.defineProperty(stmt, method, {
        configurable: true,
        writable: true,
        value: (...params: unknown[]) => {
          log?.push({ sql: source, params });
          return run(...params);
        },
      });
    }
    return stmt;
  };
  client.prepare = patched as typeof client.prepare;
  t.teardown(() => {
    client.prepare = original;
  });
  return {
    async during<T>(fn: () => Promise<T>): Promise<{ result: T; statements: Recorded[] }> {
      log = [];
      try {
        const result = await fn();
        return { result, statements: log };
      } finally {
        log = null;
      }
    },
    /** EXPLAIN QUERY PLAN of a recorded statement, with its own values bound. */
    plan(r: Recorded): { id: number; parent: number; detail: string }[] {
      const stmt = original.call(client, `EXPLAIN QUERY PLAN ${r.sql}`) as Database.Statement<unknown[]>;
      return stmt.all(...r.params) as { id: number; parent: number; detail: string }[];
    },
  };
}

const TOUCHES = /(?:^|[^\w])"?(articles|article_feed)"?(?![\w])/i;
const KEYWORDS = new Set(['where', 'on', 'join', 'inner', 'left', 'cross', 'natural', 'order', 'group', 'limit', 'using', 'set', 'values', 'union', 'as']);

/** The names `articles` and `article_feed` go by in a statement (the tables and their aliases). */
function namesOf(sql: string): Set<string> {
  const names = new Set<string>();
  const re = /\b(?:from|join)\s+"?(articles|article_feed)"?(?:\s+(?:as\s+)?"?([A-Za-z_]\w*)"?)?/gi;
  for (const m of sql.matchAll(re)) {
    names.add(m[1]!.toLowerCase());
    if (m[2] && !KEYWORDS.has(m[2].toLowerCase())) names.add(m[2]);
  }
  return names;
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

interface Case {
  name: string;
  url: string | (() => Promise<string>);
  token?: boolean;
  /** A cursor page: the keyset bound must be an index bound. */
  cursor?: boolean;
  /** A relevance search (ranked by bm25). */
  search?: boolean;
  /** False where no statement needs the article tables (images with a token). */
  touches?: boolean;
}

async function nextPage(b: Built, url: string, headers: Record<string, string> | undefined): Promise<string> {
  const res = await b.app.inject({ url, headers });
  const cursor = res.json().page?.nextCursor;
  if (typeof cursor !== 'string') throw new Error(`${url}: no next page (${res.statusCode} ${res.body.slice(0, 200)})`);
  return `${url}&cursor=${cursor}`;
}

t.test('no list query reads all of articles or article_feed', async (t) => {
  const b = await build(t);
  const client = b.db.$client;
  const now = b.clock.now();
  const sections = ['national/north-korea', 'national/politics', 'national/defense', 'business/economy', 'culture/k-pop', 'sports'];
  const image = (client.prepare('select id from images limit 1').get() as { id: string }).id;
  const extraImage = uuidv7();
  b.services.repositories.images.insert({ id: extraImage, sha256: '0'.repeat(64), filename: 'x.jpg', mimeType: 'image/jpeg', bytes: 1, width: 10, height: 10, alt: null, caption: null, credit: null, createdAt: now, updatedAt: now });
  const started = Date.now();
  for (let i = 0; i < 300; i++) {
    const status = i % 10 === 0 ? 'draft' : i % 25 === 1 ? 'scheduled' : i % 25 === 2 ? 'archived' : 'published';
    const publishedAt = status === 'draft' ? null : status === 'scheduled' ? now + (i + 1) * 3_600_000 : now - (i + 1) * 3_600_000;
    addArticle(b, {
      status,
      publishedAt,
      updatedAt: now - ((i * 37) % 300) * 60_000,
      sectionPath: sections[i % sections.length],
      authorSlugs: i % 3 === 0 ? ['lim-jeong-won'] : i % 3 === 1 ? ['park-hyun-joo'] : ['park-hyun-joo', 'lim-jeong-won'],
      tagNames: i % 4 === 0 ? ['North Korea'] : i % 4 === 1 ? ['Economy', 'Trade'] : [],
      leadImage: i % 7 === 0 ? { imageId: image, caption: null, credit: null } : i === 5 ? { imageId: extraImage, caption: null, credit: null } : null,
    });
  }
  t.comment(`inserted 300 articles in ${Date.now() - started} ms`);
  const { id: articleId } = (await b.app.inject({ url: '/v1/articles?limit=1' })).json().data[0] as { id: string };
  const token = b.auth('editor');
  const rec = recorder(t, client);

  const cases: Case[] = [
    { name: 'default list, public', url: '/v1/articles' },
    { name: 'default list, token', url: '/v1/articles', token: true },
    { name: 'section=national (with subsections), public', url: '/v1/articles?section=national' },
    { name: 'section=national, token', url: '/v1/articles?section=national', token: true },
    { name: 'author=lim-jeong-won', url: '/v1/articles?author=lim-jeong-won' },
    { name: 'tag=north-korea', url: '/v1/articles?tag=north-korea' },
    { name: 'tag=north-korea, token', url: '/v1/articles?tag=north-korea', token: true },
    { name: 'section + author + tag', url: '/v1/articles?section=national&author=lim-jeong-won&tag=north-korea' },
    { name: 'sort=-updatedAt, public', url: '/v1/articles?sort=-updatedAt' },
    { name: 'sort=-updatedAt, token', url: '/v1/articles?sort=-updatedAt', token: true },
    { name: 'sort=updatedAt, public', url: '/v1/articles?sort=updatedAt' },
    { name: 'sort=publishedAt, public', url: '/v1/articles?sort=publishedAt' },
    { name: 'sort=publishedAt, token', url: '/v1/articles?sort=publishedAt', token: true },
    { name: 'publishedAfter, public', url: '/v1/articles?publishedAfter=2020-01-01T00:00:00Z' },
    { name: 'publishedAfter, token', url: '/v1/articles?publishedAfter=2020-01-01T00:00:00Z', token: true },
    { name: 'publishedBefore, public', url: `/v1/articles?publishedBefore=${new Date(now - 50 * 3_600_000).toISOString()}` },
    { name: 'second page, public', url: () => nextPage(b, '/v1/articles?limit=5', undefined), cursor: true },
    { name: 'second page, token', url: () => nextPage(b, '/v1/articles?limit=5', token), token: true, cursor: true },
    { name: 'second page of section=national, public', url: () => nextPage(b, '/v1/articles?section=national&limit=5', undefined), cursor: true },
    { name: 'second page of sort=-updatedAt, public', url: () => nextPage(b, '/v1/articles?sort=-updatedAt&limit=5', undefined), cursor: true },
    { name: 'second page of sort=-updatedAt, token', url: () => nextPage(b, '/v1/articles?sort=-updatedAt&limit=5', token), token: true, cursor: true },
    { name: 'second page of sort=publishedAt, public', url: () => nextPage(b, '/v1/articles?sort=publishedAt&limit=5', undefined), cursor: true },
    { name: 'status=draft, token', url: '/v1/articles?status=draft', token: true },
    { name: 'second page of status=draft, token', url: () => nextPage(b, '/v1/articles?status=draft&limit=5', token), token: true, cursor: true },
    { name: 'status=published, token', url: '/v1/articles?status=published', token: true },
    { name: 'status=scheduled, token', url: '/v1/articles?status=scheduled', token: true },
    { name: 'q=test (relevance), public', url: '/v1/articles?q=test', search: true },
    { name: 'q=test (relevance), second page', url: () => nextPage(b, '/v1/articles?q=test&limit=5', undefined), search: true },
    { name: 'q=test&sort=-publishedAt, public', url: '/v1/articles?q=test&sort=-publishedAt' },
    { name: 'article by slug, public', url: `/v1/articles/slug/${SEED_SLUG}` },
    { name: 'article by id, public', url: `/v1/articles/${articleId}` },
    { name: 'article by id, token', url: `/v1/articles/${articleId}`, token: true },
    { name: '/v1/tags, public', url: '/v1/tags' },
    { name: '/v1/tags, token', url: '/v1/tags', token: true },
    { name: '/v1/images, public', url: '/v1/images' },
    { name: '/v1/images, token', url: '/v1/images', token: true, touches: false },
    { name: '/v1/images/{id}, public', url: `/v1/images/${image}` },
  ];

  for (const c of cases) {
    t.test(c.name, async (t) => {
      const headers = c.token ? token : undefined;
      const url = typeof c.url === 'string' ? c.url : await c.url();
      const { result: res, statements } = await rec.during(() => b.app.inject({ url, headers }));
      t.equal(res.statusCode, 200, `GET ${url} answers 200`);
      const relevant = statements.filter((s) => TOUCHES.test(s.sql));
      if (c.touches !== false) t.ok(relevant.length > 0, 'statements on articles/article_feed were recorded');
      if (c.cursor) {
        t.ok(
          relevant.some((s) => /\(f\.\w+, f\.article_id\) [<>] \(\?, \?\)/.test(s.sql)),
          'the feed query carries the keyset bound (sort key, id) of the cursor',
        );
      }
      if (c.search) t.ok(statements.some((s) => /\bbm25\(/i.test(s.sql)), 'the ranked search query was recorded');
      for (const s of relevant) {
        const plan = rec.plan(s);
        const names = namesOf(s.sql);
        const sql = oneLine(s.sql);
        t.comment(`SQL:    ${sql}`);
        const params = JSON.stringify(s.params);
        t.comment(`params: ${params.length > 200 ? `${params.slice(0, 200)}…` : params}`);
        for (const row of plan) t.comment(`  plan: ${row.detail}`);
        const label = sql.length > 90 ? `${sql.slice(0, 90)}…` : sql;

        const scans = plan.filter((row) => {
          const m = /^SCAN (?:TABLE )?("?)([\w]+)\1/.exec(row.detail);
          return m !== null && names.has(m[2]!);
        });
        t.same(scans.map((r) => r.detail), [], `no full SCAN of articles/article_feed: ${label}`);

        // A list read from article_feed in the order of one of its indexes must get its
        // order from that index: a temp B-tree means every matching row is read and sorted.
        if (/order by f\.(public_at|published_sort|updated_at)/i.test(s.sql)) {
          t.same(
            plan.filter((r) => /TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/.test(r.detail)).map((r) => r.detail),
            [],
            `feed order comes from an index, not a sort of every matching row: ${label}`,
          );
        }

        // A cursor page must start at the cursor: the keyset bound is the index range bound
        // (otherwise the scan starts at the top of the list and filters its way down to it).
        const keyset = /\(f\.(\w+), f\.article_id\) ([<>]) \(\?, \?\)/.exec(s.sql);
        if (keyset) {
          const bound = `(${keyset[1]},article_id)${keyset[2]}(?,?)`;
          t.ok(
            plan.some((r) => /^SEARCH f /.test(r.detail) && r.detail.includes(bound)),
            `the cursor ${bound} bounds the index range of f: ${label}`,
          );
        }

        // Full-text search must be driven by the FTS index, not run once per row of a feed.
        if (/\bbm25\(/i.test(s.sql)) {
          const first = plan.find((r) => /^(SCAN|SEARCH) /.test(r.detail));
          t.match(first?.detail ?? '', /^SCAN articles_fts VIRTUAL TABLE/, `the search starts from articles_fts (outermost loop): ${label}`);
        }
      }
    });
  }
});

t.test('the recorder sees what it should (so the plan checks above cannot pass vacuously)', async (t) => {
  const b = await build(t);
  const rec = recorder(t, b.db.$client);
  const { statements } = await rec.during(() => b.app.inject({ url: '/v1/articles?limit=1' }));
  const feed = statements.find((s) => /from "article_feed" f/.test(s.sql));
  t.ok(feed, 'the feed query of a list is recorded');
  t.ok(feed && feed.params.length > 0, 'with its bound values');
  // The checks flag a real full scan: the same statement with the feed key made unusable
  // for the index (`+f.feed_key`) plans as a SCAN of f, which namesOf() resolves to article_feed.
  if (feed) {
    const forced = { sql: feed.sql.replace('f.feed_key =', '+f.feed_key ='), params: feed.params };
    const plan = rec.plan(forced).map((r) => r.detail);
    t.comment(plan.join('\n'));
    t.ok(plan.some((d) => /^SCAN f\b/.test(d)), 'a feed query without its key is a SCAN of f');
    t.ok(namesOf(feed.sql).has('f'), 'and f is known as a name of article_feed');
  }
  const outside = await rec.during(() => b.app.inject({ url: '/health' }));
  t.notOk(outside.statements.some((s) => TOUCHES.test(s.sql)), '/health touches no article table (TOUCHES is not always true)');
  t.ok(TOUCHES.test('select * from "articles" where "articles"."id" in (?)'), 'TOUCHES matches quoted articles');
  t.notOk(TOUCHES.test('select rowid from articles_fts where articles_fts match ?'), 'TOUCHES does not take articles_fts for articles');
});
