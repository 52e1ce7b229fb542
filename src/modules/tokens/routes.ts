// Token administration over HTTP (admin only); the CLI does the same offline.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../../http/auth.ts';
import { idParams, noQuery } from '../../http/common-schemas.ts';
import { NotFoundError } from '../../http/errors.ts';
import { listRoute } from '../../http/list-route.ts';
import { problems } from '../../http/responses.ts';
import { toIso } from '../../http/time.ts';
import { TokenCreatedSchema, TokenCreateSchema, TokenListSchema } from './schemas.ts';
import type { TokenService } from './service.ts';

const secured = [{ bearerAuth: [] }];

type TokenView = Awaited<ReturnType<TokenService['list']>>[number];
const toDto = (t: TokenView) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdAt: toIso(t.createdAt),
  lastUsedAt: toIso(t.lastUsedAt),
  revokedAt: toIso(t.revokedAt),
});

export const tokenRoutes: FastifyPluginAsyncZod<{ tokens: TokenService }> = async (app, opts) => {
  listRoute(app, {
    url: '/v1/tokens',
    operationId: 'listTokens',
    tags: ['tokens'],
    summary: 'List API tokens (admin)',
    description: 'Every token with its role, creation, last use and revocation time; never the secret or its hash.',
    security: secured,
    querystring: noQuery,
    response: TokenListSchema,
    problems: [403],
    list: async (request) => {
      requireRole(request, 'admin');
      return { data: (await opts.tokens.list()).map(toDto) };
    },
  });

  app.post(
    '/v1/tokens',
    {
      schema: {
        operationId: 'createToken',
        tags: ['tokens'],
        summary: 'Create an API token (admin)',
        description: 'The secret is in this response only; the server keeps a hash.',
        security: secured,
        body: TokenCreateSchema,
        response: { 201: TokenCreatedSchema, ...problems(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      requireRole(request, 'admin');
      const { id, token } = await opts.tokens.create(request.body.name, request.body.role);
      const created = (await opts.tokens.list()).find((t) => t.id === id)!;
      reply.code(201).header('cache-control', 'no-store');
      return { ...toDto(created), token };
    },
  );

  app.delete(
    '/v1/tokens/:id',
    {
      schema: {
        operationId: 'revokeToken',
        tags: ['tokens'],
        summary: 'Revoke an API token (admin)',
        description:
          'The token stops working at once (401); it stays listed with `revokedAt`.',
        security: secured,
        params: idParams,
        response: { 204: z.null().describe('Revoked'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const exists = (await opts.tokens.list()).some((t) => t.id === request.params.id);
      if (!exists) throw new NotFoundError('Token');
      requireRole(request, 'admin');
      await opts.tokens.revoke(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
