// Notices scheduled articles becoming public at their time, with no request (issue 14):
// their `article.published` event and sync entry. STUB: being built.
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database.ts';
import type { ArticleService } from '../articles/service.ts';

export interface SchedulerOptions {
  db: Database;
  articles: ArticleService;
  now: () => number;
  log: FastifyBaseLogger;
}

export function createScheduler(_opts: SchedulerOptions) {
  return {
    start(): void {},
    async stop(): Promise<void> {},
  };
}
