// Image files on disk, content-addressed by sha256:
//   <media>/originals/ab/<sha256>            the uploaded bytes
//   <media>/renditions/ab/<sha256>-<w>.<fmt> resized copies, made on first request
// A file becomes visible only by rename, so a reader never sees half a file.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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

  return {
    root,
    originalPath,

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
