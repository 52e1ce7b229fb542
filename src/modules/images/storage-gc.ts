// Sweeping CMS_MEDIA_DIR: finishing what a crash left between an upload's commit and its
// file's rename, and deleting what no image row needs. Uploads under way, in this process or
// on another instance sharing the folder, hold files that no committed row names yet, so a
// sweep deletes nothing younger than a grace period.
import fs from 'node:fs';
import path from 'node:path';
import { isMissing, listFiles, type MediaLayout, newAsidePath, sha256Of } from './storage-paths.ts';
import { discardFile, publishUpload } from './storage-writes.ts';

/**
 * How old (by mtime) a file must be before a sweep may delete it: one hour. An upload's files
 * are young while it is under way: its `.part` is written with every chunk received, and its
 * `.ready` file (then its original, which keeps that mtime through the renames) waits only for
 * its row to commit: milliseconds, seconds when the database is slow or retries a transaction.
 * An hour is far beyond that and beyond any clock skew between the instances and a shared file
 * server (which sets the mtime), and a crash's leftovers still go the same day. An upload that
 * receives nothing for an hour loses its `.part` (and fails).
 */
export const DEFAULT_GRACE_MS = 60 * 60 * 1000;

export type HasRow = (sha256: string) => Promise<boolean>;

export interface SweepOptions {
  /** Files younger than this are never deleted (default DEFAULT_GRACE_MS; 0 when nothing else writes). */
  graceMs?: number;
}

export interface SweepReport {
  recovered: number;
  removed: number;
}

const cutoffOf = (options: SweepOptions) => Date.now() - (options.graceMs ?? DEFAULT_GRACE_MS);

/** Whether the file is still there and was last modified before `cutoff`. */
async function olderThan(file: string, cutoff: number): Promise<boolean> {
  try {
    return (await fs.promises.stat(file)).mtimeMs < cutoff;
  } catch (error) {
    // Gone since it was listed: an upload renamed it, or another sweep took it.
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Finishes or removes what a crash left in incoming/ (cheap: run at every start). A ready
 * upload whose row exists is moved into place at any age (an upload doing the same at that
 * moment is harmless); other files are deleted once older than the grace.
 */
export async function recoverIncoming(layout: MediaLayout, hasRow: HasRow, options: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = { recovered: 0, removed: 0 };
  const cutoff = cutoffOf(options);
  for (const file of await listFiles(layout.incoming)) {
    const sha256 = sha256Of.ready(path.basename(file));
    // hasRow is async: without the await a pending Promise is truthy.
    if (sha256 && (await hasRow(sha256))) {
      await publishUpload(layout, file, sha256);
      report.recovered++;
    } else if (await olderThan(file, cutoff)) {
      await discardFile(file);
      report.removed++;
    }
  }
  return report;
}

/**
 * Deletes an original no row names. It is set aside (renamed) and checked once more before it
 * goes: an upload of the same bytes may have committed meanwhile and, finding the file in
 * place, dropped its own copy; then the file is put back.
 */
async function removeOrphanOriginal(layout: MediaLayout, file: string, sha256: string, hasRow: HasRow): Promise<boolean> {
  if (await hasRow(sha256)) return false;
  const aside = newAsidePath(file);
  try {
    await fs.promises.rename(file, aside);
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  if (await hasRow(sha256)) {
    await publishUpload(layout, aside, sha256);
    return false;
  }
  await discardFile(aside);
  return true;
}

/** recoverIncoming, then originals and renditions no row needs are deleted once older than the grace. */
export async function collectGarbage(layout: MediaLayout, hasRow: HasRow, options: SweepOptions = {}): Promise<SweepReport> {
  const report = await recoverIncoming(layout, hasRow, options);
  const cutoff = cutoffOf(options);
  for (const file of await listFiles(layout.originals)) {
    const name = path.basename(file);
    const aside = sha256Of.aside(name);
    if (aside && (await hasRow(aside))) {
      // A sweep that crashed (or is still deciding) between setting it aside and putting it back.
      await publishUpload(layout, file, aside);
      report.recovered++;
      continue;
    }
    if (!(await olderThan(file, cutoff))) continue;
    const sha256 = sha256Of.original(name);
    if (sha256) {
      if (await removeOrphanOriginal(layout, file, sha256, hasRow)) report.removed++;
    } else {
      // A leftover: a write or a sweep cut short.
      await discardFile(file);
      report.removed++;
    }
  }
  for (const file of await listFiles(layout.renditions)) {
    if (!(await olderThan(file, cutoff))) continue;
    const sha256 = sha256Of.rendition(path.basename(file));
    if (sha256 && (await hasRow(sha256))) continue;
    await discardFile(file);
    report.removed++;
  }
  return report;
}
