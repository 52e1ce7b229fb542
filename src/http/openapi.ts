// The OpenAPI document, generated from the zod schemas of every route, served as JSON and
// YAML, with a browsable reference (Scalar, bundled, works offline) at /docs.
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { stringify } from 'yaml';
import { finishDocument } from './openapi-document.ts';

export const API_DESCRIPTION = `A headless CMS content API for newsrooms: articles, bylines, sections (a tree), images and tags.

Reads of public content need no token. \`Authorization: Bearer <token>\` shows non-public content too and is required for writes.
Every list is keyset-paginated (\`limit\`, \`cursor\`, \`Link: <…>; rel="next"\`). Every 200 on a GET carries an \`ETag\`;
\`If-None-Match\` revalidates (304). Errors are RFC 9457 problem details (\`application/problem+json\`).`;

/** The document as YAML without anchors or aliases (plainer for every generator). */
export function specYaml(app: FastifyInstance): string {
  return stringify(app.swagger(), { aliasDuplicateObjects: false, lineWidth: 0 });
}

export const openapiPlugin = fp(
  async function openapi(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Newsroom CMS content API',
          version: '1.0.0',
          description: API_DESCRIPTION,
        },
        servers: [{ url: 'http://127.0.0.1:3000', description: 'Local development server' }],
        tags: [
          { name: 'articles', description: 'Articles: list, search, read (also as JSON-LD and ninjs), write, publish, corrections and revisions' },
          { name: 'feeds', description: 'RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest public articles' },
          { name: 'sitemaps', description: 'Sitemaps by month and the Google News sitemap' },
          { name: 'webhooks', description: 'Webhook subscriptions and their delivery log (admin)' },
          { name: 'sync', description: 'The public articles that changed since a cursor' },
          { name: 'preview', description: 'Draft preview links' },
          { name: 'sections', description: 'The section tree' },
          { name: 'authors', description: 'Bylines' },
          { name: 'images', description: 'Image uploads, metadata, files and renditions' },
          { name: 'tags', description: 'Tags with article counts' },
          { name: 'tokens', description: 'API tokens (admin)' },
          { name: 'health', description: 'Service health' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token from `npm run cms -- token create`' },
          },
        },
        // Reads work without a token (public content) or with one (all content).
        security: [{}, { bearerAuth: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: (document) => finishDocument(jsonSchemaTransformObject(document) as Record<string, unknown>) as ReturnType<typeof jsonSchemaTransformObject>,
    });

    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return app.swagger();
    });
    app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) => {
      reply.type('application/yaml; charset=utf-8').header('cache-control', 'no-cache');
      return specYaml(app);
    });

    // Browsers ask for it on every page; answer "nothing here" rather than a 404.
    app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

    await app.register(scalar, {
      routePrefix: '/docs',
      configuration: { url: '/openapi.json', title: 'Newsroom CMS API reference', withDefaultFonts: false },
      logLevel: 'warn',
    });
  },
  { name: 'openapi' },
);
