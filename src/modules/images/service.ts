import fs from 'node:fs';
import { z } from 'zod';
import { NotFoundError } from '../../http/errors.ts';
import { decodeCursor, type Page, pageFrom } from '../../http/pagination.ts';
import { toIso } from '../../http/time.ts';
import type { ImageRepository, ImageRow } from './repository.ts';
import { RENDITION_WIDTHS, type ImageDto, type RenditionFormat } from './schemas.ts';
import { FORMAT_MIME, type MediaStorage } from './storage.ts';

const ImageCursor = z.object({ t: z.number().int(), id: z.string() });
const YEAR = 31_536_000;

export interface ImageFile {
  path: string;
  mimeType: string;
  etag: string;
  filename: string;
  cacheControl: string;
}

export function createImageService({
  images,
  storage,
  now = Date.now,
  publicUrl = '',
}: {
  images: ImageRepository;
  storage: MediaStorage;
  now?: () => number;
  publicUrl?: string;
}) {
  const fileUrl = (id: string) => `${publicUrl}/v1/images/${id}/file`;

  function toDto(row: ImageRow, override: { caption?: string | null; credit?: string | null } = {}): ImageDto {
    return {
      id: row.id,
      url: fileUrl(row.id),
      filename: row.filename,
      mimeType: row.mimeType,
      bytes: row.bytes,
      width: row.width,
      height: row.height,
      sha256: row.sha256,
      alt: row.alt,
      caption: override.caption ?? row.caption,
      credit: override.credit ?? row.credit,
      focalPoint: row.focalX === null || row.focalY === null ? null : { x: row.focalX, y: row.focalY },
      renditions: RENDITION_WIDTHS.filter((w) => w <= row.width).map((width) => ({
        width,
        url: `${fileUrl(row.id)}?w=${width}&format=webp`,
      })),
      createdAt: toIso(row.createdAt),
    };
  }

  /** The image row if the caller may see it (tokens see every image; the public only used ones). */
  async function visible(id: string, hasToken: boolean): Promise<ImageRow> {
    const row = await images.findById(id);
    if (!row || (!hasToken && !(await images.isPublic(id, now())))) throw new NotFoundError('Image');
    return row;
  }

  return {
    toDto,

    /** Image objects by id, for articles (visibility follows the article's). */
    async byIds(ids: string[]): Promise<Map<string, ImageRow>> {
      return new Map((await images.findByIds([...new Set(ids)])).map((r) => [r.id, r]));
    },

    async list(query: { limit: number; cursor?: string }, hasToken: boolean): Promise<Page<ImageDto>> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ImageCursor);
      const rows = await images.list({ publicOnly: !hasToken, now: now(), after, limit: query.limit + 1 });
      return pageFrom(rows, query.limit, (last) => ({ t: last.createdAt, id: last.id }), (row) => toDto(row));
    },

    async get(id: string, hasToken: boolean): Promise<ImageDto> {
      return toDto(await visible(id, hasToken));
    },

    /** The file to send: the original, or a rendition made (once) on first request. */
    async file(id: string, query: { w?: number; format?: RenditionFormat }, hasToken: boolean): Promise<ImageFile> {
      const row = await visible(id, hasToken);
      const cacheControl = `${hasToken ? 'private' : 'public'}, max-age=${YEAR}, immutable`;
      const base = row.filename.replace(/\.[^.]*$/, '');
      if (query.w === undefined && query.format === undefined) {
        const path = storage.originalPath(row.sha256);
        if (!fs.existsSync(path)) throw new NotFoundError('Image file');
        return { path, mimeType: row.mimeType, etag: `"${row.sha256}"`, filename: row.filename, cacheControl };
      }
      const format = query.format ?? 'webp';
      const width = Math.min(query.w ?? row.width, row.width);
      const path = await storage.rendition(row.sha256, width, format);
      return {
        path,
        mimeType: FORMAT_MIME[format],
        etag: `"${row.sha256}-${width}-${format}"`,
        filename: `${base}-${width}.${format}`,
        cacheControl,
      };
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
