// The preview secret in `settings` (key `preview_secret`).
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';

const SECRET_KEY = 'preview_secret';

export function createPreviewRepository(db: Database) {
  const { settings } = db.tables;
  return {
    /**
     * The stored secret, storing `candidate` first when there is none: insert unless present,
     * then read back, so instances racing to make it all end with the one stored first.
     */
    async secret(candidate: string): Promise<string> {
      await db.transaction(async () => {
        await db.q.insert(settings).values({ key: SECRET_KEY, value: candidate }).onConflictDoNothing();
      });
      const [row] = await db.q.select({ value: settings.value }).from(settings).where(eq(settings.key, SECRET_KEY));
      return row!.value;
    },
  };
}
