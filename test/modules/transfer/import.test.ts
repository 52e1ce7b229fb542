// `cms import DIR` as a change like any other (API.md, "Moving and protecting content"):
// - while an app serves the same database, its next request shows what the import brought
//   (a list it had cached is not served stale), GET /v1/sync lists the public articles, and the
//   outbox holds one `import.completed` event, delivered once to a subscribed webhook, never
//   one request per article;
// - an article the file carries in a newer version (version and updatedAt bumped) replaces the
//   stored one: its public reads, lists, search and sync show the new headline;
// - importing the same export twice changes nothing: every line unchanged, every table's
//   rows identical, no second event, no new sync rows.
import fs from 'node:fs';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import t, { type Test } from 'tap';
import { closeDatabase, openDatabase } from '../../../src/db/database.ts';
import type { SqliteDatabase } from '../../../src/db/dialects/sqlite.ts';
import { migrateDatabase } from '../../../src/db/migrate.ts';
import { importContent } from '../../../src/modules/transfer/import.ts';
import { addArticle, build, type Built, ENGINE, tempDir } from '../../helper.ts';
import { testDatabase } from '../../engine.ts';
import { receiver } from '../webhooks/receiver.ts';
import { cmsOk, copyExport, dumpTables, importEvents, readLines, schemaObjects, type Target, targetOf, within, writeLines } from './transfer.ts';

const DAY = 86_400_000;
/** A change committed by another process: the very next request on SQLite; within 1 s elsewhere (API.md, Engines). */
const SEEN_WITHIN = ENGINE === 'sqlite' ? 0 : 1000;
// Webhook deliveries and "now" follow the real clock (the import's sync rows and event use it).
const realClock = () => ({ now: () => Date.now(), set() {}, advance() {} });

const r = await receiver(t);

/** A seeded source with articles in every status and a webhook for `import.completed` only, exported by the CLI. */
async function sourceExport(t: Test) {
  const src = await build(t, { clock: realClock(), config: { CMS_WEBHOOK_ALLOW_PRIVATE: true } });
  const images = await src.services.repositories.images.list({ publicOnly: false, now: Date.now(), limit: 10 });
  const published = [
    await addArticle(src, { headline: 'Trade talks resume in Seoul', tagNames: ['Trade', 'Seoul'], leadImage: { imageId: images[0]!.id, caption: null, credit: null } }),
    await addArticle(src, { headline: 'Harbour reopens after the storm' }),
    await addArticle(src, { headline: 'Council approves the budget', sectionPath: 'business' }),
  ];
  const draft = await addArticle(src, { status: 'draft', headline: 'Draft about a merger' });
  const scheduled = await addArticle(src, { status: 'scheduled', publishedAt: Date.now() + DAY, headline: 'Tomorrow’s announcement' });
  const hook = await src.app.inject({ method: 'POST', url: '/v1/webhooks', headers: src.auth('admin'), payload: { url: r.url('/imports'), events: ['import.completed'] } });
  if (hook.statusCode !== 201) throw new Error(`webhook: ${hook.statusCode} ${hook.body}`);
  const dir = path.join(tempDir(t), 'export');
  await cmsOk(targetOf(src), ['export', dir]);
  const seedCount = 1;
  return { src, dir, published, draft, scheduled, publicCount: published.length + seedCount };
}

const source = await sourceExport(t);

async function get(b: Built, url: string) {
  const res = await b.app.inject({ method: 'GET', url });
  return { status: res.statusCode, cache: res.headers['x-cache'], body: res.json() as any };
}

t.test('an import while the app runs: the next request sees it, sync lists it, one import.completed event', async (t) => {
  // An empty database served by a running app, which caches the empty list.
  const app = await build(t, { seed: false, clock: realClock(), config: { CMS_WEBHOOK_ALLOW_PRIVATE: true } });
  const target = targetOf(app);
  t.same((await get(app, '/v1/articles')).body.data, [], 'nothing listed before the import');
  t.equal((await get(app, '/v1/articles')).cache, 'hit', 'the empty list is now served from the cache');
  t.same((await get(app, '/v1/sync')).body.data, [], 'sync is empty before the import');

  const run = await cmsOk(target, ['import', source.dir]);
  t.match(run.stderr, /^import: .*\(\d+ articles new, 0 replaced\)/m, 'a summary line');
  const secrets = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(secrets.length, 1, 'the new webhook’s secret is printed once (exports carry none)');
  r.secrets.set('/imports', secrets[0].secret);

  const seen = await within(SEEN_WITHIN, async () => (await get(app, '/v1/articles')).body.data.length === source.publicCount);
  t.ok(seen >= 0, `the running app lists the imported articles (${SEEN_WITHIN ? `within ${SEEN_WITHIN} ms` : 'on the next request'}): took ${seen} ms`);
  const list = await get(app, '/v1/articles');
  t.same(list.body.data.map((a: any) => a.id).sort(), [...source.published.map((a) => a.id), (await seedArticleId(source.src))].sort(), 'exactly the public articles, not the draft or the scheduled one');
  t.equal((await get(app, `/v1/articles/${source.draft.id}`)).status, 404, 'the draft is not public');
  t.equal((await get(app, `/v1/articles/${source.scheduled.id}`)).status, 404, 'the article scheduled for tomorrow is not public yet');
  for (const a of source.published) {
    const one = await get(app, `/v1/articles/slug/${a.slug}`);
    t.equal(one.status, 200, `GET by slug ${a.slug}`);
    t.equal(one.body.headline, a.headline);
  }
  t.equal((await get(app, '/v1/articles?q=harbour')).body.data.length, 1, 'the search index holds the imported articles');

  const sync = await get(app, '/v1/sync?limit=100');
  t.same(
    sync.body.data.map((i: any) => `${i.type} ${i.id} v${i.article?.version}`).sort(),
    list.body.data.map((a: any) => `upsert ${a.id} v${a.version}`).sort(),
    'GET /v1/sync lists every public article once, at its version',
  );

  const db = await openDatabase(target.db, { pool: 2 });
  t.teardown(() => closeDatabase(db));
  const events = await importEvents(db);
  t.equal(events.length, 1, 'one import.completed event stored');
  t.match(events[0]?.body, { type: 'import.completed', data: { counts: { article: { inserted: 6, updated: 0 } } } }, 'its counts');
  t.equal((await db.q.select().from(db.tables.webhookEvents)).length, 1, 'and no event per article');
  await r.until(() => r.received.some((x) => x.path === '/imports'));
  await new Promise((res) => setTimeout(res, 500));
  const delivered = r.received.filter((x) => x.path === '/imports');
  t.equal(delivered.length, 1, 'the subscribed webhook gets one request');
  t.equal(delivered[0]?.json.type, 'import.completed');
  // Checked now, not on arrival: the app may deliver before the CLI process has exited and its
  // printed secret was read.
  t.doesNotThrow(() => new Webhook(secrets[0].secret).verify(delivered[0]!.body, delivered[0]!.headers as Record<string, string>), 'signed with the secret the import printed');

  // ---- A newer version of one article in the file replaces the stored one. ----
  const changed = source.published[1]!;
  const before = await get(app, `/v1/articles/${changed.id}`);
  await get(app, `/v1/articles/${changed.id}`); // cached now
  const cursor = sync.body.page.nextCursor;
  const edited = copyExport(source.dir, path.join(tempDir(t), 'edited'));
  const lines = readLines(edited);
  const at = lines.findIndex((l) => JSON.parse(l).kind === 'article' && JSON.parse(l).id === changed.id);
  const line = JSON.parse(lines[at]!);
  const updatedAt = new Date(Date.parse(line.updatedAt) + 60_000).toISOString();
  lines[at] = JSON.stringify({ ...line, headline: 'Harbour renamed for the zeppelin festival', version: line.version + 1, updatedAt });
  writeLines(edited, lines);

  const again = await cmsOk(target, ['import', edited]);
  t.match(again.stderr, /\(0 articles new, 1 replaced\)/, 'one article replaced');
  t.equal(again.stdout, '', 'no webhook is new: no secret printed');
  const shown = await within(SEEN_WITHIN, async () => (await get(app, `/v1/articles/${changed.id}`)).body.headline === 'Harbour renamed for the zeppelin festival');
  t.ok(shown >= 0, `the public GET shows the new headline (took ${shown} ms)`);
  const after = await get(app, `/v1/articles/${changed.id}`);
  t.equal(after.body.version, before.body.version + 1, 'at the file’s version');
  t.equal(after.body.updatedAt, updatedAt, 'with the file’s updatedAt');
  t.equal((await get(app, `/v1/articles/slug/${changed.slug}`)).body.headline, 'Harbour renamed for the zeppelin festival', 'by slug too');
  t.equal((await get(app, '/v1/articles')).body.data.find((a: any) => a.id === changed.id)?.headline, 'Harbour renamed for the zeppelin festival', 'and in the list');
  t.same((await get(app, '/v1/articles?q=zeppelin')).body.data.map((a: any) => a.id), [changed.id], 'search finds the new headline');
  t.same((await get(app, '/v1/articles?q=storm')).body.data, [], 'and no longer the old one');
  const jsonld = await app.app.inject({ method: 'GET', url: `/v1/articles/${changed.id}/jsonld` });
  t.match(jsonld.json(), { headline: 'Harbour renamed for the zeppelin festival' }, 'its JSON-LD is rebuilt');
  const next = await get(app, `/v1/sync?cursor=${cursor}`);
  t.same(next.body.data.map((i: any) => `${i.type} ${i.id} v${i.article?.version}`), [`upsert ${changed.id} v${after.body.version}`], 'sync after the earlier cursor: the replaced article alone');
  t.equal(next.body.data[0]?.article.headline, 'Harbour renamed for the zeppelin festival');
  t.equal((await importEvents(db)).length, 2, 'one more import.completed event');
});

t.test('importing the same export twice changes nothing', async (t) => {
  const dir = tempDir(t);
  const target: Target = { db: await testDatabase(t, dir), media: path.join(dir, 'media') };
  const lineCount = readLines(source.dir).length;
  const db = await openDatabase(target.db, { pool: 2 });
  t.teardown(() => closeDatabase(db));
  await migrateDatabase(db);
  const schema = await schemaObjects(db);

  const first = await cmsOk(target, ['import', source.dir]);
  t.match(first.stderr, /\(6 articles new, 0 replaced\), 0 lines unchanged/);
  // Into a database without articles, the import drops the list indexes (and PostgreSQL's
  // foreign keys) and enlarges FTS5's hash while it runs: all of it is as before once it commits.
  t.same(await schemaObjects(db), schema, 'indexes, triggers, constraints and FTS5 settings as the migrations made them');
  if (ENGINE === 'sqlite') {
    t.doesNotThrow(() => (db as SqliteDatabase).reader.exec("insert into articles_search (articles_search, rank) values ('integrity-check', 0)"), 'FTS5 integrity-check: the index matches');
  }
  const before = await dumpTables(db);
  t.equal((await importEvents(db)).length, 1, 'one import.completed event after the first import');
  t.equal(before.article_sync!.length, source.publicCount, 'one sync row per public article');

  const second = await cmsOk(target, ['import', source.dir]);
  t.match(second.stderr, new RegExp(`^import: 0 sections, 0 authors, 0 tags, 0 images, 0 articles, 0 revisions, 0 webhooks imported \\(0 articles new, 0 replaced\\), ${lineCount - 1} lines unchanged`, 'm'), 'every line (the header aside) unchanged');
  t.equal(second.stdout, '', 'no webhook secret printed');
  const after = await dumpTables(db);
  for (const table of Object.keys(before)) t.same(after[table], before[table], `${table}: the same rows`);
  t.equal((await importEvents(db)).length, 1, 'no second import.completed event');
});

t.test('an import run by the app itself, into a database whose articles were all deleted: the app searches and writes on with the imported index', async (t) => {
  // On SQLite an import into a database without articles builds the search index beside it
  // and copies it in (search-side.ts); the app's own writer connection, whose FTS5 table had
  // been used (the deletes below), must then read and extend that index, not its old memory of it.
  const app = await build(t, { seed: false, clock: realClock(), config: { CMS_WEBHOOK_ALLOW_PRIVATE: true } });
  const run = () => importContent({ db: app.db, mediaDir: app.config.CMS_MEDIA_DIR, dir: source.dir, bar: false });
  await run();
  const imported = (await get(app, '/v1/articles?limit=100')).body.data as { id: string }[];
  t.equal(imported.length, source.publicCount, 'the first import lists the public articles');
  for (const id of [...imported.map((a) => a.id), source.draft.id, source.scheduled.id]) {
    const res = await app.app.inject({ method: 'DELETE', url: `/v1/articles/${id}`, headers: app.auth() });
    t.equal(res.statusCode, 204, `DELETE ${id}`);
  }
  t.same((await get(app, '/v1/articles?q=harbour')).body.data, [], 'the search index forgot the deleted articles');

  const report = await run();
  t.equal(report.counts.article.inserted, 6, 'the second import brings every article back');
  t.same((await get(app, '/v1/articles?q=harbour')).body.data.map((a: any) => a.headline), ['Harbour reopens after the storm'], 'search finds an imported article');
  t.equal((await get(app, '/v1/articles?q=trade%20seo')).body.data.length, 1, 'and by a prefix');
  const added = await addArticle(app, { headline: 'Zeppelin moors at the harbour' });
  const found = (await get(app, '/v1/articles?q=harbour')).body.data.map((a: any) => a.id).sort();
  t.same(found, [added.id, source.published[1]!.id].sort(), 'an article the app writes afterwards is searched beside the imported ones');
  t.same((await get(app, '/v1/articles?q=zeppelin')).body.data.map((a: any) => a.id), [added.id], 'and alone by its own word');
  const res = await app.app.inject({ method: 'DELETE', url: `/v1/articles/${source.published[0]!.id}`, headers: app.auth() });
  t.equal(res.statusCode, 204, 'an imported article deleted');
  t.same((await get(app, '/v1/articles?q=trade')).body.data, [], 'is gone from search');
  if (ENGINE === 'sqlite') {
    const sqlite = app.db as SqliteDatabase;
    for (const [name, connection] of [['writer', sqlite.writer], ['reader', sqlite.reader]] as const) {
      t.doesNotThrow(() => connection.exec("insert into articles_search (articles_search, rank) values ('integrity-check', 0)"), `FTS5 integrity-check on the ${name} connection`);
    }
    t.same(fs.readdirSync(path.dirname(target(app))).filter((f) => f.includes('.search-import-')), [], 'no scratch file left beside the database');
  }
});

/** The SQLite file an app serves. */
const target = (b: Built) => targetOf(b).db;

async function seedArticleId(b: Built): Promise<string> {
  const all = await b.app.inject({ method: 'GET', url: '/v1/articles?limit=100', headers: b.auth() });
  return all.json().data.find((a: any) => a.slug.startsWith('south-korea-worries')).id;
}
