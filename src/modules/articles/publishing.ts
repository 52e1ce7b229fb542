// An article's status: publish (now, at a past date, or scheduled for a future one), back to
// draft, archive. Editor or higher; each change is a new version with `If-Match` honoured.
import type { ArticleStatus } from '../../db/schema.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import { checkIfMatch, commit, type EditorDeps, findArticle, firstPublished } from './editor-shared.ts';
import type { ArticleDto } from './schemas.ts';
import type { ArticleRecord } from './service.ts';

/** Applies `change` to the stored record in one transaction, after the 404, 403 and 412 checks. */
function changeStatus(
  deps: EditorDeps,
  id: string,
  principal: Principal,
  ifMatch: string | undefined,
  change: (r: ArticleRecord, at: number) => ArticleRecord,
): Promise<ArticleDto> {
  return deps.rows.transaction(async () => {
    const row = await findArticle(deps, id);
    requireRoleOf(principal, 'editor');
    await checkIfMatch(deps, row, ifMatch);
    const before = await deps.articles.record(row);
    return commit(deps, before, change(before, deps.now()), principal);
  });
}

export function createPublishing(deps: EditorDeps) {
  return {
    /** Published at `publishAt` (now when absent); scheduled when that is in the future. */
    async publish(id: string, publishAt: number | undefined, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return changeStatus(deps, id, principal, ifMatch, (r, at) => {
        const when = publishAt ?? at;
        const status: ArticleStatus = when > at ? 'scheduled' : 'published';
        const first = firstPublished(r, at);
        return { ...r, status, publishedAt: when, firstPublishedAt: first ?? (status === 'published' ? when : null) };
      });
    },

    async unpublish(id: string, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return changeStatus(deps, id, principal, ifMatch, (r) => ({ ...r, status: 'draft', publishedAt: null }));
    },

    async archive(id: string, principal: Principal, ifMatch?: string): Promise<ArticleDto> {
      return changeStatus(deps, id, principal, ifMatch, (r) => ({ ...r, status: 'archived' }));
    },
  };
}
