// Image uploads (multipart, encapsulated here so no other route takes multipart bodies),
// metadata edits and deletes.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireToken } from '../../http/auth.ts';
import { idParams } from '../../http/common-schemas.ts';
import { BadRequestError, HttpProblem } from '../../http/errors.ts';
import { fieldErrorsFromIssues } from '../../http/problem.ts';
import { problems } from '../../http/responses.ts';
import { ImagePatchSchema, ImageSchema, ImageUploadSchema, UploadFieldsSchema } from './schemas.ts';
import { UploadTooLargeError, type ImageUploads } from './upload-service.ts';

const secured = [{ bearerAuth: [] }];

export const imageWriteRoutes: FastifyPluginAsyncZod<{ uploads: ImageUploads; maxUploadBytes: number }> = async (app, opts) => {
  await app.register(multipart, {
    // `files: 2` so that a second file reaches the handler's own 400 rather than a limit error.
    limits: { fileSize: opts.maxUploadBytes, files: 2, fields: 10, fieldSize: 4000, parts: 12, headerPairs: 100 },
  });

  app.post(
    '/v1/images',
    {
      bodyLimit: opts.maxUploadBytes + 64 * 1024,
      // The body is a multipart stream read in the handler; the schema documents it.
      validatorCompiler: () => (data) => ({ value: data }),
      schema: {
        operationId: 'uploadImage',
        tags: ['images'],
        summary: 'Upload an image',
        description:
          'Writer or higher. `multipart/form-data` with `file` and optional `alt`, `caption`, `credit`. ' +
          'The type is sniffed from the bytes (JPEG, PNG, WebP, GIF, AVIF); anything else is 415, over ' +
          '`CMS_MAX_UPLOAD_BYTES` is 413. Identical bytes are stored once.',
        security: secured,
        consumes: ['multipart/form-data'],
        body: ImageUploadSchema,
        response: { 201: ImageSchema, ...problems(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const principal = requireToken(request);
      if (!request.isMultipart()) throw new HttpProblem(415, 'Unsupported Media Type', 'Upload with `multipart/form-data`.');
      const fields: Record<string, string> = {};
      let image: Awaited<ReturnType<ImageUploads['upload']>> | undefined;
      let fieldsAfterFile = false;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file' || image) {
              part.file.resume();
              throw new BadRequestError('Send exactly one file, in the field `file`.', [{ in: 'body', path: part.fieldname, message: 'Unexpected file field' }]);
            }
            const parsed = UploadFieldsSchema.safeParse(fields);
            if (!parsed.success) {
              part.file.resume();
              throw new BadRequestError('Some form fields are invalid.', fieldErrorsFromIssues(toIssues(parsed.error), 'body'));
            }
            image = await opts.uploads.upload({ stream: part.file, filename: part.filename }, parsed.data, principal);
          } else {
            fields[part.fieldname] = String(part.value);
            if (image) fieldsAfterFile = true;
          }
        }
      } catch (err) {
        // A failed request stores nothing, even when the file was already taken in.
        if (image) await opts.uploads.discard(image.id);
        const code = (err as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') throw new UploadTooLargeError();
        if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
          throw new HttpProblem(413, 'Content Too Large', 'The form has too many parts or fields.', [{ in: 'body', path: '', message: 'Too many parts' }]);
        }
        throw err;
      }
      if (!image) throw new BadRequestError('The form has no `file`.', [{ in: 'body', path: 'file', message: 'Required' }]);
      reply.code(201).header('location', `/v1/images/${image.id}`);
      if (!fieldsAfterFile) return image;
      // Fields sent after the file (curl sends them in the order given) still count.
      const late = UploadFieldsSchema.safeParse(fields);
      if (!late.success) {
        await opts.uploads.discard(image.id); // a failed request stores nothing
        throw new BadRequestError('Some form fields are invalid.', fieldErrorsFromIssues(toIssues(late.error), 'body'));
      }
      return opts.uploads.patch(image.id, late.data, principal);
    },
  );

  app.patch(
    '/v1/images/:id',
    {
      schema: {
        operationId: 'updateImage',
        tags: ['images'],
        summary: 'Edit image metadata',
        description: 'Writer or higher: `alt`, `caption`, `credit`, `focalPoint`.',
        security: secured,
        params: idParams,
        body: ImagePatchSchema,
        response: { 200: ImageSchema, ...problems(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request) => opts.uploads.patch(request.params.id, request.body, requireToken(request)),
  );

  app.delete(
    '/v1/images/:id',
    {
      schema: {
        operationId: 'deleteImage',
        tags: ['images'],
        summary: 'Delete an image',
        description: 'Editor or higher. 409 while an article uses it (lead image or body block).',
        security: secured,
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      await opts.uploads.delete(request.params.id, requireToken(request));
      return reply.code(204).send(null);
    },
  );
};

function toIssues(error: z.ZodError) {
  return error.issues.map((i) => ({
    instancePath: `/${i.path.join('/')}`,
    message: i.message,
    keyword: i.code,
    params: 'keys' in i ? { keys: i.keys } : {},
  }));
}

