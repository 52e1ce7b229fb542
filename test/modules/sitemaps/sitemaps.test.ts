// Sitemaps, each document parsed with fast-xml-parser and checked field by field: the index
// (months with public articles by first publication, newest first, lastmod, this API's own
// absolute URLs, from CMS_PUBLIC_URL or the request), the month files (loc = the article's
// url, lastmod = updatedAt, the lead image; order; 404 and 400), the Google News sitemap (the
// 48-hour window at both edges with the test clock, newest first, at most 1,000, Google's
// language codes, max-age bounded by the window), hostile text and URLs written straight into
// the database, visibility with and without a token, ETag/304 and the response cache.
import { eq } from 'drizzle-orm';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t, { type Test } from 'tap';
import { googleNewsLanguage, xmlText } from '../../../src/modules/sitemaps/xml.ts';
import { addArticle, build, seedIds, SEED_SLUG, testClock, type Built } from '../../helper.ts';
import { problem, send, type Res } from '../../requests.ts';
import { bulkInsert } from './bulk.ts';

const HOUR = 3_600_000;
const WINDOW = 48 * HOUR;
/** The test clock: 2024-06-15T12:00:00Z (the seed article is first published then). */
const NOW = Date.UTC(2024, 5, 15, 12);
const CONFIG = {
  CMS_PUBLIC_URL: 'https://api.example.com',
  CMS_SITE_URL: 'https://www.example.com',
  CMS_ARTICLE_PATH: '/{sectionPath}/{yyyy}/{mm}/{slug}',
  CMS_PUBLISHER_NAME: 'The Example & <Co> Times',
  CMS_PUBLIC_MAX_AGE: 300,
};
const XML = 'application/xml; charset=utf-8';
const NS = {
  sitemap: 'http://www.sitemaps.org/schemas/sitemap/0.9',
  image: 'http://www.google.com/schemas/sitemap-image/1.1',
  news: 'http://www.google.com/schemas/sitemap-news/0.9',
};
const iso = (ms: number) => new Date(ms).toISOString();

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ['sitemap', 'url', 'image:image'].includes(name),
});

/**
 * What keeps a document from being well-formed XML 1.0 (empty: well-formed). fast-xml-parser's
 * validator checks the structure but lets a bare `&`, `]]>` in text and forbidden characters
 * through: those are checked here.
 */
function notWellFormed(xml: string): string[] {
  const problems: string[] = [];
  const valid = XMLValidator.validate(xml);
  if (valid !== true) problems.push(`structure: ${JSON.stringify(valid.err)}`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/.test(xml) || /[\ud800-\udfff]/.test(xml.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    problems.push('a character XML 1.0 forbids');
  }
  if (xml.includes(']]>')) problems.push(']]> in text');
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(xml)) problems.push('a bare &');
  return problems;
}

async function get(b: Built, url: string, headers: Record<string, string> = {}): Promise<Res> {
  return b.app.inject({ method: 'GET', url, headers });
}

/** GET an XML document: 200, its media type, well-formed; parsed. */
async function xml(t: Test, b: Built, url: string, headers: Record<string, string> = {}): Promise<{ res: Res; doc: any }> {
  const res = await get(b, url, headers);
  t.equal(res.statusCode, 200, `GET ${url} is 200`);
  if (res.statusCode !== 200) t.comment(res.body.slice(0, 500));
  t.equal(res.headers['content-type'], XML, `${url}: application/xml; charset=utf-8`);
  t.strictSame(notWellFormed(res.body), [], `${url}: well-formed XML`);
  return { res, doc: parser.parse(res.body) };
}

interface IndexItem {
  loc: string;
  lastmod: string;
}
async function index(t: Test, b: Built, headers: Record<string, string> = {}): Promise<IndexItem[]> {
  const { doc } = await xml(t, b, '/v1/sitemaps/index.xml', headers);
  t.equal(doc.sitemapindex['@_xmlns'], NS.sitemap, 'index: the sitemaps namespace');
  return (doc.sitemapindex.sitemap ?? []).map((s: any) => ({ loc: s.loc, lastmod: s.lastmod }));
}

interface UrlItem {
  loc: string;
  lastmod: string;
  images: string[];
}
async function month(t: Test, b: Built, label: string, headers: Record<string, string> = {}): Promise<UrlItem[]> {
  const { doc } = await xml(t, b, `/v1/sitemaps/articles/${label}.xml`, headers);
  t.equal(doc.urlset['@_xmlns'], NS.sitemap, `${label}: the sitemaps namespace`);
  t.equal(doc.urlset['@_xmlns:image'], NS.image, `${label}: the image namespace`);
  return (doc.urlset.url ?? []).map((u: any) => ({ loc: u.loc, lastmod: u.lastmod, images: (u['image:image'] ?? []).map((i: any) => i['image:loc']) }));
}

interface NewsItem {
  loc: string;
  name: string;
  language: string;
  date: string;
  title: string;
}
async function news(t: Test, b: Built, headers: Record<string, string> = {}): Promise<{ res: Res; items: NewsItem[] }> {
  const { res, doc } = await xml(t, b, '/v1/sitemaps/news.xml', headers);
  t.equal(doc.urlset['@_xmlns'], NS.sitemap, 'news: the sitemaps namespace');
  t.equal(doc.urlset['@_xmlns:news'], NS.news, 'news: the news namespace');
  const items = (doc.urlset.url ?? []).map((u: any) => {
    const n = u['news:news'];
    return { loc: u.loc, name: n['news:publication']['news:name'], language: n['news:publication']['news:language'], date: n['news:publication_date'], title: n['news:title'] };
  });
  return { res, items };
}

/** The article as the API shows it (url, updatedAt, leadImage). */
async function dto(b: Built, id: string): Promise<any> {
  const res = await send(b, 'GET', `/v1/articles/${id}`);
  if (res.statusCode !== 200) throw new Error(`GET /v1/articles/${id}: ${res.statusCode}`);
  return res.json();
}

/** The entry a month file should show for an article, from its DTO. */
async function expected(b: Built, id: string): Promise<UrlItem> {
  const a = await dto(b, id);
  return { loc: a.url, lastmod: a.updatedAt, images: a.leadImage ? [a.leadImage.url] : [] };
}

async function seedArticle(b: Built): Promise<any> {
  const res = await get(b, `/v1/articles/slug/${SEED_SLUG}`);
  return res.json();
}

/**
 * An archive over several months: public articles in 2024-06 (the seed), 2024-05 (two, one on
 * the month's last millisecond), 2024-04 (two at the same time: by id; one on the first
 * millisecond), 2024-03 (a scheduled article whose time came: no first_published_at yet) and
 * 2023-12 (republished in 2024-02: its month is its first publication's); and hidden ones: a
 * withdrawn draft first published in 2023-11 and another in 2024-05, archived in 2023-10,
 * scheduled for later today and for July.
 */
async function archive(b: Built) {
  const image = (await seedArticle(b)).leadImage.id as string;
  const lead = { imageId: image, caption: null, credit: null };
  const a = {
    may1: await addArticle(b, { publishedAt: Date.UTC(2024, 4, 3, 9), updatedAt: Date.UTC(2024, 4, 20), leadImage: lead }),
    may2: await addArticle(b, { publishedAt: Date.UTC(2024, 4, 31, 23, 59, 59, 999), updatedAt: Date.UTC(2024, 5, 1, 8) }),
    april1: await addArticle(b, { publishedAt: Date.UTC(2024, 3, 1), updatedAt: Date.UTC(2024, 3, 2), sectionPath: 'national/politics' }),
    april2: await addArticle(b, { publishedAt: Date.UTC(2024, 3, 9), updatedAt: Date.UTC(2024, 3, 9, 1), leadImage: lead }),
    april3: await addArticle(b, { publishedAt: Date.UTC(2024, 3, 9), updatedAt: Date.UTC(2024, 3, 9, 2) }),
    due: await addArticle(b, { status: 'scheduled', publishedAt: Date.UTC(2024, 2, 5), firstPublishedAt: null, updatedAt: Date.UTC(2024, 1, 20) }),
    republished: await addArticle(b, { publishedAt: Date.UTC(2024, 1, 1), firstPublishedAt: Date.UTC(2023, 11, 10), updatedAt: Date.UTC(2024, 1, 1) }),
  };
  const hidden = {
    withdrawn: await addArticle(b, { status: 'draft', publishedAt: null, firstPublishedAt: Date.UTC(2023, 10, 5), updatedAt: Date.UTC(2023, 10, 6) }),
    withdrawnMay: await addArticle(b, { status: 'draft', publishedAt: null, firstPublishedAt: Date.UTC(2024, 4, 10), updatedAt: Date.UTC(2024, 5, 10) }),
    archived: await addArticle(b, { status: 'archived', publishedAt: Date.UTC(2023, 9, 5), firstPublishedAt: Date.UTC(2023, 9, 5), updatedAt: Date.UTC(2023, 9, 6) }),
    later: await addArticle(b, { status: 'scheduled', publishedAt: NOW + 2 * HOUR, firstPublishedAt: null }),
    july: await addArticle(b, { status: 'scheduled', publishedAt: Date.UTC(2024, 6, 2), firstPublishedAt: null }),
  };
  return { ...a, hidden };
}

const loc = (label: string, page = 1) => `https://api.example.com/v1/sitemaps/articles/${label}.xml${page > 1 ? `?page=${page}` : ''}`;

t.test('the index: a month with public articles each, newest first, lastmod the newest updatedAt in it', async (t) => {
  const b = await build(t, { config: CONFIG, clock: testClock(NOW) });
  const a = await archive(b);
  const seed = await seedArticle(b);
  const items = await index(t, b);
  t.strictSame(
    items,
    [
      { loc: loc('2024-06'), lastmod: seed.updatedAt },
      { loc: loc('2024-05'), lastmod: iso(Date.UTC(2024, 5, 1, 8)) },
      { loc: loc('2024-04'), lastmod: iso(Date.UTC(2024, 3, 9, 2)) },
      { loc: loc('2024-03'), lastmod: iso(Date.UTC(2024, 1, 20)) },
      { loc: loc('2023-12'), lastmod: iso(Date.UTC(2024, 1, 1)) },
    ],
    'months with public articles only (not 2023-11, 2023-10 or 2024-07); lastmod of public articles only (the withdrawn May draft is newer)',
  );
  t.equal((await dto(b, a.hidden.withdrawnMay.id)).updatedAt, iso(Date.UTC(2024, 5, 10)), 'the withdrawn May draft is newer than both May articles');
  t.strictSame(await index(t, b, b.auth()), items, 'the same with a token');
});

t.test('the index without CMS_PUBLIC_URL: URLs of the request’s origin; an empty archive', async (t) => {
  const b = await build(t, { config: { CMS_SITE_URL: 'https://www.example.com' }, clock: testClock(NOW), seed: false });
  t.strictSame(await index(t, b), [], 'no public article: an empty index');
  const section = (await send(b, 'POST', '/v1/sections', { body: { name: 'World' } })).json();
  const created = await send(b, 'POST', '/v1/articles', { body: { headline: 'One', sectionId: section.id, body: [] } });
  t.equal(created.statusCode, 201, 'an article');
  t.equal((await send(b, 'POST', `/v1/articles/${created.json().id}/publish`, { body: {} })).statusCode, 200, 'published');
  const items = await index(t, b, { host: 'cms.internal:8080' });
  t.strictSame(items.map((i) => i.loc), ['http://cms.internal:8080/v1/sitemaps/articles/2024-06.xml'], 'the request’s origin');
  const urls = await month(t, b, '2024-06', { host: 'cms.internal:8080' });
  t.equal(urls.length, 1, 'its month file lists it');

  const seeded = await build(t, { config: { CMS_SITE_URL: 'https://www.example.com' }, clock: testClock(NOW) });
  const seed = await seedArticle(seeded);
  const [entry] = await month(t, seeded, '2024-06', { host: 'cms.internal:8080' });
  t.strictSame(entry?.images, [`http://cms.internal:8080/v1/images/${seed.leadImage.id}/file`], 'the lead image’s URL on the request’s origin');
  t.equal(entry?.loc, seed.url, 'the article’s url on the site');
});

t.test('a month file: each public article of the month with its url, updatedAt and lead image, in order', async (t) => {
  const b = await build(t, { config: CONFIG, clock: testClock(NOW) });
  const a = await archive(b);
  const may = await month(t, b, '2024-05');
  t.strictSame(may, [await expected(b, a.may1.id), await expected(b, a.may2.id)], 'May: both articles, by first publication; the withdrawn draft absent');
  t.equal(may[0]!.loc, `https://www.example.com/national/north-korea/2024/05/${a.may1.slug}`, 'loc: the site’s URL of the article');
  t.match(may[0]!.images[0], /^https:\/\/api\.example\.com\/v1\/images\/[^/]+\/file$/, 'image:loc: the lead image’s absolute URL');
  t.strictSame(may[1]!.images, [], 'no lead image: no image:image');
  t.equal(may[1]!.loc, `https://www.example.com/national/north-korea/2024/05/${a.may2.slug}`, 'the month’s last millisecond is still May');

  const [first, second] = [a.april2, a.april3].sort((x, y) => (x.id < y.id ? -1 : 1));
  t.strictSame(await month(t, b, '2024-04'), [await expected(b, a.april1.id), await expected(b, first!.id), await expected(b, second!.id)], 'April: by first publication, then by id');
  t.match((await month(t, b, '2024-04'))[0]!.loc, /\/national\/politics\/2024\/04\//, 'each article’s own section path');

  const march = await month(t, b, '2024-03');
  t.strictSame(march, [await expected(b, a.due.id)], 'a scheduled article whose time came, under the month of its publication time');
  t.match(march[0]!.loc, /\/2024\/03\//, 'its url dated by that time');
  t.strictSame(await month(t, b, '2023-12'), [await expected(b, a.republished.id)], 'a republished article under the month it was first published');
  t.strictSame(await month(t, b, '2024-06'), [await expected(b, (await seedArticle(b)).id)], 'June: the seed only (one scheduled for later today is not due)');
  t.strictSame(await month(t, b, '2024-05', b.auth()), may, 'the same with a token');
  t.equal((await get(b, '/v1/sitemaps/articles/2024-05.xml?page=1')).body, (await get(b, '/v1/sitemaps/articles/2024-05.xml')).body, '?page=1 is the same file');
});

t.test('month files: 404 for a month or page without public articles, 400 for a malformed month or page', async (t) => {
  const b = await build(t, { config: CONFIG, clock: testClock(NOW) });
  await archive(b);
  for (const [label, why] of [
    ['2024-02', 'a month without articles'],
    ['2023-11', 'a month of a withdrawn draft only'],
    ['2023-10', 'a month of an archived article only'],
    ['2024-07', 'a month of a scheduled article not yet due'],
    ['1999-01', 'a month long before any article'],
  ] as const) {
    const res = await get(b, `/v1/sitemaps/articles/${label}.xml`);
    problem(t, res, 404, why);
    t.equal(res.headers.etag, undefined, `${why}: no ETag on a 404`);
    problem(t, await get(b, `/v1/sitemaps/articles/${label}.xml`, b.auth()), 404, `${why}, with a token`);
  }
  problem(t, await get(b, '/v1/sitemaps/articles/2024-05.xml?page=2'), 404, 'a page beyond the last');
  problem(t, await get(b, '/v1/sitemaps/articles/2024-05.xml?page=999999'), 404, 'a page far beyond the last');
  const bad = [
    ['/v1/sitemaps/articles/2024-13.xml', 'path', 'mm'],
    ['/v1/sitemaps/articles/2024-00.xml', 'path', 'mm'],
    ['/v1/sitemaps/articles/2024-5.xml', 'path', 'mm'],
    ['/v1/sitemaps/articles/24-05.xml', 'path', 'yyyy'],
    ['/v1/sitemaps/articles/abcd-05.xml', 'path', 'yyyy'],
    ['/v1/sitemaps/articles/2024-05.xml?page=0', 'query', 'page'],
    ['/v1/sitemaps/articles/2024-05.xml?page=-1', 'query', 'page'],
    ['/v1/sitemaps/articles/2024-05.xml?page=1.5', 'query', 'page'],
    ['/v1/sitemaps/articles/2024-05.xml?page=two', 'query', 'page'],
    ['/v1/sitemaps/articles/2024-05.xml?page=1000001', 'query', 'page'],
    ['/v1/sitemaps/articles/2024-05.xml?limit=5', 'query', 'limit'],
    ['/v1/sitemaps/index.xml?page=2', 'query', 'page'],
    ['/v1/sitemaps/news.xml?hours=72', 'query', 'hours'],
  ] as const;
  for (const [url, where, field] of bad) {
    const body = problem(t, await get(b, url), 400, url);
    t.ok((body.errors ?? []).some((e: any) => e.in === where && e.path === field), `${url}: names ${where} ${field}`);
  }
  problem(t, await get(b, '/v1/sitemaps/articles/2024-05.xml.xml'), 400, 'a doubled extension');
  t.equal((await get(b, '/v1/sitemaps/articles/2024-05.json')).statusCode, 404, 'no such route');
});

t.test('the news sitemap: first published at most 48 hours ago (exactly 48 hours is in), newest first, every field', async (t) => {
  const clock = testClock(NOW);
  const b = await build(t, { config: CONFIG, clock });
  const seed = await seedArticle(b);
  const edge = await addArticle(b, { publishedAt: NOW - WINDOW, headline: 'Exactly 48 hours old', language: 'ko' });
  await addArticle(b, { publishedAt: NOW - WINDOW - 1, headline: 'A millisecond too old' });
  const recent = await addArticle(b, { publishedAt: NOW - HOUR, headline: 'An hour old', language: 'zh-TW' });
  // Republished an hour ago, first published three days ago: out.
  await addArticle(b, { publishedAt: NOW - HOUR, firstPublishedAt: NOW - 72 * HOUR, headline: 'Republished' });
  // Hidden: a draft once published, an archived article and one scheduled for later.
  await addArticle(b, { status: 'draft', publishedAt: null, firstPublishedAt: NOW - 2 * HOUR, headline: 'Withdrawn' });
  await addArticle(b, { status: 'archived', publishedAt: NOW - 3 * HOUR, headline: 'Archived' });
  const later = await addArticle(b, { status: 'scheduled', publishedAt: NOW + 30 * 60_000, firstPublishedAt: null, headline: 'Scheduled for later' });

  let { res, items } = await news(t, b);
  const item = async (id: string, headline: string, language: string): Promise<NewsItem> => {
    const a = await dto(b, id);
    return { loc: a.url, name: CONFIG.CMS_PUBLISHER_NAME, language, date: a.firstPublishedAt, title: headline };
  };
  t.strictSame(
    items,
    [await item(seed.id, seed.headline, 'en'), await item(recent.id, 'An hour old', 'zh-tw'), await item(edge.id, 'Exactly 48 hours old', 'ko')],
    'the seed (now), an hour old and exactly 48 hours old, newest first; every field',
  );
  t.equal(items[2]!.date, iso(NOW - WINDOW), 'publication_date: firstPublishedAt');
  // The oldest entry leaves in 1 ms: a shared cache must not keep the document at all.
  t.equal(res.headers['cache-control'], 'public, max-age=0', 'max-age ends when the oldest entry leaves the window');
  t.notOk(res.headers['x-cache'], 'not from the response cache');
  t.notOk((await get(b, '/v1/sitemaps/news.xml')).headers['x-cache'], 'and not stored there either');
  t.strictSame((await news(t, b, b.auth())).items, items, 'the same with a token');
  t.equal((await get(b, '/v1/sitemaps/news.xml', b.auth())).headers['cache-control'], 'private, no-store', 'private with a token');

  clock.advance(1);
  ({ res, items } = await news(t, b));
  t.strictSame(items.map((i) => i.title), [seed.headline, 'An hour old'], 'one millisecond later, the 48-hour-old article is out');
  t.equal(res.headers['cache-control'], 'public, max-age=300', 'the next leaves in 47 hours: CMS_PUBLIC_MAX_AGE');

  clock.set(NOW + 31 * 60_000);
  ({ items } = await news(t, b));
  t.strictSame(items.map((i) => i.title), ['Scheduled for later', seed.headline, 'An hour old'], 'a scheduled article in once due, at its publication time');
  t.equal(items[0]!.date, iso(NOW + 30 * 60_000), 'dated by its publication time');
  t.equal(items[0]!.loc, (await dto(b, later.id)).url);

  clock.set(NOW + WINDOW - HOUR + 60_000);
  ({ res, items } = await news(t, b));
  t.strictSame(items.map((i) => i.title), ['Scheduled for later', seed.headline], 'the hour-old one out 48 hours after');
  t.equal(res.headers['cache-control'], 'public, max-age=300');
  clock.set(NOW + WINDOW + 30 * 60_000 - 100_000);
  ({ res, items } = await news(t, b));
  t.strictSame(items.map((i) => i.title), ['Scheduled for later'], 'then the seed');
  t.equal(res.headers['cache-control'], 'public, max-age=100', 'max-age: the seconds until the last one leaves');
  clock.set(NOW + WINDOW + 30 * 60_000 + 1);
  ({ res, items } = await news(t, b));
  t.strictSame(items, [], 'an empty news sitemap');
  t.equal(res.headers['cache-control'], 'public, max-age=300', 'nothing to leave: CMS_PUBLIC_MAX_AGE');
});

t.test('the news sitemap lists the 1,000 newest', async (t) => {
  const b = await build(t, { config: CONFIG, clock: testClock(NOW) });
  const section = (await seedIds(b.services)).sections.get('national/north-korea')!;
  await bulkInsert(
    b.db,
    Array.from({ length: 1002 }, (_, i) => {
      const at = NOW - (i + 1) * 60_000;
      return { slug: `bulk-news-${i}`, headline: `Minute ${i + 1}`, status: 'published' as const, sectionId: section, publishedAt: at, firstPublishedAt: at, updatedAt: at };
    }),
  );
  const { items } = await news(t, b);
  t.equal(items.length, 1000, '1,000 of the 1,003 in the window');
  t.equal(items[0]!.title, (await seedArticle(b)).headline, 'the newest first (the seed, now)');
  t.equal(items[999]!.title, 'Minute 999', 'the 1,000th newest last');
  t.equal(items[999]!.loc, 'https://www.example.com/national/north-korea/2024/06/bulk-news-998');
  t.ok(items.every((x, i) => i === 0 || x.date < items[i - 1]!.date), 'newest first all the way');
});

t.test('news:language: the ISO 639 code as Google spells it, zh-cn and zh-tw for Chinese', async (t) => {
  const cases: [string, string][] = [
    ['en', 'en'],
    ['en-GB', 'en'],
    ['ko', 'ko'],
    ['pt-BR', 'pt'],
    ['sr-Latn-RS', 'sr'],
    ['fil', 'fil'],
    ['zh', 'zh-cn'],
    ['zh-Hans', 'zh-cn'],
    ['zh-CN', 'zh-cn'],
    ['zh-SG', 'zh-cn'],
    ['zh-Hans-HK', 'zh-cn'],
    ['zh-Hant', 'zh-tw'],
    ['zh-TW', 'zh-tw'],
    ['zh-HK', 'zh-tw'],
    ['zh-MO', 'zh-tw'],
    ['zh-Hant-CN', 'zh-tw'],
  ];
  for (const [tag, google] of cases) t.equal(googleNewsLanguage(tag), google, `${tag} → ${google}`);
  t.equal(googleNewsLanguage('EN_us'), 'en', 'a malformed stored tag: its first part, lowercased');

  const b = await build(t, { config: CONFIG, clock: testClock(NOW), seed: false });
  const section = (await send(b, 'POST', '/v1/sections', { body: { name: 'World' } })).json().id;
  await bulkInsert(
    b.db,
    cases.map(([tag], i) => ({ slug: `lang-${i}`, headline: tag, status: 'published' as const, sectionId: section, language: tag, publishedAt: NOW - i * 1000, firstPublishedAt: NOW - i * 1000, updatedAt: NOW })),
  );
  const { items } = await news(t, b);
  t.strictSame(
    items.map((i) => [i.title, i.language]),
    cases,
    'each article’s news:language',
  );
});

t.test('hostile text and URLs written straight into the database never break a document', async (t) => {
  const b = await build(t, { config: CONFIG, clock: testClock(NOW) });
  const { articles } = b.db.tables;
  // (A lone surrogate cannot be stored: both drivers write U+FFFD for it. xmlText drops it.)
  t.equal(xmlText('a\ud800b\udc00c \ud83d\ude00'), 'abc \ud83d\ude00', 'xmlText: lone surrogates dropped, pairs kept');
  const headline = 'Evil <script>alert("x")</script> & co ]]> end]]>\u0001\u0007 bell\u007f\u0085\ufffe and \u000b\u001f more, 😀 kept';
  const clean = 'Evil <script>alert("x")</script> & co ]]> end]]> bell and  more, 😀 kept';
  t.equal(xmlText(headline), 'Evil &lt;script&gt;alert("x")&lt;/script&gt; &amp; co ]]&gt; end]]&gt; bell and  more, 😀 kept', 'xmlText escapes and drops');
  const evil = await addArticle(b, { publishedAt: NOW - HOUR });
  const slug = `x&y<z>]]>"'%20`;
  const canonical = await addArticle(b, { publishedAt: NOW - 2 * HOUR });
  const canonicalUrl = 'https://example.com/a b?c=1&d=<e>]]>"\'#f';
  const notUrl = await addArticle(b, { publishedAt: NOW - 3 * HOUR });
  const script = await addArticle(b, { publishedAt: NOW - 4 * HOUR });
  await b.db.transaction(async () => {
    await b.db.q.update(articles).set({ headline, slug }).where(eq(articles.id, evil.id));
    await b.db.q.update(articles).set({ canonicalUrl }).where(eq(articles.id, canonical.id));
    await b.db.q.update(articles).set({ canonicalUrl: 'not a url' }).where(eq(articles.id, notUrl.id));
    await b.db.q.update(articles).set({ canonicalUrl: 'javascript:alert(1)' }).where(eq(articles.id, script.id));
    b.db.changed(['*']);
  });

  const { res, items } = await news(t, b);
  t.notMatch(res.body, /<script|\]\]>|\u0001/, 'no raw <script, ]]> or control character in the document');
  const mine = items.find((i) => i.title === clean);
  t.ok(mine, 'the hostile headline comes back as written, the characters XML forbids dropped');
  t.equal(items[0]!.name, CONFIG.CMS_PUBLISHER_NAME, 'the publisher’s name with & and < comes back as written');
  const evilUrl = `https://www.example.com/national/north-korea/2024/06/${encodeURIComponent(slug)}`;
  t.equal(mine?.loc, evilUrl, 'a hostile slug: encoded in the loc');
  t.equal(new URL(evilUrl).href, evilUrl, 'a URL as it is');
  t.equal(items.find((i) => i.loc.startsWith('https://example.com/'))?.loc, new URL(canonicalUrl).href, 'a hostile canonical URL: percent-encoded, the & escaped in the XML');
  t.notOk(items.some((i) => i.loc === 'not a url' || i.loc.startsWith('javascript:')), 'stored URLs that are not http(s) URLs are left out');
  t.equal(items.length, 3, 'the seed, the hostile slug and the hostile canonical URL');

  const june = await month(t, b, '2024-06');
  t.strictSame(june.map((u) => u.loc).sort(), [evilUrl, new URL(canonicalUrl).href, `https://www.example.com/national/north-korea/2024/06/${SEED_SLUG}`].sort(), 'the month file: the same locs');
});

t.test('visibility: only public articles, with or without a token; a scheduled article once due', async (t) => {
  const clock = testClock(NOW);
  const b = await build(t, { config: CONFIG, clock });
  const a = await archive(b);
  const seed = await seedArticle(b);
  const hiddenIds = Object.values(a.hidden).map((h) => h.id);
  const hiddenUrls = new Set(await Promise.all(hiddenIds.map(async (id) => (await dto(b, id)).url)));
  for (const headers of [{}, b.auth('admin')]) {
    for (const label of ['2024-06', '2024-05', '2024-04', '2024-03', '2023-12']) {
      const urls = await month(t, b, label, headers);
      t.notOk(urls.some((u) => hiddenUrls.has(u.loc)), `${label}: no hidden article`);
    }
    const { items } = await news(t, b, headers);
    t.strictSame(items.map((i) => i.title), [seed.headline], 'news: the seed only');
  }
  const before = await index(t, b);
  t.equal((await get(b, '/v1/sitemaps/index.xml')).headers['x-cache'], 'hit', 'the index is held by the response cache');
  clock.set(NOW + 2 * HOUR);
  t.strictSame((await month(t, b, '2024-06')).map((u) => u.loc), [seed.url, (await dto(b, a.hidden.later.id)).url], 'June: the scheduled article once due, after the seed');
  t.strictSame((await news(t, b)).items.map((i) => i.title), [a.hidden.later.headline, seed.headline], 'news: it too');
  const after = await index(t, b);
  t.strictSame(after.map((i) => i.loc), before.map((i) => i.loc), 'the index: the same months');
  t.not(after[0]!.lastmod, undefined);
  clock.set(Date.UTC(2024, 6, 2));
  t.equal((await index(t, b))[0]!.loc, loc('2024-07'), 'July listed once its article is due: the cached index was not served past it');
});

t.test('ETag and 304: month files from a fingerprint read before the rows; the index and news sitemap cached', async (t) => {
  const clock = testClock(NOW);
  const b = await build(t, { config: CONFIG, clock });
  const a = await archive(b);
  const northKorea = (await seedIds(b.services)).sections.get('national/north-korea');
  const url = '/v1/sitemaps/articles/2024-05.xml';
  const first = await get(b, url);
  const etag = first.headers.etag as string;
  t.match(etag, /^"[\w-]+"$/, 'a strong ETag');
  t.equal(first.headers['cache-control'], 'public, max-age=300', 'public, CMS_PUBLIC_MAX_AGE');
  t.equal((await get(b, url, b.auth())).headers['cache-control'], 'private, no-store', 'private with a token');
  t.equal((await get(b, url)).headers.etag, etag, 'the same ETag while nothing changes');
  const notModified = await get(b, url, { 'if-none-match': etag });
  t.equal(notModified.statusCode, 304, 'If-None-Match: 304');
  t.equal(notModified.body, '', 'no body');
  t.equal(notModified.headers.etag, etag, 'with its ETag');
  t.equal((await get(b, url, { 'if-none-match': `"other", ${etag}` })).statusCode, 304, 'one of several');
  t.equal((await get(b, url, { 'if-none-match': '"other"' })).statusCode, 200, 'another ETag: 200');
  const head = await b.app.inject({ method: 'HEAD', url });
  t.equal(head.statusCode, 200, 'HEAD: 200');
  t.equal(head.headers.etag, etag, 'HEAD: the ETag');
  t.equal(head.body, '', 'HEAD: no body');

  const changes: [string, () => Promise<unknown>][] = [
    ['an edit of an article in the file', () => send(b, 'PATCH', `/v1/articles/${a.may1.id}`, { body: { slug: 'renamed-may-article' } })],
    ['a scheduled article coming due', async () => clock.set(NOW + 2 * HOUR + 1000)],
    ['a section renamed', async () => send(b, 'PATCH', `/v1/sections/${(await seedIds(b.services)).sections.get('national')}`, { body: { slug: 'nation' } })],
    ['an article of the month deleted', () => send(b, 'DELETE', `/v1/articles/${a.may2.id}`, { role: 'admin' })],
  ];
  let previous = etag;
  let body = first.body;
  for (const [what, change] of changes) {
    clock.advance(1000);
    const res = await change();
    if (res && typeof res === 'object' && 'statusCode' in res) t.ok((res as Res).statusCode < 300, `${what}: done`);
    const now = await get(b, url, { 'if-none-match': previous });
    t.equal(now.statusCode, 200, `${what}: the old ETag no longer matches`);
    t.not(now.headers.etag, previous, `${what}: a new ETag`);
    previous = now.headers.etag as string;
    if (what !== 'a scheduled article coming due') t.not(now.body, body, `${what}: a new document`);
    body = now.body;
  }
  t.match(body, /https:\/\/www\.example\.com\/nation\/north-korea\/2024\/05\/renamed-may-article/, 'the renamed slug and section in the loc');
  t.notMatch(body, new RegExp(a.may2.slug), 'the deleted article gone');

  for (const path of ['/v1/sitemaps/index.xml', '/v1/sitemaps/news.xml']) {
    const res = await get(b, path);
    t.match(res.headers.etag, /^"/, `${path}: an ETag`);
    const again = await get(b, path, { 'if-none-match': res.headers.etag as string });
    t.equal(again.statusCode, 304, `${path}: 304`);
  }
  // The index is evicted by a publication.
  const before = await get(b, '/v1/sitemaps/index.xml');
  t.equal(before.headers['x-cache'], 'hit', 'the index from the response cache');
  const created = await send(b, 'POST', '/v1/articles', { body: { headline: 'Fresh', sectionId: northKorea, body: [] } });
  t.equal((await send(b, 'POST', `/v1/articles/${created.json().id}/publish`, { body: { publishAt: '2021-02-03T04:05:06Z' } })).statusCode, 200, 'an article published with a past date');
  const items = await index(t, b);
  t.equal(items.at(-1)!.loc, loc('2021-02'), 'the index shows its month at once');
});
