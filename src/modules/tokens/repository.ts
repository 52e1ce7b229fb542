import { count, desc, eq } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import type { apiTokens as TokensTable, TokenRole } from '../../db/schema.ts';

export type TokenRow = typeof TokensTable.$inferSelect;

export function createTokenRepository(db: Database) {
  const { apiTokens } = db.tables;
  return {
    async insert(row: { id: string; name: string; role: TokenRole; tokenHash: string; createdAt: number }): Promise<void> {
      await db.transaction(async () => void (await db.q.insert(apiTokens).values(row)));
    },
    async findByHash(tokenHash: string): Promise<TokenRow | undefined> {
      return (await db.q.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).limit(1))[0];
    },
    async list(): Promise<TokenRow[]> {
      return db.q.select().from(apiTokens).orderBy(desc(apiTokens.createdAt));
    },
    async count(): Promise<number> {
      return (await db.q.select({ n: count() }).from(apiTokens))[0]?.n ?? 0;
    },
    async touch(id: string, at: number): Promise<void> {
      await db.transaction(async () => void (await db.q.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id))));
    },
    async revoke(id: string, at: number): Promise<boolean> {
      return db.transaction(async () => (await db.q.update(apiTokens).set({ revokedAt: at }).where(eq(apiTokens.id, id)).returning({ id: apiTokens.id })).length > 0);
    },
  };
}

export type TokenRepository = ReturnType<typeof createTokenRepository>;
