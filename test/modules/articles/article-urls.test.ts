// Public URLs: every article (full, in lists, in translations) carries `url`, its
// `canonicalUrl` when set, else CMS_SITE_URL (default CMS_PUBLIC_URL, else
// http://localhost:PORT) + CMS_ARTICLE_PATH expanded ({sectionPath}, {slug}, {id}, {yyyy},
// {mm}, {dd} of firstPublishedAt, UTC). The url follows a section rename or move and a slug
// change; stored documents built for another configuration are rebuilt; an unknown
// placeholder stops the start with one clear line. A first publish at a past date sets
// firstPublishedAt to that date.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { buildApp, createServices } from '../../../src/app.ts';
import { type Config, loadConfig } from '../../../src/config.ts';
import { closeDatabase, openDatabase, type Database } from '../../../src/db/database.ts';
import { migrateDatabase } from '../../../src/db/migrate.ts';
import { articleUrls } from '../../../src/modules/articles/urls.ts';
import { loadSeed } from '../../../src/seed/load.ts';
import { testDatabase } from '../../engine.ts';
import { build, ENGINE, SEED_SLUG, seedIds, tempDir, type Built } from '../../helper.ts';
import { childEnv, freePort, ROOT } from '../../process.ts';
import { send, problem } from '../../requests.ts';

const HOUR = 3_600_000;
const SEED_PATH = `/national/north-korea/${SEED_SLUG}`;

const iso = (ms: number) => new Date(ms).toISOString();

async function seedArticle(b: Built, role: 'editor' | null = null): Promise<any> {
  const res = await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role });
  if (res.statusCode !== 200) throw new Error(`GET seed article: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function create(t: Test, b: Built, body: Record<string, unknown>, sectionPath = 'national/defense'): Promise<any> {
  const res = await send(b, 'POST', '/v1/articles', {
    body: { sectionId: (await seedIds(b.services)).sections.get(sectionPath), body: [{ type: 'paragraph', text: 'Text.' }], ...body },
  });
  t.equal(res.statusCode, 201, `created “${String(body.headline)}”`);
  return res.json();
}

async function publish(t: Test, b: Built, id: string, publishAt?: string): Promise<any> {
  const res = await send(b, 'POST', `/v1/articles/${id}/publish`, publishAt ? { body: { publishAt } } : {});
  t.equal(res.statusCode, 200, `published ${publishAt ?? 'now'}`);
  return res.json();
}

/** The url of one article as the public reads it by id (or the status when it cannot). */
async function publicUrl(b: Built, id: string): Promise<string> {
  const res = await send(b, 'GET', `/v1/articles/${id}`, { role: null });
  return res.statusCode === 200 ? res.json().url : `status ${res.statusCode}`;
}

/** The url of an article in the public list (undefined when it is not listed). */
async function listedUrl(b: Built, id: string, query = ''): Promise<string | undefined> {
  const res = await send(b, 'GET', `/v1/articles?limit=100${query}`, { role: null });
  return (res.json().data as { id: string; url: string }[]).find((a) => a.id === id)?.url;
}

t.test('the default template on the default site: http://localhost:PORT/{sectionPath}/{slug}', async (t) => {
  const b = await build(t, { config: { PORT: 4711 } });
  const seed = await seedArticle(b);
  t.equal(seed.url, `http://localhost:4711${SEED_PATH}`, 'PORT is the default site’s port');
  t.equal((await seedArticle(b, 'editor')).url, seed.url, 'the same for a token');
  t.equal(await listedUrl(b, seed.id), seed.url, 'and on its summary in the list');
  const search = await send(b, 'GET', '/v1/articles?q=putin', { role: null });
  t.equal(search.json().data[0]?.url, seed.url, 'and on a search hit');
});

t.test('CMS_SITE_URL, else CMS_PUBLIC_URL, else localhost; a trailing slash is dropped', async (t) => {
  const publicOnly = await build(t, { config: { CMS_PUBLIC_URL: 'https://api.example.com/' } });
  const a = await seedArticle(publicOnly);
  t.equal(a.url, `https://api.example.com${SEED_PATH}`, 'CMS_PUBLIC_URL when no CMS_SITE_URL');

  const both = await build(t, { config: { CMS_PUBLIC_URL: 'https://api.example.com', CMS_SITE_URL: 'https://news.example.com/' } });
  const b = await seedArticle(both);
  t.equal(b.url, `https://news.example.com${SEED_PATH}`, 'CMS_SITE_URL wins for article urls');
  t.equal(await listedUrl(both, b.id), b.url);
  // Every other absolute URL stays this API's own.
  t.match(b.leadImage.url, /^https:\/\/api\.example\.com\/v1\/images\/[^/]+\/file$/, 'image urls use CMS_PUBLIC_URL, not the site');

  const siteWithPath = await build(t, { config: { CMS_SITE_URL: 'https://example.org/news' } });
  t.equal((await seedArticle(siteWithPath)).url, `https://example.org/news${SEED_PATH}`, 'a site below a path keeps it');
});

t.test('every placeholder, dates of firstPublishedAt in UTC (whatever the local time zone)', async (t) => {
  const tz = process.env.TZ;
  t.teardown(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });
  const b = await build(t, {
    config: { CMS_SITE_URL: 'https://news.example.com', CMS_ARTICLE_PATH: '/{yyyy}/{mm}/{dd}/{sectionPath}/{slug}-{id}.html' },
  });
  // Each date is a UTC day boundary seen from a zone where the local date differs.
  const cases = [
    { tz: 'Pacific/Kiritimati', publishAt: '2025-12-31T23:59:30.000Z', parts: '2025/12/31' }, // UTC+14: already 2026-01-01 there
    { tz: 'Pacific/Pago_Pago', publishAt: '2026-03-01T00:00:30.000Z', parts: '2026/03/01' }, // UTC-11: still 2026-02-28 there
  ];
  for (const c of cases) {
    process.env.TZ = c.tz;
    const a = await create(t, b, { headline: `Dated ${c.publishAt}` });
    const published = await publish(t, b, a.id, c.publishAt);
    t.equal(published.firstPublishedAt, c.publishAt, 'a first publish at a past date sets firstPublishedAt to it');
    const expected = `https://news.example.com/${c.parts}/national/defense/${a.slug}-${a.id}.html`;
    t.equal(published.url, expected, `${c.tz}: ${c.parts} (UTC), not the local date`);
    t.equal(await publicUrl(b, a.id), expected, 'the public reads the same url');
    t.equal(await listedUrl(b, a.id), expected, 'and so does its summary');
  }
});

t.test('{id} and {slug} alone; a template without {sectionPath}', async (t) => {
  const b = await build(t, { config: { CMS_SITE_URL: 'https://news.example.com', CMS_ARTICLE_PATH: '/a/{id}' } });
  const seed = await seedArticle(b);
  t.equal(seed.url, `https://news.example.com/a/${seed.id}`);
  const bySlug = await build(t, { config: { CMS_ARTICLE_PATH: '/story/{slug}' } });
  t.equal((await seedArticle(bySlug)).url, `http://localhost:3000/story/${SEED_SLUG}`);
});

t.test('canonicalUrl wins, in the article and in lists; cleared, the template applies again', async (t) => {
  const b = await build(t, { config: { CMS_SITE_URL: 'https://news.example.com' } });
  const canonical = 'https://partner.example.org/2026/story?id=7';
  const a = await create(t, b, { headline: 'Syndicated', canonicalUrl: canonical });
  t.equal(a.url, canonical, 'a draft with a canonicalUrl has it as url');
  await publish(t, b, a.id);
  t.equal(await publicUrl(b, a.id), canonical);
  t.equal(await listedUrl(b, a.id), canonical, 'in the public list too');
  const cleared = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { canonicalUrl: null } });
  t.equal(cleared.statusCode, 200);
  t.equal(cleared.json().url, `https://news.example.com/national/defense/${a.slug}`);
  t.equal(await publicUrl(b, a.id), `https://news.example.com/national/defense/${a.slug}`, 'the public sees the change at once');
  t.equal(await listedUrl(b, a.id), `https://news.example.com/national/defense/${a.slug}`);
});

t.test('the url follows a section rename, a section move and a slug change (documents and cache refreshed)', async (t) => {
  const b = await build(t, { config: { CMS_SITE_URL: 'https://news.example.com' } });
  const ids = await seedIds(b.services);
  const a = await create(t, b, { headline: 'Under defense' });
  await publish(t, b, a.id);
  // A translation in another section shows the url too.
  const ko = await create(t, b, { headline: 'Korean edition', language: 'ko', translationOf: a.id }, 'culture/film');
  await publish(t, b, ko.id);
  const koTranslationUrl = async () => ((await send(b, 'GET', `/v1/articles/${ko.id}`, { role: null })).json().translations as any[])[0]?.url;

  const warm = async () => {
    // Read twice each (the second from the response cache and the stored documents).
    for (let i = 0; i < 2; i++) {
      await publicUrl(b, a.id);
      await listedUrl(b, a.id);
      await koTranslationUrl();
    }
  };
  await warm();
  t.equal(await publicUrl(b, a.id), `https://news.example.com/national/defense/${a.slug}`);
  t.equal(await koTranslationUrl(), `https://news.example.com/national/defense/${a.slug}`, 'a translation shows the url');

  const defense = ids.sections.get('national/defense')!;
  const renamed = await send(b, 'PATCH', `/v1/sections/${defense}`, { body: { slug: 'defence', name: 'Defence' } });
  t.equal(renamed.statusCode, 200, 'section re-slugged');
  let expected = `https://news.example.com/national/defence/${a.slug}`;
  t.equal(await publicUrl(b, a.id), expected, 'the article follows its section’s new slug');
  t.equal(await listedUrl(b, a.id), expected, 'so does its summary');
  t.equal(await koTranslationUrl(), expected, 'so does its translation’s link');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`)).json().url, expected, 'and the token’s view');

  await warm();
  const moved = await send(b, 'PATCH', `/v1/sections/${defense}`, { body: { parentId: ids.sections.get('business') } });
  t.equal(moved.statusCode, 200, 'section moved under business');
  expected = `https://news.example.com/business/defence/${a.slug}`;
  t.equal(await publicUrl(b, a.id), expected, 'the article follows its section’s move');
  t.equal(await listedUrl(b, a.id), expected);
  t.equal(await koTranslationUrl(), expected);

  await warm();
  const reslugged = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { slug: 'a-new-slug' } });
  t.equal(reslugged.statusCode, 200);
  expected = 'https://news.example.com/business/defence/a-new-slug';
  t.equal(reslugged.json().url, expected);
  t.equal(await publicUrl(b, a.id), expected, 'the article follows its new slug');
  t.equal(await listedUrl(b, a.id), expected);
  t.equal(await koTranslationUrl(), expected, 'its translation’s link follows too');
});

t.test('a first publish at a past date sets firstPublishedAt to it; later publishes keep it', async (t) => {
  const b = await build(t, { config: { CMS_ARTICLE_PATH: '/{yyyy}/{mm}/{dd}/{slug}' } });
  const a = await create(t, b, { headline: 'From the archive' });
  const first = await publish(t, b, a.id, '2019-05-04T12:00:00Z');
  t.equal(first.publishedAt, '2019-05-04T12:00:00.000Z');
  t.equal(first.firstPublishedAt, '2019-05-04T12:00:00.000Z', 'the archive keeps its date');
  t.equal(first.url, `http://localhost:3000/2019/05/04/${a.slug}`);
  t.equal((await send(b, 'POST', `/v1/articles/${a.id}/unpublish`)).statusCode, 200);
  const again = await publish(t, b, a.id, '2021-01-01T00:00:00Z');
  t.equal(again.publishedAt, '2021-01-01T00:00:00.000Z');
  t.equal(again.firstPublishedAt, '2019-05-04T12:00:00.000Z', 'set once');
  t.equal(again.url, `http://localhost:3000/2019/05/04/${a.slug}`, 'the url keeps the first date');
  const now = await publish(t, b, a.id);
  t.equal(now.firstPublishedAt, '2019-05-04T12:00:00.000Z');
});

t.test('a scheduled article’s url is the one it will have once public', async (t) => {
  const b = await build(t, { config: { CMS_ARTICLE_PATH: '/{yyyy}/{mm}/{dd}/{slug}' } });
  // Created on one day, scheduled for three days later.
  b.clock.set(Date.parse('2026-06-01T10:00:00Z'));
  const a = await create(t, b, { headline: 'Embargoed' });
  t.equal(a.url, `http://localhost:3000/2026/06/01/${a.slug}`, 'a draft never published: the date it was created');
  const when = Date.parse('2026-06-04T08:00:00Z');
  const scheduled = await publish(t, b, a.id, iso(when));
  t.equal(scheduled.status, 'scheduled');
  t.equal(scheduled.firstPublishedAt, null);
  const expected = `http://localhost:3000/2026/06/04/${a.slug}`;
  t.equal(scheduled.url, expected, 'the date it is scheduled for');
  b.clock.set(when + HOUR);
  t.equal(await publicUrl(b, a.id), expected, 'the same url once it is public');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`)).json().url, expected);
});

t.test('an unknown placeholder is refused by loadConfig, naming it', async (t) => {
  t.throws(() => loadConfig({ CMS_ARTICLE_PATH: '/{section}/{slug}' }), /CMS_ARTICLE_PATH: unknown placeholder \{section\}; known: \{sectionPath\}, \{slug\}, \{id\}, \{yyyy\}, \{mm\}, \{dd\}/);
  t.throws(() => loadConfig({ CMS_ARTICLE_PATH: '/{yyyy}/{Slug}/{title}' }), /\{Slug\}[\s\S]*\{title\}/, 'each unknown one named (names are case-sensitive)');
  t.throws(() => loadConfig({ CMS_ARTICLE_PATH: '/news/{}' }), /unknown placeholder \{\}/);
  t.throws(() => loadConfig({ CMS_ARTICLE_PATH: '/news/{slug' }), /CMS_ARTICLE_PATH: has an unmatched \{ or \}/);
  t.throws(() => loadConfig({ CMS_ARTICLE_PATH: '/news/slug}' }), /CMS_ARTICLE_PATH: has an unmatched \{ or \}/);
  t.throws(() => loadConfig({ CMS_ARTICLE_PATH: '{sectionPath}/{slug}' }), /CMS_ARTICLE_PATH: must start with \//);
  t.throws(() => loadConfig({ CMS_SITE_URL: 'not a url' }), /CMS_SITE_URL: must be an http or https URL/);
  // Article paths are appended to the site: it must be a web origin (a path is fine).
  for (const site of ['ftp://news.example.com', 'mailto:desk@news.example.com', 'https://news.example.com/?edition=1', 'https://news.example.com/#top']) {
    t.throws(() => loadConfig({ CMS_SITE_URL: site }), /CMS_SITE_URL: must/, `CMS_SITE_URL ${site} is refused`);
  }
  t.equal(loadConfig({ CMS_SITE_URL: 'https://example.org/news/' }).CMS_SITE_URL, 'https://example.org/news/');
  t.throws(() => loadConfig({ CMS_PUBLISHER_LOGO_URL: 'data:image/png;base64,AAAA' }), /CMS_PUBLISHER_LOGO_URL: must be an http or https URL/);
  t.equal(loadConfig({ CMS_PUBLISHER_LOGO_URL: 'https://news.example.com/logo.png', CMS_PUBLISHER_NAME: 'The Daily' }).CMS_PUBLISHER_NAME, 'The Daily');
  const ok = loadConfig({ CMS_ARTICLE_PATH: '/{yyyy}/{mm}/{dd}/{sectionPath}/{slug}/{id}' });
  t.equal(ok.CMS_ARTICLE_PATH, '/{yyyy}/{mm}/{dd}/{sectionPath}/{slug}/{id}', 'every known placeholder is taken');
  const defaults = loadConfig({});
  t.equal(defaults.CMS_ARTICLE_PATH, '/{sectionPath}/{slug}');
  t.equal(defaults.CMS_PUBLISHER_NAME, 'Newsroom');
  t.equal(defaults.CMS_SITE_URL, undefined);
  t.equal(defaults.CMS_PUBLISHER_LOGO_URL, undefined);
  // The URL maker refuses one too (a configuration made in code, not through loadConfig).
  t.throws(() => articleUrls({ site: 'https://x.example', template: '/{nope}' }), /unknown placeholder \{nope\}/);
});

t.test('the server refuses to start with an unknown placeholder: one clear line', { skip: ENGINE === 'postgres' && 'configuration is read before any engine is chosen' }, async (t) => {
  const dir = tempDir(t);
  const result = await promisify(execFile)('npm', ['start'], {
    cwd: ROOT,
    env: childEnv({ CMS_DB: path.join(dir, 'cms.sqlite'), CMS_MEDIA_DIR: path.join(dir, 'media'), PORT: String(await freePort()), LOG_LEVEL: 'warn', CMS_ARTICLE_PATH: '/{yyyy}/{headline}' }),
    timeout: 60_000,
  }).then(
    () => null,
    (e: { code: number; stderr: string }) => e,
  );
  t.ok(result, 'it exits with a failure');
  t.not(result?.code, 0);
  const lines = (result?.stderr ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm ') && !l.startsWith('> '));
  t.strictSame(lines, ['Invalid configuration:', '  CMS_ARTICLE_PATH: unknown placeholder {headline}; known: {sectionPath}, {slug}, {id}, {yyyy}, {mm}, {dd}']);
  t.notMatch(result?.stderr ?? '', /\n\s+at /, 'no stack trace');
});

/** One app on a database it does not own (the database outlives it), as a restart would make it. */
async function start(t: Test, config: Config, db: Database) {
  const app = await buildApp({ config, db, logger: false });
  return {
    app,
    async url(): Promise<string> {
      const res = await app.inject({ url: `/v1/articles/slug/${SEED_SLUG}` });
      t.equal(res.statusCode, 200);
      return res.json().url;
    },
    async listed(): Promise<string> {
      return (await app.inject({ url: '/v1/articles' })).json().data[0].url;
    },
  };
}

t.test('documents stored before a configuration change are rebuilt at the next start', async (t) => {
  const dir = tempDir(t);
  const CMS_DB = await testDatabase(t, dir);
  const configWith = (over: Partial<Config>) =>
    loadConfig({}, { CMS_DB, CMS_DB_POOL: 2, CMS_MEDIA_DIR: path.join(dir, 'media'), LOG_LEVEL: 'silent', ...over });
  const open = async () => {
    const db = await openDatabase(CMS_DB, { pool: 2 });
    if (ENGINE === 'sqlite') await migrateDatabase(db);
    return db;
  };
  const storedSummary = async (db: Database, id: string) =>
    (await db.dialect.all<{ summary: string | null }>(db.q, sql`select summary from article_docs where article_id = ${id}`))[0]?.summary ?? null;

  const one = configWith({ CMS_SITE_URL: 'https://one.example.com' });
  let db = await open();
  await loadSeed(createServices({ config: one, db }), Date.now());
  let run = await start(t, one, db);
  t.equal(await run.url(), `https://one.example.com${SEED_PATH}`);
  t.equal(await run.listed(), `https://one.example.com${SEED_PATH}`);
  const id = (await run.app.inject({ url: `/v1/articles/slug/${SEED_SLUG}` })).json().id;
  await run.app.close(); // stores the documents the reads built
  t.match(await storedSummary(db, id), /"url":"https:\/\/one\.example\.com\//, 'the stored document holds the url');
  await closeDatabase(db);

  // The same configuration: the stored documents are kept (and answer).
  db = await open();
  run = await start(t, one, db);
  t.match(await storedSummary(db, id), /one\.example\.com/, 'kept across a restart with the same configuration');
  t.equal(await run.url(), `https://one.example.com${SEED_PATH}`);
  await run.app.close();
  await closeDatabase(db);

  // Another site: every document is rebuilt.
  const two = configWith({ CMS_SITE_URL: 'https://two.example.com' });
  db = await open();
  run = await start(t, two, db);
  t.equal(await run.url(), `https://two.example.com${SEED_PATH}`, 'the url follows CMS_SITE_URL');
  t.equal(await run.listed(), `https://two.example.com${SEED_PATH}`, 'in the list too');
  await run.app.close();
  t.match(await storedSummary(db, id), /two\.example\.com/);
  await closeDatabase(db);

  // Another template on the same site: rebuilt again.
  const dated = configWith({ CMS_SITE_URL: 'https://two.example.com', CMS_ARTICLE_PATH: '/a/{id}' });
  db = await open();
  run = await start(t, dated, db);
  t.equal(await run.url(), `https://two.example.com/a/${id}`, 'the url follows CMS_ARTICLE_PATH');
  t.equal(await run.listed(), `https://two.example.com/a/${id}`);
  await run.app.close();
  await closeDatabase(db);

  // CMS_PUBLIC_URL alone (the site's default) changes article urls too.
  const publicOnly = configWith({ CMS_PUBLIC_URL: 'https://api.example.com' });
  db = await open();
  run = await start(t, publicOnly, db);
  t.equal(await run.url(), `https://api.example.com${SEED_PATH}`, 'the url follows CMS_PUBLIC_URL when it is the site');
  await run.app.close();
  await closeDatabase(db);
});

t.test('canonicalUrl (which becomes the url) must be http or https', async (t) => {
  const b = await build(t);
  const res = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Bad canonical', sectionId: (await seedIds(b.services)).sections.get('national'), canonicalUrl: 'javascript:alert(1)' },
  });
  problem(t, res, 400, 'a javascript: canonicalUrl');
});
