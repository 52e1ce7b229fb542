import { z } from 'zod';
import { ARTICLE_STATUSES } from '../../db/schema.ts';
import { dateTimeInput, timestamp } from '../../http/common-schemas.ts';
import { languageTag } from '../../http/input.ts';
import { cursorParam, limitParam, pageOf } from '../../http/pagination.ts';
import { AuthorRefSchema } from '../authors/schemas.ts';
import { ImageSchema } from '../images/schemas.ts';
import { SectionRefSchema } from '../sections/schemas.ts';
import { TagRefSchema } from '../tags/schemas.ts';

// ---- Body blocks (a discriminated union on `type`) -------------------------------------

const text = z.string().min(1).max(50_000);

export const ParagraphBlock = z.object({ type: z.literal('paragraph'), text }).meta({ id: 'ParagraphBlock' });
export const HeadingBlock = z
  .object({ type: z.literal('heading'), level: z.number().int().min(2).max(4), text: z.string().min(1).max(500) })
  .meta({ id: 'HeadingBlock' });
export const QuoteBlock = z
  .object({ type: z.literal('quote'), text, attribution: z.string().max(500).nullable() })
  .meta({ id: 'QuoteBlock' });
export const ListBlock = z
  .object({ type: z.literal('list'), ordered: z.boolean(), items: z.array(z.string().min(1).max(5000)).min(1).max(500) })
  .meta({ id: 'ListBlock' });
export const ImageBlock = z
  .object({
    type: z.literal('image'),
    imageId: z.string(),
    caption: z.string().nullable().describe('Overrides the image’s own caption here'),
    credit: z.string().nullable().describe('Overrides the image’s own credit here'),
    image: ImageSchema.nullable().describe('The resolved image'),
  })
  .meta({ id: 'ImageBlock' });
export const EmbedBlock = z.object({ type: z.literal('embed'), url: z.string() }).meta({ id: 'EmbedBlock' });

export const BodyBlockSchema = z
  .discriminatedUnion('type', [ParagraphBlock, HeadingBlock, QuoteBlock, ListBlock, ImageBlock, EmbedBlock])
  .meta({
    id: 'BodyBlock',
    description: 'A block of the article body; `type` says which',
    discriminator: {
      propertyName: 'type',
      mapping: {
        paragraph: '#/components/schemas/ParagraphBlock',
        heading: '#/components/schemas/HeadingBlock',
        quote: '#/components/schemas/QuoteBlock',
        list: '#/components/schemas/ListBlock',
        image: '#/components/schemas/ImageBlock',
        embed: '#/components/schemas/EmbedBlock',
      },
    },
  });

/** Blocks as stored (image blocks without the resolved image). */
export type StoredBlock =
  | { type: 'paragraph'; text: string }
  | { type: 'heading'; level: number; text: string }
  | { type: 'quote'; text: string; attribution?: string | null }
  | { type: 'list'; ordered: boolean; items: string[] }
  | { type: 'image'; imageId: string; caption?: string | null; credit?: string | null }
  | { type: 'embed'; url: string };

// ---- Article -----------------------------------------------------------------------------

export const RelatedLinkSchema = z
  .object({
    title: z.string().nullable(),
    url: z.string().nullable().describe('External link; null for an internal one'),
    articleId: z.string().nullable().describe('Internal link target; null for an external link'),
    slug: z.string().nullable().describe('Slug of the internal target'),
  })
  .meta({ id: 'RelatedLink' });

export const LeadImageSchema = ImageSchema.meta({
  id: 'LeadImage',
  description: 'The lead image, with this article’s caption and credit when it overrides them',
});

export const CorrectionSchema = z
  .object({ id: z.string(), text: z.string(), createdAt: timestamp })
  .meta({ id: 'Correction', description: 'A correction appended to an article (never edited or removed)' });

export const TranslationSchema = z
  .object({
    id: z.string(),
    language: z.string(),
    slug: z.string(),
    url: z.string().describe('The translation’s public `url`'),
  })
  .meta({ id: 'Translation', description: 'Another member of the article’s translation group' });

const articleFields = {
  id: z.string(),
  slug: z.string(),
  url: z
    .string()
    .describe('Where the article lives on the site: `canonicalUrl` when set, else `CMS_SITE_URL` + `CMS_ARTICLE_PATH` expanded'),
  version: z.number().int().min(1),
  kicker: z.string().nullable().describe('The label above the headline (“Analysis”)'),
  headline: z.string(),
  subheadline: z.string().nullable(),
  summary: z.string().nullable(),
  status: z.enum(ARTICLE_STATUSES).describe('A scheduled article whose time has come reads as `published`'),
  publishedAt: timestamp.nullable(),
  firstPublishedAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  section: SectionRefSchema,
  breadcrumbs: z.array(SectionRefSchema).describe('Root first, ending with the primary section'),
  secondarySections: z.array(SectionRefSchema),
  authors: z.array(AuthorRefSchema).describe('Bylines in order'),
  leadImage: LeadImageSchema.nullable(),
  relatedLinks: z.array(RelatedLinkSchema),
  tags: z.array(TagRefSchema),
  dateline: z.string().nullable(),
  language: z.string().describe('BCP 47 language tag'),
  canonicalUrl: z.string().nullable(),
  translations: z.array(TranslationSchema).describe('The other members of its translation group that the caller may see'),
  corrections: z.array(CorrectionSchema).describe('Oldest first'),
};

export const ArticleSchema = z
  .object({ ...articleFields, body: z.array(BodyBlockSchema) })
  .meta({ id: 'Article' });

export const ArticleSummarySchema = z
  .object({
    ...articleFields,
    snippet: z
      .string()
      .optional()
      .describe('With `q`: the matching passage, HTML-escaped, matched words in `<mark>`'),
  })
  .meta({ id: 'ArticleSummary', description: 'An article without its body' });

export const ArticleListSchema = pageOf(ArticleSummarySchema, 'ArticleList');

export const ARTICLE_SORTS = ['-publishedAt', 'publishedAt', '-updatedAt', 'updatedAt'] as const;
export type ArticleSort = (typeof ARTICLE_SORTS)[number];

export const ArticleListQuery = z.strictObject({
  section: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .describe('Section id or path (e.g. `national/north-korea`); includes its subsections'),
  author: z.string().min(1).max(120).optional().describe('Author id or slug'),
  tag: z.string().min(1).max(120).optional().describe('Tag slug'),
  language: languageTag.optional().describe('BCP 47 language tag (`en`, `pt-BR`)'),
  status: z.enum(ARTICLE_STATUSES).optional().describe('Token only'),
  publishedAfter: dateTimeInput.optional().describe('Exclusive lower bound on `publishedAt`'),
  publishedBefore: dateTimeInput.optional().describe('Exclusive upper bound on `publishedAt`'),
  q: z.string().min(1).max(500).optional().describe(
    'Full-text search (every word must match; the last word also as a prefix unless `q` ends in a space); results by relevance unless `sort` is given. ' +
      'Relevance is ranked within windows of articles taken in the order they were created, the newest window first (4,096 articles a window on SQLite, 1,024 on PostgreSQL), ' +
      'so that a page costs the same whatever the archive\'s size: the most relevant of the recent hits come first, and an older hit, however relevant, after them',
  ),
  sort: z.enum(ARTICLE_SORTS).optional().describe('Default `-publishedAt` (relevance with `q`)'),
  limit: limitParam,
  cursor: cursorParam,
});

export type ArticleListQueryInput = z.output<typeof ArticleListQuery>;
export type ArticleDto = z.infer<typeof ArticleSchema>;
export type ArticleSummaryDto = z.infer<typeof ArticleSummarySchema>;
export type BodyBlockDto = z.infer<typeof BodyBlockSchema>;
