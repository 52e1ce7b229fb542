import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams, noQuery } from '../../http/common-schemas.ts';
import { listRoute } from '../../http/list-route.ts';
import { problems } from '../../http/responses.ts';
import { SectionDetailSchema, SectionListQuery, SectionListSchema } from './schemas.ts';
import type { SectionService } from './service.ts';

// The tree holds nothing about articles: only a section write (which evicts everything) changes it.
const SECTION_TREE = ['sections'];

export const sectionRoutes: FastifyPluginAsyncZod<{ sections: SectionService; publicUrl?: string }> = async (app, opts) => {
  listRoute(app, {
    url: '/v1/sections',
    operationId: 'listSections',
    tags: ['sections'],
    summary: 'List sections',
    description: 'Every section, flat, ordered by `path`. `path` narrows the list to one section.',
    querystring: SectionListQuery,
    response: SectionListSchema,
    publicUrl: opts.publicUrl,
    list: async (request) => {
      const page = await opts.sections.list(request.query);
      request.cacheDeps = [...SECTION_TREE, ...page.data.map((s) => `section:${s.id}`)];
      return page;
    },
  });

  app.get(
    '/v1/sections/:id',
    {
      schema: {
        operationId: 'getSection',
        tags: ['sections'],
        summary: 'Get a section with its breadcrumbs and children',
        description:
          'The section, its breadcrumb trail (root first, ending with itself) and its direct children in position order.',
        params: idParams,
        querystring: noQuery,
        response: { 200: SectionDetailSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const section = await opts.sections.get(request.params.id);
      // Itself, its ancestors and its children, each shown by name.
      const shown = new Set([section.id, ...section.breadcrumbs.map((s) => s.id), ...section.children.map((s) => s.id)]);
      request.cacheDeps = [...SECTION_TREE, ...[...shown].map((id) => `section:${id}`)];
      return section;
    },
  );
};
