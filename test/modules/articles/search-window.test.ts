// Search ranks within windows of articles (SearchEngine.window, by `seq`), the newest window
// first: paging walks every hit exactly once across windows, empty windows are skipped, rare
// words are found down to the oldest article, and filters apply across windows. The window is
// made tiny here (3 articles) so that a handful of articles spans many windows.
import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { postgresSearch } from '../../../src/modules/articles/search-postgres.ts';
import { sqliteSearch } from '../../../src/modules/articles/search-sqlite.ts';
import { addArticle, build, type Built } from '../../helper.ts';

const WINDOW = 3;

interface ListBody {
  data: { slug: string; snippet?: string }[];
  page: { limit: number; nextCursor: string | null };
}

async function tinyWindows(t: Test): Promise<Built> {
  const b = await build(t);
  const engine = b.db.engine === 'postgres' ? postgresSearch : sqliteSearch;
  const before = engine.window;
  engine.window = WINDOW;
  t.teardown(() => {
    engine.window = before;
  });
  return b;
}

async function page(t: Test, b: Built, url: string, headers: Record<string, string> = {}): Promise<ListBody> {
  const res = await b.app.inject({ method: 'GET', url, headers });
  t.equal(res.statusCode, 200, url);
  return res.json() as ListBody;
}

/** Every page of `url` at `limit`, in order. */
async function walk(t: Test, b: Built, url: string, limit: number, headers: Record<string, string> = {}): Promise<string[]> {
  const walked: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const body = await page(t, b, `${url}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, headers);
    t.ok(body.data.length <= limit);
    for (const hit of body.data) t.match(hit.snippet, /<mark>/i, `${hit.slug} has its snippet`);
    walked.push(...body.data.map((h) => h.slug));
    cursor = body.page.nextCursor;
    if (cursor === null) return walked;
    t.equal(body.data.length, limit, 'a page with a next page is full');
  }
  throw new Error('too many pages');
}

t.test('hits come window by window, newest first, by relevance within each; paging returns each once', async (t) => {
  const b = await tinyWindows(t);
  const at = b.clock.now();
  // 18 articles after the seed: walrus hits of different relevance, gaps of several windows
  // with no hit, a draft, and a headline hit in an old window.
  const plan: [string, 'headline' | 'body' | 'none' | 'draft'][] = [
    ['old-headline', 'headline'],
    ['old-body', 'body'],
    ...Array.from({ length: 8 }, (_, i) => [`filler-${i}`, 'none'] as [string, 'none']),
    ['mid-body-1', 'body'],
    ['mid-draft', 'draft'],
    ['mid-body-2', 'body'],
    ['mid-headline', 'headline'],
    ['new-body-1', 'body'],
    ['new-headline', 'headline'],
    ['new-body-2', 'body'],
    ['newest-body', 'body'],
  ];
  let n = 0;
  for (const [slug, kind] of plan) {
    n++;
    await addArticle(b, {
      slug,
      status: kind === 'draft' ? 'draft' : 'published',
      publishedAt: kind === 'draft' ? null : at - n * 1000,
      headline: kind === 'headline' || kind === 'draft' ? 'Walrus sighted' : `Story ${slug}`,
      body: [{ type: 'paragraph', text: kind === 'none' ? 'Nothing to see.' : 'A walrus came ashore, officials said.' }],
    });
  }
  const publicHits = plan.filter(([, k]) => k === 'headline' || k === 'body').map(([s]) => s);

  const full = (await page(t, b, '/v1/articles?q=walrus&limit=100')).data.map((h) => h.slug);
  t.same([...full].sort(), [...publicHits].sort(), 'one big page holds every public hit');
  t.equal(new Set(full).size, full.length, 'no duplicates in one page');
  // Windows newest first; within a window, a headline hit before a body hit.
  const seqs = new Map(
    (await b.db.dialect.all<{ slug: string; seq: number }>(b.db.q, sql`select slug, seq from articles`)).map((r) => [r.slug, Number(r.seq)]),
  );
  const kinds = new Map(plan);
  const windows = full.map((slug) => Math.floor(seqs.get(slug)! / WINDOW));
  t.strictSame(windows, [...windows].sort((x, y) => y - x), `windows newest first: ${windows.join(' ')}`);
  t.ok(new Set(windows).size >= 4, 'the hits span several windows');
  for (let i = 1; i < full.length; i++) {
    if (windows[i] === windows[i - 1]) t.not([kinds.get(full[i - 1]!), kinds.get(full[i]!)].join(), 'body,headline', `within window ${windows[i]}, ${full[i]} after ${full[i - 1]}`);
  }
  t.ok(full.indexOf('old-headline') > full.indexOf('mid-body-1'), 'an older window comes after a newer one, whatever its relevance');

  for (const limit of [1, 2, 3, 5]) {
    const walked = await walk(t, b, '/v1/articles?q=walrus', limit);
    t.strictSame(walked, full, `limit=${limit}: every hit exactly once, in the order of one big page`);
  }

  // With a token, the draft is a hit too, in its window's place.
  const withDraft = (await page(t, b, '/v1/articles?q=walrus&limit=100', b.auth('writer'))).data.map((h) => h.slug);
  t.equal(withDraft.length, publicHits.length + 1);
  t.strictSame(await walk(t, b, '/v1/articles?q=walrus', 2, b.auth('writer')), withDraft, 'with a token: every hit once');

  // Search-as-you-type: a prefix, same walk.
  const prefix = (await page(t, b, '/v1/articles?q=walr&limit=100')).data.map((h) => h.slug);
  t.strictSame(prefix, full, 'the prefix finds the same hits in the same order');
  t.strictSame(await walk(t, b, '/v1/articles?q=walr', 4), full);
});

t.test('a rare word is found down to the oldest window; a filter applies across windows', async (t) => {
  const b = await tinyWindows(t);
  const at = b.clock.now();
  await addArticle(b, { slug: 'first-narwhal', publishedAt: at - 1000, sectionPath: 'business', body: [{ type: 'paragraph', text: 'A narwhal, once.' }] });
  for (let i = 0; i < 20; i++) await addArticle(b, { slug: `filler-${i}`, publishedAt: at - 2000 - i });
  await addArticle(b, { slug: 'last-narwhal', publishedAt: at - 500, body: [{ type: 'paragraph', text: 'A narwhal again.' }] });

  t.strictSame((await page(t, b, '/v1/articles?q=narwhal&limit=10')).data.map((h) => h.slug), ['last-narwhal', 'first-narwhal']);
  t.strictSame(await walk(t, b, '/v1/articles?q=narwhal', 1), ['last-narwhal', 'first-narwhal'], 'one per page across ~8 windows');
  t.strictSame((await page(t, b, '/v1/articles?q=narwhal&section=business&limit=10')).data.map((h) => h.slug), ['first-narwhal'], 'the section filter, many windows down');
  t.strictSame((await page(t, b, '/v1/articles?q=zzyzx&limit=10')).data, [], 'no hit in any window: an empty page');
});

t.test('a filter that keeps few hits reads more than a batch of candidates in one span', async (t) => {
  const b = await tinyWindows(t);
  const at = b.clock.now();
  await addArticle(b, { slug: 'orca-business', publishedAt: at - 1000, sectionPath: 'business', body: [{ type: 'paragraph', text: 'An orca.' }] });
  for (let i = 0; i < 70; i++) await addArticle(b, { slug: `orca-${i}`, publishedAt: at - 2000 - i, body: [{ type: 'paragraph', text: 'An orca.' }] });
  t.strictSame((await page(t, b, '/v1/articles?q=orca&section=business&limit=10')).data.map((h) => h.slug), ['orca-business']);
  const all = await walk(t, b, '/v1/articles?q=orca', 7);
  t.equal(all.length, 71);
  t.equal(new Set(all).size, 71, 'every hit once');
});
