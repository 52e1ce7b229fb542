import { and, count, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { articleFeed, articleImages, images } from '../../db/schema.ts';

export type ImageRow = typeof images.$inferSelect;

export function createImageRepository(db: Db) {
  /** True while a public article (as of `now`) uses the image. */
  const usedByPublicArticle = (now: number): SQL =>
    sql`exists (select 1 from ${articleImages} ai join ${articleFeed} f
          on f.feed_key = 'all' and f.article_id = ai.article_id
        where ai.image_id = ${images.id} and f.public_at <= ${now})`;

  return {
    list({ publicOnly, now, after, limit }: { publicOnly: boolean; now: number; after?: { t: number; id: string }; limit: number }): ImageRow[] {
      const where: SQL[] = [];
      if (publicOnly) where.push(usedByPublicArticle(now));
      if (after) where.push(or(lt(images.createdAt, after.t), and(eq(images.createdAt, after.t), lt(images.id, after.id)))!);
      return db
        .select()
        .from(images)
        .where(and(...where))
        .orderBy(desc(images.createdAt), desc(images.id))
        .limit(limit)
        .all();
    },
    findById(id: string): ImageRow | undefined {
      return db.select().from(images).where(eq(images.id, id)).get();
    },
    findByIds(ids: string[]): ImageRow[] {
      if (ids.length === 0) return [];
      return db.select().from(images).where(inArray(images.id, ids)).all();
    },
    findBySha256(sha256: string): ImageRow | undefined {
      return db.select().from(images).where(eq(images.sha256, sha256)).get();
    },
    isPublic(id: string, now: number): boolean {
      return db.select({ id: images.id }).from(images).where(and(eq(images.id, id), usedByPublicArticle(now))).get() !== undefined;
    },
    insert(row: typeof images.$inferInsert): void {
      db.insert(images).values(row).run();
    },
    update(id: string, set: Partial<typeof images.$inferInsert>): void {
      db.update(images).set(set).where(eq(images.id, id)).run();
    },
    delete(id: string): void {
      db.delete(images).where(eq(images.id, id)).run();
    },
    /** How many articles use the image (lead image or body block). */
    usage(id: string): number {
      return db.select({ n: count() }).from(articleImages).where(eq(articleImages.imageId, id)).get()?.n ?? 0;
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(() => fn());
    },
  };
}

export type ImageRepository = ReturnType<typeof createImageRepository>;
