import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { noQuery } from '../../http/common-schemas.ts';
import { problems } from '../../http/responses.ts';

const HealthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const healthRoutes: FastifyPluginAsyncZod<{ db: Database }> = async (app, opts) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness and readiness',
        description: 'Answers once the database is open and migrated.',
        querystring: noQuery,
        response: { 200: HealthSchema, ...problems(400, 401) },
      },
    },
    async (_request, reply) => {
      await opts.db.ping();
      reply.header('cache-control', 'no-store');
      return { status: 'ok' as const };
    },
  );
};
