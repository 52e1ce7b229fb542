// Storing articles: a complete article with its relations, list rows and a revision in one
// transaction; deletes; the stored record a PATCH or a revision starts from.
import type { Database } from '../../db/database.ts';
import type { ArticleStatus } from '../../db/schema.ts';
import { ConflictError } from '../../http/errors.ts';
import type { SectionRepository } from '../sections/repository.ts';
import { recordArticleChange, snapshotOf, syncStateOf } from '../events/article-events.ts';
import { type Assemble, feedChangeKeys, isPublicAt } from './assemble.ts';
import type { ArticleDocuments } from './documents.ts';
import { feedEntryOf, type FeedRepository } from './feed-repository.ts';
import type { ArticleRepository, ArticleRow } from './repository.ts';
import type { ArticleDto, StoredBlock } from './schemas.ts';
import type { ArticleUrl } from './urls.ts';

export interface ArticleRecord {
  id: string;
  slug: string;
  headline: string;
  subheadline: string | null;
  summary: string | null;
  body: StoredBlock[];
  status: ArticleStatus;
  version: number;
  sectionId: string;
  secondarySectionIds: string[];
  authorIds: string[];
  tagIds: string[];
  leadImage: { imageId: string; caption: string | null; credit: string | null } | null;
  relatedLinks: { title: string | null; url: string | null; targetArticleId: string | null }[];
  dateline: string | null;
  language: string;
  canonicalUrl: string | null;
  kicker: string | null;
  /** The translation group (the id of the article it began with), or null. */
  translationGroup: string | null;
  publishedAt: number | null;
  firstPublishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface SavingDeps {
  articles: ArticleRepository;
  documents: ArticleDocuments;
  feed: FeedRepository;
  sectionRows: SectionRepository;
  assemble: Assemble;
  articleUrl: ArticleUrl;
  /** For the outbox and article_sync (events/article-events.ts), written in the same transaction. */
  db: Database;
  now?: () => number;
}

export function createArticleSaving(deps: SavingDeps) {
  const now = deps.now ?? Date.now;

  /** The article as the public last saw it (null: not announced as public), read before a change. */
  async function announced(row: ArticleRow | undefined) {
    if (!row || !(await syncStateOf(deps.db, row.id))?.public) return null;
    return snapshotOf((await deps.assemble([row], true, true))[0]!);
  }

  /** Rewrites the feed rows of one article from what is stored (call inside a transaction). */
  async function refreshFeed(articleId: string): Promise<void> {
    const row = await deps.articles.findById(articleId);
    if (!row) return;
    const rel = await deps.articles.relations(articleId);
    const sectionIds = (await deps.sectionRows.withAncestors([row.sectionId, ...rel.secondarySectionIds])).map((s) => s.id);
    const entry = feedEntryOf(row, { sectionIds, authorIds: rel.authorIds, tagIds: rel.tagIds });
    const before = await deps.feed.replace(entry);
    deps.feed.changed(feedChangeKeys(articleId, before, entry));
  }

  /**
   * Checks the article's translation group (409 when another member has its language) and
   * names every member of the groups it leaves or joins as changed: their `translations` show it.
   */
  async function checkTranslations(record: ArticleRecord, previousGroup: string | null): Promise<void> {
    const groups = [...new Set([previousGroup, record.translationGroup].filter((g): g is string => g !== null))];
    if (groups.length === 0) return;
    const members = (await deps.articles.translationMembers(groups)).filter((m) => m.id !== record.id);
    const clash = members.find((m) => m.group === record.translationGroup && m.language === record.language);
    if (clash) {
      throw new ConflictError(`The translation group already has an article in \`${record.language}\` (${clash.id}).`, [
        { in: 'body', path: 'language', message: 'Another article of its translation group has this language' },
      ]);
    }
    if (previousGroup !== record.translationGroup || members.length > 0) deps.feed.changed(members.map((m) => `article:${m.id}`));
  }

  return {
    /** Stores a complete article (new or changed) with its relations, feed rows and a revision. */
    async save(record: ArticleRecord, createdBy: string, isNew: boolean): Promise<ArticleDto> {
      return deps.articles.transaction(async () => {
        const row = {
          id: record.id,
          slug: record.slug,
          headline: record.headline,
          subheadline: record.subheadline,
          summary: record.summary,
          body: record.body,
          status: record.status,
          version: record.version,
          sectionId: record.sectionId,
          leadImageId: record.leadImage?.imageId ?? null,
          leadImageCaption: record.leadImage?.caption ?? null,
          leadImageCredit: record.leadImage?.credit ?? null,
          dateline: record.dateline,
          language: record.language,
          canonicalUrl: record.canonicalUrl,
          kicker: record.kicker,
          translationGroup: record.translationGroup,
          publishedAt: record.publishedAt,
          firstPublishedAt: record.firstPublishedAt,
          createdAt: record.createdAt,
          updatedAt: record.updatedAt,
        };
        const previous = isNew ? undefined : await deps.articles.findById(record.id);
        const before = await announced(previous);
        await checkTranslations(record, previous?.translationGroup ?? null);
        if (isNew) {
          await deps.articles.insert(row);
          await deps.documents.create(record.id);
        } else await deps.articles.update(row);
        await deps.articles.setBylines(record.id, record.authorIds);
        await deps.articles.setSecondarySections(record.id, record.secondarySectionIds);
        await deps.articles.setTags(record.id, record.tagIds);
        await deps.articles.setRelatedLinks(record.id, record.relatedLinks);
        await deps.articles.setImageUses(record.id, [
          ...(record.leadImage ? [record.leadImage.imageId] : []),
          ...record.body.flatMap((b) => (b.type === 'image' ? [b.imageId] : [])),
        ]);
        await refreshFeed(record.id);
        const stored = (await deps.articles.findById(record.id))!;
        const dto = (await deps.assemble([stored], true, true))[0] as ArticleDto;
        // Its event and sync row (nothing for a draft edit): the token's view has the public's keys.
        const at = now();
        await recordArticleChange(deps.db, { id: record.id, before, after: isPublicAt(stored, at) ? snapshotOf(dto) : null, version: record.version }, at);
        await deps.articles.insertRevision({
          articleId: record.id,
          revision: record.version,
          createdAt: record.updatedAt,
          createdBy,
          snapshot: { record: { ...record, updatedAt: record.updatedAt }, article: dto },
        });
        return dto;
      });
    },

    refreshFeed,

    /** An article's public `url` from its fields (urls.ts), for views not assembled from rows (old revisions). */
    articleUrl: deps.articleUrl,

    /** Deletes an article (its relations and list rows go with it). */
    async remove(id: string): Promise<void> {
      await deps.articles.transaction(async () => {
        const before = await deps.feed.entryOf(id);
        const row = await deps.articles.findById(id);
        const announcedBefore = await announced(row);
        if (announcedBefore) await recordArticleChange(deps.db, { id, before: announcedBefore, after: null, version: announcedBefore.version, deleted: true }, now());
        // Its translations stop listing it.
        if (row?.translationGroup) {
          deps.feed.changed((await deps.articles.translationMembers([row.translationGroup])).map((m) => `article:${m.id}`));
        }
        // Articles linking here lose the link with the delete: their documents are rebuilt.
        await deps.documents.invalidateLinksTo(id);
        await deps.articles.delete(id);
        deps.feed.changed(feedChangeKeys(id, before, null));
      });
    },

    /** The stored record of an article (what a revision restores and a PATCH starts from). */
    async record(row: ArticleRow): Promise<ArticleRecord> {
      const rel = await deps.articles.relations(row.id);
      return {
        id: row.id,
        slug: row.slug,
        headline: row.headline,
        subheadline: row.subheadline,
        summary: row.summary,
        body: row.body as StoredBlock[],
        status: row.status,
        version: row.version,
        sectionId: row.sectionId,
        secondarySectionIds: rel.secondarySectionIds,
        authorIds: rel.authorIds,
        tagIds: rel.tagIds,
        leadImage: row.leadImageId ? { imageId: row.leadImageId, caption: row.leadImageCaption, credit: row.leadImageCredit } : null,
        relatedLinks: rel.relatedLinks,
        dateline: row.dateline,
        language: row.language,
        canonicalUrl: row.canonicalUrl,
        kicker: row.kicker,
        translationGroup: row.translationGroup,
        publishedAt: row.publishedAt,
        firstPublishedAt: row.firstPublishedAt,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
      };
    },
  };
}

export type ArticleSaving = ReturnType<typeof createArticleSaving>;
