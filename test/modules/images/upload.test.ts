// POST /v1/images over a real socket: sniffed types, dimensions, sha256, form fields, storage
// layout, and every rejection leaving nothing behind (no file under CMS_MEDIA_DIR, no row).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { build, type Built } from '../../helper.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/** Every file (not directory) under `dir`, as sorted paths relative to it. */
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

async function imageRows(b: Built) {
  return b.services.repositories.images.list({ publicOnly: false, now: Date.now() + 1e10, limit: 1_000_000 });
}

type Part = { field: string; value: string } | { field: string; file: Uint8Array; filename: string; type?: string };

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function post(base: string, headers: Record<string, string>, parts: Part[]): Promise<Answer> {
  const form = new FormData();
  for (const p of parts) {
    if ('file' in p) form.append(p.field, new Blob([new Uint8Array(p.file)], p.type ? { type: p.type } : {}), p.filename);
    else form.append(p.field, p.value);
  }
  const res = await fetch(`${base}/v1/images`, { method: 'POST', headers, body: form });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: kept as text so the assertion shows it */
  }
  return { status: res.status, headers: res.headers, body };
}

function solid(width = 800, height = 600) {
  return sharp({ create: { width, height, channels: 3, background: '#369' } });
}

/** A PNG padded (with a tEXt chunk before IEND) to exactly `size` bytes. */
function padPng(png: Buffer, size: number): Buffer {
  const dataLength = size - png.length - 12;
  if (dataLength < 9) throw new Error(`cannot pad a ${png.length}-byte PNG to ${size}`);
  const data = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(dataLength - 8, 'x')]);
  const type = Buffer.from('tEXt', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([type, data])));
  const iend = png.length - 12;
  const out = Buffer.concat([png.subarray(0, iend), length, type, data, crc, png.subarray(iend)]);
  if (out.length !== size) throw new Error('padding went wrong');
  return out;
}

async function listen(b: Built): Promise<string> {
  return b.app.listen({ port: 0, host: '127.0.0.1' });
}

function assertProblem(t: Test, res: Answer, status: number) {
  t.equal(res.status, status, `status ${status}`);
  t.equal(res.headers.get('content-type'), PROBLEM_TYPE, 'problem+json');
  if (res.status !== status || typeof res.body !== 'object') {
    t.comment(`unexpected response: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  }
  t.equal(res.body.status, status, 'problem status');
  t.type(res.body.title, 'string');
  t.type(res.body.detail, 'string');
  return res.body;
}

/** Runs a request that must be refused and checks it left no file and no row. */
async function refused(t: Test, b: Built, status: number, send: () => Promise<Answer>) {
  const filesBefore = filesUnder(b.config.CMS_MEDIA_DIR);
  const rowsBefore = (await imageRows(b)).map((r) => r.id);
  const res = await send();
  const body = assertProblem(t, res, status);
  t.strictSame(filesUnder(b.config.CMS_MEDIA_DIR), filesBefore, 'no new file anywhere under CMS_MEDIA_DIR');
  t.strictSame((await imageRows(b)).map((r) => r.id), rowsBefore, 'no new image row');
  return body;
}

const FORMATS = [
  { format: 'jpeg', mime: 'image/jpeg', filename: 'photo.jpg', make: () => solid().jpeg().toBuffer() },
  { format: 'png', mime: 'image/png', filename: 'photo.png', make: () => solid().png().toBuffer() },
  { format: 'webp', mime: 'image/webp', filename: 'photo.webp', make: () => solid().webp().toBuffer() },
  { format: 'gif', mime: 'image/gif', filename: 'photo.gif', make: () => solid().gif().toBuffer() },
  { format: 'avif', mime: 'image/avif', filename: 'photo.avif', make: () => solid().avif().toBuffer() },
] as const;

// Where the form fields go relative to the file, per format: before, after, or split.
const FIELD_ORDER = ['before', 'after', 'split', 'before', 'after'] as const;

t.test('round trip: JPEG, PNG, WebP, GIF and AVIF', async (t) => {
  const b = await build(t);
  const base = await listen(b);
  const createdAt = new Date(b.clock.now()).toISOString();

  for (const [i, f] of FORMATS.entries()) {
    await t.test(`${f.format} (fields ${FIELD_ORDER[i]} the file)`, async (t) => {
      const bytes = await f.make();
      const meta = await sharp(bytes).metadata();
      t.equal(meta.width, 800, 'the test image is 800 wide');
      const fields = { alt: `Alt ${f.format}`, caption: `Caption for ${f.format}, with “quotes” & Ünïcode`, credit: `Credit ${f.format}/YONHAP` };
      const file: Part = { field: 'file', file: bytes, filename: f.filename };
      const order = FIELD_ORDER[i]!;
      const parts: Part[] =
        order === 'before'
          ? [{ field: 'alt', value: fields.alt }, { field: 'caption', value: fields.caption }, { field: 'credit', value: fields.credit }, file]
          : order === 'after'
            ? [file, { field: 'alt', value: fields.alt }, { field: 'caption', value: fields.caption }, { field: 'credit', value: fields.credit }]
            : [{ field: 'caption', value: fields.caption }, file, { field: 'credit', value: fields.credit }, { field: 'alt', value: fields.alt }];

      const filesBefore = filesUnder(b.config.CMS_MEDIA_DIR);
      const res = await post(base, b.auth('writer'), parts);
      t.equal(res.status, 201, `201 (got ${JSON.stringify(res.body).slice(0, 200)})`);
      t.equal(res.headers.get('content-type'), JSON_TYPE);
      const id = res.body.id as string;
      t.type(id, 'string');
      t.equal(res.headers.get('location'), `/v1/images/${id}`);
      const sha = sha256(bytes);
      const expected = {
        id,
        url: `/v1/images/${id}/file`,
        filename: f.filename,
        mimeType: f.mime,
        bytes: bytes.length,
        width: 800,
        height: 600,
        sha256: sha,
        alt: fields.alt,
        caption: fields.caption,
        credit: fields.credit,
        focalPoint: null,
        renditions: [320, 640].map((width) => ({ width, url: `/v1/images/${id}/file?w=${width}&format=webp` })),
        createdAt,
      };
      t.strictSame(res.body, expected, 'the 201 body');

      const got = await b.app.inject({ method: 'GET', url: `/v1/images/${id}`, headers: b.auth('writer') });
      t.equal(got.statusCode, 200);
      t.strictSame(got.json(), expected, 'GET /v1/images/{id} agrees');

      const stored = path.join('originals', sha.slice(0, 2), sha);
      t.strictSame(filesUnder(b.config.CMS_MEDIA_DIR), [...filesBefore, stored].sort(), 'exactly one new file: originals/<2 hex>/<sha256>');
      t.ok(fs.readFileSync(path.join(b.config.CMS_MEDIA_DIR, stored)).equals(bytes), 'the stored file holds the uploaded bytes');
      t.strictSame(filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'incoming')), [], 'nothing left in incoming/');

      const served = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file`, headers: b.auth('writer') });
      t.equal(served.statusCode, 200);
      t.equal(served.headers['content-type'], f.mime);
      t.ok(served.rawPayload.equals(bytes), 'served back byte for byte');
    });
  }
});

t.test("the client's content type and extension are ignored: the type is sniffed", async (t) => {
  const b = await build(t);
  const base = await listen(b);
  const png = await solid(400, 300).png().toBuffer();
  const res = await post(base, b.auth('writer'), [{ field: 'file', file: png, filename: 'x.jpg', type: 'image/jpeg' }]);
  t.equal(res.status, 201);
  t.equal(res.body.mimeType, 'image/png');
  t.equal(res.body.filename, 'x.png', 'the display name takes the sniffed extension');
  t.equal(res.body.width, 400);
  t.equal(res.body.height, 300);
  const served = await b.app.inject({ method: 'GET', url: `/v1/images/${res.body.id}/file`, headers: b.auth('writer') });
  t.equal(served.headers['content-type'], 'image/png');

  // A JPEG labelled image/png with a .png name is a JPEG.
  const jpeg = await solid(400, 300).jpeg().toBuffer();
  const res2 = await post(base, b.auth('writer'), [{ field: 'file', file: jpeg, filename: 'y.png', type: 'image/png' }]);
  t.equal(res2.status, 201);
  t.equal(res2.body.mimeType, 'image/jpeg');
  t.equal(res2.body.filename, 'y.jpg');
});

t.test('rejected as not a raster image: 415, nothing stored', async (t) => {
  const b = await build(t);
  const base = await listen(b);
  const png = await solid(200, 150).png().toBuffer();
  const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n');
  const cases: Array<[string, Buffer, string]> = [
    [
      'SVG',
      Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>\n'),
      'x.svg',
    ],
    ['SVG without an XML declaration', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), 'y.png'],
    ['HTML', html, 'page.jpg'],
    ['a PNG signature glued to HTML', Buffer.concat([png.subarray(0, 8), html]), 'glued.png'],
    ['a real PNG header (signature + IHDR) glued to HTML', Buffer.concat([png.subarray(0, 33), html]), 'glued2.png'],
    ['a real PNG cut short', png.subarray(0, Math.floor(png.length / 2)), 'truncated.png'],
    ['an empty file', Buffer.alloc(0), 'empty.png'],
    ['plain text', Buffer.from('hello, world\n'), 'hello.gif'],
  ];
  for (const [name, bytes, filename] of cases) {
    await t.test(name, async (t) => {
      const body = await refused(t, b, 415, () => post(base, b.auth('writer'), [{ field: 'caption', value: 'c' }, { field: 'file', file: bytes, filename, type: 'image/png' }]));
      t.equal(body.title, 'Unsupported Media Type');
      t.match(body.errors, [{ in: 'body', path: 'file' }], 'the error names the file field');
    });
  }
});

t.test('size limit: one byte over CMS_MAX_UPLOAD_BYTES is 413, exactly at it is accepted', async (t) => {
  // A random-noise PNG of about 50 kB (incompressible), and the limit set one byte below its size.
  const noise = await sharp(randomBytes(128 * 128 * 3), { raw: { width: 128, height: 128, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const LIMIT = noise.length - 1;
  t.ok(LIMIT > 49_000 && LIMIT < 51_000, `the limit (${LIMIT}) is about 50 kB`);
  const b = await build(t, { config: { CMS_MAX_UPLOAD_BYTES: LIMIT } });
  const base = await listen(b);

  await t.test('a noise PNG one byte over the limit → 413', async (t) => {
    const body = await refused(t, b, 413, () =>
      post(base, b.auth('writer'), [{ field: 'alt', value: 'noise' }, { field: 'file', file: noise, filename: 'noise.png' }]),
    );
    t.equal(body.title, 'Content Too Large');
    t.match(body.errors, [{ in: 'body', path: 'file' }]);
  });

  const smaller = await sharp(randomBytes(100 * 100 * 3), { raw: { width: 100, height: 100, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();

  await t.test('a PNG padded to one byte over the limit → 413', async (t) => {
    const over = padPng(smaller, LIMIT + 1);
    t.equal((await sharp(over).metadata()).width, 100, 'the padded PNG is a valid image');
    await refused(t, b, 413, () => post(base, b.auth('writer'), [{ field: 'file', file: over, filename: 'over.png' }]));
  });

  await t.test('a PNG four times the limit → 413', async (t) => {
    await refused(t, b, 413, () => post(base, b.auth('writer'), [{ field: 'file', file: padPng(smaller, LIMIT * 4), filename: 'huge.png' }]));
  });

  await t.test('a PNG of exactly the limit → 201', async (t) => {
    const at = padPng(smaller, LIMIT);
    const ok = await post(base, b.auth('writer'), [{ field: 'file', file: at, filename: 'at.png' }]);
    t.equal(ok.status, 201, `exactly ${LIMIT} bytes is accepted`);
    t.equal(ok.body.bytes, LIMIT);
    t.equal(ok.body.sha256, sha256(at));
    t.equal(ok.body.width, 100);
    t.equal(ok.body.height, 100);
    t.equal(ok.body.mimeType, 'image/png');
    const stored = path.join(b.config.CMS_MEDIA_DIR, 'originals', ok.body.sha256.slice(0, 2), ok.body.sha256);
    t.ok(fs.readFileSync(stored).equals(at), 'stored whole');
  });
});

t.test('malformed forms are 400 and store nothing', async (t) => {
  const b = await build(t);
  const base = await listen(b);
  const png = await solid(200, 150).png().toBuffer();
  const png2 = await solid(210, 150).png().toBuffer();

  await t.test('no file field', async (t) => {
    const body = await refused(t, b, 400, () => post(base, b.auth('writer'), [{ field: 'caption', value: 'no file here' }]));
    t.match(body.errors, [{ in: 'body', path: 'file' }]);
  });

  await t.test('the file under another field name', async (t) => {
    await refused(t, b, 400, () => post(base, b.auth('writer'), [{ field: 'image', file: png, filename: 'a.png' }]));
  });

  await t.test('two files', async (t) => {
    await refused(t, b, 400, () =>
      post(base, b.auth('writer'), [
        { field: 'file', file: png, filename: 'a.png' },
        { field: 'file', file: png2, filename: 'b.png' },
      ]),
    );
  });

  await t.test('an unknown form field before the file', async (t) => {
    const body = await refused(t, b, 400, () =>
      post(base, b.auth('writer'), [
        { field: 'captoin', value: 'typo' },
        { field: 'file', file: png, filename: 'a.png' },
      ]),
    );
    t.match(body.errors, [{ in: 'body', path: 'captoin' }], 'the unknown field is named at its own path');
  });

  await t.test('an unknown form field after the file', async (t) => {
    const body = await refused(t, b, 400, () =>
      post(base, b.auth('writer'), [
        { field: 'file', file: png, filename: 'a.png' },
        { field: 'credti', value: 'typo' },
      ]),
    );
    t.match(body.errors, [{ in: 'body', path: 'credti' }], 'the unknown field is named at its own path');
  });

  await t.test('a JSON body is 415', async (t) => {
    await refused(t, b, 415, async () => {
      const res = await fetch(`${base}/v1/images`, {
        method: 'POST',
        headers: { ...b.auth('writer'), 'content-type': 'application/json' },
        body: JSON.stringify({ file: png.toString('base64'), caption: 'json' }),
      });
      return { status: res.status, headers: res.headers, body: await res.json() };
    });
  });

  await t.test('a raw image body (not multipart) is 415', async (t) => {
    await refused(t, b, 415, async () => {
      const res = await fetch(`${base}/v1/images`, { method: 'POST', headers: { ...b.auth('writer'), 'content-type': 'image/png' }, body: png });
      return { status: res.status, headers: res.headers, body: await res.json() };
    });
  });
});

t.test('a filename of ../../etc/passwd is stored harmlessly', async (t) => {
  const b = await build(t);
  const base = await listen(b);
  const outside = filesUnder(b.dir).filter((f) => !f.startsWith(`media${path.sep}`));
  const escapeTarget = path.resolve(b.config.CMS_MEDIA_DIR, '../../etc/passwd');
  const existedBefore = fs.existsSync(escapeTarget);
  const png = await solid(300, 200).png().toBuffer();
  const sha = sha256(png);

  for (const filename of ['../../etc/passwd', '..\\..\\etc\\passwd']) {
    const res = await post(base, b.auth('writer'), [{ field: 'file', file: png, filename }]);
    t.equal(res.status, 201, filename);
    t.equal(res.body.filename, 'passwd.png', 'a plain display name');
    t.notOk(/[\\/]/.test(res.body.filename), 'no slashes in the filename');
    t.equal(res.body.sha256, sha);
  }
  t.equal(fs.existsSync(escapeTarget), existedBefore, 'nothing written at ../../etc/passwd');
  t.strictSame(
    filesUnder(b.dir).filter((f) => !f.startsWith(`media${path.sep}`)),
    outside,
    'nothing new beside the media dir',
  );
  const media = filesUnder(b.config.CMS_MEDIA_DIR);
  t.ok(media.includes(path.join('originals', sha.slice(0, 2), sha)), 'stored under its sha256 path');
  t.notOk(
    media.some((f) => f.includes('passwd') || f.includes('etc')),
    'the client name is never a path',
  );
});

t.test('the same bytes uploaded twice: two images, one file', async (t) => {
  const b = await build(t);
  const base = await listen(b);
  const jpeg = await solid(640, 480).jpeg().toBuffer();
  const sha = sha256(jpeg);
  const before = filesUnder(b.config.CMS_MEDIA_DIR);

  const first = await post(base, b.auth('writer'), [{ field: 'file', file: jpeg, filename: 'one.jpg' }, { field: 'caption', value: 'first' }]);
  const second = await post(base, b.auth('editor'), [{ field: 'caption', value: 'second' }, { field: 'file', file: jpeg, filename: 'two.jpg' }]);
  t.equal(first.status, 201);
  t.equal(second.status, 201);
  t.not(first.body.id, second.body.id, 'two image rows');
  t.equal(first.body.sha256, sha);
  t.equal(second.body.sha256, sha);
  t.equal(first.body.caption, 'first');
  t.equal(second.body.caption, 'second');
  t.equal(second.body.filename, 'two.jpg');
  t.strictSame(filesUnder(b.config.CMS_MEDIA_DIR), [...before, path.join('originals', sha.slice(0, 2), sha)].sort(), 'one file on disk');
  for (const id of [first.body.id, second.body.id]) {
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file`, headers: b.auth() });
    t.equal(res.statusCode, 200);
    t.ok(res.rawPayload.equals(jpeg), `image ${id} serves the bytes`);
  }
});

t.test('authentication and roles', async (t) => {
  const b = await build(t);
  const base = await listen(b);
  const png = await solid(100, 100).png().toBuffer();
  const form: Part[] = [{ field: 'file', file: png, filename: 'a.png' }];

  await t.test('no token → 401', async (t) => {
    await refused(t, b, 401, () => post(base, {}, form));
    const res = await post(base, {}, form);
    t.match(res.headers.get('www-authenticate'), /^Bearer/);
  });
  await t.test('an unknown token → 401', async (t) => {
    await refused(t, b, 401, () => post(base, { authorization: 'Bearer not-a-real-token' }, form));
  });
  await t.test('an empty Authorization header → 401', async (t) => {
    await refused(t, b, 401, () => post(base, { authorization: '' }, form));
  });

  for (const role of ['writer', 'editor', 'admin'] as const) {
    await t.test(`${role} → 201`, async (t) => {
      const rows = (await imageRows(b)).length;
      const res = await post(base, b.auth(role), [{ field: 'alt', value: role }, { field: 'file', file: png, filename: `${role}.png` }]);
      t.equal(res.status, 201);
      t.equal(res.body.alt, role);
      t.equal((await imageRows(b)).length, rows + 1, 'one new row');
    });
  }
});
