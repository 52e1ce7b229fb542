import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export function createIdempotencyRepository(db: Db) {
  return {
    find(tokenId: string, key: string): IdempotencyRow | undefined {
      return db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)))
        .get();
    },
    /** Reserves a key (status 0 = in progress); false when it is already there. */
    reserve(tokenId: string, key: string, requestHash: string, at: number): boolean {
      return (
        db
          .insert(idempotencyKeys)
          .values({ tokenId, key, requestHash, statusCode: 0, responseBody: '', responseHeaders: {}, createdAt: at })
          .onConflictDoNothing()
          .run().changes > 0
      );
    },
    complete(tokenId: string, key: string, statusCode: number, responseBody: string, responseHeaders: Record<string, string>): void {
      db.update(idempotencyKeys)
        .set({ statusCode, responseBody, responseHeaders })
        .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)))
        .run();
    },
    remove(tokenId: string, key: string): void {
      db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key))).run();
    },
    purgeBefore(at: number): void {
      db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, at)).run();
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
