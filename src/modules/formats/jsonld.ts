// An article as a schema.org NewsArticle in JSON-LD, for a page to embed in
// <script type="application/ld+json">: typed with schema-dts, null fields left out, and
// serialized so that no `<`, `>` or `&` appears raw (a `</script>` in a headline cannot end
// the element that holds it).
import type { CorrectionComment, NewsArticle, NewsMediaOrganization, Person, WithContext } from 'schema-dts';
import { z } from 'zod';
import { timestamp } from '../../http/common-schemas.ts';
import type { ArticleDto } from '../articles/schemas.ts';

export interface Publisher {
  name: string;
  logoUrl: string | null;
}

/**
 * The images a search engine may show for the article: the lead image's original, then each
 * body image's original, absolute and without repeats. Renditions are left out: they are the
 * same picture smaller, and search engines ask for the largest one.
 */
export function articleImageUrls(article: ArticleDto, absolute: (url: string) => string): string[] {
  const urls = [article.leadImage?.url, ...article.body.map((b) => (b.type === 'image' ? b.image?.url : undefined))];
  return [...new Set(urls.filter((u): u is string => !!u).map(absolute))];
}

/** The NewsArticle object (before serialization). `absolute` makes this API's paths absolute. */
export function newsArticle(article: ArticleDto, publisher: Publisher, absolute: (url: string) => string): WithContext<NewsArticle> {
  const organisation: NewsMediaOrganization = {
    '@type': 'NewsMediaOrganization',
    name: publisher.name,
    ...(publisher.logoUrl ? { logo: { '@type': 'ImageObject', url: publisher.logoUrl } } : {}),
  };
  const authors: Person[] = article.authors.map((a) => ({ '@type': 'Person', name: a.name }));
  const corrections: CorrectionComment[] = article.corrections.map((c) => ({ '@type': 'CorrectionComment', text: c.text, datePublished: c.createdAt }));
  const images = articleImageUrls(article, absolute);
  const keywords = article.tags.map((t) => t.name);
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    '@id': article.url,
    url: article.url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': article.url },
    headline: article.headline,
    ...(article.subheadline !== null ? { alternativeHeadline: article.subheadline } : {}),
    ...(article.summary !== null ? { description: article.summary } : {}),
    ...(article.firstPublishedAt !== null ? { datePublished: article.firstPublishedAt } : {}),
    dateModified: article.updatedAt,
    ...(authors.length ? { author: authors } : {}),
    ...(images.length ? { image: images } : {}),
    articleSection: [article.section.name, ...article.secondarySections.map((s) => s.name)],
    ...(keywords.length ? { keywords } : {}),
    inLanguage: article.language,
    ...(article.dateline !== null ? { dateline: article.dateline } : {}),
    publisher: organisation,
    ...(corrections.length ? { correction: corrections } : {}),
  };
}

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * JSON text safe inside a <script> element: `<`, `>`, `&` (and U+2028/U+2029, line ends to
 * older JavaScript parsers) as \u escapes. They can only occur inside JSON strings, where
 * the escape means the same character, so JSON.parse gives back the same value.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(SCRIPT_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---- The response as the spec describes it -------------------------------------------------

const jsonLdType = <T extends string>(type: T) => z.literal(type).describe(`Always \`${type}\``);

export const NewsArticleJsonLdSchema = z
  .object({
    '@context': z.literal('https://schema.org'),
    '@type': jsonLdType('NewsArticle'),
    '@id': z.string().describe('The article’s `url`'),
    url: z.string().describe('The article’s `url`'),
    mainEntityOfPage: z.object({ '@type': jsonLdType('WebPage'), '@id': z.string().describe('The article’s `url`') }),
    headline: z.string(),
    alternativeHeadline: z.string().optional().describe('The subheadline (absent when it has none)'),
    description: z.string().optional().describe('The summary (absent when it has none)'),
    datePublished: timestamp.optional().describe('`firstPublishedAt` (absent before the first publication: tokens only)'),
    dateModified: timestamp.describe('`updatedAt`'),
    author: z.array(z.object({ '@type': jsonLdType('Person'), name: z.string() })).optional().describe('A Person per byline, in order'),
    image: z
      .array(z.string())
      .optional()
      .describe('Absolute URLs of the original files of the lead image, then of the body’s images (renditions are the same pictures smaller)'),
    articleSection: z.array(z.string()).describe('Section names: the primary section, then the secondary ones'),
    keywords: z.array(z.string()).optional().describe('Tag names'),
    inLanguage: z.string().describe('BCP 47 language tag'),
    dateline: z.string().optional(),
    publisher: z
      .object({
        '@type': jsonLdType('NewsMediaOrganization'),
        name: z.string().describe('`CMS_PUBLISHER_NAME`'),
        logo: z.object({ '@type': jsonLdType('ImageObject'), url: z.string() }).optional().describe('`CMS_PUBLISHER_LOGO_URL`, when set'),
      }),
    correction: z
      .array(z.object({ '@type': jsonLdType('CorrectionComment'), text: z.string(), datePublished: timestamp }))
      .optional()
      .describe('A CorrectionComment per correction, oldest first'),
  })
  .meta({
    id: 'NewsArticleJsonLd',
    description:
      'A schema.org `NewsArticle` (JSON-LD). Fields without a value are left out (never null); `<`, `>` and `&` are sent as `\\u003c`, `\\u003e`, `\\u0026`, so the text can be pasted as it is into a page’s script element of type `application/ld+json`.',
  });
