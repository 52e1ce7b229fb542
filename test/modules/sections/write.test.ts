// Section writes: create (root and child), rename, re-slug and move with every descendant's
// path following in one request, the 409s (sibling slug, move under itself or a descendant,
// delete while in use), 422 for a missing parent, and article lists following a move.
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { build, SEED_SLUG, type Built } from '../../helper.ts';
import { send, problem, paths } from '../../requests.ts';

const MISSING_ID = '0190b0b0-0000-7000-8000-000000000000';

interface Section {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  parentId: string | null;
  path: string;
  depth: number;
  position: number;
}

async function createSection(t: Test, b: Built, body: Record<string, unknown>): Promise<Section & { breadcrumbs: unknown[]; children: Section[] }> {
  const res = await send(b, 'POST', '/v1/sections', { body });
  t.equal(res.statusCode, 201, `section “${String(body.name)}” created`);
  if (res.statusCode !== 201) t.comment(res.body);
  return res.json();
}

async function allSections(b: Built): Promise<Section[]> {
  return (await send(b, 'GET', '/v1/sections?limit=100', { role: null })).json().data;
}

async function byId(b: Built, id: string): Promise<Section & { breadcrumbs: { path: string }[]; children: Section[] }> {
  return (await send(b, 'GET', `/v1/sections/${id}`)).json();
}

// count(*) is a bigint (a string through node-postgres) on PostgreSQL, a number on SQLite.
const count = async (b: Built, table: string) => Number((await b.db.dialect.all<{ n: number | string }>(b.db.q, sql.raw(`select count(*) as n from ${table}`)))[0]!.n);

t.test('create a root and a child: path, depth, position, slug from the name', async (t) => {
  const b = await build(t);
  const roots = (await allSections(b)).filter((s) => s.parentId === null);
  const nextRoot = Math.max(...roots.map((s) => s.position)) + 1;

  const res = await send(b, 'POST', '/v1/sections', { body: { name: 'World News', description: 'From everywhere' } });
  t.equal(res.statusCode, 201);
  const world = res.json();
  t.equal(res.headers.location, `/v1/sections/${world.id}`);
  t.strictSame(world, {
    id: world.id,
    slug: 'world-news',
    name: 'World News',
    description: 'From everywhere',
    parentId: null,
    path: 'world-news',
    depth: 0,
    position: nextRoot,
    breadcrumbs: [{ id: world.id, slug: 'world-news', name: 'World News', path: 'world-news' }],
    children: [],
  });

  const asia = await createSection(t, b, { name: 'Asia & Pacific', parentId: world.id });
  t.equal(asia.slug, 'asia-and-pacific', 'slug made from the name');
  t.equal(asia.path, 'world-news/asia-and-pacific');
  t.equal(asia.depth, 1);
  t.equal(asia.parentId, world.id);
  t.equal(asia.position, 0, 'the first child is at position 0');
  t.equal(asia.description, null);
  t.strictSame(asia.breadcrumbs, [
    { id: world.id, slug: 'world-news', name: 'World News', path: 'world-news' },
    { id: asia.id, slug: 'asia-and-pacific', name: 'Asia & Pacific', path: 'world-news/asia-and-pacific' },
  ]);
  const europe = await createSection(t, b, { name: 'Europe', slug: 'eu', parentId: world.id });
  t.equal(europe.slug, 'eu', 'an explicit slug is kept');
  t.equal(europe.path, 'world-news/eu');
  t.equal(europe.position, 1, 'the next child goes last');
  const first = await createSection(t, b, { name: 'Americas', parentId: world.id, position: 7 });
  t.equal(first.position, 7, 'an explicit position is kept');

  const seoul = await createSection(t, b, { name: 'Seoul', parentId: asia.id });
  t.equal(seoul.path, 'world-news/asia-and-pacific/seoul');
  t.equal(seoul.depth, 2);

  const detail = await byId(b, world.id);
  t.strictSame(detail.children.map((c) => c.slug), ['asia-and-pacific', 'eu', 'americas'], 'children in position order');
  const listed = await send(b, 'GET', '/v1/sections?path=world-news/asia-and-pacific/seoul', { role: null });
  t.strictSame(listed.json().data, [{ id: seoul.id, slug: 'seoul', name: 'Seoul', description: null, parentId: asia.id, path: 'world-news/asia-and-pacific/seoul', depth: 2, position: 0 }]);

  const korean = await createSection(t, b, { name: '북한' });
  t.match(korean.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, 'a name with no Latin letters still gets a valid slug');
});

t.test('409 for a sibling slug; the same slug under another parent is fine; 422 for a missing parent', async (t) => {
  const b = await build(t);
  const all = await allSections(b);
  const national = all.find((s) => s.path === 'national')!;
  const business = all.find((s) => s.path === 'business')!;
  const before = await count(b, 'sections');

  const dup = await send(b, 'POST', '/v1/sections', { body: { name: 'Politics', parentId: national.id } });
  t.strictSame(paths(problem(t, dup, 409, 'sibling slug taken')), ['body:slug']);
  const dupRoot = await send(b, 'POST', '/v1/sections', { body: { name: 'Another', slug: 'national' } });
  t.strictSame(paths(problem(t, dupRoot, 409, 'root slug taken')), ['body:slug']);
  const ok = await createSection(t, b, { name: 'Politics', parentId: business.id });
  t.equal(ok.path, 'business/politics', 'the same slug under another parent');

  const missing = await send(b, 'POST', '/v1/sections', { body: { name: 'Orphan', parentId: MISSING_ID } });
  t.strictSame(paths(problem(t, missing, 422, 'missing parent')), ['body:parentId']);

  const invalid = await send(b, 'POST', '/v1/sections', { body: { name: '', slug: 'Bad Slug', parentId: 5, colour: 'red' } });
  t.strictSame(paths(problem(t, invalid, 400, 'invalid section')), ['body:colour', 'body:name', 'body:parentId', 'body:slug']);
  const readOnly = await send(b, 'POST', '/v1/sections', { body: { name: 'X', path: 'a/b', depth: 3 } });
  const ro = problem(t, readOnly, 400, 'read-only section fields');
  t.strictSame(paths(ro), ['body:depth', 'body:path']);
  for (const e of ro.errors) t.match(e.message, /read-only/i);

  t.equal(await count(b, 'sections'), before + 1, 'only the valid section was created');
});

t.test('rename and re-slug: descendants’ paths follow', async (t) => {
  const b = await build(t);
  const world = await createSection(t, b, { name: 'World' });
  const asia = await createSection(t, b, { name: 'Asia', parentId: world.id });
  const seoul = await createSection(t, b, { name: 'Seoul', parentId: asia.id });

  const renamed = await send(b, 'PATCH', `/v1/sections/${asia.id}`, { body: { name: 'Asia Pacific', description: 'The region' } });
  t.equal(renamed.statusCode, 200);
  t.equal(renamed.json().name, 'Asia Pacific');
  t.equal(renamed.json().description, 'The region');
  t.equal(renamed.json().slug, 'asia', 'a rename keeps the slug');
  t.equal(renamed.json().path, 'world/asia');
  t.equal(renamed.json().position, asia.position, 'and the position');

  const reslug = await send(b, 'PATCH', `/v1/sections/${world.id}`, { body: { slug: 'international' } });
  t.equal(reslug.statusCode, 200);
  t.equal(reslug.json().slug, 'international');
  t.equal(reslug.json().path, 'international');
  t.equal(reslug.json().name, 'World', 'the name stays');
  t.equal((await byId(b, asia.id)).path, 'international/asia', 'child path follows');
  const deep = await byId(b, seoul.id);
  t.equal(deep.path, 'international/asia/seoul', 'grandchild path follows');
  t.equal(deep.depth, 2);
  t.strictSame(deep.breadcrumbs.map((c) => c.path), ['international', 'international/asia', 'international/asia/seoul']);
  t.strictSame((await send(b, 'GET', '/v1/sections?path=world/asia', { role: null })).json().data, [], 'the old path is gone');

  const taken = await send(b, 'PATCH', `/v1/sections/${world.id}`, { body: { slug: 'national' } });
  t.strictSame(paths(problem(t, taken, 409, 're-slug to a taken sibling slug')), ['body:slug']);
  t.equal((await byId(b, world.id)).path, 'international', 'unchanged');

  const noop = await send(b, 'PATCH', `/v1/sections/${world.id}`, { body: {} });
  t.equal(noop.statusCode, 200);
  t.equal(noop.json().path, 'international');
  problem(t, await send(b, 'PATCH', `/v1/sections/${MISSING_ID}`, { body: { name: 'x' } }), 404, 'PATCH a missing section');
  const bad = await send(b, 'PATCH', `/v1/sections/${world.id}`, { body: { name: '', naem: 'x' } });
  t.strictSame(paths(problem(t, bad, 400, 'invalid PATCH')), ['body:naem', 'body:name']);
});

t.test('move a three-level subtree in one request; article lists follow', async (t) => {
  const b = await build(t);
  const a = await createSection(t, b, { name: 'A' });
  const bSec = await createSection(t, b, { name: 'B', parentId: a.id });
  const c = await createSection(t, b, { name: 'C', parentId: bSec.id });
  const d = await createSection(t, b, { name: 'D' });
  const other = await createSection(t, b, { name: 'Other', parentId: d.id });

  const created = await send(b, 'POST', '/v1/articles', { body: { headline: 'Deep in the tree', sectionId: c.id } });
  t.equal(created.statusCode, 201);
  const article = created.json();
  t.equal((await send(b, 'POST', `/v1/articles/${article.id}/publish`)).statusCode, 200);
  const slugs = async (url: string, role: 'editor' | null = null) => {
    const res = await send(b, 'GET', url, { role });
    t.equal(res.statusCode, 200, `GET ${url}`);
    return (res.json().data as { slug: string }[]).map((x) => x.slug);
  };
  t.strictSame(await slugs('/v1/articles?section=a/b/c'), [article.slug], 'listed under a/b/c before the move');
  t.strictSame(await slugs('/v1/articles?section=a'), [article.slug]);
  t.strictSame(await slugs('/v1/articles?section=d'), []);

  const moved = await send(b, 'PATCH', `/v1/sections/${a.id}`, { body: { parentId: d.id } });
  t.equal(moved.statusCode, 200, 'one PATCH moves the subtree');
  t.equal(moved.json().path, 'd/a');
  t.equal(moved.json().depth, 1);
  t.equal(moved.json().parentId, d.id);
  t.equal(moved.json().position, other.position + 1, 'it goes last among its new siblings');
  t.strictSame(moved.json().children.map((x: Section) => x.path), ['d/a/b']);

  const after = new Map((await allSections(b)).map((s) => [s.id, s]));
  t.strictSame(
    [a.id, bSec.id, c.id, d.id].map((id) => [after.get(id)!.path, after.get(id)!.depth, after.get(id)!.parentId]),
    [
      ['d/a', 1, d.id],
      ['d/a/b', 2, a.id],
      ['d/a/b/c', 3, bSec.id],
      ['d', 0, null],
    ],
    'every descendant’s path and depth follow; parents of descendants stay',
  );
  t.strictSame((await byId(b, c.id)).breadcrumbs.map((x) => x.path), ['d', 'd/a', 'd/a/b', 'd/a/b/c']);

  t.strictSame(await slugs('/v1/articles?section=d/a/b/c'), [article.slug], 'listed under the new path');
  t.strictSame(await slugs('/v1/articles?section=d/a'), [article.slug], 'and under the moved section');
  t.strictSame(await slugs('/v1/articles?section=d'), [article.slug], 'and under its new ancestor');
  t.strictSame(await slugs(`/v1/articles?section=${d.id}`), [article.slug], 'by id too');
  t.strictSame(await slugs('/v1/articles?section=d/a/b/c', 'editor'), [article.slug], 'for a token as well');
  for (const old of ['a/b/c', 'a/b', 'a']) {
    const res = await send(b, 'GET', `/v1/articles?section=${old}`, { role: null });
    t.strictSame(paths(problem(t, res, 422, `old path ${old}`)), ['query:section']);
  }
  const full = (await send(b, 'GET', `/v1/articles/${article.id}`, { role: null })).json();
  t.strictSame(full.section, { id: c.id, slug: 'c', name: 'C', path: 'd/a/b/c' }, 'the article’s section has the new path');
  t.strictSame(full.breadcrumbs.map((x: { path: string }) => x.path), ['d', 'd/a', 'd/a/b', 'd/a/b/c']);

  // Back to the root, with a new slug at the same time.
  const back = await send(b, 'PATCH', `/v1/sections/${a.id}`, { body: { parentId: null, slug: 'alpha' } });
  t.equal(back.statusCode, 200);
  t.equal(back.json().path, 'alpha');
  t.equal(back.json().depth, 0);
  t.equal((await byId(b, c.id)).path, 'alpha/b/c');
  t.equal((await byId(b, c.id)).depth, 2);
  t.strictSame(await slugs('/v1/articles?section=alpha/b/c'), [article.slug]);
  t.strictSame(await slugs('/v1/articles?section=d'), [], 'no longer under d');
});

t.test('409 for a move under itself or a descendant; 422 for a missing parent', async (t) => {
  const b = await build(t);
  const a = await createSection(t, b, { name: 'A' });
  const bSec = await createSection(t, b, { name: 'B', parentId: a.id });
  const c = await createSection(t, b, { name: 'C', parentId: bSec.id });
  for (const [target, what] of [
    [a.id, 'itself'],
    [bSec.id, 'its child'],
    [c.id, 'its grandchild'],
  ] as const) {
    const res = await send(b, 'PATCH', `/v1/sections/${a.id}`, { body: { parentId: target } });
    t.strictSame(paths(problem(t, res, 409, `move under ${what}`)), ['body:parentId']);
  }
  const missing = await send(b, 'PATCH', `/v1/sections/${a.id}`, { body: { parentId: MISSING_ID } });
  t.strictSame(paths(problem(t, missing, 422, 'move under a missing section')), ['body:parentId']);
  const after = new Map((await allSections(b)).map((s) => [s.id, s.path]));
  t.strictSame([after.get(a.id), after.get(bSec.id), after.get(c.id)], ['a', 'a/b', 'a/b/c'], 'nothing moved');

  // A move onto a taken path is a 409 too, and changes nothing.
  const x = await createSection(t, b, { name: 'X' });
  await createSection(t, b, { name: 'B', parentId: x.id });
  const clash = await send(b, 'PATCH', `/v1/sections/${bSec.id}`, { body: { parentId: x.id } });
  t.strictSame(paths(problem(t, clash, 409, 'move onto a taken path')), ['body:slug']);
  t.equal((await byId(b, c.id)).path, 'a/b/c', 'the subtree stayed');
});

t.test('delete: 204, 409 while it has children or articles', async (t) => {
  const b = await build(t);
  const a = await createSection(t, b, { name: 'A' });
  const child = await createSection(t, b, { name: 'Child', parentId: a.id });
  const leaf = await createSection(t, b, { name: 'Leaf' });

  const del = await send(b, 'DELETE', `/v1/sections/${leaf.id}`);
  t.equal(del.statusCode, 204);
  t.equal(del.body, '');
  problem(t, await send(b, 'GET', `/v1/sections/${leaf.id}`), 404, 'deleted section');
  problem(t, await send(b, 'DELETE', `/v1/sections/${leaf.id}`), 404, 'deleted twice');

  problem(t, await send(b, 'DELETE', `/v1/sections/${a.id}`), 409, 'a section with children');

  const art = await send(b, 'POST', '/v1/articles', { body: { headline: 'In the child', sectionId: child.id } });
  t.equal(art.statusCode, 201);
  problem(t, await send(b, 'DELETE', `/v1/sections/${child.id}`), 409, 'a section with a (draft) article');

  const secondary = await createSection(t, b, { name: 'Secondary' });
  const seedId = (await b.services.repositories.articles.findBySlug(SEED_SLUG))!.id;
  t.equal((await send(b, 'PATCH', `/v1/articles/${seedId}`, { body: { secondarySectionIds: [secondary.id] } })).statusCode, 200);
  problem(t, await send(b, 'DELETE', `/v1/sections/${secondary.id}`), 409, 'a secondary section of an article');

  const national = (await allSections(b)).find((s) => s.path === 'national')!;
  problem(t, await send(b, 'DELETE', `/v1/sections/${national.id}`), 409, 'a seed section in use');
  t.equal((await byId(b, child.id)).path, 'a/child', 'still there');

  t.equal((await send(b, 'DELETE', `/v1/articles/${art.json().id}`)).statusCode, 204);
  t.equal((await send(b, 'DELETE', `/v1/sections/${child.id}`)).statusCode, 204, 'deletable once empty');
  t.equal((await send(b, 'DELETE', `/v1/sections/${a.id}`)).statusCode, 204, 'and then its parent');
  t.strictSame((await send(b, 'GET', '/v1/sections?path=a', { role: null })).json().data, []);
});
