// Articles and the rows hanging off them (secondary sections, related links, image uses).
import { and, asc, desc, eq, getTableColumns, inArray, lt } from 'drizzle-orm';
import { alias, type AnySQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { alias as pgAlias } from 'drizzle-orm/pg-core';
import { concurrently, type Database } from '../../db/database.ts';
import { groupBy } from '../../db/group.ts';
import type { articleRevisions as RevisionsTable, articles as ArticlesTable } from '../../db/schema.ts';
import type { StoredBlock } from './schemas.ts';
import { postgresSearch } from './search-postgres.ts';
import { sqliteSearch } from './search-sqlite.ts';

export type ArticleRow = typeof ArticlesTable.$inferSelect;
export type ArticleInsert = typeof ArticlesTable.$inferInsert;

export interface RelatedLinkRow {
  articleId: string;
  position: number;
  title: string | null;
  url: string | null;
  targetId: string | null;
  targetSlug: string | null;
  targetHeadline: string | null;
  targetStatus: ArticleRow['status'] | null;
  targetPublishedAt: number | null;
}

export interface TranslationMemberRow {
  group: string;
  id: string;
  slug: string;
  language: string;
  status: ArticleRow['status'];
  publishedAt: number | null;
  firstPublishedAt: number | null;
  createdAt: number;
  sectionId: string;
  canonicalUrl: string | null;
}

export interface CorrectionRow {
  articleId: string;
  id: string;
  text: string;
  createdAt: number;
}

export function createArticleRepository(db: Database) {
  const { articleAuthors, articleCorrections, articleImages, articleRevisions, articles, articleSections, articleTags, relatedLinks, sections } = db.tables;
  const target = db.engine === 'postgres' ? (pgAlias(articles as never, 'target') as unknown as typeof articles) : alias(articles, 'target');
  const search = db.engine === 'postgres' ? postgresSearch : sqliteSearch;
  // Every column but PostgreSQL's search vector (as long as the body, and never read back).
  const { search: _vector, ...columns } = getTableColumns(articles) as ReturnType<typeof getTableColumns<typeof articles>> & { search?: unknown };
  const selectArticles = () => db.q.select(columns).from(articles);
  /** Deletes an article's rows in `table` and inserts `rows` in their place. */
  async function replaceRows<T>(table: SQLiteTable & { articleId: AnySQLiteColumn }, articleId: string, rows: T[]) {
    await db.q.delete(table).where(eq(table.articleId, articleId));
    if (rows.length > 0) await db.q.insert(table).values(rows as never);
  }

  return {
    async findById(id: string): Promise<ArticleRow | undefined> {
      return (await selectArticles().where(eq(articles.id, id)).limit(1))[0];
    },
    async findBySlug(slug: string): Promise<ArticleRow | undefined> {
      return (await selectArticles().where(eq(articles.slug, slug)).limit(1))[0];
    },
    /** Rows for some ids, in the order of `ids`. */
    async findByIds(ids: string[]): Promise<ArticleRow[]> {
      if (ids.length === 0) return [];
      const byId = new Map((await selectArticles().where(inArray(articles.id, ids))).map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id)).filter((r): r is ArticleRow => r !== undefined);
    },
    async secondarySections(articleIds: string[]) {
      if (articleIds.length === 0) return new Map<string, never[]>();
      return groupBy(
        await db.q
          .select({ articleId: articleSections.articleId, id: sections.id, slug: sections.slug, name: sections.name, path: sections.path })
          .from(articleSections)
          .innerJoin(sections, eq(sections.id, articleSections.sectionId))
          .where(inArray(articleSections.articleId, articleIds))
          .orderBy(asc(articleSections.articleId), asc(articleSections.position)),
        (r) => r.articleId,
      );
    },
    async relatedLinks(articleIds: string[]): Promise<Map<string, RelatedLinkRow[]>> {
      if (articleIds.length === 0) return new Map();
      return groupBy(
        await db.q
          .select({
            articleId: relatedLinks.articleId,
            position: relatedLinks.position,
            title: relatedLinks.title,
            url: relatedLinks.url,
            targetId: target.id,
            targetSlug: target.slug,
            targetHeadline: target.headline,
            targetStatus: target.status,
            targetPublishedAt: target.publishedAt,
          })
          .from(relatedLinks)
          .leftJoin(target, eq(target.id, relatedLinks.targetArticleId))
          .where(inArray(relatedLinks.articleId, articleIds))
          .orderBy(asc(relatedLinks.articleId), asc(relatedLinks.position)),
        (r) => r.articleId,
      );
    },
    async insert(row: ArticleInsert): Promise<void> {
      await db.transaction(async () => void (await db.q.insert(articles).values({ ...row, ...search.indexColumns(row as Required<ArticleInsert> & { body: StoredBlock[] }) })));
    },
    async setSecondarySections(articleId: string, sectionIds: string[]): Promise<void> {
      await replaceRows(articleSections, articleId, sectionIds.map((sectionId, position) => ({ articleId, sectionId, position })));
    },
    async update(row: ArticleInsert): Promise<void> {
      const { seq: _seq, id, ...rest } = row;
      await db.transaction(async () => void (await db.q.update(articles).set({ ...rest, ...search.indexColumns(row as Required<ArticleInsert> & { body: StoredBlock[] }) }).where(eq(articles.id, id))));
    },
    async delete(id: string): Promise<boolean> {
      return db.transaction(async () => (await db.q.delete(articles).where(eq(articles.id, id)).returning({ id: articles.id })).length > 0);
    },
    /** Ids of an article's relations, in their stored order. */
    async relations(articleId: string) {
      const [authorIds, secondarySectionIds, tagIds, links] = await concurrently(db, [
        () => db.q.select({ id: articleAuthors.authorId }).from(articleAuthors).where(eq(articleAuthors.articleId, articleId)).orderBy(asc(articleAuthors.position)),
        () => db.q.select({ id: articleSections.sectionId }).from(articleSections).where(eq(articleSections.articleId, articleId)).orderBy(asc(articleSections.position)),
        () => db.q.select({ id: articleTags.tagId }).from(articleTags).where(eq(articleTags.articleId, articleId)).orderBy(asc(articleTags.position)),
        () => db.q.select({ title: relatedLinks.title, url: relatedLinks.url, targetArticleId: relatedLinks.targetArticleId }).from(relatedLinks).where(eq(relatedLinks.articleId, articleId)).orderBy(asc(relatedLinks.position)),
      ] as const);
      return {
        authorIds: authorIds.map((r) => r.id),
        secondarySectionIds: secondarySectionIds.map((r) => r.id),
        tagIds: tagIds.map((r) => r.id),
        relatedLinks: links,
      };
    },
    /** Articles whose primary or a secondary section is one of these. */
    async idsInSections(sectionIds: string[]): Promise<string[]> {
      if (sectionIds.length === 0) return [];
      const primary = await db.q.select({ id: articles.id }).from(articles).where(inArray(articles.sectionId, sectionIds));
      const secondary = await db.q.select({ id: articleSections.articleId }).from(articleSections).where(inArray(articleSections.sectionId, sectionIds));
      return [...new Set([...primary, ...secondary].map((r) => r.id))];
    },
    async setBylines(articleId: string, authorIds: string[]): Promise<void> {
      await replaceRows(articleAuthors, articleId, authorIds.map((authorId, position) => ({ articleId, authorId, position })));
    },
    async setTags(articleId: string, tagIds: string[]): Promise<void> {
      await replaceRows(articleTags, articleId, tagIds.map((tagId, position) => ({ articleId, tagId, position })));
    },
    async setRelatedLinks(articleId: string, links: { title: string | null; url: string | null; targetArticleId: string | null }[]): Promise<void> {
      await replaceRows(relatedLinks, articleId, links.map((l, position) => ({ articleId, position, ...l })));
    },
    async setImageUses(articleId: string, imageIds: string[]): Promise<void> {
      await replaceRows(articleImages, articleId, [...new Set(imageIds)].map((imageId) => ({ articleId, imageId })));
    },
    async revisions(articleId: string, beforeRevision: number | undefined, limit: number) {
      return db.q
        .select({ revision: articleRevisions.revision, createdAt: articleRevisions.createdAt, createdBy: articleRevisions.createdBy })
        .from(articleRevisions)
        .where(and(eq(articleRevisions.articleId, articleId), beforeRevision === undefined ? undefined : lt(articleRevisions.revision, beforeRevision)))
        .orderBy(desc(articleRevisions.revision))
        .limit(limit);
    },
    async revision(articleId: string, revision: number) {
      return (await db.q
        .select()
        .from(articleRevisions)
        .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.revision, revision)))
        .limit(1))[0];
    },
    /** The members of translation groups (what a translation shows of each, and its visibility). */
    async translationMembers(groups: string[]): Promise<TranslationMemberRow[]> {
      if (groups.length === 0) return [];
      return db.q
        .select({
          group: articles.translationGroup,
          id: articles.id,
          slug: articles.slug,
          language: articles.language,
          status: articles.status,
          publishedAt: articles.publishedAt,
          firstPublishedAt: articles.firstPublishedAt,
          createdAt: articles.createdAt,
          sectionId: articles.sectionId,
          canonicalUrl: articles.canonicalUrl,
        })
        .from(articles)
        .where(inArray(articles.translationGroup, groups))
        .orderBy(asc(articles.language), asc(articles.id)) as Promise<TranslationMemberRow[]>;
    },
    /** Puts an article in a translation group (the group's first article takes its own id). */
    async setTranslationGroup(articleId: string, group: string): Promise<void> {
      await db.q.update(articles).set({ translationGroup: group }).where(eq(articles.id, articleId));
    },
    /** Corrections of articles, oldest first. */
    async corrections(articleIds: string[]): Promise<Map<string, CorrectionRow[]>> {
      if (articleIds.length === 0) return new Map();
      return groupBy(
        await db.q
          .select({ articleId: articleCorrections.articleId, id: articleCorrections.id, text: articleCorrections.text, createdAt: articleCorrections.createdAt })
          .from(articleCorrections)
          .where(inArray(articleCorrections.articleId, articleIds))
          .orderBy(asc(articleCorrections.articleId), asc(articleCorrections.createdAt), asc(articleCorrections.id)),
        (r) => r.articleId,
      );
    },
    async insertCorrection(row: CorrectionRow): Promise<void> {
      await db.q.insert(articleCorrections).values(row);
    },
    async insertRevision(row: typeof RevisionsTable.$inferInsert): Promise<void> {
      await db.transaction(async () => void (await db.q.insert(articleRevisions).values(row)));
    },
    transaction<T>(fn: () => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },
    /** See `concurrently` (database.ts): parallel outside a transaction, in turn inside one. */
    concurrently<T extends readonly (() => Promise<unknown>)[]>(tasks: T) {
      return concurrently(db, tasks);
    },
  };
}

export type ArticleRepository = ReturnType<typeof createArticleRepository>;
