// An article's revisions: listed newest first, read one (the article as it was after that
// change), and restored — a revision's content made current as a new revision.
import { z } from 'zod';
import { ConflictError, type FieldError, NotFoundError } from '../../http/errors.ts';
import { decodeCursor, type Page, pageFrom } from '../../http/pagination.ts';
import { toIso } from '../../http/time.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import { commit, type EditorDeps, findArticle, slugTaken } from './editor-shared.ts';
import type { ArticleDto } from './schemas.ts';
import type { ArticleRecord } from './service.ts';

const RevisionCursor = z.object({ r: z.number().int() });

/** What a revision stores: the record it restores from and the article it shows. */
export interface Snapshot {
  record: ArticleRecord;
  article: ArticleDto;
}

/** Items for which `keep` holds, asked one at a time (these run inside a transaction). */
async function filterAsync<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const out: T[] = [];
  for (const item of items) if (await keep(item)) out.push(item);
  return out;
}

/** 409 naming what a revision needs that no longer exists (its section, authors, images). */
async function checkRestorable(deps: EditorDeps, old: ArticleRecord): Promise<void> {
  const gone: FieldError[] = [];
  const exists = async (find: (id: string) => Promise<unknown>, ids: string[]) => (await filterAsync(ids, async (id) => (await find(id)) === undefined)).length === 0;
  if (!(await deps.sections.findById(old.sectionId))) gone.push({ in: 'path', path: 'revision', message: 'Its section no longer exists' });
  if (!(await exists(deps.authors.findById, old.authorIds))) gone.push({ in: 'path', path: 'revision', message: 'One of its authors no longer exists' });
  if (old.leadImage && !(await deps.images.findById(old.leadImage.imageId))) gone.push({ in: 'path', path: 'revision', message: 'Its lead image no longer exists' });
  if (!(await exists(deps.images.findById, old.body.flatMap((b) => (b.type === 'image' ? [b.imageId] : []))))) gone.push({ in: 'path', path: 'revision', message: 'One of its body images no longer exists' });
  if (gone.length > 0) throw new ConflictError('This revision cannot be restored as it is.', gone);
}

type NewsFields = 'url' | 'kicker' | 'translations' | 'corrections';

/**
 * The article a revision shows, with the fields added since it was stored: a revision from
 * before the news fields has no `url`, `kicker`, `translations` or `corrections` (the response
 * schema needs them). Its `url` is made from what it stored (its slug, section and dates).
 */
function withCurrentFields(deps: EditorDeps, article: Omit<ArticleDto, NewsFields> & Partial<Pick<ArticleDto, NewsFields>>): ArticleDto {
  const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
  return {
    ...article,
    url:
      article.url ??
      deps.articles.articleUrl({
        id: article.id,
        slug: article.slug,
        canonicalUrl: article.canonicalUrl,
        sectionPath: article.section.path,
        firstPublishedAt: ms(article.firstPublishedAt),
        publishedAt: ms(article.publishedAt),
        createdAt: ms(article.createdAt) ?? 0,
      }),
    kicker: article.kicker ?? null,
    translations: article.translations ?? [],
    corrections: article.corrections ?? [],
  };
}

export function createRevisions(deps: EditorDeps) {
  return {
    async revisions(id: string, query: { limit: number; cursor?: string }): Promise<Page<{ revision: number; createdAt: string; createdBy: string }>> {
      await findArticle(deps, id);
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, RevisionCursor).r;
      const rows = await deps.rows.revisions(id, before, query.limit + 1);
      return pageFrom(rows, query.limit, (last) => ({ r: last.revision }), (r) => ({
        revision: r.revision,
        createdAt: toIso(r.createdAt),
        createdBy: r.createdBy,
      }));
    },

    async revision(id: string, revision: number) {
      await findArticle(deps, id);
      const row = await deps.rows.revision(id, revision);
      if (!row) throw new NotFoundError('Revision');
      const snapshot = row.snapshot as Snapshot;
      return { revision: row.revision, createdAt: toIso(row.createdAt), createdBy: row.createdBy, article: withCurrentFields(deps, snapshot.article) };
    },

    /**
     * Makes a revision's content current as a new revision; status and publication stay. A
     * slug since taken keeps the current one; links and secondary sections since gone are dropped.
     */
    async restore(id: string, revision: number, principal: Principal): Promise<ArticleDto> {
      return deps.rows.transaction(async () => {
        const row = await findArticle(deps, id);
        const stored = await deps.rows.revision(id, revision);
        if (!stored) throw new NotFoundError('Revision');
        requireRoleOf(principal, 'editor');
        const old = (stored.snapshot as Snapshot).record;
        const before = await deps.articles.record(row);
        await checkRestorable(deps, old);
        const after: ArticleRecord = {
          ...old,
          slug: (await slugTaken(deps, old.slug, id)) ? before.slug : old.slug,
          secondarySectionIds: await filterAsync(old.secondarySectionIds, async (s) => (await deps.sections.findById(s)) !== undefined),
          relatedLinks: await filterAsync(old.relatedLinks, async (l) => l.targetArticleId === null || (await deps.rows.findById(l.targetArticleId)) !== undefined),
          tagIds: old.tagIds,
          // Revisions from before kickers existed have none.
          kicker: old.kicker ?? null,
          // Membership of a translation group is not content: it stays as it is.
          translationGroup: before.translationGroup,
          status: before.status,
          publishedAt: before.publishedAt,
          firstPublishedAt: before.firstPublishedAt,
          createdAt: before.createdAt,
          version: before.version,
          updatedAt: before.updatedAt,
        };
        return commit(deps, before, after, principal);
      });
    },
  };
}
