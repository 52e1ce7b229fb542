// GET /v1/sync: the public articles that changed since a cursor (issue 14). A keyset over
// article_sync.seq: the table holds one row per article, renumbered by each change of what the
// public sees (written in that change's transaction, seqs committed in order: see
// events/article-events.ts), so a pass meets each article at most once, at its last change.
// A client applying every item in order holds the public articles at their versions.
import { asc, gt } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { NotFoundError } from '../../http/errors.ts';
import { cursorParam, decodeCursor, encodeCursor, limitParam } from '../../http/pagination.ts';
import { problems } from '../../http/responses.ts';
import { ArticleSchema, type ArticleDto } from '../articles/schemas.ts';
import type { ArticleService } from '../articles/service.ts';

export interface SyncRouteOptions {
  db: Database;
  articles: ArticleService;
  publicUrl?: string;
}

const SyncQuery = z.strictObject({ cursor: cursorParam, limit: limitParam });

const SyncCursor = z.strictObject({ s: z.number().int().min(0) });

const SyncItemSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('upsert'), id: z.string(), article: ArticleSchema.describe('The article as `getArticle` shows it without a token') }),
    z.object({ type: z.literal('delete'), id: z.string().describe('An article that stopped being public (unpublished, archived, rescheduled or deleted)') }),
  ])
  .meta({ id: 'SyncItem' });

const SyncPageSchema = z
  .object({
    data: z.array(SyncItemSchema),
    page: z.object({
      limit: z.number().int(),
      nextCursor: z.string().describe('Always set: where the next request continues (the cursor given when nothing changed since)'),
      hasMore: z.boolean().describe('More changes wait past `nextCursor`'),
    }),
  })
  .meta({ id: 'SyncPage' });

export const syncRoutes: FastifyPluginAsyncZod<SyncRouteOptions> = async (app, opts) => {
  const { articleSync } = opts.db.tables;

  app.get(
    '/v1/sync',
    {
      schema: {
        operationId: 'syncArticles',
        tags: ['sync'],
        summary: 'Changes to the public articles since a cursor',
        description:
          'The public articles that changed since `cursor`, each at most once per pass, in the order of their last change; ' +
          'from the start without a cursor. `upsert` carries the article as the public sees it now; `delete` says it is not ' +
          'public any more (unpublished, archived, moved to a future time, or deleted). A client that applies every item in order ' +
          'holds exactly the public articles, at the same `version`s, as `listArticles` lists them. `page.nextCursor` is always set: ' +
          'keep it to ask again later. No token is needed. Sent with `Cache-Control: no-store` and never kept in the response cache, ' +
          'so that a change shows on the next request. An unknown cursor is a 400.',
        querystring: SyncQuery,
        response: { 200: SyncPageSchema, ...problems(400) },
      },
    },
    async (request, reply) => {
      const { limit } = request.query;
      const after = request.query.cursor === undefined ? 0 : decodeCursor(request.query.cursor, SyncCursor).s;
      // A sync client must see a change at once: neither the response cache nor a CDN keeps it.
      request.cacheKey = null;
      reply.header('cache-control', 'no-store');
      const rows = await opts.db.q
        .select({ id: articleSync.articleId, seq: articleSync.seq, public: articleSync.public })
        .from(articleSync)
        .where(gt(articleSync.seq, after))
        .orderBy(asc(articleSync.seq))
        .limit(limit + 1);
      const shown = rows.slice(0, limit);
      // Each article as the public reads it (its stored document; several at once on PostgreSQL).
      const data = await Promise.all(
        shown.map(async (row): Promise<{ type: 'upsert'; id: string; article: ArticleDto } | { type: 'delete'; id: string }> => {
          if (row.public === 1) {
            try {
              const rendered = await opts.articles.renderById(row.id, false);
              return { type: 'upsert', id: row.id, article: JSON.parse(rendered.json) as ArticleDto };
            } catch (error) {
              // Not public any more since the row was read: its own change (a later seq) follows,
              // and a delete now keeps the client from holding it meanwhile.
              if (!(error instanceof NotFoundError)) throw error;
            }
          }
          return { type: 'delete', id: row.id };
        }),
      );
      const last = shown.at(-1)?.seq ?? after;
      return { data, page: { limit, nextCursor: encodeCursor({ s: last }), hasMore: rows.length > limit } };
    },
  );
};
