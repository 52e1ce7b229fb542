// Notices scheduled articles becoming public at their time, with no request (issue 14): their
// `article.published` event and sync entry. A pass every second finds the scheduled articles
// whose time has come and that article_sync has not announced at their current version (no
// row, a delete, or an older version), and announces each in one short transaction. Several
// instances may notice the same article: the event's dedupe key
// (`published:<id>:<version>:<publishedAt>`) stores it once, and an instance that loses the race
// (a unique violation, or a serialization failure retried into finding the key) counts it as done.
import { and, asc, eq, isNull, lt, lte, or } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database.ts';
import { isPublicAt } from '../articles/assemble.ts';
import type { ArticleService } from '../articles/service.ts';
import { recordArticleChange, snapshotOf, syncStateOf } from './article-events.ts';

export interface SchedulerOptions {
  db: Database;
  articles: ArticleService;
  now: () => number;
  log: FastifyBaseLogger;
  /** Milliseconds between passes (default 1000). */
  intervalMs?: number;
}

export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
  /** Runs one pass now (after any pass under way); resolves with the articles it announced. */
  tick(): Promise<number>;
}

const BATCH = 100;

/** The schedulers running on a database handle, for tests that move a fake clock and want a pass now. */
const byDb = new WeakMap<Database, Scheduler>();
export function schedulerOf(db: Database): Scheduler | undefined {
  return byDb.get(db);
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { db, articles } = opts;
  const { articles: articleTable, articleSync } = db.tables;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> = Promise.resolve(0);

  async function announce(id: string, at: number): Promise<boolean> {
    try {
      return await db.transaction(async () => {
        // Read again inside the transaction: it may have been edited, unpublished or announced since.
        const [row] = await db.q.select().from(articleTable).where(eq(articleTable.id, id)).limit(1);
        if (!row || row.status !== 'scheduled' || !isPublicAt(row, at)) return false;
        const state = await syncStateOf(db, id);
        if (state?.public && state.version >= row.version) return false;
        const article = (await articles.assemble([row], true, true, at))[0]!;
        return recordArticleChange(db, { id, before: null, after: snapshotOf(article), version: row.version, dedupeKey: `published:${id}:${row.version}:${row.publishedAt}` }, at);
      });
    } catch (error) {
      // Another instance stored the same event between our check and our insert.
      if (db.dialect.uniqueViolation(error) !== null) return false;
      throw error;
    }
  }

  async function pass(): Promise<number> {
    const at = opts.now();
    let announced = 0;
    for (;;) {
      const due = await db.q
        .select({ id: articleTable.id })
        .from(articleTable)
        .leftJoin(articleSync, eq(articleSync.articleId, articleTable.id))
        .where(
          and(
            eq(articleTable.status, 'scheduled'),
            lte(articleTable.publishedAt, at),
            or(isNull(articleSync.articleId), eq(articleSync.public, 0), lt(articleSync.version, articleTable.version)),
          ),
        )
        .orderBy(asc(articleTable.publishedAt), asc(articleTable.id))
        .limit(BATCH);
      let progressed = 0;
      for (const { id } of due) if (await announce(id, at)) progressed++;
      announced += progressed;
      // A full batch none of which could be announced would come back the same: stop there.
      if (due.length < BATCH || progressed === 0) return announced;
    }
  }

  const scheduler: Scheduler = {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        scheduler.tick().catch((error: unknown) => opts.log.error({ err: error }, 'scheduler pass failed'));
      }, opts.intervalMs ?? 1000);
      // Never what keeps the process alive.
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running.catch(() => 0);
    },
    tick() {
      // One pass at a time per instance: a pass still running when the next is due is waited for.
      running = running.catch(() => 0).then(pass);
      return running;
    },
  };
  byDb.set(db, scheduler);
  return scheduler;
}
