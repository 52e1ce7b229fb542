import { asc, count, eq, gt, inArray, or } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import { groupBy } from '../../db/group.ts';
import type { authors as AuthorsTable } from '../../db/schema.ts';

export type AuthorRow = typeof AuthorsTable.$inferSelect;

export function createAuthorRepository(db: Database) {
  const { articleAuthors, authors } = db.tables;
  return {
    async list({ afterSlug, limit }: { afterSlug?: string; limit: number }): Promise<AuthorRow[]> {
      return db.q
        .select()
        .from(authors)
        .where(afterSlug === undefined ? undefined : gt(authors.slug, afterSlug))
        .orderBy(asc(authors.slug))
        .limit(limit);
    },
    async findById(id: string): Promise<AuthorRow | undefined> {
      return (await db.q.select().from(authors).where(eq(authors.id, id)).limit(1))[0];
    },
    async findBySlug(slug: string): Promise<AuthorRow | undefined> {
      return (await db.q.select().from(authors).where(eq(authors.slug, slug)).limit(1))[0];
    },
    async findByIdOrSlug(value: string): Promise<AuthorRow | undefined> {
      return (await db.q.select().from(authors).where(or(eq(authors.id, value), eq(authors.slug, value))).limit(1))[0];
    },
    /** Bylines of several articles, each in byline order. */
    async bylines(articleIds: string[]): Promise<Map<string, AuthorRow[]>> {
      if (articleIds.length === 0) return new Map();
      const rows = await db.q
        .select({ articleId: articleAuthors.articleId, author: authors })
        .from(articleAuthors)
        .innerJoin(authors, eq(authors.id, articleAuthors.authorId))
        .where(inArray(articleAuthors.articleId, articleIds))
        .orderBy(asc(articleAuthors.articleId), asc(articleAuthors.position));
      return groupBy(rows, (r) => r.articleId, (r) => r.author);
    },
    async insert(row: typeof AuthorsTable.$inferInsert): Promise<void> {
      await db.transaction(async () => {
        await db.q.insert(authors).values(row);
        db.changed([`author:${row.id}`, 'public']);
      });
    },
    async update(id: string, set: Partial<typeof AuthorsTable.$inferInsert>): Promise<void> {
      await db.transaction(async () => {
        await db.q.update(authors).set(set).where(eq(authors.id, id));
        db.changed([`author:${id}`, 'public']);
      });
    },
    async bylineCount(id: string): Promise<number> {
      return (await db.q.select({ n: count() }).from(articleAuthors).where(eq(articleAuthors.authorId, id)))[0]?.n ?? 0;
    },
    async delete(id: string): Promise<void> {
      await db.transaction(async () => {
        await db.q.delete(authors).where(eq(authors.id, id));
        db.changed([`author:${id}`, 'public']);
      });
    },
    transaction<T>(fn: () => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },
  };
}

export type AuthorRepository = ReturnType<typeof createAuthorRepository>;
