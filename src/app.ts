// buildApp(): the Fastify instance with its plugins and every module's routes.
// server.ts starts it; tests build it against a temporary database.
import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import authPlugin from './http/auth.ts';
import cachingPlugin from './http/caching.ts';
import { openapiPlugin } from './http/openapi.ts';
import problemPlugin from './http/problem.ts';
import { createFeedRepository } from './modules/articles/feed-repository.ts';
import { createArticleRepository } from './modules/articles/repository.ts';
import { articleRoutes } from './modules/articles/routes.ts';
import { createArticleService } from './modules/articles/service.ts';
import { createAuthorRepository } from './modules/authors/repository.ts';
import { authorRoutes } from './modules/authors/routes.ts';
import { createAuthorService } from './modules/authors/service.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { createImageRepository } from './modules/images/repository.ts';
import { imageRoutes } from './modules/images/routes.ts';
import { createImageService } from './modules/images/service.ts';
import { createMediaStorage } from './modules/images/storage.ts';
import { createSectionRepository } from './modules/sections/repository.ts';
import { sectionRoutes } from './modules/sections/routes.ts';
import { createSectionService } from './modules/sections/service.ts';
import { createTagRepository } from './modules/tags/repository.ts';
import { tagRoutes } from './modules/tags/routes.ts';
import { createTagService } from './modules/tags/service.ts';
import { createTokenRepository } from './modules/tokens/repository.ts';
import { createTokenService } from './modules/tokens/service.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  /** The clock (tests move it to watch scheduled articles become public). */
  now?: () => number;
  logger?: FastifyServerOptions['logger'];
}

/** Repositories and services wired together; shared by the app, the CLI and the seed loader. */
export function createServices({ config, db, now = Date.now }: Pick<AppDeps, 'config' | 'db' | 'now'>) {
  const publicUrl = config.CMS_PUBLIC_URL?.replace(/\/$/, '');
  const sectionRows = createSectionRepository(db);
  const authorRows = createAuthorRepository(db);
  const tagRows = createTagRepository(db);
  const imageRows = createImageRepository(db);
  const articleRows = createArticleRepository(db);
  const storage = createMediaStorage(config.CMS_MEDIA_DIR);
  const sections = createSectionService({ sections: sectionRows });
  const images = createImageService({ images: imageRows, storage, now, publicUrl });
  const articles = createArticleService({
    articles: articleRows,
    feed: createFeedRepository(db),
    sections,
    sectionRows,
    authors: authorRows,
    tags: tagRows,
    images,
    now,
  });
  return {
    publicUrl,
    storage,
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
  const services = createServices(deps);
  const app = Fastify({
    logger: deps.logger ?? { level: config.LOG_LEVEL },
    bodyLimit: config.CMS_MAX_BODY_BYTES,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(problemPlugin);
  await app.register(authPlugin, { tokens: services.tokens });
  await app.register(cachingPlugin, { publicMaxAge: config.CMS_PUBLIC_MAX_AGE });
  await app.register(openapiPlugin);

  const publicUrl = services.publicUrl;
  await app.register(healthRoutes, { db });
  await app.register(articleRoutes, { articles: services.articles, publicUrl });
  await app.register(sectionRoutes, { sections: services.sections, publicUrl });
  await app.register(authorRoutes, { authors: services.authors, publicUrl });
  await app.register(imageRoutes, { images: services.images, publicUrl });
  await app.register(tagRoutes, { tags: services.tags, publicUrl });
  return app;
}
