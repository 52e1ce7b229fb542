// The editorial write side of articles: create, patch, delete, publish/unpublish/archive,
// revisions. Every change is one synchronous transaction that bumps `version` and stores a
// revision; `If-Match` guards against lost updates.
import { z } from 'zod';
import { uuidv7 } from 'uuidv7';
import type { ArticleStatus } from '../../db/schema.ts';
import { ConflictError, type FieldError, NotFoundError, PreconditionFailedError, UnprocessableError } from '../../http/errors.ts';
import { etagOf } from '../../http/caching.ts';
import { decodeCursor, type Page, pageFrom } from '../../http/pagination.ts';
import { toIso } from '../../http/time.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import type { AuthorRepository } from '../authors/repository.ts';
import type { ImageRepository } from '../images/repository.ts';
import type { SectionRepository } from '../sections/repository.ts';
import type { TagRepository } from '../tags/repository.ts';
import type { ArticleCreateInput, ArticlePatchInput } from './input-schemas.ts';
import type { ArticleRepository, ArticleRow } from './repository.ts';
import type { ArticleDto, StoredBlock } from './schemas.ts';
import type { ArticleRecord, ArticleService } from './service.ts';
import { firstFreeSlug, slugFrom, tagSlug } from './slugs.ts';

/** The strong ETag of an article representation. */
export function articleEtag(article: ArticleDto): string {
  return etagOf(JSON.stringify(article));
}

/** Strong comparison (RFC 9110 §13.1.1): `*`, or one of the listed tags exactly. */
export function ifMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((c) => c.trim() === etag);
}

const RevisionCursor = z.object({ r: z.number().int() });

export interface Snapshot {
  record: ArticleRecord;
  article: ArticleDto;
}

export function createArticleEditor(deps: {
  articles: ArticleService;
  rows: ArticleRepository;
  sections: SectionRepository;
  authors: AuthorRepository;
  tags: TagRepository;
  images: ImageRepository;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  function find(id: string): ArticleRow {
    const row = deps.rows.findById(id);
    if (!row) throw new NotFoundError('Article');
    return row;
  }

  /** 422 naming every referenced id that does not exist. */
  function checkReferences(input: ArticlePatchInput, selfId?: string): void {
    const errors: FieldError[] = [];
    const missing = (path: string, what: string) => errors.push({ in: 'body', path, message: `No such ${what}` });
    if (input.sectionId !== undefined && !deps.sections.findById(input.sectionId)) missing('sectionId', 'section');
    input.secondarySectionIds?.forEach((id, i) => {
      if (!deps.sections.findById(id)) missing(`secondarySectionIds.${i}`, 'section');
    });
    input.authorIds?.forEach((id, i) => {
      if (!deps.authors.findById(id)) missing(`authorIds.${i}`, 'author');
    });
    if (input.leadImage && !deps.images.findById(input.leadImage.imageId)) missing('leadImage.imageId', 'image');
    input.body?.forEach((b, i) => {
      if (b.type === 'image' && !deps.images.findById(b.imageId)) missing(`body.${i}.imageId`, 'image');
    });
    input.relatedLinks?.forEach((l, i) => {
      if (!('articleId' in l)) return;
      if (l.articleId === selfId) errors.push({ in: 'body', path: `relatedLinks.${i}.articleId`, message: 'An article cannot link to itself' });
      else if (!deps.rows.findById(l.articleId)) missing(`relatedLinks.${i}.articleId`, 'article');
    });
    if (errors.length > 0) throw new UnprocessableError('The body names resources that do not exist.', errors);
  }

  function slugTaken(slug: string, selfId?: string): boolean {
    const other = deps.rows.findBySlug(slug);
    return other !== undefined && other.id !== selfId;
  }

  function claimSlug(slug: string, selfId?: string): string {
    if (slugTaken(slug, selfId)) {
      throw new ConflictError(`The slug \`${slug}\` is taken by another article.`, [{ in: 'body', path: 'slug', message: 'Slug already in use' }]);
    }
    return slug;
  }

  function tagIds(names: string[], at: number): string[] {
    const seen = new Set<string>();
    const wanted = names
      .map((name) => ({ id: uuidv7(), name, slug: tagSlug(name) }))
      .filter((t) => !seen.has(t.slug) && seen.add(t.slug));
    return deps.tags.ensure(wanted, at);
  }

  /** Applies input fields onto a record (the fields absent from input stay as they are). */
  function apply(record: ArticleRecord, input: ArticlePatchInput, at: number): ArticleRecord {
    const next = { ...record };
    if (input.headline !== undefined) next.headline = input.headline;
    if (input.subheadline !== undefined) next.subheadline = input.subheadline;
    if (input.summary !== undefined) next.summary = input.summary;
    if (input.body !== undefined) next.body = input.body as StoredBlock[];
    if (input.sectionId !== undefined) next.sectionId = input.sectionId;
    if (input.secondarySectionIds !== undefined) next.secondarySectionIds = input.secondarySectionIds;
    if (input.authorIds !== undefined) next.authorIds = input.authorIds;
    if (input.leadImage !== undefined) {
      next.leadImage = input.leadImage && { imageId: input.leadImage.imageId, caption: input.leadImage.caption ?? null, credit: input.leadImage.credit ?? null };
    }
    if (input.relatedLinks !== undefined) {
      next.relatedLinks = input.relatedLinks.map((l) =>
        'articleId' in l ? { title: l.title ?? null, url: null, targetArticleId: l.articleId } : { title: l.title, url: l.url, targetArticleId: null },
      );
    }
    if (input.tags !== undefined) next.tagIds = tagIds(input.tags, at);
    if (input.dateline !== undefined) next.dateline = input.dateline;
    if (input.language !== undefined) next.language = input.language;
    if (input.canonicalUrl !== undefined) next.canonicalUrl = input.canonicalUrl;
    if (input.slug !== undefined) next.slug = claimSlug(input.slug, record.id);
    return next;
  }

  /**
   * When the article first became public: set once, when it is published, or — for a
   * scheduled article — once its time has passed (recorded at its next change).
   */
  function firstPublished(r: ArticleRecord, at: number): number | null {
    if (r.firstPublishedAt !== null) return r.firstPublishedAt;
    return r.status === 'scheduled' && r.publishedAt !== null && r.publishedAt <= at ? r.publishedAt : null;
  }

  /** Saves a changed record as the next version (no-op when nothing changed). */
  function commit(before: ArticleRecord, after: ArticleRecord, principal: Principal): ArticleDto {
    if (JSON.stringify(before) === JSON.stringify(after)) return deps.articles.get(before.id, true);
    const at = now();
    return deps.articles.save(
      { ...after, firstPublishedAt: after.firstPublishedAt ?? firstPublished(before, at), version: before.version + 1, updatedAt: Math.max(at, before.updatedAt) },
      principal.name,
      false,
    );
  }

  function checkIfMatch(row: ArticleRow, ifMatch: string | undefined): void {
    if (ifMatch === undefined) return;
    if (!ifMatchHits(ifMatch, articleEtag(deps.articles.get(row.id, true)))) throw new PreconditionFailedError();
  }

  function changeStatus(id: string, principal: Principal, ifMatch: string | undefined, change: (r: ArticleRecord, at: number) => ArticleRecord) {
    return deps.rows.transaction(() => {
      const row = find(id);
      requireRoleOf(principal, 'editor');
      checkIfMatch(row, ifMatch);
      const before = deps.articles.record(row);
      return commit(before, change(before, now()), principal);
    });
  }

  return {
    create(input: ArticleCreateInput, principal: Principal): ArticleDto {
      requireRoleOf(principal, 'writer');
      checkReferences(input);
      return deps.rows.transaction(() => {
        const at = now();
        const id = uuidv7();
        const slug =
          input.slug !== undefined
            ? claimSlug(input.slug)
            : firstFreeSlug(slugFrom(input.headline) || `article-${id.slice(-12)}`, (s) => slugTaken(s));
        const empty: ArticleRecord = {
          id,
          slug,
          headline: input.headline,
          subheadline: null,
          summary: null,
          body: [],
          status: 'draft',
          version: 1,
          sectionId: input.sectionId,
          secondarySectionIds: [],
          authorIds: [],
          tagIds: [],
          leadImage: null,
          relatedLinks: [],
          dateline: null,
          language: 'en',
          canonicalUrl: null,
          publishedAt: null,
          firstPublishedAt: null,
          createdAt: at,
          updatedAt: at,
        };
        const { slug: _slug, ...rest } = input;
        return deps.articles.save(apply(empty, rest, at), principal.name, true);
      });
    },

    patch(id: string, input: ArticlePatchInput, principal: Principal, ifMatch?: string): ArticleDto {
      return deps.rows.transaction(() => {
        const row = find(id);
        requireRoleOf(principal, row.status === 'draft' ? 'writer' : 'editor');
        checkIfMatch(row, ifMatch);
        checkReferences(input, id);
        const before = deps.articles.record(row);
        return commit(before, apply(before, input, now()), principal);
      });
    },

    delete(id: string, principal: Principal): void {
      deps.rows.transaction(() => {
        find(id);
        requireRoleOf(principal, 'editor');
        deps.rows.delete(id);
      });
    },

    publish(id: string, publishAt: number | undefined, principal: Principal, ifMatch?: string): ArticleDto {
      return changeStatus(id, principal, ifMatch, (r, at) => {
        const when = publishAt ?? at;
        const status: ArticleStatus = when > at ? 'scheduled' : 'published';
        const first = firstPublished(r, at);
        return { ...r, status, publishedAt: when, firstPublishedAt: first ?? (status === 'published' ? when : null) };
      });
    },

    unpublish(id: string, principal: Principal, ifMatch?: string): ArticleDto {
      return changeStatus(id, principal, ifMatch, (r) => ({ ...r, status: 'draft', publishedAt: null }));
    },

    archive(id: string, principal: Principal, ifMatch?: string): ArticleDto {
      return changeStatus(id, principal, ifMatch, (r) => ({ ...r, status: 'archived' }));
    },

    revisions(id: string, query: { limit: number; cursor?: string }): Page<{ revision: number; createdAt: string; createdBy: string }> {
      find(id);
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, RevisionCursor).r;
      const rows = deps.rows.revisions(id, before, query.limit + 1);
      return pageFrom(rows, query.limit, (last) => ({ r: last.revision }), (r) => ({
        revision: r.revision,
        createdAt: toIso(r.createdAt),
        createdBy: r.createdBy,
      }));
    },

    revision(id: string, revision: number) {
      find(id);
      const row = deps.rows.revision(id, revision);
      if (!row) throw new NotFoundError('Revision');
      const snapshot = row.snapshot as Snapshot;
      return { revision: row.revision, createdAt: toIso(row.createdAt), createdBy: row.createdBy, article: snapshot.article };
    },

    /** Makes a revision's content current as a new revision; status and publication stay. */
    restore(id: string, revision: number, principal: Principal): ArticleDto {
      return deps.rows.transaction(() => {
        const row = find(id);
        const stored = deps.rows.revision(id, revision);
        if (!stored) throw new NotFoundError('Revision');
        requireRoleOf(principal, 'editor');
        const old = (stored.snapshot as Snapshot).record;
        const before = deps.articles.record(row);
        const gone: FieldError[] = [];
        if (!deps.sections.findById(old.sectionId)) gone.push({ in: 'path', path: 'revision', message: 'Its section no longer exists' });
        if (old.authorIds.some((a) => !deps.authors.findById(a))) gone.push({ in: 'path', path: 'revision', message: 'One of its authors no longer exists' });
        if (old.leadImage && !deps.images.findById(old.leadImage.imageId)) gone.push({ in: 'path', path: 'revision', message: 'Its lead image no longer exists' });
        if (old.body.some((b) => b.type === 'image' && !deps.images.findById(b.imageId))) gone.push({ in: 'path', path: 'revision', message: 'One of its body images no longer exists' });
        if (gone.length > 0) throw new ConflictError('This revision cannot be restored as it is.', gone);
        const after: ArticleRecord = {
          ...old,
          slug: slugTaken(old.slug, id) ? before.slug : old.slug,
          secondarySectionIds: old.secondarySectionIds.filter((s) => deps.sections.findById(s)),
          relatedLinks: old.relatedLinks.filter((l) => l.targetArticleId === null || deps.rows.findById(l.targetArticleId)),
          tagIds: old.tagIds,
          status: before.status,
          publishedAt: before.publishedAt,
          firstPublishedAt: before.firstPublishedAt,
          createdAt: before.createdAt,
          version: before.version,
          updatedAt: before.updatedAt,
        };
        return commit(before, after, principal);
      });
    },
  };
}

export type ArticleEditor = ReturnType<typeof createArticleEditor>;
