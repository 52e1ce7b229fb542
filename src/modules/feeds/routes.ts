// RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest public articles (issue 13, part 3): one
// channel (model.ts) rendered per format (rss.ts, atom.ts, json-feed.ts) with the `feed`
// package, extended where it falls short (extend.ts). Public reads with or without a token:
// the response cache holds them under the keys of the lists and articles they show.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BadRequestError, NotFoundError } from '../../http/errors.ts';
import { absoluteUrl } from '../../http/public-url.ts';
import { shownDeps } from '../../http/surrogate-keys.ts';
import { problems } from '../../http/responses.ts';
import type { ArticleService } from '../articles/service.ts';
import type { ArticleDto } from '../articles/schemas.ts';
import type { SiteUrls } from '../articles/urls.ts';
import type { AuthorService } from '../authors/service.ts';
import type { SectionService } from '../sections/service.ts';
import type { TagService } from '../tags/service.ts';
import { xmlText } from './extend.ts';
import { renderAtom } from './atom.ts';
import { renderJsonFeed } from './json-feed.ts';
import { type FeedChannel, feedItem, feedTitle, lastUpdated } from './model.ts';
import { renderRss } from './rss.ts';
import { FeedQuery, type FeedQueryInput, JsonFeedSchema, MEDIA_TYPES } from './schemas.ts';

export interface FeedRouteOptions {
  articles: ArticleService;
  sections: SectionService;
  authors: AuthorService;
  tags: TagService;
  /** CMS_PUBLIC_URL without a trailing slash, when set (this API's own absolute URLs). */
  publicUrl?: string;
  /** The front-end's origin and article path (article `url`s are already made with it). */
  site: SiteUrls;
  publisher: { name: string; logoUrl: string | null };
}

const COMMON =
  'The newest public articles, newest first by `publishedAt`; drafts, scheduled articles not yet due and archived ones never appear, with or without a token. ' +
  'Filters as on `listArticles`: `section` (id or path, subsections included), `author` (id or slug), `tag`, `language`; they combine (AND); an unknown section, author or tag is 422. ' +
  'The title is `CMS_PUBLISHER_NAME`, plus ` — ` and the names of the section, author and tag filtered by (joined by `, `). ' +
  'Item ids are `urn:uuid:<article id>`; content is the body as HTML; every text is escaped, and characters XML 1.0 forbids are dropped. ' +
  'The last-update time is the newest `updatedAt` among the items (the Unix epoch for a feed without items). ' +
  'The self link and image URLs start with `CMS_PUBLIC_URL`, else with the request’s origin (400 for a `Host` no URL can be made of).';

const xmlDocument = (what: string) => z.string().describe(what);

const FORMATS = [
  {
    url: '/v1/feeds/rss',
    operationId: 'getRssFeed',
    summary: 'RSS 2.0 feed of the newest articles',
    description:
      `${COMMON} RSS 2.0 with \`atom:link rel="self"\`, per item \`guid isPermaLink="false"\`, \`description\` (the summary, HTML-escaped), \`content:encoded\`, a \`dc:creator\` per byline, ` +
      '`category` (section, then tags), `pubDate`, `atom:updated` and the lead image as `media:content` (`media:description` caption, `media:credit` credit).',
    mediaType: MEDIA_TYPES.rss,
    content: { 'application/rss+xml': { schema: xmlDocument('An RSS 2.0 document') } },
    render: renderRss,
  },
  {
    url: '/v1/feeds/atom',
    operationId: 'getAtomFeed',
    summary: 'Atom 1.0 feed of the newest articles',
    description: `${COMMON} Atom 1.0 with \`link rel="self"\`, per entry \`content type="html"\`, an \`author\` per byline (the publisher on the feed), \`category\`, \`published\`, \`updated\` and the lead image as \`media:content\`.`,
    mediaType: MEDIA_TYPES.atom,
    content: { 'application/atom+xml': { schema: xmlDocument('An Atom 1.0 document') } },
    render: renderAtom,
  },
  {
    url: '/v1/feeds/json',
    operationId: 'getJsonFeed',
    summary: 'JSON Feed 1.1 of the newest articles',
    description: `${COMMON} JSON Feed 1.1 with \`feed_url\`, per item \`content_html\`, \`authors\`, \`tags\` and \`image\`.`,
    mediaType: MEDIA_TYPES.json,
    content: { 'application/feed+json': { schema: JsonFeedSchema } },
    render: renderJsonFeed,
  },
] as const;

export const feedRoutes: FastifyPluginAsyncZod<FeedRouteOptions> = async (app, opts) => {
  /** The name of the author filtered by (an id or a slug), or undefined when gone meanwhile. */
  async function author(idOrSlug: string) {
    for (const find of [(v: string) => opts.authors.get(v), (v: string) => opts.authors.getBySlug(v)]) {
      try {
        return await find(idOrSlug);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return undefined;
  }

  /**
   * The names of the section, author and tag filtered by, and the cache keys they add. Called
   * once the filters are known to exist (publicArticles answers 422 otherwise); one removed
   * meanwhile is left out of the title.
   */
  async function filterNames(filter: FeedQueryInput, articles: ArticleDto[]): Promise<{ names: string[]; deps: string[] }> {
    const names: string[] = [];
    const deps: string[] = [];
    if (filter.section !== undefined) {
      // A section's change evicts every cached response: no key needed.
      const section = await opts.sections.resolve(filter.section);
      if (section) names.push(section.name);
    }
    if (filter.author !== undefined) {
      const found = await author(filter.author);
      if (found) {
        names.push(found.name);
        deps.push(`author:${found.id}`);
      }
    }
    if (filter.tag !== undefined) {
      // Tags are named on the articles that carry them: those listed, else the newest public one.
      let tag = articles.flatMap((a) => a.tags).find((t) => t.slug === filter.tag);
      if (!tag) {
        const newest = await opts.articles.publicArticles({ tag: filter.tag }, 1);
        deps.push(...newest.deps);
        tag = newest.articles[0]?.tags.find((t) => t.slug === filter.tag);
      }
      if (tag) names.push(tag.name);
    }
    return { names, deps };
  }

  /** This feed's absolute URL, with its query. */
  function selfUrl(request: FastifyRequest): string {
    try {
      return new URL(absoluteUrl(request, opts.publicUrl, request.url)).href;
    } catch {
      // Only without CMS_PUBLIC_URL: a Host header no URL can be made of is the client's error.
      throw new BadRequestError('The Host header is not a valid host.', [{ in: 'header', path: 'host', message: 'Invalid host' }]);
    }
  }

  async function channel(request: FastifyRequest, query: FeedQueryInput): Promise<FeedChannel> {
    const self = selfUrl(request);
    // Without CMS_PUBLIC_URL the self link and image URLs come from the request's Host, which
    // the response cache (keyed by path and query) does not tell apart: one request's Host
    // must not show in the feed another is sent, so such a feed is not kept (ETag and
    // Cache-Control still apply).
    if (opts.publicUrl === undefined) request.cacheKey = null;
    const { limit, ...filter } = query;
    const { articles, deps } = await opts.articles.publicArticles(filter, limit);
    const named = await filterNames(query, articles);
    // Any change to a listed article or to a list it is drawn from evicts the cached feed.
    request.cacheDeps = [...new Set([...deps, ...named.deps, ...articles.flatMap(shownDeps), ...(filter.tag !== undefined ? [`tag:${filter.tag}`] : [])])];
    const absolute = (pathOrUrl: string) => absoluteUrl(request, opts.publicUrl, pathOrUrl);
    const items = articles.map((a) => feedItem(a, absolute));
    return {
      title: feedTitle(opts.publisher.name, named.names),
      publisher: xmlText(opts.publisher.name),
      site: opts.site.site,
      self,
      language: filter.language ?? null,
      logo: opts.publisher.logoUrl,
      updated: lastUpdated(items),
      items,
    };
  }

  for (const format of FORMATS) {
    app.get(
      format.url,
      {
        schema: {
          operationId: format.operationId,
          tags: ['feeds'],
          summary: format.summary,
          description: format.description,
          querystring: FeedQuery,
          response: {
            200: { description: format.summary, content: format.content },
            ...problems(400, 401, 422),
          },
        },
      },
      async (request, reply) => reply.type(format.mediaType).send(format.render(await channel(request, request.query))),
    );
  }
};
