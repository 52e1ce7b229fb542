// The seed article (fixtures/seed.json, from fixtures/source/seed-article.txt) read back
// through the API field by field, its HTTP caching behaviour, and an idempotent re-seed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadSeed } from '../../../src/seed/load.ts';
import { build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';

const SOURCE = fs.readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/source/seed-article.txt'), 'utf8');
const IMAGE_BYTES = fs.readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/images/putin-kim-vostochny.jpg'));
const IMAGE_SHA256 = createHash('sha256').update(IMAGE_BYTES).digest('hex');
const SOURCE_LINES = SOURCE.split(/\r?\n/).map((l) => l.trim());

/** The caption line of the scrape ("… 2023. [AP/YONHAP]") without the credit suffix. */
const CAPTION = (() => {
  const line = SOURCE_LINES.find((l) => l.endsWith(' [AP/YONHAP]'));
  if (!line) throw new Error('no caption line in the source');
  return line.slice(0, -' [AP/YONHAP]'.length);
})();

/** The body paragraphs of the scrape: non-empty lines from the first paragraph to the byline. */
const SOURCE_PARAGRAPHS = (() => {
  const start = SOURCE_LINES.findIndex((l) => l.startsWith('South Korea believes'));
  const end = SOURCE_LINES.findIndex((l) => l.startsWith('BY LIM JEONG-WON'));
  if (start < 0 || end < start) throw new Error('source markers not found');
  return SOURCE_LINES.slice(start, end).filter((l) => l !== '' && l !== 'Related Article');
})();

const HEADLINE = 'South Korea worries Putin visit could tighten military bonds between North and Russia';
const CLUTTER = ['print dictionary print', 'Log in to Twitter', 'Standards Board Policy', 'Related Article', 'Home > National', '[AP/YONHAP]', 'BY LIM JEONG-WON'];

async function getSeed(b: Built, headers: Record<string, string> = {}) {
  return b.app.inject({ method: 'GET', url: `/v1/articles/slug/${SEED_SLUG}`, headers });
}

t.test('the source text yields the expected caption and 19 paragraphs (sanity of the derivation)', async (t) => {
  t.equal(SOURCE_PARAGRAPHS.length, 19);
  t.match(SOURCE_PARAGRAPHS[0], /^South Korea believes Russia and North Korea/);
  t.match(SOURCE_PARAGRAPHS.at(-1), /^“Pyongyang sees the structure/);
  t.equal(CAPTION, "Russian President Vladimir Putin and North Korea's leader Kim Jong-un examine a launch pad during their meeting at the Vostochny cosmodrome outside the city of Tsiolkovsky on Sept. 13, 2023.");
});

t.test('GET /v1/articles/slug/<seed> reads back field by field', async (t) => {
  const b = await build(t);
  const ids = await seedIds(b.services);
  const res = await getSeed(b);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  const a = res.json();

  t.strictSame(
    Object.keys(a).sort(),
    [
      'authors', 'body', 'breadcrumbs', 'canonicalUrl', 'createdAt', 'dateline', 'firstPublishedAt', 'headline', 'id', 'language',
      'leadImage', 'publishedAt', 'relatedLinks', 'secondarySections', 'section', 'slug', 'status', 'subheadline', 'summary', 'tags',
      'updatedAt', 'version',
      // The news fields of 2026-12-02.
      'url', 'kicker', 'translations', 'corrections',
    ].sort(),
    'exactly the contract’s fields',
  );
  t.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv7 id');
  t.equal(a.slug, SEED_SLUG);
  t.equal(a.headline, HEADLINE);
  t.equal(a.subheadline, null);
  t.equal(a.summary, SOURCE_PARAGRAPHS[0], 'the summary is the first paragraph');
  t.equal(a.status, 'published');
  t.equal(a.version, 1);
  const loadedAt = new Date(b.clock.now()).toISOString();
  t.equal(a.publishedAt, loadedAt, 'published at load time');
  t.equal(a.firstPublishedAt, loadedAt);
  t.equal(a.createdAt, loadedAt);
  t.equal(a.updatedAt, loadedAt);
  t.match(a.publishedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'RFC 3339 UTC');

  const national = { id: ids.sections.get('national'), slug: 'national', name: 'National', path: 'national' };
  const northKorea = { id: ids.sections.get('national/north-korea'), slug: 'north-korea', name: 'North Korea', path: 'national/north-korea' };
  t.ok(national.id && northKorea.id, 'seed sections exist');
  t.strictSame(a.section, northKorea);
  t.strictSame(a.breadcrumbs, [national, northKorea]);
  t.strictSame(a.secondarySections, []);

  t.strictSame(a.authors, [
    { id: ids.author('lim-jeong-won'), slug: 'lim-jeong-won', name: 'Lim Jeong-won', email: 'lim.jeongwon@joongang.co.kr', title: null },
    { id: ids.author('park-hyun-joo'), slug: 'park-hyun-joo', name: 'Park Hyun-joo', email: null, title: null },
  ]);

  const image = await b.services.repositories.images.findBySha256(IMAGE_SHA256);
  t.ok(image, 'the seed image is stored');
  const imageId = image!.id;
  t.strictSame(a.leadImage, {
    id: imageId,
    url: `/v1/images/${imageId}/file`,
    filename: 'putin-kim-vostochny.jpg',
    mimeType: 'image/jpeg',
    bytes: IMAGE_BYTES.length,
    width: 1200,
    height: 800,
    sha256: IMAGE_SHA256,
    alt: 'Vladimir Putin and Kim Jong-un examine a launch pad at the Vostochny cosmodrome',
    caption: CAPTION,
    credit: 'AP/YONHAP',
    focalPoint: null,
    renditions: [
      { width: 320, url: `/v1/images/${imageId}/file?w=320&format=webp` },
      { width: 640, url: `/v1/images/${imageId}/file?w=640&format=webp` },
      { width: 960, url: `/v1/images/${imageId}/file?w=960&format=webp` },
    ],
    createdAt: loadedAt,
  });
  t.notMatch(a.leadImage.caption, /AP\/YONHAP/, 'the credit is not repeated in the caption');

  t.equal(a.body.length, 19, '19 paragraphs');
  t.ok(
    a.body.every((blk: { type: string }) => blk.type === 'paragraph'),
    'every block is a paragraph',
  );
  t.strictSame(
    a.body.map((blk: { text: string }) => blk.text),
    SOURCE_PARAGRAPHS,
    'every paragraph equals the source, in order',
  );
  for (const [i, blk] of (a.body as { type: string; text: string }[]).entries()) {
    t.strictSame(Object.keys(blk).sort(), ['text', 'type'], `block ${i} has only type and text`);
  }
  const bodyJson = JSON.stringify(a.body);
  for (const junk of CLUTTER) t.notOk(bodyJson.includes(junk), `no "${junk}" in the body`);
  t.notOk(bodyJson.includes(CAPTION), 'the caption is not repeated in the body');
  t.notOk(bodyJson.includes('Vostochny'), 'nothing of the caption leaks into the body');

  t.strictSame(a.relatedLinks, [], 'the scraped "Related Article" slot names no target');
  t.strictSame(a.tags, [
    { slug: 'north-korea', name: 'North Korea' },
    { slug: 'russia', name: 'Russia' },
    { slug: 'vladimir-putin', name: 'Vladimir Putin' },
  ]);
  t.equal(a.dateline, null);
  t.equal(a.language, 'en');
  t.equal(a.canonicalUrl, null);
  // The news fields: no kicker, no translations, no corrections; the url from the default
  // template (/{sectionPath}/{slug}) on the default site (no CMS_SITE_URL or CMS_PUBLIC_URL).
  t.equal(a.kicker, null);
  t.strictSame(a.translations, []);
  t.strictSame(a.corrections, []);
  t.equal(a.url, `http://localhost:${b.config.PORT}/national/north-korea/${SEED_SLUG}`);
});

t.test('GET by id gives the same article', async (t) => {
  const b = await build(t);
  const bySlug = await getSeed(b);
  const article = bySlug.json();
  const byId = await b.app.inject({ method: 'GET', url: `/v1/articles/${article.id}` });
  t.equal(byId.statusCode, 200);
  t.strictSame(byId.json(), article);
  t.strictSame(byId.json().body, article.body);
  t.equal(byId.headers.etag, bySlug.headers.etag, 'the same representation has the same ETag');
});

t.test('the seed article is the one item of the public list, as a summary without body', async (t) => {
  const b = await build(t);
  const full = (await getSeed(b)).json();
  const res = await b.app.inject({ method: 'GET', url: '/v1/articles' });
  t.equal(res.statusCode, 200);
  const list = res.json();
  t.strictSame(list.page, { limit: 20, nextCursor: null });
  t.equal(res.headers.link, undefined, 'no Link header on the last page');
  t.equal(list.data.length, 1);
  const { body: _body, ...summary } = full;
  t.strictSame(list.data[0], summary, 'the summary is the article without body');
  t.notOk('body' in list.data[0]);
  t.notOk('snippet' in list.data[0], 'no snippet without q');
});

t.test('ETag, Cache-Control and If-None-Match', async (t) => {
  const b = await build(t);
  const pub = await getSeed(b);
  t.equal(pub.statusCode, 200);
  const etag = pub.headers.etag;
  t.type(etag, 'string');
  t.match(etag, /^"[^"]+"$/, 'a strong ETag (quoted, no W/)');
  t.notMatch(etag, /^W\//);
  t.equal(pub.headers['cache-control'], 'public, max-age=60');

  const withToken = await getSeed(b, b.auth('writer'));
  t.equal(withToken.statusCode, 200);
  t.equal(withToken.headers['cache-control'], 'private, no-store');
  t.type(withToken.headers.etag, 'string');

  const again = await getSeed(b);
  t.equal(again.headers.etag, etag, 'the ETag is stable');

  const notModified = await getSeed(b, { 'if-none-match': etag as string });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.body, '', 'no body');
  t.equal(notModified.headers.etag, etag);

  const listed = await b.app.inject({ method: 'GET', url: `/v1/articles/${pub.json().id}`, headers: { 'if-none-match': `"nope", ${etag}` } });
  t.equal(listed.statusCode, 304, 'any of a list of ETags matches');
  t.equal(listed.body, '');

  const weak = await getSeed(b, { 'if-none-match': `W/${etag}` });
  t.equal(weak.statusCode, 304, 'If-None-Match compares weakly');

  const tokenRevalidated = await getSeed(b, { ...b.auth('writer'), 'if-none-match': withToken.headers.etag as string });
  t.equal(tokenRevalidated.statusCode, 304, 'a token revalidates too');
  t.equal(tokenRevalidated.body, '');

  const stale = await getSeed(b, { 'if-none-match': '"something-else"' });
  t.equal(stale.statusCode, 200, 'a non-matching If-None-Match gets the article');
  t.equal(stale.json().slug, SEED_SLUG);

  const list = await b.app.inject({ method: 'GET', url: '/v1/articles' });
  t.type(list.headers.etag, 'string', 'lists carry an ETag too');
  const listAgain = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: { 'if-none-match': list.headers.etag as string } });
  t.equal(listAgain.statusCode, 304);
  t.equal(listAgain.body, '');
});

t.test('loading the seed a second time creates nothing', async (t) => {
  const b = await build(t);
  const before = (await getSeed(b)).json();
  const report = await loadSeed(b.services);
  t.strictSame(report, { sections: 0, authors: 0, images: 0, articles: 0 });
  const list = await b.app.inject({ method: 'GET', url: '/v1/articles', headers: b.auth('editor') });
  t.equal(list.statusCode, 200);
  t.equal(list.json().data.length, 1, 'still one article (counting every status)');
  t.equal(list.json().data[0].id, before.id);
  const after = (await getSeed(b)).json();
  t.strictSame(after, before, 'the article is unchanged');
  t.equal((await b.services.repositories.sections.list({ limit: 1000 })).length, 14, 'still 14 sections');
  const images = await b.app.inject({ method: 'GET', url: '/v1/images', headers: b.auth('editor') });
  t.equal(images.json().data.length, 1, 'still one image');
});
