// Round trips of a rich archive through `cms export` / `cms import` (issue 15): SQLite →
// SQLite, and SQLite → PostgreSQL → SQLite. At each hop:
// - the new database's export equals the one it was imported from, line for line (the header
//   aside: its time and engine are the export's own);
// - every public GET of openapi.yaml (public-routes.ts) answers the same status, headers
//   (ETag, Cache-Control, Link, Surrogate-Key, type) and bytes as on the source, the
//   apps sharing one clock and one CMS_SITE_URL / CMS_PUBLIC_URL.
// Two answers are compared for what they mean rather than their bytes, because they are
// legitimately made of each database's own history or secrets:
// - GET /v1/sync lists changes in the order they happened, with a `delete` for each article
//   that stopped being public; an import is a new history (every public article's last change
//   is the import, and what was never public in it needs no delete). What must hold is the
//   contract: a client that applies every item holds the same public articles at the same
//   versions;
// - GET /v1/preview/{token}: a preview token is signed with the database's own secret (like
//   API tokens, never exported), so each app makes its own link for the same article, and the
//   pages they open must be the same.
// This file runs both engines itself (not twinned): without PostgreSQL its PostgreSQL part is
// skipped, saying why, except in CI (`CI=true`), where that is a failure.
import path from 'node:path';
import t, { type Test } from 'tap';
import { build, type Built, tempDir, testClock } from '../../helper.ts';
import { PG_ADMIN_URL, pgUrl } from '../../engine.ts';
import { skipped } from '../../services.ts';
import { withClient } from '../../../scripts/pg-admin.ts';
import { buildRichArchive } from './archive.ts';
import { type Answer, difference, fetchPublic, inventoryOf, nextUrls, seedUrls, uncovered } from './public-routes.ts';
import { cmsOk, readLines, type Target, targetOf } from './transfer.ts';

const SITE = { CMS_SITE_URL: 'https://news.example.com', CMS_PUBLIC_URL: 'https://api.example.com' };
const CI = process.env.CI === 'true' || process.env.CI === '1';
// Three hours behind the real clock: the archive's steps move it on by a minute each and it
// must stay behind (an import decides what is public by the real clock, the apps by this one).
const clock = testClock(Date.now() - 3 * 3_600_000);

const root = tempDir(t, 'cms-roundtrip-');
const src = await build(t, { clock, config: SITE });
const archive = await buildRichArchive(src);
const first = path.join(root, 'source-export');
await cmsOk(targetOf(src), ['export', first]);
const sourceLines = readLines(first);
const urls = await seedUrls(src, inventoryOf(sourceLines));

t.test('every public GET route of openapi.yaml is compared', async (t) => {
  t.same(uncovered(urls), [], 'no public GET of the spec is left out');
});

/** Imports `from` into `target`, serves it with an app, exports it again. */
async function hop(t: Test, name: string, from: string, target: Target): Promise<{ app: Built; lines: string[] }> {
  const run = await cmsOk(target, ['import', from]);
  t.match(run.stderr, /^import: /m, `${name}: imported`);
  const app = await build(t, { seed: false, clock, config: { ...SITE, CMS_DB: target.db, CMS_MEDIA_DIR: target.media } });
  const dir = path.join(root, `${name}-export`);
  await cmsOk(target, ['export', dir]);
  return { app, lines: readLines(dir) };
}

/** Two exports are the same apart from the header's time and engine. */
function sameExport(t: Test, got: string[], want: string[], what: string) {
  const header = (l: string) => {
    const { exportedAt: _at, engine: _engine, ...rest } = JSON.parse(l);
    return rest;
  };
  t.same(header(got[0]!), header(want[0]!), `${what}: the same header (counts)`);
  t.equal(got.length, want.length, `${what}: as many lines`);
  // Each differing line as its number, kind, id and the fields that differ (lines are long).
  const differing = got.flatMap((l, i) => {
    if (i === 0 || l === want[i]) return [];
    const [x, y] = [JSON.parse(l), JSON.parse(want[i] ?? '{}')];
    const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
    return [`line ${i + 1} (${x.kind} ${x.id ?? x.articleId}): ${fields.map((k) => `${k}: ${JSON.stringify(x[k])} ≠ ${JSON.stringify(y[k])}`).join('; ')}`];
  });
  t.same(differing, [], `${what}: every line the same`);
}

/** What a sync client holds after applying every item from the start (pages of 2). */
async function syncState(b: Built): Promise<Record<string, unknown>> {
  const held = new Map<string, unknown>();
  for (let cursor = '', pages = 0; pages < 1000; pages++) {
    const res = await b.app.inject({ method: 'GET', url: `/v1/sync?limit=2${cursor ? `&cursor=${cursor}` : ''}` });
    if (res.statusCode !== 200) throw new Error(`sync: ${res.statusCode} ${res.body}`);
    const page = res.json();
    for (const item of page.data) {
      if (item.type === 'upsert') held.set(item.id, item.article);
      else held.delete(item.id);
    }
    cursor = page.page.nextCursor;
    if (!page.page.hasMore) break;
  }
  return Object.fromEntries([...held].sort(([a], [b]) => a.localeCompare(b)));
}

/** A preview page opened through a link the app itself made. */
async function preview(b: Built, id: string): Promise<Answer> {
  const made = await b.app.inject({ method: 'POST', url: `/v1/articles/${id}/preview`, headers: { ...b.auth(), 'content-type': 'application/json' }, payload: '{"expiresIn":3600}' });
  if (made.statusCode !== 201) throw new Error(`preview: ${made.statusCode} ${made.body}`);
  return fetchPublic(b, new URL(made.json().url).pathname);
}

/** Every public GET (and the pages and month files they lead to) on `b` as on `a`. */
async function samePublicGets(t: Test, a: Built, b: Built, what: string) {
  const queue = [...urls.values()].flat().filter((u) => !u.startsWith('/v1/sync'));
  const seen = new Set(queue);
  const mismatches: string[] = [];
  let compared = 0;
  for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
    const [x, y] = [await fetchPublic(a, url), await fetchPublic(b, url)];
    compared++;
    const d = difference(x, y);
    if (d) mismatches.push(`${url}: ${d}`);
    for (const next of nextUrls(x, SITE.CMS_PUBLIC_URL)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  t.ok(compared > 300, `${what}: ${compared} public GETs compared`);
  t.same(mismatches, [], `${what}: every public GET answers the same status, headers and bytes`);
  t.same(await syncState(b), await syncState(a), `${what}: a sync client ends up holding the same public articles`);
  for (const id of archive.previews) t.equal(difference(await preview(a, id), await preview(b, id)), '', `${what}: the preview of ${id} shows the same`);
}

t.test('SQLite → SQLite', async (t) => {
  const dir = tempDir(t);
  const { app, lines } = await hop(t, 'sqlite', first, { db: path.join(dir, 'copy.sqlite'), media: path.join(dir, 'media') });
  sameExport(t, lines, sourceLines, 'its export');
  await samePublicGets(t, src, app, 'SQLite copy');
});

/** Why PostgreSQL cannot be used in this run, or null. */
async function postgresMissing(): Promise<string | null> {
  const reason = skipped('postgres');
  if (reason) return reason;
  try {
    await withClient(PG_ADMIN_URL, (c) => c.query('select 1'), 3_000);
    return null;
  } catch (error) {
    return `no PostgreSQL at ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message || (error as { code?: string }).code})`;
  }
}

t.test('SQLite → PostgreSQL → SQLite', async (t) => {
  const missing = await postgresMissing();
  if (missing) {
    if (CI) t.fail(`CI=true: the PostgreSQL round trip must run, but ${missing}`);
    else t.plan(0, `PostgreSQL part skipped: ${missing}; start PostgreSQL 15 on 127.0.0.1:5432 (trust auth, user postgres) or set CMS_TEST_PG_URL`);
    return;
  }
  // A new, empty database (not the migrated template): the CLI migrates it as an operator's would be.
  const name = `cms_roundtrip_${process.pid}_${Date.now().toString(36)}`;
  await withClient(PG_ADMIN_URL, (c) => c.query(`create database ${name} template template0`));
  t.teardown(() => withClient(PG_ADMIN_URL, (c) => c.query(`drop database if exists ${name} with (force)`)));
  const dir = tempDir(t);

  const pg = await hop(t, 'postgres', first, { db: pgUrl(name), media: path.join(dir, 'pg-media') });
  sameExport(t, pg.lines, sourceLines, 'the PostgreSQL export');
  await samePublicGets(t, src, pg.app, 'PostgreSQL');

  const back = await hop(t, 'back', path.join(root, 'postgres-export'), { db: path.join(dir, 'back.sqlite'), media: path.join(dir, 'back-media') });
  sameExport(t, back.lines, pg.lines, 'the export of the SQLite copy of the PostgreSQL copy');
  await samePublicGets(t, pg.app, back.app, 'SQLite again');
});
