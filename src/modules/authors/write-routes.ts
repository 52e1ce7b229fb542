import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireToken } from '../../http/auth.ts';
import { idParams } from '../../http/common-schemas.ts';
import { problems } from '../../http/responses.ts';
import type { AuthorEditor } from './editor-service.ts';
import { AuthorCreateSchema, AuthorPatchSchema, AuthorSchema } from './schemas.ts';

const secured = [{ bearerAuth: [] }];

export const authorWriteRoutes: FastifyPluginAsyncZod<{ editor: AuthorEditor }> = async (app, opts) => {
  app.post(
    '/v1/authors',
    {
      schema: {
        operationId: 'createAuthor',
        tags: ['authors'],
        summary: 'Create an author',
        description: 'Editor or higher. Honours `Idempotency-Key`.',
        security: secured,
        body: AuthorCreateSchema,
        response: { 201: AuthorSchema, ...problems(400, 401, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const author = await opts.editor.create(request.body, requireToken(request));
      reply.code(201).header('location', `/v1/authors/${author.id}`);
      return author;
    },
  );

  app.patch(
    '/v1/authors/:id',
    {
      schema: {
        operationId: 'updateAuthor',
        tags: ['authors'],
        summary: 'Change an author',
        description:
          'Editor or higher. Partial: absent fields stay. A taken slug is 409.',
        security: secured,
        params: idParams,
        body: AuthorPatchSchema,
        response: { 200: AuthorSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 429) },
      },
    },
    async (request) => opts.editor.patch(request.params.id, request.body, requireToken(request)),
  );

  app.delete(
    '/v1/authors/:id',
    {
      schema: {
        operationId: 'deleteAuthor',
        tags: ['authors'],
        summary: 'Delete an author',
        description: 'Editor or higher. 409 while the author is on a byline.',
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
