// The response cache is invalidated by what a write changed, not by "something changed":
// a draft save evicts nothing public; a publication evicts the lists the article is in and
// nothing else; a byline's edit evicts the articles that carry it; a section write (rare)
// evicts everything. Each eviction is proven by the next read being made afresh and right.
import t from 'tap';
import { createChangeFeed } from '../../src/db/change-feed.ts';
import { addArticle, build, SEED_SLUG } from '../helper.ts';

const seedUrl = `/v1/articles/slug/${SEED_SLUG}`;
const PUBLIC_URLS = [seedUrl, '/v1/articles', '/v1/articles?section=national', '/v1/articles?author=lim-jeong-won', '/v1/sections', '/v1/authors', '/v1/tags'];

async function warm(b: Awaited<ReturnType<typeof build>>, urls: string[]) {
  for (const url of urls) {
    await b.app.inject({ url });
    const again = await b.app.inject({ url });
    if (again.headers['x-cache'] !== 'hit') throw new Error(`${url} is not cached`);
  }
}

async function cached(b: Awaited<ReturnType<typeof build>>, url: string): Promise<boolean> {
  return (await b.app.inject({ url })).headers['x-cache'] === 'hit';
}

t.test('a draft saved again and again evicts nothing public', async (t) => {
  const b = await build(t);
  const editor = { ...b.auth('editor'), 'content-type': 'application/json' };
  const section = (await b.app.inject({ url: '/v1/sections?path=national' })).json().data[0].id;
  await warm(b, PUBLIC_URLS);
  const draft = await b.app.inject({ method: 'POST', url: '/v1/articles', headers: editor, payload: { headline: 'A draft', sectionId: section, tags: ['Draft only'] } });
  t.equal(draft.statusCode, 201);
  for (let i = 0; i < 5; i++) {
    const saved = await b.app.inject({ method: 'PATCH', url: `/v1/articles/${draft.json().id}`, headers: editor, payload: { summary: `Save ${i}` } });
    t.equal(saved.statusCode, 200);
  }
  for (const url of PUBLIC_URLS) t.ok(await cached(b, url), `${url} is still served from the cache`);
});

t.test('publishing evicts the lists the article joins, not other articles', async (t) => {
  const b = await build(t);
  const editor = b.auth('editor');
  const other = await addArticle(b, { headline: 'In culture', sectionPath: 'national', status: 'draft', authorSlugs: ['lim-jeong-won'] });
  await warm(b, PUBLIC_URLS);
  const published = await b.app.inject({ method: 'POST', url: `/v1/articles/${other.id}/publish`, headers: editor });
  t.equal(published.statusCode, 200);
  t.ok(await cached(b, seedUrl), 'the seed article is untouched');
  t.ok(await cached(b, '/v1/sections'), 'the section tree is untouched');
  for (const url of ['/v1/articles', '/v1/articles?section=national', '/v1/articles?author=lim-jeong-won']) {
    const res = await b.app.inject({ url });
    t.equal(res.headers['x-cache'], undefined, `${url} is made afresh`);
    t.ok(res.json().data.some((a: { id: string }) => a.id === other.id), `${url} lists the new article`);
  }
});

t.test('editing a byline evicts the articles that carry it', async (t) => {
  const b = await build(t);
  const editor = { ...b.auth('editor'), 'content-type': 'application/json' };
  await warm(b, PUBLIC_URLS);
  const seed = (await b.app.inject({ url: seedUrl })).json();
  const author = seed.authors[0];
  const edited = await b.app.inject({ method: 'PATCH', url: `/v1/authors/${author.id}`, headers: editor, payload: { title: 'Senior reporter' } });
  t.equal(edited.statusCode, 200);
  const after = await b.app.inject({ url: seedUrl });
  t.equal(after.headers['x-cache'], undefined, 'the article is made afresh');
  t.equal(after.json().authors[0].title, 'Senior reporter', 'with the new byline');
});

t.test('a section write evicts everything (paths and breadcrumbs are in every article)', async (t) => {
  const b = await build(t);
  const editor = { ...b.auth('editor'), 'content-type': 'application/json' };
  await warm(b, PUBLIC_URLS);
  const national = (await b.app.inject({ url: '/v1/sections?path=national' })).json().data[0];
  const renamed = await b.app.inject({ method: 'PATCH', url: `/v1/sections/${national.id}`, headers: editor, payload: { name: 'Nation' } });
  t.equal(renamed.statusCode, 200);
  for (const url of PUBLIC_URLS) t.notOk(await cached(b, url), `${url} is made afresh`);
  t.equal((await b.app.inject({ url: seedUrl })).json().breadcrumbs[0].name, 'Nation');
});

t.test('change rows are kept an hour, then pruned', async (t) => {
  const b = await build(t);
  const editor = { ...b.auth('editor'), 'content-type': 'application/json' };
  const seed = (await b.app.inject({ url: seedUrl })).json();
  t.equal((await b.app.inject({ method: 'PATCH', url: `/v1/articles/${seed.id}`, headers: editor, payload: { summary: 'Changed' } })).statusCode, 200);
  const { changes } = b.db.tables;
  const count = async () => (await b.db.q.select({ seq: changes.seq }).from(changes)).length;
  const rows = await count();
  t.ok(rows > 0, `${rows} change rows recorded`);
  const now = await createChangeFeed(b.db);
  t.teardown(() => now.close());
  t.equal(await now.prune(), 0, 'nothing younger than an hour is pruned');
  t.equal(await count(), rows);
  const later = await createChangeFeed(b.db, { now: () => Date.now() + 2 * 60 * 60 * 1000 });
  t.teardown(() => later.close());
  t.equal(await later.prune(), rows, 'two hours on, every row goes');
  t.equal(await count(), 0);
});
