// Article lists as index range scans over `article_feed`, and full-text search ranked by the
// engine's index (search-sqlite.ts: FTS5; search-postgres.ts: tsvector). The SQL here is
// shared by both engines (row values, `exists`); times go through the dialect.
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import type { ArticleStatus } from '../../db/schema.ts';
import type { SummaryRow } from './documents.ts';
import { postgresSearch } from './search-postgres.ts';
import { sqliteSearch } from './search-sqlite.ts';

/** Sort key of unpublished articles: after every real date (9999-12-31T23:59:59.999Z). */
export const UNPUBLISHED_SORT = 253_402_300_799_999;

export interface FeedFilter {
  /** Feed keys the article must be listed under; the first drives the index scan. */
  keys: string[];
  publicOnly: boolean;
  now: number;
  status?: ArticleStatus;
  publishedAfter?: number;
  publishedBefore?: number;
  /** An engine query built by `matchQuery` from user text (never raw user input). */
  match?: string;
}

export interface FeedOrder {
  column: 'published' | 'updated';
  descending: boolean;
  after?: { v: number; id: string };
  limit: number;
}

/** A list row: the article, its sort value, and (when asked) its summary document. */
export interface FeedRow {
  articleId: string;
  v: number;
  document?: SummaryRow;
}

export interface FeedEntry {
  articleId: string;
  keys: string[];
  publicAt: number | null;
  publishedSort: number;
  updatedAt: number;
}

/**
 * The list rows of an article: every list it appears in (`sectionIds` with all their
 * ancestors) with its sort keys. One definition for saving an article and for imports.
 */
export function feedEntryOf(
  article: { id: string; status: ArticleStatus; language: string; publishedAt: number | null; updatedAt: number },
  lists: { sectionIds: string[]; authorIds: string[]; tagIds: string[] },
): FeedEntry {
  return {
    articleId: article.id,
    keys: [
      'all',
      `status:${article.status}`,
      ...lists.sectionIds.map((id) => `section:${id}`),
      ...lists.authorIds.map((id) => `author:${id}`),
      ...lists.tagIds.map((id) => `tag:${id}`),
      `language:${article.language}`,
    ],
    publicAt: article.status === 'published' || article.status === 'scheduled' ? article.publishedAt : null,
    publishedSort: article.publishedAt ?? UNPUBLISHED_SORT,
    updatedAt: article.updatedAt,
  };
}

function sortColumnName(filter: FeedFilter, column: FeedOrder['column']): string {
  if (column === 'updated') return 'f.updated_at';
  return filter.publicOnly ? 'f.public_at' : 'f.published_sort';
}

/**
 * Conditions shared by ordered lists and relevance-ranked search (`f` is the driving feed row).
 * A condition on a column other than the index range column (`range`) is written `+col`, which
 * keeps SQLite from using it to choose the index: the scan then runs along the sort order from
 * the cursor and stops after one page, whatever the archive's size. Without that, a
 * `public_at <= now` bound competes with the cursor and deep pages start from the top.
 */
function conditions(db: Database, filter: FeedFilter, range?: string): SQL[] {
  const col = (name: string) => sql.raw(name === range ? name : db.dialect.notForIndex(name));
  const time = db.dialect.time;
  const where: SQL[] = [];
  if (filter.publicOnly || filter.status === 'published') where.push(sql`${col('f.public_at')} <= ${time(filter.now)}`);
  if (filter.status === 'scheduled') where.push(sql`${col('f.public_at')} > ${time(filter.now)}`);
  const published = filter.publicOnly ? 'f.public_at' : 'f.published_sort';
  if (filter.publishedAfter !== undefined) where.push(sql`${col(published)} > ${time(filter.publishedAfter)}`);
  if (filter.publishedBefore !== undefined) where.push(sql`${col(published)} < ${time(filter.publishedBefore)}`);
  if (!filter.publicOnly && (filter.publishedAfter !== undefined || filter.publishedBefore !== undefined)) {
    where.push(sql`${col('f.published_sort')} < ${time(UNPUBLISHED_SORT)}`);
  }
  for (const key of filter.keys.slice(1)) {
    where.push(sql`exists (select 1 from article_feed x where x.feed_key = ${key} and x.article_id = f.article_id)`);
  }
  return where;
}

export function createFeedRepository(db: Database) {
  const { articleFeed } = db.tables;
  const engine = db.engine === 'postgres' ? postgresSearch : sqliteSearch;
  const time = db.dialect.time;
  return {
    /** The engine's query for what a reader typed, or null when it holds no searchable word. */
    matchQuery: (text: string) => engine.matchQuery(text),
    /** Columns an article row is written with besides its own (the engine's search index). */
    indexColumns: engine.indexColumns,

    /**
     * One page of article ids in the order asked for, with each one's sort value; with
     * `documents`, also each one's stored summary document (documents.ts), in the same query.
     */
    async list(filter: FeedFilter, order: FeedOrder, opts: { documents?: boolean } = {}): Promise<FeedRow[]> {
      const name = sortColumnName(filter, order.column);
      const col = sql.raw(name);
      // Without a cursor, bounds on the sort column narrow the index range; with one, the
      // cursor does and every other bound is a filter.
      const where = [sql`f.feed_key = ${filter.keys[0]!}`, ...conditions(db, filter, order.after ? undefined : name)];
      if (filter.match !== undefined) where.push(engine.matches(filter.match));
      if (order.after) {
        where.push(order.descending
          ? sql`(${col}, f.article_id) < (${time(order.after.v)}, ${order.after.id})`
          : sql`(${col}, f.article_id) > (${time(order.after.v)}, ${order.after.id})`);
      }
      const dir = sql.raw(order.descending ? 'desc' : 'asc');
      const docs = opts.documents
        ? { columns: sql`, f.public_at as "publicAt", d.summary as summary, d.etag as etag, d.deps as deps, d.shared as shared, d.valid_until as "validUntil"`, join: sql`left join article_docs d on d.article_id = f.article_id` }
        : { columns: sql``, join: sql`` };
      const rows = await db.dialect.all<Record<string, unknown>>(db.q, sql`
        select f.article_id as "articleId", ${col} as v${docs.columns} from article_feed f ${docs.join}
        where ${sql.join(where, sql` and `)}
        order by ${col} ${dir}, f.article_id ${dir}
        limit ${order.limit}`);
      const { readTime } = db.dialect;
      return rows.map((r) => ({
        articleId: r.articleId as string,
        v: readTime(r.v),
        ...(opts.documents
          ? {
              document: {
                id: r.articleId as string,
                publicAt: r.publicAt === null ? null : readTime(r.publicAt),
                summary: r.summary as string | null,
                etag: r.etag as string | null,
                deps: r.deps as string | null,
                shared: Number(r.shared) === 1,
                validUntil: r.validUntil === null || r.validUntil === undefined ? null : readTime(r.validUntil),
              },
            }
          : {}),
      }));
    },

    /**
     * One page of search hits: window by window (`engine.window` articles by `seq`, the newest
     * window first), by relevance within each (bm25: headline 10, subheadline 5, summary 3,
     * body 1). The FTS index ranks the hits of the windows asked for on its own (fast, in C);
     * the filters and the visibility rule are then applied to batches of candidates, in order,
     * until the page is full. Ranking every hit of a common word costs time in proportion to
     * the archive; a window bounds it. When a window has too few hits, the next query spans
     * twice as many windows (rare words: few queries down to the oldest article). Joining
     * every hit to its feed row before ranking costs ~7× more on a common word.
     */
    async search(filter: FeedFilter & { match: string }, after: { r: number; s: number } | undefined, limit: number) {
      const hits: { articleId: string; seq: number; rank: number }[] = [];
      const size = engine.window;
      // The newest window: the cursor's, or that of the newest article (-1: none).
      const [newest] = after ? [{ m: after.s }] : await db.dialect.all<{ m: number }>(db.q, sql`select coalesce(max(seq), -1) as m from articles`);
      let top = Math.floor(Number(newest!.m) / size);
      let cursor = after;
      let windows = 1;
      // `cross join … on` keeps SQLite's planner on this join order (articles by seq first);
      // PostgreSQL allows no ON after CROSS JOIN (a syntax error) and needs no hint: `join`.
      const join = sql.raw(db.engine === 'sqlite' ? 'cross join' : 'join');
      while (top >= 0) {
        const span = { from: Math.max(0, top - windows + 1) * size, to: (top + 1) * size, window: size };
        let batch = Math.max(32, limit * 4);
        for (;;) {
          const candidates = await engine.candidates(db.q, filter.match, span, cursor, batch);
          if (candidates.length === 0) break;
          const seqs = candidates.map((c) => c.seq);
          const kept = new Map(
            (
              await db.dialect.all<{ seq: number; articleId: string }>(db.q, sql`
                select a.seq as seq, a.id as "articleId" from articles a
                ${join} article_feed f on f.feed_key = ${filter.keys[0]!} and f.article_id = a.id
                where a.seq in (${sql.join(seqs.map((q) => sql`${q}`), sql`, `)})
                  ${sql.join(conditions(db, filter).map((c) => sql` and ${c}`), sql``)}`)
            ).map((row) => [row.seq, row.articleId]),
          );
          for (const c of candidates) {
            const articleId = kept.get(c.seq);
            if (articleId !== undefined) hits.push({ articleId, seq: c.seq, rank: c.rank });
            if (hits.length === limit) return hits;
          }
          if (candidates.length < batch) break;
          const last = candidates.at(-1)!;
          cursor = { r: last.rank, s: last.seq };
          batch = Math.min(batch * 4, 4096);
        }
        cursor = undefined;
        top = Math.floor(span.from / size) - 1;
        windows *= 2;
      }
      return hits;
    },

    /** The earliest publication time after `now` (a scheduled article becoming public), or null. */
    async nextPublicAt(now: number): Promise<number | null> {
      const [row] = await db.dialect.all<{ t: unknown }>(db.q, sql`
        select min(public_at) as t from article_feed where feed_key = 'all' and public_at > ${time(now)}`);
      return row?.t === null || row?.t === undefined ? null : db.dialect.readTime(row.t);
    },

    /** The lists an article is in now, and when it is public in them (null: never). */
    async entryOf(articleId: string): Promise<{ keys: string[]; publicAt: number | null } | null> {
      const rows = await db.q.select({ key: articleFeed.feedKey, publicAt: articleFeed.publicAt }).from(articleFeed).where(sql`${articleFeed.articleId} = ${articleId}`);
      return rows.length === 0 ? null : { keys: rows.map((r) => r.key), publicAt: rows[0]!.publicAt };
    },

    /** Notes cache keys the open transaction changes (see feedChangeKeys). */
    changed: (keys: string[]) => db.changed(keys),

    /**
     * Replaces every feed row of one article (call inside the article's write transaction);
     * returns what it replaced.
     */
    async replace(entry: FeedEntry): Promise<{ keys: string[]; publicAt: number | null } | null> {
      const before = await this.entryOf(entry.articleId);
      await db.q.delete(articleFeed).where(sql`${articleFeed.articleId} = ${entry.articleId}`);
      if (entry.keys.length === 0) return before;
      await db.q
        .insert(articleFeed)
        .values(
          [...new Set(entry.keys)].map((feedKey) => ({
            feedKey,
            articleId: entry.articleId,
            publicAt: entry.publicAt,
            publishedSort: entry.publishedSort,
            updatedAt: entry.updatedAt,
          })),
        );
      return before;
    },
  };
}

export type FeedRepository = ReturnType<typeof createFeedRepository>;
