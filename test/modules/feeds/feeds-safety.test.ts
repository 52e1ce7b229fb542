// Feeds that cannot be broken or go stale: the extension layer over the `feed` package
// (src/modules/feeds/extend.ts) on its own; a hostile headline, summary, tag, caption and
// credit (`<script>`, `&`, a literal `&amp;`, `]]>` twice, control characters: put straight
// into the database, since the API refuses control characters) that every format carries
// back as the same text with the control characters dropped; drafts, scheduled-not-due and
// archived articles absent with and without a token (a scheduled one appears when due);
// ETag/304 and Cache-Control; the response cache refreshed by an edit, a publication, an
// unpublication, an image caption and a byline rename, and left alone by changes elsewhere;
// without CMS_PUBLIC_URL, a bad Host is 400 and no feed is cached (its URLs hold the Host).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Feed } from 'feed';
import t, { type Test } from 'tap';
import { escapeHtml } from '../../../src/modules/articles/body-html.ts';
import { escapeXml, extendXml, jsonFeed11, TextSlots, xmlText } from '../../../src/modules/feeds/extend.ts';
import type { FeedChannel } from '../../../src/modules/feeds/model.ts';
import { addArticle, build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { problem, send, type Res } from '../../requests.ts';

const HOUR = 3_600_000;
/** Feeds are kept in the response cache only when CMS_PUBLIC_URL is set (see the last test). */
const CACHED = { config: { CMS_PUBLIC_URL: 'https://api.example.com' } };
type Format = 'rss' | 'atom' | 'json';
const FORMATS: Format[] = ['rss', 'atom', 'json'];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name, jpath) => ['item', 'entry', 'category', 'dc:creator', 'author', 'atom:link'].includes(name) || (name === 'link' && String(jpath).startsWith('feed')),
});
const text = (node: any): string | undefined => (node === undefined ? undefined : typeof node === 'string' ? node : (node['#text'] ?? ''));
/** Characters XML 1.0 forbids (or discourages: C1 controls), as they might appear in a response. */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/;

/**
 * What keeps a document from being well-formed XML 1.0, as a list (empty: well-formed).
 * fast-xml-parser's validator checks the tag structure but lets `<` in an attribute value,
 * `]]>` in text, a bare `&` and forbidden characters through; those are checked here.
 */
function notWellFormed(xml: string): string[] {
  const problems: string[] = [];
  const valid = XMLValidator.validate(xml);
  if (valid !== true) problems.push(`structure: ${JSON.stringify(valid.err)}`);
  if (FORBIDDEN.test(xml) || /[\ud800-\udfff]/.test(xml)) problems.push('a character XML 1.0 forbids');
  const outsideCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  if (outsideCdata.includes(']]>')) problems.push(']]> outside a CDATA section');
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(outsideCdata)) problems.push('a bare &');
  for (const tag of outsideCdata.match(/<(?![!?])[^>]*>/g) ?? []) if (/"[^"]*<[^"]*"/.test(tag)) problems.push(`< in an attribute value: ${tag}`);
  return problems;
}

async function get(b: Built, url: string, headers: Record<string, string> = {}): Promise<Res> {
  return b.app.inject({ method: 'GET', url, headers });
}

/** The titles of a feed's items, parsed. */
function titlesOf(format: Format, body: string): string[] {
  if (format === 'json') return JSON.parse(body).items.map((i: any) => i.title);
  const doc = parser.parse(body);
  return format === 'rss' ? (doc.rss.channel.item ?? []).map((i: any) => text(i.title)) : (doc.feed.entry ?? []).map((e: any) => text(e.title));
}

async function titles(t: Test, b: Built, format: Format, query = '', headers: Record<string, string> = {}): Promise<string[]> {
  const res = await get(b, `/v1/feeds/${format}${query}`, headers);
  t.equal(res.statusCode, 200, `${format}${query} is 200`);
  return titlesOf(format, res.body);
}

t.test('extend.ts: XML 1.0 text, escaping, tokens, extension and JSON Feed 1.1', async (t) => {
  t.equal(xmlText('a\u0000b\u0007c\u000bd\u001be\u007ff\u0085g\ufffeh\uffffi'), 'abcdefghi', 'C0/C1 controls, DEL, U+FFFE/U+FFFF dropped');
  t.equal(xmlText('tab\tnl\ncr\r'), 'tab\tnl\ncr\r', 'tab, LF and CR kept');
  t.equal(xmlText('한국어 😀 é'), '한국어 😀 é', 'other characters, astral ones included, kept');
  t.equal(xmlText('lone \ud800 high, lone \udc00 low'), 'lone  high, lone  low', 'lone surrogates dropped');
  t.equal(escapeXml('<a href="x">&amp; \u0001</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;amp; &lt;/a&gt;');

  // Why extend.ts exists: feed 6.0.0 alone writes ill-formed XML for these texts.
  const bare = new Feed({ title: 'T', id: 'urn:x', link: 'https://example.com/', updated: new Date(0), generator: false });
  bare.addItem({ title: 'a]]>b]]>c', link: 'https://example.com/a', date: new Date(0), category: [{ term: 'x<y' }] });
  t.strictSame(notWellFormed(bare.rss2()), [']]> outside a CDATA section'], 'feed alone: a second ]]> in a title breaks RSS');
  t.strictSame(notWellFormed(bare.atom1()), [']]> outside a CDATA section', '< in an attribute value: <category term="x<y"/>'], 'feed alone: so do ]]> and < in a category term in Atom');

  const slots = new TextSlots();
  const hostile = 'a]]>b]]>c <x> & &amp; "q" \u0007';
  const fixed = new Feed({ title: slots.put(hostile), id: slots.put('urn:x'), link: 'https://example.com/', updated: new Date(0), generator: false });
  fixed.addItem({ title: slots.put(hostile), link: 'https://example.com/a', date: new Date(0), category: [{ term: slots.put(hostile) }] });
  for (const xml of [slots.fill(fixed.rss2()), slots.fill(fixed.atom1())]) {
    t.strictSame(notWellFormed(xml), [], 'with tokens: well-formed');
    t.notMatch(xml, /CDATA|x[0-9a-f]{16}t\d+x/, 'no CDATA and no token left');
  }
  const atom = parser.parse(slots.fill(fixed.atom1())).feed;
  t.equal(text(atom.title), 'a]]>b]]>c <x> & &amp; "q" ', 'the feed title reads back');
  t.equal(text(atom.entry[0].title), 'a]]>b]]>c <x> & &amp; "q" ', 'the entry title reads back');
  t.equal(atom.entry[0].category[0]['@_term'], 'a]]>b]]>c <x> & &amp; "q" ', 'the attribute reads back');
  t.match(new TextSlots().put('x'), /^x[0-9a-f]{16}t0x$/, 'tokens: letters and digits only');

  const doc = '<?xml version="1.0"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><item><title type="html">a</title></item><item></item></channel></rss>';
  const out = extendXml(doc, { root: 'rss', namespaces: ['atom', 'media'], entry: 'item', extras: ['<x:one/>', ''], plainText: ['title'] });
  t.equal(
    out,
    '<?xml version="1.0"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><title type="text">a</title><x:one/></item><item></item></channel></rss>',
    'namespaces declared once, extras appended to each entry in turn, plain text typed',
  );
  t.throws(() => extendXml(doc, { root: 'rss', namespaces: [], entry: 'item', extras: [''] }), /2 <item> elements for 1/, 'extras must match the entries');

  const channel = { title: 'T', publisher: 'P', site: 's', self: 'f', language: null, logo: null, updated: new Date(0), items: [] } satisfies FeedChannel;
  t.throws(() => jsonFeed11('{"title":"T","items":[{}]}', channel), /items differ/);
  t.strictSame(JSON.parse(jsonFeed11('{"title":"T","home_page_url":"s","feed_url":"f","items":[]}', channel)), {
    version: 'https://jsonfeed.org/version/1.1',
    title: 'T',
    home_page_url: 's',
    feed_url: 'f',
    authors: [{ name: 'P' }],
    items: [],
  });
});

t.test('a hostile headline, summary, tag, caption and credit read back as the same text in every format', async (t) => {
  const b = await build(t, { config: { CMS_PUBLIC_URL: 'https://api.example.com' } });
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json();
  // (No NUL: PostgreSQL text cannot hold one, so no article can.)
  const dirty = (s: string) => `${s} <script>alert("x")</script> & AT&amp;T ]]> twice ]]> \u0007bell \u001b[31m \u0001soh \u007fdel`;
  const clean = (s: string) => xmlText(dirty(s));
  b.clock.advance(1000);
  // The service writes what it is given: the API would refuse these control characters.
  const a = await addArticle(b, {
    headline: dirty('Headline'),
    summary: dirty('Summary'),
    tagNames: [dirty('Tag')],
    leadImage: { imageId: seed.leadImage.id, caption: dirty('Caption'), credit: dirty('Credit') },
    body: [{ type: 'paragraph', text: dirty('Body') }],
  });
  const view = (await send(b, 'GET', `/v1/articles/${a.id}`, { role: null })).json();
  t.equal(view.headline, dirty('Headline'), 'stored as given');
  const tagSlug = view.tags[0].slug as string;

  for (const format of FORMATS) {
    const res = await get(b, `/v1/feeds/${format}?tag=${tagSlug}`);
    t.equal(res.statusCode, 200, `${format}: 200`);
    t.notMatch(res.body, FORBIDDEN, `${format}: no control character in the bytes`);
    if (format === 'json') {
      const doc = JSON.parse(res.body);
      t.equal(doc.title, `Newsroom — ${clean('Tag')}`, 'json: channel title with the tag name');
      const item = doc.items[0];
      t.equal(item.title, clean('Headline'), 'json: title');
      t.equal(item.summary, clean('Summary'), 'json: summary');
      t.strictSame(item.tags, ['North Korea', clean('Tag')], 'json: tags');
      t.equal(item.content_html, `<p>${escapeHtml(clean('Body'))}</p>`, 'json: content_html, escaped HTML');
      continue;
    }
    t.strictSame(notWellFormed(res.body), [], `${format}: well-formed`);
    t.notMatch(res.body, /<script/, `${format}: no raw <script>`);
    const doc = parser.parse(res.body);
    if (format === 'rss') {
      const ch = doc.rss.channel;
      t.equal(text(ch.title), `Newsroom — ${clean('Tag')}`, 'rss: channel title');
      const item = ch.item[0];
      t.equal(text(item.title), clean('Headline'), 'rss: title');
      t.equal(text(item.description), escapeHtml(clean('Summary')), 'rss: description (HTML of the summary)');
      t.equal(text(item['content:encoded']), `<p>${escapeHtml(clean('Body'))}</p>`, 'rss: content:encoded');
      t.strictSame(item.category.map(text), ['North Korea', clean('Tag')], 'rss: categories');
      t.equal(text(item['media:content']['media:description']), clean('Caption'), 'rss: media:description');
      t.equal(text(item['media:content']['media:credit']), clean('Credit'), 'rss: media:credit');
    } else {
      const feed = doc.feed;
      t.equal(text(feed.title), `Newsroom — ${clean('Tag')}`, 'atom: feed title');
      const entry = feed.entry[0];
      t.equal(text(entry.title), clean('Headline'), 'atom: title');
      t.equal(entry.title['@_type'], 'text', 'atom: a text title, not HTML');
      t.equal(text(entry.summary), clean('Summary'), 'atom: summary');
      t.equal(text(entry.content), `<p>${escapeHtml(clean('Body'))}</p>`, 'atom: content');
      t.strictSame(entry.category.map((c: any) => c['@_term']), ['North Korea', clean('Tag')], 'atom: category terms');
      t.equal(text(entry['media:content']['media:description']), clean('Caption'), 'atom: media:description');
      t.equal(text(entry['media:content']['media:credit']), clean('Credit'), 'atom: media:credit');
    }
  }
});

/** A draft, a scheduled-not-yet-due and an archived article, each with a tag of its own. */
async function hidden(b: Built) {
  const draft = await addArticle(b, { status: 'draft', headline: 'Hidden draft', tagNames: ['Draft Only'] });
  const scheduled = await addArticle(b, { status: 'scheduled', headline: 'Hidden scheduled', publishedAt: b.clock.now() + HOUR, tagNames: ['Scheduled Only'] });
  const archived = await addArticle(b, { status: 'archived', headline: 'Hidden archived', tagNames: ['Archived Only'] });
  return { draft, scheduled, archived };
}

t.test('drafts, scheduled-not-due and archived articles appear in no feed, with or without a token', async (t) => {
  const b = await build(t, CACHED);
  const seedHeadline = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json().headline;
  const h = await hidden(b);
  for (const format of FORMATS) {
    for (const [who, headers] of [['anonymous', {}], ['editor', b.auth('editor')], ['admin', b.auth('admin')]] as const) {
      t.strictSame(await titles(t, b, format, '', headers), [seedHeadline], `${format}, ${who}: only the public article`);
      t.strictSame(await titles(t, b, format, '?author=lim-jeong-won&section=national', headers), [seedHeadline], `${format}, ${who}: filtered, the same`);
      for (const slug of ['draft-only', 'scheduled-only', 'archived-only']) {
        problem(t, await send(b, 'GET', `/v1/feeds/${format}?tag=${slug}`, { role: null, headers }), 422, `${format}, ${who}: a tag only hidden articles carry`);
      }
    }
    const withToken = await get(b, `/v1/feeds/${format}`, b.auth('editor'));
    t.equal(withToken.headers['cache-control'], 'private, no-store', `${format}: private with a token`);
  }

  // Read (and cached) before the scheduled article is due, then read again when it is.
  t.equal((await get(b, '/v1/feeds/rss')).headers['x-cache'], 'hit', 'the anonymous feed is cached');
  b.clock.set(h.scheduled.publishedAt! + 1000);
  for (const format of FORMATS) {
    t.strictSame(await titles(t, b, format), ['Hidden scheduled', seedHeadline], `${format}: the scheduled article once due, at the top`);
  }
});

t.test('ETag, 304 and Cache-Control, from the route and from the cache', async (t) => {
  const b = await build(t, CACHED);
  for (const format of FORMATS) {
    const url = `/v1/feeds/${format}?limit=5`;
    const first = await get(b, url);
    t.equal(first.statusCode, 200);
    t.equal(first.headers['x-cache'], undefined, `${format}: made`);
    t.match(first.headers.etag, /^"[^"]+"$/, `${format}: a strong ETag`);
    t.equal(first.headers['cache-control'], 'public, max-age=60', `${format}: public`);
    const again = await get(b, url);
    t.equal(again.headers['x-cache'], 'hit', `${format}: then served from the cache`);
    t.equal(again.headers.etag, first.headers.etag, `${format}: same ETag`);
    t.equal(again.headers['content-type'], first.headers['content-type'], `${format}: same media type from the cache`);
    t.equal(again.body, first.body);
    const cached304 = await get(b, url, { 'if-none-match': first.headers.etag as string });
    t.equal(cached304.statusCode, 304, `${format}: 304 from the cache`);
    t.equal(cached304.body, '');
    const made304 = await get(b, url, { 'if-none-match': first.headers.etag as string, ...b.auth('editor') });
    t.equal(made304.statusCode, 304, `${format}: 304 from the route (a token bypasses the cache)`);
    t.equal((await get(b, url, { 'if-none-match': '"stale"' })).statusCode, 200, `${format}: another ETag gets the feed`);
  }
});

t.test('the cached feed refreshes when an article in it changes, a new one is published or one is unpublished', async (t) => {
  const b = await build(t, CACHED);
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json();
  const lim = (await seedIds(b.services)).author('lim-jeong-won');
  const queries = ['', '?author=lim-jeong-won', '?section=national/north-korea&language=en'];
  const warm = async () => {
    for (const format of FORMATS) for (const q of queries) await get(b, `/v1/feeds/${format}${q}`);
    for (const format of FORMATS) for (const q of queries) t.equal((await get(b, `/v1/feeds/${format}${q}`)).headers['x-cache'], 'hit', `${format}${q}: cached`);
  };
  const all = async (what: string, expected: string[]) => {
    for (const format of FORMATS) for (const q of queries) t.strictSame(await titles(t, b, format, q), expected, `${format}${q}: ${what}`);
  };

  // An article elsewhere (another section, byline and language) changes: only the feeds showing it go.
  const elsewhere = await addArticle(b, { headline: 'Elsewhere', sectionPath: 'business', authorSlugs: ['park-hyun-joo'], language: 'ko', publishedAt: b.clock.now() - HOUR });
  await warm();
  b.clock.advance(1000);
  t.equal((await send(b, 'PATCH', `/v1/articles/${elsewhere.id}`, { body: { headline: 'Elsewhere, edited' } })).statusCode, 200);
  for (const format of FORMATS) {
    t.equal((await get(b, `/v1/feeds/${format}`)).headers['x-cache'], undefined, `${format}: the unfiltered feed shows it: made again`);
    for (const q of queries.slice(1)) t.equal((await get(b, `/v1/feeds/${format}${q}`)).headers['x-cache'], 'hit', `${format}${q}: does not show it: still cached`);
  }
  t.strictSame(await titles(t, b, 'rss'), [seed.headline, 'Elsewhere, edited']);
  await addArticle(b, { status: 'draft', headline: 'A draft', authorSlugs: ['lim-jeong-won'] });
  for (const format of FORMATS) for (const q of queries) t.equal((await get(b, `/v1/feeds/${format}${q}`)).headers['x-cache'], 'hit', `${format}${q}: a new draft evicts nothing`);
  t.equal((await send(b, 'DELETE', `/v1/articles/${elsewhere.id}`)).statusCode, 204);

  await warm();
  b.clock.advance(1000);
  t.equal((await send(b, 'PATCH', `/v1/articles/${seed.id}`, { body: { headline: 'Edited headline' } })).statusCode, 200);
  await all('the edited headline', ['Edited headline']);

  await warm();
  b.clock.advance(1000);
  const created = await send(b, 'POST', '/v1/articles', {
    body: { headline: 'Newly published', sectionId: seed.section.id, authorIds: [lim], body: [{ type: 'paragraph', text: 'New.' }] },
  });
  t.equal(created.statusCode, 201);
  await all('a draft changes nothing', ['Edited headline']);
  t.equal((await send(b, 'POST', `/v1/articles/${created.json().id}/publish`)).statusCode, 200);
  await all('the new article first', ['Newly published', 'Edited headline']);

  await warm();
  b.clock.advance(1000);
  t.equal((await send(b, 'PATCH', `/v1/images/${seed.leadImage.id}`, { body: { caption: 'A new caption' } })).statusCode, 200);
  const rss = parser.parse((await get(b, '/v1/feeds/rss')).body).rss.channel;
  t.equal(text(rss.item[1]['media:content']['media:description']), 'A new caption', 'an image caption change shows');

  await warm();
  b.clock.advance(1000);
  t.equal((await send(b, 'PATCH', `/v1/authors/${lim}`, { body: { name: 'Lim J.' } })).statusCode, 200);
  const byAuthor = await get(b, '/v1/feeds/atom?author=lim-jeong-won');
  t.equal(byAuthor.headers['x-cache'], undefined, 'the renamed byline evicted the feed');
  const atom = parser.parse(byAuthor.body).feed;
  t.equal(text(atom.title), 'Newsroom — Lim J.', 'the author-filtered title follows the rename');
  t.strictSame(atom.entry[1].author.map((a: any) => text(a.name)), ['Lim J.', 'Park Hyun-joo'], 'so do the bylines');

  await warm();
  b.clock.advance(1000);
  t.equal((await send(b, 'POST', `/v1/articles/${created.json().id}/unpublish`)).statusCode, 200);
  await all('unpublished: gone', ['Edited headline']);
});

t.test('without CMS_PUBLIC_URL: the Host makes the URLs, so a bad Host is 400 and no feed is kept in the response cache', async (t) => {
  const b = await build(t);
  for (const format of FORMATS) {
    for (const host of ['bad host', 'x<y>', 'example.com:99999']) {
      const p = problem(t, await send(b, 'GET', `/v1/feeds/${format}`, { role: null, headers: { host } }), 400, `${format}, Host ${host}`);
      t.strictSame(p.errors, [{ in: 'header', path: 'host', message: 'Invalid host' }]);
    }
    const selfOf = (body: string) =>
      format === 'json' ? JSON.parse(body).feed_url : format === 'rss' ? parser.parse(body).rss.channel['atom:link'][0]['@_href'] : parser.parse(body).feed.link[1]['@_href'];
    const first = await get(b, `/v1/feeds/${format}`, { host: 'attacker.example' });
    const second = await get(b, `/v1/feeds/${format}`, { host: 'news.example' });
    t.equal(selfOf(first.body), `http://attacker.example/v1/feeds/${format}`);
    t.equal(second.headers['x-cache'], undefined, `${format}: not from the cache`);
    t.equal(selfOf(second.body), `http://news.example/v1/feeds/${format}`, `${format}: one request’s Host never shows in another’s feed`);
    t.notMatch(second.body, /attacker/, `${format}: not in image URLs either`);
    t.equal(second.headers['cache-control'], 'public, max-age=60', `${format}: still cacheable downstream`);
    t.equal((await get(b, `/v1/feeds/${format}`, { host: 'news.example', 'if-none-match': second.headers.etag as string })).statusCode, 304, `${format}: and revalidated`);
  }
});
