// Corrections: appended to an article by an editor, public, never edited or removed. Each one
// is a change of the article: a new version and a stored revision. Restoring an older revision
// leaves them as they are (they live in their own table, not in the article's record).
import { uuidv7 } from 'uuidv7';
import { toIso } from '../../http/time.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import { type EditorDeps, findArticle } from './editor-shared.ts';

export interface CorrectionDto {
  id: string;
  text: string;
  createdAt: string;
}

export function createCorrections(deps: EditorDeps) {
  return {
    async addCorrection(articleId: string, text: string, principal: Principal): Promise<CorrectionDto> {
      return deps.rows.transaction(async () => {
        const row = await findArticle(deps, articleId);
        requireRoleOf(principal, 'editor');
        const before = await deps.articles.record(row);
        const at = Math.max(deps.now(), before.updatedAt);
        const correction = { id: uuidv7(), articleId, text, createdAt: at };
        await deps.rows.insertCorrection(correction);
        // The article shows it: a new version, a revision, its documents and lists refreshed.
        await deps.articles.save({ ...before, version: before.version + 1, updatedAt: at }, principal.name, false);
        return { id: correction.id, text, createdAt: toIso(at)! };
      });
    },
  };
}
