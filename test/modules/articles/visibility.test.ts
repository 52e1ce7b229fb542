// Who sees what: drafts, scheduled-not-yet-due and archived articles do not exist for the
// public (lists, id, slug, section/author lists, tag counts, related links, images); any valid
// token sees everything; a scheduled article becomes public when its time comes, with no write.
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { addArticle, build, SEED_SLUG, type Built } from '../../helper.ts';

const HOUR = 3_600_000;
const PROBLEM = 'application/problem+json; charset=utf-8';

interface Res {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): any;
}

async function get(b: Built, url: string, headers: Record<string, string> = {}): Promise<Res> {
  return b.app.inject({ method: 'GET', url, headers });
}

function assertProblem(t: Test, res: Res, status: number, what: string) {
  t.equal(res.statusCode, status, `${what}: status ${status}`);
  t.equal(res.headers['content-type'], PROBLEM, `${what}: problem+json`);
  const body = res.json();
  t.equal(body.status, status, `${what}: problem status`);
  t.type(body.type, 'string');
  t.type(body.title, 'string');
  t.notMatch(res.body, /select |sqlite|at [\w.]+ \(/i, `${what}: no SQL or stack trace`);
  return body;
}

async function slugsOf(t: Test, b: Built, url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await get(b, url, headers);
  t.equal(res.statusCode, 200, `GET ${url} is 200`);
  return (res.json().data as { slug: string }[]).map((a) => a.slug);
}

/** A draft, a scheduled-not-yet-due and an archived article, in national/politics by Park Hyun-joo. */
async function hidden(b: Built) {
  const common = { sectionPath: 'national/politics', authorSlugs: ['park-hyun-joo'] };
  const draft = await addArticle(b, { ...common, status: 'draft', slug: 'hidden-draft', headline: 'Hidden draft', tagNames: ['Draft Only'] });
  const scheduled = await addArticle(b, {
    ...common,
    status: 'scheduled',
    slug: 'hidden-scheduled',
    headline: 'Hidden scheduled',
    publishedAt: b.clock.now() + HOUR,
    tagNames: ['Scheduled Only'],
  });
  const archived = await addArticle(b, { ...common, status: 'archived', slug: 'hidden-archived', headline: 'Hidden archived', tagNames: ['Archived Only'] });
  return { draft, scheduled, archived, all: [draft, scheduled, archived] };
}

t.test('non-public articles are absent from the public list and 404 by id and slug', async (t) => {
  const b = await build(t);
  const h = await hidden(b);
  t.strictSame(await slugsOf(t, b, '/v1/articles'), [SEED_SLUG], 'only the seed article is listed');

  for (const a of h.all) {
    const byId = await get(b, `/v1/articles/${a.id}`);
    const p = assertProblem(t, byId, 404, `${a.slug} by id`);
    t.notMatch(JSON.stringify(p), new RegExp(a.headline), 'the 404 does not leak the article');
    assertProblem(t, await get(b, `/v1/articles/slug/${a.slug}`), 404, `${a.slug} by slug`);
    t.equal((await get(b, `/v1/articles/${a.id}`)).headers['cache-control'], 'no-store', 'problems are not cached publicly');
  }

  // A 404 for a hidden article looks exactly like one for an article that never existed.
  // (The same request id for both: each problem names its request's.)
  const missing = await get(b, '/v1/articles/0190b0b0-0000-7000-8000-000000000000', { 'x-request-id': 'same' });
  const draft = await get(b, `/v1/articles/${h.draft.id}`, { 'x-request-id': 'same' });
  t.strictSame(missing.json(), draft.json(), 'a hidden article is indistinguishable from a missing one');
});

t.test('non-public articles are absent from section and author lists', async (t) => {
  const b = await build(t);
  const h = await hidden(b);
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national/politics'), [], 'section page: nothing public');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=national'), [SEED_SLUG], 'parent section: only the seed');
  t.strictSame(await slugsOf(t, b, '/v1/articles?author=park-hyun-joo'), [SEED_SLUG], 'author page: only the seed');

  const tok = b.auth('writer');
  t.strictSame(
    (await slugsOf(t, b, '/v1/articles?section=national/politics', tok)).sort(),
    h.all.map((a) => a.slug).sort(),
    'a token sees all three in the section',
  );
  t.strictSame(
    (await slugsOf(t, b, '/v1/articles?author=park-hyun-joo', tok)).sort(),
    [...h.all.map((a) => a.slug), SEED_SLUG].sort(),
    'a token sees all four by the author',
  );
});

t.test('tags: a tag only on non-public articles does not exist for the public; counts are public only', async (t) => {
  const b = await build(t);
  const h = await hidden(b);
  await addArticle(b, { status: 'draft', tagNames: ['Russia'] });

  const pub = await get(b, '/v1/tags');
  t.equal(pub.statusCode, 200);
  t.strictSame(pub.json().data, [
    { slug: 'north-korea', name: 'North Korea', articleCount: 1 },
    { slug: 'russia', name: 'Russia', articleCount: 1 },
    { slug: 'vladimir-putin', name: 'Vladimir Putin', articleCount: 1 },
  ]);

  const tok = await get(b, '/v1/tags', b.auth('writer'));
  t.strictSame(tok.json().data, [
    { slug: 'archived-only', name: 'Archived Only', articleCount: 1 },
    { slug: 'draft-only', name: 'Draft Only', articleCount: 1 },
    { slug: 'north-korea', name: 'North Korea', articleCount: 1 },
    { slug: 'russia', name: 'Russia', articleCount: 2 },
    { slug: 'scheduled-only', name: 'Scheduled Only', articleCount: 1 },
    { slug: 'vladimir-putin', name: 'Vladimir Putin', articleCount: 1 },
  ]);

  // Filtering by a tag the public cannot see is filtering by a tag that does not exist.
  for (const slug of ['draft-only', 'scheduled-only', 'archived-only']) {
    const res = await get(b, `/v1/articles?tag=${slug}`);
    const p = assertProblem(t, res, 422, `?tag=${slug} for the public`);
    t.strictSame(p.errors?.[0] && { in: p.errors[0].in, path: p.errors[0].path }, { in: 'query', path: 'tag' });
  }
  t.strictSame(await slugsOf(t, b, '/v1/articles?tag=draft-only', b.auth('writer')), [h.draft.slug], 'a token may filter by it');
  t.strictSame(await slugsOf(t, b, '/v1/articles?tag=russia'), [SEED_SLUG], 'public tag filter lists public articles only');
});

t.test('related links to a non-public article are dropped for the public', async (t) => {
  const b = await build(t);
  const h = await hidden(b);
  const pub = await addArticle(b, {
    slug: 'has-related-links',
    headline: 'Has related links',
    relatedLinks: [
      { title: null, url: null, targetArticleId: h.draft.id },
      { title: 'Background', url: 'https://example.com/background', targetArticleId: null },
      { title: 'Given title', url: null, targetArticleId: h.scheduled.id },
      { title: null, url: null, targetArticleId: h.archived.id },
    ],
  });
  const external = { title: 'Background', url: 'https://example.com/background', articleId: null, slug: null };
  const toDraft = { title: 'Hidden draft', url: null, articleId: h.draft.id, slug: 'hidden-draft' };
  const toScheduled = { title: 'Given title', url: null, articleId: h.scheduled.id, slug: 'hidden-scheduled' };
  const toArchived = { title: 'Hidden archived', url: null, articleId: h.archived.id, slug: 'hidden-archived' };

  const publicView = await get(b, `/v1/articles/${pub.id}`);
  t.equal(publicView.statusCode, 200);
  t.strictSame(publicView.json().relatedLinks, [external], 'the public sees the external link only');
  t.notMatch(publicView.body, /hidden-/, 'nothing of the hidden targets leaks');

  const listed = await get(b, '/v1/articles');
  const summary = listed.json().data.find((a: { id: string }) => a.id === pub.id);
  t.strictSame(summary?.relatedLinks, [external], 'in list summaries too');

  const tokenView = await get(b, `/v1/articles/${pub.id}`, b.auth('writer'));
  t.strictSame(tokenView.json().relatedLinks, [toDraft, external, toScheduled, toArchived], 'a token sees every link, in order');

  // The scheduled target becomes public when its time comes, and so does the link to it.
  b.clock.advance(HOUR);
  t.strictSame((await get(b, `/v1/articles/${pub.id}`)).json().relatedLinks, [external, toScheduled]);
});

async function addImage(b: Built, id: string, color: number) {
  const data = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: color, g: 40, b: 90 } } })
    .png()
    .toBuffer();
  const sha256 = await b.services.storage.putOriginal(data);
  const at = b.clock.now();
  await b.services.repositories.images.insert({
    id,
    sha256,
    filename: `${id}.png`,
    mimeType: 'image/png',
    bytes: data.length,
    width: 400,
    height: 300,
    alt: null,
    caption: null,
    credit: null,
    createdAt: at,
    updatedAt: at,
  });
  return { id, data };
}

t.test('an image used only by non-public articles is not public', async (t) => {
  const b = await build(t);
  const lead = await addImage(b, 'img-draft-lead', 10);
  const inBody = await addImage(b, 'img-archived-body', 20);
  const sched = await addImage(b, 'img-scheduled-lead', 30);
  await addArticle(b, { status: 'draft', leadImage: { imageId: lead.id, caption: null, credit: null } });
  await addArticle(b, { status: 'archived', body: [{ type: 'paragraph', text: 'x' }, { type: 'image', imageId: inBody.id, caption: 'c', credit: null }] });
  await addArticle(b, { status: 'scheduled', publishedAt: b.clock.now() + HOUR, leadImage: { imageId: sched.id, caption: null, credit: null } });

  const publicIds = async () => ((await get(b, '/v1/images')).json().data as { id: string }[]).map((i) => i.id);
  const seedImageIds = await publicIds();
  t.equal(seedImageIds.length, 1, 'the public sees the seed image only');
  for (const img of [lead, inBody, sched]) {
    t.notOk(seedImageIds.includes(img.id), `${img.id} is not in the public list`);
    assertProblem(t, await get(b, `/v1/images/${img.id}`), 404, `${img.id} metadata`);
    assertProblem(t, await get(b, `/v1/images/${img.id}/file`), 404, `${img.id} file`);
    assertProblem(t, await get(b, `/v1/images/${img.id}/file?w=320&format=webp`), 404, `${img.id} rendition`);
  }

  const tok = b.auth('writer');
  const tokenList = await get(b, '/v1/images', tok);
  t.equal(tokenList.statusCode, 200);
  t.strictSame(
    (tokenList.json().data as { id: string }[]).map((i) => i.id).sort(),
    [...seedImageIds, lead.id, inBody.id, sched.id].sort(),
    'a token sees every image',
  );
  for (const img of [lead, inBody, sched]) {
    const meta = await get(b, `/v1/images/${img.id}`, tok);
    t.equal(meta.statusCode, 200);
    t.equal(meta.json().id, img.id);
    const file = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file`, headers: tok });
    t.equal(file.statusCode, 200);
    t.equal(file.headers['content-type'], 'image/png');
    t.equal(file.headers['cache-control'], 'private, max-age=31536000, immutable');
    t.ok(file.rawPayload.equals(img.data), 'the original bytes');
  }

  // Once the scheduled article is due, its image is public.
  b.clock.advance(HOUR);
  t.ok((await publicIds()).includes(sched.id), 'the scheduled article’s image is listed once it is due');
  const now = await get(b, `/v1/images/${sched.id}/file`);
  t.equal(now.statusCode, 200);
  t.equal(now.headers['cache-control'], 'public, max-age=31536000, immutable');
  t.notOk((await publicIds()).includes(lead.id), 'the draft’s image stays hidden');
});

t.test('a scheduled article becomes public when its time comes, with no write', async (t) => {
  const b = await build(t);
  const at = b.clock.now() + HOUR;
  const s = await addArticle(b, { status: 'scheduled', publishedAt: at, slug: 'the-scheduled-one', tagNames: ['Later'], sectionPath: 'business/economy' });

  assertProblem(t, await get(b, `/v1/articles/${s.id}`), 404, 'before: by id');
  assertProblem(t, await get(b, '/v1/articles/slug/the-scheduled-one'), 404, 'before: by slug');
  t.strictSame(await slugsOf(t, b, '/v1/articles'), [SEED_SLUG]);
  const tokenBefore = await get(b, `/v1/articles/${s.id}`, b.auth('editor'));
  t.equal(tokenBefore.json().status, 'scheduled', 'a token sees it as scheduled');
  t.equal(tokenBefore.json().publishedAt, new Date(at).toISOString());

  b.clock.advance(HOUR - 1);
  assertProblem(t, await get(b, `/v1/articles/${s.id}`), 404, 'one millisecond before its time');

  b.clock.advance(1);
  const due = await get(b, `/v1/articles/${s.id}`);
  t.equal(due.statusCode, 200, 'public at exactly publishedAt');
  t.equal(due.json().status, 'published', 'reads as published');
  t.equal(due.json().publishedAt, new Date(at).toISOString());
  t.equal(due.json().version, 1, 'no write happened');
  t.equal((await get(b, '/v1/articles/slug/the-scheduled-one')).json().status, 'published');
  t.strictSame(await slugsOf(t, b, '/v1/articles'), ['the-scheduled-one', SEED_SLUG], 'listed, newest first');
  t.strictSame(await slugsOf(t, b, '/v1/articles?section=business'), ['the-scheduled-one']);
  const listed = (await get(b, '/v1/articles')).json().data[0];
  t.equal(listed.status, 'published', 'reads as published in lists');
  t.equal((await get(b, `/v1/articles/${s.id}`, b.auth('editor'))).json().status, 'published', 'and to a token');
  const tags = (await get(b, '/v1/tags')).json().data as { slug: string; articleCount: number }[];
  t.strictSame(tags.find((x) => x.slug === 'later'), { slug: 'later', name: 'Later', articleCount: 1 });

  // With a token, a due scheduled article counts as published, not scheduled.
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=scheduled', b.auth('editor')), []);
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=published', b.auth('editor')), ['the-scheduled-one', SEED_SLUG]);
});

t.test('with a token lists include every status, and status narrows them', async (t) => {
  const b = await build(t);
  const h = await hidden(b);
  const tok = b.auth('writer');
  t.strictSame(
    (await slugsOf(t, b, '/v1/articles', tok)).sort(),
    [...h.all.map((a) => a.slug), SEED_SLUG].sort(),
    'every status without a status filter',
  );
  const full = (await get(b, '/v1/articles', tok)).json().data as { slug: string; status: string }[];
  t.strictSame(
    Object.fromEntries(full.map((a) => [a.slug, a.status])),
    { 'hidden-draft': 'draft', 'hidden-scheduled': 'scheduled', 'hidden-archived': 'archived', [SEED_SLUG]: 'published' },
    'each with its status',
  );
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=draft', tok), ['hidden-draft']);
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=scheduled', tok), ['hidden-scheduled']);
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=archived', tok), ['hidden-archived']);
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=published', tok), [SEED_SLUG]);
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=draft&section=national', tok), ['hidden-draft'], 'status combines with section');
  t.strictSame(await slugsOf(t, b, '/v1/articles?status=draft&section=business', tok), []);

  for (const a of h.all) {
    const res = await get(b, `/v1/articles/${a.id}`, tok);
    t.equal(res.statusCode, 200, `a token reads ${a.slug}`);
    t.equal(res.json().status, a.status);
    t.equal(res.headers['cache-control'], 'private, no-store');
    t.equal((await get(b, `/v1/articles/slug/${a.slug}`, tok)).statusCode, 200);
  }
  const draft = (await get(b, `/v1/articles/${h.draft.id}`, tok)).json();
  t.equal(draft.publishedAt, null, 'a draft has no publishedAt');
});

t.test('status needs a token; bad and malformed tokens are 401', async (t) => {
  const b = await build(t);
  await hidden(b);
  for (const status of ['draft', 'published']) {
    const res = await get(b, `/v1/articles?status=${status}`);
    assertProblem(t, res, 401, `status=${status} without a token`);
    t.match(res.headers['www-authenticate'], /^Bearer\b/, 'WWW-Authenticate: Bearer');
  }

  const cases: [string, string][] = [
    ['Bearer nope', 'an unknown token'],
    ['Basic x', 'a non-Bearer scheme'],
    ['Bearer', 'Bearer without a token'],
    ['Bearer ', 'Bearer with an empty token'],
    ['nope', 'no scheme at all'],
    [`${b.auth('editor').authorization} extra`, 'a valid token with trailing junk'],
  ];
  for (const [authorization, what] of cases) {
    for (const url of ['/v1/articles', `/v1/articles/slug/${SEED_SLUG}`, '/v1/tags']) {
      const res = await get(b, url, { authorization });
      assertProblem(t, res, 401, `${what} on ${url}`);
      t.match(res.headers['www-authenticate'], /^Bearer\b/);
    }
  }

  // A revoked token is as good as none at all.
  const { id, token } = await b.services.tokens.create('soon-revoked', 'editor');
  t.equal((await get(b, '/v1/articles?status=draft', { authorization: `Bearer ${token}` })).statusCode, 200, 'valid before revocation');
  await b.services.tokens.revoke(id);
  const revoked = await get(b, '/v1/articles', { authorization: `Bearer ${token}` });
  assertProblem(t, revoked, 401, 'a revoked token');
  t.match(revoked.headers['www-authenticate'], /^Bearer\b/);

  // Authentication comes before validation.
  assertProblem(t, await get(b, '/v1/articles?limit=0', { authorization: 'Bearer nope' }), 401, 'bad token and bad query');
  // `status` without a token is an authentication failure, and authentication is checked
  // before validation (400) and existence (422): the 401 wins whatever else is wrong.
  for (const query of ['status=draft&section=nowhere', 'status=draft&limit=0', 'status=bogus', 'status=draft&foo=1']) {
    const res = await get(b, `/v1/articles?${query}`);
    assertProblem(t, res, 401, `?${query} without a token`);
    t.match(res.headers['www-authenticate'], /^Bearer\b/, `?${query}: WWW-Authenticate`);
  }

  // With a valid token, a bad status value is a validation error naming the field.
  const bogus = await get(b, '/v1/articles?status=bogus', b.auth('writer'));
  const p = assertProblem(t, bogus, 400, 'status=bogus with a token');
  t.equal(p.errors?.[0]?.path, 'status');
});
