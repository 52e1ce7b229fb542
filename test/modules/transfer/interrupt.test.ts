// Ctrl-C during `cms import` stores nothing (issue 15): an export of 20,000 small articles
// (written here, with a correct header) is imported into an empty database; once the CLI has
// read a few megabytes of it (well inside its one transaction, seconds before its commit) it
// gets SIGINT, and must exit with 130, say that nothing was stored, and leave every table,
// index and trigger (an import into an empty database drops some and makes them again) and the
// media folder as they were, and (SQLite) no scratch file of the search index it was building.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { closeDatabase, openDatabase } from '../../../src/db/database.ts';
import { migrateDatabase } from '../../../src/db/migrate.ts';
import { FORMAT } from '../../../src/modules/transfer/format.ts';
import { ENGINE, tempDir } from '../../helper.ts';
import { testDatabase } from '../../engine.ts';
import { CONTENT, filesUnder, dumpTables, schemaObjects, startCms, type Target } from './transfer.ts';

const ARTICLES = 20_000;
/** Read this far into the file, the import is mid-way (a 20,000-article file is ~13 MB). */
const SIGNAL_AT_BYTES = 2 * 1024 * 1024;

/** Writes DIR/content.ndjson: a header, one section, one author, then `n` published articles. */
function writeExport(dir: string, n: number): number {
  fs.mkdirSync(path.join(dir, 'media'), { recursive: true });
  const start = Date.parse('2025-01-01T00:00:00Z');
  const at = new Date(start).toISOString();
  const section = uuidv7();
  const author = uuidv7();
  const lines = [
    JSON.stringify({ kind: 'export', format: FORMAT, exportedAt: at, engine: ENGINE, counts: { section: 1, author: 1, tag: 0, image: 0, article: n, revision: 0, webhook: 0 } }),
    JSON.stringify({ kind: 'section', id: section, slug: 'news', name: 'News', description: null, parentId: null, position: 0, createdAt: at, updatedAt: at }),
    JSON.stringify({ kind: 'author', id: author, slug: 'ann-lee', name: 'Ann Lee', email: null, title: null, bio: null, createdAt: at, updatedAt: at }),
  ];
  for (let i = 0; i < n; i++) {
    const time = new Date(start + i * 60_000).toISOString();
    lines.push(JSON.stringify({
      kind: 'article', id: uuidv7(), slug: `article-${i}`, headline: `Article number ${i}`, subheadline: null, summary: null,
      body: [{ type: 'paragraph', text: `The text of article ${i}.` }], status: 'published', version: 1, sectionId: section,
      secondarySectionIds: [], authorIds: [author], tagIds: [], leadImage: null, relatedLinks: [], dateline: null, language: 'en',
      canonicalUrl: null, kicker: null, translationGroup: null, publishedAt: time, firstPublishedAt: time, createdAt: time, updatedAt: time, corrections: [],
    }));
  }
  const file = path.join(dir, CONTENT);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return fs.statSync(file).size;
}

/** How far the process `pid` has read `file` (its open descriptor's offset), or null while it has it not open. */
function readOffset(pid: number, file: string): number | null {
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      let link: string;
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (link !== file) continue;
      const pos = /^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (pos) return Number(pos[1]);
    }
  } catch {
    /* the process is gone, or between two reads */
  }
  return null;
}

t.test('SIGINT during an import: exit 130, nothing stored', async (t) => {
  if (!fs.existsSync('/proc/self/fdinfo')) {
    t.plan(0, 'skipped: needs Linux /proc to see how far the import has read');
    return;
  }
  const dir = tempDir(t);
  const target: Target = { db: await testDatabase(t, dir), media: path.join(dir, 'media') };
  const exportDir = path.join(dir, 'export');
  const size = writeExport(exportDir, ARTICLES);
  const file = fs.realpathSync(path.join(exportDir, CONTENT));

  const db = await openDatabase(target.db, { pool: 2 });
  t.teardown(() => closeDatabase(db));
  await migrateDatabase(db);
  const before = { tables: await dumpTables(db), schema: await schemaObjects(db), media: filesUnder(target.media) };

  const { child, result } = startCms(target, ['import', exportDir]);
  let exited = false;
  void result.then(() => (exited = true));
  let signalledAt: number | null = null;
  const deadline = Date.now() + 60_000;
  while (!exited && Date.now() < deadline) {
    const offset = readOffset(child.pid!, file);
    // On SQLite, also once the search index's scratch file exists (search-side.ts), so that
    // the check below sees it removed rather than never made.
    if (offset !== null && offset >= SIGNAL_AT_BYTES && (ENGINE !== 'sqlite' || scratchFiles(dir).length > 0)) {
      signalledAt = offset;
      child.kill('SIGINT');
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  if (signalledAt === null && !exited) child.kill('SIGKILL');
  const run = await result;

  if (signalledAt === null) {
    t.fail(`the import ${exited ? `ended (exit ${run.code}) before it had read ${SIGNAL_AT_BYTES} bytes` : 'never got that far within 60 s'}: no SIGINT was sent\n${run.stderr}`);
    return;
  }
  t.comment(`SIGINT sent at byte ${signalledAt} of ${size}`);
  if (run.code === 0) {
    t.fail(`the import finished before SIGINT took effect (it had read ${signalledAt} of ${size} bytes when it was sent): make the file bigger\n${run.stderr}`);
    return;
  }
  t.equal(run.signal, null, 'the CLI handles SIGINT itself (not killed by it)');
  t.equal(run.code, 130, 'exit code 130');
  t.match(run.stderr, /nothing was stored/, `says nothing was stored:\n${run.stderr}`);
  t.notMatch(run.stderr, /^\s+at /m, 'no stack trace');

  const after = { tables: await dumpTables(db), schema: await schemaObjects(db), media: filesUnder(target.media) };
  t.equal(after.tables.articles!.length, 0, 'no article stored');
  for (const table of Object.keys(before.tables)) t.same(after.tables[table], before.tables[table], `${table} unchanged`);
  t.same(after.schema, before.schema, 'every index and trigger is there as before');
  t.same(after.media, before.media, 'the media folder is unchanged');
  if (ENGINE === 'sqlite') t.same(scratchFiles(dir), [], 'the search index\'s scratch file beside the database is removed');
});

/** The scratch files of a search index being built beside the database in `dir` (search-side.ts). */
function scratchFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith('.search-import-'));
}
