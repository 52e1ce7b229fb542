// What the public sees of an article changing (issue 14): one event in the outbox and the
// article's article_sync row, written in the transaction of the change. "Public before" is
// what was last announced (article_sync.public), not the clock: a scheduled article whose
// time passed is announced once, by whichever comes first, the scheduler or an edit.
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import { articleSurrogateKeys } from '../articles/surrogate-keys.ts';
import type { ArticleSummaryDto, BodyBlockDto } from '../articles/schemas.ts';
import { enqueueEvent } from './outbox.ts';

/** An article as the public sees it: the fields an event carries. */
export interface PublicSnapshot {
  id: string;
  slug: string;
  url: string;
  version: number;
  surrogateKeys: string[];
}

export function snapshotOf(article: ArticleSummaryDto & { body?: BodyBlockDto[] }): PublicSnapshot {
  return { id: article.id, slug: article.slug, url: article.url, version: article.version, surrogateKeys: articleSurrogateKeys(article) };
}

/** The article's sync row (null: never announced). Call inside the transaction. */
export async function syncStateOf(db: Database, articleId: string): Promise<{ public: boolean; version: number } | null> {
  const { articleSync } = db.tables;
  const [row] = await db.q.select({ public: articleSync.public, version: articleSync.version }).from(articleSync).where(eq(articleSync.articleId, articleId)).limit(1);
  return row ? { public: row.public === 1, version: row.version } : null;
}

/**
 * Gives the article the next sync seq (public: at `version`; not public: a delete for sync
 * clients). The lock, held until commit, makes seqs commit in the order they are allocated on
 * PostgreSQL. Its transactions are serializable, so one whose snapshot predates the lock reads
 * a stale max and fails with a serialization failure, which database.ts retries: concurrent
 * public writes serialize there (a sequence read under the lock would avoid the retries; it
 * needs a migration).
 */
export async function markSync(db: Database, articleId: string, isPublic: boolean, version: number, at: number): Promise<void> {
  const { articleSync } = db.tables;
  const row = { seq: await db.dialect.nextSyncSeq(db.q), public: isPublic ? 1 : 0, version, changedAt: at };
  await db.q.insert(articleSync).values({ articleId, ...row }).onConflictDoUpdate({ target: articleSync.articleId, set: row });
}

/**
 * Records a change of an article: `before` as the public last saw it (null: not public),
 * `after` as it sees it now (null: not public any more). Nothing when neither is public (a
 * draft edit). `version` is the article's version after the change; `deleted` for a delete.
 * Returns false when the event was already stored under `dedupeKey` (nothing else written).
 */
export async function recordArticleChange(
  db: Database,
  change: { id: string; before: PublicSnapshot | null; after: PublicSnapshot | null; version: number; deleted?: boolean; dedupeKey?: string },
  at: number,
): Promise<boolean> {
  const { before, after } = change;
  if (!before && !after) return true;
  const type = !before ? 'article.published' : after ? 'article.updated' : change.deleted ? 'article.deleted' : 'article.unpublished';
  const shown = (after ?? before)!;
  const surrogateKeys = [...new Set([...(before?.surrogateKeys ?? []), ...(after?.surrogateKeys ?? [])])];
  const data = { id: change.id, slug: shown.slug, url: shown.url, version: after ? after.version : change.version, surrogateKeys };
  const stored = await enqueueEvent(db, { type, articleId: change.id, data, ...(change.dedupeKey !== undefined ? { dedupeKey: change.dedupeKey } : {}) }, at);
  if (stored === null) return false;
  await markSync(db, change.id, after !== null, change.version, at);
  return true;
}
