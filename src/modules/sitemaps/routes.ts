// Sitemaps: the index by month, the month files and the Google News sitemap (issue 13, part 4).
// STUB: being built.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/database.ts';
import type { ArticleService } from '../articles/service.ts';
import type { ArticleUrl, SiteUrls } from '../articles/urls.ts';
import type { ImageService } from '../images/service.ts';

export interface SitemapRouteOptions {
  db: Database;
  articles: ArticleService;
  images: ImageService;
  /** An article's public `url` from its fields (urls.ts). */
  articleUrl: ArticleUrl;
  /** CMS_PUBLIC_URL without a trailing slash, when set (this API's own absolute URLs). */
  publicUrl?: string;
  site: SiteUrls;
  publisher: { name: string; logoUrl: string | null };
  now: () => number;
}

export const sitemapRoutes: FastifyPluginAsyncZod<SitemapRouteOptions> = async () => {};
