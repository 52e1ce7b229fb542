// An article's public `url`: its `canonicalUrl` when set, else the site's origin
// (CMS_SITE_URL) and the path template (CMS_ARTICLE_PATH) expanded for the article.
import { ARTICLE_PATH_PLACEHOLDERS } from '../../config.ts';

/** What the template reads of an article. */
export interface UrlFields {
  id: string;
  slug: string;
  canonicalUrl: string | null;
  /** The primary section's path (`national/north-korea`). */
  sectionPath: string;
  /** ms; null for an article never public yet (see `publishedAt`). */
  firstPublishedAt: number | null;
  /**
   * ms; for an article not yet public, its scheduled time: the date parts are those it will
   * have once public, so its url does not change at publication. Absent or null: `createdAt`.
   */
  publishedAt?: number | null;
  createdAt: number;
}

export interface SiteUrls {
  /** The site's origin, without a trailing slash. */
  site: string;
  /** The path template, placeholders checked (config.ts). */
  template: string;
}

export type ArticleUrl = (article: UrlFields) => string;

const pad = (n: number) => String(n).padStart(2, '0');

/** The function that makes an article's `url` from the site's origin and path template. */
export function articleUrls({ site, template }: SiteUrls): ArticleUrl {
  const origin = site.replace(/\/+$/, '');
  const parts = template.split(/(\{[^}]*\})/);
  for (const part of parts) {
    if (part.startsWith('{') && !(ARTICLE_PATH_PLACEHOLDERS as readonly string[]).includes(part.slice(1, -1))) {
      throw new Error(`CMS_ARTICLE_PATH: unknown placeholder ${part}`);
    }
  }
  return (a) => {
    if (a.canonicalUrl) return a.canonicalUrl;
    const date = new Date(a.firstPublishedAt ?? a.publishedAt ?? a.createdAt);
    const values: Record<string, string> = {
      // Each segment is already a slug; encoding keeps the path safe whatever a segment holds.
      sectionPath: a.sectionPath.split('/').map(encodeURIComponent).join('/'),
      slug: encodeURIComponent(a.slug),
      id: encodeURIComponent(a.id),
      yyyy: String(date.getUTCFullYear()),
      mm: pad(date.getUTCMonth() + 1),
      dd: pad(date.getUTCDate()),
    };
    const path = parts.map((p) => (p.startsWith('{') ? values[p.slice(1, -1)]! : p)).join('');
    // An empty placeholder leaves `//`: collapse it so the path stays a path.
    return origin + path.replace(/\/{2,}/g, '/');
  };
}
