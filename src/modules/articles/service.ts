// Articles: reads (reads.ts, from stored documents), the read model (assemble.ts) and storing
// (saving.ts), wired together. Editorial operations are in editor-service.ts.
import type { Database } from '../../db/database.ts';
import type { AuthorRepository } from '../authors/repository.ts';
import type { ImageService } from '../images/service.ts';
import type { SectionRepository } from '../sections/repository.ts';
import type { SectionService } from '../sections/service.ts';
import type { TagRepository } from '../tags/repository.ts';
import { createAssembler } from './assemble.ts';
import type { ArticleDocuments } from './documents.ts';
import type { FeedRepository } from './feed-repository.ts';
import { createArticleReads } from './reads.ts';
import type { ArticleRepository } from './repository.ts';
import { createArticleSaving } from './saving.ts';
import type { ArticleUrl } from './urls.ts';

export { articleCacheDeps, feedChangeKeys, isPublicAt } from './assemble.ts';
export type { ArticleRecord } from './saving.ts';
export { bodyText } from './search.ts';

export function createArticleService(deps: {
  /** The outbox and article_sync are written in the saves' transactions (saving.ts). */
  db: Database;
  articles: ArticleRepository;
  documents: ArticleDocuments;
  feed: FeedRepository;
  sections: SectionService;
  sectionRows: SectionRepository;
  authors: AuthorRepository;
  tags: TagRepository;
  images: ImageService;
  /** An article's public `url` (urls.ts). */
  articleUrl: ArticleUrl;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const assemble = createAssembler({ ...deps, now });
  return {
    assemble,
    documents: deps.documents,
    ...createArticleReads({ ...deps, assemble, now }),
    ...createArticleSaving({ ...deps, assemble }),
  };
}

export type ArticleService = ReturnType<typeof createArticleService>;
