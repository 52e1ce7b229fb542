// GET /v1/tags: { slug, name, articleCount }, counting public articles only for the public.
import t, { type Test } from 'tap';
import { addArticle, build } from '../../helper.ts';

const SEED_TAGS = [
  { slug: 'north-korea', name: 'North Korea', articleCount: 1 },
  { slug: 'russia', name: 'Russia', articleCount: 1 },
  { slug: 'vladimir-putin', name: 'Vladimir Putin', articleCount: 1 },
];

const HOUR = 3_600_000;

async function tags(t: Test, b: Awaited<ReturnType<typeof build>>, headers: Record<string, string> = {}, query = '') {
  const res = await b.app.inject({ method: 'GET', url: `/v1/tags${query}`, headers });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  return res.json() as { data: { slug: string; name: string; articleCount: number }[]; page: { limit: number; nextCursor: string | null } };
}

t.test('the seed article’s three tags, ordered by slug, with exact fields', async (t) => {
  const b = await build(t);
  const body = await tags(t, b);
  for (const tag of body.data) t.strictSame(Object.keys(tag).sort(), ['articleCount', 'name', 'slug']);
  t.strictSame(body, { data: SEED_TAGS, page: { limit: 20, nextCursor: null } });
  const withToken = await tags(t, b, b.auth('writer'));
  t.strictSame(withToken, { data: SEED_TAGS, page: { limit: 20, nextCursor: null } }, 'a token sees the same when all is public');
});

t.test('public counts count only public articles', async (t) => {
  const b = await build(t);
  await addArticle(b, { status: 'draft', tagNames: ['North Korea'] });
  const pub = await tags(t, b);
  t.strictSame(pub.data.find((x) => x.slug === 'north-korea'), { slug: 'north-korea', name: 'North Korea', articleCount: 1 });
  const tok = await tags(t, b, b.auth('editor'));
  t.strictSame(tok.data.find((x) => x.slug === 'north-korea'), { slug: 'north-korea', name: 'North Korea', articleCount: 2 });

  // Archived and scheduled-not-yet-due articles are not public either.
  await addArticle(b, { status: 'archived', tagNames: ['North Korea'] });
  await addArticle(b, { status: 'scheduled', publishedAt: b.clock.now() + HOUR, tagNames: ['North Korea'] });
  t.equal((await tags(t, b)).data.find((x) => x.slug === 'north-korea')!.articleCount, 1);
  t.equal((await tags(t, b, b.auth('editor'))).data.find((x) => x.slug === 'north-korea')!.articleCount, 4);

  // A second published article counts publicly.
  await addArticle(b, { status: 'published', tagNames: ['North Korea', 'Russia'] });
  const after = await tags(t, b);
  t.strictSame(after.data, [
    { slug: 'north-korea', name: 'North Korea', articleCount: 2 },
    { slug: 'russia', name: 'Russia', articleCount: 2 },
    { slug: 'vladimir-putin', name: 'Vladimir Putin', articleCount: 1 },
  ]);
});

t.test('a scheduled article counts publicly once it is due', async (t) => {
  const b = await build(t);
  await addArticle(b, { status: 'scheduled', publishedAt: b.clock.now() + HOUR, tagNames: ['Summit'] });
  t.notOk((await tags(t, b)).data.some((x) => x.slug === 'summit'), 'absent before it is due');
  b.clock.advance(HOUR);
  t.strictSame((await tags(t, b)).data.find((x) => x.slug === 'summit'), { slug: 'summit', name: 'Summit', articleCount: 1 });
});

t.test('a tag only on drafts does not exist for the public', async (t) => {
  const b = await build(t);
  await addArticle(b, { status: 'draft', tagNames: ['Draft Only'] });
  const pub = await tags(t, b);
  t.strictSame(pub.data.map((x) => x.slug), ['north-korea', 'russia', 'vladimir-putin']);
  const tok = await tags(t, b, b.auth('writer'));
  t.strictSame(tok.data, [
    { slug: 'draft-only', name: 'Draft Only', articleCount: 1 },
    ...SEED_TAGS,
  ]);
});

t.test('pagination by slug, and a cursor past the hidden tags', async (t) => {
  const b = await build(t);
  await addArticle(b, { status: 'draft', tagNames: ['Secret'] });
  const first = await b.app.inject({ method: 'GET', url: '/v1/tags?limit=2' });
  const p1 = first.json();
  t.strictSame(p1.data.map((x: { slug: string }) => x.slug), ['north-korea', 'russia']);
  t.type(p1.page.nextCursor, 'string');
  t.match(first.headers.link, /\/v1\/tags\?limit=2&cursor=[^>]+>; rel="next"$/);
  const second = await b.app.inject({ method: 'GET', url: `/v1/tags?limit=2&cursor=${p1.page.nextCursor}` });
  t.strictSame(second.json(), { data: [SEED_TAGS[2]], page: { limit: 2, nextCursor: null } }, 'the draft-only tag never shows up publicly');
  t.equal(second.headers.link, undefined);
});

t.test('bad input is a 400 problem', async (t) => {
  const b = await build(t);
  for (const [query, path] of [
    ['?foo=1', 'foo'],
    ['?limit=0', 'limit'],
    ['?limit=abc', 'limit'],
    ['?cursor=@@@', 'cursor'],
  ] as const) {
    const res = await b.app.inject({ method: 'GET', url: `/v1/tags${query}` });
    t.equal(res.statusCode, 400, query);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.strictSame(res.json().errors.map((e: { in: string; path: string }) => [e.in, e.path]), [['query', path]], query);
  }
});
