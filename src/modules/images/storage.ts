// Image files on disk, content-addressed by sha256 (the layout is in storage-paths.ts). One
// object for the services to hold, its parts in a file per task:
//   storage-writes.ts      receiving an upload and moving it into place once its row commits;
//                          storing seed bytes; removing a deleted image's files
//   storage-renditions.ts  resized copies, made on first request
//   storage-gc.ts          finishing or removing what crashes left; deleting what no row needs
import type { Readable } from 'node:stream';
import { collectGarbage, type HasRow, recoverIncoming, type SweepOptions } from './storage-gc.ts';
import { mediaLayout, originalPath } from './storage-paths.ts';
import { createRenditionMaker } from './storage-renditions.ts';
import { discardFile, markReady, publishUpload, putOriginal, receiveUpload, removeImageFiles } from './storage-writes.ts';

export { FORMAT_MIME } from './storage-renditions.ts';
export { DEFAULT_GRACE_MS, type SweepOptions, type SweepReport } from './storage-gc.ts';

export function createMediaStorage(mediaDir: string) {
  const layout = mediaLayout(mediaDir);
  return {
    root: layout.root,
    originalPath: (sha256: string) => originalPath(layout, sha256),
    rendition: createRenditionMaker(layout),

    receive: (stream: Readable) => receiveUpload(layout, stream),
    ready: (tmpPath: string, sha256: string) => markReady(layout, tmpPath, sha256),
    publish: (readyPath: string, sha256: string) => publishUpload(layout, readyPath, sha256),
    discard: (filePath: string) => discardFile(filePath),
    putOriginal: (data: Buffer) => putOriginal(layout, data),
    remove: (sha256: string) => removeImageFiles(layout, sha256),

    recoverIncoming: (hasRow: HasRow, options?: SweepOptions) => recoverIncoming(layout, hasRow, options),
    gc: (hasRow: HasRow, options?: SweepOptions) => collectGarbage(layout, hasRow, options),
  };
}

export type MediaStorage = ReturnType<typeof createMediaStorage>;
