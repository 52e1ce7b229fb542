// What a feed shows, whatever its format: the channel and its items, made from the public
// articles. Every text here is already without the characters XML 1.0 forbids (extend.ts).
import { bodyHtml } from '../articles/body-html.ts';
import type { ArticleDto } from '../articles/schemas.ts';
import { xmlText } from './extend.ts';

export interface FeedImage {
  /** Absolute. */
  url: string;
  width: number;
  height: number;
  mimeType: string;
  caption: string | null;
  credit: string | null;
}

export interface FeedItem {
  /** The article's id (the item's id is `urn:uuid:<id>`). */
  id: string;
  title: string;
  /** The article's `url`. */
  url: string;
  summary: string | null;
  /** The body as HTML, image URLs absolute. */
  contentHtml: string;
  /** Byline names, in order. */
  authors: string[];
  /** The section's name, then the tags' names (each name once). */
  categories: string[];
  language: string;
  published: Date;
  updated: Date;
  image: FeedImage | null;
}

export interface FeedChannel {
  title: string;
  /** CMS_PUBLISHER_NAME. */
  publisher: string;
  /** CMS_SITE_URL. */
  site: string;
  /** This feed's absolute URL with its query. */
  self: string;
  /** The language filter, when given. */
  language: string | null;
  /** The publisher's logo (CMS_PUBLISHER_LOGO_URL), when set. */
  logo: string | null;
  /** The largest `updatedAt` among the items; the Unix epoch for a feed without items. */
  updated: Date;
  items: FeedItem[];
}

/**
 * A feed's title: the publisher's name, plus ` — ` and the names of the section, author and tag
 * it is filtered by (in that order, joined by `, ` when several).
 */
export function feedTitle(publisher: string, names: string[]): string {
  return xmlText(names.length === 0 ? publisher : `${publisher} — ${names.join(', ')}`);
}

export function feedItem(article: ArticleDto, absolute: (pathOrUrl: string) => string): FeedItem {
  const image = article.leadImage;
  return {
    id: article.id,
    title: xmlText(article.headline),
    url: article.url,
    summary: article.summary === null ? null : xmlText(article.summary),
    contentHtml: xmlText(bodyHtml(article.body, absolute)),
    authors: article.authors.map((a) => xmlText(a.name)),
    // A tag named as the section says nothing new: each name once.
    categories: [...new Set([article.section.name, ...article.tags.map((t) => t.name)].map(xmlText))],
    language: article.language,
    // A public article always has publishedAt; updatedAt stands in should one ever lack it.
    published: new Date(article.publishedAt ?? article.updatedAt),
    updated: new Date(article.updatedAt),
    image: image
      ? {
          url: absolute(image.url),
          width: image.width,
          height: image.height,
          mimeType: image.mimeType,
          caption: image.caption === null ? null : xmlText(image.caption),
          credit: image.credit === null ? null : xmlText(image.credit),
        }
      : null,
  };
}

/**
 * The last-build/updated time: the newest `updatedAt` among the items. A feed without items
 * says the Unix epoch: a fixed time keeps its bytes (and ETag) the same until an article
 * appears, and no time the feed's content does not have is claimed.
 */
export function lastUpdated(items: FeedItem[]): Date {
  return new Date(Math.max(0, ...items.map((i) => i.updated.getTime())));
}
