// Webhook rows, their delivery jobs and attempt log. Claims take a lease (`claimed_until`) in
// one short statement; results are recorded only by the holder of the lease.
import { and, desc, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/database.ts';

export interface WebhookRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: string;
  secret: string;
  createdAt: number;
  updatedAt: number;
}

export interface ClaimedJob {
  webhookId: string;
  eventSeq: number;
  orderKey: string;
  attempts: number;
  url: string;
  secret: string;
  eventId: string;
  type: string;
  body: string;
}

export interface AttemptRow {
  id: string;
  eventId: string;
  type: string;
  attempt: number;
  status: string;
  responseStatus: number | null;
  error: string | null;
  durationMs: number | null;
  createdAt: number;
  nextAttemptAt: number | null;
}

const toRow = (r: Omit<WebhookRow, 'events'> & { events: string }): WebhookRow => ({ ...r, events: JSON.parse(r.events) as string[] });

export function webhookRepository(db: Database) {
  const { webhooks, webhookJobs, webhookEvents, webhookAttempts } = db.tables;
  return {
    async create(input: { url: string; events: string[]; description: string | null; secret: string }, at: number): Promise<WebhookRow> {
      const row = { id: uuidv7(), url: input.url, events: JSON.stringify(input.events), description: input.description, status: 'active', secret: input.secret, createdAt: at, updatedAt: at };
      await db.transaction(async () => {
        await db.q.insert(webhooks).values(row);
      });
      return toRow(row);
    },

    async list(): Promise<WebhookRow[]> {
      return (await db.q.select().from(webhooks).orderBy(webhooks.createdAt, webhooks.id)).map(toRow);
    },

    async get(id: string): Promise<WebhookRow | null> {
      const [row] = await db.q.select().from(webhooks).where(eq(webhooks.id, id));
      return row ? toRow(row) : null;
    },

    async update(id: string, patch: { url?: string; events?: string[]; description?: string | null; status?: string }, at: number): Promise<WebhookRow | null> {
      return db.transaction(async () => {
        const [row] = await db.q
          .update(webhooks)
          .set({ ...patch, events: patch.events && JSON.stringify(patch.events), updatedAt: at })
          .where(eq(webhooks.id, id))
          .returning();
        return row ? toRow(row) : null;
      });
    },

    /** Deletes the webhook with its jobs and attempts (cascade); false when there was none. */
    async remove(id: string): Promise<boolean> {
      return db.transaction(async () => (await db.q.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id })).length > 0);
    },

    /** One page of the attempt log, newest first (keyset on createdAt, id). */
    async attempts(webhookId: string, limit: number, after: { createdAt: number; id: string } | null): Promise<AttemptRow[]> {
      const a = webhookAttempts;
      return db.q
        .select({ id: a.id, eventId: a.eventId, type: a.type, attempt: a.attempt, status: a.status, responseStatus: a.responseStatus, error: a.error, durationMs: a.durationMs, createdAt: a.createdAt, nextAttemptAt: a.nextAttemptAt })
        .from(a)
        .where(and(eq(a.webhookId, webhookId), after ? or(lt(a.createdAt, after.createdAt), and(eq(a.createdAt, after.createdAt), lt(a.id, after.id))) : undefined))
        .orderBy(desc(a.createdAt), desc(a.id))
        .limit(limit);
    },

    /** Whether any job may be due (a read: the poll opens no write transaction when idle). */
    async anyDue(now: number): Promise<boolean> {
      const j = webhookJobs;
      const [row] = await db.q
        .select({ seq: j.eventSeq })
        .from(j)
        .innerJoin(webhooks, eq(webhooks.id, j.webhookId))
        .where(and(eq(j.status, 'pending'), lte(j.nextAttemptAt, now), or(isNull(j.claimedUntil), lt(j.claimedUntil, now)), eq(webhooks.status, 'active')))
        .limit(1);
      return row !== undefined;
    },

    /**
     * Leases up to `limit` due jobs until `lease`: pending, due, not leased (or the lease ran
     * out: the instance holding it died), the webhook active, and no earlier job of the same
     * webhook and order key still pending (in order per article; this also keeps one delivery
     * per webhook and article in flight across every instance). At most `perWebhook` jobs of a
     * webhook are taken, less those of it already in flight here (`busy`), so that a webhook
     * whose receiver hangs cannot take every slot; webhooks at that cap are not looked at.
     */
    async claim(now: number, lease: number, limit: number, perWebhook: number, busy: ReadonlyMap<string, number>): Promise<ClaimedJob[]> {
      return db.transaction(async () => {
        const t = db.dialect.time;
        const full = [...busy].filter(([, n]) => n >= perWebhook).map(([id]) => id);
        // PostgreSQL locks the candidates (skipping rows another instance is claiming); the
        // conditional update below makes the claim exclusive on either engine.
        const candidates = await db.dialect.all<{ webhook_id: string; event_seq: number | string }>(
          db.q,
          sql`select j.webhook_id, j.event_seq from webhook_jobs j join webhooks w on w.id = j.webhook_id
              where j.status = 'pending' and j.next_attempt_at <= ${t(now)}
                and (j.claimed_until is null or j.claimed_until < ${t(now)})
                and w.status = 'active'
                ${full.length > 0 ? sql`and j.webhook_id not in (${sql.join(full.map((id) => sql`${id}`), sql`, `)})` : sql``}
                and not exists (select 1 from webhook_jobs p where p.webhook_id = j.webhook_id and p.order_key = j.order_key and p.status = 'pending' and p.event_seq < j.event_seq)
              order by j.next_attempt_at, j.event_seq
              limit ${limit * perWebhook} ${sql.raw(db.dialect.claimRows)}`,
        );
        const taken = new Map(busy);
        const jobs: ClaimedJob[] = [];
        for (const c of candidates) {
          if (jobs.length >= limit) break;
          const count = taken.get(c.webhook_id) ?? 0;
          if (count >= perWebhook) continue;
          const key = and(eq(webhookJobs.webhookId, c.webhook_id), eq(webhookJobs.eventSeq, Number(c.event_seq)));
          const leased = await db.q
            .update(webhookJobs)
            .set({ claimedUntil: lease })
            .where(and(key, eq(webhookJobs.status, 'pending'), or(isNull(webhookJobs.claimedUntil), lt(webhookJobs.claimedUntil, now))))
            .returning({ seq: webhookJobs.eventSeq });
          if (leased.length === 0) continue;
          const [job] = await db.q
            .select({ webhookId: webhookJobs.webhookId, eventSeq: webhookJobs.eventSeq, orderKey: webhookJobs.orderKey, attempts: webhookJobs.attempts, url: webhooks.url, secret: webhooks.secret, eventId: webhookEvents.id, type: webhookEvents.type, body: webhookEvents.body })
            .from(webhookJobs)
            .innerJoin(webhooks, eq(webhooks.id, webhookJobs.webhookId))
            .innerJoin(webhookEvents, eq(webhookEvents.seq, webhookJobs.eventSeq))
            .where(key);
          if (!job) continue;
          jobs.push(job);
          taken.set(c.webhook_id, count + 1);
        }
        return jobs;
      });
    },

    /**
     * Records an attempt and the job's next state, if `lease` is still this job's lease (a
     * holder whose lease ran out and was taken over records nothing: the new holder delivers).
     */
    async record(job: ClaimedJob, lease: number, outcome: { status: 'succeeded' | 'pending' | 'failed'; nextAttemptAt: number | null; responseStatus: number | null; error: string | null; durationMs: number }, at: number): Promise<boolean> {
      return db.transaction(async () => {
        const attempt = job.attempts + 1;
        const updated = await db.q
          .update(webhookJobs)
          .set({ status: outcome.status, attempts: attempt, claimedUntil: null, ...(outcome.nextAttemptAt !== null && { nextAttemptAt: outcome.nextAttemptAt }) })
          .where(and(eq(webhookJobs.webhookId, job.webhookId), eq(webhookJobs.eventSeq, job.eventSeq), eq(webhookJobs.status, 'pending'), eq(webhookJobs.claimedUntil, lease)))
          .returning({ seq: webhookJobs.eventSeq });
        if (updated.length === 0) return false;
        await db.q.insert(webhookAttempts).values({
          id: uuidv7(),
          webhookId: job.webhookId,
          eventId: job.eventId,
          type: job.type,
          attempt,
          status: outcome.status,
          responseStatus: outcome.responseStatus,
          error: outcome.error,
          durationMs: outcome.durationMs,
          createdAt: at,
          nextAttemptAt: outcome.nextAttemptAt,
        });
        return true;
      });
    },

    /** Deliveries not yet made (pending jobs) and the age of the oldest due one (metrics). */
    async backlog(at: number): Promise<{ pending: number; oldestDueSeconds: number }> {
      const [row] = await db.q
        .select({ pending: sql<number>`count(*)`, oldest: sql<unknown>`min(${webhookJobs.nextAttemptAt})` })
        .from(webhookJobs)
        .where(eq(webhookJobs.status, 'pending'));
      const oldest = row?.oldest === null || row?.oldest === undefined ? null : db.dialect.readTime(row.oldest);
      return { pending: Number(row?.pending ?? 0), oldestDueSeconds: oldest === null ? 0 : Math.max(0, (at - oldest) / 1000) };
    },
  };
}

export type WebhookRepository = ReturnType<typeof webhookRepository>;
