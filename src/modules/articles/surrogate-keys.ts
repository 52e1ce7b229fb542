// Surrogate keys (API.md "Events: sync, cache keys, preview"): what a response shows, named
// so that a CDN can purge by key: `article-<id>`, `section-<id>`, `author-<id>`, `image-<id>`,
// `tag-<slug>`, and `articles` on whatever lists or counts articles. An event about an article
// carries the keys of the article as it was and as it is (what a CDN must purge).
import type { ArticleSummaryDto, BodyBlockDto } from './schemas.ts';

/** The keys of an article's own representation (and, with `articles`, of the lists showing it). */
export function articleSurrogateKeys(article: ArticleSummaryDto & { body?: BodyBlockDto[] }): string[] {
  return [
    ...new Set([
      `article-${article.id}`,
      'articles',
      ...[article.section, ...article.breadcrumbs, ...article.secondarySections].map((s) => `section-${s.id}`),
      ...article.authors.map((a) => `author-${a.id}`),
      ...(article.leadImage ? [`image-${article.leadImage.id}`] : []),
      ...(article.body ?? []).flatMap((b) => (b.type === 'image' ? [`image-${b.imageId}`] : [])),
      ...article.tags.map((t) => `tag-${t.slug}`),
    ]),
  ];
}
