// The export format (`cms export DIR` / `cms import DIR`): `content.ndjson`, one JSON object
// per line, each with a `kind`, and `media/` with the original image files
// (`media/<ab>/<sha256>`, as the media folder keeps them).
//
// Lines come in an order that imports without forward references: the header, sections
// (parents first), authors, tags, images, then each article followed by its revisions, then
// webhooks (never their secrets). An article's related links and translation group may name
// an article further down the file (two articles can link to each other): those are checked
// once the whole file is read.
//
// Every line is validated with the API's own field schemas (input-schemas.ts and the other
// modules' request schemas): a line the API would refuse, the import refuses. Times are
// RFC 3339 strings as in the API; ids, slugs, statuses and versions are kept as they are.
import { z } from 'zod';
import { dateTimeInput, idSchema, slugSchema } from '../../http/common-schemas.ts';
import { line, text, uniqueIds } from '../../http/input.ts';
import { ARTICLE_STATUSES } from '../../db/schema.ts';
import { articleFields, BodyBlockInput } from '../articles/input-schemas.ts';
import { authorFields } from '../authors/schemas.ts';
import { ImagePatchSchema } from '../images/schemas.ts';
import { SectionCreateSchema } from '../sections/schemas.ts';
import { description as webhookDescription, eventsInput, urlInput } from '../webhooks/schemas.ts';

export const FORMAT = 'newsroom-cms-export/1';

const time = dateTimeInput;
const nullableTime = dateTimeInput.nullable();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'Must be a lowercase hex sha256');

/** The first line: what wrote the file, and how many lines of each kind follow (for progress). */
export const HeaderLine = z.strictObject({
  kind: z.literal('export'),
  format: z.literal(FORMAT, `Must be "${FORMAT}" (a file written by this service)`),
  exportedAt: time,
  engine: z.enum(['sqlite', 'postgres']),
  counts: z.record(z.string(), z.number().int().min(0)),
});

export const SectionLine = z.strictObject({
  kind: z.literal('section'),
  id: idSchema,
  slug: slugSchema,
  name: SectionCreateSchema.shape.name,
  description: text(2000).nullable(),
  parentId: idSchema.nullable(),
  position: z.number().int().min(0).max(100_000),
  createdAt: time,
  updatedAt: time,
});

export const AuthorLine = z.strictObject({
  kind: z.literal('author'),
  id: idSchema,
  slug: authorFields.slug,
  name: authorFields.name,
  email: authorFields.email,
  title: authorFields.title,
  bio: authorFields.bio,
  createdAt: time,
  updatedAt: time,
});

export const TagLine = z.strictObject({
  kind: z.literal('tag'),
  id: idSchema,
  slug: slugSchema,
  name: line(100),
  createdAt: time,
});

const imageFields = ImagePatchSchema.shape;
export const ImageLine = z.strictObject({
  kind: z.literal('image'),
  id: idSchema,
  sha256,
  filename: line(255),
  mimeType: z.enum(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']),
  bytes: z.number().int().min(1),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  alt: imageFields.alt.unwrap(),
  caption: imageFields.caption.unwrap(),
  credit: imageFields.credit.unwrap(),
  focalPoint: imageFields.focalPoint.unwrap(),
  createdAt: time,
  updatedAt: time,
});

/** An article as stored: the API's fields, the stored relations by id, and what the server sets. */
export const ArticleLine = z.strictObject({
  kind: z.literal('article'),
  id: idSchema,
  slug: articleFields.slug,
  headline: articleFields.headline,
  subheadline: articleFields.subheadline,
  summary: articleFields.summary,
  body: z.array(BodyBlockInput).max(2000),
  status: z.enum(ARTICLE_STATUSES),
  version: z.number().int().min(1),
  sectionId: articleFields.sectionId,
  secondarySectionIds: articleFields.secondarySectionIds,
  authorIds: articleFields.authorIds,
  tagIds: uniqueIds(50, 'tag'),
  leadImage: z.strictObject({ imageId: idSchema, caption: line(1000).nullable(), credit: line(1000).nullable() }).nullable(),
  relatedLinks: z
    .array(
      z.union([
        z.strictObject({ title: line(300), url: articleFields.canonicalUrl.unwrap(), targetArticleId: z.null() }),
        z.strictObject({ title: line(300).nullable(), url: z.null(), targetArticleId: idSchema }),
      ]),
    )
    .max(50),
  dateline: articleFields.dateline,
  language: articleFields.language,
  canonicalUrl: articleFields.canonicalUrl,
  kicker: articleFields.kicker,
  translationGroup: idSchema.nullable(),
  publishedAt: nullableTime,
  firstPublishedAt: nullableTime,
  createdAt: time,
  updatedAt: time,
  corrections: z.array(z.strictObject({ id: idSchema, text: text(5000).min(1), createdAt: time })).max(1000),
});

/** A stored revision of the article on the line before it (its snapshot kept as it is). */
export const RevisionLine = z.strictObject({
  kind: z.literal('revision'),
  articleId: idSchema,
  revision: z.number().int().min(1),
  createdAt: time,
  createdBy: z.string().min(1).max(200),
  snapshot: z.looseObject({ record: z.looseObject({ id: idSchema }), article: z.looseObject({ id: idSchema }) }),
});

export const WebhookLine = z.strictObject({
  kind: z.literal('webhook'),
  id: idSchema,
  url: urlInput,
  events: eventsInput,
  description: webhookDescription,
  status: z.enum(['active', 'disabled']),
  createdAt: time,
  updatedAt: time,
});

export const KINDS = ['section', 'author', 'tag', 'image', 'article', 'revision', 'webhook'] as const;
export type Kind = (typeof KINDS)[number];

export const LINE_SCHEMAS = {
  section: SectionLine,
  author: AuthorLine,
  tag: TagLine,
  image: ImageLine,
  article: ArticleLine,
  revision: RevisionLine,
  webhook: WebhookLine,
} as const satisfies Record<Kind, z.ZodType>;

export type SectionData = z.output<typeof SectionLine>;
export type AuthorData = z.output<typeof AuthorLine>;
export type TagData = z.output<typeof TagLine>;
export type ImageData = z.output<typeof ImageLine>;
export type ArticleData = z.output<typeof ArticleLine>;
export type RevisionData = z.output<typeof RevisionLine>;
export type WebhookData = z.output<typeof WebhookLine>;

/** Where an image's file is in an export: `media/<ab>/<sha256>`. */
export const mediaPathOf = (sha: string) => `media/${sha.slice(0, 2)}/${sha}`;

/** A time (ms) as the export writes it. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
