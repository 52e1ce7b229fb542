// Articles: assembling the read model (sections, bylines, images, links, tags) and the
// visibility rule. A request without a token sees an article only while it is public:
// `published`, or `scheduled` with `publishedAt` <= now (it then reads as `published`).
import { z } from 'zod';
import type { ArticleStatus } from '../../db/schema.ts';
import { BadRequestError, NotFoundError, UnauthorizedError, UnprocessableError } from '../../http/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '../../http/pagination.ts';
import { toIso } from '../../http/time.ts';
import type { AuthorRepository } from '../authors/repository.ts';
import { toAuthorRef } from '../authors/service.ts';
import type { ImageService } from '../images/service.ts';
import type { SectionRepository } from '../sections/repository.ts';
import { toSectionRef, trails as sectionTrails, type SectionService } from '../sections/service.ts';
import type { TagRepository } from '../tags/repository.ts';
import { type FeedFilter, type FeedRepository, UNPUBLISHED_SORT } from './feed-repository.ts';
import type { ArticleRepository, ArticleRow } from './repository.ts';
import type { ArticleDto, ArticleListQueryInput, ArticleSummaryDto, BodyBlockDto, StoredBlock } from './schemas.ts';
import { highlight } from './search.ts';

const ListCursor = z.union([
  z.object({ k: z.enum(['p', 'u']), v: z.number().int(), id: z.string() }),
  z.object({ k: z.literal('r'), r: z.number(), s: z.number().int() }),
]);

export function isPublicAt(row: Pick<ArticleRow, 'status' | 'publishedAt'>, now: number): boolean {
  return (row.status === 'published' || row.status === 'scheduled') && row.publishedAt !== null && row.publishedAt <= now;
}

/** Plain text of the body, for full-text search (control characters removed). */
export function bodyText(blocks: StoredBlock[]): string {
  const parts = blocks.flatMap((b) => {
    switch (b.type) {
      case 'paragraph':
      case 'heading':
        return [b.text];
      case 'quote':
        return [b.text, b.attribution ?? ''];
      case 'list':
        return b.items;
      case 'image':
        return [b.caption ?? ''];
      case 'embed':
        return [];
    }
  });
  return parts.filter(Boolean).join('\n').replace(/[\u0000-\u0008\u000b-\u001f]/g, ' ');
}

/**
 * Internal link targets an anonymous caller could not see, by the DTO they were left out of:
 * the representation still depends on them (the link appears once its target is public, and
 * the target's publication names only `article:<target>`), so articleCacheDeps must list them.
 */
const hiddenLinkTargets = new WeakMap<ArticleSummaryDto, string[]>();

/** The cache keys an article's representation is made from (response-cache.ts). */
export function articleCacheDeps(article: ArticleSummaryDto & { body?: BodyBlockDto[] }): string[] {
  return [
    `article:${article.id}`,
    ...(hiddenLinkTargets.get(article) ?? []).map((id) => `article:${id}`),
    ...article.authors.map((a) => `author:${a.id}`),
    ...(article.leadImage ? [`image:${article.leadImage.id}`] : []),
    ...(article.body ?? []).flatMap((b) => (b.type === 'image' ? [`image:${b.imageId}`] : [])),
    ...article.relatedLinks.flatMap((l) => (l.articleId ? [`article:${l.articleId}`] : [])),
  ];
}

/** The keys a change to an article's list memberships touches (before and after). */
export function feedChangeKeys(articleId: string, before: { keys: string[]; publicAt: number | null } | null, after: { keys: string[]; publicAt: number | null } | null): string[] {
  const keys = [`article:${articleId}`];
  // Neither before nor after visible to the public (a draft save): nothing public changed.
  if ((before?.publicAt ?? null) === null && (after?.publicAt ?? null) === null) return keys;
  return [...keys, 'public', ...new Set([...(before?.keys ?? []), ...(after?.keys ?? [])].map((k) => `feed:${k}`))];
}

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
  publishedAt: number | null;
  firstPublishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export function createArticleService(deps: {
  articles: ArticleRepository;
  feed: FeedRepository;
  sections: SectionService;
  sectionRows: SectionRepository;
  authors: AuthorRepository;
  tags: TagRepository;
  images: ImageService;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  /** Full articles (or summaries) for rows, as the caller may see them. */
  async function assemble(rows: ArticleRow[], hasToken: boolean, withBody: boolean): Promise<(ArticleDto | ArticleSummaryDto)[]> {
    const at = now();
    const ids = rows.map((r) => r.id);
    const imageIds = rows.flatMap((r) => [
      ...(r.leadImageId ? [r.leadImageId] : []),
      ...(withBody ? (r.body as StoredBlock[]).flatMap((b) => (b.type === 'image' ? [b.imageId] : [])) : []),
    ]);
    // Everything an article shows, in one round of independent queries (at once on PostgreSQL's
    // pool, where each query is a network round trip).
    const [sectionRows, secondary, bylines, tags, links, images] = await deps.articles.concurrently([
      () => deps.sectionRows.withAncestors([...new Set(rows.map((r) => r.sectionId))]),
      () => deps.articles.secondarySections(ids),
      () => deps.authors.bylines(ids),
      () => deps.tags.forArticles(ids),
      () => deps.articles.relatedLinks(ids),
      () => deps.images.byIds(imageIds),
    ] as const);
    const primary = new Map(sectionRows.map((s) => [s.id, s]));
    const breadcrumbs = sectionTrails(rows.map((r) => primary.get(r.sectionId)?.path ?? ''), sectionRows);

    return rows.map((row, i) => {
      const section = primary.get(row.sectionId)!;
      const lead = row.leadImageId ? images.get(row.leadImageId) : undefined;
      const rowLinks = links.get(row.id) ?? [];
      const linkVisible = (l: (typeof rowLinks)[number]) =>
        l.targetId === null || hasToken || isPublicAt({ status: l.targetStatus!, publishedAt: l.targetPublishedAt }, at);
      const summary: ArticleSummaryDto = {
        id: row.id,
        slug: row.slug,
        version: row.version,
        headline: row.headline,
        subheadline: row.subheadline,
        summary: row.summary,
        status: row.status === 'scheduled' && isPublicAt(row, at) ? 'published' : row.status,
        publishedAt: toIso(row.publishedAt),
        // A scheduled article that has become public was first published at its time.
        firstPublishedAt: toIso(row.firstPublishedAt ?? (row.status === 'scheduled' && isPublicAt(row, at) ? row.publishedAt : null)),
        createdAt: toIso(row.createdAt),
        updatedAt: toIso(row.updatedAt),
        section: toSectionRef(section),
        breadcrumbs: breadcrumbs[i]!,
        secondarySections: (secondary.get(row.id) ?? []).map(toSectionRef),
        authors: (bylines.get(row.id) ?? []).map(toAuthorRef),
        leadImage: lead
          ? deps.images.toDto(lead, { caption: row.leadImageCaption, credit: row.leadImageCredit })
          : null,
        relatedLinks: rowLinks
          .filter(linkVisible)
          .map((l) =>
            l.targetId === null
              ? { title: l.title, url: l.url, articleId: null, slug: null }
              : { title: l.title ?? l.targetHeadline, url: null, articleId: l.targetId, slug: l.targetSlug },
          ),
        tags: (tags.get(row.id) ?? []).map((t) => ({ slug: t.slug, name: t.name })),
        dateline: row.dateline,
        language: row.language,
        canonicalUrl: row.canonicalUrl,
      };
      const hidden = rowLinks.filter((l) => !linkVisible(l)).map((l) => l.targetId!);
      if (!withBody) {
        if (hidden.length > 0) hiddenLinkTargets.set(summary, hidden);
        return summary;
      }
      const body = (row.body as StoredBlock[]).map((b): BodyBlockDto => {
        switch (b.type) {
          case 'quote':
            return { type: 'quote', text: b.text, attribution: b.attribution ?? null };
          case 'image': {
            const image = images.get(b.imageId);
            const caption = b.caption ?? null;
            const credit = b.credit ?? null;
            return {
              type: 'image',
              imageId: b.imageId,
              caption,
              credit,
              image: image ? deps.images.toDto(image, { caption, credit }) : null,
            };
          }
          default:
            return b;
        }
      });
      const full: ArticleDto = { ...summary, body };
      if (hidden.length > 0) hiddenLinkTargets.set(full, hidden);
      return full;
    });
  }

  function visibleOrNotFound(row: ArticleRow | undefined, hasToken: boolean): ArticleRow {
    if (!row || (!hasToken && !isPublicAt(row, now()))) throw new NotFoundError('Article');
    return row;
  }

  const unknownFilter = (field: string, what: string) =>
    new UnprocessableError(`No ${what} matches the \`${field}\` filter.`, [
      { in: 'query', path: field, message: `No such ${what}` },
    ]);

  /** Feed keys of the sections an article lists under: its sections and all their ancestors. */
  async function sectionKeys(sectionIds: string[]): Promise<string[]> {
    return (await deps.sectionRows.withAncestors(sectionIds)).map((s) => `section:${s.id}`);
  }

  /** Rewrites the feed rows of one article from what is stored (call inside a transaction). */
  async function refreshFeed(articleId: string): Promise<void> {
    const row = await deps.articles.findById(articleId);
    if (!row) return;
    const rel = await deps.articles.relations(articleId);
    const entry = {
      articleId,
      keys: [
        'all',
        `status:${row.status}`,
        ...(await sectionKeys([row.sectionId, ...rel.secondarySectionIds])),
        ...rel.authorIds.map((id) => `author:${id}`),
        ...rel.tagIds.map((id) => `tag:${id}`),
      ],
      publicAt: row.status === 'published' || row.status === 'scheduled' ? row.publishedAt : null,
      publishedSort: row.publishedAt ?? UNPUBLISHED_SORT,
      updatedAt: row.updatedAt,
    };
    const before = await deps.feed.replace(entry);
    deps.feed.changed(feedChangeKeys(articleId, before, entry));
  }

  return {
    assemble,

    async get(id: string, hasToken: boolean): Promise<ArticleDto> {
      return (await assemble([visibleOrNotFound(await deps.articles.findById(id), hasToken)], hasToken, true))[0] as ArticleDto;
    },

    async getBySlug(slug: string, hasToken: boolean): Promise<ArticleDto> {
      return (await assemble([visibleOrNotFound(await deps.articles.findBySlug(slug), hasToken)], hasToken, true))[0] as ArticleDto;
    },

    async list(query: ArticleListQueryInput, hasToken: boolean): Promise<Page<ArticleSummaryDto> & { lists: string[] }> {
      if (query.status !== undefined && !hasToken) throw new UnauthorizedError('The `status` filter needs a token.');
      const at = now();
      const keys: string[] = [];
      if (query.section !== undefined) {
        const section = await deps.sections.resolve(query.section);
        if (!section) throw unknownFilter('section', 'section');
        keys.push(`section:${section.id}`);
      }
      if (query.author !== undefined) {
        const author = await deps.authors.findByIdOrSlug(query.author);
        if (!author) throw unknownFilter('author', 'author');
        keys.push(`author:${author.id}`);
      }
      if (query.tag !== undefined) {
        const tag = await deps.tags.findBySlug(query.tag);
        const visible =
          tag && (hasToken || (await deps.feed.list({ keys: [`tag:${tag.id}`], publicOnly: true, now: at }, { column: 'published', descending: true, limit: 1 })).length > 0);
        if (!tag || !visible) throw unknownFilter('tag', 'tag');
        keys.push(`tag:${tag.id}`);
      }
      if (query.status === 'draft' || query.status === 'archived' || query.status === 'scheduled') keys.push(`status:${query.status}`);
      if (keys.length === 0) keys.push('all');

      const filter: FeedFilter = {
        keys,
        publicOnly: !hasToken,
        now: at,
        status: query.status,
        publishedAfter: query.publishedAfter,
        publishedBefore: query.publishedBefore,
      };
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ListCursor);
      const limit = query.limit;
      let match: string | undefined;
      if (query.q !== undefined) {
        match = deps.feed.matchQuery(query.q) ?? undefined;
        if (match === undefined) return { data: [], page: { limit, nextCursor: null }, lists: keys };
        filter.match = match;
      }

      let ids: string[];
      let nextCursor: string | null = null;
      if (match !== undefined && query.sort === undefined) {
        if (cursor && cursor.k !== 'r') throw badCursor();
        const hits = await deps.feed.search({ ...filter, match }, cursor?.k === 'r' ? { r: cursor.r, s: cursor.s } : undefined, limit + 1);
        const page = hits.slice(0, limit);
        const last = page.at(-1);
        if (hits.length > limit && last) nextCursor = encodeCursor({ k: 'r', r: last.rank, s: last.seq });
        ids = page.map((h) => h.articleId);
      } else {
        const sort = query.sort ?? '-publishedAt';
        const kind = sort.endsWith('publishedAt') ? 'p' : 'u';
        if (cursor && cursor.k !== kind) throw badCursor();
        const rows = await deps.feed.list(filter, {
          column: kind === 'p' ? 'published' : 'updated',
          descending: sort.startsWith('-'),
          after: cursor && cursor.k === kind ? { v: cursor.v, id: cursor.id } : undefined,
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        if (rows.length > limit && last) nextCursor = encodeCursor({ k: kind, v: last.v, id: last.articleId });
        ids = page.map((r) => r.articleId);
      }

      const rows = await deps.articles.findByIds(ids);
      const data = (await assemble(rows, hasToken, false)) as ArticleSummaryDto[];
      if (match !== undefined && query.q !== undefined) {
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const item of data) {
          const row = byId.get(item.id)!;
          const snippet = highlight([row.bodyText, row.summary, row.subheadline, row.headline], query.q);
          if (snippet !== null) item.snippet = snippet;
        }
      }
      return { data, page: { limit, nextCursor }, lists: keys };
    },

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
          bodyText: bodyText(record.body),
          status: record.status,
          version: record.version,
          sectionId: record.sectionId,
          leadImageId: record.leadImage?.imageId ?? null,
          leadImageCaption: record.leadImage?.caption ?? null,
          leadImageCredit: record.leadImage?.credit ?? null,
          dateline: record.dateline,
          language: record.language,
          canonicalUrl: record.canonicalUrl,
          publishedAt: record.publishedAt,
          firstPublishedAt: record.firstPublishedAt,
          createdAt: record.createdAt,
          updatedAt: record.updatedAt,
        };
        if (isNew) await deps.articles.insert(row);
        else await deps.articles.update(row);
        await deps.articles.setBylines(record.id, record.authorIds);
        await deps.articles.setSecondarySections(record.id, record.secondarySectionIds);
        await deps.articles.setTags(record.id, record.tagIds);
        await deps.articles.setRelatedLinks(record.id, record.relatedLinks);
        await deps.articles.setImageUses(record.id, [
          ...(record.leadImage ? [record.leadImage.imageId] : []),
          ...record.body.flatMap((b) => (b.type === 'image' ? [b.imageId] : [])),
        ]);
        await refreshFeed(record.id);
        const dto = (await assemble([(await deps.articles.findById(record.id))!], true, true))[0] as ArticleDto;
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

    /** Deletes an article (its relations and list rows go with it). */
    async remove(id: string): Promise<void> {
      await deps.articles.transaction(async () => {
        const before = await deps.feed.entryOf(id);
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
        publishedAt: row.publishedAt,
        firstPublishedAt: row.firstPublishedAt,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
      };
    },
  };
}

function badCursor() {
  return new BadRequestError('The cursor belongs to a list with another order.', [
    { in: 'query', path: 'cursor', message: 'Invalid cursor for this sort order' },
  ]);
}

export type ArticleService = ReturnType<typeof createArticleService>;
