// Renders the OpenAPI document from the code (an in-memory app, never a real database file).
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { closeDatabase, openDatabase } from '../db/database.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { specYaml } from '../http/openapi.ts';

export async function renderSpecYaml(): Promise<string> {
  const db = await openDatabase(':memory:');
  await migrateDatabase(db);
  const app = await buildApp({ config: loadConfig({}, { CMS_MEDIA_DIR: '/nonexistent' }), db, logger: false });
  try {
    await app.ready();
    return specYaml(app);
  } finally {
    await app.close();
    await closeDatabase(db);
  }
}
