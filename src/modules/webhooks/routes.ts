// Webhook administration (admin): create (secret shown once), list, read, update, delete, test
// ping, delivery log (issue 14). Registered outside the writes scope, so the token and the
// admin role are checked here, before validation (401/403 ahead of 400).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { requireRole } from '../../http/auth.ts';
import { idParams, noQuery } from '../../http/common-schemas.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../../http/errors.ts';
import { listRoute } from '../../http/list-route.ts';
import { decodeCursor, pageFrom } from '../../http/pagination.ts';
import { problems } from '../../http/responses.ts';
import { toIso } from '../../http/time.ts';
import { enqueueEvent } from '../events/outbox.ts';
import { type AttemptRow, type WebhookRow, webhookRepository } from './repository.ts';
import { DeliveryPageSchema, DeliveryQuerySchema, WebhookCreatedSchema, WebhookCreateSchema, WebhookListSchema, WebhookPatchSchema, WebhookSchema, WebhookTestSchema } from './schemas.ts';
import { newSecret } from './signature.ts';
import { type Lookup, vetUrl } from './ssrf.ts';

export interface WebhookRouteOptions {
  db: Database;
  now: () => number;
  /** CMS_WEBHOOK_ALLOW_PRIVATE: private, loopback and link-local targets allowed. */
  allowPrivate: boolean;
  /** DNS for the SSRF check (tests). */
  lookup?: Lookup;
}

const secured = [{ bearerAuth: [] }];
const tags = ['webhooks'];

const toDto = (w: WebhookRow) => ({ id: w.id, url: w.url, events: w.events, description: w.description, status: w.status as 'active' | 'disabled', createdAt: toIso(w.createdAt) });

const toDelivery = (a: AttemptRow) => ({
  id: a.id,
  eventId: a.eventId,
  type: a.type,
  attempt: a.attempt,
  status: a.status as 'pending' | 'succeeded' | 'failed',
  responseStatus: a.responseStatus,
  error: a.error,
  durationMs: a.durationMs,
  createdAt: toIso(a.createdAt),
  nextAttemptAt: toIso(a.nextAttemptAt),
});

const DeliveryCursor = z.object({ c: z.number().int(), i: z.string() });

export const webhookRoutes: FastifyPluginAsyncZod<WebhookRouteOptions> = async (app, opts) => {
  const repo = webhookRepository(opts.db);
  // Every route here is admin; an absent body counts as `{}` so validation names missing fields.
  app.addHook('onRequest', async (request) => {
    requireRole(request, 'admin');
  });
  app.addHook('preValidation', async (request) => {
    if ((request.method === 'POST' || request.method === 'PATCH') && (request.body === undefined || request.body === null)) request.body = {};
  });

  /** 422 naming body.url when its host is or resolves to a non-public address (or does not resolve). */
  const guard = async (url: string) => {
    if (opts.allowPrivate) return;
    const vetting = await vetUrl(new URL(url), opts.lookup);
    if (!vetting.ok) throw new UnprocessableError(vetting.reason, [{ in: 'body', path: 'url', message: vetting.refused ? 'Not a public address' : 'The host does not resolve' }]);
  };
  const found = async (id: string) => {
    const webhook = await repo.get(id);
    if (!webhook) throw new NotFoundError('Webhook');
    return webhook;
  };

  app.post(
    '/v1/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Create a webhook (admin)',
        description:
          'Subscribes a URL to events. The signing `secret` is in this response only. A URL whose host is, or resolves to, a loopback, private, link-local or other non-public address is 422 (unless `CMS_WEBHOOK_ALLOW_PRIVATE=1`).',
        security: secured,
        body: WebhookCreateSchema,
        response: { 201: WebhookCreatedSchema, ...problems(400, 401, 403, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      await guard(request.body.url);
      const secret = newSecret();
      const webhook = await repo.create({ url: request.body.url, events: request.body.events, description: request.body.description ?? null, secret }, opts.now());
      reply.code(201).header('cache-control', 'no-store');
      return { ...toDto(webhook), secret };
    },
  );

  listRoute(app, {
    url: '/v1/webhooks',
    operationId: 'listWebhooks',
    tags,
    summary: 'List webhooks (admin)',
    description: 'Every webhook, oldest first, without secrets.',
    security: secured,
    querystring: noQuery,
    response: WebhookListSchema,
    problems: [403],
    list: async () => ({ data: (await repo.list()).map(toDto) }),
  });

  app.get(
    '/v1/webhooks/:id',
    {
      schema: {
        operationId: 'getWebhook',
        tags,
        summary: 'Read a webhook (admin)',
        description: 'The webhook, without its secret.',
        security: secured,
        params: idParams,
        response: { 200: WebhookSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => toDto(await found(request.params.id)),
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Update a webhook (admin)',
        description:
          'Changes the URL (checked as at creation), the events, the description or the status (`disabled`: nothing is sent; pending deliveries wait until it is `active` again). The secret stays, and is not shown.',
        security: secured,
        params: idParams,
        body: WebhookPatchSchema,
        response: { 200: WebhookSchema, ...problems(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (request) => {
      await found(request.params.id);
      if (request.body.url !== undefined) await guard(request.body.url);
      const updated = await repo.update(request.params.id, request.body, opts.now());
      if (!updated) throw new NotFoundError('Webhook');
      return toDto(updated);
    },
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Delete a webhook (admin)',
        description: 'Deletes the webhook, its pending deliveries and its delivery log.',
        security: secured,
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      if (!(await repo.remove(request.params.id))) throw new NotFoundError('Webhook');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/webhooks/:id/test',
    {
      schema: {
        operationId: 'testWebhook',
        tags,
        summary: 'Send a test ping (admin)',
        description: 'Queues a `ping` event (`data`: `{ webhookId }`) for this webhook only; its attempts show in the delivery log. 409 when the webhook is disabled.',
        security: secured,
        params: idParams,
        response: { 202: WebhookTestSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const webhook = await found(request.params.id);
      if (webhook.status !== 'active') throw new ConflictError('The webhook is disabled: activate it first.');
      const queued = await opts.db.transaction(() => enqueueEvent(opts.db, { type: 'ping', articleId: null, data: { webhookId: webhook.id }, webhookId: webhook.id }, opts.now()));
      reply.code(202);
      return { eventId: queued!.eventId };
    },
  );

  listRoute(app, {
    url: '/v1/webhooks/:id/deliveries',
    operationId: 'listWebhookDeliveries',
    tags,
    summary: 'A webhook’s delivery log (admin)',
    description: 'One row per delivery attempt, newest first, paginated.',
    security: secured,
    params: idParams,
    querystring: DeliveryQuerySchema,
    response: DeliveryPageSchema,
    problems: [403, 404],
    list: async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor, DeliveryCursor);
      await found(request.params.id);
      const rows = await repo.attempts(request.params.id, limit + 1, after && { createdAt: after.c, id: after.i });
      return pageFrom(rows, limit, (last) => ({ c: last.createdAt, i: last.id }), toDelivery);
    },
  });
};
