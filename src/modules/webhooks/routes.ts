// Webhook administration (admin): create (secret shown once), list, read, update, delete, test
// ping, delivery log (issue 14). STUB: being built.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Database } from '../../db/database.ts';

export interface WebhookRouteOptions {
  db: Database;
  now: () => number;
  /** CMS_WEBHOOK_ALLOW_PRIVATE: private, loopback and link-local targets allowed. */
  allowPrivate: boolean;
}

export const webhookRoutes: FastifyPluginAsyncZod<WebhookRouteOptions> = async () => {};
