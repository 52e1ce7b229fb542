import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireToken } from '../../http/auth.ts';
import { idParams } from '../../http/common-schemas.ts';
import { problems } from '../../http/responses.ts';
import type { SectionEditor } from './editor-service.ts';
import { SectionCreateSchema, SectionDetailSchema, SectionPatchSchema } from './schemas.ts';

const secured = [{ bearerAuth: [] }];

export const sectionWriteRoutes: FastifyPluginAsyncZod<{ editor: SectionEditor }> = async (app, opts) => {
  app.post(
    '/v1/sections',
    {
      schema: {
        operationId: 'createSection',
        tags: ['sections'],
        summary: 'Create a section',
        description: 'Editor or higher. Honours `Idempotency-Key`.',
        security: secured,
        body: SectionCreateSchema,
        response: { 201: SectionDetailSchema, ...problems(400, 401, 403, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const section = await opts.editor.create(request.body, requireToken(request));
      reply.code(201).header('location', `/v1/sections/${section.id}`);
      return section;
    },
  );

  app.patch(
    '/v1/sections/:id',
    {
      schema: {
        operationId: 'updateSection',
        tags: ['sections'],
        summary: 'Rename, re-slug or move a section',
        description: 'Editor or higher. Moving (`parentId`) or re-slugging rewrites the `path` of the section and every descendant in one transaction; a move under itself or a descendant is 409.',
        security: secured,
        params: idParams,
        body: SectionPatchSchema,
        response: { 200: SectionDetailSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (request) => opts.editor.patch(request.params.id, request.body, requireToken(request)),
  );

  app.delete(
    '/v1/sections/:id',
    {
      schema: {
        operationId: 'deleteSection',
        tags: ['sections'],
        summary: 'Delete a section',
        description: 'Editor or higher. 409 while it has children or articles.',
        security: secured,
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      await opts.editor.delete(request.params.id, requireToken(request));
      return reply.code(204).send(null);
    },
  );
};
