import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../db/group.ts';
import { articleFeed, articleTags, tags } from '../../db/schema.ts';

export type TagRow = typeof tags.$inferSelect;

export function createTagRepository(db: Db) {
  return {
    /** Tags by slug with their article counts; for the public, only tags with a public article. */
    list({ publicOnly, now, afterSlug, limit }: { publicOnly: boolean; now: number; afterSlug?: string; limit: number }) {
      const counted = sql<number>`(select count(*) from ${articleFeed} f
        where f.feed_key = 'tag:' || ${tags.id} ${publicOnly ? sql`and f.public_at <= ${now}` : sql``})`;
      return db
        .select({ slug: tags.slug, name: tags.name, articleCount: counted })
        .from(tags)
        .where(and(afterSlug === undefined ? undefined : gt(tags.slug, afterSlug), publicOnly ? sql`${counted} > 0` : undefined))
        .orderBy(asc(tags.slug))
        .limit(limit)
        .all();
    },
    findBySlug(slug: string): TagRow | undefined {
      return db.select().from(tags).where(eq(tags.slug, slug)).get();
    },
    /** Tags of several articles, each in the order given. */
    forArticles(articleIds: string[]): Map<string, TagRow[]> {
      if (articleIds.length === 0) return new Map();
      const rows = db
        .select({ articleId: articleTags.articleId, tag: tags })
        .from(articleTags)
        .innerJoin(tags, eq(tags.id, articleTags.tagId))
        .where(inArray(articleTags.articleId, articleIds))
        .orderBy(asc(articleTags.articleId), asc(articleTags.position))
        .all();
      return groupBy(rows, (r) => r.articleId, (r) => r.tag);
    },
    /** Ids of the tags with these slugs, creating the missing ones (named as given). */
    ensure(wanted: { slug: string; name: string; id: string }[], now: number): string[] {
      return wanted.map((w) => {
        db.insert(tags).values({ id: w.id, slug: w.slug, name: w.name, createdAt: now }).onConflictDoNothing().run();
        return db.select({ id: tags.id }).from(tags).where(eq(tags.slug, w.slug)).get()!.id;
      });
    },
    insert(row: typeof tags.$inferInsert): void {
      db.insert(tags).values(row).run();
    },
  };
}

export type TagRepository = ReturnType<typeof createTagRepository>;
