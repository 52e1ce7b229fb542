// RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest public articles (issue 13, part 3).
// STUB: being built.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ArticleService } from '../articles/service.ts';
import type { SiteUrls } from '../articles/urls.ts';
import type { AuthorService } from '../authors/service.ts';
import type { SectionService } from '../sections/service.ts';
import type { TagService } from '../tags/service.ts';

export interface FeedRouteOptions {
  articles: ArticleService;
  sections: SectionService;
  authors: AuthorService;
  tags: TagService;
  /** CMS_PUBLIC_URL without a trailing slash, when set (this API's own absolute URLs). */
  publicUrl?: string;
  /** The front-end's origin and article path (article `url`s are already made with it). */
  site: SiteUrls;
  publisher: { name: string; logoUrl: string | null };
}

export const feedRoutes: FastifyPluginAsyncZod<FeedRouteOptions> = async () => {};
