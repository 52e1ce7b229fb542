// Backups (issue 15): `cms backup FILE` / `cms restore FILE`. Stub: being built.
import type { Database } from '../../db/database.ts';

export interface BackupOptions {
  db: Database;
  mediaDir: string;
  file: string;
}

export async function backupDatabase(_opts: BackupOptions): Promise<void> {
  throw new Error('not built yet');
}

export interface RestoreOptions {
  /** CMS_DB: a SQLite file or a postgres:// URL. */
  url: string;
  mediaDir: string;
  file: string;
}

export async function restoreDatabase(_opts: RestoreOptions): Promise<{ ok: true } | { ok: false; message: string }> {
  throw new Error('not built yet');
}
