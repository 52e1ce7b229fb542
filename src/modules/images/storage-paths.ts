// Where image files live under CMS_MEDIA_DIR, content-addressed by sha256, and how their names
// are made and read back:
//   incoming/<random>.part            an upload being received
//   incoming/<sha256>.<random>.ready  a received, checked upload awaiting its row's commit
//   originals/ab/<sha256>             the uploaded bytes (visible only once its row exists)
//   originals/ab/<sha256>.<random>.gc an original gc has set aside to delete
//   renditions/ab/<sha256>-<w>.<fmt>  resized copies, made on first request
//   …/<name>.<random>.tmp             a file being written, renamed to <name> when complete
// A file becomes visible only by rename, so a reader never sees half a file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RenditionFormat } from './schemas.ts';

export interface MediaLayout {
  root: string;
  incoming: string;
  originals: string;
  renditions: string;
}

export function mediaLayout(mediaDir: string): MediaLayout {
  const root = path.resolve(mediaDir);
  return {
    root,
    incoming: path.join(root, 'incoming'),
    originals: path.join(root, 'originals'),
    renditions: path.join(root, 'renditions'),
  };
}

const suffix = (bytes: number) => randomBytes(bytes).toString('hex');

export const originalPath = (layout: MediaLayout, sha256: string) => path.join(layout.originals, sha256.slice(0, 2), sha256);

export const renditionDir = (layout: MediaLayout, sha256: string) => path.join(layout.renditions, sha256.slice(0, 2));

export const renditionPath = (layout: MediaLayout, sha256: string, width: number, format: RenditionFormat) =>
  path.join(renditionDir(layout, sha256), `${sha256}-${width}.${format}`);

export const newPartPath = (layout: MediaLayout) => path.join(layout.incoming, `${suffix(12)}.part`);

export const newReadyPath = (layout: MediaLayout, sha256: string) => path.join(layout.incoming, `${sha256}.${suffix(6)}.ready`);

export const newAsidePath = (original: string) => `${original}.${suffix(6)}.gc`;

const SHA256 = /^[0-9a-f]{64}$/;
const READY = /^([0-9a-f]{64})\.[0-9a-f]+\.ready$/;
const ASIDE = /^([0-9a-f]{64})\.[0-9a-f]+\.gc$/;
const RENDITION = /^([0-9a-f]{64})-\d+\.[a-z]+$/;

/** The sha256 a file name stands for (an original, a ready upload, an original set aside, a rendition), if it is one. */
export const sha256Of = {
  original: (name: string) => (SHA256.test(name) ? name : undefined),
  ready: (name: string) => READY.exec(name)?.[1],
  aside: (name: string) => ASIDE.exec(name)?.[1],
  rendition: (name: string) => RENDITION.exec(name)?.[1],
};

export const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Writes a file under a temporary name and renames it into place. */
export async function writeAtomically(target: string, data: Buffer): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${suffix(6)}.tmp`;
  await fs.promises.writeFile(tmp, data);
  await fs.promises.rename(tmp, target);
}

/** Every file under `dir` (none when it does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
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
