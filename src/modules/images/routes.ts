import fs from 'node:fs';
import parseRange from 'range-parser';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams, noQuery } from '../../http/common-schemas.ts';
import { ifNoneMatchHits, notModified } from '../../http/caching.ts';
import { HttpProblem } from '../../http/errors.ts';
import { listRoute } from '../../http/list-route.ts';
import { problems } from '../../http/responses.ts';
import { ImageFileQuery, ImageListQuery, ImageListSchema, ImageSchema } from './schemas.ts';
import type { ImageService } from './service.ts';

const binary = z.string().meta({ format: 'binary' });
const imageContent = {
  'image/jpeg': { schema: binary },
  'image/png': { schema: binary },
  'image/webp': { schema: binary },
  'image/gif': { schema: binary },
  'image/avif': { schema: binary },
};

/** RFC 6266 inline disposition with an ASCII fallback and a UTF-8 name. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export const imageRoutes: FastifyPluginAsyncZod<{ images: ImageService; publicUrl?: string }> = async (app, opts) => {
  listRoute(app, {
    url: '/v1/images',
    operationId: 'listImages',
    tags: ['images'],
    summary: 'List images, newest first',
    description: 'Without a token, only images that a public article uses.',
    querystring: ImageListQuery,
    response: ImageListSchema,
    publicUrl: opts.publicUrl,
    list: async (request) => {
      const page = await opts.images.list(request.query, request.principal !== null);
      // Which images the public sees follows article publications (`public`, and `articles`
      // for a CDN: the list changes with them); then each image shown.
      request.cacheDeps = ['public', 'feed:all', ...page.data.map((i) => `image:${i.id}`)];
      return page;
    },
  });

  app.get(
    '/v1/images/:id',
    {
      schema: {
        operationId: 'getImage',
        tags: ['images'],
        summary: 'Get image metadata',
        description:
          'Metadata with `renditions` (WebP URLs for each standard width up to the original’s) and `focalPoint`. Without a token, only images a public article uses.',
        params: idParams,
        querystring: noQuery,
        response: { 200: ImageSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const image = await opts.images.get(request.params.id, request.principal !== null);
      // Public only while a public article uses it: `public` too.
      request.cacheDeps = ['public', `image:${image.id}`];
      return image;
    },
  );

  app.get(
    '/v1/images/:id/file',
    {
      schema: {
        operationId: 'getImageFile',
        tags: ['images'],
        summary: 'Get the image file or a rendition',
        description:
          'The original bytes, or with `w` and/or `format` a resized rendition (made once, then cached). ' +
          'Sent with the sniffed type, `X-Content-Type-Options: nosniff`, a strong `ETag` and immutable caching. ' +
          'A single `Range` (`bytes=start-end`) gets 206 with `Content-Range`; one beyond the end gets 416.',
        params: idParams,
        querystring: ImageFileQuery,
        response: {
          200: { description: 'The image bytes', content: imageContent },
          206: { description: 'The requested byte range (`Content-Range` names it)', content: imageContent },
          ...problems(400, 401, 404, 416),
        },
      },
    },
    async (request, reply) => {
      const file = await opts.images.file(request.params.id, request.query, request.principal !== null);
      // A stream is not held by the response cache; the keys make its Surrogate-Key.
      request.cacheDeps = ['public', `image:${request.params.id}`];
      reply
        .header('etag', file.etag)
        .header('cache-control', file.cacheControl)
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', contentDisposition(file.filename));
      if (ifNoneMatchHits(request.headers['if-none-match'], file.etag)) return notModified(reply);
      const { size } = await fs.promises.stat(file.path);
      reply.type(file.mimeType).header('accept-ranges', 'bytes');
      const range = request.headers.range;
      const ifRange = request.headers['if-range'];
      if (range !== undefined && (ifRange === undefined || ifRange === file.etag)) {
        const ranges = parseRange(size, range, { combine: true });
        if (ranges === -1) {
          throw new HttpProblem(416, 'Range Not Satisfiable', `The file has ${size} bytes.`, [{ in: 'header', path: 'range', message: 'Beyond the end of the file' }], {
            'content-range': `bytes */${size}`,
          });
        }
        // A malformed Range (-2) or several ranges are answered with the whole file, as RFC 9110 allows.
        if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
          const { start, end } = ranges[0]!;
          reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`).header('content-length', end - start + 1);
          return reply.send(fs.createReadStream(file.path, { start, end }) as unknown as string);
        }
      }
      reply.header('content-length', size);
      // A stream bypasses the serializer; the schema above only documents the bytes.
      return reply.send(fs.createReadStream(file.path) as unknown as string);
    },
  );
};
