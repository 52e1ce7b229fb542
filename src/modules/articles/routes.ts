import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams, noQuery, slugParams } from '../../http/common-schemas.ts';
import { UnauthorizedError } from '../../http/errors.ts';
import { listRoute } from '../../http/list-route.ts';
import { articleDeps, articleListDeps } from '../../http/surrogate-keys.ts';
import { problems } from '../../http/responses.ts';
import { ArticleListQuery, ArticleListSchema, ArticleSchema } from './schemas.ts';
import type { ArticleService } from './service.ts';

/**
 * Sends JSON text built by the service (stored documents spliced together) as it is: the
 * response schemas describe it in the spec; tests check the bodies against them.
 */
function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

export const articleRoutes: FastifyPluginAsyncZod<{ articles: ArticleService; publicUrl?: string }> = async (app, opts) => {
  listRoute(app, {
    url: '/v1/articles',
    operationId: 'listArticles',
    tags: ['articles'],
    summary: 'List articles',
    description:
      'Newest first by default. Filters combine (AND). `section` includes its subsections. ' +
      'With `q`, hits come by relevance unless `sort` is given, each with a highlighted `snippet`. ' +
      'Without a token only public articles are listed; `status` needs a token (401 without).',
    querystring: ArticleListQuery,
    response: ArticleListSchema,
    problems: [422],
    publicUrl: opts.publicUrl,
    // Authentication comes before validation: `status` without a token is 401 even when
    // other parameters are also wrong.
    onRequest: async (request) => {
      if (request.principal === null && Object.hasOwn(request.query as object, 'status')) {
        throw new UnauthorizedError('The `status` filter needs a token.');
      }
    },
    list: async (request, reply) => {
      const { json, etag, page, deps } = await opts.articles.list(request.query, request.principal !== null);
      // The lists and articles shown, with their sections and tags (and the filter's tag, which
      // an empty page shows nowhere else).
      request.cacheDeps = [...articleListDeps({ json, etag, deps }), ...(request.query.tag !== undefined ? [`tag:${request.query.tag}`] : [])];
      // Made from the listed articles' ETags rather than by hashing the page's bytes.
      reply.header('etag', etag);
      return { json, page };
    },
  });

  app.get(
    '/v1/articles/:id',
    {
      schema: {
        operationId: 'getArticle',
        tags: ['articles'],
        summary: 'Get an article by id',
        description:
          'The full article with its body. Without a token only a public article is found (404 otherwise). The strong `ETag` is the one `If-Match` expects.',
        params: idParams,
        querystring: noQuery,
        response: { 200: ArticleSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const article = await opts.articles.renderById(request.params.id, request.principal !== null);
      reply.header('etag', article.etag);
      request.cacheDeps = articleDeps(article);
      return sendJson(reply, article.json);
    },
  );

  app.get(
    '/v1/articles/slug/:slug',
    {
      schema: {
        operationId: 'getArticleBySlug',
        tags: ['articles'],
        summary: 'Get an article by slug',
        description:
          'As `getArticle`, by the article’s unique slug: the call a front-end makes for a page URL.',
        params: slugParams,
        querystring: noQuery,
        response: { 200: ArticleSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const article = await opts.articles.renderBySlug(request.params.slug, request.principal !== null);
      reply.header('etag', article.etag);
      request.cacheDeps = articleDeps(article);
      return sendJson(reply, article.json);
    },
  );
};
