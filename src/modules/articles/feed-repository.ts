// Article lists as index range scans over `article_feed`, and full-text search over the
// FTS5 table `articles_fts`. This file and migrations/0001_fts.sql are where the
// SQLite-specific SQL of article lists lives (row values, FTS5 MATCH, bm25, snippet); a
// PostgreSQL engine replaces this file (tsvector, ts_rank, ts_headline).
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { articleFeed, type ArticleStatus } from '../../db/schema.ts';

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
  /** An FTS5 query built by search.ts from user text (never raw user input). */
  match?: string;
}

export interface FeedOrder {
  column: 'published' | 'updated';
  descending: boolean;
  after?: { v: number; id: string };
  limit: number;
}

export interface FeedEntry {
  articleId: string;
  keys: string[];
  publicAt: number | null;
  publishedSort: number;
  updatedAt: number;
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
function conditions(filter: FeedFilter, range?: string): SQL[] {
  const col = (name: string) => sql.raw(name === range ? name : `+${name}`);
  const where: SQL[] = [];
  if (filter.publicOnly || filter.status === 'published') where.push(sql`${col('f.public_at')} <= ${filter.now}`);
  if (filter.status === 'scheduled') where.push(sql`${col('f.public_at')} > ${filter.now}`);
  const published = filter.publicOnly ? 'f.public_at' : 'f.published_sort';
  if (filter.publishedAfter !== undefined) where.push(sql`${col(published)} > ${filter.publishedAfter}`);
  if (filter.publishedBefore !== undefined) where.push(sql`${col(published)} < ${filter.publishedBefore}`);
  if (!filter.publicOnly && (filter.publishedAfter !== undefined || filter.publishedBefore !== undefined)) {
    where.push(sql`${col('f.published_sort')} < ${UNPUBLISHED_SORT}`);
  }
  for (const key of filter.keys.slice(1)) {
    where.push(sql`exists (select 1 from ${articleFeed} x where x.feed_key = ${key} and x.article_id = f.article_id)`);
  }
  return where;
}

export function createFeedRepository(db: Db) {
  return {
    /** One page of article ids in the order asked for, with each one's sort value. */
    list(filter: FeedFilter, order: FeedOrder): { articleId: string; v: number }[] {
      const name = sortColumnName(filter, order.column);
      const col = sql.raw(name);
      // Without a cursor, bounds on the sort column narrow the index range; with one, the
      // cursor does and every other bound is a filter.
      const where = [sql`f.feed_key = ${filter.keys[0]!}`, ...conditions(filter, order.after ? undefined : name)];
      if (filter.match !== undefined) {
        where.push(sql`f.article_id in (select a.id from articles a
          where a.seq in (select rowid from articles_fts where articles_fts match ${filter.match}))`);
      }
      if (order.after) {
        where.push(order.descending
          ? sql`(${col}, f.article_id) < (${order.after.v}, ${order.after.id})`
          : sql`(${col}, f.article_id) > (${order.after.v}, ${order.after.id})`);
      }
      const dir = sql.raw(order.descending ? 'desc' : 'asc');
      return db.all<{ articleId: string; v: number }>(sql`
        select f.article_id as articleId, ${col} as v from ${articleFeed} f
        where ${sql.join(where, sql` and `)}
        order by ${col} ${dir}, f.article_id ${dir}
        limit ${order.limit}`);
    },

    /**
     * One page of search hits by relevance (bm25: headline 10, subheadline 5, summary 3, body 1).
     * The FTS index ranks its hits on its own (fast, in C); the filters and the visibility rule
     * are then applied to batches of candidates, in rank order, until the page is full. Joining
     * every hit to its feed row before ranking costs ~7× more on a common word.
     */
    search(filter: FeedFilter & { match: string }, after: { r: number; s: number } | undefined, limit: number) {
      const hits: { articleId: string; seq: number; rank: number }[] = [];
      let cursor = after;
      let batch = Math.max(32, limit * 4);
      for (;;) {
        const page = cursor ? sql`where (rank, seq) > (${cursor.r}, ${cursor.s})` : sql``;
        const candidates = db.all<{ seq: number; rank: number }>(sql`
          select * from (
            select rowid as seq, bm25(articles_fts, 10.0, 5.0, 3.0, 1.0) as rank
            from articles_fts where articles_fts match ${filter.match}
          ) ${page}
          order by rank, seq
          limit ${batch}`);
        if (candidates.length === 0) return hits;
        const seqs = candidates.map((c) => c.seq);
        const kept = new Map(
          db
            .all<{ seq: number; articleId: string }>(sql`
              select a.seq as seq, a.id as articleId from articles a
              cross join ${articleFeed} f on f.feed_key = ${filter.keys[0]!} and f.article_id = a.id
              where a.seq in (${sql.join(seqs.map((q) => sql`${q}`), sql`, `)})
                ${sql.join(conditions(filter).map((c) => sql` and ${c}`), sql``)}`)
            .map((row) => [row.seq, row.articleId]),
        );
        for (const c of candidates) {
          const articleId = kept.get(c.seq);
          if (articleId !== undefined) hits.push({ articleId, seq: c.seq, rank: c.rank });
          if (hits.length === limit) return hits;
        }
        if (candidates.length < batch) return hits;
        const last = candidates.at(-1)!;
        cursor = { r: last.rank, s: last.seq };
        batch = Math.min(batch * 4, 4096);
      }
    },

    /** The earliest publication time after `now` (a scheduled article becoming public), or null. */
    nextPublicAt(now: number): number | null {
      const row = db.all<{ t: number | null }>(sql`
        select min(public_at) as t from ${articleFeed} where feed_key = 'all' and public_at > ${now}`)[0];
      return row?.t ?? null;
    },

    /** Replaces every feed row of one article (call inside the article's write transaction). */
    replace(entry: FeedEntry): void {
      db.delete(articleFeed).where(sql`${articleFeed.articleId} = ${entry.articleId}`).run();
      if (entry.keys.length === 0) return;
      db.insert(articleFeed)
        .values(
          [...new Set(entry.keys)].map((feedKey) => ({
            feedKey,
            articleId: entry.articleId,
            publicAt: entry.publicAt,
            publishedSort: entry.publishedSort,
            updatedAt: entry.updatedAt,
          })),
        )
        .run();
    },
  };
}

export type FeedRepository = ReturnType<typeof createFeedRepository>;
