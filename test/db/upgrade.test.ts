// A SQLite database made by the first release (test/fixtures/release-1.sqlite: its seed, an
// admin token, an article published and a draft written through its API) keeps working after
// the upgrade: the new migrations apply, every row reads back, its token still works, search
// still finds, and writes go on.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { SEED_SLUG, tempDir } from '../helper.ts';
import { ROOT } from '../process.ts';

const RELEASE_1_TOKEN = 'cms_siVxmyYih_IzZuL7OGHa6yf2104Mqv_N48M1TQHwKPQ';

t.test('a database of the first release is upgraded in place and keeps its content', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'cms.sqlite');
  fs.copyFileSync(path.join(ROOT, 'test/fixtures/release-1.sqlite'), file);
  const db = await openDatabase(file);
  await migrateDatabase(db);
  const config = loadConfig({}, { CMS_DB: file, CMS_MEDIA_DIR: path.join(dir, 'media'), LOG_LEVEL: 'silent' });
  const app = await buildApp({ config, db, logger: false });
  t.teardown(async () => {
    await app.close();
    await db.close();
  });
  const auth = { authorization: `Bearer ${RELEASE_1_TOKEN}` };

  const seed = await app.inject({ url: `/v1/articles/slug/${SEED_SLUG}` });
  t.equal(seed.statusCode, 200, 'the seed article reads');
  t.equal(seed.json().authors.length, 2);
  const list = (await app.inject({ url: '/v1/articles?limit=10' })).json();
  t.same(list.data.map((a: { headline: string }) => a.headline).sort(), ['Release one article', seed.json().headline].sort(), 'both public articles are listed, the draft is not');
  const byTag = (await app.inject({ url: '/v1/articles?tag=archive' })).json();
  t.equal(byTag.data.length, 1, 'tag lists survive');
  const found = (await app.inject({ url: '/v1/articles?q=release%20one' })).json();
  t.equal(found.data[0]?.headline, 'Release one article', 'the FTS index of the first release still answers');
  const drafts = await app.inject({ url: '/v1/articles?status=draft', headers: auth });
  t.equal(drafts.statusCode, 200, 'its admin token still authenticates');
  t.same(drafts.json().data.map((a: { headline: string }) => a.headline), ['Release one draft']);

  const draft = drafts.json().data[0];
  const patched = await app.inject({ method: 'PATCH', url: `/v1/articles/${draft.id}`, headers: auth, payload: { headline: 'Release one draft, edited after the upgrade' } });
  t.equal(patched.statusCode, 200, 'writes go on');
  t.equal(patched.json().version, 2);
  const revisions = (await app.inject({ url: `/v1/articles/${draft.id}/revisions`, headers: auth })).json();
  t.same(revisions.data.map((r: { revision: number }) => r.revision), [2, 1], 'the first release’s revision is kept under the new one');
});
