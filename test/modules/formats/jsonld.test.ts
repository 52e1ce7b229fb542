// GET /v1/articles/{id}/jsonld: a schema.org NewsArticle with every field API.md names,
// checked against the article it comes from; null fields left out; safe to paste into a
// <script> element (no raw `<`, `>`, `&`); the article's visibility, ETag/304, Cache-Control,
// and the response cache refreshed by an edit.
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { uuidv7 } from 'uuidv7';
import { addArticle, build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { problem, send, type Res } from '../../requests.ts';

const HOUR = 3_600_000;
const LD = 'application/ld+json; charset=utf-8';
const HOSTILE = '</script><script>alert(1)</script> & ]]>';
const LOGO = 'https://news.example.com/static/logo-600x60.png';

/** The JSON-LD of an article as a caller sees it; a 200 is checked for script safety. */
async function jsonld(t: Test, b: Built, id: string, opts: { role?: 'editor' | null; headers?: Record<string, string> } = {}): Promise<Res> {
  const res = await send(b, 'GET', `/v1/articles/${id}/jsonld`, { role: opts.role ?? null, headers: opts.headers });
  if (res.statusCode === 200) {
    t.equal(res.headers['content-type'], LD, 'application/ld+json');
    t.notMatch(res.body, /[<>&\u2028\u2029]/, 'no raw <, >, &, U+2028 or U+2029 in the bytes');
  }
  return res;
}

async function article(b: Built, id: string, role: 'editor' | null = null): Promise<any> {
  const res = await send(b, 'GET', `/v1/articles/${id}`, { role });
  if (res.statusCode !== 200) throw new Error(`GET article: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A 400×300 PNG stored as an image row (for a body image besides the lead image). */
async function addImage(b: Built): Promise<string> {
  const data = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();
  const id = uuidv7();
  const at = b.clock.now();
  await b.services.repositories.images.insert({
    id,
    sha256: await b.services.storage.putOriginal(data),
    filename: 'chart.png',
    mimeType: 'image/png',
    bytes: data.length,
    width: 400,
    height: 300,
    alt: 'A chart',
    caption: null,
    credit: null,
    createdAt: at,
    updatedAt: at,
  });
  return id;
}

/**
 * A published article with everything: kicker, subheadline, summary, two bylines, a secondary
 * section, tags, dateline, a lead image with its own caption and credit, a body image, and a
 * correction. Made through the API as an editor would.
 */
async function richArticle(t: Test, b: Built): Promise<any> {
  const ids = await seedIds(b.services);
  const seed = await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null });
  const leadImageId = seed.json().leadImage.id as string;
  const bodyImageId = await addImage(b);
  const created = await send(b, 'POST', '/v1/articles', {
    body: {
      headline: 'Seoul and Tokyo open a military hotline',
      subheadline: 'The first direct line since 2018',
      summary: 'Defense ministers agreed on a hotline to avoid incidents at sea.',
      kicker: 'Exclusive',
      sectionId: ids.sections.get('national/defense'),
      secondarySectionIds: [ids.sections.get('national/politics'), ids.sections.get('business/economy')],
      authorIds: [ids.author('park-hyun-joo'), ids.author('lim-jeong-won')],
      tags: ['Japan', 'Hotline'],
      dateline: 'SEOUL',
      language: 'en-GB',
      leadImage: { imageId: leadImageId, caption: 'The ministers in Seoul', credit: 'Pool photo' },
      body: [
        { type: 'paragraph', text: 'The line opens on Monday.' },
        { type: 'image', imageId: bodyImageId, caption: null, credit: null },
        { type: 'image', imageId: leadImageId, caption: 'Again', credit: null },
      ],
    },
  });
  t.equal(created.statusCode, 201, `created: ${created.statusCode === 201 ? '' : created.body}`);
  const id = created.json().id as string;
  t.equal((await send(b, 'POST', `/v1/articles/${id}/publish`)).statusCode, 200, 'published');
  b.clock.advance(60_000);
  t.equal((await send(b, 'POST', `/v1/articles/${id}/corrections`, { body: { text: 'An earlier version gave the wrong year.' } })).statusCode, 201, 'corrected');
  b.clock.advance(60_000);
  t.equal((await send(b, 'POST', `/v1/articles/${id}/corrections`, { body: { text: 'The hotline opens on Monday, not Sunday.' } })).statusCode, 201, 'corrected again');
  return article(b, id);
}

t.test('a published article with everything: each field from the article', async (t) => {
  const b = await build(t, { config: { CMS_PUBLISHER_NAME: 'The Example Daily', CMS_PUBLISHER_LOGO_URL: LOGO, CMS_PUBLIC_URL: 'https://api.example.com' } });
  const a = await richArticle(t, b);
  // The article itself is what the test expects (so the comparison below is not circular).
  t.equal(a.section.path, 'national/defense');
  t.strictSame(a.secondarySections.map((s: any) => s.path), ['national/politics', 'business/economy']);
  t.strictSame(a.authors.map((x: any) => x.slug), ['park-hyun-joo', 'lim-jeong-won']);
  t.equal(a.corrections.length, 2);
  t.match(a.url, /^https?:\/\/[^/]+\/national\/defense\/seoul-and-tokyo-open-a-military-hotline$/);
  t.ok(a.firstPublishedAt && a.updatedAt > a.firstPublishedAt, 'updated after its first publication');

  const res = await jsonld(t, b, a.id);
  t.equal(res.statusCode, 200);
  const ld = res.json();
  t.strictSame(ld, {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    '@id': a.url,
    url: a.url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': a.url },
    headline: 'Seoul and Tokyo open a military hotline',
    alternativeHeadline: 'The first direct line since 2018',
    description: 'Defense ministers agreed on a hotline to avoid incidents at sea.',
    datePublished: a.firstPublishedAt,
    dateModified: a.updatedAt,
    author: [
      { '@type': 'Person', name: a.authors[0].name },
      { '@type': 'Person', name: a.authors[1].name },
    ],
    // The lead image, then the body image; the lead image again in the body is not repeated.
    image: [`https://api.example.com/v1/images/${a.leadImage.id}/file`, `https://api.example.com/v1/images/${a.body[1].image.id}/file`],
    articleSection: [a.section.name, a.secondarySections[0].name, a.secondarySections[1].name],
    keywords: ['Japan', 'Hotline'],
    inLanguage: 'en-GB',
    dateline: 'SEOUL',
    publisher: { '@type': 'NewsMediaOrganization', name: 'The Example Daily', logo: { '@type': 'ImageObject', url: LOGO } },
    correction: [
      { '@type': 'CorrectionComment', text: 'An earlier version gave the wrong year.', datePublished: a.corrections[0].createdAt },
      { '@type': 'CorrectionComment', text: 'The hotline opens on Monday, not Sunday.', datePublished: a.corrections[1].createdAt },
    ],
  });
  t.equal(a.authors[0].name, 'Park Hyun-joo', 'bylines in order');
  t.ok(a.corrections[0].createdAt < a.corrections[1].createdAt, 'corrections oldest first');

  // A token sees the same document (private, not cached publicly).
  const withToken = await jsonld(t, b, a.id, { role: 'editor' });
  t.strictSame(withToken.json(), ld, 'the same with a token');
  t.equal(withToken.headers['cache-control'], 'private, no-store');
});

t.test('the seed article; no logo: publisher without logo; null fields left out; image URLs on the request origin', async (t) => {
  const b = await build(t);
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json();
  const res = await jsonld(t, b, seed.id);
  t.equal(res.statusCode, 200);
  const ld = res.json();
  t.strictSame(ld.publisher, { '@type': 'NewsMediaOrganization', name: 'Newsroom' }, 'default name, no logo');
  t.strictSame(ld.author, [
    { '@type': 'Person', name: 'Lim Jeong-won' },
    { '@type': 'Person', name: 'Park Hyun-joo' },
  ]);
  t.equal(ld.headline, seed.headline);
  t.equal(ld.description, seed.summary);
  t.equal(ld.inLanguage, 'en');
  t.strictSame(ld.articleSection, [seed.section.name]);
  // Without CMS_PUBLIC_URL, this API's URLs are made absolute from the request.
  t.strictSame(ld.image, [`http://localhost:80/v1/images/${seed.leadImage.id}/file`]);
  t.equal(seed.subheadline, null);
  t.equal(seed.dateline, null);
  t.strictSame(ld.keywords, ['North Korea', 'Russia', 'Vladimir Putin'], 'the tags’ names');
  t.strictSame(seed.corrections, []);
  for (const absent of ['alternativeHeadline', 'dateline', 'correction']) t.notOk(absent in ld, `${absent} left out`);
  t.notMatch(res.body, /null/, 'no null anywhere');
});

t.test('an article without bylines, image or summary leaves those out', async (t) => {
  const b = await build(t);
  const a = await addArticle(b, { authorSlugs: [], summary: null });
  const ld = (await jsonld(t, b, a.id)).json();
  for (const absent of ['author', 'image', 'description', 'alternativeHeadline', 'keywords', 'correction', 'dateline']) t.notOk(absent in ld, `${absent} left out`);
  t.equal(ld.headline, a.headline);
  t.equal(ld.datePublished, new Date(a.firstPublishedAt!).toISOString());
});

t.test('a hostile headline round-trips and cannot break a <script> element', async (t) => {
  const b = await build(t);
  const ids = await seedIds(b.services);
  const created = await send(b, 'POST', '/v1/articles', {
    body: {
      headline: HOSTILE,
      subheadline: 'Line\u2028separator and paragraph\u2029separator',
      summary: '<!-- a comment --> & <b>bold</b> ]]>',
      sectionId: ids.sections.get('national/politics'),
      authorIds: [ids.author('lim-jeong-won')],
      tags: ['<script>'],
      body: [{ type: 'paragraph', text: 'Text.' }],
    },
  });
  t.equal(created.statusCode, 201, 'created with a hostile headline');
  const id = created.json().id;
  t.equal((await send(b, 'POST', `/v1/articles/${id}/publish`)).statusCode, 200);
  const res = await jsonld(t, b, id);
  t.equal(res.statusCode, 200);
  t.match(res.body, '\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 ]]\\u003e', 'escaped as \\u003c, \\u003e, \\u0026');
  t.match(res.body, '\\u2028');
  t.notMatch(res.body.toLowerCase(), '</script', 'no closing script tag');
  t.notMatch(res.body, '<!--', 'no comment opener');
  const ld = JSON.parse(res.body);
  t.equal(ld.headline, HOSTILE, 'the exact headline back');
  t.equal(ld.alternativeHeadline, 'Line\u2028separator and paragraph\u2029separator');
  t.equal(ld.description, '<!-- a comment --> & <b>bold</b> ]]>');
  t.strictSame(ld.keywords, ['<script>']);
  // As a page embeds it: the element ends where the page ends it, and its text is the JSON.
  const page = `<html><head><script type="application/ld+json">${res.body}</script></head><body></body></html>`;
  const inside = page.slice(page.indexOf('>', page.indexOf('<script')) + 1, page.toLowerCase().indexOf('</script'));
  t.equal(inside, res.body, 'the first </script> is the page’s own');
  t.equal(JSON.parse(inside).headline, HOSTILE);
});

t.test('visibility: drafts, scheduled-not-due and archived articles are 404 without a token', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft', headline: 'Draft' });
  const scheduled = await addArticle(b, { status: 'scheduled', publishedAt: b.clock.now() + HOUR, headline: 'Scheduled' });
  const archived = await addArticle(b, { status: 'archived', headline: 'Archived' });
  for (const a of [draft, scheduled, archived]) {
    const p = problem(t, await jsonld(t, b, a.id), 404, `${a.headline} without a token`);
    t.notMatch(JSON.stringify(p), a.headline, 'the problem does not name it');
  }
  problem(t, await jsonld(t, b, '0190b0b0-0000-7000-8000-000000000000'), 404, 'no such article');
  problem(t, await jsonld(t, b, 'x'.repeat(65)), 400, 'an id too long');
  problem(t, await send(b, 'GET', `/v1/articles/${draft.id}/jsonld?pretty=1`, { role: null }), 400, 'an unknown query parameter');
  problem(t, await send(b, 'GET', `/v1/articles/${draft.id}/jsonld`, { role: null, headers: { authorization: 'Bearer nope' } }), 401, 'a bad token');

  // A token sees them; a draft has no datePublished yet.
  const d = await jsonld(t, b, draft.id, { role: 'editor' });
  t.equal(d.statusCode, 200);
  t.equal(d.json().headline, 'Draft');
  t.notOk('datePublished' in d.json(), 'no datePublished before the first publication');
  t.equal((await jsonld(t, b, archived.id, { role: 'editor' })).statusCode, 200);

  // A scheduled article is public once due.
  b.clock.advance(HOUR);
  const due = await jsonld(t, b, scheduled.id);
  t.equal(due.statusCode, 200, 'public once due');
  t.equal(due.json().headline, 'Scheduled');
});

t.test('ETag and 304, Cache-Control, and the cache refreshed by an edit, a correction and a byline change', async (t) => {
  const b = await build(t);
  const seed = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json();
  const first = await jsonld(t, b, seed.id);
  const etag = first.headers.etag as string;
  t.match(etag, /^"[^"]+"$/, 'a strong ETag');
  t.match(first.headers['cache-control'], /^public, max-age=\d+$/);
  t.not(etag, (await send(b, 'GET', `/v1/articles/${seed.id}`, { role: null })).headers.etag, 'not the article’s own ETag');
  const again = await jsonld(t, b, seed.id);
  t.equal(again.body, first.body, 'the same bytes (from the cache)');
  t.equal(again.headers.etag, etag);
  const notModified = await jsonld(t, b, seed.id, { headers: { 'if-none-match': etag } });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.body, '');

  const patched = await send(b, 'PATCH', `/v1/articles/${seed.id}`, { body: { headline: 'A new headline' } });
  t.equal(patched.statusCode, 200, 'headline edited');
  const edited = await jsonld(t, b, seed.id, { headers: { 'if-none-match': etag } });
  t.equal(edited.statusCode, 200, 'the old ETag no longer matches');
  t.equal(edited.json().headline, 'A new headline', 'the edit shows at once');
  t.not(edited.headers.etag, etag);

  await send(b, 'POST', `/v1/articles/${seed.id}/corrections`, { body: { text: 'Corrected.' } });
  t.strictSame((await jsonld(t, b, seed.id)).json().correction.map((c: any) => c.text), ['Corrected.'], 'a correction shows at once');

  const lim = (await seedIds(b.services)).author('lim-jeong-won');
  t.equal((await send(b, 'PATCH', `/v1/authors/${lim}`, { role: 'admin', body: { name: 'Lim J.' } })).statusCode, 200);
  t.strictSame((await jsonld(t, b, seed.id)).json().author.map((p: any) => p.name), ['Lim J.', 'Park Hyun-joo'], 'a byline’s new name shows at once');

  t.equal((await send(b, 'POST', `/v1/articles/${seed.id}/unpublish`)).statusCode, 200);
  problem(t, await jsonld(t, b, seed.id), 404, 'unpublished: gone from the public at once');
});
