// An article as an IPTC ninjs 2.2 text item (https://iptc.org/standards/ninjs/), for partners
// and aggregators. Names and shapes follow the official 2.2 schema, which allows no other
// top-level keys; tests validate every response against it.
import { z } from 'zod';
import { timestamp } from '../../http/common-schemas.ts';
import { bodyHtml } from '../articles/body-html.ts';
import type { ArticleDto, BodyBlockDto } from '../articles/schemas.ts';

export const NINJS_SCHEMA_URI = 'http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json';

interface Text {
  role?: string;
  contenttype?: string;
  value: string;
}
interface Concept {
  name?: string;
  rel?: string;
  uri?: string;
  literal?: string;
}
interface Rendition {
  name: string;
  href?: string;
  contenttype?: string;
  width?: number;
  height?: number;
  sizeinbytes?: number;
}

/** The part of ninjs 2.2 this API sends (every name as the schema spells it). */
export interface NinjsItem {
  uri: string;
  type: 'text' | 'picture';
  representationtype?: 'full' | 'partial';
  version?: string;
  firstcreated?: string;
  versioncreated?: string;
  pubstatus?: 'usable' | 'withheld' | 'canceled';
  language?: string;
  slugline?: string;
  headlines?: Text[];
  descriptions?: Text[];
  bodies?: (Text & { wordcount?: number; charcount?: number })[];
  by?: string;
  people?: Concept[];
  subjects?: Concept[];
  located?: string;
  renditions?: Rendition[];
  associations?: (NinjsItem & { name: string })[];
  altids?: { role?: string; value?: string }[];
  standard?: { name: string; version: string; schema: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A URI for an id that never changes: `urn:uuid:<id>` (ids this API makes are UUIDs); for an
 * id made otherwise (by hand, in an import), this API's URL of the resource, or none.
 */
function idUri(id: string, fallback: () => string): string;
function idUri(id: string): string | undefined;
function idUri(id: string, fallback?: () => string): string | undefined {
  return UUID.test(id) ? `urn:uuid:${id.toLowerCase()}` : fallback?.();
}
/** `uri` when there is one. */
const uriOf = (id: string) => {
  const uri = idUri(id);
  return uri ? { uri } : {};
};

/** Word and character counts of the body's text, figure captions and embeds excluded (as ninjs defines them). */
export function bodyCounts(body: BodyBlockDto[]): { wordcount: number; charcount: number } {
  const texts = body.flatMap((b) => {
    switch (b.type) {
      case 'paragraph':
      case 'heading':
        return [b.text];
      case 'quote':
        return b.attribution ? [b.text, b.attribution] : [b.text];
      case 'list':
        return b.items;
      default:
        return [];
    }
  });
  let wordcount = 0;
  let charcount = 0;
  for (const text of texts) {
    wordcount += text.match(/\S+/gu)?.length ?? 0;
    charcount += [...text].length;
  }
  return { wordcount, charcount };
}

/**
 * The height of a rendition of `width` pixels, at the original's aspect ratio. The file
 * itself may be a pixel or two off: sharp decodes large JPEGs at a reduced scale first.
 */
const renditionHeight = (image: { width: number; height: number }, width: number) => Math.max(1, Math.round((image.height * width) / image.width));

/** The byline as one phrase in the article's language (“A and B”), English when the runtime lacks it. */
function byline(names: string[], language: string): string {
  let format: Intl.ListFormat;
  try {
    format = new Intl.ListFormat([language, 'en'], { type: 'conjunction', style: 'long' });
  } catch {
    format = new Intl.ListFormat('en', { type: 'conjunction', style: 'long' });
  }
  return format.format(names);
}

/** The lead image as a picture association: the original, then each WebP rendition. */
function leadPicture(image: NonNullable<ArticleDto['leadImage']>, absolute: (url: string) => string): NinjsItem & { name: string } {
  const descriptions: Text[] = [];
  if (image.caption) descriptions.push({ role: 'caption', contenttype: 'text/plain', value: image.caption });
  if (image.alt) descriptions.push({ role: 'alt', contenttype: 'text/plain', value: image.alt });
  return {
    name: 'leadimage',
    uri: idUri(image.id, () => absolute(`/v1/images/${encodeURIComponent(image.id)}`)),
    type: 'picture',
    ...(descriptions.length ? { descriptions } : {}),
    ...(image.credit ? { by: image.credit } : {}),
    renditions: [
      { name: 'original', href: absolute(image.url), contenttype: image.mimeType, width: image.width, height: image.height, sizeinbytes: image.bytes },
      ...image.renditions.map((r) => ({
        name: `w${r.width}`,
        href: absolute(r.url),
        contenttype: 'image/webp',
        width: r.width,
        height: renditionHeight(image, r.width),
      })),
    ],
  };
}

/**
 * The article as a ninjs text item. `uri` is `urn:uuid:<id>` (the article's `url` changes
 * with its slug or section; the item's identity must not), the `url` goes in `altids`.
 * Corrections go in `descriptions` (role `correction`), public text about the item: ninjs
 * has no correction property, and `ednote` is for the receiver's staff only.
 */
export function ninjsOf(article: ArticleDto, absolute: (url: string) => string): NinjsItem {
  const headlines: Text[] = [{ role: 'main', value: article.headline }];
  if (article.subheadline) headlines.push({ role: 'subheadline', value: article.subheadline });
  if (article.kicker) headlines.push({ role: 'kicker', value: article.kicker });
  const descriptions: Text[] = [];
  if (article.summary) descriptions.push({ role: 'summary', contenttype: 'text/plain', value: article.summary });
  for (const c of article.corrections) descriptions.push({ role: 'correction', contenttype: 'text/plain', value: c.text });
  const names = article.authors.map((a) => a.name);
  const subjects: Concept[] = [
    { name: article.section.name, rel: 'section', ...uriOf(article.section.id), literal: article.section.path },
    ...article.secondarySections.map((s) => ({ name: s.name, rel: 'secondarysection', ...uriOf(s.id), literal: s.path })),
    ...article.tags.map((t) => ({ name: t.name, rel: 'tag', literal: t.slug })),
  ];
  return {
    uri: idUri(article.id, () => absolute(`/v1/articles/${encodeURIComponent(article.id)}`)),
    type: 'text',
    representationtype: 'full',
    version: String(article.version),
    firstcreated: article.createdAt,
    versioncreated: article.updatedAt,
    pubstatus: article.status === 'published' ? 'usable' : 'withheld',
    language: article.language,
    slugline: article.slug,
    headlines,
    ...(descriptions.length ? { descriptions } : {}),
    bodies: [{ role: 'main', contenttype: 'text/html', value: bodyHtml(article.body, absolute), ...bodyCounts(article.body) }],
    ...(names.length ? { by: byline(names, article.language) } : {}),
    ...(names.length ? { people: article.authors.map((a) => ({ name: a.name, rel: 'author', ...uriOf(a.id), literal: a.slug })) } : {}),
    subjects,
    ...(article.dateline ? { located: article.dateline } : {}),
    ...(article.leadImage ? { associations: [leadPicture(article.leadImage, absolute)] } : {}),
    altids: [{ role: 'url', value: article.url }],
    standard: { name: 'ninjs', version: '2.2', schema: NINJS_SCHEMA_URI },
  };
}

// ---- The response as the spec describes it -------------------------------------------------

const textItem = z.object({ role: z.string().optional(), contenttype: z.string().optional(), value: z.string() });
const concept = z.object({ name: z.string().optional(), rel: z.string().optional(), uri: z.string().optional(), literal: z.string().optional() });

export const NinjsSchema = z
  .looseObject({
    uri: z.string().describe('`urn:uuid:<id>`: the item’s identity, which never changes'),
    type: z.string().describe('`text`'),
    representationtype: z.string().optional(),
    version: z.string().optional().describe('The article’s `version`, as a string'),
    firstcreated: timestamp.optional().describe('`createdAt`'),
    versioncreated: timestamp.optional().describe('`updatedAt`'),
    pubstatus: z.enum(['usable', 'withheld', 'canceled']).optional().describe('`usable` when public, else `withheld` (seen with a token only)'),
    language: z.string().optional(),
    slugline: z.string().optional().describe('The slug'),
    headlines: z.array(textItem).optional().describe('Roles `main`, `subheadline`, `kicker`'),
    descriptions: z.array(textItem).optional().describe('Role `summary`, then one `correction` per correction, oldest first'),
    bodies: z
      .array(textItem.extend({ wordcount: z.number().optional(), charcount: z.number().optional() }))
      .optional()
      .describe('One, role `main`, `text/html`'),
    by: z.string().optional().describe('The bylines as one phrase'),
    people: z.array(concept).optional().describe('One per byline, `rel` `author`'),
    subjects: z.array(concept).optional().describe('`rel` `section`, `secondarysection` or `tag`'),
    located: z.string().optional().describe('The dateline'),
    associations: z
      .array(z.looseObject({ name: z.string(), uri: z.string(), type: z.string().optional() }))
      .optional()
      .describe(
        'The lead image (`name` `leadimage`, `type` `picture`, `uri` `urn:uuid:<image id>`): caption and alt text as `descriptions` (roles `caption`, `alt`), credit as `by`, ' +
          'and `renditions`: `original`, then `w320`…`w1920` (WebP; their heights are at the original’s aspect ratio)',
      ),
    altids: z.array(z.object({ role: z.string().optional(), value: z.string().optional() })).optional().describe('Role `url`: the article’s `url`'),
  })
  .meta({
    id: 'Ninjs',
    description: `An IPTC ninjs 2.2 news item, valid against the official JSON Schema (${NINJS_SCHEMA_URI}); this describes the fields this API sends, the schema is the reference.`,
  });
