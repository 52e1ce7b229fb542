// Sitemaps from the repository's rows: the index by month, a month file as a stream of
// batches, and the Google News sitemap.
import { concurrently, type Database } from '../../db/database.ts';
import type { ArticleUrl } from '../articles/urls.ts';
import { type Position, type Slice, type SitemapRepository, type SitemapRow, createSitemapRepository } from './repository.ts';
import { type IndexEntry, type NewsEntry, URLSET_CLOSE, URLSET_OPEN, googleNewsLanguage, locOf, urlEntry } from './xml.ts';

/** URLs a sitemap file holds at most (the sitemaps protocol's limit). */
export const URLS_PER_FILE = 50_000;
/** Articles a month file reads per query while it streams; fewer for the first, read before the first byte. */
export const BATCH = 1000;
const FIRST_BATCH = 200;
/** The news sitemap's window: an article first public exactly 48 hours ago is still in it. */
export const NEWS_WINDOW_MS = 48 * 3_600_000;
/** Articles the news sitemap lists at most (Google's limit). */
export const NEWS_LIMIT = 1000;

const pad = (n: number) => String(n).padStart(2, '0');

/** The UTC month [from, to) that holds `ms`, and its `yyyy-mm` label. */
export function monthOf(ms: number): { from: number; to: number; label: string } {
  const d = new Date(ms);
  return monthRange(d.getUTCFullYear(), d.getUTCMonth() + 1);
}

/** The UTC month `year`-`month` (1–12) as [from, to) in ms; years 0–99 are years, not 19xx. */
export function monthRange(year: number, month: number): { from: number; to: number; label: string } {
  const at = (y: number, m: number) => {
    const d = new Date(0);
    d.setUTCFullYear(y, m - 1, 1);
    return d.getTime();
  };
  return { from: at(year, month), to: month === 12 ? at(year + 1, 1) : at(year, month + 1), label: `${String(year).padStart(4, '0')}-${pad(month)}` };
}

/** The path of a month file's page (page 1 has no `page` parameter). */
export function monthPath(label: string, page: number): string {
  return `/v1/sitemaps/articles/${label}.xml${page > 1 ? `?page=${page}` : ''}`;
}

export interface SitemapServiceDeps {
  db: Database;
  articleUrl: ArticleUrl;
  now: () => number;
}

/** What a month file's page is read from, once it is known to exist as a range of the index. */
export interface MonthPage {
  slice: Slice;
  now: number;
  /** Changes whenever a URL of the page may have changed (see fingerprint in monthPage). */
  fingerprint: string;
}

export function createSitemapService(deps: SitemapServiceDeps, repo: SitemapRepository = createSitemapRepository(deps.db)) {
  /** An article's `url`, exactly as its DTO has it (assemble.ts). */
  const urlOf = (row: SitemapRow) =>
    deps.articleUrl({
      id: row.id,
      slug: row.slug,
      canonicalUrl: row.canonicalUrl,
      sectionPath: row.sectionPath,
      // A scheduled article that has become public was first published at its time.
      firstPublishedAt: row.firstPublishedAt ?? (row.status === 'scheduled' ? row.publishedAt : null),
      createdAt: row.createdAt,
    });

  /** The slices of a month's index range, URLS_PER_FILE entries each (page n is slice n - 1). */
  async function slices(from: number, to: number, total: number): Promise<Slice[]> {
    const pages = Math.ceil(total / URLS_PER_FILE);
    const bounds: (Position | null)[] = [null];
    for (let p = 1; p < pages; p++) bounds.push(await repo.at(from, to, p * URLS_PER_FILE));
    bounds.push(null);
    return Array.from({ length: pages }, (_, i) => ({ from, to, start: bounds[i]!, end: bounds[i + 1]! }));
  }

  return {
    /**
     * The index's entries: every month with public articles, newest first, and each of its
     * pages that holds one, with the newest `updatedAt` among them. Months are found by
     * stepping down the K index from now, one lookup a month.
     */
    async index(origin: string): Promise<IndexEntry[]> {
      const now = deps.now();
      const entries: IndexEntry[] = [];
      for (let k = await repo.newestBefore(now + 1); k !== null; ) {
        const month = monthOf(k);
        const pages = await slices(month.from, month.to, await repo.count(month.from, month.to));
        for (const [i, slice] of pages.entries()) {
          const stats = await repo.publicStats(slice, now);
          if (stats.count > 0) entries.push({ loc: `${origin}${monthPath(month.label, i + 1)}`, lastmod: stats.lastmod });
        }
        k = await repo.newestBefore(month.from);
      }
      return entries;
    },

    /**
     * Page `page` of a month, or null when the month has no such page (a page may still turn
     * out to hold no public article: the caller reads its first batch before answering).
     *
     * The fingerprint is what the page's ETag is made from, read before any URL is, from
     * indexes and tiny tables only (a few ms at any size): the slice's place in the index
     * (the month's entry count and the slice's bounds: an article added, deleted or first
     * published in the month moves them), the newest write to any article (an edit of a slug,
     * canonical URL, section, lead image or status, a publication, a withdrawal), the newest
     * scheduled publication already due (one becoming public without a write), and the
     * sections' count and newest change (section paths are in URLs). Its limits: any article
     * write anywhere changes every page's ETag (a page is then sent again though unchanged; an
     * exact per-page fingerprint would read every article row of the page before the first
     * byte), and a write stamped no later than the newest one before it (two writes in one
     * millisecond; instances whose clocks disagree) may go unseen until the next.
     */
    async monthPage(year: number, month: number, page: number): Promise<MonthPage | null> {
      const now = deps.now();
      const { from, to } = monthRange(year, month);
      const [total, stamp] = await concurrently(deps.db, [() => repo.count(from, to), () => repo.stamp(now)] as const);
      const pages = Math.ceil(total / URLS_PER_FILE);
      if (page > pages) return null;
      const start = page > 1 ? await repo.at(from, to, (page - 1) * URLS_PER_FILE) : null;
      const end = page < pages ? await repo.at(from, to, page * URLS_PER_FILE) : null;
      return { slice: { from, to, start, end }, now, fingerprint: JSON.stringify([from, page, total, start, end, stamp]) };
    },

    /** The page's first batch of public articles (none: the page has no URL, a 404). */
    firstBatch: (page: MonthPage) => repo.batch(page.slice, null, page.now, FIRST_BATCH),

    /**
     * The month file, batch after batch as the response drains it: one batch of rows and one
     * chunk of text in memory at a time, whatever the page's size.
     */
    async *monthXml(page: MonthPage, first: SitemapRow[], imageUrl: (id: string) => string): AsyncGenerator<string> {
      yield URLSET_OPEN;
      let rows = first;
      let asked = FIRST_BATCH;
      while (rows.length > 0) {
        let chunk = '';
        for (const row of rows) {
          const loc = locOf(urlOf(row));
          if (loc !== null) chunk += urlEntry(loc, row.updatedAt, row.leadImageId === null ? null : locOf(imageUrl(row.leadImageId)));
        }
        yield chunk;
        if (rows.length < asked) break;
        const last = rows.at(-1)!;
        asked = BATCH;
        rows = await repo.batch(page.slice, { k: last.k, id: last.id }, page.now, BATCH);
      }
      yield URLSET_CLOSE;
    },

    /**
     * The news sitemap's entries (newest first) and until when they hold without a write: the
     * moment the oldest one leaves the 48-hour window (null: none to leave).
     */
    async news(publisher: string): Promise<{ entries: NewsEntry[]; until: number | null }> {
      const now = deps.now();
      const rows = await repo.newest(now - NEWS_WINDOW_MS, now, NEWS_LIMIT);
      const entries: NewsEntry[] = [];
      for (const row of rows) {
        const loc = locOf(urlOf(row));
        if (loc === null) continue;
        entries.push({ loc, publicationName: publisher, language: googleNewsLanguage(row.language), publicationDate: row.k, title: row.headline });
      }
      const oldest = rows.at(-1);
      return { entries, until: oldest ? oldest.k + NEWS_WINDOW_MS + 1 : null };
    },
  };
}

export type SitemapService = ReturnType<typeof createSitemapService>;
