import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import { groupBy } from '../../db/group.ts';
import type { tags as TagsTable } from '../../db/schema.ts';

export type TagRow = typeof TagsTable.$inferSelect;

export function createTagRepository(db: Database) {
  const { articleFeed, articleTags, tags } = db.tables;
  return {
    /** Tags by slug with their article counts; for the public, only tags with a public article. */
    async list({ publicOnly, now, afterSlug, limit }: { publicOnly: boolean; now: number; afterSlug?: string; limit: number }) {
      const counted = sql<number>`(select count(*) from ${articleFeed} f
        where f.feed_key = 'tag:' || ${tags.id} ${publicOnly ? sql`and f.public_at <= ${db.dialect.time(now)}` : sql``})`;
      return db.q
        .select({ slug: tags.slug, name: tags.name, articleCount: counted.mapWith(Number) })
        .from(tags)
        .where(and(afterSlug === undefined ? undefined : gt(tags.slug, afterSlug), publicOnly ? sql`${counted} > 0` : undefined))
        .orderBy(asc(tags.slug))
        .limit(limit);
    },
    async findBySlug(slug: string): Promise<TagRow | undefined> {
      return (await db.q.select().from(tags).where(eq(tags.slug, slug)).limit(1))[0];
    },
    /** Tags of several articles, each in the order given. */
    async forArticles(articleIds: string[]): Promise<Map<string, TagRow[]>> {
      if (articleIds.length === 0) return new Map();
      const rows = await db.q
        .select({ articleId: articleTags.articleId, tag: tags })
        .from(articleTags)
        .innerJoin(tags, eq(tags.id, articleTags.tagId))
        .where(inArray(articleTags.articleId, articleIds))
        .orderBy(asc(articleTags.articleId), asc(articleTags.position));
      return groupBy(rows, (r) => r.articleId, (r) => r.tag);
    },
    /** Ids of the tags with these slugs, creating the missing ones (named as given). */
    async ensure(wanted: { slug: string; name: string; id: string }[], now: number): Promise<string[]> {
      return db.transaction(async () => {
        const ids: string[] = [];
        for (const w of wanted) {
          await db.q.insert(tags).values({ id: w.id, slug: w.slug, name: w.name, createdAt: now }).onConflictDoNothing();
          ids.push((await db.q.select({ id: tags.id }).from(tags).where(eq(tags.slug, w.slug)).limit(1))[0]!.id);
        }
        return ids;
      });
    },
    async insert(row: typeof TagsTable.$inferInsert): Promise<void> {
      await db.transaction(async () => void (await db.q.insert(tags).values(row)));
    },
  };
}

export type TagRepository = ReturnType<typeof createTagRepository>;
