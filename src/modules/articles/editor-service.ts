// The editorial write side of articles, composed from its tasks: create, patch and delete
// (article-writes.ts), publish/unpublish/archive (publishing.ts), revisions (revisions.ts),
// corrections (corrections.ts).
// Every change is one transaction that bumps `version` and stores a revision; `If-Match`
// guards against lost updates (editor-shared.ts).
import type { AuthorRepository } from '../authors/repository.ts';
import type { ImageRepository } from '../images/repository.ts';
import type { SectionRepository } from '../sections/repository.ts';
import type { TagRepository } from '../tags/repository.ts';
import { createArticleWrites } from './article-writes.ts';
import { createCorrections } from './corrections.ts';
import { createPublishing } from './publishing.ts';
import type { ArticleRepository } from './repository.ts';
import { createRevisions } from './revisions.ts';
import type { ArticleService } from './service.ts';
import { articleEtag, ifMatchHits } from './etag.ts';

export { articleEtag, ifMatchHits };
export type { Snapshot } from './revisions.ts';

export function createArticleEditor(deps: {
  articles: ArticleService;
  rows: ArticleRepository;
  sections: SectionRepository;
  authors: AuthorRepository;
  tags: TagRepository;
  images: ImageRepository;
  now?: () => number;
}) {
  const editing = { ...deps, now: deps.now ?? Date.now };
  return {
    ...createArticleWrites(editing),
    ...createPublishing(editing),
    ...createRevisions(editing),
    ...createCorrections(editing),
  };
}

export type ArticleEditor = ReturnType<typeof createArticleEditor>;
