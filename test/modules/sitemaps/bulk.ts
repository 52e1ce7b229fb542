// Articles written straight into the tables (for sitemap tests that need thousands): the
// article row and its `all` feed row (which the sitemap index counts and dates public
// articles from), as the article service would write them; no bylines, tags or documents.
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../../src/db/database.ts';
import type { ArticleStatus } from '../../../src/db/schema.ts';
import { UNPUBLISHED_SORT } from '../../../src/modules/articles/feed-repository.ts';

export interface BulkArticle {
  id?: string;
  slug: string;
  headline?: string;
  status: ArticleStatus;
  sectionId: string;
  publishedAt: number | null;
  firstPublishedAt: number | null;
  createdAt?: number;
  updatedAt: number;
  leadImageId?: string | null;
  language?: string;
  canonicalUrl?: string | null;
}

/** Inserts the articles in one transaction (rows per statement kept under both engines' parameter limits). */
export async function bulkInsert(db: Database, articles: BulkArticle[]): Promise<string[]> {
  const { articles: table, articleFeed } = db.tables;
  const rows = articles.map((a) => ({
    id: a.id ?? uuidv7(),
    slug: a.slug,
    headline: a.headline ?? `Bulk ${a.slug}`,
    body: [],
    status: a.status,
    sectionId: a.sectionId,
    leadImageId: a.leadImageId ?? null,
    language: a.language ?? 'en',
    canonicalUrl: a.canonicalUrl ?? null,
    publishedAt: a.publishedAt,
    firstPublishedAt: a.firstPublishedAt,
    createdAt: a.createdAt ?? a.firstPublishedAt ?? a.updatedAt,
    updatedAt: a.updatedAt,
  }));
  await db.transaction(async () => {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await db.q.insert(table).values(chunk);
      await db.q.insert(articleFeed).values(
        chunk.map((r) => ({
          feedKey: 'all',
          articleId: r.id,
          publicAt: r.status === 'published' || r.status === 'scheduled' ? r.publishedAt : null,
          publishedSort: r.publishedAt ?? UNPUBLISHED_SORT,
          updatedAt: r.updatedAt,
        })),
      );
    }
    // Whatever the response cache holds is stale now.
    db.changed(['*']);
  });
  return rows.map((r) => r.id);
}
