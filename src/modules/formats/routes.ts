// An article as schema.org JSON-LD and as IPTC ninjs 2.2 (issue 13, parts 5-6).
// STUB: being built.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ArticleService } from '../articles/service.ts';

export interface FormatRouteOptions {
  articles: ArticleService;
  /** CMS_PUBLIC_URL without a trailing slash, when set (this API's own absolute URLs). */
  publicUrl?: string;
  publisher: { name: string; logoUrl: string | null };
}

export const formatRoutes: FastifyPluginAsyncZod<FormatRouteOptions> = async () => {};
