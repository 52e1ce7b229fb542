// The outbox: an event is stored in the same transaction as the change it reports, with one
// delivery job per webhook subscribed to its type; the dispatcher (webhooks module) delivers
// the jobs after commit, at least once, in order per article. Call inside a transaction.
import { eq } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/database.ts';

export const ARTICLE_EVENTS = ['article.published', 'article.updated', 'article.unpublished', 'article.deleted'] as const;
// `import.completed`: one event for a whole `cms import` (transfer/import.ts), never one per article.
export const EVENT_TYPES = [...ARTICLE_EVENTS, 'section.updated', 'author.updated', 'import.completed'] as const;
export type EventType = (typeof EVENT_TYPES)[number] | 'ping';

export interface NewEvent {
  type: EventType;
  /** The article it is about (deliveries keep their order per article); null otherwise. */
  articleId: string | null;
  /** The body's `data`. */
  data: Record<string, unknown>;
  /** Deliver to this webhook only, whatever it subscribes to (the test ping). */
  webhookId?: string;
  /**
   * Stores the event once however many instances notice the change (a scheduled article
   * becoming public): a second event with the key is not stored (null is returned).
   */
  dedupeKey?: string;
}

/** Subscribed: the type is among the webhook's `events`, or it takes every event (`*`). */
export function subscribes(events: string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}

/** Stores an event and its delivery jobs; returns its id (null: already stored under `dedupeKey`). */
export async function enqueueEvent(db: Database, event: NewEvent, at: number): Promise<{ eventId: string } | null> {
  const { webhookEvents, webhookJobs, webhooks } = db.tables;
  const id = `msg_${uuidv7().replaceAll('-', '')}`;
  const body = JSON.stringify({ id, type: event.type, occurredAt: new Date(at).toISOString(), data: event.data });
  if (event.dedupeKey !== undefined) {
    const [seen] = await db.q.select({ seq: webhookEvents.seq }).from(webhookEvents).where(eq(webhookEvents.dedupeKey, event.dedupeKey)).limit(1);
    if (seen) return null;
  }
  // A concurrent instance storing the same dedupe key fails on the unique index: that
  // transaction fails (or is retried), and the event exists once.
  const [row] = await db.q
    .insert(webhookEvents)
    .values({ id, type: event.type, articleId: event.articleId, body, occurredAt: at, dedupeKey: event.dedupeKey ?? null })
    .returning({ seq: webhookEvents.seq });
  const targets = await db.q
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(event.webhookId === undefined ? eq(webhooks.status, 'active') : eq(webhooks.id, event.webhookId));
  const jobs = targets
    .filter((w) => event.webhookId !== undefined || subscribes(JSON.parse(w.events) as string[], event.type))
    .map((w) => ({ webhookId: w.id, eventSeq: row!.seq, orderKey: event.articleId ?? id, status: 'pending', attempts: 0, nextAttemptAt: at }));
  if (jobs.length > 0) await db.q.insert(webhookJobs).values(jobs);
  return { eventId: id };
}
