// Sitemaps: the index by month, the month files and the Google News sitemap (issue 13, part 4).
// Public reads: the same documents with or without a token (drafts, scheduled-not-due and
// archived articles appear in none).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { cacheControlFor, ifNoneMatchHits, notModified } from '../../http/caching.ts';
import { noQuery } from '../../http/common-schemas.ts';
import { NotFoundError } from '../../http/errors.ts';
import { absoluteUrl, apiOrigin } from '../../http/public-url.ts';
import { problems } from '../../http/responses.ts';
import type { ArticleService } from '../articles/service.ts';
import type { ArticleUrl, SiteUrls } from '../articles/urls.ts';
import type { ImageService } from '../images/service.ts';
import { NEWS_LIMIT, URLS_PER_FILE, createSitemapService } from './service.ts';
import { newsSitemap, sitemapIndex } from './xml.ts';

export interface SitemapRouteOptions {
  db: Database;
  articles: ArticleService;
  images: ImageService;
  /** An article's public `url` from its fields (urls.ts). */
  articleUrl: ArticleUrl;
  /** CMS_PUBLIC_URL without a trailing slash, when set (this API's own absolute URLs). */
  publicUrl?: string;
  site: SiteUrls;
  publisher: { name: string; logoUrl: string | null };
  now: () => number;
  /** CMS_PUBLIC_MAX_AGE: max-age (s) of public responses. */
  publicMaxAge: number;
}

const XML = 'application/xml; charset=utf-8';
const xmlResponse = (description: string) => ({ description, content: { 'application/xml': { schema: z.string().describe(description) } } });

const MonthParams = z.strictObject({
  yyyy: z.string().regex(/^\d{4}$/, 'Must be a four-digit year').describe('Year (UTC), four digits'),
  mm: z.string().regex(/^(0[1-9]|1[0-2])$/, 'Must be a two-digit month, 01–12').describe('Month (UTC), 01–12'),
});
const MonthQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).optional().describe(`Page of a month with more than ${URLS_PER_FILE.toLocaleString('en')} articles (1 when absent)`),
});

// Sitemaps list articles: `public` for the response cache, `feed:all` for `articles` in the
// Surrogate-Key (surrogate-keys.ts). Not each article's key: a month file can hold 50,000.
const SITEMAP_DEPS = ['public', 'feed:all'];

export const sitemapRoutes: FastifyPluginAsyncZod<SitemapRouteOptions> = async (app, opts) => {
  const sitemaps = createSitemapService({ db: opts.db, articleUrl: opts.articleUrl, now: opts.now });
  // What month-file URLs are made of besides the rows: part of their ETags.
  const urlConfig = JSON.stringify([opts.publicUrl ?? null, opts.site.site, opts.site.template]);

  app.get(
    '/v1/sitemaps/index.xml',
    {
      schema: {
        operationId: 'getSitemapIndex',
        tags: ['sitemaps'],
        summary: 'Sitemap index, one entry per month',
        description:
          'A sitemap index (sitemaps.org 0.9) with one `<sitemap>` per UTC month that has public articles (by `firstPublishedAt`), newest month first, ' +
          `\`<lastmod>\` the newest \`updatedAt\` in it. A month with more than ${URLS_PER_FILE.toLocaleString('en')} articles is listed page by page ` +
          '(`…-{mm}.xml`, then `…-{mm}.xml?page=2` and so on). Every `<loc>` is this API’s own absolute URL (`CMS_PUBLIC_URL`, else the request’s origin).',
        querystring: noQuery,
        response: { 200: xmlResponse('The sitemap index'), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const entries = await sitemaps.index(apiOrigin(request, opts.publicUrl));
      // Any change to public content evicts it; a scheduled article coming due too (the
      // response cache's horizon).
      request.cacheDeps = SITEMAP_DEPS;
      return reply.type(XML).send(sitemapIndex(entries));
    },
  );

  app.get(
    '/v1/sitemaps/articles/:yyyy-:mm.xml',
    {
      schema: {
        operationId: 'getMonthSitemap',
        tags: ['sitemaps'],
        summary: 'Sitemap of the articles first published in a month',
        description:
          'A sitemap (sitemaps.org 0.9 with Google’s image extension 1.1) of the public articles first published in the UTC month, in the order of first publication: ' +
          '`<loc>` the article’s `url`, `<lastmod>` its `updatedAt`, and its lead image as `image:image/image:loc`. ' +
          `At most ${URLS_PER_FILE.toLocaleString('en')} URLs a page; \`page\` beyond the last, or a month without public articles, is 404. ` +
          'Streamed as it is read. Its `ETag` changes whenever a URL in it may have (in practice: after any article write), and `If-None-Match` answers 304 without reading the page.',
        params: MonthParams,
        querystring: MonthQuery,
        response: { 200: xmlResponse('The month’s sitemap'), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { yyyy, mm } = request.params;
      request.cacheDeps = SITEMAP_DEPS;
      const page = await sitemaps.monthPage(Number(yyyy), Number(mm), request.query.page ?? 1);
      const missing = () => new NotFoundError(`A sitemap page ${request.query.page ?? 1} of ${yyyy}-${mm}`);
      if (!page) throw missing();
      const origin = apiOrigin(request, opts.publicUrl);
      const etag = `"${createHash('sha1').update(`${page.fingerprint}\n${origin}\n${urlConfig}`).digest('base64url')}"`;
      const validators = () => reply.header('etag', etag).header('cache-control', cacheControlFor(request, opts.publicMaxAge));
      if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return notModified(validators());
      const first = await sitemaps.firstBatch(page);
      if (first.length === 0) throw missing();
      validators();
      const imageUrl = (id: string) => absoluteUrl(request, opts.publicUrl, `/v1/images/${id}/file`);
      // A stream is neither hashed for an ETag nor held by the response cache (caching.ts, response-cache.ts).
      return reply.type(XML).send(Readable.from(sitemaps.monthXml(page, first, imageUrl), { objectMode: false }) as unknown as string);
    },
  );

  app.get(
    '/v1/sitemaps/news.xml',
    {
      schema: {
        operationId: 'getNewsSitemap',
        tags: ['sitemaps'],
        summary: 'Google News sitemap of the last 48 hours',
        description:
          `A Google News sitemap: the public articles whose \`firstPublishedAt\` is at most 48 hours old (one exactly 48 hours old is in), newest first, at most ${NEWS_LIMIT.toLocaleString('en')}, ` +
          'each with `news:publication` (`news:name` = `CMS_PUBLISHER_NAME`, `news:language` = the article’s language as Google spells it: the ISO 639 code, ' +
          'except Chinese: `zh-cn` for Simplified (zh, zh-Hans, zh-CN, zh-SG) and `zh-tw` for Traditional (zh-Hant, zh-TW, zh-HK, zh-MO)), ' +
          '`news:publication_date` (= `firstPublishedAt`) and `news:title` (the headline). ' +
          '`Cache-Control` max-age never runs past the moment its oldest entry leaves the window.',
        querystring: noQuery,
        response: { 200: xmlResponse('The news sitemap'), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { entries, until } = await sitemaps.news(opts.publisher.name);
      // Entries leave the window as time passes, without a write to evict a cached copy, and the
      // response cache holds an entry until a change or the next scheduled publication only:
      // this one is not stored there, and a shared cache may keep it until its oldest entry leaves.
      request.cacheKey = null;
      request.cacheDeps = SITEMAP_DEPS;
      const left = until === null ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor((until - opts.now()) / 1000));
      reply.header('cache-control', cacheControlFor(request, Math.min(opts.publicMaxAge, left)));
      return reply.type(XML).send(newsSitemap(entries));
    },
  );
};
