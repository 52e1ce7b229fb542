// The role matrix: no token → 401 (WWW-Authenticate: Bearer) on every write route; writer,
// editor and admin each may do exactly what API.md says; tokens over HTTP (admin only); and the
// order of checks: authentication (401), validation (400), existence (404), role (403).
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { send, problem, type Res, type Method } from '../../requests.ts';

const MISSING_ID = '0190b0b0-0000-7000-8000-000000000000';

function unauthorized(t: Test, res: Res, what: string) {
  if (res.statusCode !== 401) {
    t.fail(`${what}: expected 401, got ${res.statusCode} ${res.body.slice(0, 200)}`);
    return;
  }
  problem(t, res, 401, what);
  t.match(res.headers['www-authenticate'], /^Bearer( |$)/, `${what}: WWW-Authenticate: Bearer`);
}

/** Rows in a table (count(*) is a bigint on PostgreSQL, read as a string: Number() on both engines). */
const count = async (b: Built, table: string) =>
  Number((await b.db.dialect.all<{ n: number | string }>(b.db.q, sql.raw(`select count(*) as n from ${table}`)))[0]!.n);

/** A fixture: a draft, ids of the seed article, a section and an author. */
async function fixture(t: Test, b: Built) {
  const ids = await seedIds(b.services);
  const sectionId = ids.sections.get('opinion')!;
  const res = await send(b, 'POST', '/v1/articles', { role: 'writer', body: { headline: 'A writer’s draft', sectionId } });
  t.equal(res.statusCode, 201, 'fixture draft');
  const seed = (await b.services.repositories.articles.findBySlug(SEED_SLUG))!;
  return { draft: res.json() as { id: string }, seedId: seed.id, sectionId, authorId: ids.author('park-hyun-joo'), ids };
}

t.test('no token: 401 with WWW-Authenticate: Bearer on every write route', async (t) => {
  const b = await build(t);
  const f = await fixture(t, b);
  const tokenId = (await b.services.tokens.list())[0]!.id;
  const routes: [Method, string, unknown][] = [
    ['POST', '/v1/articles', { headline: 'x', sectionId: f.sectionId }],
    ['PATCH', `/v1/articles/${f.draft.id}`, { headline: 'x' }],
    ['DELETE', `/v1/articles/${f.draft.id}`, undefined],
    ['POST', `/v1/articles/${f.draft.id}/publish`, undefined],
    ['POST', `/v1/articles/${f.draft.id}/unpublish`, undefined],
    ['POST', `/v1/articles/${f.draft.id}/archive`, undefined],
    ['GET', `/v1/articles/${f.draft.id}/revisions`, undefined],
    ['GET', `/v1/articles/${f.draft.id}/revisions/1`, undefined],
    ['POST', `/v1/articles/${f.draft.id}/revisions/1/restore`, undefined],
    ['POST', '/v1/sections', { name: 'New' }],
    ['PATCH', `/v1/sections/${f.sectionId}`, { name: 'Renamed' }],
    ['DELETE', `/v1/sections/${f.sectionId}`, undefined],
    ['POST', '/v1/authors', { name: 'New Author' }],
    ['PATCH', `/v1/authors/${f.authorId}`, { name: 'Renamed' }],
    ['DELETE', `/v1/authors/${f.authorId}`, undefined],
    ['GET', '/v1/tokens', undefined],
    ['POST', '/v1/tokens', { name: 'x', role: 'admin' }],
    ['DELETE', `/v1/tokens/${tokenId}`, undefined],
    ['POST', '/v1/images', undefined],
    ['PATCH', `/v1/images/${MISSING_ID}`, { alt: 'x' }],
    ['DELETE', `/v1/images/${MISSING_ID}`, undefined],
  ];
  const counts = async () => ({ articles: await count(b, 'articles'), sections: await count(b, 'sections'), authors: await count(b, 'authors'), tokens: await count(b, 'api_tokens') });
  const before = await counts();
  for (const [method, url, body] of routes) {
    unauthorized(t, await send(b, method, url, { role: null, body }), `${method} ${url}`);
  }
  for (const header of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer abc', 'Bearer not-a-real-token', 'Token abc', '']) {
    unauthorized(t, await send(b, 'POST', '/v1/articles', { role: null, body: { headline: 'x', sectionId: f.sectionId }, headers: { authorization: header } }), `Authorization: “${header}”`);
  }
  t.strictSame(
    await counts(),
    before,
    'nothing was written',
  );
  t.equal((await send(b, 'GET', `/v1/articles/${f.draft.id}`)).json().headline, 'A writer’s draft');
});

t.test('writer: create and edit drafts; nothing else', async (t) => {
  const b = await build(t);
  const f = await fixture(t, b);
  const w = { role: 'writer' as const };

  const edited = await send(b, 'PATCH', `/v1/articles/${f.draft.id}`, { ...w, body: { headline: 'Edited by the writer' } });
  t.equal(edited.statusCode, 200, 'writer edits a draft');
  t.equal(edited.json().version, 2);

  problem(t, await send(b, 'POST', `/v1/articles/${f.draft.id}/publish`, w), 403, 'writer publishes');
  problem(t, await send(b, 'POST', `/v1/articles/${f.draft.id}/publish`, { ...w, body: { publishAt: '2099-01-01T00:00:00Z' } }), 403, 'writer schedules');
  problem(t, await send(b, 'POST', `/v1/articles/${f.draft.id}/unpublish`, w), 403, 'writer unpublishes');
  problem(t, await send(b, 'POST', `/v1/articles/${f.draft.id}/archive`, w), 403, 'writer archives');
  problem(t, await send(b, 'DELETE', `/v1/articles/${f.draft.id}`, w), 403, 'writer deletes a draft');
  problem(t, await send(b, 'PATCH', `/v1/articles/${f.seedId}`, { ...w, body: { headline: 'Vandalised' } }), 403, 'writer edits a published article');
  problem(t, await send(b, 'DELETE', `/v1/articles/${f.seedId}`, w), 403, 'writer deletes a published article');

  // Once an editor publishes the writer's draft, the writer can no longer edit it.
  t.equal((await send(b, 'POST', `/v1/articles/${f.draft.id}/publish`)).statusCode, 200, 'editor publishes');
  problem(t, await send(b, 'PATCH', `/v1/articles/${f.draft.id}`, { ...w, body: { headline: 'Too late' } }), 403, 'writer edits it once published');
  t.equal((await send(b, 'POST', `/v1/articles/${f.draft.id}/archive`)).statusCode, 200, 'editor archives');
  problem(t, await send(b, 'PATCH', `/v1/articles/${f.draft.id}`, { ...w, body: { headline: 'Too late' } }), 403, 'writer edits an archived article');

  problem(t, await send(b, 'POST', '/v1/sections', { ...w, body: { name: 'Writer section' } }), 403, 'writer creates a section');
  problem(t, await send(b, 'PATCH', `/v1/sections/${f.sectionId}`, { ...w, body: { name: 'Renamed' } }), 403, 'writer renames a section');
  problem(t, await send(b, 'DELETE', `/v1/sections/${f.ids.sections.get('sports')!}`, w), 403, 'writer deletes a section');
  problem(t, await send(b, 'POST', '/v1/authors', { ...w, body: { name: 'Writer Author' } }), 403, 'writer creates an author');
  problem(t, await send(b, 'PATCH', `/v1/authors/${f.authorId}`, { ...w, body: { name: 'Renamed' } }), 403, 'writer renames an author');
  problem(t, await send(b, 'DELETE', `/v1/authors/${f.authorId}`, w), 403, 'writer deletes an author');
  problem(t, await send(b, 'GET', '/v1/tokens', w), 403, 'writer lists tokens');
  problem(t, await send(b, 'POST', '/v1/tokens', { ...w, body: { name: 'mine', role: 'admin' } }), 403, 'writer creates a token');
  problem(t, await send(b, 'DELETE', `/v1/tokens/${(await b.services.tokens.list())[0]!.id}`, w), 403, 'writer revokes a token');

  const article = (await send(b, 'GET', `/v1/articles/${f.draft.id}`)).json();
  t.equal(article.headline, 'Edited by the writer', 'the refused edits changed nothing');
  t.equal(article.status, 'archived');
  const seed = (await send(b, 'GET', `/v1/articles/${f.seedId}`)).json();
  t.equal(seed.headline, (await b.services.repositories.articles.findBySlug(SEED_SLUG))!.headline);
  t.equal(seed.version, 1);
  t.equal(await count(b, 'sections'), 14, 'no section created or deleted');
  t.equal(await count(b, 'authors'), 2, 'no author created or deleted');
  // build() makes the writer’s, the editor’s and the admin’s tokens up front.
  t.equal(await count(b, 'api_tokens'), 3, 'no token created (only the writer’s, the editor’s and the admin’s)');
});

t.test('editor: every content action, but not tokens', async (t) => {
  const b = await build(t);
  const f = await fixture(t, b);
  t.equal((await send(b, 'PATCH', `/v1/articles/${f.seedId}`, { body: { subheadline: 'An editor’s subheadline' } })).statusCode, 200, 'edits a published article');
  t.equal((await send(b, 'POST', `/v1/articles/${f.draft.id}/publish`)).statusCode, 200, 'publishes');
  t.equal((await send(b, 'POST', `/v1/articles/${f.draft.id}/unpublish`)).statusCode, 200, 'unpublishes');
  t.equal((await send(b, 'POST', `/v1/articles/${f.draft.id}/archive`)).statusCode, 200, 'archives');
  t.equal((await send(b, 'POST', `/v1/articles/${f.draft.id}/revisions/1/restore`)).statusCode, 200, 'restores');
  const section = await send(b, 'POST', '/v1/sections', { body: { name: 'Editor section' } });
  t.equal(section.statusCode, 201, 'creates a section');
  t.equal((await send(b, 'PATCH', `/v1/sections/${section.json().id}`, { body: { name: 'Renamed' } })).statusCode, 200, 'renames it');
  t.equal((await send(b, 'DELETE', `/v1/sections/${section.json().id}`)).statusCode, 204, 'deletes it');
  const author = await send(b, 'POST', '/v1/authors', { body: { name: 'Editor Author' } });
  t.equal(author.statusCode, 201, 'creates an author');
  t.equal((await send(b, 'PATCH', `/v1/authors/${author.json().id}`, { body: { title: 'Reporter' } })).statusCode, 200, 'edits it');
  t.equal((await send(b, 'DELETE', `/v1/authors/${author.json().id}`)).statusCode, 204, 'deletes it');
  t.equal((await send(b, 'DELETE', `/v1/articles/${f.draft.id}`)).statusCode, 204, 'deletes an article');

  problem(t, await send(b, 'GET', '/v1/tokens'), 403, 'editor lists tokens');
  problem(t, await send(b, 'POST', '/v1/tokens', { body: { name: 'mine', role: 'admin' } }), 403, 'editor creates a token');
  problem(t, await send(b, 'DELETE', `/v1/tokens/${(await b.services.tokens.list())[0]!.id}`), 403, 'editor revokes a token');
  t.equal(await count(b, 'api_tokens'), 3, 'no token created (build() made three)');
  t.equal((await b.services.tokens.list()).filter((x) => x.revokedAt !== null).length, 0, 'no token revoked');
});

t.test('admin: create (secret shown once), list (no secret, no hash), revoke tokens', async (t) => {
  const b = await build(t);
  const ids = await seedIds(b.services);
  const a = { role: 'admin' as const };
  const created = await send(b, 'POST', '/v1/tokens', { ...a, body: { name: 'night desk', role: 'writer' } });
  t.equal(created.statusCode, 201);
  t.equal(created.headers['cache-control'], 'no-store', 'the secret is not cached');
  const c = created.json();
  t.strictSame(Object.keys(c).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role', 'token']);
  t.equal(c.name, 'night desk');
  t.equal(c.role, 'writer');
  t.equal(c.revokedAt, null);
  t.equal(c.lastUsedAt, null);
  t.equal(c.createdAt, new Date(b.clock.now()).toISOString());
  t.type(c.token, 'string');
  t.ok(c.token.length >= 40, `the token is long (${c.token.length} characters)`);

  const [stored] = await b.db.dialect.all<Record<string, unknown>>(b.db.q, sql`select * from api_tokens where id = ${c.id}`);
  t.ok(stored, 'the token is stored');
  t.not(Object.values(stored!).includes(c.token), 'the secret itself is not stored');

  const list = await send(b, 'GET', '/v1/tokens', a);
  t.equal(list.statusCode, 200);
  t.equal(list.headers['cache-control'], 'private, no-store');
  t.notMatch(list.body, c.token, 'the secret is not in the list');
  t.notMatch(list.body, /hash/i, 'no hash in the list');
  const items = list.json().data as Record<string, unknown>[];
  t.equal(items.length, 4, 'the three tokens build() made (writer, editor, admin) and the new one');
  for (const item of items) t.strictSame(Object.keys(item).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role']);
  t.strictSame(items.find((x) => x.id === c.id), { id: c.id, name: 'night desk', role: 'writer', createdAt: c.createdAt, lastUsedAt: null, revokedAt: null });

  // The new token works, with its role and its name.
  const bearer = { authorization: `Bearer ${c.token}` };
  const art = await b.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...bearer, 'content-type': 'application/json' },
    payload: JSON.stringify({ headline: 'By the night desk', sectionId: ids.sections.get('sports') }),
  });
  t.equal(art.statusCode, 201, 'the new writer token creates an article');
  const revs = await send(b, 'GET', `/v1/articles/${art.json().id}/revisions`);
  t.equal(revs.json().data[0].createdBy, 'night desk', 'changes are recorded under its name');
  const publish = await b.app.inject({ method: 'POST', url: `/v1/articles/${art.json().id}/publish`, headers: bearer });
  problem(t, publish, 403, 'the new token has the writer role');
  const used = (await send(b, 'GET', '/v1/tokens', a)).json().data.find((x: { id: string }) => x.id === c.id);
  t.equal(used.lastUsedAt, new Date(b.clock.now()).toISOString(), 'lastUsedAt is kept');

  const badRole = await send(b, 'POST', '/v1/tokens', { ...a, body: { name: 'x', role: 'owner' } });
  t.strictSame(problem(t, badRole, 400, 'unknown role').errors.map((e: { path: string }) => e.path), ['role']);
  const noName = await send(b, 'POST', '/v1/tokens', { ...a, body: { role: 'writer' } });
  t.strictSame(problem(t, noName, 400, 'no name').errors.map((e: { path: string }) => e.path), ['name']);

  const revoke = await send(b, 'DELETE', `/v1/tokens/${c.id}`, a);
  t.equal(revoke.statusCode, 204);
  t.equal(revoke.body, '');
  unauthorized(t, await b.app.inject({ method: 'GET', url: `/v1/articles/${art.json().id}/revisions`, headers: bearer }), 'the revoked token');
  unauthorized(
    t,
    await b.app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: { ...bearer, 'content-type': 'application/json' },
      payload: JSON.stringify({ headline: 'After revocation', sectionId: ids.sections.get('sports') }),
    }),
    'the revoked token writes',
  );
  const afterRevoke = (await send(b, 'GET', '/v1/tokens', a)).json().data.find((x: { id: string }) => x.id === c.id);
  t.equal(afterRevoke.revokedAt, new Date(b.clock.now()).toISOString(), 'the list shows it revoked');
  problem(t, await send(b, 'DELETE', `/v1/tokens/${MISSING_ID}`, a), 404, 'revoke an unknown token');

  const editorToken = await send(b, 'POST', '/v1/tokens', { ...a, body: { name: 'second admin', role: 'admin' } });
  const admin2 = { authorization: `Bearer ${editorToken.json().token as string}` };
  t.equal((await b.app.inject({ method: 'GET', url: '/v1/tokens', headers: admin2 })).statusCode, 200, 'an admin token created over HTTP manages tokens');

  // Admin is also an editor.
  t.equal((await send(b, 'POST', `/v1/articles/${art.json().id}/publish`, a)).statusCode, 200, 'admin publishes');
  t.equal((await send(b, 'DELETE', `/v1/articles/${art.json().id}`, a)).statusCode, 204, 'admin deletes');
});

t.test('order of checks: authentication, validation, existence, role', async (t) => {
  const b = await build(t);
  const f = await fixture(t, b);
  // Existence before role: a writer PATCHing a nonexistent article learns it does not exist.
  problem(t, await send(b, 'PATCH', `/v1/articles/${MISSING_ID}`, { role: 'writer', body: { headline: 'x' } }), 404, 'writer PATCHes a missing article');
  problem(t, await send(b, 'DELETE', `/v1/articles/${MISSING_ID}`, { role: 'writer' }), 404, 'writer DELETEs a missing article');
  problem(t, await send(b, 'POST', `/v1/articles/${MISSING_ID}/publish`, { role: 'writer' }), 404, 'writer publishes a missing article');
  problem(t, await send(b, 'PATCH', `/v1/sections/${MISSING_ID}`, { role: 'writer', body: { name: 'x' } }), 404, 'writer PATCHes a missing section');
  problem(t, await send(b, 'DELETE', `/v1/authors/${MISSING_ID}`, { role: 'writer' }), 404, 'writer DELETEs a missing author');

  // Authentication before validation: an invalid body without a token is 401.
  unauthorized(t, await send(b, 'POST', '/v1/articles', { role: null, body: { headlin: 5 } }), 'invalid body, no token');
  unauthorized(t, await send(b, 'PATCH', `/v1/articles/${MISSING_ID}`, { role: null, body: { version: 'x' } }), 'invalid body on a missing article, no token');
  unauthorized(
    t,
    await b.app.inject({ method: 'POST', url: '/v1/articles', headers: { 'content-type': 'application/json' }, payload: '{"headline":' }),
    'malformed JSON, no token',
  );
  unauthorized(
    t,
    await b.app.inject({ method: 'POST', url: '/v1/articles', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, payload: '{"headline":' }),
    'malformed JSON, bad token',
  );

  unauthorized(t, await send(b, 'POST', `/v1/articles/${f.draft.id}/publish`, { role: null, body: { publishAt: 'soon' } }), 'invalid publish body, no token');
  unauthorized(t, await send(b, 'PATCH', `/v1/sections/${f.sectionId}`, { role: null, body: { nam: 1 } }), 'invalid section body, no token');
  unauthorized(t, await send(b, 'POST', '/v1/tokens', { role: null, body: { name: '' } }), 'invalid token body, no token');
  unauthorized(t, await send(b, 'GET', `/v1/articles/${f.draft.id}/revisions?limit=0`, { role: null }), 'invalid revisions query, no token');
  unauthorized(t, await send(b, 'GET', '/v1/tokens?x=1', { role: null }), 'invalid tokens query, no token');
  unauthorized(
    t,
    await b.app.inject({ method: 'POST', url: '/v1/articles', headers: { 'content-type': 'text/plain' }, payload: 'hello' }),
    'a non-JSON body, no token',
  );
  t.equal((await send(b, 'GET', `/v1/articles/${f.draft.id}`)).json().status, 'draft', 'nothing happened');

  // Validation before existence and role.
  problem(t, await send(b, 'PATCH', `/v1/articles/${MISSING_ID}`, { role: 'writer', body: { headlin: 'x' } }), 400, 'invalid body on a missing article');
  problem(t, await send(b, 'PATCH', `/v1/articles/${f.seedId}`, { role: 'writer', body: { headline: 5 } }), 400, 'invalid body, wrong role');
  problem(t, await send(b, 'POST', '/v1/sections', { role: 'writer', body: { nam: 'x' } }), 400, 'invalid section body, wrong role');
});
