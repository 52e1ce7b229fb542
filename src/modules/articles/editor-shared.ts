// What the editorial operations (article-writes.ts, publishing.ts, revisions.ts) share: their
// dependencies, finding the article, the `If-Match` check and saving a change as the next version.
import { NotFoundError, PreconditionFailedError } from '../../http/errors.ts';
import type { Principal } from '../tokens/roles.ts';
import type { AuthorRepository } from '../authors/repository.ts';
import type { ImageRepository } from '../images/repository.ts';
import type { SectionRepository } from '../sections/repository.ts';
import type { TagRepository } from '../tags/repository.ts';
import type { ArticleRepository, ArticleRow } from './repository.ts';
import type { ArticleDto } from './schemas.ts';
import type { ArticleRecord, ArticleService } from './service.ts';
import { articleEtag, ifMatchHits } from './etag.ts';

export interface EditorDeps {
  articles: ArticleService;
  rows: ArticleRepository;
  sections: SectionRepository;
  authors: AuthorRepository;
  tags: TagRepository;
  images: ImageRepository;
  now: () => number;
}

export async function findArticle(deps: EditorDeps, id: string): Promise<ArticleRow> {
  const row = await deps.rows.findById(id);
  if (!row) throw new NotFoundError('Article');
  return row;
}

export async function slugTaken(deps: EditorDeps, slug: string, selfId?: string): Promise<boolean> {
  const other = await deps.rows.findBySlug(slug);
  return other !== undefined && other.id !== selfId;
}

export async function checkIfMatch(deps: EditorDeps, row: ArticleRow, ifMatch: string | undefined): Promise<void> {
  if (ifMatch === undefined) return;
  if (!ifMatchHits(ifMatch, articleEtag(await deps.articles.get(row.id, true)))) throw new PreconditionFailedError();
}

/**
 * When the article first became public: set once, when it is published, or — for a
 * scheduled article — once its time has passed (recorded at its next change).
 */
export function firstPublished(r: ArticleRecord, at: number): number | null {
  if (r.firstPublishedAt !== null) return r.firstPublishedAt;
  return r.status === 'scheduled' && r.publishedAt !== null && r.publishedAt <= at ? r.publishedAt : null;
}

/** Saves a changed record as the next version (no-op when nothing changed). */
export async function commit(deps: EditorDeps, before: ArticleRecord, after: ArticleRecord, principal: Principal): Promise<ArticleDto> {
  if (JSON.stringify(before) === JSON.stringify(after)) return deps.articles.get(before.id, true);
  const at = deps.now();
  return deps.articles.save(
    { ...after, firstPublishedAt: after.firstPublishedAt ?? firstPublished(before, at), version: before.version + 1, updatedAt: Math.max(at, before.updatedAt) },
    principal.name,
    false,
  );
}
