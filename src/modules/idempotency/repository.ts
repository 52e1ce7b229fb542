import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import type { idempotencyKeys as KeysTable } from '../../db/schema.ts';
import type { IdempotencyStore } from '../../http/idempotency.ts';

export type IdempotencyRow = typeof KeysTable.$inferSelect;

/** The keys of `Idempotency-Key` requests (src/http/idempotency.ts), in the database. */
export function createIdempotencyRepository(db: Database) {
  const { idempotencyKeys } = db.tables;
  const byKey = (tokenId: string, key: string) => and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key));
  return {
    async find(tokenId: string, key: string): Promise<IdempotencyRow | undefined> {
      return (await db.q.select().from(idempotencyKeys).where(byKey(tokenId, key)).limit(1))[0];
    },
    /** Reserves a key (status 0 = in progress); false when it is already there (on any instance). */
    async reserve(tokenId: string, key: string, requestHash: string, at: number): Promise<boolean> {
      return db.transaction(async () => {
        const rows = await db.q
          .insert(idempotencyKeys)
          .values({ tokenId, key, requestHash, statusCode: 0, responseBody: '', responseHeaders: {}, createdAt: at })
          .onConflictDoNothing()
          .returning({ key: idempotencyKeys.key });
        return rows.length > 0;
      });
    },
    async complete(tokenId: string, key: string, statusCode: number, responseBody: string, responseHeaders: Record<string, string>): Promise<void> {
      await db.transaction(async () => void (await db.q.update(idempotencyKeys).set({ statusCode, responseBody, responseHeaders }).where(byKey(tokenId, key))));
    },
    async remove(tokenId: string, key: string): Promise<void> {
      await db.transaction(async () => void (await db.q.delete(idempotencyKeys).where(byKey(tokenId, key))));
    },
    async purgeBefore(at: number): Promise<void> {
      await db.transaction(async () => void (await db.q.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, at))));
    },
  } satisfies IdempotencyStore;
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
