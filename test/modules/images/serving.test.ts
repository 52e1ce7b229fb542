// GET /v1/images/{id}/file (headers, 304, Range, renditions and their disk cache), PATCH and
// DELETE of image metadata, and public visibility of uploaded images.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { addArticle, build, seedIds, type Built } from '../../helper.ts';

const YEAR = 31_536_000;
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A test photo: a gradient with some noise, so renditions are real work. */
async function photo(width: number, height: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const channels = 3;
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = ((x ^ y) * 7) & 0xff;
    }
  }
  const img = sharp(raw, { raw: { width, height, channels } });
  return format === 'jpeg' ? img.jpeg({ quality: 85 }).toBuffer() : img.png().toBuffer();
}

interface Uploaded {
  id: string;
  sha256: string;
  bytes: Buffer;
  body: any;
}

/** Uploads over the socket (as a writer) and returns the new image. */
async function upload(b: Built, base: string, bytes: Buffer, filename = 'photo.jpg', fields: Record<string, string> = {}): Promise<Uploaded> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(bytes)]), filename);
  const res = await fetch(`${base}/v1/images`, { method: 'POST', headers: b.auth('writer'), body: form });
  const body = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.id, sha256: body.sha256, bytes, body };
}

function assertProblem(t: Test, res: { statusCode: number; headers: Record<string, unknown>; body: string; json(): any }, status: number) {
  t.equal(res.statusCode, status, `status ${status}`);
  t.equal(res.headers['content-type'], PROBLEM_TYPE, 'problem+json');
  if (res.statusCode !== status || res.headers['content-type'] !== PROBLEM_TYPE) {
    t.comment(`unexpected response: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return undefined;
  }
  const body = res.json();
  t.equal(body.status, status, 'problem status');
  t.type(body.title, 'string');
  t.type(body.detail, 'string');
  return body;
}

t.test('the original file: bytes, type, nosniff, disposition, ETag and 304', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const jpeg = await photo(800, 600);
  const img = await upload(b, base, jpeg, 'Seoul skyline.jpg');
  t.equal(img.sha256, sha256(jpeg));

  const res = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file`, headers: b.auth('writer') });
  t.equal(res.statusCode, 200);
  t.ok(res.rawPayload.equals(jpeg), 'bytes identical to the upload');
  t.equal(res.headers['content-type'], 'image/jpeg');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['content-disposition'], `inline; filename="Seoul skyline.jpg"; filename*=UTF-8''Seoul%20skyline.jpg`);
  t.equal(res.headers.etag, `"${img.sha256}"`, 'a strong ETag from the sha256');
  t.equal(res.headers['cache-control'], `private, max-age=${YEAR}, immutable`);
  t.equal(Number(res.headers['content-length']), jpeg.length);
  t.equal(res.headers['accept-ranges'], 'bytes');

  // Over the socket too (a real client, not inject).
  const real = await fetch(`${base}/v1/images/${img.id}/file`, { headers: b.auth('editor') });
  t.equal(real.status, 200);
  t.ok(Buffer.from(await real.arrayBuffer()).equals(jpeg), 'bytes identical over the socket');
  t.equal(real.headers.get('etag'), `"${img.sha256}"`);

  for (const inm of [`"${img.sha256}"`, `"nope", "${img.sha256}"`]) {
    const cached = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file`, headers: { ...b.auth('writer'), 'if-none-match': inm } });
    t.equal(cached.statusCode, 304, `If-None-Match: ${inm}`);
    t.equal(cached.rawPayload.length, 0, 'no body');
    t.equal(cached.headers.etag, `"${img.sha256}"`);
  }
  const stale = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file`, headers: { ...b.auth('writer'), 'if-none-match': '"0000"' } });
  t.equal(stale.statusCode, 200);
  t.ok(stale.rawPayload.equals(jpeg));

  // A non-ASCII name: an ASCII-only fallback plus the UTF-8 name, nothing that breaks the header.
  const png = await photo(200, 100, 'png');
  const named = await upload(b, base, png, 'Сеул ночью.png');
  t.equal(named.body.filename, 'Сеул ночью.png');
  const res2 = await b.app.inject({ method: 'GET', url: `/v1/images/${named.id}/file`, headers: b.auth('writer') });
  t.equal(res2.headers['content-type'], 'image/png');
  t.equal(res2.headers['content-disposition'], `inline; filename="____ _____.png"; filename*=UTF-8''${encodeURIComponent('Сеул ночью.png')}`);
});

t.test('Range requests', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const jpeg = await photo(800, 600);
  const size = jpeg.length;
  t.ok(size > 1000, `the file has ${size} bytes`);
  const img = await upload(b, base, jpeg);
  const url = `/v1/images/${img.id}/file`;
  const etag = `"${img.sha256}"`;

  await t.test('bytes=0-99 → 206 with exactly those 100 bytes', async (t) => {
    const res = await b.app.inject({ method: 'GET', url, headers: { ...b.auth('writer'), range: 'bytes=0-99' } });
    t.equal(res.statusCode, 206);
    t.equal(res.headers['content-range'], `bytes 0-99/${size}`);
    t.equal(Number(res.headers['content-length']), 100);
    t.equal(res.headers['content-type'], 'image/jpeg');
    t.equal(res.headers.etag, etag);
    t.equal(res.rawPayload.length, 100);
    t.ok(res.rawPayload.equals(jpeg.subarray(0, 100)), 'the first 100 bytes');
  });

  await t.test('a middle range over the socket', async (t) => {
    const res = await fetch(`${base}${url}`, { headers: { ...b.auth('writer'), range: 'bytes=100-199' } });
    t.equal(res.status, 206);
    t.equal(res.headers.get('content-range'), `bytes 100-199/${size}`);
    t.ok(Buffer.from(await res.arrayBuffer()).equals(jpeg.subarray(100, 200)), 'bytes 100–199');
  });

  await t.test('bytes=-10 (suffix) → the last 10 bytes', async (t) => {
    const res = await b.app.inject({ method: 'GET', url, headers: { ...b.auth('writer'), range: 'bytes=-10' } });
    t.equal(res.statusCode, 206);
    t.equal(res.headers['content-range'], `bytes ${size - 10}-${size - 1}/${size}`);
    t.equal(res.rawPayload.length, 10);
    t.ok(res.rawPayload.equals(jpeg.subarray(size - 10)), 'the last 10 bytes');
  });

  await t.test('an open range (bytes=N-) → to the end', async (t) => {
    const res = await b.app.inject({ method: 'GET', url, headers: { ...b.auth('writer'), range: `bytes=${size - 5}-` } });
    t.equal(res.statusCode, 206);
    t.equal(res.headers['content-range'], `bytes ${size - 5}-${size - 1}/${size}`);
    t.ok(res.rawPayload.equals(jpeg.subarray(size - 5)));
  });

  await t.test('a range past the end → 416 problem with Content-Range: bytes */size', async (t) => {
    for (const range of [`bytes=${size}-`, `bytes=${size + 100}-${size + 200}`]) {
      const res = await b.app.inject({ method: 'GET', url, headers: { ...b.auth('writer'), range } });
      assertProblem(t, res, 416);
      t.equal(res.headers['content-range'], `bytes */${size}`, range);
    }
  });

  await t.test('If-Range with another ETag → 200 and the whole file', async (t) => {
    const res = await b.app.inject({ method: 'GET', url, headers: { ...b.auth('writer'), range: 'bytes=0-99', 'if-range': '"someone-elses-etag"' } });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['content-range'], undefined);
    t.equal(res.rawPayload.length, size);
    t.ok(res.rawPayload.equals(jpeg), 'the whole file');
  });

  await t.test('If-Range with the current ETag → 206', async (t) => {
    const res = await b.app.inject({ method: 'GET', url, headers: { ...b.auth('writer'), range: 'bytes=0-99', 'if-range': etag } });
    t.equal(res.statusCode, 206);
    t.ok(res.rawPayload.equals(jpeg.subarray(0, 100)));
  });
});

t.test('renditions: real pixel sizes, never upscaled, only the named widths and formats', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const big = await upload(b, base, await photo(1600, 1200), 'big.jpg');
  const small = await upload(b, base, await photo(800, 600), 'small.jpg');
  t.strictSame(
    big.body.renditions.map((r: { width: number }) => r.width),
    [320, 640, 960, 1280],
    'renditions listed up to the original width',
  );

  await t.test('?w=640&format=webp of a 1600-px image is a 640-px WebP', async (t) => {
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${big.id}/file?w=640&format=webp`, headers: b.auth('writer') });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['content-type'], 'image/webp');
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['content-disposition'], `inline; filename="big-640.webp"; filename*=UTF-8''big-640.webp`);
    t.match(res.headers.etag, /^"[^"]+"$/, 'a strong ETag');
    t.not(res.headers.etag, `"${big.sha256}"`, 'not the original’s ETag');
    const meta = await sharp(res.rawPayload).metadata();
    t.equal(meta.format, 'webp');
    t.equal(meta.width, 640);
    t.equal(meta.height, 480);
    const again = await b.app.inject({ method: 'GET', url: `/v1/images/${big.id}/file?w=640&format=webp`, headers: { ...b.auth('writer'), 'if-none-match': res.headers.etag as string } });
    t.equal(again.statusCode, 304);
  });

  await t.test('?w=1920 of an 800-px image stays 800 px', async (t) => {
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${small.id}/file?w=1920`, headers: b.auth('writer') });
    t.equal(res.statusCode, 200);
    const meta = await sharp(res.rawPayload).metadata();
    t.equal(meta.width, 800, 'never upscaled');
    t.equal(meta.height, 600);
    t.equal(meta.format, 'webp', 'w alone is WebP');

    const jpeg = await b.app.inject({ method: 'GET', url: `/v1/images/${small.id}/file?w=1920&format=jpeg`, headers: b.auth('writer') });
    t.equal(jpeg.headers['content-type'], 'image/jpeg');
    const jpegMeta = await sharp(jpeg.rawPayload).metadata();
    t.equal(jpegMeta.format, 'jpeg');
    t.equal(jpegMeta.width, 800);
  });

  await t.test('other widths and formats are 400', async (t) => {
    for (const [query, field] of [
      ['w=500', 'w'],
      ['w=0', 'w'],
      ['w=640.0', 'w'],
      ['w=-640', 'w'],
      ['format=tiff', 'format'],
      ['format=svg', 'format'],
      ['w=640&format=gif', 'format'],
      ['h=640', 'h'],
    ] as const) {
      const before = filesUnder(b.config.CMS_MEDIA_DIR);
      const res = await b.app.inject({ method: 'GET', url: `/v1/images/${big.id}/file?${query}`, headers: b.auth('writer') });
      const body = assertProblem(t, res, 400);
      if (body) t.match(body.errors, [{ in: 'query', path: field }], `?${query} names ${field}`);
      t.strictSame(filesUnder(b.config.CMS_MEDIA_DIR), before, `?${query} renders nothing`);
    }
  });

  await t.test('renditions are cached on disk', async (t) => {
    const before = filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'renditions'));
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${big.id}/file?w=320&format=png`, headers: b.auth('writer') });
    t.equal(res.statusCode, 200);
    const after = filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'renditions'));
    const added = after.filter((f) => !before.includes(f));
    t.equal(added.length, 1, 'one rendition file written');
    const cached = fs.readFileSync(path.join(b.config.CMS_MEDIA_DIR, 'renditions', added[0]!));
    t.ok(cached.equals(res.rawPayload), 'the served bytes are the cached file');
    t.match(added[0], big.sha256, 'named after the original’s sha256');

    const again = await b.app.inject({ method: 'GET', url: `/v1/images/${big.id}/file?w=320&format=png`, headers: b.auth('writer') });
    t.ok(again.rawPayload.equals(res.rawPayload), 'served again identically');
    t.strictSame(filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'renditions')), after, 'nothing new written');
  });

  await t.test('10 concurrent first requests for a new variant: identical bytes, one file', async (t) => {
    const before = filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'renditions'));
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await fetch(`${base}/v1/images/${big.id}/file?w=960&format=avif`, { headers: b.auth('writer') });
        return { status: res.status, type: res.headers.get('content-type'), etag: res.headers.get('etag'), bytes: Buffer.from(await res.arrayBuffer()) };
      }),
    );
    t.strictSame(
      answers.map((a) => a.status),
      Array(10).fill(200),
    );
    t.strictSame(
      answers.map((a) => a.type),
      Array(10).fill('image/avif'),
    );
    t.equal(new Set(answers.map((a) => a.etag)).size, 1, 'one ETag');
    t.ok(
      answers.every((a) => a.bytes.equals(answers[0]!.bytes)),
      'identical bytes',
    );
    const meta = await sharp(answers[0]!.bytes).metadata();
    t.equal(meta.width, 960);
    t.equal(meta.height, 720);
    const added = filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'renditions')).filter((f) => !before.includes(f));
    t.equal(added.length, 1, `only one rendition file for the variant (${added.join(', ')})`);
    t.ok(fs.readFileSync(path.join(b.config.CMS_MEDIA_DIR, 'renditions', added[0]!)).equals(answers[0]!.bytes), 'the file holds the served bytes');
  });
});

t.test('PATCH /v1/images/{id}', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const img = await upload(b, base, await photo(400, 300), 'p.jpg', { caption: 'old caption' });

  const res = await b.app.inject({
    method: 'PATCH',
    url: `/v1/images/${img.id}`,
    headers: b.auth('writer'),
    payload: { alt: 'New alt', caption: 'New caption', credit: 'Reuters', focalPoint: { x: 0.25, y: 0.75 } },
  });
  t.equal(res.statusCode, 200);
  const expected = { ...img.body, alt: 'New alt', caption: 'New caption', credit: 'Reuters', focalPoint: { x: 0.25, y: 0.75 } };
  t.strictSame(res.json(), expected);
  const got = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}`, headers: b.auth('writer') });
  t.strictSame(got.json(), expected, 'stored');

  const partial = await b.app.inject({ method: 'PATCH', url: `/v1/images/${img.id}`, headers: b.auth('writer'), payload: { credit: null } });
  t.equal(partial.statusCode, 200);
  t.strictSame(partial.json(), { ...expected, credit: null }, 'only credit changed');

  const clear = await b.app.inject({ method: 'PATCH', url: `/v1/images/${img.id}`, headers: b.auth('writer'), payload: { focalPoint: null } });
  t.equal(clear.statusCode, 200);
  t.equal(clear.json().focalPoint, null, 'null clears the focal point');

  for (const [payload, errorPath] of [
    [{ focalPoint: { x: 1.5, y: 0.5 } }, 'focalPoint.x'],
    [{ focalPoint: { x: 0.5, y: -0.1 } }, 'focalPoint.y'],
    [{ bogus: 1 }, 'bogus'],
    [{ sha256: 'f'.repeat(64) }, 'sha256'],
    [{ width: 10 }, 'width'],
  ] as const) {
    const bad = await b.app.inject({ method: 'PATCH', url: `/v1/images/${img.id}`, headers: b.auth('writer'), payload });
    const body = assertProblem(t, bad, 400);
    if (body) t.match(body.errors, [{ in: 'body', path: errorPath }], `${JSON.stringify(payload)} → error at ${errorPath}`);
  }
  const unchanged = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}`, headers: b.auth('writer') });
  t.strictSame(unchanged.json(), { ...expected, credit: null, focalPoint: null }, 'rejected patches changed nothing');

  assertProblem(t, await b.app.inject({ method: 'PATCH', url: `/v1/images/${img.id}`, payload: { alt: 'x' } }), 401);
  assertProblem(t, await b.app.inject({ method: 'PATCH', url: '/v1/images/no-such-image', headers: b.auth('writer'), payload: { alt: 'x' } }), 404);
});

t.test('DELETE /v1/images/{id}', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const original = (sha: string) => path.join(b.config.CMS_MEDIA_DIR, 'originals', sha.slice(0, 2), sha);

  await t.test('409 while an article uses it as lead image', async (t) => {
    const img = await upload(b, base, await photo(300, 200), 'lead.jpg');
    await addArticle(b, { status: 'draft', leadImage: { imageId: img.id, caption: null, credit: null } });
    const res = await b.app.inject({ method: 'DELETE', url: `/v1/images/${img.id}`, headers: b.auth('editor') });
    assertProblem(t, res, 409);
    t.equal((await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}`, headers: b.auth('editor') })).statusCode, 200, 'still there');
    t.ok(fs.existsSync(original(img.sha256)), 'file kept');
  });

  await t.test('409 while used only in a body image block', async (t) => {
    const img = await upload(b, base, await photo(301, 200), 'block.jpg');
    await addArticle(b, {
      status: 'published',
      body: [
        { type: 'paragraph', text: 'Before the photo.' },
        { type: 'image', imageId: img.id },
      ],
    });
    const res = await b.app.inject({ method: 'DELETE', url: `/v1/images/${img.id}`, headers: b.auth('admin') });
    assertProblem(t, res, 409);
    t.ok(fs.existsSync(original(img.sha256)), 'file kept');
  });

  await t.test('a writer may not delete (403); an editor may (204, then 404, file gone)', async (t) => {
    const img = await upload(b, base, await photo(302, 200), 'unused.jpg');
    // Make a rendition too: it goes with the original.
    t.equal((await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file?w=320`, headers: b.auth('writer') })).statusCode, 200);
    const renditionsBefore = filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'renditions')).filter((f) => f.includes(img.sha256));
    t.equal(renditionsBefore.length, 1, 'a rendition exists');

    assertProblem(t, await b.app.inject({ method: 'DELETE', url: `/v1/images/${img.id}`, headers: b.auth('writer') }), 403);
    t.equal((await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}`, headers: b.auth('writer') })).statusCode, 200, 'still there after 403');
    assertProblem(t, await b.app.inject({ method: 'DELETE', url: `/v1/images/${img.id}` }), 401);

    const del = await b.app.inject({ method: 'DELETE', url: `/v1/images/${img.id}`, headers: b.auth('editor') });
    t.equal(del.statusCode, 204);
    t.equal(del.rawPayload.length, 0, 'no body');
    assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}`, headers: b.auth('editor') }), 404);
    assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file`, headers: b.auth('editor') }), 404);
    assertProblem(t, await b.app.inject({ method: 'DELETE', url: `/v1/images/${img.id}`, headers: b.auth('editor') }), 404);
    t.notOk(fs.existsSync(original(img.sha256)), 'the original is gone from disk');
    t.strictSame(
      filesUnder(b.config.CMS_MEDIA_DIR).filter((f) => f.includes(img.sha256)),
      [],
      'and its renditions',
    );
  });

  await t.test('the file stays while another image has the same bytes', async (t) => {
    const bytes = await photo(303, 200);
    const one = await upload(b, base, bytes, 'one.jpg');
    const two = await upload(b, base, bytes, 'two.jpg');
    t.equal(one.sha256, two.sha256);
    t.equal((await b.app.inject({ method: 'DELETE', url: `/v1/images/${one.id}`, headers: b.auth('editor') })).statusCode, 204);
    t.ok(fs.existsSync(original(two.sha256)), 'the shared file is kept');
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${two.id}/file`, headers: b.auth('editor') });
    t.equal(res.statusCode, 200);
    t.ok(res.rawPayload.equals(bytes), 'the other image still serves its bytes');
    t.equal((await b.app.inject({ method: 'DELETE', url: `/v1/images/${two.id}`, headers: b.auth('editor') })).statusCode, 204);
    t.notOk(fs.existsSync(original(two.sha256)), 'gone with the last image that used it');
  });
});

t.test('an uploaded image is invisible to the public until a published article uses it', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const img = await upload(b, base, await photo(640, 480), 'embargoed.jpg');
  const publicIds = async () => {
    const res = await b.app.inject({ method: 'GET', url: '/v1/images?limit=100' });
    t.equal(res.statusCode, 200);
    return res.json().data.map((i: { id: string }) => i.id) as string[];
  };
  const hidden = async (t: Test, why: string) => {
    assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}` }), 404);
    assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file` }), 404);
    assertProblem(t, await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file?w=320&format=webp` }), 404);
    const real = await fetch(`${base}/v1/images/${img.id}/file`);
    t.equal(real.status, 404, `404 over the socket ${why}`);
    await real.arrayBuffer();
    t.notOk((await publicIds()).includes(img.id), `not in the public list ${why}`);
  };

  await t.test('fresh upload', (t) => hidden(t, 'after upload'));
  await t.test('tokens see it', async (t) => {
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file`, headers: b.auth('writer') });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['cache-control'], `private, max-age=${YEAR}, immutable`);
    const list = await b.app.inject({ method: 'GET', url: '/v1/images?limit=100', headers: b.auth('writer') });
    t.ok(
      list.json().data.some((i: { id: string }) => i.id === img.id),
      'in the list for a token',
    );
  });

  // Articles are written over HTTP here, as a newsroom would (and so every cache sees the write).
  let articleId = '';
  await t.test('used by a draft: still hidden', async (t) => {
    const sectionId = (await seedIds(b.services)).sections.get('national/north-korea');
    const res = await b.app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: b.auth('writer'),
      payload: { headline: 'Embargoed story', sectionId, leadImage: { imageId: img.id }, body: [{ type: 'image', imageId: img.id }] },
    });
    t.equal(res.statusCode, 201);
    t.equal(res.json().status, 'draft');
    t.equal(res.json().leadImage?.id, img.id);
    articleId = res.json().id;
    await hidden(t, 'behind a draft');
  });

  await t.test('used by a published article: public', async (t) => {
    const published = await b.app.inject({ method: 'POST', url: `/v1/articles/${articleId}/publish`, headers: b.auth('editor') });
    t.equal(published.statusCode, 200);
    t.equal(published.json().status, 'published');
    const meta = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}` });
    t.equal(meta.statusCode, 200);
    t.equal(meta.json().id, img.id);
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file` });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['cache-control'], `public, max-age=${YEAR}, immutable`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.ok(res.rawPayload.equals(img.bytes));
    const rendition = await b.app.inject({ method: 'GET', url: `/v1/images/${img.id}/file?w=320&format=webp` });
    t.equal(rendition.statusCode, 200);
    t.equal(rendition.headers['cache-control'], `public, max-age=${YEAR}, immutable`);
    t.ok((await publicIds()).includes(img.id), 'in the public list');
  });

  await t.test('unpublished again: hidden again', async (t) => {
    const res = await b.app.inject({ method: 'POST', url: `/v1/articles/${articleId}/unpublish`, headers: b.auth('editor') });
    t.equal(res.statusCode, 200);
    await hidden(t, 'after unpublishing');
  });
});
