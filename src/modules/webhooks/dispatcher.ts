// Delivers the outbox's jobs (issue 14). STUB: being built.
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database.ts';

export interface DispatcherOptions {
  db: Database;
  now: () => number;
  log: FastifyBaseLogger;
  allowPrivate: boolean;
  /** Seconds before each retry (CMS_WEBHOOK_RETRY_SECONDS). */
  retrySeconds: number[];
}

export function createDispatcher(_opts: DispatcherOptions) {
  return {
    start(): void {},
    async stop(): Promise<void> {},
  };
}
