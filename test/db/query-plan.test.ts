// Query plans of every list the API serves: the real SQL (recorded from the connection while a
// request runs) must never read all of `articles` or `article_feed`, so a page costs the same
// at row 10 as at row 1,000,000 (API.md).
// - SQLite: recorded on the better-sqlite3 reader (reads outside a transaction), EXPLAIN QUERY
//   PLAN. No ANALYZE: production never runs it, so the plans must be right on the planner's
//   defaults.
// - PostgreSQL: recorded from node-postgres, EXPLAIN (FORMAT JSON) with the same values, on a
//   10 k-article archive after ANALYZE (autovacuum analyzes a production database): no Seq
//   Scan of either table, nor an index scan that does not bound the index's leading column (a
//   whole index read); the same checks of order, cursor bound and search as on SQLite, in
//   PostgreSQL's terms (see checkPostgresPlan).
import type Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { uuidv7 } from 'uuidv7';
import type { PostgresDatabase } from '../../src/db/dialects/postgres.ts';
import type { SqliteDatabase } from '../../src/db/dialects/sqlite.ts';
import { addArticle, build, type Built, ENGINE, SEED_SLUG } from '../helper.ts';
import { leadingColumns, loadArchive, type PlanNode, pgRecorder, planLines, planNodes, type Recorded, recordingWindow } from './plans.ts';

/** Records every statement prepared on a better-sqlite3 connection, with the values it ran with. */
function sqliteRecorder(t: Test, client: Database.Database) {
  const original = client.prepare;
  const window = recordingWindow();
  const patched = function (this: Database.Database, source: string) {
    const stmt = original.call(this, source) as Database.Statement;
    if (!window.open) return stmt;
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const run = (stmt[method] as (...a: unknown[]) => unknown).bind(stmt);
      Object.defineProperty(stmt, method, {
        configurable: true,
        writable: true,
        value: (...params: unknown[]) => {
          window.record({ sql: source, params });
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
    during: window.during,
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

/** A bound value in the SQL: `?` on SQLite, `$n` on PostgreSQL. */
const PARAM = ENGINE === 'postgres' ? String.raw`\$\d+` : String.raw`\?`;
/** The keyset bound of a cursor page: `(f.<sort column>, f.article_id) < (?, ?)`. */
const KEYSET = new RegExp(String.raw`\(f\.(\w+), f\.article_id\) ([<>]) \(${PARAM}, ${PARAM}\)`);
/** The ranked full-text query: bm25 on SQLite (FTS5), ts_rank on PostgreSQL. */
const RANKED = ENGINE === 'postgres' ? /\bts_rank\(/i : /\bbm25\(/i;
/** The PostgreSQL archive: 300 articles made through the app, then more loaded in bulk. */
const ARCHIVE = 10_000;
/** The most rows PostgreSQL may sort for one page of a feed list (1 % of the archive). */
const SMALL_SORT = ARCHIVE / 100;
/** A list read from article_feed in the order of one of its indexes. */
const FEED_ORDER = /order by f\.(public_at|published_sort|updated_at)/i;

interface Case {
  name: string;
  url: string | (() => Promise<string>);
  token?: boolean;
  /** A cursor page: the keyset bound must be an index bound. */
  cursor?: boolean;
  /** A relevance search (ranked by bm25 on SQLite, ts_rank on PostgreSQL). */
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
  const now = b.clock.now();
  const sections = ['national/north-korea', 'national/politics', 'national/defense', 'business/economy', 'culture/k-pop', 'sports'];
  const { images } = b.db.tables;
  const image = (await b.db.q.select({ id: images.id }).from(images).limit(1))[0]!.id;
  const extraImage = uuidv7();
  await b.services.repositories.images.insert({ id: extraImage, sha256: '0'.repeat(64), filename: 'x.jpg', mimeType: 'image/jpeg', bytes: 1, width: 10, height: 10, alt: null, caption: null, credit: null, createdAt: now, updatedAt: now });
  const started = Date.now();
  // One transaction for all 300 (each save joins it): one commit instead of 300.
  await b.db.transaction(async () => {
    for (let i = 0; i < 300; i++) {
      const status = i % 10 === 0 ? 'draft' : i % 25 === 1 ? 'scheduled' : i % 25 === 2 ? 'archived' : 'published';
      const publishedAt = status === 'draft' ? null : status === 'scheduled' ? now + (i + 1) * 3_600_000 : now - (i + 1) * 3_600_000;
      await addArticle(b, {
        status,
        publishedAt,
        updatedAt: now - ((i * 37) % 300) * 60_000,
        sectionPath: sections[i % sections.length],
        authorSlugs: i % 3 === 0 ? ['lim-jeong-won'] : i % 3 === 1 ? ['park-hyun-joo'] : ['park-hyun-joo', 'lim-jeong-won'],
        tagNames: i % 4 === 0 ? ['North Korea'] : i % 4 === 1 ? ['Economy', 'Trade'] : [],
        leadImage: i % 7 === 0 ? { imageId: image, caption: null, credit: null } : i === 5 ? { imageId: extraImage, caption: null, credit: null } : null,
      });
    }
  });
  t.comment(`inserted 300 articles in ${Date.now() - started} ms`);
  if (ENGINE === 'postgres') {
    // PostgreSQL's planner costs by statistics: plans are checked on a 10 k-article archive
    // after ANALYZE (spread over ten years, so the 300 above stay mostly the newest).
    const ms = await loadArchive(b.db as PostgresDatabase, b.services, ARCHIVE - 300, now);
    t.comment(`loaded ${ARCHIVE - 300} more articles and ran ANALYZE in ${ms} ms`);
  }
  const { id: articleId } = (await b.app.inject({ url: '/v1/articles?limit=1' })).json().data[0] as { id: string };
  const token = b.auth('editor');
  const sqlite = ENGINE === 'sqlite' ? sqliteRecorder(t, (b.db as SqliteDatabase).reader) : null;
  const pg = ENGINE === 'postgres' ? pgRecorder(t, (b.db as PostgresDatabase).pool) : null;
  const rec = (sqlite ?? pg)!;
  const indexes = pg ? await leadingColumns((b.db as PostgresDatabase).pool, ['articles', 'article_feed']) : null;

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
      if (c.cursor) t.ok(relevant.some((s) => KEYSET.test(s.sql)), 'the feed query carries the keyset bound (sort key, id) of the cursor');
      if (c.search) t.ok(statements.some((s) => RANKED.test(s.sql)), 'the ranked search query was recorded');
      for (const s of relevant) {
        const sql = oneLine(s.sql);
        t.comment(`SQL:    ${sql}`);
        const params = JSON.stringify(s.params);
        t.comment(`params: ${params.length > 200 ? `${params.slice(0, 200)}…` : params}`);
        const label = sql.length > 90 ? `${sql.slice(0, 90)}…` : sql;
        if (sqlite) checkSqlitePlan(t, sqlite.plan(s), s.sql, label);
        if (pg) checkPostgresPlan(t, await pg.plan(s), indexes!, s.sql, label);
      }
    });
  }

  if (pg) {
    t.test('on this archive the PostgreSQL checks catch the plans they are meant to', async (t) => {
      const { statements } = await pg.during(() => b.app.inject({ url: '/v1/articles?limit=7' }));
      const feed = statements.find((s) => /from "?article_feed"? f\b/.test(s.sql) && FEED_ORDER.test(s.sql));
      t.ok(feed, 'the feed query of the default list is recorded');
      if (!feed) return;
      t.same(fullScans(await pg.plan(feed), indexes!), [], 'the default list reads the index range of its key');
      // Without index scans, the same page is a read of every row of the list and a sort of
      // all of them: the checks above must flag both.
      const bad = await pg.plan(feed, ['enable_indexscan = off', 'enable_indexonlyscan = off', 'enable_bitmapscan = off']);
      t.comment(planLines(bad).join('\n'));
      t.match(fullScans(bad, indexes!), [/^Seq Scan on article_feed f/], 'a Seq Scan of article_feed is flagged');
      t.equal(bigSorts(bad).length, 1, `a sort of the whole list (${ARCHIVE} articles) is flagged`);
    });
  }
});

/** The checks on SQLite's EXPLAIN QUERY PLAN of one statement. */
function checkSqlitePlan(t: Test, plan: { detail: string }[], sql: string, label: string) {
  const names = namesOf(sql);
  for (const row of plan) t.comment(`  plan: ${row.detail}`);

  const scans = plan.filter((row) => {
    const m = /^SCAN (?:TABLE )?("?)([\w]+)\1/.exec(row.detail);
    return m !== null && names.has(m[2]!);
  });
  t.same(scans.map((r) => r.detail), [], `no full SCAN of articles/article_feed: ${label}`);

  // A list read from article_feed in the order of one of its indexes must get its
  // order from that index: a temp B-tree means every matching row is read and sorted.
  if (FEED_ORDER.test(sql)) {
    t.same(
      plan.filter((r) => /TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/.test(r.detail)).map((r) => r.detail),
      [],
      `feed order comes from an index, not a sort of every matching row: ${label}`,
    );
  }

  // A cursor page must start at the cursor: the keyset bound is the index range bound
  // (otherwise the scan starts at the top of the list and filters its way down to it).
  const keyset = KEYSET.exec(sql);
  if (keyset) {
    const bound = `(${keyset[1]},article_id)${keyset[2]}(?,?)`;
    t.ok(
      plan.some((r) => /^SEARCH f /.test(r.detail) && r.detail.includes(bound)),
      `the cursor ${bound} bounds the index range of f: ${label}`,
    );
  }

  // Full-text search must be driven by the FTS index, not run once per row of a feed.
  if (RANKED.test(sql)) {
    const first = plan.find((r) => /^(SCAN|SEARCH) /.test(r.detail));
    t.match(first?.detail ?? '', /^SCAN articles_search VIRTUAL TABLE/, `the search starts from articles_search (outermost loop): ${label}`);
  }
}

type Indexes = Map<string, { table: string; column: string }>;

/**
 * The scans in a PostgreSQL plan that read all of articles or article_feed: a Seq Scan, or an
 * index scan whose condition does not bound the index's leading column (PostgreSQL then reads
 * the whole index, checking the condition on every entry), what SQLite reports as a SCAN.
 */
function fullScans(plan: PlanNode, indexes: Indexes): string[] {
  const watched = (table: string | undefined) => table === 'articles' || table === 'article_feed';
  return planNodes(plan)
    .filter((n) => {
      if (n['Node Type'] === 'Seq Scan') return watched(n['Relation Name']);
      const index = n['Index Name'] ? indexes.get(n['Index Name']) : undefined;
      if (!index || !watched(index.table)) return false;
      return !new RegExp(`\\b${index.column}\\b`).test(n['Index Cond'] ?? '');
    })
    .map((n) => planLines({ ...n, Plans: undefined })[0]!.trim());
}

/** The Sort nodes of a PostgreSQL plan on a feed order column. */
function feedSorts(plan: PlanNode): PlanNode[] {
  return planNodes(plan).filter((n) => /Sort$/.test(n['Node Type']) && (n['Sort Key'] ?? []).some((k) => /\b(public_at|published_sort|updated_at)\b/.test(k)));
}

/** Those of them that sort more than SMALL_SORT rows (estimated). */
function bigSorts(plan: PlanNode): string[] {
  return feedSorts(plan)
    .filter((n) => (n.Plans?.[0]?.['Plan Rows'] ?? Infinity) > SMALL_SORT)
    .map((n) => planLines({ ...n, Plans: undefined })[0]!.trim());
}

/** The same checks on PostgreSQL's plan (EXPLAIN (FORMAT JSON)) of one statement. */
function checkPostgresPlan(t: Test, plan: PlanNode, indexes: Indexes, sql: string, label: string) {
  for (const line of planLines(plan)) t.comment(`  plan: ${line}`);
  const nodes = planNodes(plan);

  t.same(fullScans(plan, indexes), [], `no Seq Scan (nor whole-index scan) of articles/article_feed: ${label}`);

  // The order of a feed list comes from an index of article_feed, not a Sort of every match.
  // Unlike SQLite's (no statistics), PostgreSQL's planner may rightly sort a set it knows to be
  // small (a top-N sort of the few articles of a rare tag, of a search's hits, of the scheduled
  // ones) rather than walk a big list's index past non-matches; what must never happen is a
  // sort of a large list: so a Sort on a feed column may take at most 1 % of the archive.
  if (FEED_ORDER.test(sql)) {
    for (const n of feedSorts(plan)) t.comment(`  a Sort of ~${n.Plans?.[0]?.['Plan Rows']} rows (estimated)`);
    t.same(bigSorts(plan), [], `feed order comes from an index, not a sort of every matching row (a Sort only of at most ${SMALL_SORT} rows): ${label}`);
  }

  // A cursor page starts at the cursor: the row comparison is an index condition on f.
  const keyset = KEYSET.exec(sql);
  if (keyset) {
    const bound = new RegExp(`ROW\\((?:f\\.)?${keyset[1]}, (?:f\\.)?article_id\\) ${keyset[2]} ROW\\(`);
    t.ok(
      nodes.some((n) => /^Index (Only )?Scan/.test(n['Node Type']) && n.Alias === 'f' && bound.test(n['Index Cond'] ?? '')),
      `the cursor (${keyset[1]}, article_id) ${keyset[2]} (…) bounds the index range of f: ${label}`,
    );
  }

  // Full-text search is driven by the GIN index of articles.search, or matches the rows of
  // one window of seq (a range of articles_pkey; search-postgres.ts), never every row.
  if (RANKED.test(sql)) {
    const window = (n: PlanNode) => n['Index Name'] === 'articles_pkey' && /\bseq >= /.test(n['Index Cond'] ?? '') && /\bseq < /.test(n['Index Cond'] ?? '');
    t.ok(nodes.some((n) => n['Index Name'] === 'articles_search_idx' || window(n)), `the search reads articles through articles_search_idx or a window of articles_pkey: ${label}`);
  }
}

t.test('the recorder sees what it should (so the plan checks above cannot pass vacuously)', async (t) => {
  const b = await build(t);
  const sqlite = ENGINE === 'sqlite' ? sqliteRecorder(t, (b.db as SqliteDatabase).reader) : null;
  const pg = ENGINE === 'postgres' ? pgRecorder(t, (b.db as PostgresDatabase).pool) : null;
  const rec = (sqlite ?? pg)!;
  const { statements } = await rec.during(() => b.app.inject({ url: '/v1/articles?limit=1' }));
  const feed = statements.find((s) => /from "?article_feed"? f\b/.test(s.sql));
  t.ok(feed, 'the feed query of a list is recorded');
  t.ok(feed && feed.params.length > 0, 'with its bound values');
  if (feed && sqlite) {
    // The checks flag a real full scan: the same statement with the feed key made unusable
    // for the index (`+f.feed_key`) plans as a SCAN of f, which namesOf() resolves to article_feed.
    const forced = { sql: feed.sql.replace('f.feed_key =', '+f.feed_key ='), params: feed.params };
    const plan = sqlite.plan(forced).map((r) => r.detail);
    t.comment(plan.join('\n'));
    t.ok(plan.some((d) => /^SCAN f\b/.test(d)), 'a feed query without its key is a SCAN of f');
    t.ok(namesOf(feed.sql).has('f'), 'and f is known as a name of article_feed');
  }
  if (feed && pg) {
    // The same on PostgreSQL: with the feed key made unusable for an index (`f.feed_key || ''`)
    // the statement reads all of article_feed, and fullScans() says so, whether the planner
    // picks a Seq Scan or (sequential scans off) a scan of a whole index.
    const indexes = await leadingColumns((b.db as PostgresDatabase).pool, ['articles', 'article_feed']);
    t.equal(indexes.get('article_feed_public_idx')?.column, 'feed_key', 'the leading column of each index is known');
    const forced = { sql: feed.sql.replace('f.feed_key =', "f.feed_key || '' ="), params: feed.params };
    t.not(forced.sql, feed.sql, 'the feed key condition was found');
    const plan = await pg.plan(forced);
    t.comment(planLines(plan).join('\n'));
    t.match(fullScans(plan, indexes), [/article_feed f/], 'a feed query without its key is a full scan of article_feed');
    const indexOnly = await pg.plan(forced, ['enable_seqscan = off']);
    t.comment(planLines(indexOnly).join('\n'));
    const flagged = fullScans(indexOnly, indexes);
    t.ok(flagged.length > 0 && flagged.every((line) => !/^Seq Scan/.test(line)), 'and so is its scan of a whole index when sequential scans are off');
  }
  const outside = await rec.during(() => b.app.inject({ url: '/health' }));
  t.notOk(outside.statements.some((s) => TOUCHES.test(s.sql)), '/health touches no article table (TOUCHES is not always true)');
  t.ok(TOUCHES.test('select * from "articles" where "articles"."id" in (?)'), 'TOUCHES matches quoted articles');
  t.notOk(TOUCHES.test('select rowid from articles_search where articles_search match ?'), 'TOUCHES does not take articles_search for articles');
});
