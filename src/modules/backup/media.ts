// The media part of a backup: which files go in, and how they come back out.
//
// Backed up: every original (originals/ab/<sha256>), and every upload that is received and
// checked but not yet moved into place (incoming/<sha256>.<random>.ready). The latter because
// the database snapshot, taken first, may hold an image row whose commit happened a moment
// before its file's rename: without it the restored row would point at no file. Renditions are
// not backed up (remade on first request), nor partial uploads, temporary or set-aside files.
//
// Restored: into CMS_MEDIA_DIR/originals, each file checked against the sha256 it is named
// by, written under a temporary name and renamed (a reader never sees half a file). Files are
// content-addressed, so one already there is the same bytes and is kept.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { listFiles, mediaLayout, originalPath, sha256Of } from '../images/storage-paths.ts';
import { type TarEntry, type TarReader, writeAll } from './tar.ts';

export interface MediaFile {
  sha256: string;
  path: string;
  bytes: number;
  /** Where it will be if it moves before it is read (a ready upload being published). */
  movesTo?: string;
}

/** The files to back up, one per sha256, in name order. */
export async function listMedia(mediaDir: string): Promise<MediaFile[]> {
  const layout = mediaLayout(mediaDir);
  const found = new Map<string, MediaFile>();
  const add = async (sha256: string, file: string, movesTo?: string) => {
    try {
      const { size } = await fs.promises.stat(file);
      found.set(sha256, { sha256, path: file, bytes: size, ...(movesTo ? { movesTo } : {}) });
    } catch {
      // Gone since the listing (published, or removed by gc): found in originals, or no longer wanted.
    }
  };
  // Ready uploads first, originals second: an upload published between the two listings is
  // then seen as an original, and an original replaces a ready copy of the same bytes.
  for (const file of await listFiles(layout.incoming)) {
    const sha256 = sha256Of.ready(path.basename(file));
    if (sha256) await add(sha256, file, originalPath(layout, sha256));
  }
  for (const file of await listFiles(layout.originals)) {
    const sha256 = sha256Of.original(path.basename(file));
    if (sha256 && path.basename(path.dirname(file)) === sha256.slice(0, 2)) await add(sha256, file);
  }
  return [...found.values()].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
}

/** The bytes of a media entry do not hash to its name: the backup is damaged. */
export class MediaMismatchError extends Error {}

/** Writes one media entry into the media folder; false when the same file is there already. */
export async function restoreMediaFile(reader: TarReader, entry: TarEntry, sha256: string, mediaDir: string): Promise<boolean> {
  const target = originalPath(mediaLayout(mediaDir), sha256);
  if (fs.existsSync(target)) return false;
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const out = await fs.promises.open(tmp, 'w');
  const hash = createHash('sha256');
  try {
    try {
      let written = 0;
      await reader.copy(entry, async (chunk) => {
        hash.update(chunk);
        await writeAll(out, chunk, written);
        written += chunk.length;
      });
      await out.sync();
    } finally {
      await out.close();
    }
    if (hash.digest('hex') !== sha256) throw new MediaMismatchError(`${entry.name} does not hash to its name: the backup is damaged`);
    await fs.promises.rename(tmp, target);
    return true;
  } catch (error) {
    await fs.promises.rm(tmp, { force: true });
    throw error;
  }
}
