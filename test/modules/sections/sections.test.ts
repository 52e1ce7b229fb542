// GET /v1/sections and GET /v1/sections/{id}: the seeded tree, flat and by id.
import t, { type Test } from 'tap';
import { build, seedIds } from '../../helper.ts';

const SECTION_FIELDS = ['depth', 'description', 'id', 'name', 'parentId', 'path', 'position', 'slug'];

// The seed's 14 sections, in `path` order, with their position among siblings (seed.json order).
const EXPECTED: { path: string; name: string; description: string | null; position: number }[] = [
  { path: 'business', name: 'Business', description: null, position: 1 },
  { path: 'business/economy', name: 'Economy', description: null, position: 0 },
  { path: 'business/finance', name: 'Finance', description: null, position: 2 },
  { path: 'business/industry', name: 'Industry', description: null, position: 1 },
  { path: 'culture', name: 'Culture', description: null, position: 2 },
  { path: 'culture/film', name: 'Film', description: null, position: 1 },
  { path: 'culture/k-pop', name: 'K-pop', description: null, position: 0 },
  { path: 'national', name: 'National', description: 'News from across South Korea', position: 0 },
  { path: 'national/defense', name: 'Defense', description: null, position: 3 },
  { path: 'national/north-korea', name: 'North Korea', description: null, position: 1 },
  { path: 'national/politics', name: 'Politics', description: null, position: 0 },
  { path: 'national/social-affairs', name: 'Social Affairs', description: null, position: 2 },
  { path: 'opinion', name: 'Opinion', description: null, position: 4 },
  { path: 'sports', name: 'Sports', description: null, position: 3 },
];

function expectedSection(ids: Map<string, string>, path: string) {
  const e = EXPECTED.find((s) => s.path === path)!;
  const parts = path.split('/');
  const parentPath = parts.slice(0, -1).join('/');
  return {
    id: ids.get(path)!,
    slug: parts.at(-1)!,
    name: e.name,
    description: e.description,
    parentId: parentPath ? ids.get(parentPath)! : null,
    path,
    depth: parts.length - 1,
    position: e.position,
  };
}

function assertProblem(t: Test, res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number) {
  t.equal(res.statusCode, status, `status ${status}`);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', 'problem+json');
  const body = res.json();
  if (res.statusCode !== status || res.headers['content-type'] !== 'application/problem+json; charset=utf-8') {
    t.comment(`unexpected response: ${res.statusCode} ${JSON.stringify(body).slice(0, 200)}`);
    return body;
  }
  t.equal(body.status, status);
  t.type(body.type, 'string');
  t.type(body.title, 'string');
  t.type(body.detail, 'string');
  return body;
}

t.test('GET /v1/sections lists all 14 sections, ordered by path, with exact fields', async (t) => {
  const b = await build(t);
  const ids = (await seedIds(b.services)).sections;
  t.equal(ids.size, 14, 'the seed has 14 sections');
  const res = await b.app.inject({ method: 'GET', url: '/v1/sections' });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(res.headers.link, undefined, 'no Link header on the last page');
  const body = res.json();
  t.same(Object.keys(body).sort(), ['data', 'page']);
  t.strictSame(body.page, { limit: 20, nextCursor: null });
  t.equal(body.data.length, 14);
  t.strictSame(
    body.data.map((s: { path: string }) => s.path),
    EXPECTED.map((e) => e.path),
    'ordered by path',
  );
  for (const s of body.data) {
    t.strictSame(Object.keys(s).sort(), SECTION_FIELDS, `${s.path}: exactly the documented fields`);
    t.strictSame(s, expectedSection(ids, s.path), `${s.path}: exact values`);
  }
  const roots = body.data.filter((s: { depth: number }) => s.depth === 0).map((s: { path: string }) => s.path);
  t.strictSame(roots, ['business', 'culture', 'national', 'opinion', 'sports']);
  for (const s of body.data.filter((s: { depth: number }) => s.depth === 0)) t.equal(s.parentId, null, `${s.path} is a root`);
  const northKorea = body.data.find((s: { path: string }) => s.path === 'national/north-korea');
  t.equal(northKorea.parentId, ids.get('national'), "a child's parentId is its parent's id");
  t.equal(northKorea.depth, 1);
});

t.test('?path= narrows the list to one section, or to none', async (t) => {
  const b = await build(t);
  const ids = (await seedIds(b.services)).sections;

  const one = await b.app.inject({ method: 'GET', url: '/v1/sections?path=national/north-korea' });
  t.equal(one.statusCode, 200);
  t.strictSame(one.json(), { data: [expectedSection(ids, 'national/north-korea')], page: { limit: 20, nextCursor: null } });

  const encoded = await b.app.inject({ method: 'GET', url: '/v1/sections?path=national%2Fnorth-korea' });
  t.equal(encoded.statusCode, 200);
  t.strictSame(encoded.json().data.map((s: { id: string }) => s.id), [ids.get('national/north-korea')], 'an encoded slash works too');

  const root = await b.app.inject({ method: 'GET', url: '/v1/sections?path=national' });
  t.strictSame(root.json().data.map((s: { path: string }) => s.path), ['national'], 'a path matches exactly, not as a prefix');

  const none = await b.app.inject({ method: 'GET', url: '/v1/sections?path=nope' });
  t.equal(none.statusCode, 200);
  t.strictSame(none.json(), { data: [], page: { limit: 20, nextCursor: null } });
});

t.test('keyset pagination over sections', async (t) => {
  const b = await build(t);
  const seen: string[] = [];
  let url = '/v1/sections?limit=5';
  let pages = 0;
  for (;;) {
    const res = await b.app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200);
    const body = res.json();
    pages++;
    t.equal(body.page.limit, 5);
    seen.push(...body.data.map((s: { path: string }) => s.path));
    if (body.page.nextCursor === null) {
      t.equal(res.headers.link, undefined);
      break;
    }
    t.equal(body.data.length, 5);
    const link = res.headers.link as string;
    t.match(link, /^<http:\/\/[^>]+\/v1\/sections\?limit=5&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
    t.ok(link.includes(`cursor=${body.page.nextCursor}>`), 'the Link header carries the same cursor');
    url = `/v1/sections?limit=5&cursor=${body.page.nextCursor}`;
  }
  t.equal(pages, 3);
  t.strictSame(seen, EXPECTED.map((e) => e.path), 'every section once, in order');

  const bad = await b.app.inject({ method: 'GET', url: '/v1/sections?cursor=not-a-cursor' });
  const problem = assertProblem(t, bad, 400);
  t.strictSame(problem.errors.map((e: { in: string; path: string }) => [e.in, e.path]), [['query', 'cursor']]);
});

t.test('GET /v1/sections/{id} of a leaf: breadcrumbs root first, no children', async (t) => {
  const b = await build(t);
  const ids = (await seedIds(b.services)).sections;
  const res = await b.app.inject({ method: 'GET', url: `/v1/sections/${ids.get('national/north-korea')}` });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const body = res.json();
  t.strictSame(Object.keys(body).sort(), [...SECTION_FIELDS, 'breadcrumbs', 'children'].sort());
  t.strictSame(body, {
    ...expectedSection(ids, 'national/north-korea'),
    breadcrumbs: [
      { id: ids.get('national'), slug: 'national', name: 'National', path: 'national' },
      { id: ids.get('national/north-korea'), slug: 'north-korea', name: 'North Korea', path: 'national/north-korea' },
    ],
    children: [],
  });
});

t.test('GET /v1/sections/{id} of a root: its children in position order', async (t) => {
  const b = await build(t);
  const ids = (await seedIds(b.services)).sections;
  const res = await b.app.inject({ method: 'GET', url: `/v1/sections/${ids.get('national')}` });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.strictSame(body.breadcrumbs, [{ id: ids.get('national'), slug: 'national', name: 'National', path: 'national' }]);
  t.equal(body.children.length, 4);
  t.strictSame(
    body.children.map((c: { slug: string }) => c.slug),
    ['politics', 'north-korea', 'social-affairs', 'defense'],
  );
  t.strictSame(body.children, [
    expectedSection(ids, 'national/politics'),
    expectedSection(ids, 'national/north-korea'),
    expectedSection(ids, 'national/social-affairs'),
    expectedSection(ids, 'national/defense'),
  ]);
  t.equal(body.description, 'News from across South Korea');
  t.equal(body.parentId, null);
  t.equal(body.depth, 0);
});

t.test('unknown section id is a 404 problem', async (t) => {
  const b = await build(t);
  const res = await b.app.inject({ method: 'GET', url: '/v1/sections/0190d5a0-0000-7000-8000-000000000000' });
  const body = assertProblem(t, res, 404);
  t.equal(body.title, 'Not Found');
  t.equal(body.detail, 'Section was not found.');
  t.equal(body.errors, undefined);

  const withToken = await b.app.inject({ method: 'GET', url: '/v1/sections/nope', headers: b.auth('editor') });
  assertProblem(t, withToken, 404);
});

t.test('an unknown query parameter, a bad limit or an over-long id is a 400', async (t) => {
  const b = await build(t);
  const unknown = await b.app.inject({ method: 'GET', url: '/v1/sections?foo=1' });
  const body = assertProblem(t, unknown, 400);
  t.strictSame(body.errors, [{ in: 'query', path: 'foo', message: 'Unknown field' }]);

  const slugParam = await b.app.inject({ method: 'GET', url: '/v1/sections?slug=national' });
  t.strictSame(assertProblem(t, slugParam, 400).errors.map((e: { path: string }) => e.path), ['slug']);

  const limit = await b.app.inject({ method: 'GET', url: '/v1/sections?limit=101' });
  t.strictSame(assertProblem(t, limit, 400).errors.map((e: { in: string; path: string }) => [e.in, e.path]), [['query', 'limit']]);

  const emptyPath = await b.app.inject({ method: 'GET', url: '/v1/sections?path=' });
  t.strictSame(assertProblem(t, emptyPath, 400).errors.map((e: { path: string }) => e.path), ['path']);

  const longId = await b.app.inject({ method: 'GET', url: `/v1/sections/${'a'.repeat(65)}` });
  t.strictSame(assertProblem(t, longId, 400).errors.map((e: { in: string; path: string }) => [e.in, e.path]), [['path', 'id']]);

  const detailQuery = await b.app.inject({ method: 'GET', url: `/v1/sections/${(await seedIds(b.services)).sections.get('national')}?x=1` });
  t.equal(detailQuery.statusCode, 400, 'an unknown query parameter on the detail route is rejected too');
});
