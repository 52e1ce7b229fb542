// An exported article as the rows the app keeps for it (the same rows saving.ts writes one
// by one): the article with its search text, bylines, secondary sections, tags, related
// links, image uses, list rows (feedEntryOf: the same lists as a save), an empty document,
// corrections. Engine-neutral values: times in ms, the body as its JSON text.
import { feedEntryOf } from '../articles/feed-repository.ts';
import type { StoredBlock } from '../articles/schemas.ts';
import { bodyText } from '../articles/search.ts';
import type { BulkArticle, BulkTable } from './bulk.ts';
import type { ArticleData } from './format.ts';

export interface ArticleRows {
  article: BulkArticle;
  children: [BulkTable, unknown[][]][];
  /** Related links to articles not stored yet (written at the end, once their targets are). */
  forwardLinks: unknown[][];
  feedKeys: string[];
}

/** The image ids an article uses (lead image and image blocks), each once. */
export function imageUses(a: Pick<ArticleData, 'leadImage' | 'body'>): string[] {
  return [...new Set([...(a.leadImage ? [a.leadImage.imageId] : []), ...a.body.flatMap((b) => (b.type === 'image' ? [b.imageId] : []))])];
}

export function articleRows(a: ArticleData, sectionIdsWithAncestors: string[], isStored: (articleId: string) => boolean): ArticleRows {
  const body = a.body as StoredBlock[];
  const values = [
    a.id, a.slug, a.headline, a.subheadline, a.summary, JSON.stringify(body), a.status, a.version, a.sectionId,
    a.leadImage?.imageId ?? null, a.leadImage?.caption ?? null, a.leadImage?.credit ?? null, a.dateline, a.language, a.canonicalUrl, a.kicker,
    a.translationGroup, a.publishedAt, a.firstPublishedAt, a.createdAt, a.updatedAt,
  ];
  const links: unknown[][] = [];
  const forwardLinks: unknown[][] = [];
  a.relatedLinks.forEach((l, position) => {
    const row = [a.id, position, l.title, l.url, l.targetArticleId];
    (l.targetArticleId === null || isStored(l.targetArticleId) ? links : forwardLinks).push(row);
  });
  const feed = feedEntryOf(a, { sectionIds: sectionIdsWithAncestors, authorIds: a.authorIds, tagIds: a.tagIds });
  return {
    article: { values, search: { headline: a.headline, subheadline: a.subheadline, summary: a.summary, body: bodyText(body) } },
    children: [
      ['article_authors', a.authorIds.map((id, position) => [a.id, id, position])],
      ['article_sections', a.secondarySectionIds.map((id, position) => [a.id, id, position])],
      ['article_tags', a.tagIds.map((id, position) => [a.id, id, position])],
      ['related_links', links],
      ['article_images', imageUses(a).map((id) => [a.id, id])],
      ['article_feed', feed.keys.map((key) => [key, a.id, feed.publicAt, feed.publishedSort, feed.updatedAt])],
      ['article_corrections', a.corrections.map((c) => [c.id, a.id, c.text, c.createdAt])],
    ],
    forwardLinks,
    feedKeys: feed.keys,
  };
}
