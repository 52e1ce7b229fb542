// The feeds' query (the article list's filters and a limit) and how their responses are
// described in the spec: RSS and Atom as XML text, JSON Feed 1.1 field by field.
import { z } from 'zod';
import { ArticleListQuery } from '../articles/schemas.ts';

export const MEDIA_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
} as const;

/** section, author, tag and language exactly as `GET /v1/articles` takes them; unknown parameters are 400. */
export const FeedQuery = ArticleListQuery.pick({ section: true, author: true, tag: true, language: true }).extend({
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('Items (1–100).'),
});

export type FeedQueryInput = z.output<typeof FeedQuery>;

const JsonFeedAuthor = z.object({ name: z.string() }).meta({ id: 'JsonFeedAuthor' });

const JsonFeedItem = z
  .object({
    id: z.string().describe('`urn:uuid:<article id>`'),
    url: z.string().describe('The article’s `url`'),
    title: z.string().describe('The headline'),
    image: z.string().optional().describe('The lead image’s absolute URL'),
    date_modified: z.string().meta({ format: 'date-time' }).describe('`updatedAt`'),
    date_published: z.string().meta({ format: 'date-time' }).describe('`publishedAt`'),
    tags: z.array(z.string()).describe('The section’s name, then the tags’ names'),
    content_html: z.string().describe('The body as HTML'),
    summary: z.string().optional(),
    authors: z.array(JsonFeedAuthor).describe('The bylines, in order'),
    language: z.string().describe('BCP 47'),
  })
  .meta({ id: 'JsonFeedItem' });

export const JsonFeedSchema = z
  .object({
    version: z.literal('https://jsonfeed.org/version/1.1'),
    title: z.string().describe('`CMS_PUBLISHER_NAME`, plus ` — ` and the filters’ section, author and tag names'),
    home_page_url: z.string().describe('`CMS_SITE_URL`'),
    feed_url: z.string().describe('This feed’s absolute URL with its query'),
    icon: z.string().optional().describe('`CMS_PUBLISHER_LOGO_URL`, when set'),
    language: z.string().optional().describe('The `language` filter, when given'),
    authors: z.array(JsonFeedAuthor).describe('The publisher'),
    items: z.array(JsonFeedItem).describe('Newest first by `publishedAt`'),
  })
  .meta({ id: 'JsonFeed', description: 'A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)' });
