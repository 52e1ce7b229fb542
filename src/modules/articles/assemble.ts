// The read model of articles: rows assembled with their sections, bylines, images, links and
// tags into the DTOs the API sends, and the visibility rule. A request without a token sees an
// article only while it is public: `published`, or `scheduled` with `publishedAt` <= now (it
// then reads as `published`).
import { toIso } from '../../http/time.ts';
import type { AuthorRepository } from '../authors/repository.ts';
import { toAuthorRef } from '../authors/service.ts';
import type { ImageService } from '../images/service.ts';
import type { SectionRepository } from '../sections/repository.ts';
import { toSectionRef, trails as sectionTrails } from '../sections/service.ts';
import type { TagRepository } from '../tags/repository.ts';
import type { ArticleRepository, ArticleRow, TranslationMemberRow } from './repository.ts';
import type { ArticleDto, ArticleSummaryDto, BodyBlockDto, StoredBlock } from './schemas.ts';
import type { ArticleUrl } from './urls.ts';

export { bodyText } from './search.ts';

export function isPublicAt(row: Pick<ArticleRow, 'status' | 'publishedAt'>, now: number): boolean {
  return (row.status === 'published' || row.status === 'scheduled') && row.publishedAt !== null && row.publishedAt <= now;
}


/**
 * Internal link targets an anonymous caller could not see, by the DTO they were left out of:
 * the representation still depends on them (the link appears once its target is public, and
 * the target's publication names only `article:<target>`), so articleCacheDeps must list them.
 */
/** Views with a token that show links the public would not see (not a public document). */
const tokenOnlyLinks = new WeakSet<ArticleSummaryDto>();

/** True when a view made for a token differs from the public's (a link to an unpublished article). */
export function showsTokenOnlyLinks(article: ArticleSummaryDto): boolean {
  return tokenOnlyLinks.has(article);
}

const hiddenLinkTargets = new WeakMap<ArticleSummaryDto, { ids: string[]; until: number }>();

/** Related links left out of this view (a token would see them), and until when the view holds. */
export function hiddenLinks(article: ArticleSummaryDto): { ids: string[]; until: number } | undefined {
  return hiddenLinkTargets.get(article);
}

/** The cache keys an article's representation is made from (response-cache.ts). */
export function articleCacheDeps(article: ArticleSummaryDto & { body?: BodyBlockDto[] }): string[] {
  return [
    `article:${article.id}`,
    ...(hiddenLinkTargets.get(article)?.ids ?? []).map((id) => `article:${id}`),
    ...article.authors.map((a) => `author:${a.id}`),
    ...(article.leadImage ? [`image:${article.leadImage.id}`] : []),
    ...(article.body ?? []).flatMap((b) => (b.type === 'image' ? [`image:${b.imageId}`] : [])),
    ...article.relatedLinks.flatMap((l) => (l.articleId ? [`article:${l.articleId}`] : [])),
    ...article.translations.map((t) => `article:${t.id}`),
  ];
}

/** The keys a change to an article's list memberships touches (before and after). */
export function feedChangeKeys(articleId: string, before: { keys: string[]; publicAt: number | null } | null, after: { keys: string[]; publicAt: number | null } | null): string[] {
  const keys = [`article:${articleId}`];
  // Neither before nor after visible to the public (a draft save): nothing public changed.
  if ((before?.publicAt ?? null) === null && (after?.publicAt ?? null) === null) return keys;
  return [...keys, 'public', ...new Set([...(before?.keys ?? []), ...(after?.keys ?? [])].map((k) => `feed:${k}`))];
}


export interface AssemblerDeps {
  articles: ArticleRepository;
  sectionRows: SectionRepository;
  authors: AuthorRepository;
  tags: TagRepository;
  images: ImageService;
  /** An article's public `url` (urls.ts). */
  articleUrl: ArticleUrl;
  now: () => number;
}

export function createAssembler(deps: AssemblerDeps) {
  const now = deps.now;
  /** Full articles (or summaries) for rows, as the caller may see them. */
  async function assemble(rows: ArticleRow[], hasToken: boolean, withBody: boolean, at = now()): Promise<(ArticleDto | ArticleSummaryDto)[]> {
    const ids = rows.map((r) => r.id);
    const imageIds = rows.flatMap((r) => [
      ...(r.leadImageId ? [r.leadImageId] : []),
      ...(withBody ? (r.body as StoredBlock[]).flatMap((b) => (b.type === 'image' ? [b.imageId] : [])) : []),
    ]);
    // Everything an article shows, in one round of independent queries (at once on PostgreSQL's
    // pool, where each query is a network round trip).
    const groups = [...new Set(rows.flatMap((r) => (r.translationGroup ? [r.translationGroup] : [])))];
    const [sectionRows, secondary, bylines, tags, links, images, members, corrections] = await deps.articles.concurrently([
      () => deps.sectionRows.withAncestors([...new Set(rows.map((r) => r.sectionId))]),
      () => deps.articles.secondarySections(ids),
      () => deps.authors.bylines(ids),
      () => deps.tags.forArticles(ids),
      () => deps.articles.relatedLinks(ids),
      () => deps.images.byIds(imageIds),
      () => deps.articles.translationMembers(groups),
      () => deps.articles.corrections(ids),
    ] as const);
    const primary = new Map(sectionRows.map((s) => [s.id, s]));
    const breadcrumbs = sectionTrails(rows.map((r) => primary.get(r.sectionId)?.path ?? ''), sectionRows);
    // The sections of translations this page does not show otherwise (for their `url`s).
    const paths = new Map(sectionRows.map((s) => [s.id, s.path]));
    const unknown = [...new Set(members.map((m) => m.sectionId).filter((id) => !paths.has(id)))];
    if (unknown.length > 0) for (const s of await deps.sectionRows.withAncestors(unknown)) paths.set(s.id, s.path);
    const byGroup = new Map<string, TranslationMemberRow[]>();
    for (const m of members) byGroup.set(m.group, [...(byGroup.get(m.group) ?? []), m]);

    return rows.map((row, i) => {
      const section = primary.get(row.sectionId)!;
      const firstPublishedAt = row.firstPublishedAt ?? (row.status === 'scheduled' && isPublicAt(row, at) ? row.publishedAt : null);
      const others = row.translationGroup ? (byGroup.get(row.translationGroup) ?? []).filter((m) => m.id !== row.id) : [];
      const memberVisible = (m: TranslationMemberRow) => hasToken || isPublicAt(m, at);
      const lead = row.leadImageId ? images.get(row.leadImageId) : undefined;
      const rowLinks = links.get(row.id) ?? [];
      const linkVisible = (l: (typeof rowLinks)[number]) =>
        l.targetId === null || hasToken || isPublicAt({ status: l.targetStatus!, publishedAt: l.targetPublishedAt }, at);
      const summary: ArticleSummaryDto = {
        id: row.id,
        slug: row.slug,
        url: deps.articleUrl({ ...row, sectionPath: section.path, firstPublishedAt }),
        version: row.version,
        kicker: row.kicker,
        headline: row.headline,
        subheadline: row.subheadline,
        summary: row.summary,
        status: row.status === 'scheduled' && isPublicAt(row, at) ? 'published' : row.status,
        publishedAt: toIso(row.publishedAt),
        // A scheduled article that has become public was first published at its time.
        firstPublishedAt: toIso(firstPublishedAt),
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
        translations: others.filter(memberVisible).map((m) => ({
          id: m.id,
          language: m.language,
          slug: m.slug,
          url: deps.articleUrl({
            ...m,
            sectionPath: paths.get(m.sectionId) ?? '',
            firstPublishedAt: m.firstPublishedAt ?? (m.status === 'scheduled' && isPublicAt(m, at) ? m.publishedAt : null),
          }),
        })),
        corrections: (corrections.get(row.id) ?? []).map((c) => ({ id: c.id, text: c.text, createdAt: toIso(c.createdAt)! })),
      };
      const privateLinks =
        rowLinks.some((l) => l.targetId !== null && !isPublicAt({ status: l.targetStatus!, publishedAt: l.targetPublishedAt }, at)) ||
        others.some((m) => !isPublicAt(m, at));
      const hiddenLinks = rowLinks.filter((l) => !linkVisible(l));
      const hiddenMembers = others.filter((m) => !memberVisible(m));
      // Targets and translations left out (the representation still depends on them).
      const hidden = [...hiddenLinks.map((l) => l.targetId!), ...hiddenMembers.map((m) => m.id)];
      const dueLater = (status: string | null, publishedAt: number | null) => (status === 'scheduled' && publishedAt !== null && publishedAt > at ? publishedAt : Infinity);
      // A hidden target scheduled for later appears at its time: the view holds until then.
      const until = Math.min(...hiddenLinks.map((l) => dueLater(l.targetStatus, l.targetPublishedAt)), ...hiddenMembers.map((m) => dueLater(m.status, m.publishedAt)));
      if (!withBody) {
        if (hidden.length > 0) hiddenLinkTargets.set(summary, { ids: hidden, until });
        if (hasToken && privateLinks) tokenOnlyLinks.add(summary);
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
      if (hidden.length > 0) hiddenLinkTargets.set(full, { ids: hidden, until });
      if (hasToken && privateLinks) tokenOnlyLinks.add(full);
      return full;
    });
  }

  return assemble;
}

export type Assemble = ReturnType<typeof createAssembler>;
