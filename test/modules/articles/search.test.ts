// Full-text search (GET /v1/articles?q=…): relevance, diacritics, prefix, hostile input,
// HTML-escaped snippets with <mark>, visibility, combination with filters and sort, paging.
import t, { type Test } from 'tap';
import { addArticle, build, SEED_SLUG, type Built } from '../../helper.ts';

const HOUR = 3_600_000;
const PROBLEM = 'application/problem+json; charset=utf-8';

interface Hit {
  id: string;
  slug: string;
  headline: string;
  snippet?: string;
  publishedAt: string;
}
interface ListBody {
  data: Hit[];
  page: { limit: number; nextCursor: string | null };
}

async function search(t: Test, b: Built, q: string, extra = '', headers: Record<string, string> = {}) {
  const url = `/v1/articles?q=${encodeURIComponent(q)}${extra}`;
  const res = await b.app.inject({ method: 'GET', url, headers });
  t.equal(res.statusCode, 200, `q=${JSON.stringify(q.slice(0, 40))}${extra}: 200`);
  if (res.statusCode !== 200) t.comment(res.body.slice(0, 300));
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  return { res, body: res.json() as ListBody };
}

const slugs = (body: ListBody) => body.data.map((h) => h.slug);

t.test('a body word finds the seed article, with a highlighted snippet and no body', async (t) => {
  const b = await build(t);
  const { body } = await search(t, b, 'Ewha');
  t.strictSame(slugs(body), [SEED_SLUG]);
  t.strictSame(body.page, { limit: 20, nextCursor: null });
  const hit = body.data[0]!;
  t.notOk('body' in hit, 'items are summaries');
  t.type(hit.snippet, 'string');
  t.match(hit.snippet, /<mark>Ewha<\/mark>/, 'the matched word is in <mark>');
  t.match(hit.snippet, /Womans University/, 'the snippet is the matching passage');
  t.equal((hit.snippet!.match(/<mark>/g) ?? []).length, (hit.snippet!.match(/<\/mark>/g) ?? []).length, 'marks are balanced');

  // Case does not matter; several words must all match.
  t.strictSame(slugs((await search(t, b, 'ewha')).body), [SEED_SLUG]);
  t.strictSame(slugs((await search(t, b, 'Ewha professor')).body), [SEED_SLUG]);
  const two = (await search(t, b, 'Cho Tae-yul')).body;
  t.strictSame(slugs(two), [SEED_SLUG]);
  t.strictSame(slugs((await search(t, b, 'Ewha zanzibar')).body), [], 'every word must match');
  t.strictSame(slugs((await search(t, b, 'zanzibar')).body), [], 'no hit, empty list');
});

t.test('a headline hit ranks above a body-only hit', async (t) => {
  const b = await build(t);
  const at = b.clock.now();
  const inHeadline = await addArticle(b, {
    slug: 'headline-hit',
    headline: 'Kimchi exports reach a record',
    publishedAt: at - 2 * HOUR,
    body: [{ type: 'paragraph', text: 'Fermented cabbage shipments to Europe doubled this year, traders said.' }],
  });
  const inBody = await addArticle(b, {
    slug: 'body-hit',
    headline: 'Trade figures for the second quarter',
    publishedAt: at - HOUR,
    body: [{ type: 'paragraph', text: 'Among the goods shipped abroad were semiconductors, cars and kimchi, the ministry said.' }],
  });
  const { body } = await search(t, b, 'kimchi');
  t.strictSame(slugs(body), [inHeadline.slug, inBody.slug], 'by relevance, not by date');
  t.match(body.data[0]!.snippet, /<mark>Kimchi<\/mark>/);
  t.match(body.data[1]!.snippet, /<mark>kimchi<\/mark>/);

  // With an explicit sort, the date order wins.
  const sorted = (await search(t, b, 'kimchi', '&sort=-publishedAt')).body;
  t.strictSame(slugs(sorted), [inBody.slug, inHeadline.slug]);
  const asc = (await search(t, b, 'kimchi', '&sort=publishedAt')).body;
  t.strictSame(slugs(asc), [inHeadline.slug, inBody.slug]);
});

t.test('diacritics are folded both ways', async (t) => {
  const b = await build(t);
  await addArticle(b, { slug: 'accented', headline: 'A café opens in Seoul', body: [{ type: 'paragraph', text: 'The résumé of its owner.' }] });
  await addArticle(b, { slug: 'plain', headline: 'Another cafe closes', body: [{ type: 'paragraph', text: 'Nothing else.' }] });
  for (const q of ['cafe', 'café', 'CAFÉ', 'cafe\u0301']) {
    const { body } = await search(t, b, q);
    t.strictSame(slugs(body).sort(), ['accented', 'plain'], `${JSON.stringify(q)} matches café and cafe`);
  }
  const accented = (await search(t, b, 'cafe')).body.data.find((h) => h.slug === 'accented');
  t.match(accented?.snippet, /<mark>café<\/mark>/, 'the snippet shows the text as written');
  t.strictSame(slugs((await search(t, b, 'resume')).body), ['accented'], '"resume" finds "résumé"');
  t.strictSame(slugs((await search(t, b, 'résumé')).body), ['accented']);
});

t.test('the last word matches as a prefix', async (t) => {
  const b = await build(t);
  const { body } = await search(t, b, 'Pyong');
  t.strictSame(slugs(body), [SEED_SLUG], '"Pyong" finds Pyongyang');
  t.match(body.data[0]!.snippet, /<mark>Pyongyang<\/mark>/);
  t.strictSame(slugs((await search(t, b, 'Ewha Womans Univ')).body), [SEED_SLUG], 'prefix on the last of several words');
  t.strictSame(slugs((await search(t, b, 'Vladi')).body), [SEED_SLUG]);
  t.strictSame(slugs((await search(t, b, 'Pyongyangx')).body), [], 'a longer word is not a prefix match');
});

t.test('hostile text is searched as words, never parsed, never a 500', async (t) => {
  const b = await build(t);
  await addArticle(b, { slug: 'colon-article', headline: 'Ordinary news', body: [{ type: 'paragraph', text: 'The headline: Putin near the border.' }] });
  await addArticle(b, { slug: 'sql-article', headline: 'Database week', body: [{ type: 'paragraph', text: 'Drop the table of articles, said nobody.' }] });

  const cases: [string, string[] | null][] = [
    ['"', []],
    ['"""', []],
    ['NEAR(a b)', []],
    ['NEAR(putin border)', ['colon-article']],
    ['headline:putin', ['colon-article']],
    ['putin*', ['colon-article', SEED_SLUG]],
    ['^putin', ['colon-article', SEED_SLUG]],
    ['putin^', ['colon-article', SEED_SLUG]],
    ['AND OR NOT', [SEED_SLUG]],
    ['NOT', [SEED_SLUG]],
    ['OR', ['colon-article', SEED_SLUG]], // the last word is a prefix: "Ordinary"
    ['OR ', [SEED_SLUG]], // a trailing space: the whole word only
    ["'); drop table articles; --", ['sql-article']],
    ['putin)', ['colon-article', SEED_SLUG]],
    ['(putin', ['colon-article', SEED_SLUG]],
    ['{putin}', ['colon-article', SEED_SLUG]],
    ['putin -russia', [SEED_SLUG]],
    ['+putin', ['colon-article', SEED_SLUG]],
    ['body_text:Ewha', []],
    ['\\', []],
    ['%', []],
    ['💥', []],
    ['putin\u0000', ['colon-article', SEED_SLUG]],
    ['x'.repeat(500), []],
    [`${'putin '.repeat(83)}pu`.slice(0, 500), ['colon-article', SEED_SLUG]],
  ];
  for (const [q, expected] of cases) {
    const { body } = await search(t, b, q);
    t.ok(Array.isArray(body.data), `${JSON.stringify(q.slice(0, 30))}: a list`);
    if (expected !== null) t.strictSame(slugs(body).sort(), [...expected].sort(), `${JSON.stringify(q.slice(0, 30))}: searched as words`);
  }

  // More than 500 characters is a validation error, not a server error.
  const long = await b.app.inject({ method: 'GET', url: `/v1/articles?q=${'y'.repeat(501)}` });
  t.equal(long.statusCode, 400, 'a q over 500 characters is a 400');
  t.equal(long.headers['content-type'], PROBLEM);
  t.equal(long.json().errors?.[0]?.path, 'q');

  // The articles table survived.
  const all = await b.app.inject({ method: 'GET', url: '/v1/articles' });
  t.equal(all.json().data.length, 3, 'nothing was dropped');
});

t.test('q with only punctuation is an empty list', async (t) => {
  const b = await build(t);
  for (const q of ['...', '?!', '" " "', '-', '***', ' ', '— – …', '()']) {
    const { body, res } = await search(t, b, q);
    t.strictSame(body, { data: [], page: { limit: 20, nextCursor: null } }, `${JSON.stringify(q)}: empty`);
    t.equal(res.headers.link, undefined);
  }
});

t.test('q combines with section and with sort', async (t) => {
  const b = await build(t);
  b.clock.advance(HOUR);
  const at = b.clock.now();
  const biz = await addArticle(b, {
    slug: 'putin-and-markets',
    sectionPath: 'business/economy',
    headline: 'Markets shrug off Putin visit',
    publishedAt: at - 1000,
  });
  const older = await addArticle(b, {
    slug: 'putin-older',
    sectionPath: 'national/defense',
    headline: 'Earlier: defense ministry on Putin',
    publishedAt: at - 2 * HOUR,
  });

  t.strictSame(slugs((await search(t, b, 'Putin', '&section=business')).body), [biz.slug]);
  t.strictSame(slugs((await search(t, b, 'Putin', '&section=business/economy')).body), [biz.slug]);
  t.strictSame(slugs((await search(t, b, 'Putin', '&section=national')).body).sort(), [older.slug, SEED_SLUG].sort());
  t.strictSame(slugs((await search(t, b, 'Putin', '&section=culture')).body), []);
  t.strictSame(slugs((await search(t, b, 'Ewha', '&section=business')).body), [], 'a word from another section’s article');
  t.strictSame(slugs((await search(t, b, 'Putin', '&tag=russia')).body), [SEED_SLUG], 'and with tag');
  t.strictSame(slugs((await search(t, b, 'Putin', '&author=lim-jeong-won&section=national')).body).sort(), [older.slug, SEED_SLUG].sort(), 'and with author');

  const byDate = (await search(t, b, 'Putin', '&sort=-publishedAt')).body;
  t.strictSame(slugs(byDate), [biz.slug, SEED_SLUG, older.slug], 'newest first with sort=-publishedAt');
  for (const hit of byDate.data) t.match(hit.snippet, /<mark>Putin<\/mark>/i, `${hit.slug}: a snippet with sort too`);
  t.strictSame(slugs((await search(t, b, 'Putin', '&sort=-publishedAt&section=national')).body), [SEED_SLUG, older.slug]);
  const bounded = (await search(t, b, 'Putin', `&publishedAfter=${new Date(at - HOUR).toISOString()}`)).body;
  t.strictSame(slugs(bounded), [biz.slug], 'and with a date bound (the seed, at the exact bound, is excluded)');
  const bounded2 = (await search(t, b, 'Putin', `&publishedAfter=${new Date(at - HOUR - 1).toISOString()}`)).body;
  t.strictSame(slugs(bounded2).sort(), [biz.slug, SEED_SLUG].sort());
});

t.test('every hit carries a snippet with <mark> around the matched word', async (t) => {
  const b = await build(t);
  await addArticle(b, { slug: 'w1', headline: 'Walrus sighted', body: [{ type: 'paragraph', text: 'A walrus on the beach.' }] });
  await addArticle(b, { slug: 'w2', headline: 'Weather', body: [{ type: 'paragraph', text: 'Rain, then a lone walrus.' }] });
  await addArticle(b, { slug: 'w3', headline: 'Zoo', summary: 'The walrus enclosure reopens.', body: [{ type: 'paragraph', text: 'Nothing.' }] });
  const { body } = await search(t, b, 'walrus');
  t.strictSame(slugs(body).sort(), ['w1', 'w2', 'w3']);
  for (const hit of body.data) {
    t.match(hit.snippet, /<mark>walrus<\/mark>/i, `${hit.slug}: marked`);
    t.notMatch(hit.snippet!.replace(/<\/?mark>/g, ''), /[<>]/, `${hit.slug}: no other tags`);
  }
  t.equal(body.data[0]!.slug, 'w1', 'the headline hit first');
});

t.test('snippets are HTML-escaped', async (t) => {
  const b = await build(t);
  await addArticle(b, {
    slug: 'xss',
    headline: 'Harmless',
    body: [{ type: 'paragraph', text: '<script>alert(1)</script> tomato & "onions" <b>bold</b> \'quoted\'' }],
  });
  const { body, res } = await search(t, b, 'tomato');
  t.strictSame(slugs(body), ['xss']);
  const snippet = body.data[0]!.snippet!;
  t.match(snippet, /&lt;script&gt;/, 'the tag is escaped');
  t.notMatch(snippet, /<script/i, 'never a live <script>');
  t.notMatch(snippet, /<b>/, 'no other live tag');
  t.match(snippet, /<mark>tomato<\/mark>/);
  t.match(snippet, /&amp;/, 'ampersands escaped');
  t.match(snippet, /&quot;onions&quot;|&#34;onions&#34;/, 'quotes escaped');
  t.notOk(res.body.includes('<script>'), 'nowhere in the response');

  // Searching for the markup itself finds it and still escapes it.
  const scriptHit = (await search(t, b, 'script alert')).body;
  t.strictSame(slugs(scriptHit), ['xss']);
  t.notMatch(scriptHit.data[0]!.snippet, /<script/i);
  t.match(scriptHit.data[0]!.snippet, /&lt;<mark>script<\/mark>&gt;/);
});

t.test('non-public articles are found by a token only', async (t) => {
  const b = await build(t);
  await addArticle(b, { slug: 'draft-okapi', status: 'draft', headline: 'Okapi draft' });
  await addArticle(b, { slug: 'archived-okapi', status: 'archived', headline: 'Okapi archived' });
  await addArticle(b, { slug: 'scheduled-okapi', status: 'scheduled', publishedAt: b.clock.now() + HOUR, headline: 'Okapi scheduled' });
  await addArticle(b, { slug: 'public-okapi', headline: 'Okapi public' });

  t.strictSame(slugs((await search(t, b, 'okapi')).body), ['public-okapi'], 'the public finds only the public one');
  t.strictSame(slugs((await search(t, b, 'okapi', '&sort=-publishedAt')).body), ['public-okapi'], 'with a sort too');
  t.strictSame(slugs((await search(t, b, 'draft')).body), [], 'not by a word only the draft has');

  const tok = b.auth('writer');
  t.strictSame(
    slugs((await search(t, b, 'okapi', '', tok)).body).sort(),
    ['archived-okapi', 'draft-okapi', 'public-okapi', 'scheduled-okapi'],
    'a token finds every status',
  );
  t.strictSame(slugs((await search(t, b, 'okapi', '&status=draft', tok)).body), ['draft-okapi'], 'status narrows search');
  const draftHit = (await search(t, b, 'okapi', '&status=draft', tok)).body.data[0];
  t.match(draftHit?.snippet, /<mark>Okapi<\/mark>/);

  b.clock.advance(HOUR);
  t.strictSame(slugs((await search(t, b, 'okapi')).body).sort(), ['public-okapi', 'scheduled-okapi'], 'the scheduled one once due');
});

t.test('search results paginate with limit=1 without duplicates or gaps', async (t) => {
  const b = await build(t);
  const at = b.clock.now();
  // Different relevance (headline / summary / body, repeated words) and exact ties.
  await addArticle(b, { slug: 'p-headline', headline: 'Pangolin rescue', publishedAt: at - 1 });
  await addArticle(b, { slug: 'p-summary', summary: 'A pangolin story', publishedAt: at - 2 });
  await addArticle(b, { slug: 'p-body-twice', body: [{ type: 'paragraph', text: 'Pangolin after pangolin.' }], publishedAt: at - 3 });
  await addArticle(b, { slug: 'p-tie-1', body: [{ type: 'paragraph', text: 'One pangolin here.' }], publishedAt: at - 4 });
  await addArticle(b, { slug: 'p-tie-2', body: [{ type: 'paragraph', text: 'One pangolin here.' }], publishedAt: at - 5 });
  await addArticle(b, { slug: 'p-tie-3', body: [{ type: 'paragraph', text: 'One pangolin here.' }], publishedAt: at - 6 });
  await addArticle(b, { slug: 'p-draft', status: 'draft', headline: 'Pangolin draft' });

  for (const [extra, headers, count] of [
    ['', {}, 6],
    ['&sort=-publishedAt', {}, 6],
    ['&sort=updatedAt', {}, 6],
    ['', b.auth('writer'), 7],
  ] as [string, Record<string, string>, number][]) {
    const full = (await search(t, b, 'pangolin', `${extra}&limit=100`, headers)).body;
    t.equal(full.data.length, count, `${extra || 'relevance'}: ${count} hits in one page`);
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `/v1/articles?q=pangolin${extra}&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await b.app.inject({ method: 'GET', url, headers });
      t.equal(res.statusCode, 200);
      const page = res.json() as ListBody;
      t.equal(page.data.length, 1, 'one hit per page');
      t.match(page.data[0]?.snippet, /<mark>/, 'each page’s hit has its snippet');
      walked.push(...slugs(page));
      cursor = page.page.nextCursor;
      if (cursor) t.match(res.headers.link, /rel="next"$/);
      pages++;
    } while (cursor !== null && pages < 20);
    t.equal(pages, count, `${extra || 'relevance'}: ${count} pages`);
    t.equal(new Set(walked).size, count, 'no duplicates');
    t.strictSame(walked, slugs(full), 'the same order as one big page');
  }
  const relevance = (await search(t, b, 'pangolin', '&limit=100')).body;
  t.equal(relevance.data[0]!.slug, 'p-headline', 'headline first');

  // A relevance cursor is not valid for a date-sorted search.
  const first = (await search(t, b, 'pangolin', '&limit=1')).body;
  const wrong = await b.app.inject({ method: 'GET', url: `/v1/articles?q=pangolin&sort=-publishedAt&limit=1&cursor=${first.page.nextCursor}` });
  t.equal(wrong.statusCode, 400);
  t.equal(wrong.json().errors?.[0]?.path, 'cursor');
});
