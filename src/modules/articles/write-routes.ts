// The editorial API for articles. Handlers are one service call each; the service checks,
// in order, existence (404) then role (403), after authentication (401) and validation (400).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireToken } from '../../http/auth.ts';
import { idParams } from '../../http/common-schemas.ts';
import { listRoute } from '../../http/list-route.ts';
import { problems } from '../../http/responses.ts';
import { articleEtag, type ArticleEditor } from './editor-service.ts';
import {
  ArticleCreateSchema,
  ArticlePatchSchema,
  CorrectionCreateSchema,
  EmptyBodySchema,
  PublishSchema,
  RevisionDetailSchema,
  RevisionListQuery,
  RevisionListSchema,
  RevisionParams,
} from './input-schemas.ts';
import { ArticleSchema, type ArticleDto, CorrectionSchema } from './schemas.ts';

const writeHeaders = z.looseObject({
  'if-match': z.string().max(200).optional().describe('The article’s current `ETag`; 412 when it is stale'),
});
const createHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(255).optional().describe('Replays the first response for the same key and body (24 h)'),
});
const secured = [{ bearerAuth: [] }];

export const articleWriteRoutes: FastifyPluginAsyncZod<{ editor: ArticleEditor; publicUrl?: string }> = async (app, opts) => {
  const withEtag = <T extends ArticleDto>(reply: { header: (k: string, v: string) => unknown }, article: T): T => {
    reply.header('etag', articleEtag(article));
    return article;
  };

  app.post(
    '/v1/articles',
    {
      schema: {
        operationId: 'createArticle',
        tags: ['articles'],
        summary: 'Create an article (a draft)',
        description: 'Writer or higher. The slug is made from the headline when absent. Honours `Idempotency-Key`.',
        security: secured,
        headers: createHeaders,
        body: ArticleCreateSchema,
        response: { 201: ArticleSchema.describe('The new article; `Location` names it'), ...problems(400, 401, 403, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const article = await opts.editor.create(request.body, requireToken(request));
      reply.code(201).header('location', `/v1/articles/${article.id}`);
      return withEtag(reply, article);
    },
  );

  app.post(
    '/v1/articles/:id/corrections',
    {
      schema: {
        operationId: 'addCorrection',
        tags: ['articles'],
        summary: 'Append a correction',
        description:
          'Editor or higher. Appends a public correction (articles list them in `corrections`, oldest first); bumps `version` and stores a revision. ' +
          'A correction is never edited or removed: not by `PATCH`, not by restoring a revision. Honours `Idempotency-Key`.',
        security: secured,
        params: idParams,
        headers: createHeaders,
        body: CorrectionCreateSchema,
        response: { 201: CorrectionSchema, ...problems(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const correction = await opts.editor.addCorrection(request.params.id, request.body.text, requireToken(request));
      return reply.code(201).send(correction);
    },
  );

  app.patch(
    '/v1/articles/:id',
    {
      schema: {
        operationId: 'updateArticle',
        tags: ['articles'],
        summary: 'Change an article',
        description: 'Writer for drafts, editor otherwise. Partial: absent fields stay. Bumps `version` and stores a revision.',
        security: secured,
        params: idParams,
        headers: writeHeaders,
        body: ArticlePatchSchema,
        response: { 200: ArticleSchema, ...problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 429) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await opts.editor.patch(request.params.id, request.body, requireToken(request), request.headers['if-match'])),
  );

  app.delete(
    '/v1/articles/:id',
    {
      schema: {
        operationId: 'deleteArticle',
        tags: ['articles'],
        summary: 'Delete an article',
        description: 'Editor or higher. Its revisions go with it; related links pointing at it disappear.',
        security: secured,
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await opts.editor.delete(request.params.id, requireToken(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/articles/:id/publish',
    {
      schema: {
        operationId: 'publishArticle',
        tags: ['articles'],
        summary: 'Publish now, at a past date, or schedule',
        description: 'Editor or higher. A future `publishAt` schedules the article; it becomes public at that time with no further request.',
        security: secured,
        params: idParams,
        headers: writeHeaders,
        body: PublishSchema.nullable().optional(),
        response: { 200: ArticleSchema, ...problems(400, 401, 403, 404, 412, 415, 429) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await opts.editor.publish(request.params.id, request.body?.publishAt, requireToken(request), request.headers['if-match'])),
  );

  app.post(
    '/v1/articles/:id/unpublish',
    {
      schema: {
        operationId: 'unpublishArticle',
        tags: ['articles'],
        summary: 'Back to draft',
        description: 'Editor or higher. `publishedAt` becomes null; `firstPublishedAt` stays.',
        security: secured,
        params: idParams,
        headers: writeHeaders,
        body: EmptyBodySchema,
        response: { 200: ArticleSchema, ...problems(400, 401, 403, 404, 412, 415, 429) },
      },
    },
    async (request, reply) => withEtag(reply, await opts.editor.unpublish(request.params.id, requireToken(request), request.headers['if-match'])),
  );

  app.post(
    '/v1/articles/:id/archive',
    {
      schema: {
        operationId: 'archiveArticle',
        tags: ['articles'],
        summary: 'Archive an article',
        description: 'Editor or higher. Archived articles are not public.',
        security: secured,
        params: idParams,
        headers: writeHeaders,
        body: EmptyBodySchema,
        response: { 200: ArticleSchema, ...problems(400, 401, 403, 404, 412, 415, 429) },
      },
    },
    async (request, reply) => withEtag(reply, await opts.editor.archive(request.params.id, requireToken(request), request.headers['if-match'])),
  );

  listRoute(app, {
    url: '/v1/articles/:id/revisions',
    operationId: 'listArticleRevisions',
    tags: ['articles'],
    summary: 'List an article’s revisions, newest first',
    description:
      'Token only. Each change (create, patch, publish, unpublish, archive, restore) stored one, with the token name that made it.',
    security: secured,
    params: idParams,
    querystring: RevisionListQuery,
    response: RevisionListSchema,
    problems: [404],
    publicUrl: opts.publicUrl,
    list: async (request) => {
      requireToken(request);
      return opts.editor.revisions(request.params.id, request.query);
    },
  });

  app.get(
    '/v1/articles/:id/revisions/:revision',
    {
      schema: {
        operationId: 'getArticleRevision',
        tags: ['articles'],
        summary: 'Get one revision with the article as it was',
        description:
          'Token only. `article` is the full article as it was after that change.',
        security: secured,
        params: RevisionParams,
        response: { 200: RevisionDetailSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      requireToken(request);
      return await opts.editor.revision(request.params.id, request.params.revision);
    },
  );

  app.post(
    '/v1/articles/:id/revisions/:revision/restore',
    {
      schema: {
        operationId: 'restoreArticleRevision',
        tags: ['articles'],
        summary: 'Make a revision’s content current (as a new revision)',
        description: 'Editor or higher. The status stays as it is.',
        security: secured,
        params: RevisionParams,
        body: EmptyBodySchema,
        response: { 200: ArticleSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await opts.editor.restore(request.params.id, request.params.revision, requireToken(request))),
  );
};
