// Delivers the outbox's jobs (issue 14), at least once and in order per article. Each tick
// leases due jobs in a short transaction (several instances never take the same one), delivers
// them outside any transaction, several at once (one per webhook and article: the claim only
// offers the earliest pending job of each; at most a few per webhook, so that a receiver that
// hangs holds up no other webhook), and records each result in another short
// transaction. A lease that runs out (the process died mid-delivery) makes the job due again.
import { setMaxListeners } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database.ts';
import { deliver } from './delivery.ts';
import { type ClaimedJob, webhookRepository } from './repository.ts';
import { signatureHeaders } from './signature.ts';
import type { Lookup } from './ssrf.ts';

export interface DispatcherOptions {
  db: Database;
  now: () => number;
  log: FastifyBaseLogger;
  allowPrivate: boolean;
  /** Seconds before each retry (CMS_WEBHOOK_RETRY_SECONDS). */
  retrySeconds: number[];
  /** A delivery's whole exchange (default 10 s). */
  timeoutMs?: number;
  /** How often due jobs are looked for (default 250 ms). */
  pollMs?: number;
  /** Deliveries in flight at once in this process (default 32). */
  concurrency?: number;
  /** Deliveries in flight at once per webhook in this process (default 4): a hanging receiver holds no more. */
  perWebhook?: number;
  /** How long a claim holds a job before another instance may take it (default 60 s). */
  leaseMs?: number;
  /** DNS for the SSRF check (tests). */
  lookup?: Lookup;
}

export function createDispatcher(opts: DispatcherOptions) {
  const repo = webhookRepository(opts.db);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pollMs = opts.pollMs ?? 250;
  const concurrency = opts.concurrency ?? 32;
  const perWebhook = opts.perWebhook ?? 4;
  // Longer than a delivery can take, so that a live holder always records its own result.
  const leaseMs = Math.max(opts.leaseMs ?? 60_000, timeoutMs + 5_000);
  const inFlight = new Set<Promise<void>>();
  const busy = new Map<string, number>();
  const abort = new AbortController();
  // Each delivery in flight listens for the stop.
  setMaxListeners(concurrency + 10, abort.signal);
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | null = null;
  let stopped = false;

  async function run(job: ClaimedJob, lease: number): Promise<void> {
    const sentAt = new Date(opts.now());
    const result = await deliver({
      url: job.url,
      body: job.body,
      headers: signatureHeaders(job.secret, job.eventId, sentAt, job.body),
      timeoutMs,
      allowPrivate: opts.allowPrivate,
      signal: abort.signal,
      ...(opts.lookup && { lookup: opts.lookup }),
    });
    // Stopping: the lease runs out and another start (or instance) delivers it again.
    if (stopped) return;
    const attempt = job.attempts + 1;
    const at = opts.now();
    const retryIn = opts.retrySeconds[attempt - 1];
    const status = result.ok ? 'succeeded' : result.retryable && retryIn !== undefined ? 'pending' : 'failed';
    const nextAttemptAt = status === 'pending' ? at + retryIn! * 1000 : null;
    await repo.record(job, lease, { status, nextAttemptAt, responseStatus: result.responseStatus, error: result.error, durationMs: result.durationMs }, at);
    if (!result.ok) opts.log.info({ webhookId: job.webhookId, eventId: job.eventId, attempt, status, error: result.error }, 'webhook delivery failed');
  }

  /** Leases what is due and starts delivering it; resolves once the deliveries are started. */
  async function tick(): Promise<void> {
    const room = concurrency - inFlight.size;
    if (stopped || room <= 0) return;
    const now = opts.now();
    const lease = now + leaseMs;
    // Most polls find nothing: a read, so that an idle dispatcher never takes the writer.
    if (!(await repo.anyDue(now))) return;
    const jobs = await repo.claim(now, lease, room, perWebhook, busy);
    // Stopped while claiming: the leases run out and the jobs are taken again.
    if (stopped) return;
    for (const job of jobs) {
      busy.set(job.webhookId, (busy.get(job.webhookId) ?? 0) + 1);
      const p: Promise<void> = run(job, lease)
        .catch((err) => opts.log.error({ err, webhookId: job.webhookId, eventId: job.eventId }, 'webhook delivery could not be recorded'))
        .finally(() => {
          inFlight.delete(p);
          const left = busy.get(job.webhookId)! - 1;
          if (left > 0) busy.set(job.webhookId, left);
          else busy.delete(job.webhookId);
          // A slot freed: the next job of this article may be due now.
          schedule(0);
        });
      inFlight.add(p);
    }
  }

  function schedule(delay: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(loop, delay);
    timer.unref();
  }

  function loop(): void {
    timer = undefined;
    if (ticking) return schedule(pollMs);
    ticking = tick()
      .catch((err) => opts.log.error({ err }, 'webhook dispatcher'))
      .finally(() => {
        ticking = null;
        schedule(pollMs);
      });
  }

  return {
    start(): void {
      stopped = false;
      schedule(0);
    },
    /** One pass (tests): leases due jobs and starts their deliveries. */
    tick,
    /** Resolves when no delivery is in flight. */
    async idle(): Promise<void> {
      while (ticking || inFlight.size > 0) await Promise.all([ticking, ...inFlight]);
    },
    /** Stops polling, aborts deliveries in flight (their leases run out: delivered again later). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      await Promise.all([ticking, ...inFlight]);
    },
  };
}
