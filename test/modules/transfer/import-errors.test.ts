// A bad export is refused whole (API.md, "Moving and protecting content"): each bad line is
// reported as `content.ndjson:LINE: <field>: <problem>` with its own line number, the last line
// says nothing was imported, the exit code is 1, and the database (every table's rows, its
// indexes) and the media folder are exactly as before. The target already holds part of the
// content (the seed, imported earlier), so "unchanged" means more than "still empty".
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { uuidv7 } from 'uuidv7';
import { closeDatabase, openDatabase } from '../../../src/db/database.ts';
import { migrateDatabase } from '../../../src/db/migrate.ts';
import { exportContent } from '../../../src/modules/transfer/export.ts';
import type { SqliteDatabase } from '../../../src/db/dialects/sqlite.ts';
import { ImportRejectedError, importContent } from '../../../src/modules/transfer/import.ts';
import { addArticle, build, SEED_SLUG, tempDir } from '../../helper.ts';
import { ENGINE, testDatabase } from '../../engine.ts';
import { cms, CONTENT, copyExport, dumpTables, filesUnder, readLines, schemaObjects, type Target, writeLines } from './transfer.ts';

const root = tempDir(t);
const src = await build(t);
const target: Target = { db: await testDatabase(t, root), media: path.join(root, 'target-media') };
const db = await openDatabase(target.db, { pool: 2 });
t.teardown(() => closeDatabase(db));
await migrateDatabase(db);

// The target holds the seed: the first export, imported. The setup exports and imports in
// this process (the CLI takes seconds to start; the runs under test are the CLI's).
const seedOnly = path.join(root, 'seed-export');
await exportContent({ db: src.db, mediaDir: src.config.CMS_MEDIA_DIR, dir: seedOnly, bar: false });
await importContent({ db, mediaDir: target.media, dir: seedOnly, bar: false });

// Then the source gains an image (lead and body), a draft and an article linking to the first.
const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a33' } }).png().toBuffer();
const imageId = uuidv7();
const now = src.clock.now();
await src.services.repositories.images.insert({
  id: imageId, sha256: await src.services.storage.putOriginal(png), filename: 'chart.png', mimeType: 'image/png', bytes: png.length, width: 64, height: 48,
  alt: 'A chart', caption: null, credit: null, createdAt: now, updatedAt: now,
});
const withImage = await addArticle(src, {
  headline: 'Exports rise for the third month', leadImage: { imageId, caption: null, credit: null },
  body: [{ type: 'paragraph', text: 'Up again.' }, { type: 'image', imageId, caption: 'The chart', credit: null }],
});
const draft = await addArticle(src, { status: 'draft', headline: 'An unfinished draft' });
const linking = await addArticle(src, { headline: 'Analysis of the export figures', relatedLinks: [{ title: null, url: null, targetArticleId: withImage.id }] });
const full = path.join(root, 'full-export');
await exportContent({ db: src.db, mediaDir: src.config.CMS_MEDIA_DIR, dir: full, bar: false });
const seedArticleId: string = JSON.parse(readLines(full).find((l) => l.includes(`"slug":"${SEED_SLUG}"`))!).id;

const state = async () => ({ tables: await dumpTables(db), indexes: await schemaObjects(db), media: filesUnder(target.media) });
const baseline = await state();
if (baseline.tables.articles!.length !== 1) throw new Error('the target should hold the seed article alone');

let n = 0;
/** A copy of the full export, changed by `edit` (which gets and returns the lines). */
function variant(edit: (lines: string[], dir: string) => string[]): string {
  const dir = copyExport(full, path.join(root, `variant-${++n}`));
  writeLines(dir, edit(readLines(dir), dir));
  return dir;
}

const indexOf = (lines: string[], test: (v: any) => boolean) => {
  const i = lines.findIndex((l) => {
    try {
      return test(JSON.parse(l));
    } catch {
      return false;
    }
  });
  if (i < 0) throw new Error('line not found');
  return i;
};
const articleAt = (lines: string[], id: string) => indexOf(lines, (v) => v.kind === 'article' && v.id === id);
/** Replaces the JSON line at `i` with `change(value)`. */
const patch = (lines: string[], i: number, change: (v: any) => any) => {
  lines[i] = JSON.stringify(change(JSON.parse(lines[i]!)));
  return lines;
};
/** Inserts `text` after the sections (line numbers are then found by content). */
const insertAfterSections = (lines: string[], text: string) => {
  const at = indexOf(lines, (v) => v.kind === 'author');
  lines.splice(at, 0, text);
  return lines;
};
const lineOf = (dir: string, needle: string) => readLines(dir).findIndex((l) => l.includes(needle)) + 1;

// Each CLI run spends seconds loading the app: the runs go two at a time (a refused import
// holds the write lock for a moment only), and each case is checked once its run is done.
let running = 0;
const waiting: (() => void)[] = [];
async function importOf(dir: string) {
  if (running >= 2) await new Promise<void>((go) => waiting.push(go));
  running++;
  try {
    return await cms(target, ['import', dir]);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

type Expected = [line: number, field: string, problem: RegExp | string][];
const cases: { name: string; dir: string; expected: () => Expected; exact?: number; run?: ReturnType<typeof importOf> }[] = [];
/** A case: `edit` makes its variant now; its import starts at once (two at a time). */
function refusal(name: string, edit: (lines: string[], dir: string) => string[], expected: (dir: string) => Expected, exact?: number) {
  const dir = variant(edit);
  cases.push({ name, dir, expected: () => expected(dir), ...(exact !== undefined ? { exact } : {}), run: importOf(dir) });
}

/**
 * The import of a case's variant: exit 1, each expected `LINE: field: problem` among the
 * reported lines, `exact` lines reported in all when given, a last line saying nothing was
 * imported, and the database and media folder as they were.
 */
async function refused(t: Test, c: (typeof cases)[number]) {
  const run = await c.run!;
  t.equal(run.code, 1, 'exit code 1');
  const lines = run.stderr.trimEnd().split('\n');
  t.match(lines.at(-1), /^import: \d+ bad lines?(?: \(.*\))?; nothing was imported$/, 'the last line says nothing was imported');
  t.notMatch(run.stderr, /^\s+at /m, 'no stack trace');
  const reported = lines.slice(0, -1);
  for (const [line, field, problem] of c.expected()) {
    const prefix = `${CONTENT}:${line}: ${field}: `;
    const hit = reported.find((l) => l.startsWith(prefix));
    t.ok(hit, `reports ${prefix}… (got:\n${reported.join('\n')})`);
    if (hit) t.match(hit.slice(prefix.length), problem, `${prefix}: the problem`);
  }
  if (c.exact !== undefined) {
    t.equal(reported.length, c.exact, `${c.exact} problem line(s) reported`);
    t.match(lines.at(-1), new RegExp(`^import: ${c.exact} bad line`), 'the count of bad lines');
  }
  // Every run done first: a refused import holds its copied media files until it rolls back,
  // and the runs go two at a time.
  await Promise.all(cases.map((x) => x.run));
  const after = await state();
  t.same(after.media, baseline.media, 'the media folder is unchanged');
  t.same(after.indexes, baseline.indexes, 'the indexes and triggers are as before');
  for (const table of Object.keys(baseline.tables)) t.same(after.tables[table], baseline.tables[table], `${table} unchanged`);
}

refusal('a line that is not JSON', (lines) => insertAfterSections(lines, '{"kind":"tag","id":'), (dir) => [[lineOf(dir, '{"kind":"tag","id":'), 'line', /^not valid JSON/]], 1);

refusal(
  'a line with an unknown kind',
  (lines) => insertAfterSections(lines, JSON.stringify({ kind: 'comment', id: uuidv7(), text: 'hi' })),
  (dir) => [[lineOf(dir, '"kind":"comment"'), 'kind', /^unknown kind "comment"/]],
  1,
);

const missing = uuidv7();
refusal(
  'a revision of an article that is in neither the file nor the database',
  (lines) => patch(lines, articleAt(lines, withImage.id) + 1, (v) => {
    if (v.kind !== 'revision') throw new Error('a revision follows its article');
    return { ...v, articleId: missing };
  }),
  (dir) => [[lineOf(dir, `"articleId":"${missing}"`), 'articleId', new RegExp(`^no article ${missing}`)]],
  1,
);

refusal(
  'an image whose file is missing from media/',
  (lines, dir) => {
    const image = JSON.parse(lines[indexOf(lines, (v) => v.kind === 'image' && v.id === imageId)]!);
    fs.rmSync(path.join(dir, 'media', image.sha256.slice(0, 2), image.sha256));
    return lines;
  },
  (dir) => [[lineOf(dir, `"id":"${imageId}"`), 'sha256', /^media\/[0-9a-f]{2}\/[0-9a-f]{64} is missing from the export's media folder/]],
  1,
);

// Its revision then names an article the file does not bring: reported too, not counted here.
refusal(
  'an article with several bad fields: each one reported',
  (lines) => patch(lines, articleAt(lines, draft.id), (v) => ({ ...v, headline: '', language: 'not a language!' })),
  (dir) => [
    [lineOf(dir, `"id":"${draft.id}"`), 'headline', /./],
    [lineOf(dir, `"id":"${draft.id}"`), 'language', /./],
  ],
);

refusal(
  'a slug already used by another article of the database',
  (lines) => {
    // The seed article (stored in the target) left out of the file; another article takes its slug.
    const seedAt = articleAt(lines, seedArticleId);
    let end = seedAt + 1;
    while (end < lines.length && JSON.parse(lines[end]!).kind === 'revision') end++;
    lines.splice(seedAt, end - seedAt);
    return patch(lines, articleAt(lines, linking.id), (v) => ({ ...v, slug: SEED_SLUG }));
  },
  (dir) => [[lineOf(dir, `"id":"${linking.id}"`), 'slug', new RegExp(`^already used by another article \\(${seedArticleId}\\)`)]],
  1,
);

const nowhere = uuidv7();
refusal(
  'a related link to an article that exists nowhere',
  (lines) => patch(lines, articleAt(lines, linking.id), (v) => ({ ...v, relatedLinks: [{ title: null, url: null, targetArticleId: nowhere }] })),
  (dir) => [[lineOf(dir, `"id":"${linking.id}"`), 'relatedLinks.0.targetArticleId', new RegExp(`^no article ${nowhere}`)]],
  1,
);

refusal(
  'several bad lines at once: every one reported',
  (lines) => {
    insertAfterSections(lines, 'not json at all');
    insertAfterSections(lines, JSON.stringify({ kind: 'video', id: uuidv7() }));
    patch(lines, articleAt(lines, linking.id), (v) => ({ ...v, relatedLinks: [{ title: 'Nowhere', url: null, targetArticleId: nowhere }] }));
    // A new author no article names (so that no other line fails because of it).
    const at = new Date(now).toISOString();
    return insertAfterSections(lines, JSON.stringify({ kind: 'author', id: uuidv7(), slug: 'new-author', name: 'New Author', email: 'not an address', title: null, bio: null, createdAt: at, updatedAt: at }));
  },
  (dir) => [
    [lineOf(dir, 'not json at all'), 'line', /^not valid JSON/],
    [lineOf(dir, '"kind":"video"'), 'kind', /^unknown kind "video"/],
    [lineOf(dir, '"slug":"new-author"'), 'email', /./],
    [lineOf(dir, `"id":"${linking.id}"`), 'relatedLinks.0.targetArticleId', new RegExp(`^no article ${nowhere}`)],
  ],
  4,
);

for (const c of cases) t.test(c.name, (t) => refused(t, c));

t.test('no such directory, or no content.ndjson in it: one clear error, exit 1', async (t) => {
  const empty = path.join(root, 'empty-dir');
  fs.mkdirSync(empty);
  const dirs = [path.join(root, 'no-such-dir'), empty];
  const runs = await Promise.all(dirs.map((dir) => importOf(dir)));
  for (const [i, dir] of dirs.entries()) {
    const run = runs[i]!;
    t.equal(run.code, 1, `${dir}: exit code 1`);
    t.match(run.stderr, new RegExp(`${dir.replace(/[/.]/g, '\\$&')}/content\\.ndjson: not found`), 'names the missing file');
    t.notMatch(run.stderr, /^\s+at /m, 'no stack trace');
    t.ok(run.stderr.trimEnd().split('\n').length <= 2, `a short message:\n${run.stderr}`);
  }
  const after = await state();
  t.same(after.tables, baseline.tables, 'the database is unchanged');
});

t.test('a refused import run inside a server process leaves its connection as it was', async (t) => {
  await Promise.all(cases.map((x) => x.run));
  const dir = variant((lines) => patch(lines, articleAt(lines, withImage.id), (v) => ({ ...v, headline: '' })));
  const cacheSize = () => ((db as SqliteDatabase).writer.pragma('cache_size', { simple: true }) as number);
  const before = ENGINE === 'sqlite' ? cacheSize() : 0;
  const error = await importContent({ db, mediaDir: target.media, dir, bar: false }).then(() => null, (e: unknown) => e);
  t.ok(error instanceof ImportRejectedError, 'refused');
  t.match((error as Error).message, /^content\.ndjson:\d+: headline: /m, 'for the empty headline');
  // SQLite: the import gives its connection a larger page cache while it runs.
  if (ENGINE === 'sqlite') t.equal(cacheSize(), before, `the writer connection's cache_size is back to ${before}`);
  t.same(await state(), baseline, 'the database (rows, indexes, settings) and the media folder as before');
});
