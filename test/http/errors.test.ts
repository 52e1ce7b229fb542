// Every failure is RFC 9457 problem+json: { type, title, status, detail, errors?, requestId }, never a
// stack trace, never a bare Fastify error; 401s carry WWW-Authenticate: Bearer.
import t, { type Test } from 'tap';
import { addArticle, build, SEED_SLUG } from '../helper.ts';

type Res = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any };

const PROBLEM_KEYS = ['detail', 'requestId', 'status', 'title', 'type'];

/** Asserts the response is exactly a problem document with this status; returns it. */
function assertProblem(t: Test, res: Res, status: number, title?: string) {
  t.equal(res.statusCode, status, 'status');
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', 'problem+json');
  if (res.statusCode !== status || res.headers['content-type'] !== 'application/problem+json; charset=utf-8') {
    t.comment(`unexpected response: ${res.statusCode} ${res.headers['content-type']} ${res.body.slice(0, 200)}`);
    return {};
  }
  t.equal(res.headers['cache-control'], 'no-store', 'errors are never cached');
  let body: any;
  try {
    body = JSON.parse(res.body);
  } catch {
    t.fail(`body is JSON: ${res.body.slice(0, 200)}`);
    return {};
  }
  const keys = Object.keys(body).sort();
  t.strictSame(
    keys.filter((k) => k !== 'errors'),
    PROBLEM_KEYS,
    'type, title, status, detail, requestId and nothing else but errors',
  );
  t.equal(body.status, status, 'status in the body');
  t.match(body.type, /^[a-z][a-z0-9+.-]*:\S+$/, 'type is a URI');
  t.type(body.title, 'string');
  t.type(body.detail, 'string');
  if (title !== undefined) t.equal(body.title, title);
  t.notMatch(res.body, /\n\s+at |node_modules|\.ts:\d+|SQLITE|select /i, 'no stack trace, no SQL');
  return body;
}

t.test('an unknown route is a 404 problem', async (t) => {
  const b = await build(t);
  const res = await b.app.inject({ method: 'GET', url: '/v1/nope?x=1' });
  const body = assertProblem(t, res, 404, 'Not Found');
  t.equal(body.type, 'urn:newsroom-cms:problem:not-found');
  t.equal(body.detail, 'No route for GET /v1/nope.');
  t.equal(body.errors, undefined);

  assertProblem(t, await b.app.inject({ method: 'GET', url: '/' }), 404);
  assertProblem(t, await b.app.inject({ method: 'GET', url: '/v2/articles' }), 404);
});

t.test('POST, PUT, PATCH and DELETE on /v1/articles: problems, never bare errors', async (t) => {
  const b = await build(t);
  // A malformed JSON body is rejected as such (400), with a token.
  for (const method of ['POST', 'PUT', 'PATCH'] as const) {
    const res = await b.app.inject({
      method,
      url: '/v1/articles',
      headers: { 'content-type': 'application/json', ...b.auth('editor') },
      payload: '{"headline": ',
    });
    const body = assertProblem(t, res, 400, 'Bad Request');
    t.equal(body.detail, 'The body is not valid JSON.', `${method} with malformed JSON`);
  }
  // Authentication comes first: without a token even a malformed body is a 401.
  const noToken = await b.app.inject({ method: 'POST', url: '/v1/articles', headers: { 'content-type': 'application/json' }, payload: '{' });
  assertProblem(t, noToken, 401);

  // Well-formed bodies and bodiless methods: some 4xx (404/405 while there is no such route).
  for (const [method, payload] of [
    ['POST', '{"headline": 1}'],
    ['PUT', '{}'],
    ['DELETE', undefined],
  ] as const) {
    const res = await b.app.inject({
      method,
      url: '/v1/articles',
      headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...b.auth('editor') },
      ...(payload ? { payload } : {}),
    });
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${method} /v1/articles is a 4xx (got ${res.statusCode})`);
    assertProblem(t, res, res.statusCode);
  }
});

t.test('401: malformed, empty, unknown and revoked tokens', async (t) => {
  const b = await build(t);
  const revokedHeader = b.auth('editor');
  const id = (await b.services.tokens.list()).find((x) => x.name === 'test-editor')!.id;
  t.equal(await b.services.tokens.revoke(id), true);

  const cases: [string, string][] = [
    ['an unknown token', 'Bearer nope'],
    ['Basic auth', 'Basic abc'],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['two tokens', 'Bearer a b'],
    ['a revoked token', revokedHeader.authorization],
  ];
  for (const [name, authorization] of cases) {
    for (const url of ['/v1/articles', `/v1/articles/slug/${SEED_SLUG}`, '/v1/sections', '/v1/images', '/health']) {
      const res = await b.app.inject({ method: 'GET', url, headers: { authorization } });
      t.test(`${name} on ${url}`, async (t) => {
        const body = assertProblem(t, res, 401, 'Unauthorized');
        t.equal(body.type, 'urn:newsroom-cms:problem:unauthorized');
        t.match(res.headers['www-authenticate'], /^Bearer(\s|$)/, 'WWW-Authenticate: Bearer');
      });
    }
  }
});

t.test('401 comes before validation; `status` without a token is 401', async (t) => {
  const b = await build(t);
  const bad = await b.app.inject({ method: 'GET', url: '/v1/articles?limit=0&foo=1', headers: { authorization: 'Bearer nope' } });
  assertProblem(t, bad, 401);
  t.match(bad.headers['www-authenticate'], /^Bearer/);

  const status = await b.app.inject({ method: 'GET', url: '/v1/articles?status=draft' });
  assertProblem(t, status, 401);
  t.match(status.headers['www-authenticate'], /^Bearer/);

  const withToken = await b.app.inject({ method: 'GET', url: '/v1/articles?status=draft', headers: b.auth('writer') });
  t.equal(withToken.statusCode, 200);
});

t.test('every invalid query field is listed at once', async (t) => {
  const b = await build(t);
  const res = await b.app.inject({ method: 'GET', url: '/v1/articles?limit=0&sort=x&foo=1' });
  const body = assertProblem(t, res, 400, 'Bad Request');
  t.equal(body.type, 'urn:newsroom-cms:problem:bad-request');
  t.equal(body.errors?.length, 3);
  const byPath = new Map<string, { in: string; path: string; message: string }>(
    (body.errors ?? []).map((e: { in: string; path: string; message: string }) => [e.path, e]),
  );
  t.strictSame([...byPath.keys()].sort(), ['foo', 'limit', 'sort']);
  for (const e of byPath.values()) {
    t.strictSame(Object.keys(e).sort(), ['in', 'message', 'path']);
    t.equal(e.in, 'query');
    t.type(e.message, 'string');
    t.ok(e.message.length > 0);
  }
  t.equal(byPath.get('foo')?.message, 'Unknown field');

  const two = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/articles?bar=1&baz=2' }), 400);
  t.strictSame(two.errors?.map((e: { path: string }) => e.path).sort(), ['bar', 'baz'], 'each unknown parameter at its own path');

  const dates = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/articles?publishedAfter=yesterday&publishedBefore=2024-13-01' }), 400);
  t.strictSame(dates.errors?.map((e: { in: string; path: string }) => `${e.in}:${e.path}`).sort(), ['query:publishedAfter', 'query:publishedBefore']);
});

t.test('bad cursors are 400 at `cursor`', async (t) => {
  const b = await build(t);
  for (const cursor of ['garbage', 'eyJrIjoieiJ9', Buffer.from('{"k":"u","v":1,"id":"x"}').toString('base64url')]) {
    // The last is a valid cursor of another sort order.
    const res = await b.app.inject({ method: 'GET', url: `/v1/articles?cursor=${cursor}` });
    const body = assertProblem(t, res, 400);
    t.strictSame(body.errors?.map((e: { in: string; path: string }) => [e.in, e.path]), [['query', 'cursor']], cursor);
  }
});

t.test('invalid path parameters are 400 with in: path', async (t) => {
  const b = await build(t);
  const long = 'a'.repeat(65);
  for (const url of [`/v1/articles/${long}`, `/v1/sections/${long}`, `/v1/authors/${long}`, `/v1/images/${long}`, `/v1/images/${long}/file`]) {
    const body = assertProblem(t, await b.app.inject({ method: 'GET', url }), 400);
    t.strictSame(body.errors?.map((e: { in: string; path: string }) => [e.in, e.path]), [['path', 'id']], url);
    t.equal(body.detail, 'The request path is invalid: id.');
  }
  // Well past Fastify's default 100-character parameter limit: still our 400, never a bare 414.
  for (const url of [`/v1/articles/${'a'.repeat(101)}`, `/v1/articles/slug/${'a'.repeat(121)}`, `/v1/images/${'a'.repeat(200)}/file`]) {
    t.test(url.slice(0, 30), async (t) => {
      const body = assertProblem(t, await b.app.inject({ method: 'GET', url }), 400);
      t.equal(body.errors?.[0]?.in, 'path');
    });
  }
});

t.test('a malformed percent-encoding in the path is a 400 problem, not a bare Fastify error', async (t) => {
  const b = await build(t);
  for (const url of ['/v1/authors/slug/%E0%A4%A', '/v1/sections/%ZZ']) {
    t.test(url, async (t) => {
      assertProblem(t, await b.app.inject({ method: 'GET', url }), 400, 'Bad Request');
    });
  }
});

t.test('a valid 120-character article slug can be read', async (t) => {
  const b = await build(t);
  const slug = `${'x'.repeat(60)}-${'y'.repeat(59)}`;
  t.equal(slug.length, 120);
  const article = await addArticle(b, { slug });
  const res = await b.app.inject({ method: 'GET', url: `/v1/articles/slug/${slug}` });
  t.equal(res.statusCode, 200, 'slugs of up to 120 characters are valid (API.md)');
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(res.json()?.id, article.id);
});

t.test('drafts are 404 to the public, like anything unknown', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  const body = assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/articles/${draft.id}` }), 404, 'Not Found');
  const unknown = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/articles/0190d5a0-0000-7000-8000-000000000000' }), 404);
  t.equal(body.detail, unknown.detail, 'a hidden draft reads exactly like a missing article');
  assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/articles/slug/${draft.slug}` }), 404);
  const withToken = await b.app.inject({ method: 'GET', url: `/v1/articles/${draft.id}`, headers: b.auth('writer') });
  t.equal(withToken.statusCode, 200);
});

t.test('unknown filters are 422 problems', async (t) => {
  const b = await build(t);
  for (const [query, path] of [
    ['section=nope', 'section'],
    ['author=nobody', 'author'],
    ['tag=no-such-tag', 'tag'],
  ] as const) {
    const body = assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/articles?${query}` }), 422);
    t.strictSame(body.errors?.map((e: { in: string; path: string }) => [e.in, e.path]), [['query', path]], query);
  }
});

t.test('unknown query parameters on the article detail routes are 400', async (t) => {
  const b = await build(t);
  const id = (await b.services.repositories.articles.findBySlug(SEED_SLUG))!.id;
  const byId = await b.app.inject({ method: 'GET', url: `/v1/articles/${id}?fields=headline` });
  t.equal(byId.statusCode, 400, 'GET /v1/articles/{id}?fields=headline');
  const bySlug = await b.app.inject({ method: 'GET', url: `/v1/articles/slug/${SEED_SLUG}?fields=headline` });
  t.equal(bySlug.statusCode, 400, 'GET /v1/articles/slug/{slug}?fields=headline');
});

t.test('a token’s lastUsedAt is set once it is used', async (t) => {
  const b = await build(t);
  const auth = b.auth('writer');
  const before = (await b.services.tokens.list()).find((x) => x.name === 'test-writer')!;
  t.equal(before.lastUsedAt, null, 'never used yet');
  t.equal(before.revokedAt, null);
  t.notOk('tokenHash' in before, 'the hash is not listed');

  b.clock.advance(5000);
  const res = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: auth });
  t.equal(res.statusCode, 200);
  const after = (await b.services.tokens.list()).find((x) => x.name === 'test-writer')!;
  t.equal(after.lastUsedAt, b.clock.now());

  // A failed (unknown-token) request touches nothing.
  await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { authorization: 'Bearer cms_unknown' } });
  t.equal((await b.services.tokens.list()).find((x) => x.name === 'test-writer')!.lastUsedAt, b.clock.now());
});
