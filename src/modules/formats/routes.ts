// An article as schema.org JSON-LD and as IPTC ninjs 2.2 (issue 13, parts 5-6): the article as
// the caller may see it (404 otherwise), public reads like the article itself. The ETag is the
// bytes' (caching.ts): they depend on the article and on the absolute URLs and publisher of
// this configuration, and the response cache keeps it with them. The cache entry depends on
// the article's own keys, so an edit, a byline or an image change refreshes it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams, noQuery } from '../../http/common-schemas.ts';
import { absoluteUrl } from '../../http/public-url.ts';
import { articleDeps } from '../../http/surrogate-keys.ts';
import { problems } from '../../http/responses.ts';
import type { ArticleDto } from '../articles/schemas.ts';
import type { ArticleService } from '../articles/service.ts';
import { newsArticle, NewsArticleJsonLdSchema, scriptSafeJson, type Publisher } from './jsonld.ts';
import { NinjsSchema, ninjsOf } from './ninjs.ts';

export interface FormatRouteOptions {
  articles: ArticleService;
  /** CMS_PUBLIC_URL without a trailing slash, when set (this API's own absolute URLs). */
  publicUrl?: string;
  publisher: Publisher;
}

export const formatRoutes: FastifyPluginAsyncZod<FormatRouteOptions> = async (app, opts) => {
  /** The article as the caller may see it, with its cache keys recorded for the response cache. */
  async function articleFor(request: FastifyRequest, id: string): Promise<ArticleDto> {
    const rendered = await opts.articles.renderById(id, request.principal !== null);
    request.cacheDeps = articleDeps(rendered);
    return JSON.parse(rendered.json) as ArticleDto;
  }
  const absolute = (request: FastifyRequest) => (url: string) => absoluteUrl(request, opts.publicUrl, url);
  /** Text serialized here, sent as it is (the response schemas describe it in the spec). */
  const sendText = (reply: FastifyReply, type: string, text: string) => reply.type(`${type}; charset=utf-8`).send(text);

  app.get(
    '/v1/articles/:id/jsonld',
    {
      schema: {
        operationId: 'getArticleJsonLd',
        tags: ['articles'],
        summary: 'Get an article as schema.org JSON-LD',
        description:
          'The article as a schema.org `NewsArticle`, ready to embed in a page’s script element of type `application/ld+json`: ' +
          '`<`, `>` and `&` never appear raw (they are sent as `\\u003c`, `\\u003e`, `\\u0026`, as are U+2028 and U+2029). ' +
          'Fields without a value are left out. `image` lists the original files of the lead image and of the body’s images, absolute. ' +
          'Visibility, `ETag` and caching as for `getArticle`.',
        params: idParams,
        querystring: noQuery,
        response: {
          200: { description: 'The NewsArticle', content: { 'application/ld+json': { schema: NewsArticleJsonLdSchema } } },
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const article = await articleFor(request, request.params.id);
      return sendText(reply, 'application/ld+json', scriptSafeJson(newsArticle(article, opts.publisher, absolute(request))));
    },
  );

  app.get(
    '/v1/articles/:id/ninjs',
    {
      schema: {
        operationId: 'getArticleNinjs',
        tags: ['articles'],
        summary: 'Get an article as IPTC ninjs 2.2',
        description:
          'The article as an IPTC ninjs 2.2 text item, valid against the official schema: `uri` `urn:uuid:<id>` (the `url` is in `altids`), ' +
          'headlines, the summary and corrections as descriptions, the body as HTML with word and character counts, ' +
          'the bylines as `by` and as `people`, sections and tags as `subjects`, the dateline as `located`, ' +
          'and the lead image as a `picture` association with its renditions, caption and credit. ' +
          '`pubstatus` is `usable` for a public article, `withheld` otherwise (seen with a token only). ' +
          'Visibility, `ETag` and caching as for `getArticle`.',
        params: idParams,
        querystring: noQuery,
        response: {
          200: { description: 'The ninjs item', content: { 'application/json': { schema: NinjsSchema } } },
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const article = await articleFor(request, request.params.id);
      return sendText(reply, 'application/json', JSON.stringify(ninjsOf(article, absolute(request))));
    },
  );
};
