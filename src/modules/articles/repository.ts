// Articles and the rows hanging off them (secondary sections, related links, image uses).
import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../db/client.ts';
import { groupBy } from '../../db/group.ts';
import { articleAuthors, articleImages, articleRevisions, articles, articleSections, articleTags, relatedLinks, sections } from '../../db/schema.ts';

export type ArticleRow = typeof articles.$inferSelect;
export type ArticleInsert = typeof articles.$inferInsert;

const target = alias(articles, 'target');

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


export function createArticleRepository(db: Db) {
  return {
    findById(id: string): ArticleRow | undefined {
      return db.select().from(articles).where(eq(articles.id, id)).get();
    },
    findBySlug(slug: string): ArticleRow | undefined {
      return db.select().from(articles).where(eq(articles.slug, slug)).get();
    },
    /** Rows for some ids, in the order of `ids`. */
    findByIds(ids: string[]): ArticleRow[] {
      if (ids.length === 0) return [];
      const byId = new Map(db.select().from(articles).where(inArray(articles.id, ids)).all().map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id)).filter((r): r is ArticleRow => r !== undefined);
    },
    secondarySections(articleIds: string[]) {
      if (articleIds.length === 0) return new Map<string, never[]>();
      return groupBy(
        db
          .select({ articleId: articleSections.articleId, id: sections.id, slug: sections.slug, name: sections.name, path: sections.path })
          .from(articleSections)
          .innerJoin(sections, eq(sections.id, articleSections.sectionId))
          .where(inArray(articleSections.articleId, articleIds))
          .orderBy(asc(articleSections.articleId), asc(articleSections.position))
          .all(),
        (r) => r.articleId,
      );
    },
    relatedLinks(articleIds: string[]): Map<string, RelatedLinkRow[]> {
      if (articleIds.length === 0) return new Map();
      return groupBy(
        db
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
          .orderBy(asc(relatedLinks.articleId), asc(relatedLinks.position))
          .all(),
        (r) => r.articleId,
      );
    },
    insert(row: ArticleInsert): void {
      db.insert(articles).values(row).run();
    },
    setSecondarySections(articleId: string, sectionIds: string[]): void {
      db.delete(articleSections).where(eq(articleSections.articleId, articleId)).run();
      if (sectionIds.length > 0) {
        db.insert(articleSections).values(sectionIds.map((sectionId, position) => ({ articleId, sectionId, position }))).run();
      }
    },
    update(row: ArticleInsert): void {
      const { seq: _seq, id, ...rest } = row;
      db.update(articles).set(rest).where(eq(articles.id, id)).run();
    },
    delete(id: string): boolean {
      return db.delete(articles).where(eq(articles.id, id)).run().changes > 0;
    },
    /** Ids of an article's relations, in their stored order. */
    relations(articleId: string) {
      return {
        authorIds: db.select({ id: articleAuthors.authorId }).from(articleAuthors).where(eq(articleAuthors.articleId, articleId)).orderBy(asc(articleAuthors.position)).all().map((r) => r.id),
        secondarySectionIds: db.select({ id: articleSections.sectionId }).from(articleSections).where(eq(articleSections.articleId, articleId)).orderBy(asc(articleSections.position)).all().map((r) => r.id),
        tagIds: db.select({ id: articleTags.tagId }).from(articleTags).where(eq(articleTags.articleId, articleId)).orderBy(asc(articleTags.position)).all().map((r) => r.id),
        relatedLinks: db.select({ title: relatedLinks.title, url: relatedLinks.url, targetArticleId: relatedLinks.targetArticleId }).from(relatedLinks).where(eq(relatedLinks.articleId, articleId)).orderBy(asc(relatedLinks.position)).all(),
      };
    },
    /** Articles whose primary or a secondary section is one of these. */
    idsInSections(sectionIds: string[]): string[] {
      if (sectionIds.length === 0) return [];
      const primary = db.select({ id: articles.id }).from(articles).where(inArray(articles.sectionId, sectionIds)).all();
      const secondary = db.select({ id: articleSections.articleId }).from(articleSections).where(inArray(articleSections.sectionId, sectionIds)).all();
      return [...new Set([...primary, ...secondary].map((r) => r.id))];
    },
    setBylines(articleId: string, authorIds: string[]): void {
      db.delete(articleAuthors).where(eq(articleAuthors.articleId, articleId)).run();
      if (authorIds.length > 0) {
        db.insert(articleAuthors).values(authorIds.map((authorId, position) => ({ articleId, authorId, position }))).run();
      }
    },
    setTags(articleId: string, tagIds: string[]): void {
      db.delete(articleTags).where(eq(articleTags.articleId, articleId)).run();
      if (tagIds.length > 0) {
        db.insert(articleTags).values(tagIds.map((tagId, position) => ({ articleId, tagId, position }))).run();
      }
    },
    setRelatedLinks(articleId: string, links: { title: string | null; url: string | null; targetArticleId: string | null }[]): void {
      db.delete(relatedLinks).where(eq(relatedLinks.articleId, articleId)).run();
      if (links.length > 0) {
        db.insert(relatedLinks).values(links.map((l, position) => ({ articleId, position, ...l }))).run();
      }
    },
    setImageUses(articleId: string, imageIds: string[]): void {
      db.delete(articleImages).where(eq(articleImages.articleId, articleId)).run();
      const unique = [...new Set(imageIds)];
      if (unique.length > 0) db.insert(articleImages).values(unique.map((imageId) => ({ articleId, imageId }))).run();
    },
    revisions(articleId: string, beforeRevision: number | undefined, limit: number) {
      return db
        .select({ revision: articleRevisions.revision, createdAt: articleRevisions.createdAt, createdBy: articleRevisions.createdBy })
        .from(articleRevisions)
        .where(and(eq(articleRevisions.articleId, articleId), beforeRevision === undefined ? undefined : lt(articleRevisions.revision, beforeRevision)))
        .orderBy(desc(articleRevisions.revision))
        .limit(limit)
        .all();
    },
    revision(articleId: string, revision: number) {
      return db
        .select()
        .from(articleRevisions)
        .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.revision, revision)))
        .get();
    },
    insertRevision(row: typeof articleRevisions.$inferInsert): void {
      db.insert(articleRevisions).values(row).run();
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(() => fn());
    },
  };
}

export type ArticleRepository = ReturnType<typeof createArticleRepository>;
