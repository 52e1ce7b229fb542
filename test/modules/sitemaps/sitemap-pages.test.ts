// A month with more than 50,000 articles (written straight into the tables) split into pages:
// the index lists `…-03.xml` and `…-03.xml?page=2` with each page's own lastmod; page 1 holds
// the month's first 50,000 index entries (so 49,997 URLs: three of them are not public),
// page 2 the rest, in order, nothing twice and nothing left out; page 3 is 404; each page has
// its own ETag; the file is streamed (no Content-Length) and not held by the response cache.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t from 'tap';
import { build, SEED_SLUG, seedIds, testClock } from '../../helper.ts';
import { problem } from '../../requests.ts';
import { bulkInsert, type BulkArticle } from './bulk.ts';

const NOW = Date.UTC(2024, 5, 15, 12);
const CONFIG = { CMS_PUBLIC_URL: 'https://api.example.com', CMS_SITE_URL: 'https://www.example.com' };
const FROM = Date.UTC(2020, 2, 1);
const ROWS = 50_006;
/** Index positions (by first publication) of articles that are not public. */
const HIDDEN = new Map<number, BulkArticle['status']>([
  [10, 'draft'],
  [20_000, 'archived'],
  [49_999, 'draft'],
  [50_003, 'archived'],
]);
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, isArray: (name) => ['url', 'sitemap', 'image:image'].includes(name) });

t.test('a month of 50,002 public articles in two pages', async (t) => {
  const started = performance.now();
  const b = await build(t, { config: CONFIG, clock: testClock(NOW) });
  const section = (await seedIds(b.services)).sections.get('business')!;
  const imageId = (await b.app.inject({ url: `/v1/articles/slug/${SEED_SLUG}` })).json().leadImage.id as string;
  const rows: BulkArticle[] = Array.from({ length: ROWS }, (_, i) => {
    const at = FROM + i * 10;
    const status = HIDDEN.get(i) ?? 'published';
    // Each page's newest updatedAt: position 49,998 in page 1, 50,001 in page 2; a hidden one newer still.
    const updatedAt = i === 49_998 ? Date.UTC(2021, 0, 1) : i === 50_001 ? Date.UTC(2022, 0, 1) : i === 49_999 ? Date.UTC(2023, 0, 1) : at + 1000;
    return { slug: `big-${i}`, status, sectionId: section, publishedAt: status === 'draft' ? null : at, firstPublishedAt: at, updatedAt, leadImageId: i === 0 ? imageId : null };
  });
  await bulkInsert(b.db, rows);
  t.comment(`inserted ${ROWS} articles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const loc = (i: number) => `https://www.example.com/business/big-${i}`;
  const publicIn = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k).filter((i) => !HIDDEN.has(i));

  const indexRes = await b.app.inject({ url: '/v1/sitemaps/index.xml' });
  t.equal(indexRes.statusCode, 200);
  const sitemaps = parser.parse(indexRes.body).sitemapindex.sitemap.map((s: any) => [s.loc, s.lastmod]);
  t.strictSame(
    sitemaps.slice(1),
    [
      ['https://api.example.com/v1/sitemaps/articles/2020-03.xml', '2021-01-01T00:00:00.000Z'],
      ['https://api.example.com/v1/sitemaps/articles/2020-03.xml?page=2', '2022-01-01T00:00:00.000Z'],
    ],
    'the index: March 2020 in two pages, each with its own newest updatedAt (of public articles)',
  );
  t.equal(sitemaps[0][0], 'https://api.example.com/v1/sitemaps/articles/2024-06.xml', 'after June 2024 (the seed)');

  const pages: string[][] = [];
  const etags: string[] = [];
  for (const query of ['', '?page=2']) {
    const url = `/v1/sitemaps/articles/2020-03.xml${query}`;
    const res = await b.app.inject({ url });
    t.equal(res.statusCode, 200, `${url}: 200`);
    t.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
    t.equal(res.headers['content-length'], undefined, `${url}: streamed (no Content-Length)`);
    t.equal(XMLValidator.validate(res.body), true, `${url}: well-formed`);
    const urls = parser.parse(res.body).urlset.url;
    pages.push(urls.map((u: any) => u.loc));
    etags.push(res.headers.etag as string);
    if (query === '') {
      t.strictSame(urls[0]['image:image'].map((i: any) => i['image:loc']), [`https://api.example.com/v1/images/${imageId}/file`], 'the first one’s lead image');
      t.equal(urls[1].lastmod, new Date(FROM + 10 + 1000).toISOString(), 'lastmod: updatedAt');
    }
  }
  t.equal(pages[0]!.length, 49_997, 'page 1: the public ones of the first 50,000 entries');
  t.strictSame(pages[0], publicIn(0, 50_000).map(loc), 'page 1: in order of first publication');
  t.strictSame(pages[1], publicIn(50_000, ROWS).map(loc), 'page 2: the rest, in order');
  t.equal(new Set([...pages[0]!, ...pages[1]!]).size, 50_002, 'every public article once');
  t.not(etags[0], etags[1], 'each page its own ETag');
  t.equal((await b.app.inject({ url: '/v1/sitemaps/articles/2020-03.xml?page=2', headers: { 'if-none-match': etags[1]! } })).statusCode, 304, 'page 2 revalidated: 304');
  t.equal((await b.app.inject({ url: '/v1/sitemaps/articles/2020-03.xml', headers: { 'if-none-match': etags[1]! } })).statusCode, 200, 'page 2’s ETag is not page 1’s');
  t.notOk((await b.app.inject({ url: '/v1/sitemaps/articles/2020-03.xml?page=2' })).headers['x-cache'], 'a stream is not held by the response cache');
  problem(t, await b.app.inject({ url: '/v1/sitemaps/articles/2020-03.xml?page=3' }), 404, 'page 3');
  t.comment(`test time ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
