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

const versionStatements = new WeakMap<Database.Database, { changes: Database.Statement; version: Database.Statement }>();

/**
 * Changes whenever the content may have changed: rows changed by this connection
 * (`total_changes()`) and commits by other connections (`PRAGMA data_version`).
 */
export function dataVersion(db: Db): string {
  let statements = versionStatements.get(db.$client);
  if (!statements) {
    statements = {
      changes: db.$client.prepare('select total_changes()').pluck(),
      version: db.$client.prepare('pragma data_version').pluck(),
    };
    versionStatements.set(db.$client, statements);
  }
  return `${statements.changes.get() as number}:${statements.version.get() as number}`;
}

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close();
}
