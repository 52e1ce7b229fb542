// The editorial write API for articles: POST, PATCH and DELETE /v1/articles — slugs, bylines,
// sections, lead image overrides, related links, tags, validation (400), missing references
// (422), versions, If-Match (412), body limits (413) and content types (415).
import { sql, type SQL } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { addArticle, build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { PROBLEM, problem as sharedProblem, paths, send, type Res, type Role } from '../../requests.ts';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MISSING_ID = '0190b0b0-0000-7000-8000-000000000000';

/** The shared problem() checks, plus: no stack trace or SQL in the body. */
function problem(t: Test, res: Res, status: number, what: string): any {
  const body = sharedProblem(t, res, status, what);
  if (res.headers['content-type'] === PROBLEM) t.notMatch(res.body, /\n\s+at |node_modules|SQLITE|select /i, `${what}: no stack trace or SQL`);
  return body;
}

async function refs(b: Built) {
  const ids = await seedIds(b.services);
  return {
    section: (path: string) => ids.sections.get(path)!,
    lim: ids.author('lim-jeong-won'),
    park: ids.author('park-hyun-joo'),
    seed: (await b.services.repositories.articles.findBySlug(SEED_SLUG))!,
  };
}

async function create(t: Test, b: Built, body: Record<string, unknown>, role: Role = 'editor'): Promise<any> {
  const res = await send(b, 'POST', '/v1/articles', { role, body: { sectionId: (await refs(b)).section('national/north-korea'), ...body } });
  t.equal(res.statusCode, 201, `created “${String(body.headline)}”`);
  if (res.statusCode !== 201) t.comment(res.body.slice(0, 500));
  return res.json();
}

/** A count of rows by raw SQL, on either engine (PostgreSQL's count(*) is a bigint: a string). */
async function countRows(b: Built, query: SQL): Promise<number> {
  const [row] = await b.db.dialect.all<{ n: number | string }>(b.db.q, query);
  return Number(row!.n);
}

async function imageIds(b: Built): Promise<string[]> {
  const res = await send(b, 'GET', '/v1/images?limit=100');
  return (res.json().data as { id: string }[]).map((i) => i.id);
}

t.test('POST /v1/articles: 201, Location and the new draft at version 1', async (t) => {
  const b = await build(t);
  const r = await refs(b);
  const before = b.clock.now();
  const res = await send(b, 'POST', '/v1/articles', {
    role: 'writer',
    body: { headline: 'Seoul and Tokyo agree on new hotline', sectionId: r.section('national/politics'), summary: 'A short summary.' },
  });
  t.equal(res.statusCode, 201);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const a = res.json();
  t.equal(res.headers.location, `/v1/articles/${a.id}`, 'Location names the new article');
  t.match(a.id, /^[0-9a-f-]{36}$/);
  t.equal(a.slug, 'seoul-and-tokyo-agree-on-new-hotline', 'slug made from the headline');
  t.equal(a.status, 'draft');
  t.equal(a.version, 1);
  t.equal(a.headline, 'Seoul and Tokyo agree on new hotline');
  t.equal(a.subheadline, null);
  t.equal(a.summary, 'A short summary.');
  t.equal(a.publishedAt, null);
  t.equal(a.firstPublishedAt, null);
  t.equal(a.createdAt, new Date(before).toISOString());
  t.equal(a.updatedAt, new Date(before).toISOString());
  t.strictSame(a.section, { id: r.section('national/politics'), slug: 'politics', name: 'Politics', path: 'national/politics' });
  t.strictSame(a.body, []);
  t.strictSame(a.authors, []);
  t.strictSame(a.secondarySections, []);
  t.strictSame(a.relatedLinks, []);
  t.strictSame(a.tags, []);
  t.equal(a.leadImage, null);
  t.equal(a.language, 'en');
  t.equal(a.dateline, null);
  t.equal(a.canonicalUrl, null);

  const got = await send(b, 'GET', `/v1/articles/${a.id}`);
  t.equal(got.statusCode, 200);
  t.strictSame(got.json(), a, 'GET returns what POST answered');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`, { role: null })).statusCode, 404, 'a new draft is not public');
});

t.test('slugs: Korean-only headline, duplicates, a taken slug (409), re-slugging', async (t) => {
  const b = await build(t);

  const korean = await create(t, b, { headline: '북한 미사일 발사' });
  t.match(korean.slug, SLUG, 'a Korean-only headline still yields a valid slug');
  t.ok(korean.slug.length >= 1 && korean.slug.length <= 120, 'slug length within 1..120');
  const korean2 = await create(t, b, { headline: '북한 미사일 발사' });
  t.match(korean2.slug, SLUG);
  t.not(korean2.slug, korean.slug, 'the same Korean headline twice gets two slugs');
  const bySlug = await send(b, 'GET', `/v1/articles/slug/${korean.slug}`);
  t.equal(bySlug.statusCode, 200);
  t.equal(bySlug.json().id, korean.id, 'the Korean article is found by its slug');

  const one = await create(t, b, { headline: 'Same headline' });
  const two = await create(t, b, { headline: 'Same headline' });
  const three = await create(t, b, { headline: 'Same headline' });
  t.equal(one.slug, 'same-headline');
  t.equal(two.slug, 'same-headline-2');
  t.equal(three.slug, 'same-headline-3');

  const long = await create(t, b, { headline: `${'Very long words '.repeat(18)}end` });
  t.match(long.slug, SLUG, 'a long headline gives a valid slug');
  t.ok(long.slug.length <= 120, `at most 120 characters (${long.slug.length})`);
  t.equal(long.slug.startsWith('very-long-words-very-long-words'), true, 'made from the headline');
  const long2 = await create(t, b, { headline: `${'Very long words '.repeat(18)}end` });
  t.match(long2.slug, SLUG);
  t.ok(long2.slug.length <= 120, `the deduplicated slug is at most 120 characters too (${long2.slug.length})`);
  t.not(long2.slug, long.slug);
  const punctuation = await create(t, b, { headline: '!!! ??? ...' });
  t.match(punctuation.slug, SLUG, 'a headline of punctuation still gets a valid slug');

  const explicit = await create(t, b, { headline: 'Anything', slug: 'my-chosen-slug' });
  t.equal(explicit.slug, 'my-chosen-slug', 'an explicit slug is kept');

  const taken = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Another', slug: 'my-chosen-slug', sectionId: (await refs(b)).section('sports') },
  });
  const p = problem(t, taken, 409, 'taken slug on POST');
  t.strictSame(paths(p), ['body:slug']);
  const seedTaken = await send(b, 'PATCH', `/v1/articles/${one.id}`, { body: { slug: SEED_SLUG } });
  t.strictSame(paths(problem(t, seedTaken, 409, 'taken slug on PATCH')), ['body:slug']);
  t.equal((await send(b, 'GET', `/v1/articles/${one.id}`)).json().slug, 'same-headline', 'the 409 changed nothing');

  const badSlug = await send(b, 'POST', '/v1/articles', { body: { headline: 'x', slug: 'Not A Slug', sectionId: (await refs(b)).section('sports') } });
  t.strictSame(paths(problem(t, badSlug, 400, 'invalid slug')), ['body:slug']);

  const own = await send(b, 'PATCH', `/v1/articles/${one.id}`, { body: { slug: 'same-headline' } });
  t.equal(own.statusCode, 200, 'an article’s own slug is not “taken”');
  t.equal(own.json().version, 1, 'and setting it is no change');

  const reslug = await send(b, 'PATCH', `/v1/articles/${one.id}`, { body: { slug: 'a-better-slug' } });
  t.equal(reslug.statusCode, 200);
  t.equal(reslug.json().slug, 'a-better-slug');
  t.equal(reslug.json().version, 2);
  const fresh = await send(b, 'GET', '/v1/articles/slug/a-better-slug');
  t.equal(fresh.statusCode, 200);
  t.equal(fresh.json().id, one.id);
  problem(t, await send(b, 'GET', '/v1/articles/slug/same-headline'), 404, 'the old slug');

  // The freed slug can be taken again.
  const reuse = await create(t, b, { headline: 'Same headline' });
  t.equal(reuse.slug, 'same-headline', 'a freed slug is free again');
});

t.test('bylines keep their order; secondary sections; tags by name', async (t) => {
  const b = await build(t);
  const r = await refs(b);
  const a = await create(t, b, {
    headline: 'Bylines in order',
    authorIds: [r.park, r.lim],
    secondarySectionIds: [r.section('business/economy'), r.section('culture')],
    tags: ['Nuclear Talks', 'North Korea', 'Brand New Tag'],
  });
  t.strictSame(
    a.authors.map((x: { slug: string }) => x.slug),
    ['park-hyun-joo', 'lim-jeong-won'],
    'authors in the order given (not alphabetical)',
  );
  t.strictSame(a.authors[1], { id: r.lim, slug: 'lim-jeong-won', name: 'Lim Jeong-won', email: 'lim.jeongwon@joongang.co.kr', title: null });
  t.strictSame(
    a.secondarySections.map((s: { path: string }) => s.path),
    ['business/economy', 'culture'],
  );
  t.strictSame(a.tags, [
    { slug: 'nuclear-talks', name: 'Nuclear Talks' },
    { slug: 'north-korea', name: 'North Korea' },
    { slug: 'brand-new-tag', name: 'Brand New Tag' },
  ]);

  const swapped = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { authorIds: [r.lim, r.park] } });
  t.equal(swapped.statusCode, 200);
  t.strictSame(swapped.json().authors.map((x: { slug: string }) => x.slug), ['lim-jeong-won', 'park-hyun-joo'], 'reordering the byline is a change');
  t.equal(swapped.json().version, 2);

  const tags = await send(b, 'GET', '/v1/tags?limit=100');
  const listed = tags.json().data as { slug: string; name: string; articleCount: number }[];
  t.strictSame(
    listed.filter((x) => ['brand-new-tag', 'nuclear-talks', 'north-korea'].includes(x.slug)),
    [
      { slug: 'brand-new-tag', name: 'Brand New Tag', articleCount: 1 },
      { slug: 'north-korea', name: 'North Korea', articleCount: 2 },
      { slug: 'nuclear-talks', name: 'Nuclear Talks', articleCount: 1 },
    ],
    'new tags are created and listed; an existing tag is reused',
  );

  const byTag = await send(b, 'GET', '/v1/articles?tag=brand-new-tag');
  t.strictSame(byTag.json().data.map((x: { id: string }) => x.id), [a.id], 'the article lists under its new tag');

  const dupAuthors = await send(b, 'POST', '/v1/articles', { body: { headline: 'x', sectionId: r.section('sports'), authorIds: [r.lim, r.lim] } });
  t.strictSame(paths(problem(t, dupAuthors, 400, 'the same author twice')), ['body:authorIds']);
});

t.test('changing sectionId moves the article between section lists', async (t) => {
  const b = await build(t);
  const r = await refs(b);
  const a = await create(t, b, { headline: 'Moving story', secondarySectionIds: [r.section('opinion')] });
  t.equal((await send(b, 'POST', `/v1/articles/${a.id}/publish`)).statusCode, 200);
  const listed = async (path: string) =>
    ((await send(b, 'GET', `/v1/articles?section=${path}`, { role: null })).json().data as { slug: string }[]).map((x) => x.slug);
  t.strictSame(await listed('national/north-korea'), [a.slug, SEED_SLUG]);
  t.strictSame(await listed('opinion'), [a.slug], 'listed under its secondary section');
  const moved = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { sectionId: r.section('business/finance'), secondarySectionIds: [] } });
  t.equal(moved.statusCode, 200);
  t.strictSame(moved.json().section, { id: r.section('business/finance'), slug: 'finance', name: 'Finance', path: 'business/finance' });
  t.strictSame(moved.json().breadcrumbs.map((x: { path: string }) => x.path), ['business', 'business/finance']);
  t.strictSame(await listed('national/north-korea'), [SEED_SLUG], 'gone from the old section');
  t.strictSame(await listed('national'), [SEED_SLUG], 'and from its parent');
  t.strictSame(await listed('opinion'), [], 'and from the dropped secondary section');
  t.strictSame(await listed('business/finance'), [a.slug], 'listed under the new section');
  t.strictSame(await listed('business'), [a.slug], 'and its parent');
});

t.test('lead image: the per-article caption and credit override; the image itself is unchanged', async (t) => {
  const b = await build(t);
  const [imageId] = await imageIds(b);
  t.type(imageId, 'string', 'the seed has an image');
  const imageBefore = (await send(b, 'GET', `/v1/images/${imageId}`)).json();
  t.equal(imageBefore.credit, 'AP/YONHAP');

  const a = await create(t, b, {
    headline: 'Lead image override',
    leadImage: { imageId, caption: 'A caption for this article only', credit: 'Staff photographer' },
  });
  t.equal(a.leadImage.id, imageId);
  t.equal(a.leadImage.caption, 'A caption for this article only', 'caption override');
  t.equal(a.leadImage.credit, 'Staff photographer', 'credit override');
  t.equal(a.leadImage.alt, imageBefore.alt, 'alt is the image’s own');
  t.equal(a.leadImage.width, imageBefore.width);
  t.equal(a.leadImage.height, imageBefore.height);
  t.equal(a.leadImage.url, imageBefore.url);

  const imageAfter = await send(b, 'GET', `/v1/images/${imageId}`);
  t.equal(imageAfter.statusCode, 200);
  t.strictSame(imageAfter.json(), imageBefore, 'the image’s own metadata is unchanged');

  const plain = await create(t, b, { headline: 'Lead image without override', leadImage: { imageId } });
  t.equal(plain.leadImage.caption, imageBefore.caption, 'no override: the image’s caption');
  t.equal(plain.leadImage.credit, 'AP/YONHAP', 'no override: the image’s credit');

  const removed = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { leadImage: null } });
  t.equal(removed.statusCode, 200);
  t.equal(removed.json().leadImage, null, 'leadImage: null removes it');
});

t.test('related links: external and internal, in order; only http(s) URLs', async (t) => {
  const b = await build(t);
  const r = await refs(b);
  const target = await addArticle(b, { headline: 'An internal target', slug: 'internal-target' });
  const a = await create(t, b, {
    headline: 'With related links',
    relatedLinks: [
      { title: 'External one', url: 'https://example.com/one' },
      { articleId: r.seed.id },
      { title: 'Plain http', url: 'http://example.org/two?x=1' },
      { articleId: target.id, title: 'My own title' },
    ],
  });
  t.strictSame(a.relatedLinks, [
    { title: 'External one', url: 'https://example.com/one', articleId: null, slug: null },
    { title: r.seed.headline, url: null, articleId: r.seed.id, slug: SEED_SLUG },
    { title: 'Plain http', url: 'http://example.org/two?x=1', articleId: null, slug: null },
    { title: 'My own title', url: null, articleId: target.id, slug: 'internal-target' },
  ]);

  for (const url of ['javascript:alert(1)', 'ftp://example.com/file', 'data:text/html,hi', 'not a url']) {
    const res = await send(b, 'POST', '/v1/articles', {
      body: { headline: 'Bad link', sectionId: r.section('sports'), relatedLinks: [{ title: 'Bad', url }] },
    });
    const p = problem(t, res, 400, `related link ${url}`);
    t.strictSame(paths(p), ['body:relatedLinks.0.url'], `${url}: the error names relatedLinks.0.url`);
  }
  const patchBad = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { relatedLinks: [{ title: 'x', url: 'javascript:alert(1)' }] } });
  problem(t, patchBad, 400, 'javascript: URL on PATCH');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`)).json().relatedLinks.length, 4, 'links unchanged');

  // The public sees an internal link only while its target is public.
  const hiddenTarget = await create(t, b, { headline: 'A draft target' });
  const linking = await create(t, b, {
    headline: 'Links to a draft',
    relatedLinks: [{ articleId: hiddenTarget.id }, { title: 'Ext', url: 'https://example.com/x' }],
  });
  t.equal((await send(b, 'POST', `/v1/articles/${linking.id}/publish`)).statusCode, 200);
  const publicView = (await send(b, 'GET', `/v1/articles/${linking.id}`, { role: null })).json();
  t.strictSame(publicView.relatedLinks, [{ title: 'Ext', url: 'https://example.com/x', articleId: null, slug: null }], 'the draft target is hidden from the public');
  t.equal((await send(b, 'GET', `/v1/articles/${linking.id}`)).json().relatedLinks.length, 2, 'a token sees both');
  t.equal((await send(b, 'POST', `/v1/articles/${hiddenTarget.id}/publish`)).statusCode, 200);
  t.strictSame(
    (await send(b, 'GET', `/v1/articles/${linking.id}`, { role: null })).json().relatedLinks.map((l: { slug: string | null }) => l.slug),
    ['a-draft-target', null],
    'once published, the public sees the internal link',
  );
  const renamed = await send(b, 'PATCH', `/v1/articles/${hiddenTarget.id}`, { body: { headline: 'A renamed target', slug: 'a-renamed-target' } });
  t.equal(renamed.statusCode, 200);
  t.strictSame(
    (await send(b, 'GET', `/v1/articles/${linking.id}`)).json().relatedLinks[0],
    { title: 'A renamed target', url: null, articleId: hiddenTarget.id, slug: 'a-renamed-target' },
    'an internal link follows its target’s headline and slug',
  );
  t.equal((await send(b, 'DELETE', `/v1/articles/${hiddenTarget.id}`)).statusCode, 204);
  t.strictSame(
    (await send(b, 'GET', `/v1/articles/${linking.id}`)).json().relatedLinks,
    [{ title: 'Ext', url: 'https://example.com/x', articleId: null, slug: null }],
    'a link to a deleted article disappears',
  );

  const self = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { relatedLinks: [{ articleId: a.id }] } });
  t.strictSame(paths(problem(t, self, 422, 'a link to itself')), ['body:relatedLinks.0.articleId']);
});

t.test('unknown and read-only fields are 400, each named', async (t) => {
  const b = await build(t);
  const sectionId = (await refs(b)).section('sports');
  const unknown = await send(b, 'POST', '/v1/articles', { body: { headline: 'Typo', headlin: 'Typo', sectionId, colour: 'red' } });
  const p = problem(t, unknown, 400, 'unknown fields');
  t.strictSame(paths(p), ['body:colour', 'body:headlin']);
  for (const e of p.errors) t.match(e.message, /unknown/i);

  const nested = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'x', sectionId, body: [{ type: 'paragraph', text: 'ok', txet: 'typo' }] },
  });
  t.strictSame(paths(problem(t, nested, 400, 'unknown nested field')), ['body:body.0.txet'], 'reported at its own path');

  const readOnly = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'x', sectionId, id: 'mine', status: 'published', version: 9, createdAt: '2020-01-01T00:00:00Z' },
  });
  const ro = problem(t, readOnly, 400, 'read-only fields');
  t.strictSame(paths(ro), ['body:createdAt', 'body:id', 'body:status', 'body:version']);
  for (const e of ro.errors) t.match(e.message, /read-only/i, `${e.path}: message says read-only`);

  const a = await create(t, b, { headline: 'Patch target' });
  const patchRo = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { status: 'published', headline: 'New' } });
  const pr = problem(t, patchRo, 400, 'read-only on PATCH');
  t.strictSame(paths(pr), ['body:status']);
  t.match(pr.errors[0].message, /read-only/i);
  const patchUnknown = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headlin: 'New' } });
  t.strictSame(paths(problem(t, patchUnknown, 400, 'unknown on PATCH')), ['body:headlin']);
  const after = (await send(b, 'GET', `/v1/articles/${a.id}`)).json();
  t.equal(after.headline, 'Patch target', 'nothing changed');
  t.equal(after.version, 1);
  t.equal(after.status, 'draft');
});

t.test('validation: missing headline; every failing field listed at once', async (t) => {
  const b = await build(t);
  const sectionId = (await refs(b)).section('sports');
  const missing = await send(b, 'POST', '/v1/articles', { body: { sectionId } });
  t.strictSame(paths(problem(t, missing, 400, 'missing headline')), ['body:headline']);

  const missingBoth = await send(b, 'POST', '/v1/articles', { body: { summary: 'only a summary' } });
  t.strictSame(paths(problem(t, missingBoth, 400, 'missing headline and section')), ['body:headline', 'body:sectionId']);

  const blank = await send(b, 'POST', '/v1/articles', { body: { headline: '   ', sectionId } });
  t.strictSame(paths(problem(t, blank, 400, 'blank headline')), ['body:headline']);

  const four = await send(b, 'POST', '/v1/articles', {
    body: {
      headline: '',
      sectionId,
      body: [{ type: 'paragraph', text: 5 }],
      language: 'English!',
      canonicalUrl: 'not a url',
    },
  });
  const p = problem(t, four, 400, 'four bad fields');
  t.strictSame(paths(p), ['body:body.0.text', 'body:canonicalUrl', 'body:headline', 'body:language'], 'all four listed');
  t.equal(p.errors.length, 4, 'exactly four errors');
  for (const e of p.errors) t.type(e.message, 'string');

  const heading = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'h', sectionId, body: [{ type: 'paragraph', text: 'ok' }, { type: 'heading', level: 7, text: 'x' }] },
  });
  t.strictSame(paths(problem(t, heading, 400, 'bad heading level')), ['body:body.1.level']);

  const count = await countRows(b, sql`select count(*) as n from articles`);
  t.equal(count, 1, 'no article was created by any failing request');
});

t.test('ids that do not exist are 422, each path named', async (t) => {
  const b = await build(t);
  const r = await refs(b);
  const res = await send(b, 'POST', '/v1/articles', {
    body: {
      headline: 'Dangling references',
      sectionId: MISSING_ID,
      authorIds: [r.lim, MISSING_ID],
      leadImage: { imageId: MISSING_ID },
      relatedLinks: [{ articleId: MISSING_ID }],
    },
  });
  const p = problem(t, res, 422, 'nonexistent ids');
  t.strictSame(paths(p), ['body:authorIds.1', 'body:leadImage.imageId', 'body:relatedLinks.0.articleId', 'body:sectionId']);
  t.equal(await countRows(b, sql`select count(*) as n from articles`), 1, 'nothing created');

  const a = await create(t, b, { headline: 'Exists' });
  const patch = await send(b, 'PATCH', `/v1/articles/${a.id}`, {
    body: { secondarySectionIds: [r.section('sports'), MISSING_ID], relatedLinks: [{ title: 'ok', url: 'https://example.com' }, { articleId: MISSING_ID }] },
  });
  t.strictSame(paths(problem(t, patch, 422, 'nonexistent ids on PATCH')), ['body:relatedLinks.1.articleId', 'body:secondarySectionIds.1']);
  const after = (await send(b, 'GET', `/v1/articles/${a.id}`)).json();
  t.equal(after.version, 1, 'the 422 changed nothing');
  t.strictSame(after.relatedLinks, []);
});

t.test('versions: each change bumps, a PATCH that changes nothing does not', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Version one', summary: 'Sum' });
  t.equal(a.version, 1);
  b.clock.advance(1000);
  const v2 = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Version two' } });
  t.equal(v2.statusCode, 200);
  t.equal(v2.json().version, 2);
  t.equal(v2.json().headline, 'Version two');
  t.equal(v2.json().summary, 'Sum', 'absent fields stay');
  t.equal(v2.json().slug, a.slug, 'the slug does not follow a headline edit');
  t.equal(v2.json().updatedAt, new Date(b.clock.now()).toISOString(), 'updatedAt moves');
  t.equal(v2.json().createdAt, a.createdAt, 'createdAt stays');

  b.clock.advance(1000);
  const same = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Version two', summary: 'Sum' } });
  t.equal(same.statusCode, 200);
  t.equal(same.json().version, 2, 'no change, no bump');
  t.equal(same.json().updatedAt, v2.json().updatedAt, 'no change, updatedAt stays');
  const empty = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: {} });
  t.equal(empty.statusCode, 200);
  t.equal(empty.json().version, 2, 'an empty PATCH does not bump');

  const v3 = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { summary: null, body: [{ type: 'paragraph', text: 'Text.' }] } });
  t.equal(v3.json().version, 3);
  t.equal(v3.json().summary, null, 'null clears a nullable field');
  t.strictSame(v3.json().body, [{ type: 'paragraph', text: 'Text.' }]);

  const revisions = await send(b, 'GET', `/v1/articles/${a.id}/revisions`);
  t.strictSame(revisions.json().data.map((x: { revision: number }) => x.revision), [3, 2, 1], 'one revision per bump, none for no-ops');
});

t.test('If-Match: the ETag from GET passes, a stale one is 412 and changes nothing, * passes', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'Guarded' });
  const got = await send(b, 'GET', `/v1/articles/${a.id}`);
  const etag = got.headers.etag as string;
  t.match(etag, /^"[^"]+"$/, 'a strong ETag');

  const ok = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Guarded, edited' }, headers: { 'if-match': etag } });
  t.equal(ok.statusCode, 200, 'the current ETag passes');
  t.equal(ok.json().version, 2);
  const newEtag = ok.headers.etag as string;
  t.not(newEtag, etag, 'the ETag changes with the article');
  t.equal((await send(b, 'GET', `/v1/articles/${a.id}`)).headers.etag, newEtag, 'the PATCH answer’s ETag is the GET’s');

  const stale = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Lost update' }, headers: { 'if-match': etag } });
  problem(t, stale, 412, 'stale If-Match');
  const weak = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Lost update' }, headers: { 'if-match': `W/${newEtag}` } });
  problem(t, weak, 412, 'a weak ETag never matches strongly');
  const after = (await send(b, 'GET', `/v1/articles/${a.id}`)).json();
  t.equal(after.headline, 'Guarded, edited', 'the stale PATCH changed nothing');
  t.equal(after.version, 2);

  const star = await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'Star' }, headers: { 'if-match': '*' } });
  t.equal(star.statusCode, 200, 'If-Match: * passes');
  t.equal(star.json().version, 3);

  const list = await send(b, 'PATCH', `/v1/articles/${a.id}`, {
    body: { headline: 'Listed' },
    headers: { 'if-match': `"nope", ${star.headers.etag as string}` },
  });
  t.equal(list.statusCode, 200, 'one of a list of ETags matching passes');
});

t.test('DELETE: 204 with no body, then 404', async (t) => {
  const b = await build(t);
  const a = await create(t, b, { headline: 'To delete' });
  const del = await send(b, 'DELETE', `/v1/articles/${a.id}`);
  t.equal(del.statusCode, 204);
  t.equal(del.body, '', 'no body');
  problem(t, await send(b, 'GET', `/v1/articles/${a.id}`), 404, 'deleted article');
  problem(t, await send(b, 'GET', `/v1/articles/slug/${a.slug}`), 404, 'deleted article by slug');
  problem(t, await send(b, 'DELETE', `/v1/articles/${a.id}`), 404, 'deleted twice');
  problem(t, await send(b, 'PATCH', `/v1/articles/${a.id}`, { body: { headline: 'x' } }), 404, 'PATCH after delete');
  problem(t, await send(b, 'DELETE', `/v1/articles/${MISSING_ID}`), 404, 'never existed');
  problem(t, await send(b, 'GET', `/v1/articles/${a.id}/revisions`), 404, 'its revisions are gone too');
  t.equal(await countRows(b, sql`select count(*) as n from article_revisions where article_id = ${a.id}`), 0, 'no revision rows left');

  const published = await create(t, b, { headline: 'Published then deleted' });
  t.equal((await send(b, 'POST', `/v1/articles/${published.id}/publish`)).statusCode, 200);
  t.equal((await send(b, 'DELETE', `/v1/articles/${published.id}`)).statusCode, 204, 'an editor deletes a published article');
  problem(t, await send(b, 'GET', `/v1/articles/${published.id}`, { role: null }), 404, 'gone for the public');
  t.strictSame(
    (await send(b, 'GET', '/v1/articles', { role: null })).json().data.map((x: { slug: string }) => x.slug),
    [SEED_SLUG],
    'and from the public list',
  );
});

t.test('413 for a body over CMS_MAX_BODY_BYTES', async (t) => {
  const b = await build(t, { config: { CMS_MAX_BODY_BYTES: 2000 } });
  const sectionId = (await refs(b)).section('sports');
  const big = await send(b, 'POST', '/v1/articles', { body: { headline: 'Big', sectionId, summary: 'x'.repeat(2500) } });
  problem(t, big, 413, 'body over the limit');
  const small = await send(b, 'POST', '/v1/articles', { body: { headline: 'Small', sectionId, summary: 'x'.repeat(500) } });
  t.equal(small.statusCode, 201, 'a body under the limit is fine');
  const patchBig = await send(b, 'PATCH', `/v1/articles/${small.json().id}`, { body: { summary: 'y'.repeat(2500) } });
  problem(t, patchBig, 413, 'PATCH over the limit');
  t.equal((await send(b, 'GET', `/v1/articles/${small.json().id}`)).json().summary, 'x'.repeat(500));
});

t.test('415 for a non-JSON body; an empty JSON body is no body (400: headline required)', async (t) => {
  const b = await build(t);
  const payload = 'headline=Hello&sectionId=x';
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    const res = await b.app.inject({ method: 'POST', url: '/v1/articles', headers: { ...b.auth('editor'), 'content-type': type }, payload });
    problem(t, res, 415, `POST ${type}`);
  }
  const a = await create(t, b, { headline: 'x' });
  const patch = await b.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${a.id}`,
    headers: { ...b.auth('editor'), 'content-type': 'text/plain' },
    payload: '{"headline":"y"}',
  });
  problem(t, patch, 415, 'PATCH text/plain');

  const empty = await b.app.inject({ method: 'POST', url: '/v1/articles', headers: { ...b.auth('editor'), 'content-type': 'application/json' }, payload: '' });
  const p = problem(t, empty, 400, 'empty JSON body');
  t.strictSame(paths(p), ['body:headline', 'body:sectionId'], 'an empty body is no body: the required fields are named');

  const charset = await b.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...b.auth('editor'), 'content-type': 'application/json; charset=utf-8' },
    payload: JSON.stringify({ headline: 'With a charset', sectionId: (await refs(b)).section('sports') }),
  });
  t.equal(charset.statusCode, 201, 'application/json; charset=utf-8 is JSON');

  const malformed = await b.app.inject({ method: 'POST', url: '/v1/articles', headers: { ...b.auth('editor'), 'content-type': 'application/json' }, payload: '{"headline":' });
  problem(t, malformed, 400, 'malformed JSON');
  t.equal(await countRows(b, sql`select count(*) as n from articles`), 3, 'only the seed and the two valid articles exist');
});
