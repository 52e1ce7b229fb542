// What start-up does before listening: open and migrate the database, load the seed into a
// new, empty database, and create the first admin token on the very first start.
import { createServices } from './app.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { isNewDatabase, migrateDatabase } from './db/migrate.ts';
import { loadSeed, type SeedReport } from './seed/load.ts';

export interface Bootstrapped {
  db: Database;
  seeded: SeedReport | null;
  /** The admin token created on the first start against a new database, else null. */
  adminToken: string | null;
}

export async function bootstrap(config: Config): Promise<Bootstrapped> {
  const db = await openDatabase(config.CMS_DB, { pool: config.CMS_DB_POOL });
  try {
    const fresh = await isNewDatabase(db);
    await migrateDatabase(db);
    const services = createServices({ config, db });
    let seeded: SeedReport | null = null;
    const empty = (await services.sections.list({ limit: 1 })).data.length === 0 && (await services.authors.list({ limit: 1 })).data.length === 0;
    if (config.CMS_SEED && empty) seeded = await loadSeed(services);
    // Finish what a crash may have left between an upload's commit and its file's rename.
    await services.editors.images.recover();
    const adminToken = fresh && (await services.tokens.isEmpty()) ? (await services.tokens.create('admin', 'admin')).token : null;
    return { db, seeded, adminToken };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
