import { and, count, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import type { images as ImagesTable } from '../../db/schema.ts';

export type ImageRow = typeof ImagesTable.$inferSelect;

export function createImageRepository(db: Database) {
  const { articleFeed, articleImages, images } = db.tables;
  /** True while a public article (as of `now`) uses the image. */
  const usedByPublicArticle = (now: number): SQL =>
    sql`exists (select 1 from ${articleImages} ai join ${articleFeed} f
          on f.feed_key = 'all' and f.article_id = ai.article_id
        where ai.image_id = ${images.id} and f.public_at <= ${db.dialect.time(now)})`;

  return {
    async list({ publicOnly, now, after, limit }: { publicOnly: boolean; now: number; after?: { t: number; id: string }; limit: number }): Promise<ImageRow[]> {
      const where: SQL[] = [];
      if (publicOnly) where.push(usedByPublicArticle(now));
      if (after) where.push(or(lt(images.createdAt, after.t), and(eq(images.createdAt, after.t), lt(images.id, after.id)))!);
      return db.q
        .select()
        .from(images)
        .where(and(...where))
        .orderBy(desc(images.createdAt), desc(images.id))
        .limit(limit);
    },
    async findById(id: string): Promise<ImageRow | undefined> {
      return (await db.q.select().from(images).where(eq(images.id, id)).limit(1))[0];
    },
    async findByIds(ids: string[]): Promise<ImageRow[]> {
      if (ids.length === 0) return [];
      return db.q.select().from(images).where(inArray(images.id, ids));
    },
    async findBySha256(sha256: string): Promise<ImageRow | undefined> {
      return (await db.q.select().from(images).where(eq(images.sha256, sha256)).limit(1))[0];
    },
    async isPublic(id: string, now: number): Promise<boolean> {
      return (await db.q.select({ id: images.id }).from(images).where(and(eq(images.id, id), usedByPublicArticle(now))).limit(1)).length > 0;
    },
    async insert(row: typeof ImagesTable.$inferInsert): Promise<void> {
      await db.transaction(async () => {
        await db.q.insert(images).values(row);
        // Nothing public shows an image before an article uses it.
        db.changed([`image:${row.id}`]);
      });
    },
    async update(id: string, set: Partial<typeof ImagesTable.$inferInsert>): Promise<void> {
      await db.transaction(async () => {
        await db.q.update(images).set(set).where(eq(images.id, id));
        db.changed([`image:${id}`, 'public']);
      });
    },
    async delete(id: string): Promise<void> {
      await db.transaction(async () => {
        await db.q.delete(images).where(eq(images.id, id));
        db.changed([`image:${id}`, 'public']);
      });
    },
    /** How many articles use the image (lead image or body block). */
    async usage(id: string): Promise<number> {
      return (await db.q.select({ n: count() }).from(articleImages).where(eq(articleImages.imageId, id)))[0]?.n ?? 0;
    },
    transaction<T>(fn: () => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },
  };
}

export type ImageRepository = ReturnType<typeof createImageRepository>;
