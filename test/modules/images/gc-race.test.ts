// `media gc` while uploads are under way: it must take nothing an upload has just written (a
// `.part` being received, a `.ready` file whose row is about to commit, an original just moved
// into place) and still sweep real garbage. gc deletes only files older than its grace period
// (an hour by default, `--grace-seconds` on the CLI); garbage here is made old with fs.utimes.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { build, type Built } from '../../helper.ts';
import { childEnv, ROOT } from '../../process.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const HOUR = 60 * 60 * 1000;

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

function put(media: string, rel: string, data: Uint8Array, ageMs = 0): string {
  const file = path.join(media, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  if (ageMs > 0) {
    const at = new Date(Date.now() - ageMs);
    fs.utimesSync(file, at, at);
  }
  return rel;
}

const originalRel = (sha: string) => path.join('originals', sha.slice(0, 2), sha);

/** Garbage of every kind gc sweeps, `ageMs` old; returns the paths planted. */
function plantGarbage(media: string, ageMs: number): string[] {
  const orphan = randomBytes(1500);
  const orphanSha = sha256(orphan);
  const unready = randomBytes(700);
  return [
    put(media, originalRel(orphanSha), orphan, ageMs),
    put(media, path.join('renditions', orphanSha.slice(0, 2), `${orphanSha}-320.webp`), randomBytes(100), ageMs),
    put(media, path.join('incoming', `${randomBytes(12).toString('hex')}.part`), randomBytes(300), ageMs),
    put(media, path.join('incoming', `${sha256(unready)}.${randomBytes(6).toString('hex')}.ready`), unready, ageMs),
    // What a crash between writing and renaming a stored original leaves.
    put(media, `${originalRel(sha256(randomBytes(8)))}.${randomBytes(6).toString('hex')}.tmp`, randomBytes(200), ageMs),
  ].sort();
}

/** `n` distinct small PNGs (each its own bytes, so each upload stores its own original). */
async function pngs(n: number, salt: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      sharp({ create: { width: 24 + (i % 7), height: 16 + Math.floor(i / 7), channels: 3, background: { r: salt % 256, g: (i * 5) % 256, b: 255 - (i % 256) } } })
        .png()
        .toBuffer(),
    ),
  );
}

interface Uploaded {
  status: number;
  id?: string;
  bytes: Buffer;
  body: string;
}

async function upload(base: string, b: Built, bytes: Buffer, name: string): Promise<Uploaded> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(`${base}/v1/images`, { method: 'POST', headers: b.auth('writer'), body: form });
  const body = await res.text();
  return { status: res.status, id: res.status === 201 ? (JSON.parse(body) as { id: string }).id : undefined, bytes, body };
}

/** Uploads every image over the socket, `parallel` at a time. */
async function uploadAll(base: string, b: Built, images: Buffer[], parallel: number): Promise<Uploaded[]> {
  const out: Uploaded[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < images.length) {
        const i = next++;
        out[i] = await upload(base, b, images[i]!, `race-${i}.png`);
      }
    }),
  );
  return out;
}

/** Every upload answered 201, and each one's file is served with exactly its bytes. */
async function checkUploads(t: Test, b: Built, uploads: Uploaded[]) {
  const failed = uploads.filter((u) => u.status !== 201);
  t.strictSame(failed.map((u) => `${u.status} ${u.body}`), [], `all ${uploads.length} uploads answered 201`);
  let intact = 0;
  for (const u of uploads.filter((u) => u.status === 201)) {
    const res = await b.app.inject({ method: 'GET', url: `/v1/images/${u.id}/file`, headers: b.auth() });
    if (res.statusCode === 200 && res.rawPayload.equals(u.bytes)) intact++;
    else t.fail(`image ${u.id}: ${res.statusCode}, ${res.rawPayload.length} bytes for ${u.bytes.length}`);
  }
  t.equal(intact, uploads.length, 'every uploaded image is served with its bytes');
  const stored = new Set(filesUnder(b.config.CMS_MEDIA_DIR));
  t.strictSame(uploads.filter((u) => !stored.has(originalRel(sha256(u.bytes)))).map((u) => u.id), [], 'every original in place');
  t.strictSame(filesUnder(path.join(b.config.CMS_MEDIA_DIR, 'incoming')), [], 'nothing left in incoming/');
}

t.test('gc run over and over during concurrent uploads takes none of them and sweeps old garbage', async (t) => {
  const b = await build(t);
  const media = b.config.CMS_MEDIA_DIR;
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const garbage = plantGarbage(media, 2 * HOUR);
  const images = await pngs(96, 10);
  // Two images uploaded twice: the second upload of the same bytes finds the original in place.
  images.push(images[3]!, images[17]!);

  let uploading = true;
  const reports: { recovered: number; removed: number }[] = [];
  const sweeping = (async () => {
    while (uploading) reports.push(await b.services.editors.images.gc());
  })();
  const uploads = await uploadAll(base, b, images, 8);
  uploading = false;
  await sweeping;

  t.ok(reports.length >= 3, `gc ran ${reports.length} times during the uploads`);
  t.equal(
    reports.reduce((sum, r) => sum + r.removed, 0),
    garbage.length,
    'the sweeps together removed exactly the old garbage',
  );
  const left = filesUnder(media);
  t.strictSame(garbage.filter((g) => left.includes(g)), [], 'no old garbage left');
  await checkUploads(t, b, uploads);
  t.strictSame(await b.services.editors.images.gc(), { recovered: 0, removed: 0 }, 'a last sweep finds nothing');
});

t.test('`cms media gc` run as a process during concurrent uploads takes none of them', async (t) => {
  const b = await build(t);
  const media = b.config.CMS_MEDIA_DIR;
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const garbage = plantGarbage(media, 2 * HOUR);
  const env = childEnv({ CMS_DB: b.config.CMS_DB, CMS_MEDIA_DIR: media, CMS_SEED: '0', LOG_LEVEL: 'silent' });

  // Uploads keep coming until the CLI has swept twice.
  let sweeping = true;
  const uploads: Uploaded[] = [];
  const uploading = (async () => {
    let round = 0;
    while (sweeping) uploads.push(...(await uploadAll(base, b, await pngs(6, 100 + round++), 3)));
  })();
  const reports: { recovered: number; removed: number }[] = [];
  for (let i = 0; i < 2; i++) {
    const result = await runCli(['media', 'gc'], env);
    t.equal(result.code, 0, `run ${i + 1} exits 0 (stderr: ${result.stderr.trim()})`);
    const match = /^media gc: (\{.*\})\n$/.exec(result.stderr);
    if (match) reports.push(JSON.parse(match[1]!));
  }
  sweeping = false;
  await uploading;

  t.equal(reports.length, 2, 'each run reported');
  t.equal(reports.reduce((sum, r) => sum + r.removed, 0), garbage.length, 'the runs together removed exactly the old garbage');
  t.ok(uploads.length >= 6, `${uploads.length} uploads during the runs`);
  await checkUploads(t, b, uploads);
});

t.test('`cms media gc --grace-seconds N` sets the age below which nothing is deleted', async (t) => {
  const b = await build(t);
  const media = b.config.CMS_MEDIA_DIR;
  const env = childEnv({ CMS_DB: b.config.CMS_DB, CMS_MEDIA_DIR: media, CMS_SEED: '0', LOG_LEVEL: 'silent' });
  const before = filesUnder(media);
  const tenMinutes = plantGarbage(media, 10 * 60 * 1000);
  const twoHours = plantGarbage(media, 2 * HOUR);

  const byDefault = await runCli(['media', 'gc'], env);
  t.equal(byDefault.stderr, `media gc: ${JSON.stringify({ recovered: 0, removed: twoHours.length })}\n`, 'by default only what is over an hour old');
  t.strictSame(filesUnder(media), [...before, ...tenMinutes].sort());

  const short = await runCli(['media', 'gc', '--grace-seconds', '300'], env);
  t.equal(short.stderr, `media gc: ${JSON.stringify({ recovered: 0, removed: tenMinutes.length })}\n`, 'with --grace-seconds 300 the ten-minute-old garbage goes too');
  t.strictSame(filesUnder(media), before, 'only the files rows need are left');

  const bad = ['-1', '1.5'];
  for (const [i, res] of (await Promise.all(bad.map((v) => runCli(['media', 'gc', `--grace-seconds=${v}`], env)))).entries()) {
    t.equal(res.code, 2, `--grace-seconds=${bad[i]} is refused`);
    t.match(res.stderr, /^--grace-seconds must be a whole number of seconds \(0 or more\)\.\nusage:/);
  }
});

async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
