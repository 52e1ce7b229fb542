// Draft preview links (issue 14): POST /v1/articles/{id}/preview (writer+) and
// GET /v1/preview/{token}. STUB: being built.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/database.ts';
import type { ArticleService } from '../articles/service.ts';

export interface PreviewRouteOptions {
  db: Database;
  articles: ArticleService;
  publicUrl?: string;
  now: () => number;
}

export const previewRoutes: FastifyPluginAsyncZod<PreviewRouteOptions> = async () => {};
