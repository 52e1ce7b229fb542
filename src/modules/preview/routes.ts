// Draft preview links (issue 14): POST /v1/articles/{id}/preview (writer+) makes a signed link
// with an expiry (token.ts); GET /v1/preview/{token} shows the article as it is now, in any
// status, to whoever holds the link: never to a shared cache (private, no-store; not held by
// the response cache; no Surrogate-Key) nor to a search engine (noindex).
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { requireToken } from '../../http/auth.ts';
import { idParams, noQuery, timestamp } from '../../http/common-schemas.ts';
import { NotFoundError, TooManyRequestsError } from '../../http/errors.ts';
import { absoluteUrl } from '../../http/public-url.ts';
import { problems } from '../../http/responses.ts';
import { ArticleSchema } from '../articles/schemas.ts';
import type { ArticleService } from '../articles/service.ts';
import { requireRoleOf } from '../tokens/roles.ts';
import { previewSecret, signPreview, verifyPreview } from './token.ts';

export interface PreviewRouteOptions {
  db: Database;
  articles: ArticleService;
  publicUrl?: string;
  now: () => number;
  /** Writes a token may make a minute (CMS_RATE_LIMIT_WRITES); no limit when absent. */
  rateLimitWrites?: number;
}

const MIN_SECONDS = 60;
const MAX_SECONDS = 604_800;
const DEFAULT_SECONDS = 3600;

const PreviewCreateSchema = z
  .strictObject({
    expiresIn: z
      .number()
      .int()
      .min(MIN_SECONDS)
      .max(MAX_SECONDS)
      .optional()
      .describe(`Seconds the link stays valid, ${MIN_SECONDS}–${MAX_SECONDS} (${DEFAULT_SECONDS} when absent)`),
  })
  .nullable()
  .optional()
  .describe('Optional');

const PreviewLinkSchema = z
  .object({
    url: z.string().describe('The link to open: `CMS_PUBLIC_URL` (else this request’s origin) + `/v1/preview/{token}`'),
    token: z.string().describe('The signed preview token (not a bearer token: it opens only this preview)'),
    expiresAt: timestamp.describe('When the link stops working'),
  })
  .meta({ id: 'PreviewLink' });

const PreviewParams = z.strictObject({ token: z.string().min(1).max(512).describe('A token from `createPreview`') });

export const previewRoutes: FastifyPluginAsyncZod<PreviewRouteOptions> = async (app, opts) => {
  const secret = previewSecret(opts.db);
  const limit =
    opts.rateLimitWrites === undefined
      ? undefined
      : app.rateLimit({
          max: opts.rateLimitWrites,
          timeWindow: 60_000,
          keyGenerator: (request) => (request.principal ? `token:${request.principal.tokenId}` : `ip:${request.ip}`),
          errorResponseBuilder: (_request, context) => new TooManyRequestsError(context.ttl / 1000, 'Too many write requests for this token.'),
        });

  app.post(
    '/v1/articles/:id/preview',
    {
      schema: {
        operationId: 'createPreview',
        tags: ['preview'],
        summary: 'Make a preview link for an article',
        description:
          `Writer or higher. A link that shows the article as it is at the time it is opened, in any status, without a token, until it expires (\`expiresIn\` seconds, ${DEFAULT_SECONDS} by default). ` +
          'The token is signed and names this one article: it opens nothing else and is refused as a bearer token.',
        security: [{ bearerAuth: [] }],
        params: idParams,
        body: PreviewCreateSchema,
        response: { 201: PreviewLinkSchema.describe('The link; `Location` names its path'), ...problems(400, 401, 403, 404, 415, 429) },
      },
      // As the other writes: the token first (401 before 400), then the write rate limit.
      onRequest: [
        async (request) => {
          requireToken(request);
        },
        ...(limit ? [limit] : []),
      ],
    },
    async (request, reply) => {
      const principal = requireToken(request);
      // Existence first (404), then role (403), as article writes check them.
      const article = await opts.articles.get(request.params.id, true);
      requireRoleOf(principal, 'writer');
      const expiresAt = opts.now() + (request.body?.expiresIn ?? DEFAULT_SECONDS) * 1000;
      const token = signPreview(await secret(), { articleId: article.id, expiresAt });
      const path = `/v1/preview/${token}`;
      return reply.code(201).header('location', path).send({
        url: absoluteUrl(request, opts.publicUrl, path),
        token,
        expiresAt: new Date(expiresAt).toISOString(),
      });
    },
  );

  app.get(
    '/v1/preview/:token',
    {
      schema: {
        operationId: 'getPreview',
        tags: ['preview'],
        summary: 'Open a preview link',
        description:
          'The article the token names, as it is now, in any status (as a token holder sees it), with `Cache-Control: private, no-store` and `X-Robots-Tag: noindex`. ' +
          'No bearer token is needed. An expired or altered token, or a deleted article, is 404.',
        security: [{}],
        params: PreviewParams,
        querystring: noQuery,
        response: { 200: ArticleSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      // Never held by the response cache, whoever asks; no Surrogate-Key (no cacheDeps).
      request.cacheKey = null;
      reply.header('cache-control', 'private, no-store').header('x-robots-tag', 'noindex');
      const claim = verifyPreview(await secret(), request.params.token);
      if (!claim || opts.now() >= claim.expiresAt) throw new NotFoundError('The preview');
      const article = await opts.articles.renderById(claim.articleId, true);
      // JSON text built by the service, sent as it is (as the article routes do).
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(article.json);
    },
  );
};
