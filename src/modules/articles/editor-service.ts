// The editorial write side of articles: create, patch, delete, publish/unpublish/archive,
// revisions. Every change is one transaction that bumps `version` and stores a
// revision; `If-Match` guards against lost updates.
import { z } from 'zod';
import { uuidv7 } from 'uuidv7';
import type { ArticleStatus } from '../../db/schema.ts';
import { ConflictError, type FieldError, NotFoundError, PreconditionFailedError, UnprocessableError } from '../../http/errors.ts';
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
import { articleEtag, ifMatchHits } from './etag.ts';

export { articleEtag, ifMatchHits };

const RevisionCursor = z.object({ r: z.number().int() });

/** Items for which `keep` holds, asked one at a time (these run inside a transaction). */
async function filterAsync<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const out: T[] = [];
  for (const item of items) if (await keep(item)) out.push(item);
  return out;
}

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

  async function find(id: string): Promise<ArticleRow> {
    const row = await deps.rows.findById(id);
    if (!row) throw new NotFoundError('Article');
    return row;
  }

  /** 422 naming every referenced id that does not exist. */
  async function checkReferences(input: ArticlePatchInput, selfId?: string): Promise<void> {
    const errors: FieldError[] = [];
    const missing = (path: string, what: string) => errors.push({ in: 'body', path, message: `No such ${what}` });
    if (input.sectionId !== undefined && !(await deps.sections.findById(input.sectionId))) missing('sectionId', 'section');
    for (const [i, id] of (input.secondarySectionIds ?? []).entries()) {
      if (!(await deps.sections.findById(id))) missing(`secondarySectionIds.${i}`, 'section');
    }
    for (const [i, id] of (input.authorIds ?? []).entries()) {
      if (!(await deps.authors.findById(id))) missing(`authorIds.${i}`, 'author');
    }
    if (input.leadImage && !(await deps.images.findById(input.leadImage.imageId))) missing('leadImage.imageId', 'image');
    for (const [i, b] of (input.body ?? []).entries()) {
      if (b.type === 'image' && !(await deps.images.findById(b.imageId))) missing(`body.${i}.imageId`, 'image');
    }
    for (const [i, l] of (input.relatedLinks ?? []).entries()) {
      if (!('articleId' in l)) continue;
      if (l.articleId === selfId) errors.push({ in: 'body', path: `relatedLinks.${i}.articleId`, message: 'An article cannot link to itself' });
      else if (!(await deps.rows.findById(l.articleId))) missing(`relatedLinks.${i}.articleId`, 'article');
    }
    if (errors.length > 0) throw new UnprocessableError('The body names resources that do not exist.', errors);
  }

  async function slugTaken(slug: string, selfId?: string): Promise<boolean> {
    const other = await deps.rows.findBySlug(slug);
    return other !== undefined && other.id !== selfId;
  }

  async function claimSlug(slug: string, selfId?: string): Promise<string> {
    if (await slugTaken(slug, selfId)) {
      throw new ConflictError(`The slug \`${slug}\` is taken by another article.`, [{ in: 'body', path: 'slug', message: 'Slug already in use' }]);
    }
    return slug;
  }

  async function tagIds(names: string[], at: number): Promise<string[]> {
    const seen = new Set<string>();
    const wanted = names
      .map((name) => ({ id: uuidv7(), name, slug: tagSlug(name) }))
      .filter((t) => !seen.has(t.slug) && seen.add(t.slug));
    return deps.tags.ensure(wanted, at);
  }

  /** Applies input fields onto a record (the fields absent from input stay as they are). */
  async function apply(record: ArticleRecord, input: ArticlePatchInput, at: number): Promise<ArticleRecord> {
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
    if (input.tags !== undefined) next.tagIds = await tagIds(input.tags, at);
    if (input.dateline !== undefined) next.dateline = input.dateline;
    if (input.language !== undefined) next.language = input.language;
    if (input.canonicalUrl !== undefined) next.canonicalUrl = input.canonicalUrl;
    if (input.slug !== undefined) next.slug = await claimSlug(input.slug, record.id);
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
  async function commit(before: ArticleRecord, after: ArticleRecord, principal: Principal): Promise<ArticleDto> {
    if (JSON.stringify(before) === JSON.stringify(after)) return deps.articles.get(before.id, true);
    const at = now();
    return deps.articles.save(
      { ...after, firstPublishedAt: after.firstPublishedAt ?? firstPublished(before, at), version: before.version + 1, updatedAt: Math.max(at, before.updatedAt) },
      principal.name,
      false,
    );
  }

  async function checkIfMatch(row: ArticleRow, ifMatch: string | undefined): Promise<void> {
    if (ifMatch === undefined) return;
    if (!ifMatchHits(ifMatch, articleEtag(await deps.articles.get(row.id, true)))) throw new PreconditionFailedError();
  }

  function changeStatus(id: string, principal: Principal, ifMatch: string | undefined, change: (r: ArticleRecord, at: number) => ArticleRecord) {
    return deps.rows.transaction(async () => {
      const row = await find(id);
      requireRoleOf(principal, 'editor');
      await checkIfMatch(row, ifMatch);
      const before = await deps.articles.record(row);
      return commit(before, change(before, now()), principal);
    });
  }

  return {
    async create(input: ArticleCreateInput, principal: Principal): Promise<ArticleDto> {
      requireRoleOf(principal, 'writer');
      return deps.rows.transaction(async () => {
        await checkReferences(input);
        const at = now();
        const id = uuidv7();
        const slug =
          input.slug !== undefined
            ? await claimSlug(input.slug)
            : await firstFreeSlug(slugFrom(input.headline) || `article-${id.slice(-12)}`, (s) => slugTaken(s));
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
        return deps.articles.save(await apply(empty, rest, at), principal.name, true);
      });
    },

    async patch(id: string, input: ArticlePatchInput, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return deps.rows.transaction(async () => {
        const row = await find(id);
        requireRoleOf(principal, row.status === 'draft' ? 'writer' : 'editor');
        await checkIfMatch(row, ifMatch);
        await checkReferences(input, id);
        const before = await deps.articles.record(row);
        return commit(before, await apply(before, input, now()), principal);
      });
    },

    async delete(id: string, principal: Principal): Promise<void> {
      await deps.rows.transaction(async () => {
        await find(id);
        requireRoleOf(principal, 'editor');
        await deps.articles.remove(id);
      });
    },

    async publish(id: string, publishAt: number | undefined, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return changeStatus(id, principal, ifMatch, (r, at) => {
        const when = publishAt ?? at;
        const status: ArticleStatus = when > at ? 'scheduled' : 'published';
        const first = firstPublished(r, at);
        return { ...r, status, publishedAt: when, firstPublishedAt: first ?? (status === 'published' ? when : null) };
      });
    },

    async unpublish(id: string, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return changeStatus(id, principal, ifMatch, (r) => ({ ...r, status: 'draft', publishedAt: null }));
    },

    async archive(id: string, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return changeStatus(id, principal, ifMatch, (r) => ({ ...r, status: 'archived' }));
    },

    async revisions(id: string, query: { limit: number; cursor?: string }): Promise<Page<{ revision: number; createdAt: string; createdBy: string }>> {
      await find(id);
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, RevisionCursor).r;
      const rows = await deps.rows.revisions(id, before, query.limit + 1);
      return pageFrom(rows, query.limit, (last) => ({ r: last.revision }), (r) => ({
        revision: r.revision,
        createdAt: toIso(r.createdAt),
        createdBy: r.createdBy,
      }));
    },

    async revision(id: string, revision: number) {
      await find(id);
      const row = await deps.rows.revision(id, revision);
      if (!row) throw new NotFoundError('Revision');
      const snapshot = row.snapshot as Snapshot;
      return { revision: row.revision, createdAt: toIso(row.createdAt), createdBy: row.createdBy, article: snapshot.article };
    },

    /** Makes a revision's content current as a new revision; status and publication stay. */
    async restore(id: string, revision: number, principal: Principal): Promise<ArticleDto> {
      return deps.rows.transaction(async () => {
        const row = await find(id);
        const stored = await deps.rows.revision(id, revision);
        if (!stored) throw new NotFoundError('Revision');
        requireRoleOf(principal, 'editor');
        const old = (stored.snapshot as Snapshot).record;
        const before = await deps.articles.record(row);
        const gone: FieldError[] = [];
        const exists = async (find: (id: string) => Promise<unknown>, ids: string[]) => (await filterAsync(ids, async (id) => (await find(id)) === undefined)).length === 0;
        if (!(await deps.sections.findById(old.sectionId))) gone.push({ in: 'path', path: 'revision', message: 'Its section no longer exists' });
        if (!(await exists(deps.authors.findById, old.authorIds))) gone.push({ in: 'path', path: 'revision', message: 'One of its authors no longer exists' });
        if (old.leadImage && !(await deps.images.findById(old.leadImage.imageId))) gone.push({ in: 'path', path: 'revision', message: 'Its lead image no longer exists' });
        if (!(await exists(deps.images.findById, old.body.flatMap((b) => (b.type === 'image' ? [b.imageId] : []))))) gone.push({ in: 'path', path: 'revision', message: 'One of its body images no longer exists' });
        if (gone.length > 0) throw new ConflictError('This revision cannot be restored as it is.', gone);
        const after: ArticleRecord = {
          ...old,
          slug: (await slugTaken(old.slug, id)) ? before.slug : old.slug,
          secondarySectionIds: await filterAsync(old.secondarySectionIds, async (s) => (await deps.sections.findById(s)) !== undefined),
          relatedLinks: await filterAsync(old.relatedLinks, async (l) => l.targetArticleId === null || (await deps.rows.findById(l.targetArticleId)) !== undefined),
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
