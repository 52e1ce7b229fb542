// GET /v1/articles/{id}/ninjs: IPTC ninjs 2.2, every response of this file validated against
// the official schema (test/fixtures/ninjs/, a copy of the IPTC's; its README says how to
// validate: Ajv2020, ajv-formats, the GeoJSON schema added first). Fields checked against the
// article; `pubstatus` usable for a public article, withheld for one only a token sees; the
// article's visibility, ETag/304 and the response cache refreshed by an edit.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { addArticle, build, SEED_SLUG, seedIds, type Built } from '../../helper.ts';
import { problem, send, type Res } from '../../requests.ts';

const HOUR = 3_600_000;
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/ninjs');
const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

const ajv = new Ajv2020({ allErrors: true });
addFormats.default(ajv);
ajv.addSchema(readJson('GeoJSON-schema.json'));
const validateNinjs = ajv.compile(readJson('ninjs-2.2-schema.json'));

/** The ninjs of an article as a caller sees it; every 200 is validated against the official schema. */
async function ninjs(t: Test, b: Built, id: string, opts: { role?: 'editor' | null; headers?: Record<string, string> } = {}): Promise<Res> {
  const res = await send(b, 'GET', `/v1/articles/${id}/ninjs`, { role: opts.role ?? null, headers: opts.headers });
  if (res.statusCode === 200) {
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8', 'application/json');
    const valid = validateNinjs(res.json());
    t.ok(valid, `valid ninjs 2.2${valid ? '' : `: ${ajv.errorsText(validateNinjs.errors)}`}`);
  }
  return res;
}

async function article(b: Built, id: string, role: 'editor' | null = null): Promise<any> {
  const res = await send(b, 'GET', `/v1/articles/${id}`, { role });
  if (res.statusCode !== 200) throw new Error(`GET article: ${res.statusCode} ${res.body}`);
  return res.json();
}

t.test('the validator itself rejects what the schema forbids', async (t) => {
  // So that a passing validation below means something.
  t.ok(validateNinjs({ uri: 'urn:uuid:01936f6e-5a1d-7f00-8a11-4b2c3d4e5f60', type: 'text' }));
  t.notOk(validateNinjs({ type: 'text' }), 'uri is required');
  t.notOk(validateNinjs({ uri: 'urn:uuid:x', bylines: ['A'] }), 'unknown top-level keys fail');
  t.notOk(validateNinjs({ uri: 'urn:uuid:x', pubstatus: 'published' }), 'pubstatus is an enum');
  t.notOk(validateNinjs({ uri: 'urn:uuid:x', firstcreated: 'yesterday' }), 'dates are date-times');
  t.notOk(validateNinjs({ uri: 'urn:uuid:x', associations: [{ uri: 'urn:uuid:y', type: 'picture' }] }), 'an association needs a name');
  t.notOk(validateNinjs({ uri: 'urn:uuid:x', renditions: [{ name: 'a', href: 'not a uri' }] }), 'hrefs are URIs');
});

t.test('a published article with everything: each field from the article', async (t) => {
  const b = await build(t, { config: { CMS_PUBLIC_URL: 'https://api.example.com' } });
  const ids = await seedIds(b.services);
  const seed = await article(b, (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json().id);
  const leadImageId = seed.leadImage.id as string;
  const created = await send(b, 'POST', '/v1/articles', {
    body: {
      headline: 'Seoul and Tokyo open a military hotline',
      subheadline: 'The first direct line since 2018',
      summary: 'Defense ministers agreed on a hotline.',
      kicker: 'Exclusive',
      sectionId: ids.sections.get('national/defense'),
      secondarySectionIds: [ids.sections.get('national/politics')],
      authorIds: [ids.author('park-hyun-joo'), ids.author('lim-jeong-won')],
      tags: ['Japan', 'Hotline'],
      dateline: 'SEOUL',
      language: 'ko',
      leadImage: { imageId: leadImageId, caption: 'The ministers in Seoul', credit: 'Pool photo' },
      body: [
        { type: 'paragraph', text: 'The line opens  on Monday.' },
        { type: 'heading', level: 2, text: 'Why now' },
        { type: 'quote', text: 'It is overdue.', attribution: 'A diplomat' },
        { type: 'list', ordered: false, items: ['One item', 'Two'] },
        { type: 'image', imageId: leadImageId, caption: 'Not counted', credit: null },
        { type: 'embed', url: 'https://example.com/not-counted' },
      ],
    },
  });
  t.equal(created.statusCode, 201, 'created');
  const id = created.json().id as string;
  t.equal((await send(b, 'POST', `/v1/articles/${id}/publish`)).statusCode, 200, 'published');
  b.clock.advance(60_000);
  t.equal((await send(b, 'POST', `/v1/articles/${id}/corrections`, { body: { text: 'An earlier version gave the wrong year.' } })).statusCode, 201);
  const a = await article(b, id);

  const res = await ninjs(t, b, id);
  t.equal(res.statusCode, 200);
  const n = res.json();
  const bodyHtml = n.bodies[0].value as string;
  t.strictSame(n, {
    uri: `urn:uuid:${id}`,
    type: 'text',
    representationtype: 'full',
    version: String(a.version),
    firstcreated: a.createdAt,
    versioncreated: a.updatedAt,
    pubstatus: 'usable',
    language: 'ko',
    slugline: 'seoul-and-tokyo-open-a-military-hotline',
    headlines: [
      { role: 'main', value: 'Seoul and Tokyo open a military hotline' },
      { role: 'subheadline', value: 'The first direct line since 2018' },
      { role: 'kicker', value: 'Exclusive' },
    ],
    descriptions: [
      { role: 'summary', contenttype: 'text/plain', value: 'Defense ministers agreed on a hotline.' },
      { role: 'correction', contenttype: 'text/plain', value: 'An earlier version gave the wrong year.' },
    ],
    // Words and characters of paragraphs, headings, quotes (with attribution) and list items;
    // not the image's caption or the embed.
    bodies: [{ role: 'main', contenttype: 'text/html', value: bodyHtml, wordcount: 5 + 2 + 3 + 2 + 2 + 1, charcount: 26 + 7 + 14 + 10 + 8 + 3 }],
    // The bylines in the article's language (Korean: “및”).
    by: new Intl.ListFormat('ko', { type: 'conjunction' }).format(['Park Hyun-joo', 'Lim Jeong-won']),
    people: [
      { name: 'Park Hyun-joo', rel: 'author', uri: `urn:uuid:${a.authors[0].id}`, literal: 'park-hyun-joo' },
      { name: 'Lim Jeong-won', rel: 'author', uri: `urn:uuid:${a.authors[1].id}`, literal: 'lim-jeong-won' },
    ],
    subjects: [
      { name: a.section.name, rel: 'section', uri: `urn:uuid:${a.section.id}`, literal: 'national/defense' },
      { name: a.secondarySections[0].name, rel: 'secondarysection', uri: `urn:uuid:${a.secondarySections[0].id}`, literal: 'national/politics' },
      { name: 'Japan', rel: 'tag', literal: 'japan' },
      { name: 'Hotline', rel: 'tag', literal: 'hotline' },
    ],
    located: 'SEOUL',
    associations: [
      {
        name: 'leadimage',
        uri: `urn:uuid:${leadImageId}`,
        type: 'picture',
        descriptions: [
          { role: 'caption', contenttype: 'text/plain', value: 'The ministers in Seoul' },
          { role: 'alt', contenttype: 'text/plain', value: seed.leadImage.alt },
        ],
        by: 'Pool photo',
        renditions: [
          // The seed image is a 1200×800 JPEG: renditions at 320, 640 and 960 (never upscaled).
          { name: 'original', href: `https://api.example.com/v1/images/${leadImageId}/file`, contenttype: 'image/jpeg', width: 1200, height: 800, sizeinbytes: seed.leadImage.bytes },
          { name: 'w320', href: `https://api.example.com/v1/images/${leadImageId}/file?w=320&format=webp`, contenttype: 'image/webp', width: 320, height: 213 },
          { name: 'w640', href: `https://api.example.com/v1/images/${leadImageId}/file?w=640&format=webp`, contenttype: 'image/webp', width: 640, height: 427 },
          { name: 'w960', href: `https://api.example.com/v1/images/${leadImageId}/file?w=960&format=webp`, contenttype: 'image/webp', width: 960, height: 640 },
        ],
      },
    ],
    altids: [{ role: 'url', value: a.url }],
    standard: { name: 'ninjs', version: '2.2', schema: 'http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json' },
  });
  t.match(n.by, /Park Hyun-joo.+Lim Jeong-won/, 'bylines in order');
  t.equal(
    bodyHtml,
    [
      '<p>The line opens  on Monday.</p>',
      '<h2>Why now</h2>',
      '<blockquote><p>It is overdue.</p><footer>A diplomat</footer></blockquote>',
      '<ul><li>One item</li><li>Two</li></ul>',
      `<figure><img src="https://api.example.com/v1/images/${leadImageId}/file" alt="${seed.leadImage.alt}" width="1200" height="800"><figcaption>Not counted <small>AP/YONHAP</small></figcaption></figure>`,
      '<p><a href="https://example.com/not-counted">https://example.com/not-counted</a></p>',
    ].join('\n'),
    'the body as HTML with absolute image URLs',
  );

  // Each rendition URL answers with an image of the width it says (heights at the original's aspect ratio).
  for (const r of n.associations[0].renditions.slice(1)) {
    const file = await b.app.inject({ method: 'GET', url: new URL(r.href).pathname + new URL(r.href).search });
    t.equal(file.statusCode, 200, `${r.name} is served`);
    t.equal(file.headers['content-type'], r.contenttype);
    const meta = await sharp(file.rawPayload).metadata();
    t.equal(meta.width, r.width, `${r.name}: width`);
    t.ok(Math.abs(meta.height! - r.height) <= 2, `${r.name}: height ${meta.height} ≈ ${r.height}`);
  }
});

t.test('the seed article: request-origin URLs, English byline, no optional fields', async (t) => {
  const b = await build(t);
  const seed = await article(b, (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json().id);
  const n = (await ninjs(t, b, seed.id)).json();
  t.equal(n.by, 'Lim Jeong-won and Park Hyun-joo');
  t.strictSame(n.headlines, [{ role: 'main', value: seed.headline }], 'no subheadline, no kicker');
  t.strictSame(n.descriptions, [{ role: 'summary', contenttype: 'text/plain', value: seed.summary }], 'no corrections');
  t.notOk('located' in n, 'no dateline, no located');
  t.equal(n.associations[0].renditions[0].href, `http://localhost:80/v1/images/${seed.leadImage.id}/file`, 'absolute on the request’s origin');
  t.equal(n.associations[0].by, 'AP/YONHAP', 'the image’s own credit');
  t.equal(n.associations[0].descriptions[0].value, seed.leadImage.caption, 'the image’s own caption');
  t.strictSame(n.subjects.filter((s: any) => s.rel === 'tag').map((s: any) => s.name), ['North Korea', 'Russia', 'Vladimir Putin']);
  t.equal(n.bodies[0].wordcount, seed.body.map((p: any) => p.text.split(/\s+/).filter(Boolean).length).reduce((x: number, y: number) => x + y, 0));
});

t.test('an article without bylines, image, summary or sections beyond the primary', async (t) => {
  const b = await build(t);
  const a = await addArticle(b, { authorSlugs: [], summary: null, body: [] });
  const n = (await ninjs(t, b, a.id)).json();
  for (const absent of ['by', 'people', 'associations', 'descriptions', 'located']) t.notOk(absent in n, `${absent} left out`);
  t.strictSame(n.bodies, [{ role: 'main', contenttype: 'text/html', value: '', wordcount: 0, charcount: 0 }]);
  t.equal(n.subjects.length, 1, 'the primary section only');
});

t.test('ids that are not UUIDs still make valid URIs', async (t) => {
  const b = await build(t);
  const data = await sharp({ create: { width: 500, height: 250, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
  const at = b.clock.now();
  await b.services.repositories.images.insert({
    id: 'img-imported-1',
    sha256: await b.services.storage.putOriginal(data),
    filename: 'x.png',
    mimeType: 'image/png',
    bytes: data.length,
    width: 500,
    height: 250,
    alt: null,
    caption: null,
    credit: null,
    createdAt: at,
    updatedAt: at,
  });
  const a = await addArticle(b, { id: 'imported-article-1', leadImage: { imageId: 'img-imported-1', caption: null, credit: null } });
  const n = (await ninjs(t, b, a.id)).json();
  t.equal(n.uri, 'http://localhost:80/v1/articles/imported-article-1', 'the article’s API URL');
  t.equal(n.associations[0].uri, 'http://localhost:80/v1/images/img-imported-1', 'the image’s API URL');
  t.strictSame(n.associations[0].renditions.map((r: any) => `${r.name} ${r.width}x${r.height}`), ['original 500x250', 'w320 320x160']);
  t.notOk('descriptions' in n.associations[0] || 'by' in n.associations[0], 'no caption, alt or credit: left out');
});

t.test('pubstatus: usable when public, withheld for what only a token sees; 404 without a token', async (t) => {
  const b = await build(t);
  const draft = await addArticle(b, { status: 'draft', headline: 'Draft' });
  const scheduled = await addArticle(b, { status: 'scheduled', publishedAt: b.clock.now() + HOUR, headline: 'Scheduled' });
  const archived = await addArticle(b, { status: 'archived', headline: 'Archived' });
  const published = await addArticle(b, { headline: 'Published' });

  for (const a of [draft, scheduled, archived]) {
    const p = problem(t, await ninjs(t, b, a.id), 404, `${a.headline} without a token`);
    t.notMatch(JSON.stringify(p), a.headline, 'the problem does not name it');
    const withToken = await ninjs(t, b, a.id, { role: 'editor' });
    t.equal(withToken.statusCode, 200, `${a.headline} with a token`);
    t.equal(withToken.json().pubstatus, 'withheld', `${a.headline}: withheld`);
    t.equal(withToken.headers['cache-control'], 'private, no-store');
  }
  problem(t, await ninjs(t, b, '0190b0b0-0000-7000-8000-000000000000'), 404, 'no such article');
  problem(t, await ninjs(t, b, 'x'.repeat(65)), 400, 'an id too long');
  problem(t, await send(b, 'GET', `/v1/articles/${published.id}/ninjs?x=1`, { role: null }), 400, 'an unknown query parameter');

  t.equal((await ninjs(t, b, published.id)).json().pubstatus, 'usable', 'public: usable');
  t.equal((await ninjs(t, b, published.id, { role: 'editor' })).json().pubstatus, 'usable', 'public, with a token: usable');

  b.clock.advance(HOUR);
  const due = await ninjs(t, b, scheduled.id);
  t.equal(due.statusCode, 200, 'a scheduled article once due');
  t.equal(due.json().pubstatus, 'usable');
});

t.test('ETag and 304, Cache-Control, and the cache refreshed by an edit', async (t) => {
  const b = await build(t);
  const id = (await send(b, 'GET', `/v1/articles/slug/${SEED_SLUG}`, { role: null })).json().id as string;
  const first = await ninjs(t, b, id);
  const etag = first.headers.etag as string;
  t.match(etag, /^"[^"]+"$/, 'a strong ETag');
  t.match(first.headers['cache-control'], /^public, max-age=\d+$/);
  t.not(etag, (await send(b, 'GET', `/v1/articles/${id}/jsonld`, { role: null })).headers.etag, 'not the JSON-LD’s');
  const again = await ninjs(t, b, id);
  t.equal(again.body, first.body);
  t.equal(again.headers.etag, etag);
  const nm = await ninjs(t, b, id, { headers: { 'if-none-match': etag } });
  t.equal(nm.statusCode, 304);
  t.equal(nm.body, '');

  t.equal((await send(b, 'PATCH', `/v1/articles/${id}`, { body: { headline: 'A new headline', dateline: 'PYONGYANG' } })).statusCode, 200);
  const edited = await ninjs(t, b, id, { headers: { 'if-none-match': etag } });
  t.equal(edited.statusCode, 200, 'the old ETag no longer matches');
  t.equal(edited.json().headlines[0].value, 'A new headline', 'the edit shows at once');
  t.equal(edited.json().located, 'PYONGYANG');
  t.equal(edited.json().version, '2', 'the new version');
  t.not(edited.headers.etag, etag);

  const imageId = JSON.parse(first.body).associations[0].uri.slice('urn:uuid:'.length);
  t.equal((await send(b, 'PATCH', `/v1/images/${imageId}`, { body: { credit: 'Reuters' } })).statusCode, 200);
  t.equal((await ninjs(t, b, id)).json().associations[0].by, 'Reuters', 'an image’s new credit shows at once');

  t.equal((await send(b, 'POST', `/v1/articles/${id}/archive`)).statusCode, 200);
  problem(t, await ninjs(t, b, id), 404, 'archived: gone from the public at once');
  t.equal((await ninjs(t, b, id, { role: 'editor' })).json().pubstatus, 'withheld', 'archived: withheld for a token');
});
