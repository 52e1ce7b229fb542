// Image files on disk, content-addressed by sha256:
//   <media>/incoming/<random>.part           an upload being received
//   <media>/incoming/<sha256>.<random>.ready a received, checked upload awaiting its row's commit
//   <media>/originals/ab/<sha256>            the uploaded bytes (visible only once its row exists)
//   <media>/renditions/ab/<sha256>-<w>.<fmt> resized copies, made on first request
// A file becomes visible only by rename, so a reader never sees half a file; `gc` finishes
// or removes whatever a crash left behind.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import type { RenditionFormat } from './schemas.ts';

export const FORMAT_MIME: Record<RenditionFormat, string> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export function createMediaStorage(mediaDir: string) {
  const root = path.resolve(mediaDir);
  const originalPath = (sha256: string) => path.join(root, 'originals', sha256.slice(0, 2), sha256);
  const renditionPath = (sha256: string, width: number, format: RenditionFormat) =>
    path.join(root, 'renditions', sha256.slice(0, 2), `${sha256}-${width}.${format}`);
  // Concurrent first requests for the same rendition share one piece of work.
  const inFlight = new Map<string, Promise<string>>();

  async function writeAtomically(target: string, data: Buffer): Promise<void> {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, target);
  }

  const incoming = path.join(root, 'incoming');

  async function listFiles(dir: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (d: string) => {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else out.push(p);
      }
    };
    await walk(dir);
    return out;
  }

  return {
    root,
    originalPath,

    /** Streams an upload to a private temporary file, hashing it on the way. */
    async receive(stream: Readable): Promise<{ tmpPath: string; sha256: string; bytes: number }> {
      await fs.promises.mkdir(incoming, { recursive: true });
      const tmpPath = path.join(incoming, `${randomBytes(12).toString('hex')}.part`);
      const hash = createHash('sha256');
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      try {
        await pipeline(stream, fs.createWriteStream(tmpPath, { flags: 'wx' }));
      } catch (err) {
        await fs.promises.rm(tmpPath, { force: true });
        throw err;
      }
      return { tmpPath, sha256: hash.digest('hex'), bytes };
    },

    /** Marks a checked upload as ready (named by its hash, so a crash can be recovered). */
    async ready(tmpPath: string, sha256: string): Promise<string> {
      const readyPath = path.join(incoming, `${sha256}.${randomBytes(6).toString('hex')}.ready`);
      await fs.promises.rename(tmpPath, readyPath);
      return readyPath;
    },

    /** After the row committed: moves the file into place (or drops it when the bytes are already stored). */
    async publish(readyPath: string, sha256: string): Promise<void> {
      const target = originalPath(sha256);
      if (fs.existsSync(target)) {
        await fs.promises.rm(readyPath, { force: true });
        return;
      }
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.rename(readyPath, target);
    },

    async discard(filePath: string): Promise<void> {
      await fs.promises.rm(filePath, { force: true });
    },

    /** Removes an original and its renditions (when no image row uses the bytes any more). */
    async remove(sha256: string): Promise<void> {
      await fs.promises.rm(originalPath(sha256), { force: true });
      const dir = path.dirname(renditionPath(sha256, 0, 'webp'));
      for (const file of await listFiles(dir)) {
        if (path.basename(file).startsWith(`${sha256}-`)) await fs.promises.rm(file, { force: true });
      }
    },

    /**
     * Finishes or removes what crashes left: ready uploads whose row exists are moved into
     * place, others deleted; originals and renditions with no row are deleted; stale partial
     * uploads (older than `partMaxAgeMs`) are deleted.
     */
    /**
     * Finishes or removes what a crash left in incoming/ (cheap: run at every start): ready
     * uploads whose row exists are moved into place, others deleted; partial uploads older
     * than `partMaxAgeMs` are deleted.
     */
    async recoverIncoming(hasRow: (sha256: string) => Promise<boolean>, partMaxAgeMs = 60 * 60 * 1000) {
      const report = { recovered: 0, removed: 0 };
      const now = Date.now();
      for (const file of await listFiles(incoming)) {
        const name = path.basename(file);
        if (name.endsWith('.ready')) {
          const sha = name.split('.')[0]!;
          if (await hasRow(sha)) {
            await this.publish(file, sha);
            report.recovered++;
          } else {
            await fs.promises.rm(file, { force: true });
            report.removed++;
          }
        } else if (now - (await fs.promises.stat(file)).mtimeMs > partMaxAgeMs) {
          await fs.promises.rm(file, { force: true });
          report.removed++;
        }
      }
      return report;
    },

    /** recoverIncoming, then every original and rendition without a row is deleted. */
    async gc(hasRow: (sha256: string) => Promise<boolean>, partMaxAgeMs?: number) {
      const report = await this.recoverIncoming(hasRow, partMaxAgeMs);
      for (const file of await listFiles(path.join(root, 'originals'))) {
        // hasRow is async: without the await a pending Promise is truthy and no orphan
        // original was ever removed.
        if (!(await hasRow(path.basename(file)))) {
          await fs.promises.rm(file, { force: true });
          report.removed++;
        }
      }
      for (const file of await listFiles(path.join(root, 'renditions'))) {
        const sha = path.basename(file).split('-')[0]!;
        if (!(await hasRow(sha))) {
          await fs.promises.rm(file, { force: true });
          report.removed++;
        }
      }
      return report;
    },

    /** Stores bytes under their sha256 (once; identical bytes share one file). */
    async putOriginal(data: Buffer): Promise<string> {
      const sha256 = createHash('sha256').update(data).digest('hex');
      const target = originalPath(sha256);
      if (!fs.existsSync(target)) await writeAtomically(target, data);
      return sha256;
    },

    /** Path of a rendition, made on first request and cached on disk. */
    rendition(sha256: string, width: number, format: RenditionFormat): Promise<string> {
      const target = renditionPath(sha256, width, format);
      if (fs.existsSync(target)) return Promise.resolve(target);
      const pending = inFlight.get(target);
      if (pending) return pending;
      const work = (async () => {
        const data = await sharp(originalPath(sha256))
          .rotate()
          .resize({ width, withoutEnlargement: true })
          .toFormat(format)
          .toBuffer();
        await writeAtomically(target, data);
        return target;
      })().finally(() => inFlight.delete(target));
      inFlight.set(target, work);
      return work;
    },
  };
}

export type MediaStorage = ReturnType<typeof createMediaStorage>;
