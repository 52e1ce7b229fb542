// `cms backup FILE` and `cms restore FILE` (issue 15): the whole database and the original
// media files in one tar (format in manifest.ts), taken while the server runs and writes.
//
// Backup: the database snapshot comes first (SQLite's online backup API in one step, or
// pg_dump), the media files after it: every write acknowledged before the backup began is in
// the snapshot, and every file its image rows name was in place before the snapshot (an
// upload's file is moved in before it is acknowledged). The tar is written as FILE.<random>.tmp
// and renamed to FILE once complete and synced: a failed backup leaves no half file.
//
// Restore: reads the manifest first and refuses, with one line and nothing changed, a file that
// is not a backup, a backup of the other engine or of a newer CMS, and a database that is not
// empty. Then it extracts the media (checked against their names) and the database to a
// temporary file, and only once all of it has been read intact puts the database in place.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createProgress, secondsSince, type Progress } from '../../cli/progress.ts';
import { isPostgresUrl, type Database, type Engine } from '../../db/database.ts';
import { describeUrl, type PostgresDatabase } from '../../db/dialects/postgres.ts';
import type { SqliteDatabase } from '../../db/dialects/sqlite.ts';
import { BackupError, ENGINE_NAME, notEmptyError } from './content.ts';
import { DATABASE_ENTRY, FORMAT, knowsMigration, MANIFEST_ENTRY, MEDIA_ENTRY, mediaEntryName, parseManifest, type Manifest } from './manifest.ts';
import { listMedia, MediaMismatchError, restoreMediaFile } from './media.ts';
import { clearPostgres, connectPostgres, dumpPostgres, postgresFilledTables, requirePgRestore, restorePostgres } from './postgres.ts';
import { restoreSqlite, snapshotSqlite, sqliteFilledTables } from './sqlite.ts';
import { type TarEntry, TarFormatError, TarReader, TarWriter, writeAll } from './tar.ts';

export interface BackupOptions {
  db: Database;
  mediaDir: string;
  file: string;
  /** Progress bar on or off (default: on a terminal). */
  bar?: boolean;
}

export type Report = { ok: true; manifest: Manifest } | { ok: false; message: string };

const human = (bytes: number) => (bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const suffix = () => randomBytes(6).toString('hex');

/** Counts bytes into a progress bar in whole kB (the bar shows integers). */
function kilobytes(progress: Progress): (bytes: number) => void {
  let bytes = 0;
  let shown = 0;
  return (n) => {
    bytes += n;
    const kB = Math.floor(bytes / 1024);
    if (kB > shown) progress.increment(kB - shown);
    shown = kB;
  };
}

/** Expected failures become the report's one line; anything else is a bug and is thrown. */
function failure(error: unknown, command: 'backup' | 'restore'): Report {
  if (error instanceof BackupError) return { ok: false, message: error.message };
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { ok: false, message: `${command} failed: ${(error as Error).message}` };
  if (error instanceof pg.DatabaseError) return { ok: false, message: `${command} failed: PostgreSQL: ${error.message}` };
  throw error;
}

// The manifest is written before the media files are read, with room to be rewritten in place
// (padded with spaces, which JSON ignores) should a file vanish before it is read.
const MANIFEST_ROOM = 128;

function manifestBytes(manifest: Manifest, size?: number): Buffer {
  const json = JSON.stringify(manifest, null, 2);
  const length = size ?? json.length + MANIFEST_ROOM + 1;
  if (json.length + 1 > length) throw new Error('backup manifest outgrew its room');
  return Buffer.from(`${json.padEnd(length - 1, ' ')}\n`);
}

export async function backupDatabase(opts: BackupOptions): Promise<Report> {
  const started = performance.now();
  const createdAt = new Date().toISOString();
  const { db } = opts;
  const file = path.resolve(opts.file);
  const tmp = `${file}.${suffix()}.tmp`;
  const databaseTmp = `${tmp}.${DATABASE_ENTRY[db.engine]}`;
  const bar = opts.bar === undefined ? {} : { bar: opts.bar };
  let progress: Progress | null = null;
  try {
    if (!fs.statSync(path.dirname(file), { throwIfNoEntry: false })?.isDirectory()) {
      throw new BackupError(`backup: cannot write ${opts.file}: there is no folder ${path.dirname(file)}`);
    }
    // 1. The database, first (see the header).
    let migrations: Manifest['migrations'];
    if (db.engine === 'sqlite') {
      const pages = createProgress({ label: 'backup: database', unit: 'pages', ...bar });
      progress = pages;
      let total = 0;
      migrations = await snapshotSqlite(db as SqliteDatabase, databaseTmp, (n) => pages.setTotal((total = n)));
      pages.increment(total);
    } else {
      const dumped = createProgress({ label: 'backup: pg_dump', unit: 'kB', ...bar });
      progress = dumped;
      const count = kilobytes(dumped);
      let seen = 0;
      migrations = await dumpPostgres(db as PostgresDatabase, databaseTmp, (written) => {
        count(written - seen);
        seen = written;
      });
    }
    progress.stop();

    // 2. The media files, then the tar.
    const media = await listMedia(opts.mediaDir);
    const databaseBytes = fs.statSync(databaseTmp).size;
    const manifest: Manifest = {
      format: FORMAT,
      engine: db.engine,
      createdAt,
      migrations,
      database: { file: DATABASE_ENTRY[db.engine], bytes: databaseBytes },
      media: { files: media.length, bytes: media.reduce((sum, m) => sum + m.bytes, 0) },
    };
    const written = createProgress({ label: 'backup: writing', unit: 'kB', total: Math.ceil((databaseBytes + manifest.media.bytes) / 1024), ...bar });
    progress = written;
    const count = kilobytes(written);
    const out = await fs.promises.open(tmp, 'wx');
    let left = 0;
    try {
      const tar = new TarWriter(out);
      const first = manifestBytes(manifest);
      const manifestAt = await tar.addBuffer(MANIFEST_ENTRY, first);
      await tar.addFile(DATABASE_ENTRY[db.engine], databaseTmp, count);
      const kept = { files: 0, bytes: 0 };
      for (const m of media) {
        const name = mediaEntryName(m.sha256);
        let size = await tar.addFile(name, m.path, count);
        if (size === null && m.movesTo) size = await tar.addFile(name, m.movesTo, count);
        if (size === null) {
          // Removed since the listing (by `media gc`, its image deleted after the snapshot).
          left++;
          continue;
        }
        kept.files++;
        kept.bytes += size;
      }
      if (kept.files !== manifest.media.files || kept.bytes !== manifest.media.bytes) {
        manifest.media = kept;
        await tar.rewriteAt(manifestAt, manifestBytes(manifest, first.length));
      }
      await tar.end();
      await out.sync();
    } finally {
      await out.close();
    }
    await fs.promises.rename(tmp, file);
    await syncFolder(path.dirname(file));
    const total = fs.statSync(file).size;
    const note = left > 0 ? `; ${plural(left, 'media file')} removed during the backup left out` : '';
    written.done(`backup: ${human(databaseBytes)} ${ENGINE_NAME[db.engine]} database + ${plural(manifest.media.files, 'media file')} (${human(manifest.media.bytes)}) → ${opts.file} (${human(total)}) in ${secondsSince(started)} s${note}`);
    return { ok: true, manifest };
  } catch (error) {
    progress?.stop();
    return failure(error, 'backup');
  } finally {
    for (const f of [tmp, databaseTmp, `${databaseTmp}-journal`]) fs.rmSync(f, { force: true });
  }
}

/** Makes a rename in `dir` durable (the folder's entry, not only the file's bytes). */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform lets a folder be opened and synced; the file itself is synced.
  }
}

export interface RestoreOptions {
  /** CMS_DB: a SQLite file or a postgres:// URL. */
  url: string;
  mediaDir: string;
  file: string;
  bar?: boolean;
}

/** Opens FILE and reads its manifest; a one-line refusal for anything that is not a backup of this engine. */
async function openBackup(file: string, engine: Engine): Promise<{ reader: TarReader; manifest: Manifest; rest: AsyncGenerator<TarEntry> }> {
  let reader: TarReader;
  try {
    reader = await TarReader.open(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BackupError(code === 'ENOENT' ? `restore: ${file} does not exist` : `restore: cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const entries = reader.entries();
    let first: IteratorResult<TarEntry>;
    try {
      first = await entries.next();
    } catch (error) {
      if (error instanceof TarFormatError) throw new BackupError(`restore: ${file} is not a CMS backup (${error.message})`);
      throw error;
    }
    if (first.done || first.value.name !== MANIFEST_ENTRY || first.value.size > 1 << 20) {
      throw new BackupError(`restore: ${file} is not a CMS backup (a tar, but without ${MANIFEST_ENTRY} first)`);
    }
    const manifest = parseManifest(await reader.read(first.value));
    if (typeof manifest === 'string') throw new BackupError(`restore: ${file} is not a backup this CMS can restore: ${manifest}`);
    if (manifest.engine !== engine) {
      throw new BackupError(`restore refused: this backup is of a ${ENGINE_NAME[manifest.engine]} database; CMS_DB is ${ENGINE_NAME[engine]}: use cms export/import to move between engines`);
    }
    if (!knowsMigration(engine, manifest.migrations.last)) {
      throw new BackupError(`restore refused: this backup was made by a newer version of the CMS (its last migration is ${manifest.migrations.last}); upgrade the CMS, then restore`);
    }
    return { reader, manifest, rest: entries };
  } catch (error) {
    await reader.close();
    throw error;
  }
}

export async function restoreDatabase(opts: RestoreOptions): Promise<Report> {
  const started = performance.now();
  const engine: Engine = isPostgresUrl(opts.url) ? 'postgres' : 'sqlite';
  const bar = opts.bar === undefined ? {} : { bar: opts.bar };
  let reader: TarReader | null = null;
  let client: pg.Client | null = null;
  let progress: Progress | null = null;
  const temps: string[] = [];
  try {
    const opened = await openBackup(opts.file, engine);
    reader = opened.reader;
    const { manifest } = opened;

    // The target: new or empty, else refused before anything is written.
    const target = engine === 'sqlite' ? path.resolve(opts.url) : opts.url;
    const label = engine === 'sqlite' ? opts.url : describeUrl(opts.url);
    if (engine === 'sqlite' && opts.url === ':memory:') throw new BackupError('restore: CMS_DB is :memory:, which no later process can open; set CMS_DB to a file');
    let filled: string[];
    if (engine === 'postgres') {
      await requirePgRestore();
      client = await connectPostgres(opts.url);
      filled = await postgresFilledTables(client);
    } else filled = sqliteFilledTables(target);
    if (filled.length > 0) throw notEmptyError(label, filled);

    // Everything read and checked into temporary places.
    let databaseTmp: string;
    if (engine === 'sqlite') {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      databaseTmp = `${target}.${suffix()}.restore.tmp`;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cms-restore-'));
      temps.push(dir);
      databaseTmp = path.join(dir, DATABASE_ENTRY.postgres);
    }
    temps.push(databaseTmp);
    const read = createProgress({ label: 'restore', unit: 'kB', total: Math.ceil(reader.fileSize / 1024), ...bar });
    progress = read;
    const count = kilobytes(read);
    let consumed = 0;
    let database = false;
    const media = { files: 0, added: 0 };
    for await (const entry of opened.rest) {
      const m = MEDIA_ENTRY.exec(entry.name);
      if (entry.name === DATABASE_ENTRY[engine] && !database) {
        const out = await fs.promises.open(databaseTmp, 'wx');
        try {
          let at = 0;
          await reader.copy(entry, async (chunk) => {
            await writeAll(out, chunk, at);
            at += chunk.length;
          });
          await out.sync();
        } finally {
          await out.close();
        }
        database = true;
      } else if (m && m[2]!.startsWith(m[1]!)) {
        media.files++;
        if (await restoreMediaFile(reader, entry, m[2]!, opts.mediaDir)) media.added++;
      } else {
        throw new BackupError(`restore: ${opts.file} holds ${entry.name}, which no CMS backup holds: it is not one (the database was not changed)`);
      }
      count(entry.offset + entry.size - consumed);
      consumed = entry.offset + entry.size;
    }
    if (!database) throw new BackupError(`restore: ${opts.file} holds no ${DATABASE_ENTRY[engine]}: the backup is damaged (the database was not changed)`);
    if (media.files !== manifest.media.files) {
      throw new BackupError(`restore: ${opts.file} holds ${plural(media.files, 'media file')}, its manifest says ${manifest.media.files}: the backup is damaged (the database was not changed)`);
    }
    read.stop();

    // The database, last: all of it, or (on a failure) the target as it was.
    if (engine === 'sqlite') {
      const refilled = sqliteFilledTables(target);
      if (refilled.length > 0) throw notEmptyError(label, refilled);
      await restoreSqlite(databaseTmp, target);
    } else {
      await clearPostgres(client!, label);
      await restorePostgres(databaseTmp, opts.url);
    }
    const present = media.files - media.added;
    progress = null;
    read.done(
      `restore: ${human(manifest.database.bytes)} ${ENGINE_NAME[engine]} database (backup of ${manifest.createdAt}) + ${plural(media.files, 'media file')}` +
        `${present > 0 ? ` (${present} already there)` : ''} from ${opts.file} into ${label} in ${secondsSince(started)} s`,
    );
    return { ok: true, manifest };
  } catch (error) {
    progress?.stop();
    if (error instanceof TarFormatError) return { ok: false, message: `restore: ${opts.file} is damaged: ${error.message} (the database was not changed)` };
    if (error instanceof MediaMismatchError) return { ok: false, message: `restore: ${error.message} (the database was not changed)` };
    return failure(error, 'restore');
  } finally {
    await reader?.close().catch(() => {});
    await client?.end().catch(() => {});
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  }
}
