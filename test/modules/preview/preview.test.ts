// Draft preview links (API.md "Events: sync, cache keys, preview"): made by a writer, opened
// without a token in any status, never cached or indexed, valid until their expiry and not a
// moment after, and useless once altered, for another article, or as a bearer token.
import t from 'tap';
import { addArticle, build, type Built } from '../../helper.ts';

const json = (b: Built, role: 'writer' | 'editor' | 'admin' = 'writer') => ({ ...b.auth(role), 'content-type': 'application/json' });

async function preview(b: Built, id: string, payload?: object) {
  return b.app.inject({ method: 'POST', url: `/v1/articles/${id}/preview`, headers: payload ? json(b) : b.auth('writer'), ...(payload ? { payload } : {}) });
}

/** The same token with one character of the part at `index` (0 payload, 1 MAC) changed. */
function alter(token: string, index: 0 | 1): string {
  const parts = token.split('.');
  const part = parts[index]!;
  const at = Math.floor(part.length / 2);
  parts[index] = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return parts.join('.');
}

t.test('a writer makes a link that shows a draft, without a token, private and noindex', async (t) => {
  const b = await build(t, { config: { CMS_PUBLIC_URL: 'https://api.example.com' } });
  const draft = await addArticle(b, { status: 'draft', headline: 'Not yet out' });
  t.equal((await b.app.inject({ url: `/v1/articles/${draft.id}` })).statusCode, 404, 'the draft is not public');
  const made = await preview(b, draft.id);
  t.equal(made.statusCode, 201);
  const link = made.json();
  t.same(Object.keys(link).sort(), ['expiresAt', 'token', 'url']);
  t.equal(link.url, `https://api.example.com/v1/preview/${link.token}`);
  t.equal(made.headers.location, `/v1/preview/${link.token}`);
  t.equal(Date.parse(link.expiresAt), b.clock.now() + 3600 * 1000, 'an hour by default');
  for (let i = 0; i < 2; i++) {
    const opened = await b.app.inject({ url: `/v1/preview/${link.token}` });
    t.equal(opened.statusCode, 200);
    t.equal(opened.json().id, draft.id);
    t.equal(opened.json().status, 'draft');
    t.equal(opened.json().headline, 'Not yet out');
    t.equal(opened.headers['cache-control'], 'private, no-store');
    t.equal(opened.headers['x-robots-tag'], 'noindex');
    t.equal(opened.headers['surrogate-key'], undefined, 'no Surrogate-Key');
    t.equal(opened.headers['x-cache'], undefined, 'never from the response cache');
  }
  // The article as it is now: an edit shows at once.
  const edited = await b.app.inject({ method: 'PATCH', url: `/v1/articles/${draft.id}`, headers: json(b), payload: { headline: 'Changed' } });
  t.equal(edited.statusCode, 200);
  t.equal((await b.app.inject({ url: `/v1/preview/${link.token}` })).json().headline, 'Changed');
  // A published article previews too.
  const published = await addArticle(b, {});
  t.equal((await preview(b, published.id)).statusCode, 201);
});

t.test('without CMS_PUBLIC_URL the link is on the request’s origin', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  const made = await b.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview`, headers: { ...b.auth('writer'), host: 'cms.example.org' } });
  t.equal(made.statusCode, 201);
  t.equal(made.json().url, `http://cms.example.org/v1/preview/${made.json().token}`);
});

t.test('expiry: valid until its moment, 404 from then on', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  const made = await preview(b, draft.id, { expiresIn: 60 });
  t.equal(made.statusCode, 201);
  const { token, expiresAt } = made.json();
  t.equal(Date.parse(expiresAt), b.clock.now() + 60_000);
  b.clock.advance(59_999);
  t.equal((await b.app.inject({ url: `/v1/preview/${token}` })).statusCode, 200, 'a millisecond before');
  b.clock.advance(1);
  const expired = await b.app.inject({ url: `/v1/preview/${token}` });
  t.equal(expired.statusCode, 404, 'at its expiry');
  t.match(expired.headers['content-type'], /^application\/problem\+json/);
  const week = await preview(b, draft.id, { expiresIn: 604800 });
  t.equal(Date.parse(week.json().expiresAt), b.clock.now() + 604_800_000, 'a week at most');
});

t.test('an altered token, another article’s id under the old MAC, a deleted article: 404', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  const other = await addArticle(b, { status: 'draft' });
  const { token } = (await preview(b, draft.id)).json();
  const notFound = async (what: string, candidate: string) => {
    const res = await b.app.inject({ url: `/v1/preview/${encodeURIComponent(candidate)}` });
    t.equal(res.statusCode, 404, what);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: a problem`);
  };
  await notFound('one character of the payload changed', alter(token, 0));
  await notFound('one character of the MAC changed', alter(token, 1));
  const [payload, mac] = token.split('.');
  const [, expiry] = Buffer.from(payload, 'base64url').toString().split('.');
  await notFound('another article’s id with the old MAC', `${Buffer.from(`${other.id}.${expiry}`).toString('base64url')}.${mac}`);
  await notFound('a later expiry with the old MAC', `${Buffer.from(`${draft.id}.${Number(expiry) + 86_400_000}`).toString('base64url')}.${mac}`);
  await notFound('the MAC alone', mac!);
  await notFound('garbage', 'not-a-token');
  await notFound('an empty MAC', `${payload}.`);
  t.equal((await b.app.inject({ url: `/v1/preview/${token}` })).statusCode, 200, 'the token itself still works');
  const deleted = await b.app.inject({ method: 'DELETE', url: `/v1/articles/${draft.id}`, headers: b.auth('editor') });
  t.equal(deleted.statusCode, 204);
  await notFound('the article deleted', token);
});

t.test('a preview token opens nothing else', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  const { token } = (await preview(b, draft.id)).json();
  for (const url of [`/v1/articles/${draft.id}`, '/v1/articles', `/v1/preview/${token}`]) {
    const res = await b.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    t.equal(res.statusCode, 401, `as a bearer token on ${url}: 401`);
  }
  const write = await b.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview`, headers: { authorization: `Bearer ${token}` } });
  t.equal(write.statusCode, 401, 'it makes no links either');
});

t.test('making a link: 401 without a token, 404 for no article, 400 for a bad body', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  t.equal((await b.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview` })).statusCode, 401);
  t.equal((await b.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview`, headers: { 'content-type': 'application/json' }, payload: { expiresIn: 1 } })).statusCode, 401, '401 before 400');
  t.equal((await preview(b, '01900000-0000-7000-8000-000000000000')).statusCode, 404);
  for (const payload of [{ expiresIn: 59 }, { expiresIn: 604801 }, { expiresIn: 90.5 }, { expiresIn: '3600' }, { expiresIn: 3600, extra: true }]) {
    const res = await preview(b, draft.id, payload);
    t.equal(res.statusCode, 400, `${JSON.stringify(payload)}: 400`);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
  }
  t.equal((await preview(b, draft.id, { expiresIn: 60 })).statusCode, 201, '60 is allowed');
  t.equal((await preview(b, draft.id, {})).statusCode, 201, 'an empty body is allowed');
  for (const role of ['editor', 'admin'] as const) {
    t.equal((await b.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview`, headers: b.auth(role) })).statusCode, 201, `${role}: 201`);
  }
});

t.test('the secret is made once and shared through the database', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  const { previewSecret, verifyPreview } = await import('../../../src/modules/preview/token.ts');
  // Two instances (two readers of the same database) racing to create it: both end with the one stored.
  const [one, two] = await Promise.all([previewSecret(b.db)(), previewSecret(b.db)()]);
  t.ok(one.equals(two));
  t.equal(one.length, 32);
  const { token } = (await preview(b, draft.id)).json();
  t.equal(verifyPreview(one, token)?.articleId, draft.id, 'a token the server made verifies under the stored secret');
});

t.test('the write rate limit applies when given (rateLimitWrites, CMS_RATE_LIMIT_WRITES)', async (t) => {
  // The route on a bare server, as app.ts would register it with the limit.
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft' });
  const { default: Fastify } = await import('fastify');
  const { default: rateLimit } = await import('@fastify/rate-limit');
  const { serializerCompiler, validatorCompiler } = await import('fastify-type-provider-zod');
  const { default: problemPlugin } = await import('../../../src/http/problem.ts');
  const { previewRoutes } = await import('../../../src/modules/preview/routes.ts');
  const app = Fastify();
  t.teardown(() => app.close());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(problemPlugin);
  await app.register(rateLimit, { global: false });
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    if (request.headers.authorization) request.principal = { tokenId: request.headers.authorization, name: 'test', role: 'writer' };
  });
  await app.register(previewRoutes, { db: b.db, articles: b.services.articles, now: b.clock.now, rateLimitWrites: 2 });
  const post = (who: string) => app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/preview`, headers: { authorization: who } });
  t.equal((await post('a')).statusCode, 201);
  t.equal((await post('a')).statusCode, 201);
  const limited = await post('a');
  t.equal(limited.statusCode, 429, 'the third in a minute is refused');
  t.match(limited.headers['content-type'], /^application\/problem\+json/);
  t.equal((await post('b')).statusCode, 201, 'per token');
});
