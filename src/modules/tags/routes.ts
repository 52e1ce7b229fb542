import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listRoute } from '../../http/list-route.ts';
import { TagListQuery, TagListSchema } from './schemas.ts';
import type { TagService } from './service.ts';

export const tagRoutes: FastifyPluginAsyncZod<{ tags: TagService; publicUrl?: string }> = async (app, opts) => {
  listRoute(app, {
    url: '/v1/tags',
    operationId: 'listTags',
    tags: ['tags'],
    summary: 'List tags with article counts',
    description: 'Ordered by slug. Without a token, only tags with a public article, counting public articles only.',
    querystring: TagListQuery,
    response: TagListSchema,
    publicUrl: opts.publicUrl,
    list: async (request) => {
      const page = await opts.tags.list(request.query, request.principal !== null);
      // Counts of public articles: any public change (`public`; `articles` for a CDN), and the tags shown.
      request.cacheDeps = ['public', 'feed:all', ...page.data.map((t) => `tag:${t.slug}`)];
      return page;
    },
  });
};
