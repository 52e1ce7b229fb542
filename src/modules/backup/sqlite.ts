// SQLite's side of backup and restore, through SQLite's online backup API (better-sqlite3's
// `db.backup()`), which copies a live database page by page through its own locking.
//
// Backup: the copy is made in ONE step, so that it reads one snapshot. A stepped copy reads a
// snapshot per step, and a write by another connection between two steps (the running server
// writes all the time) restarts it from page 1: under steady writes it might never end. One
// step holds a WAL read transaction, which does not block the server's writers, and sees every
// commit made before it began: every write acknowledged before the backup started.
//
// Restore: the backup's file is copied INTO the target database the same way (not renamed over
// it): a target that exists is written through SQLite's locks and journal in one transaction,
// so a process that has it open (a server started too early) sees either the old empty database
// or the whole restored one, and its -wal/-shm files stay valid.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { SqliteDatabase } from '../../db/dialects/sqlite.ts';
import { BackupError, CONTENT_TABLES } from './content.ts';
import { describeMigrations, type Manifest } from './manifest.ts';

/** The most pages SQLite's backup step accepts: "all of them" in one step. */
const ALL_PAGES = 0x7fffffff;

/**
 * Runs better-sqlite3's backup until it reports a whole copy. Its first step only counts pages;
 * a step that meets a lock (SQLITE_BUSY) is retried by the library, except that one, which it
 * reports as a finished copy of 0 pages: that is retried here.
 */
async function copyDatabase(source: Database.Database, target: string, onPages: (total: number) => void = () => {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await source.backup(target, {
      progress: ({ totalPages }) => {
        onPages(totalPages);
        return ALL_PAGES;
      },
    });
    if (result.totalPages > 0 && result.remainingPages === 0) return;
    if (attempt >= 200) throw new BackupError(`${target} stayed locked by another process for 10 s; try again`);
    await sleep(50);
  }
}

/**
 * Copies the open database to `target` (a new file) as one snapshot, makes the copy a single
 * self-contained file (rollback journal, not WAL), and returns its migrations.
 */
export async function snapshotSqlite(db: SqliteDatabase, target: string, onPages: (total: number) => void): Promise<Manifest['migrations']> {
  await copyDatabase(db.writer, target, onPages);
  const copy = new Database(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    return readMigrations(copy);
  } finally {
    copy.close();
  }
}

function readMigrations(conn: Database.Database): Manifest['migrations'] {
  const exists = conn.prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get();
  if (!exists) return describeMigrations('sqlite', { count: 0, lastCreatedAt: null });
  const row = conn.prepare('select count(*) as count, max(created_at) as last from __drizzle_migrations').get() as { count: number; last: number | null };
  return describeMigrations('sqlite', { count: row.count, lastCreatedAt: row.last === null ? null : Number(row.last) });
}

/**
 * The content tables of the SQLite file at `file` that have rows (empty: new or empty), read
 * through a read-only connection so that looking changes nothing.
 */
export function sqliteFilledTables(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  let conn: Database.Database;
  try {
    conn = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`restore: cannot open CMS_DB ${file}: ${(error as Error).message}`);
  }
  try {
    conn.pragma('busy_timeout = 5000');
    const tables = new Set((conn.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((r) => r.name));
    return CONTENT_TABLES.filter((t) => tables.has(t) && conn.prepare(`select 1 from "${t}" limit 1`).get() !== undefined);
  } catch (error) {
    throw new BackupError(`restore: CMS_DB ${file} is not a usable SQLite database: ${(error as Error).message}`);
  } finally {
    conn.close();
  }
}

/** Checks the backup's database file, then copies it into `target` (see the header). */
export async function restoreSqlite(source: string, target: string): Promise<void> {
  const backup = new Database(source, { readonly: true, fileMustExist: true });
  try {
    let check: unknown;
    try {
      check = backup.pragma('quick_check', { simple: true });
    } catch (error) {
      check = (error as Error).message;
    }
    if (check !== 'ok') throw new BackupError(`restore: the backup's database is damaged (quick_check: ${String(check)}); the database was not changed`);
    if (!fs.existsSync(target)) {
      // Left by a database deleted without them: an old WAL must not be read against the new file.
      for (const side of ['-wal', '-shm', '-journal']) fs.rmSync(`${target}${side}`, { force: true });
    }
    await copyDatabase(backup, target);
  } finally {
    backup.close();
  }
}
