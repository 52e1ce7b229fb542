// What editors send: article create/patch bodies, publish options, revision shapes.
import { z } from 'zod';
import { dateTimeInput, idSchema, slugSchema, timestamp } from '../../http/common-schemas.ts';
import { httpUrl, languageTag, line, text, uniqueIds } from '../../http/input.ts';
import { cursorParam, limitParam, pageOf } from '../../http/pagination.ts';
import { ArticleSchema } from './schemas.ts';

const paragraph = text(50_000).min(1, 'Must not be empty');
const optionalNote = line(1000).nullable().optional();

const blockRequest = <T extends z.ZodRawShape>(name: string, shape: T) => z.strictObject(shape).meta({ id: `${name}BlockRequest` });

export const BodyBlockInput = z
  .discriminatedUnion('type', [
    blockRequest('Paragraph', { type: z.literal('paragraph'), text: paragraph }),
    blockRequest('Heading', { type: z.literal('heading'), level: z.number().int().min(2).max(4), text: line(500) }),
    blockRequest('Quote', { type: z.literal('quote'), text: paragraph, attribution: optionalNote }),
    blockRequest('List', { type: z.literal('list'), ordered: z.boolean(), items: z.array(text(5000).min(1)).min(1).max(500) }),
    blockRequest('Image', { type: z.literal('image'), imageId: idSchema, caption: optionalNote, credit: optionalNote }),
    blockRequest('Embed', { type: z.literal('embed'), url: httpUrl }),
  ])
  .meta({
    id: 'BodyBlockRequest',
    description: 'A body block as sent (image blocks name an image by id)',
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        ['paragraph', 'heading', 'quote', 'list', 'image', 'embed'].map((t) => [
          t,
          `#/components/schemas/${t[0]!.toUpperCase()}${t.slice(1)}BlockRequest`,
        ]),
      ),
    },
  });

export const LeadImageInput = z
  .strictObject({
    imageId: idSchema,
    caption: optionalNote.describe('Overrides the image’s caption for this article'),
    credit: optionalNote.describe('Overrides the image’s credit for this article'),
  })
  .meta({ id: 'LeadImageRequest' });

export const RelatedLinkInput = z
  .union([
    z.strictObject({ title: line(300), url: httpUrl }),
    z.strictObject({ articleId: idSchema, title: line(300).optional().describe('Defaults to the target’s headline') }),
  ])
  .meta({ id: 'RelatedLinkRequest', description: 'An external link `{ title, url }` or an internal one `{ articleId, title? }`' });

export const articleFields = {
  headline: line(300),
  slug: slugSchema.describe('Made from the headline when absent; unique'),
  subheadline: line(500).nullable(),
  summary: text(2000).nullable(),
  body: z.array(BodyBlockInput).max(2000),
  sectionId: idSchema.describe('Primary section'),
  secondarySectionIds: uniqueIds(20, 'section'),
  authorIds: uniqueIds(20, 'author').describe('Bylines, in order'),
  leadImage: LeadImageInput.nullable(),
  relatedLinks: z.array(RelatedLinkInput).max(50),
  tags: z
    .array(line(100))
    .max(50)
    .describe('Tag names; tags are created as needed'),
  dateline: line(200).nullable(),
  language: languageTag,
  canonicalUrl: httpUrl.nullable(),
  kicker: line(80).nullable().describe('The label above the headline (“Analysis”, “Exclusive”)'),
  translationOf: idSchema.describe('Joins this article to that article’s translation group (input only)'),
};

export const ArticleCreateSchema = z
  .strictObject({
    ...articleFields,
    slug: articleFields.slug.optional(),
    subheadline: articleFields.subheadline.optional(),
    summary: articleFields.summary.optional(),
    body: articleFields.body.optional(),
    secondarySectionIds: articleFields.secondarySectionIds.optional(),
    authorIds: articleFields.authorIds.optional(),
    leadImage: articleFields.leadImage.optional(),
    relatedLinks: articleFields.relatedLinks.optional(),
    tags: articleFields.tags.optional(),
    dateline: articleFields.dateline.optional(),
    language: articleFields.language.optional(),
    canonicalUrl: articleFields.canonicalUrl.optional(),
    kicker: articleFields.kicker.optional(),
    translationOf: articleFields.translationOf.optional(),
  })
  .meta({
    id: 'ArticleCreate',
    description: 'A new article (always a draft). Unknown and read-only fields are rejected.',
    examples: [
      {
        headline: 'South Korea worries Putin visit could tighten military bonds between North and Russia',
        sectionId: '01936f6e-5a1c-7d2e-9a55-0c1f0e6b7a10',
        authorIds: ['01936f6e-5a1d-7f00-8a11-4b2c3d4e5f60', '01936f6e-5a1d-7f00-8a11-4b2c3d4e5f61'],
        leadImage: { imageId: '01936f6e-5a1e-7a00-9b22-5c3d4e5f6a70', credit: 'AP/YONHAP' },
        body: [{ type: 'paragraph', text: 'South Korea believes Russia and North Korea will likely elevate their military cooperation…' }],
        relatedLinks: [{ title: 'The 1961 treaty', url: 'https://example.com/1961-treaty' }],
        tags: ['North Korea', 'Russia'],
      },
    ],
  });

export const ArticlePatchSchema = z
  .strictObject(Object.fromEntries(Object.entries(articleFields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof articleFields]: z.ZodOptional<(typeof articleFields)[K]>;
  })
  .meta({ id: 'ArticlePatch', description: 'Fields to change; absent fields stay as they are', examples: [{ headline: 'A corrected headline' }] });

export type ArticleCreateInput = z.output<typeof ArticleCreateSchema>;
export type ArticlePatchInput = z.output<typeof ArticlePatchSchema>;

export const CorrectionCreateSchema = z
  .strictObject({ text: text(5000).trim().min(1, 'Must not be empty') })
  .meta({ id: 'CorrectionCreate', examples: [{ text: 'An earlier version misstated the date of the summit.' }] });

export const PublishSchema = z
  .strictObject({
    publishAt: dateTimeInput
      .optional()
      .describe('Future: the article is scheduled and becomes public then. Past: published with that date. Absent: now.'),
  })
  .meta({ id: 'PublishRequest', examples: [{ publishAt: '2026-12-01T06:00:00Z' }] });

export const EmptyBodySchema = z.strictObject({}).nullable().optional().describe('No body (or `{}`)');

export const RevisionSchema = z
  .object({
    revision: z.number().int().min(1),
    createdAt: timestamp,
    createdBy: z.string().describe('Name of the token that made the change'),
  })
  .meta({ id: 'Revision' });

export const RevisionDetailSchema = RevisionSchema.extend({ article: ArticleSchema.describe('The article as it was') }).meta({
  id: 'RevisionDetail',
});

export const RevisionListSchema = pageOf(RevisionSchema, 'RevisionList');
export const RevisionListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const RevisionParams = z.strictObject({
  id: idSchema,
  revision: z.coerce.number().int().min(1).max(1_000_000).describe('Revision number (counts from 1)'),
});
