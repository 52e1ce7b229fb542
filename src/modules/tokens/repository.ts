import { count, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { apiTokens, type TokenRole } from '../../db/schema.ts';

export type TokenRow = typeof apiTokens.$inferSelect;

export function createTokenRepository(db: Db) {
  return {
    insert(row: { id: string; name: string; role: TokenRole; tokenHash: string; createdAt: number }): void {
      db.insert(apiTokens).values(row).run();
    },
    findByHash(tokenHash: string): TokenRow | undefined {
      return db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).get();
    },
    list(): TokenRow[] {
      return db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt)).all();
    },
    count(): number {
      return db.select({ n: count() }).from(apiTokens).get()?.n ?? 0;
    },
    touch(id: string, at: number): void {
      db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id)).run();
    },
    revoke(id: string, at: number): boolean {
      return db.update(apiTokens).set({ revokedAt: at }).where(eq(apiTokens.id, id)).run().changes > 0;
    },
  };
}

export type TokenRepository = ReturnType<typeof createTokenRepository>;
