// GET /v1/authors, /v1/authors/{id} and /v1/authors/slug/{slug}.
import t, { type Test } from 'tap';
import { build, type Built } from '../../helper.ts';

const AUTHOR_FIELDS = ['bio', 'email', 'id', 'name', 'slug', 'title'];

async function seedAuthors(b: Built) {
  const lim = (await b.services.repositories.authors.findBySlug('lim-jeong-won'))!;
  const park = (await b.services.repositories.authors.findBySlug('park-hyun-joo'))!;
  return {
    lim: { id: lim.id, slug: 'lim-jeong-won', name: 'Lim Jeong-won', email: 'lim.jeongwon@joongang.co.kr', title: null, bio: null },
    park: { id: park.id, slug: 'park-hyun-joo', name: 'Park Hyun-joo', email: null, title: null, bio: null },
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
  t.notOk(JSON.stringify(body).includes('    at '), 'no stack trace');
  return body;
}

t.test('GET /v1/authors lists every author ordered by slug', async (t) => {
  const b = await build(t);
  const { lim, park } = await seedAuthors(b);
  const res = await b.app.inject({ method: 'GET', url: '/v1/authors' });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(res.headers.link, undefined);
  const body = res.json();
  for (const a of body.data) t.strictSame(Object.keys(a).sort(), AUTHOR_FIELDS, `${a.slug}: exactly the documented fields`);
  t.strictSame(body, { data: [lim, park], page: { limit: 20, nextCursor: null } });

  // A later author whose slug sorts first comes first.
  await b.services.repositories.authors.insert({ id: 'author-aaa', slug: 'aaron-kim', name: 'Aaron Kim', email: null, title: 'Reporter', bio: 'Covers tech.', createdAt: b.clock.now(), updatedAt: b.clock.now() });
  const again = await b.app.inject({ method: 'GET', url: '/v1/authors' });
  t.strictSame(
    again.json().data.map((a: { slug: string }) => a.slug),
    ['aaron-kim', 'lim-jeong-won', 'park-hyun-joo'],
  );

  const page1 = await b.app.inject({ method: 'GET', url: '/v1/authors?limit=2' });
  const p1 = page1.json();
  t.strictSame(p1.data.map((a: { slug: string }) => a.slug), ['aaron-kim', 'lim-jeong-won']);
  t.type(p1.page.nextCursor, 'string');
  t.match(page1.headers.link, /; rel="next"$/);
  const page2 = await b.app.inject({ method: 'GET', url: `/v1/authors?limit=2&cursor=${p1.page.nextCursor}` });
  t.strictSame(page2.json(), { data: [park], page: { limit: 2, nextCursor: null } });
});

t.test('the list is the same with a token', async (t) => {
  const b = await build(t);
  const { lim, park } = await seedAuthors(b);
  const res = await b.app.inject({ method: 'GET', url: '/v1/authors', headers: b.auth('writer') });
  t.equal(res.statusCode, 200);
  t.strictSame(res.json().data, [lim, park]);
});

t.test('GET /v1/authors/{id} and /v1/authors/slug/{slug}', async (t) => {
  const b = await build(t);
  const { lim, park } = await seedAuthors(b);
  for (const a of [lim, park]) {
    const byId = await b.app.inject({ method: 'GET', url: `/v1/authors/${a.id}` });
    t.equal(byId.statusCode, 200);
    t.equal(byId.headers['content-type'], 'application/json; charset=utf-8');
    t.strictSame(byId.json(), a, `${a.slug} by id`);
    const bySlug = await b.app.inject({ method: 'GET', url: `/v1/authors/slug/${a.slug}` });
    t.equal(bySlug.statusCode, 200);
    t.strictSame(bySlug.json(), a, `${a.slug} by slug`);
  }
});

t.test('unknown authors are 404 problems', async (t) => {
  const b = await build(t);
  const byId = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/authors/0190d5a0-0000-7000-8000-000000000000' }), 404);
  t.equal(byId.detail, 'Author was not found.');
  const bySlug = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/authors/slug/nobody-here' }), 404);
  t.equal(bySlug.detail, 'Author was not found.');
  // An id route does not answer to a slug.
  assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/authors/lim-jeong-won' }), 404);
});

t.test('odd slugs: uppercase is simply not found, over 120 characters is a 400', async (t) => {
  const b = await build(t);
  const upper = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/authors/slug/Lim-Jeong-Won' }), 404);
  t.equal(upper.detail, 'Author was not found.');

  // 120 characters is a valid slug length: an unknown one is simply not found.
  const max = await b.app.inject({ method: 'GET', url: `/v1/authors/slug/${'a'.repeat(120)}` });
  assertProblem(t, max, 404);

  // A real author whose slug is the longest allowed is found.
  const longSlug = `${'b'.repeat(59)}-${'c'.repeat(60)}`;
  t.equal(longSlug.length, 120);
  await b.services.repositories.authors.insert({ id: 'author-long', slug: longSlug, name: 'Long Slug', email: null, title: null, bio: null, createdAt: b.clock.now(), updatedAt: b.clock.now() });
  const found = await b.app.inject({ method: 'GET', url: `/v1/authors/slug/${longSlug}` });
  t.equal(found.statusCode, 200, 'a 120-character slug can be fetched');
  t.equal(found.json().id, 'author-long');

  // slugParams (src/http/common-schemas.ts): 1–120 characters, so 121 fails validation at `slug`.
  const tooLong = assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/authors/slug/${'a'.repeat(121)}` }), 400);
  t.strictSame(tooLong.errors?.map((e: { in: string; path: string }) => [e.in, e.path]), [['path', 'slug']]);

  const longId = assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/authors/${'x'.repeat(65)}` }), 400);
  t.strictSame(longId.errors.map((e: { in: string; path: string }) => [e.in, e.path]), [['path', 'id']]);

  const weird = await b.app.inject({ method: 'GET', url: `/v1/authors/slug/${encodeURIComponent("o'brien; drop table authors")}` });
  assertProblem(t, weird, 404);
});

t.test('unknown query parameters are 400', async (t) => {
  const b = await build(t);
  const { lim } = await seedAuthors(b);
  const list = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/authors?sort=name' }), 400);
  t.strictSame(list.errors, [{ in: 'query', path: 'sort', message: 'Unknown field' }]);
  const badCursor = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/authors?cursor=eyJ4IjoxfQ' }), 400);
  t.strictSame(badCursor.errors.map((e: { path: string }) => e.path), ['cursor']);

  const byId = await b.app.inject({ method: 'GET', url: `/v1/authors/${lim.id}?expand=articles` });
  t.equal(byId.statusCode, 400, 'GET /v1/authors/{id} rejects an unknown query parameter');
  const bySlug = await b.app.inject({ method: 'GET', url: `/v1/authors/slug/${lim.slug}?expand=articles` });
  t.equal(bySlug.statusCode, 400, 'GET /v1/authors/slug/{slug} rejects an unknown query parameter');
});
