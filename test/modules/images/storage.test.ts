// The media storage on its own (a temporary CMS_MEDIA_DIR, rows stood in for by a function):
// the races between an upload, a start-up recovery and sweeps that the socket tests
// (gc-race.test.ts) can only hit by chance, played here step by step.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { tempDir } from '../../helper.ts';
import { createMediaStorage, DEFAULT_GRACE_MS } from '../../../src/modules/images/storage.ts';

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
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(file, at, at);
  return rel;
}

const originalRel = (sha: string) => path.join('originals', sha.slice(0, 2), sha);
const rows = (...shas: string[]) => async (sha: string) => shas.includes(sha);
const none = async () => false;

function setUp(t: Test) {
  const media = path.join(tempDir(t), 'media');
  return { media, storage: createMediaStorage(media) };
}

/** An upload received and marked ready, as upload-service leaves it just before its row commits. */
async function readyUpload(storage: ReturnType<typeof createMediaStorage>, data: Buffer) {
  const received = await storage.receive(Readable.from([data]));
  return { sha: received.sha256, ready: await storage.ready(received.tmpPath, received.sha256) };
}

t.test('the default grace is an hour', async (t) => {
  t.equal(DEFAULT_GRACE_MS, HOUR);
});

t.test('an upload and a recovery publishing the same ready file at once both succeed', async (t) => {
  const { media, storage } = setUp(t);
  const data = randomBytes(4000);
  const { sha, ready } = await readyUpload(storage, data);
  // The upload and a recovery (a start-up or a sweep) both find no original yet; the second
  // rename finds its source gone and the original in place.
  await Promise.all([storage.publish(ready, sha), storage.publish(ready, sha)]);
  t.strictSame(filesUnder(media), [originalRel(sha)]);
  t.ok(fs.readFileSync(path.join(media, originalRel(sha))).equals(data));

  await t.rejects(storage.publish(path.join(media, 'incoming', 'gone.ready'), sha256(randomBytes(8))), { code: 'ENOENT' }, 'a ready file that never was is an error');
});

t.test('a sweep never deletes what is younger than its grace', async (t) => {
  const { media, storage } = setUp(t);
  const { ready } = await readyUpload(storage, randomBytes(900));
  const young = [
    path.relative(media, ready),
    put(media, path.join('incoming', 'receiving.part'), randomBytes(10), 10 * 60 * 1000),
    put(media, originalRel(sha256(Buffer.from('y'))), Buffer.from('y'), 59 * 60 * 1000),
    put(media, `${originalRel(sha256(Buffer.from('w')))}.0a0b0c.tmp`, Buffer.from('w')),
    put(media, path.join('renditions', 'ab', `${'ab'.repeat(32)}-320.webp`), randomBytes(10)),
  ].sort();
  t.strictSame(await storage.gc(none), { recovered: 0, removed: 0 });
  t.strictSame(await storage.recoverIncoming(none), { recovered: 0, removed: 0 }, 'nor does the start-up recovery');
  t.strictSame(filesUnder(media), young);

  t.strictSame(await storage.gc(none, { graceMs: 5 * 60 * 1000 }), { recovered: 0, removed: 2 }, 'a shorter grace takes the older ones');
  t.strictSame(await storage.gc(none, { graceMs: 0 }), { recovered: 0, removed: 3 }, 'no grace takes everything no row needs');
  t.strictSame(filesUnder(media), []);
});

t.test('leftovers of cut-short writes and sweeps are removed when old, or put back when a row needs them', async (t) => {
  const { media, storage } = setUp(t);
  const kept = Buffer.from('kept');
  const lost = Buffer.from('lost');
  const renditionsDir = path.join('renditions', sha256(kept).slice(0, 2));
  put(media, `${originalRel(sha256(kept))}.00ff00.gc`, kept, 3 * HOUR); // set aside by a sweep, row exists
  put(media, `${originalRel(sha256(lost))}.00ff00.gc`, lost, 3 * HOUR); // set aside by a sweep, no row
  put(media, `${originalRel(sha256(lost))}.1234ab.tmp`, lost, 3 * HOUR); // a stored original's write cut short
  put(media, path.join(renditionsDir, `${sha256(kept)}-320.webp.77aa77.tmp`), randomBytes(9), 3 * HOUR);
  put(media, path.join(renditionsDir, 'notes.txt'), randomBytes(9), 3 * HOUR);

  // Old files a row needs stay.
  const used = Buffer.from('used');
  const usedFiles = [
    put(media, originalRel(sha256(used)), used, 3 * HOUR),
    put(media, path.join('renditions', sha256(used).slice(0, 2), `${sha256(used)}-640.avif`), randomBytes(9), 3 * HOUR),
  ];

  t.strictSame(await storage.gc(rows(sha256(kept), sha256(used))), { recovered: 1, removed: 4 });
  t.strictSame(filesUnder(media), [originalRel(sha256(kept)), ...usedFiles].sort());
  t.ok(fs.readFileSync(path.join(media, originalRel(sha256(kept)))).equals(kept));
});

t.test('an old orphan original is set aside and checked again before it is deleted', async (t) => {
  t.test('an upload of the same bytes commits meanwhile: the original is put back', async (t) => {
    const { media, storage } = setUp(t);
    const data = randomBytes(3000);
    const sha = sha256(data);
    put(media, originalRel(sha), data, 2 * HOUR);
    let committed = false;
    // The row commits right after the sweep's first look; the upload then finds the original in place and drops its copy.
    const hasRow = async (s: string) => {
      const before = committed;
      committed = s === sha;
      return before;
    };
    t.strictSame(await storage.gc(hasRow), { recovered: 0, removed: 0 });
    t.strictSame(filesUnder(media), [originalRel(sha)]);
    t.ok(fs.readFileSync(path.join(media, originalRel(sha))).equals(data), 'with its bytes');
  });

  t.test('another sweep takes it first: nothing to do', async (t) => {
    const { media, storage } = setUp(t);
    const data = randomBytes(300);
    const file = path.join(media, put(media, originalRel(sha256(data)), data, 2 * HOUR));
    const hasRow = async () => {
      fs.rmSync(file);
      return false;
    };
    t.strictSame(await storage.gc(hasRow), { recovered: 0, removed: 0 });
    t.strictSame(filesUnder(media), []);
  });

  t.test('no row on either look: deleted', async (t) => {
    const { media, storage } = setUp(t);
    const data = randomBytes(300);
    put(media, originalRel(sha256(data)), data, 2 * HOUR);
    t.strictSame(await storage.gc(none), { recovered: 0, removed: 1 });
    t.strictSame(filesUnder(media), []);
  });
});

t.test('a file gone between a sweep listing it and looking at it is skipped', async (t) => {
  const { media, storage } = setUp(t);
  const ready = path.join(media, put(media, path.join('incoming', `${sha256(Buffer.from('r'))}.abc.ready`), Buffer.from('r'), 2 * HOUR));
  // Another sweep takes it while this one asks for its row.
  const hasRow = async () => {
    fs.rmSync(ready);
    return false;
  };
  t.strictSame(await storage.recoverIncoming(hasRow), { recovered: 0, removed: 0 });
});
