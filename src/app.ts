// buildApp(): the Fastify instance with its plugins and every module's routes.
// server.ts starts it; tests build it against a temporary database.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import { createChangeFeed, type ChangeFeed } from './db/change-feed.ts';
import type { Database } from './db/database.ts';
import authPlugin, { requireToken } from './http/auth.ts';
import cachingPlugin from './http/caching.ts';
import { BadRequestError, ConflictError, ServiceUnavailableError, TooManyRequestsError } from './http/errors.ts';
import idempotencyPlugin from './http/idempotency.ts';
import metricsPlugin, { metricsRoutes, poolStatsOf } from './http/metrics.ts';
import requestIdPlugin, { requestIdOf } from './http/request-id.ts';
import responseCachePlugin from './http/response-cache.ts';
import { openapiPlugin } from './http/openapi.ts';
import problemPlugin, { frameworkErrorHandler } from './http/problem.ts';
import { createFeedRepository, type FeedRepository } from './modules/articles/feed-repository.ts';
import { createArticleEditor } from './modules/articles/editor-service.ts';
import { createArticleRepository } from './modules/articles/repository.ts';
import { articleWriteRoutes } from './modules/articles/write-routes.ts';
import { createAuthorEditor } from './modules/authors/editor-service.ts';
import { authorWriteRoutes } from './modules/authors/write-routes.ts';
import { createIdempotencyRepository } from './modules/idempotency/repository.ts';
import { createSectionEditor } from './modules/sections/editor-service.ts';
import { sectionWriteRoutes } from './modules/sections/write-routes.ts';
import { tokenRoutes } from './modules/tokens/routes.ts';
import { articleRoutes } from './modules/articles/routes.ts';
import { createArticleService } from './modules/articles/service.ts';
import { articleDocuments, DOCUMENT_FORMAT } from './modules/articles/documents.ts';
import { createAuthorRepository } from './modules/authors/repository.ts';
import { authorRoutes } from './modules/authors/routes.ts';
import { createAuthorService } from './modules/authors/service.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { createImageRepository } from './modules/images/repository.ts';
import { imageRoutes } from './modules/images/routes.ts';
import { createImageService } from './modules/images/service.ts';
import { createImageUploads } from './modules/images/upload-service.ts';
import { imageWriteRoutes } from './modules/images/write-routes.ts';
import { createMediaStorage } from './modules/images/storage.ts';
import { createSectionRepository } from './modules/sections/repository.ts';
import { sectionRoutes } from './modules/sections/routes.ts';
import { createSectionService } from './modules/sections/service.ts';
import { createTagRepository } from './modules/tags/repository.ts';
import { tagRoutes } from './modules/tags/routes.ts';
import { createTagService } from './modules/tags/service.ts';
import { createTokenRepository } from './modules/tokens/repository.ts';
import { createTokenService } from './modules/tokens/service.ts';
import { articleUrls, type SiteUrls } from './modules/articles/urls.ts';
import { feedRoutes } from './modules/feeds/routes.ts';
import { formatRoutes } from './modules/formats/routes.ts';
import { sitemapRoutes } from './modules/sitemaps/routes.ts';
import { createScheduler } from './modules/events/scheduler.ts';
import { previewRoutes } from './modules/preview/routes.ts';
import { syncRoutes } from './modules/sync/routes.ts';
import { createDispatcher } from './modules/webhooks/dispatcher.ts';
import { webhookRoutes } from './modules/webhooks/routes.ts';
import { webhookRepository } from './modules/webhooks/repository.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  /** Changes committed by other processes (built from `db` and the config when not given). */
  changes?: ChangeFeed;
  /** The clock (tests move it to watch scheduled articles become public). */
  now?: () => number;
  logger?: FastifyServerOptions['logger'];
}

/** The site's origin and article path template (CMS_SITE_URL, else CMS_PUBLIC_URL, else localhost). */
export function siteOf(config: Config): SiteUrls {
  const site = config.CMS_SITE_URL ?? config.CMS_PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  return { site: site.replace(/\/+$/, ''), template: config.CMS_ARTICLE_PATH };
}

/** Repositories and services wired together; shared by the app, the CLI and the seed loader. */
export function createServices({ config, db, now = Date.now }: Pick<AppDeps, 'config' | 'db' | 'now'>) {
  const publicUrl = config.CMS_PUBLIC_URL?.replace(/\/$/, '');
  const site = siteOf(config);
  const articleUrl = articleUrls(site);
  const sectionRows = createSectionRepository(db);
  const authorRows = createAuthorRepository(db);
  const tagRows = createTagRepository(db);
  const imageRows = createImageRepository(db);
  const articleRows = createArticleRepository(db);
  const storage = createMediaStorage(config.CMS_MEDIA_DIR);
  const sections = createSectionService({ sections: sectionRows });
  const images = createImageService({ images: imageRows, storage, now, publicUrl });
  const feed: FeedRepository = createFeedRepository(db);
  const articles = createArticleService({
    db,
    articles: articleRows,
    documents: articleDocuments(db),
    feed,
    sections,
    sectionRows,
    authors: authorRows,
    tags: tagRows,
    images,
    articleUrl,
    now,
  });
  const editors = {
    articles: createArticleEditor({ articles, rows: articleRows, sections: sectionRows, authors: authorRows, tags: tagRows, images: imageRows, now }),
    sections: createSectionEditor({
      sections: sectionRows,
      reads: sections,
      refreshArticlesIn: async (ids) => {
        for (const id of await articleRows.idsInSections(ids)) await articles.refreshFeed(id);
      },
      db,
      now,
    }),
    authors: createAuthorEditor({ authors: authorRows, db, now }),
    images: createImageUploads({ images: imageRows, reads: images, storage, now }),
  };
  return {
    db,
    publicUrl,
    site,
    articleUrl,
    publisher: { name: config.CMS_PUBLISHER_NAME, logoUrl: config.CMS_PUBLISHER_LOGO_URL ?? null },
    storage,
    feed,
    editors,
    idempotency: createIdempotencyRepository(db),
    repositories: { articles: articleRows, sections: sectionRows, authors: authorRows, tags: tagRows, images: imageRows },
    tokens: createTokenService({ tokens: createTokenRepository(db), now }),
    sections,
    authors: createAuthorService({ authors: authorRows }),
    tags: createTagService({ tags: tagRows, now }),
    images,
    articles,
  };
}

export type Services = ReturnType<typeof createServices>;

export async function buildApp(deps: AppDeps) {
  const { config, db } = deps;
  const now = deps.now ?? Date.now;
  const services = createServices(deps);
  // Cache hits are answered on the Node server before Fastify routes them (see response-cache.ts).
  let serveCached: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;
  const app = Fastify({
    serverFactory: (handler) =>
      http.createServer((req, res) => {
        // Set here too, for the responses Fastify never sees (cache hits, 503 while closing).
        res.setHeader('x-request-id', requestIdOf(req));
        try {
          if (serveCached?.(req, res)) return;
        } catch {
          // Anything unexpected (a closing database): let Fastify answer the request.
        }
        handler(req, res);
      }),
    logger: deps.logger ?? { level: config.LOG_LEVEL },
    // The request's id (`reqId` on each of its log lines): X-Request-Id when valid, else a UUID.
    genReqId: requestIdOf,
    bodyLimit: config.CMS_MAX_BODY_BYTES,
    return503OnClosing: true,
    // Long enough for every valid id and slug, so validation (400) names the bad field.
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // JSON is the only body type (multipart is added by the image upload route): anything
  // else is 415. Bodies must be valid UTF-8 (never silently "repaired") and may not carry
  // `__proto__`/`constructor.prototype` keys; an empty body counts as no body.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const buffer = body as Buffer;
    if (buffer.length === 0) return done(null, undefined);
    let decoded: string;
    try {
      decoded = utf8.decode(buffer);
    } catch {
      return done(new BadRequestError('The body is not valid UTF-8.'), undefined);
    }
    parseJson(request, decoded, done);
  });

  await app.register(requestIdPlugin);
  await app.register(problemPlugin, {
    translate: (error) => {
      if (db.dialect.isUnavailable(error)) return new ServiceUnavailableError(5);
      if (db.dialect.isSerializationFailure(error)) return new ServiceUnavailableError(1, 'Other requests kept changing the same data at the same moment; nothing was stored. Try again.');
      const field = db.dialect.uniqueViolation(error);
      if (field) return new ConflictError(`Another request took this ${field} at the same moment.`, [{ in: 'body', path: field, message: 'Already in use' }]);
      return null;
    },
  });
  // Rate limits are counted per process, or, with CMS_REDIS_URL, in Redis so that every
  // instance behind a load balancer shares one count (@fastify/rate-limit's own Redis store).
  // A Redis outage lets requests through rather than failing them.
  let redis: Redis | undefined;
  if (config.CMS_REDIS_URL) {
    redis = new Redis(config.CMS_REDIS_URL, { connectTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    redis.on('error', (err) => app.log.warn({ err }, 'redis (rate limits)'));
    await redis.connect().catch((err) => app.log.warn({ err }, 'redis unreachable at start; rate limits fail open until it answers'));
    app.addHook('onClose', async () => void redis?.disconnect());
  }
  // Documents built in another format or for other article URLs are rebuilt on their next read.
  await services.articles.documents.ensureFormat(JSON.stringify({ format: DOCUMENT_FORMAT, ...services.site }));
  // Documents built by reads are stored after their responses: stored before the database closes.
  app.addHook('onClose', () => services.articles.documents.settle());
  await app.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: 'newsroom-cms:rate:', skipOnError: true } : {}) });
  const authFailures = app.createRateLimit({
    max: config.CMS_RATE_LIMIT_AUTH_FAILURES,
    timeWindow: 60_000,
    keyGenerator: (request) => `auth:${request.ip}`,
  });
  await app.register(authPlugin, { authenticator: services.tokens, failures: authFailures });
  const webhookRows = webhookRepository(db);
  await app.register(metricsPlugin, { pool: poolStatsOf(db), webhookBacklog: () => webhookRows.backlog(now()) });
  await app.register(cachingPlugin, { publicMaxAge: config.CMS_PUBLIC_MAX_AGE });
  if (config.CMS_RESPONSE_CACHE_BYTES > 0) {
    const changes =
      deps.changes ??
      (await createChangeFeed(db, { redisUrl: config.CMS_REDIS_URL, log: (msg, err) => app.log.warn({ err }, msg) }));
    if (!deps.changes) app.addHook('onClose', async () => changes.close());
    await app.register(responseCachePlugin, {
      maxBytes: config.CMS_RESPONSE_CACHE_BYTES,
      maxEntries: config.CMS_RESPONSE_CACHE_ENTRIES,
      now,
      nextPublicAt: (at) => services.feed.nextPublicAt(at),
      subscribe: (listener) => {
        const offLocal = db.onCommit(listener);
        const offRemote = changes.subscribe(listener);
        return () => {
          offLocal();
          offRemote();
        };
      },
      checkNow: () => changes.checkNow(),
      observer: app.metrics.observeResponseCache(),
    });
    serveCached = (req, res) => app.serveCached(req, res);
  }
  await app.register(idempotencyPlugin, { keys: services.idempotency, now });
  await app.register(openapiPlugin);

  const publicUrl = services.publicUrl;
  await app.register(healthRoutes, { db });
  if (!config.CMS_METRICS_ADDRESS) await app.register(metricsRoutes);
  await app.register(articleRoutes, { articles: services.articles, publicUrl });
  await app.register(sectionRoutes, { sections: services.sections, publicUrl });
  await app.register(authorRoutes, { authors: services.authors, publicUrl });
  await app.register(imageRoutes, { images: services.images, publicUrl });
  await app.register(tagRoutes, { tags: services.tags, publicUrl });
  const { site, publisher } = services;
  await app.register(feedRoutes, { articles: services.articles, sections: services.sections, authors: services.authors, tags: services.tags, publicUrl, site, publisher });
  await app.register(sitemapRoutes, { db, articles: services.articles, images: services.images, articleUrl: services.articleUrl, publicUrl, site, publisher, now, publicMaxAge: config.CMS_PUBLIC_MAX_AGE });
  await app.register(formatRoutes, { articles: services.articles, publicUrl, publisher });
  await app.register(syncRoutes, { db, articles: services.articles, publicUrl });
  // Preview links: made with a token (the route checks it), opened without one.
  await app.register(previewRoutes, { db, articles: services.articles, publicUrl, now, rateLimitWrites: config.CMS_RATE_LIMIT_WRITES });
  await app.register(webhookRoutes, { db, now, allowPrivate: config.CMS_WEBHOOK_ALLOW_PRIVATE });

  // Event workers: scheduled publications noticed at their time, and webhook deliveries.
  const scheduler = createScheduler({ db, articles: services.articles, now, log: app.log });
  const dispatcher = createDispatcher({ db, now, log: app.log, allowPrivate: config.CMS_WEBHOOK_ALLOW_PRIVATE, retrySeconds: config.CMS_WEBHOOK_RETRY_SECONDS });
  app.addHook('onReady', async () => {
    scheduler.start();
    dispatcher.start();
  });
  app.addHook('preClose', async () => {
    await scheduler.stop();
    await dispatcher.stop();
  });

  // Writes and other token-only routes: a token is required before anything else is looked
  // at (401 before 400/415); rate-limited per token; an absent body counts as `{}` so that
  // validation names every missing field.
  await app.register(async (writes) => {
    writes.addHook('onRequest', async (request) => {
      requireToken(request);
    });
    writes.addHook('preValidation', async (request) => {
      if ((request.method === 'POST' || request.method === 'PATCH') && (request.body === undefined || request.body === null) && !String(request.headers['content-type'] ?? '').startsWith('multipart/')) {
        request.body = {};
      }
    });
    writes.addHook(
      'onRequest',
      writes.rateLimit({
        max: config.CMS_RATE_LIMIT_WRITES,
        timeWindow: 60_000,
        keyGenerator: (request) => (request.principal ? `token:${request.principal.tokenId}` : `ip:${request.ip}`),
        errorResponseBuilder: (_request, context) => new TooManyRequestsError(context.ttl / 1000, 'Too many write requests for this token.'),
      }),
    );
    await writes.register(articleWriteRoutes, { editor: services.editors.articles, publicUrl });
    await writes.register(sectionWriteRoutes, { editor: services.editors.sections });
    await writes.register(authorWriteRoutes, { editor: services.editors.authors });
    await writes.register(tokenRoutes, { tokens: services.tokens });
    await writes.register(imageWriteRoutes, { uploads: services.editors.images, maxUploadBytes: config.CMS_MAX_UPLOAD_BYTES });
  });
  return app;
}
