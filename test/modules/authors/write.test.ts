// Author (byline) writes: create with a slug from the name, 409 for a taken slug, PATCH,
// validation (email), DELETE → 204, and 409 while the author is on a byline.
import { sql } from 'drizzle-orm';
import t from 'tap';
import { build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { send, problem, paths } from '../../requests.ts';

const MISSING_ID = '0190b0b0-0000-7000-8000-000000000000';

// count(*) is a bigint (a string through node-postgres) on PostgreSQL, a number on SQLite.
const count = async (b: Built) => Number((await b.db.dialect.all<{ n: number | string }>(b.db.q, sql`select count(*) as n from authors`))[0]!.n);

t.test('create: 201, Location, slug from the name', async (t) => {
  const b = await build(t);
  const res = await send(b, 'POST', '/v1/authors', {
    body: { name: 'Kim Min-ji', email: 'kim.minji@example.com', title: 'Reporter', bio: 'Covers defense.' },
  });
  t.equal(res.statusCode, 201);
  const a = res.json();
  t.equal(res.headers.location, `/v1/authors/${a.id}`);
  t.strictSame(a, { id: a.id, slug: 'kim-min-ji', name: 'Kim Min-ji', email: 'kim.minji@example.com', title: 'Reporter', bio: 'Covers defense.' });
  t.strictSame((await send(b, 'GET', `/v1/authors/${a.id}`, { role: null })).json(), a, 'readable by id');
  t.strictSame((await send(b, 'GET', '/v1/authors/slug/kim-min-ji', { role: null })).json(), a, 'and by slug');

  const minimal = await send(b, 'POST', '/v1/authors', { body: { name: 'Lee Soo-jin' } });
  t.equal(minimal.statusCode, 201);
  t.strictSame(minimal.json(), { id: minimal.json().id, slug: 'lee-soo-jin', name: 'Lee Soo-jin', email: null, title: null, bio: null });

  const explicit = await send(b, 'POST', '/v1/authors', { body: { name: 'Somebody', slug: 'staff-writer' } });
  t.equal(explicit.json().slug, 'staff-writer', 'an explicit slug is kept');

  const korean = await send(b, 'POST', '/v1/authors', { body: { name: '김민지' } });
  t.equal(korean.statusCode, 201);
  t.match(korean.json().slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, 'a name with no Latin letters still gets a valid slug');

  // The new author can sign an article.
  const art = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Signed', sectionId: (await seedIds(b.services)).sections.get('sports'), authorIds: [a.id] },
  });
  t.equal(art.statusCode, 201);
  t.strictSame(art.json().authors, [{ id: a.id, slug: 'kim-min-ji', name: 'Kim Min-ji', email: 'kim.minji@example.com', title: 'Reporter' }]);
});

t.test('409 for a taken slug; 400 for invalid input', async (t) => {
  const b = await build(t);
  const before = await count(b);
  const taken = await send(b, 'POST', '/v1/authors', { body: { name: 'Lim Jeong-won' } });
  t.strictSame(paths(problem(t, taken, 409, 'slug from the name taken')), ['body:slug']);
  const takenExplicit = await send(b, 'POST', '/v1/authors', { body: { name: 'Someone else', slug: 'park-hyun-joo' } });
  t.strictSame(paths(problem(t, takenExplicit, 409, 'explicit slug taken')), ['body:slug']);

  for (const email of ['not-an-email', 'a@', '@b.com', 'two@@example.com', 'spaces in@example.com']) {
    const res = await send(b, 'POST', '/v1/authors', { body: { name: 'Bad Email', email } });
    t.strictSame(paths(problem(t, res, 400, `email ${email}`)), ['body:email']);
  }
  const many = await send(b, 'POST', '/v1/authors', { body: { name: '', email: 'x', slug: 'Bad Slug', nickname: 'x' } });
  t.strictSame(paths(problem(t, many, 400, 'several bad fields')), ['body:email', 'body:name', 'body:nickname', 'body:slug']);
  const missing = await send(b, 'POST', '/v1/authors', { body: { email: 'a@example.com' } });
  t.strictSame(paths(problem(t, missing, 400, 'no name')), ['body:name']);
  const ro = await send(b, 'POST', '/v1/authors', { body: { name: 'X', id: 'mine' } });
  const roBody = problem(t, ro, 400, 'read-only id');
  t.strictSame(paths(roBody), ['body:id']);
  t.match(roBody.errors[0].message, /read-only/i);
  t.equal(await count(b), before, 'nothing created');
});

t.test('PATCH: change fields, re-slug, clear with null', async (t) => {
  const b = await build(t);
  const a = (await send(b, 'POST', '/v1/authors', { body: { name: 'Choi Ji-ho', email: 'choi@example.com', title: 'Intern' } })).json();
  const res = await send(b, 'PATCH', `/v1/authors/${a.id}`, { body: { title: 'Reporter', bio: 'Writes about film.' } });
  t.equal(res.statusCode, 200);
  t.strictSame(res.json(), { id: a.id, slug: 'choi-ji-ho', name: 'Choi Ji-ho', email: 'choi@example.com', title: 'Reporter', bio: 'Writes about film.' });

  const renamed = await send(b, 'PATCH', `/v1/authors/${a.id}`, { body: { name: 'Choi Ji-ho Jr.', slug: 'choi-ji-ho-jr', email: null } });
  t.equal(renamed.statusCode, 200);
  t.equal(renamed.json().name, 'Choi Ji-ho Jr.');
  t.equal(renamed.json().slug, 'choi-ji-ho-jr');
  t.equal(renamed.json().email, null, 'null clears the email');
  t.equal(renamed.json().title, 'Reporter', 'absent fields stay');
  problem(t, await send(b, 'GET', '/v1/authors/slug/choi-ji-ho', { role: null }), 404, 'the old slug');
  t.equal((await send(b, 'GET', '/v1/authors/slug/choi-ji-ho-jr', { role: null })).json().id, a.id, 'the new slug');

  const same = await send(b, 'PATCH', `/v1/authors/${a.id}`, { body: { slug: 'choi-ji-ho-jr' } });
  t.equal(same.statusCode, 200, 're-slugging to its own slug is fine');
  const taken = await send(b, 'PATCH', `/v1/authors/${a.id}`, { body: { slug: 'lim-jeong-won' } });
  t.strictSame(paths(problem(t, taken, 409, 're-slug to a taken slug')), ['body:slug']);
  const badEmail = await send(b, 'PATCH', `/v1/authors/${a.id}`, { body: { email: 'nope' } });
  t.strictSame(paths(problem(t, badEmail, 400, 'invalid email on PATCH')), ['body:email']);
  const unknown = await send(b, 'PATCH', `/v1/authors/${a.id}`, { body: { nmae: 'x' } });
  t.strictSame(paths(problem(t, unknown, 400, 'unknown field on PATCH')), ['body:nmae']);
  problem(t, await send(b, 'PATCH', `/v1/authors/${MISSING_ID}`, { body: { name: 'x' } }), 404, 'missing author');
  t.strictSame(
    (await send(b, 'GET', `/v1/authors/${a.id}`)).json(),
    { id: a.id, slug: 'choi-ji-ho-jr', name: 'Choi Ji-ho Jr.', email: null, title: 'Reporter', bio: 'Writes about film.' },
    'the failed PATCHes changed nothing',
  );

  // Bylines show the change.
  const seedId = (await b.services.repositories.articles.findBySlug(SEED_SLUG))!.id;
  const lim = (await seedIds(b.services)).author('lim-jeong-won');
  t.equal((await send(b, 'PATCH', `/v1/authors/${lim}`, { body: { title: 'Senior Reporter' } })).statusCode, 200);
  const seed = (await send(b, 'GET', `/v1/articles/${seedId}`, { role: null })).json();
  t.equal(seed.authors[0].title, 'Senior Reporter', 'the byline on the article follows');
});

t.test('DELETE: 204, 409 while on a byline', async (t) => {
  const b = await build(t);
  const a = (await send(b, 'POST', '/v1/authors', { body: { name: 'Temp Author' } })).json();
  const del = await send(b, 'DELETE', `/v1/authors/${a.id}`);
  t.equal(del.statusCode, 204);
  t.equal(del.body, '');
  problem(t, await send(b, 'GET', `/v1/authors/${a.id}`), 404, 'deleted author');
  problem(t, await send(b, 'DELETE', `/v1/authors/${a.id}`), 404, 'deleted twice');

  const lim = (await seedIds(b.services)).author('lim-jeong-won');
  problem(t, await send(b, 'DELETE', `/v1/authors/${lim}`), 409, 'on the seed article’s byline');

  const onDraft = (await send(b, 'POST', '/v1/authors', { body: { name: 'Draft Author' } })).json();
  const art = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Draft with a byline', sectionId: (await seedIds(b.services)).sections.get('sports'), authorIds: [onDraft.id] },
  });
  t.equal(art.statusCode, 201);
  problem(t, await send(b, 'DELETE', `/v1/authors/${onDraft.id}`), 409, 'on a draft’s byline');
  t.equal((await send(b, 'GET', `/v1/authors/${onDraft.id}`)).statusCode, 200, 'still there');

  t.equal((await send(b, 'PATCH', `/v1/articles/${art.json().id}`, { body: { authorIds: [] } })).statusCode, 200, 'taken off the byline');
  t.equal((await send(b, 'DELETE', `/v1/authors/${onDraft.id}`)).statusCode, 204, 'deletable once off every byline');
});
