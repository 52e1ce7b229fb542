// The media sweep: `images.gc()` (and `npm run cms -- media gc`) finishes or removes what
// crashes left under CMS_MEDIA_DIR, and keeps every file an image row needs. It deletes only
// files over an hour old (gc-race.test.ts has the grace and uploads under way), so the
// garbage here is made two hours old.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { build, type Built } from '../../helper.ts';
import { childEnv, ROOT } from '../../process.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const HOUR = 60 * 60 * 1000;
const OLD = new Date(Date.now() - 2 * HOUR);

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

function put(media: string, rel: string, data: Uint8Array, mtime?: Date): string {
  const file = path.join(media, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  if (mtime) fs.utimesSync(file, mtime, mtime);
  return rel;
}

const originalRel = (sha: string) => path.join('originals', sha.slice(0, 2), sha);

async function png(width: number, color: string): Promise<Buffer> {
  return sharp({ create: { width, height: 100, channels: 3, background: color } }).png().toBuffer();
}

/** An image row whose file is not (yet) under originals/: what a crash after the commit leaves. */
async function insertRow(b: Built, id: string, data: Buffer, width: number) {
  const at = b.clock.now();
  await b.services.repositories.images.insert({
    id,
    sha256: sha256(data),
    filename: `${id}.png`,
    mimeType: 'image/png',
    bytes: data.length,
    width,
    height: 100,
    alt: null,
    caption: null,
    credit: null,
    createdAt: at,
    updatedAt: at,
  });
}

async function seedSha(b: Built): Promise<string> {
  const all = await b.services.repositories.images.list({ publicOnly: false, now: Date.now() + 1e10, limit: 1000 });
  if (all.length !== 1) throw new Error(`expected the seed's one image, found ${all.length}`);
  return all[0]!.sha256;
}

t.test('gc removes orphans and stale parts, recovers ready files with rows, keeps the rest', async (t) => {
  const b = await build(t);
  const media = b.config.CMS_MEDIA_DIR;
  const seed = await seedSha(b);
  t.strictSame(filesUnder(media), [originalRel(seed)], 'the seed image is the only file to start with');

  // Kept: the seed's rendition (its row exists).
  const seedRendition = path.relative(media, await b.services.storage.rendition(seed, 320, 'webp'));
  t.ok(seedRendition.startsWith(`renditions${path.sep}`), `the rendition is under renditions/ (${seedRendition})`);

  // Removed: an original with no row, and renditions of it.
  const orphan = randomBytes(2048);
  const orphanSha = sha256(orphan);
  put(media, originalRel(orphanSha), orphan, OLD);
  put(media, path.join('renditions', orphanSha.slice(0, 2), `${orphanSha}-320.webp`), randomBytes(100), OLD);
  put(media, path.join('renditions', orphanSha.slice(0, 2), `${orphanSha}-640.avif`), randomBytes(100), OLD);

  // Partial uploads: stale (two hours old) removed, fresh (an upload in progress) kept.
  const stalePart = put(media, path.join('incoming', `${randomBytes(12).toString('hex')}.part`), randomBytes(500), new Date(Date.now() - 2 * HOUR));
  const freshPart = put(media, path.join('incoming', `${randomBytes(12).toString('hex')}.part`), randomBytes(500));

  // A ready upload whose row committed (crash before the rename): moved into originals/.
  const recovered = await png(120, '#0a0');
  await insertRow(b, 'image-recovered', recovered, 120);
  put(media, path.join('incoming', `${sha256(recovered)}.${randomBytes(6).toString('hex')}.ready`), recovered);
  const before = await b.app.inject({ method: 'GET', url: '/v1/images/image-recovered/file', headers: b.auth() });
  t.equal(before.statusCode, 404, 'before gc the row has no file');

  // A ready upload of bytes already stored, with a row: dropped, the stored file kept.
  put(media, path.join('incoming', `${seed}.${randomBytes(6).toString('hex')}.ready`), fs.readFileSync(path.join(media, originalRel(seed))));

  // A ready upload whose row never committed: deleted.
  const uncommitted = await png(130, '#a00');
  put(media, path.join('incoming', `${sha256(uncommitted)}.${randomBytes(6).toString('hex')}.ready`), uncommitted, OLD);

  const report = await b.services.editors.images.gc();
  t.strictSame(report, { recovered: 2, removed: 5 }, 'the report counts what it did');

  t.strictSame(
    filesUnder(media),
    [originalRel(seed), originalRel(sha256(recovered)), freshPart, seedRendition].sort(),
    'exactly the files rows need, and the fresh partial upload',
  );
  t.notOk(filesUnder(media).includes(stalePart), 'the stale .part is gone');
  t.ok(fs.readFileSync(path.join(media, originalRel(sha256(recovered)))).equals(recovered), 'the recovered file holds its bytes');
  t.ok(fs.readFileSync(path.join(media, originalRel(seed))).length > 0, 'the seed file is intact');

  const after = await b.app.inject({ method: 'GET', url: '/v1/images/image-recovered/file', headers: b.auth() });
  t.equal(after.statusCode, 200, 'after gc the recovered image is served');
  t.ok(after.rawPayload.equals(recovered));
  t.equal(after.headers.etag, `"${sha256(recovered)}"`);

  const again = await b.services.editors.images.gc();
  t.strictSame(again, { recovered: 0, removed: 0 }, 'a second run finds nothing to do');
  t.strictSame(
    filesUnder(media),
    [originalRel(seed), originalRel(sha256(recovered)), freshPart, seedRendition].sort(),
    'and changes nothing',
  );
});

t.test('gc keeps uploads and renditions made through the API', async (t) => {
  const b = await build(t);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const bytes = await png(700, '#00c');
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), 'blue.png');
  const res = await fetch(`${base}/v1/images`, { method: 'POST', headers: b.auth('writer'), body: form });
  t.equal(res.status, 201);
  const { id } = (await res.json()) as { id: string };
  const rendition = await b.app.inject({ method: 'GET', url: `/v1/images/${id}/file?w=640&format=jpeg`, headers: b.auth() });
  t.equal(rendition.statusCode, 200);
  const files = filesUnder(b.config.CMS_MEDIA_DIR);
  t.equal(files.length, 3, `the seed original, the upload and its rendition (${files.join(', ')})`);

  t.strictSame(await b.services.editors.images.gc(), { recovered: 0, removed: 0 });
  t.strictSame(filesUnder(b.config.CMS_MEDIA_DIR), files, 'nothing removed');

  // Once the image is deleted, nothing of it is left for gc either.
  const del = await b.app.inject({ method: 'DELETE', url: `/v1/images/${id}`, headers: b.auth('editor') });
  t.equal(del.statusCode, 204);
  t.strictSame(await b.services.editors.images.gc(), { recovered: 0, removed: 0 }, 'delete left no orphans');
  t.strictSame(filesUnder(b.config.CMS_MEDIA_DIR), [originalRel(await seedSha(b))]);
});

t.test('`node --import tsx src/cli.ts media gc` sweeps the media dir named by the environment', async (t) => {
  const b = await build(t);
  const media = b.config.CMS_MEDIA_DIR;
  const seed = await seedSha(b);
  const orphan = randomBytes(1024);
  put(media, originalRel(sha256(orphan)), orphan, OLD);
  put(media, path.join('incoming', 'abandoned.part'), randomBytes(10), new Date(Date.now() - 3 * HOUR));
  const recovered = await png(140, '#cc0');
  await insertRow(b, 'image-cli-recovered', recovered, 140);
  put(media, path.join('incoming', `${sha256(recovered)}.0123456789ab.ready`), recovered);

  const env: NodeJS.ProcessEnv = childEnv({ CMS_DB: b.config.CMS_DB, CMS_MEDIA_DIR: media, CMS_SEED: '0', LOG_LEVEL: 'silent' });
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'media', 'gc'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  t.equal(result.code, 0, `exit 0 (stderr: ${result.stderr.trim()})`);
  t.equal(result.stdout, '', 'nothing on stdout');
  const match = /^media gc: (\{.*\})\n$/.exec(result.stderr);
  t.ok(match, `a JSON report on stderr: ${JSON.stringify(result.stderr)}`);
  if (match) t.strictSame(JSON.parse(match[1]!), { recovered: 1, removed: 2 });

  t.strictSame(filesUnder(media), [originalRel(seed), originalRel(sha256(recovered))].sort(), 'the orphan and the stale part are gone; the ready file is in place');
  const served = await b.app.inject({ method: 'GET', url: '/v1/images/image-cli-recovered/file', headers: b.auth() });
  t.equal(served.statusCode, 200);
  t.ok(served.rawPayload.equals(recovered));
});
