// The SQL behind the sitemaps, the same on both engines (times through the dialect).
//
// Everything walks `articles_first_public_idx`, the index on (coalesce(first_published_at,
// published_at), id): `K` below, an article's first public time (a scheduled article that became
// public at its time has no first_published_at yet, so its published_at stands in). A month is a
// range of K; a month file is a slice of that range by index position (50,000 index entries a
// slice, public or not), so that finding a slice, counting it and fingerprinting it read the
// index alone, and a slice's bounds do not move when an article in it is published or withdrawn.
// Only the URLs themselves need the article rows: on SQLite those columns come after the body
// (overflow pages), ~5–12 µs a row, which is why nothing before the first byte reads them in bulk.
//
// Range conditions are written as `K >= x and (K > x or id > y)` rather than the row value
// `(K, id) > (x, y)`: SQLite's planner does not seek an expression index with a row value
// (each batch would scan from the month's start: quadratic), while both engines seek `K >= x`.
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';

/** A position in the sitemap order: first public time, then id. */
export interface Position {
  k: number;
  id: string;
}

/** A run of index entries: K in [from, to), from `start` (inclusive) up to `end` (exclusive). */
export interface Slice {
  from: number;
  to: number;
  start: Position | null;
  end: Position | null;
}

/** What a sitemap entry is made from (a public article). */
export interface SitemapRow {
  id: string;
  slug: string;
  canonicalUrl: string | null;
  status: string;
  firstPublishedAt: number | null;
  publishedAt: number | null;
  createdAt: number;
  updatedAt: number;
  leadImageId: string | null;
  sectionPath: string;
  /** The first public time (K). */
  k: number;
}

export interface NewsRow extends SitemapRow {
  headline: string;
  language: string;
}

/** Changes that show in any month file, each read from an index or a tiny table. */
export interface ArchiveStamp {
  /** The newest `updated_at` of any article: every article write moves it. */
  lastWrite: number | null;
  /** The newest publication time of a scheduled article already due: moves as one comes due. */
  lastDue: number | null;
  /** Sections (their paths are in article URLs): how many, and the newest change. */
  sections: number;
  sectionsChanged: number | null;
}

const K = sql.raw('coalesce(a.first_published_at, a.published_at)');

export function createSitemapRepository(db: Database) {
  const { time, readTime, notForIndex } = db.dialect;
  const nullableTime = (v: unknown) => (v === null || v === undefined ? null : readTime(v));
  // The status and publication time must not steer SQLite's planner away from the K index.
  const isPublic = (now: number) =>
    sql`${sql.raw(notForIndex('a.status'))} in ('published', 'scheduled') and ${sql.raw(notForIndex('a.published_at'))} <= ${time(now)}`;

  function within(slice: Slice, after: Position | null = null): SQL {
    const where: SQL[] = [sql`${K} >= ${time(slice.from)}`, sql`${K} < ${time(slice.to)}`];
    const lower = after ?? slice.start;
    if (lower) {
      where.push(sql`${K} >= ${time(lower.k)}`);
      where.push(after ? sql`(${K} > ${time(lower.k)} or a.id > ${lower.id})` : sql`(${K} > ${time(lower.k)} or a.id >= ${lower.id})`);
    }
    if (slice.end) where.push(sql`${K} <= ${time(slice.end.k)}`, sql`(${K} < ${time(slice.end.k)} or a.id < ${slice.end.id})`);
    return sql.join(where, sql` and `);
  }

  const rowColumns = sql`a.id as id, a.slug as slug, a.canonical_url as "canonicalUrl", a.status as status,
    a.first_published_at as "firstPublishedAt", a.published_at as "publishedAt", a.created_at as "createdAt",
    a.updated_at as "updatedAt", a.lead_image_id as "leadImageId", s.path as "sectionPath", ${K} as k`;
  const toRow = (r: Record<string, unknown>): SitemapRow => ({
    id: r.id as string,
    slug: r.slug as string,
    canonicalUrl: (r.canonicalUrl as string | null) ?? null,
    status: r.status as string,
    firstPublishedAt: nullableTime(r.firstPublishedAt),
    publishedAt: nullableTime(r.publishedAt),
    createdAt: readTime(r.createdAt),
    updatedAt: readTime(r.updatedAt),
    leadImageId: (r.leadImageId as string | null) ?? null,
    sectionPath: r.sectionPath as string,
    k: readTime(r.k),
  });

  return {
    /** The newest first public time below `before` of any article, public or not (index only). */
    async newestBefore(before: number): Promise<number | null> {
      const [row] = await db.dialect.all<{ k: unknown }>(db.q, sql`select ${K} as k from articles a where ${K} < ${time(before)} order by ${K} desc limit 1`);
      return nullableTime(row?.k);
    },

    /** Index entries with K in [from, to), public or not (index only). */
    async count(from: number, to: number): Promise<number> {
      const [row] = await db.dialect.all<{ n: unknown }>(db.q, sql`select count(*) as n from articles a where ${K} >= ${time(from)} and ${K} < ${time(to)}`);
      return Number(row?.n ?? 0);
    },

    /** The index entry at `offset` (0-based) of K in [from, to) (index only). */
    async at(from: number, to: number, offset: number): Promise<Position | null> {
      const [row] = await db.dialect.all<{ k: unknown; id: string }>(
        db.q,
        sql`select ${K} as k, a.id as id from articles a where ${K} >= ${time(from)} and ${K} < ${time(to)} order by ${K}, a.id limit 1 offset ${offset}`,
      );
      return row ? { k: readTime(row.k), id: row.id } : null;
    },

    /**
     * How many of a slice's articles are public and their newest `updated_at`, for the index.
     * Read from each article's `all` feed row (public_at, updated_at: the same values, kept in
     * step by every save) rather than the article row: on SQLite those small rows cost a third
     * of the article rows' overflow pages. `cross join` keeps SQLite's planner on the K index
     * first; PostgreSQL allows no ON after CROSS JOIN and needs no hint.
     */
    async publicStats(slice: Slice, now: number): Promise<{ count: number; lastmod: number | null }> {
      const join = sql.raw(db.engine === 'sqlite' ? 'cross join' : 'join');
      const [row] = await db.dialect.all<{ n: unknown; u: unknown }>(
        db.q,
        sql`select count(*) as n, max(f.updated_at) as u from articles a ${join} article_feed f on f.feed_key = 'all' and f.article_id = a.id
            where ${within(slice)} and f.public_at <= ${time(now)}`,
      );
      return { count: Number(row?.n ?? 0), lastmod: nullableTime(row?.u) };
    },

    /** The next `limit` public articles of a slice after `after`, in order, with their section's path. */
    async batch(slice: Slice, after: Position | null, now: number, limit: number): Promise<SitemapRow[]> {
      const rows = await db.dialect.all<Record<string, unknown>>(
        db.q,
        sql`select ${rowColumns} from articles a join sections s on s.id = a.section_id
            where ${within(slice, after)} and ${isPublic(now)}
            order by ${K}, a.id limit ${limit}`,
      );
      return rows.map(toRow);
    },

    /** Public articles first public at `from` or later (and not after `now`), newest first. */
    async newest(from: number, now: number, limit: number): Promise<NewsRow[]> {
      const rows = await db.dialect.all<Record<string, unknown>>(
        db.q,
        sql`select ${rowColumns}, a.headline as headline, a.language as language from articles a join sections s on s.id = a.section_id
            where ${K} >= ${time(from)} and ${K} <= ${time(now)} and ${isPublic(now)}
            order by ${K} desc, a.id desc limit ${limit}`,
      );
      return rows.map((r) => ({ ...toRow(r), headline: r.headline as string, language: r.language as string }));
    },

    /** See ArchiveStamp: four index lookups (the sections table is small). */
    async stamp(now: number): Promise<ArchiveStamp> {
      const [row] = await db.dialect.all<Record<string, unknown>>(
        db.q,
        sql`select (select max(updated_at) from article_feed where feed_key = 'all') as "lastWrite",
                   (select max(published_at) from articles where status = 'scheduled' and published_at <= ${time(now)}) as "lastDue",
                   (select count(*) from sections) as sections,
                   (select max(updated_at) from sections) as "sectionsChanged"`,
      );
      return {
        lastWrite: nullableTime(row?.lastWrite),
        lastDue: nullableTime(row?.lastDue),
        sections: Number(row?.sections ?? 0),
        sectionsChanged: nullableTime(row?.sectionsChanged),
      };
    },
  };
}

export type SitemapRepository = ReturnType<typeof createSitemapRepository>;
