// Image writes: upload (streamed to disk, sniffed, decoded, stored by sha256), metadata
// edits and deletes.
import type { Readable } from 'node:stream';
import { fileTypeFromFile } from 'file-type';
import sharp from 'sharp';
import { uuidv7 } from 'uuidv7';
import { ConflictError, HttpProblem, NotFoundError } from '../../http/errors.ts';
import { requireRoleOf, type Principal } from '../tokens/roles.ts';
import type { ImageRepository } from './repository.ts';
import type { ImageDto, ImagePatchInput } from './schemas.ts';
import type { ImageService } from './service.ts';
import type { MediaStorage, SweepOptions } from './storage.ts';

export const ACCEPTED_TYPES: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
};

export class UploadTooLargeError extends HttpProblem {
  constructor() {
    super(413, 'Content Too Large', 'The upload is larger than this server accepts (CMS_MAX_UPLOAD_BYTES).', [
      { in: 'body', path: 'file', message: 'Too large' },
    ]);
  }
}

export class UnsupportedMediaError extends HttpProblem {
  constructor(detail: string) {
    super(415, 'Unsupported Media Type', detail, [{ in: 'body', path: 'file', message: detail }]);
  }
}

/** A display name from the client's filename: its last path segment, tamed; never a path. */
export function safeFilename(clientName: string | undefined, ext: string): string {
  const base = (clientName ?? '')
    .split(/[\\/]/)
    .pop()!
    .normalize('NFC')
    .replace(/\.[^.]*$/, '')
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 150);
  return `${base || 'image'}.${ext}`;
}

export function createImageUploads(deps: {
  images: ImageRepository;
  reads: ImageService;
  storage: MediaStorage;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  return {
    /**
     * Stores an upload. The bytes go to a private temporary file first; they are checked
     * (type sniffed from the bytes, fully decoded), then the row commits, then the file is
     * renamed into place.
     */
    async upload(
      file: { stream: Readable; filename?: string },
      fields: { alt?: string; caption?: string; credit?: string },
      principal: Principal,
    ): Promise<ImageDto> {
      requireRoleOf(principal, 'writer');
      const received = await deps.storage.receive(file.stream);
      let ready: string | undefined;
      try {
        // Over the size limit the multipart stream just ends early, marked truncated.
        if ((file.stream as Readable & { truncated?: boolean }).truncated) throw new UploadTooLargeError();
        if (received.bytes === 0) throw new UnsupportedMediaError('The file is empty.');
        const type = await fileTypeFromFile(received.tmpPath);
        const ext = type ? ACCEPTED_TYPES[type.mime] : undefined;
        if (!type || !ext) throw new UnsupportedMediaError('Only JPEG, PNG, WebP, GIF and AVIF images are accepted.');
        let width: number;
        let height: number;
        try {
          // Decode every pixel: a valid header glued to something else fails here.
          const image = sharp(received.tmpPath, { failOn: 'error', animated: false });
          const meta = await image.metadata();
          await image.stats();
          width = meta.autoOrient?.width ?? meta.width;
          height = meta.autoOrient?.height ?? meta.height;
        } catch {
          throw new UnsupportedMediaError('The file is not a decodable image.');
        }
        ready = await deps.storage.ready(received.tmpPath, received.sha256);
        const id = uuidv7();
        const at = now();
        await deps.images.insert({
          id,
          sha256: received.sha256,
          filename: safeFilename(file.filename, ext),
          mimeType: type.mime,
          bytes: received.bytes,
          width,
          height,
          alt: fields.alt ?? null,
          caption: fields.caption ?? null,
          credit: fields.credit ?? null,
          createdAt: at,
          updatedAt: at,
        });
        // The row is committed: from here a crash leaves a `.ready` file that `gc` moves into place.
        const committed = ready;
        ready = undefined;
        await deps.storage.publish(committed, received.sha256);
        return deps.reads.get(id, true);
      } finally {
        await deps.storage.discard(ready ?? received.tmpPath);
      }
    },

    async patch(id: string, input: ImagePatchInput, principal: Principal): Promise<ImageDto> {
      const row = await deps.images.findById(id);
      if (!row) throw new NotFoundError('Image');
      requireRoleOf(principal, 'writer');
      const { focalPoint, ...text } = input;
      await deps.images.update(id, {
        ...text,
        ...(focalPoint === undefined ? {} : { focalX: focalPoint?.x ?? null, focalY: focalPoint?.y ?? null }),
        updatedAt: now(),
      });
      return deps.reads.get(id, true);
    },

    async delete(id: string, principal: Principal): Promise<void> {
      const row = await deps.images.findById(id);
      if (!row) throw new NotFoundError('Image');
      requireRoleOf(principal, 'editor');
      const stillShared = await deps.images.transaction(async () => {
        const used = await deps.images.usage(id);
        if (used > 0) throw new ConflictError(`The image is used by ${used} article(s).`);
        await deps.images.delete(id);
        return (await deps.images.findBySha256(row.sha256)) !== undefined;
      });
      if (!stillShared) await deps.storage.remove(row.sha256);
    },

    /** Removes an image this request just created (its request failed after the upload). */
    async discard(id: string): Promise<void> {
      const row = await deps.images.findById(id);
      if (!row) return;
      await deps.images.delete(id);
      if (!(await deps.images.findBySha256(row.sha256))) await deps.storage.remove(row.sha256);
    },

    /** `npm run cms -- media gc [--grace-seconds N]`. */
    gc(options?: SweepOptions) {
      return deps.storage.gc(async (sha) => (await deps.images.findBySha256(sha)) !== undefined, options);
    },

    /** At start-up: only what a crash may have left between an upload's commit and its rename. */
    recover() {
      return deps.storage.recoverIncoming(async (sha) => (await deps.images.findBySha256(sha)) !== undefined);
    },
  };
}

export type ImageUploads = ReturnType<typeof createImageUploads>;

