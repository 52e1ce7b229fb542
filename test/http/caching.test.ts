// Conditional GETs and cache headers: strong ETags, If-None-Match → 304, Vary: Authorization,
// public vs private Cache-Control; HEAD; /health, /openapi.{json,yaml} and /docs.
import t from 'tap';
import { parse } from 'yaml';
import { addArticle, build, type Built, SEED_SLUG } from '../helper.ts';

const STRONG_ETAG = /^"[\x21\x23-\x7e]+"$/;

async function readUrls(b: Built): Promise<string[]> {
  const article = (await b.services.repositories.articles.findBySlug(SEED_SLUG))!;
  const section = (await b.services.repositories.sections.findByPaths(['national/north-korea']))[0]!;
  const author = (await b.services.repositories.authors.findBySlug('lim-jeong-won'))!;
  const image = (await b.services.repositories.images.list({ publicOnly: false, now: b.clock.now(), limit: 1 }))[0]!;
  return [
    '/v1/articles',
    `/v1/articles/${article.id}`,
    `/v1/articles/slug/${SEED_SLUG}`,
    '/v1/sections',
    `/v1/sections/${section.id}`,
    '/v1/authors',
    `/v1/authors/${author.id}`,
    '/v1/authors/slug/lim-jeong-won',
    '/v1/tags',
    '/v1/images',
    `/v1/images/${image.id}`,
  ];
}

t.test('every 200 GET carries a strong ETag, Vary: Authorization and public Cache-Control', async (t) => {
  const b = await build(t);
  const maxAge = b.config.CMS_PUBLIC_MAX_AGE;
  t.equal(maxAge, 60, 'the default public max-age');
  for (const url of await readUrls(b)) {
    t.test(url, async (t) => {
      const res = await b.app.inject({ method: 'GET', url });
      t.equal(res.statusCode, 200);
      t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      const etag = res.headers.etag as string;
      t.match(etag, STRONG_ETAG, 'a strong ETag');
      t.match(res.headers.vary, /(^|,\s*)Authorization(\s*,|$)/i, 'Vary names Authorization');
      t.equal(res.headers['cache-control'], `public, max-age=${maxAge}`);
      t.ok(res.body.length > 2, 'a body');

      const again = await b.app.inject({ method: 'GET', url });
      t.equal(again.headers.etag, etag, 'the same content has the same ETag');

      const hit = await b.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
      t.equal(hit.statusCode, 304, 'If-None-Match → 304');
      t.equal(hit.body, '', 'no body');
      const length = hit.headers['content-length'];
      t.ok(length === undefined || length === '0', `no content-length of a body (got ${length})`);
      t.equal(hit.headers.etag, etag, 'the 304 repeats the ETag');
      t.match(hit.headers.vary, /Authorization/);

      const weak = await b.app.inject({ method: 'GET', url, headers: { 'if-none-match': `W/${etag}` } });
      t.equal(weak.statusCode, 304, 'the weak form matches too (weak comparison)');
      t.equal(weak.body, '');

      const list = await b.app.inject({ method: 'GET', url, headers: { 'if-none-match': `"nope", ${etag}` } });
      t.equal(list.statusCode, 304, 'a list of candidates including it');

      const stale = await b.app.inject({ method: 'GET', url, headers: { 'if-none-match': '"stale-etag"' } });
      t.equal(stale.statusCode, 200, 'a stale ETag → 200');
      t.equal(stale.body, res.body);
      t.equal(stale.headers.etag, etag);

      const head = await b.app.inject({ method: 'HEAD', url });
      t.equal(head.statusCode, 200, 'HEAD works');
      t.equal(head.body, '', 'HEAD has no body');
      t.equal(head.headers['content-type'], 'application/json; charset=utf-8');
      t.equal(head.headers.etag, etag, 'HEAD has the GET’s ETag');
      t.equal(head.headers['cache-control'], `public, max-age=${maxAge}`);
      t.match(head.headers.vary, /Authorization/);

      const headHit = await b.app.inject({ method: 'HEAD', url, headers: { 'if-none-match': etag } });
      t.equal(headHit.statusCode, 304);
      t.equal(headHit.body, '');
    });
  }
});

t.test('responses to a token are private, no-store, still with an ETag', async (t) => {
  const b = await build(t);
  const auth = b.auth('writer');
  for (const url of await readUrls(b)) {
    const res = await b.app.inject({ method: 'GET', url, headers: auth });
    t.equal(res.statusCode, 200, url);
    t.equal(res.headers['cache-control'], 'private, no-store', url);
    const etag = res.headers.etag as string;
    t.match(etag, STRONG_ETAG, url);
    t.match(res.headers.vary, /Authorization/, url);
    const hit = await b.app.inject({ method: 'GET', url, headers: { ...auth, 'if-none-match': etag } });
    t.equal(hit.statusCode, 304, `${url} revalidates with a token too`);
    t.equal(hit.body, '');
    t.equal(hit.headers['cache-control'], 'private, no-store');
  }
});

t.test('the ETag changes when the content does', async (t) => {
  const b = await build(t);
  const before = await b.app.inject({ method: 'GET', url: '/v1/articles' });
  const tagsBefore = await b.app.inject({ method: 'GET', url: '/v1/tags' });
  const sectionsBefore = await b.app.inject({ method: 'GET', url: '/v1/sections' });
  const oldEtag = before.headers.etag as string;
  t.match(oldEtag, STRONG_ETAG);

  b.clock.advance(60_000);
  await addArticle(b, { tagNames: ['Russia'] });

  const after = await b.app.inject({ method: 'GET', url: '/v1/articles' });
  t.equal(after.statusCode, 200);
  t.equal(after.json().data.length, 2);
  t.not(after.headers.etag, oldEtag, 'the list ETag differs after an article is added');
  const revalidate = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { 'if-none-match': oldEtag } });
  t.equal(revalidate.statusCode, 200, 'the old ETag no longer matches');
  t.equal(revalidate.json().data.length, 2);

  const tagsAfter = await b.app.inject({ method: 'GET', url: '/v1/tags' });
  t.not(tagsAfter.headers.etag, tagsBefore.headers.etag, 'tag counts changed, so did the ETag');
  const sectionsAfter = await b.app.inject({ method: 'GET', url: '/v1/sections' });
  t.equal(sectionsAfter.headers.etag, sectionsBefore.headers.etag, 'untouched sections keep theirs');

  // A draft changes nothing the public sees, so the public ETag stays.
  const publicEtag = after.headers.etag as string;
  await addArticle(b, { status: 'draft' });
  const afterDraft = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { 'if-none-match': publicEtag } });
  t.equal(afterDraft.statusCode, 304, 'a draft does not change the public list');
  const tokenList = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: b.auth('editor') });
  t.equal(tokenList.json().data.length, 3);
  t.not(tokenList.headers.etag, publicEtag, 'the token’s list (with the draft) has another ETag');
});

t.test('differently-paged lists have different ETags', async (t) => {
  const b = await build(t);
  const all = await b.app.inject({ method: 'GET', url: '/v1/sections' });
  const five = await b.app.inject({ method: 'GET', url: '/v1/sections?limit=5' });
  t.not(all.headers.etag, five.headers.etag);
  const cross = await b.app.inject({ method: 'GET', url: '/v1/sections?limit=5', headers: { 'if-none-match': all.headers.etag as string } });
  t.equal(cross.statusCode, 200);
});

t.test('errors are not cached and carry no ETag', async (t) => {
  const b = await build(t);
  for (const url of ['/v1/articles/missing', '/v1/sections?foo=1', '/v1/nope']) {
    const res = await b.app.inject({ method: 'GET', url });
    t.ok(res.statusCode >= 400, url);
    t.equal(res.headers['cache-control'], 'no-store', url);
    t.equal(res.headers.etag, undefined, url);
    const conditional = await b.app.inject({ method: 'GET', url, headers: { 'if-none-match': '*' } });
    t.equal(conditional.statusCode, res.statusCode, `${url}: If-None-Match never turns an error into a 304`);
  }
});

t.test('GET /health', async (t) => {
  const b = await build(t);
  const res = await b.app.inject({ method: 'GET', url: '/health' });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  t.strictSame(res.json(), { status: 'ok' });
  t.equal(res.body, '{"status":"ok"}');
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.headers.etag, STRONG_ETAG);
  const head = await b.app.inject({ method: 'HEAD', url: '/health' });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
});

t.test('GET /openapi.json and /openapi.yaml serve the same 3.1.0 spec', async (t) => {
  const b = await build(t);
  const json = await b.app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(json.statusCode, 200);
  t.match(json.headers['content-type'], /^application\/json/);
  const spec = json.json();
  t.equal(spec.openapi, '3.1.0');
  t.equal(spec.info.title, 'Newsroom CMS content API');
  for (const p of ['/v1/articles', '/v1/articles/{id}', '/v1/sections', '/v1/sections/{id}', '/v1/authors', '/v1/tags', '/v1/images', '/v1/images/{id}/file', '/health']) {
    t.ok(spec.paths[p]?.get, `the spec describes GET ${p}`);
  }
  t.notOk(spec.paths['/openapi.json'], 'the spec routes need not describe themselves');
  t.match(json.headers.etag, STRONG_ETAG);

  const yaml = await b.app.inject({ method: 'GET', url: '/openapi.yaml' });
  t.equal(yaml.statusCode, 200);
  t.equal(yaml.headers['content-type'], 'application/yaml; charset=utf-8');
  t.match(yaml.body, /^openapi: 3\.1\.0$/m);
  t.throws(() => JSON.parse(yaml.body), 'YAML, not JSON');
  const parsed = parse(yaml.body);
  t.equal(parsed.openapi, '3.1.0');
  t.strictSame(parsed, spec, 'the YAML says what the JSON says');
});

t.test('GET /docs is a browsable HTML reference', async (t) => {
  const b = await build(t);
  let res = await b.app.inject({ method: 'GET', url: '/docs' });
  let hops = 0;
  while (res.statusCode >= 300 && res.statusCode < 400 && hops < 5) {
    const location = res.headers.location as string;
    t.type(location, 'string', 'a redirect has a Location');
    res = await b.app.inject({ method: 'GET', url: new URL(location, 'http://localhost/docs').pathname });
    hops++;
  }
  t.ok(hops <= 1, 'at most one redirect');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html/);
  t.match(res.body, /<html[\s>]/i);
  t.match(res.body, /openapi\.json/, 'it loads the spec');
});
