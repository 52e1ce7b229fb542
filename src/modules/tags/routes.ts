import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { setNextLink } from '../../http/pagination.ts';
import { problems } from '../../http/responses.ts';
import { TagListQuery, TagListSchema } from './schemas.ts';
import type { TagService } from './service.ts';

export const tagRoutes: FastifyPluginAsyncZod<{ tags: TagService; publicUrl?: string }> = async (app, opts) => {
  app.get(
    '/v1/tags',
    {
      schema: {
        operationId: 'listTags',
        tags: ['tags'],
        summary: 'List tags with article counts',
        description: 'Ordered by slug. Without a token, only tags with a public article, counting public articles only.',
        querystring: TagListQuery,
        response: { 200: TagListSchema, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const page = await opts.tags.list(request.query, request.principal !== null);
      setNextLink(request, reply, page.page.nextCursor, opts.publicUrl);
      return page;
    },
  );
};
