// What export and import read: every table in keyset batches (an export's memory stays flat
// at any archive size), and what already exists (an import skips what it already holds and
// refuses slugs taken by something else). Engine-neutral Drizzle; the bulk writes are in the
// dialect files (import-sqlite.ts, import-postgres.ts).
import { and, asc, count, eq, gt, inArray, notExists, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import { groupBy } from '../../db/group.ts';

export function createTransferRepository(db: Database) {
  const t = db.tables;

  return {
    async counts() {
      const n = async (table: (typeof t)[keyof typeof t]) => Number((await db.q.select({ n: count() }).from(table as typeof t.sections))[0]!.n);
      return {
        section: await n(t.sections),
        author: await n(t.authors),
        tag: await n(t.tags),
        image: await n(t.images),
        article: await n(t.articles),
        revision: await n(t.articleRevisions),
        webhook: await n(t.webhooks),
      };
    },

    /** Parents before children, siblings in their order. */
    sections: () => db.q.select().from(t.sections).orderBy(asc(t.sections.depth), asc(t.sections.position), asc(t.sections.id)),
    authors: () => db.q.select().from(t.authors).orderBy(asc(t.authors.createdAt), asc(t.authors.id)),
    tags: () => db.q.select().from(t.tags).orderBy(asc(t.tags.createdAt), asc(t.tags.id)),
    images: () => db.q.select().from(t.images).orderBy(asc(t.images.createdAt), asc(t.images.id)),
    webhooks: () =>
      db.q
        .select({ id: t.webhooks.id, url: t.webhooks.url, events: t.webhooks.events, description: t.webhooks.description, status: t.webhooks.status, createdAt: t.webhooks.createdAt, updatedAt: t.webhooks.updatedAt })
        .from(t.webhooks)
        .orderBy(asc(t.webhooks.createdAt), asc(t.webhooks.id)),

    /** The next batch of articles after `afterSeq`, in the order they were created, with their relations. */
    async articleBatch(afterSeq: number, limit: number) {
      const a = t.articles;
      const rows = await db.q
        .select({
          seq: a.seq, id: a.id, slug: a.slug, headline: a.headline, subheadline: a.subheadline, summary: a.summary, body: a.body, status: a.status,
          version: a.version, sectionId: a.sectionId, leadImageId: a.leadImageId, leadImageCaption: a.leadImageCaption, leadImageCredit: a.leadImageCredit,
          dateline: a.dateline, language: a.language, canonicalUrl: a.canonicalUrl, kicker: a.kicker, translationGroup: a.translationGroup,
          publishedAt: a.publishedAt, firstPublishedAt: a.firstPublishedAt, createdAt: a.createdAt, updatedAt: a.updatedAt,
        })
        .from(a)
        .where(gt(a.seq, afterSeq))
        .orderBy(asc(a.seq))
        .limit(limit);
      if (rows.length === 0) return { rows, bylines: new Map(), sections: new Map(), tags: new Map(), links: new Map(), corrections: new Map() };
      const ids = rows.map((r) => r.id);
      const bylines = await db.q.select().from(t.articleAuthors).where(inArray(t.articleAuthors.articleId, ids)).orderBy(asc(t.articleAuthors.articleId), asc(t.articleAuthors.position));
      const sections = await db.q.select().from(t.articleSections).where(inArray(t.articleSections.articleId, ids)).orderBy(asc(t.articleSections.articleId), asc(t.articleSections.position));
      const tags = await db.q.select().from(t.articleTags).where(inArray(t.articleTags.articleId, ids)).orderBy(asc(t.articleTags.articleId), asc(t.articleTags.position));
      const links = await db.q.select().from(t.relatedLinks).where(inArray(t.relatedLinks.articleId, ids)).orderBy(asc(t.relatedLinks.articleId), asc(t.relatedLinks.position));
      const corrections = await db.q
        .select()
        .from(t.articleCorrections)
        .where(inArray(t.articleCorrections.articleId, ids))
        .orderBy(asc(t.articleCorrections.articleId), asc(t.articleCorrections.createdAt), asc(t.articleCorrections.id));
      return {
        rows,
        bylines: groupBy(bylines, (r) => r.articleId),
        sections: groupBy(sections, (r) => r.articleId),
        tags: groupBy(tags, (r) => r.articleId),
        links: groupBy(links, (r) => r.articleId),
        corrections: groupBy(corrections, (r) => r.articleId),
      };
    },

    /** An article's revisions after `afterRevision`, oldest first (a few at a time: snapshots are whole articles). */
    revisions: (articleId: string, afterRevision: number, limit: number) =>
      db.q
        .select()
        .from(t.articleRevisions)
        .where(and(eq(t.articleRevisions.articleId, articleId), gt(t.articleRevisions.revision, afterRevision)))
        .orderBy(asc(t.articleRevisions.revision))
        .limit(limit),

    // ---- what an import finds already there ----

    /** Every section, author, tag, image and webhook by id (small tables), to compare and to check references. */
    async existingSmall() {
      return {
        section: new Map((await db.q.select().from(t.sections)).map((r) => [r.id, r])),
        author: new Map((await db.q.select().from(t.authors)).map((r) => [r.id, r])),
        tag: new Map((await db.q.select().from(t.tags)).map((r) => [r.id, r])),
        image: new Map((await db.q.select().from(t.images)).map((r) => [r.id, r])),
        webhook: new Set((await db.q.select({ id: t.webhooks.id }).from(t.webhooks)).map((r) => r.id)),
      };
    },

    /** Stored articles with one of these ids or slugs: their id, slug, version and updatedAt. */
    async articlesByIdOrSlug(ids: string[], slugs: string[]) {
      if (ids.length === 0 && slugs.length === 0) return [];
      const a = t.articles;
      return db.q
        .select({ id: a.id, slug: a.slug, version: a.version, updatedAt: a.updatedAt, translationGroup: a.translationGroup })
        .from(a)
        .where(or(ids.length > 0 ? inArray(a.id, ids) : undefined, slugs.length > 0 ? inArray(a.slug, slugs) : undefined));
    },

    /** Which of these ids are stored articles. */
    async existingArticleIds(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      return new Set((await db.q.select({ id: t.articles.id }).from(t.articles).where(inArray(t.articles.id, ids))).map((r) => r.id));
    },

    /** The highest revision stored for each of these articles. */
    async revisionNumbers(articleIds: string[]): Promise<Map<string, Set<number>>> {
      if (articleIds.length === 0) return new Map();
      const rows = await db.q
        .select({ articleId: t.articleRevisions.articleId, revision: t.articleRevisions.revision })
        .from(t.articleRevisions)
        .where(inArray(t.articleRevisions.articleId, articleIds));
      const out = new Map<string, Set<number>>();
      for (const r of rows) (out.get(r.articleId) ?? out.set(r.articleId, new Set()).get(r.articleId)!).add(r.revision);
      return out;
    },

    /** Members of these translation groups (ids), stored before the import. */
    async translationMembers(groups: string[]) {
      if (groups.length === 0) return [];
      return db.q.select({ id: t.articles.id, group: t.articles.translationGroup, language: t.articles.language }).from(t.articles).where(inArray(t.articles.translationGroup, groups));
    },

    /** Articles deleted before (sync keeps their row, a delete for sync clients): their ids. */
    async syncTombstones(): Promise<Set<string>> {
      const s = t.articleSync;
      const rows = await db.q.select({ id: s.articleId }).from(s).where(notExists(db.q.select({ one: sql`1` }).from(t.articles).where(eq(t.articles.id, s.articleId))));
      return new Set(rows.map((r) => r.id));
    },

    /** Forgets these articles' sync rows (an import brings them back, with new seqs). */
    async deleteSyncRows(articleIds: string[]): Promise<void> {
      for (let i = 0; i < articleIds.length; i += 1000) await db.q.delete(t.articleSync).where(inArray(t.articleSync.articleId, articleIds.slice(i, i + 1000)));
    },

    async articleCount(): Promise<number> {
      return Number((await db.q.select({ n: count() }).from(t.articles))[0]!.n);
    },
  };
}

export type TransferRepository = ReturnType<typeof createTransferRepository>;
