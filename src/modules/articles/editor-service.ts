// The editorial write side of articles, composed from its tasks: create, patch and delete
// (article-writes.ts), publish/unpublish/archive (publishing.ts), revisions (revisions.ts),
// corrections (corrections.ts).
// Every change is one transaction that bumps `version` and stores a revision; `If-Match`
// guards against lost updates (editor-shared.ts).
import { createArticleWrites } from './article-writes.ts';
import { createCorrections } from './corrections.ts';
import type { EditorDeps } from './editor-shared.ts';
import { createPublishing } from './publishing.ts';
import { createRevisions } from './revisions.ts';
import { articleEtag, ifMatchHits } from './etag.ts';

export { articleEtag, ifMatchHits };
export type { Snapshot } from './revisions.ts';

export function createArticleEditor(deps: Omit<EditorDeps, 'now'> & { now?: () => number }) {
  const editing = { ...deps, now: deps.now ?? Date.now };
  return {
    ...createArticleWrites(editing),
    ...createPublishing(editing),
    ...createRevisions(editing),
    ...createCorrections(editing),
  };
}

export type ArticleEditor = ReturnType<typeof createArticleEditor>;
