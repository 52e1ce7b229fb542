// Imported first by every twin under test/postgres/: the test file it names then runs on
// PostgreSQL (test/engine.ts reads CMS_TEST_ENGINE when it is first imported, after this).
import t from 'tap';
import { skipped } from './services.ts';

process.env.CMS_TEST_ENGINE = 'postgres';

/** Runs the test module on PostgreSQL, or records why this run skips it. */
export async function onPostgres(load: () => Promise<unknown>): Promise<void> {
  const reason = skipped('postgres');
  if (reason) {
    t.plan(0, `PostgreSQL run skipped: ${reason}`);
    return;
  }
  await load();
}
