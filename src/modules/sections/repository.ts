import { and, asc, count, eq, gt, inArray, isNull, like, max, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { articles, articleSections, sections } from '../../db/schema.ts';

export type SectionRow = typeof sections.$inferSelect;

/** Every path from the root down to `path` itself: `a/b/c` → `a`, `a/b`, `a/b/c`. */
export function ancestorPaths(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

export function createSectionRepository(db: Db) {
  return {
    list({ path, afterPath, limit }: { path?: string; afterPath?: string; limit: number }): SectionRow[] {
      const where: SQL[] = [];
      if (path !== undefined) where.push(eq(sections.path, path));
      if (afterPath !== undefined) where.push(gt(sections.path, afterPath));
      return db
        .select()
        .from(sections)
        .where(and(...where))
        .orderBy(asc(sections.path))
        .limit(limit)
        .all();
    },
    findById(id: string): SectionRow | undefined {
      return db.select().from(sections).where(eq(sections.id, id)).get();
    },
    findByIdOrPath(value: string): SectionRow | undefined {
      return db
        .select()
        .from(sections)
        .where(or(eq(sections.id, value), eq(sections.path, value)))
        .get();
    },
    findByIds(ids: string[]): SectionRow[] {
      if (ids.length === 0) return [];
      return db.select().from(sections).where(inArray(sections.id, ids)).all();
    },
    findByPaths(paths: string[]): SectionRow[] {
      if (paths.length === 0) return [];
      return db.select().from(sections).where(inArray(sections.path, paths)).all();
    },
    children(parentId: string | null): SectionRow[] {
      return db
        .select()
        .from(sections)
        .where(parentId === null ? isNull(sections.parentId) : eq(sections.parentId, parentId))
        .orderBy(asc(sections.position), asc(sections.path))
        .all();
    },
    insert(row: typeof sections.$inferInsert): void {
      db.insert(sections).values(row).run();
    },
    findByPath(path: string): SectionRow | undefined {
      return db.select().from(sections).where(eq(sections.path, path)).get();
    },
    /** The section and every section below it. */
    subtree(path: string): SectionRow[] {
      return db
        .select()
        .from(sections)
        .where(or(eq(sections.path, path), like(sections.path, `${path}/%`)))
        .all();
    },
    nextPosition(parentId: string | null): number {
      const row = db
        .select({ n: max(sections.position) })
        .from(sections)
        .where(parentId === null ? isNull(sections.parentId) : eq(sections.parentId, parentId))
        .get();
      return row?.n === null || row?.n === undefined ? 0 : row.n + 1;
    },
    update(id: string, set: Partial<typeof sections.$inferInsert>): void {
      db.update(sections).set(set).where(eq(sections.id, id)).run();
    },
    /** Rewrites the path and depth of every section below `oldPath` (the moved section's descendants). */
    moveDescendants(oldPath: string, newPath: string, depthDelta: number, at: number): void {
      db.update(sections)
        .set({
          path: sql`${newPath} || substr(${sections.path}, ${oldPath.length + 1})`,
          depth: sql`${sections.depth} + ${depthDelta}`,
          updatedAt: at,
        })
        .where(like(sections.path, `${oldPath}/%`))
        .run();
    },
    /** Whether anything still needs the section: children or articles (primary or secondary). */
    usage(id: string): { children: number; articles: number } {
      const children = db.select({ n: count() }).from(sections).where(eq(sections.parentId, id)).get()?.n ?? 0;
      const primary = db.select({ n: count() }).from(articles).where(eq(articles.sectionId, id)).get()?.n ?? 0;
      const secondary = db.select({ n: count() }).from(articleSections).where(eq(articleSections.sectionId, id)).get()?.n ?? 0;
      return { children, articles: primary + secondary };
    },
    delete(id: string): void {
      db.delete(sections).where(eq(sections.id, id)).run();
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(() => fn());
    },
  };
}

export type SectionRepository = ReturnType<typeof createSectionRepository>;
