// Opening the database. SQLite-specific settings (pragmas) live here and nowhere else.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a write acknowledged to a client survives a power cut, not only a process crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return drizzle(sqlite, { schema }) as Db;
}

const versionStatements = new WeakMap<Database.Database, Database.Statement>();

/**
 * Changes whenever the content may have changed: rows changed by this connection
 * (`total_changes()`) and commits by other connections (`PRAGMA data_version`).
 */
export function dataVersion(db: Db): string {
  let statement = versionStatements.get(db.$client);
  if (!statement) {
    statement = db.$client.prepare('select total_changes() as c, (select data_version from pragma_data_version) as v');
    versionStatements.set(db.$client, statement);
  }
  const row = statement.get() as { c: number; v: number };
  return `${row.c}:${row.v}`;
}

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close();
}
