// Writing image files. An upload is received into incoming/, marked ready once checked, and
// moved into originals/ after its row commits; the seed stores bytes directly; a deleted
// image's files go with it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  isMissing,
  listFiles,
  type MediaLayout,
  newPartPath,
  newReadyPath,
  originalPath,
  renditionDir,
  writeAtomically,
} from './storage-paths.ts';

/** Streams an upload to a private temporary file, hashing it on the way. */
export async function receiveUpload(layout: MediaLayout, stream: Readable): Promise<{ tmpPath: string; sha256: string; bytes: number }> {
  await fs.promises.mkdir(layout.incoming, { recursive: true });
  const tmpPath = newPartPath(layout);
  const hash = createHash('sha256');
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  try {
    await pipeline(stream, fs.createWriteStream(tmpPath, { flags: 'wx' }));
  } catch (err) {
    await discardFile(tmpPath);
    throw err;
  }
  return { tmpPath, sha256: hash.digest('hex'), bytes };
}

/** Marks a checked upload as ready (named by its hash, so a crash can be recovered). */
export async function markReady(layout: MediaLayout, tmpPath: string, sha256: string): Promise<string> {
  const readyPath = newReadyPath(layout, sha256);
  await fs.promises.rename(tmpPath, readyPath);
  return readyPath;
}

/**
 * After the row committed: moves a ready file into place, or drops it when the bytes are
 * already stored. The upload and a recovery (start-up, gc, on any instance) may do this for
 * the same file at once; whichever comes second finds the original in place and is done.
 */
export async function publishUpload(layout: MediaLayout, readyPath: string, sha256: string): Promise<void> {
  const target = originalPath(layout, sha256);
  if (fs.existsSync(target)) return discardFile(readyPath);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  try {
    await fs.promises.rename(readyPath, target);
  } catch (error) {
    if (!(isMissing(error) && fs.existsSync(target))) throw error;
  }
}

export async function discardFile(filePath: string): Promise<void> {
  await fs.promises.rm(filePath, { force: true });
}

/** Stores bytes under their sha256 (once; identical bytes share one file). */
export async function putOriginal(layout: MediaLayout, data: Buffer): Promise<string> {
  const sha256 = createHash('sha256').update(data).digest('hex');
  const target = originalPath(layout, sha256);
  if (!fs.existsSync(target)) await writeAtomically(target, data);
  return sha256;
}

/** Removes an original and its renditions (when no image row uses the bytes any more). */
export async function removeImageFiles(layout: MediaLayout, sha256: string): Promise<void> {
  await discardFile(originalPath(layout, sha256));
  for (const file of await listFiles(renditionDir(layout, sha256))) {
    if (path.basename(file).startsWith(`${sha256}-`)) await discardFile(file);
  }
}
