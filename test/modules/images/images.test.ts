// Images: metadata (list and by id), the file with its headers, renditions and visibility.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { addArticle, build, type Built } from '../../helper.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../../../fixtures/images/putin-kim-vostochny.jpg');
const FIXTURE_BYTES = fs.readFileSync(FIXTURE);
const FIXTURE_SHA256 = createHash('sha256').update(FIXTURE_BYTES).digest('hex');
const IMAGE_FIELDS = ['alt', 'bytes', 'caption', 'createdAt', 'credit', 'filename', 'focalPoint', 'height', 'id', 'mimeType', 'renditions', 'sha256', 'url', 'width'];
const YEAR = 31_536_000;

async function seedImage(b: Built) {
  const row = await b.services.repositories.images.findBySha256(FIXTURE_SHA256);
  if (!row) throw new Error('the seed image is missing');
  const id = row.id;
  return {
    id,
    url: `/v1/images/${id}/file`,
    filename: 'putin-kim-vostochny.jpg',
    mimeType: 'image/jpeg',
    bytes: FIXTURE_BYTES.length,
    width: 1200,
    height: 800,
    sha256: FIXTURE_SHA256,
    alt: 'Vladimir Putin and Kim Jong-un examine a launch pad at the Vostochny cosmodrome',
    caption:
      "Russian President Vladimir Putin and North Korea's leader Kim Jong-un examine a launch pad during their meeting at the Vostochny cosmodrome outside the city of Tsiolkovsky on Sept. 13, 2023.",
    credit: 'AP/YONHAP',
    focalPoint: null,
    renditions: [320, 640, 960].map((width) => ({ width, url: `/v1/images/${id}/file?w=${width}&format=webp` })),
    createdAt: new Date(b.clock.now()).toISOString(),
  };
}

/** Inserts an image that no article uses (a 300×200 PNG). */
async function addUnusedImage(b: Built, id = 'image-unused') {
  const data = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();
  const sha256 = await b.services.storage.putOriginal(data);
  const at = b.clock.now() + 1000;
  await b.services.repositories.images.insert({
    id,
    sha256,
    filename: 'unused.png',
    mimeType: 'image/png',
    bytes: data.length,
    width: 300,
    height: 200,
    alt: 'A red square',
    caption: null,
    credit: null,
    createdAt: at,
    updatedAt: at,
  });
  return { id, sha256, data, createdAt: at };
}

function assertProblem(t: Test, res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number) {
  t.equal(res.statusCode, status, `status ${status}`);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', 'problem+json');
  const body = res.json();
  if (res.statusCode !== status || res.headers['content-type'] !== 'application/problem+json; charset=utf-8') {
    t.comment(`unexpected response: ${res.statusCode} ${JSON.stringify(body).slice(0, 200)}`);
    return body;
  }
  t.equal(body.status, status);
  t.type(body.type, 'string');
  t.type(body.title, 'string');
  t.type(body.detail, 'string');
  return body;
}

t.test('the fixture is what the seed describes', async (t) => {
  const meta = await sharp(FIXTURE_BYTES).metadata();
  t.equal(meta.format, 'jpeg');
  t.equal(meta.width, 1200);
  t.equal(meta.height, 800);
});

t.test('GET /v1/images and /v1/images/{id}: exact metadata', async (t) => {
  const b = await build(t);
  const expected = await seedImage(b);

  const list = await b.app.inject({ method: 'GET', url: '/v1/images' });
  t.equal(list.statusCode, 200);
  t.equal(list.headers['content-type'], 'application/json; charset=utf-8');
  const body = list.json();
  t.strictSame(Object.keys(body.data[0]).sort(), IMAGE_FIELDS);
  t.strictSame(body, { data: [expected], page: { limit: 20, nextCursor: null } });

  const one = await b.app.inject({ method: 'GET', url: `/v1/images/${expected.id}` });
  t.equal(one.statusCode, 200);
  t.strictSame(Object.keys(one.json()).sort(), IMAGE_FIELDS);
  t.strictSame(one.json(), expected);
  t.equal(one.json().url, `/v1/images/${expected.id}/file`);
  t.equal(one.json().sha256, FIXTURE_SHA256, 'sha256 is the sha256 of the fixture bytes');
});

t.test('GET /v1/images/{id}/file: the original bytes and headers', async (t) => {
  const b = await build(t);
  const { id } = await seedImage(b);
  const res = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file` });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'image/jpeg');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['content-disposition'], `inline; filename="putin-kim-vostochny.jpg"; filename*=UTF-8''putin-kim-vostochny.jpg`);
  t.equal(res.headers.etag, `"${FIXTURE_SHA256}"`);
  t.equal(res.headers['cache-control'], `public, max-age=${YEAR}, immutable`);
  t.equal(Number(res.headers['content-length']), FIXTURE_BYTES.length);
  t.match(res.headers.vary, /Authorization/);
  t.ok(res.rawPayload.equals(FIXTURE_BYTES), 'exactly the fixture bytes');

  const withToken = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file`, headers: b.auth('writer') });
  t.equal(withToken.statusCode, 200);
  t.equal(withToken.headers['cache-control'], `private, max-age=${YEAR}, immutable`);
  t.equal(withToken.headers.etag, `"${FIXTURE_SHA256}"`);
  t.ok(withToken.rawPayload.equals(FIXTURE_BYTES));
});

t.test('If-None-Match on the file → 304 with no body', async (t) => {
  const b = await build(t);
  const { id } = await seedImage(b);
  const etag = `"${FIXTURE_SHA256}"`;
  for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file`, headers: { 'if-none-match': inm } });
    t.equal(res.statusCode, 304, `If-None-Match: ${inm}`);
    t.equal(res.rawPayload.length, 0, 'no body');
    t.equal(res.headers.etag, etag);
    t.equal(res.headers['cache-control'], `public, max-age=${YEAR}, immutable`);
  }
  const stale = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file`, headers: { 'if-none-match': '"stale"' } });
  t.equal(stale.statusCode, 200);
  t.ok(stale.rawPayload.equals(FIXTURE_BYTES));
});

t.test('renditions: ?w=640&format=webp is a 640-px WebP', async (t) => {
  const b = await build(t);
  const { id } = await seedImage(b);
  const res = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?w=640&format=webp` });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'image/webp');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['cache-control'], `public, max-age=${YEAR}, immutable`);
  t.equal(res.headers['content-disposition'], `inline; filename="putin-kim-vostochny-640.webp"; filename*=UTF-8''putin-kim-vostochny-640.webp`);
  const etag = res.headers.etag as string;
  t.match(etag, /^"[^"]+"$/, 'a strong ETag');
  t.not(etag, `"${FIXTURE_SHA256}"`, 'not the original’s ETag');
  const meta = await sharp(res.rawPayload).metadata();
  t.equal(meta.format, 'webp');
  t.equal(meta.width, 640);
  t.equal(meta.height, 427, 'aspect ratio kept (800 × 640/1200 = 426.7)');

  // The second request is served from the cached rendition, identically.
  const again = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?w=640&format=webp` });
  t.equal(again.headers.etag, etag);
  t.ok(again.rawPayload.equals(res.rawPayload));
  const revalidate = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?w=640&format=webp`, headers: { 'if-none-match': etag } });
  t.equal(revalidate.statusCode, 304);
  t.equal(revalidate.rawPayload.length, 0);

  // w alone defaults to WebP.
  const wOnly = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?w=320` });
  t.equal(wOnly.statusCode, 200);
  t.equal(wOnly.headers['content-type'], 'image/webp');
  const wOnlyMeta = await sharp(wOnly.rawPayload).metadata();
  t.equal(wOnlyMeta.format, 'webp');
  t.equal(wOnlyMeta.width, 320);
});

t.test('renditions are never upscaled; format alone keeps the width', async (t) => {
  const b = await build(t);
  const { id } = await seedImage(b);
  const big = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?w=1920` });
  t.equal(big.statusCode, 200);
  const bigMeta = await sharp(big.rawPayload).metadata();
  t.equal(bigMeta.width, 1200, 'not upscaled to 1920');
  t.equal(bigMeta.height, 800);

  const png = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?format=png` });
  t.equal(png.statusCode, 200);
  t.equal(png.headers['content-type'], 'image/png');
  const pngMeta = await sharp(png.rawPayload).metadata();
  t.equal(pngMeta.format, 'png');
  t.equal(pngMeta.width, 1200);
  t.equal(pngMeta.height, 800);

  const jpeg = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?w=960&format=jpeg` });
  t.equal(jpeg.headers['content-type'], 'image/jpeg');
  const jpegMeta = await sharp(jpeg.rawPayload).metadata();
  t.equal(jpegMeta.format, 'jpeg');
  t.equal(jpegMeta.width, 960);
});

t.test('bad rendition parameters are 400 naming the field', async (t) => {
  const b = await build(t);
  const { id } = await seedImage(b);
  for (const [query, paths] of [
    ['w=500', ['w']],
    ['w=abc', ['w']],
    ['w=', ['w']],
    ['format=gif', ['format']],
    ['format=svg', ['format']],
    ['w=500&format=gif', ['format', 'w']],
    ['h=100', ['h']],
  ] as const) {
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?${query}` });
    const body = assertProblem(t, res, 400);
    t.strictSame(
      body.errors?.map((e: { in: string; path: string }) => `${e.in}:${e.path}`).sort(),
      paths.map((p) => `query:${p}`),
      `?${query}`,
    );
  }
});

t.test('unknown images are 404 problems', async (t) => {
  const b = await build(t);
  const unknown = '0190d5a0-0000-7000-8000-000000000000';
  for (const url of [`/v1/images/${unknown}`, `/v1/images/${unknown}/file`, `/v1/images/${unknown}/file?w=640`]) {
    const pub = assertProblem(t, await b.app.inject({ method: 'GET', url }), 404);
    t.equal(pub.detail, 'Image was not found.');
    assertProblem(t, await b.app.inject({ method: 'GET', url, headers: b.auth('editor') }), 404);
  }
  const longId = assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${'z'.repeat(65)}` }), 400);
  t.strictSame(longId.errors?.map((e: { in: string; path: string }) => [e.in, e.path]), [['path', 'id']]);
  const listQuery = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/images?w=640' }), 400);
  t.strictSame(listQuery.errors, [{ in: 'query', path: 'w', message: 'Unknown field' }]);
});

t.test('an image no public article uses is visible to tokens only', async (t) => {
  const b = await build(t);
  const seeded = await seedImage(b);
  const img = await addUnusedImage(b);

  const pubMeta = assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}` }), 404);
  t.equal(pubMeta.detail, 'Image was not found.');
  assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file` }), 404);
  assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file?w=320` }), 404);
  const pubList = await b.app.inject({ method: 'GET', url: '/v1/images' });
  t.strictSame(pubList.json().data.map((i: { id: string }) => i.id), [seeded.id]);

  const auth = b.auth('writer');
  const meta = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}`, headers: auth });
  t.equal(meta.statusCode, 200);
  t.strictSame(meta.json(), {
    id: img.id,
    url: `/v1/images/${img.id}/file`,
    filename: 'unused.png',
    mimeType: 'image/png',
    bytes: img.data.length,
    width: 300,
    height: 200,
    sha256: img.sha256,
    alt: 'A red square',
    caption: null,
    credit: null,
    focalPoint: null,
    renditions: [],
    createdAt: new Date(img.createdAt).toISOString(),
  });
  const file = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file`, headers: auth });
  t.equal(file.statusCode, 200);
  t.equal(file.headers['content-type'], 'image/png');
  t.equal(file.headers['cache-control'], `private, max-age=${YEAR}, immutable`);
  t.equal(file.headers.etag, `"${img.sha256}"`);
  t.ok(file.rawPayload.equals(img.data));

  const tokList = await b.app.inject({ method: 'GET', url: '/v1/images', headers: auth });
  t.strictSame(tokList.json().data.map((i: { id: string }) => i.id), [img.id, seeded.id], 'newest first');
});

t.test('an image becomes public with a public article, and stays hidden behind a draft', async (t) => {
  const b = await build(t);
  const img = await addUnusedImage(b);
  await addArticle(b, { status: 'draft', leadImage: { imageId: img.id, caption: null, credit: null } });
  assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}` }), 404);

  await addArticle(b, { status: 'published', body: [{ type: 'image', imageId: img.id, caption: null, credit: null }] });
  const meta = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}` });
  t.equal(meta.statusCode, 200, 'used in the body of a published article');
  const file = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file` });
  t.equal(file.statusCode, 200);
  t.equal(file.headers['cache-control'], `public, max-age=${YEAR}, immutable`);
});

t.test('image list pagination', async (t) => {
  const b = await build(t);
  const seeded = await seedImage(b);
  const img = await addUnusedImage(b);
  const auth = b.auth('editor');
  const first = await b.app.inject({ method: 'GET', url: '/v1/images?limit=1', headers: auth });
  const p1 = first.json();
  t.strictSame(p1.data.map((i: { id: string }) => i.id), [img.id]);
  t.type(p1.page.nextCursor, 'string');
  t.match(first.headers.link, /; rel="next"$/);
  const second = await b.app.inject({ method: 'GET', url: `/v1/images?limit=1&cursor=${p1.page.nextCursor}`, headers: auth });
  t.strictSame(second.json(), { data: [seeded], page: { limit: 1, nextCursor: null } });
  const bad = assertProblem(t, await b.app.inject({ method: 'GET', url: '/v1/images?cursor=bm9wZQ' }), 400);
  t.strictSame(bad.errors?.map((e: { path: string }) => e.path), ['cursor']);
});

t.test('GET /v1/images/{id} rejects an unknown query parameter', async (t) => {
  const b = await build(t);
  const { id } = await seedImage(b);
  const res = await b.app.inject({ method: 'GET', url: `/v1/images/${id}?w=640` });
  t.equal(res.statusCode, 400, 'API.md: an unknown query parameter is a 400');
});
