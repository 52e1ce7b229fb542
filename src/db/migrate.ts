// Migrations: drizzle-kit journals in migrations/sqlite/ and migrations/postgres/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Applies every pending migration of the database's engine. */
export async function migrateDatabase(db: Database): Promise<void> {
  if (db.engine === 'sqlite') {
    const { migrate } = await import('drizzle-orm/better-sqlite3/migrator');
    const { drizzle } = await import('drizzle-orm/better-sqlite3');
    const { writer } = db as import('./dialects/sqlite.ts').SqliteDatabase;
    migrate(drizzle(writer), { migrationsFolder: path.join(MIGRATIONS_DIR, 'sqlite') });
    return;
  }
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { pool } = db as import('./dialects/postgres.ts').PostgresDatabase;
  // Several instances starting at once: one migrates, the others wait for it (a session-level
  // advisory lock held on one connection while another applies the journal).
  const lock = await pool.connect();
  try {
    await lock.query('select pg_advisory_lock(7204171)');
    await migrate(drizzle(pool), { migrationsFolder: path.join(MIGRATIONS_DIR, 'postgres') });
  } finally {
    await lock.query('select pg_advisory_unlock(7204171)').catch(() => {});
    lock.release();
  }
}

/** True before the first migration ran: the database is new. */
export async function isNewDatabase(db: Database): Promise<boolean> {
  if (db.engine === 'sqlite') {
    const { reader } = db as import('./dialects/sqlite.ts').SqliteDatabase;
    const row = reader.prepare("select count(*) as n from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get() as { n: number };
    return row.n === 0;
  }
  const { pool } = db as import('./dialects/postgres.ts').PostgresDatabase;
  const { rows } = await pool.query<{ t: string | null }>("select to_regclass('drizzle.__drizzle_migrations')::text as t");
  return rows[0]?.t === null;
}
