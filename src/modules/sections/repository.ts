import { and, asc, count, eq, gt, inArray, isNull, like, max, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import type { sections as SectionsTable } from '../../db/schema.ts';

export type SectionRow = typeof SectionsTable.$inferSelect;

/** Every path from the root down to `path` itself: `a/b/c` → `a`, `a/b`, `a/b/c`. */
export function ancestorPaths(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

// Sections appear in every article (section, breadcrumbs) and list: a section write (rare)
// evicts the whole response cache.
const EVERYTHING = ['*'];

export function createSectionRepository(db: Database) {
  const { articles, articleSections, sections } = db.tables;
  const byParent = (parentId: string | null) => (parentId === null ? isNull(sections.parentId) : eq(sections.parentId, parentId));
  return {
    async list({ path, afterPath, limit }: { path?: string; afterPath?: string; limit: number }): Promise<SectionRow[]> {
      const where: SQL[] = [];
      if (path !== undefined) where.push(eq(sections.path, path));
      if (afterPath !== undefined) where.push(gt(sections.path, afterPath));
      return db.q.select().from(sections).where(and(...where)).orderBy(asc(sections.path)).limit(limit);
    },
    async findById(id: string): Promise<SectionRow | undefined> {
      return (await db.q.select().from(sections).where(eq(sections.id, id)).limit(1))[0];
    },
    async findByIdOrPath(value: string): Promise<SectionRow | undefined> {
      return (await db.q.select().from(sections).where(or(eq(sections.id, value), eq(sections.path, value))).limit(1))[0];
    },
    async findByIds(ids: string[]): Promise<SectionRow[]> {
      if (ids.length === 0) return [];
      return db.q.select().from(sections).where(inArray(sections.id, ids));
    },
    /**
     * These sections and all their ancestors, in one query (an article's section and
     * breadcrumbs, the lists it appears in). Paths are slugs (letters, digits, hyphens), so
     * `like` sees no wildcard in them.
     */
    async withAncestors(ids: string[]): Promise<SectionRow[]> {
      if (ids.length === 0) return [];
      return db.q
        .select()
        .from(sections)
        .where(
          sql`exists (select 1 from sections p where p.id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
            and (p.path = ${sections.path} or p.path like ${sections.path} || '/%'))`,
        );
    },
    async findByPaths(paths: string[]): Promise<SectionRow[]> {
      if (paths.length === 0) return [];
      return db.q.select().from(sections).where(inArray(sections.path, paths));
    },
    async children(parentId: string | null): Promise<SectionRow[]> {
      return db.q.select().from(sections).where(byParent(parentId)).orderBy(asc(sections.position), asc(sections.path));
    },
    async insert(row: typeof SectionsTable.$inferInsert): Promise<void> {
      await db.transaction(async () => {
        await db.q.insert(sections).values(row);
        db.changed(EVERYTHING);
      });
    },
    async findByPath(path: string): Promise<SectionRow | undefined> {
      return (await db.q.select().from(sections).where(eq(sections.path, path)).limit(1))[0];
    },
    /** The section and every section below it. */
    async subtree(path: string): Promise<SectionRow[]> {
      return db.q.select().from(sections).where(or(eq(sections.path, path), like(sections.path, `${path}/%`)));
    },
    async nextPosition(parentId: string | null): Promise<number> {
      const [row] = await db.q.select({ n: max(sections.position) }).from(sections).where(byParent(parentId));
      return row?.n === null || row?.n === undefined ? 0 : row.n + 1;
    },
    async update(id: string, set: Partial<typeof SectionsTable.$inferInsert>): Promise<void> {
      await db.transaction(async () => {
        await db.q.update(sections).set(set).where(eq(sections.id, id));
        db.changed(EVERYTHING);
      });
    },
    /** Rewrites the path and depth of every section below `oldPath` (the moved section's descendants). */
    async moveDescendants(oldPath: string, newPath: string, depthDelta: number, at: number): Promise<void> {
      await db.transaction(async () => {
        await db.q
          .update(sections)
          .set({
            path: sql`cast(${newPath} as text) || substr(${sections.path}, ${oldPath.length + 1})`,
            depth: sql`${sections.depth} + ${depthDelta}`,
            updatedAt: at,
          })
          .where(like(sections.path, `${oldPath}/%`));
        db.changed(EVERYTHING);
      });
    },
    /** Whether anything still needs the section: children or articles (primary or secondary). */
    async usage(id: string): Promise<{ children: number; articles: number }> {
      const [children] = await db.q.select({ n: count() }).from(sections).where(eq(sections.parentId, id));
      const [primary] = await db.q.select({ n: count() }).from(articles).where(eq(articles.sectionId, id));
      const [secondary] = await db.q.select({ n: count() }).from(articleSections).where(eq(articleSections.sectionId, id));
      return { children: children?.n ?? 0, articles: (primary?.n ?? 0) + (secondary?.n ?? 0) };
    },
    async delete(id: string): Promise<void> {
      await db.transaction(async () => {
        await db.q.delete(sections).where(eq(sections.id, id));
        db.changed(EVERYTHING);
      });
    },
    transaction<T>(fn: () => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },
  };
}

export type SectionRepository = ReturnType<typeof createSectionRepository>;
