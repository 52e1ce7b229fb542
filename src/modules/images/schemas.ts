import { z } from 'zod';
import { timestamp } from '../../http/common-schemas.ts';
import { line } from '../../http/input.ts';
import { cursorParam, limitParam, pageOf } from '../../http/pagination.ts';

export const RENDITION_WIDTHS = [320, 640, 960, 1280, 1920] as const;
export const RENDITION_FORMATS = ['webp', 'avif', 'jpeg', 'png'] as const;
export type RenditionFormat = (typeof RENDITION_FORMATS)[number];

export const FocalPointSchema = z
  .object({
    x: z.number().min(0).max(1).describe('0 = left edge, 1 = right edge'),
    y: z.number().min(0).max(1).describe('0 = top edge, 1 = bottom edge'),
  })
  .meta({ id: 'FocalPoint', description: 'The point of interest that any crop keeps in frame' });

export const RenditionSchema = z
  .object({ width: z.number().int(), url: z.string() })
  .meta({ id: 'Rendition', description: 'A WebP rendition at a standard width, for `srcset`' });

export const ImageSchema = z
  .object({
    id: z.string(),
    url: z.string().describe('The original file'),
    filename: z.string().describe('A safe display name; never used as a path'),
    mimeType: z.string().describe('Sniffed from the bytes'),
    bytes: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    sha256: z.string(),
    alt: z.string().nullable(),
    caption: z.string().nullable(),
    credit: z.string().nullable(),
    focalPoint: FocalPointSchema.nullable(),
    renditions: z.array(RenditionSchema),
    createdAt: timestamp,
  })
  .meta({ id: 'Image' });

export const ImageListSchema = pageOf(ImageSchema, 'ImageList');

export const ImageListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });

const widthValues = RENDITION_WIDTHS.map(String) as [string, ...string[]];

export const ImageFileQuery = z.strictObject({
  w: z
    .enum(widthValues)
    .transform(Number)
    .optional()
    .describe('Rendition width in pixels; an image narrower than this is never upscaled'),
  format: z.enum(RENDITION_FORMATS).optional().describe('Rendition format (default: the original’s, or WebP with `w`)'),
});

export type ImageDto = z.infer<typeof ImageSchema>;

export const ImagePatchSchema = z
  .strictObject({
    alt: line(1000).nullable().optional(),
    caption: line(2000).nullable().optional(),
    credit: line(300).nullable().optional(),
    focalPoint: FocalPointSchema.nullable().optional().describe('The point any crop keeps in frame; null clears it'),
  })
  .meta({ id: 'ImagePatch', examples: [{ alt: 'Two leaders at a launch pad', focalPoint: { x: 0.4, y: 0.35 } }] });

export type ImagePatchInput = z.output<typeof ImagePatchSchema>;

/** Text fields of an upload (multipart form fields besides `file`). */
export const UploadFieldsSchema = z.strictObject({
  alt: line(1000).optional(),
  caption: line(2000).optional(),
  credit: line(300).optional(),
});

export const ImageUploadSchema = z
  .object({
    file: z.string().meta({ format: 'binary' }).describe('The image: JPEG, PNG, WebP, GIF or AVIF (sniffed from the bytes)'),
    alt: z.string().optional(),
    caption: z.string().optional(),
    credit: z.string().optional(),
  })
  .meta({ id: 'ImageUpload', description: 'multipart/form-data fields of an upload' });
