// Serving resized copies: a rendition is made from the original on its first request and
// kept on disk (renditions/), where gc may later remove it once no row needs it.
import fs from 'node:fs';
import sharp from 'sharp';
import type { RenditionFormat } from './schemas.ts';
import { type MediaLayout, originalPath, renditionPath, writeAtomically } from './storage-paths.ts';

export const FORMAT_MIME: Record<RenditionFormat, string> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** The path of a rendition, made on first request; concurrent first requests share one piece of work. */
export function createRenditionMaker(layout: MediaLayout) {
  const inFlight = new Map<string, Promise<string>>();

  return function rendition(sha256: string, width: number, format: RenditionFormat): Promise<string> {
    const target = renditionPath(layout, sha256, width, format);
    if (fs.existsSync(target)) return Promise.resolve(target);
    const pending = inFlight.get(target);
    if (pending) return pending;
    const work = (async () => {
      const data = await sharp(originalPath(layout, sha256))
        .rotate()
        .resize({ width, withoutEnlargement: true })
        .toFormat(format)
        .toBuffer();
      await writeAtomically(target, data);
      return target;
    })().finally(() => inFlight.delete(target));
    inFlight.set(target, work);
    return work;
  };
}
