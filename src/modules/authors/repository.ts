import { asc, count, eq, gt, inArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../db/group.ts';
import { articleAuthors, authors } from '../../db/schema.ts';

export type AuthorRow = typeof authors.$inferSelect;

export function createAuthorRepository(db: Db) {
  return {
    list({ afterSlug, limit }: { afterSlug?: string; limit: number }): AuthorRow[] {
      return db
        .select()
        .from(authors)
        .where(afterSlug === undefined ? undefined : gt(authors.slug, afterSlug))
        .orderBy(asc(authors.slug))
        .limit(limit)
        .all();
    },
    findById(id: string): AuthorRow | undefined {
      return db.select().from(authors).where(eq(authors.id, id)).get();
    },
    findBySlug(slug: string): AuthorRow | undefined {
      return db.select().from(authors).where(eq(authors.slug, slug)).get();
    },
    findByIdOrSlug(value: string): AuthorRow | undefined {
      return db
        .select()
        .from(authors)
        .where(or(eq(authors.id, value), eq(authors.slug, value)))
        .get();
    },
    /** Bylines of several articles, each in byline order. */
    bylines(articleIds: string[]): Map<string, AuthorRow[]> {
      if (articleIds.length === 0) return new Map();
      const rows = db
        .select({ articleId: articleAuthors.articleId, author: authors })
        .from(articleAuthors)
        .innerJoin(authors, eq(authors.id, articleAuthors.authorId))
        .where(inArray(articleAuthors.articleId, articleIds))
        .orderBy(asc(articleAuthors.articleId), asc(articleAuthors.position))
        .all();
      return groupBy(rows, (r) => r.articleId, (r) => r.author);
    },
    insert(row: typeof authors.$inferInsert): void {
      db.insert(authors).values(row).run();
    },
    update(id: string, set: Partial<typeof authors.$inferInsert>): void {
      db.update(authors).set(set).where(eq(authors.id, id)).run();
    },
    bylineCount(id: string): number {
      return db.select({ n: count() }).from(articleAuthors).where(eq(articleAuthors.authorId, id)).get()?.n ?? 0;
    },
    delete(id: string): void {
      db.delete(authors).where(eq(authors.id, id)).run();
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(() => fn());
    },
  };
}

export type AuthorRepository = ReturnType<typeof createAuthorRepository>;
