import { and, asc, eq, gt, inArray, isNull, or, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sections } from '../../db/schema.ts';

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
  };
}

export type SectionRepository = ReturnType<typeof createSectionRepository>;
