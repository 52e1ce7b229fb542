// `cms backup FILE` / `cms restore FILE` as an operator runs them (the CLI, against CMS_DB and
// CMS_MEDIA_DIR), on the engine of this run: a backup taken while a server process takes writes
// keeps every write acknowledged before it began and restores into a new or an empty database
// with its media byte for byte; what restore refuses (a database with content, a file that is
// not a backup, a damaged one, the other engine's, a newer CMS's) it refuses in one line and
// leaves the database as it was.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import sharp from 'sharp';
import * as tar from 'tar';
import t, { type Test } from 'tap';
import { buildApp, createServices } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { closeDatabase, openDatabase } from '../../../src/db/database.ts';
import { migrateDatabase } from '../../../src/db/migrate.ts';
import { backupDatabase, restoreDatabase } from '../../../src/modules/backup/backup.ts';
import { TarReader } from '../../../src/modules/backup/tar.ts';
import { loadSeed } from '../../../src/seed/load.ts';
import { ENGINE, testDatabase } from '../../engine.ts';
import { tempDir } from '../../helper.ts';
import { childEnv, ROOT, startServer } from '../../process.ts';

const exec = promisify(execFile);
const CONTENT = ['sections', 'authors', 'images', 'tags', 'articles', 'webhooks', 'api_tokens'];

interface Env {
  CMS_DB: string;
  CMS_MEDIA_DIR: string;
}

/** A new database of this run's engine and its media folder (nothing made yet). */
async function target(tt: Test, opts: { migrated?: boolean } = {}): Promise<Env> {
  const dir = tempDir(tt);
  return { CMS_DB: await testDatabase(tt, dir, { migrated: opts.migrated ?? false }), CMS_MEDIA_DIR: path.join(dir, 'media') };
}

/** Runs the CLI; a failure is returned (exit code and output), not thrown. */
async function cms(env: Env, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: childEnv({ ...env }) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Rows of a query straight on the database (no app in between). */
async function query<T>(url: string, text: string): Promise<T[]> {
  if (ENGINE === 'sqlite') {
    const db = new Database(url, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(text).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const counts = async (url: string) => Object.fromEntries(await Promise.all(CONTENT.map(async (table) => [table, Number((await query<{ n: number }>(url, `select count(*) as n from ${table}`))[0]!.n)])));

/** True while the database is still new: no file (SQLite) or no tables (PostgreSQL). */
async function isNew(url: string): Promise<boolean> {
  if (ENGINE === 'sqlite') return !fs.existsSync(url);
  return (await query<{ t: string | null }>(url, "select to_regclass('public.articles')::text as t"))[0]!.t === null;
}

/** Every file under `dir` (relative path → bytes). */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!fs.existsSync(dir)) return out;
  for (const rel of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const full = path.join(dir, rel);
    if (fs.statSync(full).isFile()) out.set(rel.split(path.sep).join('/'), fs.readFileSync(full));
  }
  return out;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Migrates the database, loads the seed when asked and runs `fn` on it, in this process (the
 * CLI's own runs are the first tests'; the others save its start-up time).
 */
async function withDatabase<T>(env: Env, opts: { seed: boolean }, fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase(env.CMS_DB, { pool: 2 });
  try {
    await migrateDatabase(db);
    if (opts.seed) await loadSeed(createServices({ config: loadConfig({}, { ...env, LOG_LEVEL: 'silent' }), db }));
    return await fn(db);
  } finally {
    await closeDatabase(db);
  }
}

/** A seeded database of this run's engine and its backup, made once for the tests that need one. */
let seeded: Promise<string> | null = null;
function seededBackup(): Promise<string> {
  seeded ??= (async () => {
    const env = await target(t);
    const file = path.join(tempDir(t), 'seeded.cmsbackup');
    const report = await withDatabase(env, { seed: true }, (db) => backupDatabase({ db, mediaDir: env.CMS_MEDIA_DIR, file, bar: false }));
    if (!report.ok) throw new Error(report.message);
    return file;
  })();
  return seeded;
}

/** `cms restore` in this process: the line it would print, or null when it succeeded. */
async function refusal(env: Env, file: string): Promise<string | null> {
  const report = await restoreDatabase({ url: env.CMS_DB, mediaDir: env.CMS_MEDIA_DIR, file, bar: false });
  return report.ok ? null : report.message;
}

t.test('a backup taken while a server takes writes keeps every acknowledged write and restores into a new and an empty database', async (t) => {
  const source = await target(t);
  const server = await startServer({ ...source, CMS_RATE_LIMIT_WRITES: '100000' });
  t.teardown(server.stop);
  const token = /(cms_[A-Za-z0-9_-]{43})/.exec(server.output())?.[1];
  t.ok(token, 'admin token from the first start');
  const auth = { authorization: `Bearer ${token}` };

  // Media: the seed's original, an upload and its rendition, and what a backup leaves out or adds.
  const png = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#0a6' } }).png().toBuffer();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png)]), 'green.png');
  const upload = await fetch(`${server.base}/v1/images`, { method: 'POST', headers: auth, body: form });
  t.equal(upload.status, 201, 'an image uploaded');
  const imageId = ((await upload.json()) as { id: string }).id;
  t.equal((await fetch(`${server.base}/v1/images/${imageId}/file?w=320&format=webp`, { headers: auth })).status, 200, 'a rendition made');
  const originals = path.join(source.CMS_MEDIA_DIR, 'originals');
  const uploaded = sha256(png);
  fs.writeFileSync(path.join(originals, uploaded.slice(0, 2), `${uploaded}.0a1b2c.tmp`), 'half written');
  fs.writeFileSync(path.join(originals, uploaded.slice(0, 2), `${uploaded}.0a1b2c.gc`), 'set aside');
  // An upload received and checked whose row may have committed but whose file is not yet in place.
  const ready = randomBytes(2000);
  fs.writeFileSync(path.join(source.CMS_MEDIA_DIR, 'incoming', `${sha256(ready)}.9f8e7d.ready`), ready);
  fs.writeFileSync(path.join(source.CMS_MEDIA_DIR, 'incoming', 'abc123.part'), 'partial upload');
  const sourceOriginals = [...files(originals)].filter(([rel]) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(rel));
  t.equal(sourceOriginals.length, 2, 'the seed original and the upload');

  const sections = (await (await fetch(`${server.base}/v1/sections?path=sports`)).json()) as { data: { id: string }[] };
  const sectionId = sections.data[0]!.id;
  const acknowledged: string[] = [];
  let backingUp = false;
  let duringBackup = 0;
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const res = await fetch(`${server.base}/v1/articles`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ headline: `Backup test ${w}-${i}`, sectionId, body: [{ type: 'paragraph', text: 'x'.repeat(1000) }] }),
      });
      // 503: writers collided (PostgreSQL's serializable retries ran out); not acknowledged, so not expected back.
      if (res.status === 503) {
        await res.text();
        continue;
      }
      if (res.status !== 201) throw new Error(`POST /v1/articles answered ${res.status}: ${await res.text()}`);
      acknowledged.push(((await res.json()) as { id: string }).id);
      if (backingUp) duringBackup++;
    }
  };
  const writers = Array.from({ length: 2 }, (_, w) => writer(w));
  while (acknowledged.length < 30) await new Promise((r) => setTimeout(r, 20));

  const file = path.join(tempDir(t), 'news.cmsbackup');
  const before = [...acknowledged];
  backingUp = true;
  const backup = await cms(source, 'backup', file);
  backingUp = false;
  stop = true;
  await Promise.all(writers);
  await server.stop();
  t.equal(backup.code, 0, 'cms backup exits 0');
  t.match(backup.stderr, /^backup: [\d.]+ [kM]B (SQLite|PostgreSQL) database \+ 3 media files \([\d.]+ [kM]B\) → .*news\.cmsbackup \([\d.]+ [kM]B\) in [\d.]+ s\n$/, 'one summary line (not a terminal)');
  t.ok(duringBackup > 0, `the server kept acknowledging writes during the backup (${duringBackup})`);
  t.strictSame(fs.readdirSync(path.dirname(file)), ['news.cmsbackup'], 'no temporary file left beside it');

  // The format: a plain tar any tool lists, the manifest first, then the database, then originals.
  const names: string[] = [];
  await tar.t({ file, onReadEntry: (e) => void names.push(e.path) });
  const database = ENGINE === 'sqlite' ? 'database.sqlite' : 'database.pgdump';
  t.strictSame(names, ['manifest.json', database, ...[uploaded, sha256(ready), ...sourceOriginals.map(([rel]) => rel.slice(3))].filter((v, i, a) => a.indexOf(v) === i).sort().map((s) => `media/originals/${s.slice(0, 2)}/${s}`)]);
  const reader = await TarReader.open(file);
  const first = (await reader.entries().next()).value!;
  const manifest = JSON.parse((await reader.read(first)).toString());
  await reader.close();
  t.match(manifest, { format: 'newsroom-cms-backup/1', engine: ENGINE, migrations: { applied: Number, last: /^\d{4}_\w+$/ }, database: { file: database }, media: { files: 3 } });

  // Into a new database, then into a migrated, empty one.
  const fresh = await target(t);
  const emptied = await target(t, { migrated: true });
  if (ENGINE === 'sqlite') await withDatabase(emptied, { seed: false }, async () => {});
  const restored = await cms(fresh, 'restore', file);
  t.equal(restored.code, 0, `cms restore exits 0: ${restored.stderr}`);
  t.match(restored.stderr, /^restore: [\d.]+ [kM]B (SQLite|PostgreSQL) database \(backup of [\dT:.Z-]+\) \+ 3 media files from .* into .* in [\d.]+ s\n$/, 'one summary line');
  // The second in this process (the CLI's start-up is slow on a busy machine).
  t.equal(await refusal(emptied, file), null, 'restore into a migrated, empty database succeeds');
  for (const [name, into] of [['new', fresh], ['migrated and empty', emptied]] as const) {
    const ids = new Set((await query<{ id: string }>(into.CMS_DB, 'select id from articles')).map((r) => r.id));
    t.strictSame(before.filter((id) => !ids.has(id)), [], `every article acknowledged before the backup began is in the ${name} database (${before.length})`);
    if (ENGINE === 'sqlite') t.strictSame(await query(into.CMS_DB, 'pragma integrity_check'), [{ integrity_check: 'ok' }], 'PRAGMA integrity_check is ok');
    const media = files(path.join(into.CMS_MEDIA_DIR, 'originals'));
    t.strictSame([...media.keys()].sort(), names.slice(2).map((n) => n.replace('media/originals/', '')), 'the originals, no renditions, temporary or set-aside files');
    for (const [rel, bytes] of sourceOriginals) t.ok(media.get(rel)?.equals(bytes), `${rel} restored byte for byte`);
    t.ok(media.get(`${sha256(ready).slice(0, 2)}/${sha256(ready)}`)?.equals(ready), 'the ready upload restored as an original');
  }

  // The restored database serves (migrated as a server's start does it); the source's tokens work.
  await withDatabase(fresh, { seed: false }, async (db) => {
    const app = await buildApp({ config: loadConfig({}, { ...fresh, LOG_LEVEL: 'silent' }), db, logger: false });
    try {
      t.equal((await app.inject({ url: `/v1/articles/${before[0]}`, headers: auth })).statusCode, 200, 'an article reads back from the restored database');
      const image = await app.inject({ url: `/v1/images/${imageId}/file`, headers: auth });
      t.equal(image.statusCode, 200, 'the uploaded image reads back');
      t.ok(image.rawPayload.equals(png), 'the uploaded image is served from the restored media');
    } finally {
      await app.close();
    }
  });
});

t.test('restore into a database that is not empty is refused in one line and changes nothing', async (t) => {
  const file = await seededBackup();
  const into = await target(t);
  await withDatabase(into, { seed: true }, async () => {});
  const before = await counts(into.CMS_DB);
  const mediaBefore = files(into.CMS_MEDIA_DIR);
  const refused = await cms(into, 'restore', file);
  t.equal(refused.code, 1, 'exit code 1');
  t.match(refused.stderr, /^restore refused: .+ is not empty \(it has sections, authors, images, tags, articles\); restore only into a new or empty database\. Nothing was changed\.\n$/);
  t.strictSame(await counts(into.CMS_DB), before, 'every table holds what it held');
  t.strictSame(files(into.CMS_MEDIA_DIR), mediaBefore, 'the media folder is as it was');
});

t.test('a file that is not a backup, or a damaged one, is refused in one line; the database stays new', async (t) => {
  const file = await seededBackup();
  const dir = tempDir(t);
  const into = await target(t);
  const text = path.join(dir, 'notes.txt');
  fs.writeFileSync(text, 'not a backup\n'.repeat(100));
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
  const otherTar = path.join(dir, 'other.tar');
  await tar.c({ file: otherTar, cwd: dir }, ['a.txt']);
  const truncated = path.join(dir, 'truncated.cmsbackup');
  fs.writeFileSync(truncated, fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size / 2)));
  // A media file whose bytes no longer match their name.
  const damaged = path.join(dir, 'damaged.cmsbackup');
  const bytes = fs.readFileSync(file);
  const reader = await TarReader.open(file);
  for await (const entry of reader.entries()) if (entry.name.startsWith('media/')) bytes[entry.offset + 10]! ^= 0xff;
  await reader.close();
  fs.writeFileSync(damaged, bytes);

  const cases: [string, string, RegExp][] = [
    ['a text file', text, /^restore: .*notes\.txt is not a CMS backup \(not a tar file\)$/],
    ['a tar without a manifest', otherTar, /^restore: .*other\.tar is not a CMS backup \(a tar, but without manifest\.json first\)$/],
    ['a truncated backup', truncated, /^restore: .*truncated\.cmsbackup is damaged: the archive ends .*\(truncated\?\) \(the database was not changed\)$/],
    ['a backup with a damaged media file', damaged, /^restore: media\/originals\/[0-9a-f]{2}\/[0-9a-f]{64} does not hash to its name: the backup is damaged \(the database was not changed\)$/],
    ['a missing file', path.join(dir, 'nope.cmsbackup'), /^restore: .*nope\.cmsbackup does not exist$/],
  ];
  for (const [name, input, message] of cases) {
    t.match(await refusal(into, input), message, `${name}: one clear line`);
    t.ok(await isNew(into.CMS_DB), `${name}: the database is still new`);
  }
  if (ENGINE === 'sqlite') t.strictSame(fs.readdirSync(path.dirname(into.CMS_DB)).filter((f) => f !== 'media'), [], 'no temporary file left beside the database');
});

t.test("the other engine's backup, or a newer CMS's, is refused", async (t) => {
  const dir = tempDir(t);
  const into = await target(t);
  const other = ENGINE === 'sqlite' ? 'postgres' : 'sqlite';
  const craft = async (name: string, manifest: object) => {
    const src = path.join(dir, name);
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'manifest.json'), JSON.stringify(manifest));
    const out = path.join(dir, `${name}.cmsbackup`);
    await tar.c({ file: out, cwd: src }, ['manifest.json']);
    return out;
  };
  const base = { format: 'newsroom-cms-backup/1', createdAt: new Date().toISOString(), database: { file: 'x', bytes: 1 }, media: { files: 0, bytes: 0 } };
  const otherEngine = await craft('other', { ...base, engine: other, migrations: { applied: 1, last: '0000_init' } });
  const newer = await craft('newer', { ...base, engine: ENGINE, migrations: { applied: 99, last: '0098_from_the_future' } });
  const otherFormat = await craft('format', { ...base, format: 'newsroom-cms-backup/2', engine: ENGINE });

  const names = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
  const cases: [string, string, RegExp][] = [
    ['the other engine', otherEngine, new RegExp(`^restore refused: this backup is of a ${names[other]} database; CMS_DB is ${names[ENGINE]}: use cms export/import to move between engines$`)],
    ['a newer CMS', newer, /^restore refused: this backup was made by a newer version of the CMS \(its last migration is 0098_from_the_future\); upgrade the CMS, then restore$/],
    ['another format', otherFormat, /^restore: .* is not a backup this CMS can restore: its format is newsroom-cms-backup\/2; this version of the CMS reads newsroom-cms-backup\/1$/],
  ];
  for (const [name, input, message] of cases) {
    t.match(await refusal(into, input), message, `${name}: one clear line`);
    t.ok(await isNew(into.CMS_DB), `${name}: the database is still new`);
  }
});

t.test('a media file removed between the listing and its turn is left out, and the manifest counts what the backup holds', async (t) => {
  const media = await import('../../../src/modules/backup/media.ts');
  const gone = 'f'.repeat(64);
  const { backupDatabase: backupLosingOne } = await t.mockImport<typeof import('../../../src/modules/backup/backup.ts')>('../../../src/modules/backup/backup.ts', {
    '../../../src/modules/backup/media.ts': {
      ...media,
      // The listing saw a file that `media gc` removes before the backup reads it.
      listMedia: async (dir: string) => [...(await media.listMedia(dir)), { sha256: gone, path: path.join(dir, 'originals', 'ff', gone), bytes: 1234 }],
    },
  });
  const source = await target(t);
  const file = path.join(tempDir(t), 'lost-one.cmsbackup');
  const report = await withDatabase(source, { seed: true }, (db) => backupLosingOne({ db, mediaDir: source.CMS_MEDIA_DIR, file, bar: false }));
  t.equal(report.ok, true);
  const reader = await TarReader.open(file);
  const first = (await reader.entries().next()).value!;
  const manifest = JSON.parse((await reader.read(first)).toString());
  await reader.close();
  const [seedImage] = files(path.join(source.CMS_MEDIA_DIR, 'originals')).values();
  t.strictSame(manifest.media, { files: 1, bytes: seedImage!.length }, "the seed's image only");
  t.equal(await refusal(await target(t), file), null, 'and the backup restores (its media count checks out)');
});

t.test('a backup that cannot be written fails in one line and leaves no file (and without pg_dump, pg_restore on PostgreSQL)', async (t) => {
  const into = await target(t);
  const db = await openDatabase(into.CMS_DB, { pool: 2 });
  t.teardown(() => closeDatabase(db));
  await migrateDatabase(db);
  const dir = tempDir(t);
  const report = await backupDatabase({ db, mediaDir: into.CMS_MEDIA_DIR, file: path.join(dir, 'missing', 'x.cmsbackup'), bar: false });
  t.match(report, { ok: false, message: /^backup: cannot write .*x\.cmsbackup: there is no folder .*missing$/ });
  t.strictSame(fs.readdirSync(dir), [], 'nothing written');
  if (ENGINE !== 'postgres') return;
  // Without the PostgreSQL client tools: one line naming them, and nothing changed.
  const path0 = process.env.PATH;
  process.env.PATH = dir;
  t.teardown(() => void (process.env.PATH = path0));
  const file = path.join(dir, 'x.cmsbackup');
  const tools = /^pg_(dump|restore) was not found on PATH: backup and restore of a PostgreSQL database need the PostgreSQL client tools \(pg_dump, pg_restore\), of the server's version or newer$/;
  t.match(await backupDatabase({ db, mediaDir: into.CMS_MEDIA_DIR, file, bar: false }), { ok: false, message: tools });
  t.strictSame(fs.readdirSync(dir), [], 'no backup written');
  process.env.PATH = path0;
  const made = await backupDatabase({ db, mediaDir: into.CMS_MEDIA_DIR, file, bar: false });
  t.equal(made.ok, true);
  const emptied = await target(t, { migrated: true });
  process.env.PATH = dir;
  t.match(await refusal(emptied, file), tools);
  t.notOk(await isNew(emptied.CMS_DB), 'the migrated, empty database keeps its tables');
});
