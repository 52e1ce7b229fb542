// GET /v1/sync: the public articles that changed since a cursor (issue 14). STUB: being built.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/database.ts';
import type { ArticleService } from '../articles/service.ts';

export interface SyncRouteOptions {
  db: Database;
  articles: ArticleService;
  publicUrl?: string;
}

export const syncRoutes: FastifyPluginAsyncZod<SyncRouteOptions> = async () => {};
