import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams, noQuery, slugParams } from '../../http/common-schemas.ts';
import { UnauthorizedError } from '../../http/errors.ts';
import { setNextLink } from '../../http/pagination.ts';
import { problems } from '../../http/responses.ts';
import { ArticleListQuery, ArticleListSchema, ArticleSchema } from './schemas.ts';
import { articleEtag } from './editor-service.ts';
import { articleCacheDeps, type ArticleService } from './service.ts';

export const articleRoutes: FastifyPluginAsyncZod<{ articles: ArticleService; publicUrl?: string }> = async (app, opts) => {
  app.get(
    '/v1/articles',
    {
      schema: {
        operationId: 'listArticles',
        tags: ['articles'],
        summary: 'List articles',
        description:
          'Newest first by default. Filters combine (AND). `section` includes its subsections. ' +
          'With `q`, hits come by relevance unless `sort` is given, each with a highlighted `snippet`. ' +
          'Without a token only public articles are listed; `status` needs a token (401 without).',
        querystring: ArticleListQuery,
        response: { 200: ArticleListSchema, ...problems(400, 401, 422) },
      },
      // Authentication comes before validation: `status` without a token is 401 even when
      // other parameters are also wrong.
      onRequest: async (request) => {
        if (request.principal === null && Object.hasOwn(request.query as object, 'status')) {
          throw new UnauthorizedError('The `status` filter needs a token.');
        }
      },
    },
    async (request, reply) => {
      const { data, page, lists } = await opts.articles.list(request.query, request.principal !== null);
      setNextLink(request, reply, page.nextCursor, opts.publicUrl);
      request.cacheDeps = [...lists.map((key) => `feed:${key}`), ...data.flatMap(articleCacheDeps)];
      return { data, page };
    },
  );

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
      const article = await opts.articles.get(request.params.id, request.principal !== null);
      reply.header('etag', articleEtag(article));
      request.cacheDeps = articleCacheDeps(article);
      return article;
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
      const article = await opts.articles.getBySlug(request.params.slug, request.principal !== null);
      reply.header('etag', articleEtag(article));
      request.cacheDeps = articleCacheDeps(article);
      return article;
    },
  );
};
