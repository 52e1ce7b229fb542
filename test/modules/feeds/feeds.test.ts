// Feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1): each parsed (fast-xml-parser, JSON.parse) and
// checked field by field against the articles as GET /v1/articles/{id} shows them: channel
// (title, site link, self link with its query, last update = newest updatedAt, logo), items
// newest first by publishedAt, every item field (id, link, title, summary, content as HTML,
// bylines in order, categories, dates, the lead image with its attributes); the filters
// (section with subsections, author, tag, language, limit) and their 400/422s; the title
// with several filters; an empty feed; the self link from the request without CMS_PUBLIC_URL.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t, { type Test } from 'tap';
import { bodyHtml, escapeHtml } from '../../../src/modules/articles/body-html.ts';
import { addArticle, build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { paths, problem, send, type Res } from '../../requests.ts';

const HOUR = 3_600_000;
const CONFIG = {
  CMS_PUBLIC_URL: 'https://api.example.com',
  CMS_SITE_URL: 'https://news.example.com',
  CMS_PUBLISHER_NAME: 'The Daily Example',
  CMS_PUBLISHER_LOGO_URL: 'https://news.example.com/logo.png',
};
const TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
} as const;
type Format = keyof typeof TYPES;
const FORMATS = Object.keys(TYPES) as Format[];

const ARRAYS = new Set(['item', 'entry', 'category', 'dc:creator', 'author', 'link', 'atom:link']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Atom's `link` repeats; RSS's does not.
  isArray: (name, jpath) => ARRAYS.has(name) && !(name === 'link' && String(jpath).startsWith('rss.')),
});

/** An element's text, whether it has attributes or not. */
const text = (node: any): string | undefined => (node === undefined ? undefined : typeof node === 'string' ? node : (node['#text'] ?? ''));

async function feed(t: Test, b: Built, format: Format, query = '', headers: Record<string, string> = {}): Promise<{ res: Res; doc: any }> {
  const url = `/v1/feeds/${format}${query}`;
  const res = await b.app.inject({ method: 'GET', url, headers });
  t.equal(res.statusCode, 200, `GET ${url} is 200`);
  if (res.statusCode !== 200) {
    t.comment(res.body);
    return { res, doc: null };
  }
  t.equal(res.headers['content-type'], TYPES[format], `${format}: its media type`);
  if (format === 'json') return { res, doc: JSON.parse(res.body) };
  t.equal(XMLValidator.validate(res.body), true, `${format}: well-formed XML`);
  return { res, doc: parser.parse(res.body) };
}

/** Titles of a feed's items, in order, whatever the format. */
function titles(format: Format, doc: any): string[] {
  if (format === 'rss') return (doc.rss.channel.item ?? []).map((i: any) => text(i.title));
  if (format === 'atom') return (doc.feed.entry ?? []).map((e: any) => text(e.title));
  return doc.items.map((i: any) => i.title);
}

/** The channel title, whatever the format. */
function channelTitle(format: Format, doc: any): string {
  return format === 'rss' ? text(doc.rss.channel.title)! : format === 'atom' ? text(doc.feed.title)! : doc.title;
}

async function article(b: Built, id: string): Promise<any> {
  const res = await send(b, 'GET', `/v1/articles/${id}`, { role: null });
  if (res.statusCode !== 200) throw new Error(`GET article ${id}: ${res.statusCode}`);
  return res.json();
}

/** Seed + two articles: B newest by publishedAt, A updated last, A with a lead image of its own caption and credit. */
async function fixture(b: Built) {
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json();
  b.clock.advance(10 * HOUR);
  const T0 = b.clock.now();
  const a = await addArticle(b, {
    headline: 'Markets rally as tariffs ease',
    summary: 'Stocks rose on Monday.',
    sectionPath: 'business/economy',
    authorSlugs: ['park-hyun-joo', 'lim-jeong-won'],
    tagNames: ['Markets', 'Trade Policy'],
    leadImage: { imageId: seed.leadImage.id, caption: 'Traders on the floor', credit: 'Photo Desk' },
    body: [
      { type: 'paragraph', text: 'First paragraph of A.' },
      { type: 'image', imageId: seed.leadImage.id, caption: null, credit: null },
      { type: 'paragraph', text: 'Second paragraph of A.' },
    ],
    publishedAt: T0 - HOUR,
    firstPublishedAt: T0 - HOUR,
    updatedAt: T0,
  });
  const bArticle = await addArticle(b, {
    headline: '서울 시장 소식',
    sectionPath: 'national/defense',
    authorSlugs: ['lim-jeong-won'],
    language: 'ko',
    publishedAt: T0 - HOUR / 2,
    firstPublishedAt: T0 - HOUR / 2,
    updatedAt: T0 - HOUR / 2,
  });
  return { T0, seed: await article(b, seed.id), a: await article(b, a.id), b: await article(b, bArticle.id) };
}

const categoriesOf = (x: any): string[] => [...new Set([x.section.name, ...x.tags.map((tag: any) => tag.name)])];

t.test('RSS 2.0: channel and every item field', async (t) => {
  const b = await build(t, { config: CONFIG });
  const f = await fixture(b);
  const { doc } = await feed(t, b, 'rss', '?limit=10');
  const rss = doc.rss;
  t.equal(rss['@_version'], '2.0');
  t.equal(rss['@_xmlns:dc'], 'http://purl.org/dc/elements/1.1/');
  t.equal(rss['@_xmlns:content'], 'http://purl.org/rss/1.0/modules/content/');
  t.equal(rss['@_xmlns:atom'], 'http://www.w3.org/2005/Atom');
  t.equal(rss['@_xmlns:media'], 'http://search.yahoo.com/mrss/');
  const ch = rss.channel;
  t.equal(text(ch.title), 'The Daily Example', 'title: the publisher');
  t.equal(text(ch.link), 'https://news.example.com/', 'link: CMS_SITE_URL');
  t.strictSame(
    ch['atom:link'].map((l: any) => ({ rel: l['@_rel'], href: l['@_href'], type: l['@_type'] })),
    [{ rel: 'self', href: 'https://api.example.com/v1/feeds/rss?limit=10', type: 'application/rss+xml' }],
    'self link: CMS_PUBLIC_URL + the path and query',
  );
  t.equal(text(ch.lastBuildDate), new Date(f.a.updatedAt).toUTCString(), 'lastBuildDate: the newest updatedAt (A, not the first item)');
  t.equal(text(ch.image.url), CONFIG.CMS_PUBLISHER_LOGO_URL, 'image: the publisher logo');
  t.equal(ch.language, undefined, 'no language without the filter');

  const items = ch.item;
  t.strictSame(items.map((i: any) => text(i.title)), [f.b.headline, f.a.headline, f.seed.headline], 'newest first by publishedAt');
  for (const [i, x] of [f.b, f.a, f.seed].entries()) {
    const item = items[i];
    const what = `item ${i} (${x.slug})`;
    t.equal(text(item.link), x.url, `${what}: link = url`);
    t.equal(text(item.guid), `urn:uuid:${x.id}`, `${what}: guid`);
    t.equal(item.guid['@_isPermaLink'], 'false', `${what}: guid is not a permalink`);
    t.equal(text(item.pubDate), new Date(x.publishedAt).toUTCString(), `${what}: pubDate = publishedAt`);
    t.equal(text(item['atom:updated']), x.updatedAt, `${what}: atom:updated = updatedAt`);
    t.equal(text(item.description), x.summary === null ? undefined : escapeHtml(x.summary), `${what}: description = the summary as HTML`);
    t.equal(text(item['content:encoded']), bodyHtml(x.body), `${what}: content:encoded = the body as HTML`);
    t.strictSame((item['dc:creator'] ?? []).map(text), x.authors.map((a: any) => a.name), `${what}: a dc:creator per byline, in order`);
    t.equal(item.author, undefined, `${what}: no RSS author (it wants an e-mail address)`);
    t.strictSame(item.category.map(text), categoriesOf(x), `${what}: categories = section and tags`);
    const media = item['media:content'];
    if (x.leadImage === null) {
      t.equal(media, undefined, `${what}: no image, no media:content`);
      continue;
    }
    t.match(x.leadImage.url, /^https:\/\/api\.example\.com\/v1\/images\/[^/]+\/file$/, `${what}: the image url is absolute`);
    t.strictSame(
      {
        url: media['@_url'],
        medium: media['@_medium'],
        width: media['@_width'],
        height: media['@_height'],
        type: media['@_type'],
        description: text(media['media:description']),
        credit: text(media['media:credit']),
      },
      {
        url: x.leadImage.url,
        medium: 'image',
        width: String(x.leadImage.width),
        height: String(x.leadImage.height),
        type: x.leadImage.mimeType,
        description: x.leadImage.caption,
        credit: x.leadImage.credit,
      },
      `${what}: media:content`,
    );
  }
  t.equal(items[1]['media:content']['media:description'], 'Traders on the floor', 'A: the article’s own caption');
  t.equal(items[1]['media:content']['media:credit'], 'Photo Desk', 'A: the article’s own credit');
  t.strictSame(items[1].category.map(text), ['Economy', 'Markets', 'Trade Policy']);
  t.strictSame(items[1]['dc:creator'].map(text), ['Park Hyun-joo', 'Lim Jeong-won'], 'A: byline order kept');
  const content = text(items[1]['content:encoded'])!;
  t.match(content, /^<p>First paragraph of A\.<\/p>\n<figure><img src="https:\/\/api\.example\.com\/v1\/images\/[^"]+\/file"/, 'content: HTML with absolute image URLs');
  t.equal(items[0]['content:encoded'] !== undefined, true, 'B has content');
});

t.test('Atom 1.0: feed and every entry field', async (t) => {
  const b = await build(t, { config: CONFIG });
  const f = await fixture(b);
  const { doc } = await feed(t, b, 'atom', '?limit=10&section=national');
  const atom = doc.feed;
  t.equal(atom['@_xmlns'], 'http://www.w3.org/2005/Atom');
  t.equal(atom['@_xmlns:media'], 'http://search.yahoo.com/mrss/');
  t.equal(text(atom.title), 'The Daily Example — National', 'title: publisher — section');
  t.equal(text(atom.id), 'https://api.example.com/v1/feeds/atom?limit=10&section=national');
  t.strictSame(
    atom.link.map((l: any) => [l['@_rel'], l['@_href']]),
    [
      ['alternate', 'https://news.example.com/'],
      ['self', 'https://api.example.com/v1/feeds/atom?limit=10&section=national'],
    ],
  );
  t.equal(text(atom.updated), f.seed.updatedAt > f.b.updatedAt ? f.seed.updatedAt : f.b.updatedAt, 'updated: newest updatedAt of the items shown');
  t.strictSame(atom.author.map((a: any) => text(a.name)), ['The Daily Example'], 'the publisher is the feed’s author');
  t.equal(text(atom.logo), CONFIG.CMS_PUBLISHER_LOGO_URL);

  const entries = atom.entry;
  t.strictSame(entries.map((e: any) => text(e.title)), [f.b.headline, f.seed.headline], 'national and its subsections, newest first');
  for (const [i, x] of [f.b, f.seed].entries()) {
    const e = entries[i];
    const what = `entry ${i} (${x.slug})`;
    t.equal(e.title['@_type'], 'text', `${what}: the headline is plain text`);
    t.equal(text(e.id), `urn:uuid:${x.id}`, `${what}: id`);
    t.strictSame(e.link.map((l: any) => l['@_href']), [x.url], `${what}: link = url`);
    t.equal(text(e.published), x.publishedAt, `${what}: published`);
    t.equal(text(e.updated), x.updatedAt, `${what}: updated`);
    t.equal(text(e.summary), x.summary ?? undefined, `${what}: summary, plain text`);
    if (x.summary !== null) t.equal(e.summary['@_type'], 'text');
    t.equal(e.content['@_type'], 'html', `${what}: content is HTML`);
    t.equal(text(e.content), bodyHtml(x.body), `${what}: content = the body as HTML`);
    t.strictSame(e.author.map((a: any) => text(a.name)), x.authors.map((a: any) => a.name), `${what}: an author per byline, in order`);
    t.strictSame(e.category.map((c: any) => c['@_term']), categoriesOf(x), `${what}: categories`);
    const media = e['media:content'];
    if (x.leadImage === null) t.equal(media, undefined, `${what}: no media:content`);
    else {
      t.equal(media['@_url'], x.leadImage.url, `${what}: media url`);
      t.equal(media['@_medium'], 'image');
      t.equal(media['@_width'], String(x.leadImage.width));
      t.equal(media['@_height'], String(x.leadImage.height));
      t.equal(text(media['media:description']), x.leadImage.caption);
      t.equal(text(media['media:credit']), x.leadImage.credit);
    }
  }
  t.strictSame(entries[1].author.map((a: any) => text(a.name)), ['Lim Jeong-won', 'Park Hyun-joo'], 'seed byline order');
});

t.test('JSON Feed 1.1: feed and every item field', async (t) => {
  const b = await build(t, { config: CONFIG });
  const f = await fixture(b);
  const { doc } = await feed(t, b, 'json', '?limit=2');
  t.strictSame(Object.keys(doc), ['version', 'title', 'home_page_url', 'feed_url', 'icon', 'authors', 'items']);
  t.equal(doc.version, 'https://jsonfeed.org/version/1.1');
  t.equal(doc.title, 'The Daily Example');
  t.equal(doc.home_page_url, 'https://news.example.com');
  t.equal(doc.feed_url, 'https://api.example.com/v1/feeds/json?limit=2');
  t.equal(doc.icon, CONFIG.CMS_PUBLISHER_LOGO_URL);
  t.strictSame(doc.authors, [{ name: 'The Daily Example' }]);
  t.equal(doc.items.length, 2, 'limit=2');
  for (const [i, x] of [f.b, f.a].entries()) {
    t.strictSame(
      doc.items[i],
      {
        id: `urn:uuid:${x.id}`,
        url: x.url,
        title: x.headline,
        ...(x.leadImage ? { image: x.leadImage.url } : {}),
        date_modified: x.updatedAt,
        date_published: x.publishedAt,
        tags: categoriesOf(x),
        content_html: bodyHtml(x.body),
        ...(x.summary !== null ? { summary: x.summary } : {}),
        authors: x.authors.map((a: any) => ({ name: a.name })),
        language: x.language,
      },
      `item ${i} (${x.slug})`,
    );
  }
  t.equal(doc.items[1].image, f.a.leadImage.url, 'A: image = the lead image’s absolute url');
  t.equal(doc.items[0].language, 'ko');
  t.equal(doc.items[1].date_modified > doc.items[1].date_published, true, 'A was updated after publication');
});

t.test('filters: section with subsections, author, tag, language, several at once, limit', async (t) => {
  const b = await build(t, { config: CONFIG });
  const f = await fixture(b);
  const ids = await seedIds(b.services);
  const cases: [string, string[], string][] = [
    ['?section=national', [f.b.headline, f.seed.headline], 'The Daily Example — National'],
    [`?section=${ids.sections.get('business')}`, [f.a.headline], 'The Daily Example — Business'],
    ['?section=business/economy', [f.a.headline], 'The Daily Example — Economy'],
    ['?section=culture', [], 'The Daily Example — Culture'],
    ['?author=park-hyun-joo', [f.a.headline, f.seed.headline], 'The Daily Example — Park Hyun-joo'],
    [`?author=${ids.author('lim-jeong-won')}`, [f.b.headline, f.a.headline, f.seed.headline], 'The Daily Example — Lim Jeong-won'],
    ['?tag=markets', [f.a.headline], 'The Daily Example — Markets'],
    ['?language=ko', [f.b.headline], 'The Daily Example'],
    ['?language=en&author=lim-jeong-won', [f.a.headline, f.seed.headline], 'The Daily Example — Lim Jeong-won'],
    ['?tag=markets&author=park-hyun-joo&section=business', [f.a.headline], 'The Daily Example — Business, Park Hyun-joo, Markets'],
    ['?tag=markets&section=national', [], 'The Daily Example — National, Markets'],
    ['?limit=1', [f.b.headline], 'The Daily Example'],
    ['?limit=100', [f.b.headline, f.a.headline, f.seed.headline], 'The Daily Example'],
  ];
  for (const format of FORMATS) {
    for (const [query, expected, title] of cases) {
      const { doc } = await feed(t, b, format, query);
      t.strictSame(titles(format, doc), expected, `${format}${query}: items`);
      t.equal(channelTitle(format, doc), title, `${format}${query}: title`);
    }
  }
  const rss = (await feed(t, b, 'rss', '?language=ko')).doc.rss.channel;
  t.equal(text(rss.language), 'ko', 'RSS: the language filter is the channel language');
  t.equal((await feed(t, b, 'json', '?language=ko')).doc.language, 'ko', 'JSON Feed: language');

  const defaults = await Promise.all(Array.from({ length: 55 }, (_, i) => addArticle(b, { headline: `Bulk ${i}`, publishedAt: f.T0 - 2 * HOUR - i * 1000 })));
  t.equal(defaults.length, 55);
  t.equal(titles('json', (await feed(t, b, 'json')).doc).length, 50, 'limit defaults to 50');
});

t.test('bad queries: 400 for malformed or unknown parameters, 422 for an unknown section, author or tag', async (t) => {
  const b = await build(t, { config: CONFIG });
  for (const format of FORMATS) {
    const url = `/v1/feeds/${format}`;
    for (const [query, path] of [
      ['?limit=0', 'query:limit'],
      ['?limit=101', 'query:limit'],
      ['?limit=ten', 'query:limit'],
      ['?language=not%20a%20tag', 'query:language'],
      ['?section=', 'query:section'],
      ['?cursor=abc', 'query:cursor'],
      ['?status=draft', 'query:status'],
      ['?q=korea', 'query:q'],
    ] as const) {
      const p = problem(t, await send(b, 'GET', url + query, { role: null }), 400, `${format}${query}`);
      t.strictSame(paths(p), [path], `${format}${query}: names ${path}`);
    }
    for (const [query, path] of [
      ['?section=no-such-section', 'query:section'],
      ['?author=nobody', 'query:author'],
      ['?tag=no-such-tag', 'query:tag'],
    ] as const) {
      const p = problem(t, await send(b, 'GET', url + query, { role: null }), 422, `${format}${query}`);
      t.strictSame(paths(p), [path], `${format}${query}: names ${path}`);
      problem(t, await send(b, 'GET', url + query), 422, `${format}${query} with a token`);
    }
  }
});

t.test('an empty feed: no items, last update at the Unix epoch', async (t) => {
  const b = await build(t, { config: CONFIG });
  const rss = (await feed(t, b, 'rss', '?section=culture')).doc.rss.channel;
  t.equal(rss.item, undefined);
  t.equal(text(rss.lastBuildDate), 'Thu, 01 Jan 1970 00:00:00 GMT');
  const atom = (await feed(t, b, 'atom', '?section=culture')).doc.feed;
  t.equal(atom.entry, undefined);
  t.equal(text(atom.updated), '1970-01-01T00:00:00.000Z');
  t.strictSame((await feed(t, b, 'json', '?section=culture')).doc.items, []);
});

t.test('without CMS_PUBLIC_URL the self link and image URLs use the request’s origin', async (t) => {
  const b = await build(t);
  const headers = { host: 'feeds.test:8080' };
  const atom = (await feed(t, b, 'atom', '?author=lim-jeong-won&limit=5', headers)).doc.feed;
  t.equal(atom.link.find((l: any) => l['@_rel'] === 'self')['@_href'], 'http://feeds.test:8080/v1/feeds/atom?author=lim-jeong-won&limit=5');
  t.match(atom.entry[0]['media:content']['@_url'], /^http:\/\/feeds\.test:8080\/v1\/images\/[^/]+\/file$/);
  t.equal(text(atom.title), 'Newsroom — Lim Jeong-won', 'CMS_PUBLISHER_NAME defaults to Newsroom');
  const rss = (await feed(t, b, 'rss', '?limit=5', headers)).doc.rss.channel;
  t.equal(rss['atom:link'][0]['@_href'], 'http://feeds.test:8080/v1/feeds/rss?limit=5');
  t.equal(rss.image, undefined, 'no logo configured, no image');
  t.equal((await feed(t, b, 'json', '', headers)).doc.feed_url, 'http://feeds.test:8080/v1/feeds/json');
});

t.test('an empty body and a lead image without caption or credit', async (t) => {
  const b = await build(t, { config: CONFIG });
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json();
  t.equal((await send(b, 'PATCH', `/v1/images/${seed.leadImage.id}`, { body: { caption: null, credit: null } })).statusCode, 200);
  b.clock.advance(1000);
  await addArticle(b, { headline: 'No body', body: [], leadImage: { imageId: seed.leadImage.id, caption: null, credit: null } });
  const rss = (await feed(t, b, 'rss', '?limit=1')).doc.rss.channel.item[0];
  t.equal(text(rss.title), 'No body');
  t.equal(rss['content:encoded'], undefined, 'rss: no content:encoded');
  t.equal(rss['media:content']['@_medium'], 'image');
  t.equal(rss['media:content']['media:description'], undefined, 'rss: no media:description');
  t.equal(rss['media:content']['media:credit'], undefined, 'rss: no media:credit');
  const atom = (await feed(t, b, 'atom', '?limit=1')).doc.feed.entry[0];
  t.equal(text(atom.content), '', 'atom: an empty content');
  t.equal(atom['media:content']['media:description'], undefined, 'atom: no media:description');
  const json = (await feed(t, b, 'json', '?limit=1')).doc.items[0];
  t.equal(json.content_html, '', 'json: an empty content_html');
  t.equal(json.summary, undefined, 'json: no summary');
});
