// The PostgreSQL side of query-plan.test.ts: a recorder of the statements node-postgres runs,
// EXPLAIN (FORMAT JSON) of one of them with its own values, the plan tree walked, and a bulk
// loader that grows a test database to an archive of realistic shape (bench/dataset.ts:
// statuses, ten years of dates, 1–3 bylines, 0–5 tags, a section tree, lead images, related
// links) in one transaction, so the planner sees a real archive after ANALYZE.
import pg from 'pg';
import type { Test } from 'tap';
import { uuidv7 } from 'uuidv7';
import type { Services } from '../../src/app.ts';
import type { PostgresDatabase } from '../../src/db/dialects/postgres.ts';
import { UNPUBLISHED_SORT } from '../../src/modules/articles/feed-repository.ts';
import type { StoredBlock } from '../../src/modules/articles/schemas.ts';
import { bodyText } from '../../src/modules/articles/service.ts';
import { rng } from '../../bench/rng.ts';

export interface Recorded {
  sql: string;
  params: unknown[];
}

/** A node of a PostgreSQL plan (the fields the checks read). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  'Sort Key'?: string[];
  /** The planner's estimate of the rows the node returns. */
  'Plan Rows'?: number;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  Plans?: PlanNode[];
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;

/** A log that records only while `during(fn)` runs (shared by the SQLite and PostgreSQL recorders). */
export function recordingWindow() {
  let log: Recorded[] | null = null;
  return {
    record(r: Recorded) {
      log?.push(r);
    },
    get open() {
      return log !== null;
    },
    async during<T>(fn: () => Promise<T>): Promise<{ result: T; statements: Recorded[] }> {
      const statements: Recorded[] = [];
      log = statements;
      try {
        return { result: await fn(), statements };
      } finally {
        log = null;
      }
    },
  };
}

/**
 * Records every statement any node-postgres client runs (the pool's, inside or outside a
 * transaction), with the values it ran with. `plan()` runs EXPLAIN through the pool.
 */
export function pgRecorder(t: Test, pool: pg.Pool) {
  const proto = pg.Client.prototype as unknown as { query: Query };
  const original = proto.query;
  const window = recordingWindow();
  proto.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [string | { text?: string; values?: unknown[] } | undefined, unknown];
    const text = typeof config === 'string' ? config : config?.text;
    if (window.open && typeof text === 'string') {
      window.record({ sql: text, params: Array.isArray(values) ? values : typeof config === 'object' ? (config.values ?? []) : [] });
    }
    return original.apply(this, args);
  };
  t.teardown(() => {
    proto.query = original;
  });
  return {
    during: window.during,
    /**
     * The plan PostgreSQL makes for a recorded statement with its own values bound (with
     * `settings`, such as `enable_seqscan = off`, set for that one EXPLAIN).
     */
    async plan(r: Recorded, settings: string[] = []): Promise<PlanNode> {
      const client = await pool.connect();
      try {
        for (const s of settings) await client.query(`set ${s}`);
        const res = await client.query({ text: `EXPLAIN (FORMAT JSON) ${r.sql}`, values: r.params });
        return (res.rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0]!.Plan;
      } finally {
        if (settings.length > 0) await client.query('reset all');
        client.release();
      }
    },
  };
}

/** Each index of these tables: its table and its leading column. */
export async function leadingColumns(pool: pg.Pool, tables: string[]): Promise<Map<string, { table: string; column: string }>> {
  const { rows } = await pool.query<{ index: string; table: string; column: string }>(
    `select ic.relname as index, tc.relname as table, a.attname as column
       from pg_index i
       join pg_class ic on ic.oid = i.indexrelid
       join pg_class tc on tc.oid = i.indrelid
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
      where tc.relname = any($1::text[]) and tc.relnamespace = 'public'::regnamespace`,
    [tables],
  );
  return new Map(rows.map((r) => [r.index, { table: r.table, column: r.column }]));
}

/** Every node of a plan (subplans and init plans included), depth first. */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** The plan as indented lines, for the test's comments. */
export function planLines(plan: PlanNode, depth = 0): string[] {
  const on = plan['Relation Name'] ? ` on ${plan['Relation Name']}${plan.Alias && plan.Alias !== plan['Relation Name'] ? ` ${plan.Alias}` : ''}` : '';
  const using = plan['Index Name'] ? ` using ${plan['Index Name']}` : '';
  const details = (['Index Cond', 'Recheck Cond', 'Filter'] as const).filter((k) => plan[k]).map((k) => `${k}: ${plan[k]}`);
  if (plan['Sort Key']) details.push(`Sort Key: ${plan['Sort Key'].join(', ')}`);
  const sub = plan['Subplan Name'] ? `[${plan['Subplan Name']}] ` : '';
  const line = `${'  '.repeat(depth)}${sub}${plan['Node Type']}${using}${on}${details.length ? ` (${details.join('; ')})` : ''}`;
  const rows = plan['Plan Rows'] !== undefined ? ` ~${plan['Plan Rows']} rows` : '';
  return [line + rows, ...(plan.Plans ?? []).flatMap((p) => planLines(p, depth + 1))];
}

const SYLLABLES = ['ka', 'no', 'ri', 'sen', 'to', 'ma', 'lu', 'gon', 'pe', 'shi', 'yo', 'dan', 'mi', 'ra', 'chu', 'bo', 'el', 'an', 'ter', 'vik'];

/** `insert into table (columns) select * from unnest($1::type[], …)`: one statement for all rows. */
async function insertRows(client: pg.PoolClient, table: string, columns: [name: string, type: string][], rows: unknown[][]) {
  if (rows.length === 0) return;
  const values = columns.map((_, i) => rows.map((r) => r[i] ?? null));
  const names = columns.map(([n]) => n).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  await client.query(`insert into ${table} (${names}) select * from unnest(${arrays})`, values);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Adds `count` articles (with 60 more authors, 300 more tags and 2,000 images) to a migrated,
 * seeded PostgreSQL test database, spread over the seed's sections, in one transaction, with
 * the feed rows and search vectors the app writes. Returns how long it took.
 */
export async function loadArchive(db: PostgresDatabase, services: Services, count: number, now: number, seed = 42): Promise<number> {
  const started = Date.now();
  const r = rng(seed);
  const TEN_YEARS = 10 * 365 * 24 * 3_600_000;
  const words = Array.from({ length: 3000 }, () => Array.from({ length: r.int(2, 4) }, () => r.pick(SYLLABLES)).join(''));
  const sentence = () => {
    const w = Array.from({ length: r.int(8, 16) }, () => r.pick(words));
    return `${w[0]![0]!.toUpperCase()}${w.join(' ').slice(1)}.`;
  };
  const paragraphs = Array.from({ length: 500 }, () => Array.from({ length: 5 }, sentence).join(' '));

  const sections = await services.repositories.sections.list({ limit: 1000 });
  const byPath = new Map(sections.map((s) => [s.path, s.id]));
  const leaves = sections
    .filter((s) => !sections.some((o) => o.path.startsWith(`${s.path}/`)))
    .map((s) => ({ id: s.id, ancestors: s.path.split('/').map((_, i, parts) => byPath.get(parts.slice(0, i + 1).join('/'))!) }));
  const authorIds = (await services.repositories.authors.list({ limit: 1000 })).map((a) => a.id);
  const authorRows = Array.from({ length: 60 }, (_, i) => [uuidv7(), `archive-reporter-${i}`, `Reporter ${i}`, `reporter${i}@example.com`, 'Reporter', null, iso(now), iso(now)]);
  authorIds.push(...authorRows.map((a) => a[0] as string));
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    const tagIds = (await client.query<{ id: string }>('select id from tags')).rows.map((t) => t.id);
    const tagRows = Array.from({ length: 300 }, (_, i) => [uuidv7(), `archive-topic-${i}`, `Topic ${i}`, iso(now)]);
    tagIds.push(...tagRows.map((t) => t[0] as string));
    const imageRows = Array.from({ length: 2000 }, (_, i) => [
      uuidv7(), i.toString(16).padStart(64, 'f'), `photo-${i}.jpg`, 'image/jpeg', 250_000, 1600, 1067, 'A photo', 'A caption', 'AP/YONHAP', iso(now - i * 60_000), iso(now - i * 60_000),
    ]);
    const imageIds = imageRows.map((im) => im[0] as string);

    const articleRows: unknown[][] = [];
    const bylineRows: unknown[][] = [];
    const tagUseRows: unknown[][] = [];
    const imageUseRows: unknown[][] = [];
    const linkRows: unknown[][] = [];
    const feedRows: unknown[][] = [];
    const recent: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = uuidv7();
      const roll = r.next();
      const status = roll < 0.95 ? 'published' : roll < 0.97 ? 'draft' : roll < 0.98 ? 'scheduled' : 'archived';
      const publishedAt = status === 'draft' ? null : status === 'scheduled' ? now + r.int(1, 30) * 86_400_000 : now - Math.floor(r.next() * TEN_YEARS);
      const updatedAt = (publishedAt ?? now) + r.int(0, 3_600_000);
      const body: StoredBlock[] = [{ type: 'paragraph', text: r.pick(paragraphs) }, { type: 'heading', level: 2, text: sentence() }, { type: 'paragraph', text: r.pick(paragraphs) }];
      const section = r.pick(leaves);
      const lead = r.pick(imageIds);
      articleRows.push([
        id, `archive-${i}-${r.int(0, 1e9).toString(36)}`, sentence(), r.pick(paragraphs).slice(0, 200), JSON.stringify(body), bodyText(body), status,
        section.id, lead, iso(publishedAt), iso(publishedAt), iso(publishedAt ?? now), iso(updatedAt),
      ]);
      const bylines = [...new Set(Array.from({ length: r.int(1, 3) }, () => r.pick(authorIds)))];
      bylines.forEach((a, p) => bylineRows.push([id, a, p]));
      const tags = [...new Set(Array.from({ length: r.int(0, 5) }, () => r.pick(tagIds)))];
      tags.forEach((tg, p) => tagUseRows.push([id, tg, p]));
      imageUseRows.push([id, lead]);
      for (let p = 0, links = r.int(0, 2); p < links; p++) {
        if (recent.length > 0 && r.next() < 0.5) linkRows.push([id, p, null, null, r.pick(recent)]);
        else linkRows.push([id, p, `Background ${p}`, `https://example.com/background/${i}/${p}`, null]);
      }
      if (status === 'published') recent.length < 1000 ? recent.push(id) : (recent[r.int(0, 999)] = id);
      const times = [iso(status === 'published' || status === 'scheduled' ? publishedAt : null), iso(publishedAt ?? UNPUBLISHED_SORT), iso(updatedAt)];
      const keys = ['all', `status:${status}`, ...section.ancestors.map((s) => `section:${s}`), ...bylines.map((a) => `author:${a}`), ...tags.map((tg) => `tag:${tg}`)];
      for (const key of keys) feedRows.push([key, id, ...times]);
    }

    const ts = 'timestamptz';
    await insertRows(client, 'authors', [['id', 'text'], ['slug', 'text'], ['name', 'text'], ['email', 'text'], ['title', 'text'], ['bio', 'text'], ['created_at', ts], ['updated_at', ts]], authorRows);
    await insertRows(client, 'tags', [['id', 'text'], ['slug', 'text'], ['name', 'text'], ['created_at', ts]], tagRows);
    await insertRows(
      client,
      'images',
      [['id', 'text'], ['sha256', 'text'], ['filename', 'text'], ['mime_type', 'text'], ['bytes', 'int'], ['width', 'int'], ['height', 'int'], ['alt', 'text'], ['caption', 'text'], ['credit', 'text'], ['created_at', ts], ['updated_at', ts]],
      imageRows,
    );
    // The search vector as the app writes it (search-postgres.ts): headline A, summary B, body C.
    await client.query(
      `insert into articles (id, slug, headline, summary, body, status, version, section_id, lead_image_id, language,
         published_at, first_published_at, created_at, updated_at, search)
       select id, slug, headline, summary, body::json, status, 1, section_id, lead_image_id, 'en',
         published_at, first_published_at, created_at, updated_at,
         setweight(to_tsvector('simple', headline), 'A') || setweight(to_tsvector('simple', summary), 'B') || setweight(to_tsvector('simple', body_text), 'C')
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
         $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[])
         as t(id, slug, headline, summary, body, body_text, status, section_id, lead_image_id, published_at, first_published_at, created_at, updated_at)`,
      Array.from({ length: 13 }, (_, c) => articleRows.map((row) => row[c])),
    );
    await insertRows(client, 'article_authors', [['article_id', 'text'], ['author_id', 'text'], ['position', 'int']], bylineRows);
    await insertRows(client, 'article_tags', [['article_id', 'text'], ['tag_id', 'text'], ['position', 'int']], tagUseRows);
    await insertRows(client, 'article_images', [['article_id', 'text'], ['image_id', 'text']], imageUseRows);
    await insertRows(client, 'related_links', [['article_id', 'text'], ['position', 'int'], ['title', 'text'], ['url', 'text'], ['target_article_id', 'text']], linkRows);
    await insertRows(client, 'article_feed', [['feed_key', 'text'], ['article_id', 'text'], ['public_at', ts], ['published_sort', ts], ['updated_at', ts]], feedRows);
    await client.query('commit');
    await client.query('analyze');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return Date.now() - started;
}
