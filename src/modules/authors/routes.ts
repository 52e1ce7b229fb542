import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams, noQuery, slugParams } from '../../http/common-schemas.ts';
import type { FastifyRequest } from 'fastify';
import { listRoute } from '../../http/list-route.ts';
import { problems } from '../../http/responses.ts';
import { AuthorListQuery, AuthorListSchema, AuthorSchema } from './schemas.ts';
import type { AuthorService } from './service.ts';

/** `public` as before (an author write names it), and the bylines shown. */
function shows<T extends { id: string }>(request: FastifyRequest, authors: T[]): void {
  request.cacheDeps = ['public', ...authors.map((a) => `author:${a.id}`)];
}

export const authorRoutes: FastifyPluginAsyncZod<{ authors: AuthorService; publicUrl?: string }> = async (app, opts) => {
  listRoute(app, {
    url: '/v1/authors',
    operationId: 'listAuthors',
    tags: ['authors'],
    summary: 'List authors',
    description: 'Every byline, ordered by slug.',
    querystring: AuthorListQuery,
    response: AuthorListSchema,
    publicUrl: opts.publicUrl,
    list: async (request) => {
      const page = await opts.authors.list(request.query);
      shows(request, page.data);
      return page;
    },
  });

  app.get(
    '/v1/authors/:id',
    {
      schema: {
        operationId: 'getAuthor',
        tags: ['authors'],
        summary: 'Get an author by id',
        description:
          'One byline: name, slug, email, title and bio.',
        params: idParams,
        querystring: noQuery,
        response: { 200: AuthorSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const author = await opts.authors.get(request.params.id);
      shows(request, [author]);
      return author;
    },
  );

  app.get(
    '/v1/authors/slug/:slug',
    {
      schema: {
        operationId: 'getAuthorBySlug',
        tags: ['authors'],
        summary: 'Get an author by slug',
        description:
          'As `getAuthor`, by the author’s unique slug (for author pages).',
        params: slugParams,
        querystring: noQuery,
        response: { 200: AuthorSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const author = await opts.authors.getBySlug(request.params.slug);
      shows(request, [author]);
      return author;
    },
  );
};
